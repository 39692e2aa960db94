"""A solution step written only in plain text (no LaTeX form), read as maths on the LaTeX
sheet: its function names are upright and its starred names starred. ctc-decode-lexicon's
"loss of the beam's labelling: −ln p(l*|x) = −ln 0.28 = 1.273" was set as
$-ln p(l*|x) = -ln 0.28 = 1.273$: "lnp" in italics, l times |x (a binary star)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rnnloss_cli.sheet import build_sheet

PROBLEMS = Path(__file__).resolve().parent.parent / "problems"


def _spaced(latex: str) -> str:
    """Runs of spaces as one, none before a superscript (TeX ignores both in maths)."""
    return re.sub(r"\s+", " ", latex).replace(" ^", "^").strip()


def test_the_beam_loss_line_reads_ln_and_l_star():
    tex = build_sheet([str(PROBLEMS / "ctc-decode-lexicon.yaml")], "latex", solutions=True)
    line = next(x for x in tex.splitlines() if "loss of the beam's labelling" in x)
    # written by hand: −ln p(l*|x) = −ln 0.28 = 1.273 in maths
    assert r"-\ln p(l^{*}|x) = -\ln 0.28 = 1.273" in _spaced(line), line


@pytest.mark.parametrize(
    ("plain", "latex"),
    [
        ("−ln 0.56 = 0.58", r"-\ln 0.56 = 0.58"),
        ("tanh(0.5) = 0.462", r"\tanh(0.5) = 0.462"),
        ("π* = argmax y", r"\pi^{*} = \operatorname{argmax} y"),
        ("lnx", "lnx"),  # not a function name: left as it is
        (r"y_1(\text{ln}) = 0.2", r"y_1(\text{ln}) = 0.2"),  # a file's symbol stays text
        ("2 × 3", r"2 \times 3"),
        # a Greek name's subscript of two digits is braced as a Latin one's: β_60(61) was set
        # \beta _60(61), β_6 then "0(61)" (a 60-frame CTC sheet's "last frame" step)
        ("β_60(61) = y_60(A)", r"\beta _{60}(61) = y_{60}(A)"),
        ("α_12(3) + ŷ_10", r"\alpha _{12}(3) + \hat{y}_{10}"),
    ],
)
def test_plain_math(plain: str, latex: str):
    from rnnloss_cli.render.latex import plain_math

    assert _spaced(plain_math(plain)) == latex
