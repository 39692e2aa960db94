"""Grading against a file whose answer key disagrees with the computed value: the students
are graded against the computed value (as mark does), and the run names the file and exits 1
after writing its reports, as ``solve`` and ``sheet --solutions`` do. It exited 0 in silence."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from rnnloss_cli.cli import app
from rnnloss_cli.teach.grade import grade_class

# MSE of one pair: (1 − 0.5)² = 0.25; the key says 0.3 (a typo).
_WRONG_KEY = "kind: mse\ny: [1]\nyhat: [0.5]\nanswer: {loss: 0.3}\n"
_ANSWERS = "student,problem,figure,value\nana,typo,loss,0.25\nben,typo,loss,0.3\n"


def _files(tmp_path: Path) -> tuple[str, str]:
    f, answers = tmp_path / "typo.yaml", tmp_path / "answers.csv"
    f.write_text(_WRONG_KEY)
    answers.write_text(_ANSWERS)
    return str(f), str(answers)


def test_the_report_names_a_file_whose_key_disagrees(tmp_path: Path):
    problem, answers = _files(tmp_path)
    report = grade_class([problem, "problems/hinge-sequence.yaml"], answers)
    assert report.disagree == [problem]
    assert (report.earned("ana"), report.earned("ben")) == (1, 0)


def test_grade_writes_the_report_and_exits_1_naming_the_file(tmp_path: Path):
    problem, answers = _files(tmp_path)
    out = tmp_path / "report.csv"
    r = CliRunner().invoke(app, ["grade", problem, answers, "-o", str(out)])
    assert r.exit_code == 1, r.output
    assert f"answer key disagrees: {problem}" in r.output and "Traceback" not in r.output
    assert "ana,1,1,100.0,0," in out.read_text()
