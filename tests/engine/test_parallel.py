"""Tests for engine/_parallel.py: the thread count, the split of a batch, and that CTC gives the
same numbers on one thread or several.

Not bit for bit: a sequence's result already depends on its batch in the last bits (numpy sums
the per-frame shifts of a one-row part pairwise, those of a wider one row by row), so a split
changes them as a different batch would; both stay within the engine's certified 1e-13.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rnnloss_cli.engine import _ctc_small, _parallel
from rnnloss_cli.engine.ctc import ctc_loss, ctc_loss_and_grad
from tests.engine.test_ctc import log_softmax


@pytest.mark.parametrize(
    ("value", "expected"),
    [("3", 3), (" 2 ", 2), ("1", 1), ("100", _parallel.MAX_THREADS)],
)
def test_thread_count_reads_the_variable(monkeypatch, value, expected):
    monkeypatch.setenv("RNNLOSS_NUM_THREADS", value)
    assert _parallel.thread_count() == expected


@pytest.mark.parametrize("value", ["", "0", "-2", "two", "1.5"])
def test_thread_count_ignores_what_is_not_a_positive_integer(monkeypatch, value):
    monkeypatch.setenv("RNNLOSS_NUM_THREADS", value)
    default = _parallel.thread_count()
    monkeypatch.delenv("RNNLOSS_NUM_THREADS")
    assert default == _parallel.thread_count() >= 1


@pytest.mark.parametrize(
    ("cost", "width", "threads", "expected"),
    [
        # equal rows, two threads: two halves (the cut where the running cost reaches half)
        ([10, 10, 10, 10], [4, 4, 4, 4], 2, [(0, 2), (2, 4)]),
        # a long first row gets a thread of its own
        ([30, 4, 3, 3], [4, 4, 4, 4], 2, [(0, 1), (1, 4)]),
        # three threads, two rows: two parts
        ([5, 5], [4, 4], 3, [(0, 1), (1, 2)]),
        # one thread: the whole batch
        ([10, 10, 10, 10], [4, 4, 4, 4], 1, [(0, 4)]),
        # columns too narrow for a second thread (16 cells a frame, 9 needed a part)
        ([10, 10, 10, 10], [4, 4, 4, 4], 2, [(0, 4)]),
    ],
)
def test_split_rows(monkeypatch, cost, width, threads, expected):
    monkeypatch.setenv("RNNLOSS_NUM_THREADS", str(threads))
    monkeypatch.setattr(_parallel, "MIN_CELLS_PER_THREAD", 1)
    narrow = expected == [(0, 4)] and threads == 2
    monkeypatch.setattr(_parallel, "MIN_COLUMN_PER_THREAD", 9 if narrow else 1)
    parts = _parallel.split_rows(np.array(cost), np.array(width))
    assert [(p.start, p.stop) for p in parts] == expected


def test_run_parts_reraises_the_first_failing_part():
    seen = []

    def task(part: slice) -> None:
        seen.append(part.start)
        if part.start >= 1:
            raise ValueError(f"part {part.start}")

    with pytest.raises(ValueError, match="part 1"):
        _parallel.run_parts(task, [slice(0, 1), slice(1, 2), slice(2, 3)])
    assert sorted(seen) == [0, 1, 2]  # every part ran (and ended) before the error


def _split_every_batch(mp: pytest.MonkeyPatch) -> None:
    """Any batch of two or more rows splits over threads; short inputs skip _ctc_small."""
    mp.setattr(_parallel, "MIN_CELLS_PER_THREAD", 1)
    mp.setattr(_parallel, "MIN_COLUMN_PER_THREAD", 1)
    mp.setattr(_ctc_small, "SMALL_MAX_FRAMES", 0)


def _both(lp, targets, il, tl, blank=0, wrt="logits"):
    kw = {"blank": blank, "reduction": "none"}
    loss, grad = ctc_loss_and_grad(lp, targets, il, tl, wrt=wrt, **kw)
    return loss, grad, ctc_loss(lp, targets, il, tl, **kw)


def _assert_same_with_threads(*args, **kw):
    with pytest.MonkeyPatch.context() as mp:
        _split_every_batch(mp)
        mp.setenv("RNNLOSS_NUM_THREADS", "1")
        one = _both(*args, **kw)
        mp.setenv("RNNLOSS_NUM_THREADS", "3")
        several = _both(*args, **kw)
    for a, b in zip(one, several, strict=True):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_array_equal(np.isfinite(a), np.isfinite(b))
        np.testing.assert_array_equal(a[~np.isfinite(a)], b[~np.isfinite(b)])
        np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-13)


@st.composite
def batches(draw):
    n_batch = draw(st.integers(2, 6))
    n_classes = draw(st.integers(2, 6))
    n_frames = draw(st.integers(1, 30))
    scale = draw(st.sampled_from([0.1, 1.0, 30.0, 600.0]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    lp = log_softmax(rng.standard_normal((n_frames, n_batch, n_classes)) * scale)
    if draw(st.booleans()):
        lp[rng.random(lp.shape) < 0.1] = -np.inf
    targets = rng.integers(1, n_classes, size=(n_batch, 5))
    tl = rng.integers(0, 6, size=n_batch)
    il = rng.integers(0, n_frames + 1, size=n_batch)
    return lp, targets, il, tl


@settings(max_examples=60, deadline=None)
@given(batches(), st.sampled_from(["logits", "log_probs"]))
def test_ctc_same_numbers_on_any_thread_count(batch, wrt):
    _assert_same_with_threads(*batch, wrt=wrt)


def test_ctc_long_and_short_rows_same_numbers_on_any_thread_count():
    """One input past LONG_FRAMES: the windowed recursion (for the whole batch, so for a part
    holding only short rows too)."""
    rng = np.random.default_rng(7)
    n_frames, n_classes = 4200, 5
    lp = log_softmax(rng.standard_normal((n_frames, 4, n_classes)) * 3.0)
    targets = rng.integers(1, n_classes, size=(4, 40))
    il = np.array([n_frames, 300, 280, 260])
    tl = np.array([40, 30, 20, 25])
    _assert_same_with_threads(lp, targets, il, tl)
