"""BPTT whose outputs pass the float64 range: an infinite loss is reported with its reason,
and the gradient tables (every cell inf or NaN, printed as such) are left out, said so."""

from __future__ import annotations

import math

from rnnloss_cli import solve_problem

# o_1 = h_1 W_hy with h_1 = tanh(0.5) = 0.462 and W_hy = (1e300, -1e300): (o - y)^2 of about
# (4.6e299 - 1e300)^2 = 2.9e599 > 1.8e308, so L_1 = inf (and L_2)
BIG = {
    "kind": "bptt",
    "loss": "squared_error",
    "x": [[0.5], [0.0]],
    "targets": [[1e300, 1], [1, 0]],
    "W_xh": [[1.0]],
    "W_hh": [[0.5]],
    "b_h": [0.0],
    "W_hy": [[1e300, -1e300]],
    "b_y": [0.0, 0.0],
    "h0": [0.0],
}


def test_an_infinite_loss_leaves_the_gradient_tables_out_with_the_reason():
    r = solve_problem(BIG)
    assert r.loss == math.inf
    assert r.figures == {"loss": math.inf}
    assert any("loss of step 1" in w and "float64 range" in w for w in r.warnings)
    assert any("gradients and their reach back in time are not shown" in n for n in r.notes)
    titles = [t.title for t in r.tables]
    assert not any("gradient" in t or "backward" in t or "how far back" in t for t in titles)
    for t in r.tables:  # no NaN cell left to print
        for row in t.rows:
            assert not any(isinstance(c, float) and math.isnan(c) for c in row), (t.title, row)


def test_a_finite_problem_keeps_its_gradient_tables():
    small = {**BIG, "targets": [[1, 1], [1, 0]], "W_hy": [[1.0, -1.0]]}
    r = solve_problem(small)
    assert math.isfinite(r.loss) and "grad_norm" in r.figures
    assert any("gradient" in t.title for t in r.tables)
