"""Regression losses: mean squared error.

Convention: PyTorch's ``reduction`` ("none" | "sum" | "mean", default "mean").
"""

from __future__ import annotations

import numpy as np

from rnnloss_cli.engine._numerics import (
    as_float_array,
    check_reduction,
    check_same_shape,
    reduce,
    reduction_scale,
)


def mse_loss(input, target, reduction: str = "mean") -> np.ndarray | float:
    """Mean squared error, per element (input - target)^2, then reduced.

    MSE = (1/n) sum_i (y_i - yhat_i)^2 with the default ``reduction="mean"``;
    matches ``torch.nn.functional.mse_loss``.

    Args:
      input: predictions yhat, any shape.
      target: actual values y, same shape as ``input``.
      reduction: "none" (per-element array), "sum" or "mean".

    Returns:
      The reduced loss (float) or the per-element losses (array) for "none".

    >>> mse_loss([1.0, 2.0], [0.0, 4.0])
    2.5
    """
    yhat, y = as_float_array(input, "input"), as_float_array(target, "target")
    check_same_shape(yhat, y, "input", "target")
    check_reduction(reduction)
    return reduce((yhat - y) ** 2, reduction)


def mse_grad(input, target, reduction: str = "mean") -> np.ndarray:
    """Gradient of :func:`mse_loss` w.r.t. ``input``: 2 (yhat - y), times 1/n for "mean".

    For "none" it is the element-wise derivative of each term (a vector-Jacobian product
    with a vector of ones).
    """
    yhat, y = as_float_array(input, "input"), as_float_array(target, "target")
    check_same_shape(yhat, y, "input", "target")
    check_reduction(reduction)
    return 2.0 * (yhat - y) * reduction_scale(yhat, reduction)
