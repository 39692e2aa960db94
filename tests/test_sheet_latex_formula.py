"""A solution's formula display wider than the line: RNN-T's "−ln p(y|x), p(y|x) = …,
α(t,u) = …" (154 characters of LaTeX) ran 2.3 pt into the right margin ("Overfull \\hbox"
at its line). A long formula is set one statement a line, at its ",\\quad" separators."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from rnnloss_cli.sheet import build_sheet
from tests.latex_run import compile_tex

PROBLEMS = Path(__file__).resolve().parent.parent / "problems"


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed")
@pytest.mark.parametrize("name", ["rnnt-ab-two-frames.yaml", "ctc-align-ab.yaml"])
def test_a_long_formula_stays_inside_the_line(tmp_path, name):
    tex = build_sheet([str(PROBLEMS / name)], "latex", solutions=True)
    log = compile_tex("pdflatex", tex, tmp_path, "f")
    assert not re.findall(r"Overfull \\hbox \(([\d.]+)pt too wide\)", log), log[-1500:]


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed")
def test_the_whole_problem_set_stays_inside_the_lines(tmp_path):
    """The solution sheet of every problem file: TeX's own measure, no line wider than the
    text. Three kinds of line ran 119-186 pt out: BPTT's squared gradient norm (a sum of eight
    squares on one line of a display), the CTC backward recursion's clause in words (one line
    of \\text in a display) and the decoding formula's two statements joined by ";\\quad"."""
    files = sorted(str(p) for p in PROBLEMS.glob("*.yaml"))
    tex = build_sheet(files, "latex", solutions=True)
    log = compile_tex("pdflatex", tex, tmp_path, "all")
    over = re.findall(r"Overfull \\hbox \(([\d.]+)pt too wide\) detected at line (\d+)", log)
    lines = tex.splitlines()
    assert not over, [(w, lines[int(n) - 1][:160]) for w, n in over]


ORDINARY = {
    # eight logits: their exponentials, "e^{z} = ..." joined by ",\quad" (176 pt out)
    "cce8.yaml": "kind: cce\nlogits: [0.691, 1.643, 0.661, -2.606, 1.811, 0.893, 0.2, -0.4]\n"
    "y: 1\n",
    # ten symbols' probabilities given at every frame, joined by ", " (198 pt out)
    "ctc10.yaml": "kind: ctc\ntarget: ABC\nprobs: {A: 0.09, B: 0.09, C: 0.09, D: 0.09, "
    'E: 0.09, F: 0.09, G: 0.09, H: 0.09, I: 0.09, "-": 0.19}\nalignments: [A-B-C]\n',
}


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed")
def test_ordinary_sizes_stay_inside_the_lines(tmp_path):
    """Found by a helper's review: problems of ordinary size beyond problems/ ran past the
    margin where a display's only line was a list of statements or a sum with one "="; such
    a line now breaks at its commas (or before its "+" or "\\times"). A weighted sum of eight
    custom terms (105 pt out) too."""
    files = []
    for name, text in ORDINARY.items():
        (tmp_path / name).write_text(text)
        files.append(str(tmp_path / name))
    terms = "".join(
        f"  - {{name: part {i}, weight: 0.{i}, file: {PROBLEMS / 'mse-forecast.yaml'}}}\n"
        for i in range(1, 9)
    )
    (tmp_path / "c8.yaml").write_text(f"kind: custom\ntitle: c8\nterms:\n{terms}")
    files.append(str(tmp_path / "c8.yaml"))
    tex = build_sheet(files, "latex", solutions=True)
    log = compile_tex("pdflatex", tex, tmp_path, "ordinary")
    over = re.findall(r"Overfull \\hbox \(([\d.]+)pt too wide\) detected at line (\d+)", log)
    lines = tex.splitlines()
    assert not over, [(w, lines[int(n) - 1][:160]) for w, n in over]
