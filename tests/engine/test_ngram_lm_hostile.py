"""CharNgramLM refuses what it cannot take with one EngineError, and reads huge integers.

An integer past float64's range (10**400) raised Python's OverflowError from float() in the
constructor and in from_counts; a history or token that is not integer labels raised
int()'s ValueError ('invalid literal for int()'), or was truncated (token 1.5 read as 1).
"""

from __future__ import annotations

import math

import pytest

from rnnloss_cli import engine
from tests.engine.hostile import engine_error, quiet

LM = engine.CharNgramLM


def test_a_count_past_the_float_range_is_read_not_overflowed():
    # counts (0,): 10**400 and (1,): 1 -> P(1) = 1 / (10**400 + 1), ln P = -400 ln 10 - tiny,
    # which is below the double range for probabilities but a finite log: -921.034...
    lm = quiet(lambda: LM.from_counts({(0,): 10**400, (1,): 1}))
    assert lm.log_prob((), 0) == 0.0  # ln(10**400 / (10**400 + 1)) rounds to 0
    assert lm.log_prob((), 1) == pytest.approx(-400 * math.log(10), rel=1e-12)


def test_a_log_probability_below_the_float_range_is_minus_infinity():
    assert quiet(lambda: LM({(1,): -(10**400)})).log_prob((), 1) == -math.inf


@pytest.mark.parametrize(
    "build",
    [
        lambda: LM({(1,): 10**400}),
        lambda: LM({(1,): -1.0}, unknown_log_prob=-(10**400)),
        lambda: LM({(1,): -1.0}, unknown_log_prob=10**400),
    ],
    ids=["log-prob +1e400", "unknown -1e400", "unknown +1e400"],
)
def test_a_huge_integer_where_a_finite_log_probability_is_needed_is_refused(build):
    assert "CharNgramLM" in engine_error(build)


GOOD = LM.from_counts({(0,): 4, (0, 1): 3, (1,): 2})


@pytest.mark.parametrize(
    "call",
    [
        lambda: GOOD.log_prob("ab", 1),
        lambda: GOOD.log_prob((0,), 1.5),
        lambda: GOOD.log_prob((0.5,), 1),
        lambda: GOOD.log_prob((0,), "1"),
        lambda: GOOD.log_prob((0,), True),
        lambda: GOOD.log_prob(5, 1),
        lambda: GOOD.score("ab"),
        lambda: GOOD.score([0, 1.5]),
        lambda: GOOD.score(3),
    ],
    ids=[
        "str history",
        "float token",
        "float history",
        "str token",
        "bool token",
        "int history",
        "str labels",
        "float label",
        "int labels",
    ],
)
def test_labels_that_are_not_integers_are_one_engine_error(call):
    message = engine_error(call)
    assert "history" in message or "token" in message or "labels" in message


def test_integer_labels_still_score():
    # P(0) = 4 / (4 + 2), P(1 | 0) = 3 / 3: ln(2/3) + 0
    assert GOOD.score([0, 1]) == pytest.approx(math.log(2 / 3), rel=1e-15)
    import numpy as np

    assert GOOD.log_prob(np.array([0]), np.int64(1)) == 0.0


@pytest.mark.parametrize(
    "build",
    [
        lambda: LM.from_counts([((0,), 1)]),
        lambda: LM.from_counts(None),
        lambda: LM.from_corpus(5, 2),
        lambda: LM.from_corpus(None, 2),
        lambda: LM.from_text("a\t-1", None),
        lambda: LM.from_text("a\t-1", 3),
    ],
    ids=["counts list", "counts None", "corpus int", "corpus None", "symbols None", "symbols int"],
)
def test_a_builder_given_the_wrong_container_is_one_engine_error(build):
    # was AttributeError ('list' object has no attribute 'items') or TypeError (not iterable)
    assert engine_error(build).startswith("CharNgramLM.from_")
