"""Issue 13 item 3: sheets ready to hand out (givens the key needs, the task in words,
composite problems self-contained, LaTeX with prose out of maths)."""

from __future__ import annotations

import math
import re
from pathlib import Path

from typer.testing import CliRunner

from rnnloss_cli.cli import app

PROBLEMS = Path(__file__).resolve().parents[1] / "problems"
runner = CliRunner()


def sheet(*args: str) -> str:
    result = runner.invoke(app, ["sheet", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_hello_question_sheet_lets_a_student_reach_the_key():
    out = sheet(str(PROBLEMS / "hello.yaml"))
    groups = re.findall(r"\(factors ([\d. ×]+)\)", out)
    assert len(groups) == 3
    # a student multiplies each alignment's printed factors, adds, takes −ln
    total = sum(math.prod(float(x) for x in g.split(" × ")) for g in groups)
    assert round(-math.log(total), 3) == 3.673
    assert "answer" not in out and "3.673" not in out  # still a question sheet


def test_task_is_in_the_students_words():
    out = sheet(str(PROBLEMS / "hello.yaml"))
    assert "Compute the CTC loss from the 3 listed alignments, as in the handout." in out
    assert "audited" not in out and "Give: listed" not in out


def test_custom_sheet_inlines_the_referenced_givens():
    out = sheet(str(PROBLEMS / "custom-combo.yaml"))
    # hinge-seq.yaml's y and ŷ, and seq-translation.yaml's targets, on the sheet itself
    assert "term 2 (mean sequence hinge) · yhat`: [0.8, -0.5, 0.3]" in out
    assert r"term 1 (summed sequence cross-entropy) · targets`: [the, cat, \<eos\>]" in out
    assert "weight 0.7" in out and "weight 0.3" in out


def test_latex_keeps_prose_out_of_maths_and_breaks_long_equations():
    out = sheet(str(PROBLEMS / "ctc-exact-ab.yaml"), "--solutions", "--format", "latex")
    for m in re.findall(r"\$([^$]*)\$", out):
        m = re.sub(r"\\text\{[^}]*\}", "", m)  # words set as text inside maths are fine
        assert not re.search(r"\b(when|and|blank between)\b", m), m
    hello = sheet(str(PROBLEMS / "hello.yaml"), "--solutions", "--format", "latex")
    # the nine-factor product is a display broken at its "=" signs, not one inline line
    assert r"\begin{aligned}" in hello
