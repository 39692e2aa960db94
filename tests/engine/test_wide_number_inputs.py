"""Numbers the engine's float64 / int64 arithmetic cannot hold, given through the public API.

A long double (80-bit on x86) holds 1e400, past float64's largest finite 1.8e308; a Python
int holds 2**70, past int64. Each is refused in one line naming the argument, the value and
its index, with no numpy warning (casting 1e400 to float64 warned "overflow encountered in
cast" and made it inf; searching the long-double array for the inf then found nothing and
raised a bare IndexError). Provenance: helper audit of the engine, findings 1, 2 and 4.
"""

from __future__ import annotations

import numpy as np
import pytest

from rnnloss_cli import engine as E
from tests.engine.hostile import engine_error, quiet

BIG = np.longdouble("1e400")
HAS_WIDE = np.finfo(np.longdouble).max > np.finfo(np.float64).max
needs_wide = pytest.mark.skipif(not HAS_WIDE, reason="long double is float64 here")


def _lp(value, index=(0, 2), shape=(4, 3)):
    lp = np.log(np.full(shape, 1 / 3)).astype(np.longdouble)
    lp[index] = value
    return lp


WIDE_CASES = {
    "ctc_loss": ("log_probs", lambda v: E.ctc_loss(_lp(v), [1], 4, 1)),
    "ctc_loss_and_grad": ("log_probs", lambda v: E.ctc_loss_and_grad(_lp(v), [1], 4, 1)),
    "ctc_trace": ("log_probs", lambda v: E.ctc_trace(_lp(v), [1])),
    "ctc_forced_align": ("log_probs", lambda v: E.ctc_forced_align(_lp(v), [1])),
    "nll_loss": ("input", lambda v: E.nll_loss(_lp(v, (0, 1), (2, 2)), [0, 1])),
    "cross_entropy": ("input", lambda v: E.cross_entropy(_lp(v, (0, 1), (2, 2)), [0, 1])),
    "mse_loss": ("input", lambda v: E.mse_loss(np.array([v, 1], np.longdouble), [0.0, 0.0])),
    "hinge_loss": ("input", lambda v: E.hinge_loss(np.array([v], np.longdouble), [1])),
    "rnnt_loss": (
        "logits",
        lambda v: E.rnnt_loss(
            np.full((1, 2, 1, 2), v, np.longdouble), np.zeros((1, 0), int), [2], [0]
        ),
    ),
    "elman_bptt": (
        "x",
        lambda v: E.elman_bptt(
            np.full((1, 1), v, np.longdouble), [0], W_xh=[[1.0]], W_hh=[[1.0]], W_hy=[[1.0]]
        ),
    ),
    "reinforce_loss": (
        "action_log_probs",
        lambda v: E.reinforce_loss(np.array([v], np.longdouble), [1.0]),
    ),
    "discounted_returns": (
        "rewards",
        lambda v: E.discounted_returns(np.array([v], np.longdouble), 0.5),
    ),
}


@needs_wide
@pytest.mark.parametrize("sign", [1, -1], ids=["+1e400", "-1e400"])
@pytest.mark.parametrize("fn_name", sorted(WIDE_CASES))
def test_long_double_past_float64_range_is_named(fn_name, sign):
    name, call = WIDE_CASES[fn_name]
    msg = engine_error(lambda: call(sign * BIG))
    assert msg.startswith(f"{name}:"), msg
    assert "float64 range" in msg, msg
    assert ("-1e+400" if sign < 0 else "1e+400") in msg, msg


@needs_wide
def test_long_double_inside_float64_range_is_its_float64_value():
    lp = np.log(np.array([[0.2, 0.5, 0.3], [0.6, 0.1, 0.3], [0.3, 0.3, 0.4]]))
    wide = quiet(lambda: E.ctc_loss(lp.astype(np.longdouble), [1, 2], 3, 2))
    assert wide == E.ctc_loss(lp, [1, 2], 3, 2)
    # a long double below float64's smallest subnormal is 0 (log 0 = -inf stays -inf)
    tiny = quiet(lambda: E.mse_loss(np.array([np.longdouble("1e-400")]), [0.0]))
    assert tiny == 0.0


HUGE = 2**70
INT_CASES = {
    "ctc targets": (
        "targets",
        lambda: E.ctc_loss(np.log(np.full((4, 2, 3), 1 / 3)), [[HUGE, 2], [1, 1]], [4, 4], [2, 2]),
    ),
    "ctc input_lengths": (
        "input_lengths",
        lambda: E.ctc_loss(
            np.log(np.full((4, 2, 3), 1 / 3)), [[1, 2], [1, 1]], [10**30, 4], [2, 2]
        ),
    ),
    "ctc target_lengths": (
        "target_lengths",
        lambda: E.ctc_loss(np.log(np.full((4, 2, 3), 1 / 3)), [[1, 2], [1, 1]], [4, 4], [2, -HUGE]),
    ),
    "rnnt targets": (
        "targets",
        lambda: E.rnnt_loss(np.zeros((1, 2, 2, 3)), [[HUGE]], [2], [1]),
    ),
    "forced_align target": (
        "target",
        lambda: E.ctc_forced_align(np.log(np.full((3, 3), 1 / 3)), [1, HUGE]),
    ),
}


@pytest.mark.parametrize("case", sorted(INT_CASES))
def test_python_int_past_int64_is_named(case):
    name, call = INT_CASES[case]
    msg = engine_error(call)
    assert msg.startswith(name), msg
    assert "int64" in msg and "dtype float64" not in msg, msg
    assert str(HUGE) in msg or str(10**30) in msg or str(-HUGE) in msg, msg
