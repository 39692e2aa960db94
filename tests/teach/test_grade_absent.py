"""A class's report lists every student a variant was made for (``vary --ids``), the ones
who handed in nothing too, with 0; and a blank value in the long form is not answered.

An instructor pastes the report into the gradebook: a student missing from it was missed
(their variant exists, so they are on the roster), and the class mean left them out.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from typer.testing import CliRunner

from rnnloss_cli.cli.app import app
from rnnloss_cli.teach.grade import grade_class, report_csv, summary
from rnnloss_cli.teach.vary import make_variants


def _class(tmp_path: Path) -> str:
    """Variants of hinge-sequence for s1, s2, s3 (2 points each: loss 1 + sum 1)."""
    out = tmp_path / "week"
    out.mkdir()
    for v, text in zip(
        ["s1", "s2", "s3"],
        [
            v.text
            for v in make_variants("problems/hinge-sequence.yaml", seed=5, ids=["s1", "s2", "s3"])
        ],
        strict=True,
    ):
        (out / f"hinge-sequence-{v}.yaml").write_text(text)
    return str(out)


def test_a_student_with_a_variant_and_no_answer_is_listed_with_0(tmp_path: Path):
    week = _class(tmp_path)
    answers = tmp_path / "answers.csv"
    # s2's key: the loss is computed here from the variant's own givens, by the formula
    # mean_i max(0, 1 - y_i * yhat_i), not read from the file's key
    import yaml

    data = yaml.safe_load((Path(week) / "hinge-sequence-s2.yaml").read_text())
    terms = [max(0.0, 1 - y * p) for y, p in zip(data["y"], data["yhat"], strict=True)]
    answers.write_text(
        f"student,problem,figure,value\ns2,hinge-sequence-s2,loss,{sum(terms) / 3}\n"
    )
    report = grade_class([week], str(answers))
    assert report.students == ["s2", "s1", "s3"]  # who answered, then the roster's others
    rows = list(csv.DictReader(io.StringIO(report_csv(report))))
    assert [(r["student"], r["earned"], r["possible"]) for r in rows] == [
        ("s2", "1", "2"),
        ("s1", "0", "2"),
        ("s3", "0", "2"),
    ]
    s = summary(report)
    # the summary is the rows': 3 students, mean (50 + 0 + 0) / 3
    assert s["students"] == 3 and abs(s["mean_percent"] - 50 / 3) < 1e-12


def test_a_blank_value_in_the_long_form_is_not_answered_not_a_bad_row(tmp_path: Path):
    answers = tmp_path / "answers.csv"
    # hinge-sequence: y = [1, -1, 1], yhat = [0.8, -0.5, 0.3] -> terms 0.2, 0.5, 0.7,
    # sum 1.4 (right); the loss left blank, as a wide form's empty cell
    answers.write_text(
        "student,problem,figure,value\nana,hinge-sequence,loss,\nana,hinge-sequence,sum,1.4\n"
    )
    r = CliRunner().invoke(app, ["grade", "problems/hinge-sequence.yaml", str(answers)])
    assert r.exit_code == 0
    assert "warning" not in r.stderr
    assert "1 answer graded, 0 rows with answers skipped" in r.stderr
    assert r.stdout.splitlines()[1].startswith("ana,1,2,50.0,")


def test_an_absent_students_json_totals_are_numbers_of_one_type(tmp_path: Path):
    """``grade --json``: an absent student's "earned" was the integer 0 (sum() of nothing)
    beside everyone else's floats."""
    import json

    week = _class(tmp_path)
    answers = tmp_path / "answers.csv"
    answers.write_text("student,problem,figure,value\ns1,hinge-sequence-s1,loss,0.5\n")
    report = tmp_path / "report.json"
    done = CliRunner().invoke(
        app, ["grade", week, str(answers), "-o", str(tmp_path / "g.csv"), "--json", str(report)]
    )
    assert done.exit_code == 0, done.output
    students = json.loads(report.read_text(encoding="utf-8"))["students"]
    assert {s["student"] for s in students} == {"s1", "s2", "s3"}
    for s in students:
        assert type(s["earned"]) is float and type(s["possible"]) is float, s
