"""render/rich_grid.py: a long table drawn line by line must be byte for byte what
rich.table.Table draws (``render.rich._rich_grid``), colours and wide characters included;
a table wider than the console is left to rich. The oracle is rich itself."""

from __future__ import annotations

import io

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from rnnloss_cli.cli.io import map_texts
from rnnloss_cli.render.rich import _rich_grid
from rnnloss_cli.render.rich_grid import FastTable

#: Cell texts: numbers, signs, the ellipsis, ε, a wide (2-cell) CJK character, an accent made
#: of two code points, empty cells.
TEXTS = ["0.25", "−1.5e-3", "…", "ε", "漢字", "é", "", "12345", "a b", "p_nb(l)", "1e-2509"]
#: The styles render.rich gives cells, heat-map backgrounds among them.
STYLES = ["", "dim", "bold reverse", "yellow", "bold red", "green", "black on #fde725"]


class _AsciiFile(io.StringIO):
    encoding = "ascii"  # what rich reads to draw ASCII boxes


def _printed(renderable, width: int, colour: bool, ascii_only: bool = False) -> str:
    out = _AsciiFile() if ascii_only else io.StringIO()
    console = Console(
        file=out,
        width=width,
        force_terminal=colour,
        color_system="truecolor" if colour else None,
        legacy_windows=False,
    )
    console.print(renderable)
    return out.getvalue()


@st.composite
def tables(draw):
    n_cols = draw(st.integers(1, 6))
    header = draw(
        st.lists(
            st.sampled_from(["t", "s", "prefix l", "α_t(s)", "漢"]),
            min_size=n_cols,
            max_size=n_cols,
        )
    )
    cell = st.tuples(st.sampled_from(TEXTS), st.sampled_from(STYLES))
    rows = draw(st.lists(st.lists(cell, min_size=n_cols, max_size=n_cols), max_size=8))
    return header, rows


@settings(max_examples=300, deadline=None)
@given(table=tables(), width=st.integers(20, 120), colour=st.booleans(), ascii_only=st.booleans())
def test_a_long_table_is_drawn_as_rich_draws_it(table, width, colour, ascii_only):
    header, rows = table
    fast = _printed(FastTable(header, rows, _rich_grid), width, colour, ascii_only)
    assert fast == _printed(_rich_grid(header, rows), width, colour, ascii_only)


def test_the_fast_lines_are_the_ones_taken_when_the_table_fits():
    header, rows = ["t", "p"], [[("1", ""), ("0.5", "green")], [("2", "dim"), ("漢", "")]]
    calls = []

    def fallback(h, r):
        calls.append(1)
        return _rich_grid(h, r)

    table = FastTable(header, rows, fallback)
    assert table.width() == 1 + (1 + 3) + (3 + 3)  # 漢 is two cells wide, as is "0.5"'s 3
    _printed(table, 80, True)
    assert calls == []
    _printed(table, table.width() - 1, True)  # one cell too narrow: rich wraps it
    assert calls == [1]


def test_an_ascii_only_stream_gets_the_fast_lines_in_ascii_boxes():
    """A latin-1 or ASCII standard output draws its boxes in ASCII: the lines are drawn
    with rich's ASCII box too, not left to rich (a 62,000-row beam at 75 us a cell)."""
    header, rows = ["t", "p"], [[("1", ""), ("0.5", "green")], [("2", "dim"), ("漢", "")]]
    calls = []

    def fallback(h, r):
        calls.append(1)
        return _rich_grid(h, r)

    for colour in (False, True):
        fast = _printed(FastTable(header, rows, fallback), 80, colour, ascii_only=True)
        assert fast == _printed(_rich_grid(header, rows), 80, colour, ascii_only=True)
        assert "+" in fast and "┃" not in fast
    assert calls == []


def test_a_cell_of_several_lines_is_left_to_rich():
    calls = []
    table = FastTable(["t"], [[("a\nb", "")]], lambda h, r: calls.append(1) or _rich_grid(h, r))
    assert _printed(table, 80, False) == _printed(_rich_grid(["t"], [[("a\nb", "")]]), 80, False)
    assert calls == [1]


def test_the_console_s_text_changes_reach_a_long_table():
    """cli.io's console shows control characters as escapes and puts ASCII stand-ins in on
    an ASCII-only stream, through every text it prints: a FastTable's too."""
    table = FastTable(["ε"], [[("a\x1bb", "dim")]], _rich_grid)
    changed = map_texts(table, lambda s: s.replace("\x1b", "\\x1b").replace("ε", "eps"))
    assert isinstance(changed, FastTable)
    assert changed.header == ["eps"] and changed.rows == [[("a\\x1bb", "dim")]]
