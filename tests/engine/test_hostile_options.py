"""Options of the wrong type or size (an array, a huge integer, a long string) get one short
EngineError line from every public engine function, never a numpy or Python error and never
a message that is several lines or thousands of characters long (numpy prints an array's
repr over several lines; Python refuses to print an integer of more than 4300 digits)."""

from __future__ import annotations

import numpy as np
import pytest

from rnnloss_cli import engine
from tests.engine.hostile import engine_error

A = np.array([[1.0, 2.0], [3.0, 4.0]])  # its repr spans two lines
HUGE = 10**400  # past float64; float(HUGE) raises OverflowError
HUGER = -(10**5000)  # str() of it raises ValueError (more than 4300 digits)
LONG = "x" * 100_000
LP = np.log(np.full((3, 2), 0.5))
LONG_LP = np.log(np.full((2000, 30), 1 / 30))  # a huge beam over it is refused
BAD = {"array": A, "huge": HUGE, "huger": HUGER, "long": LONG}

CALLS = {
    "mse reduction": lambda v: engine.mse_loss([1.0], [2.0], reduction=v),
    "ctc reduction": lambda v: engine.ctc_loss(LP, [1], 3, 1, reduction=v),
    "rnnt reduction": lambda v: engine.rnnt_loss(
        np.zeros((1, 2, 2, 3)), [[1]], [2], [1], reduction=v
    ),
    "label_smoothing": lambda v: engine.cross_entropy(np.zeros((2, 3)), [0, 1], label_smoothing=v),
    "ignore_index": lambda v: engine.nll_loss(np.zeros((2, 3)), [0, 1], ignore_index=v),
    "gamma": lambda v: engine.discounted_returns(np.ones(3), gamma=v),
    "ctc blank": lambda v: engine.ctc_loss(LP, [1], 3, 1, blank=v),
    "rnnt blank": lambda v: engine.rnnt_loss(np.zeros((1, 2, 2, 3)), [[1]], [2], [1], blank=v),
    "wrt": lambda v: engine.ctc_loss_and_grad(LP, [1], 3, 1, wrt=v),
    "zero_infinity": lambda v: engine.ctc_loss(LP, [1], 3, 1, zero_infinity=v),
    "path count T": lambda v: engine.ctc_path_count([1], v),
    "beam_width": lambda v: engine.ctc_beam_search(LONG_LP, beam_width=v),
    "lm_weight": lambda v: engine.ctc_beam_search(LP, lm_weight=v),
    "clamp": lambda v: engine.rnnt_loss(np.zeros((1, 2, 2, 3)), [[1]], [2], [1], clamp=v),
    "softmax axis": lambda v: engine.softmax(np.ones(3), axis=v),
}


# A huge integer is a valid path-count length (the count is a Python int of any size).
VALID = {("path count T", "huge")}


@pytest.mark.parametrize("value_name", BAD)
@pytest.mark.parametrize("call_name", CALLS)
def test_a_hostile_option_is_one_short_line(call_name, value_name):
    if (call_name, value_name) in VALID:
        pytest.skip("a valid value: the call computes")
    message = engine_error(lambda: CALLS[call_name](BAD[value_name]))
    assert len(message) <= 300, message[:300]
