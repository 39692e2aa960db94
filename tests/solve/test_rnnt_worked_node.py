"""RNN-T: one lattice node is worked from the printed cells, as CTC works one trellis cell,
so a student sees the recursion with numbers before the final blank.

Hand arithmetic (rnnt-ab-two-frames.yaml's moves): α(0, 1) = α(0, 0) · y(0, 0, a) = .6,
α(1, 0) = α(0, 0) · y(0, 0, ∅) = .2; α(1, 1) = α(0, 1) · y(0, 1, ∅) + α(1, 0) · y(1, 0, a)
= .6 × .3 + .2 × .8 = .18 + .16 = .34.
"""

from __future__ import annotations

from pathlib import Path

from rnnloss_cli import solve_file, solve_problem
from rnnloss_cli.render.text import step_text

PROBLEMS = Path(__file__).resolve().parents[2] / "problems"


def test_node_one_one_is_worked_from_the_printed_cells():
    r = solve_file(PROBLEMS / "rnnt-ab-two-frames.yaml")
    (step,) = [s for s in r.steps if s.label == "worked node α(1, 1)"]
    assert step_text(step, 3).endswith("= 0.6 × 0.3 + 0.2 × 0.8 = 0.34"), step_text(step, 3)
    # laid out after the α table (not a lead step) and before p(y|x)
    labels = [s.label for s in r.steps]
    assert not step.lead and labels.index(step.label) < labels.index(
        "p(y|x): the final blank out of the last node"
    )


def test_no_worked_node_without_a_second_frame():
    # T = 1: node (1, 1) does not exist
    r = solve_problem(
        {"kind": "rnnt", "symbols": ["-", "a"], "target": "a", "probs": [[[0.5, 0.5], [0.9, 0.1]]]}
    )
    assert not any(s.label == "worked node α(1, 1)" for s in r.steps)
