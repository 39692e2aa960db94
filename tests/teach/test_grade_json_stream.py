"""The JSON report of ``grade`` streamed in pieces: byte for byte the document the old
one-string ``report_json`` built (its code is kept below, as it was, as the oracle)."""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from rnnloss_cli.cli import app
from rnnloss_cli.teach import grade as grade_module
from rnnloss_cli.teach.grade import GradeReport, grade_class, summary

# AA in 2 frames needs a blank between the A's (3 frames): p = 0, the loss is infinite.
INFINITE = """\
kind: ctc
title: impossible
method: exact
target: AA
symbols: ["-", A]
emissions:
  - [0.5, 0.5]
  - [0.5, 0.5]
"""
# A class with something in every part of the document: right and wrong answers, a student
# whose rows were all skipped (no answers: "[]"), a non-ASCII id, an infinite given (a
# warning), issues (a bad row), and two problems.
CLASS = """student,problem,figure,value
ana,hinge-sequence,loss,0.467
ana,hinge-sequence,sum,1.4
Zoë,hinge-sequence,loss,1.4
Zoë,inf,loss,1e400
ben,nope,loss,1
日本,hinge-sequence,loss,0.5
"""


# ---- the old implementation (rnnloss_cli/teach/grade.py before streaming), unchanged but
# for json_marks, whose vars() read an Answer before it had slots: its rule is kept here ----
_LINE = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(", ", ": "))


def json_marks(marks: list[Any], prefix: str, warnings: list[str]) -> list[dict[str, Any]]:
    from rnnloss_cli.render.json import finite_or_null

    out = []
    for i, m in enumerate(marks):
        d = {f.name: getattr(m, f.name) for f in dataclasses.fields(m)}  # was vars(m).copy()
        for key in ("given", "expected", "slip_value"):
            value = d.get(key)
            if isinstance(value, float) and not math.isfinite(value):
                d[key] = finite_or_null(value, f"{prefix}[{i}].{key}", warnings)
        out.append(d)
    return out


def _old_student_items(
    report: GradeReport, totals: dict[str, tuple[float, float]], warnings: list[str]
) -> Iterator[str]:
    for i, (s, mine) in enumerate(report.by_student.items()):
        earned, possible = totals[s]
        mine_totals = {"student": s, "earned": earned, "possible": possible}
        mine_totals["percent"] = grade_module._percent(earned, possible)
        head = _LINE.encode(mine_totals)[:-1] + ', "answers": '
        answers = json_marks(mine, f"students[{i}].answers", warnings)
        if not answers:
            yield head + "[]}"
        else:
            yield head + "[\n      " + ",\n      ".join(map(_LINE.encode, answers)) + "\n    ]}"


def _old_items(items: Iterator[str]) -> str:
    joined = ",\n    ".join(items)
    return "[\n    " + joined + "\n  ]" if joined else "[]"


def _old_report_json(report: GradeReport) -> str:
    warnings: list[str] = []
    totals = report.totals()
    students = _old_items(_old_student_items(report, totals, warnings))
    whole = summary(report, totals)
    summary_block = json.dumps(whole, indent=2, ensure_ascii=False, allow_nan=False)
    return (
        "{\n"
        f'  "students": {students},\n'
        f'  "summary": {summary_block.replace(chr(10), chr(10) + "  ")},\n'
        f'  "issues": {_old_items(map(_LINE.encode, report.issues))},\n'
        f'  "warnings": {_old_items(map(_LINE.encode, warnings))}\n'
        "}"
    )


# ---------------------------------------------------------------------------------------


def _class(tmp_path: Path, text: str) -> tuple[list[str], str]:
    inf = tmp_path / "inf.yaml"
    inf.write_text(INFINITE, encoding="utf-8")
    answers = tmp_path / "answers.csv"
    answers.write_text(text, encoding="utf-8")
    return ["problems/hinge-sequence.yaml", str(inf)], str(answers)


def test_the_streamed_pieces_are_the_old_document_byte_for_byte(tmp_path: Path):
    problems, answers = _class(tmp_path, CLASS)
    old = _old_report_json(grade_class(problems, answers))
    pieces = list(grade_module.report_json_pieces(grade_class(problems, answers)))
    assert len(pieces) > 1  # streamed, not one string
    assert "".join(pieces) == old
    data = json.loads(old)  # and the oracle is what this test thinks it is
    assert [s["student"] for s in data["students"]] == ["ana", "Zoë", "ben", "日本"]
    assert data["students"][2]["answers"] == [] and data["issues"] and data["warnings"]


def test_an_empty_class_streams_the_old_document_too(tmp_path: Path):
    problems, answers = _class(tmp_path, "student,problem,figure,value\n")
    old = _old_report_json(grade_class(problems, answers))
    assert "".join(grade_module.report_json_pieces(grade_class(problems, answers))) == old
    assert json.loads(old)["students"] == []


def test_grade_json_file_and_stdout_hold_the_old_document(tmp_path: Path):
    problems, answers = _class(tmp_path, CLASS)
    old = _old_report_json(grade_class(problems, answers))
    out, js = tmp_path / "r.csv", tmp_path / "r.json"
    runner = CliRunner()
    r = runner.invoke(app, ["grade", *problems, answers, "-o", str(out), "--json", str(js)])
    assert r.exit_code == 0, r.output
    assert js.read_text(encoding="utf-8") == old
    r = runner.invoke(app, ["grade", *problems, answers, "-o", str(out), "--force", "--json", "-"])
    assert r.exit_code == 0, r.output
    assert r.stdout == old + "\n"


def test_json_to_an_ascii_standard_output_keeps_every_name_exact(tmp_path: Path, monkeypatch):
    # the ASCII stand-ins of the derivations were applied to the JSON: a student "α" became
    # "a" (another student's id), and "😀" the escape \U0001f600, which JSON does not read
    from tests.cli.streams import run_encoded

    problems, answers = _class(
        tmp_path, "student,problem,figure,value\nα,hinge-sequence,loss,0.467\n😀,inf,loss,1\n"
    )
    out = tmp_path / "r.csv"
    code, stdout, _ = run_encoded(
        ["grade", *problems, answers, "-o", str(out), "--json", "-"], monkeypatch, "ascii"
    )
    assert code == 0
    assert stdout.isascii()
    data = json.loads(stdout)
    assert [s["student"] for s in data["students"]] == ["α", "😀"]
    # the same document, each non-ASCII character as json itself escapes it (ensure_ascii)
    old = _old_report_json(grade_class(problems, answers))
    escaped = "".join(c if c.isascii() else json.dumps(c)[1:-1] for c in old)
    assert stdout == escaped + "\n"
