"""cross_entropy / nll_loss with ignore_index: an ignored observation is never read, so its
logits may hold anything (a row of -inf, NaN, +inf), as in torch.nn.functional.cross_entropy,
which gives the loss of the other rows. A row that is read is still checked. No torch needed:
the values are worked by hand (see test_classification_ignored_rows_torch.py for PyTorch's)."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from rnnloss_cli.engine import _parallel, classification
from rnnloss_cli.engine.classification import (
    cross_entropy,
    cross_entropy_grad,
    nll_loss,
    nll_loss_grad,
)
from rnnloss_cli.engine.errors import EngineError

INF, NAN = math.inf, math.nan
LN3, LN4 = math.log(3.0), math.log(4.0)
# Row 0: logits (0, ln 3), softmax (1/4, 3/4), target 0: loss -ln(1/4) = ln 4.
ROW0 = [0.0, LN3]
# The ignored rows: nothing of them may reach the loss or its gradient.
IGNORED_ROWS = {
    "all -inf": [-INF, -INF],
    "NaN": [NAN, 0.0],
    "+inf": [INF, 0.0],
    "NaN and -inf": [-INF, NAN],
    # the row's placeholder shift 0 left exp(1e308) to overflow (found by hypothesis, CI)
    "NaN beside 1e308": [NAN, 1e308],
}


def _quiet(fn, *args, **kwargs):
    """fn(...) with every numpy warning turned into an error (none may be raised)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise"):
            return fn(*args, **kwargs)


@pytest.mark.parametrize("bad", IGNORED_ROWS.values(), ids=IGNORED_ROWS.keys())
def test_cross_entropy_ignored_row_is_never_read(bad):
    z = np.array([ROW0, bad])
    t = [0, -100]
    # none: (ln 4, 0); sum: ln 4; mean: ln 4 / 1 (the ignored row is not counted)
    np.testing.assert_allclose(_quiet(cross_entropy, z, t, "none"), [LN4, 0.0], rtol=1e-15)
    assert _quiet(cross_entropy, z, t, "sum") == pytest.approx(LN4, rel=1e-15)
    assert _quiet(cross_entropy, z, t, "mean") == pytest.approx(LN4, rel=1e-15)
    # gradient softmax - onehot(0) = (1/4 - 1, 3/4) on row 0; 0 on the ignored row (the loss
    # does not depend on it: PyTorch's autograd gives NaN there, 0 * NaN)
    for reduction in ("none", "sum", "mean"):
        grad = _quiet(cross_entropy_grad, z, t, reduction)
        np.testing.assert_allclose(grad, [[-0.75, 0.75], [0.0, 0.0]], rtol=1e-15, atol=1e-16)


@pytest.mark.parametrize("bad", IGNORED_ROWS.values(), ids=IGNORED_ROWS.keys())
def test_cross_entropy_ignored_row_with_smoothing_and_weights(bad):
    z = np.array([ROW0, bad, [0.0, 0.0]])
    t = [0, 7, 1]  # row 1 ignored (ignore_index 7)
    w = [2.0, 1.0]
    eps = 0.5
    # row 0: -ln p = (ln 4, ln 4/3); (1 - eps) w_0 ln 4 + eps (w_0 ln 4 + w_1 ln 4/3) / 2
    #        = 0.5 * 2 ln 4 + 0.25 (2 ln 4 + ln 4/3) = 1.5 ln 4 + 0.25 ln 4/3
    # row 2: -ln p = (ln 2, ln 2); 0.5 * 1 * ln 2 + 0.25 (2 + 1) ln 2 = 1.25 ln 2
    row0 = 1.5 * LN4 + 0.25 * math.log(4.0 / 3.0)
    row2 = 1.25 * math.log(2.0)
    kw = {"weight": w, "ignore_index": 7, "label_smoothing": eps}
    per = _quiet(cross_entropy, z, t, "none", **kw)
    np.testing.assert_allclose(per, [row0, 0.0, row2], rtol=1e-14)
    # "mean" divides by the weights of the targets read: w_0 + w_1 = 3
    assert _quiet(cross_entropy, z, t, "mean", **kw) == pytest.approx((row0 + row2) / 3, rel=1e-14)
    grad = _quiet(cross_entropy_grad, z, t, "sum", **kw)
    # row 0: a = (1 - eps) w_0 onehot(0) + eps w / 2 = (1 + 0.5, 0.25) = (1.5, 0.25), sum 1.75;
    # grad = 1.75 softmax - a = (1.75/4 - 1.5, 1.75 * 3/4 - 0.25) = (-1.0625, 1.0625)
    np.testing.assert_allclose(grad[0], [-1.0625, 1.0625], rtol=1e-14)
    assert grad[1].tolist() == [0.0, 0.0]


def test_cross_entropy_ignored_bad_rows_in_k_dim_and_unbatched_layouts():
    # (N, C, d1) = (1, 2, 2): position 0 holds ROW0 (target 0), position 1 a NaN (ignored)
    z = np.array([[[0.0, NAN], [LN3, 0.0]]])
    np.testing.assert_allclose(_quiet(cross_entropy, z, [[0, -100]], "none"), [[LN4, 0.0]])
    # unbatched (C,): the one observation ignored: "sum" 0, "mean" 0/0 = NaN (as PyTorch)
    assert _quiet(cross_entropy, [-INF, -INF], -100, "sum") == 0.0
    assert math.isnan(_quiet(cross_entropy, [-INF, -INF], -100, "mean"))
    assert _quiet(cross_entropy_grad, [NAN, 1.0], -100, "mean").tolist() == [0.0, 0.0]


def test_cross_entropy_ignored_bad_row_in_the_chunked_path(monkeypatch):
    # 200 rows (the chunked path at 64 elements); rows 0 and 150 ignored and bad, the other
    # 198 rows ROW0 with target 0: mean ln 4, sum 198 ln 4
    monkeypatch.setattr(classification, "CHUNKED_MIN_ELEMENTS", 64)
    monkeypatch.setattr(_parallel, "CHUNKED_MIN_ELEMENTS", 64)
    z = np.tile(ROW0, (200, 1))
    z[0] = [-INF, -INF]
    z[150] = [NAN, INF]
    t = np.zeros(200, dtype=np.int64)
    t[[0, 150]] = -100
    assert _quiet(cross_entropy, z, t, "mean") == pytest.approx(LN4, rel=1e-14)
    assert _quiet(cross_entropy, z, t, "sum") == pytest.approx(198 * LN4, rel=1e-14)
    grad = _quiet(cross_entropy_grad, z, t, "sum")
    assert grad[[0, 150]].tolist() == [[0.0, 0.0], [0.0, 0.0]]
    np.testing.assert_allclose(grad[1], [-0.75, 0.75], rtol=1e-14)


@pytest.mark.parametrize(
    ("bad", "match"),
    [
        ([-INF, -INF], "every logit of an observation is -inf"),
        ([NAN, 0.0], "NaN or \\+inf"),
        ([0.0, INF], "NaN or \\+inf"),
    ],
)
@pytest.mark.parametrize("fn", [cross_entropy, cross_entropy_grad])
def test_cross_entropy_still_refuses_a_bad_row_that_is_read(fn, bad, match):
    z = np.array([ROW0, bad])
    # read: a target that is not ignored, also one of weight 0 (0 * NaN is read by PyTorch)
    for t, kw in (([0, 1], {}), ([0, 0], {"weight": [0.0, 1.0]}), ([0, 1], {"ignore_index": 0})):
        with pytest.raises(EngineError, match=match):
            fn(z, t, **kw)
    # probability targets have no ignore_index: every row is read
    with pytest.raises(EngineError, match=match):
        fn(z, [[1.0, 0.0], [0.5, 0.5]])


@pytest.mark.parametrize("bad", IGNORED_ROWS.values(), ids=IGNORED_ROWS.keys())
def test_nll_loss_ignored_row_is_never_read(bad):
    # row 0: log-probabilities (ln 1/4, ln 3/4), target 0: -ln(1/4) = ln 4
    lp = np.array([[-LN4, math.log(0.75)], bad])
    assert _quiet(nll_loss, lp, [0, -100], "mean") == pytest.approx(LN4, rel=1e-15)
    np.testing.assert_allclose(_quiet(nll_loss, lp, [0, -100], "none"), [LN4, 0.0])
    assert _quiet(nll_loss_grad, lp, [0, -100], "sum").tolist() == [[-1.0, 0.0], [0.0, 0.0]]
