"""Answers repeated across a class (the right value, or the same slip's value) are marked once
per problem, figure and text, and every answer still carries what marking it alone gives."""

from __future__ import annotations

from pathlib import Path

import rnnloss_cli.teach.mark as mark_module
from rnnloss_cli.teach.grade import grade_class

# hinge-sequence: loss (mean) 0.467, sum 1.4; 1.4 for the loss is the sum-for-mean slip.
ANSWERS = "student,problem,figure,value\n" + "".join(
    f"s{i},hinge-sequence,loss,{v}\ns{i},hinge-sequence,sum,1.4\n"
    for i, v in enumerate(["0.467", "1.4", "0.467", "1.4", "9", "0.4670"])
)


def test_a_repeated_answer_is_marked_once(tmp_path: Path, monkeypatch):
    f = tmp_path / "a.csv"
    f.write_text(ANSWERS, encoding="utf-8")
    calls = []
    real = mark_module.mark_ctx

    def counted(ctx, answers):
        calls.append(dict(answers))
        return real(ctx, answers)

    monkeypatch.setattr(mark_module, "mark_ctx", counted)
    report = grade_class(["problems/hinge-sequence.yaml"], str(f))
    # loss: 0.467, 1.4, 9, 0.4670 (four texts); sum: 1.4 -> 5 markings for 12 answers
    assert len(report.answers) == 12
    assert len(calls) == 5, calls


def test_each_answer_is_what_marking_it_alone_gives(tmp_path: Path):
    f = tmp_path / "a.csv"
    f.write_text(ANSWERS, encoding="utf-8")
    report = grade_class(["problems/hinge-sequence.yaml"], str(f))
    ctx = report.problems["hinge-sequence"].ctx
    for a in report.answers:
        (m,) = mark_module.mark_ctx(ctx, {a.figure: a.given}).marks  # fresh, one answer
        assert (a.given, a.expected, a.right, a.slip, a.says, a.correct_step) == (
            m.given,
            m.expected,
            m.right,
            m.slip,
            m.says,
            m.correct_step,
        )
    assert [a.slip for a in report.answers if a.figure == "loss"].count("sum_for_mean") == 2
