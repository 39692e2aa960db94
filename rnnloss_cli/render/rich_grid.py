"""A long table drawn fast, exactly as rich.table.Table draws it.

``rich.table.Table`` spends about 75 µs a cell (up to 250 µs where it folds a cell)
measuring, wrapping and padding each one through its renderable machinery: ``--window
62000x16`` on a long decode took 151 s, nearly all of it there; the lines below cost about
6 µs a cell. Our tables are always the same simple kind (one line a
cell, every column right-justified, the header bold, the default heavy-head box, one space
of padding), so when such a table fits the console's width its lines are known: each column
as wide as its widest cell (in terminal cells, ``rich.cells.cell_len``), each cell padded on
the left to that width. :class:`FastTable` yields those lines as the same segments as rich
(a styled cell's padding spaces carry its style, the padding around it does not, except in
the header), so the output is byte for byte rich's, colours included
(``tests/render/test_rich_grid.py`` compares them). On a console that draws its boxes in
ASCII (a latin-1 or ASCII standard output) the lines take rich's ASCII box, as rich does. A
table that does not fit, a cell with a line break or a tab, or a legacy Windows terminal, is
left to ``rich.table.Table``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from rich.box import HEAVY_HEAD
from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderableType
from rich.measure import Measurement
from rich.segment import Segment
from rich.style import Style

#: Rows from which ``render.rich`` draws a table with :class:`FastTable`; shorter ones keep
#: rich's own table (the two draw the same).
FAST_TABLE_ROWS = 100

#: The default box of rich.table.Table; rich draws its ASCII stand-in on an ASCII console.
_BOX = HEAVY_HEAD


class FastTable:
    """``header`` (column names) over ``rows`` of (text, style) cells, every column
    right-justified; ``fallback()`` builds the rich Table that draws the same when this one
    cannot (wider than the console, or a cell of several lines) from the same two."""

    def __init__(
        self,
        header: list[str],
        rows: list[list[tuple[str, str]]],
        fallback: Callable[[list[str], list[list[tuple[str, str]]]], RenderableType],
    ) -> None:
        self.header = header
        self.rows = rows
        self.fallback = fallback
        self.widths = [cell_len(name) for name in header]
        self.plain = all(_one_line(name) for name in header)
        for row in rows:
            for j, (text, _) in enumerate(row):
                if not _one_line(text):
                    self.plain = False
                width = cell_len(text)
                if width > self.widths[j]:
                    self.widths[j] = width

    def mapped(self, change: Callable[[str], str]) -> FastTable:
        """The same table with ``change`` applied to every text (``cli.io.map_texts``)."""
        header = [change(name) for name in self.header]
        rows = [[(change(text), style) for text, style in row] for row in self.rows]
        return FastTable(header, rows, self.fallback)

    def width(self) -> int:
        """Terminal cells of every line: each column with its padding, and the rules."""
        return sum(self.widths) + 3 * len(self.widths) + 1

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement(self.width(), self.width())

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterator:
        if (
            not self.plain
            or not self.widths
            or self.width() > options.max_width
            or (options.legacy_windows and console.safe_box)  # rich swaps in a Windows box
        ):
            yield self.fallback(self.header, self.rows)
            return
        widths = self.widths
        box = _BOX.substitute(options, safe=console.safe_box)  # ASCII where rich takes it
        padded = [w + 2 for w in widths]  # a space each side
        head = (box.head_left, box.head_vertical, box.head_right)
        row_box = (box.mid_left, box.mid_vertical, box.mid_right)
        bold = console.get_style("bold")
        yield Segment(box.get_top(padded))
        yield Segment.line()
        yield from _line(head, [(name, "") for name in self.header], widths, bold, console)
        yield Segment(box.get_row(padded, "head"))
        yield Segment.line()
        for row in self.rows:
            yield from _line(row_box, row, widths, None, console)
        yield Segment(box.get_bottom(padded))
        yield Segment.line()


def _one_line(text: str) -> bool:
    return "\n" not in text and "\r" not in text and "\t" not in text


def _line(
    box: tuple[str, str, str],
    cells: list[tuple[str, str]],
    widths: list[int],
    pad_style: Style | None,
    console: Console,
) -> Iterator[Segment]:
    """One row: each cell right-justified to its column's width between a space on each side;
    the padding carries ``pad_style`` (the header's bold), the text and its justifying spaces
    the cell's own style, or ``pad_style`` for a cell without one (the header's cells)."""
    left, middle, right = box
    pad = Segment(" ", pad_style)
    for j, width in enumerate(widths):
        yield Segment(left if j == 0 else middle)
        text, style_name = cells[j] if j < len(cells) else ("", "")
        style = console.get_style(style_name) if style_name else pad_style
        yield pad
        yield Segment(" " * (width - cell_len(text)) + text, style)
        yield pad
    yield Segment(right)
    yield Segment.line()
