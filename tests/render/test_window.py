"""Long tables are windowed in every format: first and last rows/columns, "…", and a note.

Expected counts are worked by hand from the window rule: of n items with a limit L, the
first ceil(L/2) and the last floor(L/2) are kept. The default window is 60 rows x 16 columns
(limits.TABLE_MAX_ROWS / TABLE_MAX_COLUMNS); a table of 1000 rows x (1 key + 39 data) columns
keeps rows 1-30 and 971-1000, and 16 - 1 = 15 data columns: 1-8 and 33-39.
"""

from __future__ import annotations

import io
import json
import re

from rich.console import Console

from rnnloss_cli.render.json import render_json
from rnnloss_cli.render.markdown import render_markdown
from rnnloss_cli.render.rich import render_rich
from rnnloss_cli.render.text import step_text
from rnnloss_cli.result import Result, Step, Table, Window
from rnnloss_cli.sheet import table_latex
from rnnloss_cli.solve.common import reduction_step

N_ROWS, N_DATA = 1000, 39
# Cell (i, j) = 1000 * row + column, 1-based, so every shown cell names where it came from.
BIG = Table(
    "big",
    ["i", *[f"c{j}" for j in range(1, N_DATA + 1)]],
    [[i, *[1000 * i + j for j in range(1, N_DATA + 1)]] for i in range(1, N_ROWS + 1)],
)
NOTE = "rows 1–30 and 971–1,000 of 1,000 and columns 1–8 and 33–39 of 39"


def _result() -> Result:
    return Result("mse", "t", 0.5, tables=[BIG])


def _check_grid(rows: list[list[str]]) -> None:
    """61 rows (30 + "…" + 30) of 17 cells (key + 8 + "…" + 7), first/last cells as expected."""
    assert len(rows) == 61
    assert all(len(r) == 17 for r in rows)
    assert rows[30] == ["…"] * 17
    assert [r[9] for r in rows[:30]] == ["…"] * 30
    assert rows[0][:3] == ["1", "1001", "1002"] and rows[0][-1] == "1039"
    assert rows[29][0] == "30" and rows[31][0] == "971" and rows[-1][-1] == "1000039"
    assert rows[0][10] == "1033"  # first column after the gap is c33


def test_markdown_window() -> None:
    out = render_markdown([_result()])
    lines = [ln for ln in out.splitlines() if ln.startswith("| ")]
    grid = [[c.strip() for c in ln.strip("|").split("|")] for ln in lines]
    assert grid[0][:2] == ["i", "c1"] and grid[0][9] == "…" and grid[0][10] == "c33"
    _check_grid(grid[1:])
    assert NOTE in out and "--window 240x40" in out  # 4 x 60 rows; 4 x 16 > 40 columns


def test_json_window_keeps_shape_and_note() -> None:
    doc = json.loads(render_json([_result()]))
    t = doc["tables"][0]
    assert t["shape"] == [N_ROWS, N_DATA + 1]
    _check_grid([[str(c) for c in row] for row in t["rows"]])
    assert NOTE in t["note"]
    assert doc["loss"] == 0.5  # figures are kept whole


def test_rich_window() -> None:
    console = Console(file=io.StringIO(), width=400, color_system=None)
    render_rich([_result()], console, window=Window())
    out = console.file.getvalue()
    grid = [[c.strip() for c in ln.strip("│").split("│")] for ln in out.splitlines() if "│" in ln]
    body = [r for r in grid if r and r[0] not in ("i", "")]
    _check_grid(body[:61])
    assert NOTE in " ".join(out.split())


def test_latex_window() -> None:
    lines = table_latex(BIG, 3)
    rows = [ln for ln in lines if ln.endswith(r"\\") and "&" in ln]
    grid = [[c.strip() for c in ln[:-2].split("&")] for ln in rows]
    # wider than a line, the table is set as blocks of its columns, each with the row names
    blocks = [grid[k : k + 61] for k in range(0, len(grid), 61)]
    grid = [sum((b[i][1:] for b in blocks[1:]), blocks[0][i]) for i in range(61)]
    _check_grid([[c.replace(r"$\dots$", "…") for c in r] for r in grid])
    assert any("Note" in ln and "rows 1--30 and 971--1,000 of 1,000" in ln for ln in lines)


def test_window_parameter_shows_more() -> None:
    out = render_markdown([_result()], window=Window(rows=200, columns=41))
    body = [ln for ln in out.splitlines() if ln.startswith("| ")][1:]
    assert len(body) == 201  # 100 + "…" + 100; every column fits: no column marker
    assert "rows 1–100 and 901–1,000 of 1,000" in out and "columns" not in out.split("Note")[1]


def test_windowed_table_builds_only_its_window() -> None:
    calls: list[int] = []

    def row(i: int) -> list[int]:
        calls.append(i)
        return [i]

    t = Table.windowed("t", 10**6, row, ["i"], Window(rows=10, columns=4))
    assert calls == [0, 1, 2, 3, 4, 999_995, 999_996, 999_997, 999_998, 999_999]
    assert t.shape == (10**6, 1)
    md = render_markdown([Result("mse", "t", 0.0, tables=[t])])
    assert "rows 1–30" not in md and "1–5 and 999,996–1,000,000 of 1,000,000" in md


def test_long_sum_says_what_it_leaves_out() -> None:
    # 1000 terms 1, 2, ..., 1000: the step shows 13 + the last 2 and says 985 are left out;
    # the sum 1000 * 1001 / 2 = 500500 is the figure.
    step = reduction_step(list(range(1, 1001)), "sum", 500500.0, "terms")
    text = step_text(step, 3)
    assert text.startswith("1 + 2 + 3 + ") and "+ 13 + … (985 more) … + 999 + 1000 = 500500" in text
    doc = json.loads(render_json([Result("mse", "t", 500500.0, steps=[step])]))
    values = doc["steps"][0]["values"]["terms"]
    assert values["count"] == 1000 and len(values["first"]) + len(values["last"]) == 15


def test_plain_step_list_in_json_is_bounded() -> None:
    # A solver that still puts a long plain list in a step: JSON holds its ends and the count.
    step = Step("s", "{xs|+}", {"xs": [float(i) for i in range(10_000)]})
    doc = json.loads(render_json([Result("mse", "t", 0.0, steps=[step])]))
    assert doc["steps"][0]["values"]["xs"]["count"] == 10_000
    assert len(re.findall(r"\d+\.0", json.dumps(doc["steps"][0]["values"]))) <= 16
