"""Pointwise losses: hand-worked golden values, finite-difference gradients, properties."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from rnnloss_cli import engine
from tests.numeric import central_diff

# (function, input, target, reduction, expected, provenance)
GOLDEN = [
    (engine.hinge_loss, [0.8, -0.5, 0.3], [1, -1, 1], "mean", 1.4 / 3, "handout: (0.2+0.5+0.7)/3"),
    (engine.hinge_loss, [0.8, -0.5, 0.3], [1, -1, 1], "sum", 1.4, "handout formula: 0.2+0.5+0.7"),
    (engine.hinge_loss, [2.0, -3.0], [1, -1], "sum", 0.0, "margins 2 and 3 exceed 1"),
    (engine.mse_loss, [1.5, 1.8, 3.4, 3.9], [1, 2, 3, 4], "mean", 0.115, "(.25+.04+.16+.01)/4"),
    (engine.mse_loss, [1.5, 1.8, 3.4, 3.9], [1, 2, 3, 4], "sum", 0.46, ".25+.04+.16+.01"),
    (
        engine.binary_cross_entropy,
        [0.9, 0.2],
        [1.0, 0.0],
        "sum",
        -math.log(0.9) - math.log(0.8),
        "-ln .9 - ln(1-.2)",
    ),
    (
        engine.binary_cross_entropy,
        [0.0],
        [1.0],
        "mean",
        100.0,
        "PyTorch clamps ln 0 at -100",
    ),
    (
        engine.nll_loss,
        np.log([[0.2, 0.7, 0.1], [0.5, 0.3, 0.2]]),
        [1, 0],
        "sum",
        -math.log(0.7) - math.log(0.5),
        "-ln .7 - ln .5",
    ),
    (
        engine.cross_entropy,
        [[2.0, 1.0, 0.0]],
        [0],
        "mean",
        math.log(math.e**2 + math.e + 1) - 2,
        "logsumexp(2,1,0) - 2",
    ),
    (
        engine.categorical_cross_entropy,
        [[0.7, 0.2, 0.1], [0.1, 0.3, 0.6]],
        [[1, 0, 0], [0, 0, 1]],
        "sum",
        -math.log(0.7) - math.log(0.6),
        "handout CCE double sum",
    ),
]


@pytest.mark.parametrize("fn, x, y, reduction, expected, provenance", GOLDEN)
def test_golden(fn, x, y, reduction, expected, provenance):
    assert fn(x, y, reduction=reduction) == pytest.approx(expected, rel=1e-12), provenance


def test_nll_weighted_mean_divides_by_target_weights():
    lp = np.log([[0.5, 0.5], [0.25, 0.75]])
    # weights 1 and 3: (1 * ln 2 + 3 * ln(4/3)) / (1 + 3)
    expected = (math.log(2) + 3 * math.log(4 / 3)) / 4
    assert engine.nll_loss(lp, [0, 1], weight=[1.0, 3.0]) == pytest.approx(expected)


def test_nll_ignore_index_left_out_of_mean():
    lp = np.log([[0.5, 0.5], [0.25, 0.75]])
    assert engine.nll_loss(lp, [0, -100]) == pytest.approx(math.log(2))


def test_cross_entropy_label_smoothing_closed_form():
    # eps = 0.2, C = 2: target becomes (0.9, 0.1); loss = -(0.9 ln p0 + 0.1 ln p1).
    z = np.array([[1.0, 0.0]])
    p0 = math.e / (math.e + 1)
    expected = -(0.9 * math.log(p0) + 0.1 * math.log(1 - p0))
    assert engine.cross_entropy(z, [0], label_smoothing=0.2) == pytest.approx(expected)


def test_zero_probability_true_class_is_infinite_not_clipped():
    assert engine.categorical_cross_entropy([[0.0, 1.0]], [[1, 0]]) == math.inf


@pytest.mark.parametrize("reduction", ["sum", "mean"])
@pytest.mark.parametrize(
    "loss, grad, make",
    [
        (
            engine.mse_loss,
            engine.mse_grad,
            lambda r: (r.normal(size=(3, 2)), r.normal(size=(3, 2))),
        ),
        (
            engine.binary_cross_entropy,
            engine.binary_cross_entropy_grad,
            lambda r: (r.uniform(0.05, 0.95, size=(4,)), r.uniform(0, 1, size=(4,))),
        ),
        (
            engine.hinge_loss,
            engine.hinge_loss_grad,
            lambda r: (r.normal(size=(5,)) * 3, r.choice([-1.0, 1.0], size=(5,))),
        ),
        (
            engine.cross_entropy,
            engine.cross_entropy_grad,
            lambda r: (r.normal(size=(4, 3)), r.integers(0, 3, size=4)),
        ),
        (
            engine.nll_loss,
            engine.nll_loss_grad,
            lambda r: (r.normal(size=(4, 3)), r.integers(0, 3, size=4)),
        ),
        (
            engine.categorical_cross_entropy,
            engine.categorical_cross_entropy_grad,
            lambda r: (r.uniform(0.1, 0.9, size=(3, 4)), np.eye(4)[r.integers(0, 4, size=3)]),
        ),
    ],
)
def test_gradient_matches_finite_differences(loss, grad, make, reduction):
    rng = np.random.default_rng(7)
    x, y = make(rng)
    numeric = central_diff(lambda v: loss(v, y, reduction=reduction), x)
    np.testing.assert_allclose(grad(x, y, reduction=reduction), numeric, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("reduction", ["sum", "mean"])
def test_cross_entropy_gradient_with_weights_smoothing_and_probability_targets(reduction):
    rng = np.random.default_rng(3)
    z, w = rng.normal(size=(5, 4)), rng.uniform(0.5, 2, size=4)
    q = rng.dirichlet(np.ones(4), size=5)
    for target in (rng.integers(0, 4, size=5), q):
        kw = {"reduction": reduction, "weight": w, "label_smoothing": 0.1}
        numeric = central_diff(lambda v, t=target, kw=kw: engine.cross_entropy(v, t, **kw), z)
        np.testing.assert_allclose(engine.cross_entropy_grad(z, target, **kw), numeric, rtol=1e-5)


finite = st.floats(-20, 20, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(
    arrays(np.float64, (3, 4), elements=finite), st.lists(st.integers(0, 3), min_size=3, max_size=3)
)
def test_cross_entropy_is_nll_of_log_softmax(z, t):
    expected = engine.nll_loss(engine.log_softmax(z, axis=1), t, reduction="sum")
    assert engine.cross_entropy(z, t, reduction="sum") == pytest.approx(expected, rel=1e-9)


@settings(max_examples=60, deadline=None)
@given(
    arrays(np.float64, (2, 3), elements=finite), st.lists(st.integers(0, 2), min_size=2, max_size=2)
)
def test_categorical_on_softmax_equals_cross_entropy_on_logits(z, t):
    p = engine.softmax(z, axis=1)
    onehot = np.eye(3)[t]
    assert engine.categorical_cross_entropy(p, onehot, reduction="sum") == pytest.approx(
        engine.cross_entropy(z, t, reduction="sum"), rel=1e-7, abs=1e-9
    )


@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, (6,), elements=finite))
def test_hinge_is_zero_exactly_when_every_margin_is_met(yhat):
    y = np.where(yhat >= 0, 1.0, -1.0)
    met = np.all(y * yhat >= 1)
    assert (engine.hinge_loss(yhat, y, reduction="sum") == 0) == met


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: engine.mse_loss([1.0, 2.0], [1.0]), "same shape"),
        (lambda: engine.mse_loss([1.0], [1.0], reduction="avg"), "reduction"),
        (lambda: engine.mse_loss([float("nan")], [1.0]), "finite"),
        (lambda: engine.binary_cross_entropy([1.5], [1.0]), "[0, 1]"),
        (lambda: engine.hinge_loss([0.5], [0]), "-1 or +1"),
        (lambda: engine.nll_loss(np.zeros((2, 3)), [0, 3]), "outside"),
        (lambda: engine.nll_loss(np.zeros((2, 3)), [0]), "expected shape"),
        (lambda: engine.cross_entropy(np.zeros((2, 3)), [0, 1], weight=[1.0]), "weight"),
    ],
)
def test_bad_arguments_raise_value_error(call, message):
    with pytest.raises(ValueError, match=None) as info:
        call()
    assert message in str(info.value)


@pytest.mark.filterwarnings("error")
def test_means_whose_sums_overflow_stay_finite():
    # squared errors (1e154)² = 1e308 twice: the sum 2e308 overflows to inf, the mean is
    # (1e308 + 1e308) / 2 = 1e308. Hinge terms 1 − (−1e308) = 1e308 (the 1 is rounded away)
    # twice: mean 1e308, sum inf. Cross-entropy with z = (0, −1.5e308) and target 1:
    # −ln softmax[1] = 1.5e308 + ln(1 + e^−1.5e308) = 1.5e308 per row; two rows: mean
    # 1.5e308, sum 3e308 = inf.
    assert engine.mse_loss([1e154, -1e154], [0.0, 0.0]) == pytest.approx(1e308, rel=1e-15)
    assert engine.mse_loss([1e154, -1e154], [0.0, 0.0], reduction="sum") == math.inf
    assert engine.hinge_loss([-1e308, -1e308], [1.0, 1.0]) == 1e308
    assert engine.hinge_loss([-1e308, -1e308], [1.0, 1.0], reduction="sum") == math.inf
    z = [[0.0, -1.5e308], [0.0, -1.5e308]]
    assert engine.cross_entropy(z, [1, 1]) == pytest.approx(1.5e308, rel=1e-15)
    assert engine.cross_entropy(z, [1, 1], reduction="sum") == math.inf
