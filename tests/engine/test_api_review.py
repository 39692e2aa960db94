"""An ML engineer's hostile review of the public engine: dtypes and array kinds the losses meet
in practice (big-endian files, np.matrix, masked arrays), extreme finite values, and the
symbolic CTC helpers' arguments.

Every case runs with warnings turned into errors (no numpy warning may reach the caller).
Expected values are worked by hand in the comments or computed independently (plain numpy,
brute-force enumeration), never pasted from the engine's output.
"""

from __future__ import annotations

import itertools
import math
import warnings

import numpy as np
import pytest

from rnnloss_cli import engine
from tests.engine.hostile import CLASS_FNS, engine_error, quiet

# ------------------------------------------------------------------ big-endian class targets
LP3 = np.log(np.array([[0.2, 0.3, 0.5]]))


@pytest.mark.parametrize("fn", CLASS_FNS, ids=lambda f: f.__name__)
@pytest.mark.parametrize(("dtype", "value"), [(">i8", 2**56), (">u8", 2**56), (">i4", 2**24)])
def test_big_endian_target_out_of_range_is_refused(fn, dtype, value):
    # Big-endian 2**56 is the bytes 01 00 00 00 00 00 00 00: read in native (little-endian)
    # order they are 1, a valid class. The value is 2**56, far outside [0, 2].
    target = np.array([value], dtype=dtype)
    message = engine_error(lambda: fn(LP3, target))
    assert "target" in message and "outside [0, 2]" in message


@pytest.mark.parametrize("dtype", [">i8", ">u8", ">i4", ">u4", ">i2"])
def test_big_endian_target_in_range_reads_its_value(dtype):
    # class 2 of (0.2, 0.3, 0.5): nll = -ln 0.5 = ln 2 (with log-probabilities as input)
    target = np.array([2], dtype=dtype)
    assert quiet(lambda: engine.nll_loss(LP3, target)) == pytest.approx(math.log(2), rel=1e-12)
    grad = quiet(lambda: engine.nll_loss_grad(LP3, target))
    np.testing.assert_array_equal(grad, [[0.0, 0.0, -1.0]])
    # cross_entropy of the logits ln p is the same -ln 0.5 (softmax(ln p) = p)
    assert quiet(lambda: engine.cross_entropy(LP3, target)) == pytest.approx(math.log(2))


# ------------------------------------------------------------------ ndarray subclasses
def _matrix(a):
    with warnings.catch_warnings():  # np.matrix itself warns that it is deprecated
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        return np.matrix(a)


Z = np.array([[1.0, -0.5, 0.25], [0.3, 0.2, -1.0]])
P = np.array([[0.2, 0.3, 0.5], [0.6, 0.1, 0.3]])
MATRIX_CASES = {
    "mse_loss": (engine.mse_loss, (Z, P), 0),
    "binary_cross_entropy": (engine.binary_cross_entropy, (P, P), 0),
    "binary_cross_entropy_grad": (engine.binary_cross_entropy_grad, (P, P), 0),
    "hinge_loss_grad": (engine.hinge_loss_grad, (Z, np.sign(Z)), 0),
    "cross_entropy": (engine.cross_entropy, (Z, [0, 2]), 0),
    "cross_entropy_prob": (engine.cross_entropy, (Z, P), 1),
    "cross_entropy_grad": (engine.cross_entropy_grad, (Z, [0, 2]), 0),
    "nll_loss": (engine.nll_loss, (np.log(P), [0, 2]), 0),
    "nll_loss_grad": (engine.nll_loss_grad, (np.log(P), [0, 2]), 0),
    "log_softmax": (engine.log_softmax, (Z,), 0),
    "softmax": (engine.softmax, (Z,), 0),
    "ctc_greedy_decode": (engine.ctc_greedy_decode, (Z,), 0),
    "ctc_loss_targets": (
        engine.ctc_loss,
        (np.log(np.full((4, 2, 3), 1 / 3)), np.array([[1, 2], [2, 1]]), [4, 4], [2, 2]),
        1,
    ),
    "advantages_mask": (
        lambda r, m: engine.advantages(r, "mean", mask=m),
        (Z, np.array([[1, 1, 0], [1, 0, 0]])),
        1,
    ),
    "sequence_cross_entropy_mask": (
        lambda x, t, m: engine.sequence_cross_entropy(x, t, mask=m, from_logits=True),
        (np.stack([Z, Z]), np.array([[0, 1], [2, 2]]), np.array([[1, 1], [1, 0]])),
        2,
    ),
}


def _as_list(result):
    if isinstance(result, tuple):
        return [np.asarray(r) for r in result]
    return [np.asarray(result)]


@pytest.mark.parametrize("case", list(MATRIX_CASES), ids=str)
def test_np_matrix_argument_reads_as_its_array(case):
    fn, args, which = MATRIX_CASES[case]
    plain = quiet(lambda: fn(*args))
    as_matrix = list(args)
    as_matrix[which] = _matrix(args[which])
    got = quiet(lambda: fn(*as_matrix))
    for a, b in zip(_as_list(got), _as_list(plain), strict=True):
        assert type(a) is np.ndarray and a.shape == b.shape
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    ("fn", "name"),
    [
        (lambda m: engine.mse_loss(m, np.zeros(3)), "input"),
        (lambda m: engine.cross_entropy(np.zeros((3, 2)), m.astype(np.int64)), "target"),
        (lambda m: engine.sequence_hinge(np.zeros(3), m + 1.0), "target"),
        (
            lambda m: engine.ctc_loss(np.log(np.full((3, 2), 0.5)), [1], m[2:].astype(int), 1),
            "input_lengths",
        ),
        (lambda m: engine.softmax(m), "logits"),
    ],
)
def test_masked_array_with_masked_entries_is_refused(fn, name):
    # the masked entry holds 1e9: read as a value it would silently change the loss
    m = np.ma.masked_array([0.0, 0.0, 1e9], mask=[False, False, True])
    message = engine_error(lambda: fn(m))
    assert message.startswith(f"{name}:") and "masked" in message


def test_masked_array_with_nothing_masked_is_its_data():
    m = np.ma.masked_array([1.0, 3.0], mask=[False, False])
    # ((1 - 0)^2 + (3 - 1)^2) / 2 = 2.5
    assert quiet(lambda: engine.mse_loss(m, [0.0, 1.0])) == 2.5


# ------------------------------------------------------------------ extreme finite values
def test_categorical_cross_entropy_past_the_float_range_is_inf_without_warning():
    # -(1e308 ln 0.01 + 0 ln 0.99) = 1e308 * 4.6 = 4.6e308 > 1.8e308: inf
    loss = quiet(lambda: engine.categorical_cross_entropy([[0.01, 0.99]], [[1e308, 0.0]]))
    assert loss == math.inf


def test_categorical_cross_entropy_grad_of_a_subnormal_probability_is_inf_without_warning():
    # -y / p = -1 / 5e-324 = -2e323, past the float range: -inf; the other class -0 / 1 = 0
    grad = quiet(lambda: engine.categorical_cross_entropy_grad([[5e-324, 1.0]], [[1.0, 0.0]]))
    assert grad[0, 0] == -math.inf and grad[0, 1] == 0.0


def _lse_losses(z: np.ndarray, t: np.ndarray) -> np.ndarray:
    """-ln softmax(z)[t] per row, by plain numpy (the independent computation)."""
    m = z.max(axis=1, keepdims=True)
    lse = m[:, 0] + np.log(np.exp(z - m).sum(axis=1))
    return lse - z[np.arange(len(t)), t]


CE_Z = np.array([[1.0, 2.0, 0.5], [0.1, 0.2, 3.0]])
CE_T = np.array([0, 2])


@pytest.mark.parametrize("weight", [[1e308] * 3, [1e308, 1.0, 1e308]])
def test_cross_entropy_grad_with_weights_summing_past_the_float_range(weight):
    # sum(weight) overflows; without label smoothing it is not needed, and the gradient is
    # w[y_i] (softmax(z_i) - onehot(y_i)) per row for "sum" (each entry below 1e308)
    w = np.array(weight)
    soft = np.exp(CE_Z) / np.exp(CE_Z).sum(axis=1, keepdims=True)
    expected = w[CE_T][:, None] * (soft - np.eye(3)[CE_T])
    for reduction in ("sum", "none"):
        grad = quiet(lambda r=reduction: engine.cross_entropy_grad(CE_Z, CE_T, r, weight=w))
        np.testing.assert_allclose(grad, expected, rtol=1e-12)


@pytest.mark.parametrize("value", [1e308, 5e-324])
@pytest.mark.parametrize("fn", [engine.cross_entropy, engine.nll_loss], ids=lambda f: f.__name__)
def test_weighted_mean_of_weights_at_the_ends_of_the_float_range(fn, value):
    # Every target has weight 1e308 (the total 2e308 is past the float range) or 5e-324 (the
    # smallest subnormal: 1 / total is past it, and w l keeps a bit or two), but the weighted
    # mean sum_i w l_i / sum_i w = (l_0 + l_1) / 2 is an ordinary number.
    w = np.full(3, value)
    x = CE_Z if fn is engine.cross_entropy else CE_Z - np.log(np.exp(CE_Z).sum(1, keepdims=True))
    expected = float(np.mean(_lse_losses(CE_Z, CE_T)))
    assert quiet(lambda: fn(x, CE_T, weight=w)) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("value", [1e308, 5e-324])
def test_cross_entropy_grad_mean_of_weights_at_the_ends_of_the_float_range(value):
    # d/dz of the weighted mean above: (softmax - onehot) / 2 per row (weights cancel)
    w = np.full(3, value)
    soft = np.exp(CE_Z) / np.exp(CE_Z).sum(axis=1, keepdims=True)
    grad = quiet(lambda: engine.cross_entropy_grad(CE_Z, CE_T, weight=w))
    np.testing.assert_allclose(grad, (soft - np.eye(3)[CE_T]) / 2, rtol=1e-12)


def test_nll_weighted_terms_past_the_float_range_are_inf_without_warning():
    # terms -w[y] lp[y]: 1 * 1e308 = 1e308 and 2 * 1e308 = 2e308 -> inf
    lp = np.full((2, 3), -1e308)
    w = [1.0, 1.0, 2.0]
    terms = quiet(lambda: engine.nll_loss(lp, [0, 2], "none", weight=w))
    assert terms[0] == 1e308 and terms[1] == math.inf
    assert quiet(lambda: engine.nll_loss(lp, [0, 2], "sum", weight=w)) == math.inf


def test_cross_entropy_grad_of_probability_targets_near_the_float_limit():
    # PyTorch takes any finite probability target. Coefficients a_c = w_c q_c: 2 * 1e308 = inf,
    # then 0.5 * 0.5 and 1 * 0.5. grad_c = (sum_c a_c) softmax_c - a_c: inf * softmax - a is
    # inf - inf = NaN for class 0, inf for the others
    grad = quiet(
        lambda: engine.cross_entropy_grad(
            [[0.0, 1.0, 2.0]], [[1e308, 0.5, 0.5]], "sum", weight=[2.0, 0.5, 1.0]
        )
    )
    assert np.isnan(grad[0, 0]) and grad[0, 1] == math.inf and grad[0, 2] == math.inf


def test_beam_search_trace_of_huge_scores_without_warning():
    # two frames where the blank scores 1e308 (finite, not a log-probability; accepted as
    # torchaudio's decoders accept any emissions): the greedy path's score 2e308 is inf
    lp = np.array([[1e308, 0.0], [1e308, 0.0]])
    trace = quiet(lambda: engine.ctc_beam_search(lp, 2, return_trace=True))
    assert trace.greedy_path.tolist() == [0, 0] and trace.greedy_path_log_prob == math.inf


@pytest.mark.parametrize(
    ("fn", "kwargs", "name"),
    [
        (engine.sequence_cross_entropy, {}, "input"),
        (engine.sequence_cross_entropy_grad, {}, "input"),
        (engine.sequence_cross_entropy_terms, {}, "input"),
    ],
    ids=lambda x: getattr(x, "__name__", ""),
)
def test_sequence_rows_whose_sum_overflows_are_refused_without_warning(fn, kwargs, name):
    # 1e308 + 1e308 = inf: not a row of probabilities (expected sum 1)
    message = engine_error(lambda: fn([[1e308, 1e308]], [0], **kwargs))
    assert message.startswith(f"{name}: row t=0 sums to inf")


def test_sequence_target_rows_whose_sum_overflows_are_refused_without_warning():
    message = engine_error(
        lambda: engine.sequence_cross_entropy_grad([[0.0, 1.0]], [[1e308, 1e308]], from_logits=True)
    )
    assert message.startswith("target: row t=0 sums to inf")


def test_sequence_cross_entropy_with_no_class_names_the_input():
    x = np.zeros((2, 3, 0))
    for fn in (engine.sequence_cross_entropy, engine.sequence_cross_entropy_grad):
        message = engine_error(lambda f=fn: f(x, np.zeros((2, 3), int), lengths=[0, 0]))
        assert message.startswith("input:") and "(2, 3, 0)" in message


def test_viterbi_spans_of_huge_scores_without_warning():
    # log_probs of 1e300 (not log-probabilities, but finite: torchaudio takes them): every
    # class scores 1e300 on every frame, so whichever path is best, the label's one span
    # scores 1e300 a frame: mean 1e300, and mean "probability" e^1e300 = inf
    tr = quiet(lambda: engine.ctc_viterbi_trace(np.full((3, 3), 1e300), [1]))
    (span,) = tr.spans
    assert span.mean_log_prob == 1e300 and span.mean_prob == math.inf


# ------------------------------------------------------------------ REINFORCE from logits
def test_reinforce_from_logits_action_of_probability_zero_is_an_infinite_loss():
    # logits (0, -inf): pi = (1, 0). The action taken at t=0 is 1: -A ln pi = -1 * -inf = inf
    # (PyTorch: inf); the error must not name action_log_probs, which the caller never gave
    loss = quiet(lambda: engine.reinforce_loss_from_logits([[0.0, -np.inf]], [1], [1.0]))
    assert loss == math.inf
    # a negative advantage: -(-1) * -inf = -inf
    loss = quiet(lambda: engine.reinforce_loss_from_logits([[0.0, -np.inf]], [1], [-1.0]))
    assert loss == -math.inf
    per_step = quiet(
        lambda: engine.reinforce_loss_from_logits(
            [[0.0, -np.inf], [0.0, 0.0]], [1, 0], [2.0, 1.0], reduction="none"
        )
    )
    # step 1: -1 * ln(1/2) = ln 2
    assert per_step[0] == math.inf and per_step[1] == pytest.approx(math.log(2))
    # A = 0 on the impossible step: it carries no weight and counts 0 (the engine's 0 ln 0)
    loss = quiet(
        lambda: engine.reinforce_loss_from_logits([[0.0, -np.inf], [0.0, 0.0]], [1, 0], [0.0, 1.0])
    )
    assert loss == pytest.approx(math.log(2))


def test_reinforce_from_finite_logits_whose_log_prob_overflows_is_inf():
    # logits (1e308, -1e308): ln pi(1) = -2e308, past the float range: -inf, loss inf
    loss = quiet(lambda: engine.reinforce_loss_from_logits([[1e308, -1e308]], [1], [1.0]))
    assert loss == math.inf


# ------------------------------------------------------------------ CTC helpers
def test_ctc_greedy_decode_errors_name_its_argument():
    for bad in (np.array([True]), np.zeros(3), np.array([[np.nan, 0.0]])):
        message = engine_error(lambda b=bad: engine.ctc_greedy_decode(b))
        assert message.startswith("log_probs_or_probs")


def _brute_force_count(target: tuple, n_frames: int) -> int:
    """Alignments of length T over target's symbols plus a blank that collapse to target."""
    alphabet = sorted(set(target)) + ["<b>"]
    count = 0
    for path in itertools.product(alphabet, repeat=n_frames):
        merged = [s for i, s in enumerate(path) if i == 0 or s != path[i - 1]]
        if tuple(s for s in merged if s != "<b>") == target:
            count += 1
    return count


@pytest.mark.parametrize("target", [(), (1,), (1, 1), (1, 2), (1, 2, 1), (2, 2, 2)])
@pytest.mark.parametrize("n_frames", range(0, 7))
def test_ctc_path_count_matches_brute_force(target, n_frames):
    count = quiet(lambda: engine.ctc_path_count(list(target), n_frames))
    if n_frames == 0:  # no frames: only the empty target has its empty alignment
        assert count == (1 if not target else 0)
    else:
        assert count == _brute_force_count(target, n_frames)


def test_ctc_path_count_of_a_huge_input_is_exact():
    # One label over T frames: its run starts at frame i and ends at frame j >= i, blanks
    # elsewhere: T (T + 1) / 2 alignments. T = 10^12 frames (the forward count visits each).
    n_frames = 10**12
    count = quiet(lambda: engine.ctc_path_count([7], n_frames))
    assert count == n_frames * (n_frames + 1) // 2
    # with stop_above the count is still a lower bound above it
    assert quiet(lambda: engine.ctc_path_count([7], n_frames, stop_above=10**30)) == count


@pytest.mark.parametrize("fn", [engine.ctc_path_count, lambda t, n: list(engine.ctc_paths(t, n))])
@pytest.mark.parametrize("bad", [5, None, np.array(3)], ids=repr)
def test_ctc_path_helpers_refuse_a_target_that_is_not_a_sequence(fn, bad):
    message = engine_error(lambda: fn(bad, 3))
    assert message.startswith("target:")


def test_ctc_path_helpers_refuse_unhashable_symbols():
    for fn in (engine.ctc_path_count, lambda t, n: list(engine.ctc_paths(t, n))):
        message = engine_error(lambda f=fn: f([[1, 2]], 3))
        assert message.startswith("target:") and "hashable" in message


def test_ctc_path_count_options_are_checked():
    assert "blank_distinct" in engine_error(
        lambda: engine.ctc_path_count([1], 3, blank_distinct="no")
    )
    assert "stop_above" in engine_error(lambda: engine.ctc_path_count([1], 3, stop_above=1.5))


LISTED = {"target": "AB", "alignments": ["AB"], "probs": {"A": 0.5, "B": 0.5, "-": 0.5}}


@pytest.mark.parametrize(
    ("kwargs", "start"),
    [
        ({"target": 5}, "target:"),
        ({"alignments": 5}, "alignments:"),
        ({"alignments": [["A", ["B"]]]}, "alignments[0]:"),
        ({"probs": 5}, "probs:"),
        ({"probs": [{"A": 0.5, "B": 0.5}, "B"]}, "probs:"),
        ({"probs": {"A": "x", "B": 0.5}}, "probs['A']:"),
        ({"probs": {"A": math.nan, "B": 0.5}}, "probs['A']:"),  # a NaN total before
        ({"probs": {"A": -1.0, "B": 0.5}}, "probs['A']:"),  # a total of -0.5 before
        # two alignments of 1e308 * 1 each: fsum raised OverflowError before
        ({"alignments": ["AB", "AB"], "probs": {"A": 1e308, "B": 1.0}}, "probs['A']:"),
        ({"probs": [{"A": 0.5, "B": 0.5}, {"A": True, "B": 0.5}]}, "probs[1]['A']:"),
        ({"factors": 5}, "factors:"),
        ({"factors": [["x", 1.0]]}, "factors[0][0]:"),
        ({"factors": [[0.5, 2.0]]}, "factors[0][1]:"),
    ],
)
def test_ctc_listed_refuses_bad_arguments_naming_them(kwargs, start):
    # the problem files check probabilities and factors to lie in [0, 1]; the engine did not
    args = {**LISTED, **kwargs}
    assert engine_error(lambda: engine.ctc_listed(**args)).startswith(start)


@pytest.mark.parametrize("bad", ["yes", 1, None, np.array(True)], ids=repr)
def test_ctc_beam_search_return_trace_must_be_a_bool(bad):
    lp = np.log(np.full((2, 3), 1 / 3))
    message = engine_error(lambda: engine.ctc_beam_search(lp, 2, return_trace=bad))
    assert message.startswith("return_trace")


def test_ctc_big_endian_float32_log_probs_give_float32_results():
    # README: float32 inputs give float32 losses and gradients; a big-endian float32 array
    # (read from a file written on another machine) is float32 too
    lp = np.log(np.full((3, 1, 2), 0.5)).astype(np.float32)
    big = lp.astype(">f4")
    loss, grad = quiet(lambda: engine.ctc_loss_and_grad(big, [[1]], [3], [1], reduction="none"))
    ref_loss, ref_grad = engine.ctc_loss_and_grad(lp, [[1]], [3], [1], reduction="none")
    assert loss.dtype == np.float32 and grad.dtype == np.float32
    np.testing.assert_array_equal(loss, ref_loss)
    np.testing.assert_array_equal(grad, ref_grad)
    assert np.asarray(engine.ctc_loss(big, [[1]], [3], [1])).dtype == np.float32
