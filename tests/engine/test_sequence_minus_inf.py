"""sequence_cross_entropy(from_logits=True) with -inf logits: a class of probability 0, as
torch.nn.functional.cross_entropy takes it, as long as the step has a finite logit. NaN, +inf
and a real step of only -inf are refused, naming the step; padded steps are never read.
Values worked by hand; no torch needed (test_sequence_minus_inf_torch.py compares)."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from rnnloss_cli.engine.errors import EngineError
from rnnloss_cli.engine.sequence import (
    sequence_cross_entropy,
    sequence_cross_entropy_grad,
    sequence_cross_entropy_terms,
)

INF, NAN = math.inf, math.nan
LN2, LN4 = math.log(2.0), math.log(4.0)
# step 0: logits (0, -inf, ln 3): softmax (1/4, 0, 3/4); step 1: (-inf, 0, 0): (0, 1/2, 1/2)
Z = [[0.0, -INF, math.log(3.0)], [-INF, 0.0, 0.0]]


def _quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise"):
            return fn(*args, **kwargs)


def test_minus_inf_logit_is_a_class_of_probability_zero():
    # targets (0, 2): -ln(1/4) + -ln(1/2) = ln 4 + ln 2
    per = _quiet(sequence_cross_entropy, Z, [0, 2], from_logits=True, reduction="none")
    np.testing.assert_allclose(per, [LN4, LN2], rtol=1e-15)
    assert _quiet(sequence_cross_entropy, Z, [0, 2], from_logits=True) == pytest.approx(
        LN4 + LN2, rel=1e-15
    )
    # gradient softmax - onehot: (1/4 - 1, 0, 3/4) and (0, 1/2, 1/2 - 1)
    grad = _quiet(sequence_cross_entropy_grad, Z, [0, 2], from_logits=True)
    np.testing.assert_allclose(grad, [[-0.75, 0.0, 0.75], [0.0, 0.5, -0.5]], atol=1e-16)
    terms = _quiet(sequence_cross_entropy_terms, Z, [0, 2], from_logits=True)
    np.testing.assert_allclose(terms.prob, [0.25, 0.5], rtol=1e-15)


def test_target_at_a_minus_inf_logit_costs_inf():
    # target 1 at step 0 has probability 0: -ln 0 = inf (as PyTorch's cross_entropy)
    per = _quiet(sequence_cross_entropy, Z, [1, 2], from_logits=True, reduction="none")
    assert per[0] == INF and per[1] == pytest.approx(LN2, rel=1e-15)
    assert _quiet(sequence_cross_entropy, Z, [1, 2], from_logits=True) == INF


def test_probability_target_with_no_mass_on_the_minus_inf_class():
    # target rows (1/2, 0, 1/2) and (0, 1/2, 1/2): 0 * ln 0 counts 0, so
    # step 0: -(1/2 ln 1/4 + 1/2 ln 3/4) = 1/2 ln 4 + 1/2 ln 4/3; step 1: ln 2
    y = [[0.5, 0.0, 0.5], [0.0, 0.5, 0.5]]
    per = _quiet(sequence_cross_entropy, Z, y, from_logits=True, reduction="none")
    np.testing.assert_allclose(per, [0.5 * LN4 + 0.5 * math.log(4.0 / 3.0), LN2], rtol=1e-15)


def test_padded_steps_may_hold_anything_next_to_minus_inf_logits():
    # batch of 2, T = 3: sequence 0 is Z plus a padded step of NaN; sequence 1 has one real
    # step (-inf, 0, -inf) (probability 1 on class 1, target 1: loss 0) and two padded ones
    z = np.array(
        [
            Z + [[NAN, INF, -INF]],
            [[-INF, 0.0, -INF], [-INF, -INF, -INF], [INF, NAN, 0.0]],
        ]
    )
    t = [[0, 2, -100], [1, -100, -100]]
    per = _quiet(sequence_cross_entropy, z, t, lengths=[2, 1], from_logits=True, reduction="none")
    np.testing.assert_allclose(per, [[LN4, LN2, 0.0], [0.0, 0.0, 0.0]], rtol=1e-15)
    # mean over the 3 real steps
    mean = _quiet(
        sequence_cross_entropy, z, t, lengths=[2, 1], from_logits=True, reduction="mean_tokens"
    )
    assert mean == pytest.approx((LN4 + LN2) / 3, rel=1e-15)
    grad = _quiet(sequence_cross_entropy_grad, z, t, mask=[[1, 1, 0], [1, 0, 0]], from_logits=True)
    assert np.all(grad[0, 2] == 0.0) and np.all(grad[1] == 0.0)


@pytest.mark.parametrize(
    ("row", "match"),
    [
        ([NAN, 0.0, 0.0], "NaN or \\+inf at \\(n=0, t=1\\)"),
        ([INF, 0.0, 0.0], "NaN or \\+inf at \\(n=0, t=1\\)"),
        ([-INF, -INF, -INF], "every logit is -inf .*step \\(n=0, t=1\\)"),
    ],
)
@pytest.mark.parametrize(
    "fn", [sequence_cross_entropy, sequence_cross_entropy_grad, sequence_cross_entropy_terms]
)
def test_bad_logits_at_a_real_step_are_refused(fn, row, match):
    z = np.array([[Z[0], row]])
    with pytest.raises(EngineError, match=match):
        fn(z, [[0, 0]], from_logits=True)


def test_probabilities_still_need_finite_values():
    # from_logits=False reads probabilities: -inf is no probability
    with pytest.raises(EngineError, match="expected finite numbers at the real"):
        sequence_cross_entropy([[1.0, -INF]], [0])
