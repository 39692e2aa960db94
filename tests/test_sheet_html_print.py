"""An HTML sheet printed on paper: A4 (the page says so), every table's words whole, and its
numbers' minus signs U+2212 throughout, as the derivation lines and the drawings write them.

Chromium printed a sheet on its default Letter paper; numbers read "-0.5" in the givens and
the answers but "−0.5" in the derivation, "3.5e-5" in the tables but "3.5e−5" in the
drawings' labels; and a printed table squeezed "HELLO" to "HELL|O" in its cells.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from rnnloss_cli.render.html import CSS, PAGE_CSS, html_minus, table_html
from rnnloss_cli.result import Table
from rnnloss_cli.sheet import build_sheet
from tests.test_sheet import PROBLEMS, _files
from tests.test_sheet_html import print_to_pdf

#: A hyphen-minus that is a minus sign: before a number not inside a word ("-0.5", not
#: "ctc-ab", "x-1", "H-E-L-L-O"), in an exponent ("3.5e-5"), or between a number and an
#: operand ("1 - y").
_ASCII_MINUS = re.compile(r"(?<![\w.\-/])-(?=\.?\d)|\de-\d|[\d)] - [\w(]")


def _shown_text(page: str) -> list[str]:
    """The text a reader sees: the page's text nodes, its <style> (CSS) and <svg> (its
    labels are the drawings' own) left out, entities read."""
    body = page[page.index("<body") :]
    body = re.sub(r"<style.*?</style>|<svg.*?</svg>", "", body, flags=re.S)
    return [html.unescape(t) for t in re.findall(r">([^<]+)<", body)]


# ------------------------------------------------------------------------------ paper
def test_the_page_names_its_paper_a4():
    rule = PAGE_CSS[PAGE_CSS.index("@page") :]
    assert re.search(r"size:\s*A4\s*;", rule), rule


@pytest.mark.skipif(
    shutil.which("chromium") is None or shutil.which("pdfinfo") is None,
    reason="chromium and pdfinfo (poppler-utils) are needed",
)
def test_a_sheet_prints_on_a4_by_default(tmp_path: Path):
    """Printed by Chromium with no paper chosen: A4, 595 × 842 pt (210 × 297 mm), not
    Chromium's default Letter (612 × 792 pt)."""
    pdf = print_to_pdf(
        build_sheet([str(PROBLEMS / "mse-forecast.yaml")], "html", solutions=False), tmp_path
    )
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    size = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info)
    assert size, info
    w, h = float(size[1]), float(size[2])
    # 210 mm = 210 / 25.4 × 72 = 595.3 pt; 297 mm = 841.9 pt
    assert abs(w - 595.3) < 1.5 and abs(h - 841.9) < 1.5, (w, h)


def test_a_printed_table_keeps_its_words_whole():
    """The print stylesheet wraps a table's text cells and heads between words; only a cell
    with a word too long for any line (class long-word) may break inside it."""
    printing = CSS[CSS.index("@media print") :]
    rule = re.search(r"\.wide th, \.wide td\.text \{([^}]*)\}", printing)
    assert rule and "overflow-wrap: break-word" in rule[1], rule
    assert re.search(r"\.wide td\.long-word \{ overflow-wrap: anywhere; \}", printing)
    t = Table("t", ["#", "B(π)", "x" * 30], [[1, "HELLO", "y" * 30]])
    out = "\n".join(table_html(t, 3))
    assert '<td class="text">HELLO</td>' in out
    assert f'<td class="text long-word">{"y" * 30}</td>' in out
    assert f'<th class="text long-word">{"x" * 30}</th>' in out


# ------------------------------------------------------------------------------ minus
@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("-0.196", "−0.196"),  # a number's sign
        ("3.5e-5", "3.5e−5"),  # an exponent's, as the drawings' labels write it
        ("0.531 (the key says -0.9)", "0.531 (the key says −0.9)"),
        ("max(0, 1 - y_t), labels -1/+1", "max(0, 1 − y_t), labels −1/+1"),
        # names, symbols and flags as written
        ("ctc-ab.yaml", "ctc-ab.yaml"),
        ("H-E-L-L-O", "H-E-L-L-O"),
        ("-1-2-3", "−1-2-3"),  # (a path is never given to it: see the givens test)
        ("--window 60x16", "--window 60x16"),
        ("x-1", "x-1"),
        ("a - b", "a - b"),
        ("-", "-"),
    ],
)
def test_html_minus(text: str, want: str):
    assert html_minus(text) == want


@pytest.mark.parametrize("solutions", [False, True], ids=["questions", "solutions"])
def test_no_ascii_minus_before_a_number_in_the_html_sheet(solutions: bool):
    """Every shipped problem: the givens ("[0.8, -0.5, 0.3]", "a = -0.3"), the term
    descriptions ("labels -1/+1"), the tables ("2.74e-6") and the answers ("-0.196")."""
    page = build_sheet(_files(), "html", solutions=solutions)
    hits = [t for t in _shown_text(page) if _ASCII_MINUS.search(t)]
    assert not hits, hits[:5]


def test_a_file_s_symbols_and_paths_keep_their_hyphens(tmp_path: Path):
    """digits-123's blank is "-" and a path through its labels "-1-2-3" is the file's: a
    hyphen there is a symbol, never a minus sign."""
    page = build_sheet([str(PROBLEMS / "digits-123.yaml")], "html", solutions=True)
    shown = " ".join(_shown_text(page))
    assert "−1" not in shown.replace("−1/", "")  # no label 1 made negative
