"""A short step that is a list of items wraps between its items on a phone, and stays one
line on a wide screen.

MathML has no line breaking Chromium honours (``<mspace linebreak>`` is ignored), so a step
is cut into several inline ``<math>`` elements and the text flow wraps between them. Before,
only a step longer than WRAP_AT (70) characters was cut, so hello's "given, at every frame:
P(H) = 0.6, P(E) = 0.5, P(L) = 0.7, P(O) = 0.8, P(-) = 0.2" (55 characters) was one unbroken
box that scrolled sideways in its own box on a 390 px phone.
"""

from __future__ import annotations

import shutil

import pytest

import rnnloss_cli
from rnnloss_cli.render.html import render_html
from rnnloss_cli.render.mathml import wrap_points


def test_a_short_list_is_cut_after_each_item_and_nowhere_else():
    given = "P(H) = 0.6, P(E) = 0.5, P(L) = 0.7, P(O) = 0.8, P(-) = 0.2"
    assert wrap_points(given) == ["P(H) = 0.6,", "P(E) = 0.5,", "P(L) = 0.7,", "P(O) = 0.8,",
                                  "P(-) = 0.2"]  # fmt: skip
    clauses = "P = 0.00659 + 0.00941 = 0.016;  −ln P = −ln 0.016 = 4.135"
    assert wrap_points(clauses) == ["P = 0.00659 + 0.00941 = 0.016;", "−ln P = −ln 0.016 = 4.135"]
    # a short step with no list, or commas only inside brackets or numbers: one piece
    for whole in (r"\frac{1}{2} = 0.5", "max(δ_T(5), δ_T(4)) = max(0.1, 0.2)", "T = 12,000"):
        assert wrap_points(whole) == [whole]


#: Steps that are lists of items, by page: (the step's label, its number on the page).
LIST_STEPS = {
    "hello": ["given, at every frame", "valid alignments only"],
    "deep": ["given, at every frame", "valid alignments only"],
    "digits-123": ["given, at every frame"],
    "ctc-exact-ab": ["first frame"],
}

#: Each step: its label, whether it scrolls sideways in its own box, and on how many lines
#: its <math> pieces sit (their vertical middles, one line per 10 px and more apart).
STEPS = """Array.from(document.querySelectorAll(".step")).map(d => {
  const mids = Array.from(d.querySelectorAll("math")).map(m => {
    const b = m.getBoundingClientRect(); return (b.top + b.bottom) / 2; }).sort((a, b) => a - b);
  return [d.querySelector(".label").textContent, d.scrollWidth > d.clientWidth + 1,
          mids.filter((y, k) => k === 0 || y - mids[k - 1] > 10).length];
})"""


@pytest.mark.skipif(shutil.which("chromium") is None, reason="chromium is not installed")
def test_a_list_step_wraps_on_a_phone_and_is_one_line_on_a_desktop(tmp_path):
    from tests.render.test_browser_reader import probe

    pages = {
        name: render_html([rnnloss_cli.solve_file(f"problems/{name}.yaml")]) for name in LIST_STEPS
    }
    phone = probe(pages, STEPS, tmp_path, width=390, flags=["--hide-scrollbars"])
    desk = probe(pages, STEPS, tmp_path, width=1280)
    for name, labels in LIST_STEPS.items():
        for label in labels:
            (on_phone,) = [s for s in phone[name] if s[0] == label]
            (on_desk,) = [s for s in desk[name] if s[0] == label]
            assert not on_phone[1], (name, label, "scrolls at 390 px")
            assert not on_desk[1] and on_desk[2] == 1, (name, label, on_desk)
    (given,) = [s for s in phone["hello"] if s[0] == "given, at every frame"]
    assert given[2] >= 2  # it wraps, between items


def test_a_piece_joined_back_keeps_the_latex_space_between():
    # the forward recursion's LaTeX: cut at ",\ " and ";\ " (list items) and before its
    # relations; "\ne l'_{s-2};" is shorter than _MIN_PIECE, so the next piece joins it again,
    # and must keep the "\ " between them (a space in LaTeX is no space: ";α_1(1)")
    latex = (
        r"\alpha_t(s) = \bigl(\alpha_{t-1}(s) + \alpha_{t-1}(s-1)\bigr)\, y_t(l'_s),\ "
        r"\text{the bracket only when } l'_s \ne l'_{s-2};\ \alpha_1(1) = y_1(\text{blank})"
    )
    pieces = wrap_points(latex)
    at = 0
    for piece in pieces:  # each piece is the step's own text, in order
        at = latex.index(piece, at) + len(piece)
    assert any(r";\ \alpha_1(1)" in p for p in pieces), pieces
