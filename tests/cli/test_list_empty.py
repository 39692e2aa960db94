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


def test_list_without_a_problems_folder_still_shows_the_kinds(tmp_path, monkeypatch):
    # README: "rnnloss list shows every kind". Run where there is no problems/ (the default
    # folder), it exited 2 with "error: problems/: no such file or folder" and no kinds.
    monkeypatch.chdir(tmp_path)
    r = CliRunner().invoke(app, ["list"], env={"COLUMNS": "200", "NO_COLOR": "1"})
    assert r.exit_code == 0, r.output
    assert "problem kinds" in r.output
    for kind in ("mse", "ctc", "reinforce"):
        assert kind in r.output
    said = [line for line in r.output.splitlines() if "problems/" in line]
    assert len(said) == 1 and "no " in said[0] and "default" in said[0], r.output


def test_a_missing_folder_named_explicitly_is_still_an_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for folder in ("problems/", "nowhere"):
        r = CliRunner().invoke(app, ["list", folder], env={"COLUMNS": "200", "NO_COLOR": "1"})
        assert r.exit_code == 2, r.output
        assert "problem kinds" not in r.output
        assert f"{folder}: no such file or folder" in r.output
    # an empty name is a folder named (and missing), not the default
    r = CliRunner().invoke(app, ["list", ""], env={"COLUMNS": "200", "NO_COLOR": "1"})
    assert r.exit_code == 2 and "problem kinds" not in r.output, r.output
