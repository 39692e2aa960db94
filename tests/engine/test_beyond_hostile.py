"""Hostile numbers for the beyond-the-handout engines (rnnt, bptt, forced_align): extreme but
finite inputs give the right value (or inf / NaN where float64 cannot hold it) and no numpy
warning; bad integer arguments are refused with the value actually given.

Every case runs with warnings turned into errors. Expected values are worked by hand in the
comments (closed forms), never pasted from the engine's output.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from rnnloss_cli import engine
from tests.engine.hostile import engine_error, quiet

BIG = 1.7e308  # finite; twice it is not


# ------------------------------------------------------------------------ rnnt
def _rnnt_two_tiny_labels() -> np.ndarray:
    # T = 2, target [1, 2] (U = 2), V = 3, blank 0. Every label move has logit -BIG against
    # 0, 0 for the others, so ln y(label) = -BIG - ln 2 at u = 0 and u = 1. Every path takes
    # both label moves: ln p = -2 BIG - ... < -1.8e308, which is -inf in float64.
    node = [0.0, 0.0, 0.0]
    lg = np.array([[node, node, node], [node, node, node]])
    lg[:, 0, 1] = -BIG
    lg[:, 1, 2] = -BIG
    return lg


def test_rnnt_trace_log_probability_past_the_float_range_is_inf_without_warning():
    tr = quiet(lambda: engine.rnnt_trace(_rnnt_two_tiny_labels(), [1, 2], blank=0))
    assert tr.loss == math.inf and tr.log_likelihood == -math.inf
    # alpha(0, 1) = ln y(0, 0, a) = -BIG - ln 2 is still finite: only the sum overflows
    assert tr.log_alpha[0, 1] == pytest.approx(-BIG)


def test_rnnt_loss_and_grad_past_the_float_range_without_warning():
    lg = _rnnt_two_tiny_labels()[None]
    loss, grad = quiet(lambda: engine.rnnt_loss_and_grad(lg, [[1, 2]], [2], [2], blank=0))
    assert loss == math.inf
    assert grad.shape == lg.shape


@pytest.mark.parametrize("value", [1e308, -1e308])
def test_rnnt_unfused_huge_logits_give_no_warning(value):
    # not log-probabilities: ln y = 1e308 for every move; three moves per path overflow
    lg = np.full((1, 2, 2, 3), value)
    loss, _ = quiet(lambda: engine.rnnt_loss_and_grad(lg, [[1]], [2], [1], fused_log_softmax=False))
    # each of the 2 paths has 3 moves of ln y = value: ln p = 3 value + ln 2, past the range
    assert loss == (-math.inf if value > 0 else math.inf)


@pytest.mark.parametrize("which", ["targets", "logit_lengths", "target_lengths"])
def test_rnnt_uint64_beyond_int64_is_refused_with_its_own_value(which):
    args = {"targets": [[1]], "logit_lengths": [2], "target_lengths": [1]}
    args[which] = np.array([[2**64 - 1]] if which == "targets" else [2**64 - 1], dtype=np.uint64)
    message = engine_error(lambda: engine.rnnt_loss(np.zeros((1, 2, 2, 3)), **args))
    assert "18446744073709551615" in message and which in message


def test_rnnt_clamp_as_text_is_refused():
    message = engine_error(
        lambda: engine.rnnt_loss_and_grad(np.zeros((1, 2, 2, 3)), [[1]], [2], [1], clamp="1")
    )
    assert "clamp" in message


# ------------------------------------------------------------------------ forced alignment
@pytest.mark.parametrize("value", [1e308, -1e308])
def test_viterbi_sums_past_the_float_range_give_no_warning(value):
    # three frames of ln y = value for every class: the best path's sum 3 value overflows
    tr = quiet(lambda: engine.ctc_viterbi_trace(np.full((3, 3), value), [1, 2]))
    assert tr.best_log_prob == 3 * value  # ±inf, float64 arithmetic
    path, scores = quiet(lambda: engine.ctc_forced_align(np.full((3, 3), value), [1, 2]))
    assert path.shape == scores.shape == (3,)


def test_forced_align_uint64_target_beyond_int64_is_refused_with_its_own_value():
    lp = np.log(np.full((4, 3), 1 / 3))
    message = engine_error(
        lambda: engine.ctc_forced_align(lp, np.array([2**64 - 1], dtype=np.uint64))
    )
    assert "18446744073709551615" in message


# ------------------------------------------------------------------------ bptt
def _ce_huge_output_weights():
    # T = 1, D = H = 1, K = 2: x = 1, W_xh = 0.5, W_hh = 0, h0 = 0, W_hy = (1e200, -1e200),
    # target class 1. h = tanh(0.5) = 0.46211716, o = (0.462e200, -0.462e200), softmax
    # = (1, 0), so g = softmax - onehot(1) = (1, -1) and L = o_0 - o_1 = 0.924e200 (finite).
    # dL/dh = g W_hy^T = 1e200 + 1e200 = 2e200; delta = 2e200 (1 - h^2) = 2e200 * 0.78644773
    # = 1.57289546e200. Gradients: W_xh = b_h = delta, W_hh = h0 = 0, W_hy = h g, b_y = g.
    return {
        "x": [[1.0]],
        "targets": [1],
        "W_xh": [[0.5]],
        "W_hh": [[0.0]],
        "W_hy": [[1e200, -1e200]],
    }


DELTA = 2e200 * (1 - math.tanh(0.5) ** 2)


def test_bptt_norms_of_huge_but_finite_gradients_are_finite():
    args = _ce_huge_output_weights()
    tr = quiet(lambda: engine.elman_bptt_trace(args.pop("x"), args.pop("targets"), **args))
    assert tr.loss == pytest.approx(2 * 1e200 * math.tanh(0.5))
    assert tr.delta[0, 0] == pytest.approx(DELTA)
    # the last (only) loss reaches step 1 with |delta| = 1.5729e200: its square overflows,
    # the norm does not
    assert tr.last_loss_delta_norms[0] == pytest.approx(DELTA)
    # ‖∇L‖² = 2 delta² + 2 h² + 2 (W_xh, b_h; W_hy; b_y): sqrt(2) delta to 1e-190 relative
    assert tr.grad_norm == pytest.approx(math.sqrt(2) * DELTA)


def test_bptt_lag_norms_of_huge_parts_are_finite():
    # T = 2, H = K = 1, squared error with y = 0, x = 0, W_xh = W_hh = 0, h0 = 0.5,
    # W_hy = 1e100, b_y = 1e100. Then a_t = 0, h_1 = h_2 = 0, o_t = b_y = 1e100 and
    # L = 2 (1e100)^2 = 2e200 (finite). g_t = 2e100, dL/dh_t = g_t W_hy = 2e200 (W_hh = 0: no
    # carry), delta_t = 2e200 (1 - 0^2). Part 0 of dW_hh = h0 delta_1 + h_1 delta_2 = 1e200,
    # part 1 = h0 times what L_2 sends to step 1 = 0 (W_hh = 0). Gradients: W_hh = 1e200,
    # b_h = 4e200, b_y = 4e100, the rest 0: ‖∇L‖ = sqrt(1 + 16) 1e200. Every square overflows.
    x, y = [[0.0], [0.0]], [[0.0], [0.0]]
    params = {"W_xh": [[0.0]], "W_hh": [[0.0]], "W_hy": [[1e100]], "b_y": [1e100], "h0": [0.5]}
    tr = quiet(lambda: engine.elman_bptt_trace(x, y, **params, loss="squared_error"))
    assert tr.loss == pytest.approx(2e200)
    assert tr.lag_norms.tolist() == pytest.approx([1e200, 0.0])
    assert tr.last_loss_delta_norms.tolist() == pytest.approx([2e200, 0.0])
    assert tr.grad_norm == pytest.approx(math.sqrt(17) * 1e200)


@pytest.mark.parametrize(
    "args",
    [
        # squared error: o - y = 3.4e308 overflows; the loss is inf, no warning
        {"targets": [[BIG], [-BIG]], "W_hy": [[1.0]], "loss": "squared_error"},
        {"targets": [[0.0], [0.0]], "W_hy": [[BIG]], "loss": "squared_error"},
        # cross-entropy with outputs ±BIG: o_0 - o_1 overflows
        {"targets": [0, 1], "W_hy": [[BIG, -BIG]], "loss": "cross_entropy"},
        # the deltas overflow on the way back (W_hh = 1e200 every step)
        {"targets": [[0.0], [0.0]], "W_hy": [[1e200]], "W_hh": [[1e200]], "loss": "squared_error"},
    ],
)
def test_bptt_past_the_float_range_gives_no_warning(args):
    args = {"W_xh": [[0.5]], "W_hh": [[1.0]], **args}
    targets = args.pop("targets")
    tr = quiet(lambda: engine.elman_bptt_trace([[1.0], [0.0]], targets, **args))
    loss, _ = quiet(lambda: engine.elman_bptt([[1.0], [0.0]], targets, **args))
    assert loss == tr.loss


def test_bptt_mean_of_step_losses_whose_sum_overflows_is_finite():
    # W_hy = 0: o_t = b_y = 1.2e154 at both steps, y = 0: L_t = (1.2e154)^2 = 1.44e308 each.
    # Their sum 2.88e308 passes the float range; their mean, 1.44e308, does not.
    args = {"W_xh": [[0.5]], "W_hh": [[1.0]], "W_hy": [[0.0]], "b_y": [1.2e154]}
    x, y = [[1.0], [0.0]], [[0.0], [0.0]]
    loss, _ = quiet(lambda: engine.elman_bptt(x, y, **args, loss="squared_error", reduction="mean"))
    assert loss == pytest.approx(1.44e308)
    tr = quiet(
        lambda: engine.elman_bptt_trace(x, y, **args, loss="squared_error", reduction="mean")
    )
    assert tr.loss == pytest.approx(1.44e308)


@pytest.mark.parametrize(("n_frames", "n_labels"), [(40_000, 0), (1, 39_999)])
def test_rnnt_thin_lattice_by_anti_diagonals(n_frames, n_labels):
    # V = 2 (blank 1), every logit 0: every move has probability 1/2 and the one path takes
    # T - 1 + U + 1 = T + U moves, so the loss is (T + U) ln 2. One anti-diagonal per node:
    # the alpha and beta loops took 48 µs a node (19 s at 4 x 10^5 nodes, the limit allows
    # 10^6); whole anti-diagonals take ~8 s at 10^6 (measured, not timed here).
    lg = np.zeros((n_frames, n_labels + 1, 2))
    tr = quiet(lambda: engine.rnnt_trace(lg, np.zeros(n_labels, dtype=int), blank=1))
    assert tr.loss == pytest.approx((n_frames + n_labels) * math.log(2))


def test_viterbi_over_many_frames_by_whole_rows():
    # T = 10^5 frames of 1/3 for each of 3 classes, target [1]: every alignment has
    # probability (1/3)^T, so ln p(best) = -T ln 3. At 10^6 frames the per-frame loop took
    # 17 s, five whole-row operations a frame about 7 (measured, not timed here).
    n_frames = 10**5
    lp = np.full((n_frames, 3), -math.log(3))
    tr = quiet(lambda: engine.ctc_viterbi_trace(lp, [1]))
    assert tr.best_log_prob == pytest.approx(-n_frames * math.log(3))
    # ties: stay first, so the label is taken at frame 0 and kept to the end
    assert tr.path[0] == 1 and tr.path[-1] == 1


def test_bptt_lag_split_of_many_steps_of_one_unit():
    # T = 2,000, H = 1 (20,000 took 27 s with thin matrix products on two busy cores, 6-8 s
    # with elementwise ones; measured, not timed here). x = 0 and h0 = 0
    # keep every h_t = 0, so 1 - h² = 1, and with W_hh = 0.5, W_hy = 1, b_y = 1, y = 0 every
    # step's loss L_t = 1 sends delta 2 back, halved each step: the last loss reaches k steps
    # back with 2 / 2^k.
    n_steps = 2_000
    tr = quiet(
        lambda: engine.elman_bptt_trace(
            np.zeros((n_steps, 1)),
            np.zeros((n_steps, 1)),
            W_xh=[[0.0]],
            W_hh=[[0.5]],
            W_hy=[[1.0]],
            b_y=[1.0],
            loss="squared_error",
        )
    )
    assert tr.loss == n_steps
    assert tr.last_loss_delta_norms[:4].tolist() == [2.0, 1.0, 0.5, 0.25]
