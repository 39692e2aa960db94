"""The one-sum finiteness check (``all_finite``, behind ``as_float_array``): one NaN or
infinity anywhere is rejected whatever the summation order; finite values whose sum
overflows are still accepted (the element-wise fallback decides). No torch needed."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rnnloss_cli.engine._numerics import all_finite, as_float_array
from rnnloss_cli.engine.errors import EngineError

FINITE = st.floats(allow_nan=False, allow_infinity=False)
# Near the top of the float range: two of these overflow a sum (max float is 1.8e308).
MAX = float(np.finfo(np.float64).max)
HUGE = st.floats(min_value=1e307, max_value=MAX) | st.floats(min_value=-MAX, max_value=-1e307)


@given(
    values=st.lists(FINITE, min_size=1, max_size=300),
    where=st.integers(min_value=0),
    bad=st.sampled_from([math.inf, -math.inf, math.nan]),
)
def test_one_non_finite_value_anywhere_is_rejected(values, where, bad):
    # Up to 300 entries: numpy's pairwise sum switches to blocks of 8 lanes past 8 and
    # recurses past 128, so the bad entry lands in every kind of partial sum.
    arr = np.array(values, dtype=np.float64)
    arr[where % arr.size] = bad
    assert not all_finite(arr)
    with pytest.raises(EngineError, match="x: expected finite numbers, got NaN or infinity"):
        as_float_array(arr, "x")


@given(values=st.lists(HUGE, min_size=2, max_size=300))
def test_finite_values_whose_sum_overflows_are_accepted(values):
    arr = np.array(values, dtype=np.float64)
    assert all_finite(arr)
    assert as_float_array(arr, "x") is not None


def test_the_overflow_case_really_overflows_the_sum():
    # 1.7e308 + 1.7e308 = 3.4e308 > 1.8e308: the sum is inf, the fallback must say finite;
    # with +-1e308 pairs the pairwise partial sums can meet as inf + (-inf) = NaN.
    for arr in (np.array([1.7e308, 1.7e308]), np.array([1e308, 1e308, -1e308, -1e308])):
        with np.errstate(over="ignore", invalid="ignore"):
            assert not np.isfinite(np.sum(arr))
        assert all_finite(arr)


def test_no_floating_point_warning_from_the_check():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert all_finite(np.array([1.7e308, 1.7e308, -1.7e308, -1.7e308]))
        assert not all_finite(np.array([np.inf, -np.inf, 1.0]))


@pytest.mark.parametrize("size", [0, 1, 7, 8, 9, 1000])
def test_finite_arrays_of_every_size_pass(size):
    assert all_finite(np.linspace(-1.0, 1.0, size))


@pytest.mark.filterwarnings("error")
def test_log_softmax_of_logits_two_float_ranges_apart():
    # (1e308, -1e308) shifted by the max: (0, -2e308) = (0, -inf), the correctly rounded
    # value; e^0 / (e^0 + 0) = 1, so ln softmax = (0, -inf) with no overflow warning.
    from rnnloss_cli.engine._numerics import log_softmax

    assert log_softmax(np.array([1e308, -1e308])).tolist() == [0.0, -math.inf]


@pytest.mark.filterwarnings("error")
def test_mean_of_values_whose_sum_overflows():
    # (1e308 + 1e308) / 2 = 1e308, though the sum 2e308 overflows: the mean is taken of
    # the values scaled by 1/n. The sum itself is infinite, without a warning.
    from rnnloss_cli.engine._numerics import reduce

    assert reduce(np.array([MAX, MAX]), "mean") == MAX
    assert reduce(np.array([MAX, MAX, MAX]), "mean") == pytest.approx(MAX, rel=1e-15)
    assert reduce(np.array([1e308, 1e308]), "mean") == 1e308
    assert reduce(np.array([1e308, 1e308]), "sum") == math.inf


def test_python_ints_past_int64_are_read_as_floats():
    # numpy holds [2**70] as objects; as a float 2**70 is exact, and (2**70)**2 = 2**140
    from rnnloss_cli import engine

    assert engine.mse_loss([2**70], [0]) == 2.0**140
    assert engine.mse_loss([2**70, 3], [0, 1]) == (2.0**140 + 4) / 2


def test_a_python_int_past_float64_names_the_limit():
    from rnnloss_cli import engine

    with pytest.raises(EngineError, match="too large for a float64"):
        engine.mse_loss([10**400], [0])
    with pytest.raises(EngineError, match="expected an array of real numbers"):
        engine.mse_loss([None], [0])
