"""Tests for rnnloss_cli.engine.sequence: golden values worked by hand, finite differences,
hypothesis properties against classification.py, and error messages. No torch needed."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rnnloss_cli.engine._numerics import softmax
from rnnloss_cli.engine.classification import cross_entropy, hinge_loss
from rnnloss_cli.engine.sequence import (
    sequence_cross_entropy,
    sequence_cross_entropy_grad,
    sequence_cross_entropy_terms,
    sequence_hinge,
    sequence_hinge_grad,
    step_mask,
)
from tests.numeric import central_diff

FAST = settings(max_examples=60, deadline=None)

# Three steps whose target probabilities are 0.7, 0.5, 0.9 (targets 0, 1, 1).
P3 = [[0.7, 0.2, 0.1], [0.3, 0.5, 0.2], [0.05, 0.9, 0.05]]
T3 = [0, 1, 1]
# -(ln .7 + ln .5 + ln .9) = 0.356675 + 0.693147 + 0.105361 = 1.155183
CE3 = 0.356675 + 0.693147 + 0.105361

# Batch: sequence 0 is P3; sequence 1 has length 2 with target probabilities 0.8, 0.25 and
# a padded third step holding garbage (a row that does not sum to 1, target -100).
PB = [P3, [[0.8, 0.1, 0.1], [0.25, 0.25, 0.5], [0.0, 0.0, 0.0]]]
TB = [[0, 1, 1], [0, 1, -100]]
LB = [3, 2]
# -ln .8 - ln .25 = 0.223144 + 1.386294 = 1.609438; with CE3: 2.764621 over 5 tokens
CEB = CE3 + 0.223144 + 1.386294


# ---------------------------------------------------------------------------- helpers
def random_batch(seed: int, n: int, t: int, c: int):
    """Random logits (N, T, C), targets (N, T) and lengths (N,) with at least one real step."""
    rng = np.random.default_rng(seed)
    logits = rng.normal(scale=2.0, size=(n, t, c))
    target = rng.integers(0, c, size=(n, t))
    lengths = rng.integers(0, t + 1, size=n)
    lengths[0] = max(lengths[0], 1)
    return logits, target, lengths


dims = st.tuples(st.integers(0, 2**32 - 1), st.integers(1, 4), st.integers(1, 5), st.integers(2, 5))


# ---------------------------------------------------------------------------- step_mask
def test_step_mask_from_lengths_and_mask():
    expected = [[True, True, False], [True, False, False], [False, False, False]]
    assert step_mask([2, 1, 0], None, (3, 3)).tolist() == expected
    assert step_mask(None, [[1, 1, 0], [1, 0, 0], [0, 0, 0]], (3, 3)).tolist() == expected
    assert step_mask(2, None, (4,)).tolist() == [True, True, False, False]
    assert step_mask(None, None, (2, 2)).all()


@pytest.mark.parametrize(
    ("lengths", "mask", "shape", "match"),
    [
        ([2, 4], None, (2, 3), r"sequence 1 has length 4, expected 0 <= length <= T = 3"),
        ([-1, 2], None, (2, 3), r"sequence 0 has length -1"),
        ([1.5, 2], None, (2, 3), "integers"),
        ([1, 2, 3], None, (2, 3), r"expected shape \(2,\) \(N,\).*got shape \(3,\)"),
        ([1, 2], [[1, 1, 1], [1, 1, 1]], (2, 3), "either lengths or mask, not both"),
        (None, [[1, 1], [1, 1]], (2, 3), r"mask: expected shape \(2, 3\) \(N, T\), got \(2, 2\)"),
        (None, [[1, 2, 0], [1, 1, 1]], (2, 3), "0/1"),
    ],
)
def test_step_mask_errors(lengths, mask, shape, match):
    with pytest.raises(ValueError, match=match):
        step_mask(lengths, mask, shape)


# ---------------------------------------------------------------------------- CE goldens
@pytest.mark.parametrize(
    ("reduction", "expected"),
    [
        ("sum", CE3),  # the handout's formula: 1.155183
        ("mean_tokens", CE3 / 3),  # 0.385061
        ("mean_sequences", CE3),  # a single sequence: N = 1
    ],
)
def test_sequence_ce_single_sequence_golden(reduction, expected):
    assert sequence_cross_entropy(P3, T3, reduction=reduction) == pytest.approx(expected, abs=3e-6)


def test_sequence_ce_none_and_one_hot_targets():
    per = sequence_cross_entropy(P3, T3, reduction="none")
    np.testing.assert_allclose(per, [0.356675, 0.693147, 0.105361], atol=1e-6)
    one_hot = np.eye(3)[T3]
    assert sequence_cross_entropy(P3, one_hot) == pytest.approx(CE3, abs=3e-6)


@pytest.mark.parametrize(
    ("reduction", "expected"),
    [
        ("sum", CEB),  # 2.764621
        ("mean_tokens", CEB / 5),  # 3 + 2 real tokens: 0.552924
        ("mean_sequences", CEB / 2),  # 1.382311
    ],
)
def test_sequence_ce_padded_batch_golden(reduction, expected):
    got = sequence_cross_entropy(PB, TB, lengths=LB, reduction=reduction)
    assert got == pytest.approx(expected, abs=3e-6)
    mask = [[1, 1, 1], [1, 1, 0]]
    assert sequence_cross_entropy(PB, TB, mask=mask, reduction=reduction) == pytest.approx(got)


def test_sequence_ce_padded_none_is_zero_at_padding():
    per = sequence_cross_entropy(PB, TB, lengths=LB, reduction="none")
    np.testing.assert_allclose(
        per, [[0.356675, 0.693147, 0.105361], [0.223144, 1.386294, 0.0]], atol=1e-6
    )


def test_sequence_ce_logits_golden():
    # softmax([ln 3, 0]) = [3/4, 1/4]; softmax([0, 0]) = [1/2, 1/2]
    z = [[math.log(3.0), 0.0], [0.0, 0.0]]
    # -ln(3/4) - ln(1/2) = 0.287682 + 0.693147 = 0.980829
    assert sequence_cross_entropy(z, [0, 1], from_logits=True) == pytest.approx(0.980829, abs=1e-6)
    # d/dz = softmax - onehot: [3/4 - 1, 1/4] and [1/2, 1/2 - 1]
    np.testing.assert_allclose(
        sequence_cross_entropy_grad(z, [0, 1], from_logits=True),
        [[-0.25, 0.25], [0.5, -0.5]],
        atol=1e-12,
    )


def test_sequence_ce_soft_target_golden():
    # -(0.5 ln 0.8 + 0.5 ln 0.2) = 0.5 (0.223144 + 1.609438) = 0.916291
    got = sequence_cross_entropy([[0.8, 0.2]], [[0.5, 0.5]])
    assert got == pytest.approx(0.916291, abs=1e-6)


def test_sequence_ce_probability_grad_golden():
    # dL/dp = -y/p: -1/0.7, -1/0.5, -1/0.9 at the targets, 0 elsewhere; "mean_tokens" / 3
    grad = sequence_cross_entropy_grad(P3, T3, reduction="mean_tokens")
    expected = np.zeros((3, 3))
    expected[0, 0], expected[1, 1], expected[2, 1] = -1 / 0.7 / 3, -1 / 0.5 / 3, -1 / 0.9 / 3
    np.testing.assert_allclose(grad, expected, rtol=1e-12)


def test_sequence_ce_zero_probability():
    p = [[1.0, 0.0], [0.5, 0.5]]
    # 0 * ln 0 terms count as 0: only -ln 0.5 remains
    assert sequence_cross_entropy(p, [0, 0]) == pytest.approx(math.log(2.0))
    # the correct label has probability 0: inf, not a clipped number
    assert sequence_cross_entropy(p, [1, 0]) == math.inf
    assert sequence_cross_entropy_grad(p, [1, 0])[0, 1] == -math.inf
    # ... unless that step is padding
    assert sequence_cross_entropy(p, [1, 0], mask=[0, 1]) == pytest.approx(math.log(2.0))


def test_sequence_ce_terms_table():
    terms = sequence_cross_entropy_terms(PB, TB, lengths=LB)
    assert terms.target.tolist() == [[0, 1, 1], [0, 1, -1]]
    np.testing.assert_allclose(terms.prob[0], [0.7, 0.5, 0.9])
    np.testing.assert_allclose(terms.prob[1, :2], [0.8, 0.25])
    assert np.isnan(terms.prob[1, 2])
    np.testing.assert_allclose(
        terms.neg_log_prob, [[0.356675, 0.693147, 0.105361], [0.223144, 1.386294, 0.0]], atol=1e-6
    )
    assert terms.mask.tolist() == [[True, True, True], [True, True, False]]
    with pytest.raises(ValueError, match="not one-hot"):
        sequence_cross_entropy_terms([[0.8, 0.2]], [[0.5, 0.5]])


# ---------------------------------------------------------------------------- CE gradients
@pytest.mark.parametrize("reduction", ["sum", "mean_tokens", "mean_sequences", "none"])
@pytest.mark.parametrize("from_logits", [False, True])
@pytest.mark.parametrize("soft", [False, True])
def test_sequence_ce_grad_matches_finite_differences(reduction, from_logits, soft):
    rng = np.random.default_rng(7)
    n, t, c = 2, 4, 3
    z = rng.normal(size=(n, t, c))
    x = z if from_logits else softmax(z)
    target = softmax(rng.normal(size=(n, t, c))) if soft else rng.integers(0, c, size=(n, t))
    lengths = [4, 2]

    def f(v):
        out = sequence_cross_entropy(
            v, target, lengths=lengths, reduction=reduction, from_logits=from_logits
        )
        return float(np.sum(out))  # "none": gradient of the summed per-step losses

    # For probabilities, h stays far below the 1e-6 row-sum tolerance.
    num = central_diff(f, x, h=1e-6 if from_logits else 1e-7)
    grad = sequence_cross_entropy_grad(
        x, target, lengths=lengths, reduction=reduction, from_logits=from_logits
    )
    np.testing.assert_allclose(grad, num, rtol=1e-5, atol=1e-6)
    assert np.all(grad[1, 2:] == 0)


# ---------------------------------------------------------------------------- CE properties
@FAST
@given(dims)
def test_sequence_ce_sum_equals_per_sequence_cross_entropy(d):
    logits, target, lengths = random_batch(*d)
    n, t, _ = logits.shape
    m = np.arange(t) < lengths[:, None]
    expected = sum(
        cross_entropy(logits[i], np.where(m[i], target[i], -100), reduction="sum") for i in range(n)
    )
    got = sequence_cross_entropy(logits, target, lengths=lengths, from_logits=True)
    assert got == pytest.approx(expected, rel=1e-12, abs=1e-12)
    # probability input gives the same number as the logits it came from
    got_p = sequence_cross_entropy(softmax(logits), target, lengths=lengths)
    assert got_p == pytest.approx(expected, rel=1e-9, abs=1e-12)


@FAST
@given(dims)
def test_sequence_ce_means_are_scaled_sums(d):
    logits, target, lengths = random_batch(*d)
    kw = {"lengths": lengths, "from_logits": True}
    total = sequence_cross_entropy(logits, target, reduction="sum", **kw)
    per = sequence_cross_entropy(logits, target, reduction="none", **kw)
    assert np.sum(per) == pytest.approx(total, rel=1e-12)
    tokens = int(np.sum(lengths))
    assert sequence_cross_entropy(logits, target, reduction="mean_tokens", **kw) == pytest.approx(
        total / tokens, rel=1e-12
    )
    assert sequence_cross_entropy(
        logits, target, reduction="mean_sequences", **kw
    ) == pytest.approx(total / len(lengths), rel=1e-12)


@FAST
@given(dims, st.sampled_from(["sum", "mean_tokens", "mean_sequences", "none"]))
def test_sequence_ce_padding_invariance(d, reduction):
    logits, target, lengths = random_batch(*d)
    n, t, c = logits.shape
    pad = ~(np.arange(t) < lengths[:, None])
    rng = np.random.default_rng(d[0] + 1)
    for from_logits in (True, False):
        x = logits if from_logits else softmax(logits)
        # garbage at the padded steps: rows not summing to 1, and out-of-range targets
        x2 = np.where(pad[..., None], rng.uniform(-5, 5, size=(n, t, c)), x)
        t2 = np.where(pad, -100, target)
        kw = {"lengths": lengths, "reduction": reduction, "from_logits": from_logits}
        np.testing.assert_array_equal(
            sequence_cross_entropy(x, target, **kw), sequence_cross_entropy(x2, t2, **kw)
        )
        np.testing.assert_array_equal(
            sequence_cross_entropy_grad(x, target, **kw),
            sequence_cross_entropy_grad(x2, t2, **kw),
        )


# ---------------------------------------------------------------------------- CE errors
def test_sequence_ce_rows_must_sum_to_one():
    p = [[0.7, 0.3], [0.6, 0.3]]
    with pytest.raises(ValueError, match=r"row t=1 sums to 0\.9.*from_logits=True"):
        sequence_cross_entropy(p, [0, 1])
    with pytest.raises(ValueError, match=r"row \(n=0, t=1\) sums to 0\.9"):
        sequence_cross_entropy([p], [[0, 1]])
    # a 1e-7 deviation is inside the tolerance
    assert np.isfinite(sequence_cross_entropy([[0.7, 0.3 + 1e-7]], [0]))
    with pytest.raises(ValueError, match="negative probability"):
        sequence_cross_entropy([[1.2, -0.2]], [0])


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"target": [0, 1]}, r"expected class indices of shape \(3,\).*got \(2,\)"),
        ({"target": [[1.0, 0.0, 0.0]] * 3}, r"of shape \(3, 2\).*got \(3, 3\)"),
        ({"target": [0, 2, 1]}, r"class index 2 at t=1 outside \[0, 1\]"),
        ({"target": [0, 0.5, 1]}, "integer class indices"),
        ({"target": [[1.0, 0.0], [0.6, 0.6], [0.0, 1.0]]}, r"target: row t=1 sums to 1\.2"),
        ({"lengths": 4}, r"length 4, expected 0 <= length <= T = 3"),
        ({"lengths": 2, "mask": [1, 1, 0]}, "not both"),
        ({"mask": [1, 1]}, r"expected shape \(3,\) \(T,\), got \(2,\)"),
        ({"reduction": "mean"}, "mean_tokens"),
        ({"reduction": "avg"}, "reduction: expected one of"),
        ({"mask": [0, 0, 0], "reduction": "mean_tokens"}, "at least one unpadded step"),
        ({"input": [0.5, 0.5]}, r"expected shape \(T, C\).*got \(2,\)"),
        ({"input": [[0.5, math.nan]] * 3}, "NaN"),
    ],
)
def test_sequence_ce_bad_input(kwargs, match):
    args = {"input": [[0.5, 0.5]] * 3, "target": [0, 1, 1], **kwargs}
    with pytest.raises(ValueError, match=match):
        sequence_cross_entropy(**args)
    with pytest.raises(ValueError, match=match):
        sequence_cross_entropy_grad(**args)


# ---------------------------------------------------------------------------- hinge
HANDOUT_Y, HANDOUT_YHAT = [1, -1, 1], [0.8, -0.5, 0.3]


@pytest.mark.parametrize(
    ("reduction", "expected"),
    [
        # handout: max(0, 1 - 0.8) = 0.2, max(0, 1 - 0.5) = 0.5, max(0, 1 - 0.3) = 0.7
        ("mean", (0.2 + 0.5 + 0.7) / 3),  # worked example: 0.4667
        ("sum", 1.4),  # its formula
        ("mean_sequences", 1.4),  # N = 1
    ],
)
def test_sequence_hinge_handout(reduction, expected):
    got = sequence_hinge(HANDOUT_YHAT, HANDOUT_Y, reduction=reduction)
    assert got == pytest.approx(expected, abs=1e-12)


def test_sequence_hinge_none_and_grad_golden():
    np.testing.assert_allclose(
        sequence_hinge(HANDOUT_YHAT, HANDOUT_Y, reduction="none"), [0.2, 0.5, 0.7], atol=1e-12
    )
    # every margin is positive, so d/dyhat = -y / 3 for "mean"
    np.testing.assert_allclose(
        sequence_hinge_grad(HANDOUT_YHAT, HANDOUT_Y), [-1 / 3, 1 / 3, -1 / 3], atol=1e-15
    )


@pytest.mark.parametrize(
    ("reduction", "expected"),
    [
        # sequence 1: [2.0, -0.2] labels [1, 1]: max(0, -1) = 0, max(0, 1.2) = 1.2; pad ignored
        ("sum", 1.4 + 1.2),
        ("mean", 2.6 / 5),  # 5 real steps
        ("mean_sequences", 2.6 / 2),
    ],
)
def test_sequence_hinge_padded_batch(reduction, expected):
    yhat = [HANDOUT_YHAT, [2.0, -0.2, 9.0]]
    y = [HANDOUT_Y, [1, 1, 0]]  # padded label 0 is allowed: it is never read
    got = sequence_hinge(yhat, y, lengths=[3, 2], reduction=reduction)
    assert got == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("reduction", ["mean", "sum", "mean_sequences", "none"])
def test_sequence_hinge_grad_matches_finite_differences(reduction):
    rng = np.random.default_rng(3)
    y = rng.choice([-1.0, 1.0], size=(3, 5))
    yhat = rng.normal(size=(3, 5))
    # keep every margin away from the kink at 1 - y*yhat = 0
    margin = 1 - y * yhat
    yhat = np.where(np.abs(margin) < 0.1, yhat + 0.3 * y, yhat)
    mask = rng.integers(0, 2, size=(3, 5))
    mask[0, 0] = 1

    def f(v):
        return float(np.sum(sequence_hinge(v, y, mask=mask, reduction=reduction)))

    grad = sequence_hinge_grad(yhat, y, mask=mask, reduction=reduction)
    np.testing.assert_allclose(grad, central_diff(f, yhat), rtol=1e-6, atol=1e-8)
    assert np.all(grad[mask == 0] == 0)


@FAST
@given(dims)
def test_sequence_hinge_mean_equals_hinge_loss_on_real_steps(d):
    seed, n, t, _ = d
    rng = np.random.default_rng(seed)
    yhat = rng.normal(size=(n, t))
    y = rng.choice([-1.0, 1.0], size=(n, t))
    mask = rng.integers(0, 2, size=(n, t))
    mask[0, 0] = 1
    real = mask.astype(bool)
    got = sequence_hinge(yhat, y, mask=mask)
    assert got == pytest.approx(hinge_loss(yhat[real], y[real]), rel=1e-12)
    # padding invariance: garbage scores and 0 labels at padded steps change nothing
    yhat2 = np.where(real, yhat, 1e3)
    y2 = np.where(real, y, 0.0)
    for reduction in ("mean", "sum", "mean_sequences", "none"):
        kw = {"mask": mask, "reduction": reduction}
        np.testing.assert_array_equal(
            sequence_hinge(yhat, y, **kw), sequence_hinge(yhat2, y2, **kw)
        )
        np.testing.assert_array_equal(
            sequence_hinge_grad(yhat, y, **kw), sequence_hinge_grad(yhat2, y2, **kw)
        )


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"target": [1, 0, 1]}, r"got 0 at t=1.*look like 0/1.*y = 2\*label - 1"),
        ({"target": [1, 2, 1]}, r"expected labels -1 or \+1, got 2 at t=1$"),
        ({"target": [1, -1]}, r"expected shape \(3,\) \(T,\) like input, got \(2,\)"),
        ({"lengths": 5}, "length 5"),
        ({"lengths": 2, "mask": [1, 1, 0]}, "not both"),
        ({"reduction": "mean_tokens"}, "reduction: expected one of"),
        ({"input": [[[0.1]]], "target": [[[1]]]}, r"shape \(T,\) or \(N, T\)"),
    ],
)
def test_sequence_hinge_bad_input(kwargs, match):
    args = {"input": HANDOUT_YHAT, "target": HANDOUT_Y, **kwargs}
    with pytest.raises(ValueError, match=match):
        sequence_hinge(**args)
    with pytest.raises(ValueError, match=match):
        sequence_hinge_grad(**args)


@pytest.mark.filterwarnings("error")
def test_gradient_past_the_float_range_is_infinite_without_a_warning():
    # −y / ŷ at the target: −1 / 1e−320 = −1e320, past the float range: −inf
    from rnnloss_cli.engine.sequence import sequence_cross_entropy_grad

    grad = sequence_cross_entropy_grad([[1e-320, 1.0], [0.5, 0.5]], [0, 0])
    assert grad.tolist() == [[-math.inf, 0.0], [-2.0, 0.0]]
