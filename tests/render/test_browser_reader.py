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
from collections import Counter
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
    # declared UTF-8: undeclared, Chromium may guess windows-1252 for the outer page, and
    # every srcdoc's "−" became "âˆ’", three characters wide (seen once in CI at 320 px)
    page.write_text(
        '<!DOCTYPE html><html><head><meta charset="utf-8"/></head><body>'
        + "".join(frames)
        + "</body></html>",
        encoding="utf-8",
    )
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


@pytest.mark.parametrize(
    "problem",
    [
        "long",
        "problems/digits-123.yaml",
        "problems/hello.yaml",
        "problems/ctc-decode-beam-vs-greedy.yaml",
        "problems/ctc-decode-lexicon.yaml",
        "problems/ctc-decode-lm.yaml",
        "problems/rnnt-ab-two-frames.yaml",
    ],
)
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


def screenshot_colours(text: str, tmp_path: Path, flags=()) -> Counter:
    """How many pixels of each colour Chromium paints for the page (1000 x 1400 px)."""
    from tests.render.test_browser import decode_png

    page = tmp_path / "shot.html"
    page.write_text(text, encoding="utf-8")
    png = tmp_path / "shot.png"
    subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", *flags,
         f"--screenshot={png}", "--window-size=1000,1400", page.as_uri()],
        capture_output=True, timeout=120, check=False,
    )  # fmt: skip
    w, h, bpp, pixels = decode_png(png.read_bytes())
    return Counter(pixels[i : i + 3] for i in range(0, len(pixels), bpp))


def test_drawings_keep_their_white_plate_under_automatic_dark_mode(tmp_path):
    """Chromium's automatic dark mode (and dark-reader extensions) darken a page's
    background but not the black text of an inline SVG: the trellis' axis labels, colour
    scale and legend vanished, black on near-black (before: 6,260 white pixels on the whole
    page, the cells' white gaps). Each drawing now paints its own white plate, so its text
    stays black on white: ctc-exact-ab's trellis (about 300 x 340 px) and emission matrix
    (about 280 x 200 px) are mostly plate."""
    text = render_html([rnnloss_cli.solve_file("problems/ctc-exact-ab.yaml")])
    colours = screenshot_colours(text, tmp_path, ["--blink-settings=forceDarkModeEnabled=true"])
    assert colours[b"\xff\xff\xff"] > 60_000, colours[b"\xff\xff\xff"]


#: Every element with text of its own: its colour's contrast ratio (WCAG 2) against the first
#: ancestor background that is not transparent, when below 4.5 (AA for body text).
LOW_CONTRAST = """(() => {
  const rgb = s => (s.match(/[\\d.]+/g) || []).map(Number);
  const lum = c => { const [r, g, b] = c.slice(0, 3).map(v => { v /= 255;
    return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const bg = el => { for (; el; el = el.parentElement) { const c = rgb(getComputedStyle(el)
    .backgroundColor); if (c.length === 3 || c[3] > 0) return c; } return [255, 255, 255]; };
  const out = [];
  for (const el of document.body.querySelectorAll("*")) {
    if (el.closest("svg, math")) continue;
    const own = Array.from(el.childNodes).some(n => n.nodeType === 3 && n.data.trim());
    if (!own) continue;
    const a = lum(rgb(getComputedStyle(el).color)), b = lum(bg(el));
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < 4.5) out.push([el.tagName + "." + el.className, Math.round(ratio * 10) / 10]);
  }
  return {body: lum(bg(document.body)), low: out.slice(0, 10)};
})()"""


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_page_follows_the_readers_colour_scheme_with_readable_text(dark, tmp_path):
    """With the reader's system set to dark (``prefers-color-scheme: dark``), the page is
    dark (before: it stayed white, a glaring page in a dark desktop), and in either scheme
    every text (meta lines, legends, dim and dead-end cells, call-outs, verdicts) keeps a
    contrast of at least 4.5:1 with what is behind it."""
    pages = {
        p: render_html([rnnloss_cli.solve_file(f"problems/{p}.yaml")])
        for p in ("ctc-exact-ab", "hello", "reinforce-episode")
    }
    flags = ["--force-dark-mode"] if dark else []
    for name, got in probe(pages, LOW_CONTRAST, tmp_path, flags=flags).items():
        assert got["low"] == [], (name, got)
        assert (got["body"] < 0.05) if dark else (got["body"] > 0.9), (name, got)


#: Each scrolling box (a table wider than the page) and the legend under it: by how many px
#: the legend's box starts above the bottom of the scrolling box (0 when it starts below).
LEGEND_OVER_SCROLLBAR = """Array.from(document.querySelectorAll(".wide")).filter(w =>
  w.scrollWidth > w.clientWidth && w.nextElementSibling &&
  w.nextElementSibling.classList.contains("legend")).map(w =>
  w.getBoundingClientRect().bottom - w.nextElementSibling.getBoundingClientRect().top)"""


def test_a_legend_starts_below_the_scrollbar_of_its_wide_table(tmp_path):
    """hello's listed alignments are wider than the page, so their box shows a scrollbar;
    the legend under it ("B(π): merge repeated symbols, then drop blanks") starts below it
    (before: the legend's negative top margin pulled it 10 px up, under the scrollbar)."""
    text = render_html([rnnloss_cli.solve_file("problems/hello.yaml")])
    got = probe({"hello": text}, LEGEND_OVER_SCROLLBAR, tmp_path, width=700)["hello"]
    assert got and all(over <= 0 for over in got), got


#: Each prime (′) in the page's maths: how many px its box ends above the top of the letter
#: it marks (positive: it floats above the letter), and its font size over the letter's.
PRIMES = """Array.from(document.querySelectorAll("math mo")).filter(mo =>
  mo.textContent === "′").map(mo => {
  const scripted = ["msup", "msubsup"].includes(mo.parentElement.localName);
  let base = scripted ? mo.parentElement.firstElementChild : mo.previousElementSibling;
  while (base.firstElementChild) base = base.firstElementChild;
  const p = mo.getBoundingClientRect(), b = base.getBoundingClientRect();
  return [Math.round(b.top - p.bottom),
          parseFloat(getComputedStyle(mo).fontSize) / parseFloat(getComputedStyle(base).fontSize)];
})"""


def test_a_prime_sits_beside_its_letter_at_its_size(tmp_path):
    """l′ and S′ on a CTC page: the prime is drawn at the letter's size, beside its top, as
    TeX sets l' (before: a superscript ′, which Chromium set at 70 % and raised once more,
    a speck 1 px above the letter: "l" read as l)."""
    text = render_html([rnnloss_cli.solve_file("problems/ctc-exact-ab.yaml")])
    got = probe({"ab": text}, PRIMES, tmp_path)["ab"]
    assert len(got) >= 4, got
    for above, size in got:
        assert above <= -1 and size > 0.95, got


#: Each fraction in a derivation step: its numerator's and denominator's font size over the
#: size of the step's maths.
FRACTIONS = """Array.from(document.querySelectorAll(".step mfrac")).map(f => {
  const size = el => parseFloat(getComputedStyle(el).fontSize);
  const math = size(f.closest("math"));
  return [size(f.children[0]) / math, size(f.children[1]) / math];
})"""


def test_a_fraction_in_a_step_keeps_the_size_of_its_line(tmp_path):
    """cce-logits' worked softmax, ŷ_1(c_0) = e^z_0 / Σ_k e^z_k = 7.389 / (7.389 + 2.718 + 1):
    the numbers of the fraction are the size of the rest of the line (before: an inline
    fraction's rows at 70 %, about 12 px, the worked numbers the smallest on the page)."""
    text = render_html([rnnloss_cli.solve_file("problems/cce-logits.yaml")])
    got = probe({"cce": text}, FRACTIONS, tmp_path)["cce"]
    assert len(got) >= 2, got
    assert all(num > 0.95 and den > 0.95 for num, den in got), got


#: Each minus sign of the page's maths followed by a number: the px between the sign's ink
#: box and the number's, and whether something it could subtract from stands before it.
MINUS_GAPS = """Array.from(document.querySelectorAll("math mo")).filter(mo =>
  mo.textContent === "−" && mo.nextElementSibling &&
  mo.nextElementSibling.localName === "mn").map(mo => {
  const prev = mo.previousElementSibling;
  const binary = !!prev && !(prev.localName === "mo" && !/^[)\\]|‖]$/.test(prev.textContent));
  return [binary, Math.round(mo.nextElementSibling.getBoundingClientRect().left -
                             mo.getBoundingClientRect().right)];
})"""


def test_a_negative_number_keeps_its_sign_next_to_it(tmp_path):
    """reinforce-episode's "× (−0.105)" and "= −0.196", ctc-exact-ab's "= −0.229": a sign
    with nothing before it to subtract from is a prefix, set tight against its number, while
    "0.7 − (…)" keeps the spaces of a subtraction (before: "( − 0.105)", "= − 0.196", the
    sign 5 px from its number, read as a subtraction)."""
    pages = {
        p: render_html([rnnloss_cli.solve_file(f"problems/{p}.yaml")])
        for p in ("reinforce-episode", "ctc-exact-ab")
    }
    got = [pair for pairs in probe(pages, MINUS_GAPS, tmp_path).values() for pair in pairs]
    signs = [gap for binary, gap in got if not binary]
    assert len(signs) >= 4 and all(gap <= 1 for gap in signs), got
    assert all(gap >= 2 for binary, gap in got if binary), got


#: The tables that scroll sideways in their box, by caption; and the document's width.
SCROLLING = """({scrolling: Array.from(document.querySelectorAll(".wide")).filter(w =>
  w.scrollWidth > w.clientWidth + 1).map(w => (w.querySelector("caption") || {}).textContent),
  document: document.documentElement.scrollWidth, window: innerWidth})"""


def test_a_table_wider_than_the_text_column_uses_a_wide_window(tmp_path):
    """On a 1280 px screen hello's listed alignments (about 1000 px) show whole, running
    past the 60rem text column into the free margin, instead of hiding their products
    behind a scrollbar (before: "product" cut at "produ"); on a phone they still scroll in
    their box and the page does not (test_browser's phone tests)."""
    text = render_html([rnnloss_cli.solve_file("problems/hello.yaml")])
    got = probe({"hello": text}, SCROLLING, tmp_path, width=1280)["hello"]
    assert got["scrolling"] == [], got
    assert got["document"] <= got["window"], got
    phone = probe({"hello": text}, SCROLLING, tmp_path, width=390)["hello"]
    assert "listed alignments" in phone["scrolling"], phone
    assert phone["document"] <= phone["window"], phone


PDFTOTEXT = shutil.which("pdftotext")


@pytest.mark.skipif(PDFTOTEXT is None, reason="pdftotext (poppler-utils) is not installed")
def test_printed_a_table_and_its_legend_share_a_page(tmp_path):
    """Printed (A4 by default), hello's listed alignments end page 1; their legend "B(π):
    merge repeated symbols, then drop blanks" stays on a page with the table's rows (the last
    row goes over with it, under the repeated head) (before: it began page 2 alone, the
    table's key cut from it)."""
    page = tmp_path / "hello.html"
    page.write_text(render_html([rnnloss_cli.solve_file("problems/hello.yaml")]), "utf-8")
    pdf = tmp_path / "hello.pdf"
    subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
         f"--print-to-pdf={pdf}", page.as_uri()],
        capture_output=True, timeout=120, check=False,
    )  # fmt: skip
    text = subprocess.run(
        [PDFTOTEXT, "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    pages = text.split("\f")
    # the page holding the table's last rows (its head repeats on each page it spans)
    table_page = max(k for k, p in enumerate(pages) if "valid for" in p)  # head may wrap
    assert "merge repeated symbols" in pages[table_page], pages[table_page][-400:]


#: Each drawing of a trellis figure: whether its figure scrolls sideways, and the scale at
#: which it is drawn (its width on the page over its own width).
FIGURE_FIT = """Array.from(document.querySelectorAll("figure.trellis")).map(f => {
  const svg = f.querySelector("svg");
  return [f.scrollWidth > f.clientWidth + 1,
          svg.getBoundingClientRect().width / svg.width.baseVal.value];
})"""


def test_a_trellis_a_little_wider_than_a_phone_shrinks_to_fit(tmp_path):
    """At 390 px the text column is 358 px: ctc-exact-ab's trellis (366 px, its legend's
    least width) and hello's lattice (436 px) shrink to fit instead of scrolling for a few
    px (before: both scrolled sideways); a 60-frame trellis shrinks no further than 80 %
    (its labels stay at least 9.6 px) and scrolls the rest."""
    long = {
        "kind": "ctc", "title": "sixty frames", "method": "exact", "target": "AB",
        "symbols": ["-", "A", "B"], "emissions": [[0.4, 0.3, 0.3]] * 60,
    }  # fmt: skip
    pages = {
        "ab": render_html([rnnloss_cli.solve_file("problems/ctc-exact-ab.yaml")]),
        "hello": render_html([rnnloss_cli.solve_file("problems/hello.yaml")]),
        "long": page_of(long),
    }
    # a phone's scrollbars overlay the page: the text column is the whole 358 px
    got = probe(pages, FIGURE_FIT, tmp_path, width=390, flags=["--hide-scrollbars"])
    for name in ("ab", "hello"):
        assert got[name] and all(not scrolls for scrolls, _ in got[name]), (name, got[name])
    assert all(scale >= 0.8 - 1e-3 for figs in got.values() for _, scale in figs), got
    assert any(scrolls for scrolls, _ in got["long"]), got["long"]
