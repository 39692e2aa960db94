"""The per-call shortcuts of the CTC glue (issue 12, small shapes).

``ctc_loss_and_grad`` assembles the gradient in three passes when every frame is valid and
every loss finite (grad = c_n * (exp(lp) - gamma)); otherwise it builds a per-frame weight.
``_prepare`` checks lengths and labels with Python min/max on arrays of at most ``_SMALL``
entries and numpy reductions on larger ones, and skips the padding pass when every target
fills the padded width. Each shortcut is compared with finite differences or with the general
path on inputs that do and do not take it; each branch of the checks keeps its message.
"""

from __future__ import annotations

import numpy as np
import pytest

import rnnloss_cli.engine._ctc_checks as checks
from rnnloss_cli.engine.ctc import ctc_loss, ctc_loss_and_grad
from rnnloss_cli.engine.errors import EngineError
from tests.numeric import central_diff


def log_softmax(x: np.ndarray) -> np.ndarray:
    z = x - x.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


def full_batch(seed: int, n_frames=6, n_batch=2, n_classes=4, s_max=2):
    """Every input length T and every target length S_max: the gradient shortcut applies."""
    rng = np.random.default_rng(seed)
    logits = rng.standard_normal((n_frames, n_batch, n_classes))
    targets = rng.integers(1, n_classes, size=(n_batch, s_max))
    targets[0, 1] = targets[0, 0]  # a repeat (needs a blank between: min frames 3 <= T)
    il = np.full(n_batch, n_frames)
    tl = np.full(n_batch, s_max)
    return logits, targets, il, tl


@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
def test_shortcut_gradient_matches_finite_differences(reduction):
    logits, targets, il, tl = full_batch(1)

    def total(u):
        loss = ctc_loss(log_softmax(u), targets, il, tl, reduction=reduction)
        return float(np.sum(loss))

    expected_logits = central_diff(total, logits)
    _, grad = ctc_loss_and_grad(log_softmax(logits), targets, il, tl, reduction=reduction)
    np.testing.assert_allclose(grad, expected_logits, rtol=1e-6, atol=1e-8)

    lp = log_softmax(logits)

    def total_lp(x):  # log_probs as free inputs
        return float(np.sum(ctc_loss(x, targets, il, tl, reduction=reduction)))

    expected_lp = central_diff(total_lp, lp)
    _, grad_lp = ctc_loss_and_grad(lp, targets, il, tl, reduction=reduction, wrt="log_probs")
    np.testing.assert_allclose(grad_lp, expected_lp, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("wrt", ["logits", "log_probs"])
@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_shortcut_agrees_with_general_path(wrt, reduction, dtype):
    """The same sequences with one extra frame past every input length take the general path
    (input_lengths < T); their first T frames must carry the same gradient, the extra one 0."""
    logits, targets, il, tl = full_batch(2, n_frames=7, n_batch=3)
    lp = log_softmax(logits).astype(dtype)
    padded = np.concatenate([lp, np.zeros((1,) + lp.shape[1:], dtype=dtype)])
    loss_a, fast = ctc_loss_and_grad(lp, targets, il, tl, reduction=reduction, wrt=wrt)
    loss_b, general = ctc_loss_and_grad(padded, targets, il, tl, reduction=reduction, wrt=wrt)
    assert fast.dtype == general.dtype == dtype
    np.testing.assert_array_equal(loss_a, loss_b)
    assert not general[-1].any()
    # (e - gamma) * c against 0 - gamma * c + e * c: equal up to a few roundings.
    tol = 1e-15 if dtype == np.float64 else 1e-7
    np.testing.assert_allclose(fast, general[:-1], rtol=4 * tol, atol=tol)
    if dtype == np.float32:
        # Rounded once from the float64 result of the same (float32-valued) input.
        _, wide = ctc_loss_and_grad(
            lp.astype(np.float64), targets, il, tl, reduction=reduction, wrt=wrt
        )
        np.testing.assert_array_equal(fast, wide.astype(np.float32))


@pytest.mark.parametrize("wrt", ["logits", "log_probs"])
def test_shortcut_has_no_negative_zeros(wrt):
    """Class 3 is never in the target and has probability 0 at frame 1: its occupation is 0,
    exp(lp) is 0 there, so the gradient is exactly 0 and must print as 0, not -0."""
    logits, targets, il, tl = full_batch(3, n_classes=4)
    targets[:] = [[1, 2], [2, 1]]
    lp = log_softmax(logits)
    lp[1, :, 3] = -np.inf
    lp[1] = lp[1] - np.logaddexp.reduce(lp[1], axis=-1, keepdims=True)
    _, grad = ctc_loss_and_grad(lp, targets, il, tl, reduction="mean", wrt=wrt)
    zeros = grad == 0.0
    assert zeros[:, :, 3].any()
    assert not np.signbit(grad[zeros]).any()


def test_infinite_loss_still_nan_or_zero():
    """An impossible target (S = 3 labels in T = 2 frames) leaves the shortcut: NaN gradient,
    or 0 with zero_infinity, on that sequence only; the other keeps its finite gradient."""
    logits, targets, il, tl = full_batch(4, n_frames=2, n_batch=2, s_max=3)
    tl = np.array([3, 1])
    targets[1] = [1, 2, 3]
    lp = log_softmax(logits)
    _, grad = ctc_loss_and_grad(lp, targets, il, tl, reduction="sum")
    assert np.isnan(grad[:, 0]).all() and np.isfinite(grad[:, 1]).all()
    _, grad = ctc_loss_and_grad(lp, targets, il, tl, reduction="sum", zero_infinity=True)
    assert not grad[:, 0].any() and np.isfinite(grad[:, 1]).all()


# ---------------------------------------------------------------------------------------------
# Argument checks: the small (Python) and large (numpy) branches say the same thing
# ---------------------------------------------------------------------------------------------

SIZES = [3, checks._SMALL + 5]  # batch sizes on either side of the Python/numpy switch


def args(n_batch: int, n_frames: int = 5, n_classes: int = 4, s_max: int = 2):
    lp = np.full((n_frames, n_batch, n_classes), np.log(1.0 / n_classes))
    targets = np.tile(np.array([[1, 2]]), (n_batch, 1))[:, :s_max]
    return lp, targets, np.full(n_batch, n_frames), np.full(n_batch, s_max)


@pytest.mark.parametrize("n_batch", SIZES)
def test_full_width_label_errors(n_batch):
    lp, targets, il, tl = args(n_batch)
    last = n_batch - 1
    bad = targets.copy()
    bad[last, 1] = 0  # the blank, inside a full-width target
    with pytest.raises(
        EngineError, match=rf"other than blank=0; got 0 at position 1 of sequence {last}$"
    ):
        ctc_loss(lp, bad, il, tl)
    bad = targets.copy()
    bad[last, 0] = 4  # C = 4: out of range
    with pytest.raises(EngineError, match=r"in \[0, 4\) other than blank=0; got 4 at position 0"):
        ctc_loss(lp, bad, il, tl)
    bad = targets.copy()
    bad[last, 1] = -1
    with pytest.raises(EngineError, match=rf"got -1 at position 1 of sequence {last}$"):
        ctc_loss(lp, bad, il, tl)


@pytest.mark.parametrize("n_batch", SIZES)
def test_length_errors(n_batch):
    lp, targets, il, tl = args(n_batch)
    last = n_batch - 1
    neg = tl.copy()
    neg[last] = -1
    with pytest.raises(
        EngineError, match=rf"target_lengths must be >= 0; got -1 at batch index {last}$"
    ):
        ctc_loss(lp, targets, il, neg)
    long = il.copy()
    long[last] = 6
    with pytest.raises(
        EngineError, match=rf"input_lengths must be <= T=5; got 6 at batch index {last}$"
    ):
        ctc_loss(lp, targets, long, tl)
    wide = tl.copy()
    wide[last] = 3
    with pytest.raises(EngineError, match=rf"got 3 at batch index {last}$"):
        ctc_loss(lp, targets, il, wide)


@pytest.mark.parametrize("n_batch", SIZES)
def test_padding_past_short_targets_is_ignored(n_batch):
    """A shorter target's padding may hold anything (here -1 and the blank); only full-width
    batches skip the padding pass. T = 5 uniform frames over C = 4 classes, so
    p = (number of paths that collapse to the target) / 4^5."""
    lp, targets, il, tl = args(n_batch)
    targets[1:, 1] = -1
    targets[1, 1] = 0
    tl = np.ones(n_batch, dtype=np.int64)
    tl[0] = 2  # sequence 0 keeps its full target (1, 2): the batch is not full-width
    # "1": paths b^i 1^j b^k, j >= 1, i + j + k = 5: for j = 5..1, 1 + 2 + 3 + 4 + 5 = 15.
    # "1 2": b^i0 1^j1 b^i1 2^j2 b^i2, j1, j2 >= 1, sum 5: solutions of 5 nonnegative parts
    # summing to 3, C(3 + 4, 4) = 35.
    expected = np.full(n_batch, -np.log(15 / 4.0**5))
    expected[0] = -np.log(35 / 4.0**5)
    np.testing.assert_allclose(ctc_loss(lp, targets, il, tl, reduction="none"), expected)


@pytest.mark.parametrize(
    ("targets", "lengths", "labels_ext", "valid", "skip", "min_frames"),
    [
        # Full width: "1 1 2" (the second 1 repeats: no skip into state 3, one forced blank,
        # so 3 + 1 = 4 frames) and "2 3 3" (3 after 2 may skip; the second 3 repeats).
        (
            [[1, 1, 2], [2, 3, 3]],
            [3, 3],
            [[0, 1, 0, 1, 0, 2, 0], [0, 2, 0, 3, 0, 3, 0]],
            [[1] * 7, [1] * 7],
            [[0, 0, 0, 0, 0, 1, 0], [0, 0, 0, 1, 0, 0, 0]],
            [4, 4],
        ),
        # Not full width: "1 1 2", "2 2" and "3" (padded with the blank, whose equal
        # neighbours are not repeats): 7, 5 and 3 states; one, one and no repeat.
        (
            [[1, 1, 2], [2, 2, 0], [3, 0, 0]],
            [3, 2, 1],
            [[0, 1, 0, 1, 0, 2, 0], [0, 2, 0, 2, 0, 0, 0], [0, 3, 0, 0, 0, 0, 0]],
            [[1] * 7, [1] * 5 + [0, 0], [1] * 3 + [0] * 4],
            [[0, 0, 0, 0, 0, 1, 0], [0] * 7, [0] * 7],
            [4, 3, 1],
        ),
    ],
)
def test_extend_full_width_and_padded(targets, lengths, labels_ext, valid, skip, min_frames):
    ext = checks._extend(np.array(targets), np.array(lengths), 0)
    np.testing.assert_array_equal(ext.labels_ext, labels_ext)
    np.testing.assert_array_equal(ext.valid, np.array(valid, dtype=bool))
    np.testing.assert_array_equal(ext.skip, np.array(skip, dtype=bool))
    np.testing.assert_array_equal(ext.n_states, 2 * np.array(lengths) + 1)
    np.testing.assert_array_equal(ext.min_frames, min_frames)
