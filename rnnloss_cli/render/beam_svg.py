"""The CTC prefix beam search drawn as a graph (SVG), from the beam table of a ``ctc_decode``
result (no plotting library).

One column per frame, left to right: t = 0 holds the start node, the empty prefix ε before
any frame (p_b(ε) = 1, p_nb(ε) = 0); t = 1..T hold one box per prefix l kept in the beam
after that frame, rank 1 at the top (emphasised: bold, thick outline), each with its prefix
and its p_b(l) + p_nb(l) as the table prints it. An edge runs from a prefix p kept at t − 1
to every prefix kept at t that the update rules feed from it:

- the same prefix, l = p (a blank: p_b'(l) += (p_b + p_nb)·y_t(-); the last label again:
  p_nb'(l) += p_nb·y_t(k)), drawn grey and solid;
- the prefix one label longer, l = p + k (a new label, or the last label again after a
  blank), drawn blue and dashed.

A box that two or more edges enter holds alignments merged from different prefixes: that is
what prefix beam search does that a search over paths does not. The final answer l* and the
greedy labelling (when it is kept in the last frame) are tagged at the right.

Nothing is computed here: the boxes are the table's rows (:data:`BEAM_TITLE`), their texts
its cells, and the parent relation is read from the prefixes' text (:func:`prefix_parses`):
p at t − 1 feeds l at t when l's symbols are p's, or p's and one more. A prefix is written
as :func:`solve._beyond.word` writes it: its symbols run together when each is one character
(``ab``), separated by spaces otherwise (``sil a``; a symbol holds no space), a long one cut
to its first and last symbols with the count between (``ab…(1,234 symbols)…ba``), the empty
one ε (or "(empty)", the older spelling: :data:`EMPTY_NAMES`). Run-together text is read
with the alphabet of the given-probabilities table; where the text cannot tell which
prefix fed a box (two parses fit, or two cut prefixes print alike), its edges of that kind
are left out and the caption says how many.

A long search is drawn as a window: the frames the table holds whole (a frame the table's
own window cuts through is left out), at most :data:`BEAM_MAX_FRAMES` of them (the first and
the last), a break mark where frames are left out; a beam wider than :data:`BEAM_MAX_RANKS`
is not drawn (the caption says why). Every box ``<g class="node">`` carries ``data-t``,
``data-rank`` and ``data-prefix`` (the table's text), every edge ``data-kind`` (same or
extend) and the t and rank of both its ends, every break ``<g class="gap">`` ``data-after``
and ``data-before`` (the frames drawn either side).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from html import escape
from typing import Any

from rnnloss_cli.render.palette import GIVEN_PROBABILITIES_TITLE, PLATE
from rnnloss_cli.render.svg import (
    SCROLL_HINT,
    SVG_NS,
    text_width,
)
from rnnloss_cli.render.text import ELLIPSIS, Digits, cut_start
from rnnloss_cli.result import EMPTY_NAMES, Result, Table, Window, window_indices

#: The beam table's title (its width follows) and the columns the drawing reads.
BEAM_TITLE = "the beam after every frame"
T_COLUMN, RANK_COLUMN, PREFIX_COLUMN, TOTAL_COLUMN = "t", "rank", "prefix l", "p_b + p_nb"
SCORE_COLUMN = "score"
#: The most frames drawn (the first and the last half of them) and the widest beam drawn.
BEAM_MAX_FRAMES = 24
BEAM_MAX_RANKS = 16
#: A prefix longer than this many characters is cut in its box to its end (whole in its
#: <title> and ``data-prefix``).
NODE_MAX_CHARS = 18
#: Geometry (px): font sizes, a box's padding and height, the space between columns (for
#: the edges) and between rows, the gap drawn where frames are left out, the margins.
FONT = 13
SMALL = 12
PAD = 6
NODE_H = 40
COL_GAP = 56
ROW_GAP = 14
GAP_W = 36
LEFT = 12
TOP = 30
BOTTOM = 8
#: The key's line under the graph: its height and its space above.
LEGEND_H = 16
LEGEND_GAP = 12
TAG_GAP = 8
#: Colours: the same prefix carried on (grey, solid), one label longer (Okabe-Ito blue,
#: dashed), a box that merges alignments (Okabe-Ito vermillion outline), the top box's fill.
SAME_COLOUR = "#6b6b6b"
EXTEND_COLOUR = "#0072b2"
EXTEND_DASH = "6 3"
MERGE_COLOUR = "#b34700"
TOP_FILL = "#e8f1f8"
START_FILL = "#f4f4f4"
BOX_STROKE = "#555"
#: A prefix cut past SHOWN_SYMBOLS: its first symbols, the count, its last symbols.
_CUT = re.compile(r"^(.*)…\(([\d,]+) symbols\)…(.*)$", re.S)


@dataclass(frozen=True)
class Known:
    """What a prefix's text tells of its symbols: all of them (``n == len(head)``), or its
    first symbols ``head``, its last symbols ``tail`` and their count ``n``."""

    head: tuple[str, ...]
    tail: tuple[str, ...]
    n: int


def _split(text: str, alphabet: frozenset[str] | None) -> list[tuple[str, ...]]:
    """The symbol sequences ``text`` may be written from by :func:`solve._beyond.word`:
    space-separated symbols, one symbol, or one-character symbols run together (read with
    ``alphabet`` when it is known whole)."""
    if text == EMPTY_NAMES[0] or text == "":
        return [()]
    if text in EMPTY_NAMES and (alphabet is None or not all(c in alphabet for c in text)):
        return [()]  # "(empty)": the older spelling of ε, unless the symbols spell it
    if " " in text:
        return [tuple(text.split(" "))]
    out = []
    if alphabet is None or text in alphabet:
        out.append((text,))
    if len(text) > 1 and (alphabet is None or all(c in alphabet for c in text)):
        out.append(tuple(text))
    return out


def prefix_parses(text: str, alphabet: frozenset[str] | None = None) -> list[Known]:
    """Every reading of a prefix as the beam table prints it (usually one; none when the
    text fits no reading): see the module's docstring for how a prefix is written."""
    m = _CUT.match(text)
    if m is None:
        return [Known(s, s, len(s)) for s in _split(text, alphabet)]
    n = int(m[2].replace(",", ""))
    return [
        Known(h, t, n)
        for h in _split(m[1], alphabet)
        for t in _split(m[3], alphabet)
        if h and t  # a cut prefix has symbols on both sides
    ]


def _agrees(a: Known, b_head: tuple[str, ...], b_tail: tuple[str, ...], n: int) -> bool:
    """Whether ``a`` can be the sequence of ``n`` symbols starting ``b_head``, ending
    ``b_tail`` (a's own first and last symbols compared where both say something)."""
    if a.n != n:
        return False
    h = min(len(a.head), len(b_head))
    t = min(len(a.tail), len(b_tail))
    return a.head[:h] == b_head[:h] and (t == 0 or a.tail[-t:] == b_tail[-t:])


def feeds(p: Known, q: Known) -> str | None:
    """How prefix ``p`` at t − 1 feeds ``q`` at t: "same" (q = p), "extend" (q = p + k for
    one symbol k) or None (not fed). Read from what their texts tell (:class:`Known`)."""
    if _agrees(q, p.head, p.tail, p.n):
        return "same"
    if q.n == p.n + 1 and _agrees(
        Known(q.head, q.tail[:-1], q.n - 1) if q.tail else q, p.head, p.tail, p.n
    ):
        # q's first symbols are p's, and q's last symbols but its new one end p
        return "extend"
    return None


@dataclass
class _Node:
    t: int
    rank: int
    prefix: str
    total: Any
    parses: list[Known]
    parents: dict[str, list[_Node]] = field(default_factory=dict)


def beam_table(r: Result) -> Table | None:
    """The beam table of a ``ctc_decode`` result, if it has one."""
    if r.kind != "ctc_decode":
        return None
    return next((t for t in r.tables if t.title.startswith(BEAM_TITLE)), None)


def _alphabet(r: Result) -> frozenset[str] | None:
    """The symbols, from the given-probabilities table's columns, when it holds them all."""
    t = next((t for t in r.tables if t.title.startswith(GIVEN_PROBABILITIES_TITLE)), None)
    if t is None or t.n_columns is not None:
        return None
    return frozenset(str(c) for c in t.columns[t.key_columns :])


def _given_frames(r: Result) -> int | None:
    """T, the frames of the given-probabilities table (one row a frame), if it is there."""
    t = next((t for t in r.tables if t.title.startswith(GIVEN_PROBABILITIES_TITLE)), None)
    return None if t is None else t.shape[0]


#: The caption's words when the beam empties before the last frame (a lexicon's search whose
#: every prefix of positive probability leaves the lexicon).
EMPTIED = (
    "The beam is empty after frame {after:,} of {T:,} and every frame after it: no prefix "
    "of positive probability was left to keep (see the warning)."
)


def _step_value(r: Result, label: str, name: str) -> str | None:
    step = next((s for s in r.steps if s.label.startswith(label)), None)
    value = step.values.get(name) if step is not None else None
    return value if isinstance(value, str) else None


def _frames(t: Table) -> tuple[dict[int, list[tuple[int, list[Any]]]], int]:
    """The (held index, row) of the rows of each frame the table holds whole, and the number
    of frames T. A table cut by its window (first and last rows) may cut a frame: the last
    frame of its first rows (its next rows may be left out), and the first of its last rows
    unless it starts at rank 1; those are left out."""
    ti, ri = t.columns.index(T_COLUMN), t.columns.index(RANK_COLUMN)
    rows = list(enumerate(t.rows))
    head = rows if t.head_rows is None else rows[: t.head_rows]
    tail = [] if t.head_rows is None else rows[t.head_rows :]
    frames: dict[int, list[tuple[int, list[Any]]]] = {}
    for part, ends_cut, starts_cut in (
        (head, t.head_rows is not None, False),
        (tail, False, True),
    ):
        by_t: dict[int, list[tuple[int, list[Any]]]] = {}
        for i, row in part:
            by_t.setdefault(int(row[ti]), []).append((i, row))
        keys = sorted(by_t)
        if ends_cut and keys:
            keys = keys[:-1]
        if starts_cut and keys and int(by_t[keys[0]][0][1][ri]) != 1:
            keys = keys[1:]
        for k in keys:
            if k not in frames:
                frames[k] = by_t[k]
    n_frames = int(t.rows[-1][ti]) if t.rows else 0
    return frames, n_frames


def beam_figures(
    r: Result,
    show: frozenset[str] = frozenset(),
    window: Window | None = None,
    *,
    precision: int = 3,
    digits: Digits | None = None,
) -> list[str]:
    """The beam search figure of a ``ctc_decode`` result as an HTML ``<figure>`` (or none
    for any other result). Its numbers print with ``precision`` and the plan ``digits``."""
    t = beam_table(r)
    if t is None:
        return []
    if not t.rows:  # empty from the first frame on
        n = _given_frames(r)
        return [_figure("", EMPTIED.format(after=1, T=n))] if n else []
    if any(c not in t.columns for c in (T_COLUMN, RANK_COLUMN, PREFIX_COLUMN, TOTAL_COLUMN)):
        return []
    width = max(int(row[t.columns.index(RANK_COLUMN)]) for row in t.rows)
    if width > BEAM_MAX_RANKS:
        return [
            _figure(
                "",
                f"The beam is not drawn: it keeps up to {width} prefixes a frame, more than "
                f"the {BEAM_MAX_RANKS} a drawing of it can show legibly; the table below "
                "lists them.",
            )
        ]
    svg, caption = beam_svg(r, t, precision=precision, digits=digits)
    return [_figure(svg, caption)]


def _figure(svg: str, caption: str) -> str:
    """The drawing in a ``<figure class="trellis beam">`` (the page's CSS shrinks it to fit
    a narrow column down to 80 %, then scrolls it, with the hint svg.py's figures have)."""
    m = re.search(r'style="--w: ([0-9.]+)px"', svg)
    hint = (
        f'<p class="scroll-hint" aria-hidden="true" style="--w: {m[1]}px">'
        f"<span>{SCROLL_HINT}</span></p>\n"
        if m
        else ""
    )
    body = f"{hint}{svg}\n" if svg else ""
    cls = "trellis beam" if svg else "beam"  # no drawing: nothing to fit or scroll
    return f'<figure class="{cls}">\n{body}<figcaption>{escape(caption)}</figcaption></figure>'


def _cut(text: str) -> str:
    """A prefix in its box: its last NODE_MAX_CHARS − 1 characters after "…" when longer
    (the prefixes of one beam share their start and differ at their end), less any accents
    the cut parted from their letter."""
    return cut_start(text, NODE_MAX_CHARS)


def printed_totals(
    t: Table,
    precision: int = 3,
    digits: Digits | None = None,
    rows: Sequence[int] | None = None,
) -> list[str]:
    """The p_b + p_nb cell of each held row of the beam table as the page's table prints it
    (its digits, "≈" in front where its row's printed inputs do not give it, U+2212 for a
    sign and an exponent's sign: 4.76e−1390); of the held rows ``rows`` only, in that order,
    when given (a cell's text depends on its row alone: the drawing formats the rows it
    draws, not a 62,000-row window's every row)."""
    from rnnloss_cli.render.html import html_minus
    from rnnloss_cli.render.text import lay_out, signed_cells, table_cells

    if rows is not None:
        t = replace(t, rows=[t.rows[i] for i in rows], styles={}, n_rows=None, head_rows=None)
    laid = lay_out(t, Window(rows=len(t.rows) + 2, columns=len(t.columns) + 2))
    texts = signed_cells(laid, table_cells(t, laid, precision, digits))
    j = laid.columns.index(TOTAL_COLUMN)
    return [
        html_minus(text[j])
        for row, text in zip(laid.rows, texts, strict=True)
        if row[0] != ELLIPSIS
    ]


def beam_svg(
    r: Result,
    t: Table,
    *,
    precision: int = 3,
    digits: Digits | None = None,
    standalone: bool = False,
) -> tuple[str, str]:
    """The beam table ``t`` of ``r`` drawn as a graph, and the figure's caption."""
    alphabet = _alphabet(r)
    pi = t.columns.index(PREFIX_COLUMN)
    ri = t.columns.index(RANK_COLUMN)
    whole, n_frames = _frames(t)  # n_frames: the last frame with a beam
    given = max(_given_frames(r) or 0, n_frames)  # T: the beam may empty before it
    held = sorted(whole)
    drawn = [held[i] for i in window_indices(len(held), BEAM_MAX_FRAMES)[0]]
    boxed = [i for f in drawn for i, _ in whole[f]]  # the held rows drawn as boxes
    totals = dict(zip(boxed, printed_totals(t, precision, digits, boxed), strict=True))
    start = _Node(0, 1, EMPTY_NAMES[0], None, [Known((), (), 0)])
    columns: list[list[_Node]] = [[start]] if not drawn or drawn[0] == 1 else []
    frame_of = [0] if columns else []
    for f in drawn:
        nodes = [
            _Node(f, int(row[ri]), str(row[pi]), totals[i], prefix_parses(str(row[pi]), alphabet))
            for i, row in whole[f]
        ]
        columns.append(nodes)
        frame_of.append(f)
    # edges: between consecutive frames both drawn
    unclear = 0
    for c in range(1, len(columns)):
        if frame_of[c] != frame_of[c - 1] + 1:
            continue
        for node in columns[c]:
            for kind in ("same", "extend"):
                ps = [
                    p
                    for p in columns[c - 1]
                    if any(feeds(a, b) == kind for a in p.parses for b in node.parses)
                ]
                if len(ps) == 1:
                    node.parents[kind] = ps
                elif ps:
                    unclear += 1
    # geometry
    labels = [_cut(n.prefix) for col in columns for n in col]
    numbers = [n.total for col in columns[1:] for n in col] + ["start"]
    box_w = PAD * 2 + max(
        max(text_width(x, FONT) * 1.1 for x in labels),  # bold text is a little wider
        max(text_width(x, SMALL) for x in numbers),
    )
    box_w = max(box_w, 56)
    l_star = _step_value(r, "beam search result", "best")
    found = getattr(r.figures.get("beam_prob"), "ln", 0.0) != -math.inf
    if not found:  # p(l*|x) = 0: no prefix of the last beam is a labelling (a lexicon's)
        l_star = None
    greedy = _step_value(r, "greedy labelling", "greedy")
    last = columns[-1] if frame_of and frame_of[-1] == given else []
    tags: dict[int, str] = {}
    for i, n in enumerate(last):
        words = [w for w, v in (("l*", l_star), ("greedy", greedy)) if v == n.prefix]
        if words:
            tags[i] = " = ".join(words)
    tag_w = max((text_width(x, FONT) for x in tags.values()), default=0)
    xs, x = [], float(LEFT)
    gaps = []
    for c, f in enumerate(frame_of):
        if c and f != frame_of[c - 1] + 1:
            gaps.append((c, x - COL_GAP / 2 + GAP_W / 2))
            x += GAP_W
        xs.append(x)
        x += box_w + COL_GAP
    ranks = max((len(col) for col in columns), default=1)
    legend, legend_w = _legend(TOP + ranks * (NODE_H + ROW_GAP) - ROW_GAP + LEGEND_GAP)
    width = max(x - COL_GAP + (TAG_GAP + tag_w if tags else 0), LEFT + legend_w) + LEFT
    height = TOP + ranks * (NODE_H + ROW_GAP) - ROW_GAP + LEGEND_GAP + LEGEND_H + BOTTOM

    def y_of(rank: int) -> float:
        return TOP + (rank - 1) * (NODE_H + ROW_GAP)

    merges = [n for col in columns for n in col if sum(len(v) for v in n.parents.values()) > 1]
    n_edges = sum(len(v) for col in columns for n in col for v in n.parents.values())
    title = f"Prefix beam search: {r.title}"
    desc = (
        f"{sum(len(col) for col in columns)} prefixes over {len(columns)} columns (t = "
        f"{frame_of[0] if frame_of else 0} to {frame_of[-1] if frame_of else 0}), "
        f"{n_edges} edges, {len(merges)} boxes merging alignments"
    )
    fit = "" if standalone else f' style="--w: {width:g}px"'
    out = [
        f'<svg{SVG_NS if standalone else ""} role="img" class="beam"{fit} '
        f'width="{width:g}" height="{height:g}" viewBox="0 0 {width:g} {height:g}" '
        f'font-family="sans-serif" font-size="{FONT}">',
        f"<title>{escape(title)}</title>",
        f"<desc>{escape(desc)}</desc>",
        PLATE,
    ]
    # frame numbers
    for c, f in enumerate(frame_of):
        out.append(
            f'<text class="frame" x="{xs[c] + box_w / 2:g}" y="{TOP - 12:g}" '
            f'text-anchor="middle" font-size="{SMALL}">t = {f}</text>'
        )
    for c, gx in gaps:
        a, b = frame_of[c - 1], frame_of[c]
        zig = " ".join(
            f"{gx + (3 if k % 2 else -3):g},{TOP - 4 + (height - TOP - BOTTOM + 4) * k / 8:g}"
            for k in range(9)
        )
        left_out = (
            f"frames {a + 1:,}–{b - 1:,} not drawn ({b - a - 1:,})"
            if b - a > 2
            else (f"frame {a + 1:,} not drawn")
        )
        out += [
            f'<g class="gap" data-axis="t" data-after="{a}" data-before="{b}">',
            f"<title>{escape(left_out)}</title>",
            f'<polyline points="{zig}" fill="none" stroke="#777" stroke-width="1.2"/>',
            f'<text x="{gx:g}" y="{TOP - 12:g}" text-anchor="middle" font-size="{SMALL}">'
            f"{ELLIPSIS}</text>",
            "</g>",
        ]
    # edges under the boxes
    index = {id(n): (c, n) for c, col in enumerate(columns) for n in col}
    for c, col in enumerate(columns):
        for n in col:
            for kind, ps in n.parents.items():
                for p in ps:
                    pc = index[id(p)][0]
                    x1, y1 = xs[pc] + box_w, y_of(p.rank) + NODE_H / 2
                    x2, y2 = xs[c], y_of(n.rank) + NODE_H / 2
                    colour = SAME_COLOUR if kind == "same" else EXTEND_COLOUR
                    dash = f' stroke-dasharray="{EXTEND_DASH}"' if kind == "extend" else ""
                    out.append(
                        f'<line class="edge {kind}" data-kind="{kind}" data-from-t="{p.t}" '
                        f'data-from-rank="{p.rank}" data-to-t="{n.t}" data-to-rank="{n.rank}" '
                        f'x1="{x1:g}" y1="{y1:g}" x2="{x2:g}" y2="{y2:g}" stroke="{colour}" '
                        f'stroke-width="1.6"{dash}>'
                        f"<title>{escape(_edge_words(kind, p, n))}</title></line>"
                    )
    # boxes
    for c, col in enumerate(columns):
        for i, n in enumerate(col):
            x0, y0 = xs[c], y_of(n.rank)
            top = n.rank == 1 and n.t > 0
            merged = sum(len(v) for v in n.parents.values()) > 1
            bold = ' font-weight="bold"' if top else ""
            fill = TOP_FILL if top else (START_FILL if n.t == 0 else "#fff")
            stroke = MERGE_COLOUR if merged else BOX_STROKE
            sw = 2.5 if top or merged else 1
            number = "start" if n.t == 0 else n.total
            shown = n.prefix if n.t else EMPTY_NAMES[0]
            words = (
                f"t = {n.t}, rank {n.rank}: prefix {n.prefix}, p_b + p_nb = {number}"
                if n.t
                else "t = 0: the empty prefix ε before any frame (p_b = 1, p_nb = 0)"
            )
            if merged:
                words += "; merged from " + " and ".join(
                    p.prefix for ps in n.parents.values() for p in ps
                )
            out += [
                f'<g class="node{" top" if top else ""}{" merged" if merged else ""}" '
                f'data-t="{n.t}" data-rank="{n.rank}" data-prefix="{escape(shown)}">',
                f"<title>{escape(words)}</title>",
                f'<rect x="{x0:g}" y="{y0:g}" width="{box_w:g}" height="{NODE_H}" rx="5" '
                f'fill="{fill}" stroke="{stroke}" stroke-width="{sw}"/>',
                f'<text class="prefix" x="{x0 + box_w / 2:g}" y="{y0 + 17:g}" '
                f'text-anchor="middle"{bold}>'
                f"{escape(_cut(shown))}</text>",
                f'<text class="total" x="{x0 + box_w / 2:g}" y="{y0 + 33:g}" '
                f'text-anchor="middle" font-size="{SMALL}">{escape(number)}</text>',
                "</g>",
            ]
            if c == len(columns) - 1 and i in tags and last:
                out.append(
                    f'<text class="tag" x="{x0 + box_w + TAG_GAP:g}" '
                    f'y="{y0 + NODE_H / 2 + 4:g}" font-weight="bold">{escape(tags[i])}</text>'
                )
    out += [*legend, "</svg>"]
    caption = _caption(columns, frame_of, n_frames, merges, unclear, l_star, greedy, bool(last))
    if n_frames < given:
        caption += " " + EMPTIED.format(after=n_frames + 1, T=given)
    if SCORE_COLUMN in t.columns:  # with a language model the beam keeps the best scores
        caption += " Ranks follow the score (with the language model), as in the table."
    return "\n".join(out), caption


def _legend(y: float) -> tuple[list[str], float]:
    """The key under the graph, one line from the left: the two kinds of line and the merge
    outline, each with its words; and its width (px)."""
    out, x, mid = ['<g class="legend">'], float(LEFT), y + LEGEND_H / 2
    for kind, words in (("same", "same prefix"), ("extend", "one label longer"), ("", "merged")):
        if kind:
            colour = SAME_COLOUR if kind == "same" else EXTEND_COLOUR
            dash = f' stroke-dasharray="{EXTEND_DASH}"' if kind == "extend" else ""
            out.append(
                f'<line x1="{x:g}" y1="{mid:g}" x2="{x + 24:g}" y2="{mid:g}" '
                f'stroke="{colour}" stroke-width="1.6"{dash}/>'
            )
        else:
            out.append(
                f'<rect x="{x + 4:g}" y="{mid - 7:g}" width="16" height="14" rx="3" fill="#fff" '
                f'stroke="{MERGE_COLOUR}" stroke-width="2.5"/>'
            )
        x += 30
        out.append(f'<text x="{x:g}" y="{mid + 4:g}" font-size="{SMALL}">{words}</text>')
        x += text_width(words, SMALL) + 18
    out.append("</g>")
    return out, x - 18 - LEFT


def _edge_words(kind: str, p: _Node, n: _Node) -> str:
    what = "the same prefix" if kind == "same" else "one label longer"
    return f"{p.prefix} (t = {p.t}) → {n.prefix} (t = {n.t}): {what}"


def _caption(
    columns: list[list[_Node]],
    frame_of: list[int],
    n_frames: int,
    merges: list[_Node],
    unclear: int,
    l_star: str | None,
    greedy: str | None,
    tagged: bool,
) -> str:
    parts = [
        "Prefix beam search: one column per frame (t = 0: the empty prefix ε before any "
        "frame), one box per prefix kept in the beam after it, with p_b + p_nb, rank 1 on "
        "top (bold, shaded). Grey solid lines: the same prefix carried on (a blank, or its "
        "last label again); blue dashed lines: the prefix one label longer (a new label)."
    ]
    if merges:
        shown = ", ".join(
            f"{n.prefix} at t = {n.t} (from "
            + " and ".join(p.prefix for ps in n.parents.values() for p in ps)
            + ")"
            for n in merges[:3]
        )
        more = f" and {len(merges) - 3} more" if len(merges) > 3 else ""
        parts.append(
            "Where two lines enter one box (outlined in orange), prefix beam search has "
            "MERGED alignments: every alignment that collapses to the prefix is summed into "
            f"one entry, whichever prefix it came through: {shown}{more}."
        )
    else:
        parts.append(
            "No box here has two lines entering it; where one has, prefix beam search merges "
            "the alignments of both into one entry."
        )
    kept = [n.prefix for n in columns[-1]] if columns else []
    named = [w for w, v in (("the answer l*", l_star), ("the greedy labelling", greedy))
             if v is not None and v in kept]  # fmt: skip
    if l_star is None and tagged:
        parts.append("No l* is tagged: the search found no labelling (see the warning).")
    if tagged and named:
        parts.append(f"Tagged at the right: {' and '.join(named)}, kept in the last beam.")
    if greedy is not None and tagged and greedy not in kept:
        parts.append(f"The greedy labelling {greedy} is not kept in the last beam.")
    drawn = [f for f in frame_of if f]
    if len(drawn) < n_frames:
        from rnnloss_cli.render.text import index_runs

        parts.append(
            f"Drawn: frames {index_runs([f - 1 for f in drawn], n_frames)} (the frames the "
            f"table holds whole, at most {BEAM_MAX_FRAMES})."
            if drawn
            else "No frame is drawn: the table's window holds none whole."
        )
    if unclear:
        parts.append(
            f"{unclear} line(s) are left out: the prefixes' text (cut or run together) "
            "cannot tell which prefix fed the box."
        )
    return " ".join(parts)
