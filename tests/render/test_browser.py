"""Pages rendered by headless Chromium are not blank, and the figures are drawn in their colours
at a sane size: the CTC trellis, the per-step loss bars and a training run's loss curve.

The PNG is decoded with the standard library alone (zlib, and the five PNG row filters of the
PNG specification, section 9). Skipped when ``chromium`` is not installed (.ci/run installs it).
"""

from __future__ import annotations

import shutil
import struct
import subprocess
import zlib
from collections import Counter
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


def measured(page_text: str, name: str, tmp_path: Path, width: int) -> dict[str, int]:
    """Layout numbers Chromium computes for the page at a window ``width`` px wide: the
    document's scroll width, the window's inner width, and the most any caption's text runs
    past its own box (0 when every caption shows whole)."""
    probe = """<script>
    const over = Array.from(document.querySelectorAll("caption"),
      c => c.scrollWidth - c.clientWidth);
    document.body.setAttribute("data-probe", [document.documentElement.scrollWidth,
      window.innerWidth, Math.max(0, ...over)].join(","));
    </script></body>"""
    page = tmp_path / f"{name}.html"
    page.write_text(page_text.replace("</body>", probe), encoding="utf-8")
    dom = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom",
         f"--window-size={width},900", page.as_uri()],
        capture_output=True, text=True, timeout=120, check=False,
    ).stdout  # fmt: skip
    marker = 'data-probe="'
    assert marker in dom, "chromium ran no script"
    values = dom.split(marker, 1)[1].split('"', 1)[0].split(",")
    return dict(zip(("document", "window", "caption_overflow"), map(int, values), strict=True))


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
