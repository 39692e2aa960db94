"""The hinge loss's label check (two compares and two counts): any label other than +1 or -1,
anywhere, is refused; labels all +-1 are accepted. No torch needed."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rnnloss_cli import engine

SIGNS = st.lists(st.sampled_from([1.0, -1.0]), min_size=1, max_size=200)


@given(labels=SIGNS, where=st.integers(min_value=0), bad=st.floats().filter(lambda v: abs(v) != 1))
def test_one_label_other_than_plus_or_minus_one_is_refused(labels, where, bad):
    y = np.array(labels)
    y[where % y.size] = bad  # includes NaN, +-inf, 0, -0.0 and 1 +- one ulp
    for fn in (engine.hinge_loss, engine.hinge_loss_grad):
        with pytest.raises(ValueError, match="target: expected labels -1 or \\+1"):
            fn(np.zeros(y.size), y)


@given(labels=SIGNS)
def test_labels_all_plus_or_minus_one_are_accepted(labels):
    # at yhat = 0 every margin is 1 - 0 = 1: the mean loss is 1
    assert engine.hinge_loss(np.zeros(len(labels)), labels) == 1.0
