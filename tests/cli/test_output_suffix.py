"""``-o FILE`` without ``--format``: the file name's suffix chooses the format.

Before, ``sheet problems/ -o sheet.tex`` wrote markdown into the .tex file (exit 0; pdflatex
then failed on ``#``), and ``solve``/``train`` refused ``-o report.html`` without
``--format html``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from rnnloss_cli.cli import app

HELLO = str(Path(__file__).parents[2] / "problems" / "hello.yaml")


def run(*args: str):
    return CliRunner().invoke(app, list(args), env={"COLUMNS": "100", "NO_COLOR": "1"})


@pytest.mark.parametrize(
    ("command", "name", "start"),
    [
        ("sheet", "sheet.tex", "\\documentclass"),
        ("sheet", "sheet.html", "<!DOCTYPE html>"),
        ("sheet", "sheet.md", "# "),
        ("solve", "r.html", "<!DOCTYPE html>"),
        ("solve", "r.md", "## "),
        ("solve", "r.json", "{"),
    ],
)
def test_the_suffix_chooses_the_format(tmp_path, command, name, start):
    out = tmp_path / name
    r = run(command, HELLO, "-o", str(out))
    assert r.exit_code == 0, r.output
    assert out.read_text("utf-8").startswith(start)


def test_sheet_writes_the_format_asked_for_and_warns_of_the_suffix(tmp_path):
    out = tmp_path / "sheet.tex"
    r = run("sheet", HELLO, "-f", "markdown", "-o", str(out))
    assert r.exit_code == 0, r.output
    assert out.read_text("utf-8").startswith("# ")
    assert "warning: writing markdown to" in r.output and "suffix says latex" in r.output


def test_solve_without_a_format_or_a_known_suffix_is_refused(tmp_path):
    r = run("solve", HELLO, "-o", str(tmp_path / "r.txt"))
    assert r.exit_code == 2
    assert "needs --format html, markdown or json" in r.output and ".html, .md or .json" in r.output
    assert not (tmp_path / "r.txt").exists()


def test_train_takes_its_format_from_the_suffix(tmp_path):
    out = tmp_path / "run.json"
    r = run("train", "--loss", "mse", "--epochs", "2", "-o", str(out))
    assert r.exit_code == 0, r.output
    assert out.read_text("utf-8").startswith("{")


@pytest.mark.parametrize(
    "args",
    [
        ["solve", HELLO, "--format", "json"],
        ["sheet", HELLO, "--format", "html"],
        ["train", "--loss", "mse", "--epochs", "1", "--format", "json"],
    ],
)
def test_a_refused_output_is_one_error_line_without_the_suffix_warning(tmp_path, args):
    # Found by hand: `solve f.yaml -o old.md --format json` on an existing old.md said
    # "warning: writing json to old.md, whose suffix says markdown" and then "error: old.md:
    # exists; pass --force": a warning about a write that never happens, two lines.
    old = tmp_path / "old.md"
    old.write_text("kept\n", encoding="utf-8")
    r = run(*args, "-o", str(old))
    assert r.exit_code == 2, r.output
    assert r.stderr == f"error: {old}: exists; pass --force to overwrite it\n", r.stderr
    assert old.read_text(encoding="utf-8") == "kept\n"
