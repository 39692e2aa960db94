"""Regression losses: mean squared error.

Convention: PyTorch's ``reduction`` ("none" | "sum" | "mean", default "mean"). Arithmetic is
float64; float32 input gives float32 results, rounded once at the end (``keeps_float32``), as
torch keeps the dtype.
"""

from __future__ import annotations

import math

import numpy as np

from rnnloss_cli.engine._numerics import (
    all_finite,
    as_float_array,
    as_real_array,
    check_reduction,
    check_same_shape,
    keeps_float32,
    reduce,
    reduction_scale,
)
from rnnloss_cli.engine._parallel import chunkable_pair, chunked, chunked_sum, scratch


def _difference(input, target) -> np.ndarray:
    """yhat - y, after the shape check; finiteness is checked on the result (see below)."""
    yhat, y = as_real_array(input, "input"), as_real_array(target, "target")
    check_same_shape(yhat, y, "input", "target")
    # finite values of opposite signs past 0.9e308 differ by more than a double holds: the
    # difference is ±inf, its correctly rounded value, and so is the loss. Written into an
    # array of the shape (for 0-d inputs ``yhat - y`` would be a numpy scalar, which the
    # in-place ufuncs below cannot write to).
    with np.errstate(invalid="ignore", over="ignore"):
        return np.subtract(yhat, y, out=np.empty(yhat.shape))


def _check_inputs(input, target) -> None:
    """Name a NaN or infinity in the inputs; called only when a result is not finite."""
    as_float_array(input, "input")
    as_float_array(target, "target")


@keeps_float32("target")
def mse_loss(input, target, reduction: str = "mean") -> np.ndarray | float:
    """Mean squared error, per element (input - target)^2, then reduced.

    MSE = (1/n) sum_i (y_i - yhat_i)^2 with the default ``reduction="mean"``;
    matches ``torch.nn.functional.mse_loss`` (the mean of no elements is NaN, as there).

    Args:
      input: predictions yhat, any shape.
      target: actual values y, same shape as ``input``.
      reduction: "none" (per-element array), "sum" or "mean".

    Returns:
      The reduced loss (float) or the per-element losses (array) for "none".

    >>> mse_loss([1.0, 2.0], [0.0, 4.0])
    2.5
    """
    check_reduction(reduction)
    if reduction != "none":
        x, y = chunkable_pair(input, target)
        if x is not None:  # chunks on threads, each reduced while in cache
            total = chunked_sum(lambda c: _squares_sum(x[c], y[c]), x.size, 1)
            if math.isfinite(total):  # which proves every input finite (see below)
                return total / x.size if reduction == "mean" else total
            # a NaN or infinity to name, or a sum that overflowed (which the mean may not):
            # the whole-array path below decides
    d = _difference(input, target)
    # A NaN or infinity in either input makes yhat - y NaN or infinite, and so its square
    # and any sum over it: a finite sum proves finite inputs, with no pass of its own. A sum
    # that overflowed from finite inputs is the true answer, inf.
    with np.errstate(over="ignore"):
        np.multiply(d, d, out=d)
        total = float(np.sum(d))
    if not np.isfinite(total):
        _check_inputs(input, target)
    if reduction == "none":
        return d
    if reduction == "mean":
        if math.isinf(total):  # finite squares whose sum overflows can have a finite mean
            return reduce(d, "mean")
        return total / d.size if d.size else float("nan")
    return total


def _squares_sum(x: np.ndarray, y: np.ndarray) -> float:
    """sum (x - y)^2 of one chunk of flat float64 inputs, worked in the thread's scratch
    buffer; not finite when an input is not (or the sum overflowed): the caller decides."""
    d = scratch(x.size)
    with np.errstate(invalid="ignore", over="ignore"):
        np.subtract(x, y, out=d)
        np.multiply(d, d, out=d)
        return float(np.add.reduce(d))


@keeps_float32("target")
def mse_grad(input, target, reduction: str = "mean") -> np.ndarray:
    """Gradient of :func:`mse_loss` w.r.t. ``input``: 2 (yhat - y), times 1/n for "mean".

    For "none" it is the element-wise derivative of each term (a vector-Jacobian product
    with a vector of ones). Positive where the prediction is above the target.

    Two elements, "mean" (n = 2): 2 (1 - 0) / 2 = 1 and 2 (2 - 4) / 2 = -2:

    >>> mse_grad([1.0, 2.0], [0.0, 4.0]).tolist()
    [1.0, -2.0]
    """
    check_reduction(reduction)
    x, y = chunkable_pair(input, target)
    if x is not None:  # chunks on threads, each written while in cache
        out = np.empty(np.shape(input))
        flat = out.reshape(-1)
        scale = 2.0 * reduction_scale(out, reduction)
        if all(chunked(lambda c: _scaled_difference_into(x[c], y[c], scale, flat[c]), x.size, 1)):
            return out
        # a NaN or infinity to name, or a difference past the float range: the path below
    d = _difference(input, target)
    _grad_into(input, target, 2.0 * reduction_scale(d, reduction), d)
    return d


def _scaled_difference_into(x: np.ndarray, y: np.ndarray, scale: float, out: np.ndarray) -> bool:
    """out = scale (x - y) for one chunk of flat float64 inputs; False (out unfinished) when
    a difference is not finite, which the whole-array path then names or keeps. A finite
    sum of the differences proves them finite (see ``all_finite``)."""
    with np.errstate(invalid="ignore", over="ignore"):
        np.subtract(x, y, out=out)
        if not math.isfinite(np.add.reduce(out)):
            return False
        out *= scale  # 2 (x - y) past the float range is inf, its rounded value
    return True


def _grad_into(x, y, scale: float, out: np.ndarray) -> None:
    """out = scale (x - y), out holding x - y already, with a NaN or infinity in x or y
    named."""
    if not all_finite(out):  # an input is not finite, or yhat - y overflowed: it decides
        _check_inputs(x, y)
    with np.errstate(over="ignore"):
        out *= scale
