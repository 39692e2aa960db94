"""cross_entropy / nll_loss on K-dimensional input, and zero total weight (no torch needed).

Hand-worked values with their arithmetic, finite differences for the gradients, and a
layout property: (N, C, d1, ...) gives the same numbers as the equivalent (N * d1 * ..., C).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rnnloss_cli import engine
from tests.numeric import central_diff

# z has shape (N, C, d1) = (1, 2, 2): class axis 1, so position d=0 has logits (0, 0) and
# position d=1 has logits (ln 3, 0).  softmax: d=0 -> (1/2, 1/2); d=1 -> (3/4, 1/4).
Z = np.array([[[0.0, math.log(3.0)], [0.0, 0.0]]])
# probability target, same layout: d=0 -> (1, 0); d=1 -> (1/2, 1/2).
Q = np.array([[[1.0, 0.5], [0.0, 0.5]]])
# d=0: -ln(1/2) = ln 2 = 0.693147
# d=1: -(1/2 ln(3/4) + 1/2 ln(1/4)) = 1/2 ln(16/3) = 0.836988
PER = [math.log(2.0), 0.5 * math.log(16.0 / 3.0)]
# gradient = softmax - q at each position (then / 2 for "mean"):
# d=0: (1/2 - 1, 1/2 - 0) = (-1/2, 1/2); d=1: (3/4 - 1/2, 1/4 - 1/2) = (1/4, -1/4)
GRAD_SUM = np.array([[[-0.5, 0.25], [0.5, -0.25]]])


def test_probability_target_hand_worked_when_classes_equal_d1():
    np.testing.assert_allclose(engine.cross_entropy(Z, Q, reduction="none"), [PER], rtol=1e-12)
    assert engine.cross_entropy(Z, Q, reduction="sum") == pytest.approx(sum(PER), rel=1e-12)
    assert engine.cross_entropy(Z, Q) == pytest.approx(sum(PER) / 2, rel=1e-12)  # 0.765068
    np.testing.assert_allclose(engine.cross_entropy_grad(Z, Q, reduction="sum"), GRAD_SUM)
    np.testing.assert_allclose(engine.cross_entropy_grad(Z, Q), GRAD_SUM / 2)


def test_probability_target_when_classes_differ_from_d1():
    # (N, C, d1) = (1, 3, 2): before the fix the target's shape check looked at (1, 2, 3).
    z = np.zeros((1, 3, 2))  # uniform softmax 1/3 everywhere
    q = np.zeros((1, 3, 2))
    q[0, 0, 0] = q[0, 2, 1] = 1.0  # one-hot: class 0 at d=0, class 2 at d=1
    # each position: -ln(1/3) = ln 3; "sum" over the two positions: 2 ln 3
    assert engine.cross_entropy(z, q, reduction="sum") == pytest.approx(2 * math.log(3.0))
    # and it is the same as the class-index target [[0, 2]]
    assert engine.cross_entropy(z, [[0, 2]], reduction="sum") == pytest.approx(2 * math.log(3.0))


def test_unbatched_probability_target():
    # (C,) = (2,): logits (ln 3, 0) -> softmax (3/4, 1/4); q = (1/2, 1/2): 1/2 ln(16/3)
    got = engine.cross_entropy([math.log(3.0), 0.0], [0.5, 0.5])
    assert got == pytest.approx(0.5 * math.log(16.0 / 3.0), rel=1e-12)
    # gradient softmax - q = (1/4, -1/4)
    np.testing.assert_allclose(
        engine.cross_entropy_grad([math.log(3.0), 0.0], [0.5, 0.5]), [0.25, -0.25]
    )


SHAPES = [(3,), (3, 4), (2, 3, 3), (2, 3, 2, 2)]


def _targets(rng, shape, kind):
    axis = 0 if len(shape) == 1 else 1
    c = shape[axis]
    if kind == "probability":
        q = rng.uniform(0.1, 1.0, size=shape)
        return q / q.sum(axis=axis, keepdims=True), c
    t = rng.integers(0, c, size=shape[:axis] + shape[axis + 1 :])
    if t.size > 1:
        t.reshape(-1)[0] = -100
    return t, c


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("kind", ["index", "probability"])
@pytest.mark.parametrize("reduction", ["sum", "mean", "none"])
def test_cross_entropy_grad_matches_finite_differences(shape, kind, reduction):
    rng = np.random.default_rng(11)
    z = rng.normal(size=shape)
    t, c = _targets(rng, shape, kind)
    kw = {"reduction": reduction, "weight": rng.uniform(0.5, 2, size=c), "label_smoothing": 0.1}
    num = central_diff(lambda v: float(np.sum(engine.cross_entropy(v, t, **kw))), z)
    np.testing.assert_allclose(engine.cross_entropy_grad(z, t, **kw), num, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("reduction", ["sum", "mean", "none"])
def test_nll_grad_matches_finite_differences(shape, reduction):
    rng = np.random.default_rng(5)
    lp = rng.normal(size=shape) - 2
    t, c = _targets(rng, shape, "index")
    kw = {"reduction": reduction, "weight": rng.uniform(0.5, 2, size=c)}
    num = central_diff(lambda v: float(np.sum(engine.nll_loss(v, t, **kw))), lp)
    np.testing.assert_allclose(engine.nll_loss_grad(lp, t, **kw), num, rtol=1e-6, atol=1e-8)


@settings(max_examples=40, deadline=None)
@given(
    st.integers(0, 2**32 - 1),
    st.sampled_from([(2, 3, 3), (1, 2, 2), (2, 4, 3), (2, 3, 2, 2)]),
    st.sampled_from(["index", "probability"]),
    st.sampled_from(["none", "sum", "mean"]),
)
def test_k_dim_equals_flattened_rows(seed, shape, kind, reduction):
    """(N, C, d1, ...) is (N * d1 * ..., C) with the class axis moved last, targets alike."""
    rng = np.random.default_rng(seed)
    z = rng.normal(size=shape) * 2
    t, c = _targets(rng, shape, kind)
    kw = {"reduction": reduction, "weight": rng.uniform(0.5, 2, size=c), "label_smoothing": 0.2}
    rows = np.moveaxis(z, 1, -1).reshape(-1, c)
    t_rows = np.moveaxis(t, 1, -1).reshape(-1, c) if kind == "probability" else t.reshape(-1)
    got = engine.cross_entropy(z, t, **kw)
    want = engine.cross_entropy(rows, t_rows, **kw)
    np.testing.assert_allclose(np.ravel(got), np.ravel(want), rtol=1e-12)
    grad = np.moveaxis(engine.cross_entropy_grad(z, t, **kw), 1, -1).reshape(-1, c)
    np.testing.assert_allclose(
        grad, engine.cross_entropy_grad(rows, t_rows, **kw), rtol=1e-12, atol=1e-14
    )


# ------------------------------------------------------------------ zero total weight
def _quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning from a 0/0 either
        return fn(*args, **kwargs)


@pytest.mark.parametrize(
    "fn, kw",
    [
        (engine.nll_loss_grad, {}),
        (engine.cross_entropy_grad, {}),
        (engine.cross_entropy_grad, {"label_smoothing": 0.1}),
        (engine.cross_entropy_grad, {"weight": [2.0, 1.0]}),
    ],
)
def test_every_target_ignored_gives_zero_gradient(fn, kw):
    x = np.log([[0.2, 0.8], [0.5, 0.5]])
    # no target is read, so the loss does not depend on x: 0 everywhere (PyTorch's answer)
    np.testing.assert_array_equal(_quiet(fn, x, [-100, -100], **kw), np.zeros((2, 2)))


@pytest.mark.parametrize("fn", [engine.nll_loss, engine.cross_entropy])
def test_every_target_ignored_mean_is_nan_sum_is_zero(fn):
    x = np.log([[0.2, 0.8], [0.5, 0.5]])
    assert math.isnan(_quiet(fn, x, [-100, -100]))  # 0 / 0, as PyTorch
    assert _quiet(fn, x, [-100, -100], reduction="sum") == 0.0


def test_zero_weights_give_nan_only_where_a_target_is_read():
    lp = np.log([[0.2, 0.8], [0.5, 0.5], [0.1, 0.9]])
    # targets 0, ignored, 0 with w_0 = 0: W = 0; the read entries are -w/W = -0/0 = NaN
    g = _quiet(engine.nll_loss_grad, lp, [0, -100, 0], weight=[0.0, 1.0])
    expected = np.array([[np.nan, 0.0], [0.0, 0.0], [np.nan, 0.0]])
    np.testing.assert_array_equal(g, expected)


def test_nll_reads_only_the_target_entries():
    lp = np.log([[0.2, 0.8], [0.5, 0.5]])
    garbage = lp.copy()
    garbage[0, 0] = np.nan  # not a target entry: never read
    garbage[1, 1] = np.inf
    assert engine.nll_loss(garbage, [1, 0]) == engine.nll_loss(lp, [1, 0])
    with pytest.raises(ValueError, match="at the target classes"):
        engine.nll_loss(garbage, [0, 0])


@pytest.mark.parametrize("shift", [0.0, 1000.0, -1000.0, 800.0])
def test_cross_entropy_far_from_zero(shift):
    # logits (s, s + ln 3): softmax (1/4, 3/4) for any s; target 0: -ln(1/4) = ln 4.
    # s = +-1000 overflows / underflows exp(z) and takes the max-subtracted path.
    z = np.array([[shift, shift + math.log(3.0)]])
    assert engine.cross_entropy(z, [0]) == pytest.approx(math.log(4.0), rel=1e-12)
    # gradient softmax - onehot(0) = (1/4 - 1, 3/4)
    np.testing.assert_allclose(engine.cross_entropy_grad(z, [0]), [[-0.75, 0.75]], atol=1e-12)


@pytest.mark.parametrize(
    "z, match",
    [
        ([[0.0, math.nan]], "NaN or \\+inf"),
        ([[0.0, math.inf]], "NaN or \\+inf"),
        ([[-math.inf, -math.inf]], "every logit of an observation is -inf"),
    ],
)
def test_cross_entropy_bad_logits(z, match):
    for fn in (engine.cross_entropy, engine.cross_entropy_grad):
        with pytest.raises(ValueError, match=match):
            fn(z, [0])


def test_cross_entropy_minus_inf_logit_is_a_zero_probability_class():
    # logits (0, -inf): softmax (1, 0); target 0 costs -ln 1 = 0, target 1 costs inf
    z = [[0.0, -math.inf]]
    assert engine.cross_entropy(z, [0]) == 0.0
    assert engine.cross_entropy(z, [1]) == math.inf


@pytest.mark.parametrize("shift", [0.0, 680.0, -680.0])
def test_cross_entropy_small_loss_keeps_relative_precision(shift):
    # logits (s + 20, s), target 0: loss = ln(1 + e^-20) = log1p(e^-20) ~ 2.06e-9 for any s.
    # ln(e^(s+20) + e^s) - (s + 20) would lose it to the rounding of a number near s + 20
    # (an error of ulp(20) / 2 = 1.8e-15 at s = 0, 5.7e-14 at s = 680); formed as
    # (max - z_y) + ln(sum exp(z - max)) the error is that of ln(1 + e^-20 rounded), ~1e-16.
    z = np.array([[shift + 20.0, shift]])
    expected = math.log1p(math.exp(-20.0))
    tol = {"rel": 0, "abs": 2e-16}
    assert engine.cross_entropy(z, [0]) == pytest.approx(expected, **tol)
    # smoothing eps = 0.5, C = 2: 0.5 * loss_0 + 0.5 * (loss_0 + loss_1) / 2, loss_1 = 20 + loss_0
    got = engine.cross_entropy(z, [0], label_smoothing=0.5)
    assert got == pytest.approx(expected + 5.0, rel=1e-15, abs=0)
    q = np.array([[1.0, 0.0]])  # the same as a probability target
    assert engine.cross_entropy(z, q) == pytest.approx(expected, **tol)
