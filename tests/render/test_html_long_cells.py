"""A table cell holding one very long word (a symbol of thousands of characters, a prefix
spelled of it) is classed in time: the prose test (words wrap on a phone) used a regex that
backtracked cubically, 30 s for a 3,000-letter word, and an HTML page of a ctc_decode
problem with such a symbol took over 90 s."""

from __future__ import annotations

import time

import pytest

from rnnloss_cli.render.html import is_prose, table_html
from rnnloss_cli.result import Table


@pytest.mark.parametrize(
    "text",
    ["q" * 3000, "a " + "q" * 3000, "q" * 3000 + " 1", "xy" * 2000 + " 7"],
)
def test_a_long_word_is_classed_quickly(text):
    start = time.perf_counter()
    table_html(Table("t", ["k", "prefix"], [[1, text]]), 3)
    assert time.perf_counter() - start < 1.0


@pytest.mark.parametrize(
    ("text", "prose"),
    [
        ("every frame counts once", True),
        ("spelling 2-3 letter words", True),
        ("no blank", True),
        ("a b", False),
        ("H-E-L-L-O", False),
        ("0.6 × 0.2", False),
        ("ab", False),
        ("x1 y2", False),
        ("word 12", False),
        ("  leading  spaces here", True),
        ("(a, b) ab", False),
        ("ab.cd ef", True),
        ("sil ab", True),
        ("q" * 3000, False),
        ("a " + "q" * 3000, False),
        ("ab " + "q" * 3000, True),
    ],
)
def test_prose_is_two_neighbouring_words_of_two_letters(text, prose):
    """Words (a run of two letters in each of two neighbouring space-separated chunks)
    wrap; a symbol string, a product of numbers or one word does not."""
    assert is_prose(text) is prose
