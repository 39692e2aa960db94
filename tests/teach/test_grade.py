"""Grading a class: totals by hand, bad rows reported by number and skipped."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

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


# ------------------------------------------------------------------ reading the CSV
def test_carriage_return_line_endings(tmp_path):
    # Old spreadsheets end rows with a lone CR: still two rows, ana right on loss (1 point).
    f = tmp_path / "cr.csv"
    f.write_bytes(b"student,problem,figure,value\rana,hinge-sequence,loss,0.4667\r")
    report = grade_class(PROBLEMS[:1], str(f))
    assert (report.earned("ana"), report.issues) == (1, [])


@pytest.mark.parametrize(
    "text",
    [
        "student,problem,figure,value\nana,hinge-sequence,loss," + "1" * 200_000 + "\n",
        'student,problem,figure,value\nana,hinge-sequence,loss,"0.4\n' + "x\n" * 100_000,
    ],
    ids=["long field", "unclosed quote"],
)
def test_a_field_over_the_limit_is_refused_by_name(tmp_path, text):
    with pytest.raises(ProblemError, match="MAX_CSV_FIELD_CHARS") as err:
        grade_class(PROBLEMS[:1], write(tmp_path, text))
    assert err.value.line == 2 and "row 2" in err.value.message


def test_rows_are_streamed_and_stop_at_the_limit(tmp_path, monkeypatch):
    import tracemalloc

    import rnnloss_cli.teach.grade as grade_module

    monkeypatch.setattr(grade_module, "MAX_GRADE_ROWS", 1000)

    def peak(blank_rows: int) -> int:
        path = write(tmp_path, "student,problem,figure,value\n" + "\n" * blank_rows)
        tracemalloc.start()
        try:
            with pytest.raises(ProblemError, match="MAX_GRADE_ROWS"):
                grade_class(PROBLEMS[:1], path)
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    # 2 million more blank rows are 2 MB more text (twice: bytes read, then str); held as a
    # list of rows they would take over 100 MB more.
    assert peak(3_000_000) - peak(1_000_000) < 16 * 2**20


@pytest.mark.parametrize(
    "header",
    ["Student,Problem,Figure,Value", " STUDENT , problem ,figure, VALUE "],
)
def test_the_header_is_matched_in_any_case(tmp_path, header):
    report = grade_class(
        PROBLEMS[:1], write(tmp_path, f"{header}\nana,hinge-sequence,loss,0.467\n")
    )
    assert (report.earned("ana"), report.issues) == (1, [])


def test_an_extra_column_of_the_long_form_is_ignored_with_a_warning(tmp_path):
    text = "student,problem,figure,value,comment\nana,hinge-sequence,loss,0.467,fine\n"
    report = grade_class(PROBLEMS[:1], write(tmp_path, text))
    assert report.earned("ana") == 1
    assert len(report.issues) == 1 and "'comment'" in report.issues[0]
    assert "ignored" in report.issues[0]


def test_skipped_rows_counts_rows_not_warnings(tmp_path):
    text = (
        "student,problem,loss,sum\n"
        "ana,hinge-sequence,x,y\n"  # two bad cells: one row
        "ben,hinge-sequence,0.467\n"  # too few cells: one row
    )
    report = grade_class(PROBLEMS[:1], write(tmp_path, text))
    assert len(report.issues) == 3
    assert summary(report)["skipped_rows"] == 2


def test_a_student_whose_rows_are_all_malformed_is_kept_with_zero(tmp_path):
    text = (
        "student,problem,figure,value\n"
        "ana,hinge-sequence,loss,0.467\n"
        "ben,hinge-sequence,loss\n"  # too few cells
        "ben,hinge-sequence,loss,0.467,x\n"  # too many
    )
    report = grade_class(PROBLEMS[:1], write(tmp_path, text))
    assert report.students == ["ana", "ben"]
    assert (report.earned("ben"), report.possible("ben")) == (0, 2)


# "" is not answered, as an empty wide cell (tests/teach/test_grade_absent.py)
@pytest.mark.parametrize("value", ["0_4667", "0,4667", "nan", "٠٫٤٦٦٧"])
def test_what_is_not_a_number(tmp_path, value):
    text = f'student,problem,figure,value\nana,hinge-sequence,loss,"{value}"\n'
    report = grade_class(PROBLEMS[:1], write(tmp_path, text))
    assert report.earned("ana") == 0 and report.answers == []
    assert len(report.issues) == 1 and "not a number" in report.issues[0]


# ------------------------------------------------------------------ problems and variants
HINGE_VARIANT = """\
source: variant {tag} of hinge-sequence.yaml, seed 1; key computed by rnnloss
kind: hinge
title: Hinge loss for a 3-step sequence
y: [1, -1, 1]
yhat: {yhat}
reduction: mean
answer: {{loss: {loss}, sum: {sum}}}
"""
# Variant A: the handout's numbers: terms 0.2, 0.5, 0.7 -> sum 1.4, mean 0.4667.
# Variant B: yhat 0.5, -0.5, 0.5 -> every term 1 - 0.5 = 0.5 -> sum 1.5, mean 0.5.
VARIANT_A = {"yhat": "[0.8, -0.5, 0.3]", "loss": 0.4667, "sum": 1.4}
VARIANT_B = {"yhat": "[0.5, -0.5, 0.5]", "loss": 0.5, "sum": 1.5}


def _two_variants(tmp_path, name: str, tags: tuple[str, str], stems: tuple[str, str]):
    """A folder holding variant A and variant B of the hinge template, as vary names them."""
    folder = tmp_path / name
    folder.mkdir()
    for tag, stem, numbers in zip(tags, stems, (VARIANT_A, VARIANT_B), strict=True):
        (folder / f"{stem}.yaml").write_text(HINGE_VARIANT.format(tag=tag, **numbers))
    return folder


def test_another_students_variant_never_counts(tmp_path):
    folder = _two_variants(tmp_path, "week", ("for s1", "for s2"), ("hs-s1", "hs-s2"))
    text = (
        "student,problem,figure,value\n"
        "s1,hs-s1,loss,0.5\n"  # own variant, wrong (A's mean is 0.4667): 0
        "s1,hs-s2,loss,0.5\n"  # s2's variant, right there but not s1's: not counted
        "s1,hs-s2,sum,1.5\n"  # idem
        "s2,hs-s2,loss,0.5\n"  # own, right: 1
    )
    report = grade_class([str(folder)], write(tmp_path, text))
    # Each student's possible: their own variant's loss + sum = 2.
    assert {s: (report.earned(s), report.possible(s)) for s in report.students} == {
        "s1": (0, 2),
        "s2": (1, 2),
    }
    rows = sorted(int(i.split("row ")[1].split(":")[0]) for i in report.issues)
    assert rows == [3, 4] and "s2" in report.issues[0]
    rows = list(csv.DictReader(io.StringIO(report_csv(report))))
    assert [r["percent"] for r in rows] == ["0.0", "50.0"]


def test_one_numbered_variant_counts_the_first_one_answered(tmp_path):
    folder = _two_variants(tmp_path, "wk", ("1", "2"), ("hs-1", "hs-2"))
    text = (
        "student,problem,figure,value\n"
        "s1,hs-1,loss,0.4667\n"  # first variant answered: counts, right: 1
        "s1,hs-2,loss,0.5\n"  # a second variant of the same template: not counted
        "s1,hs-1,sum,1.4\n"  # right: 1
        "s2,hs-2,sum,1.5\n"  # s2 answered variant 2 first: right: 1
        "s2,hs-1,loss,0.4667\n"  # not counted
    )
    report = grade_class([str(folder)], write(tmp_path, text))
    # One variant, loss + sum: 2 points possible; never more than 100%.
    assert {s: (report.earned(s), report.possible(s)) for s in report.students} == {
        "s1": (2, 2),
        "s2": (1, 2),
    }
    rows = sorted(int(i.split("row ")[1].split(":")[0]) for i in report.issues)
    assert rows == [3, 6]


def test_two_problem_files_with_one_name_are_refused(tmp_path):
    for sub in ("a", "b"):
        (tmp_path / sub).mkdir()
        (tmp_path / sub / "q.yaml").write_text(Path("problems/hinge-sequence.yaml").read_text())
    with pytest.raises(ProblemError) as err:
        grade_class([str(tmp_path)], write(tmp_path, "student,problem,figure,value\n"))
    message = str(err.value)
    assert str(tmp_path / "a" / "q.yaml") in message and str(tmp_path / "b" / "q.yaml") in message


# A CTC target AA needs a blank between its copies: 3 frames; with 2 the loss is infinite.
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


def test_an_infinite_answer_is_graded_as_mark_grades_it(tmp_path):
    p = tmp_path / "inf.yaml"
    p.write_text(INFINITE)
    text = "student,problem,figure,value\nana,inf,loss,inf\nben,inf,loss,1e400\ncy,inf,loss,3\n"
    report = grade_class([str(p)], write(tmp_path, text))
    assert report.issues == []
    assert {s: report.earned(s) for s in report.students} == {"ana": 1, "ben": 1, "cy": 0}


def test_an_answer_float64_reads_as_0_is_a_row_issue_as_in_mark(tmp_path):
    p = tmp_path / "inf.yaml"
    p.write_text(INFINITE)
    text = "student,problem,figure,value\nana,inf,loss,1e-400\nben,inf,loss,inf\n"
    report = grade_class([str(p)], write(tmp_path, text))
    assert len(report.issues) == 1
    assert "value '1e-400'" in str(report.issues[0]) and "it would be read as 0" in str(
        report.issues[0]
    )
    assert report.earned("ben") == 1


def test_the_json_report_is_standard_json(tmp_path):
    p = tmp_path / "inf.yaml"
    p.write_text(INFINITE)
    text = "student,problem,figure,value\nana,inf,loss,3\nben,inf,loss,1e400\n"
    report = grade_class([str(p)], write(tmp_path, text))

    def refuse(token):
        raise AssertionError(f"not standard JSON: {token}")

    data = json.loads(report_json(report), parse_constant=refuse)
    answers = [a for s in data["students"] for a in s["answers"]]
    assert [(a["given"], a["expected"]) for a in answers] == [(3, None), (None, None)]
    assert any("JSON has no infinity" in w for w in data["warnings"])


def test_reporting_work_grows_linearly_with_the_class(tmp_path):
    import sys

    import rnnloss_cli.teach.grade as grade_module

    def lines_run(n: int) -> int:
        """Lines of grade.py executed (its comprehensions included) to grade and report a
        class of n: a count of work, the same on every machine and under any load."""
        rows = "".join(f"s{i},hinge-sequence,loss,0.4667\n" for i in range(n))
        path = tmp_path / f"n{n}.csv"
        path.write_text("student,problem,figure,value\n" + rows)
        count = 0

        def local(frame, event, arg):
            nonlocal count
            count += event == "line"
            return local

        def tracer(frame, event, arg):
            return local if frame.f_code.co_filename == grade_module.__file__ else None

        previous = sys.gettrace()
        sys.settrace(tracer)
        try:
            report = grade_class(PROBLEMS[:1], str(path))
            report_csv(report)
            report_json(report)
            summary(report)
        finally:
            sys.settrace(previous)
        return count

    # 4x the students: about 4x the lines when linear, 16x when a student's answers are
    # found by scanning every answer (as earned() once did). Work done in C (a membership
    # test in a list) is not counted: this guards the Python loops.
    assert lines_run(2000) / lines_run(500) < 6


@pytest.mark.parametrize(
    "header", ["student,problem,value", "student,problem,value,figure", "student,figure,value"]
)
def test_a_long_header_with_a_column_missing_is_refused(tmp_path, header):
    with pytest.raises(ProblemError, match="header") as err:
        grade_class(PROBLEMS[:1], write(tmp_path, f"{header}\nana,hinge-sequence,0.467\n"))
    assert err.value.line == 1


def test_the_distribution_bars_fit_the_terminal(tmp_path):
    from rnnloss_cli.teach.grade import BAR_WIDTH, summary_text

    rows = "".join(f"s{i},hinge-sequence,loss,0.4667\n" for i in range(200))
    rows += "".join(f"t{i},hinge-sequence,loss,9\n" for i in range(50))
    text = "student,problem,figure,value\n" + rows
    lines = summary_text(grade_class(PROBLEMS[:1], write(tmp_path, text))).splitlines()
    # Everyone has 1 of 2 points (50%) or 0 of 2 (0%): bars of 200 and 50 students, scaled
    # to BAR_WIDTH and BAR_WIDTH * 50 / 200.
    bars = {ln.split()[0]: ln.count("#") for ln in lines if ln.startswith("  ") and "%" in ln}
    assert bars["50-60%"] == BAR_WIDTH and bars["0-10%"] == BAR_WIDTH // 4


def test_a_row_of_too_many_cells_is_refused_by_name(tmp_path):
    from rnnloss_cli.limits import MAX_CSV_COLUMNS

    text = "student,problem,loss\nana,hinge-sequence" + "," * MAX_CSV_COLUMNS + "\n"
    with pytest.raises(ProblemError, match="MAX_CSV_COLUMNS") as err:
        grade_class(PROBLEMS[:1], write(tmp_path, text))
    assert err.value.line == 2


# ------------------------------------------------------------------ hostile answers
#: Cells a spreadsheet opening the report would run as formulas (OWASP's list: = + - @, a
#: tab or a carriage return first; names are read stripped, so the last two never lead).
FORMULAS = ["=cmd|' /C calc'!A0", "+SUM(A1:A9)", "-2+3", "@SUM(1)"]


def test_the_csv_report_never_starts_a_cell_with_a_formula(tmp_path):
    rows = "".join(f'"{name}",=evil,loss,1.4\n' for name in FORMULAS)
    p = tmp_path / "=evil.yaml"  # a problem name reaches the slips column
    p.write_text(Path("problems/hinge-sequence.yaml").read_text())
    rows += "ana,=evil,loss,1.4\n"
    report = grade_class([str(p)], write(tmp_path, "student,problem,figure,value\n" + rows))
    assert report.issues == []
    table = list(csv.reader(io.StringIO(report_csv(report), newline="")))
    cells = [c for row in table[1:] for c in row]
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    # the text is kept, behind an apostrophe (what a spreadsheet shows as text)
    assert [row[0] for row in table[1:]] == ["'" + n for n in FORMULAS] + ["ana"]
    assert table[-1][5] == (
        "'=evil/loss: sum_for_mean (it is the sum of the terms; the problem asks for the mean)"
    )


def test_a_wide_header_naming_a_figure_twice_is_refused(tmp_path):
    # loss twice (or Loss and loss): the second cell of every row was skipped as "already
    # answered", one warning a row, whatever it held.
    for header in ("student,problem,loss,loss", "student,problem,Loss,sum,loss"):
        text = f"{header}\nana,hinge-sequence,0.467,1.4,0.467\n"
        with pytest.raises(ProblemError, match="twice") as err:
            grade_class(PROBLEMS[:1], write(tmp_path, text))
        assert err.value.line == 1


def test_a_class_without_answers_still_reports_the_points_of_the_problems(tmp_path):
    # Header only: hinge-sequence's key has loss and sum, 1 point each -> 2 points; the
    # summary said "of 0 points".
    report = grade_class(PROBLEMS[:1], write(tmp_path, "student,problem,figure,value\n"))
    assert summary(report)["possible"] == 2


def test_the_distribution_bars_fit_a_narrow_terminal(tmp_path):
    from rnnloss_cli.teach.grade import summary_text

    rows = "".join(f"s{i},hinge-sequence,loss,0.4667\n" for i in range(200))
    text = "student,problem,figure,value\n" + rows
    report = grade_class(PROBLEMS[:1], write(tmp_path, text))
    # COLUMNS=40: the bar of 200 students was BAR_WIDTH = 50 marks, a line of 66 characters
    lines = summary_text(report, width=40).splitlines()
    bars = [ln for ln in lines if ln.startswith("  ") and "%" in ln]
    assert max(map(len, bars)) <= 40
    assert max(ln.count("#") for ln in bars) >= 10  # still a bar


def test_an_empty_class_has_no_mean(tmp_path):
    # A header-only answers CSV grades nobody: the mean of no scores is undefined, not 0.0%,
    # and a distribution of zero students says nothing.
    from rnnloss_cli.teach.grade import summary_text

    report = grade_class(PROBLEMS[:1], write(tmp_path, "student,problem,figure,value\n"))
    assert summary(report)["mean_percent"] is None
    lines = summary_text(report).splitlines()
    assert lines[0].startswith("0 students: no answer graded")
    assert "0.0%" not in "\n".join(lines) and "score distribution:" not in lines


# 0 x inf = NaN (IEEE): a weight 0 on an infinite term (-ln 0) makes the total NaN
NAN_TOTAL = """kind: custom
terms:
  - {name: inf, weight: 0, problem: {kind: nll, y: [0], yhat: [[0.0, 1.0]]}}
  - {name: fin, weight: 1, problem: {kind: mse, y: [1], yhat: [0.5]}}
"""


def test_a_nan_figure_is_not_graded_and_not_possible(tmp_path):
    """It was a point nobody could earn: every answer 'wrong, expected nan'."""
    p = tmp_path / "n.yaml"
    p.write_text(NAN_TOTAL)
    report = grade_class(
        [str(p)], write(tmp_path, "student,problem,figure,value\ns1,n,loss,0.25\n")
    )
    assert report.issues[0] == f"{p}: loss is NaN; not graded (no answer can be right)"
    assert "figure 'loss' is not graded for n (graded: none)" in report.issues[1]
    assert report.possible("s1") == 0


def test_a_problem_without_key_says_what_it_grades(tmp_path):
    p = tmp_path / "k.yaml"
    p.write_text("kind: hinge\ny: [1, -1, 1]\nyhat: [0.8, -0.5, 0.3]\n")
    report = grade_class([str(p)], write(tmp_path, "student,problem,figure,value\ns1,k,sum,1.4\n"))
    assert "figure 'sum' is not graded for k (graded: loss)" in report.issues[0]
