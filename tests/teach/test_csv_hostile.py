"""Hostile CSV inputs of ``grade`` and ``vary --ids``: a CSV's own words in the one-line
error, and a report whose student cells a spreadsheet shows as they were handed in."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rnnloss_cli.cli import app

PROBLEM = "problems/hinge-sequence.yaml"


def _run(*args: str):
    return CliRunner().invoke(app, list(args))


def _one_line_error(r) -> str:
    assert r.exit_code == 2, r.output
    lines = r.output.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in r.output, r.output
    return lines[0]


@pytest.mark.parametrize("command", ["grade", "vary"])
def test_a_folder_given_as_the_csv_asks_for_a_csv(command, tmp_path: Path):
    # It said "is a folder; give a problem file (.yaml)" for the answers or the roster.
    if command == "grade":
        r = _run("grade", PROBLEM, str(tmp_path))
    else:
        r = _run("vary", PROBLEM, "--ids", str(tmp_path), "-o", str(tmp_path / "out"))
    line = _one_line_error(r)
    assert str(tmp_path) in line and "CSV" in line and ".yaml" not in line, line


@pytest.mark.parametrize("command", ["grade", "vary"])
def test_a_csv_over_the_size_limit_is_not_called_a_problem_file(command, tmp_path, monkeypatch):
    import rnnloss_cli.limits as limits

    monkeypatch.setattr(limits, "MAX_FILE_BYTES", 4096)  # the problem file fits
    big = tmp_path / "big.csv"
    big.write_text("student,problem,figure,value\n" + "s1,hinge-sequence,loss,0.467\n" * 200)
    if command == "grade":
        r = _run("grade", PROBLEM, str(big))
    else:
        r = _run("vary", PROBLEM, "--ids", str(big), "-o", str(tmp_path / "out"))
    line = _one_line_error(r)
    assert "big.csv" in line and "MAX_FILE_BYTES" in line, line
    assert "problem files" not in line and "CSV" in line, line


def test_a_student_id_opening_with_a_quote_stays_apart_from_a_formula_one(tmp_path: Path):
    # A spreadsheet hides a cell's leading apostrophe: "=x" was written '=x and "'=x" as
    # '=x too, so two students read as one, "=x". Now "'=x" is written ''=x (shows '=x).
    answers = tmp_path / "a.csv"
    answers.write_text(
        "student,problem,figure,value\n"
        "=x,hinge-sequence,loss,0.467\n"
        "'=x,hinge-sequence,loss,0.467\n"
        "'plain,hinge-sequence,loss,0.467\n"
    )
    out = tmp_path / "report.csv"
    r = _run("grade", PROBLEM, str(answers), "-o", str(out))
    assert r.exit_code == 0, r.output
    cells = [row[0] for row in csv.reader(io.StringIO(out.read_text()))][1:]
    assert cells == ["'=x", "''=x", "''plain"], cells
    # as a spreadsheet shows them (its leading quote hidden): each as handed in, none a formula
    assert [c[1:] for c in cells] == ["=x", "'=x", "'plain"]


def test_a_decimal_comma_is_refused_with_the_dotted_form(tmp_path: Path):
    # "1,5" (a spreadsheet's decimal comma) said only "is not a number (e.g. 1.4, inf)"
    answers = tmp_path / "a.csv"
    answers.write_text('student,problem,figure,value\nana,hinge-sequence,loss,"0,467"\n')
    r = _run("grade", PROBLEM, str(answers))
    assert r.exit_code == 0, r.output
    assert "row 2" in r.output and "decimal point as a dot (0.467)" in r.output, r.output
    line = _one_line_error(_run("mark", PROBLEM, "--answer", "loss=1,4"))
    assert "decimal point as a dot (1.4)" in line, line


def test_a_student_id_with_a_line_break_keeps_its_warning_on_one_line(tmp_path: Path):
    # A quoted cell may hold a line break: "'e\nvil' already answered" was two lines on
    # stderr, the second looking like a message of its own.
    from rnnloss_cli.teach.grade import grade_class

    answers = tmp_path / "a.csv"
    answers.write_text(
        'student,problem,figure,value\n"e\nvil",hinge-sequence,loss,0.4\n'
        '"e\nvil",hinge-sequence,loss,0.4\n',
        newline="",
    )
    report = grade_class([PROBLEM], str(answers))
    assert len(report.issues) == 1, report.issues
    (issue,) = report.issues
    assert "\n" not in issue and "'e\\nvil' already answered" in issue, issue
