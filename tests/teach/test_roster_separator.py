"""A roster saved with ';' or tabs between cells (a decimal-comma locale's "CSV") is refused
in one line that names the separator, as ``grade`` refuses such an answers file; read as one
column, its ids were whole rows ('s1;Ana'), and every variant went to a student who does
not exist (``hello-s1_Ana.yaml``, keyed to the id 's1;Ana'), with exit 0."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rnnloss_cli.cli import app
from rnnloss_cli.errors import ProblemError
from rnnloss_cli.teach.vary import read_roster


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("id;name\ns1;Ana\ns2;Ben\n", "';'"),  # a recognised header, split by ';'
        ("Student ID\tName\ns1\tAna\n", "'\\t'"),  # tabs
        ("Matricule;Nom\ns1;Ana\n", "';'"),  # a header rnnloss does not know
    ],
)
def test_a_roster_separated_by_semicolons_or_tabs_is_refused(tmp_path: Path, text, named):
    f = tmp_path / "roster.csv"
    f.write_text(text)
    with pytest.raises(ProblemError, match=re.escape(f"separated by {named}")) as err:
        read_roster(str(f))
    assert err.value.line == 1


def test_vary_with_a_semicolon_roster_exits_2_in_one_line_and_writes_nothing(tmp_path: Path):
    roster, out = tmp_path / "roster.csv", tmp_path / "out"
    roster.write_text("id;name\ns1;Ana\n")
    r = CliRunner().invoke(
        app, ["vary", "problems/hinge-sequence.yaml", "--ids", str(roster), "-o", str(out)]
    )
    assert r.exit_code == 2, r.output
    lines = r.output.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in r.output, r.output
    assert "separated by ';'" in lines[0] and "comma-separated" in lines[0]
    assert not out.exists() or not any(out.iterdir())


def test_a_comma_roster_whose_names_hold_semicolons_is_still_read(tmp_path: Path):
    # only a first row that is one cell holding the separator is taken for a ;-file
    f = tmp_path / "roster.csv"
    f.write_text('id,name\ns1,"Ana; Maria"\ns2,Ben\n')
    assert read_roster(str(f)) == ["s1", "s2"]
