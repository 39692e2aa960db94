"""A symbol from a problem file in a step's maths (render.latex.latex_symbol) reads as text
when it is more than one letter or digit: ``x</text><script>`` went into the maths as it was,
so MathML set each ``<``, ``/`` and ``>`` as an operator, spaced as one ("x < / text > < script
>"), and TeX set ``a b`` as ``ab`` (maths drops spaces) and ``a+b`` as a sum."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from rnnloss_cli.render.latex import latex_symbol
from rnnloss_cli.render.mathml import MATHML_NS, to_mathml

NS = "{" + MATHML_NS + "}"


def _atoms(latex: str) -> list[tuple[str, str | None]]:
    text = to_mathml(latex)
    assert text is not None, latex
    return [(el.tag.removeprefix(NS), el.text) for el in ET.fromstring(text).iter()]


@pytest.mark.parametrize("symbol", ["x</text><script>", "<eos>", "a b", "a+b", "x=1", "a/b"])
def test_a_symbol_with_signs_or_spaces_is_one_piece_of_text(symbol):
    atoms = _atoms(f"y_1({latex_symbol(symbol)}) = 0.2")
    # the symbol is one text atom holding it exactly; no part of it became an operator
    assert ("mtext", symbol) in atoms, atoms
    ops = [text for tag, text in atoms if tag == "mo"]
    assert ops == ["(", ")", "="], atoms


@pytest.mark.parametrize("symbol", ["A", "-", "12", "AB", "c1", "+", "α"])
def test_a_letter_digit_or_word_stays_maths(symbol):
    # one character, a number or a word of letters and digits reads in maths as itself
    assert latex_symbol(symbol) == symbol
