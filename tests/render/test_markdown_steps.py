"""Markdown steps: LaTeX in $…$, plain-text steps as escaped text (inside $…$ prose would
lose its spaces, e.g. GitHub renders $the best path$ as the italic run "thebestpath")."""

from __future__ import annotations

import pytest

from rnnloss_cli.render.markdown import result_markdown, step_markdown
from rnnloss_cli.result import Result, Step


def test_a_latex_step_is_maths():
    s = Step("loss", "−ln {p} = {v}", {"p": 0.5, "v": 0.693147}, r"-\ln {p} = {v}")
    assert step_markdown(s, 3) == r"$-\ln 0.5 = 0.693$"
    assert step_markdown(s, 3, display=True) == r"$$-\ln 0.5 = 0.693$$"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("the best path collapses to ab", "the best path collapses to ab"),
        ("p_b + p_nb keeps words", "p_b + p_nb keeps words"),  # intraword _: never emphasis
        ("l* = ab, p(l*|x)", r"l\* = ab, p(l\*\|x)"),
        ("Σ_i ln P(l_i | l_<i) costs $5", r"Σ_i ln P(l_i \| l\_\<i) costs \$5"),
        ("[a](b) `c`", r"\[a\](b) \`c\`"),
    ],
)
def test_a_text_step_stays_text_with_markup_escaped(text, expected):
    assert step_markdown(Step("s", text), 3) == expected


def test_result_markdown_uses_the_step_forms():
    r = Result(
        kind="mse",
        title="t",
        loss=1.0,
        formula=Step("formula", "L = mean", {}, r"L = \frac{1}{n}"),
        steps=[Step("prose", "every frame counts once")],
    )
    text = result_markdown(r)
    assert r"$$L = \frac{1}{n}$$" in text
    assert "- prose: every frame counts once" in text and "$every" not in text
