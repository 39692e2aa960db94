"""Issue 13 items 2-3: every markdown table keeps one cell per column; a wrong key fails a sheet."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rnnloss_cli.cli import app

PROBLEMS = sorted((Path(__file__).resolve().parents[2] / "problems").glob("*.yaml"))
runner = CliRunner()
#: a cell boundary: a pipe not escaped with a backslash
_BOUNDARY = re.compile(r"(?<!\\)\|")


def tables(markdown: str) -> list[list[str]]:
    """Runs of consecutive lines that start with "|" (GitHub's pipe tables)."""
    found, run = [], []
    for line in markdown.splitlines():
        if line.startswith("|"):
            run.append(line)
        elif run:
            found.append(run)
            run = []
    return found + ([run] if run else [])


def cell_count(line: str) -> int:
    # "| a | b |" splits into ["", " a ", " b ", ""]: the outer two are not cells
    return len(_BOUNDARY.split(line.strip())) - 2


def check_tables(markdown: str) -> int:
    n = 0
    for t in tables(markdown):
        assert len(t) >= 2 and re.fullmatch(r"\|(-{3,}\|)+", t[1]), t[:2]
        header = cell_count(t[0])
        assert cell_count(t[1]) == header, t[:2]
        for row in t[2:]:
            assert cell_count(row) == header, (t[0], row)
        n += 1
    return n


def test_cell_count_sees_an_unescaped_pipe():
    assert cell_count("| a | π(y_t|s_t) |") == 3
    assert cell_count(r"| a | π(y_t\|s_t) |") == 2


@pytest.mark.parametrize("path", PROBLEMS, ids=lambda p: p.name)
@pytest.mark.parametrize(
    "args",
    [["solve", "--format", "markdown"], ["sheet"], ["sheet", "--solutions"]],
    ids=["solve", "sheet", "solutions"],
)
def test_every_markdown_table_has_header_many_cells(path, args):
    result = runner.invoke(app, [*args, str(path)])
    assert result.exit_code == 0, result.output
    count = check_tables(result.output)
    if args != ["sheet"]:
        assert count >= 1  # every solution has at least its key or a table


def test_reinforce_policy_header_is_one_cell():
    # the example: the header π(y_t|s_t) made 10 header cells against 9 delimiters
    out = runner.invoke(
        app, ["solve", "--format", "markdown", str(PROBLEMS[0].parent / "reinforce-episode.yaml")]
    ).output
    assert r"π(y_t\|s_t)" in out


def test_sheet_solutions_with_a_wrong_key_exits_1(tmp_path: Path):
    # squares 0.25, 0.04, 0.16, 0.01 -> mean 0.115, never 0.2
    bad = tmp_path / "bad.yaml"
    bad.write_text("kind: mse\ny: [1.0, 2.0, 3.0, 4.0]\nyhat: [1.5, 1.8, 3.4, 3.9]\nanswer: 0.2\n")
    result = runner.invoke(app, ["sheet", "--solutions", str(bad)])
    assert result.exit_code == 1, result.output
    assert "0.115 (the key says 0.2)" in result.output  # the answer, and the key beside it
    # a question sheet does not solve, so it cannot disagree
    assert runner.invoke(app, ["sheet", str(bad)]).exit_code == 0
