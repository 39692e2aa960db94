"""The share of p(l|x) the listed alignments cover is worked from numbers printed before it,
an alignment listed twice is warned about, and the coverage notes of CTC and of forced
alignment restate no share at digits of their own (the lines print it at --precision).

Hand arithmetic (a calculator, not the engine): P(A) = .5, P(B) = .3, P(-) = .2 at each of
3 frames; the 5 alignments of AB: -AB .2 × .5 × .3 = .03, A-B .5 × .2 × .3 = .03, AB-
.5 × .3 × .2 = .03, AAB .5 × .5 × .3 = .075, ABB .5 × .3 × .3 = .045: p(AB|x) = .21.
Listed A-B, A-B, AB-, AA-: the listed sum .03 + .03 + .03 + .05 = .14, the valid ones
.03 + .03 + .03 = .09, and the distinct valid ones A-B and AB- .03 + .03 = .06, printed on
no line before: their share is (.03 + .03) / .21 = .285714 (0.286 at -p 3).
"""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from rnnloss_cli import solve_file, solve_problem
from rnnloss_cli.cli.app import app

PROBLEMS = Path(__file__).resolve().parents[2] / "problems"
TWICE = {"kind": "ctc", "title": "t", "target": "AB", "probs": {"A": 0.5, "B": 0.3, "-": 0.2},
         "frames": 3, "alignments": ["A-B", "A-B", "AB-", "AA-"], "method": "exact"}  # fmt: skip
runner = CliRunner()


def test_the_share_adds_the_distinct_valid_alignments_it_divides(tmp_path):
    path = tmp_path / "twice.yaml"
    path.write_text(
        "kind: ctc\ntarget: AB\nprobs: {A: 0.5, B: 0.3, '-': 0.2}\nframes: 3\n"
        "alignments: [A-B, A-B, AB-, AA-]\nmethod: exact\n"
    )
    done = runner.invoke(app, ["solve", str(path), "-f", "markdown", "-p", "3"])
    assert done.exit_code == 0, done.output
    assert "(0.03 + 0.03) / 0.21 = 0.286" in done.output, done.output


def test_an_alignment_listed_twice_is_warned_about():
    r = solve_problem(TWICE)
    (w,) = [w for w in r.warnings if "again" in w]
    assert w.startswith("alignment 2, A-B, is alignment 1 again:"), w


def test_the_coverage_notes_name_the_share_line_instead_of_a_percentage():
    r = solve_file(PROBLEMS / "ctc-exact-listed.yaml")
    (note,) = [n for n in r.notes if "distinct valid" in n]
    assert "%" not in note and '"share of p(l|x) the listed alignments cover"' in note, note
    assert "2 of the 5 alignments" in note
    r = solve_file(PROBLEMS / "ctc-align-ab.yaml")
    (note,) = [n for n in r.notes if "best one alone" in n]
    assert re.findall(r"\d", note) == [] and '"share of the best alignment"' in note, note


def test_valid_only_is_worked_when_every_listed_alignment_is_valid():
    """ctc-exact-listed lists A-B and AB-, both valid: the result showed valid_only = 2.813
    and no line said where it came from. One line: every listed alignment collapses to AB,
    so P_valid = P = .06 and valid_only = −ln .06 = 2.813 (the listed loss)."""
    r = solve_file(PROBLEMS / "ctc-exact-listed.yaml")
    step = next((s for s in r.steps if s.label == "valid alignments only"), None)
    assert step is not None, [s.label for s in r.steps]
    out = runner.invoke(app, ["solve", str(PROBLEMS / "ctc-exact-listed.yaml")]).output
    line = " ".join(out.split())
    assert "valid alignments only: every listed alignment collapses to AB, so P_valid = P" in line
    assert "−ln P_valid = 2.813" in line
