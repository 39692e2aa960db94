"""The review's fixes against PyTorch (skipped when torch is not installed; never a dependency):
big-endian class targets, REINFORCE through a zero-probability action, cross-entropy with
weights or probability targets near the float limit. Float64, values and autograd gradients.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from rnnloss_cli import engine

torch = pytest.importorskip("torch")
F = torch.nn.functional


def _quiet(fn):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return fn()


@pytest.mark.parametrize("dtype", [">i8", ">i4", ">u8"])
@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
def test_big_endian_targets_match_torch(dtype, reduction):
    rng = np.random.default_rng(3)
    z = rng.normal(size=(5, 4))
    target = np.array([3, 0, 2, 1, 3])
    x = torch.tensor(z, requires_grad=True)
    theirs = F.cross_entropy(x, torch.tensor(target), reduction=reduction)
    theirs.sum().backward()
    big = target.astype(dtype)
    ours = _quiet(lambda: engine.cross_entropy(z, big, reduction))
    grad = _quiet(lambda: engine.cross_entropy_grad(z, big, reduction))
    np.testing.assert_allclose(ours, theirs.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(grad, x.grad.numpy(), rtol=1e-12, atol=1e-15)


def _torch_reinforce(logits, actions, adv, reduction):
    z = torch.tensor(logits, requires_grad=True)
    lp = torch.log_softmax(z, dim=-1).gather(-1, torch.tensor(actions)[..., None])[..., 0]
    per = -torch.tensor(adv) * lp
    loss = {"none": per, "sum": per.sum(), "mean": per.mean()}[reduction]
    loss.sum().backward()
    return loss.detach().numpy(), z.grad.numpy()


@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
@pytest.mark.parametrize(
    "logits",
    [
        [[0.0, -math.inf, 1.0], [0.5, 0.2, -1.0]],  # the action taken at t=0 has a -inf logit
        [[1e308, -1e308, 0.0], [0.5, 0.2, -1.0]],  # finite, but ln pi(1) = -2e308: -inf
    ],
    ids=["-inf logit", "logits 2e308 apart"],
)
def test_reinforce_through_a_zero_probability_action_matches_torch(logits, reduction):
    logits = np.array(logits)
    actions, adv = np.array([1, 0]), np.array([1.5, -2.0])
    theirs, theirs_grad = _torch_reinforce(logits, actions, adv, reduction)
    ours = _quiet(
        lambda: engine.reinforce_loss_from_logits(logits, actions, adv, reduction=reduction)
    )
    grad = _quiet(
        lambda: engine.reinforce_policy_logits_grad(logits, actions, adv, reduction=reduction)
    )
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)
    np.testing.assert_allclose(grad, theirs_grad, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("reduction", ["none", "sum"])
def test_cross_entropy_grad_with_weights_summing_past_the_float_range_matches_torch(reduction):
    z = np.array([[1.0, 2.0, 0.5], [0.1, 0.2, 3.0]])
    target, w = np.array([0, 2]), np.array([1e308, 1.0, 1e308])
    x = torch.tensor(z, requires_grad=True)
    theirs = F.cross_entropy(x, torch.tensor(target), torch.tensor(w), reduction=reduction)
    theirs.sum().backward()
    ours = _quiet(lambda: engine.cross_entropy(z, target, reduction, weight=w))
    grad = _quiet(lambda: engine.cross_entropy_grad(z, target, reduction, weight=w))
    np.testing.assert_allclose(ours, theirs.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(grad, x.grad.numpy(), rtol=1e-12)


def test_cross_entropy_grad_of_huge_probability_targets_matches_torch():
    z, q, w = np.array([[0.0, 1.0, 2.0]]), np.array([[1e308, 0.5, 0.5]]), np.array([2.0, 0.5, 1.0])
    x = torch.tensor(z, requires_grad=True)
    F.cross_entropy(x, torch.tensor(q), torch.tensor(w), reduction="sum").backward()
    grad = _quiet(lambda: engine.cross_entropy_grad(z, q, "sum", weight=w))
    np.testing.assert_array_equal(np.isnan(grad), np.isnan(x.grad.numpy()))
    np.testing.assert_array_equal(grad, x.grad.numpy())
