"""The HTML page as a reader sees it in Chromium: what the browser itself measures (text boxes
of the drawings, font sizes, colours it computes), not what the renderer meant to draw.

Each page is loaded in a frame with a probe script appended (the page itself carries no
script); the probe's answer, JSON, comes back as an attribute of the frame in Chromium's
``--dump-dom``. Skipped when ``chromium`` is not installed (.ci/run installs it).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from html import escape, unescape
from pathlib import Path

import pytest

import rnnloss_cli
from rnnloss_cli.problem import parse_problem
from rnnloss_cli.render.html import render_html
from rnnloss_cli.solve import solve

CHROMIUM = shutil.which("chromium")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")


def probe(
    pages: dict[str, str], script: str, tmp_path: Path, *, width: int = 1000, flags=()
) -> dict[str, object]:
    """``script`` (a JavaScript expression) evaluated in each page once laid out, shown in a
    frame ``width`` px wide; its value as JSON, by page name. ``flags``: more Chromium flags
    (``--force-dark-mode``)."""
    frames = []
    for name, text in pages.items():
        run = (
            "<script>window.frameElement.setAttribute('data-probe', "
            f"JSON.stringify(({script})));</script></body>"
        )
        doc = escape(text.replace("</body>", run), quote=True)
        frames.append(
            f'<iframe name="{escape(name)}" style="width:{width}px;height:900px;border:0" '
            f'srcdoc="{doc}"></iframe>'
        )
    page = tmp_path / "probe.html"
    page.write_text("<!DOCTYPE html><html><body>" + "".join(frames) + "</body></html>")
    dom = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", *flags,
         f"--window-size={max(width + 40, 500)},1000", page.as_uri()],
        capture_output=True, text=True, timeout=300, check=False,
    ).stdout  # fmt: skip
    got = dict(re.findall(r'<iframe name="([^"]*)"[^>]*?data-probe="([^"]*)"', dom))
    assert set(got) == set(pages), f"chromium ran no probe in {set(pages) - set(got)}"
    return {name: json.loads(unescape(got[name])) for name in pages}


def page_of(mapping: dict) -> str:
    return render_html([solve(parse_problem(mapping, {}, "<test>"))])


#: Symbols with long and wide names (a hyphenated word, an underscore, Greek, a CJK pair):
#: the row labels of the trellis and emission drawings.
LONG_SYMBOLS = {
    "kind": "ctc",
    "title": "long symbol names",
    "method": "exact",
    "target": ["gamma-ray", "beta_longname", "漢字"],
    "symbols": ["-", "alpha", "beta_longname", "gamma-ray", "δέλτα", "漢字"],
    "emissions": [[0.2, 0.1, 0.2, 0.3, 0.1, 0.1]] * 7,
}

#: Every <text> of every figure: how far (px) its box, as Chromium lays out the glyphs, runs
#: past the left, top, right or bottom edge of its own drawing (0 when it fits).
TEXT_OUTSIDE = """Array.from(document.querySelectorAll("figure svg text")).map(t => {
  const b = t.getBBox(), svg = t.ownerSVGElement.viewBox.baseVal;
  return [t.textContent, Math.max(0, -b.x, -b.y, b.x + b.width - svg.width,
                                  b.y + b.height - svg.height)];
}).filter(p => p[1] > 0.5)"""


@pytest.mark.parametrize("problem", ["long", "problems/digits-123.yaml", "problems/hello.yaml"])
def test_every_figure_text_lies_inside_its_drawing(problem, tmp_path):
    """No label, tick or legend text of a drawing is cut by its edge (before: "gamma-ray"
    and "beta_longname" ran 16 and 23 px off the trellis' left edge, shown as "amma-ray" and
    "_longname", since the row labels had a fixed 64 px margin)."""
    text = (
        page_of(LONG_SYMBOLS)
        if problem == "long"
        else render_html([rnnloss_cli.solve_file(problem)])
    )
    got = probe({"page": text}, TEXT_OUTSIDE, tmp_path)["page"]
    assert got == [], got
