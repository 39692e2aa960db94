"""Pages rendered by headless Chromium are not blank, and the trellis is drawn in its colours.

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

import rnnloss_cli
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


def screenshot(problem: str, tmp_path: Path) -> tuple[int, int, Counter]:
    page = tmp_path / (Path(problem).stem + ".html")
    page.write_text(render_html([rnnloss_cli.solve_file(problem)]), encoding="utf-8")
    png = tmp_path / (Path(problem).stem + ".png")
    subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", f"--screenshot={png}",
         f"--window-size={WIDTH},{HEIGHT}", page.as_uri()],
        capture_output=True, timeout=120, check=False,
    )  # fmt: skip
    assert png.exists(), "chromium wrote no screenshot"
    w, h, bpp, pixels = decode_png(png.read_bytes())
    colours = Counter(tuple(pixels[i : i + 3]) for i in range(0, len(pixels), bpp))
    return w, h, colours


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
