"""The RNN-T functions refuse, before computing, logits whose work they cannot hold.

``rnnt_trace(np.broadcast_to(0.0, (2000, 2001, 50)), ...)`` took 22 s and held about 6.4 GB
(log-probabilities, gradient and two temporaries, each just under 2 GiB): the input itself
passed MAX_ARRAY_BYTES (a broadcast view costs nothing), and MAX_RNNT_VALUES was enforced
only by the problem files' loader. The engine now refuses logits of more than
MAX_RNNT_VALUES numbers (four float64 arrays of them fit MAX_ARRAY_BYTES) at once, and a
call holds at most four arrays of the logits' size, the input counted.
"""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from rnnloss_cli import engine
from rnnloss_cli.engine import rnnt
from rnnloss_cli.limits import MAX_ARRAY_BYTES, MAX_RNNT_VALUES
from tests.engine.hostile import engine_error

# 2000 x 2001 x 50 = 200,100,000 numbers (1.6 GB as float64, under MAX_ARRAY_BYTES alone),
# three times MAX_RNNT_VALUES = 2^31 / 32 = 67,108,864
BIG = (2000, 2001, 50)


@pytest.fixture
def no_work(monkeypatch):
    """Any pass over the logits (the finiteness check, log-softmax) fails the test."""

    def reached(*args, **kwargs):
        raise AssertionError("the logits were computed with before the size was checked")

    monkeypatch.setattr(rnnt, "all_finite", reached)
    monkeypatch.setattr(rnnt, "log_softmax", reached)


def test_the_limit_is_four_arrays_under_max_array_bytes():
    assert 4 * 8 * MAX_RNNT_VALUES <= MAX_ARRAY_BYTES
    assert 2000 * 2001 * 50 > MAX_RNNT_VALUES and 2000 * 2001 * 50 * 8 < MAX_ARRAY_BYTES


def test_a_huge_trace_is_refused_before_the_work(no_work):
    logits = np.broadcast_to(0.0, BIG)
    message = engine_error(lambda: engine.rnnt_trace(logits, np.ones(2000, int), blank=0))
    assert message.startswith("logits:") and "MAX_RNNT_VALUES" in message


@pytest.mark.parametrize("fn", [engine.rnnt_loss, engine.rnnt_loss_and_grad])
def test_a_huge_batch_is_refused_before_the_work(no_work, fn):
    logits = np.broadcast_to(0.0, (1, *BIG))
    message = engine_error(lambda: fn(logits, np.ones((1, 2000), int), [2000], [2000], blank=0))
    assert message.startswith("logits:") and "MAX_RNNT_VALUES" in message


def _peak_bytes(fn) -> int:
    """Peak bytes numpy allocates (numpy reports its buffers to tracemalloc) while fn runs."""
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("which", ["trace", "loss_and_grad"])
def test_a_call_holds_at_most_four_arrays_of_the_logits_size(which):
    # the input (allocated before tracing) is the first of the four: the call may add three
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(1, 100, 101, 40))  # 404,000 numbers, 3.2 MB
    targets = rng.integers(1, 40, size=(1, 100))
    if which == "trace":
        call = lambda: engine.rnnt_trace(logits[0], targets[0], blank=0)  # noqa: E731
    else:
        call = lambda: engine.rnnt_loss_and_grad(  # noqa: E731
            logits, targets, [100], [100], blank=0
        )
    assert _peak_bytes(call) <= 3 * logits.nbytes + 2 * 2**20  # tables of T x (U+1): small


# ---------------------------------------------------------------------------------- time
# The recursions loop in Python over each sequence (about 40 µs) and over its T + U
# anti-diagonals (about 4 µs each): logits of shape (1, 3 x 10^7, 1, 2), under
# MAX_RNNT_VALUES, would loop 3 x 10^7 times (minutes), and so would 3 x 10^7 sequences of
# one node. The engine counts T_n + U_n + 10 steps a sequence against ENGINE_MAX_RNNT_STEPS.


@pytest.fixture
def no_lattice(monkeypatch):
    def reached(*args, **kwargs):
        raise AssertionError("a lattice was computed before the steps were counted")

    monkeypatch.setattr(rnnt, "_lattice", reached)
    monkeypatch.setattr(rnnt, "log_softmax", reached)


def test_a_long_thin_lattice_is_refused_before_the_work(no_lattice):
    from rnnloss_cli.limits import ENGINE_MAX_RNNT_STEPS

    n_frames = ENGINE_MAX_RNNT_STEPS  # one column (U = 0): T + 0 + 10 steps, past the limit
    logits = np.broadcast_to(0.0, (1, n_frames, 1, 2))
    message = engine_error(
        lambda: engine.rnnt_loss(logits, np.zeros((1, 0), int), [n_frames], [0], blank=0)
    )
    assert message.startswith("logits:") and "ENGINE_MAX_RNNT_STEPS" in message


def test_many_one_node_sequences_are_refused_before_the_work(no_lattice):
    from rnnloss_cli.limits import ENGINE_MAX_RNNT_STEPS

    n_batch = ENGINE_MAX_RNNT_STEPS // 10  # 11 steps each (T = 1, U = 0, plus 10)
    logits = np.broadcast_to(0.0, (n_batch, 1, 1, 2))
    ones = np.ones(n_batch, int)
    message = engine_error(
        lambda: engine.rnnt_loss_and_grad(
            logits, np.zeros((n_batch, 0), int), ones, ones * 0, blank=0
        )
    )
    assert "ENGINE_MAX_RNNT_STEPS" in message


def test_the_steps_count_the_lengths_used_not_the_padding():
    # a padded batch (1, 1000, 2, 2) whose sequence uses 3 frames: T = 3, U = 1, as the
    # lattice of shape (3, 2, 2) alone, p = 3 paths x (1/2)^4 = 3/16 (all moves 1/2)
    logits = np.zeros((1, 1000, 2, 2))
    loss = engine.rnnt_loss(logits, [[1]], [3], [1], blank=0)
    assert loss == pytest.approx(-np.log(3 / 16))
