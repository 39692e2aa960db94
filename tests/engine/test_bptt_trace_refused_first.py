"""elman_bptt_trace refuses a (T, H, H) split of dW_hh past MAX_ARRAY_BYTES before any pass.

T = 2000 steps of H = 700 units need 2000 x 700 x 700 x 8 bytes = 7.3 GiB for the split:
the refusal came only after the forward and backward passes (about 4 s of work, and the
(T, H) tables allocated) instead of at once.
"""

from __future__ import annotations

import numpy as np

from rnnloss_cli.engine import bptt
from tests.engine.hostile import engine_error


def test_the_split_is_refused_before_the_forward_and_backward_passes(monkeypatch):
    def no_pass(*args, **kwargs):
        raise AssertionError("the passes ran before the size was checked")

    monkeypatch.setattr(bptt, "_forward_backward", no_pass)
    n_steps, n_hidden = 2000, 700
    message = engine_error(
        lambda: bptt.elman_bptt_trace(
            np.zeros((n_steps, 1)),
            np.zeros(n_steps, dtype=int),
            W_xh=np.zeros((1, n_hidden)),
            W_hh=np.zeros((n_hidden, n_hidden)),
            W_hy=np.zeros((n_hidden, 2)),
        )
    )
    assert "grad_W_hh_by_lag" in message and "(2000, 700, 700)" in message
