"""The grade summary's first line counts with the right noun: 1 student, 2 students."""

from __future__ import annotations

from pathlib import Path

from rnnloss_cli.teach.grade import grade_class, summary_text


def test_one_student_one_answer_is_singular(tmp_path: Path):
    # It said "1 students, 1 answers graded, 1 rows with answers skipped".
    answers = tmp_path / "a.csv"
    answers.write_text(
        "student,problem,figure,value\n"
        "ana,hinge-sequence,loss,0.467\n"
        "ana,hinge-sequence,nosuch,1\n"  # skipped: not in the key
    )
    first = summary_text(grade_class(["problems/hinge-sequence.yaml"], str(answers))).split("\n")[0]
    # loss 0.467 right (1 point) of loss and sum (2 points): 50%
    assert first == (
        "1 student, 1 answer graded, 1 row with answers skipped; mean 50.0% of 2 points"
    ), first
