"""Central finite differences: the independent check every gradient test uses."""

from __future__ import annotations

import numpy as np


def central_diff(f, x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """(f(x + h e_i) - f(x - h e_i)) / 2h for every coordinate i of x; f returns a scalar."""
    x = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[idx] += h
        xm[idx] -= h
        grad[idx] = (f(xp) - f(xm)) / (2 * h)
    return grad
