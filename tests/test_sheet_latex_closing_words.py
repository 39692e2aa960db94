"""A LaTeX sheet sets a formula's closing words ("(reduction: mean_tokens; classes numbered
from 0, ...)") as a centred line of text under its display, where they can wrap: inside the
display, as one \\text{}, the 100 characters of seq-padded-batch's ran past the margin (a
display never wraps). Their words stay on the sheet (see
tests/render/test_latex_says_what_text_says.py)."""

from __future__ import annotations

from rnnloss_cli.sheet import build_sheet


def test_closing_words_are_a_line_under_the_display():
    tex = build_sheet(["problems/seq-padded-batch.yaml"], "latex", solutions=True)
    line = next(x for x in tex.splitlines() if x.startswith(r"\[ L = -\frac{1}{n}"))
    assert "reduction" not in line and line.endswith(r"\]"), line
    after = tex.splitlines()[tex.splitlines().index(line) + 1]
    assert after == (
        r"{\centering\small (reduction: mean\_tokens; classes numbered from 0, as targets "
        r"give them; padded steps left out)\par}"
    ), after
