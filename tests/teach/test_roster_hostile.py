"""Hostile rosters for ``vary --ids``: a header with no ids under it, and row numbers that
count blank rows and quoted line breaks as the file holds them."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from rnnloss_cli.cli import app
from rnnloss_cli.errors import ProblemError
from rnnloss_cli.teach.vary import read_roster


def test_a_roster_with_a_header_and_no_ids_is_refused(tmp_path: Path):
    # It gave "0 variants ... 0 written", exit 0: the instructor's run did nothing, silently.
    f = tmp_path / "roster.csv"
    f.write_text("id,name\n\n")
    with pytest.raises(ProblemError, match="no student ids") as err:
        read_roster(str(f))
    assert err.value.line == 1


def test_vary_with_an_empty_roster_exits_2_and_writes_nothing(tmp_path: Path):
    roster, out = tmp_path / "roster.csv", tmp_path / "out"
    roster.write_text("student\n")
    r = CliRunner().invoke(
        app, ["vary", "problems/hinge-sequence.yaml", "--ids", str(roster), "-o", str(out)]
    )
    assert r.exit_code == 2, r.output
    assert len(r.output.strip().splitlines()) == 1 and "no student ids" in r.output
    assert not out.exists() or not any(out.iterdir())


def test_a_repeated_id_is_named_by_the_files_own_row_and_line(tmp_path: Path):
    # rows: 1 id, 2 blank, 3 s1, 4 blank, 5 s1 (the repeat). The blank rows were dropped
    # before counting: "row 3 repeats row 2", which are the blank line and 's1'.
    f = tmp_path / "roster.csv"
    f.write_text("id\n\ns1\n\ns1\n")
    with pytest.raises(ProblemError, match=r"row 5: id 's1' repeats .* row 3") as err:
        read_roster(str(f))
    assert err.value.line == 5


def test_a_quoted_line_break_moves_the_line_not_the_row(tmp_path: Path):
    # row 2 (s1) spans lines 2-3 with its quoted name; row 3, the empty id, is on line 4
    f = tmp_path / "roster.csv"
    f.write_text('id,name\ns1,"Ana\nMaria"\n,Ben\n')
    with pytest.raises(ProblemError, match="row 3: empty student id") as err:
        read_roster(str(f))
    assert err.value.line == 4


def test_a_template_read_from_a_pipe_names_its_variants_stdin(tmp_path: Path):
    # vary <(cat hinge-sequence.yaml) reads /dev/fd/63: the variants were 63-1.yaml, their
    # source "variant 1 of 63" (a Moodle category "63"), and the summary "1 variants".
    import os

    read, write = os.pipe()
    os.write(write, Path("problems/hinge-sequence.yaml").read_bytes())
    os.close(write)
    out = tmp_path / "out"
    try:
        r = CliRunner().invoke(app, ["vary", f"/dev/fd/{read}", "-n", "1", "-o", str(out)])
    finally:
        os.close(read)
    assert r.exit_code == 0, r.output
    assert [p.name for p in out.iterdir()] == ["stdin-1.yaml"]
    assert "variant 1 of stdin," in (out / "stdin-1.yaml").read_text()
    assert "1 variant of " in r.output


def test_ids_that_differ_only_by_case_are_refused_before_any_file_is_written(tmp_path: Path):
    # hello-variants-S1.yaml and hello-variants-s1.yaml are one file on a case-insensitive
    # file system (macOS, Windows): the second variant would replace the first. grade also
    # names such ids as a likely mistake.
    roster, out = tmp_path / "roster.csv", tmp_path / "out"
    roster.write_text("id\nS1\ns2\ns1\n")
    with pytest.raises(ProblemError, match=r"row 4: id 's1' .* row 2") as err:
        read_roster(str(roster))
    assert err.value.line == 4
    r = CliRunner().invoke(
        app, ["vary", "problems/hinge-sequence.yaml", "--ids", str(roster), "-o", str(out)]
    )
    assert r.exit_code == 2 and len(r.output.strip().splitlines()) == 1, r.output
    assert not out.exists() or not any(out.iterdir())
