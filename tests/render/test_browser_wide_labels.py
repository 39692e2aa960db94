"""Row labels and legend lines of the SVG drawings as Chromium lays them out, for symbol names
of wide capitals (a word-level CTC vocabulary): every text stays inside its drawing, and no
row label runs into the state number beside it.

The label column and the legend were sized from the number of characters (6.6 px each at
12 px): "MOMENTUM" overprinted state 4 and lost its first M at the drawing's left edge, and a
legend line "MMMMMMMMMMMM MMMMMMMMMMMM (valid, p =" ran past the right edge. Provenance:
helper audit of the HTML pages, finding 1. Skipped when ``chromium`` is not installed.
"""

from __future__ import annotations

import shutil

import pytest

import rnnloss_cli
from rnnloss_cli.render.html import render_html
from tests.render.test_browser_reader import probe

CHROMIUM = shutil.which("chromium")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")

#: Per drawing: the texts whose box (getBBox, user units) leaves the viewBox, and the rows of
#: the axes whose label box overlaps its number's box: [text, ...].
OVERFLOWS = """Array.from(document.querySelectorAll("svg")).filter(s => s.viewBox.baseVal)
  .map(s => {
    const vb = s.viewBox.baseVal, out = [], rows = {};
    for (const t of s.querySelectorAll("text")) {
      const b = t.getBBox();
      if (!t.textContent.trim() || b.width === 0) continue;
      if (b.x < vb.x - 0.5 || b.x + b.width > vb.x + vb.width + 0.5) out.push(t.textContent);
      if (t.closest("g.axes")) {
        const key = Math.round(b.y + b.height / 2);
        (rows[key] = rows[key] || []).push([b.x, b.x + b.width, t.textContent]);
      }
    }
    const overlaps = Object.values(rows).filter(r => r.length > 1).flatMap(r => {
      r.sort((a, b) => a[0] - b[0]);
      return r.slice(1).filter((c, i) => c[0] < r[i][1] - 0.5).map(c => r[0][2] + "|" + c[2]);
    });
    return {outside: out, overlaps};
  })"""


def _problem(symbols: list[str], target: list[str]) -> dict:
    n = len(symbols)
    emissions = [[0.7 if k == (t % (n - 1)) + 1 else 0.3 / (n - 1) for k in range(n)]
                 for t in range(4)]  # fmt: skip
    return {"kind": "ctc", "title": "wide labels", "source": "a test", "method": "exact",
            "symbols": symbols, "target": target, "emissions": emissions}  # fmt: skip


CASES = {
    "words": (["-", "WOMEN", "MOMENTUM", "WHOM"], ["WOMEN", "MOMENTUM", "WHOM"]),
    "wide12": (["-", "W" * 12, "M" * 12], ["W" * 12, "M" * 12]),
    "long": (["-", "ALPHA_" + "X" * 60, "BETA_" + "Y" * 60], ["ALPHA_" + "X" * 60]),
}


@pytest.mark.parametrize("width", [1000, 390])
def test_wide_labels_stay_inside_their_drawing(tmp_path, width):
    pages = {
        name: render_html([rnnloss_cli.solve_problem(_problem(*case))])
        for name, case in CASES.items()
    }
    got = probe(pages, OVERFLOWS, tmp_path, width=width)
    for name, drawings in got.items():
        assert drawings, name
        for d in drawings:
            assert d == {"outside": [], "overlaps": []}, (name, drawings)
