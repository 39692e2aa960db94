"""float32 in, float32 out: every pointwise, sequence and REINFORCE loss and gradient gives the
float64 result rounded once to float32 for float32 input (``_numerics.keeps_float32``), as
torch keeps the dtype; a float64 array target promotes to float64 as torch's type promotion
does; Python lists and integer input keep float64 results.

The expected values are the engine's own float64 results on the same numbers, rounded once:
what is checked here is the dtype rule and the single rounding, not the losses (those are
checked against closed forms, brute force and torch elsewhere).
"""

from __future__ import annotations

import numpy as np
import pytest

from rnnloss_cli import engine

RNG = np.random.default_rng(12)
X = RNG.standard_normal((4, 5))
P = RNG.dirichlet(np.ones(5), size=4)
ONEHOT = np.eye(5)[[0, 3, 1, 4]]
LABELS = np.where(RNG.standard_normal((4, 5)) > 0, 1.0, -1.0)
CLASSES = np.array([0, 3, 1, 4])
SEQ_P = RNG.dirichlet(np.ones(3), size=(2, 4))  # (N, T, C)
SEQ_Y = np.eye(3)[[[0, 1, 2, 0], [2, 2, 1, 0]]]
ADV = np.array([[1.0, -0.5, 2.0], [0.25, 1.5, -1.0]])
LOGITS = RNG.standard_normal((2, 3, 4))
ACTIONS = np.array([[0, 3, 1], [2, 2, 0]])

# (function, float input (the first argument), the other arguments, keyword arguments)
CASES = [
    ("mse_loss", X, (X[::-1].copy(),), {}),
    ("mse_grad", X, (X[::-1].copy(),), {}),
    ("binary_cross_entropy", P, (ONEHOT,), {}),
    ("binary_cross_entropy_grad", P, (ONEHOT,), {"reduction": "sum"}),
    ("nll_loss", np.log(P), (CLASSES,), {}),
    ("nll_loss_grad", np.log(P), (CLASSES,), {"weight": np.arange(1.0, 6.0)}),
    ("cross_entropy", X, (CLASSES,), {"reduction": "none"}),
    ("cross_entropy", X, (P,), {"label_smoothing": 0.1}),
    ("cross_entropy_grad", X, (CLASSES,), {}),
    ("categorical_cross_entropy", P, (ONEHOT,), {}),
    ("categorical_cross_entropy_grad", P, (ONEHOT,), {}),
    ("hinge_loss", X, (LABELS,), {}),
    ("hinge_loss_grad", X, (LABELS,), {"reduction": "sum"}),
    ("sequence_cross_entropy", SEQ_P, (SEQ_Y,), {"lengths": [4, 2]}),
    ("sequence_cross_entropy_grad", SEQ_P, (SEQ_Y,), {"lengths": [4, 2]}),
    ("sequence_hinge", X, (LABELS,), {"lengths": [5, 2, 3, 1]}),
    ("sequence_hinge_grad", X, (LABELS,), {"lengths": [5, 2, 3, 1]}),
    ("reinforce_loss", np.log(P[:2, :3]), (ADV,), {}),
    ("reinforce_loss_grad", np.log(P[:2, :3]), (ADV,), {"reduction": "mean"}),
    ("reinforce_loss_from_logits", LOGITS, (ACTIONS, ADV), {}),
    ("reinforce_policy_logits_grad", LOGITS, (ACTIONS, ADV), {}),
]
IDS = [f"{name}-{i}" for i, (name, *_) in enumerate(CASES)]


def _f32(a):
    """float32 arrays for float64 ones (the input and any float argument), others as given."""
    return a.astype(np.float32) if isinstance(a, np.ndarray) and a.dtype == np.float64 else a


@pytest.mark.parametrize(("name", "x", "args", "kw"), CASES, ids=IDS)
def test_float32_input_gives_the_float64_result_rounded_once(name, x, args, kw):
    fn = getattr(engine, name)
    x32 = x.astype(np.float32)
    args32 = tuple(_f32(a) for a in args)
    kw32 = {k: _f32(v) for k, v in kw.items()}
    got = fn(x32, *args32, **kw32)
    # the same float32 numbers, widened: the engine's float64 result on them, rounded once
    wide = fn(
        x32.astype(np.float64),
        *(
            a.astype(np.float64) if isinstance(a, np.ndarray) and a.dtype == np.float32 else a
            for a in args32
        ),
        **{
            k: v.astype(np.float64) if isinstance(v, np.ndarray) and v.dtype == np.float32 else v
            for k, v in kw32.items()
        },
    )
    assert np.asarray(got).dtype == np.float32
    assert isinstance(got, (np.ndarray, np.float32))
    np.testing.assert_array_equal(got, np.asarray(wide).astype(np.float32))


@pytest.mark.parametrize(("name", "x", "args", "kw"), CASES, ids=IDS)
def test_float64_and_integer_input_give_float64(name, x, args, kw):
    fn = getattr(engine, name)
    assert np.asarray(fn(x, *args, **kw)).dtype == np.float64
    if x.dtype == np.float64 and name.startswith(("mse", "hinge", "sequence_hinge")):
        # integer predictions (labels +-1 times 0 or 1 stay valid)
        got = fn(np.sign(x).astype(np.int64), *args, **kw)
        assert np.asarray(got).dtype == np.float64


@pytest.mark.parametrize(
    ("name", "x", "other", "kw"),
    [
        ("mse_loss", X, X[::-1].copy(), {}),
        ("mse_grad", X, X[::-1].copy(), {}),
        ("cross_entropy", X, P, {}),
        ("hinge_loss", X, LABELS, {}),
        ("reinforce_loss", np.log(P[:2, :3]), ADV, {}),
    ],
)
def test_a_float64_array_argument_promotes_a_python_list_does_not(name, x, other, kw):
    fn = getattr(engine, name)
    x32 = x.astype(np.float32)
    assert np.asarray(fn(x32, other, **kw)).dtype == np.float64  # float64 array: promoted
    assert np.asarray(fn(x32, other.tolist(), **kw)).dtype == np.float32  # no dtype of its own
    assert np.asarray(fn(x32, other.astype(np.float32), **kw)).dtype == np.float32


def test_float64_weights_promote_float32_nll():
    lp = np.log(P).astype(np.float32)
    assert isinstance(engine.nll_loss(lp, CLASSES, weight=np.ones(5)), float)  # float64
    assert engine.nll_loss(lp, CLASSES, weight=np.ones(5, dtype=np.float32)).dtype == np.float32
    assert engine.nll_loss(lp, CLASSES, weight=[1.0] * 5).dtype == np.float32


def test_float32_rounding_past_its_range_is_infinite_without_a_warning():
    """A float64 loss above float32's largest (3.4e38) rounds to inf, as torch's float32 sum."""
    x = np.full(4, 3e38, dtype=np.float32)
    with np.errstate(over="raise"):
        got = engine.mse_loss(x, -x, reduction="sum")
    assert got.dtype == np.float32 and got == np.inf


def test_a_keyword_input_is_seen_too():
    got = engine.mse_loss(input=X.astype(np.float32), target=X.astype(np.float32))
    assert got.dtype == np.float32 and got == 0.0


def test_rnnt_loss_and_its_gradient_keep_float32():
    """torchaudio's rnnt_loss takes float32 logits and returns float32: so do ours, the
    float64 results on the same numbers rounded once."""
    logits = RNG.standard_normal((2, 4, 3, 5)).astype(np.float32)
    targets, logit_lengths, target_lengths = np.array([[1, 2], [3, 1]]), [4, 3], [2, 1]
    loss = engine.rnnt_loss(logits, targets, logit_lengths, target_lengths)
    loss2, grad = engine.rnnt_loss_and_grad(logits, targets, logit_lengths, target_lengths)
    wide_loss, wide_grad = engine.rnnt_loss_and_grad(
        logits.astype(np.float64), targets, logit_lengths, target_lengths
    )
    assert isinstance(loss, np.float32) and isinstance(loss2, np.float32)
    assert grad.dtype == np.float32
    assert loss == loss2 == np.float32(wide_loss)
    np.testing.assert_array_equal(grad, wide_grad.astype(np.float32))
    assert isinstance(engine.rnnt_loss(logits.astype(np.float64), targets, [4, 3], [2, 1]), float)


def test_forced_alignment_scores_keep_float32():
    """torchaudio's forced_align returns scores in the dtype of its log_probs: so do ours;
    the path stays int64."""
    lp = np.log(RNG.dirichlet(np.ones(3), size=6)).astype(np.float32)
    path, scores = engine.ctc_forced_align(lp, [1, 2])
    wide_path, wide_scores = engine.ctc_forced_align(lp.astype(np.float64), [1, 2])
    assert path.dtype == np.int64 and scores.dtype == np.float32
    np.testing.assert_array_equal(path, wide_path)
    np.testing.assert_array_equal(scores, wide_scores.astype(np.float32))
