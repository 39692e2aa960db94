"""Tests for the CTC engine against references written here, independent of the engine.

The references: a brute force that enumerates all C^T label sequences (small T, C), a
pure-Python log-space forward recursion (for inputs too long to enumerate), hand-worked golden
values, closed forms (forced alignments, constant log-probabilities times the path count) and
central finite differences. None of the expected values comes from the engine's own output.
"""

from __future__ import annotations

import dataclasses
import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rnnloss_cli.engine._ctc_scaled as scaled
import rnnloss_cli.engine._ctc_segments as segments
import rnnloss_cli.engine.ctc as ctc
from rnnloss_cli.engine.alignments import (
    ctc_collapse,
    ctc_greedy_decode,
    ctc_path_count,
    ctc_paths,
)
from rnnloss_cli.engine.ctc import (
    CTCTrace,
    ctc_loss,
    ctc_loss_and_grad,
    ctc_trace,
)
from rnnloss_cli.engine.errors import EngineError
from tests.numeric import central_diff, lse

SETTINGS = settings(max_examples=80, deadline=None)


# ---------------------------------------------------------------------------------------------
# Independent references
# ---------------------------------------------------------------------------------------------


def collapse_ref(seq, blank):
    """B: merge runs (itertools.groupby), then drop blanks."""
    return tuple(k for k, _ in itertools.groupby(seq) if k != blank)


def brute_force_prob(probs: np.ndarray, target, blank: int) -> float:
    """p(l|x) by enumerating every one of the C^T label sequences."""
    n_frames, n_classes = probs.shape
    target = tuple(int(x) for x in target)
    total = 0.0
    for path in itertools.product(range(n_classes), repeat=n_frames):
        if collapse_ref(path, blank) == target:
            total += math.prod(probs[t, k] for t, k in enumerate(path))
    return total


def brute_force_count(target, n_frames: int, alphabet) -> int:
    return sum(
        collapse_ref(p, "<blank>") == tuple(target)
        for p in itertools.product(alphabet, repeat=n_frames)
    )


def log_forward_ref(log_probs: np.ndarray, target, blank: int) -> float:
    """ln p(l|x) with scalar Python loops over an explicit state list (no vectorisation)."""
    ext = [blank]
    for label in target:
        ext += [int(label), blank]
    n_frames = log_probs.shape[0]

    alpha = [-math.inf] * len(ext)
    alpha[0] = float(log_probs[0, ext[0]])
    if len(ext) > 1:
        alpha[1] = float(log_probs[0, ext[1]])
    for t in range(1, n_frames):
        new = []
        for s, k in enumerate(ext):
            terms = [alpha[s]]
            if s >= 1:
                terms.append(alpha[s - 1])
            if s >= 2 and k != blank and k != ext[s - 2]:
                terms.append(alpha[s - 2])
            new.append(lse(terms) + float(log_probs[t, k]))
        alpha = new
    return lse(alpha[-2:]) if len(ext) > 1 else alpha[-1]


def log_softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    z = x - x.max(axis=axis, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=axis, keepdims=True))


@st.composite
def small_problem(draw):
    """(probs (T, C), target, blank) with T 1..6, C 2..4, S 0..3, any blank index."""
    n_classes = draw(st.integers(2, 4))
    n_frames = draw(st.integers(1, 6 if n_classes < 4 else 5))
    blank = draw(st.integers(0, n_classes - 1))
    labels = [k for k in range(n_classes) if k != blank]
    target = draw(st.lists(st.sampled_from(labels), min_size=0, max_size=3))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    probs = rng.dirichlet(np.ones(n_classes), size=n_frames)
    if draw(st.booleans()):
        # Exact zeros: log_probs of -inf must be handled, not produce NaN.
        probs[rng.random(probs.shape) < 0.2] = 0.0
    return probs, target, blank


def random_batch(seed: int, n_frames=9, n_batch=4, n_classes=5, s_max=4, blank=0):
    rng = np.random.default_rng(seed)
    logits = rng.standard_normal((n_frames, n_batch, n_classes)) * 1.5
    labels = [k for k in range(n_classes) if k != blank]
    targets = rng.choice(labels, size=(n_batch, s_max))
    targets[0, 1] = targets[0, 0]  # a repeated label
    target_lengths = rng.integers(0, s_max + 1, size=n_batch)
    target_lengths[0] = s_max
    input_lengths = rng.integers(s_max + 2, n_frames + 1, size=n_batch)
    input_lengths[1] = n_frames
    return logits, targets, input_lengths, target_lengths


# ---------------------------------------------------------------------------------------------
# Forward algorithm against the brute force
# ---------------------------------------------------------------------------------------------


@SETTINGS
@given(small_problem())
def test_loss_matches_brute_force(problem):
    probs, target, blank = problem
    with np.errstate(divide="ignore"):
        log_probs = np.log(probs)
    p = brute_force_prob(probs, target, blank)
    expected = -math.log(p) if p > 0 else math.inf
    got = ctc_loss(
        log_probs,
        np.array(target, dtype=np.int64),
        len(probs),
        len(target),
        blank=blank,
        reduction="none",
    )
    trace = ctc_trace(log_probs, np.array(target, dtype=np.int64), blank=blank)
    if p > 0:
        assert got == pytest.approx(expected, rel=1e-10, abs=1e-12)
        assert trace.loss == pytest.approx(expected, rel=1e-10, abs=1e-12)
        assert trace.log_likelihood == pytest.approx(math.log(p), rel=1e-10, abs=1e-12)
    else:
        assert got == math.inf and trace.loss == math.inf
        assert trace.log_likelihood == -math.inf


@SETTINGS
@given(small_problem())
def test_batched_loss_matches_brute_force(problem):
    """The same problem placed in a batch next to a longer sequence (lengths differ)."""
    probs, target, blank = problem
    n_frames, n_classes = probs.shape
    with np.errstate(divide="ignore"):
        lp = np.full((n_frames + 2, 2, n_classes), np.log(1.0 / n_classes))
        lp[:n_frames, 1] = np.log(probs)
    targets = np.zeros((2, 3), dtype=np.int64) + (1 if blank == 0 else 0)
    targets[1, : len(target)] = target
    got = ctc_loss(
        lp, targets, [n_frames + 2, n_frames], [1, len(target)], blank=blank, reduction="none"
    )
    p = brute_force_prob(probs, target, blank)
    if p > 0:
        assert got[1] == pytest.approx(-math.log(p), rel=1e-10, abs=1e-12)
    else:
        assert got[1] == math.inf


@SETTINGS
@given(small_problem())
def test_alpha_beta_identity_every_frame(problem):
    """For every t: logsumexp_s(log_alpha + log_beta - log y_t(l'_s)) == ln p(l|x)."""
    probs, target, blank = problem
    with np.errstate(divide="ignore"):
        log_probs = np.log(probs)
    tr = ctc_trace(log_probs, np.array(target, dtype=np.int64), blank=blank)
    if not np.isfinite(tr.log_likelihood):
        assert not tr.reachable.any()
        return
    for t in range(len(probs)):
        on = tr.reachable[t]
        terms = tr.log_alpha[t, on] + tr.log_beta[t, on] - log_probs[t, tr.labels_ext[on]]
        m = terms.max()
        assert m + math.log(np.exp(terms - m).sum()) == pytest.approx(
            tr.log_likelihood, rel=1e-10, abs=1e-12
        )


@SETTINGS
@given(small_problem())
def test_reachable_cells_are_exactly_those_on_positive_paths(problem):
    probs, target, blank = problem
    with np.errstate(divide="ignore"):
        log_probs = np.log(probs)
    tr = ctc_trace(log_probs, np.array(target, dtype=np.int64), blank=blank)
    ext = [blank]
    for label in target:
        ext += [label, blank]
    expected = np.zeros((len(probs), len(ext)), dtype=bool)
    for walk in itertools.product(range(len(ext)), repeat=len(probs)):
        steps_ok = walk[0] <= 1 and walk[-1] >= len(ext) - 2
        for s0, s1 in itertools.pairwise(walk):
            d = s1 - s0
            steps_ok &= d in (0, 1) or (d == 2 and ext[s1] != blank and ext[s1] != ext[s0])
        if steps_ok and all(probs[t, ext[s]] > 0 for t, s in enumerate(walk)):
            expected[np.arange(len(probs)), walk] = True
    np.testing.assert_array_equal(tr.reachable, expected)
    np.testing.assert_array_equal(tr.labels_ext, ext)


# ---------------------------------------------------------------------------------------------
# Alignments: collapse, counting, enumeration
# ---------------------------------------------------------------------------------------------


def test_collapse_examples():
    assert ctc_collapse("aa-ab-", "-") == ("a", "a", "b")
    assert ctc_collapse([0, 1, 1, 0, 0, 2, 2], 0) == (1, 2)
    assert ctc_collapse([], 0) == ()
    assert ctc_collapse(np.array([3, 3, 1]), 1) == (3,)
    assert all(type(x) is int for x in ctc_collapse(np.array([2, 0, 2]), 0))


@SETTINGS
@given(st.lists(st.sampled_from("ab-"), max_size=10))
def test_collapse_matches_reference(seq):
    assert ctc_collapse(seq, "-") == collapse_ref(seq, "-")


def test_path_count_hand_worked():
    # "ab" over 3 frames: -ab, a-b, ab-, aab, abb.
    assert ctc_path_count("ab", 3) == 5
    assert sorted(ctc_paths("ab", 3, blank="-")) == sorted(
        [("-", "a", "b"), ("a", "-", "b"), ("a", "b", "-"), ("a", "a", "b"), ("a", "b", "b")]
    )
    # A repeat needs a blank between: "aa" over 3 frames is only a-a.
    assert list(ctc_paths("aa", 3, blank="-")) == [("a", "-", "a")]
    assert ctc_path_count("aa", 2) == 0 and list(ctc_paths("aa", 2, blank="-")) == []
    # One label over T frames: choose the run [i, j] of the label, T (T + 1) / 2 ways.
    for n in range(1, 30):
        assert ctc_path_count([7], n) == n * (n + 1) // 2
    assert ctc_path_count([], 4) == 1 and list(ctc_paths([], 4)) == [(0, 0, 0, 0)]
    assert ctc_path_count([], 0) == 1 and list(ctc_paths([], 0)) == [()]
    assert ctc_path_count([1], 0) == 0 and list(ctc_paths([1], 0)) == []


def path_count_closed_form(target, n_frames: int) -> int:
    """S + 1 blank runs >= 0 (>= 1 between equal neighbours) and S label runs >= 1 summing to T:
    C(T + S - R, 2S) with R adjacent repeats (stars and bars)."""
    n_labels = len(target)
    repeats = sum(a == b for a, b in itertools.pairwise(target))
    free = n_frames - n_labels - repeats
    return math.comb(free + 2 * n_labels, 2 * n_labels) if free >= 0 else 0


def test_path_count_closed_form_and_exact_for_huge_counts():
    for target in ([], [1], [1, 2], [1, 1], [1, 2, 1], [3, 3, 3], [1, 2, 2, 3, 1]):
        for n_frames in range(0, 12):
            if n_frames == 0 and not target:
                continue  # the empty alignment; stars and bars has no frame to place
            assert ctc_path_count(target, n_frames) == path_count_closed_form(target, n_frames)
    # Far beyond float precision: Python ints, no overflow, no rounding.
    target = [*range(1, 41), 40, 7, 7]
    count = ctc_path_count(target, 3000)
    assert count == path_count_closed_form(target, 3000) and count > 2**400


@SETTINGS
@given(
    st.lists(st.sampled_from("abc"), max_size=3),
    st.integers(0, 6),
)
def test_path_count_and_paths_match_brute_force(target, n_frames):
    alphabet = ["<blank>", *sorted(set(target) or {"a"})]
    expected = brute_force_count(target, n_frames, alphabet)
    assert ctc_path_count(target, n_frames) == expected
    paths = list(ctc_paths(target, n_frames, blank="<blank>"))
    assert len(paths) == expected == len(set(paths))
    for path in paths:
        assert len(path) == n_frames
        assert collapse_ref(path, "<blank>") == tuple(target)


@SETTINGS
@given(st.lists(st.sampled_from("abc"), max_size=3), st.integers(0, 6))
def test_blank_free_count_matches_brute_force(target, n_frames):
    alphabet = sorted(set(target) or {"a"})
    expected = sum(
        tuple(k for k, _ in itertools.groupby(p)) == tuple(target)
        for p in itertools.product(alphabet, repeat=n_frames)
    )
    assert ctc_path_count(target, n_frames, blank_distinct=False) == expected


def test_paths_are_lazy_and_deterministic():
    first = list(itertools.islice(ctc_paths([1, 2, 3], 5000), 3))
    assert first == list(itertools.islice(ctc_paths([1, 2, 3], 5000), 3))
    # The walk stays in the first state as long as it can, then takes the shortest way to the
    # end: 1, skip the blank to 2, skip to 3; the next walk leaves 0 a frame earlier and stays.
    assert first[0] == (0,) * 4997 + (1, 2, 3)
    assert first[1] == (0,) * 4996 + (1, 1, 2, 3)


def test_paths_reject_blank_in_target():
    with pytest.raises(ValueError, match="must not contain the blank"):
        list(ctc_paths("a-b", 4, blank="-"))
    with pytest.raises(ValueError, match="non-negative"):
        ctc_path_count("ab", -1)


def test_greedy_decode():
    probs = np.array([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7], [0.4, 0.6], [0.5, 0.5]])
    # argmax per frame (first index on the 0.5/0.5 tie): 1 0 1 1 0 -> collapse -> (1, 1).
    assert ctc_greedy_decode(probs) == ((1, 0, 1, 1, 0), (1, 1))
    assert ctc_greedy_decode(np.log(probs)) == ((1, 0, 1, 1, 0), (1, 1))
    assert ctc_greedy_decode(probs, blank=1) == ((1, 0, 1, 1, 0), (0, 0))
    with pytest.raises(ValueError, match=r"shape \(T, C\)"):
        ctc_greedy_decode(np.zeros((2, 3, 4)))


# ---------------------------------------------------------------------------------------------
# Hand-worked golden values
# ---------------------------------------------------------------------------------------------


def test_golden_single_label_two_frames():
    # target [1], T = 2, C = 2, blank 0; y_1 = (0.6, 0.4), y_2 = (0.3, 0.7).
    # Alignments: "1 1" = 0.4 * 0.7 = 0.28, "b 1" = 0.6 * 0.7 = 0.42, "1 b" = 0.4 * 0.3 = 0.12.
    # p = 0.28 + 0.42 + 0.12 = 0.82, loss = -ln 0.82.
    probs = np.array([[0.6, 0.4], [0.3, 0.7]])
    assert ctc_loss(np.log(probs), [1], 2, 1, reduction="none") == pytest.approx(
        -math.log(0.82), rel=1e-14
    )
    # Occupations: frame 1: label 1 in "1 1" and "1 b" -> (0.28 + 0.12) / 0.82 = 0.40 / 0.82,
    # blank in "b 1" -> 0.42 / 0.82. Frame 2: label in "1 1", "b 1" -> 0.70 / 0.82,
    # blank in "1 b" -> 0.12 / 0.82. grad_log_probs = -occupation, grad_logits = y - occupation.
    occ = np.array([[0.42, 0.40], [0.12, 0.70]]) / 0.82
    _, g_lp = ctc_loss_and_grad(np.log(probs), [1], 2, 1, reduction="sum", wrt="log_probs")
    _, g_u = ctc_loss_and_grad(np.log(probs), [1], 2, 1, reduction="sum")
    np.testing.assert_allclose(g_lp, -occ, rtol=1e-13)
    np.testing.assert_allclose(g_u, probs - occ, rtol=1e-12, atol=1e-15)


def test_golden_repeat_needs_blank():
    # target [1, 1], T = 3: the only alignment is "1 b 1": p = 0.8 * 0.5 * 0.9 = 0.36.
    probs = np.array([[0.2, 0.8], [0.5, 0.5], [0.1, 0.9]])
    assert ctc_loss(np.log(probs), [1, 1], 3, 2, reduction="none") == pytest.approx(
        -math.log(0.36), rel=1e-14
    )
    tr = ctc_trace(np.log(probs), [1, 1])
    # States b 1 b 1 b. alpha_1 = (0.2, 0.8, 0, 0, 0). alpha_2: (b) 0.2 * 0.5 = 0.1,
    # (first 1) (0.8 + 0.2) * 0.5 = 0.5, (middle b) 0.8 * 0.5 = 0.4; the second 1 cannot be
    # entered from the first 1 (same label, no skip). alpha_3: (first 1) (0.5 + 0.1) * 0.9 =
    # 0.54, (second 1) 0.4 * 0.9 = 0.36.
    expected = {(0, 1): 0.8, (1, 0): 0.1, (1, 1): 0.5, (1, 2): 0.4, (2, 1): 0.54, (2, 3): 0.36}
    for (t, s), value in expected.items():
        assert math.exp(tr.log_alpha[t, s]) == pytest.approx(value, rel=1e-14)
    assert tr.log_alpha[1, 3] == -math.inf


def test_golden_one_frame_gradient():
    # target [1], T = 1, y = (0.25, 0.75): p = 0.75; occupation is all on class 1, so
    # d loss / d logits = y - (0, 1) = (0.25, -0.25) and d loss / d log y = (0, -1).
    log_probs = np.log([[0.25, 0.75]])
    loss, g_u = ctc_loss_and_grad(log_probs, [1], 1, 1, reduction="sum")
    _, g_lp = ctc_loss_and_grad(log_probs, [1], 1, 1, reduction="sum", wrt="log_probs")
    assert loss == pytest.approx(-math.log(0.75), rel=1e-15)
    np.testing.assert_allclose(g_u, [[0.25, -0.25]], rtol=1e-14)
    np.testing.assert_allclose(g_lp, [[0.0, -1.0]], atol=1e-15)


def test_forced_alignment_closed_form():
    # T = S with no repeats: the target itself is the only alignment: loss = -sum log y_t(l_t).
    rng = np.random.default_rng(3)
    log_probs = log_softmax(rng.standard_normal((6, 7)))
    target = [3, 1, 4, 5, 2, 6]
    expected = -sum(log_probs[t, k] for t, k in enumerate(target))
    assert ctc_loss(log_probs, target, 6, 6, reduction="none") == pytest.approx(expected, 1e-13)
    _, g_lp = ctc_loss_and_grad(log_probs, target, 6, 6, reduction="sum", wrt="log_probs")
    onehot = np.zeros((6, 7))
    onehot[np.arange(6), target] = 1.0
    np.testing.assert_allclose(g_lp, -onehot, atol=1e-13)


# ---------------------------------------------------------------------------------------------
# Gradients against central finite differences
# ---------------------------------------------------------------------------------------------


def total(loss) -> float:
    return float(np.sum(loss))


@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
@pytest.mark.parametrize("seed", [0, 1])
def test_grad_wrt_logits_finite_differences(reduction, seed):
    logits, targets, il, tl = random_batch(seed, n_frames=7, n_batch=3, n_classes=4, s_max=3)
    loss, grad = ctc_loss_and_grad(log_softmax(logits), targets, il, tl, reduction=reduction)
    f = lambda u: total(ctc_loss(log_softmax(u), targets, il, tl, reduction=reduction))  # noqa: E731
    np.testing.assert_allclose(grad, central_diff(f, logits), atol=2e-8)
    assert total(loss) == pytest.approx(f(logits), rel=1e-14)
    assert (grad[il[2] :, 2] == 0).all()


@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
@pytest.mark.parametrize("seed", [2, 3])
def test_grad_wrt_log_probs_finite_differences(reduction, seed):
    logits, targets, il, tl = random_batch(seed, n_frames=7, n_batch=3, n_classes=4, s_max=3)
    # Not normalised on purpose: log_probs are free inputs for wrt="log_probs".
    x = log_softmax(logits) + 0.3 * np.random.default_rng(seed).standard_normal(logits.shape)
    _, grad = ctc_loss_and_grad(x, targets, il, tl, reduction=reduction, wrt="log_probs")
    f = lambda v: total(ctc_loss(v, targets, il, tl, reduction=reduction))  # noqa: E731
    np.testing.assert_allclose(grad, central_diff(f, x), atol=2e-8)


def test_two_gradients_differ_by_softmax_term():
    logits, targets, il, tl = random_batch(5)
    lp = log_softmax(logits)
    for reduction in ("none", "sum", "mean"):
        _, g_u = ctc_loss_and_grad(lp, targets, il, tl, reduction=reduction)
        _, g_lp = ctc_loss_and_grad(lp, targets, il, tl, reduction=reduction, wrt="log_probs")
        scale = np.ones(4) if reduction != "mean" else 1 / (4 * np.maximum(tl, 1))
        valid = np.arange(lp.shape[0])[:, None] < il[None, :]
        expected = g_lp + np.exp(lp) * (scale * valid)[:, :, None]
        np.testing.assert_allclose(g_u, expected, atol=1e-15)
        # Occupations sum to one per valid frame.
        np.testing.assert_allclose(g_lp.sum(axis=2), -(scale * valid), atol=1e-13)


# ---------------------------------------------------------------------------------------------
# Reductions, layouts, batching, impossible targets
# ---------------------------------------------------------------------------------------------


def test_reductions_follow_torch_definition():
    logits, targets, il, tl = random_batch(7)
    lp = log_softmax(logits)
    per_seq = np.array([log_forward_ref(lp[: il[n], n], targets[n, : tl[n]], 0) for n in range(4)])
    none = ctc_loss(lp, targets, il, tl, reduction="none")
    np.testing.assert_allclose(none, -per_seq, rtol=1e-12)
    assert ctc_loss(lp, targets, il, tl, reduction="sum") == pytest.approx(-per_seq.sum(), 1e-12)
    mean = np.mean(-per_seq / np.maximum(tl, 1))
    assert ctc_loss(lp, targets, il, tl) == pytest.approx(mean, rel=1e-12)


def test_padded_and_concatenated_targets_agree():
    logits, targets, il, tl = random_batch(11)
    lp = log_softmax(logits)
    flat = np.concatenate([targets[n, : tl[n]] for n in range(4)])
    for reduction in ("none", "mean"):
        a = ctc_loss_and_grad(lp, targets, il, tl, reduction=reduction)
        b = ctc_loss_and_grad(lp, flat, il, tl, reduction=reduction)
        np.testing.assert_array_equal(a[0], b[0])
        np.testing.assert_array_equal(a[1], b[1])


def test_batch_order_and_padding_do_not_matter():
    logits, targets, il, tl = random_batch(13, n_batch=5)
    lp = log_softmax(logits)
    loss, grad = ctc_loss_and_grad(lp, targets, il, tl, reduction="none")
    for n in range(5):
        ln, gn = ctc_loss_and_grad(lp[:, n], targets[n, : tl[n]], il[n], tl[n], reduction="none")
        assert loss[n] == pytest.approx(float(ln), rel=1e-13)
        np.testing.assert_allclose(grad[:, n], gn, atol=1e-15)
        assert gn.shape == (lp.shape[0], lp.shape[2])


def test_unbatched_input():
    rng = np.random.default_rng(1)
    lp = log_softmax(rng.standard_normal((6, 4)))
    loss = ctc_loss(lp, np.array([1, 2]), 6, 2, reduction="none")
    assert np.ndim(loss) == 0
    assert loss == pytest.approx(-log_forward_ref(lp, [1, 2], 0), rel=1e-13)
    assert ctc_loss(lp, [1, 2, 3], np.array([6]), np.array(2)) == pytest.approx(loss / 2, 1e-13)
    _, grad = ctc_loss_and_grad(lp, [1, 2], 6, 2)
    assert grad.shape == (6, 4)


def test_impossible_targets_and_zero_infinity():
    rng = np.random.default_rng(2)
    lp = log_softmax(rng.standard_normal((4, 3, 5)))
    # Sequence 0 needs 3 + 1 (repeat) = 4 frames but has 3; sequence 2 has 2 labels in 1 frame.
    targets = np.array([[1, 2, 2], [3, 4, 0], [1, 2, 0]])
    il, tl = np.array([3, 4, 1]), np.array([3, 2, 2])
    loss = ctc_loss(lp, targets, il, tl, reduction="none")
    assert loss[0] == math.inf and loss[2] == math.inf and np.isfinite(loss[1])
    assert ctc_loss(lp, targets, il, tl, reduction="sum") == math.inf
    assert ctc_loss(lp, targets, il, tl, reduction="mean") == math.inf
    loss0, grad0 = ctc_loss_and_grad(lp, targets, il, tl, reduction="none", zero_infinity=True)
    np.testing.assert_array_equal(loss0, [0.0, loss[1], 0.0])
    assert (grad0[:, [0, 2]] == 0).all()
    _, grad1 = ctc_loss_and_grad(lp, targets, il, tl, reduction="none")
    assert np.isnan(grad1[:3, 0]).all() and (grad1[3:, 0] == 0).all()
    np.testing.assert_array_equal(grad1[:, 1], grad0[:, 1])
    mean0 = ctc_loss(lp, targets, il, tl, zero_infinity=True)
    assert mean0 == pytest.approx(loss[1] / 2 / 3, rel=1e-14)


def test_zero_probability_everywhere_is_infinite():
    # Enough frames, but the label's probability is exactly 0 in every frame.
    with np.errstate(divide="ignore"):
        lp = np.log(np.array([[0.5, 0.0, 0.5]] * 4))
    assert ctc_loss(lp, [1], 4, 1, reduction="none") == math.inf
    loss, grad = ctc_loss_and_grad(lp, [1], 4, 1, zero_infinity=True, reduction="sum")
    assert loss == 0 and (grad == 0).all()
    tr = ctc_trace(lp, [1])
    assert tr.loss == math.inf and not tr.reachable.any() and np.isnan(tr.grad_logits).all()


def test_empty_input_and_target():
    lp = np.zeros((0, 2, 3))
    loss = ctc_loss(lp, np.zeros((2, 1), dtype=int) + 1, [0, 0], [0, 1], reduction="none")
    np.testing.assert_array_equal(loss, [0.0, math.inf])
    loss, grad = ctc_loss_and_grad(lp, [[1], [1]], [0, 0], [0, 1], reduction="sum")
    assert loss == math.inf and grad.shape == (0, 2, 3)


# ---------------------------------------------------------------------------------------------
# Numerics: long inputs, very negative log-probabilities, underflow inside a frame
# ---------------------------------------------------------------------------------------------


def test_long_sequence_constant_log_probs_closed_form():
    # Every class has log-probability v at every frame, so every alignment has probability
    # exp(T v) and p = count * exp(T v): loss = -(T v + ln count), count from the exact DP.
    n_frames, v = 20_000, -1000.0
    target = [1, 2, 2, 3, 1]
    lp = np.full((n_frames, 4), v)
    assert ctc_path_count(target, n_frames) == path_count_closed_form(target, n_frames)
    expected_excess = -math.log(ctc_path_count(target, n_frames))
    loss = ctc_loss(lp, target, n_frames, 5, reduction="none")
    assert np.isfinite(loss)
    assert (loss + n_frames * v) == pytest.approx(expected_excess, abs=1e-6)
    loss_g, grad = ctc_loss_and_grad(lp, target, n_frames, 5, reduction="sum", wrt="log_probs")
    assert (loss_g + n_frames * v) == pytest.approx(expected_excess, abs=1e-6)
    np.testing.assert_allclose(grad.sum(axis=1), -1.0, atol=1e-12)


def test_long_sequence_uniform_distribution():
    n_frames, n_classes = 20_000, 6
    lp = np.full((n_frames, 2, n_classes), -math.log(n_classes))
    targets = np.array([[1, 2, 3], [4, 4, 5]])
    loss = ctc_loss(lp, targets, [n_frames, n_frames - 7], [3, 3], reduction="none")
    for n, t_n in enumerate([n_frames, n_frames - 7]):
        count = ctc_path_count(list(targets[n]), t_n)
        assert loss[n] == pytest.approx(t_n * math.log(n_classes) - math.log(count), rel=1e-12)


def test_underflow_inside_a_frame_stays_exact():
    # Forced alignment (T = S, no repeats) where each target label sits 800 nats below the
    # blank in its frame: exp underflows inside the frame, the answer is still sum of the 800s.
    target = [1, 2, 3, 1, 2]
    lp = np.zeros((5, 4))
    lp[np.arange(5), target] = -800.0
    assert ctc_loss(lp, target, 5, 5, reduction="none") == pytest.approx(4000.0, rel=1e-14)
    loss, grad = ctc_loss_and_grad(
        lp[:, None, :], np.array([target]), [5], [5], reduction="sum", wrt="log_probs"
    )
    assert loss == pytest.approx(4000.0, rel=1e-14)
    onehot = np.zeros((5, 4))
    onehot[np.arange(5), target] = 1
    np.testing.assert_allclose(grad[:, 0], -onehot, atol=1e-12)


def reversal_log_probs() -> np.ndarray:
    """Target "ab" (1, 2), blank 0: the likely prefix (a...) and the likely suffix disagree.

    Frames 0-7 favour a, 8-15 blank, 16-23 a, 24 b, each by 100 nats. After frame 7 the
    all-blank prefix is 800 nats below the "a" prefix (beyond float64 range), yet the paths that
    start with it carry a comparable share of p: a lower-bound recursion that drops it is wrong.
    """
    lp = np.full((25, 3), -100.0)
    lp[0:8, 1] = 0.0
    lp[8:16, 0] = 0.0
    lp[16:24, 1] = 0.0
    lp[24, 2] = 0.0
    return lp


def test_mass_beyond_float_range_in_one_column_stays_exact():
    lp = reversal_log_probs()
    expected = -log_forward_ref(lp, [1, 2], 0)
    assert ctc_loss(lp, [1, 2], 25, 2, reduction="none") == pytest.approx(expected, rel=1e-13)
    loss, _ = ctc_loss_and_grad(lp, [1, 2], 25, 2, reduction="none")
    assert loss == pytest.approx(expected, rel=1e-13)


def forbid_log_space(monkeypatch) -> None:
    """Make the log-space recursions (loss: _log_forward_backward; gradient: _log_gamma)
    raise, so that a test sees whether the scaled pass certified every sequence."""

    def no_fallback(*args, **kwargs):
        raise AssertionError("log-space fallback used")

    monkeypatch.setattr(ctc, "_log_forward_backward", no_fallback)
    monkeypatch.setattr(ctc, "_log_gamma", no_fallback)


def test_certificate_rejects_and_accepts(monkeypatch):
    """The fast path hands exactly the hard sequences to the log-space recursion."""
    forbid_log_space(monkeypatch)
    rng = np.random.default_rng(0)
    lp = log_softmax(rng.standard_normal((400, 3, 12)) * 3)
    targets = rng.integers(1, 12, size=(3, 40))
    ctc_loss(lp, targets, [400, 300, 399], [40, 25, 40])
    ctc_loss_and_grad(lp, targets, [400, 300, 399], [40, 25, 40])
    with pytest.raises(AssertionError, match="fallback"):
        ctc_loss(reversal_log_probs(), [1, 2], 25, 2)
    with pytest.raises(AssertionError, match="fallback"):
        ctc_loss_and_grad(reversal_log_probs(), [1, 2], 25, 2)


def test_scaled_recursions_bracket_the_likelihood():
    """The fast path's invariant: the "upper" recursion never under-estimates p, and the loss-only
    path's lower/upper pair straddles it; on the reversal input both must refuse to certify."""
    lp = reversal_log_probs()
    exact = log_forward_ref(lp, [1, 2], 0)
    ext = ctc._extend(np.array([[1, 2]]), np.array([2]), 0)
    for windowed in (False, True):
        upper, ok, _ = scaled.scaled_loss_grad(lp[:, None, :], ext, np.array([25]), windowed)
        assert upper[0] >= exact - 1e-9 and not ok[0]
        upper, ok = scaled.scaled_loss(lp[:, None, :], ext, np.array([25]), windowed)
        assert upper[0] >= exact - 1e-9 and not ok[0]


def test_long_sequence_matches_scalar_reference():
    rng = np.random.default_rng(4)
    lp = log_softmax(rng.standard_normal((1500, 6)) * 4) - 1000.0
    target = list(rng.integers(1, 6, size=60))
    expected = -log_forward_ref(lp, target, 0)
    assert ctc_loss(lp, target, 1500, 60, reduction="none") == pytest.approx(expected, rel=1e-12)
    loss, _ = ctc_loss_and_grad(lp, target, 1500, 60, reduction="none")
    assert loss == pytest.approx(expected, rel=1e-12)


@st.composite
def any_batch(draw):
    """Batches across regimes: flat to extremely peaky logits, exact zeros, short and long."""
    n_batch = draw(st.integers(1, 4))
    n_classes = draw(st.integers(2, 6))
    n_frames = draw(st.integers(1, 40))
    blank = draw(st.integers(0, n_classes - 1))
    scale = draw(st.sampled_from([0.1, 1.0, 10.0, 300.0]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    lp = log_softmax(rng.standard_normal((n_frames, n_batch, n_classes)) * scale)
    if draw(st.booleans()):
        lp[rng.random(lp.shape) < 0.1] = -np.inf
    labels = np.array([k for k in range(n_classes) if k != blank])
    targets = labels[rng.integers(0, len(labels), size=(n_batch, 5))]
    target_lengths = rng.integers(0, 6, size=n_batch)
    input_lengths = rng.integers(0, n_frames + 1, size=n_batch)
    return lp, targets, input_lengths, target_lengths, blank


def assert_matches_references(batch, loss, loss_only, g_lp) -> None:
    """Each sequence's loss (both paths) against the log-space forward reference, and its
    gradient against ctc_trace; frames past the input length get no gradient."""
    lp, targets, il, tl, blank = batch
    for n in range(len(il)):
        expected = (
            -log_forward_ref(lp[: il[n], n], targets[n, : tl[n]], blank)
            if il[n] > 0
            else (0.0 if tl[n] == 0 else math.inf)
        )
        for got in (loss[n], loss_only[n]):
            if math.isinf(expected):
                assert got == math.inf
            else:
                assert got == pytest.approx(expected, rel=1e-11, abs=1e-11)
        if il[n] > 0 and math.isfinite(expected):
            tr = ctc_trace(lp[: il[n], n], targets[n, : tl[n]], blank=blank)
            np.testing.assert_allclose(g_lp[: il[n], n], tr.grad_log_probs, atol=1e-10)
        assert (g_lp[il[n] :, n] == 0).all()


@settings(max_examples=60, deadline=None)
@given(any_batch())
def test_fast_path_matches_references_across_regimes(batch):
    lp, targets, il, tl, blank = batch
    loss, g_lp = ctc_loss_and_grad(
        lp, targets, il, tl, blank=blank, reduction="none", wrt="log_probs"
    )
    loss_only = ctc_loss(lp, targets, il, tl, blank=blank, reduction="none")
    assert_matches_references(batch, loss, loss_only, g_lp)


# ---------------------------------------------------------------------------------------------
# The trace and argument validation
# ---------------------------------------------------------------------------------------------


def test_trace_fields_and_consistency():
    rng = np.random.default_rng(8)
    lp = log_softmax(rng.standard_normal((7, 5)))
    tr = ctc_trace(lp, [2, 2, 4], blank=1)
    assert isinstance(tr, CTCTrace)
    np.testing.assert_array_equal(tr.labels_ext, [1, 2, 1, 2, 1, 4, 1])
    assert tr.log_alpha.shape == tr.log_beta.shape == tr.reachable.shape == (7, 7)
    assert tr.loss == -tr.log_likelihood
    assert tr.log_likelihood == pytest.approx(log_forward_ref(lp, [2, 2, 4], 1), rel=1e-13)
    _, g = ctc_loss_and_grad(lp, [2, 2, 4], 7, 3, blank=1, reduction="sum")
    np.testing.assert_allclose(tr.grad_logits, g, atol=1e-14)
    np.testing.assert_allclose(tr.grad_logits - np.exp(lp), tr.grad_log_probs, atol=1e-15)
    with pytest.raises(dataclasses.FrozenInstanceError):
        tr.loss = 0.0
    with pytest.raises(ValueError):
        tr.log_alpha[0, 0] = 0.0


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"log_probs": np.zeros((3, 2, 4, 1))}, r"shape \(T, N, C\) or \(T, C\); got shape"),
        ({"log_probs": np.full((5, 2, 4), np.nan)}, "finite or -inf"),
        ({"log_probs": np.full((5, 2, 4), np.inf)}, "finite or -inf"),
        ({"blank": 4}, r"blank must be in \[0, 4\) for C=4; got 4"),
        ({"blank": -1}, "got -1"),
        ({"targets": np.array([[1, 0], [2, 3]])}, r"other than blank=0; got 0 at position 1"),
        ({"targets": np.array([[1, 9], [2, 3]])}, "got 9 at position 1 of sequence 0"),
        ({"targets": np.array([[1.0, 2.0], [2.0, 3.0]])}, "targets must contain integers"),
        ({"targets": np.array([[1, 2], [2, 3], [1, 1]])}, r"\(N, S\) with N=2; got shape"),
        ({"targets": np.array([1, 2, 3])}, r"\(sum\(target_lengths\),\) = \(4,\); got shape"),
        ({"input_lengths": [5, 6]}, "input_lengths must be <= T=5; got 6 at batch index 1"),
        ({"input_lengths": [5]}, r"shape \(N,\) = \(2,\); got shape \(1,\)"),
        ({"input_lengths": [5, -1]}, "must be >= 0; got -1"),
        ({"target_lengths": [2, 3]}, r"target_lengths must be <= S=2 .* got 3 at batch index 1"),
        ({"reduction": "avg"}, r"reduction: expected one of .*got 'avg'"),
    ],
)
def test_validation_messages(kwargs, match):
    kwargs = dict(kwargs)  # the parametrize dicts are shared with re-runs: never pop from them
    args = {
        "log_probs": np.log(np.full((5, 2, 4), 0.25)),
        "targets": np.array([[1, 2], [2, 3]]),
        "input_lengths": [5, 5],
        "target_lengths": [2, 2],
    }
    options = {k: kwargs.pop(k) for k in ("blank", "reduction") if k in kwargs}
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        ctc_loss(**args, **options)


def test_validation_unbatched_and_wrt():
    lp = np.log(np.full((5, 4), 0.25))
    with pytest.raises(ValueError, match=r"shape \(S,\) for unbatched"):
        ctc_loss(lp, np.array([[1, 2]]), 5, 2)
    with pytest.raises(ValueError, match="scalar"):
        ctc_loss(lp, np.array([1, 2]), [5, 5], 2)
    with pytest.raises(ValueError, match=r"wrt must be one of .*got 'u'"):
        ctc_loss_and_grad(lp, np.array([1, 2]), 5, 2, wrt="u")
    with pytest.raises(ValueError, match="target must have shape"):
        ctc_trace(lp, np.array([[1]]))
    with pytest.raises(ValueError, match=r"shape \(T, C\); got shape"):
        ctc_trace(lp[:, None, :], [1])


# ---------------------------------------------------------------------------------------------
# Windowed scaling (long inputs) and float32
# ---------------------------------------------------------------------------------------------


def test_long_input_certifies_without_fallback(monkeypatch):
    """A column of a long input spans far more than a double's ~1400 nats between its ends; the
    windowed scaling keeps the cells that matter, so no sequence needs the log-space recursion
    (the single-scale recursion had to fall back on both of these)."""
    rng = np.random.default_rng(1)
    lp = log_softmax(rng.standard_normal((2000, 2, 12)) * 3)
    targets = rng.integers(1, 12, size=(2, 40))
    lengths, tlens = [2000, 1700], [40, 35]
    expected = [-log_forward_ref(lp[: lengths[n], n], targets[n, : tlens[n]], 0) for n in (0, 1)]
    traces = [ctc_trace(lp[: lengths[n], n], targets[n, : tlens[n]]) for n in (0, 1)]
    forbid_log_space(monkeypatch)
    loss = ctc_loss(lp, targets, lengths, tlens, reduction="none")
    loss_g, grad = ctc_loss_and_grad(lp, targets, lengths, tlens, reduction="none", wrt="log_probs")
    np.testing.assert_allclose(loss, expected, rtol=1e-12)
    np.testing.assert_allclose(loss_g, expected, rtol=1e-12)
    for n in (0, 1):
        np.testing.assert_allclose(grad[: lengths[n], n], traces[n].grad_log_probs, atol=1e-10)
    assert (grad[1700:, 1] == 0).all()


@settings(max_examples=60, deadline=None)
@given(any_batch(), st.sampled_from([2, 3, 5]))
def test_tiny_windows_match_references(batch, window):
    """Windows of 2-5 states: every ghost cell, offset clamp and window boundary is exercised."""
    lp, targets, il, tl, blank = batch
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(scaled, "WINDOW", window)
        mp.setattr(ctc, "LONG_FRAMES", 0)  # windowed from the first attempt
        loss, g_lp = ctc_loss_and_grad(
            lp, targets, il, tl, blank=blank, reduction="none", wrt="log_probs"
        )
        loss_only = ctc_loss(lp, targets, il, tl, blank=blank, reduction="none")
    assert_matches_references(batch, loss, loss_only, g_lp)


def far_apart_windows_log_probs() -> np.ndarray:
    """Hypothesis' failing example of test_tiny_windows_match_references (sequence 1 of it, alone):
    classes (blank, a), target "aaaa" (S' = 9: two windows of 5 and 4 states at WINDOW = 5), each
    frame favouring one class by 27-1093 nats. At frame 15 all the probability sits in window 0
    (its beta / y reads window 1 through ghosts, 2^960 times its own units) while window 1 has
    the larger units but holds e^-176 of it: aligning the windows by a factor 2^(units - top) =
    2^-1099, which is 0 as a double, dropped window 0, and the occupation of "a" came out 1.4e-8
    instead of ~6e-85."""
    return np.array(
        [
            [0.0, -229.880894],
            [-269.512094, 0.0],
            [0.0, -394.252252],
            [0.0, -653.526586],
            [0.0, -380.422026],
            [-793.942156, 0.0],
            [-427.941232, 0.0],
            [-55.7337862, 0.0],
            [-647.723212, 0.0],
            [-409.676834, 0.0],
            [0.0, -68.6001156],
            [-1092.98564, 0.0],
            [-156.467827, 0.0],
            [-1.32382993e-12, -27.3505425],
            [-950.881497, 0.0],
            [0.0, -262.584305],
            [-244.50055, 0.0],
            [0.0, -466.531266],
            [-456.071536, 0.0],
            [-538.991718, 0.0],
            [0.0, -265.42382],
        ]
    )


def test_far_apart_windows_gradient_is_exact_or_rejected():
    """The certificate's promise on the failing example, at the scaled recursion itself: either
    not certified, or occupations equal to the log-space reference's (to 1e-10)."""
    lp = far_apart_windows_log_probs()
    ext = ctc._extend(np.array([[1, 1, 1, 1]]), np.array([4]), 0)
    tr = ctc_trace(lp, [1, 1, 1, 1])
    for window in (2, 3, 4, 5):
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(scaled, "WINDOW", window)
            log_p, ok, gamma = scaled.scaled_loss_grad(lp[:, None, :], ext, np.array([21]), True)
        if ok[0]:
            np.testing.assert_allclose(-gamma[:, 0], tr.grad_log_probs, atol=1e-10)
            assert log_p[0] == pytest.approx(tr.log_likelihood, rel=1e-12)


def test_upper_forward_never_below_alpha():
    """The certificate's premise, cell by cell: the upper forward recursion (floors, ghosts and
    scaling included) never falls below the true alpha_t(s) of the log-space recursion. On the
    far-apart input a floor applied before a 2^-537 downscale (window 1 at frame 8, fed by a
    ghost of window 0) once rounded alpha_8(6) = e^-1076 to 0."""
    lp = far_apart_windows_log_probs()
    ext = ctc._extend(np.array([[1, 1, 1, 1]]), np.array([4]), 0)
    lengths = np.array([21])
    _, log_alpha, _, _ = ctc._log_forward_backward(lp[:, None, :], ext, lengths, True)
    for window in (2, 3, 4, 5):
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(scaled, "WINDOW", window)
            lay = scaled.Layout(ext, True)
            emis = scaled.Emissions(lp[:, None, :], ext, lay, keep=True)
            store = np.zeros((21, lay.size + 2))
            offsets = np.zeros((21, lay.rows), dtype=np.int64)
            scaled._forward(lay, emis, lengths, store, offsets)
        shifts = np.cumsum(emis.shift[:, 0])
        cells = store[:, 2:].reshape(21, lay.n_win, lay.width)[:, :, 2:].reshape(21, -1)[:, :9]
        units = offsets[:, np.arange(9) // lay.span]
        with np.errstate(divide="ignore"):
            upper = np.log(cells) + math.log(2.0) * units + shifts[:, None]
        reached = np.isfinite(log_alpha[:, 0])
        assert (upper[reached] >= log_alpha[:, 0][reached] - 1e-9).all()


def test_far_apart_windows_end_to_end():
    """The same input through ctc_loss_and_grad with 5-state windows, against the log-space
    trace and the scalar reference."""
    lp = far_apart_windows_log_probs()
    tr = ctc_trace(lp, [1, 1, 1, 1])
    expected = -log_forward_ref(lp, [1, 1, 1, 1], 0)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(scaled, "WINDOW", 5)
        mp.setattr(ctc, "LONG_FRAMES", 0)
        loss, grad = ctc_loss_and_grad(lp, [1, 1, 1, 1], 21, 4, reduction="none", wrt="log_probs")
    assert loss == pytest.approx(expected, rel=1e-12)
    np.testing.assert_allclose(grad, tr.grad_log_probs, atol=1e-10)


@pytest.mark.parametrize("window", [2, 3, 4, 5])
def test_subnormal_emission_across_windows_is_exact(window):
    """Hypothesis' loss-only sibling, made readable. Classes (blank, a, b), target "ab", 2 frames:
    the only alignment is (a, b), so by hand loss = 236.9 + 736.6 = 973.5 and the occupations
    are one-hot on it. Frame 1's b sits 736.6 nats below its frame's largest class: its emission
    e^-736.6 is a subnormal double (about 10 significant bits), and it multiplies a ghost holding
    a of frame 0 in window units 2^659 apart. Both bracketing recursions shared the rounded
    emission, agreed, and certified a loss off by 1.5e-4."""
    lp = np.array([[-453.1, -236.9, 0.0], [-464.1, 0.0, -736.6]])
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(scaled, "WINDOW", window)
        mp.setattr(ctc, "LONG_FRAMES", 0)
        loss = ctc_loss(lp, [1, 2], 2, 2, reduction="none")
        loss_g, grad = ctc_loss_and_grad(lp, [1, 2], 2, 2, reduction="none", wrt="log_probs")
    assert loss == pytest.approx(236.9 + 736.6, rel=1e-14)
    assert loss_g == pytest.approx(236.9 + 736.6, rel=1e-14)
    np.testing.assert_allclose(grad, [[0.0, -1.0, 0.0], [0.0, 0.0, -1.0]], atol=1e-12)


@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
def test_float32_in_float32_out(reduction):
    """float32 log_probs give float32 losses and gradients, equal to the float64 results rounded
    (the recursion itself runs in float64)."""
    logits, targets, il, tl = random_batch(3)
    lp64 = log_softmax(logits)
    lp32 = lp64.astype(np.float32)
    ref_loss, ref_grad = ctc_loss_and_grad(
        lp32.astype(np.float64), targets, il, tl, reduction=reduction
    )
    loss, grad = ctc_loss_and_grad(lp32, targets, il, tl, reduction=reduction)
    loss_only = ctc_loss(lp32, targets, il, tl, reduction=reduction)
    assert np.asarray(loss).dtype == np.float32 and grad.dtype == np.float32
    assert np.asarray(loss_only).dtype == np.float32
    np.testing.assert_allclose(loss, np.float32(ref_loss), rtol=1e-6)
    np.testing.assert_allclose(loss_only, np.float32(ref_loss), rtol=1e-6)
    np.testing.assert_allclose(grad, ref_grad.astype(np.float32), rtol=1e-6, atol=1e-7)
    # float64 and integer input stay float64.
    assert ctc_loss_and_grad(lp64, targets, il, tl)[1].dtype == np.float64


def test_very_long_single_sequence_closed_form():
    """Issue 8's case at 2 * 10^5 frames (loss only, few states: the segment transfer matrices).
    Uniform y_t(k) = 1/6: every alignment has probability 6^-T, so loss = T ln 6 - ln count,
    count = C(T + S - R, 2S) (stars and bars, path_count_closed_form), an exact big integer."""
    n_frames, target = 200_000, [1, 2, 2, 3, 1]
    lp = np.full((n_frames, 6), -math.log(6))
    expected = n_frames * math.log(6) - math.log(path_count_closed_form(target, n_frames))
    loss = ctc_loss(lp, target, n_frames, len(target), reduction="none")
    assert loss == pytest.approx(expected, rel=1e-12)


def test_long_random_sequence_segments_match_log_space(monkeypatch):
    """Random emissions over 30000 frames: the carried alpha spans far more than a double (the
    favoured states of the prefix and of the whole input drift apart); the segment path must
    still certify, and agree with the log-space recursion."""
    rng = np.random.default_rng(7)
    lp = log_softmax(rng.standard_normal((30_000, 6)) * 2)
    target = [1, 2, 2, 3, 5]
    ext = ctc._extend(np.array([target]), np.array([5]), 0)
    expected = -ctc._log_forward_backward(lp[:, None, :], ext, np.array([30_000]), False)[0][0]

    def no_fallback(*args, **kwargs):
        raise AssertionError("fallback used")

    monkeypatch.setattr(ctc, "_log_forward_backward", no_fallback)
    monkeypatch.setattr(ctc, "scaled", no_fallback)
    assert ctc_loss(lp, target, 30_000, 5, reduction="none") == pytest.approx(expected, rel=1e-12)


@settings(max_examples=60, deadline=None)
@given(any_batch(), st.integers(1, 4), st.integers(1, 3))
def test_tiny_segments_match_references(batch, segment, group):
    """Segments of 1-4 frames, 1-3 per group, on every input: every boundary case of the
    transfer-matrix path (partial last segment, one-frame inputs, -inf entries)."""
    lp, targets, il, tl, blank = batch
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(segments, "SEGMENT", segment)
        mp.setattr(segments, "GROUP", group)
        mp.setattr(ctc, "SEGMENT_MIN_FRAMES", 1)
        loss = ctc_loss(lp, targets, il, tl, blank=blank, reduction="none")
    for n in range(len(il)):
        expected = (
            -log_forward_ref(lp[: il[n], n], targets[n, : tl[n]], blank)
            if il[n] > 0
            else (0.0 if tl[n] == 0 else math.inf)
        )
        if math.isinf(expected):
            assert loss[n] == math.inf
        else:
            assert loss[n] == pytest.approx(expected, rel=1e-11, abs=1e-11)


def test_trace_posterior_by_hand():
    # y_1 = (.4, .6), y_2 = (.5, .5), target a: alignments "a a" .3, "a -" .3, "- a" .2, p = .8.
    # t=1: state - holds "- a" (.2/.8), state a holds "a a", "a -" (.6/.8), final - nothing;
    # t=2: state a holds "a a", "- a" (.5/.8), final - holds "a -" (.3/.8).
    tr = ctc_trace(np.log([[0.4, 0.6], [0.5, 0.5]]), [1])
    np.testing.assert_allclose(tr.posterior, [[0.25, 0.75, 0.0], [0.0, 0.625, 0.375]], atol=1e-15)
    impossible = ctc_trace(np.log([[0.4, 0.6]]), [1, 1])
    assert not impossible.posterior.any()


@pytest.mark.parametrize("seed", range(8))
def test_trace_occupations_sum_to_one_per_frame_at_large_losses(seed):
    """Logits 1e3 apart give losses near 3e4, where alpha + beta - ln p rounds to about
    3e4 * eps: each frame's occupations (the posterior over states, and over classes the
    gradient w.r.t. log_probs, which is minus them) must still sum to 1 to rounding."""
    rng = np.random.default_rng(seed)
    lp = log_softmax(rng.standard_normal((40, 4)) * 1000.0)
    target = rng.integers(1, 4, size=5)
    tr = ctc_trace(lp, target)
    assert math.isfinite(tr.loss)
    np.testing.assert_allclose(tr.posterior.sum(axis=1), 1.0, rtol=0, atol=1e-14)
    np.testing.assert_allclose(tr.grad_log_probs.sum(axis=1), -1.0, rtol=0, atol=1e-14)


# --------------------------------------------------------------------------------------------
# The log-space step and occupations (the last fallback)
# --------------------------------------------------------------------------------------------


def _lse3_reference(a: float, b: float, c: float) -> float:
    """ln(e^a + e^b + e^c) one element at a time in Python: max shift, exact sum (fsum)."""
    m = max(a, b, c)
    if m == -math.inf:
        return -math.inf
    return m + math.log(math.fsum(math.exp(x - m) for x in (a, b, c)))


_log_values = st.one_of(
    st.just(-math.inf), st.floats(-800.0, 5.0), st.floats(-1e300, -1e3), st.just(0.0)
)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(_log_values, _log_values, _log_values), min_size=1, max_size=8))
def test_logsumexp3_both_routes_match_a_scalar_reference(triples):
    """Small columns take two np.logaddexp, wide ones (_LSE_WIDE cells and more) a max, three
    exps and a log; both give ln(e^a + e^b + e^c) to a few ulps of max(1, |result|), and -inf
    (not NaN) where all three are -inf. The triples are tiled past the threshold for the wide
    route."""
    a, b, c = (np.array(x) for x in zip(*triples, strict=True))
    want = np.array([_lse3_reference(*t) for t in triples])
    reps = -(-ctc._LSE_WIDE // a.size)
    for k, route in ((1, "small"), (reps, "wide")):
        with np.errstate(divide="ignore", invalid="ignore"):
            got = ctc._logsumexp3(np.tile(a, k), np.tile(b, k), np.tile(c, k))
        assert (got.size >= ctc._LSE_WIDE) == (route == "wide")
        for part in got.reshape(k, -1):
            np.testing.assert_array_equal(part == -np.inf, want == -np.inf, err_msg=route)
            fin = want > -np.inf
            err = np.abs(part[fin] - want[fin]) / np.maximum(1.0, np.abs(want[fin]))
            assert np.all(err <= 4 * np.finfo(float).eps), (route, part, want)


def _occupation_whole_arrays(la, lb, lpe, log_p):
    """The occupations written with whole-array passes and an explicit on-path mask (the
    formulation _log_occupation had before it worked in blocks), an independent check."""
    on_path = np.isfinite(la) & np.isfinite(lb) & np.isfinite(log_p)[None, :, None]
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        log_num = np.where(on_path, la + lb - lpe, -np.inf)
        top = log_num.max(axis=2, keepdims=True)
        top = np.where(np.isfinite(top), top, 0.0)
        shifted = np.exp(log_num - top)
        total = shifted.sum(axis=2, keepdims=True)
        return np.where(on_path, shifted / np.where(total > 0.0, total, 1.0), 0.0)


@settings(max_examples=40, deadline=None)
@given(any_batch(), st.integers(1, 40))
def test_log_occupation_in_blocks_is_the_whole_array_formula(batch, block_cells):
    """_log_occupation works a few frames at a time (blocks of ~_OCC_BLOCK_CELLS cells),
    optionally into log alpha's own array: the same bits as whole-array passes with an
    explicit on-path mask, whatever the block size, including impossible targets (p = 0) and
    states whose emission is 0 (ln y = -inf)."""
    lp, targets, il, tl, blank = batch
    ext = ctc._extend(np.asarray(targets), np.asarray(tl), blank)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        log_p, la, lb, lpe = ctc._log_forward_backward(lp, ext, np.asarray(il), True)
    want = _occupation_whole_arrays(la, lb, lpe, log_p)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(ctc, "_OCC_BLOCK_CELLS", block_cells)
        np.testing.assert_array_equal(ctc._log_occupation(la, lb, lpe), want)
        in_place = la.copy()
        got = ctc._log_occupation(in_place, lb, lpe, out=in_place)
    assert got is in_place
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("n_batch", [1, 2])
@pytest.mark.parametrize("n_frames", [3, 5000])
def test_log_probability_past_the_float_range_is_an_infinite_loss(n_batch, n_frames):
    """Finite log-probabilities whose sum passes -1.8e308: ln p is -inf, its correctly rounded
    value, so the loss is inf (0 with zero_infinity, as PyTorch), with no overflow warning.
    The one-sequence path (N = 1, T <= 128) returned inf even with zero_infinity."""
    import warnings

    lp = np.full((n_frames, n_batch, 3), -1e308 if n_frames == 3 else -1e305)
    args = (lp, [[1]] * n_batch, [n_frames] * n_batch, [1] * n_batch)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(ctc_loss(*args, reduction="none"), [np.inf] * n_batch)
        zeroed = ctc_loss(*args, reduction="none", zero_infinity=True)
        np.testing.assert_array_equal(zeroed, [0.0] * n_batch)
        loss, grad = ctc_loss_and_grad(*args, reduction="none", zero_infinity=True)
        np.testing.assert_array_equal(loss, [0.0] * n_batch)
        np.testing.assert_array_equal(grad, np.zeros_like(lp))
        loss, grad = ctc_loss_and_grad(*args, reduction="none")
        assert np.isinf(loss).all() and np.isnan(grad).all()


@pytest.mark.parametrize(
    ("args", "words"),
    [
        ((np.log(np.full((3, 2, 3), 1 / 3)), [[1, 2], [1]], [3, 3], [2, 1]), "targets: expected"),
        (([[[0.0, -1.0]], [[-1.0]]], [[1]], [2], [1]), "log_probs: expected a rectangular"),
        ((np.broadcast_to(-1.0, (100000, 100, 1000)), [[1]] * 100, [9] * 100, [1] * 100), "GiB"),
    ],
    ids=["ragged targets", "ragged log_probs", "74 GiB broadcast"],
)
def test_arrays_numpy_cannot_hold_are_engine_errors(args, words):
    """Ragged lists raised numpy's ValueError (naming nothing); a broadcast view of 74 GiB
    was copied to float64 (MemoryError or a machine out of memory)."""
    for fn in (ctc_loss, ctc_loss_and_grad):
        with pytest.raises(EngineError, match=words):
            fn(*args)


def test_ctc_trace_refuses_tables_past_the_array_limit():
    """(100000, 3) log-probabilities and a 2000-label target: whole T x S' tables of 3 GiB
    each (12.7 GiB peak before)."""
    lp = np.full((100000, 3), np.log(1 / 3))
    with pytest.raises(EngineError, match="MAX_ARRAY_BYTES"):
        ctc_trace(lp, np.ones(2000, dtype=int))


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"wrt": None}, "wrt must be one of"),
        ({"zero_infinity": None}, "zero_infinity must be True or False"),
        ({"zero_infinity": 2}, "zero_infinity must be True or False"),
        ({"zero_infinity": "a"}, "zero_infinity must be True or False"),
    ],
)
def test_options_of_the_wrong_kind_are_refused(kwargs, words):
    """wrt=None meant "log_probs" silently, and any zero_infinity was taken by truth value."""
    lp = np.log(np.full((3, 1, 3), 1 / 3))
    with pytest.raises(EngineError, match=words):
        ctc_loss_and_grad(lp, [[1]], [3], [1], **kwargs)
    if "zero_infinity" in kwargs:
        with pytest.raises(EngineError, match=words):
            ctc_loss(lp, [[1]], [3], [1], **kwargs)
