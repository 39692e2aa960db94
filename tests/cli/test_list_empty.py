"""``rnnloss list FOLDER`` of a folder without problem files says so (it printed the kinds
table alone, as if the folder had been listed)."""

from __future__ import annotations

from typer.testing import CliRunner

from rnnloss_cli.cli import app


def test_a_folder_without_problem_files_is_said_to_have_none(tmp_path):
    (tmp_path / "answers.csv").write_text("student,problem,figure,value\n", "utf-8")
    r = CliRunner().invoke(app, ["list", str(tmp_path)], env={"COLUMNS": "200", "NO_COLOR": "1"})
    assert r.exit_code == 0, r.output
    assert "problem kinds" in r.output
    assert f"no problem files (*.yaml, *.yml) in {tmp_path}" in r.output
