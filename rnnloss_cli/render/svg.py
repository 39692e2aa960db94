"""SVG figures drawn from a Result: the CTC trellis as a heat map of α (no plotting library).

The trellis figure reads the forward-trellis table a CTC solver already holds (rows: states s
of the blank-extended labels l', columns: frames t), so it shows exactly the window the tables
show: a long input keeps its first and last states and frames, with a gap drawn where the
elision sits. Each cell is coloured by ln α_t(s) on a sequential, colour-blind-safe palette
(:data:`VIRIDIS`, dark = small, bright = large); unreachable cells (α = 0) are grey. The
allowed transitions of the recursion (s→s, s→s+1, and s→s+2 when l'_{s+2} ≠ l'_s) are drawn
lightly between neighbouring held frames. Listed alignments and the best path are not drawn.

Every cell ``<rect>`` carries ``data-s``, ``data-t`` (1-based, full-trellis indices) and
``data-value`` (α, or ``0``), so tests and readers can take the numbers back out.
"""

from __future__ import annotations

import math
from html import escape
from typing import Any

from rnnloss_cli.result import LogNumber, Result, Table, Window

#: Viridis (matplotlib's default sequential map, designed to be perceptually uniform and
#: readable with the common colour-vision deficiencies), 9 stops from low to high.
VIRIDIS = (
    "#440154",
    "#472d7b",
    "#3b528b",
    "#2c728e",
    "#21918c",
    "#28ae80",
    "#5ec962",
    "#addc30",
    "#fde725",
)
#: Fill of cells that cannot be reached (α = 0: ln α = −∞ has no place on the scale).
UNREACHABLE = "#bdbdbd"
#: Cell side and the gap drawn for an elision, in px, and the margins for the axis labels.
CELL = 36
GAP = 18
LEFT = 64
TOP = 40
LEGEND_H = 56
#: Width the legend needs right of LEFT: the ramp, the grey swatch and its words.
LEGEND_W = 9 * 18 + 24 + 16 + 140
SVG_NS = ' xmlns="http://www.w3.org/2000/svg"'
#: The table title prefix the solver gives the forward trellis.
ALPHA_TITLE = "forward trellis α"


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


def _positions(full: list[int], start: float) -> list[float]:
    """Left (or top) edge of each held index; a jump in the full indices leaves a GAP."""
    out, pos = [], start
    for n, idx in enumerate(full):
        if n and idx != full[n - 1] + 1:
            pos += GAP
        out.append(pos)
        pos += CELL
    return out


def alpha_table(r: Result) -> Table | None:
    """The forward-trellis table of an exact CTC result, if it has one."""
    if r.kind != "ctc":
        return None
    return next((t for t in r.tables if t.title.startswith(ALPHA_TITLE)), None)


def ctc_figures(
    r: Result, show: frozenset[str] = frozenset(), window: Window | None = None
) -> list[str]:
    """The CTC figures of ``r`` as HTML ``<figure>`` elements: the forward trellis for now."""
    alpha = alpha_table(r)
    if alpha is None or not alpha.rows:
        return []
    return [
        '<figure class="trellis">\n'
        + trellis_svg(alpha, f"CTC forward trellis α: {r.title}")
        + "\n<figcaption>Forward trellis α_t(s), log colour scale (viridis: dark small, "
        "bright large; grey unreachable), allowed transitions drawn lightly. The listed "
        "alignments and the best path are not drawn yet.</figcaption></figure>"
    ]


def trellis_svg(t: Table, title: str = "CTC forward trellis", *, standalone: bool = False) -> str:
    """The trellis table ``t`` (key columns s, l'_s; then one column per frame) as an SVG.

    Inline in an HTML page the SVG needs no namespace (and the page then names no URL at
    all); ``standalone=True`` adds it, for a ``.svg`` file of its own.
    """
    key = t.key_columns
    n_rows, n_cols = t.shape
    rows_full = [t.row_index(i) for i in range(len(t.rows))]
    cols_full = [t.column_index(j) - key for j in range(key, len(t.columns))]
    ys = _positions(rows_full, TOP)
    xs = _positions(cols_full, LEFT)
    width = max((xs[-1] if xs else LEFT) + CELL + 16, LEFT + LEGEND_W)
    grid_bottom = (ys[-1] if ys else TOP) + CELL
    height = grid_bottom + LEGEND_H
    lns = [_ln(c) for row in t.rows for c in row[key:]]
    finite = [v for v in lns if math.isfinite(v)]
    lo, hi = (min(finite), max(finite)) if finite else (0.0, 0.0)
    span = hi - lo

    def colour(ln: float) -> str:
        if not math.isfinite(ln):
            return UNREACHABLE
        return palette_colour((ln - lo) / span if span > 0 else 1.0)

    labels = [str(row[1]) if key > 1 else str(row[0]) for row in t.rows]
    shown = (
        f"states {len(t.rows)} of {n_rows}, frames {len(cols_full)} of {n_cols - key}"
        if (len(t.rows), len(cols_full)) != (n_rows, n_cols - key)
        else f"{n_rows} states by {n_cols - key} frames"
    )
    desc = (
        f"Heat map of α_t(s) on a log scale ({shown}): rows are the extended labels "
        f"{' '.join(labels)}, columns the frames; dark cells are small, bright cells large, "
        "grey cells unreachable (α = 0); thin lines are the allowed transitions."
    )
    out = [
        f'<svg{SVG_NS if standalone else ""} role="img" class="trellis" '
        f'width="{width:g}" height="{height:g}" viewBox="0 0 {width:g} {height:g}" '
        'font-family="sans-serif" font-size="12">',
        f"<title>{escape(title)}</title>",
        f"<desc>{escape(desc)}</desc>",
    ]
    # frame labels on top, state labels on the left
    for j, x in enumerate(xs):
        out.append(
            f'<text x="{x + CELL / 2:g}" y="{TOP - 8:g}" text-anchor="middle">'
            f"{escape(str(cols_full[j] + 1))}</text>"
        )
    out.append(f'<text x="{LEFT - 8:g}" y="{TOP - 24:g}" text-anchor="end">t →</text>')
    for i, y in enumerate(ys):
        out.append(
            f'<text x="{LEFT - 8:g}" y="{y + CELL / 2 + 4:g}" text-anchor="end">'
            f"{escape(f'{rows_full[i] + 1} {labels[i]}')}</text>"
        )
    # allowed transitions between held neighbours, under the cells' centres
    out.append('<g class="transitions" stroke="#888" stroke-width="1" opacity="0.5">')
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
                    f'<line x1="{xs[j] + CELL / 2:g}" y1="{ys[i] + CELL / 2:g}" '
                    f'x2="{xs[j + 1] + CELL / 2:g}" y2="{ys[k] + CELL / 2:g}"/>'
                )
    out.append("</g>")
    out.append('<g class="cells" stroke="#fff" stroke-width="1">')
    for i, row in enumerate(t.rows):
        for j, cell in enumerate(row[key:]):
            ln = _ln(cell)
            out.append(
                f'<rect x="{xs[j]:g}" y="{ys[i]:g}" width="{CELL - 4}" height="{CELL - 4}" '
                f'fill="{colour(ln)}" data-s="{rows_full[i] + 1}" data-t="{cols_full[j] + 1}" '
                f'data-value="{escape(_value_attr(cell))}" '
                f"><title>α_{cols_full[j] + 1}({rows_full[i] + 1})"
                f"</title></rect>"
            )
    out.append("</g>")
    out += _legend(LEFT, grid_bottom + 12, lo, hi)
    out.append("</svg>")
    return "\n".join(out)


def _legend(x: float, y: float, lo: float, hi: float) -> list[str]:
    """A colour ramp from ln α = lo to hi, and a grey swatch for unreachable cells."""
    n, w = len(VIRIDIS), 18
    out = ['<g class="legend">']
    for k, c in enumerate(VIRIDIS):
        out.append(f'<rect x="{x + k * w:g}" y="{y:g}" width="{w}" height="12" fill="{c}"/>')
    out.append(f'<text x="{x:g}" y="{y + 26:g}">ln α = {lo:.3g}</text>')
    out.append(f'<text x="{x + n * w:g}" y="{y + 26:g}" text-anchor="end">{hi:.3g}</text>')
    gx = x + n * w + 24
    out.append(f'<rect x="{gx:g}" y="{y:g}" width="12" height="12" fill="{UNREACHABLE}"/>')
    out.append(f'<text x="{gx + 16:g}" y="{y + 10:g}">unreachable (α = 0)</text>')
    out.append("</g>")
    return out
