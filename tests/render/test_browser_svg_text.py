"""The texts of the drawings as Chromium paints them: their colours against the drawing's white
plate (:data:`render.palette.PLATE`). Skipped when ``chromium`` is not installed."""

from __future__ import annotations

import shutil

import pytest

import rnnloss_cli
from rnnloss_cli.render.html import render_html
from tests.render.test_browser_reader import probe

CHROMIUM = shutil.which("chromium")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")

#: Every <text> of every drawing whose computed fill has a contrast ratio (WCAG 2: relative
#: luminances, (L1 + 0.05) / (L2 + 0.05)) below 4.5 against white: [text, fill, ratio].
LOW_CONTRAST_SVG_TEXT = """(() => {
  const rgb = s => (s.match(/[\\d.]+/g) || []).map(Number);
  const lum = c => { const [r, g, b] = c.slice(0, 3).map(v => { v /= 255;
    return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  return Array.from(document.querySelectorAll("svg text")).map(t => {
    const fill = getComputedStyle(t).fill;
    return [t.textContent, fill, Math.round(1.05 / (lum(rgb(fill)) + 0.05) * 100) / 100];
  }).filter(p => p[2] < 4.5);
})()"""


def test_every_drawing_text_reads_on_its_white_plate(tmp_path):
    """The tags that number the listed alignments at their ends in hello's and
    digits-123's lattices ("1", "3", 11 px) are drawn in a darker shade of their line's
    colour, at least 4.5:1 on white (before: Okabe-Ito vermillion #d55e00, 3.9:1, and
    reddish purple #cc79a7, 3.1:1, for 11 px text); seq-padded-batch's "pad" mark over a
    padded step, 10 px, likewise (before: #777, 4.48:1)."""
    pages = {
        p: render_html([rnnloss_cli.solve_file(f"problems/{p}.yaml")])
        for p in ("hello", "digits-123", "deep", "ctc-exact-ab", "seq-padded-batch")
    }
    got = probe(pages, LOW_CONTRAST_SVG_TEXT, tmp_path)
    assert all(v == [] for v in got.values()), {k: v for k, v in got.items() if v}
    # the tags are still there, one per listed alignment
    tags = probe(pages, 'Array.from(document.querySelectorAll("text.tag"), t => t.textContent)',
                 tmp_path)  # fmt: skip
    assert sorted(tags["hello"]) == ["1", "2", "3"], tags


#: Each drawing text a reader sees with TeX's subscript mark "_" in it, and each subscript
#: (a <tspan> shifted down) with its font size over its text's and how far (px) its box's
#: bottom lies below the text's first letter's.
SUBSCRIPTS = """({raw: Array.from(document.querySelectorAll("svg text"), t => t.textContent)
  .filter(t => t.includes("_")),
  subs: Array.from(document.querySelectorAll("svg text tspan.sub"), s => {
    const t = s.parentElement, size = el => parseFloat(getComputedStyle(el).fontSize);
    const k = t.textContent.indexOf(s.textContent);  // in the text's own (unturned) frame
    const base = t.getExtentOfChar(0), sub = t.getExtentOfChar(k);
    return [t.textContent, size(s) / size(t),
            Math.round(sub.y + sub.height - base.y - base.height)]; })})"""


def test_a_chart_axis_title_sets_its_subscript(tmp_path):
    """reinforce-episode's bar chart: the y axis title reads A<sub>t</sub> · ln π, the t a
    smaller subscript below the line, as the page's steps set A_t (before: "A_t · ln π",
    TeX's underscore drawn as it is)."""
    page = render_html([rnnloss_cli.solve_file("problems/reinforce-episode.yaml")])
    got = probe({"page": page}, SUBSCRIPTS, tmp_path)["page"]
    assert got["raw"] == [], got
    assert [s[0] for s in got["subs"]] == ["At · ln π"], got
    _, size, below = got["subs"][0]
    assert size < 0.9 and below >= 1, got
