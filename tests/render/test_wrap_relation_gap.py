"""A long step cut before its "=" (:func:`render.mathml.wrap_points`) keeps the gap of an
uncut "=" on a desktop page.

Each piece is its own ``<math>``; a piece opening with "=" sets the operator's own space
(0.2778 em on either side, MathML's thick space) before it. Joined with an ordinary space as
well, the gap before a cut "=" was twice the gap before an uncut one: measured in Chromium at
1280 px, 10.1 px against 5 px on ctc-exact-ab's "worked gradient entry" ("… ) = 0.7") and
hello's "sum over the listed alignments". The pieces are joined with nothing: a line may
break between two ``<math>`` elements (CSS Text 3, 5.1), which adds no width, and copied text
holds no zero-width space.
"""

from __future__ import annotations

import re
import shutil

import pytest

import rnnloss_cli
from rnnloss_cli.render.html import render_html, step_html
from rnnloss_cli.result import Step


def test_a_piece_opening_with_a_relation_is_joined_without_a_space():
    # 73 characters: longer than WRAP_AT (70), cut before each "=" ("= z_1 + z_2", shorter
    # than _MIN_PIECE, joins "= w"); each piece short enough (under NARROW_AT as read) not
    # to be cut again
    text = "x_1 + x_2 + x_3 + x_4 + x_5 = y_1 + y_2 + y_3 + y_4 + y_5 = z_1 + z_2 = w"
    html = step_html(Step("long", text, {}), 3)
    joins = re.findall(r"</math>(.*?)<math", html)
    opens = re.findall(r'<math alttext="(.)', html)[1:]
    assert opens == ["=", "="], html
    assert joins == ["", ""]  # nothing between the pieces: no space, no U+200B


EQ_GAPS = """(() => {
  const box = el => { const r = document.createRange(); r.selectNodeContents(el);
    return r.getBoundingClientRect(); };
  const leaf = el => { while (el.lastElementChild) el = el.lastElementChild; return el; };
  const out = [];
  for (const mo of document.querySelectorAll("math mo")) {
    if (mo.textContent !== "=") continue;
    const m = mo.closest("math");
    let before = mo.previousElementSibling, cut = false;
    if (!before && mo === m.firstElementChild) { before = m.previousElementSibling; cut = true; }
    if (!before || (cut && before.tagName !== "math")) continue;
    const a = box(leaf(before)), b = box(mo);
    if (Math.abs(a.top - b.top) > 8) continue;  // the cut wrapped: no gap on one line
    out.push([cut, b.left - a.right]);
  }
  return out; })()"""


@pytest.mark.skipif(shutil.which("chromium") is None, reason="chromium is not installed")
def test_a_cut_before_an_equals_sign_keeps_its_width_on_a_desktop(tmp_path):
    from tests.render.test_browser_reader import probe

    names = ("ctc-exact-ab", "hello")
    pages = {n: render_html([rnnloss_cli.solve_file(f"problems/{n}.yaml")]) for n in names}
    gaps = [g for got in probe(pages, EQ_GAPS, tmp_path, width=1280).values() for g in got]
    inline = [gap for cut, gap in gaps if not cut]
    cuts = [gap for cut, gap in gaps if cut]
    assert len(cuts) >= 4 and inline, gaps
    widest = max(inline)
    assert all(gap <= widest + 1 for gap in cuts), (cuts, inline)
