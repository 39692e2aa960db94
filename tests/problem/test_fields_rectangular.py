"""The shape check of array fields: a C-level pass (``fields._is_rectangular``) first, the
recursive walk (``Fields._check_rectangular``) only to name a fault.

The walk is the oracle: on any nested list, ``check_array`` must answer as it did with the walk
alone (same array, or same message, field and line), and the quick check may say "rectangular"
only where the walk passes.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rnnloss_cli.errors import ProblemError
from rnnloss_cli.problem import fields
from rnnloss_cli.problem.fields import Fields

_leaf = st.one_of(st.integers(-3, 3), st.floats(-2.0, 2.0), st.just("a"), st.none())
# nested lists up to 3 deep, often rectangular (rows copied), sometimes ragged or mixed
_nested = st.recursive(
    _leaf,
    lambda inner: st.one_of(
        st.lists(inner, min_size=1, max_size=3),
        st.builds(
            lambda row, n: [row] * n, st.lists(inner, min_size=1, max_size=3), st.integers(1, 3)
        ),
    ),
    max_leaves=12,
)


def _answer(value, ndims):
    f = Fields({"x": value}, {("x",): 3}, "f.yaml")
    try:
        return ("ok", f.check_array(value, "x", ndims=ndims).tolist())
    except ProblemError as err:
        return ("error", str(err))


@settings(max_examples=400, deadline=None)
@given(_nested, st.sampled_from([(1,), (2,), (1, 2), (3,), (1, 2, 3)]))
def test_check_array_answers_as_the_walk_alone(value, ndims):
    quick = _answer(value, ndims)
    with pytest.MonkeyPatch.context() as m:
        m.setattr(fields, "_is_rectangular", lambda value, ndim: False)
        walk = _answer(value, ndims)
    assert quick == walk


@settings(max_examples=400, deadline=None)
@given(_nested.filter(lambda v: isinstance(v, list)), st.integers(1, 3))
def test_rectangular_only_where_the_walk_passes(value, ndim):
    if fields._is_rectangular(value, ndim):
        Fields({"x": value}, {}, "f.yaml")._check_rectangular(value, ("x",))  # raises no error


def test_a_rectangular_block_skips_the_walk(monkeypatch):
    """10^4 rows of 6: the walk (a Python call per row) is not run; the array is the rows."""

    def walk(*args, **kwargs):
        raise AssertionError("recursive walk run on a rectangular block")

    monkeypatch.setattr(Fields, "_check_rectangular", walk)
    rows = [[0.5, 0.1, 0.1, 0.1, 0.1, 0.1]] * 10_000
    arr = Fields({"x": rows}, {}, "f.yaml").array("x")
    assert arr.shape == (10_000, 6)
    assert np.all(arr[:, 0] == 0.5)


def test_a_ragged_block_still_names_the_row(monkeypatch):
    rows = [[0.5, 0.5]] * 1000 + [[1.0]] + [[0.5, 0.5]] * 10
    with pytest.raises(ProblemError, match=r"ragged rows: row 1001 has 1 entries but row 1 has 2"):
        Fields({"x": rows}, {}, "f.yaml").array("x")
