"""Cross-check against PyTorch (skipped when torch is not installed; never a dependency).

Random inputs, all three reductions, values and gradients to 1e-6 relative, float64.
"""

from __future__ import annotations

import numpy as np
import pytest

from rnnloss_cli import engine

torch = pytest.importorskip("torch")
F = torch.nn.functional

REDUCTIONS = ["none", "sum", "mean"]


def _torch_value_and_grad(fn, x, *args, **kwargs):
    xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    out = fn(xt, *args, **kwargs)
    out.sum().backward()
    return out.detach().numpy(), xt.grad.numpy()


def _agree(ours, ours_grad, theirs, theirs_grad):
    np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-12)
    np.testing.assert_allclose(ours_grad, theirs_grad, rtol=1e-6, atol=1e-12)


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_mse(seed, reduction):
    rng = np.random.default_rng(seed)
    x, y = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    theirs = _torch_value_and_grad(F.mse_loss, x, torch.tensor(y), reduction=reduction)
    ours = engine.mse_loss(x, y, reduction), engine.mse_grad(x, y, reduction)
    _agree(*ours, *theirs)


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_cross_entropy(seed, reduction):
    rng = np.random.default_rng(seed)
    p, y = rng.uniform(size=(6,)), rng.uniform(size=(6,))
    p[0], p[1] = 0.0, 1.0  # the -100 clamp on both logs
    theirs = _torch_value_and_grad(F.binary_cross_entropy, p, torch.tensor(y), reduction=reduction)
    ours = (
        engine.binary_cross_entropy(p, y, reduction),
        engine.binary_cross_entropy_grad(p, y, reduction),
    )
    _agree(*ours, *theirs)


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_nll_loss(seed, reduction, weighted):
    rng = np.random.default_rng(seed)
    lp = np.log(rng.dirichlet(np.ones(5), size=(4, 3))).transpose(0, 2, 1)  # (N, C, d1)
    t = rng.integers(0, 5, size=(4, 3))
    t[0, 0] = -100
    w = rng.uniform(0.5, 2.0, size=5) if weighted else None
    tw = None if w is None else torch.tensor(w)
    theirs = _torch_value_and_grad(F.nll_loss, lp, torch.tensor(t), weight=tw, reduction=reduction)
    ours = (
        engine.nll_loss(lp, t, reduction, weight=w),
        engine.nll_loss_grad(lp, t, reduction, weight=w),
    )
    _agree(*ours, *theirs)


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("smoothing", [0.0, 0.25])
@pytest.mark.parametrize("target_kind", ["index", "probability"])
def test_cross_entropy(seed, reduction, smoothing, target_kind):
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(6, 4)) * 3
    w = rng.uniform(0.5, 2.0, size=4)
    if target_kind == "index":
        t = rng.integers(0, 4, size=6)
        t[2] = -100
        tt = torch.tensor(t)
    else:
        t = rng.dirichlet(np.ones(4), size=6)
        tt = torch.tensor(t)
    kw = {"weight": w, "reduction": reduction, "label_smoothing": smoothing}
    theirs = _torch_value_and_grad(
        F.cross_entropy,
        z,
        tt,
        weight=torch.tensor(w),
        reduction=reduction,
        label_smoothing=smoothing,
    )
    ours = engine.cross_entropy(z, t, **kw), engine.cross_entropy_grad(z, t, **kw)
    _agree(*ours, *theirs)


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_hinge_against_clamp_composition(seed, reduction):
    # PyTorch has no one-call binary hinge with +-1 labels; this is its definition in torch ops.
    rng = np.random.default_rng(seed)
    x, y = rng.normal(size=(7,)) * 2, rng.choice([-1.0, 1.0], size=7)

    def torch_hinge(xt, yt, reduction):
        per = torch.clamp(1 - yt * xt, min=0)
        return {"none": per, "sum": per.sum(), "mean": per.mean()}[reduction]

    theirs = _torch_value_and_grad(torch_hinge, x, torch.tensor(y), reduction)
    ours = engine.hinge_loss(x, y, reduction), engine.hinge_loss_grad(x, y, reduction)
    _agree(*ours, *theirs)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_of_confident_correct_predictions_matches_torch(reduction):
    # y = 1 with p just below 1: the loss -ln p is tiny and must keep its digits (it was the
    # rounding error of ln(1 - p), 0 at p = 1 - 1e-16); relative, with no absolute slack
    p = np.array([1.0 - 1e-16, 1.0 - 3e-13, 0.9999999, 1e-300, 0.5])
    y = np.array([1.0, 1.0, 1.0, 0.0, 1.0])
    theirs = _torch_value_and_grad(F.binary_cross_entropy, p, torch.tensor(y), reduction=reduction)
    ours = (
        engine.binary_cross_entropy(p, y, reduction),
        engine.binary_cross_entropy_grad(p, y, reduction),
    )
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-12, atol=0)
    # the gradient's floor max(p (1 - p), 1e-12) is hit at the first, second and fourth: torch's
    # 1e-12 is a float32 constant (1e-12 (1 - 4e-9)), ours the float64 one
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-8, atol=0)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_hinge_gradient_departs_from_torch_only_at_the_kink(reduction):
    # documented: 0 at margin 0, where autograd of torch.clamp(1 - y yhat, min=0) takes -y
    yhat, y = np.array([1.0, -1.0, 0.5, 2.0]), np.array([1.0, -1.0, 1.0, 1.0])
    theirs = _torch_value_and_grad(
        lambda x, t: {"none": lambda v: v, "sum": torch.sum, "mean": torch.mean}[reduction](
            torch.clamp(1 - t * x, min=0)
        ),
        yhat,
        torch.tensor(y),
    )
    grad = engine.hinge_loss_grad(yhat, y, reduction)
    np.testing.assert_allclose(engine.hinge_loss(yhat, y, reduction), theirs[0], rtol=1e-15)
    scale = 1 / 4 if reduction == "mean" else 1.0
    np.testing.assert_array_equal(theirs[1], [-scale, scale, -scale, 0.0])
    np.testing.assert_array_equal(grad, [0.0, 0.0, -scale, 0.0])
