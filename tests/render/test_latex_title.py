"""latex_title sets subscripted names as maths, but a title is the problem file's text: a
backslash, brace or TeX special in it must stay escaped text, never reach maths as a command
(y_{\\input{...}} would have had pdflatex read a file)."""

import re

import pytest

from rnnloss_cli.render.latex import latex_text, latex_title


@pytest.mark.parametrize(
    "title",
    [
        r"y_{\input{/etc/passwd}} here",
        r"y_t(\def\x) here",
        r"a_1(\$) and b_{#}",
        r"c_{x}} unbalanced { d_(",
    ],
)
def test_specials_in_a_title_stay_escaped(title):
    out = latex_title(title)
    for command in (r"\input", r"\def"):
        assert command not in out.replace(r"\textbackslash{}", ""), out
    maths = re.split(r"(?<!\\)\$", out)[1::2]  # between unescaped $ signs
    for m in maths:
        assert "\\" not in m.replace(r"\alpha", "") and "#" not in m, (m, out)
        assert m.count("{") == m.count("}"), (m, out)


@pytest.mark.parametrize(
    ("title", "math"),
    [
        ("emissions y_t(k) (given)", "$y_t(k)$"),
        ("worked cell α_2(4)", r"$\alpha _2(4)$"),
        ("the bracket when l'_s differs", "$l'_s$"),
        ("part k of dW_hh", "$dW_{hh}$"),
        ("h_{t−1} before", "$h_{t-1}$"),
    ],
)
def test_plain_subscripts_are_maths(title, math):
    assert math in latex_title(title)


def test_text_without_subscripts_is_latex_text():
    assert latex_title("greedy_prob & 50%") == latex_text("greedy_prob & 50%")


def test_a_subscript_that_is_a_comparison_is_one_subscript():
    # decode's language-model line "ln P(l_i | l_<i)": LaTeX printed a literal "l_<i"
    assert latex_title("ln P(l_i | l_<i) from") == r"ln P($l_i$ | $l_{<i}$) from"
    assert latex_title("y_≤t") == r"$y_{\le t}$"
