"""Tests for rnnloss_cli.engine.reinforce: returns, advantages and the REINFORCE loss.

Golden values are worked by hand in the comments; gradients are checked against central
finite differences; properties use hypothesis. No torch needed."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rnnloss_cli.engine._numerics import log_softmax
from rnnloss_cli.engine.reinforce import (
    advantages,
    discounted_returns,
    policy_log_probs,
    reinforce_loss,
    reinforce_loss_from_logits,
    reinforce_loss_grad,
    reinforce_policy_logits_grad,
)
from tests.numeric import central_diff

FAST = settings(max_examples=60, deadline=None)
REDUCTIONS = ["sum", "mean", "mean_sequences", "none"]


episodes = st.tuples(st.integers(0, 2**32 - 1), st.integers(1, 4), st.integers(1, 6))


# ---------------------------------------------------------------------------- returns
@pytest.mark.parametrize(
    ("rewards", "gamma", "expected"),
    [
        # brief: R = [1 + 0.99^2, 0.99, 1] = [1.9801, 0.99, 1.0]
        ([1.0, 0.0, 1.0], 0.99, [1.9801, 0.99, 1.0]),
        # R2 = 3, R1 = 2 + 0.5*3 = 3.5, R0 = 1 + 0.5*3.5 = 2.75
        ([1.0, 2.0, 3.0], 0.5, [2.75, 3.5, 3.0]),
        # gamma = 0: each step keeps only its own reward
        ([1.0, 2.0, 3.0], 0.0, [1.0, 2.0, 3.0]),
        # gamma = 1: reward-to-go 6, 5, 3
        ([1.0, 2.0, 3.0], 1.0, [6.0, 5.0, 3.0]),
    ],
)
def test_discounted_returns_golden(rewards, gamma, expected):
    np.testing.assert_allclose(discounted_returns(rewards, gamma), expected, rtol=1e-12)


def test_discounted_returns_padded_batch():
    r = [[1.0, 2.0, 3.0], [2.0, 5.0, 7.0]]
    # episode 1 has one real step: its rewards 5 and 7 are padding, R = [2, 0, 0]
    got = discounted_returns(r, 0.5, lengths=[3, 1])
    np.testing.assert_allclose(got, [[2.75, 3.5, 3.0], [2.0, 0.0, 0.0]], rtol=1e-12)
    np.testing.assert_array_equal(got, discounted_returns(r, 0.5, mask=[[1, 1, 1], [1, 0, 0]]))


@FAST
@given(episodes, st.floats(0.0, 1.0))
def test_discounted_returns_closed_form(ep, gamma):
    seed, n, t = ep
    rng = np.random.default_rng(seed)
    r = rng.normal(size=(n, t))
    lengths = rng.integers(0, t + 1, size=n)
    got = discounted_returns(r, gamma, lengths=lengths)
    # R_t = sum_{k=t}^{L-1} gamma^(k-t) r_k, written out with explicit loops
    expected = np.zeros((n, t))
    for i in range(n):
        for s in range(lengths[i]):
            expected[i, s] = sum(gamma ** (k - s) * r[i, k] for k in range(s, lengths[i]))
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)


@FAST
@given(episodes)
def test_discounted_returns_gamma_edges(ep):
    seed, n, t = ep
    r = np.random.default_rng(seed).normal(size=(n, t))
    np.testing.assert_array_equal(discounted_returns(r, 0.0), r)
    reversed_cumsum = np.cumsum(r[:, ::-1], axis=1)[:, ::-1]
    np.testing.assert_allclose(discounted_returns(r, 1.0), reversed_cumsum, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("gamma", [-0.1, 1.01, math.nan])
def test_discounted_returns_gamma_outside_unit_interval(gamma):
    with pytest.raises(ValueError, match=r"gamma: expected a discount factor in \[0, 1\]"):
        discounted_returns([1.0, 2.0], gamma)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"lengths": [4, 1]}, r"sequence 0 has length 4, expected 0 <= length <= T = 3"),
        ({"lengths": [3, 1], "mask": [[1, 1, 1], [1, 0, 0]]}, "not both"),
        ({"mask": [[1, 1, 1]]}, r"mask: expected shape \(2, 3\) \(N, T\), got \(1, 3\)"),
        ({"rewards": [[[1.0]]]}, r"rewards: expected shape \(T,\) for one episode or \(N, T\)"),
    ],
)
def test_discounted_returns_bad_input(kwargs, match):
    args = {"rewards": [[1.0, 2.0, 3.0], [2.0, 5.0, 7.0]], "gamma": 0.9, **kwargs}
    with pytest.raises(ValueError, match=match):
        discounted_returns(**args)


# ---------------------------------------------------------------------------- advantages
def test_advantages_baselines():
    ret = [2.75, 3.5, 3.0]  # returns of r = [1, 2, 3], gamma 0.5
    np.testing.assert_array_equal(advantages(ret), ret)
    np.testing.assert_allclose(advantages(ret, 3.0), [-0.25, 0.5, 0.0])
    # mean baseline: (2.75 + 3.5 + 3) / 3 = 37/12, so A = [-4/12, 5/12, -1/12]
    np.testing.assert_allclose(advantages(ret, "mean"), [-1 / 3, 5 / 12, -1 / 12], rtol=1e-12)
    np.testing.assert_allclose(advantages(ret, [1.0, 2.0, 3.0]), [1.75, 1.5, 0.0])


def test_advantages_mean_is_per_episode_over_real_steps():
    ret = [[2.75, 3.5, 3.0], [2.0, 99.0, 99.0]]
    got = advantages(ret, "mean", lengths=[3, 1])
    # episode 1: only R = 2 is real, its mean is 2, A = [0, 0 (pad), 0 (pad)]
    np.testing.assert_allclose(got, [[-1 / 3, 5 / 12, -1 / 12], [0.0, 0.0, 0.0]], atol=1e-12)
    # an episode without real steps gives zeros, not NaN
    np.testing.assert_array_equal(advantages(ret, "mean", lengths=[3, 0])[1], [0.0, 0.0, 0.0])


@FAST
@given(episodes)
def test_advantages_mean_sums_to_zero_per_episode(ep):
    seed, n, t = ep
    rng = np.random.default_rng(seed)
    ret = rng.normal(size=(n, t))
    mask = rng.integers(0, 2, size=(n, t))
    a = advantages(ret, "mean", mask=mask)
    np.testing.assert_allclose(np.sum(a, axis=1), 0.0, atol=1e-12)
    assert np.all(a[mask == 0] == 0)


@pytest.mark.parametrize(
    ("baseline", "match"),
    [
        ("median", r"baseline: expected None, a number, 'mean' or an array, got 'median'"),
        ([1.0, 2.0], r"baseline: expected shape \(3,\) \(T,\) like returns, got \(2,\)"),
    ],
)
def test_advantages_bad_baseline(baseline, match):
    with pytest.raises(ValueError, match=match):
        advantages([1.0, 2.0, 3.0], baseline)


# ---------------------------------------------------------------------------- loss goldens
# Hand-worked episode: r = [1, 2, 3], gamma = 0.5 -> R = [2.75, 3.5, 3] (above); baseline
# "mean" -> A = [-1/3, 5/12, -1/12]; pi(y_t | s_t) = [0.5, 0.25, 0.8].
# J = sum_t A_t ln pi_t = (-1/3)(-0.693147) + (5/12)(-1.386294) + (-1/12)(-0.223144)
#   = 0.231049 - 0.577623 + 0.018595 = -0.327979, so L = -J = 0.327979.
PI = [0.5, 0.25, 0.8]
LOSS_HAND = -(0.231049 - 0.577623 + 0.018595)  # 0.327979


@pytest.mark.parametrize(
    ("reduction", "expected"),
    [("sum", LOSS_HAND), ("mean", LOSS_HAND / 3), ("mean_sequences", LOSS_HAND)],
)
def test_reinforce_loss_hand_worked_with_mean_baseline(reduction, expected):
    a = advantages(discounted_returns([1.0, 2.0, 3.0], 0.5), "mean")
    got = reinforce_loss(np.log(PI), a, reduction=reduction)
    assert got == pytest.approx(expected, abs=2e-6)


def test_reinforce_loss_none_and_grad_golden():
    a = [-1 / 3, 5 / 12, -1 / 12]
    per = reinforce_loss(np.log(PI), a, reduction="none")
    np.testing.assert_allclose(per, [-0.231049, 0.577623, -0.018595], atol=1e-6)
    # dL/d ln pi_t = -A_t
    np.testing.assert_allclose(reinforce_loss_grad(np.log(PI), a), [1 / 3, -5 / 12, 1 / 12])


def test_reinforce_logits_golden():
    # pi = softmax([0, 0]) = [1/2, 1/2], action 0, A = 2: L = -2 ln(1/2) = 1.386294
    z, act, a = [[0.0, 0.0]], [0], [2.0]
    assert reinforce_loss_from_logits(z, act, a) == pytest.approx(2 * math.log(2.0))
    # dL/dz = A (softmax - onehot) = 2 ([1/2, 1/2] - [1, 0]) = [-1, 1]
    np.testing.assert_allclose(reinforce_policy_logits_grad(z, act, a), [[-1.0, 1.0]])


# ---------------------------------------------------------------------------- gradients
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_reinforce_loss_grad_matches_finite_differences(reduction):
    rng = np.random.default_rng(11)
    lp = np.log(rng.uniform(0.05, 1.0, size=(3, 4)))
    a = rng.normal(size=(3, 4))
    lengths = [4, 2, 1]

    def f(v):
        return float(np.sum(reinforce_loss(v, a, lengths=lengths, reduction=reduction)))

    grad = reinforce_loss_grad(lp, a, lengths=lengths, reduction=reduction)
    np.testing.assert_allclose(grad, central_diff(f, lp), rtol=1e-6, atol=1e-9)
    assert np.all(grad[1, 2:] == 0)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("batched", [False, True])
def test_reinforce_policy_logits_grad_matches_finite_differences(reduction, batched):
    rng = np.random.default_rng(5)
    shape = (2, 4) if batched else (4,)
    z = rng.normal(size=(*shape, 3))
    act = rng.integers(0, 3, size=shape)
    a = rng.normal(size=shape)
    mask = np.ones(shape, dtype=int)
    mask[..., -1] = 0

    def f(v):
        out = reinforce_loss_from_logits(v, act, a, mask=mask, reduction=reduction)
        return float(np.sum(out))

    grad = reinforce_policy_logits_grad(z, act, a, mask=mask, reduction=reduction)
    np.testing.assert_allclose(grad, central_diff(f, z), rtol=1e-6, atol=1e-9)
    assert np.all(grad[..., -1, :] == 0)


# ---------------------------------------------------------------------------- properties
@FAST
@given(episodes, st.integers(2, 5), st.sampled_from(REDUCTIONS))
def test_loss_from_logits_consistent_and_padding_invariant(ep, n_actions, reduction):
    seed, n, t = ep
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, t, n_actions))
    act = rng.integers(0, n_actions, size=(n, t))
    a = rng.normal(size=(n, t))
    lengths = rng.integers(1, t + 1, size=n)
    pad = ~(np.arange(t) < lengths[:, None])
    kw = {"lengths": lengths, "reduction": reduction}

    lp_taken = np.take_along_axis(log_softmax(z), act[..., None], axis=-1)[..., 0]
    np.testing.assert_allclose(
        policy_log_probs(z, act, lengths=lengths), np.where(pad, 0.0, lp_taken), rtol=1e-12
    )
    loss = reinforce_loss_from_logits(z, act, a, **kw)
    np.testing.assert_allclose(loss, reinforce_loss(lp_taken, a, **kw), rtol=1e-12)
    # -sum A_t ln pi_t written out directly
    direct = -np.where(pad, 0.0, a * lp_taken)
    if reduction != "none":
        scale = {"sum": 1, "mean": 1 / np.sum(~pad), "mean_sequences": 1 / n}[reduction]
        direct = np.sum(direct) * scale
    np.testing.assert_allclose(loss, direct, rtol=1e-12, atol=1e-15)

    # garbage at padded steps: other logits, invalid actions and advantages, positive "log pi"
    z2 = np.where(pad[..., None], 50.0, z)
    act2 = np.where(pad, -1, act)
    a2 = np.where(pad, 1e6, a)
    lp2 = np.where(pad, 3.0, lp_taken)
    np.testing.assert_array_equal(loss, reinforce_loss_from_logits(z2, act2, a2, **kw))
    np.testing.assert_array_equal(
        reinforce_policy_logits_grad(z, act, a, **kw),
        reinforce_policy_logits_grad(z2, act2, a2, **kw),
    )
    np.testing.assert_array_equal(
        reinforce_loss_grad(lp_taken, a, **kw), reinforce_loss_grad(lp2, a2, **kw)
    )


# ---------------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"action_log_probs": [0.5, 0.25]}, r"ln pi <= 0, got 0\.5 at t=0.*natural log"),
        ({"advantages": [1.0]}, r"advantages: expected shape \(2,\) \(T,\).*got \(1,\)"),
        ({"reduction": "mean_tokens"}, "reduction: expected one of"),
        ({"lengths": 3}, "length 3"),
        ({"lengths": 1, "mask": [1, 0]}, "not both"),
        ({"mask": [0, 0], "reduction": "mean"}, "at least one unpadded step"),
    ],
)
def test_reinforce_loss_bad_input(kwargs, match):
    args = {"action_log_probs": np.log([0.5, 0.25]), "advantages": [1.0, 2.0], **kwargs}
    with pytest.raises(ValueError, match=match):
        reinforce_loss(**args)
    with pytest.raises(ValueError, match=match):
        reinforce_loss_grad(**args)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"actions": [0, 3]}, r"actions: class index 3 at t=1 outside \[0, 1\]"),
        ({"actions": [0]}, r"actions: expected shape \(2,\) \(T,\), got \(1,\)"),
        ({"advantages": [1.0, 2.0, 3.0]}, r"advantages: expected shape \(2,\).*got \(3,\)"),
        ({"logits": [0.0, 0.0]}, r"logits: expected shape \(T, A\)"),
    ],
)
def test_reinforce_logits_bad_input(kwargs, match):
    args = {"logits": [[0.0, 0.0], [1.0, 0.0]], "actions": [0, 1], "advantages": [1.0, 2.0]}
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        reinforce_loss_from_logits(**args)
    with pytest.raises(ValueError, match=match):
        reinforce_policy_logits_grad(**args)


@pytest.mark.filterwarnings("error")
def test_minus_infinity_logit_is_an_action_of_probability_zero():
    # ln of the policy ((1, 0), (0.5, 0.5)): logits (0, -inf) and (ln 0.5, ln 0.5), as
    # cross_entropy takes -inf. Actions 0 then 1, A = (2, 2):
    # L = -(2 ln 1 + 2 ln 0.5) = 2 ln 2; dL/dz_t = A_t (pi_t - onehot(y_t)):
    # (2 (1 - 1), 2 · 0) = (0, 0) and (2 · 0.5, 2 (0.5 - 1)) = (1, -1).
    z = [[0.0, -math.inf], [math.log(0.5), math.log(0.5)]]
    assert reinforce_loss_from_logits(z, [0, 1], [2.0, 2.0]) == pytest.approx(2 * math.log(2))
    grad = reinforce_policy_logits_grad(z, [0, 1], [2.0, 2.0])
    np.testing.assert_allclose(grad, [[0.0, 0.0], [1.0, -1.0]], atol=1e-15)
    for bad, match in [
        ([[0.0, math.inf], [0.0, 0.0]], r"logits: .*NaN or \+inf at t=0"),
        ([[0.0, math.nan], [0.0, 0.0]], r"logits: .*NaN or \+inf at t=0"),
        ([[0.0, 0.0], [-math.inf, -math.inf]], r"logits: every action .* t=1"),
    ]:
        with pytest.raises(ValueError, match=match):
            reinforce_policy_logits_grad(bad, [0, 1], [2.0, 2.0])
    # padded steps may hold anything
    padded = [[0.0, -math.inf], [math.nan, -math.inf]]
    assert reinforce_loss_from_logits(padded, [0, 0], [2.0, 2.0], lengths=1) == 0.0


@pytest.mark.filterwarnings("error")
def test_reinforce_loss_near_the_float_range():
    # A = (1e308, -1e308), ln pi = (-10, -10): L = -(1e308·(-10) + (-1e308)·(-10)) = 0,
    # though each product (∓1e309) overflows; worked as m Σ (A/m) ln pi with m = 1e308.
    assert reinforce_loss([-10.0, -10.0], [1e308, -1e308]) == 0.0
    # A ln pi = 1e308 · ln 1e-300 = -6.9e310: past the float range, so L = +inf
    assert reinforce_loss([math.log(1e-300)], [1e308]) == math.inf
    # mean of 1.5e308 twice: 1.5e308 (the sum 3e308 overflows)
    assert reinforce_loss([-1.5, -1.5], [1e308, 1e308], reduction="mean") == pytest.approx(
        1.5e308, rel=1e-15
    )


@pytest.mark.filterwarnings("error")
def test_returns_and_mean_baseline_near_the_float_range():
    # R = (1e308 + 1e308, 1e308) = (inf, 1e308): the first return does not fit a double
    assert discounted_returns([1e308, 1e308], 1.0).tolist() == [math.inf, 1e308]
    # b = (1e308 + 1e308) / 2 = 1e308 without overflowing the sum: A = (0, 0)
    assert advantages([1e308, 1e308], "mean").tolist() == [0.0, 0.0]
