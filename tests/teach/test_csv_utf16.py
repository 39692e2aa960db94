"""A CSV saved as UTF-16 (a spreadsheet's "Unicode text", opening with the byte-order mark
FF FE or FE FF) is named so in its one-line refusal, for grade and for vary --ids alike."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from rnnloss_cli.cli import app
from rnnloss_cli.errors import ProblemError
from rnnloss_cli.teach.vary import read_roster


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_roster_is_named(tmp_path: Path, encoding: str):
    f = tmp_path / "roster.csv"
    f.write_bytes("\ufeffid\ns1\n".encode(encoding))  # the BOM written by hand: FF FE / FE FF
    with pytest.raises(ProblemError, match="UTF-16.*CSV UTF-8"):
        read_roster(str(f))


def test_utf16_answers_are_one_line_exit_2(tmp_path: Path):
    f = tmp_path / "answers.csv"
    f.write_bytes("student,problem,figure,value\nana,hello,listed,3.673\n".encode("utf-16"))
    r = CliRunner().invoke(app, ["grade", "problems/hello.yaml", str(f)])
    assert r.exit_code == 2, r.output
    assert len(r.output.strip().splitlines()) == 1 and "UTF-16" in r.output


def test_other_bytes_keep_their_message(tmp_path: Path):
    f = tmp_path / "answers.csv"
    f.write_bytes(b"student,problem,figure,value\nana,hello,listed,\xff\n")
    r = CliRunner().invoke(app, ["grade", "problems/hello.yaml", str(f)])
    assert r.exit_code == 2 and "not UTF-8" in r.output and "UTF-16" not in r.output
