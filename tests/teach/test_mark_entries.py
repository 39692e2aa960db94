"""mark and grade take an array key's entries (BPTT's gradients) as figures, named as the
Moodle bank asks them (dL/dW_hh[0,1]) or as the key and ``check`` name them
(grads.W_hh[0][1]). Values from problems/bptt-two-steps.yaml's hand arithmetic (its comments):
dL/dW_hh = h0 δ1 + h1 δ2 = 0 + 0.462117 · 0.702588 = 0.324678, dL/db_h = δ1 + δ2 = 1.981999."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from rnnloss_cli.cli import app
from rnnloss_cli.teach.grade import grade_class
from rnnloss_cli.teach.mark import mark_answers

BPTT = "problems/bptt-two-steps.yaml"


@pytest.mark.parametrize(
    "name", ["dL/dW_hh[0,0]", "grads.W_hh[0][0]", "grads.W_hh[0, 0]", "DL/DW_HH[0][0]"]
)
def test_mark_takes_a_gradient_entry(name: str):
    # It said "no figure named ...; it gives: loss, grad_norm" (exit 2).
    report = mark_answers(BPTT, {name: 0.3247, "dL/db_h[0]": 1.5})
    right, wrong = report.marks
    assert (right.figure, right.right) == ("grads.W_hh[0][0]", True)
    assert (wrong.figure, wrong.right) == ("grads.b_h[0]", False)
    assert abs(wrong.expected - 1.981999) <= 5e-4


def test_an_entry_outside_the_array_is_one_line_naming_the_entries():
    r = CliRunner().invoke(app, ["mark", BPTT, "--answer", "dL/dW_hh[1,0]=0.3"])
    assert r.exit_code == 2, r.output
    line = r.output.strip()
    assert "\n" not in line and "dL/dW_hh[1,0]" in line and "grads.W_xh[0][0]" in line, line


def test_grade_counts_each_entry_as_a_figure(tmp_path: Path):
    answers = tmp_path / "a.csv"
    answers.write_text(
        "student,problem,figure,value\n"
        "ana,bptt-two-steps,loss,0.4\n"  # L = 0.400011
        'ana,bptt-two-steps,"dL/dW_hh[0,0]",0.3247\n'
        "ana,bptt-two-steps,grads.b_h[0],1.5\n"
    )
    report = grade_class([BPTT], str(answers))
    assert report.issues == []
    # loss and the six 1 x 1 gradients of the key, 1 point each
    assert (report.earned("ana"), report.possible("ana")) == (2, 7)
    wide = tmp_path / "w.csv"
    wide.write_text("Student,Problem,LOSS,dL/dW_hh[0][0]\nben,bptt-two-steps,0.4,0.3247\n")
    report = grade_class([BPTT], str(wide))
    assert report.issues == [] and report.earned("ben") == 2
