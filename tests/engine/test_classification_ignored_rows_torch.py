"""Ignored observations against PyTorch (skipped without torch): cross_entropy and nll_loss
give torch's loss when an ignored row holds -inf, NaN or +inf logits. The gradient is compared
on the rows that are read; on an ignored bad row PyTorch's autograd gives NaN (0 * NaN through
log_softmax), the engine 0, the derivative of a loss that does not depend on the row."""

from __future__ import annotations

import math

import numpy as np
import pytest

from rnnloss_cli.engine.classification import (
    cross_entropy,
    cross_entropy_grad,
    nll_loss,
    nll_loss_grad,
)

torch = pytest.importorskip("torch")
F = torch.nn.functional

BAD_ROWS = [
    [-math.inf, -math.inf, -math.inf],
    [math.nan, 0.0, 1.0],
    [math.inf, 0.0, -math.inf],
    [-math.inf, math.nan, math.inf],
]


def _batch(seed: int):
    rng = np.random.default_rng(seed)
    z = rng.normal(scale=3.0, size=(6, 3))
    z[rng.random((6, 3)) < 0.2] = -math.inf  # classes of probability 0
    z[:, 0] = rng.normal(size=6)  # every row keeps a finite logit
    t = rng.integers(0, 3, size=6)
    ignored = rng.permutation(6)[:2]
    for i, row in zip(ignored, rng.permutation(len(BAD_ROWS))[:2], strict=True):
        z[i] = BAD_ROWS[row]
    t[ignored] = -100
    return z, t, ignored


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
@pytest.mark.parametrize(
    "kw", [{}, {"label_smoothing": 0.3}, {"weight": [0.5, 2.0, 1.5]}], ids=["plain", "ls", "w"]
)
def test_cross_entropy_with_bad_ignored_rows_matches_torch(seed, reduction, kw):
    z, t, ignored = _batch(seed)
    tkw = dict(kw)
    if "weight" in tkw:
        tkw["weight"] = torch.tensor(tkw["weight"], dtype=torch.float64)
    zt = torch.tensor(z, requires_grad=True)
    ref = F.cross_entropy(zt, torch.tensor(t), reduction=reduction, **tkw)
    ref.sum().backward()
    got = cross_entropy(z, t, reduction, **kw)
    # a target of probability 0 is inf in both (assert_allclose wants inf at the same places)
    np.testing.assert_allclose(got, ref.detach().numpy(), rtol=1e-12)
    grad = cross_entropy_grad(z, t, reduction, **kw)
    read = np.setdiff1d(np.arange(6), ignored)
    np.testing.assert_allclose(grad[read], zt.grad.numpy()[read], rtol=1e-10, atol=1e-15)
    assert np.all(grad[ignored] == 0.0)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
def test_nll_loss_with_bad_ignored_rows_matches_torch(seed, reduction):
    z, t, ignored = _batch(seed)
    zt = torch.tensor(z, requires_grad=True)
    ref = F.nll_loss(zt, torch.tensor(t), reduction=reduction)
    ref.sum().backward()
    np.testing.assert_allclose(nll_loss(z, t, reduction), ref.detach().numpy(), rtol=1e-12)
    # nll_loss reads only the target entries: torch's gradient is finite here too
    np.testing.assert_allclose(nll_loss_grad(z, t, reduction), zt.grad.numpy(), rtol=1e-12)
