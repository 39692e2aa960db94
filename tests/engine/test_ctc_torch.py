"""Cross-check of the CTC engine against torch.nn.functional.ctc_loss in float64.

Skipped when torch is not installed. Torch's backward reports the gradient with respect to the
logits (softmax Jacobian folded in), which is our wrt="logits". For a sequence whose loss is
infinite and zero_infinity=False, torch's gradient is NaN and ours is NaN on the valid frames
as well; only finite torch entries are compared.
"""

from __future__ import annotations

import numpy as np
import pytest

from rnnloss_cli.engine.ctc import ctc_loss, ctc_loss_and_grad

torch = pytest.importorskip("torch")
F = torch.nn.functional


def make_batch(seed: int, n_frames: int, n_batch: int, n_classes: int, s_max: int, blank: int):
    rng = np.random.default_rng(seed)
    logits = rng.standard_normal((n_frames, n_batch, n_classes)) * rng.uniform(0.5, 4.0)
    labels = np.array([k for k in range(n_classes) if k != blank])
    targets = labels[rng.integers(0, len(labels), size=(n_batch, s_max))]
    if n_batch > 1 and s_max > 1:
        targets[1, 1] = targets[1, 0]  # adjacent repeat
    target_lengths = rng.integers(0, s_max + 1, size=n_batch)
    input_lengths = rng.integers(0, n_frames + 1, size=n_batch)
    # Mostly feasible lengths; the ones that are not give inf (checked below).
    input_lengths = np.maximum(input_lengths, np.minimum(n_frames, 2 * target_lengths))
    input_lengths[0] = n_frames
    if n_batch > 2:
        target_lengths[2] = s_max
        input_lengths[2] = max(0, s_max - 1)  # impossible: fewer frames than labels
    return logits, targets, input_lengths, target_lengths


def torch_reference(log_probs, targets, il, tl, blank, reduction, zero_infinity, layout):
    x = torch.tensor(log_probs, dtype=torch.float64, requires_grad=True)
    if layout == "concatenated":
        tg = torch.tensor(np.concatenate([targets[n, : tl[n]] for n in range(len(tl))]))
    else:
        tg = torch.tensor(targets)
    loss = F.ctc_loss(
        x,
        tg,
        torch.tensor(il),
        torch.tensor(tl),
        blank=blank,
        reduction=reduction,
        zero_infinity=zero_infinity,
    )
    loss.sum().backward()
    return loss.detach().numpy(), x.grad.numpy()


def assert_same_with_infs(ours, ref, rtol):
    ours, ref = np.asarray(ours), np.asarray(ref)
    np.testing.assert_array_equal(np.isposinf(ours), np.isposinf(ref))
    finite = np.isfinite(ref)
    np.testing.assert_allclose(ours[finite], ref[finite], rtol=rtol, atol=1e-12)


CASES = [
    # seed, T, N, C, S, blank
    (0, 12, 5, 6, 4, 0),
    (1, 30, 7, 4, 8, 3),
    (2, 50, 4, 10, 12, 5),
    (3, 1, 3, 3, 1, 0),
    (4, 200, 6, 30, 40, 0),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: "T{1}-N{2}-C{3}-S{4}-b{5}".format(*c))
@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
@pytest.mark.parametrize("zero_infinity", [False, True])
@pytest.mark.parametrize("layout", ["padded", "concatenated"])
def test_matches_torch(case, reduction, zero_infinity, layout):
    seed, n_frames, n_batch, n_classes, s_max, blank = case
    logits, targets, il, tl = make_batch(seed, n_frames, n_batch, n_classes, s_max, blank)
    log_probs = torch.tensor(logits).log_softmax(2).numpy()
    ref_loss, ref_grad = torch_reference(
        log_probs, targets, il, tl, blank, reduction, zero_infinity, layout
    )
    ours_targets = (
        np.concatenate([targets[n, : tl[n]] for n in range(n_batch)])
        if layout == "concatenated"
        else targets
    )
    kwargs = {"blank": blank, "reduction": reduction, "zero_infinity": zero_infinity}
    loss, grad = ctc_loss_and_grad(log_probs, ours_targets, il, tl, **kwargs)
    assert_same_with_infs(loss, ref_loss, rtol=1e-6)
    assert_same_with_infs(ctc_loss(log_probs, ours_targets, il, tl, **kwargs), ref_loss, 1e-6)
    finite = np.isfinite(ref_grad)
    np.testing.assert_allclose(grad[finite], ref_grad[finite], rtol=1e-6, atol=1e-10)
    # Where torch has NaN (infinite loss, no zero_infinity) we return NaN too.
    assert np.isnan(grad[~finite]).all()
    if n_batch > 2:  # sequence 2 is impossible: NaN on its valid frames, or 0 if zeroed
        expected = 0.0 if zero_infinity else np.nan
        np.testing.assert_array_equal(grad[: il[2], 2], expected)
        np.testing.assert_array_equal(grad[il[2] :, 2], 0.0)


def test_unbatched_matches_torch():
    rng = np.random.default_rng(9)
    lp = torch.tensor(rng.standard_normal((15, 5))).log_softmax(1)
    x = lp.clone().requires_grad_(True)
    tgt = np.array([1, 3, 3, 2])
    ref = F.ctc_loss(x, torch.tensor(tgt), torch.tensor(15), torch.tensor(4), reduction="mean")
    ref.backward()
    loss, grad = ctc_loss_and_grad(lp.numpy(), tgt, 15, 4, reduction="mean")
    assert loss == pytest.approx(ref.item(), rel=1e-12)
    np.testing.assert_allclose(grad, x.grad.numpy(), rtol=1e-9, atol=1e-14)


def test_long_batch_matches_torch():
    logits, targets, il, tl = make_batch(11, 1500, 3, 20, 120, 0)
    il[:] = [1500, 1400, 1200]
    tl[:] = [120, 100, 80]
    log_probs = torch.tensor(logits).log_softmax(2).numpy()
    ref_loss, ref_grad = torch_reference(log_probs, targets, il, tl, 0, "sum", False, "padded")
    loss, grad = ctc_loss_and_grad(log_probs, targets, il, tl, reduction="sum")
    assert loss == pytest.approx(float(ref_loss), rel=1e-10)
    np.testing.assert_allclose(grad, ref_grad, rtol=1e-7, atol=1e-11)


@pytest.mark.parametrize("reduction", ["none", "mean"])
def test_float32_matches_torch(reduction):
    """float32 in, float32 out, like torch. Ours runs the recursion in float64 and rounds once,
    so it equals torch's float64 result (on the same float32 inputs) rounded to float32; torch's
    own float32 run is less accurate (its recursion accumulates in float32), so against it only
    the loss is compared, to float32 accumulation accuracy."""
    logits, targets, il, tl = make_batch(5, 200, 6, 30, 40, 0)
    il[2] = max(il[2], 80)  # keep every sequence feasible here
    lp32 = torch.tensor(logits, dtype=torch.float32).log_softmax(2).numpy()
    ref_loss, ref_grad = torch_reference(
        lp32.astype(np.float64), targets, il, tl, 0, reduction, False, "padded"
    )
    loss, grad = ctc_loss_and_grad(lp32, targets, il, tl, reduction=reduction)
    assert np.asarray(loss).dtype == np.float32 and grad.dtype == np.float32
    np.testing.assert_allclose(loss, ref_loss.astype(np.float32), rtol=1e-6)
    np.testing.assert_allclose(grad, ref_grad.astype(np.float32), rtol=1e-6, atol=1e-9)
    t32 = F.ctc_loss(
        torch.tensor(lp32),
        torch.tensor(targets),
        torch.tensor(il),
        torch.tensor(tl),
        reduction=reduction,
    )
    assert t32.dtype == torch.float32
    np.testing.assert_allclose(loss, t32.numpy(), rtol=1e-4)
