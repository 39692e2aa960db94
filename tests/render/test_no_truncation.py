"""Issue 13 item 2: at 60 and 80 columns no number or header of a shipped problem is cut."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from rnnloss_cli.cli import app
from rnnloss_cli.problem import load_problem
from rnnloss_cli.solve import solve

PROBLEMS = sorted((Path(__file__).resolve().parents[2] / "problems").glob("*.yaml"))


def optional_tables(r) -> set[str]:
    """Every --show name a result (and its terms) offers, so all its tables are printed."""
    found = {t.optional for t in r.tables if t.optional}
    for _, child in r.children:
        found |= optional_tables(child)
    return found


@pytest.mark.parametrize("columns", [60, 80])
@pytest.mark.parametrize("path", PROBLEMS, ids=lambda p: p.name)
def test_no_ellipsis_at_narrow_widths(path, columns, monkeypatch):
    # shipped problems are short: no table needs windowing, so any "…" is a cut cell or an
    # elided column
    monkeypatch.setenv("COLUMNS", str(columns))
    show = ",".join(sorted(optional_tables(solve(load_problem(str(path))))))
    result = CliRunner().invoke(app, ["solve", str(path), *(["--show", show] if show else [])])
    assert result.exit_code in (0, 1), result.output
    assert "…" not in result.output
    assert max(len(line) for line in result.output.splitlines()) <= columns


def test_hello_factors_fully_shown_at_60(monkeypatch):
    monkeypatch.setenv("COLUMNS", "60")
    out = CliRunner().invoke(app, ["solve", str(PROBLEMS[0].parent / "hello.yaml")]).output
    # the handout's factors for alignment 1, whole, in the table
    assert "0.6 × 0.2 × 0.5 × 0.7 × 0.7 × 0.8 × 0.5 × 0.7 × 0.8 │" in out
    # its product, 0.6 × 0.2 × 0.5 × 0.7 × 0.7 × 0.8 × 0.5 × 0.7 × 0.8 = 0.0065856, with the
    # digits the valid-only sum prints it with (0.006586 + 0.009408 = 0.01599)
    assert "0.006586 │" in out


def test_column_blocks_split_by_width():
    from rnnloss_cli.render.rich import column_blocks

    # frame: 1 + (w + 3) per column; key column width 1 takes 4, leaving 16 - 1 - 4 = 11:
    # each 5-wide column needs 8, so one per block
    assert column_blocks([1, 5, 5, 5], 1, 16) == [[1], [2], [3]]
    # at width 21 the budget is 16: two columns (16) fit, the third goes below
    assert column_blocks([1, 5, 5, 5], 1, 21) == [[1, 2], [3]]
    # a column wider than the terminal still gets a block of its own
    assert column_blocks([1, 50], 1, 20) == [[1]]
