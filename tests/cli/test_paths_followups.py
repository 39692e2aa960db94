"""Two edges the paths audit left outside its files: ``grade --json DIR/`` and ``--lm``'s words."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from rnnloss_cli.cli import app

ANSWERS = "student,problem,figure,value\nana,hello,listed,3.673\n"


def test_grade_json_with_a_trailing_slash_names_a_folder(tmp_path: Path):
    answers = tmp_path / "answers.csv"
    answers.write_text(ANSWERS, encoding="utf-8")
    target = tmp_path / "jdir"
    r = CliRunner().invoke(
        app,
        ["grade", "problems/hello.yaml", str(answers), "-o", str(tmp_path / "r.csv"),
         "--json", f"{target}/"],
    )  # fmt: skip
    assert r.exit_code == 2, r.output
    assert not target.exists()  # it wrote a file named jdir
    assert "folder" in r.output and len(r.output.strip().splitlines()) == 1


def test_a_language_model_file_is_named_as_such():
    r = CliRunner().invoke(
        app,
        ["ctc", "decode", "--emissions", "0.2,0.8;0.6,0.4", "--symbols", "-,A",
         "--lm", "/dev/zero"],
    )  # fmt: skip
    assert r.exit_code == 2, r.output
    assert "problem file" not in r.output and "language model file" in r.output
