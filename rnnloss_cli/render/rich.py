"""Rich renderer: tables, the derivation lines, warnings, and a final panel with the loss."""

from __future__ import annotations

from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.table import Table as RichTable
from rich.text import Text

from rnnloss_cli.render.text import fmt_number, lay_out, step_text
from rnnloss_cli.result import Result, Table, Window

_STYLES = {"dim": "dim", "highlight": "bold reverse", "bad": "bold red", "good": "green"}


def fit_window(t: Table, precision: int, width: int) -> Window:
    """The default window, with no more columns than fit in ``width`` characters."""
    widths = []
    for j, name in enumerate(t.columns):
        cells = [fmt_number(row[j], precision) for row in t.rows[:200] if j < len(row)]
        widths.append(max([len(name), *map(len, cells)]) + 3)
    key = min(t.key_columns, len(widths))
    data = widths[key:]
    budget = width - sum(widths[:key]) - 5  # 5: the "…" column
    fits = budget // max(data) if data else 0
    return Window(columns=key + max(2, min(fits, Window().columns - key)))


def rich_table(
    t: Table, precision: int, *, window: Window | None = None, width: int | None = None
) -> RenderableType:
    """The table windowed (first and last rows/columns, "…" between) with its note below.

    Without an explicit ``window``, a ``width`` (the console's) narrows the columns kept so
    that the table fits instead of squeezing every cell to "…".
    """
    if window is None and width is not None:
        window = fit_window(t, precision, width)
    laid = lay_out(t, window)
    rt = RichTable(title=t.title, caption=t.caption, title_justify="left", header_style="bold")
    for col in laid.columns:
        rt.add_column(col, justify="right")
    for i, row in enumerate(laid.rows):
        cells = []
        for j, cell in enumerate(row):
            text = "" if cell is None else fmt_number(cell, precision)
            style = _STYLES.get(laid.styles.get((i, j), ""), "")
            cells.append(Text(text, style=style))
        rt.add_row(*cells)
    if laid.note is None:
        return rt
    return Group(rt, Text(f"note: {laid.note}", style="italic"))


def result_renderables(
    r: Result,
    precision: int = 3,
    show: frozenset[str] = frozenset(),
    *,
    window: Window | None = None,
    width: int | None = None,
) -> list[RenderableType]:
    parts: list[RenderableType] = []
    head = Text(r.title, style="bold")
    if r.source:
        head.append(f"\nsource: {r.source}", style="dim")
    head.append(f"\nkind: {r.kind}", style="dim")
    parts.append(head)
    if r.formula:
        parts.append(Text(step_text(r.formula, precision), style="cyan"))
    parts += [rich_table(t, precision, window=window, width=width) for t in r.visible_tables(show)]
    for s in r.steps:
        line = Text(f"{s.label}: ", style="bold")
        line.append(step_text(s, precision))
        parts.append(line)
    for label, child in r.children:
        parts.append(
            Panel(
                Group(*result_renderables(child, precision, show, window=window, width=width)),
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
        for part in result_renderables(r, precision, show, window=window, width=console.width):
            console.print(part)
        console.print()
