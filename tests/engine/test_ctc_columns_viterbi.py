"""The best (Viterbi) path of a long CTC input at a few kept frames (engine/_ctc_columns.py
``kept_viterbi``): one pass over every frame keeping a one-byte back-pointer per cell, never
the float64 Viterbi table.

Two references: brute force over every alignment (engine.alignments.ctc_paths, the product
of its frames' probabilities, the largest kept; no recursion at all) on short inputs without
ties, and the engine's whole-table ``ctc_viterbi_trace`` (separate code: one float64 table
and back-pointers over every frame) on long ones, whose tie rule (stay, then s−1, then s−2;
the final blank only when strictly better) the kept path must follow exactly: constant
probabilities make nearly every alignment tie.
"""

from __future__ import annotations

import math
import tracemalloc

import numpy as np
import pytest

from rnnloss_cli.engine import ctc_viterbi_trace
from rnnloss_cli.engine._ctc_columns import kept_viterbi
from rnnloss_cli.engine.alignments import ctc_paths
from rnnloss_cli.solve.ctc_tracks import extended, path_states


@pytest.mark.parametrize(("frames", "target", "seed"), [(6, "AB", 1), (7, "ABB", 2), (5, "", 3)])
def test_short_inputs_against_every_alignment(frames, target, seed):
    symbols = ["-", "A", "B"]
    y = np.random.default_rng(seed).dirichlet(np.ones(3), size=frames)
    best, best_p = None, -1.0
    for path in ctc_paths(list(target), frames, blank="-"):
        p = math.prod(y[t, symbols.index(c)] for t, c in enumerate(path))
        if p > best_p:
            best, best_p = path, p
    states = path_states(best, extended(list(target), "-"), "-")
    keep = [0, 2, frames - 1]
    got, ln_best = kept_viterbi(np.log(y), np.array([symbols.index(c) for c in target]), 0, keep)
    assert got.tolist() == [states[t] for t in keep]
    assert ln_best == pytest.approx(math.log(best_p), rel=1e-12)


@pytest.mark.parametrize(
    ("frames", "target", "constant"),
    [(3_000, [1, 2, 3, 1, 2, 3, 1, 1], False), (40_000, [1], True), (5_000, [2, 2, 1], True)],
)
def test_long_inputs_follow_the_whole_table_viterbi_ties_included(frames, target, constant):
    rng = np.random.default_rng(frames)
    if constant:  # every frame the same: ties everywhere
        lp = np.broadcast_to(np.log([0.4, 0.3, 0.2, 0.1]), (frames, 4))
    else:
        lp = np.log(rng.dirichlet(np.ones(4), size=frames))
    keep = [*range(7), *range(frames // 2 - 3, frames // 2 + 3), *range(frames - 7, frames)]
    ref = ctc_viterbi_trace(np.array(lp), target, blank=0)
    got, ln_best = kept_viterbi(lp, np.array(target), 0, keep)
    assert got.tolist() == [int(ref.states[t]) for t in keep]
    assert ln_best == ref.best_log_prob  # the same sums in the same order: bit for bit


def test_no_alignment_gives_none():
    # y_t(A) = 0 at every frame: every alignment of "A" has a zero factor
    lp = np.array([[0.0, -np.inf]] * 4)
    assert kept_viterbi(lp, np.array([1]), 0, [0, 3]) is None


def test_one_byte_a_cell():
    # 1,000,000 frames x S' = 3: the float64 table and int64 back-pointers of the whole-table
    # Viterbi would take 48 MB; the kept pass holds 3 MB of one-byte pointers and a block.
    frames = 1_000_000
    lp = np.broadcast_to(np.log([0.5, 0.5]), (frames, 2))
    tracemalloc.start()
    got, ln_best = kept_viterbi(lp, np.array([1]), 0, [0, frames - 1])
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 8 * 2**20, peak
    # every alignment has probability 0.5^T, so every δ_t(s) is the same sum and ties: the
    # path ends in the label (0-based state 1; the final blank is not strictly better) and
    # the read-back stays there to frame 1 (stay wins a tie): A at every frame
    assert got.tolist() == [1, 1]
    # 10^6 additions of ln 0.5 in turn: rounding of about 10^6 x 2^-53 relative
    assert ln_best == pytest.approx(frames * math.log(0.5), rel=1e-9)


def test_the_empty_target_is_all_blanks_without_a_pass():
    # one alignment, the blank at every frame: ln p = Σ_t ln y_t(-), here 3 x ln 0.5 + ln 0.25
    lp = np.log(np.array([[0.5, 0.5], [0.5, 0.5], [0.5, 0.5], [0.25, 0.75]]))
    got, ln_best = kept_viterbi(lp, np.zeros(0, dtype=np.int64), 0, [0, 3])
    assert got.tolist() == [0, 0]
    assert ln_best == pytest.approx(3 * math.log(0.5) + math.log(0.25), rel=1e-15)
    ref = ctc_viterbi_trace(lp, [], blank=0)
    assert ln_best == ref.best_log_prob
    big = np.broadcast_to(np.log([0.5, 0.5]), (100_000, 2))  # several chunks, in order
    assert kept_viterbi(big, np.zeros(0, dtype=np.int64), 0, [0])[1] == (
        ctc_viterbi_trace(np.array(big), [], blank=0).best_log_prob
    )
    assert kept_viterbi(np.array([[-np.inf, 0.0]]), np.zeros(0, dtype=np.int64), 0, [0]) is None
