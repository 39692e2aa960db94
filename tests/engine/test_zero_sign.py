"""A loss of 0 is +0.0, never -0.0 (which prints as "-0" in JSON and in plain floats).

-ln 1 = -(0.0) is -0.0 in IEEE arithmetic: every loss formed as the negative of a sum of log
terms gives it for a perfect prediction (p = 1 at the target). PyTorch returns -0.0 there too
(ctc_loss with C = 1, torchaudio's rnnt_loss with V = 1, nll_loss of a 0 log-probability);
the value is the same, only its sign bit is not. Cases worked by hand: every probability read
is 1 (a log-probability 0, or a single class), so every loss is exactly 0. Gradients of the
engine modules whose zeros were negative (a 0 coefficient times a negative scale) are checked
too. A hypothesis sweep then draws perfect predictions of every shape and reduction.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rnnloss_cli.engine.classification import (
    binary_cross_entropy,
    categorical_cross_entropy,
    cross_entropy,
    hinge_loss_grad,
    nll_loss,
)
from rnnloss_cli.engine.ctc import ctc_loss, ctc_loss_and_grad, ctc_trace
from rnnloss_cli.engine.rnnt import rnnt_loss, rnnt_loss_and_grad, rnnt_trace
from rnnloss_cli.engine.sequence import (
    sequence_cross_entropy,
    sequence_cross_entropy_terms,
    sequence_hinge_grad,
)

INF = math.inf
R3 = ("none", "sum", "mean")


def assert_no_negative_zero(value) -> None:
    """Every entry of ``value`` (a scalar, an array, or a tuple of them) is not -0.0."""
    parts = value if isinstance(value, tuple) else (value,)
    for part in parts:
        a = np.asarray(part, dtype=np.float64)
        negative_zero = (a == 0) & np.signbit(a)
        assert not np.any(negative_zero), f"-0.0 in {part!r}"


def _empty_targets(n: int) -> np.ndarray:
    return np.zeros((n, 0), dtype=np.int64)


CASES = {
    # p = 1 at the target: -[1 ln 1 + 0 ln 0 (clamped)] = 0
    "bce": lambda r: binary_cross_entropy([1.0, 0.0], [1.0, 0.0], r),
    "cce": lambda r: categorical_cross_entropy([[1.0, 0.0]], [[1.0, 0.0]], r),
    # nll of log-probability 0 (p = 1): -0 * w
    "nll": lambda r: nll_loss([[0.0, -1.0]], [0], r),
    "nll weighted": lambda r: nll_loss([[0.0, -1.0], [-1.0, 0.0]], [0, 1], r, weight=[2, 3]),
    "nll with an ignored row": lambda r: nll_loss([[0.0, -1.0], [-1.0, 0.0]], [0, -100], r),
    # one class: softmax is 1; probability targets: -(1 * ln 1) = 0
    "cross_entropy probability target, C = 1": lambda r: cross_entropy([[3.0]], [[1.0]], r),
    "cross_entropy probability target, -inf": lambda r: cross_entropy(
        [[0.0, -INF]], [[1.0, 0.0]], r
    ),
    "cross_entropy index target, C = 1": lambda r: cross_entropy([[3.0], [-2.0]], [0, 0], r),
    # CTC with C = 1 (blank only) and an empty target: p(empty | x) = 1^T
    "ctc C = 1": lambda r: ctc_loss(np.zeros((3, 1)), [], 3, 0, reduction=r),
    "ctc C = 1 float32": lambda r: ctc_loss(np.zeros((3, 1), np.float32), [], 3, 0, reduction=r),
    "ctc C = 1 batch": lambda r: ctc_loss(
        np.zeros((3, 2, 1)), _empty_targets(2), [3, 2], [0, 0], reduction=r
    ),
    "ctc_and_grad C = 1": lambda r: ctc_loss_and_grad(np.zeros((3, 1)), [], 3, 0, reduction=r),
    "ctc_and_grad C = 1 batch": lambda r: ctc_loss_and_grad(
        np.zeros((3, 2, 1)), _empty_targets(2), [3, 2], [0, 0], reduction=r
    ),
    # the one alignment "a -" of target "a" has probability 1 * 1
    "ctc perfect": lambda r: ctc_loss(np.array([[-INF, 0.0], [0.0, -INF]]), [1], 2, 1, reduction=r),
    "ctc_and_grad perfect": lambda r: ctc_loss_and_grad(
        np.array([[-INF, 0.0], [0.0, -INF]]), [1], 2, 1, reduction=r
    ),
    # RNN-T with V = 1 (blank only), empty target: the one path is T blanks of probability 1
    "rnnt V = 1": lambda r: rnnt_loss(
        np.zeros((1, 2, 1, 1)), _empty_targets(1), [2], [0], -1, -1, r
    ),
    "rnnt V = 1 not fused": lambda r: rnnt_loss(
        np.zeros((2, 2, 1, 2)), _empty_targets(2), [2, 1], [0, 0], 1, -1, r, False
    ),
    "rnnt_and_grad V = 1": lambda r: rnnt_loss_and_grad(
        np.zeros((1, 2, 1, 1)), _empty_targets(1), [2], [0], -1, -1, r
    ),
}


@pytest.mark.parametrize("reduction", R3)
@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_a_zero_loss_is_positive_zero(case, reduction):
    value = case(reduction)
    losses = value[0] if isinstance(value, tuple) else value
    assert np.all(np.asarray(losses) == 0.0)
    assert_no_negative_zero(value)


@pytest.mark.parametrize("reduction", ["none", "sum", "mean_tokens", "mean_sequences"])
@pytest.mark.parametrize("from_logits", [False, True])
def test_a_zero_sequence_loss_is_positive_zero(reduction, from_logits):
    # probabilities (1, 0) or logits (0, -inf): p = 1 at the target; a padded step too
    x = [[[0.0, -INF], [0.0, -INF]]] if from_logits else [[[1.0, 0.0], [1.0, 0.0]]]
    value = sequence_cross_entropy(
        x, [[0, -100]], lengths=[1], reduction=reduction, from_logits=from_logits
    )
    assert np.all(np.asarray(value) == 0.0)
    assert_no_negative_zero(value)


def test_traces_report_positive_zero():
    assert_no_negative_zero(ctc_trace(np.zeros((3, 1)), []).loss)
    assert_no_negative_zero(rnnt_trace(np.zeros((2, 1, 1)), []).loss)
    terms = sequence_cross_entropy_terms([[1.0, 0.0]], [0])
    assert_no_negative_zero(terms.neg_log_prob)


@pytest.mark.parametrize("reduction", R3)
def test_zero_gradients_are_positive_zero(reduction):
    # d/dp of -y ln p is -y / p: 0 where y = 0, times the reduction's positive scale
    # (categorical_cross_entropy_grad keeps PyTorch's -0.0 where y = 0, for speed: its
    # docstring; the JSON output writes 0.0, tests/render/test_json_zero.py)
    # hinge: margin 1 - y yhat <= 0 (yhat = 2 y): no gradient, for y = +1 and -1
    assert_no_negative_zero(hinge_loss_grad([2.0, -2.0], [1, -1], reduction))
    assert_no_negative_zero(
        sequence_hinge_grad(
            [2.0, -2.0], [1, -1], reduction="mean" if reduction == "mean" else "sum"
        )
    )


# ---------------------------------------------------------------------------- sweep
@st.composite
def perfect_rows(draw):
    """(N, C) probability rows one-hot at the target, the targets and a reduction."""
    n = draw(st.integers(1, 4))
    c = draw(st.integers(1, 4))
    t = np.array(draw(st.lists(st.integers(0, c - 1), min_size=n, max_size=n)))
    p = np.zeros((n, c))
    p[np.arange(n), t] = 1.0
    return p, t, draw(st.sampled_from(R3))


@settings(max_examples=80, deadline=None)
@given(perfect_rows())
def test_sweep_perfect_predictions_give_positive_zero(case):
    p, t, reduction = case
    n, c = p.shape
    with np.errstate(divide="ignore"):
        lp = np.log(p)
    weights = np.arange(1.0, c + 1.0)
    for value in (
        binary_cross_entropy(p, p, reduction),
        categorical_cross_entropy(p, p, reduction),
        nll_loss(lp, t, reduction),
        nll_loss(lp, t, reduction, weight=weights),
        nll_loss(lp, np.where(np.arange(n) % 2, t, -100), reduction),
        cross_entropy(lp, t, reduction),
        cross_entropy(lp, t, reduction, weight=weights),
        cross_entropy(lp, p, reduction),
        cross_entropy(lp, p, reduction, weight=weights),
        sequence_cross_entropy(p, t, reduction={"mean": "mean_tokens"}.get(reduction, reduction)),
        sequence_cross_entropy(
            lp,
            t,
            from_logits=True,
            reduction="mean_sequences" if reduction == "mean" else reduction,
        ),
    ):
        assert_no_negative_zero(value)
    # CTC / RNN-T: a single class that every frame emits with probability 1
    frames = np.zeros((n + 1, n, 1))
    ctc = ctc_loss_and_grad(frames, _empty_targets(n), [n + 1] * n, [0] * n, reduction=reduction)
    assert_no_negative_zero(ctc)
    rnnt = rnnt_loss_and_grad(
        np.zeros((n, 2, 1, 1)), _empty_targets(n), [2] * n, [0] * n, reduction=reduction
    )
    assert_no_negative_zero(rnnt)


@pytest.mark.parametrize("reduction", ["sum", "mean", "mean_sequences", "none"])
def test_reinforce_zeros_are_positive_zero(reduction):
    from rnnloss_cli.engine.reinforce import (
        reinforce_loss,
        reinforce_loss_from_logits,
        reinforce_loss_grad,
        reinforce_policy_logits_grad,
    )

    # ln pi = 0 (the action was certain): -A * 0 = 0 for A = 1 and for A = -1
    assert_no_negative_zero(reinforce_loss([[0.0, 0.0]], [[1.0, -1.0]], reduction=reduction))
    # one action, logit anything: ln pi = 0
    assert_no_negative_zero(
        reinforce_loss_from_logits([[[3.0]]], [[0]], [[2.0]], reduction=reduction)
    )
    # A = 0: -0 * scale = 0; an action of probability 0 (logit -inf) with A = -1: 0 * A = 0
    assert_no_negative_zero(reinforce_loss_grad([[-1.0]], [[0.0]], reduction=reduction))
    assert_no_negative_zero(
        reinforce_policy_logits_grad([[[-INF, 0.0]]], [[1]], [[-1.0]], reduction=reduction)
    )
