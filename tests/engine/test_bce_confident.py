"""Binary cross-entropy of a confident, correct prediction: y = 1 and p just below 1.

The loss is -ln p, tiny; computed as -(ln(1 - p) + y (ln p - ln(1 - p))) it came out as the
rounding error of ln(1 - p) (~1e-15, or 0) instead. Expected values are closed forms:
for p in [0.5, 1], p - 1 is exact in float64 (Sterbenz), so -ln p = -log1p(p - 1) to the last
bit.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from rnnloss_cli import engine


@pytest.mark.parametrize("p", [1.0 - 1e-16, 1.0 - 3e-13, 0.9999999, 1.0 - 2.0**-40])
def test_y_one_near_p_one_is_minus_ln_p(p):
    expected = -math.log1p(p - 1.0)  # about 1 - p
    got = engine.binary_cross_entropy([p], [1.0], reduction="none")
    assert got[0] == pytest.approx(expected, rel=1e-14, abs=0)
    assert engine.binary_cross_entropy([p, 0.5], [1.0, 1.0], "sum") == pytest.approx(
        expected + math.log(2.0), rel=1e-15, abs=0
    )


def test_y_zero_near_p_zero_is_minus_ln_one_minus_p():
    p = 2.0**-40
    expected = -math.log1p(-p)
    got = engine.binary_cross_entropy([p], [0.0], reduction="none")
    assert got[0] == pytest.approx(expected, rel=1e-14, abs=0)


def test_the_chunked_sum_keeps_the_tiny_terms():
    n = 1 << 19  # the threaded, chunked path
    p = np.full(n, 1.0 - 3e-13)
    expected = -math.log1p(p[0] - 1.0)
    got = engine.binary_cross_entropy(p, np.ones(n), "mean")
    assert got == pytest.approx(expected, rel=1e-12, abs=0)
