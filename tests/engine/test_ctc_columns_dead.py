"""The column pass (engine/_ctc_columns.py) once exact zeros have killed every state: the rest
of the frames leave the columns all −inf, and are skipped (not gathered).

Reference: a scalar log-space forward over an explicit state list, keeping every column
(``_scalar_columns``); β at a frame is the reversed problem's α (frames and extended labels
reversed), as the docstring of ``_ColumnPass`` argues.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from rnnloss_cli.engine import _ctc_columns
from rnnloss_cli.engine._ctc_columns import kept_columns
from tests.numeric import lse


def _scalar_columns(lp: np.ndarray, ids: list[int], blank: int, n: int) -> list[list[float]]:
    """ln α_t(s) for t < n, scalar loops (α_1(1) = y_1(blank), α_1(2) = y_1(l_1))."""

    cols = []
    alpha = [-math.inf] * len(ids)
    for t in range(n):
        new = []
        for s, k in enumerate(ids):
            if t == 0:
                terms = [0.0] if s < 2 else []
            else:
                terms = [alpha[s]] + ([alpha[s - 1]] if s >= 1 else [])
                if s >= 2 and k != blank and k != ids[s - 2]:
                    terms.append(alpha[s - 2])
            new.append(lse(terms) + float(lp[t, k]))
        alpha = new
        cols.append(alpha)
    return cols


def _dying_input(n_frames: int, n_classes: int) -> np.ndarray:
    """Uniform frames, except frames 100 and n_frames − 101, all on the last class (no label
    of the targets used here): no alignment gets through frame 100, so α_t = 0 for t >= 100;
    none gets from frame n_frames − 101 to the end, so β_t = 0 for t <= n_frames − 101."""
    probs = np.full((n_frames, n_classes), 1.0 / n_classes)
    for t in (100, n_frames - 101):
        probs[t] = 0.0
        probs[t, -1] = 1.0
    with np.errstate(divide="ignore"):
        return np.log(probs)


@pytest.mark.parametrize("ids", [[0, 1, 0], [0, 1, 0, 2, 0, 3, 0]])  # S' = 3 (jumps), 7
def test_dead_columns_are_skipped_and_stay_minus_inf(monkeypatch, ids):
    n_frames = 200_000
    lp = _dying_input(n_frames, 5)
    gathered = []
    emissions = _ctc_columns._ColumnPass.emissions

    def counting(self, t0, t1, out=None):
        gathered.append(t1 - t0)
        return emissions(self, t0, t1, out)

    monkeypatch.setattr(_ctc_columns._ColumnPass, "emissions", counting)
    keep = [*range(7), *range(n_frames - 7, n_frames)]
    with np.errstate(divide="ignore", invalid="ignore", under="ignore"):
        la, lb = kept_columns(lp, np.array(ids), 0, keep)
    # both rows die by frame 101 of their own order; a chunk of frames (or, S' <= 5, a round
    # of transfer blocks, 65,536 frames) is gathered past it, not the other ~199,900
    assert sum(gathered) < n_frames // 2, sum(gathered)
    ahead = _scalar_columns(lp, ids, 0, 7)
    back = _scalar_columns(lp[::-1], ids[::-1], 0, 7)  # the reversed problem's α
    np.testing.assert_allclose(la[:7], ahead, rtol=1e-13)
    assert np.all(la[7:] == -np.inf)
    assert np.all(lb[:7] == -np.inf)
    # β at frame n_frames - 1 - r is the reversed α at r, its states reversed
    expected_b = [back[n_frames - 1 - t][::-1] for t in range(n_frames - 7, n_frames)]
    np.testing.assert_allclose(lb[7:], expected_b, rtol=1e-13)
