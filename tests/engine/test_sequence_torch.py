"""Agreement with PyTorch (skipped without torch): sequence cross-entropy against
torch.nn.functional.cross_entropy / nll_loss with ignore_index on padded positions, and the
REINFORCE loss and gradients against autograd of -sum_t A_t log_softmax(z_t)[y_t]."""

from __future__ import annotations

import numpy as np
import pytest

from rnnloss_cli.engine._numerics import softmax
from rnnloss_cli.engine.reinforce import (
    reinforce_loss,
    reinforce_loss_from_logits,
    reinforce_loss_grad,
    reinforce_policy_logits_grad,
)
from rnnloss_cli.engine.sequence import sequence_cross_entropy, sequence_cross_entropy_grad

torch = pytest.importorskip("torch")
F = torch.nn.functional

RTOL = 1e-6
SEEDS = range(6)


def padded_batch(seed: int):
    """Random (N, T, C) logits, (N, T) targets and lengths (one full, one empty allowed)."""
    rng = np.random.default_rng(seed)
    n, t, c = rng.integers(1, 5), rng.integers(1, 7), rng.integers(2, 6)
    z = rng.normal(scale=3.0, size=(n, t, c))
    target = rng.integers(0, c, size=(n, t))
    lengths = rng.integers(0, t + 1, size=n)
    lengths[0] = t
    mask = np.arange(t) < lengths[:, None]
    return z, target, lengths, mask


def torch_ce(x, target, mask, reduction, *, from_logits=True):
    """Reference loss via torch on (N*T, C) rows with -100 on padded positions."""
    n, t, c = x.shape
    xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    tt = torch.tensor(np.where(mask, target, -100).reshape(-1))
    rows = xt.reshape(n * t, c)
    if from_logits:
        per = F.cross_entropy(rows, tt, ignore_index=-100, reduction="none")
        if reduction in ("sum", "mean_tokens"):
            torch_red = {"sum": "sum", "mean_tokens": "mean"}[reduction]
            loss = F.cross_entropy(rows, tt, ignore_index=-100, reduction=torch_red)
    else:
        per = F.nll_loss(torch.log(rows), tt, ignore_index=-100, reduction="none")
        if reduction in ("sum", "mean_tokens"):
            torch_red = {"sum": "sum", "mean_tokens": "mean"}[reduction]
            loss = F.nll_loss(torch.log(rows), tt, ignore_index=-100, reduction=torch_red)
    if reduction == "none":
        loss = per.reshape(n, t)
    elif reduction == "mean_sequences":
        loss = per.reshape(n, t).sum(dim=1).mean()
    loss.sum().backward()
    return loss.detach().numpy(), xt.grad.numpy()


@pytest.mark.parametrize("reduction", ["sum", "mean_tokens", "mean_sequences", "none"])
@pytest.mark.parametrize("seed", SEEDS)
def test_sequence_ce_logits_matches_torch(seed, reduction):
    z, target, lengths, mask = padded_batch(seed)
    ref, ref_grad = torch_ce(z, target, mask, reduction)
    kw = {"lengths": lengths, "reduction": reduction, "from_logits": True}
    np.testing.assert_allclose(sequence_cross_entropy(z, target, **kw), ref, rtol=RTOL, atol=0)
    np.testing.assert_allclose(
        sequence_cross_entropy_grad(z, target, **kw), ref_grad, rtol=RTOL, atol=1e-15
    )


@pytest.mark.parametrize("reduction", ["sum", "mean_tokens", "mean_sequences", "none"])
@pytest.mark.parametrize("seed", SEEDS)
def test_sequence_ce_probabilities_match_torch_nll_of_log(seed, reduction):
    z, target, _, mask = padded_batch(seed)
    p = softmax(z)
    ref, ref_grad = torch_ce(p, target, mask, reduction, from_logits=False)
    kw = {"mask": mask.astype(int), "reduction": reduction}
    np.testing.assert_allclose(sequence_cross_entropy(p, target, **kw), ref, rtol=RTOL, atol=0)
    np.testing.assert_allclose(
        sequence_cross_entropy_grad(p, target, **kw), ref_grad, rtol=RTOL, atol=1e-15
    )


@pytest.mark.parametrize("seed", SEEDS)
def test_sequence_ce_soft_targets_match_torch(seed):
    z, _, lengths, mask = padded_batch(seed)
    rng = np.random.default_rng(seed + 100)
    q = softmax(rng.normal(size=z.shape))
    # torch has no ignore_index for probability targets: zero rows contribute nothing to "sum"
    zt = torch.tensor(z, requires_grad=True)
    qt = torch.tensor(np.where(mask[..., None], q, 0.0))
    loss = F.cross_entropy(
        zt.reshape(-1, z.shape[-1]), qt.reshape(-1, z.shape[-1]), reduction="sum"
    )
    loss.backward()
    kw = {"lengths": lengths, "from_logits": True}
    np.testing.assert_allclose(sequence_cross_entropy(z, q, **kw), loss.item(), rtol=RTOL)
    np.testing.assert_allclose(
        sequence_cross_entropy_grad(z, q, **kw), zt.grad.numpy(), rtol=RTOL, atol=1e-15
    )


def torch_reinforce(z, actions, adv, mask, reduction):
    """-sum_t A_t log_softmax(z_t)[y_t] by autograd, advantages detached, padding masked."""
    zt = torch.tensor(z, requires_grad=True)
    at = torch.tensor(adv, requires_grad=True)
    mt = torch.tensor(mask, dtype=torch.float64)
    lp = torch.log_softmax(zt, dim=-1).gather(-1, torch.tensor(actions)[..., None])[..., 0]
    lp.retain_grad()
    per = -at.detach() * lp * mt  # advantages are constants: no gradient through A
    if reduction == "none":
        loss = per
    elif reduction == "sum":
        loss = per.sum()
    elif reduction == "mean":
        loss = per.sum() / mt.sum()
    else:  # mean_sequences
        loss = per.sum() / mask.shape[0]
    loss.sum().backward()
    assert at.grad is None
    return loss.detach().numpy(), lp.detach().numpy(), lp.grad.numpy(), zt.grad.numpy()


@pytest.mark.parametrize("reduction", ["sum", "mean", "mean_sequences", "none"])
@pytest.mark.parametrize("seed", SEEDS)
def test_reinforce_matches_torch_autograd(seed, reduction):
    z, actions, lengths, mask = padded_batch(seed)
    adv = np.random.default_rng(seed + 7).normal(size=actions.shape)
    ref, lp, ref_lp_grad, ref_z_grad = torch_reinforce(z, actions, adv, mask, reduction)
    kw = {"lengths": lengths, "reduction": reduction}
    np.testing.assert_allclose(
        reinforce_loss_from_logits(z, actions, adv, **kw), ref, rtol=RTOL, atol=1e-15
    )
    np.testing.assert_allclose(reinforce_loss(lp, adv, **kw), ref, rtol=RTOL, atol=1e-15)
    np.testing.assert_allclose(
        reinforce_loss_grad(lp, adv, **kw), ref_lp_grad, rtol=RTOL, atol=1e-15
    )
    np.testing.assert_allclose(
        reinforce_policy_logits_grad(z, actions, adv, **kw), ref_z_grad, rtol=RTOL, atol=1e-15
    )
