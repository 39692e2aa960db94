"""The rows' warnings are listed up to a bound, then counted in one line: a 44 MB answers
file of a million rows naming a mistyped problem printed a million warnings (272 MB on
stderr, each listing the known problems) and held them all in memory (755 MB). The count of
rows skipped, the totals and the grades stay those of every row."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from rnnloss_cli.cli import app
from rnnloss_cli.limits import MAX_LISTED_ROW_ISSUES
from rnnloss_cli.teach.grade import grade_class

HINGE = "problems/hinge-sequence.yaml"  # key: loss = (0.2 + 0.5 + 0.7) / 3 = 0.4667


def _answers(tmp_path: Path, bad: int) -> str:
    # row 2: ana's right loss; rows 3 .. bad + 2: a problem that does not exist
    lines = ["student,problem,figure,value", "ana,hinge-sequence,loss,0.4667"]
    lines += [f"s{i},hinge-sequnce,loss,0.5" for i in range(bad)]
    f = tmp_path / "answers.csv"
    f.write_text("\n".join(lines) + "\n")
    return str(f)


def test_row_warnings_past_the_bound_are_counted_in_one_line(tmp_path: Path):
    bad = MAX_LISTED_ROW_ISSUES + 250
    report = grade_class([HINGE], _answers(tmp_path, bad))
    assert len(report.issues) == MAX_LISTED_ROW_ISSUES + 1
    listed, last = report.issues[:-1], report.issues[-1]
    assert all("unknown problem" in i for i in listed)
    assert listed[-1].startswith(f"{tmp_path / 'answers.csv'} row {MAX_LISTED_ROW_ISSUES + 2}:")
    assert "250 more warnings of skipped rows" in last and "MAX_LISTED_ROW_ISSUES" in last
    assert len(report.skipped_rows) == bad  # every skipped row is still counted
    assert report.earned("ana") == 1


def test_grade_prints_a_bounded_number_of_warnings(tmp_path: Path):
    bad = 3 * MAX_LISTED_ROW_ISSUES
    r = CliRunner().invoke(app, ["grade", HINGE, _answers(tmp_path, bad)])
    assert r.exit_code == 0, r.output
    warnings = [line for line in r.output.splitlines() if line.startswith("warning:")]
    assert len(warnings) == MAX_LISTED_ROW_ISSUES + 1
    assert f"{bad:,} rows with answers skipped" in r.output


def test_under_the_bound_every_row_is_listed(tmp_path: Path):
    report = grade_class([HINGE], _answers(tmp_path, 3))
    assert [i.split(" row ")[1].split(":")[0] for i in report.issues] == ["3", "4", "5"]
