"""The RNN-T lattice as an SVG figure (Graves 2012, "Sequence Transduction with Recurrent
Neural Networks", fig. 1), drawn from an ``rnnt`` Result's tables only.

One node per (t, u): t frames read, along x (t = 0 … T−1, left to right), u labels emitted,
along y (u = 0 … U, bottom to top, each row named by its emitted prefix ε, a, ab, …). Each
node shows α(t, u), the probability of reaching it, read from the "forward lattice α(t, u)"
table. From (t, u) a blank move → goes to (t+1, u), labelled y(t, u, ∅); a label move ↑
goes to (t, u+1), labelled with the label y_{u+1} and y(t, u, y_{u+1}); both read from the
"given: the moves out of each node" table. The final blank out of (T−1, U) goes to an end
mark, labelled y(T−1, U, ∅): p(y|x) = α(T−1, U) · y(T−1, U, ∅), the caption's product,
whose value is the Result's ``probability`` figure (nothing is computed here).

A small lattice draws every node: (T−1)(U+1) + 1 blank moves (T−1 per row, and the final
one) and T·U label moves. A long input draws the α table's held window thinned to
LATTICE_MAX_FRAMES frames by LATTICE_MAX_ROWS rows (the first and last ones), with a break
mark where frames or labels are left out (a grey zigzag and "…" / "⋮", in a
``<g class="gap">`` whose ``data-axis`` is t or u and whose ``data-after`` and
``data-before`` are the indices, 0-based as the tables', drawn either side of it), so the
SVG stays bounded whatever T and U. A move whose node the given table does not hold (a long
lattice's middle nodes) is drawn without its number, and the caption says so.

Nodes are ``<g class="node">`` with ``data-t``, ``data-u`` and ``data-value`` (the cell,
``e^LN`` for one held as its log); moves ``<g class="move blank|label|final">`` with
``data-t``, ``data-u`` (of the node they leave), ``data-label`` (label moves) and
``data-value`` when their probability is written.
"""

from __future__ import annotations

import math
from html import escape
from typing import Any

from rnnloss_cli.render.palette import PLATE, VIRIDIS
from rnnloss_cli.render.svg import (
    LABEL_MAX_CHARS,
    MARK_COLOUR,
    MARK_WIDTH,
    MAX_WIDTH,
    NEUTRAL,
    SCROLL_HINT,
    SVG_NS,
    Fmt,
    gap_size,
    number_format,
    text_shade,
    text_width,
)
from rnnloss_cli.render.text import ELLIPSIS, Digits, cut_end, cut_start, index_runs
from rnnloss_cli.result import LogNumber, Result, Table, Window, window_indices

#: The title prefixes the RNN-T solver (:mod:`solve.rnnt`) gives the two tables drawn.
RNNT_ALPHA_TITLE = "forward lattice α(t, u)"
RNNT_MOVES_TITLE = "given: the moves out of each node"
#: Frames and label rows (u = 0 … U) a lattice figure draws at most (the first and last of
#: the α table's held window, a gap between): every node carries its α and every move its
#: probability, 60-90 px apart, so 12 frames are about a page's width and 8 rows its height.
LATTICE_MAX_FRAMES = 12
LATTICE_MAX_ROWS = 8
#: The numbers' font size (px) on the nodes and moves; the axes' and the legend's.
NUM_FONT = 11
AXIS_FONT = 12
#: Node box height; the space between rows (a label move's arrow and its words fit in it).
NODE_H = 20
ROW_STEP = 60
#: The least length (px) of a blank move's arrow between two node boxes.
MIN_ARROW = 30
#: Margins: above the top row (the label columns' heads), on the right (the end mark).
TOP = 34
RIGHT = 12
#: Colours: blank moves and label moves (lines), from viridis; their numbers are the same hue
#: darkened to 4.5:1 on the white plate (:func:`render.svg.text_shade`).
BLANK_COLOUR = VIRIDIS[2]
LABEL_COLOUR = VIRIDIS[4]
NODE_STROKE = "#666"
GAP_STROKE = "#777"
#: A break mark's zigzag: the length (px) of each stroke along the grid and its amplitude.
ZIGZAG_STEP = 8
ZIGZAG_AMP = 3.0


def _table(r: Result, prefix: str) -> Table | None:
    return next((t for t in r.tables if t.title.startswith(prefix)), None)


def _value_attr(x: Any) -> str:
    """data-value: the number itself, or ``e^LN`` for a value held as its log."""
    if isinstance(x, LogNumber) and not isinstance(x, float):
        return "0" if x.ln == -math.inf else f"e^{x.ln!r}"
    return repr(float(x)) if isinstance(x, (int, float)) else ""


def _number(x: Any) -> bool:
    return isinstance(x, (int, float, LogNumber)) and not isinstance(x, bool)


def _label_cut(label: str) -> str:
    """A label move's symbol cut at its end with "…" (its whole name in the move's <title>),
    before a letter whose accents the cut would part from it."""
    return cut_end(label, LABEL_MAX_CHARS)


def _prefix_cut(label: str) -> str:
    """An emitted prefix cut at its start with "…" (its last labels matter most), less any
    accents the cut parted from their letter."""
    return cut_start(label, LABEL_MAX_CHARS)


def _moves(t: Table | None) -> dict[tuple[int, int], dict[str, Any]]:
    """The given table's rows by node (t, u): emitted prefix, blank, next label, label prob."""
    if t is None or "t" not in t.columns or "u" not in t.columns:
        return {}

    def col(start: str) -> int | None:
        return next((k for k, c in enumerate(t.columns) if c.startswith(start)), None)

    names = {
        "emitted": col("emitted"),
        "blank": col("y(t,u,∅)"),
        "label": col("next label"),
        "p_label": col("y(t,u,y_"),
    }
    it, iu = t.columns.index("t"), t.columns.index("u")
    out = {}
    for row in t.rows:
        if isinstance(row[it], int) and isinstance(row[iu], int):
            out[(row[it], row[iu])] = {k: (None if j is None else row[j]) for k, j in names.items()}
    return out


def _u_of(t: Table, j: int) -> int:
    """The u of held value column j of the α table."""
    return t.column_index(t.key_columns + j) - t.key_columns


def _arrow_head(x: float, y: float, dx: float, dy: float, colour: str) -> str:
    """A filled arrow head with its tip at (x, y), pointing along (dx, dy) (a unit vector)."""
    w, length = 3.5, 7.0
    bx, by = x - dx * length, y - dy * length
    pts = [(x, y), (bx - dy * w, by + dx * w), (bx + dy * w, by - dx * w)]
    return f'<polygon points="{" ".join(f"{a:g},{b:g}" for a, b in pts)}" fill="{colour}"/>'


def _positions(
    full: list[int], start: float, step: float, descending: bool = False, gap: float = 0.0
) -> list[float]:
    """The centre of each held index along an axis, ``step`` apart, a gap (at least ``gap``)
    where the full indices jump; ``descending``: the last index first (u upward: the top row
    is u = U)."""
    order = list(reversed(range(len(full)))) if descending else list(range(len(full)))
    out = [0.0] * len(full)
    pos, prev = start + step / 2, None
    for n in order:
        if prev is not None and abs(full[n] - full[prev]) != 1:
            pos += max(gap_size(step), gap)
        out[n] = pos
        pos += step
        prev = n
    return out


def lattice_svg(
    alpha: Table,
    moves: Table | None,
    title: str = "RNN-T lattice",
    *,
    standalone: bool = False,
    precision: int = 3,
    digits: Digits | None = None,
) -> tuple[str, dict[str, Any]]:
    """The RNN-T lattice drawn from the α table (rows t, one column per u) and the given
    moves table, and what the caption needs: the final node's α and final blank (as held),
    the frames and rows drawn, and how many drawn moves have no number (their node is not in
    the given table's window). Numbers print with ``precision`` and ``digits``, as the
    tables beside the figure do."""
    fmt = number_format(precision, digits)
    key = alpha.key_columns
    n_frames, n_cols = alpha.shape
    n_rows = n_cols - key  # U + 1
    keep_u = window_indices(len(alpha.columns) - key, LATTICE_MAX_ROWS)[0]
    us = [_u_of(alpha, j) for j in keep_u]
    last_t, last_u = n_frames - 1, n_rows - 1
    given = _moves(moves)

    def emitted(u: int) -> str:
        for (_, uu), m in given.items():
            if uu == u and isinstance(m["emitted"], str):
                return m["emitted"]
        name = alpha.columns[key + keep_u[us.index(u)]]
        return name.split("(", 1)[1].rstrip(")") if "(" in name else ""

    def blank_of(t: int, u: int) -> Any:
        x = given.get((t, u), {}).get("blank")
        return x if _number(x) else None

    def label_of(t: int, u: int) -> tuple[str, Any]:
        m = given.get((t, u), {})
        p = m.get("p_label")
        return (str(m.get("label") or ""), p if _number(p) else None)

    # the spacing from every held number of the rows drawn (at most the α table's window),
    # then as many frames as fit MAX_WIDTH at that spacing (at most LATTICE_MAX_FRAMES)
    held = {(alpha.row_index(i), u): fmt(alpha.rows[i][key + j])
            for i in range(len(alpha.rows)) for j, u in zip(keep_u, us, strict=True)}  # fmt: skip
    blank_all = {k: fmt(b) for k in given if k[1] in us and (b := blank_of(*k)) is not None}
    label_all = {k: (_label_cut(label_of(*k)[0]), fmt(label_of(*k)[1])) for k in given
                 if k[1] in us and label_of(*k)[1] is not None}  # fmt: skip
    node_w = max(28.0, max(text_width(x, NUM_FONT) for x in held.values()) + 10)
    blank_w = max((text_width(x, NUM_FONT) for x in blank_all.values()), default=0.0)
    label_w = max((text_width(f"{a} {b}", NUM_FONT) for a, b in label_all.values()), default=0)
    step_x = max(node_w + max(MIN_ARROW, blank_w + 12), label_w + 16)
    final_blank = blank_all.get((last_t, last_u), "")
    final_len = max(MIN_ARROW, text_width(final_blank, NUM_FONT) + 12)
    prefixes = [_prefix_cut(emitted(u)) for u in us]
    num_w = max(text_width(x, AXIS_FONT) for x in ["u", *map(str, us)])
    lab_w = max(text_width(x, AXIS_FONT) for x in ["emitted", *prefixes])
    num_right = 6 + num_w
    label_right = num_right + 10 + lab_w
    left = label_right + 12
    tail = final_len + 16 + text_width("end", NUM_FONT) + RIGHT  # right of the last node
    # a break between frames sits halfway across its gap: past the words of a label move
    # in the frame before it (x + 5 … x + 5 + label_w), with the zigzag's swing and 4 px
    t_gap = max(gap_size(step_x), 2 * (5 + label_w + ZIGZAG_AMP + 4) - step_x)
    room = MAX_WIDTH - left - node_w - tail - t_gap
    fit = max(2, min(LATTICE_MAX_FRAMES, 1 + int(room // step_x)))
    keep_t = window_indices(len(alpha.rows), fit)[0]
    ts = [alpha.row_index(i) for i in keep_t]
    alphas = {(t, u): alpha.rows[i][key + j] for i, t in zip(keep_t, ts, strict=True)
              for j, u in zip(keep_u, us, strict=True)}  # fmt: skip

    # what is drawn: blank moves between neighbouring drawn frames, label moves between
    # neighbouring drawn rows, the final blank when the last node is drawn
    blanks = [(t, u) for u in us for a, t in enumerate(ts[:-1]) if ts[a + 1] == t + 1]
    labels = [(t, u) for t in ts for b, u in enumerate(us[:-1]) if us[b + 1] == u + 1]
    final = (last_t, last_u) if (last_t, last_u) in alphas else None
    node_text = {k: held[k] for k in alphas}
    blank_text = {k: blank_all[k] for k in [*blanks, *([final] if final else [])] if k in blank_all}
    label_text = {k: label_all[k] for k in labels if k in label_all}
    unlabelled = sum(k not in blank_text for k in blanks) + sum(k not in label_text for k in labels)
    xs = _positions(ts, left - (step_x - node_w) / 2, step_x, gap=t_gap)
    ys = _positions(us, TOP + 14 - ROW_STEP / 2, ROW_STEP, descending=True)
    x_of = dict(zip(ts, xs, strict=True))
    y_of = dict(zip(us, ys, strict=True))
    grid_bottom = max(ys) + NODE_H / 2
    end_x = xs[-1] + node_w / 2 + final_len + 8
    grid_right = end_x + 8 + text_width("end", NUM_FONT)

    # each entry's words, a line or two, so that a small lattice's drawing stays narrower
    # than a phone's column (358 px) and is drawn there at its own size
    legend_lines = [
        ("blank", ["blank move (t, u) → (t+1, u): y(t, u, ∅)"]),
        ("label", ["label move (t, u) → (t, u+1):", "its label and y(t, u, label)"]),
        ("mark", ["the last node (T−1, U): its final", "blank ends every path"]),
    ]
    axis_y = grid_bottom + 22
    legend_top = axis_y + 24
    legend_w = 44 + max(text_width(w) for _, ws in legend_lines for w in ws)
    # a label move's words in the last frame drawn lie right of its arrow, past the end mark
    last_words = max((text_width(f"{a} {b}", NUM_FONT) for (t, u), (a, b) in label_all.items()
                      if t == ts[-1] and (t, u) in labels), default=0.0)  # fmt: skip
    width = max(grid_right + RIGHT, legend_w + 8, xs[-1] + 5 + last_words + RIGHT)
    tops = [legend_top + 20 * n + 16 * sum(len(ws) - 1 for _, ws in legend_lines[:n])
            for n in range(len(legend_lines))]  # fmt: skip
    height = tops[-1] + 16 * (len(legend_lines[-1][1]) - 1) + 24

    shown = f"{n_frames:,} frames by {n_rows:,} rows (u = 0 … {last_u:,})"
    desc = (
        f"RNN-T lattice, {shown}: nodes (t, u) with α(t, u) written in them; arrows right are "
        "blank moves labelled y(t, u, ∅), arrows up are label moves labelled with the label "
        "they emit and its probability; the final blank leaves the last node to the end mark."
    )
    fit = "" if standalone else f' style="--w: {width:g}px"'
    out = [
        f'<svg{SVG_NS if standalone else ""} role="img" class="lattice"{fit} '
        f'width="{width:g}" height="{height:g}" viewBox="0 0 {width:g} {height:g}" '
        'font-family="sans-serif" font-size="12">',
        f"<title>{escape(title)}</title>",
        f"<desc>{escape(desc)}</desc>",
        PLATE,
    ]
    # the axes: u numbers and emitted prefixes on the left, frame numbers underneath
    out.append(f'<g class="axes" font-size="{AXIS_FONT}">')
    head_y = TOP - 12
    out.append(f'<text class="head" x="{num_right:g}" y="{head_y:g}" text-anchor="end" '
               'fill="#555">u</text>')  # fmt: skip
    out.append(f'<text class="head" x="{label_right:g}" y="{head_y:g}" text-anchor="end" '
               'font-style="italic">emitted</text>')  # fmt: skip
    for u, prefix in zip(us, prefixes, strict=True):
        base = y_of[u] + AXIS_FONT / 3
        whole = emitted(u)
        tip = f"<title>{escape(whole)}</title>" if prefix != whole else ""
        out.append(f'<text class="row-number" x="{num_right:g}" y="{base:g}" '
                   f'text-anchor="end" fill="#555">{u}</text>')  # fmt: skip
        out.append(f'<text class="row-label" x="{label_right:g}" y="{base:g}" '
                   f'text-anchor="end">{tip}{escape(prefix)}</text>')  # fmt: skip
    for t, x in zip(ts, xs, strict=True):
        out.append(f'<text x="{x:g}" y="{axis_y:g}" text-anchor="middle">{t}</text>')
    out.append(f'<text x="{label_right:g}" y="{axis_y:g}" text-anchor="end">t →</text>')
    out.append("</g>")
    out += _gap_marks(ts, xs, us, ys, node_w, (min(ys) - NODE_H / 2, grid_bottom),
                      (xs[0] - node_w / 2, xs[-1] + node_w / 2), axis_y, num_right)  # fmt: skip

    h, w2 = NODE_H / 2, node_w / 2
    blank_ink, label_ink = text_shade(BLANK_COLOUR), text_shade(LABEL_COLOUR)
    out.append(f'<g class="moves" font-size="{NUM_FONT}">')
    for k in [*blanks, *([final] if final else [])]:
        t, u = k
        x0, y = x_of[t] + w2 + 2, y_of[u]
        x1 = x_of[t + 1] - w2 - 3 if k != final else end_x - 7
        p = blank_text.get(k)
        cls = "final" if k == final else "blank"
        attrs = f'data-t="{t}" data-u="{u}"'
        if p is not None:
            attrs += f' data-value="{escape(_value_attr(blank_of(t, u)))}"'
        words = f"y({t}, {u}, ∅) = {p}" if p is not None else "not in the given table's window"
        dest = "the end" if k == final else f"({t + 1}, {u})"
        out.append(f'<g class="move {cls}" {attrs}>')
        out.append(f"<title>{escape(f'blank move ({t}, {u}) → {dest}: {words}')}</title>")
        out.append(f'<line x1="{x0:g}" y1="{y:g}" x2="{x1 - 5:g}" y2="{y:g}" '
                   f'stroke="{BLANK_COLOUR}" stroke-width="1.6"/>')  # fmt: skip
        out.append(_arrow_head(x1, y, 1.0, 0.0, BLANK_COLOUR))
        if p is not None:
            out.append(f'<text x="{(x0 + x1) / 2:g}" y="{y - 8:g}" text-anchor="middle" '
                       f'fill="{blank_ink}">{escape(p)}</text>')  # fmt: skip
        out.append("</g>")
    for t, u in labels:
        x, y0, y1 = x_of[t], y_of[u] - h - 2, y_of[u + 1] + h + 3
        sym, _ = label_of(t, u)
        got = label_text.get((t, u))
        attrs = f'data-t="{t}" data-u="{u}" data-label="{escape(sym)}"'
        if got is not None:
            attrs += f' data-value="{escape(_value_attr(label_of(t, u)[1]))}"'
        words = (f"emits {sym}, y({t}, {u}, {sym}) = {got[1]}" if got is not None
                 else "not in the given table's window")  # fmt: skip
        out.append(f'<g class="move label" {attrs}>')
        out.append(f"<title>{escape(f'label move ({t}, {u}) → ({t}, {u + 1}): {words}')}</title>")
        out.append(f'<line x1="{x:g}" y1="{y0:g}" x2="{x:g}" y2="{y1 + 5:g}" '
                   f'stroke="{LABEL_COLOUR}" stroke-width="1.6"/>')  # fmt: skip
        out.append(_arrow_head(x, y1, 0.0, -1.0, LABEL_COLOUR))
        if got is not None:
            out.append(
                f'<text x="{x + 5:g}" y="{(y0 + y1) / 2 + NUM_FONT / 3:g}" fill="{label_ink}">'
                # isolated: a right-to-left symbol (א) keeps its number on its right
                f'<tspan class="symbol" font-weight="bold" unicode-bidi="isolate">'
                f"{escape(got[0])}</tspan> "
                f"{escape(got[1])}</text>"
            )
        out.append("</g>")
    out.append("</g>")
    if final:
        y = y_of[last_u]
        out.append('<g class="end"><title>the end: every path leaves (T−1, U) by a blank</title>')
        out.append(f'<circle cx="{end_x:g}" cy="{y:g}" r="6" fill="#fff" stroke="#000" '
                   'stroke-width="1.5"/>')  # fmt: skip
        out.append(f'<circle cx="{end_x:g}" cy="{y:g}" r="3.5" fill="#000"/>')
        out.append(f'<text x="{end_x:g}" y="{y + 20:g}" text-anchor="middle" '
                   f'font-size="{NUM_FONT}">end</text>')  # fmt: skip
        out.append("</g>")
    out.append(f'<g class="nodes" font-size="{NUM_FONT}">')
    for (t, u), x in alphas.items():
        cx, cy = x_of[t], y_of[u]
        mark = (t, u) == (last_t, last_u)
        stroke = (f'stroke="{MARK_COLOUR}" stroke-width="{MARK_WIDTH}" data-mark="true"' if mark
                  else f'stroke="{NODE_STROKE}" stroke-width="1"')  # fmt: skip
        prefix = emitted(u) or "?"
        out.append(
            f'<g class="node" data-t="{t}" data-u="{u}" data-value="{escape(_value_attr(x))}">'
            f"<title>{escape(f'α({t}, {u}) = {node_text[(t, u)]}, emitted {prefix}')}</title>"
            f'<rect x="{cx - w2:g}" y="{cy - h:g}" width="{node_w:g}" height="{NODE_H}" rx="4" '
            f'fill="{NEUTRAL}" {stroke}/>'
            f'<text x="{cx:g}" y="{cy + NUM_FONT / 3:g}" text-anchor="middle">'
            f"{escape(node_text[(t, u)])}</text></g>"
        )
    out.append("</g>")
    # the legend
    out.append('<g class="legend">')
    for (kind, words), y in zip(legend_lines, tops, strict=True):
        if kind == "blank":
            out.append(f'<line x1="4" y1="{y:g}" x2="28" y2="{y:g}" stroke="{BLANK_COLOUR}" '
                       'stroke-width="1.6"/>')  # fmt: skip
            out.append(_arrow_head(34, y, 1.0, 0.0, BLANK_COLOUR))
        elif kind == "label":
            out.append(f'<line x1="19" y1="{y + 7:g}" x2="19" y2="{y - 2:g}" '
                       f'stroke="{LABEL_COLOUR}" stroke-width="1.6"/>')  # fmt: skip
            out.append(_arrow_head(19, y - 7, 0.0, -1.0, LABEL_COLOUR))
        else:
            out.append(
                f'<rect x="6" y="{y - 7:g}" width="26" height="14" rx="3" '
                f'fill="{NEUTRAL}" stroke="{MARK_COLOUR}" stroke-width="{MARK_WIDTH}"/>'
            )
        for k, line in enumerate(words):
            out.append(f'<text x="44" y="{y + 4 + 16 * k:g}">{escape(line)}</text>')
    out.append("</g>")
    out.append("</svg>")
    info = {
        "alpha_last": alpha.rows[-1][-1] if alpha.rows else None,
        "blank_last": blank_of(last_t, last_u),
        "frames": ts,
        "rows": us,
        "n_frames": n_frames,
        "n_rows": n_rows,
        "unlabelled": unlabelled,
        "moves": len(blanks) + len(labels) + (1 if final else 0),
    }
    return "\n".join(out), info


def _gap_marks(
    ts: list[int],
    xs: list[float],
    us: list[int],
    ys: list[float],
    node_w: float,
    y_span: tuple[float, float],
    x_span: tuple[float, float],
    axis_y: float,
    label_x: float,
) -> list[str]:
    """A break mark where frames or rows are left out, as the trellis has
    (:func:`render.svg._gap_marks`): a grey zigzag across the grid and "…" among the frame
    numbers (⋮ beside the rows), in a ``<g class="gap">`` with ``data-axis``, ``data-after``
    and ``data-before`` (0-based t or u either side) and a <title> saying what is left out."""
    out: list[str] = []
    for axis, full, pos, words in (("t", ts, xs, "frames t"), ("u", us, ys, "rows u")):
        for n in range(1, len(full)):
            a, b = full[n - 1], full[n]
            if b == a + 1:
                continue
            mid = (pos[n - 1] + pos[n]) / 2
            lo, hi = y_span if axis == "t" else x_span
            m = max(8, round((hi - lo) / ZIGZAG_STEP))  # segments about ZIGZAG_STEP px long
            zig = [mid + (ZIGZAG_AMP if k % 2 else -ZIGZAG_AMP) for k in range(m + 1)]
            along = [lo + (hi - lo) * k / m for k in range(m + 1)]
            if axis == "t":
                pts = " ".join(f"{x:g},{y:g}" for x, y in zip(zig, along, strict=True))
                mark = (f'<text x="{mid:g}" y="{axis_y:g}" text-anchor="middle" '
                        f'font-size="{AXIS_FONT}">{ELLIPSIS}</text>')  # fmt: skip
            else:
                pts = " ".join(f"{x:g},{y:g}" for x, y in zip(along, zig, strict=True))
                mark = (f'<text x="{label_x:g}" y="{mid + AXIS_FONT / 3:g}" text-anchor="end" '
                        f'font-size="{AXIS_FONT}">⋮</text>')  # fmt: skip
            lo_i, hi_i = min(a, b), max(a, b)
            left_out = (f"{words} = {lo_i + 1:,}–{hi_i - 1:,} not drawn ({hi_i - lo_i - 1:,})"
                        if hi_i - lo_i > 2 else f"{words} = {lo_i + 1:,} not drawn")  # fmt: skip
            out += [
                f'<g class="gap" data-axis="{axis}" data-after="{lo_i}" data-before="{hi_i}">',
                f"<title>{escape(left_out)}</title>",
                f'<polyline points="{pts}" fill="none" stroke="{GAP_STROKE}" stroke-width="1.2"/>',
                mark,
                "</g>",
            ]
    return out


def _figure(svg: str, width: float, caption: str) -> str:
    """The drawing in a ``<figure class="trellis lattice">`` (the page's CSS lets a trellis
    figure shrink to fit a narrow column, then scroll), with the same scroll hint."""
    hint = (
        f'<p class="scroll-hint" aria-hidden="true" style="--w: {width:g}px">'
        f"<span>{SCROLL_HINT}</span></p>\n"
    )
    return (
        f'<figure class="trellis lattice">\n{hint}{svg}\n'
        f"<figcaption>{escape(caption)}</figcaption></figure>"
    )


def rnnt_figures(
    r: Result,
    show: frozenset[str] = frozenset(),
    window: Window | None = None,
    *,
    precision: int = 3,
    digits: Digits | None = None,
) -> list[str]:
    """The RNN-T lattice ``<figure>`` of an ``rnnt`` result (none for other kinds, or when
    its α table is missing). Its numbers print as the page's tables print them."""
    if r.kind != "rnnt":
        return []
    alpha = _table(r, RNNT_ALPHA_TITLE)
    if alpha is None or not alpha.rows or len(alpha.columns) <= alpha.key_columns:
        return []
    moves = _table(r, RNNT_MOVES_TITLE)
    svg, info = lattice_svg(
        alpha, moves, f"RNN-T lattice: {r.title}", precision=precision, digits=digits
    )
    width = float(svg.split('width="', 1)[1].split('"', 1)[0])
    return [_figure(svg, width, _caption(r, info, number_format(precision, digits)))]


def _caption(r: Result, info: dict[str, Any], fmt: Fmt) -> str:
    """How to read the lattice, and p(y|x) as the product of the final node's α and its
    final blank, with the Result's probability figure (computed by the solver, not here)."""
    parts = [
        "RNN-T lattice (Graves 2012, fig. 1): one node per (t, u), t frames read (left to "
        "right), u labels emitted (bottom to top, each row named by the labels emitted so "
        "far); each node shows α(t, u), the probability of reaching it. A blank move (→) "
        "reads the next frame, labelled y(t, u, ∅); a label move (↑) emits the target's next "
        "label, labelled with it and its probability y(t, u, label)."
    ]
    a, b = info["alpha_last"], info["blank_last"]
    prob = r.figures.get("probability")
    if _number(a) and b is not None and prob is not None:
        parts.append(
            "Every path ends with the final blank out of (T−1, U) (outlined): "
            f"p(y|x) = α(T−1, U) · y(T−1, U, ∅) = {fmt(a)} × {fmt(b)} = {fmt(prob)}."
        )
    else:
        parts.append(
            "Every path ends with the final blank out of (T−1, U) (outlined): p(y|x) = "
            "α(T−1, U) · y(T−1, U, ∅); its factors are not all in the tables, see the "
            "derivation below."
        )
    cut_t = len(info["frames"]) < info["n_frames"]
    cut_u = len(info["rows"]) < info["n_rows"]
    if cut_t or cut_u:
        drawn = []
        if cut_t:
            drawn.append(f"frames t = {index_runs(info['frames'], info['n_frames'], 0)}")
        if cut_u:
            drawn.append(f"rows u = {index_runs(info['rows'], info['n_rows'], 0)}")
        parts.append(f"Drawn: {' and '.join(drawn)} (the zigzags mark what is left out).")
    if info["unlabelled"]:
        parts.append(
            f"{info['unlabelled']:,} of the {info['moves']:,} moves drawn have no number: their "
            "node is not among the rows the given table below holds."
        )
    return " ".join(parts)
