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
#: Cells too wide for a narrow terminal, which rich folds: at spaces, or anywhere.
WIDE = [
    "aaaaaaaaaaaaaaaaaaaa…(309 symbols)…aaaaaaaaaaaaaaaaaaaa",
    "x" * 45,
    "a longer note in words, five or six of them",
    "漢字" * 12,
]
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
    text = st.one_of(st.sampled_from(TEXTS), st.sampled_from(TEXTS), st.sampled_from(WIDE))
    cell = st.tuples(text, st.sampled_from(STYLES))
    rows = draw(st.lists(st.lists(cell, min_size=n_cols, max_size=n_cols), max_size=8))
    return header, rows


@settings(max_examples=500, deadline=None)
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
    # one cell too narrow: rich sizes the columns from a sample of the rows (here both) and
    # folds the cells that no longer fit, the rest is drawn line by line as before
    assert _printed(table, table.width() - 1, True) == _printed(
        _rich_grid(header, rows), table.width() - 1, True
    )
    assert calls == [1]


def test_a_folded_table_asks_rich_to_size_only_its_widest_rows():
    """Rich sizes a column that must shrink from its widest cell and its widest word: the
    sample it is given holds the rows with those, not all 300."""
    rows = [[(str(i), ""), ("x" * (i % 7), "")] for i in range(300)]
    rows[123][1] = ("a longer cell of words", "")
    sizes = []

    def fallback(h, r):
        sizes.append(len(r))
        return _rich_grid(h, r)

    table = FastTable(["t", "cell"], rows, fallback)
    assert _printed(table, 20, False) == _printed(_rich_grid(["t", "cell"], rows), 20, False)
    # row 100 (the widest cell and word of "t"), row 123 (the widest cell of "cell") and row
    # 6 (its first widest word, "xxxxxx", as wide as "longer" and "words")
    assert sizes == [3]


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


def test_a_wide_table_of_few_rows_takes_the_fast_lines_block_after_block(monkeypatch):
    """2 rows of 125,000 frames made 12,500 stacked blocks of 2 rows, each drawn by rich's
    own table (69 s); the blocks' rows are counted together."""
    import rnnloss_cli.render.rich as rich_render
    from rnnloss_cli.result import Table, Window

    calls = []

    def counted(h, r):
        calls.append(1)
        return _rich_grid(h, r)

    t = Table("wide", ["s", *[f"t={i}" for i in range(1, 1001)]], [[1, *range(1000)]] * 2)
    printed = _printed(rich_render.rich_table(t, 3, window=Window(2, 2000), width=80), 80, False)
    monkeypatch.setattr(rich_render, "_rich_grid", counted)
    fast = rich_render.rich_table(t, 3, window=Window(2, 2000), width=80)
    assert _printed(fast, 80, False) == printed
    assert calls == []
    assert printed.count("(continued") > 50
