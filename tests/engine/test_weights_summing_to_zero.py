"""reduction="mean" with signed class weights whose target weights sum to exactly 0.

PyTorch divides: the loss is (sum_i -w[y_i] ln p_i) / (sum_i w[y_i]) (aten LossNLL.cpp,
``output_val /= total_weight_val``), so x / 0 is -inf or +inf by the sign of x, NaN only for
0 / 0; the gradient entries -w[y_i] / 0 are -inf for w > 0, +inf for w < 0, NaN for w = 0.
The engine gave NaN for all of them. Provenance: helper audit of the engine (observation).

Case: p = [[0.2, 0.8], [0.5, 0.5]], targets [1, 0], weights [-1, 1]: W = w[1] + w[0] = 0,
sum = -1 * ln 0.8 - (-1) * ln 0.5 = 0.2231 - 0.6931 = -0.4700 < 0, so the loss is -inf.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from rnnloss_cli import engine as E
from tests.engine.hostile import quiet

P = np.array([[0.2, 0.8], [0.5, 0.5]])
TARGETS = [1, 0]


@pytest.mark.parametrize(
    ("weight", "expected"),
    [
        ([-1.0, 1.0], -math.inf),  # sum = -0.470, as above
        ([1.0, -1.0], math.inf),  # the signs swapped: sum = +0.470
    ],
)
@pytest.mark.parametrize("fn", [E.nll_loss, E.cross_entropy], ids=["nll", "cross_entropy"])
def test_nonzero_sum_over_zero_weight_is_signed_infinity(fn, weight, expected):
    given = np.log(P)  # log-probabilities are their own log_softmax: one case for both
    assert quiet(lambda: fn(given, TARGETS, weight=weight)) == expected


def test_zero_over_zero_stays_nan():
    """Both weights 0: 0 / 0."""
    assert math.isnan(quiet(lambda: E.nll_loss(np.log(P), TARGETS, weight=[0.0, 0.0])))


def test_nll_gradient_entries_are_signed_infinities():
    """-w[y_i] / 0 at each target entry: row 0 (w = 1) -inf, row 1 (w = -1) +inf; 0 elsewhere."""
    grad = quiet(lambda: E.nll_loss_grad(np.log(P), TARGETS, weight=[-1.0, 1.0]))
    assert grad.tolist() == [[0.0, -math.inf], [math.inf, 0.0]]


def test_the_gradient_with_weights_summing_to_zero_warns_nothing():
    """Found by tests/engine/test_inputs_untouched.py in CI: weights 1e300, -1e300, 5e-324
    whose target weights sum to 0 made the scale inf, and adding the target entries
    (inf - inf) leaked numpy's "invalid value encountered in add"."""
    given = np.array(
        [[-0.36, 1.2, 1.4], [0.32, 0.41, -0.49], [-0.91, -0.9, -1.0], [0.93, -0.056, 0.13]]
    )
    weight = [1e300, -1e300, 5e-324]
    grad = quiet(lambda: E.cross_entropy_grad(given, [0, 2, 1, 2], weight=weight))
    assert not np.isfinite(grad).any()


def test_label_smoothing_divides_each_part_by_the_zero_total_apart():
    """PyTorch's cross-entropy with label smoothing is (1 - eps) * nll + eps * smooth, each a
    sum divided by the total target weight on its own (aten LossNLL / cross_entropy). Every
    target of class 0, weights [0, 1, 2, 1]: the nll part is 0 / 0 = NaN and the loss NaN
    (the smoothing part, positive / 0 = inf, does not matter). Mixed into one sum per row
    first, the engine said inf. (tests/engine/test_pointwise_kdim_torch.py checks it against
    PyTorch when torch is installed; it was red there.)"""
    z = np.array([[0.35, 0.82, 0.33, -1.3], [0.91, 0.45, -0.54, 0.58], [0.36, 0.29, 0.03, 0.55]])
    for target in ([0, 0, 0], [0, -100, 0]):
        loss = quiet(
            lambda t=target: E.cross_entropy(z, t, weight=[0.0, 1.0, 2.0, 1.0], label_smoothing=0.2)
        )
        assert math.isnan(loss), loss
    # signed weights summing to 0: the nll part is -0.470 / 0 = -inf (as above); the smoothing
    # part sum_i sum_c w_c (-ln p_ic) / C = (-1.609 + 0.223 + (-0.693 + 0.693)) / 2 = -0.693,
    # over 0: -inf as well, so -inf (PyTorch 2.13 gives -inf)
    loss = quiet(
        lambda: E.cross_entropy(np.log(P), TARGETS, weight=[-1.0, 1.0], label_smoothing=0.1)
    )
    assert loss == -math.inf
