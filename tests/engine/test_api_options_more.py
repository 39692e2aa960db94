"""Options and numbers the earlier hostile passes missed: each one EngineError or a result.

sequence_cross_entropy(_grad, _terms) read ``from_logits`` by its truth value, so
from_logits="no" (or "False") computed as from_logits=True without a word; ctc_listed's
probabilities and factors raised Python's OverflowError for an integer past float64's range.
"""

from __future__ import annotations

import numpy as np
import pytest

from rnnloss_cli import engine
from tests.engine.hostile import engine_error

# one sequence of 2 steps over 2 classes, as probabilities (rows sum to 1)
PROBS = np.array([[[0.25, 0.75], [0.5, 0.5]]])
TARGET = np.array([[1, 0]])
SEQ_FNS = [
    engine.sequence_cross_entropy,
    engine.sequence_cross_entropy_grad,
    engine.sequence_cross_entropy_terms,
]


@pytest.mark.parametrize("fn", SEQ_FNS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("bad", ["no", "False", 2, None, np.array([True])])
def test_from_logits_must_be_a_bool(fn, bad):
    message = engine_error(lambda: fn(PROBS, TARGET, from_logits=bad))
    assert message.startswith("from_logits:")


@pytest.mark.parametrize("flag", [False, np.bool_(False)])
def test_from_logits_false_still_reads_probabilities(flag):
    # -ln 0.75 - ln 0.5, summed over the two steps
    expected = -np.log(0.75) - np.log(0.5)
    got = engine.sequence_cross_entropy(PROBS, TARGET, from_logits=flag)
    assert got == pytest.approx(expected, rel=1e-15)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"probs": {1: 10**400, "-": 0.5}},
        {"probs": [{1: 0.5, "-": 0.5}, {1: -(10**400), "-": 0.5}]},
        {"probs": {1: 0.5, "-": 0.5}, "factors": [[10**400, 1]]},
    ],
    ids=["probs", "per-frame probs", "factors"],
)
def test_ctc_listed_integer_past_the_float_range_is_refused(kwargs):
    kwargs.setdefault("probs", None)
    message = engine_error(lambda: engine.ctc_listed([1], [[1, "-"]], **kwargs))
    assert "expected a probability in [0, 1]" in message and "1329 bits" in message


U64_MAX = np.iinfo(np.uint64).max  # 18446744073709551615


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda lp, big: engine.ctc_loss(lp, [[1]], big, [1]), "input_lengths"),
        (lambda lp, big: engine.ctc_loss(lp, [[1]], [3], big), "target_lengths"),
        (lambda lp, big: engine.ctc_loss_and_grad(lp, big.reshape(1, 1), [3], [1]), "targets"),
        (lambda lp, big: engine.ctc_trace(lp[:, 0], big), "target"),
    ],
    ids=["input_lengths", "target_lengths", "targets", "ctc_trace target"],
)
def test_ctc_unsigned_past_int64_is_named_by_its_value_not_wrapped(call, name):
    # astype(int64) wrapped 2^64 - 1 to -1: the message said "got -1"
    lp = engine.log_softmax(np.zeros((3, 1, 3)))
    message = engine_error(lambda: call(lp, np.array([U64_MAX], dtype=np.uint64)))
    assert message.startswith(name) and str(U64_MAX) in message and "-1" not in message
