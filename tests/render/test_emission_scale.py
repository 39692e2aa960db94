"""The emission heat map's colour scale: linear from 0 to 1 for a handout's few classes, a log
scale for many classes, where every probability is small and a linear scale paints them all
the same dark colour.

Before: at 40 classes every cell was coloured linearly, so y = 0.001, 0.01 and 0.025 (a
uniform frame, 1/40) all got about viridis(0.0 to 0.025), nearly the darkest stop, and the
matrix read as one dark block (seen in Chromium on a 30-frame, 40-class problem).

FORTY (3 frames, 40 classes "-", c1..c39), by construction:
  frame 1: y(c1) = 0.61, the other 39 classes 0.01 each  (0.61 + 39·0.01 = 1)
  frame 2: every class 1/40 = 0.025                       (40·0.025 = 1)
  frame 3: y(c2) = 0.961, the other 39 classes 0.001 each (0.961 + 39·0.001 = 1)
The drawn cells run from 0.001 (lo) to 0.961 (hi); on the log scale a cell's position is
(ln y − ln 0.001) / (ln 0.961 − ln 0.001):
  ln 0.001 = −6.9078, ln 0.961 = −0.0398, ln 0.025 = −3.6889, ln 0.01 = −4.6052
  y = 0.025: (−3.6889 + 6.9078) / (−0.0398 + 6.9078) = 3.2189 / 6.8680 = 0.4687
  y = 0.01:  (−4.6052 + 6.9078) / 6.8680 = 2.3026 / 6.8680 = 0.3353
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

import rnnloss_cli
from rnnloss_cli.render.html import render_html
from rnnloss_cli.render.svg import palette_colour
from tests.render.test_svg import luminance

SYMBOLS = ["-", *(f"c{k}" for k in range(1, 40))]


def _forty() -> dict:
    f1 = [0.01] * 40
    f1[1] = 0.61
    f3 = [0.001] * 40
    f3[2] = 0.961
    return {"kind": "ctc", "title": "forty classes", "target": ["c1", "c2"],
            "symbols": SYMBOLS, "emissions": [f1, [0.025] * 40, f3]}  # fmt: skip


def _emission_svg(page: str) -> ET.Element:
    start = page.index('<svg role="img" class="emissions"')
    return ET.fromstring(page[start : page.index("</svg>", start) + 6])


def _fills(svg: ET.Element) -> dict[tuple[str, int], str]:
    return {(r.get("data-k"), int(r.get("data-t"))): r.get("fill")
            for r in svg.iter("rect") if r.get("data-k")}  # fmt: skip


def test_many_classes_are_coloured_on_a_log_scale_that_tells_small_probabilities_apart():
    page = render_html([rnnloss_cli.solve_problem(_forty())])
    svg = _emission_svg(page)
    fills = _fills(svg)
    assert _close(fills[("c5", 2)], 0.4687)
    assert _close(fills[("c5", 1)], 0.3353)
    assert _close(fills[("c5", 3)], 0.0) and _close(fills[("c2", 3)], 1.0)
    # 0.001, 0.01 and 0.025 are three clearly different colours (on the linear scale their
    # luminances were within 0.01 of each other)
    lum = sorted(luminance(fills[("c5", t)]) for t in (1, 2, 3))
    assert lum[1] - lum[0] > 0.03 and lum[2] - lum[1] > 0.03, lum
    # the drawing and its caption say which scale it is, and its ends
    assert "log scale" in svg.find("desc").text
    legend = " ".join(t.text or "" for t in svg.iter("text"))
    assert "0.001" in legend and "0.961" in legend
    caption = page[page.index("<figcaption>", page.index('class="emissions"')) :]
    assert "log" in caption[: caption.index("</figcaption>")]


def test_a_handout_sized_matrix_keeps_its_linear_scale_from_0_to_1():
    # problems/ctc-exact-ab.yaml: 3 classes, y_1 = (0.2, 0.7, 0.1): viridis(0.2), (0.7), (0.1)
    page = render_html([rnnloss_cli.solve_file("problems/ctc-exact-ab.yaml")])
    svg = _emission_svg(page)
    fills = _fills(svg)
    assert fills[("-", 1)] == palette_colour(0.2)
    assert fills[("A", 1)] == palette_colour(0.7)
    assert fills[("B", 1)] == palette_colour(0.1)
    assert "linear scale from 0 to 1" in svg.find("desc").text


def test_a_zero_probability_is_grey_on_the_log_scale():
    doc = _forty()
    doc["emissions"][2] = [0.0, 0.0, 1.0 - 37 * 0.001, *[0.001] * 37]  # y_3(-) = y_3(c1) = 0
    page = render_html([rnnloss_cli.solve_problem(doc)])
    fills = _fills(_emission_svg(page))
    assert fills[("-", 3)] == fills[("c1", 3)] == "#bdbdbd"  # svg.UNREACHABLE


def _close(fill: str, x: float) -> bool:
    """``fill`` is the viridis colour at ``x`` give or take 0.002 (the hand logs' rounding)."""
    return fill in {palette_colour(x + d) for d in (-0.002, -0.001, 0.0, 0.001, 0.002)}
