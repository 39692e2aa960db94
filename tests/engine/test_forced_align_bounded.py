"""ctc_forced_align and ctc_viterbi_trace refuse, before allocating them, Viterbi tables
that together pass MAX_ARRAY_BYTES.

The Viterbi pass holds three T x (2S + 1) tables (the emissions on the extended labels, delta
and the int64 back-pointers), besides its float64 copy of the (T, C) log-probabilities, but
only one table was checked against MAX_ARRAY_BYTES: T = 10^5 frames of a 600-label target
(S' = 1,201) passed with 0.96 GB a table, 2.9 GB in all. Reading the back-pointers also
took about seven more tables' worth of temporaries whenever T was under 4,096 frames (one
chunk of frames); they are now chunked by cells.
"""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from rnnloss_cli import engine
from rnnloss_cli.engine import forced_align
from tests.engine.hostile import engine_error


@pytest.fixture
def no_viterbi(monkeypatch):
    def reached(*args, **kwargs):
        raise AssertionError("the Viterbi pass started before its memory was checked")

    monkeypatch.setattr(forced_align, "_viterbi", reached)


@pytest.mark.parametrize("fn", [engine.ctc_forced_align, engine.ctc_viterbi_trace])
def test_tables_past_the_limit_together_are_refused_before_the_pass(no_viterbi, fn):
    # 10^5 frames x S' = 1,201 states = 1.2 x 10^8 cells: 0.96 GB a table (under 2 GiB
    # alone), three tables and the (T, C) copy 3.4 GB; classes 0 (blank) to 600
    log_probs = np.broadcast_to(np.log(1 / 601), (100_000, 601))
    target = list(range(1, 601))
    message = engine_error(lambda: fn(log_probs, target))
    assert "MAX_ARRAY_BYTES" in message and "Viterbi" in message


def test_a_call_holds_about_three_tables_and_the_copy():
    # T = 4,000 frames, S = 100 labels (S' = 201), C = 101 classes: a table is 6.4 MB
    n_frames, n_ext, n_classes = 4000, 201, 101
    log_probs = np.log(np.full((n_frames, n_classes), 1 / n_classes))
    target = list(range(1, 101))
    table = n_frames * n_ext * 8
    tracemalloc.start()  # numpy reports its buffers to tracemalloc
    try:
        path, _ = engine.ctc_forced_align(log_probs, target)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # three tables, the float64 copy of log_probs and its checks' masks (3.2 MB and 1.2 MB),
    # and the back-pointers' chunk of 2^18 cells (about 8 float64 arrays of it, 16 MB)
    assert peak <= 3 * table + 1.5 * log_probs.nbytes + 17 * 2**20
    # every alignment has the same probability (1/101)^T, so any one is a best path: it
    # must collapse to the target (ctc_collapse, apart from the Viterbi code)
    assert engine.ctc_collapse(path.tolist(), 0) == tuple(target)


# ---------------------------------------------------------------------------------- time
# The Viterbi recursion loops in Python over the frames (about 4.5 µs a frame for the
# trace, 57 µs for best_alignment_count's tie-counting pass): log-probabilities of shape
# (6 x 10^7, 1), under every memory limit, would loop for minutes (best_alignment_count:
# an hour). The engine counts frames against ENGINE_MAX_VITERBI_FRAMES, each of
# best_alignment_count's as BEST_COUNT_FRAME_COST of them.


@pytest.mark.parametrize("fn", [engine.ctc_forced_align, engine.ctc_viterbi_trace])
def test_too_many_frames_are_refused_before_the_pass(no_viterbi, fn):
    from rnnloss_cli.limits import ENGINE_MAX_VITERBI_FRAMES

    log_probs = np.broadcast_to(0.0, (ENGINE_MAX_VITERBI_FRAMES + 1, 1))  # blank only
    message = engine_error(lambda: fn(log_probs, []))
    assert message.startswith("log_probs:") and "ENGINE_MAX_VITERBI_FRAMES" in message


def test_best_alignment_count_is_bounded_in_frames(monkeypatch):
    from rnnloss_cli.limits import ENGINE_MAX_VITERBI_FRAMES

    def reached(*args, **kwargs):
        raise AssertionError("the tie-counting pass started")

    monkeypatch.setattr(forced_align.np, "isclose", reached)
    n_frames = ENGINE_MAX_VITERBI_FRAMES // forced_align.BEST_COUNT_FRAME_COST + 1
    log_probs = np.broadcast_to(np.log(0.5), (n_frames, 2))
    message = engine_error(lambda: forced_align.best_alignment_count(log_probs, [1]))
    assert "ENGINE_MAX_VITERBI_FRAMES" in message


def test_best_alignment_count_is_bounded_in_memory(monkeypatch):
    # 1,000 frames, a 200,000-label target: its (T, 2S + 1) emissions table alone would
    # be 3.2 GB (the target cannot fit 1,000 frames, but the table was built first)
    log_probs = np.broadcast_to(np.log(0.5), (1000, 2))
    message = engine_error(lambda: forced_align.best_alignment_count(log_probs, [1] * 200_000))
    assert "MAX_ARRAY_BYTES" in message


def test_best_alignment_count_still_counts_ties():
    # two frames, classes (-, A) at 1/2 each, target A: A-, -A and AA all have 1/4: a tie
    assert forced_align.best_alignment_count(np.log([[0.5, 0.5], [0.5, 0.5]]), [1]) == 2
    # A clearly better on both frames (0.9): AA = .81 beats A- and -A = .09: unique
    assert forced_align.best_alignment_count(np.log([[0.1, 0.9], [0.1, 0.9]]), [1]) == 1
