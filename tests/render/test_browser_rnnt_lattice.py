"""The RNN-T lattice drawing (:mod:`render.lattice_svg`) as Chromium lays it out: its texts
clear of each other and of the arrows, its fit on a phone and a desktop, its white plate
under automatic dark mode. Skipped when ``chromium`` is not installed."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

import rnnloss_cli
from rnnloss_cli.problem import parse_problem
from rnnloss_cli.render.html import render_html
from rnnloss_cli.solve import solve
from tests.render.test_browser_reader import TEXT_OUTSIDE, probe, screenshot_colours

CHROMIUM = shutil.which("chromium")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")

AB = "problems/rnnt-ab-two-frames.yaml"


def _long_page() -> str:
    """T = 40 frames, U = 12 labels of random (seeded) logits: the drawing is a window."""
    rng = np.random.default_rng(3)
    symbols = ["-", *"abcdef"]
    m = {
        "kind": "rnnt",
        "title": "forty frames",
        "symbols": symbols,
        "blank": "-",
        "target": [symbols[1 + k % 6] for k in range(12)],
        "logits": rng.normal(size=(40, 13, 7)).round(3).tolist(),
    }
    return render_html([solve(parse_problem(m, {}, "<test>"))])


@pytest.fixture(scope="module")
def pages() -> dict[str, str]:
    return {"ab": render_html([rnnloss_cli.solve_file(AB)]), "long": _long_page()}


#: Every lattice drawing: its count of texts, and each pair of things that overlap by more
#: than half a px: two texts, or a text and a shape (an arrow's line or head, a node's box,
#: the end mark, a break mark), a node's number in its own box excepted. A line's box has no
#: width, so it is given its stroke.
OVERLAPS = """Array.from(document.querySelectorAll("svg.lattice")).map(svg => {
  const box = el => { const b = el.getBBox(); return [b.x, b.y, b.x + b.width, b.y + b.height]; };
  const hit = (a, b) => a[0] < b[2] - 0.5 && b[0] < a[2] - 0.5 && a[1] < b[3] - 0.5
                        && b[1] < a[3] - 0.5;
  const texts = Array.from(svg.querySelectorAll("text"));
  const shapes = Array.from(svg.querySelectorAll(
    "line, polygon, polyline, circle, rect:not(.plate)"));
  const out = [];
  texts.forEach((t, i) => {
    const a = box(t);
    texts.slice(i + 1).forEach(u => {
      if (hit(a, box(u))) out.push([t.textContent, u.textContent]); });
    shapes.forEach(s => {
      if (s.closest("g.node") && s.closest("g.node") === t.closest("g.node")) return;
      const b = box(s);
      if (b[2] - b[0] < 1) { b[0] -= 0.8; b[2] += 0.8; }
      if (b[3] - b[1] < 1) { b[1] -= 0.8; b[3] += 0.8; }
      const where = s.tagName + " in " + s.parentElement.getAttribute("class");
      if (hit(a, b)) out.push([t.textContent, where]);
    });
  });
  return [texts.length, out];
})"""

#: Each lattice figure: whether it scrolls sideways, and the drawing's scale on the page.
FIT = """Array.from(document.querySelectorAll("figure.lattice")).map(f => {
  const svg = f.querySelector("svg");
  return [f.scrollWidth > f.clientWidth + 1,
          svg.getBoundingClientRect().width / svg.width.baseVal.value];
})"""


def test_no_text_runs_into_another_or_into_an_arrow(pages, tmp_path):
    """As Chromium sets the glyphs, no number or label of the lattice overlaps another text,
    an arrow or a node's box (the small handout lattice, and a 40 × 13 window of a longer
    one with its break marks)."""
    got = probe(pages, OVERLAPS, tmp_path, width=1280)
    for name, drawings in got.items():
        assert len(drawings) == 1, (name, drawings)
        n_texts, overlaps = drawings[0]
        assert n_texts > 20 and overlaps == [], (name, overlaps)


def test_every_lattice_text_lies_inside_its_drawing(pages, tmp_path):
    """No number, label or legend line of either lattice is cut by the drawing's edge (the
    long one's row labels are emitted prefixes cut to 14 characters, the final blank's
    number and the end mark sit right of the last node)."""
    script = f"[document.querySelectorAll('svg.lattice text').length, {TEXT_OUTSIDE}]"
    got = probe(pages, script, tmp_path, width=1280)
    for name, (n_texts, outside) in got.items():
        assert n_texts > 20 and outside == [], (name, outside)


@pytest.mark.parametrize("width", [390, 1280])
def test_the_lattice_fits_or_scrolls_in_its_figure(pages, width, tmp_path):
    """At 1280 px both drawings show whole at their own size; on a 390 px phone the handout's
    lattice fits its 358 px column (shrunk at most to 80 %), and the long one, wider, is
    shrunk no further than 80 % (its 11 px numbers stay legible) and scrolls in its figure,
    as the CTC trellis does."""
    got = probe(pages, FIT, tmp_path, width=width, flags=["--hide-scrollbars"])
    assert all(len(figs) == 1 for figs in got.values()), got
    (ab_scrolls, ab_scale), (long_scrolls, long_scale) = got["ab"][0], got["long"][0]
    if width == 1280:
        assert not ab_scrolls and not long_scrolls, got
        assert ab_scale == pytest.approx(1, abs=1e-3) and long_scale == pytest.approx(
            1, abs=1e-3
        ), got
    else:
        assert not ab_scrolls and ab_scale >= 0.8 - 1e-3, got
        assert long_scrolls and long_scale >= 0.8 - 1e-3, got


def test_the_lattice_keeps_its_white_plate_under_automatic_dark_mode(pages, tmp_path):
    """Under Chromium's forced dark mode the page darkens but the drawing keeps its white
    plate, so its black numbers stay readable: the handout lattice is 316 x 318 px,
    mostly plate (the page without it had 13,671 white pixels)."""
    colours = screenshot_colours(
        pages["ab"], tmp_path, ["--blink-settings=forceDarkModeEnabled=true"]
    )
    assert colours[b"\xff\xff\xff"] > 60_000, colours[b"\xff\xff\xff"]


#: Each label move's words: the x of its symbol's first character and of its number's
#: first digit, as Chromium lays them out.
SYMBOL_THEN_NUMBER = """Array.from(document.querySelectorAll("svg.lattice g.move.label text"))
  .map(t => { const s = t.querySelector("tspan.symbol").textContent.length;
              return [t.textContent, t.getStartPositionOfChar(0).x,
                      t.getStartPositionOfChar(s + 1).x]; })"""


def test_a_right_to_left_label_reads_symbol_then_number(tmp_path):
    """Hebrew labels (א, ב): each label move reads as a Latin one does, its symbol left of
    its probability (before: the bidi algorithm drew "0.6 ב", the number on the left, as
    an RTL run took the number in)."""
    m = {"kind": "rnnt", "title": "hebrew", "symbols": ["-", "א", "ב"], "blank": "-",
         "target": ["א", "ב"],
         "probs": [[[0.2, 0.6, 0.2], [0.3, 0.1, 0.6], [0.5, 0.25, 0.25]],
                   [[0.1, 0.8, 0.1], [0.4, 0.1, 0.5], [0.7, 0.15, 0.15]]]}  # fmt: skip
    page = render_html([solve(parse_problem(m, {}, "<test>"))])
    (got,) = probe({"hebrew": page}, SYMBOL_THEN_NUMBER, tmp_path).values()
    assert len(got) == 4, got
    assert all(symbol_x < number_x for _, symbol_x, number_x in got), got
