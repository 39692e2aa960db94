"""An HTML page writes a negative number with the minus sign U+2212 everywhere a reader sees
it (tables, the loss line, the answer key), as its derivation lines and the rich and markdown
output do; hyphens that are not minus signs stay: a CTC blank "-", an alignment "1-2-3", an
exponent "1e-300". Attributes (data-value, alttext) are for machines and are not read here.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

import rnnloss_cli
from rnnloss_cli.render.html import render_html

PROBLEMS = sorted(Path("problems").glob("*.yaml"))
#: an ASCII hyphen-minus starting a number: not after a word character, a point, another
#: hyphen or minus (a label 1-2-3, an exponent 1e-3, a blank run "--1")
_ASCII_NEGATIVE = re.compile(r"(?<![\w.\-−])-\d")


def _visible_text(page: str) -> list[str]:
    """The page's text nodes (no <style>, <script>, tags or attributes)."""
    page = re.sub(r"<(style|script)\b.*?</\1>", "", page, flags=re.S)
    return [html.unescape(t) for t in re.split(r"<[^>]*>", page) if t.strip()]


@pytest.mark.parametrize("path", PROBLEMS, ids=[p.stem for p in PROBLEMS])
def test_no_ascii_minus_before_a_number(path: Path) -> None:
    page = render_html([rnnloss_cli.solve_file(str(path))], 3)
    hits = [t for t in _visible_text(page) if _ASCII_NEGATIVE.search(t)]
    assert hits == [], hits[:5]


def test_reinforce_reads_its_negatives_with_the_minus_sign() -> None:
    """The handout's REINFORCE episode: ln 0.9 = −0.1054 in the table, the loss −0.196."""
    page = render_html([rnnloss_cli.solve_file("problems/reinforce-episode.yaml")], 3)
    text = _visible_text(page)
    assert "−0.1054" in text and "−0.196" in text
