"""Optimisers (SGD with momentum, Adam) and gradient-norm clipping for a dict of arrays.

Clipping rescales all gradients together when their global norm ||g|| = sqrt(Σ_p ||g_p||²)
exceeds ``max_norm``: g ← g · max_norm / ||g|| (as torch.nn.utils.clip_grad_norm_), which
keeps the direction and tames exploding gradients through time.

Adam (Kingma & Ba 2015): m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², step
lr · m̂ / (√v̂ + ε) with the bias-corrected m̂ = m / (1−β₁ᵗ), v̂ = v / (1−β₂ᵗ).
"""

from __future__ import annotations

import numpy as np

from rnnloss_cli.flags import flag_error

#: The optimisers ``make_optimizer`` knows.
OPTIMIZERS = ("sgd", "adam")

Params = dict[str, np.ndarray]


def global_norm(grads: Params) -> float:
    return float(np.sqrt(sum(float(np.sum(g * g)) for g in grads.values())))


def clip_grad_norm(grads: Params, max_norm: float | None) -> tuple[Params, float]:
    """Scale ``grads`` so their global norm is at most ``max_norm``; return (grads, norm before)."""
    norm = global_norm(grads)
    if max_norm is None or norm <= max_norm or norm == 0.0:
        return grads, norm
    scale = max_norm / norm
    return {k: g * scale for k, g in grads.items()}, norm


class SGD:
    """p ← p − lr · v, v ← momentum · v + g (plain SGD when momentum = 0)."""

    def __init__(self, lr: float = 0.1, momentum: float = 0.9) -> None:
        self.lr, self.momentum = lr, momentum
        self.velocity: Params = {}

    def step(self, params: Params, grads: Params) -> None:
        for k, g in grads.items():
            v = self.velocity.get(k)
            v = g.copy() if v is None else self.momentum * v + g
            self.velocity[k] = v
            params[k] -= self.lr * v


class Adam:
    """Adam with bias correction; updates ``params`` in place."""

    def __init__(
        self, lr: float = 0.01, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8
    ) -> None:
        self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps
        self.m: Params = {}
        self.v: Params = {}
        self.t = 0

    def step(self, params: Params, grads: Params) -> None:
        self.t += 1
        c1, c2 = 1.0 - self.beta1**self.t, 1.0 - self.beta2**self.t
        for k, g in grads.items():
            m = self.beta1 * self.m.get(k, 0.0) + (1.0 - self.beta1) * g
            v = self.beta2 * self.v.get(k, 0.0) + (1.0 - self.beta2) * g * g
            self.m[k], self.v[k] = m, v
            params[k] -= self.lr * (m / c1) / (np.sqrt(v / c2) + self.eps)


def make_optimizer(name: str, lr: float | None = None) -> SGD | Adam:
    """``sgd`` (lr 0.05, momentum 0.9) or ``adam`` (lr 0.01) unless ``lr`` is given."""
    if name == "sgd":
        return SGD(0.05 if lr is None else lr)
    if name == "adam":
        return Adam(0.01 if lr is None else lr)
    raise flag_error(f"expected one of {', '.join(OPTIMIZERS)}, got {name!r}", "--optimizer")
