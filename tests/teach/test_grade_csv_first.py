"""grade reads the answers CSV before it solves a problem: a missing file, a folder, or a
header it cannot read is said at once. Found by timing: with one 64 MiB problem file, "no
such file" for a misspelt CSV came after 14 s of loading and solving the problems."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

import rnnloss_cli.teach.grade as grade
from rnnloss_cli.cli.app import app
from rnnloss_cli.errors import ProblemError


@pytest.fixture
def no_problem_loading(monkeypatch):
    def refuse(paths):
        raise AssertionError("loaded the problems first")

    monkeypatch.setattr(grade, "_load_problems", refuse)


@pytest.mark.parametrize(
    "name, text, message",
    [
        ("missing.csv", None, "no such file"),
        ("bad.csv", "a,b\n", "expected a header 'student,problem,figure,value'"),
        ("empty.csv", "\n\n", "empty; expected a header"),
        ("commas.csv", ",,,\n , ,\n", "only empty cells; expected a header"),
        # the open quote took the rest of the file as one cell, graded as a student of 0
        ("open.csv", 'student,problem,figure,value\ns1,p,loss,1\n"s2,p,loss,1\n', "row 3: a quote"),
    ],
)
def test_a_bad_answers_csv_is_said_before_any_problem_is_solved(
    tmp_path: Path, no_problem_loading, name, text, message
):
    csv_path = tmp_path / name
    if text is not None:
        csv_path.write_text(text)
    with pytest.raises(ProblemError, match=message):
        grade.grade_class(["problems/hello.yaml"], str(csv_path))


def test_the_cli_says_so_in_one_line(tmp_path: Path, no_problem_loading):
    r = CliRunner().invoke(app, ["grade", "problems/", str(tmp_path / "answers.csv")])
    assert r.exit_code == 2, r.output
    assert r.output.strip().splitlines() == [f"error: {tmp_path / 'answers.csv'}: no such file"]


def test_a_good_csv_still_grades(tmp_path: Path):
    answers = tmp_path / "answers.csv"
    # hinge-sequence's handout key: loss 0.467 (mean of 0.2, 0.5, 0.7), sum 1.4
    answers.write_text("student,problem,figure,value\ns1,hinge-sequence,loss,0.467\n")
    report = grade.grade_class(["problems/hinge-sequence.yaml"], str(answers))
    assert report.students == ["s1"]


def test_the_problems_are_parsed_once_when_the_report_goes_to_stdout(tmp_path, monkeypatch):
    # input_files parses every problem to find the files custom terms name (for the check
    # that -o and --json are not inputs); grading parses them too: 14 s instead of 7 s for
    # a 64 MiB problem file
    import rnnloss_cli.problem as problem

    def listing(paths, loaded=None):
        raise AssertionError("parsed the problems for an output check")

    monkeypatch.setattr(problem, "input_files", listing)
    answers = tmp_path / "answers.csv"
    answers.write_text("student,problem,figure,value\ns1,hinge-sequence,loss,0.467\n")
    r = CliRunner().invoke(app, ["grade", "problems/hinge-sequence.yaml", str(answers)])
    assert r.exit_code == 0, r.output
    out = tmp_path / "report.csv"
    r = CliRunner().invoke(app, ["grade", "problems/hinge-sequence.yaml", str(answers), "-o", out])
    assert "parsed the problems for an output check" in repr(r.exception), r.output


def test_a_quote_inside_an_unquoted_cell_is_text(tmp_path: Path):
    answers = tmp_path / "answers.csv"
    answers.write_text('student,problem,figure,value\nO"Brien,hinge-sequence,loss,0.467\n')
    report = grade.grade_class(["problems/hinge-sequence.yaml"], str(answers))
    assert report.students == ['O"Brien'] and report.issues == []
