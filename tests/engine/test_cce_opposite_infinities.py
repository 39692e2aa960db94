"""categorical_cross_entropy of rows whose losses are +inf and -inf: NaN without a warning.

Found by tests/engine/test_inputs_untouched.py's hypothesis search (a seed of the full run):
a row with y_c = 1 at yhat_c = 0 loses -1 x ln 0 = +inf, a row with a soft target of
-1e308 at yhat_c = 0.05 loses -(-1e308 x ln 0.05) = -(3.0e308) = -inf past the float range;
their sum is inf - inf = NaN (as PyTorch's sum of the two), but numpy's reduction also
warned "invalid value encountered in reduce" (an error under -W error, and noise on the
caller's stderr otherwise).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from rnnloss_cli import engine
from tests.engine.hostile import quiet

INPUT = np.array([[0.0, 0.5, 0.5], [0.9, 0.05, 0.05]])
TARGET = np.array([[1.0, 0.0, 0.0], [0.0, -1e308, 0.0]])


@pytest.mark.parametrize("reduction", ["sum", "mean"])
def test_opposite_infinite_rows_reduce_to_nan_quietly(reduction):
    assert math.isnan(quiet(lambda: engine.categorical_cross_entropy(INPUT, TARGET, reduction)))


def test_the_rows_themselves_are_plus_and_minus_infinity():
    per = quiet(lambda: engine.categorical_cross_entropy(INPUT, TARGET, "none"))
    assert per.tolist() == [math.inf, -math.inf]


def test_opposite_infinities_inside_one_row_are_nan_quietly():
    # y = (1e308, -1e308) at yhat = (0.05, 0.95): terms 1e308 ln 0.05 = -3.0e308 -> -inf and
    # -1e308 ln 0.95 = +5.1e306 (finite); with yhat = (0.05, 0.05, 0.9) and y = (1e308,
    # -1e308, 0): -inf + inf = NaN in the row
    per = quiet(
        lambda: engine.categorical_cross_entropy(
            [[0.05, 0.05, 0.9]], [[1e308, -1e308, 0.0]], "none"
        )
    )
    assert math.isnan(per[0])
