"""ctc_paths refuses, when it is called, a T whose alignments it cannot hold in memory.

Each yielded alignment is a tuple of T symbols and the walk keeps a list of untried states
per frame (about 110 bytes a frame measured at T = 10^6), so ``next(ctc_paths([1], 10**9))``
grew the process past 100 GB (a MemoryError, or the machine's OOM killer) instead of one
EngineError.
"""

from __future__ import annotations

import itertools

from rnnloss_cli import engine
from rnnloss_cli.limits import MAX_ARRAY_BYTES
from tests.engine.hostile import engine_error


def test_a_t_whose_alignment_would_pass_the_memory_limit_is_refused_at_the_call():
    message = engine_error(lambda: engine.ctc_paths([1], 10**9))
    assert message.startswith("T:") and "MAX_ARRAY_BYTES" in message


def test_an_empty_target_over_a_huge_t_is_refused_too():
    # the one all-blank alignment is itself a tuple of T symbols
    assert "MAX_ARRAY_BYTES" in engine_error(lambda: engine.ctc_paths([], 10**12))


def test_a_huge_t_without_any_alignment_is_not_refused():
    # fewer frames than labels: nothing to yield, nothing held
    assert list(engine.ctc_paths(list(range(1, 10)), 5)) == []


def test_a_long_t_under_the_limit_still_yields():
    n_frames = MAX_ARRAY_BYTES // 10**5  # 21,474 frames: far under the limit
    # target (1,): walks start in state 0 (blank) before state 1 and try staying first, so
    # the first one stays on the blank until the last frame, which must hold the label
    first = next(engine.ctc_paths([1], n_frames))
    assert len(first) == n_frames and first[-1] == 1 and set(first[:-1]) == {0}
    # T = 3, target (1,): 1--, 11-, 111, -1-, -11, --1 by brute force over {0,1}^3
    brute = [p for p in itertools.product((0, 1), repeat=3) if engine.ctc_collapse(p, 0) == (1,)]
    assert sorted(engine.ctc_paths([1], 3)) == sorted(brute)
