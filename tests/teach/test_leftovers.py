"""grade: a fast, line-per-answer JSON report; problem names matched in any case."""

from __future__ import annotations

import json
import sys

import pytest

from rnnloss_cli.teach.grade import grade_class, report_json

HINGE = "problems/hinge-sequence.yaml"  # key: loss 0.467 (1 point), sum 1.4 (1 point)


def _write(tmp_path, text: str, name: str = "answers.csv") -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


# ------------------------------------------------------------------ the JSON report's layout
def test_the_json_report_has_one_student_head_and_one_answer_a_line(tmp_path):
    text = (
        "student,problem,figure,value\n"
        "ana,hinge-sequence,loss,0.467\n"  # right: 1 point
        "ana,hinge-sequence,sum,1.4\n"  # right: 1 point
        "ben,hinge-sequence,loss,1.4\n"  # the sum given for the mean: 0
    )
    out = report_json(grade_class([HINGE], _write(tmp_path, text)))
    data = json.loads(out)
    # ana 2 of 2 = 100%, ben 0 of 2 = 0%
    assert [(s["student"], s["earned"], s["possible"], s["percent"]) for s in data["students"]] == [
        ("ana", 2, 2, 100),
        ("ben", 0, 2, 0),
    ]
    lines = out.splitlines()
    heads = [ln for ln in lines if ln.lstrip().startswith('{"student": ')]
    assert len(heads) == 2, out[:2000]
    for row in (2, 3, 4):  # every answer on a line of its own, a JSON object by itself
        mine = [ln for ln in lines if f'"row": {row},' in ln]
        assert len(mine) == 1, out[:2000]
        assert json.loads(mine[0].strip().rstrip(","))["row"] == row
    assert len(lines) < 60, "one line per answer and per student, not one per field"
    assert data["summary"]["students"] == 2 and data["issues"] == [] and data["warnings"] == []


def test_a_student_without_graded_answers_has_an_empty_list(tmp_path):
    text = "student,problem,figure,value\nana,hinge-sequence,mean,1\n"  # mean: not in the key
    data = json.loads(report_json(grade_class([HINGE], _write(tmp_path, text))))
    assert data["students"] == [
        {"student": "ana", "earned": 0, "possible": 2, "percent": 0, "answers": []}
    ]
    assert len(data["issues"]) == 1 and "row 2" in data["issues"][0]


def test_an_infinite_value_in_the_line_layout_is_still_null_with_a_warning(tmp_path):
    text = "student,problem,figure,value\nana,hinge-sequence,loss,1e400\n"

    def refuse(token):
        raise AssertionError(f"not standard JSON: {token}")

    data = json.loads(
        report_json(grade_class([HINGE], _write(tmp_path, text))), parse_constant=refuse
    )
    assert data["students"][0]["answers"][0]["given"] is None
    assert len(data["warnings"]) == 1 and "students[0].answers[0].given" in data["warnings"][0]


def test_the_json_report_costs_a_few_python_calls_a_student(tmp_path):
    # Python-level calls per student, counted (load-independent, unlike a stopwatch): the
    # indented encoding (the pure-Python encoder, a generator call per value) and
    # dataclasses.asdict (a deep copy per field) made about 1,300 calls a student of two
    # answers, 25 s for a class of 100,000; a line a student through the C encoder about 60.
    def calls(n: int) -> int:
        rows = "".join(
            f"s{i},hinge-sequence,loss,0.467\ns{i},hinge-sequence,sum,0.467\n" for i in range(n)
        )
        path = _write(tmp_path, "student,problem,figure,value\n" + rows, f"n{n}.csv")
        report = grade_class([HINGE], path)
        count = 0

        def profile(frame, event, arg):
            nonlocal count
            count += event in ("call", "c_call")

        sys.setprofile(profile)
        try:
            report_json(report)
        finally:
            sys.setprofile(None)
        return count

    per_student = (calls(400) - calls(200)) / 200
    assert per_student < 150, per_student


# ------------------------------------------------------------------ problem names in any case
def test_a_problem_name_in_another_case_is_graded(tmp_path):
    text = (
        "student,problem,figure,value\n"
        "ana,HINGE-SEQUENCE,loss,0.467\n"  # right: 1 point
        "ben,Hinge-Sequence.YAML,sum,1.4\n"  # right: 1 point
    )
    report = grade_class([HINGE], _write(tmp_path, text))
    assert report.issues == []
    assert {s: report.earned(s) for s in report.students} == {"ana": 1, "ben": 1}


def _two_cased(tmp_path):
    """a/Hello.yaml (key 0.125) and b/HELLO.yaml (key 0.5): names that differ only by case."""
    for folder, stem, yhat in (("a", "Hello", 1.5), ("b", "HELLO", 2.0)):
        (tmp_path / folder).mkdir()
        # mse of [1] vs [yhat]: (1 - 1.5)^2 = 0.25, (1 - 2)^2 = 1
        (tmp_path / folder / f"{stem}.yaml").write_text(
            f"kind: mse\ny: [1]\nyhat: [{yhat}]\nanswer: {(1 - yhat) ** 2}\n"
        )
    return [str(tmp_path / "a"), str(tmp_path / "b")]


def test_names_that_differ_only_by_case_are_matched_exactly_and_said_so(tmp_path):
    text = (
        "student,problem,figure,value\n"
        "ana,Hello,loss,0.25\n"  # exact: a/Hello.yaml, right
        "ben,HELLO,loss,1\n"  # exact: b/HELLO.yaml, right
        "cy,hello,loss,0.25\n"  # either one: refused, naming both
    )
    report = grade_class(_two_cased(tmp_path), _write(tmp_path, text))
    assert {s: report.earned(s) for s in report.students} == {"ana": 1, "ben": 1, "cy": 0}
    clash = [i for i in report.issues if "only by case" in i]
    assert len(clash) == 2, report.issues  # once for the problems, once for row 4
    assert "Hello" in clash[0] and "HELLO" in clash[0]
    row = [i for i in report.issues if "row 4" in i]
    assert len(row) == 1 and "'Hello'" in row[0] and "'HELLO'" in row[0], report.issues


def test_mark_reads_a_figure_name_in_any_case():
    from rnnloss_cli.teach.mark import mark_answers

    # hinge-sequence: loss 0.467 (mean of 0.2, 0.5, 0.7), sum 1.4
    report = mark_answers(HINGE, {"LOSS": 0.467, "Sum": 1.4})
    assert [(m.figure, m.right) for m in report.marks] == [("loss", True), ("sum", True)]


def test_mark_refuses_one_figure_given_twice_in_two_cases():
    from rnnloss_cli.errors import ProblemError
    from rnnloss_cli.teach.mark import mark_answers

    with pytest.raises(ProblemError, match="twice"):
        mark_answers(HINGE, {"loss": 0.467, "LOSS": 0.5})
