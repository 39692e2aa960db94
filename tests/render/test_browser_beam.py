"""The beam search drawing (render.beam_svg) as Chromium lays it out on a phone (390 px) and
a desktop (1280 px): it fits its figure, or scrolls inside it, never the page; its texts lie
inside the drawing. Skipped when ``chromium`` is not installed."""

from __future__ import annotations

import shutil

import pytest

from tests.render.test_beam_svg import DECODE, long_problem, page
from tests.render.test_browser_reader import TEXT_OUTSIDE, probe

CHROMIUM = shutil.which("chromium")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")

#: Each beam figure: whether it scrolls, the drawing's laid-out width over its own, and
#: whether the drawing's right edge lies inside its figure or the figure scrolls; and
#: whether the page itself is wider than its window.
BEAM_FIT = """({figs: Array.from(document.querySelectorAll("figure.beam")).map(f => {
  const svg = f.querySelector("svg"), box = svg.getBoundingClientRect();
  const scrolls = f.scrollWidth > f.clientWidth + 1;
  return [scrolls, box.width / svg.width.baseVal.value,
          scrolls || box.right <= f.getBoundingClientRect().right + 1]; }),
  page: document.documentElement.scrollWidth > window.innerWidth + 1})"""


@pytest.mark.parametrize("width", [390, 1280])
def test_beam_drawing_fits_or_scrolls_in_its_figure(width, tmp_path):
    """The three decode problems' drawings (3 columns, about 330 px) fit whole at either
    width; the 500-frame search (9 columns, about 1,500 px) scrolls inside its figure, the
    page does not scroll sideways, and no drawing shrinks below 80 % (its 11 px numbers
    stay legible)."""
    pages = {p: page(p) for p in DECODE}
    pages["long"] = page(long_problem(tmp_path))
    got = probe(pages, BEAM_FIT, tmp_path, width=width, flags=["--hide-scrollbars"])
    for name, res in got.items():
        assert not res["page"], name
        assert len(res["figs"]) == 1, (name, res)
        scrolls, scale, inside = res["figs"][0]
        assert inside and scale >= 0.8 - 1e-3, (name, res)
        assert scrolls == (name == "long"), (name, res)


@pytest.mark.parametrize("width", [390, 1280])
def test_every_beam_text_lies_inside_its_drawing(width, tmp_path):
    pages = {p: page(p) for p in DECODE}
    pages["long"] = page(long_problem(tmp_path))
    got = probe(pages, TEXT_OUTSIDE, tmp_path, width=width)
    assert all(v == [] for v in got.values()), got
