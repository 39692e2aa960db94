"""The givens of a Moodle question as readable HTML: every given inside a paragraph or a table.

A vector was written ``<p>y:</p>[1, -1, 1]``: its values stood outside any element, below
their name. Now an inline given (a vector, a number, a word) is one paragraph,
``<p>y: [1, −1, 1]</p>``, its numbers' minus signs U+2212 as the question's feedback tables
write them; a matrix or a mapping is still a table under its name.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from rnnloss_cli.teach.moodle import moodle_bank

PROBLEMS = Path(__file__).resolve().parents[2] / "problems"


def _question_html(name: str) -> str:
    root = ET.fromstring(moodle_bank([str(PROBLEMS / name)]).text)
    return root.find("question[@type='numerical']/questiontext/text").text


def _loose_text(html: str) -> list[str]:
    """The text of ``html`` that no element holds: what a browser sets as a bare run
    between blocks (the question's HTML is XHTML: it parses as XML)."""
    top = ET.fromstring(f"<div>{html}</div>")
    return [t.strip() for t in [top.text, *(c.tail for c in top)] if t and t.strip()]


@pytest.mark.parametrize(
    "name", ["hinge-seq.yaml", "mse-forecast.yaml", "ctc-decode-beam-vs-greedy.yaml"]
)
def test_no_given_stands_outside_an_element(name):
    html = _question_html(name)
    assert _loose_text(html) == [], html


def test_a_vector_is_one_paragraph_with_its_name():
    # hinge-seq.yaml: y: [1, -1, 1], yhat: [0.8, -0.5, 0.3], reduction: mean
    html = _question_html("hinge-seq.yaml")
    assert "<p>y: [1, \u22121, 1]</p>" in html
    assert "<p>yhat: [0.8, \u22120.5, 0.3]</p>" in html
    assert "<p>reduction: mean</p>" in html


def test_a_matrix_is_still_a_table_under_its_name():
    # ctc-decode-beam-vs-greedy.yaml: two rows of emissions (- .5, a .4, b .1); the symbol
    # "-" (the blank) is a symbol, not a minus sign
    html = _question_html("ctc-decode-beam-vs-greedy.yaml")
    assert '<p>emissions:</p><table border="1"><tr><td>0.5</td>' in html
    assert "<p>symbols: [-, a, b]</p>" in html
    assert "<p>beam: 2</p>" in html
