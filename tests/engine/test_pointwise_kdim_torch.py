"""cross_entropy and nll_loss against PyTorch on every input layout (skipped without torch).

Shapes (C,), (N, C), (N, C, d1) and (N, C, d1, d2), including C == d1 (where a class axis
left unmoved goes unnoticed by the shapes); class-index and probability targets; every
reduction, with and without class weights and label smoothing; values and gradients.
Also PyTorch's answer when the total target weight is 0 under "mean".
"""

from __future__ import annotations

import numpy as np
import pytest

from rnnloss_cli import engine

torch = pytest.importorskip("torch")
F = torch.nn.functional

REDUCTIONS = ["none", "sum", "mean"]
SHAPES = [(5,), (4, 5), (3, 4, 2), (2, 3, 3), (2, 3, 2, 4), (2, 2, 2, 2)]


def _agree(ours, theirs):
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)


def _torch(fn, x, target, **kw):
    xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    out = fn(xt, torch.tensor(target), **kw)
    out.sum().backward()
    return out.detach().numpy(), xt.grad.numpy()


def _index_target(rng, shape):
    c = shape[0] if len(shape) == 1 else shape[1]
    t_shape = () if len(shape) == 1 else shape[:1] + shape[2:]
    t = rng.integers(0, c, size=t_shape)
    if t.ndim and t.size > 1:
        t.reshape(-1)[0] = -100  # one ignored target
    return t, c


def _probability_target(rng, shape):
    axis = 0 if len(shape) == 1 else 1
    return torch.softmax(torch.tensor(rng.normal(size=shape) * 2), dim=axis).numpy()


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("smoothing", [0.0, 0.3])
@pytest.mark.parametrize("kind", ["index", "probability"])
def test_cross_entropy_matches_torch(seed, shape, reduction, weighted, smoothing, kind):
    rng = np.random.default_rng(seed)
    z = rng.normal(size=shape) * 2
    if kind == "index":
        target, c = _index_target(rng, shape)
    else:
        target, c = _probability_target(rng, shape), shape[0 if len(shape) == 1 else 1]
        assert target.shape == shape
    w = rng.uniform(0.5, 2.0, size=c) if weighted else None
    kw = {"reduction": reduction, "label_smoothing": smoothing}
    theirs = _torch(F.cross_entropy, z, target, weight=None if w is None else torch.tensor(w), **kw)
    _agree(engine.cross_entropy(z, target, weight=w, **kw), theirs[0])
    _agree(engine.cross_entropy_grad(z, target, weight=w, **kw), theirs[1])


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_nll_loss_matches_torch(seed, shape, reduction, weighted):
    rng = np.random.default_rng(seed)
    axis = 0 if len(shape) == 1 else 1
    lp = torch.log_softmax(torch.tensor(rng.normal(size=shape)), dim=axis).numpy()
    target, c = _index_target(rng, shape)
    w = rng.uniform(0.5, 2.0, size=c) if weighted else None
    theirs = _torch(
        F.nll_loss, lp, target, weight=None if w is None else torch.tensor(w), reduction=reduction
    )
    _agree(engine.nll_loss(lp, target, reduction, weight=w), theirs[0])
    _agree(engine.nll_loss_grad(lp, target, reduction, weight=w), theirs[1])


# Total target weight 0 under "mean": every target ignored, or every target's class weight 0.
ZERO_TOTAL = [
    ("all ignored", [-100, -100, -100], None),
    ("all ignored, weighted", [-100, -100, -100], [0.0, 1.0, 2.0, 1.0]),
    ("zero weights", [0, 0, 0], [0.0, 1.0, 2.0, 1.0]),
    ("zero weights and ignored", [0, -100, 0], [0.0, 1.0, 2.0, 1.0]),
]


@pytest.mark.parametrize("case, target, weight", ZERO_TOTAL, ids=[c[0] for c in ZERO_TOTAL])
@pytest.mark.parametrize("smoothing", [0.0, 0.2])
def test_zero_total_weight_matches_torch(case, target, weight, smoothing):
    rng = np.random.default_rng(1)
    z = rng.normal(size=(3, 4))
    t = np.array(target)
    wt = None if weight is None else torch.tensor(weight, dtype=torch.float64)
    kw = {"reduction": "mean"}
    lp = torch.log_softmax(torch.tensor(z), 1).numpy()
    loss, grad = _torch(F.nll_loss, lp, t, weight=wt, **kw)
    assert np.isnan(loss)  # PyTorch's 0/0
    assert np.isnan(engine.nll_loss(lp, t, weight=weight, **kw))
    np.testing.assert_array_equal(engine.nll_loss_grad(lp, t, weight=weight, **kw), grad)
    kw["label_smoothing"] = smoothing
    loss, grad = _torch(F.cross_entropy, z, t, weight=wt, **kw)
    assert np.isnan(loss)
    assert np.isnan(engine.cross_entropy(z, t, weight=weight, **kw))
    # equal NaN pattern: zeros where PyTorch has zeros, NaN where it has NaN
    np.testing.assert_array_equal(engine.cross_entropy_grad(z, t, weight=weight, **kw), grad)
