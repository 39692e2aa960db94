"""A LaTeX sheet never writes a source line longer than TeX reads.

pdflatex reads a line into a buffer of 200 000 characters (TeX Live's buf_size): a given list
of 50 000 numbers shown (``--window 50000x3``) was one line of 250 023 characters ("0.0,
0.5, ..." for ŷ) and pdflatex stopped: "! Unable to read an entire line". The sheet breaks a
long line at a space (a line's end is a space to TeX), or with "%" where there is none.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from rnnloss_cli.result import Window
from rnnloss_cli.sheet import build_sheet
from tests.latex_run import compile_tex

N = 50_000


def _sheet(tmp_path: Path) -> str:
    # y cycles 0..6, ŷ cycles 0, 0.5, ..., 2.0: "0, 1, 2, ..." is about 3 characters an item
    y = ", ".join(str(i % 7) for i in range(N))
    yhat = ", ".join(str((i % 5) / 2) for i in range(N))
    (tmp_path / "m.yaml").write_text(f"kind: mse\ny: [{y}]\nyhat: [{yhat}]\n", encoding="utf-8")
    return build_sheet([str(tmp_path / "m.yaml")], "latex", window=Window(N, 3))


def test_no_source_line_is_longer_than_tex_reads(tmp_path: Path) -> None:
    tex = _sheet(tmp_path)
    assert max(map(len, tex.splitlines())) <= 4000


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext is not installed")
def test_a_sheet_of_long_lists_compiles_with_every_item(tmp_path: Path) -> None:
    compile_tex("pdflatex", _sheet(tmp_path), tmp_path, "q")
    text = subprocess.run(
        ["pdftotext", str(tmp_path / "q.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    words = " ".join(text.split())
    # the lists as the file writes them, up to where TeX may break a line: every item kept
    assert words.count("0.0, 0.5, 1.0, 1.5, 2.0") >= N // 5 - 2000  # some cut by a line end
    assert "yhat: [0.0, 0.5, 1.0" in words
