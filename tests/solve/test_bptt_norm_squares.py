"""BPTT's squared gradient norm squares the gradients as printed, so a student can redo it.

The line read "W_xh² + … = 1.6369 + 0.1054 + … = 11.144" beside "W_xh = … = 1.279": a pencil
gives 1.279² = 1.6358, not 1.6369 (the square of the unrounded 1.279411). It now writes
each entry squared, with the digits its own line prints it with.

Hand arithmetic (problems/bptt-two-steps.yaml's gradients, 1.279411, 0.324678, 1.981999,
0.800021, 1.787851, 1.279411; ‖∇L‖² = 11.143961):
-p 2: 1.28² + 0.32² + 1.98² + 0.8² + 1.79² + 1.28² = 1.6384 + 0.1024 + 3.9204 + 0.64 + 3.2041
      + 1.6384 = 11.1437 -> 11.14;
-p 3: three decimals give 1.279² + 0.325² + 1.982² + 0.8² + 1.788² + 1.279² = 11.1426, not
      11.144, so the gradients print a guard digit: 1.63686 + 0.10543 + 3.92832 + 0.64 +
      3.19659 + 1.63686 = 11.14406 -> 11.144 (and read 1.2794 in their own lines too).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from rnnloss_cli.cli import app
from tests.render.arith import bad_lines

PROBLEM = Path(__file__).resolve().parents[2] / "problems" / "bptt-two-steps.yaml"
runner = CliRunner()


def _markdown(precision: int) -> str:
    done = runner.invoke(app, ["solve", str(PROBLEM), "-f", "markdown", "-p", str(precision)])
    assert done.exit_code == 0, done.output
    return done.output


@pytest.mark.parametrize(
    ("precision", "squares", "gradient_line"),
    [
        (
            2,
            "= 1.28² + 0.32² + 1.98² + 0.8² + 1.79² + 1.28² = 11.14",
            "W_xh = Σ_t x_tᵀ δ_t = 1 × 1.28 + 0 × 0.7026 = 1.28",
        ),
        (
            3,
            "= 1.2794² + 0.3247² + 1.982² + 0.8² + 1.7879² + 1.2794² = 11.144",
            "W_xh = Σ_t x_tᵀ δ_t = 1 × 1.2794 + 0 × 0.70259 = 1.2794",
        ),
    ],
)
def test_the_squares_are_of_the_printed_gradients(precision, squares, gradient_line):
    out = _markdown(precision)
    line = next(x for x in out.splitlines() if x.startswith("- squared gradient norm"))
    assert line.endswith(squares), line
    assert gradient_line in out


@pytest.mark.parametrize("precision", [2, 3, 4, 5, 6])
def test_every_line_is_redone_from_its_printed_numbers(precision):
    # the pencil audit (tests/solve/pencil.py) now reads the squares: 1.279² is 1.279^2
    assert bad_lines(_markdown(precision), precision) == []
