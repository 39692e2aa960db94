"""The invalid-alignment warning does not restate the sum a derivation line prints: the line
prints it at ``--precision`` with the derivation's digits, the warning (plain text, built
before any renderer) could only print it with digits of its own, and the two would disagree.

Hand arithmetic (a calculator, not the engine):

deep.yaml: P(D) = 0.8, P(E) = 0.7, P(P) = 0.9, P(-) = 0.3; the valid alignments are
D-E-E-P = 0.8·0.3·0.7·0.3·0.7·0.3·0.9 = 0.0095256 and DE-E-P = 0.8·0.7·0.3·0.7·0.3·0.9 =
0.031752, so the valid-only sum is 0.0412776: 0.0413 at 3 significant digits (the step),
0.04128 at 4 (what the warning used to say).

hello.yaml (the handout): alignment 1's factors as given, 0.6·0.2·0.5·0.7·0.7·0.8·0.5·0.7·0.8:
0.12, 0.06, 0.042, 0.0294, 0.02352, 0.01176, 0.008232, 0.0065856 — 0.0066 at ``-p 2``, the
0.006586 the mismatch warning printed at 4 digits of its own beside it. Its symbols frame by
frame (H - E L - L - O… as the file's probs give them), 0.6·0.2·0.5·0.2·0.7·0.2·0.7·0.2·0.8:
0.12, 0.06, 0.012, 0.0084, 0.00168, 0.001176, 0.0002352, 0.00018816 — the warning printed it
at 4 digits of its own (0.0001882); it has its line "alignment 1 by its symbols" now, which the
warning names (tests/solve/test_prose_boxes.py checks its digits).
"""

from __future__ import annotations

import re

from typer.testing import CliRunner

import rnnloss_cli
from rnnloss_cli.cli.app import app
from rnnloss_cli.problem import load_problem
from rnnloss_cli.solve import solve

runner = CliRunner()


def _solve(*args: str) -> str:
    done = runner.invoke(app, ["solve", *args, "-f", "markdown"])
    assert done.exit_code == 0, done.output
    return done.output


def test_an_invalid_alignment_warning_names_the_line_instead_of_its_sum():
    out = _solve("problems/deep.yaml")
    assert "0.009526 + 0.03175 = 0.0413" in out  # the valid-only line
    assert "0.04128" not in out
    (warning,) = [w for w in solve(load_problem("problems/deep.yaml")).warnings if "EE" in w]
    assert re.findall(r"\d+\.\d+", warning) == []  # no sum, no loss: the line gives them
    assert '"valid alignments only"' in warning and "valid_only" in warning


def test_a_mismatch_warning_names_the_line_of_the_given_product_instead_of_restating_it():
    out = _solve("problems/hello.yaml", "-p", "2")
    assert "0.5 × 0.7 × 0.8 = 0.0066" in out  # the line "alignment 1: H-E-L-L-O"
    assert "0.006586" not in out
    (warning,) = [
        w for w in solve(load_problem("problems/hello.yaml")).warnings if "H-E-L-L-O:" in w
    ]
    assert 'multiplied out on the line "alignment 1: H-E-L-L-O"' in warning
    assert 'multiplied out on the line "alignment 1 by its symbols"' in warning
    assert "0.006586" not in warning and "0.0066" not in warning and "0.0001882" not in warning


def test_a_mismatch_warning_keeps_the_product_of_an_alignment_whose_line_is_left_out():
    # 20 alignments: the lines show 1-8 and 13-20 (STEP_MAX_TERMS = 16); alignment 10, A-,
    # has factors 0.3 × 0.5 = 0.15 where P(A) × P(-) = 0.5 × 0.5 = 0.25, and no line among
    # the alignment lines, so it gets one after them, which its warning names
    listed = [{"path": "A-", "factors": [0.5, 0.5]} for _ in range(20)]
    listed[9] = {"path": "A-", "factors": [0.3, 0.5]}
    r = rnnloss_cli.solve_problem(
        {"kind": "ctc", "title": "t", "target": "A", "probs": {"A": 0.5, "-": 0.5},
         "alignments": listed}
    )  # fmt: skip
    assert "alignment 10: A-" not in [s.label for s in r.steps]
    (warning,) = [w for w in r.warnings if w.startswith("alignment 10,")]
    assert 'multiplied out on the line "alignment 10: A- (given)"' in warning
    assert "= 0.15" not in warning
