"""Independent checks the tests share: central finite differences (every gradient test),
brute-force enumeration of CTC paths (best-path tests) and a scalar log-sum-exp (the
scalar log-space CTC references)."""

from __future__ import annotations

import itertools
import math

import numpy as np


def lse(values) -> float:
    """ln Σ exp(v) over ``values`` in scalar Python (−inf entries skipped; −inf when empty)."""
    values = [v for v in values if v != -math.inf]
    if not values:
        return -math.inf
    m = max(values)
    return m + math.log(sum(math.exp(v - m) for v in values))


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


def brute_max(emissions, symbols, target, blank="-") -> float:
    """Max over every path of T symbols whose collapse is ``target`` of Π_t y_t(π_t)."""
    best = 0.0
    for path in itertools.product(range(len(symbols)), repeat=len(emissions)):
        merged = [k for i, k in enumerate(path) if i == 0 or k != path[i - 1]]
        if [symbols[k] for k in merged if symbols[k] != blank] == list(target):
            best = max(best, math.prod(emissions[t][k] for t, k in enumerate(path)))
    return best
