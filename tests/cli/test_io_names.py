"""Long file names: a name past the file system's bound is refused before anything is
written, and a name within it is written (its temporary file's name stays within too)."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from rnnloss_cli.cli import app
from rnnloss_cli.cli import io as cli_io


def test_a_name_of_250_bytes_is_written(tmp_path: Path):
    # ".<name>.XXXXXXXX.tmp", the temporary beside it, was 264 bytes: ENAMETOOLONG
    out = tmp_path / ("a" * 245 + ".json")
    cli_io.write_file("{}", out)
    assert out.read_text(encoding="utf-8") == "{}"
    assert [p.name for p in tmp_path.iterdir()] == [out.name]


def test_a_name_past_the_bound_in_a_missing_folder_is_refused_before_writing(tmp_path, capsys):
    # in a folder that does not exist yet, stat says "no such file", not "name too long": the
    # check passed and the write failed, after the command's other files were written
    out = tmp_path / "new" / ("日" * 90 + ".yaml")  # 270 + 5 bytes in UTF-8
    with pytest.raises(typer.Exit) as exc:
        cli_io.check_output_path(out, force=False)
    assert exc.value.exit_code == 2
    err = capsys.readouterr().err
    assert "275 bytes" in err and "255" in err and len(err.strip().splitlines()) == 1, err


def test_vary_refuses_a_roster_with_an_id_too_long_for_a_file_name_and_writes_nothing(
    tmp_path: Path,
):
    roster, out = tmp_path / "roster.csv", tmp_path / "v"
    roster.write_text("id\ns1\n" + "日" * 90 + "\n", encoding="utf-8")
    r = CliRunner().invoke(
        app, ["vary", "problems/hello.yaml", "--ids", str(roster), "-o", str(out)]
    )
    assert r.exit_code == 2, r.output
    assert "bytes" in r.output and len(r.output.strip().splitlines()) == 1, r.output
    assert not out.exists() or not any(out.iterdir())  # not s1's file alone
