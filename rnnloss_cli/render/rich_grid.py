"""A long table drawn fast, exactly as rich.table.Table draws it.

``rich.table.Table`` spends about 75 µs a cell (up to 250 µs where it folds a cell)
measuring, wrapping and padding each one through its renderable machinery: ``--window
62000x16`` on a long decode took 151 s, nearly all of it there. Our tables are always the
same simple kind (one line a cell, every column right-justified, the header bold, the
default heavy-head box, one space of padding), so :class:`FastTable` draws their lines itself
at about 6 µs a cell, as the same segments as rich (a styled cell's justifying spaces carry
its style, the padding around it does not, except in the header), so the output is byte
for byte rich's, colours included (``tests/render/test_rich_grid.py`` compares them):

- a table that fits the console: each column as wide as its widest cell (in terminal
  cells, ``rich.cells.cell_len``), each cell padded on the left to that width;
- a wider one: rich shrinks some columns and folds the cells that no longer fit. The
  widths are rich's own, read off the top rule it draws for a sample of the rows (those
  holding each column's widest cell and widest word, from which alone it sizes the
  columns); a cell that fits is drawn as above, one that does not is laid out by rich
  (``Console.render_lines`` of its padded text), and the row's other cells are filled to
  its height with blank lines, as rich aligns cells at the top. (62,000 rows of a decode's
  beam: 151 -> 53 s.)

On a console that draws its boxes in ASCII (a latin-1 or ASCII standard output) the lines
take rich's ASCII box, as rich does. A cell with a line break or a tab, a header that would
fold, or a legacy Windows terminal is left to ``rich.table.Table``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from rich.box import HEAVY_HEAD, Box
from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderableType
from rich.measure import Measurement
from rich.padding import Padding
from rich.segment import Segment
from rich.style import Style
from rich.text import Text

#: Rows from which ``render.rich`` draws a table with :class:`FastTable`; shorter ones keep
#: rich's own table (the two draw the same).
FAST_TABLE_ROWS = 100

#: The default box of rich.table.Table; on a console that draws boxes in ASCII (a latin-1 or
#: ASCII standard output) rich substitutes its ASCII box, and so do these lines.
_BOX = HEAVY_HEAD


class FastTable:
    """``header`` (column names) over ``rows`` of (text, style) cells, every column
    right-justified; ``fallback(header, rows)`` builds the rich Table that draws the same,
    for the cases this one leaves to rich and to size the columns of a table too wide."""

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
        # rows holding a column's widest cell or its widest word: rich sizes a column that
        # must shrink from these two measures alone (rich.text.Text.__rich_measure__)
        self._widest_rows: dict[int, int] = {}
        words = [0] * len(header)
        for i, row in enumerate(rows):
            for j, (text, _) in enumerate(row):
                if not _one_line(text):
                    self.plain = False
                width = cell_len(text)
                if width > self.widths[j]:
                    self.widths[j] = width
                    self._widest_rows[2 * j] = i
                word = max(map(cell_len, text.split()), default=0)
                if word > words[j]:
                    words[j] = word
                    self._widest_rows[2 * j + 1] = i

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
            or (options.legacy_windows and console.safe_box)  # rich swaps in a Windows box
        ):
            yield self.fallback(self.header, self.rows)
            return
        box = _BOX.substitute(options, safe=console.safe_box)  # ASCII where rich takes it
        widths = self.widths
        if self.width() > options.max_width:
            widths = self._rich_widths(console, options, box)
            if widths is None or any(
                cell_len(name) > w for name, w in zip(self.header, widths, strict=True)
            ):
                yield self.fallback(self.header, self.rows)  # a header that would fold
                return
        padded = [w + 2 for w in widths]  # a space each side
        bold = console.get_style("bold")
        yield Segment(box.get_top(padded))
        yield Segment.line()
        head = (box.head_left, box.head_vertical, box.head_right)
        yield from _line(head, [(name, "") for name in self.header], widths, bold, console)
        yield Segment(box.get_row(padded, "head"))
        yield Segment.line()
        middle = (box.mid_left, box.mid_vertical, box.mid_right)
        last = (box.foot_left, box.foot_vertical, box.foot_right)  # rich's for the last row
        for i, row in enumerate(self.rows):
            edges = last if i == len(self.rows) - 1 else middle
            if any(cell_len(text) > w for (text, _), w in zip(row, widths, strict=False)):
                yield from _folded(edges, row, widths, console, options)
            else:
                yield from _line(edges, row, widths, None, console)
        yield Segment(box.get_bottom(padded))
        yield Segment.line()

    def _rich_widths(self, console: Console, options: ConsoleOptions, box: Box) -> list[int] | None:
        """The column widths rich gives this table where it must shrink some: those of a
        table of the rows that hold each column's widest cell and widest word (every
        column measures the same), read off the top rule rich draws for it in ``box``;
        None if that rule is not the one expected."""
        sample = [self.rows[i] for i in sorted(set(self._widest_rows.values()))]
        top = console.render_lines(self.fallback(self.header, sample), options, pad=False)[0]
        rule = "".join(segment.text for segment in top)
        if not (rule.startswith(box.top_left) and rule.endswith(box.top_right)):
            return None
        runs = rule[1:-1].split(box.top_divider)
        if len(runs) != len(self.widths) or any(set(r) != {box.top} for r in runs):
            return None
        return [len(r) - 2 for r in runs]


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
    for j, width in enumerate(widths):
        yield Segment(left if j == 0 else middle)
        text, style_name = cells[j] if j < len(cells) else ("", "")
        yield from _cell(text, style_name, width, pad_style, console)
    yield Segment(right)
    yield Segment.line()


def _folded(
    edges: tuple[str, str, str],
    row: list[tuple[str, str]],
    widths: list[int],
    console: Console,
    options: ConsoleOptions,
) -> Iterator[Segment]:
    """A row some of whose cells fold onto several lines, as rich.table.Table draws it: a
    cell wider than its column is laid out by rich itself (its padding around its text,
    right-justified, folded), the others as one line; each cell is then filled to the
    row's height with blank lines below it (vertical alignment "top")."""
    cells: list[list[list[Segment]]] = []
    for (text, style_name), width in zip(row, widths, strict=False):
        if cell_len(text) <= width:
            cells.append([list(_cell(text, style_name, width, None, console))])
            continue
        cell_options = options.update(
            width=width + 2,
            justify="right",
            no_wrap=False,
            overflow="fold",
            height=None,
            highlight=False,
        )
        padded = Padding(Text(text, style=style_name), (0, 1, 0, 1))
        cells.append(console.render_lines(padded, cell_options, style=Style.null()))
    height = max(len(lines) for lines in cells)
    blank = Style.null()
    shaped = [
        Segment.set_shape(Segment.align_top(lines, width + 2, height, blank), width + 2, height)
        for lines, width in zip(cells, widths, strict=False)
    ]
    left, middle, right = edges
    for line_no in range(height):
        for j, lines in enumerate(shaped):
            yield Segment(left if j == 0 else middle)
            yield from lines[line_no]
        yield Segment(right)
        yield Segment.line()


def _cell(
    text: str, style_name: str, width: int, pad_style: Style | None, console: Console
) -> Iterator[Segment]:
    """One cell on one line: its text right-justified to ``width`` between a space on each
    side (the spaces in ``pad_style``, the text in its own style or else ``pad_style``)."""
    style = console.get_style(style_name) if style_name else pad_style
    pad = Segment(" ", pad_style)
    yield pad
    yield Segment(" " * (width - cell_len(text)) + text, style)
    yield pad
