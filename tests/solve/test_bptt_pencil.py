"""The BPTT derivation read with a pencil (problems/bptt-two-steps.yaml).

Hand numbers: W_xh = 0.5, W_hh = W_hy = 1, biases and h0 = 0, x = (1, 0), y = (0, 0).
h_1 = tanh(0.5) = 0.462117, 1 − h_1² = 0.786448; h_2 = tanh(0.462117) = 0.431808,
1 − h_2² = 0.813542 (math.tanh as the calculator).
"""

from pathlib import Path

import pytest

from rnnloss_cli import solve_file

PROBLEM = Path(__file__).resolve().parents[2] / "problems" / "bptt-two-steps.yaml"


def _table(r, start):
    return next(t for t in r.tables if t.title.startswith(start))


def test_backward_table_runs_from_the_last_step_to_the_first():
    back = _table(solve_file(PROBLEM), "backward pass")
    assert [row[0] for row in back.rows] == [2, 1]


def test_backward_table_shows_the_tanh_factor():
    back = _table(solve_file(PROBLEM), "backward pass")
    j = back.columns.index("1 − h²")
    assert [row[j] for row in back.rows] == pytest.approx([0.813542, 0.786448], abs=1e-6)
    # δ_t = ∂L/∂h_t × (1 − h_t²), row by row
    dh, delta = back.columns.index("∂L/∂h"), back.columns.index("δ")
    for row in back.rows:
        assert row[delta] == pytest.approx(row[dh] * row[j])


def test_gradient_norm_names_what_it_covers():
    r = solve_file(PROBLEM)
    step = next(s for s in r.steps if s.label == "gradient norm")
    assert "h0" in step.text and "W_xh" in step.text


def test_reach_table_defines_the_pre_activation():
    reach = _table(solve_file(PROBLEM), "how far back")
    assert "a_t = x_t W_xh + h_{t−1} W_hh + b_h" in reach.caption
