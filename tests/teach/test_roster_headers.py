"""A roster's id column found by its spreadsheet header ("Student ID", "ID number"), so the
header row is not read as a student (vary wrote hello-variants-Student_ID.yaml)."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnloss_cli.teach.vary import read_roster


@pytest.mark.parametrize(
    ("text", "ids"),
    [
        ("Student ID,Name\n1001,Ann\n1002,Ben\n", ["1001", "1002"]),
        ("Name,student-id\nAnn,1001\n", ["1001"]),
        ("First name,ID number,Email address\nAnn,1001,ann@x\n", ["1001"]),
        ("Name,Email Address\nAnn,ann@x\n", ["ann@x"]),
        ("id\ns1\n", ["s1"]),  # as before
        ("s1\ns2\n", ["s1", "s2"]),  # no header: every row is a student, as before
    ],
)
def test_roster_header_names(tmp_path: Path, text: str, ids: list[str]):
    f = tmp_path / "roster.csv"
    f.write_text(text)
    assert read_roster(str(f)) == ids
