"""Shared numeric helpers for the engine: reductions, softmax, argument checks.

Everything here is pure numpy in float64; nothing prints or reads files.
"""

from __future__ import annotations

import numpy as np

from rnnloss_cli.engine.errors import EngineError

REDUCTIONS = ("none", "sum", "mean")


def as_float_array(x, name: str) -> np.ndarray:
    """Return ``x`` as a float64 array, rejecting NaN and infinity with an EngineError."""
    arr = np.asarray(x, dtype=np.float64)
    if not np.all(np.isfinite(arr)):
        raise EngineError(f"{name}: expected finite numbers, got NaN or infinity")
    return arr


def check_reduction(reduction: str) -> None:
    """Raise EngineError unless ``reduction`` is one of "none", "sum", "mean"."""
    if reduction not in REDUCTIONS:
        raise EngineError(f"reduction: expected one of {REDUCTIONS}, got {reduction!r}")


def check_same_shape(a: np.ndarray, b: np.ndarray, a_name: str, b_name: str) -> None:
    """Raise EngineError stating both shapes when ``a`` and ``b`` differ in shape."""
    if a.shape != b.shape:
        raise EngineError(
            f"{a_name} and {b_name} must have the same shape, got {a.shape} and {b.shape}"
        )


def reduce(values: np.ndarray, reduction: str) -> np.ndarray | float:
    """Apply a PyTorch-style reduction: "none" keeps the array, "sum" adds, "mean" averages."""
    if reduction == "none":
        return values
    if reduction == "sum":
        return float(np.sum(values))
    return float(np.mean(values))


def reduction_scale(values: np.ndarray, reduction: str) -> float:
    """d(reduced)/d(element) for an unweighted reduction: 1 for none/sum, 1/n for mean."""
    return 1.0 / values.size if reduction == "mean" and values.size else 1.0


def log_softmax(logits: np.ndarray, axis: int = -1) -> np.ndarray:
    """log softmax(z)_c = z_c - logsumexp(z), computed with the max subtracted first."""
    z = np.asarray(logits, dtype=np.float64)
    m = np.max(z, axis=axis, keepdims=True)
    shifted = z - m
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def softmax(logits: np.ndarray, axis: int = -1) -> np.ndarray:
    """softmax(z)_c = exp(z_c) / sum_k exp(z_k), stable for large logits."""
    return np.exp(log_softmax(logits, axis=axis))


def check_blank(blank: int, n_classes: int) -> int:
    """Validate a blank class index in [0, C); return it as a Python int."""
    if isinstance(blank, (bool, np.bool_)) or not isinstance(blank, (int, np.integer)):
        raise EngineError(f"blank must be an integer class index; got {blank!r}")
    if not 0 <= blank < n_classes:
        raise EngineError(f"blank must be in [0, {n_classes}) for C={n_classes}; got {blank}")
    return int(blank)
