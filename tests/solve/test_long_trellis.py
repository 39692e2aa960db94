"""A CTC trellis above FULL_TRELLIS_MAX_CELLS: α, β and γ at the tables' window.

Above the limit the solver never builds the T x S' trellis: one pass over every frame keeps
only the columns the tables show, the first and last frames (before: α over frames 1-14 only
and β over the last 14, so a long input's figure never reached the end of the trellis). The
reference here is the engine's whole-trellis ``ctc_trace`` on the same log-probabilities,
affordable at these sizes in a test (the solver's pass is separate code: a frame-by-frame
log-space loop for S' > 5, log-space transfer matrices over blocks of frames for S' <= 5).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from rnnloss_cli.engine import ctc_trace
from rnnloss_cli.limits import FULL_TRELLIS_MAX_CELLS
from rnnloss_cli.problem import parse_problem
from rnnloss_cli.result import LogNumber
from rnnloss_cli.solve import solve

SYMBOLS = ["-", "A", "B", "C"]


def _ln(cell) -> float:
    if isinstance(cell, LogNumber):
        return cell.ln
    return math.log(cell) if cell > 0 else -math.inf


def _problem(frames: int, target: str, seed: int):
    """Random logits (seeded) over the symbols; returns (problem, reference log-probs)."""
    logits = np.random.default_rng(seed).normal(size=(frames, len(SYMBOLS))) * 2.0
    # log-softmax by hand: z - ln Σ e^z, shifted by the row's max
    m = logits.max(axis=1, keepdims=True)
    lp = logits - m - np.log(np.exp(logits - m).sum(axis=1, keepdims=True))
    data = {"kind": "ctc", "title": "long", "target": target, "symbols": SYMBOLS}
    data["logits"] = logits.tolist()
    return parse_problem(data, {}, "t.yaml"), lp


def _table(r, start: str):
    return next(t for t in r.tables if t.title.startswith(start))


CASES = [
    (2_000, "ABC" * 9 + "AB"),  # S' = 59: 118,000 cells, frame by frame
    (20_000, "ABBA"),  # S' = 9, a repeat (no skip into the second B), frame by frame
    (40_000, "A"),  # S' = 3: transfer matrices
    (30_000, "AA"),  # S' = 5, a repeat: transfer matrices with a forbidden skip
    (120_000, ""),  # S' = 1, the empty target
]


@pytest.mark.parametrize(("frames", "target"), CASES)
def test_alpha_beta_and_posterior_at_the_first_and_last_frames(frames, target):
    n_ext = 2 * len(target) + 1
    assert frames * n_ext > FULL_TRELLIS_MAX_CELLS
    p, lp = _problem(frames, target, seed=frames + n_ext)
    r = solve(p)
    tr = ctc_trace(lp, [SYMBOLS.index(c) for c in target], blank=0)
    assert r.loss == pytest.approx(tr.loss, rel=1e-12)
    held = [*range(1, 8), *range(frames - 6, frames + 1)]  # the tables' window, 1-based
    for start, ref in (("forward", tr.log_alpha), ("backward", tr.log_beta)):
        t = _table(r, start)
        assert t.columns[2:] == [f"t={f}" for f in held], start
        assert [row[0] for row in t.rows] == list(range(1, n_ext + 1))
        for row in t.rows:
            s = row[0]
            for f, cell in zip(held, row[2:], strict=True):
                want, got = float(ref[f - 1, s - 1]), _ln(cell)
                if want == -math.inf:
                    assert got == -math.inf, (start, s, f)
                else:  # logs of e^-100,000 and more: relative to the log's size
                    assert got == pytest.approx(want, rel=1e-12, abs=1e-12), (start, s, f)
    gamma = _table(r, "posterior")
    for row in gamma.rows:
        for f, cell in zip(held, row[2:], strict=True):
            want = float(tr.posterior[f - 1, row[0] - 1])
            assert math.exp(_ln(cell)) == pytest.approx(want, abs=1e-9), (row[0], f)
    # the final cells are highlighted in the last column, as for a small trellis
    alpha = _table(r, "forward")
    marked = {(i, j) for (i, j), style in alpha.styles.items() if style == "highlight"}
    last = len(alpha.columns) - 1
    assert marked == {(i, last) for i in range(max(0, n_ext - 2), n_ext)}
