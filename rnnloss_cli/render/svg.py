"""SVG figures drawn from a Result: the CTC trellis (α, β, the posterior γ), the paths drawn
over it, and the per-frame emission matrix (no plotting library).

The trellis figures read the trellis tables a CTC solver already holds (rows: states s of the
blank-extended labels l', columns: frames t), so they show exactly the window the tables show:
a long input keeps its first and last states and frames, with a break mark where the elision
sits (a gap with a grey zigzag, "…" among the frame numbers, whose last frame before and first
frame after are always numbered; and a figure draws at most FIGURE_MAX_ROWS states by
FIGURE_MAX_COLUMNS frames of it, thinned the same way). α and β are coloured by their natural
log on a sequential, colour-blind-safe palette (:data:`VIRIDIS`, dark = small, bright =
large), each frame on its own scale when frames are left out (:func:`per_frame_scale`);
γ_t(s), a probability in [0, 1], on the same palette linearly from 0 to 1; the emissions
y_t(k) linearly from 0 to 1 up to EMISSIONS_LINEAR_MAX_CLASSES classes, on a log scale above
(:func:`emissions_scale`). Cells whose value is 0 on a log scale (unreachable) are grey; α's
two final cells, summed for p(l|x), are outlined. The allowed transitions of the recursion
(s→s, s→s+1, and s→s+2 when l'_{s+2} ≠ l'_s) are drawn lightly between neighbouring held
frames.

Paths (``Result.tracks``: the listed alignments and the best, Viterbi, path) are polylines
through the centres of the cells they visit, each with a white casing, a colour from the
Okabe-Ito palette (:data:`TRACK_COLOURS`, distinct from viridis and from each other for the
common colour-vision deficiencies), a dash pattern (solid: valid, dashed: not valid), an end
tag and a legend entry in words ("valid" / "not valid: collapses to HELO"). With no per-frame
distribution (the handout's HELLO) the paths are drawn on the bare lattice (``Result.lattice``,
cells in a neutral fill, not heat-mapped).

Every cell ``<rect>`` carries ``data-s``, ``data-t`` (1-based, full-trellis indices) and
``data-value`` (the value, ``e^LN`` for one held as its log, or ``0``); the emission matrix's
cells ``data-k`` (the class) and ``data-t``; every path ``<g class="track">`` its label,
``data-valid`` and its polylines; every break ``<g class="gap">`` its ``data-axis`` (t or s)
and the indices drawn either side of it, ``data-after`` and ``data-before``; so tests and
readers can take the numbers back out. Sizes
come from the data: cells 36 px for a small trellis, shrinking to 10 px for a big one.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from html import escape
from typing import Any

from rnnloss_cli.limits import FIGURE_MAX_COLUMNS, FIGURE_MAX_ROWS
from rnnloss_cli.render.palette import (
    ALPHA_TITLE,
    GIVEN_PROBABILITIES_TITLE,
    PLATE,
    VIRIDIS,
    VITERBI_TITLE,
)
from rnnloss_cli.render.text import ELLIPSIS, Digits, cut_end
from rnnloss_cli.result import LogNumber, Result, Table, Track, Window, window_indices

#: Fill of cells that cannot be reached (α = 0: ln α = −∞ has no place on the scale).
UNREACHABLE = "#bdbdbd"
#: Fill of lattice cells that carry no value (no per-frame distribution is given).
NEUTRAL = "#f4f4f4"
#: The best (Viterbi) path's colour, then the listed alignments' colours in order: the
#: Okabe-Ito palette (Okabe & Ito 2008, "Color Universal Design") less its green and yellow,
#: which sit inside viridis; each line also has a white casing, a dash pattern and a tag.
BEST_COLOUR = "#000000"
TRACK_COLOURS = ("#d55e00", "#0072b2", "#cc79a7", "#e69f00", "#56b4e9", "#7f3b08")
#: The contrast (WCAG 2) a track's tag, 11 px text on the white plate, needs: AA for text.
TAG_CONTRAST = 4.5


def _luminance(colour: str) -> float:
    """WCAG 2 relative luminance of ``#rrggbb``: 0.2126 R + 0.7152 G + 0.0722 B, each
    channel linearised (c / 12.92 up to 0.04045, ((c + 0.055) / 1.055)^2.4 above)."""
    lin = [int(colour[k : k + 2], 16) / 255 for k in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in lin)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def text_shade(colour: str, contrast: float = TAG_CONTRAST) -> str:
    """``colour`` darkened (its channels scaled down together, so its hue stays) just enough
    to reach ``contrast`` against white, (1 + 0.05) / (L + 0.05); unchanged when it does."""
    rgb = [int(colour[k : k + 2], 16) for k in (1, 3, 5)]
    for step in range(101):
        shade = "#" + "".join(f"{round(c * (1 - step / 100)):02x}" for c in rgb)
        if 1.05 / (_luminance(shade) + 0.05) >= contrast:
            return shade
    return "#000000"


#: The outline of marked cells (the two final cells of α, summed for p(l|x)).
MARK_COLOUR = "#000000"
MARK_WIDTH = 2.5
#: Dash pattern of a path that is not a valid alignment (a valid one is solid).
INVALID_DASH = "7 4"
#: Cell side in px: CELL for a small trellis, shrinking to MIN_CELL so that the grid fits
#: GRID_W by GRID_H px; GAP is drawn where an elision sits.
CELL = 36
MIN_CELL = 10
#: The least width (px) of the gap where frames or states are left out (:func:`gap_size`).
GAP_MIN = 16
GRID_W = 800
GRID_H = 600
LEFT = 64
TOP = 40
#: A row label (a symbol's name) longer than this many characters is cut with "…", its whole
#: name kept in the label's <title>: the left margin grows with the labels, up to this.
LABEL_MAX_CHARS = 14
#: The least space (px) between two frame numbers (or a number and a gap's "…").
AXIS_GAP = 5
#: Right margin for the paths' end tags, and the widest a figure gets (px).
RIGHT = 48
MAX_WIDTH = 980
#: Approximate advance of one character of 12 px sans-serif, to size and cut legend text.
CHAR_W = 6.6
SVG_NS = ' xmlns="http://www.w3.org/2000/svg"'
#: The heads of the row-label columns: a trellis' state numbers and extended labels, and an
#: emission matrix's classes.
STATE_HEADS = ("s", "l′")
CLASS_HEADS = ("", "k")
#: Classes an emission matrix may have and still be coloured linearly from 0 to 1 (a
#: handout's 3 to 10 symbols). With K classes a frame's probabilities average 1/K, so above
#: this a linear scale paints nearly every cell in its darkest tenth, whatever the model
#: says; the matrix is then coloured by ln y_t(k) (:func:`emissions_scale`).
EMISSIONS_LINEAR_MAX_CLASSES = 10
#: The widest range the log scale of an emission matrix spans, as a ratio of its largest
#: drawn probability to its smallest (six decades, 13.8 nats): a cell smaller still (a logit
#: far below the rest) takes the darkest colour, so one such cell does not squeeze every
#: other one into the bright end.
EMISSIONS_LOG_SPAN = 1e6
#: The table title prefixes the solver gives its trellis and emission tables.
BETA_TITLE = "backward trellis β"
POSTERIOR_TITLE = "posterior γ"
EMISSIONS_TITLE = "emissions y_t(k)"


def palette_colour(x: float) -> str:
    """The viridis colour at x in [0, 1], interpolated linearly between neighbouring stops."""
    x = min(max(x, 0.0), 1.0) * (len(VIRIDIS) - 1)
    i = min(int(x), len(VIRIDIS) - 2)
    f = x - i
    a, b = VIRIDIS[i], VIRIDIS[i + 1]
    rgb = [round(int(a[k : k + 2], 16) * (1 - f) + int(b[k : k + 2], 16) * f) for k in (1, 3, 5)]
    return "#" + "".join(f"{c:02x}" for c in rgb)


def _ln(x: Any) -> float:
    """A cell's natural log (−inf for 0 or a non-number)."""
    if isinstance(x, LogNumber):
        return x.ln
    if isinstance(x, (int, float)) and not isinstance(x, bool) and x > 0:
        return math.log(x)
    return -math.inf


def _value_attr(x: Any) -> str:
    """data-value: the number itself, or ``e^LN`` for a value held as its log."""
    if isinstance(x, LogNumber):
        return "0" if x.ln == -math.inf else f"e^{x.ln!r}"
    return repr(float(x)) if isinstance(x, (int, float)) else "0"


def cell_size(n_rows: int, n_cols: int) -> int:
    """Side of a cell: CELL up to about a dozen rows or columns, shrinking so the grid fits
    GRID_W x GRID_H, never below MIN_CELL."""
    fit = min(GRID_W // max(n_cols, 1), GRID_H // max(n_rows, 1))
    return max(MIN_CELL, min(CELL, fit))


def gap_size(cell: float) -> float:
    """Width (px) of the break drawn where frames (or states) are left out: wide enough for
    its "…" and zigzag, so a cut grid never reads as contiguous."""
    return max(cell / 2, GAP_MIN)


def _positions(full: list[int], start: float, cell: float) -> list[float]:
    """Left (or top) edge of each held index; a jump in the full indices leaves a gap."""
    gap = gap_size(cell)
    out, pos = [], start
    for n, idx in enumerate(full):
        if n and idx != full[n - 1] + 1:
            pos += gap
        out.append(pos)
        pos += cell
    return out


def _gaps(full: list[int]) -> list[int]:
    """Positions n of the held indices that follow a gap (full[n] != full[n − 1] + 1)."""
    return [n for n in range(1, len(full)) if full[n] != full[n - 1] + 1]


def _gap_marks(
    xs: list[float],
    ys: list[float],
    cols_full: list[int],
    rows_full: list[int],
    cell: float,
    side: float,
    what: tuple[str, str] = ("frames", "states"),
) -> list[str]:
    """A break mark in each gap of the grid: a grey zigzag along it and "…" in its axis (⋮
    for states), in a ``<g class="gap">`` with ``data-axis`` (t or s), ``data-after`` and
    ``data-before`` (the 1-based indices drawn on either side) and a <title> saying what is
    left out, so the two sides never read as neighbours."""
    out: list[str] = []
    top, bottom = ys[0], ys[-1] + side
    left, right = xs[0], xs[-1] + side
    for axis, full, pos, words in (("t", cols_full, xs, what[0]), ("s", rows_full, ys, what[1])):
        for n in _gaps(full):
            a, b = full[n - 1] + 1, full[n] + 1
            mid = (pos[n - 1] + side + pos[n]) / 2
            amp = max(2.0, min(4.0, (pos[n] - pos[n - 1] - side) / 4))
            zig = [mid + (amp if k % 2 else -amp) for k in range(9)]
            if axis == "t":
                along = [top + (bottom - top) * k / 8 for k in range(9)]
                pts = " ".join(f"{x:g},{y:g}" for x, y in zip(zig, along, strict=True))
                mark = (
                    f'<text x="{mid:g}" y="{TOP - 8:g}" text-anchor="middle" '
                    f'font-size="{axis_font(cell)}">{ELLIPSIS}</text>'
                )
            else:
                along = [left + (right - left) * k / 8 for k in range(9)]
                pts = " ".join(f"{x:g},{y:g}" for x, y in zip(along, zig, strict=True))
                mark = (
                    f'<text x="{left - 10:g}" y="{mid + axis_font(cell) / 3:g}" '
                    f'text-anchor="end" font-size="{axis_font(cell)}">⋮</text>'
                )
            left_out = (
                f"{words} {a + 1:,}–{b - 1:,} not drawn ({b - a - 1:,})"
                if b - a > 2
                else f"{words[:-1]} {a + 1:,} not drawn"
            )
            out += [
                f'<g class="gap" data-axis="{axis}" data-after="{a}" data-before="{b}">',
                f"<title>{escape(left_out)}</title>",
                f'<polyline points="{pts}" fill="none" stroke="#777" stroke-width="1.2"/>',
                mark,
                "</g>",
            ]
    return out


def _thin(n: int, limit: int) -> list[int]:
    """Positions kept of ``n`` held items when a figure draws at most ``limit``."""
    return window_indices(n, limit)[0]


def _table(r: Result, prefix: str) -> Table | None:
    return next((t for t in r.tables if t.title.startswith(prefix)), None)


def alpha_table(r: Result) -> Table | None:
    """The forward-trellis table of an exact CTC result, if it has one."""
    if r.kind != "ctc":
        return None
    return _table(r, ALPHA_TITLE)


#: How a figure prints a number (see :func:`number_format`).
Fmt = Callable[[Any], str]


#: A number's minus sign as a drawing's text writes it: a sign before a digit, a point or
#: "inf" (not after a letter, digit or hyphen: H-E-L-L-O, 1-2-3), or an exponent's (1e-3).
_MINUS = re.compile(r"(?<![\w.\-])-(?=[\d.]|inf)|(?<=\de)-(?=\d)")


def text_minus(text: str) -> str:
    """``text`` with a number's ASCII hyphen-minus written as the minus sign U+2212
    (-0.0604 -> −0.0604, 1e-3 -> 1e−3), as the page's maths writes it; a label's hyphens
    (a CTC blank "-", H-E-L-L-O) stay. For text read by people only: attributes keep ASCII."""
    return _MINUS.sub("\u2212", text)


def number_format(precision: int = 3, digits: Digits | None = None) -> Fmt:
    """A number as the page's tables and lines print it: ``precision`` (``--precision``),
    raised where the derivation's plan ``digits`` (:func:`render.text.digits_plan`) says so,
    so a figure's tooltip reads 0.0604067 where the table beside it does; its minus sign is
    U+2212 (:func:`text_minus`), a symbol (a CTC label) is written as it is."""
    from rnnloss_cli.render.text import cell_text

    return lambda x: (
        cell_text(x, precision, digits)
        if isinstance(x, str)
        else text_minus(cell_text(x, precision, digits))
    )


#: The ends of a colour scale (ln α from -6.91 to -0.916; y from 0.00123 to 0.988) print
#: with 3 digits whatever ``--precision``: they label a colour ramp 162 px wide, not a number
#: of the derivation, and at ``-p 5`` its two ends ("ln α = -6.90776", "-0.91629") run into
#: each other.
_scale_end = number_format(3)


def _spans(full: list[int], total: int) -> str:
    """0-based indices shown, as 1-based runs of ``total``: "1–7 and 994–1,000 of 1,000"."""
    from rnnloss_cli.render.text import index_runs

    return index_runs(full, total)


def drawn_note(
    rows: list[int], n_rows: int, frames: list[int], n_frames: int, what: str = "states"
) -> str:
    """The caption's sentence on what a cut figure draws (empty when it draws everything),
    e.g. " Drawn: frames 1–7 and 994–1,000 of 1,000 (all 5 states).": a long input's figure
    shows the window its table holds, at most FIGURE_MAX_ROWS x FIGURE_MAX_COLUMNS of it.
    ``rows`` and ``frames`` are the 0-based full indices drawn; ``what`` names the rows."""
    cut_rows, cut_frames = len(rows) < n_rows, len(frames) < n_frames
    if not (cut_rows or cut_frames):
        return ""
    rows_text = f"{what} {_spans(rows, n_rows)}" if cut_rows else f"(all {n_rows:,} {what})"
    if not cut_frames:
        return f" Drawn: {rows_text}."
    joiner = " and " if cut_rows else " "
    return f" Drawn: frames {_spans(frames, n_frames)}{joiner}{rows_text}."


def trellis_drawn(t: Table) -> str:
    """:func:`drawn_note` for a trellis table as :func:`trellis_svg` draws it."""
    key = t.key_columns
    n_rows, n_cols = t.shape
    rows = [t.row_index(i) for i in _thin(len(t.rows), FIGURE_MAX_ROWS)]
    data = _thin(len(t.columns) - key, FIGURE_MAX_COLUMNS)
    return drawn_note(rows, n_rows, [t.column_index(key + j) - key for j in data], n_cols - key)


def per_frame_scale(t: Table) -> bool:
    """Whether :func:`trellis_svg` colours each frame of ``t`` on its own log scale (from
    the frame's smallest to its largest non-zero cell): when frames are left out (a long
    input). ln α falls by nats a frame, so over thousands of frames one scale would paint
    the first frames bright and the last ones dark and show nothing of where the probability
    sits in each frame; on its own scale, each column shows that."""
    key = t.key_columns
    drawn = [t.column_index(key + j) for j in _thin(len(t.columns) - key, FIGURE_MAX_COLUMNS)]
    return bool(_gaps(drawn))


def _scale_words(t: Table, quantity: str) -> str:
    """The caption's sentence on the colour scale of a log-scaled trellis figure."""
    if not per_frame_scale(t):
        return ""
    return (
        f" Frames are left out, so each frame is coloured on its own log scale, from its "
        f"smallest (dark) to its largest (bright) non-zero {quantity}_t(s): on one scale "
        f"the first frames would be bright and the last ones dark, whatever their states."
    )


def _marks(t: Table) -> dict[str, str]:
    """The α table's highlighted cells (the final cells, summed for p(l|x)), to outline."""
    return {"highlight": t.legend["highlight"]} if "highlight" in t.legend else {}


def emissions_drawn(t: Table) -> str:
    """:func:`drawn_note` for an emission table as :func:`emissions_svg` draws it (its rows
    are the frames, its columns the classes)."""
    classes = len(t.columns) - t.key_columns
    frames = [t.row_index(i) for i in _thin(len(t.rows), FIGURE_MAX_COLUMNS)]
    return drawn_note(_thin(classes, FIGURE_MAX_ROWS), classes, frames, t.shape[0], "classes")


#: A drawing's own width, as :func:`_grid_head` gives it to the page's CSS (``--w``).
_WIDTH_VAR = re.compile(r'style="--w: ([0-9.]+)px"')
#: Over a drawing that may not fit a phone's column: the page's CSS shows it only when the
#: drawing, shrunk as far as it may (80 %), is still wider than its figure, which then
#: scrolls (a phone shows no scrollbar until the figure is touched).
SCROLL_HINT = "scroll → for the rest of the drawing"


#: The hint as :func:`_figure` writes it, for :func:`without_scroll_hint` to take out.
_SCROLL_HINT_HTML = re.compile(
    r'<p class="scroll-hint" aria-hidden="true" [^>]*><span>[^<]*</span></p>\n'
)


def without_scroll_hint(figure: str) -> str:
    """A figure without its scroll hint: where the page's CSS is missing (a notebook may drop
    its <style>), the hint would show over every drawing, even one that fits."""
    return _SCROLL_HINT_HTML.sub("", figure)


#: A whole drawing on a page (drawings do not nest), and its <title> and <desc>.
_SVG_ELEMENT = re.compile(r"<svg\b[^>]*>.*?</svg>", re.S)
_SVG_OPEN = re.compile(r"<svg\b[^>]*>")
_SVG_SIZE = re.compile(r'\s(width|height)="([0-9.]+)"')
_SVG_WORDS = re.compile(r"<(title|desc)>([^<]*)</\1>")


def svg_as_img(svg: str) -> str:
    """One drawing as an ``<img>`` whose source is the drawing itself (a ``data:`` URI,
    base64 of its UTF-8), its <title> and <desc> as the ``alt`` text.

    JupyterLab shows the HTML of a notebook it does not trust (any notebook opened with its
    stored outputs) through its sanitizer, which drops every SVG element and keeps their
    text: a trellis became a wall of "α_1(1) = 0.2, l'_s = -" words. An ``<img>`` with a
    ``data:`` source passes it (it checks the schemes of ``href`` only), and the drawing is
    the same picture (its own fills and fonts; only the cells' hover titles are lost)."""
    import base64
    from html import unescape

    head = _SVG_OPEN.match(svg)
    if head is None:
        return svg
    opening = head[0]
    if "xmlns=" not in opening:  # an SVG document needs its namespace, inline SVG does not
        opening = "<svg" + SVG_NS + opening[4:]
    source = base64.b64encode((opening + svg[head.end() :]).encode("utf-8")).decode("ascii")
    sizes = "".join(f' {k}="{v}"' for k, v in _SVG_SIZE.findall(head[0]))
    words = ": ".join(unescape(w) for _, w in _SVG_WORDS.findall(svg)[:2])
    return (
        f'<img src="data:image/svg+xml;base64,{source}" alt="{escape(words)}"{sizes} '
        'style="max-width: 100%; height: auto"/>'
    )


def drawings_as_images(html: str) -> str:
    """``html`` with every drawing in it written as an image (:func:`svg_as_img`)."""
    return _SVG_ELEMENT.sub(lambda m: svg_as_img(m[0]), html)


def _figure(svg: str, caption: str) -> str:
    width = _WIDTH_VAR.search(svg)
    hint = (
        f'<p class="scroll-hint" aria-hidden="true" style="--w: {width[1]}px">'
        f"<span>{SCROLL_HINT}</span></p>\n"
        if width
        else ""
    )
    return (
        f'<figure class="trellis">\n{hint}{svg}\n'
        f"<figcaption>{escape(caption)}</figcaption></figure>"
    )


def _paths_caption(tracks: Sequence[Track]) -> str:
    """The caption's sentence on the drawn paths (empty when there are none)."""
    parts = []
    if any(not tr.best for tr in tracks):
        parts.append(
            "the listed alignments (in colour, each tagged with its number; solid valid, "
            "dashed not valid)"
        )
    if any(tr.best for tr in tracks):
        parts.append("the best (Viterbi) path (black, tagged best)")
    if not parts:
        return ""
    return " Lines: " + " and ".join(parts) + ", through the centres of the cells they visit."


def ctc_figures(
    r: Result,
    show: frozenset[str] = frozenset(),
    window: Window | None = None,
    *,
    precision: int = 3,
    digits: Digits | None = None,
) -> list[str]:
    """The CTC figures of ``r`` as HTML ``<figure>`` elements: the forward trellis (or, with
    no per-frame distribution, the bare lattice) with the paths drawn over it; β and the
    posterior γ when their tables are shown (``show``); the emission matrix. Their numbers
    print with ``precision`` and the plan ``digits``, as the page's tables do."""
    nums = {"precision": precision, "digits": digits}
    if r.kind == "ctc_align":
        return _viterbi_figures(r, **nums)
    if r.kind != "ctc":
        return []
    out = []
    alpha = alpha_table(r)
    paths = _paths_caption(r.tracks)
    if alpha is not None and alpha.rows:
        marks = _marks(alpha)
        out.append(
            _figure(
                trellis_svg(
                    alpha,
                    f"CTC forward trellis α: {r.title}",
                    tracks=r.tracks,
                    marks=marks,
                    **nums,
                ),
                "Forward trellis α_t(s), log colour scale (viridis: dark small, bright large; "
                "grey unreachable), allowed transitions drawn lightly."
                + "".join(f" Outlined: {words}." for words in marks.values())
                + paths
                + (
                    f" The best (Viterbi) path is not drawn: {r.best_path_missing}."
                    if r.best_path_missing
                    else ""
                )
                + _scale_words(alpha, "α")
                + trellis_drawn(alpha),
            )
        )
    elif r.lattice is not None and r.lattice.rows:
        out.append(
            _figure(
                trellis_svg(
                    r.lattice, f"CTC lattice: {r.title}", tracks=r.tracks, quantity=None, **nums
                ),
                "The lattice of extended labels against frames (no per-frame distribution is "
                "given, so the cells carry no values), allowed transitions drawn lightly."
                + paths
                + trellis_drawn(r.lattice),
            )
        )
    for name, prefix, symbol, scale, words in (
        ("beta", BETA_TITLE, "β", "log", "Backward trellis β_t(s), log colour scale"),
        ("posterior", POSTERIOR_TITLE, "γ", "linear", "Posterior γ_t(s), linear scale 0 to 1"),
    ):
        t = _table(r, prefix)
        if name in show and t is not None and t.rows:
            out.append(
                _figure(
                    trellis_svg(t, f"CTC {words.split(',')[0]}: {r.title}", quantity=symbol,
                                scale=scale, **nums),
                    f"{words} (viridis: dark small, bright large; grey: zero)."
                    + (_scale_words(t, symbol) if scale == "log" else "")
                    + trellis_drawn(t),
                )
            )  # fmt: skip
    emissions = _table(r, EMISSIONS_TITLE)
    if emissions is not None and emissions.rows:
        out.append(_emissions_figure(emissions, r.title, **nums))
    return out


def _emissions_figure(
    emissions: Table, title: str, *, precision: int = 3, digits: Digits | None = None
) -> str:
    scale, lo, hi = emissions_scale(emissions)
    if scale == "linear":
        words = "linear colour scale from 0 (dark) to 1 (bright)."
    else:
        classes = len(emissions.columns) - emissions.key_columns
        words = (
            f"log colour scale, ln y_t(k) from y = {_scale_end(math.exp(lo))} (dark) to "
            f"{_scale_end(math.exp(hi))} (bright), grey zero: with {classes} classes most "
            f"probabilities are near 1/{classes} or below, and a linear scale from 0 to 1 "
            "would paint them all dark."
        )
    return _figure(
        emissions_svg(emissions, f"Emissions y_t(k): {title}", precision=precision, digits=digits),
        "Emission matrix y_t(k): one row per class, one column per frame, "
        + words
        + emissions_drawn(emissions),
    )


def _viterbi_figures(r: Result, *, precision: int = 3, digits: Digits | None = None) -> list[str]:
    """A forced alignment's figures: the Viterbi trellis δ with the best alignment π* drawn
    through it, and the emission matrix."""
    nums = {"precision": precision, "digits": digits}
    out = []
    delta = _table(r, VITERBI_TITLE)
    if delta is not None and delta.rows:
        out.append(
            _figure(
                trellis_svg(
                    delta, f"Viterbi trellis δ: {r.title}", tracks=r.tracks, quantity="δ", **nums
                ),
                "Viterbi trellis δ_t(s), the probability of the best partial alignment ending "
                "in each cell, log colour scale (viridis: dark small, bright large; grey "
                "unreachable), allowed transitions drawn lightly."
                + _paths_caption(r.tracks)
                + _scale_words(delta, "δ")
                + trellis_drawn(delta),
            )
        )
    emissions = _table(r, GIVEN_PROBABILITIES_TITLE)
    if emissions is not None and emissions.rows:
        out.append(_emissions_figure(emissions, r.title, **nums))
    return out


# ------------------------------------------------------------------------------ the grid


def _grid_head(
    width: float, height: float, title: str, desc: str, cls: str, standalone: bool
) -> list[str]:
    # on a page, --w (its own width) lets the page's CSS shrink it to fit a narrow column,
    # down to 80 % of it (html.CSS), before its figure scrolls
    fit = "" if standalone else f' style="--w: {width:g}px"'
    return [
        f'<svg{SVG_NS if standalone else ""} role="img" class="{cls}"{fit} '
        f'width="{width:g}" height="{height:g}" viewBox="0 0 {width:g} {height:g}" '
        'font-family="sans-serif" font-size="12">',
        f"<title>{escape(title)}</title>",
        f"<desc>{escape(desc)}</desc>",
        PLATE,
    ]


#: Advances (em) of the characters wider than CHAR_W (0.55 em) in DejaVu Sans, the widest of
#: the common sans-serif faces (Arial, Liberation Sans, Helvetica and Roboto are narrower in
#: every one of these): "MOMENTUM" is 5.8 em, not the 4.4 em of 8 x CHAR_W, and a label
#: column sized by the count overprinted the state numbers beside it.
_WIDE_EM = {
    **dict(zip("ABCDEFGHKLMNOPQRSTUVXYZ", (0.684, 0.686, 0.698, 0.770, 0.632, 0.575, 0.775,
                                           0.752, 0.656, 0.557, 0.863, 0.748, 0.787, 0.603,
                                           0.787, 0.695, 0.635, 0.611, 0.732, 0.684, 0.685,
                                           0.611, 0.685), strict=True)),
    "W": 0.989, "m": 0.974, "w": 0.818,
    **dict.fromkeys("abdeghnopqu0123456789", 0.636),
    **dict.fromkeys("kvxy", 0.592),
    **dict.fromkeys("%@#&", 1.0), **dict.fromkeys("=+<>~−×→≈±÷", 0.838),
    **dict.fromkeys("—…", 1.0), "Σ": 0.632, "α": 0.659, "ŷ": 0.592,
}  # fmt: skip
#: Upper-case letters outside that table (Greek, accented Latin), in em.
_UPPER_EM = 0.8


def _advance_em(c: str) -> float:
    """The advance of one character in em, at least CHAR_W's 0.55 (see _WIDE_EM)."""
    import unicodedata

    if c in _WIDE_EM:
        return _WIDE_EM[c]
    if unicodedata.east_asian_width(c) in "WF":
        return 2 * CHAR_W / 12
    return _UPPER_EM if c.isupper() else CHAR_W / 12


def text_width(text: str, font: float = 12) -> float:
    """Approximate advance (px) of ``text`` in ``font`` px sans-serif, never less than the real
    one in DejaVu Sans or a narrower face: each character's width from _WIDE_EM (capitals,
    m and w, digits), at least CHAR_W at 12 px, twice that for a wide (East Asian) one."""
    return sum(_advance_em(c) for c in text) * font


def _short(label: str) -> str:
    return cut_end(label, LABEL_MAX_CHARS)


def axis_font(cell: float) -> int:
    """The font size (px) of the frame numbers and row labels for a cell of this side."""
    return min(12, max(8, round(cell * 0.8)))


def label_columns(
    numbers: list[str], labels: list[str], cell: float, heads: tuple[str, str]
) -> tuple[float, float, float]:
    """(right edge of the number column, right edge of the label column, the grid's left
    edge): the row labels' margin from their widths (numbers empty: one column), at least
    LEFT. ``heads`` name the columns and count in their widths."""
    font = axis_font(cell)
    num_w = max((text_width(n, font) for n in [*numbers, heads[0]]), default=0) if numbers else 0
    lab_w = max(text_width(_short(x), font) for x in [*labels, heads[1]])
    left = max(LEFT, 4 + num_w + (8 if numbers else 0) + lab_w + 10)
    label_right = left - 10  # the labels sit next to the grid, the numbers left of them
    return label_right - lab_w - (8 if numbers else 0), label_right, left


def _axis_labels(
    xs: list[float],
    ys: list[float],
    cols_full: list[int],
    numbers: list[str],
    labels: list[str],
    cell: float,
    heads: tuple[str, str],
) -> list[str]:
    """Frame numbers on top (as many as fit without overlapping; the first and last frames
    and the two frames on either side of each gap always, kept clear of the gap's "…") and,
    on the left, two columns under their ``heads``: the row numbers (grey; none when
    ``numbers`` is empty) and the row labels, each right-aligned, so that a state number
    never runs into its label ("2 1" for state 2 of target "123")."""
    font = axis_font(cell)
    num_right, label_right, left = label_columns(numbers, labels, cell, heads)
    out = [f'<g class="axes" font-size="{font}">']
    side = cell - max(1, cell // 9)
    after = _gaps(cols_full)
    before = [n - 1 for n in after]

    def span(j: int) -> tuple[float, float]:
        """The frame number's extent, kept off the gap beside it."""
        w = text_width(str(cols_full[j] + 1), font)
        x0 = xs[j] + cell / 2 - w / 2
        if j in before:
            x0 -= max(0.0, x0 + w - (xs[j] + side))
        if j in after:
            x0 += max(0.0, xs[j] - x0)
        return x0, x0 + w

    # each gap's "…" (about an em wide): no number runs into it
    dots = [((xs[n - 1] + side + xs[n]) / 2 - font / 2, (xs[n - 1] + side + xs[n]) / 2 + font / 2)
            for n in after]  # fmt: skip
    taken: list[tuple[float, float]] = []
    shown: list[int] = []
    for j in dict.fromkeys([0, len(xs) - 1, *after, *before, *range(len(xs))]):
        x0, x1 = span(j)
        if all(x1 + AXIS_GAP <= a or x0 - AXIS_GAP >= b for a, b in taken) and all(
            x1 + 1 <= a or x0 - 1 >= b for a, b in dots
        ):
            taken.append((x0, x1))
            shown.append(j)
    for j in sorted(shown):
        x0, x1 = span(j)
        out.append(
            f'<text x="{(x0 + x1) / 2:g}" y="{TOP - 8:g}" text-anchor="middle">'
            f"{escape(str(cols_full[j] + 1))}</text>"
        )
    out.append(f'<text x="{left - 8:g}" y="{TOP - 24:g}" text-anchor="end">t →</text>')
    head_y = TOP - 8
    if numbers:
        out.append(
            f'<text class="head" x="{num_right:g}" y="{head_y:g}" text-anchor="end" '
            f'fill="#555">{escape(heads[0])}</text>'
        )
    out.append(
        f'<text class="head" x="{label_right:g}" y="{head_y:g}" text-anchor="end" '
        f'font-style="italic">{escape(heads[1])}</text>'
    )
    for i, y in enumerate(ys):
        base = y + cell / 2 + font / 3
        if numbers:
            out.append(
                f'<text class="row-number" x="{num_right:g}" y="{base:g}" text-anchor="end" '
                f'fill="#555">{escape(numbers[i])}</text>'
            )
        whole = labels[i]
        title = f"<title>{escape(whole)}</title>" if _short(whole) != whole else ""
        out.append(
            f'<text class="row-label" x="{label_right:g}" y="{base:g}" text-anchor="end">'
            f"{title}{escape(_short(whole))}</text>"
        )
    out.append("</g>")
    return out


def _ramp(x: float, y: float, low: str, high: str) -> list[str]:
    """A colour ramp with its end values written under it."""
    n, w = len(VIRIDIS), 18
    out = ['<g class="legend">']
    for k, c in enumerate(VIRIDIS):
        out.append(f'<rect x="{x + k * w:g}" y="{y:g}" width="{w}" height="12" fill="{c}"/>')
    out.append(f'<text x="{x:g}" y="{y + 26:g}">{escape(low)}</text>')
    out.append(f'<text x="{x + n * w:g}" y="{y + 26:g}" text-anchor="end">{escape(high)}</text>')
    out.append("</g>")
    return out


def _swatch(x: float, y: float, fill: str, words: str) -> list[str]:
    return [
        f'<rect x="{x:g}" y="{y:g}" width="12" height="12" fill="{fill}" stroke="#999"/>',
        f'<text x="{x + 16:g}" y="{y + 10:g}">{escape(words)}</text>',
    ]


#: The least width (px) a legend line wraps to, however narrow the grid.
LEGEND_MIN_ROOM = 260
#: The most lines one legend entry wraps to (the last one cut with "…").
LEGEND_MAX_LINES = 3


def _wrap(text: str, room: float) -> list[str]:
    """``text`` broken at spaces into lines of at most ``room`` px (text_width), at most
    LEGEND_MAX_LINES (a word longer than a line, or text past the last line, is cut with
    "…")."""
    room = max(room, 8 * CHAR_W)
    lines: list[str] = []
    for word in text.split():
        if lines and text_width(f"{lines[-1]} {word}") <= room:
            lines[-1] += " " + word
        else:
            lines.append(word)
    if len(lines) > LEGEND_MAX_LINES:
        keep = LEGEND_MAX_LINES - 1
        lines = [*lines[:keep], " ".join(lines[keep:])]
    return [_cut(line, room) for line in lines] or [""]


def _cut(text: str, room: float) -> str:
    """``text`` cut with "…" to at most ``room`` px (text_width; at least 8 characters)."""
    if text_width(text) <= room:
        return text
    used, keep = text_width(ELLIPSIS), 0  # the most leading characters that fit with "…"
    for c in text:
        used += text_width(c)
        if used > room:
            break
        keep += 1
    return cut_end(text, max(keep, 7) + 1)


# ------------------------------------------------------------------------------ the trellis


def trellis_svg(
    t: Table,
    title: str = "CTC forward trellis",
    *,
    tracks: Sequence[Track] = (),
    quantity: str | None = "α",
    scale: str = "log",
    marks: dict[str, str] | None = None,
    standalone: bool = False,
    precision: int = 3,
    digits: Digits | None = None,
) -> str:
    """The trellis table ``t`` (key columns s, l'_s; then one column per frame) as an SVG.

    ``quantity`` names the cells (α, β, γ; None for a bare lattice whose cells carry no
    values), ``scale`` is "log" (ln of the value, from the smallest to the largest non-zero
    one; when frames are left out, each frame from its own smallest to its largest, see
    :func:`per_frame_scale`) or "linear" (0 to 1). ``tracks`` are drawn over the cells;
    ``marks`` maps a table cell style (e.g. "highlight", the two final cells) to the words
    for the outline its cells get. Inline in an HTML page the SVG needs no namespace (and
    the page then names no URL at all); ``standalone=True`` adds it, for a ``.svg`` file of
    its own. The cells' values and the paths' probabilities print with ``precision`` and
    the plan ``digits`` (:func:`number_format`), as the tables do; the colour scale's ends
    with 3 digits (:data:`_scale_end`).
    """
    fmt = number_format(precision, digits)
    key = t.key_columns
    n_rows, n_cols = t.shape
    keep_r = _thin(len(t.rows), FIGURE_MAX_ROWS)
    keep_c = _thin(len(t.columns) - key, FIGURE_MAX_COLUMNS)
    rows = [t.rows[i] for i in keep_r]
    rows_full = [t.row_index(i) for i in keep_r]
    cols_full = [t.column_index(key + j) - key for j in keep_c]
    cell = cell_size(len(rows), len(cols_full))
    side = cell - max(1, cell // 9)
    labels = [str(row[1]) if key > 1 else str(row[0]) for row in rows]
    numbers = [str(s + 1) for s in rows_full]
    left = label_columns(numbers, labels, cell, STATE_HEADS)[2]
    ys = _positions(rows_full, TOP, cell)
    xs = _positions(cols_full, left, cell)
    values = [[row[key + j] for j in keep_c] for row in rows]
    per_frame = scale == "log" and bool(_gaps(cols_full))
    finite = [
        [v for v in (_ln(vs[j]) for vs in values) if math.isfinite(v)] for j in range(len(keep_c))
    ]
    every = [v for col in finite for v in col]
    lo, hi = (min(every), max(every)) if every else (0.0, 0.0)
    # each column's scale: the drawn cells' (lo, hi), or the frame's own (per_frame)
    ends = [(min(c), max(c)) if per_frame and c else (lo, hi) for c in finite]
    q = quantity or ""

    def colour(x: Any, j: int) -> str:
        if quantity is None:
            return NEUTRAL
        ln = _ln(x)
        if not math.isfinite(ln):
            return UNREACHABLE
        if scale == "linear":
            return palette_colour(math.exp(ln))
        low, high = ends[j]
        return palette_colour((ln - low) / (high - low) if high > low else 1.0)

    grid_right = xs[-1] + cell
    grid_bottom = ys[-1] + cell
    shown = (
        f"states {len(rows)} of {n_rows}, frames {len(cols_full)} of {n_cols - key}"
        if (len(rows), len(cols_full)) != (n_rows, n_cols - key)
        else f"{n_rows} states by {n_cols - key} frames"
    )
    if quantity is None:
        what = (
            f"The lattice of extended labels ({shown}): rows are the extended labels "
            f"{' '.join(labels)}, columns the frames; cells carry no values (no per-frame "
            "distribution is given); thin lines are the allowed transitions."
        )
    else:
        kind = "on a log scale" if scale == "log" else "on a linear scale from 0 to 1"
        if per_frame:
            kind += ", each frame on its own, from its smallest to its largest non-zero cell"
        what = (
            f"Heat map of {q}_t(s) {kind} ({shown}): rows are the extended labels "
            f"{' '.join(labels)}, columns the frames; dark cells are small, bright cells "
            f"large, grey cells zero ({q} = 0); thin lines are the allowed transitions."
        )
    drawn = _track_lines(tracks, rows_full, cols_full, xs, ys, side, fmt)
    if tracks:
        what += " Paths drawn: " + "; ".join(_track_words(tr, fmt) for tr in tracks) + "."
    marked = {
        (i, j): marks[style]
        for i, r in enumerate(keep_r)
        for j, c in enumerate(keep_c)
        if (style := t.styles.get((r, key + c))) in (marks or {})
    }
    legend = _trellis_legend(
        quantity,
        "log-frame" if per_frame else scale,
        lo,
        hi,
        tracks,
        grid_bottom + 14,
        grid_right,
        left,
        list(dict.fromkeys(marked.values())),
        fmt=fmt,
    )
    width = min(
        MAX_WIDTH,
        max(grid_right + RIGHT, left + legend[1]),
    )
    height = legend[2]
    out = _grid_head(width, height, title, what, "trellis", standalone)
    out += _axis_labels(xs, ys, cols_full, numbers, labels, cell, STATE_HEADS)
    out += _transitions(xs, ys, rows_full, cols_full, labels, side)
    out += _gap_marks(xs, ys, cols_full, rows_full, cell, side)
    out.append('<g class="cells" stroke="#fff" stroke-width="1">')
    for i, vs in enumerate(values):
        for j, x in enumerate(vs):
            s, f = rows_full[i] + 1, cols_full[j] + 1
            value = "" if quantity is None else f' data-value="{escape(_value_attr(x))}"'
            # the tooltip: the cell's value as the tables print it, and its extended label
            name = f"{q}_{f}({s}) = {fmt(x)}" if quantity is not None else f"state {s}, frame {f}"
            name += f", l'_s = {labels[i]}"
            stroke = ' stroke="#ccc"' if quantity is None else ""
            if (i, j) in marked:  # outlined, and said so in the tooltip
                stroke = f' stroke="{MARK_COLOUR}" stroke-width="{MARK_WIDTH}" data-mark="true"'
                name += f" ({marked[(i, j)]})"
            out.append(
                f'<rect x="{xs[j]:g}" y="{ys[i]:g}" width="{side}" height="{side}" '
                f'fill="{colour(x, j)}"{stroke} data-s="{s}" data-t="{f}"{value}>'
                f"<title>{escape(name)}</title></rect>"
            )
    out.append("</g>")
    out += drawn
    out += legend[0]
    out.append("</svg>")
    return "\n".join(out)


def _transitions(
    xs: list[float],
    ys: list[float],
    rows_full: list[int],
    cols_full: list[int],
    labels: list[str],
    side: float,
) -> list[str]:
    """The allowed moves between held neighbours, under the cells' centres."""
    h = side / 2
    out = ['<g class="transitions" stroke="#888" stroke-width="1" opacity="0.5">']
    for j in range(len(xs) - 1):
        if cols_full[j + 1] != cols_full[j] + 1:
            continue
        for i in range(len(ys)):
            for step in (0, 1, 2):
                k = i + step
                if k >= len(ys) or rows_full[k] != rows_full[i] + step:
                    continue
                if step == 2 and labels[k] == labels[i]:
                    continue
                out.append(
                    f'<line x1="{xs[j] + h:g}" y1="{ys[i] + h:g}" '
                    f'x2="{xs[j + 1] + h:g}" y2="{ys[k] + h:g}"/>'
                )
    out.append("</g>")
    return out


def _track_style(tr: Track, listed: int) -> tuple[str, str, str]:
    """(colour, dash, tag) of a track (``listed`` counts the listed tracks before it)."""
    if tr.best:
        return BEST_COLOUR, "" if tr.valid else INVALID_DASH, "best"
    return (
        TRACK_COLOURS[listed % len(TRACK_COLOURS)],
        "" if tr.valid else INVALID_DASH,
        str(listed + 1),
    )


def _styles(tracks: Sequence[Track]) -> list[tuple[str, str, str]]:
    out, listed = [], 0
    for tr in tracks:
        out.append(_track_style(tr, listed))
        listed += 0 if tr.best else 1
    return out


def _track_words(tr: Track, fmt: Fmt) -> str:
    """A track in words: its label, valid or why not, its probability."""
    verdict = "valid" if tr.valid else f"not valid: {tr.why or 'not an alignment'}"
    if tr.valid and tr.why:
        verdict += f" ({tr.why})"
    prob = "" if tr.probability is None else f", p = {fmt(tr.probability)}"
    if tr.probability is not None and tr.symbol_probability is not None:
        prob += f" as given; its symbols give {fmt(tr.symbol_probability)}"
    return f"{tr.label} ({verdict}{prob})"


def _track_lines(
    tracks: Sequence[Track],
    rows_full: list[int],
    cols_full: list[int],
    xs: list[float],
    ys: list[float],
    side: float,
    fmt: Fmt,
) -> list[str]:
    """Each track as a ``<g class="track">`` of polylines (a new one after a gap, an elided
    frame or a state that is not held) through its cells' centres, nudged apart a little so
    that paths sharing cells stay visible, and an end tag."""
    if not tracks:
        return []
    col = {f: j for j, f in enumerate(cols_full)}
    row = {s: i for i, s in enumerate(rows_full)}
    n = len(tracks)
    nudge = 0.0 if n == 1 else min(4.0, side * 0.4 / (n - 1))
    width = max(1.5, min(3.0, side / 8))
    out = ['<g class="tracks" fill="none" stroke-linejoin="round" stroke-linecap="round">']
    ends: dict[tuple[float, float], int] = {}
    for k, (tr, (colour, dash, tag)) in enumerate(zip(tracks, _styles(tracks), strict=True)):
        off = (k - (n - 1) / 2) * nudge
        segments: list[list[tuple[float, float]]] = []
        last_f: int | None = None
        for f, s in zip(tr.frames, tr.states, strict=True):
            if f not in col or s is None or s not in row:
                last_f = None
                continue
            pt = (xs[col[f]] + side / 2 + off, ys[row[s]] + side / 2 + off)
            if last_f is not None and col[f] == col[last_f] + 1 and f == last_f + 1:
                segments[-1].append(pt)
            else:
                segments.append([pt])
            last_f = f
        attrs = (
            f'data-label="{escape(tr.label)}" data-valid="{str(tr.valid).lower()}" '
            f'data-best="{str(tr.best).lower()}"'
        )
        if tr.probability is not None:
            attrs += f' data-probability="{escape(_value_attr(tr.probability))}"'
        out.append(f'<g class="track" {attrs}>')
        out.append(f"<title>{escape(_track_words(tr, fmt))}</title>")
        w = width + (1 if tr.best else 0)
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        for seg in segments:
            pts = " ".join(f"{x:g},{y:g}" for x, y in seg)
            out.append(
                f'<polyline class="casing" points="{pts}" stroke="#fff" '
                f'stroke-width="{w + 2.5:g}" opacity="0.85"/>'
            )
            out.append(
                f'<polyline class="path" points="{pts}" stroke="{colour}" '
                f'stroke-width="{w:g}"{dash_attr}/>'
            )
            if len(seg) == 1:  # a lone cell: a dot, so it shows
                x, y = seg[0]
                out.append(f'<circle cx="{x:g}" cy="{y:g}" r="{w + 1:g}" fill="{colour}"/>')
        if segments:
            x, y = segments[-1][-1]
            key = (round(x - off), round(y - off))
            stack = ends.get(key, 0)
            ends[key] = stack + 1
            out.append(
                f'<text class="tag" x="{x + side / 2 + 3:g}" y="{y + 4 + 11 * stack:g}" '
                f'fill="{text_shade(colour)}" stroke="#fff" stroke-width="3" '
                f'paint-order="stroke" font-weight="bold" font-size="11">{escape(tag)}</text>'
            )
        out.append("</g>")
    out.append("</g>")
    return out


def _trellis_legend(
    quantity: str | None,
    scale: str,
    lo: float,
    hi: float,
    tracks: Sequence[Track],
    y: float,
    grid_right: float = MAX_WIDTH,
    left: float = LEFT,
    marks: Sequence[str] = (),
    *,
    fmt: Fmt,
) -> tuple[list[str], float, float]:
    """(legend elements, width right of ``left``, bottom): the colour scale or the neutral
    swatch, the grey swatch, the outline of marked cells (``marks``: their words), then per
    track its line sample and its words, wrapped to the grid's width (at least
    LEGEND_MIN_ROOM px), so a long one adds lines, not width. ``scale`` "log-frame": a log
    scale per frame, from the frame's smallest to its largest non-zero cell."""
    x = left
    room = min(MAX_WIDTH - left - 60, max(LEGEND_MIN_ROOM, grid_right + RIGHT - left - 42))
    out: list[str] = []
    if quantity is None:
        lines = _wrap("cells not heat-mapped: no per-frame distribution given", room + 26)
        out += _swatch(x, y, NEUTRAL, lines[0])
        for k, line in enumerate(lines[1:], 1):
            out.append(f'<text x="{x + 16:g}" y="{y + 10 + 16 * k:g}">{escape(line)}</text>')
        width = 16 + max(text_width(line) for line in lines)
        y += 22 + 16 * (len(lines) - 1)
    else:
        if scale == "log":
            low, high = f"ln {quantity} = {text_minus(f'{lo:.3g}')}", text_minus(f"{hi:.3g}")
        elif scale == "log-frame":
            low, high = "smallest", "largest"
        else:
            low, high = f"{quantity} = 0", "1"
        out += _ramp(x, y, low, high)
        gx = x + len(VIRIDIS) * 18 + 24
        zero = "unreachable (α = 0)" if quantity == "α" else f"zero ({quantity} = 0)"
        width = gx - x + 16 + text_width(zero)
        if width > room + 42:  # a narrow grid: the grey swatch goes under the colour scale
            gx, y, width = x, y + 34, max(len(VIRIDIS) * 18, 16 + text_width(zero))
        out += _swatch(gx, y, UNREACHABLE, zero)
        y += 40 if gx > x else 22
        if scale == "log-frame":
            words = f"colour: ln {quantity}_t(s) within its frame t (log scale per frame)"
            for line in _wrap(words, room + 26):
                out.append(f'<text x="{x:g}" y="{y + 10:g}">{escape(line)}</text>')
                width = max(width, text_width(line))
                y += 16
            y += 6
    for words in marks:
        out.append(
            f'<rect x="{x + 1:g}" y="{y + 1:g}" width="10" height="10" fill="none" '
            f'stroke="{MARK_COLOUR}" stroke-width="{MARK_WIDTH}"/>'
        )
        for line in _wrap(words, room + 26):
            out.append(f'<text x="{x + 16:g}" y="{y + 10:g}">{escape(line)}</text>')
            width = max(width, 16 + text_width(line))
            y += 16
        y += 6
    if tracks:
        out.append('<g class="track-legend">')
        for tr, (colour, dash, _tag) in zip(tracks, _styles(tracks), strict=True):
            dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
            out.append(
                f'<line x1="{x:g}" y1="{y + 6:g}" x2="{x + 34:g}" y2="{y + 6:g}" '
                f'stroke="{colour}" stroke-width="3"{dash_attr}/>'
            )
            for line in _wrap(_track_words(tr, fmt), room):
                out.append(f'<text x="{x + 42:g}" y="{y + 10:g}">{escape(line)}</text>')
                width = max(width, 42 + text_width(line))
                y += 16
            y += 2
        out.append("</g>")
    return out, width, y + 8


# ------------------------------------------------------------------------------ emissions


def _emission_cells(t: Table) -> tuple[list[int], list[int]]:
    """(classes, rows) of the emission table ``t`` that :func:`emissions_svg` draws."""
    classes = len(t.columns) - t.key_columns
    return _thin(classes, FIGURE_MAX_ROWS), _thin(len(t.rows), FIGURE_MAX_COLUMNS)


def emissions_scale(t: Table) -> tuple[str, float, float]:
    """(scale, lo, hi) of the emission matrix ``t`` as :func:`emissions_svg` colours it.

    Up to EMISSIONS_LINEAR_MAX_CLASSES classes: ("linear", 0, 1), the colour at y itself.
    Above: ("log", lo, hi), the colour at (ln y − lo) / (hi − lo), clamped to [0, 1], where
    hi is the largest ln y of the drawn cells and lo their smallest, but not more than
    ln EMISSIONS_LOG_SPAN below hi; a zero (ln y = −∞) is grey, as an unreachable trellis
    cell.
    """
    key = t.key_columns
    if len(t.columns) - key <= EMISSIONS_LINEAR_MAX_CLASSES:
        return "linear", 0.0, 1.0
    keep_k, keep_t = _emission_cells(t)
    lns = [_ln(t.rows[i][key + k]) for i in keep_t for k in keep_k]
    finite = [v for v in lns if math.isfinite(v)]
    if not finite:
        return "log", -math.log(EMISSIONS_LOG_SPAN), 0.0
    hi = max(finite)
    return "log", max(min(finite), hi - math.log(EMISSIONS_LOG_SPAN)), hi


def emissions_svg(
    t: Table,
    title: str = "Emissions y_t(k)",
    *,
    standalone: bool = False,
    precision: int = 3,
    digits: Digits | None = None,
) -> str:
    """The emission table ``t`` (key column t; one column per class k; one row per frame)
    drawn with frames as columns and classes as rows, as the trellis is, linearly from 0 to
    1 for a few classes and by ln y_t(k) for many (:func:`emissions_scale`, named in the
    legend and in the cells group's ``data-scale``, ``data-low`` and ``data-high``, the
    scale's ends as probabilities). Cells carry ``data-k`` (the class), ``data-t`` and
    ``data-value``. Numbers print with ``precision`` and the plan ``digits``, as the tables do."""
    fmt = number_format(precision, digits)
    key = t.key_columns
    classes = t.columns[key:]
    keep_k, keep_t = _emission_cells(t)
    scale, lo, hi = emissions_scale(t)
    frames_full = [t.row_index(i) for i in keep_t]
    cell = cell_size(len(keep_k), len(keep_t))
    side = cell - max(1, cell // 9)
    names = [str(classes[k]) for k in keep_k]
    left = label_columns([], names, cell, CLASS_HEADS)[2]
    ys = _positions(keep_k, TOP, cell)
    xs = _positions(frames_full, left, cell)
    n_frames = t.shape[0]
    shown = (
        f"{len(keep_k)} of {len(classes)} classes, frames {len(keep_t)} of {n_frames}"
        if (len(keep_k), len(keep_t)) != (len(classes), n_frames)
        else f"{len(classes)} classes by {n_frames} frames"
    )
    if scale == "linear":
        kind = "on a linear scale from 0 to 1"
    else:
        kind = (
            f"on a log scale, ln y_t(k) from y = {_scale_end(math.exp(lo))} to "
            f"{_scale_end(math.exp(hi))} (smaller ones as dark as the smallest), grey cells zero"
        )
    desc = (
        f"Heat map of the emission probabilities y_t(k) {kind} ({shown}): rows are the "
        f"classes {' '.join(classes[k] for k in keep_k)}, columns the frames; dark cells are "
        "small, bright cells large."
    )
    grid_bottom = ys[-1] + cell
    y = grid_bottom + 14
    if scale == "linear":
        legend = _ramp(left, y, "y = 0", "1")
        height = y + 40
    else:
        legend = _ramp(left, y, f"y = {_scale_end(math.exp(lo))}", _scale_end(math.exp(hi)))
        legend += _swatch(left + len(VIRIDIS) * 18 + 24, y, UNREACHABLE, "zero (y = 0)")
        words = "colour: ln y_t(k), log scale (many classes)"
        legend.append(f'<text x="{left:g}" y="{y + 50:g}">{escape(words)}</text>')
        height = y + 62
    room = len(VIRIDIS) * 18 + (40 if scale == "linear" else 24 + 16 + 12 * CHAR_W)
    width = min(MAX_WIDTH, max(xs[-1] + cell + 16, left + room))
    out = _grid_head(width, height, title, desc, "emissions", standalone)
    out += _axis_labels(xs, ys, frames_full, [], names, cell, CLASS_HEADS)
    out += _gap_marks(xs, ys, frames_full, keep_k, cell, side, ("frames", "classes"))
    ends = "" if scale == "linear" else f' data-low="{math.exp(lo)!r}" data-high="{math.exp(hi)!r}"'
    out.append(f'<g class="cells" stroke="#fff" stroke-width="1" data-scale="{scale}"{ends}>')
    for i, k in enumerate(keep_k):
        for j, ti in enumerate(keep_t):
            x = t.rows[ti][key + k]
            ln = _ln(x)
            if scale == "linear":
                fill = palette_colour(math.exp(ln) if math.isfinite(ln) else 0.0)
            elif not math.isfinite(ln):
                fill = UNREACHABLE
            else:
                fill = palette_colour((ln - lo) / (hi - lo) if hi > lo else 1.0)
            out.append(
                f'<rect x="{xs[j]:g}" y="{ys[i]:g}" width="{side}" height="{side}" '
                f'fill="{fill}" data-k="{escape(str(classes[k]))}" '
                f'data-t="{frames_full[j] + 1}" data-value="{escape(_value_attr(x))}">'
                f"<title>y_{frames_full[j] + 1}({escape(str(classes[k]))}) = "
                f"{escape(fmt(x))}</title></rect>"
            )
    out.append("</g>")
    out += legend
    out.append("</svg>")
    return "\n".join(out)
