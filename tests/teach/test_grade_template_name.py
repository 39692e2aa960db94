"""An answers CSV that names the template (``hinge-sequence``) of per-student variants
(``vary --ids``): each student's row is graded against their own variant.

A class's answers come from a form where everyone answered "hinge-sequence"; before, every
such row was skipped as an "unknown problem" (known: hinge-sequence-s1, ...), and the class
scored 0 with exit 0.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from typer.testing import CliRunner

from rnnloss_cli.cli.app import app
from rnnloss_cli.teach.grade import grade_class

runner = CliRunner()
TEMPLATE = "problems/hinge-sequence.yaml"


def _variants(tmp_path: Path, *args: str) -> Path:
    out = tmp_path / "v"
    res = runner.invoke(app, ["vary", TEMPLATE, "-o", str(out), *args])
    assert res.exit_code == 0, res.output
    return out


def _mean_hinge(path: Path) -> float:
    """The variant's loss by hand: the mean over steps of max(0, 1 - y * yhat)."""
    p = yaml.safe_load(path.read_text(encoding="utf-8"))
    terms = [max(0.0, 1.0 - y * yh) for y, yh in zip(p["y"], p["yhat"], strict=True)]
    return sum(terms) / len(terms)


def _class_of(tmp_path: Path, header: str, rows: tuple[str, ...]) -> tuple[Path, dict[str, float]]:
    """Variants for the roster ``header`` + ``rows`` (vary --ids; the id first in a row), and
    each student's loss by hand."""
    roster = tmp_path / "roster.csv"
    roster.write_text(header + "\n" + "".join(f"{row}\n" for row in rows))
    out = _variants(tmp_path, "--ids", str(roster))
    ids = [row.split(",")[0] for row in rows]
    return out, {s: _mean_hinge(out / f"hinge-sequence-{s}.yaml") for s in ids}


def test_the_template_name_grades_each_student_against_their_own_variant(tmp_path):
    out, right = _class_of(tmp_path, "Student ID,Name", ("s1,Ann", "s2,Bo"))
    answers = tmp_path / "answers.csv"
    # s1 answers their own loss right; s2 answers s1's number (wrong for s2's variant)
    answers.write_text(
        "student,problem,figure,value\n"
        f"s1,hinge-sequence,loss,{right['s1']:.4f}\n"
        f"s2,hinge-sequence,loss,{right['s1']:.4f}\n"
    )
    report = grade_class([str(out)], str(answers))
    assert not report.issues, report.issues
    assert report.earned("s1") == 1 and report.earned("s2") == 0
    (a1,) = report.by_student["s1"]
    assert a1.problem == "hinge-sequence-s1"


def test_numbered_variants_need_the_variant_name(tmp_path):
    out = _variants(tmp_path, "--count", "2")
    answers = tmp_path / "answers.csv"
    answers.write_text("student,problem,figure,value\nann,hinge-sequence,loss,0.5\n")
    report = grade_class([str(out)], str(answers))
    (issue,) = report.issues
    names = sorted(f.stem for f in out.glob("*.yaml"))
    assert len(names) == 2 and all(name in issue for name in names), (names, issue)
    assert "variant" in issue and "unknown problem" not in issue


def test_a_student_with_no_variant_of_their_own_is_told_so(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("Student ID\ns1\n")
    out = _variants(tmp_path, "--ids", str(roster))
    answers = tmp_path / "answers.csv"
    answers.write_text("student,problem,figure,value\nzed,hinge-sequence,loss,0.5\n")
    report = grade_class([str(out)], str(answers))
    (issue,) = report.issues
    assert "made for zed" in issue and "hinge-sequence-s1" in issue, issue


def test_the_template_as_a_file_name_and_an_answer_column(tmp_path):
    """A form's export names the template as its file (hinge-sequence.yaml, or with its
    folder) and heads the answers "answer": both were refused (an unknown problem; "the long
    form's header is student,problem,figure,value")."""
    out, right = _class_of(tmp_path, "id", ("s1", "s2"))
    answers = tmp_path / "answers.csv"
    answers.write_text(
        "student,problem,figure,answer\n"
        f"s1,hinge-sequence.yaml,loss,{right['s1']:.4f}\n"
        f"s2,problems/hinge-sequence.yaml,loss,{right['s2']:.4f}\n"
    )
    report = grade_class([str(out)], str(answers))
    assert not report.issues, report.issues
    assert report.earned("s1") == 1 and report.earned("s2") == 1


def test_another_folders_file_of_a_graded_problems_name_is_unknown(tmp_path):
    """Only a template of variants is found by its file name: elsewhere/hinge-sequence.yaml,
    when the graded hinge-sequence is a problem of its own, stays an unknown problem."""
    answers = tmp_path / "answers.csv"
    answers.write_text("student,problem,figure,value\nann,elsewhere/hinge-sequence.yaml,loss,1\n")
    report = grade_class([TEMPLATE], str(answers))
    assert len(report.issues) == 1 and "unknown problem" in report.issues[0], report.issues


def test_the_template_may_be_written_as_any_problem_name_is(tmp_path):
    """The template named in another case, by its file name or its path, as a problem may
    be (before: each row was skipped as an "unknown problem" and the class scored 0)."""
    out, right = _class_of(tmp_path, "Student ID", ("s1", "s2", "s3", "s4"))
    answers = tmp_path / "answers.csv"
    answers.write_text(
        "student,problem,figure,value\n"
        f"s1,Hinge-Sequence,loss,{right['s1']:.4f}\n"
        f"s2,hinge-sequence.yaml,loss,{right['s2']:.4f}\n"
        f"s3,{TEMPLATE},loss,{right['s3']:.4f}\n"
        f"s4,HINGE-SEQUENCE.YML,loss,{right['s4']:.4f}\n"
    )
    report = grade_class([str(out)], str(answers))
    assert not report.issues, report.issues
    for s in ("s1", "s2", "s3", "s4"):
        assert report.earned(s) == 1, s
        (a,) = report.by_student[s]
        assert a.problem == f"hinge-sequence-{s}"


def test_a_name_that_is_no_template_is_still_unknown(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("Student ID\ns1\n")
    out = _variants(tmp_path, "--ids", str(roster))
    answers = tmp_path / "answers.csv"
    answers.write_text("student,problem,figure,value\ns1,hinge-sequence.txt,loss,0.5\n")
    (issue,) = grade_class([str(out)], str(answers)).issues
    assert "unknown problem 'hinge-sequence.txt'" in issue, issue


def test_the_template_graded_beside_its_variants_is_the_students_own_variant(tmp_path):
    """problems/ and the variants graded together: the template file is among the problems,
    and a row naming it is the student's own variant still (before: every such row was
    skipped, "only s1's own variant of hinge-sequence, hinge-sequence-s1, counts")."""
    roster = tmp_path / "roster.csv"
    roster.write_text("Student ID\ns1\n")
    out = _variants(tmp_path, "--ids", str(roster))
    right = _mean_hinge(out / "hinge-sequence-s1.yaml")
    answers = tmp_path / "answers.csv"
    answers.write_text(f"student,problem,figure,value\ns1,hinge-sequence,loss,{right:.4f}\n")
    report = grade_class([TEMPLATE, str(out)], str(answers))
    assert not report.issues, report.issues
    (a,) = report.by_student["s1"]
    assert a.problem == "hinge-sequence-s1" and report.earned("s1") == 1


def test_a_template_whose_name_holds_of_is_read_back_whole(tmp_path):
    """A template named "loss of x.yaml": its variant's source reads "variant for s1 of loss
    of x.yaml", which was read as the variant of a student "s1 of loss" of a template x.yaml
    (a row naming "loss of x" was an unknown problem, and a phantom student "s1 of loss"
    was listed with 0). The variant's file name, loss of x-s1.yaml, tells the two apart."""
    template = tmp_path / "loss of x.yaml"
    template.write_text(Path(TEMPLATE).read_text(encoding="utf-8"), encoding="utf-8")
    roster = tmp_path / "roster.csv"
    roster.write_text("Student ID\ns1\nann of gables\n")
    out = tmp_path / "v"
    res = runner.invoke(app, ["vary", str(template), "--ids", str(roster), "-o", str(out)])
    assert res.exit_code == 0, res.output
    right = {s: _mean_hinge(out / f"loss of x-{t}.yaml")
             for s, t in (("s1", "s1"), ("ann of gables", "ann_of_gables"))}  # fmt: skip
    answers = tmp_path / "answers.csv"
    answers.write_text(
        "student,problem,figure,value\n"
        + "".join(f"{s},loss of x,loss,{v:.4f}\n" for s, v in right.items())
    )
    report = grade_class([str(out)], str(answers))
    assert not report.issues, report.issues
    assert report.students == ["s1", "ann of gables"]
    assert report.earned("s1") == 1 and report.earned("ann of gables") == 1
