"""Pages rendered by headless Chromium are not blank, and the figures are drawn in their colours
at a sane size: the CTC trellis, the per-step loss bars and a training run's loss curve.

The PNG is decoded with the standard library alone (zlib, and the five PNG row filters of the
PNG specification, section 9). Skipped when ``chromium`` is not installed (.ci/run installs it).
"""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
import zlib
from collections import Counter
from html import escape
from pathlib import Path

import pytest
from typer.testing import CliRunner

import rnnloss_cli
from rnnloss_cli.cli.app import app
from rnnloss_cli.render.charts import BAR_FILL, POINT_FILL
from rnnloss_cli.render.html import render_html
from rnnloss_cli.render.svg import VIRIDIS

CHROMIUM = shutil.which("chromium")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
WIDTH, HEIGHT = 1000, 1400


def decode_png(data: bytes) -> tuple[int, int, int, bytes]:
    """(width, height, bytes per pixel, raw unfiltered pixel bytes) of an 8-bit RGB(A) PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, ihdr = 8, b"", None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    w, h, depth, colour, _, _, interlace = ihdr
    assert depth == 8 and colour in (2, 6) and interlace == 0
    bpp = 3 if colour == 2 else 4
    raw, stride = zlib.decompress(idat), w * bpp
    out, prev = bytearray(), bytearray(stride)
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        if f == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 255
        elif f == 2:
            line = bytearray((a + b) & 255 for a, b in zip(line, prev, strict=True))
        elif f == 3:
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((left + prev[i]) >> 1)) & 255
        elif f == 4:
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b, c = prev[i], prev[i - bpp] if i >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pred) & 255
        out += line
        prev = line
    return w, h, bpp, bytes(out)


def shoot(page_text: str, name: str, tmp_path: Path) -> tuple[int, int, int, bytes]:
    """The page rendered by Chromium: (width, height, bytes per pixel, pixels)."""
    page = tmp_path / f"{name}.html"
    page.write_text(page_text, encoding="utf-8")
    png = tmp_path / f"{name}.png"
    subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", f"--screenshot={png}",
         f"--window-size={WIDTH},{HEIGHT}", page.as_uri()],
        capture_output=True, timeout=120, check=False,
    )  # fmt: skip
    assert png.exists(), "chromium wrote no screenshot"
    return decode_png(png.read_bytes())


def counted(w: int, h: int, bpp: int, pixels: bytes) -> tuple[int, int, Counter]:
    colours = Counter(tuple(pixels[i : i + 3]) for i in range(0, len(pixels), bpp))
    return w, h, colours


def screenshot(problem: str, tmp_path: Path) -> tuple[int, int, Counter]:
    text = render_html([rnnloss_cli.solve_file(problem)])
    return counted(*shoot(text, Path(problem).stem, tmp_path))


def train_page(tmp_path: Path) -> str:
    """The page of ``rnnloss train --loss mse --epochs 20 --format html -o run.html``."""
    out = tmp_path / "run.html"
    args = ["train", "--loss", "mse", "--epochs", "20", "--format", "html", "-o", str(out)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    return out.read_text(encoding="utf-8")


def bounding_box(w: int, bpp: int, pixels: bytes, colour: tuple) -> tuple[int, int, int, int]:
    """(left, top, right, bottom) of the pixels of exactly ``colour``."""
    xs, ys = [], []
    target = bytes(colour)
    for i in range(0, len(pixels), bpp):
        if pixels[i : i + 3] == target:
            xs.append((i // bpp) % w)
            ys.append((i // bpp) // w)
    assert xs, f"no pixel of {colour}"
    return min(xs), min(ys), max(xs), max(ys)


def rgb(hex_colour: str) -> tuple[int, int, int]:
    return tuple(int(hex_colour[k : k + 2], 16) for k in (1, 3, 5))


@pytest.mark.parametrize("problem", ["problems/hello.yaml", "problems/ctc-exact-ab.yaml"])
def test_page_screenshot_is_not_blank(problem, tmp_path):
    w, h, colours = screenshot(problem, tmp_path)
    assert (w, h) == (WIDTH, HEIGHT)
    # text alone anti-aliases into dozens of greys; a blank page has one colour
    assert len(colours) > 20, len(colours)
    # and most of it is the white background, not a solid fill or a black frame
    white = colours[(255, 255, 255)]
    assert 0.3 * w * h < white < 0.99 * w * h, white


def test_trellis_is_drawn_in_the_palette(tmp_path):
    _, _, colours = screenshot("problems/ctc-exact-ab.yaml", tmp_path)
    # the largest and the smallest α fill a cell each with the palette's two ends; a cell is
    # (CELL - 4)² = 32² = 1024 px at 1x, the legend's swatch of that colour only 18 × 12 = 216
    for end in (VIRIDIS[-1], VIRIDIS[0]):
        assert colours[rgb(end)] > 800, (end, colours[rgb(end)])


def test_training_page_is_not_blank_and_its_curve_has_a_sane_size(tmp_path):
    w, h, bpp, pixels = shoot(train_page(tmp_path), "run", tmp_path)
    _, _, colours = counted(w, h, bpp, pixels)
    assert (w, h) == (WIDTH, HEIGHT)
    assert len(colours) > 20, len(colours)
    assert 0.3 * w * h < colours[(255, 255, 255)] < 0.99 * w * h
    # 21 points (epochs 0..20), each a disc of radius 3: their centres are POINT_FILL
    assert colours[rgb(POINT_FILL)] > 21 * 9, colours[rgb(POINT_FILL)]
    left, top, right, bottom = bounding_box(w, bpp, pixels, rgb(POINT_FILL))
    # the plot is CURVE_MIN_W = 360 px wide (20 epochs x 10 px is less), the points spread
    # over 360 − 2 × 10 = 340 px of it (± a point's radius); 200 px high at most
    assert 335 <= right - left <= 347, (left, right)
    assert 100 <= bottom - top <= 200, (top, bottom)
    assert right < WIDTH and bottom < HEIGHT


def test_sequence_page_draws_its_bars(tmp_path):
    problem = "problems/seq-translation.yaml"
    w, h, bpp, pixels = shoot(render_html([rnnloss_cli.solve_file(problem)]), "seq", tmp_path)
    _, _, colours = counted(w, h, bpp, pixels)
    assert len(colours) > 20 and 0.3 * w * h < colours[(255, 255, 255)] < 0.99 * w * h
    left, top, right, bottom = bounding_box(w, bpp, pixels, rgb(BAR_FILL))
    # three bars side by side, each as wide as its label "0.357" (5 × 6.6 + 6 = 39 px) with
    # 6 px between: 3 × 39 + 2 × 6 = 129 px. The y axis runs from 0 to the tick 0.8 plus 12 %
    # room for labels, 0.896 over PLOT_H = 200 px: the tallest bar, 0.693, is 155 px.
    assert 125 <= right - left <= 131, (left, right)
    assert 150 <= bottom - top <= 158, (top, bottom)
    assert colours[rgb(BAR_FILL)] > 3 * 24 * 50


#: Run in each measured page: the numbers :func:`measured_many` returns, comma-separated, set
#: as an attribute on the frame that holds the page.
PROBE = """<script>
const over = Array.from(document.querySelectorAll("caption"),
  c => c.scrollWidth - c.clientWidth);
const lines = el => { const r = document.createRange(); r.selectNodeContents(el);
  return new Set(Array.from(r.getClientRects(), b => Math.round(b.top))).size; };
const wrapped = Array.from(document.querySelectorAll("td.num, .wide td"))
  .filter(td => td.textContent.trim() && lines(td) > 1).length;
const body = parseFloat(getComputedStyle(document.body).fontSize);
const small = Array.from(document.querySelectorAll("h1, h2, h3, h4, h5, h6"))
  .filter(h => parseFloat(getComputedStyle(h).fontSize) < body - 0.01).length;
window.frameElement.setAttribute("data-probe", [document.documentElement.scrollWidth,
  window.innerWidth, Math.max(0, ...over), wrapped, small].join(","));
</script></body>"""
PROBED = ("document", "window", "caption_overflow", "wrapped_cells", "small_headings")


def measured_many(
    pages: dict[str, str], tmp_path: Path, width: int, *, printed: bool = False
) -> dict[str, dict[str, int]]:
    """Layout numbers Chromium computes for each page shown in a frame ``width`` px wide (a
    frame, because headless Chromium's window is never narrower than 500 px; and one browser
    for all the pages): the document's scroll width, the frame's inner width, the most any
    caption's text runs past its own box (0 when every caption shows whole), how many table
    cells of numbers (``td.num``) or of a scrolling box (``.wide``) run over more than one
    line, and how many headings are set smaller than the body text. ``printed``: with the
    print stylesheet applied to the screen (a frame as wide as the paper stands for it)."""
    frames = []
    for name, text in pages.items():
        if printed:
            text = text.replace("@media print {", "@media all {")
        doc = escape(text.replace("</body>", PROBE), quote=True)
        frames.append(
            f'<iframe name="{escape(name)}" style="width:{width}px;height:900px;border:0" '
            f'srcdoc="{doc}"></iframe>'
        )
    page = tmp_path / "frames.html"
    page.write_text(  # declared UTF-8, not left to Chromium's guess (see test_browser_reader)
        '<!DOCTYPE html><html><head><meta charset="utf-8"/></head><body>'
        + "".join(frames)
        + "</body></html>",
        encoding="utf-8",
    )
    dom = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom",
         f"--window-size={max(width + 40, 500)},1000", page.as_uri()],
        capture_output=True, text=True, timeout=300, check=False,
    ).stdout  # fmt: skip
    got = dict(re.findall(r'<iframe name="([^"]*)"[^>]*?data-probe="([^"]*)"', dom))
    assert set(got) == set(pages), f"chromium ran no probe in {set(pages) - set(got)}"
    return {name: dict(zip(PROBED, map(int, got[name].split(",")), strict=True)) for name in pages}


def measured(
    page_text: str, name: str, tmp_path: Path, width: int, *, printed: bool = False
) -> dict[str, int]:
    """:func:`measured_many` of one page."""
    return measured_many({name: page_text}, tmp_path, width, printed=printed)[name]


@pytest.mark.parametrize(
    "problem", ["problems/ctc-align-ab.yaml", "problems/rnnt-ab-two-frames.yaml"]
)
def test_narrow_window_page_does_not_scroll_sideways(problem, tmp_path):
    """On a phone-wide window, long captions wrap instead of running off the page, and a wide
    table, formula or step scrolls inside its own box: the page itself is no wider than the
    window (before: the Viterbi caption ran 200 px past a 500 px window)."""
    text = render_html([rnnloss_cli.solve_file(problem)])
    got = measured(text, Path(problem).stem, tmp_path, 420)
    assert got["document"] <= got["window"], got
    assert got["caption_overflow"] == 0, got


PROBLEMS = sorted(Path(rnnloss_cli.__file__).resolve().parents[1].glob("problems/*.yaml"))


@pytest.fixture(scope="module")
def phone_widths(tmp_path_factory) -> dict[str, dict[str, int]]:
    pages = {p.stem: render_html([rnnloss_cli.solve_file(str(p))]) for p in PROBLEMS}
    return measured_many(pages, tmp_path_factory.mktemp("phone"), 390)


@pytest.mark.parametrize("problem", PROBLEMS, ids=lambda p: p.stem)
def test_no_problem_page_scrolls_sideways_on_a_phone(problem, phone_widths):
    """Every problem's page at 390 px (a phone): the page is no wider than the window; the
    answer key, a trellis drawing and wide tables scroll inside their own boxes (before:
    reinforce-episode 523 px, its answer key sticking out of the result box; hello 835 px,
    the lattice drawing as wide as its longest legend line)."""
    got = phone_widths[problem.stem]
    assert got["window"] == 390, got
    assert got["document"] <= got["window"], got
    assert got["caption_overflow"] == 0, got


def long_ctc_page(tmp_path: Path) -> str:
    """``rnnloss ctc --target ABCD…ABCD (30 labels) --probs "A=0.03,…,Z=0.03,-=0.22" -T 200
    --format html``: every α is tiny (e-notation numbers), the tables are windowed but wide."""
    probs = ",".join(f"{chr(65 + k)}=0.03" for k in range(26)) + ",-=0.22"
    out = tmp_path / "long.html"
    args = ["ctc", "--target", "ABCDEFGHIJKLMNOPQRSTUVWXYZABCD", "--probs", probs, "-T", "200"]
    result = CliRunner().invoke(app, [*args, "--format", "html", "-o", str(out)])
    if result.exit_code != 0 or not out.exists():  # `ctc` writes the page to standard output
        result = CliRunner().invoke(app, [*args, "--format", "html"])
        assert result.exit_code == 0, result.output
        return result.output
    return out.read_text(encoding="utf-8")


def test_long_ctc_page_keeps_numbers_and_cells_on_one_line_and_prints_whole(tmp_path):
    """The 30-label, 200-frame problem: at 1000 px no table cell wraps (before: "2.49e-" /
    "5" in the α trellis, the factors column one factor per line); at 390 px the page does not
    scroll sideways; with the print stylesheet at the width of an A4 page's text (718 px)
    nothing is wider than the paper (before: the t = 200 column was cut off)."""
    text = long_ctc_page(tmp_path)
    wide = measured(text, "long-1000", tmp_path, 1000)
    assert wide["wrapped_cells"] == 0, wide
    assert wide["document"] <= wide["window"], wide
    phone = measured(text, "long-390", tmp_path, 390)
    assert phone["document"] <= phone["window"], phone
    paper = measured(text, "long-print", tmp_path, 718, printed=True)
    assert paper["document"] <= paper["window"], paper


@pytest.mark.parametrize("problem", ["problems/hello.yaml", "problems/reinforce-episode.yaml"])
def test_printed_pages_are_no_wider_than_the_paper(problem, tmp_path):
    text = render_html([rnnloss_cli.solve_file(problem)])
    got = measured(text, Path(problem).stem, tmp_path, 718, printed=True)
    assert got["document"] <= got["window"], got


def test_solution_sheet_headings_are_no_smaller_than_the_text(tmp_path):
    """A custom problem's terms are h5/h6 on a solution sheet: set no smaller than the text
    (before: 0.83em and 0.67em)."""
    from rnnloss_cli.sheet import build_sheet

    text = build_sheet(["problems/custom-combo.yaml"], "html", solutions=True)
    got = measured(text, "sheet", tmp_path, 1000)
    assert got["small_headings"] == 0, got
