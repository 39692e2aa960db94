"""Grading a class: totals by hand, bad rows reported by number and skipped."""

from __future__ import annotations

import csv
import io
import json

import pytest

from rnnloss_cli.errors import ProblemError
from rnnloss_cli.teach.grade import grade_class, report_csv, report_json, summary

PROBLEMS = ["problems/hinge-sequence.yaml", "problems/hello-variants.yaml"]
# Points: hinge-sequence loss 1 + sum 1; hello-variants exact 2 (from its key) -> 4 in all.
# Right answers: hinge loss 0.467, sum 1.4; hello-variants exact 2.120 (hand-worked key).
LONG = """student,problem,figure,value
ana,hinge-sequence,loss,0.467
ana,hinge-sequence,sum,1.4
ana,hello-variants,exact,2.120
ben,hinge-sequence,loss,1.4
ben,hinge-sequence,sum,oops
ben,hello-variants,exact,0.12
cy,nope,loss,1
cy,hinge-sequence
cy,hinge-sequence,loss,0.4667
cy,hinge-sequence,loss,0.5
,hinge-sequence,loss,0.467
dee,hinge-sequence,mean,0.467
"""
# ana: 1 + 1 + 2 = 4 of 4.
# ben: loss 1.4 wrong (sum for mean), sum skipped (row 6), exact 0.12 wrong (the probability
#      itself, -ln 0.12 = 2.120) -> 0 of 4.
# cy:  row 8 unknown problem, row 9 too few cells, row 10 right (1), row 11 second answer to
#      the same figure -> skipped -> 1 of 4.
# row 12: no student. dee: row 13 'mean' is not a graded figure (the key has loss, sum) -> 0.


def write(tmp_path, text: str) -> str:
    f = tmp_path / "answers.csv"
    f.write_text(text)
    return str(f)


def test_long_form_totals_and_bad_rows(tmp_path):
    report = grade_class(PROBLEMS, write(tmp_path, LONG))
    assert report.possible("ana") == 4
    totals = {s: report.earned(s) for s in report.students}
    assert totals == {"ana": 4, "ben": 0, "cy": 1, "dee": 0}
    rows = sorted(int(i.split("row ")[1].split(":")[0]) for i in report.issues)
    assert rows == [6, 8, 9, 11, 12, 13]
    assert all(i.endswith("skipped") for i in report.issues)
    slips = {(a.student, a.figure): a.slip for a in report.answers if not a.right}
    assert slips == {("ben", "loss"): "sum_for_mean", ("ben", "exact"): "probability_for_log"}


def test_wide_form(tmp_path):
    text = (
        "student,problem,loss,sum\n"
        "ana,hinge-sequence,0.467,1.4\n"
        "ben,hinge-sequence,1.4,\n"  # loss wrong, sum unanswered
        "cy,hinge-sequence,0.467,x\n"  # sum not a number: reported, loss still graded
    )
    report = grade_class(PROBLEMS[:1], write(tmp_path, text))
    assert {s: report.earned(s) for s in report.students} == {"ana": 2, "ben": 0, "cy": 1}
    assert len(report.issues) == 1 and "row 4" in report.issues[0]


def test_reports(tmp_path):
    report = grade_class(PROBLEMS, write(tmp_path, LONG))
    rows = list(csv.DictReader(io.StringIO(report_csv(report))))
    assert [r["student"] for r in rows] == ["ana", "ben", "cy", "dee"]
    assert rows[0]["percent"] == "100.0" and rows[2]["percent"] == "25.0"
    assert "sum_for_mean" in rows[1]["slips"]
    data = json.loads(report_json(report))
    assert data["summary"]["distribution"]["90-100%"] == 1
    assert data["summary"]["distribution"]["0-10%"] == 2
    assert data["summary"]["distribution"]["20-30%"] == 1
    assert summary(report)["slips"]["hinge-sequence"] == [("sum_for_mean", 1)]


def test_a_bad_header_is_refused(tmp_path):
    with pytest.raises(ProblemError, match="header"):
        grade_class(PROBLEMS, write(tmp_path, "name,score\nana,1\n"))


def test_each_student_is_graded_on_their_own_variant(tmp_path):
    import yaml

    from rnnloss_cli.teach.vary import make_variants

    folder = tmp_path / "week"
    folder.mkdir()
    for v in make_variants("problems/hello-variants.yaml", seed=1, ids=["s1", "s2", "s3"]):
        (folder / f"hv-{v.ident}.yaml").write_text(v.text)
    key = {
        s: yaml.safe_load((folder / f"hv-{s}.yaml").read_text())["answer"]["exact"]["value"]
        for s in ("s1", "s2")
    }
    text = (
        "student,problem,figure,value\n"
        f"s1,hv-s1,exact,{key['s1']}\n"  # right: 2 points of 2
        f"s2,hv-s2,exact,{key['s2'] + 1}\n"  # wrong: 0 of 2
        "s3,hinge-sequence,loss,0.467\n"  # hinge 1 of 2, own variant unanswered 0 of 2
    )
    report = grade_class([str(folder), "problems/hinge-sequence.yaml"], write(tmp_path, text))
    # Everyone: hinge-sequence (2 points) + one variant (2 points) = 4, not 2 + 3 x 2 = 8.
    assert {s: (report.earned(s), report.possible(s)) for s in report.students} == {
        "s1": (2, 4),
        "s2": (0, 4),
        "s3": (1, 4),
    }
    assert summary(report)["slips"] == {"hello-variants": [("unexplained", 1)]}


def test_a_byte_order_mark_does_not_break_the_header(tmp_path):
    f = tmp_path / "bom.csv"
    f.write_bytes(
        "student,problem,figure,value\nana,hinge-sequence,loss,0.467\n".encode("utf-8-sig")
    )
    assert grade_class(PROBLEMS[:1], str(f)).earned("ana") == 1
