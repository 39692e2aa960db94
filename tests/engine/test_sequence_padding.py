"""Padded steps are never read: NaN, infinities or any garbage there change no loss, no
gradient and no error, and the gradient there is exactly 0. Values at real steps are still
checked, with messages that name the step. No torch needed."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rnnloss_cli.engine._numerics import softmax
from rnnloss_cli.engine.reinforce import (
    advantages,
    discounted_returns,
    policy_log_probs,
    reinforce_loss,
    reinforce_loss_from_logits,
    reinforce_loss_grad,
    reinforce_policy_logits_grad,
)
from rnnloss_cli.engine.sequence import (
    sequence_cross_entropy,
    sequence_cross_entropy_grad,
    sequence_cross_entropy_terms,
    sequence_hinge,
    sequence_hinge_grad,
)

FAST = settings(max_examples=50, deadline=None)
GARBAGE = st.sampled_from([math.nan, math.inf, -math.inf, 1e308, -7.0, 0.0])
dims = st.tuples(st.integers(0, 2**32 - 1), st.integers(1, 4), st.integers(1, 5), st.integers(2, 4))


def batch(d):
    """Random (N, T) real-step mask (at least one real step), lengths-style or free mask."""
    seed, n, t, c = d
    rng = np.random.default_rng(seed)
    mask = rng.integers(0, 2, size=(n, t)).astype(bool)
    mask[0, 0] = True
    return rng, mask, n, t, c


def spoil(x, pad, value):
    """x with ``value`` at every padded step (pad has x's leading shape)."""
    pad = pad.reshape(pad.shape + (1,) * (np.ndim(x) - pad.ndim))
    return np.where(pad, value, x)


def same(a, b):
    np.testing.assert_array_equal(a, b)  # NaN == NaN at the same places


@FAST
@given(dims, GARBAGE, st.sampled_from(["sum", "mean_tokens", "mean_sequences", "none"]))
def test_sequence_cross_entropy_ignores_padded_values(d, garbage, reduction):
    rng, mask, n, t, c = batch(d)
    pad = ~mask
    z = rng.normal(size=(n, t, c))
    idx = rng.integers(0, c, size=(n, t))
    soft = softmax(rng.normal(size=(n, t, c)))
    for from_logits, x in ((True, z), (False, softmax(z))):
        for target, bad_target in ((idx, spoil(idx, pad, -100)), (soft, spoil(soft, pad, garbage))):
            kw = {"mask": mask, "reduction": reduction, "from_logits": from_logits}
            x2 = spoil(x, pad, garbage)
            same(
                sequence_cross_entropy(x, target, **kw),
                sequence_cross_entropy(x2, bad_target, **kw),
            )
            g = sequence_cross_entropy_grad(x2, bad_target, **kw)
            same(sequence_cross_entropy_grad(x, target, **kw), g)
            assert np.all(g[pad] == 0)
        kw = {"mask": mask, "from_logits": from_logits}
        for a, b in zip(
            sequence_cross_entropy_terms(x, idx, **kw),
            sequence_cross_entropy_terms(spoil(x, pad, garbage), spoil(idx, pad, -100), **kw),
            strict=True,
        ):
            same(a, b)


@FAST
@given(dims, GARBAGE, st.sampled_from(["mean", "sum", "mean_sequences", "none"]))
def test_sequence_hinge_ignores_padded_values(d, garbage, reduction):
    rng, mask, n, t, _ = batch(d)
    pad = ~mask
    yhat, y = rng.normal(size=(n, t)), rng.choice([-1.0, 1.0], size=(n, t))
    yhat2, y2 = spoil(yhat, pad, garbage), spoil(y, pad, garbage)
    kw = {"mask": mask, "reduction": reduction}
    same(sequence_hinge(yhat, y, **kw), sequence_hinge(yhat2, y2, **kw))
    g = sequence_hinge_grad(yhat2, y2, **kw)
    same(sequence_hinge_grad(yhat, y, **kw), g)
    assert np.all(g[pad] == 0)


@FAST
@given(dims, GARBAGE, st.sampled_from(["sum", "mean", "mean_sequences", "none"]))
def test_reinforce_ignores_padded_values(d, garbage, reduction):
    rng, mask, n, t, a = batch(d)
    pad = ~mask
    r = rng.normal(size=(n, t))
    same(
        discounted_returns(r, 0.9, mask=mask),
        discounted_returns(spoil(r, pad, garbage), 0.9, mask=mask),
    )
    ret = discounted_returns(r, 0.9, mask=mask)
    base = rng.normal(size=(n, t))
    for b, b2 in ((None, None), ("mean", "mean"), (0.5, 0.5), (base, spoil(base, pad, garbage))):
        same(
            advantages(ret, b, mask=mask),
            advantages(spoil(ret, pad, garbage), b2, mask=mask),
        )
    z = rng.normal(size=(n, t, a))
    act = rng.integers(0, a, size=(n, t))
    adv = rng.normal(size=(n, t))
    z2, act2, adv2 = spoil(z, pad, garbage), spoil(act, pad, -100), spoil(adv, pad, garbage)
    kw = {"mask": mask, "reduction": reduction}
    same(policy_log_probs(z, act, mask=mask), policy_log_probs(z2, act2, mask=mask))
    same(
        reinforce_loss_from_logits(z, act, adv, **kw),
        reinforce_loss_from_logits(z2, act2, adv2, **kw),
    )
    g = reinforce_policy_logits_grad(z2, act2, adv2, **kw)
    same(reinforce_policy_logits_grad(z, act, adv, **kw), g)
    assert np.all(g[pad] == 0)
    lp = policy_log_probs(z, act, mask=mask)
    lp2 = spoil(lp, pad, garbage)
    same(reinforce_loss(lp, adv, **kw), reinforce_loss(lp2, adv2, **kw))
    g = reinforce_loss_grad(lp2, adv2, **kw)
    same(reinforce_loss_grad(lp, adv, **kw), g)
    assert np.all(g[pad] == 0)


# ------------------------------------------------------------------ real steps still checked
@pytest.mark.parametrize(
    "call",
    [
        lambda: sequence_cross_entropy([[[0.5, 0.5], [math.nan, 0.5]]], [[0, 1]]),
        lambda: sequence_cross_entropy_grad(
            [[[0.0, 0.0], [0.0, math.inf]]], [[0, 1]], from_logits=True
        ),
        lambda: sequence_hinge([[0.5, math.nan]], [[1, 1]]),
        lambda: reinforce_loss([[-0.5, math.nan]], [[1.0, 1.0]]),
        lambda: discounted_returns([[1.0, math.inf]], 0.9),
    ],
)
def test_non_finite_at_a_real_step_names_it(call):
    with pytest.raises(
        ValueError, match=r"finite numbers .*at the real \(unpadded\) steps.*\(n=0, t=1\)"
    ):
        call()


def test_row_sum_message_shows_the_difference_and_the_tolerance():
    p = [[0.5, 0.5 + 1.5e-6]]  # sums to 1.0000015: outside 1e-6, but 1 at 6 digits
    with pytest.raises(ValueError) as info:
        sequence_cross_entropy(p, [0])
    msg = str(info.value)
    assert "sums to 1.0000015" in msg
    assert "1.5e-06" in msg and "tolerance 1e-06" in msg
