"""A LaTeX sheet of a problem whose title is 10 kB: the heading of a section never breaks
across pages (LaTeX sets it with \\interlinepenalty 10000), so a 10 kB title ran 5096 pt
below the bottom of page 2 ("Overfull \\vbox ... while \\output is active"), the end of the
title and the start of the givens printed off the page. The heading now holds the title's
start, and the whole title follows as a paragraph, which breaks across pages."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from rnnloss_cli.limits import MAX_META_CHARS
from rnnloss_cli.sheet import build_sheet
from tests.latex_run import compile_tex

#: nearly 10 kB of words, just under MAX_META_CHARS: "w0 w1 ... w1799" and the end of the
#: title is "the last words".
LONG_TITLE = " ".join(f"w{i}" for i in range(1800)) + " the last words"
PROBLEM = f"""kind: mse
title: {LONG_TITLE}
y: [1.0, 2.0]
yhat: [1.5, 1.0]
answer: 0.625
"""
# key: errors -0.5 and 1.0, squares 0.25 and 1.0, mean 1.25 / 2 = 0.625


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext is not installed")
@pytest.mark.parametrize("solutions", [False, True])
def test_a_ten_kilobyte_title_is_printed_whole_and_inside_the_pages(tmp_path, solutions):
    assert 9_000 < len(LONG_TITLE) <= MAX_META_CHARS
    path = tmp_path / "long.yaml"
    path.write_text(PROBLEM, encoding="utf-8")
    tex = build_sheet([str(path)], "latex", solutions=solutions)
    log = compile_tex("pdflatex", tex, tmp_path, "t")
    assert "Overfull \\vbox" not in log, log[-2000:]
    text = subprocess.run(
        ["pdftotext", str(tmp_path / "t.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    words = text.split()
    # every word of the title is printed, and the givens and the task follow it
    for i in (0, 1, 999, 1798, 1799):
        assert f"w{i}" in words, i
    assert "last words" in " ".join(words)
    assert "Task" in words and "Given" in words
