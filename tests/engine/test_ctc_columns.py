"""The engine's column pass for long CTC derivations (engine/_ctc_columns.py): ln α and ln β
at a few frames from one pass over every frame, in bounded memory. Its values against
ctc_trace at every kept frame are in tests/solve/test_long_trellis.py (through the solver)."""

from __future__ import annotations

import math
import tracemalloc

import numpy as np
import pytest

from rnnloss_cli.engine._ctc_columns import kept_columns


def test_the_pass_keeps_columns_not_the_trellis():
    # 2,000,000 frames x S' = 3 (target A, constant probabilities): the trellis would be
    # 6 x 10^6 cells, 48 MB in float64; the pass holds one column, the 14 kept ones and a
    # block of emissions, whatever T (the log-probabilities are a broadcast view: no T x K
    # array either). α_t(1) = 0.5^t (all blanks), checked at the last frame from its log.
    frames = 2_000_000
    lp = np.broadcast_to(np.log([0.5, 0.5]), (frames, 2))
    keep = [*range(7), *range(frames - 7, frames)]
    tracemalloc.start()
    with np.errstate(divide="ignore", invalid="ignore", under="ignore"):
        la, lb = kept_columns(lp, np.array([0, 1, 0]), 0, keep)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 16 * 2**20, peak  # a third of one T x S' table
    assert la.shape == lb.shape == (14, 3)
    assert la[-1, 0] == pytest.approx(frames * math.log(0.5), rel=1e-12)
    # β_1(1): every alignment of A that starts with a blank, each 2^-T. Such an alignment is
    # -^i A^j -^k with i >= 1, j >= 1: its run of A's is frames a..b with 2 <= a <= b <= T,
    # C(T - 1, 2) + (T - 1) = C(T, 2) of them.
    assert lb[0, 0] == pytest.approx(math.log(math.comb(frames, 2)) + frames * math.log(0.5))
