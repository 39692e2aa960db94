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
