"""nll_loss and cross_entropy gather one entry per row, block by block: values and gradients
across block boundaries agree with an independent gather, every target dtype works, and
the one-sum check of the target log-probabilities still names NaN and +inf. No torch needed.

The references index with ``lp[np.arange(n), t]`` (numpy fancy indexing, not the engine's
flat take) and sum with ``math.fsum``.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rnnloss_cli import engine
from rnnloss_cli.engine import classification


@pytest.fixture
def small_blocks(monkeypatch):
    """Blocks of 4 rows, so that a handful of rows spans several blocks."""
    monkeypatch.setattr(classification, "GATHER_BLOCK_ROWS", 4, raising=False)


def _with_small_blocks(test):
    """The same for a hypothesis test (which may not take a function-scoped fixture)."""

    def run(**kwargs):
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(classification, "GATHER_BLOCK_ROWS", 4, raising=False)
            test(**kwargs)

    run.__name__ = test.__name__
    return run


def _reference(lp, t, reduction):
    """nll_loss and its gradient by fancy indexing (unweighted, nothing ignored)."""
    n = len(t)
    picked = lp[np.arange(n), t]
    scale = 1.0 / n if reduction == "mean" else 1.0
    grad = np.zeros_like(lp)
    grad[np.arange(n), t] = -scale
    if reduction == "none":
        return -picked, grad
    return -math.fsum(picked) * scale, grad


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(min_value=1, max_value=23),
    c=st.integers(min_value=1, max_value=6),
    reduction=st.sampled_from(["none", "sum", "mean"]),
    seed=st.integers(min_value=0, max_value=2**32 - 1),
)
@_with_small_blocks
def test_nll_across_block_boundaries_matches_fancy_indexing(n, c, reduction, seed):
    rng = np.random.default_rng(seed)
    lp = np.log(rng.dirichlet(np.ones(c), size=n))
    t = rng.integers(0, c, size=n)
    want, want_grad = _reference(lp, t, reduction)
    np.testing.assert_allclose(engine.nll_loss(lp, t, reduction), want, rtol=1e-13)
    np.testing.assert_array_equal(engine.nll_loss_grad(lp, t, reduction), want_grad)
    # the same rows laid out column-major take the general (take_along_axis) path
    lp_f = np.asfortranarray(lp)
    np.testing.assert_allclose(engine.nll_loss(lp_f, t, reduction), want, rtol=1e-13)


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(min_value=1, max_value=23),
    c=st.integers(min_value=2, max_value=6),
    seed=st.integers(min_value=0, max_value=2**32 - 1),
)
@_with_small_blocks
def test_cross_entropy_across_block_boundaries(n, c, seed):
    # loss_i = logsumexp(z_i) - z_i,y and d/dz = softmax(z) - onehot(y), all over n
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, c)) * 3
    t = rng.integers(0, c, size=n)
    m = z.max(axis=1)
    lse = m + np.log(np.exp(z - m[:, None]).sum(axis=1))
    want = math.fsum(lse - z[np.arange(n), t]) / n
    want_grad = np.exp(z - lse[:, None])
    want_grad[np.arange(n), t] -= 1.0
    want_grad /= n
    # atol: when the true class dominates, lse - z_y cancels to ~1e-6 and its last bits
    # (~1e-17 absolute) differ between two correct summation orders
    np.testing.assert_allclose(engine.cross_entropy(z, t), want, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(engine.cross_entropy_grad(z, t), want_grad, rtol=1e-12, atol=1e-15)


def test_several_real_blocks_with_a_partial_last_one():
    # the real block size: 2 full blocks and 5 rows more
    n, c = 2 * getattr(classification, "GATHER_BLOCK_ROWS", 16384) + 5, 3
    rng = np.random.default_rng(7)
    lp = np.log(rng.dirichlet(np.ones(c), size=n))
    t = rng.integers(0, c, size=n)
    for reduction in ("sum", "mean", "none"):
        want, want_grad = _reference(lp, t, reduction)
        np.testing.assert_allclose(engine.nll_loss(lp, t, reduction), want, rtol=1e-12)
        np.testing.assert_array_equal(engine.nll_loss_grad(lp, t, reduction), want_grad)


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint64, np.uint32, np.uint8])
def test_every_integer_target_dtype(dtype):
    # lp = ln [[1/2, 1/2], [1/4, 3/4]], targets (0, 1): mean loss (ln 2 + ln 4/3) / 2,
    # gradient -1/2 at each target
    lp = np.log([[0.5, 0.5], [0.25, 0.75]])
    t = np.array([0, 1], dtype=dtype)
    assert engine.nll_loss(lp, t) == pytest.approx((math.log(2) + math.log(4 / 3)) / 2)
    np.testing.assert_array_equal(engine.nll_loss_grad(lp, t), [[-0.5, 0.0], [0.0, -0.5]])
    assert engine.nll_loss(lp, t, ignore_index=1) == pytest.approx(math.log(2))
    # cross-entropy of these logits is the same: they are already log-probabilities
    assert engine.cross_entropy(lp, t) == pytest.approx((math.log(2) + math.log(4 / 3)) / 2)


def test_a_huge_unsigned_target_is_named():
    lp = np.log([[0.5, 0.5], [0.25, 0.75]])
    with pytest.raises(ValueError, match=r"class index 18446744073709551615 outside \[0, 1\]"):
        engine.nll_loss(lp, np.array([0, 2**64 - 1], dtype=np.uint64))


@pytest.mark.parametrize("bad", [math.nan, math.inf])
@pytest.mark.parametrize("row", [0, 5, 10])  # first block, a middle one, the partial last
def test_nan_or_plus_inf_at_a_target_is_named_in_any_block(small_blocks, bad, row):
    lp = np.log(np.full((11, 3), 1 / 3))
    t = np.arange(11) % 3
    lp[row, t[row]] = bad
    for fn in (engine.nll_loss, engine.nll_loss_grad):
        with pytest.raises(ValueError, match="at the target classes, got NaN or \\+inf"):
            fn(lp, t)


def test_inf_and_minus_inf_at_targets_is_an_error_without_a_warning(small_blocks):
    # +inf + (-inf) = NaN in the sum: +inf is named, and no RuntimeWarning leaks out
    lp = np.log(np.full((9, 2), 0.5))
    lp[1, 0], lp[7, 1] = math.inf, -math.inf
    t = np.array([0, 0, 0, 0, 0, 0, 0, 1, 0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match="got NaN or \\+inf"):
            engine.nll_loss(lp, t)


def test_what_is_not_read_is_not_checked_and_minus_inf_is_a_zero_probability(small_blocks):
    lp = np.log(np.full((9, 2), 0.5))
    t = np.zeros(9, dtype=np.int64)
    lp[:, 1] = math.nan  # never read
    assert engine.nll_loss(lp, t, "sum") == pytest.approx(9 * math.log(2))
    lp[8, 0] = -math.inf  # p = 0 at a target: an infinite loss, not an error
    assert engine.nll_loss(lp, t, "sum") == math.inf


def test_finite_target_values_whose_sum_overflows_give_the_true_total(small_blocks):
    # 9 targets of 1e308: the sum 9e308 overflows to +inf, but every entry is finite, so
    # the element-wise fallback passes them and the loss is -inf (no warning either)
    lp = np.full((9, 2), 1e308)
    t = np.zeros(9, dtype=np.int64)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert engine.nll_loss(lp, t, "sum") == -math.inf


@pytest.mark.parametrize("row", [0, 5, 10])  # first block, a middle one, the partial last
def test_a_bad_or_ignored_target_in_any_block_after_others_were_summed(small_blocks, row):
    # The common path checks each block's targets as it gathers them, after summing the
    # blocks before: a target outside [0, C) there still gets the whole-array treatment.
    # lp = ln 1/4 everywhere (11 rows, C = 4): each target read adds ln 4 to the loss.
    lp = np.log(np.full((11, 4), 0.25))
    t = np.arange(11) % 4
    t[row] = 4
    with pytest.raises(ValueError, match=r"class index 4 outside \[0, 3\]"):
        engine.nll_loss(lp, t)
    t[row] = -100  # the default ignore_index: 10 targets read, the mean over those 10
    assert engine.nll_loss(lp, t, "sum") == pytest.approx(10 * math.log(4))
    assert engine.nll_loss(lp, t) == pytest.approx(math.log(4))
    grad = engine.nll_loss_grad(lp, t)
    assert grad[row].tolist() == [0.0] * 4 and grad.sum() == pytest.approx(-1.0)
