"""A wide answers file with a column that is no figure of any problem (the students' names, a
comment, a typo such as 'los') is warned about once, at its header, as the long form's extra
columns are: it was a warning on every row ("figure column 'name' is not in the key"), 300
lines for a class of 300, and every row counted as one "with answers skipped"."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from rnnloss_cli.cli import app
from rnnloss_cli.teach.grade import grade_class

HINGE = "problems/hinge-sequence.yaml"  # figures loss (key 0.4667) and sum (1.4), 1 point each
HELLO = "problems/hello.yaml"  # figures listed (3.673) and valid_only (4.136)


def _write(tmp_path: Path, text: str) -> str:
    f = tmp_path / "answers.csv"
    f.write_text(text)
    return str(f)


def test_a_column_of_no_problem_is_one_warning_at_the_header(tmp_path: Path):
    rows = "".join(f"s{i},hinge-sequence,Student {i},0.4667\n" for i in range(5))
    report = grade_class([HINGE], _write(tmp_path, "student,problem,name,loss\n" + rows))
    assert len(report.issues) == 1, report.issues
    assert "row 1" in report.issues[0] and "'name'" in report.issues[0]
    assert "ignored" in report.issues[0]
    assert not report.skipped_rows
    # every loss is right (0.4667 against 1.4 / 3 = 0.46667): 1 of the 2 points each
    assert {s: report.earned(s) for s in report.students} == {f"s{i}": 1 for i in range(5)}


def test_a_column_of_another_problem_is_still_reported_on_its_row(tmp_path: Path):
    # 'listed' is HELLO's: a hinge row that answers it answers what its problem does not ask
    text = "student,problem,loss,listed\nana,hinge-sequence,0.4667,3.673\nben,hello,,3.673\n"
    report = grade_class([HINGE, HELLO], _write(tmp_path, text))
    assert len(report.issues) == 1 and "row 2" in report.issues[0], report.issues
    assert {s: report.earned(s) for s in report.students} == {"ana": 1, "ben": 1}


def test_grade_prints_one_warning_for_the_column(tmp_path: Path):
    rows = "".join(f"s{i},hinge-sequence,x,0.4667,1.4\n" for i in range(30))
    answers = _write(tmp_path, "student,problem,comment,loss,sum\n" + rows)
    r = CliRunner().invoke(app, ["grade", HINGE, answers])
    assert r.exit_code == 0, r.output
    warnings = [line for line in r.output.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and "'comment'" in warnings[0], warnings
    assert "0 rows with answers skipped" in r.output


def test_blank_trailing_columns_of_a_spreadsheet_are_passed_over(tmp_path: Path):
    # "student,problem,loss,," as a spreadsheet saves a sheet whose other rows ran wider: it
    # was refused as a header naming figure '' twice
    text = "student,problem,loss,,\nana,hinge-sequence,0.4667,,\nben,hinge-sequence,1.4,,\n"
    report = grade_class([HINGE], _write(tmp_path, text))
    assert report.issues == []
    assert {s: report.earned(s) for s in report.students} == {"ana": 1, "ben": 0}


def test_a_value_under_a_blank_header_is_still_reported_on_its_row(tmp_path: Path):
    text = "student,problem,loss,\nana,hinge-sequence,0.4667,1.4\n"
    report = grade_class([HINGE], _write(tmp_path, text))
    assert len(report.issues) == 1 and "row 2" in report.issues[0], report.issues
    assert report.earned("ana") == 1


def test_blank_trailing_columns_of_the_long_form_are_not_warned_about(tmp_path: Path):
    # "student,problem,figure,value,," warned "column(s) '', '' ignored"
    text = "student,problem,figure,value,,\nana,hinge-sequence,loss,0.4667,,\n"
    report = grade_class([HINGE], _write(tmp_path, text))
    assert report.issues == []
    assert report.earned("ana") == 1
