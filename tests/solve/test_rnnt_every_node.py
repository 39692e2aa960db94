"""RNN-T read with a pencil: every node of a small α lattice is worked from the printed cells
(the table gave α(0, 2) = 0.36 and α(1, 2) = 0.35, the node p(y|x) starts from, with no
line to redo them), and the empty label sequence reads ε (∅ is the blank), not "(empty)".

Hand arithmetic, problems/rnnt-ab-two-frames.yaml's moves y(t, u, ·) (blank; label):
(0,0): .2; a .6   (0,1): .3; b .6   (0,2): .5   (1,0): .1; a .8   (1,1): .4; b .5   (1,2): .7
α(0,1) = 1 × .6 = .6; α(0,2) = .6 × .6 = .36; α(1,0) = 1 × .2 = .2;
α(1,1) = .6 × .3 + .2 × .8 = .18 + .16 = .34; α(1,2) = .36 × .5 + .34 × .5 = .18 + .17 = .35;
p(y|x) = .35 × .7 = .245.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from rnnloss_cli import solve_file, solve_problem
from rnnloss_cli.cli import app
from rnnloss_cli.render.text import step_text

PROBLEMS = Path(__file__).resolve().parents[2] / "problems"


@pytest.mark.parametrize(
    ("node", "line"),
    [
        ("α(0, 1)", "α(0, 1) = α(0, 0) · y(0, 0, y_1) = 1 × 0.6 = 0.6"),
        ("α(0, 2)", "α(0, 2) = α(0, 1) · y(0, 1, y_2) = 0.6 × 0.6 = 0.36"),
        ("α(1, 0)", "α(1, 0) = α(0, 0) · y(0, 0, ∅) = 1 × 0.2 = 0.2"),
        (
            "α(1, 2)",
            "α(1, 2) = α(0, 2) · y(0, 2, ∅) + α(1, 1) · y(1, 1, y_2) = 0.36 × 0.5 + 0.34 × 0.5"
            " = 0.35",
        ),
    ],
)
def test_every_node_of_a_small_lattice_is_worked(node, line):
    r = solve_file(PROBLEMS / "rnnt-ab-two-frames.yaml")
    step = next((s for s in r.steps if s.label == f"worked node {node}"), None)
    assert step is not None, [s.label for s in r.steps]
    assert step_text(step, 3) == line


EMPTY = {"kind": "rnnt", "symbols": ["-", "a"], "target": "", "probs": [[[0.5, 0.5]]] * 2}


def test_the_empty_target_reads_epsilon_in_the_givens_and_the_table():
    r = solve_problem(EMPTY)
    givens = step_text(next(s for s in r.steps if s.label == "givens"), 3)
    assert givens.startswith("target y = ε, the empty sequence, (U = 0)"), givens
    nodes = next(t for t in r.tables if t.title.startswith("given: the moves"))
    assert [row[2] for row in nodes.rows] == ["ε", "ε"]
    assert "ε: none yet" in nodes.caption


@pytest.mark.parametrize("fmt", ["rich", "markdown", "json"])
def test_no_format_says_empty_in_brackets(fmt, tmp_path):
    path = tmp_path / "e.yaml"
    path.write_text(
        "kind: rnnt\nsymbols: ['-', a]\ntarget: ''\nprobs: [[[0.5, 0.5]], [[0.5, 0.5]]]\n"
    )
    done = CliRunner().invoke(app, ["solve", str(path), "-f", fmt])
    assert done.exit_code == 0, done.output
    assert "(empty)" not in done.output and "ε" in done.output


@pytest.mark.parametrize(
    ("top_row", "probability"),
    [
        # every node blank 0.5, a 0.5, b 0 (b on no path): 0.5^3 + 0.5^3 = 0.25
        ([0.5, 0.5, 0.0], 0.25),
        # the top row (u = U) a 0: a at (0,0), blank, blank: 0.5 x 1 x 1; blank, a at (1,0),
        # blank: 0.5 x 0.5 x 1; 0.5 + 0.25 = 0.75
        ([1.0, 0.0, 0.0], 0.75),
    ],
)
def test_a_given_probability_0_is_a_move_no_path_takes(top_row, probability):
    """It was refused: "give a small positive value" (clipping by hand)."""
    import math

    node = [0.5, 0.5, 0.0]
    r = solve_problem(
        {
            "kind": "rnnt",
            "symbols": ["-", "a", "b"],
            "target": "a",
            "probs": [[node, top_row], [node, top_row]],
        }
    )
    assert r.loss == pytest.approx(-math.log(probability), rel=1e-12)
    assert r.warnings == []


def test_every_path_through_a_probability_0_is_an_infinite_loss_with_its_reason():
    # label a has probability 0 at every node: no path emits the target
    node = [1.0, 0.0]
    r = solve_problem(
        {"kind": "rnnt", "symbols": ["-", "a"], "target": "a", "probs": [[node, node]] * 2}
    )
    assert r.loss == float("inf")
    assert any("given probability is 0" in w for w in r.warnings), r.warnings
