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
