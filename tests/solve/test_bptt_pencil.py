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


def test_loss_line_adds_the_step_losses_it_names():
    # L_1 = 0.462117² = 0.213552 (prints 0.214), L_2 = 0.431808² = 0.186458 (0.186):
    # L = 0.214 + 0.186 = 0.4; the line showed only "L = Σ_t L_t = 0.4"
    from rnnloss_cli.render.text import step_text

    r = solve_file(PROBLEM)
    step = next(s for s in r.steps if s.label == "loss")
    assert step_text(step, 3) == "L = Σ_t L_t = 0.214 + 0.186 = 0.4"


def test_mean_loss_line_divides_the_written_sum_by_t(tmp_path):
    # reduction mean: L = (0.213552 + 0.186458) / 2 = 0.200005 (prints 0.2)
    from rnnloss_cli.render.text import step_text

    text = PROBLEM.read_text().replace("reduction: sum", "reduction: mean")
    text = text.split("\nanswer:")[0] + "\n"
    f = tmp_path / "mean.yaml"
    f.write_text(text)
    step = next(s for s in solve_file(f).steps if s.label == "loss")
    assert step_text(step, 3) == "L = (1/T) Σ_t L_t = (0.214 + 0.186) / 2 = 0.2"


def test_cross_entropy_names_how_its_classes_are_numbered(tmp_path):
    # targets c_t are class indices from 0, but the columns are o[1], softmax[1], …: with
    # c_1 = 0, L_1 = −ln softmax[1] = −ln(e^0.462 / (e^0.462 + e^−0.462)) = −ln 0.716 = 0.334,
    # which a student can only find when the givens say c_t = 0 is column [1]
    text = PROBLEM.read_text().split("\nanswer:")[0] + "\n"
    text = text.replace("loss: squared_error", "loss: cross_entropy")
    text = text.replace("targets: [[0.0], [0.0]]", "targets: [0, 1]")
    text = text.replace("W_hy: [[1.0]]", "W_hy: [[1.0, -1.0]]").replace(
        "b_y: [0.0]", "b_y: [0.0, 0.0]"
    )
    f = tmp_path / "ce.yaml"
    f.write_text(text)
    r = solve_file(f)
    assert r.loss == pytest.approx(0.334 + 1.215, abs=2e-3)  # reduction: sum
    givens = next(s for s in r.steps if s.label.startswith("givens"))
    assert "c_t numbered from 0 (c_t = 0 is column [1])" in givens.text
