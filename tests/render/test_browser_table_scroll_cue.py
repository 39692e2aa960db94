"""A table wider than its box on a page (a phone) shows a shadow at the edge it scrolls past,
as Chromium paints it; a table that fits shows none, and one scrolled to its end shows it at
the other edge. Before, only a clipped letter said that hello's "listed alignments" had two
more columns (factors, product) at 390 px. Provenance: helper audit of the HTML pages,
finding 3. Skipped when ``chromium`` is not installed.
"""

from __future__ import annotations

import re
import shutil

import pytest

import rnnloss_cli
from rnnloss_cli.render.html import render_html
from tests.render.test_browser import shoot

CHROMIUM = shutil.which("chromium")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")

#: The box: 300 x 60 px at (100, 100); the strips read: 8 px inside each edge, 30 rows.
LEFT, TOP, WIDTH, HEIGHT = 100, 100, 300, 60


def _page(table_width: int, scrolled: bool = False) -> str:
    """The page's own CSS around one .wide box holding an empty, borderless table of
    ``table_width`` px (nothing of its own is painted near the box's edges)."""
    style = re.search(r"<style>.*?</style>", render_html([rnnloss_cli.solve_file(
        "problems/hello.yaml")]), re.S)[0]  # fmt: skip
    scroll = (
        "<script>document.querySelector('.wide').scrollLeft = 1e6;</script>" if scrolled else ""
    )
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'/>{style}</head><body>"
        f"<div class='wide' style='position:absolute; left:{LEFT}px; top:{TOP}px; "
        f"width:{WIDTH}px; height:{HEIGHT}px; margin:0'><table style='border:0; margin:0'>"
        f"<tr><td style='border:0; padding:0'><div style='width:{table_width}px; height:50px'>"
        "</div></td></tr>"
        f"</table></div>{scroll}</body></html>"
    )


def _darkest(shot, x0: int) -> int:
    """The darkest channel value in the 8 px strip from x0, rows TOP + 10 .. TOP + 40."""
    w, _, bpp, pixels = shot
    return min(
        pixels[(y * w + x) * bpp + c]
        for y in range(TOP + 10, TOP + 40)
        for x in range(x0, x0 + 8)
        for c in range(3)
    )


def test_a_table_wider_than_its_box_shows_the_edge_it_scrolls_past(tmp_path):
    right, left = LEFT + WIDTH - 8, LEFT
    wide = shoot(_page(2000), "wide", tmp_path)
    assert _darkest(wide, right) < 235 and _darkest(wide, left) >= 254
    at_end = shoot(_page(2000, scrolled=True), "end", tmp_path)
    assert _darkest(at_end, right) >= 254 and _darkest(at_end, left) < 235
    fits = shoot(_page(200), "fits", tmp_path)
    assert _darkest(fits, right) >= 254 and _darkest(fits, left) >= 254
