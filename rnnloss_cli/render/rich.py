"""Rich renderer: tables, the derivation lines, warnings, and a final panel with the loss."""

from __future__ import annotations

from rich.cells import cell_len
from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.table import Table as RichTable
from rich.text import Text

from rnnloss_cli.render.text import (
    LEGEND_COLOUR,
    LEGEND_TEXT,
    TEXT_MARKS,
    fmt_number,
    lay_out,
    legend_line,
    step_text,
)
from rnnloss_cli.result import Result, Table, Window

_STYLES = {
    "dim": "dim",
    "highlight": "bold reverse",
    "dead": "yellow",
    "bad": "bold red",
    "good": "green",
}


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
) -> RenderableType:
    """The table windowed (first and last rows/columns, "…" between) with its note below.

    Nothing is cut to fit: given the console's ``width``, the columns that do not fit go to
    further tables stacked below (the row-name columns repeated, "(continued)" in the title),
    and a single column wider than the terminal folds its cells onto several lines.
    With ``marks`` (no colour: a pipe, NO_COLOR), styled cells carry a text mark (†, *) and
    the legend names the marks instead of colours.
    """
    laid = lay_out(t, window)
    texts = [
        ["" if cell is None else fmt_number(cell, precision) for cell in row] for row in laid.rows
    ]
    if marks:
        for (i, j), style in laid.styles.items():
            if style in TEXT_MARKS and texts[i][j]:
                texts[i][j] += TEXT_MARKS[style]
    caption = legend_line(t, LEGEND_TEXT if marks else LEGEND_COLOUR, laid.styles)
    widths = [
        max([cell_len(name), *(cell_len(r[j]) for r in texts if j < len(r))])
        for j, name in enumerate(laid.columns)
    ]
    key = min(t.key_columns, len(laid.columns))
    blocks = column_blocks(widths, key, width) if width else [list(range(key, len(widths)))]
    parts: list[RenderableType] = []
    for b, block in enumerate(blocks):
        cols = [*range(key), *block]
        # title and caption as lines of their own: a narrow table would squeeze them
        more = "" if b == 0 else f" (continued, {b + 1} of {len(blocks)})"
        parts.append(Text(f"{t.title}{more}", style="italic"))
        rt = RichTable(header_style="bold")
        for j in cols:
            rt.add_column(Text(laid.columns[j]), justify="right", overflow="fold")
        for i, row in enumerate(texts):
            cells = []
            for j in cols:
                style = _STYLES.get(laid.styles.get((i, j), ""), "")
                cells.append(Text(row[j] if j < len(row) else "", style=style))
            rt.add_row(*cells)
        parts.append(rt)
    if caption:  # a line of its own: a narrow table would squeeze it into a column
        parts.append(Text(caption, style="dim"))
    if laid.note is not None:
        parts.append(Text(f"note: {laid.note}", style="italic"))
    return parts[0] if len(parts) == 1 else Group(*parts)


def result_renderables(
    r: Result,
    precision: int = 3,
    show: frozenset[str] = frozenset(),
    *,
    window: Window | None = None,
    width: int | None = None,
    marks: bool = False,
) -> list[RenderableType]:
    """The parts of one result in order: heading, formula, the rule, tables, worked steps,
    terms of a custom loss, warnings, notes, and the result panel."""
    parts: list[RenderableType] = []
    head = Text(r.title, style="bold")
    if r.source:
        head.append(f"\nsource: {r.source}", style="dim")
    head.append(f"\nkind: {r.kind}", style="dim")
    parts.append(head)
    if r.formula:
        parts.append(Text(step_text(r.formula, precision), style="cyan"))
    for s in r.lead_steps:
        line = Text(f"{s.label}: ", style="bold")
        line.append(step_text(s, precision))
        parts.append(line)
    parts += [
        rich_table(t, precision, window=window, width=width, marks=marks)
        for t in r.visible_tables(show)
    ]
    for s in r.work_steps:
        line = Text(f"{s.label}: ", style="bold")
        line.append(step_text(s, precision))
        parts.append(line)
    inner = None if width is None else width - 4  # a panel's borders and padding
    for label, child in r.children:
        parts.append(
            Panel(
                Group(
                    *result_renderables(
                        child, precision, show, window=window, width=inner, marks=marks
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
    unit = f" {r.unit}" if r.unit else ""
    lines = [f"{k} = {fmt_number(v, precision)}" for k, v in r.figures.items() if k != "loss"]
    if r.loss is not None:
        lines.insert(0, f"loss = {fmt_number(r.loss, precision)}{unit}")
    body = Text(lines[0] if lines else "", style="bold")
    for line in lines[1:]:
        body.append(f"\n{line}")
    for c in r.checks or []:
        verdict, style = ("ok", "green") if c.ok else ("MISMATCH", "bold red")
        got = fmt_number(c.got, precision) if c.got is not None else "-"
        body.append(f"\nkey {c.figure}: expected {fmt_number(c.expected, precision)}, got {got} ")
        body.append(verdict, style=style)
    return Panel(body, title="result", expand=False, border_style="green" if r.ok else "red")


def render_rich(
    results: list[Result],
    console: Console,
    precision: int = 3,
    show: frozenset[str] = frozenset(),
    *,
    window: Window | None = None,
) -> None:
    """Print each result; tables larger than ``window`` (default from limits) are windowed."""
    for r in results:
        marks = console.no_color or console.color_system is None
        parts = result_renderables(
            r, precision, show, window=window, width=console.width, marks=marks
        )
        for part in parts:
            console.print(part)
        console.print()
