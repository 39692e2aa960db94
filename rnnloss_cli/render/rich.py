"""Rich renderer: tables, the derivation lines, warnings, and a final panel with the loss.

With ``heatmap`` (``--show heatmap``) the numeric cells of trellis-like tables (the titles in
:data:`HEATMAP_TITLES`) are coloured by value on a log scale: a cell x > 0 of a table whose
shown positive cells span ln x from LO to HI gets the viridis stop

    k = min(floor(9 · (ln x − LO) / (HI − LO)), 8)        (k = 8 when HI = LO)

as its background and black or white text, whichever contrasts more with it (WCAG relative
luminance). Cells that are 0 (unreachable) stay uncoloured and dimmed as without the heat map;
a legend line under the table gives LO and HI. Colour only adds: the text is the same.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from rich.cells import cell_len
from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.style import Style
from rich.table import Table as RichTable
from rich.text import Text

from rnnloss_cli.render.palette import (
    ALPHA_TITLE,
    GIVEN_PROBABILITIES_TITLE,
    VIRIDIS,
    VITERBI_TITLE,
)
from rnnloss_cli.render.rich_grid import FAST_TABLE_ROWS, FastTable
from rnnloss_cli.render.text import (
    LEGEND_COLOUR,
    LEGEND_TEXT,
    TEXT_MARKS,
    Digits,
    digits_plan,
    fmt_key,
    fmt_number,
    lay_out,
    legend_line,
    signed,
    signed_cells,
    step_text,
    table_cells,
)
from rnnloss_cli.result import LogNumber, Result, Table, Window, unit_after

_STYLES = {
    "dim": "dim",
    "highlight": "bold reverse",
    "dead": "yellow",
    "bad": "bold red",
    "good": "green",
}


#: The tables ``--show heatmap`` colours, by the title prefix their solver gives them
#: (result.Table carries no such attribute): probabilities over a trellis or per frame, all
#: >= 0, so a log scale fits. Logits and gradients (signed) and text tables stay plain.
HEATMAP_TITLES = (
    ALPHA_TITLE,  # CTC: forward trellis α_t(s)
    "backward trellis β",  # CTC: β_t(s) (--show beta)
    "posterior γ_t(s)",  # CTC: α·β / (y·p) (--show posterior)
    "emissions y_t(k)",  # CTC: the per-frame distributions
    "forward lattice α(t, u)",  # RNN-T
    "backward lattice β(t, u)",  # RNN-T (--show beta)
    VITERBI_TITLE,  # ctc align
    GIVEN_PROBABILITIES_TITLE,  # ctc align
    "per-frame probabilities",  # ctc decode (greedy)
)
#: How a cell's meaning shows on a heat-map cell, whose colours are taken by its value:
#: "dead" (yellow text otherwise) is underlined; "highlight" keeps bold reverse (the value's
#: colours swapped, still legible). Zero ("dim") cells are not coloured at all.
_HEAT_STYLES = {"dead": "underline", "highlight": "bold reverse"}
LEGEND_HEAT = {"dim": "uncoloured", "dead": "underlined", "highlight": "reversed"}
#: Text on a heat-map cell: black or white, whichever contrasts more with the background.
_DARK_TEXT, _LIGHT_TEXT = "#000000", "#ffffff"


def is_heatmap_table(t: Table) -> bool:
    """True for the tables ``--show heatmap`` colours (see :data:`HEATMAP_TITLES`)."""
    return t.title.startswith(HEATMAP_TITLES)


def has_heatmap_tables(results: Iterable[Result], show: frozenset[str] = frozenset()) -> bool:
    """True when a table shown for ``results`` (terms of a custom loss included) is coloured."""
    return any(
        any(is_heatmap_table(t) for t in r.visible_tables(show))
        or has_heatmap_tables([child for _, child in r.children], show)
        for r in results
    )


def colour_on(console: Console) -> bool:
    """False when the console prints no colour (NO_COLOR, or not a terminal: cells get marks)."""
    return not (console.no_color or console.color_system is None)


def cell_ln(x: Any) -> float | None:
    """ln of a cell's value: a float for x > 0, −inf for 0, None for text and other values."""
    if isinstance(x, LogNumber):
        return x.ln if not math.isnan(x.ln) else None
    if isinstance(x, bool) or not isinstance(x, (int, float)) or math.isnan(x) or x < 0:
        return None
    return math.log(x) if x > 0 else -math.inf


def heat_stop(ln: float, lo: float, hi: float) -> int:
    """Index into VIRIDIS of a cell with log-value ``ln`` on the scale [lo, hi] (see module)."""
    if hi <= lo:
        return len(VIRIDIS) - 1
    k = math.floor(len(VIRIDIS) * (ln - lo) / (hi - lo))
    return min(max(k, 0), len(VIRIDIS) - 1)


def _luminance(colour: str) -> float:
    """WCAG relative luminance of "#rrggbb": 0.2126 R + 0.7152 G + 0.0722 B, linearised."""

    def lin(c: int) -> float:
        v = c / 255
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[k : k + 2], 16) for k in (1, 3, 5))
    return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)


def text_on(background: str) -> str:
    """Black or white text, whichever has the higher WCAG contrast on ``background``."""
    lum = _luminance(background)
    # contrast ratios (L1 + 0.05) / (L2 + 0.05): with black (lum + 0.05) / 0.05, with white
    # 1.05 / (lum + 0.05)
    return _DARK_TEXT if (lum + 0.05) / 0.05 >= 1.05 / (lum + 0.05) else _LIGHT_TEXT


def heat_styles(
    rows: list[list[Any]], key: int, styles: dict[tuple[int, int], str]
) -> tuple[dict[tuple[int, int], Style], tuple[float, float] | None]:
    """Rich styles of the coloured cells of laid-out ``rows`` and the (LO, HI) of the scale.

    Value cells (past the first ``key`` columns) that are positive numbers are coloured;
    zero, text and "dim" cells are not. (LO, HI) is None when no cell is coloured.
    """
    lns = {
        (i, j): ln
        for i, row in enumerate(rows)
        for j in range(key, len(row))
        if (ln := cell_ln(row[j])) is not None and math.isfinite(ln) and styles.get((i, j)) != "dim"
    }
    if not lns:
        return {}, None
    lo, hi = min(lns.values()), max(lns.values())
    out = {}
    for ij, ln in lns.items():
        bg = VIRIDIS[heat_stop(ln, lo, hi)]
        extra = Style.parse(_HEAT_STYLES.get(styles.get(ij, ""), "none"))
        out[ij] = Style(color=text_on(bg), bgcolor=bg) + extra
    return out, (lo, hi)


def heat_legend(lo: float, hi: float, precision: int) -> Text:
    """The legend line "colour: ln value from LO (dark) to HI (bright)", then nine swatches."""
    if hi > lo:
        words = (
            f"colour: ln value from {fmt_number(lo, precision)} (dark) "
            f"to {fmt_number(hi, precision)} (bright)"
        )
    else:
        words = f"colour: ln value {fmt_number(hi, precision)} (every coloured cell)"
    line = Text()
    line.append(words, style="dim")  # the swatches are not dimmed
    line.append(" ")
    for c in VIRIDIS:
        line.append(" ", style=Style(bgcolor=c))
    return line


#: Characters a column takes beyond its text in a boxed table: a space each side and a border.
_COLUMN_FRAME = 3


def column_blocks(widths: list[int], key: int, width: int) -> list[list[int]]:
    """Data columns split into consecutive blocks that each fit ``width`` with the key columns.

    ``widths`` are the text widths of every column (header or widest cell); the first ``key``
    columns (the row names) repeat in every block. Each block holds at least one data column,
    so a column wider than the terminal gets a block of its own (and its cells fold).
    E.g. ``column_blocks([1, 5, 5, 5], 1, 16) == [[1], [2], [3]]``.
    """
    key = min(key, len(widths))
    budget = width - 1 - sum(w + _COLUMN_FRAME for w in widths[:key])
    blocks: list[list[int]] = []
    used = budget + 1
    for j in range(key, len(widths)):
        need = widths[j] + _COLUMN_FRAME
        if not blocks or used + need > budget:
            blocks.append([j])
            used = need
        else:
            blocks[-1].append(j)
            used += need
    return blocks or [[]]


def rich_table(
    t: Table,
    precision: int,
    *,
    window: Window | None = None,
    width: int | None = None,
    marks: bool = False,
    heatmap: bool = False,
    digits: Digits | None = None,
) -> RenderableType:
    """The table windowed (first and last rows/columns, "…" between) with its note below.

    Nothing is cut to fit: given the console's ``width``, the columns that do not fit go to
    further tables stacked below (the row-name columns repeated, "(continued)" in the title),
    and a single column wider than the terminal folds its cells onto several lines.
    With ``marks`` (no colour: a pipe, NO_COLOR), styled cells carry a text mark (†, *) and
    the legend names the marks instead of colours. With ``heatmap`` (and colour: not with
    ``marks``) a table of :data:`HEATMAP_TITLES` has its value cells coloured by value.
    ``digits``: the derivation's guard digits (:func:`render.text.digits_plan`).
    """
    laid = lay_out(t, window)
    texts = signed_cells(laid, table_cells(t, laid, precision, digits))
    if marks:
        for (i, j), style in laid.styles.items():
            if style in TEXT_MARKS and texts[i][j]:
                texts[i][j] += TEXT_MARKS[style]
    key = min(t.key_columns, len(laid.columns))
    heat, scale = {}, None
    if heatmap and not marks and is_heatmap_table(t):
        heat, scale = heat_styles(laid.rows, key, laid.styles)
    names = LEGEND_TEXT if marks else LEGEND_HEAT if heat else LEGEND_COLOUR
    caption = legend_line(t, names, laid.styles)
    widths = [
        max([cell_len(name), *(cell_len(r[j]) for r in texts if j < len(r))])
        for j, name in enumerate(laid.columns)
    ]
    blocks = column_blocks(widths, key, width) if width else [list(range(key, len(widths)))]
    parts: list[RenderableType] = []
    for b, block in enumerate(blocks):
        cols = [*range(key), *block]
        # title and caption as lines of their own: a narrow table would squeeze them
        more = "" if b == 0 else f" (continued, {b + 1} of {len(blocks)})"
        parts.append(Text(f"{t.title}{more}", style="italic"))
        header = [laid.columns[j] for j in cols]
        rows = [
            [
                (
                    row[j] if j < len(row) else "",
                    heat.get((i, j)) or _STYLES.get(laid.styles.get((i, j), ""), ""),
                )
                for j in cols
            ]
            for i, row in enumerate(texts)
        ]
        # rich's own table: 75 us a cell, these lines 6; counted over the blocks: 2 rows of
        # 125,000 frames made 12,500 blocks of 2 rows, 69 s
        if len(rows) * len(blocks) >= FAST_TABLE_ROWS:
            parts.append(FastTable(header, rows, _rich_grid))
        else:
            parts.append(_rich_grid(header, rows))
    if caption:  # a line of its own: a narrow table would squeeze it into a column
        parts.append(Text(caption, style="dim"))
    if scale is not None:
        parts.append(heat_legend(*scale, precision))
    if laid.note is not None:
        parts.append(Text(f"note: {laid.note}", style="italic"))
    return parts[0] if len(parts) == 1 else Group(*parts)


def _rich_grid(header: list[str], rows: list[list[tuple[str, str]]]) -> RichTable:
    """rich's table of (text, style) cells under ``header``, every column right-justified
    (a cell wider than the terminal folds onto several lines)."""
    rt = RichTable(header_style="bold")
    for name in header:
        rt.add_column(Text(name), justify="right", overflow="fold")
    for row in rows:
        rt.add_row(*(Text(text, style=style) for text, style in row))
    return rt


def result_renderables(
    r: Result,
    precision: int = 3,
    show: frozenset[str] = frozenset(),
    *,
    window: Window | None = None,
    width: int | None = None,
    marks: bool = False,
    heatmap: bool = False,
    digits: Digits | None = None,
) -> list[RenderableType]:
    """The parts of one result in order: heading, formula, the rule, tables, worked steps,
    terms of a custom loss, warnings, notes, and the result panel. ``digits``: the guard
    digits of the whole derivation (by default :func:`render.text.digits_plan` of ``r``;
    term derivations get their parent's)."""
    if digits is None:
        digits = digits_plan(r, precision)
    parts: list[RenderableType] = []
    head = Text(r.title, style="bold")
    if r.source:
        head.append(f"\nsource: {r.source}", style="dim")
    head.append(f"\nkind: {r.kind}", style="dim")
    parts.append(head)
    if r.formula:
        parts.append(Text(step_text(r.formula, precision, digits), style="cyan"))
    for s in r.lead_steps:
        line = Text(f"{s.label}: ", style="bold")
        line.append(step_text(s, precision, digits))
        parts.append(line)
    parts += [
        rich_table(
            t,
            precision,
            window=window,
            width=width,
            marks=marks,
            heatmap=heatmap,
            digits=digits,
        )
        for t in r.visible_tables(show)
    ]
    for s in r.work_steps:
        line = Text(f"{s.label}: ", style="bold")
        line.append(step_text(s, precision, digits))
        parts.append(line)
    inner = None if width is None else width - 4  # a panel's borders and padding
    for item in r.shown_children:
        if isinstance(item, str):  # term derivations left out: say how many
            parts.append(Text(f"note: {item}", style="dim"))
            continue
        label, child = item
        parts.append(
            Panel(
                Group(
                    *result_renderables(
                        child,
                        precision,
                        show,
                        window=window,
                        width=inner,
                        marks=marks,
                        heatmap=heatmap,
                        digits=digits,
                    )
                ),
                title=f"term: {label}",
            )
        )
    for w in r.warnings:
        parts.append(Text(f"⚠ {w}", style="yellow"))
    for n in r.notes:
        parts.append(Text(f"note: {n}", style="italic"))
    parts.append(final_panel(r, precision))
    return parts


def final_panel(r: Result, precision: int) -> Panel:
    lines = [
        f"{k} = {signed(v, fmt_number(v, precision))}" for k, v in r.figures.items() if k != "loss"
    ]
    if r.loss is not None:
        shown = fmt_number(r.loss, precision)
        unit = f" {unit_after(shown, r.unit)}" if r.unit else ""
        lines.insert(0, f"loss = {signed(r.loss, shown)}{unit}")
    body = Text(lines[0] if lines else "", style="bold")
    for line in lines[1:]:
        body.append(f"\n{line}")
    for c in r.checks or []:
        verdict, style = ("ok", "green") if c.ok else ("MISMATCH", "bold red")
        expected, got = fmt_key(c.expected, c.got, precision, distinct=not c.ok)
        expected, got = signed(c.expected, expected), signed(c.got, got)
        body.append(f"\nkey {c.figure}: expected {expected}, got {got} ")
        body.append(verdict, style=style)
    return Panel(body, title="result", expand=False, border_style="green" if r.ok else "red")


def render_rich(
    results: list[Result],
    console: Console,
    precision: int = 3,
    show: frozenset[str] = frozenset(),
    *,
    window: Window | None = None,
    heatmap: bool = False,
) -> None:
    """Print each result; tables larger than ``window`` (default from limits) are windowed.

    ``heatmap`` colours trellis cells by value, on a console that prints colour only.
    """
    marks = not colour_on(console)
    for r in results:
        parts = result_renderables(
            r, precision, show, window=window, width=console.width, marks=marks, heatmap=heatmap
        )
        for part in parts:
            console.print(part)
        console.print()
