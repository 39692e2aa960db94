"""ctc_path_count refuses, before any big-integer work, a count too large to compute.

The count is the closed form C(T + S - r, 2S) (Python's math.comb): exact for any T, but its
time grows with the size of the number it builds (about the square of its bits when T is near
2S). ``ctc_path_count([1, 2] * 500000, 3 * 10**6)`` ran for over a minute and
``([1, 2] * 50000, 10**18)`` for 11 s; only the CLI bounded the target (MAX_COUNT_CELLS).
The engine now refuses a count of more than ENGINE_MAX_COUNT_BITS bits, measured from its
log-gamma size first, and ``stop_above`` finds its frame count without counting over all T.
"""

from __future__ import annotations

import math

import pytest

from rnnloss_cli import engine
from rnnloss_cli.engine import alignments
from rnnloss_cli.limits import ENGINE_MAX_COUNT_BITS
from tests.engine.hostile import engine_error


@pytest.fixture
def no_big_comb(monkeypatch):
    """math.comb in the module fails if asked for a number of more than 10^4 bits' worth of
    factors: the refusal must come before it."""
    real = math.comb

    def guarded(n, k):
        k = min(k, n - k)
        if k > 0 and k * n.bit_length() > 10**6:
            raise AssertionError(f"math.comb reached with n of {n.bit_length()} bits, k={k}")
        return real(n, k)

    monkeypatch.setattr(alignments.math, "comb", guarded)


@pytest.mark.parametrize(
    ("target", "n_frames"),
    [([1, 2] * 500_000, 3 * 10**6), ([1, 2] * 50_000, 10**18), ([1], 10**200_000)],
    ids=["central", "long-T", "astronomical-T"],
)
def test_a_count_past_the_limit_is_refused_before_the_work(no_big_comb, target, n_frames):
    message = engine_error(lambda: engine.ctc_path_count(target, n_frames))
    assert message.startswith("T:") and "ENGINE_MAX_COUNT_BITS" in message


def test_blank_free_counts_are_bounded_too(no_big_comb):
    # C(T - 1, S - 1) with S = 10^5 labels (no adjacent repeats) and T = 10^18
    message = engine_error(
        lambda: engine.ctc_path_count(list(range(100_000)), 10**18, blank_distinct=False)
    )
    assert "ENGINE_MAX_COUNT_BITS" in message


def test_counts_under_the_limit_are_still_exact():
    # one label over T frames: T (T + 1) / 2 (its run starts at i, ends at j >= i)
    assert engine.ctc_path_count([7], 10**400) == 10**400 * (10**400 + 1) // 2
    # "AB" over 6 frames: C(6 + 2, 4) = 70 (T - S = 4 free frames over 5 runs: C(8, 4))
    assert engine.ctc_path_count("AB", 6) == 70
    # a count of about 2,000 bits: C(2000 + 1000, 2000) by the same closed form, from
    # math.comb itself (the engine refuses nothing this small)
    assert engine.ctc_path_count([1, 2] * 500, 2000) == math.comb(3000, 2000)
    assert math.comb(3000, 2000).bit_length() < ENGINE_MAX_COUNT_BITS


def test_stop_above_does_not_count_over_every_frame(no_big_comb):
    # Target "AB" (S = 2, no repeat): count(t) = C(t + 2, 4). The first t with C(t + 2, 4)
    # > 10,000 is t = 22: C(24, 4) = 24*23*22*21/24 = 10,626, while C(23, 4) = 8,855.
    # Over T = 10^200000 frames the full count has 2.66 million bits: never built.
    assert engine.ctc_path_count("AB", 10**200_000, stop_above=10_000) == 10_626
    # a long target and a huge T, as `ctc paths` asks: S = 2,000 labels 1,2,1,2,... (no
    # repeat, need = 2,000 frames); count(2000) = 1 and count(2001) = C(4001, 4000) = 4001
    assert engine.ctc_path_count([1, 2] * 1000, 10**18, stop_above=1_000) == 4001


def test_stop_above_with_a_count_at_or_below_it_is_exact():
    # C(12, 4) = 495 alignments of "AB" over 10 frames, under 10,000: returned whole
    assert engine.ctc_path_count("AB", 10, stop_above=10_000) == 495


def test_the_log10_of_a_count_over_an_astronomical_t_is_immediate():
    # one label over T = 10^400 frames: T (T + 1) / 2, so log10 = 800 - log10(2) (T + 1 ~ T)
    got = alignments.ctc_path_count_log10([1], 10**400)
    assert got == pytest.approx(800 - math.log10(2), abs=1e-9)
