"""elman_bptt / elman_bptt_trace and discounted_returns refuse, before any pass, a sequence
whose Python loop over the steps would run past about a minute.

Memory alone bounded neither: 10^7 steps of one hidden unit ran elman_bptt for 100 s and
discounted_returns for 11 s, and MAX_ARRAY_BYTES lets in 2.7 x 10^8 steps. The work model
(measured, limits.py): a BPTT step costs about 10 µs plus 1 ns per H²; a return step 1.1 µs.
"""

from __future__ import annotations

import numpy as np
import pytest

from rnnloss_cli import engine as E
from rnnloss_cli.engine import bptt, reinforce
from rnnloss_cli.limits import ENGINE_MAX_BPTT_WORK, ENGINE_MAX_RETURN_STEPS
from tests.engine.hostile import engine_error


def _bptt(fn, n_steps: int, n_hidden: int = 1):
    x = np.broadcast_to(np.zeros(1), (n_steps, 1))  # no memory for any T
    y = np.broadcast_to(np.zeros(1), (n_steps, 1))
    w_hh = np.broadcast_to(0.5, (n_hidden, n_hidden))
    return fn(
        x, y, W_xh=np.full((1, n_hidden), 0.1), W_hh=w_hh, W_hy=np.ones((n_hidden, 1)),
        loss="squared_error",
    )  # fmt: skip


@pytest.mark.parametrize("fn", [E.elman_bptt, E.elman_bptt_trace], ids=["bptt", "trace"])
def test_bptt_past_the_work_limit_is_refused_at_once(fn):
    n_steps = ENGINE_MAX_BPTT_WORK // (1 + 10_000) + 1  # H = 1: steps x 10,001 > the limit
    msg = engine_error(lambda: _bptt(fn, n_steps))
    assert msg.startswith("x: ") and "ENGINE_MAX_BPTT_WORK" in msg, msg


def test_bptt_work_counts_the_hidden_size(monkeypatch):
    """Limit 10^6: 50 steps of H = 100 are 50 x (10^4 + 10^4) = 10^6 (run); 51 are not."""
    monkeypatch.setattr(bptt, "ENGINE_MAX_BPTT_WORK", 10**6)
    _bptt(E.elman_bptt, 50, 100)
    msg = engine_error(lambda: _bptt(E.elman_bptt, 51, 100))
    assert "1.02e+06 units of work" in msg, msg


def test_returns_past_the_step_limit_are_refused_at_once(monkeypatch):
    msg = engine_error(
        lambda: E.discounted_returns(np.broadcast_to(1.0, (ENGINE_MAX_RETURN_STEPS + 1,)), 0.9)
    )
    assert msg.startswith("rewards: ") and "ENGINE_MAX_RETURN_STEPS" in msg, msg
    monkeypatch.setattr(reinforce, "ENGINE_MAX_RETURN_STEPS", 3)
    assert E.discounted_returns([1.0, 0.0, 1.0], 0.5).tolist() == [1.25, 0.5, 1.0]
    engine_error(lambda: E.discounted_returns([[1.0, 0.0, 1.0, 0.0]], 0.5))
