"""A roster with no header row, and a header row that names no id column.

Expected (README, ``vary --help``): a one-column roster with no header row is one id a line,
every row a student (the line ``s001`` is a student, not a header). A header row is
recognised by its id column (``id``, ``Student ID``, ...) or a name column (``Name``,
``Full name``): ``vary`` once wrote ``hello-Name.yaml``, a variant for a student called
"Name". A first row of several columns none of which names an id is refused with one line
saying what the header must be: which of its columns are ids cannot be guessed.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from rnnloss_cli.cli.app import app
from rnnloss_cli.errors import ProblemError
from rnnloss_cli.teach.vary import read_roster


@pytest.mark.parametrize(
    ("text", "ids"),
    [
        ("s001\ns002\ns003\n", ["s001", "s002", "s003"]),  # one id a line, no header
        ("Ana Lima\r\nBo Chen\r\n", ["Ana Lima", "Bo Chen"]),  # names, CRLF
        ("\ufeffs001\ns002\n", ["s001", "s002"]),  # a spreadsheet's byte-order mark
        ("Name\nAna\nBo\n", ["Ana", "Bo"]),  # a header naming the one column
        ("Full name\nAna Lima\n", ["Ana Lima"]),
        ("Name,Group\nAna,1\nBo,2\n", ["Ana", "Bo"]),  # no id column: the names are the ids
        ("Name,ID\nAna,s1\n", ["s1"]),  # an id column wins over a name column
    ],
)
def test_roster_without_or_with_a_name_header(tmp_path: Path, text: str, ids: list[str]):
    f = tmp_path / "roster.csv"
    f.write_bytes(text.encode())
    assert read_roster(str(f)) == ids


@pytest.mark.parametrize(
    "text",
    [
        "Group,Mark\n1,Ana\n",  # a header naming no id column
        "s001,Ana Lima\ns002,Bo Chen\n",  # no header, several columns
    ],
)
def test_several_columns_without_an_id_header_are_refused(tmp_path: Path, text: str):
    f = tmp_path / "roster.csv"
    f.write_text(text)
    with pytest.raises(ProblemError, match="names no id column") as err:
        read_roster(str(f))
    assert err.value.line == 1
    assert "'id'" in err.value.message and "one id a line" in err.value.message


def test_vary_with_a_header_of_no_id_column_exits_2_and_writes_nothing(tmp_path: Path):
    roster, out = tmp_path / "roster.csv", tmp_path / "out"
    roster.write_text("Group,Mark\n1,Ana\n")
    r = CliRunner().invoke(
        app, ["vary", "problems/hinge-sequence.yaml", "--ids", str(roster), "-o", str(out)]
    )
    assert r.exit_code == 2
    assert len(r.stderr.strip().splitlines()) == 1
    assert not out.exists()


def test_vary_help_says_what_the_roster_header_is():
    r = CliRunner().invoke(app, ["vary", "--help"], env={"COLUMNS": "200"})
    assert "no header" in r.stdout and "one id a line" in r.stdout
