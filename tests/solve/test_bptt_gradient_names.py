"""BPTT names a gradient ∂L/∂W_xh, never by its parameter's own name.

problems/bptt-two-steps.yaml gives W_xh = 0.5; its derivation printed "W_xh = Σ_t x_tᵀ δ_t =
1 × 1.2794 + 0 × 0.70259 = 1.2794" and a gradient table row "W_xh = Σ_t x_tᵀ δ_t | 1.2794",
so a student read W_xh = 1.2794 beside the given W_xh = 0.5; the squared norm read
"W_xh² + W_hh² + …", the squares of the gradients, not of the parameters.

By hand (the problem's comment): δ_1 = 1.279411, δ_2 = 0.702588, x = (1, 0), h_0 = 0,
h_1 = 0.462117, so ∂L/∂W_xh = 1 × 1.279411 + 0 × 0.702588 = 1.279411 (1.2794 at -p 3, its
operands with a guard digit, 0.70259) and ∂L/∂h0 = δ_1 W_hh = 1.279411 × 1 = 1.279411.
"""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from rnnloss_cli.cli import app

PROBLEM = Path(__file__).parents[2] / "problems" / "bptt-two-steps.yaml"
runner = CliRunner()


def _markdown() -> list[str]:
    done = runner.invoke(app, ["solve", str(PROBLEM), "-f", "markdown"])
    assert done.exit_code == 0, done.output
    return done.output.splitlines()


def test_a_gradient_line_names_the_gradient():
    lines = _markdown()
    line = next(x for x in lines if "Σ_t x_tᵀ δ_t = 1 ×" in x)
    assert line == (
        "- gradient of W_xh, summed over the steps: "
        "∂L/∂W_xh = Σ_t x_tᵀ δ_t = 1 × 1.2794 + 0 × 0.70259 = 1.2794"
    )
    line = next(x for x in lines if "δ_1 W_hhᵀ =" in x)
    assert (
        line
        == "- gradient of h0, from the first step's δ: ∂L/∂h0 = δ_1 W_hhᵀ = 1.2794 × 1 = 1.2794"
    )


def test_no_line_or_row_says_a_parameter_equals_its_gradient():
    for line in _markdown():
        for name in ("W_xh", "W_hh", "b_h", "W_hy", "b_y", "h0"):
            # "W_xh = Σ…" only as part of "∂L/∂W_xh = Σ…"
            assert f" {name} = Σ" not in line and f"| {name} = " not in line, line
            assert f"= {name}² +" not in line, line


def test_the_squared_norm_names_the_squared_gradients():
    line = next(x for x in _markdown() if x.startswith("- squared gradient norm"))
    assert line.startswith(
        "- squared gradient norm: ‖∇L‖² = (∂L/∂W_xh)² + (∂L/∂W_hh)² + (∂L/∂b_h)² + "
        "(∂L/∂W_hy)² + (∂L/∂b_y)² + (∂L/∂h0)² = "
    ), line


def test_the_reach_table_says_what_dw_hh_is():
    out = "\n".join(_markdown())
    assert "dW_hh = ∂L/∂W_hh" in out
