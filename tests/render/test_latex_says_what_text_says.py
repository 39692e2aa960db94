"""A step's LaTeX form (set as MathML on the HTML pages and in the LaTeX sheets) says what its
plain text says (the terminal, markdown and the MathML's alttext): every word of three or more
letters of the text is in the LaTeX too.

Pages showed "listed loss: −ln 0.0254 = 3.673" where the text reads "−ln P = −ln 0.0254 =
3.673", formulas without their name and reduction ("1/n Σ (y_i − ŷ_i)²" for "MSE = (1/n) Σ_i
(y_i − ŷ_i)²  (reduction: mean)") and "3.673 / ln 10" without its unit (nats): a sighted
reader and a screen reader read different derivations. Provenance: helper audit of the HTML
pages, finding 5.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import rnnloss_cli
from rnnloss_cli.render.text import step_latex, step_text

PROBLEMS = sorted(Path("problems").glob("*.yaml"))
#: LaTeX spellings of words the text writes out.
_LATEX_WORDS = {r"\arg\max": "argmax", r"\arg\min": "argmin"}


def _words(text: str) -> set[str]:
    for latex, word in _LATEX_WORDS.items():
        text = text.replace(latex, word)
    return set(re.findall(r"[A-Za-z]{3,}", text))


def _relations(text: str) -> int:
    """The relations "=" and "≈" (LaTeX's \\approx) outside braces: a script's (Σ_{c=0} is a
    limit) or a LaTeX argument's."""
    while (bare := re.sub(r"\{[^{}]*\}", "", text)) != text:
        text = bare
    return len(re.findall(r"=|≈|\\approx", text))


def _steps(result) -> list:
    steps = ([result.formula] if result.formula else []) + list(result.steps)
    for _, child in result.children:
        steps += _steps(child)
    return steps


@pytest.mark.parametrize("path", PROBLEMS, ids=lambda p: p.stem)
def test_every_word_of_a_step_is_in_its_latex(path):
    missing = {}
    for step in _steps(rnnloss_cli.solve_file(path)):
        if not step.latex:
            continue
        text, latex = step_text(step, 4), step_latex(step, 4)
        lost = _words(text) - _words(latex)
        relations = _relations(text), _relations(latex)
        if lost or relations[0] != relations[1]:
            missing[step.label] = (sorted(lost), relations, text, latex)
    assert not missing, missing
