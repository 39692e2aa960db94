"""Tests for the short-input CTC path (engine/_ctc_small.py) against independent references.

References: brute-force enumeration of all C^T label sequences (likelihood and class
occupations), the scalar log-space forward recursion of test_ctc.py, forced alignments in
closed form, central finite differences, and the engine's rescaled path with the short path
switched off. Both forms of the short path (dense matrix-vector, flat elementwise) are run.
The last section re-runs the main CTC tests with the short path switched off, so the rescaled
recursion keeps its own coverage on small inputs.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rnnloss_cli.engine._ctc_small as small
import rnnloss_cli.engine.ctc as ctc
from rnnloss_cli.engine.ctc import ctc_loss, ctc_loss_and_grad
from tests.engine import test_ctc as main_tests
from tests.engine.test_ctc import (
    collapse_ref,
    log_forward_ref,
    log_softmax,
    reversal_log_probs,
    small_problem,
)
from tests.numeric import central_diff

SETTINGS = settings(max_examples=60, deadline=None)
# DENSE_MAX_STATES values that force each form.
FORMS = {"dense": 10**9, "flat": 0}


def run_small(lp, targets, il, tl, blank=0, need_grad=True):
    """small_pass on prepared arguments: (log_p, gamma, rows tried, rows left over)."""
    batch = ctc._prepare(lp, targets, il, tl, blank)
    ext = ctc._extend(batch.targets, batch.target_lengths, batch.blank)
    eff = np.where(batch.input_lengths >= ext.min_frames, batch.input_lengths, 0)
    todo = np.nonzero(eff > 0)[0]
    log_p = np.full(eff.shape, np.nan)
    gamma = np.zeros(batch.log_probs.shape) if need_grad else None
    rest = small.small_pass(batch.log_probs, ext, eff, todo, log_p, gamma)
    return log_p, gamma, todo, rest


def brute_force(probs: np.ndarray, target, blank: int):
    """(p, gamma): p(l|x) and gamma_t(k) = P(pi_t = k | l, x), enumerating all C^T paths."""
    n_frames, n_classes = probs.shape
    target = tuple(int(x) for x in target)
    p = 0.0
    occ = np.zeros((n_frames, n_classes))
    for path in itertools.product(range(n_classes), repeat=n_frames):
        if collapse_ref(path, blank) == target:
            w = math.prod(probs[t, k] for t, k in enumerate(path))
            p += w
            occ[np.arange(n_frames), path] += w
    return p, (occ / p if p > 0 else occ)


@pytest.fixture(params=sorted(FORMS))
def form(request, monkeypatch):
    monkeypatch.setattr(small, "DENSE_MAX_STATES", FORMS[request.param])
    return request.param


# ---------------------------------------------------------------------------------------------
# The short path alone, against brute force and the scalar log-space reference
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("dense_max", sorted(FORMS.values()))
@SETTINGS
@given(small_problem())
def test_matches_brute_force_likelihood_and_occupations(dense_max, problem):
    probs, target, blank = problem
    small.DENSE_MAX_STATES, saved = dense_max, small.DENSE_MAX_STATES
    try:
        with np.errstate(divide="ignore"):
            lp = np.log(probs)
        n_frames = len(probs)
        log_p, gamma, todo, rest = run_small(lp, target, n_frames, len(target), blank)
    finally:
        small.DENSE_MAX_STATES = saved
    p, occ = brute_force(probs, target, blank)
    if p == 0:
        # Impossible (too few frames, or every path has a zero): never certified here.
        assert todo.size == 0 or rest.size == 1
        return
    assert rest.size == 0, "a probability above 1e-200 must be certified"
    assert log_p[0] == pytest.approx(math.log(p), rel=1e-12, abs=1e-12)
    np.testing.assert_allclose(gamma[:, 0], occ, atol=1e-12)


@st.composite
def short_batch(draw):
    """Batches of 1-5 sequences, 1-40 frames, varying lengths, repeats, empty targets."""
    n_batch = draw(st.integers(1, 5))
    n_classes = draw(st.integers(2, 7))
    n_frames = draw(st.integers(1, 40))
    blank = draw(st.integers(0, n_classes - 1))
    scale = draw(st.sampled_from([0.1, 1.0, 4.0, 10.0]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    lp = log_softmax(rng.standard_normal((n_frames, n_batch, n_classes)) * scale)
    labels = np.array([k for k in range(n_classes) if k != blank])
    targets = labels[rng.integers(0, len(labels), size=(n_batch, 6))]
    if draw(st.booleans()):
        targets[:, 1] = targets[:, 0]  # adjacent repeats
    tl = rng.integers(0, 7, size=n_batch)
    il = rng.integers(0, n_frames + 1, size=n_batch)
    il[0] = n_frames
    return lp, targets, il, tl, blank, scale


@pytest.mark.parametrize("dense_max", sorted(FORMS.values()))
@SETTINGS
@given(short_batch())
def test_batch_matches_scalar_reference(dense_max, batch):
    lp, targets, il, tl, blank, scale = batch
    small.DENSE_MAX_STATES, saved = dense_max, small.DENSE_MAX_STATES
    try:
        log_p, gamma, todo, rest = run_small(lp, targets, il, tl, blank)
    finally:
        small.DENSE_MAX_STATES = saved
    if scale <= 1.0:
        # Logits within a few units: no frame costs the path more than ~10 nats, so p-hat is
        # above e^-400, far above the bound (about e^-626 at 40 frames).
        assert rest.size == 0
    for n in np.setdiff1d(todo, rest):
        ref = log_forward_ref(lp[: il[n], n], targets[n, : tl[n]], blank)
        assert log_p[n] == pytest.approx(ref, rel=1e-12, abs=1e-12)
        tr = ctc.ctc_trace(lp[: il[n], n], targets[n, : tl[n]], blank=blank)
        np.testing.assert_allclose(gamma[: il[n], n], -tr.grad_log_probs, atol=1e-11)
        assert (gamma[il[n] :, n] == 0).all()
    for n in np.union1d(rest, np.setdiff1d(np.arange(len(il)), todo)):
        assert np.isnan(log_p[n]) and (gamma[:, n] == 0).all()  # left to the caller


def test_forced_alignment_closed_form_and_certificate_threshold(form):
    """T = S = 5, no repeats: one path, p = prod of the label probabilities. Each label sits x
    nats below the blank, so p-hat (shifts out) = e^(-5x). The bound at L = 5, S' = 11 asks for
    p-hat >= 2^(-1022 + log2(16 * 13 * 5) + 5 log2 3 + 46) = 2^-958.1 = e^-664.1: x = 130
    (e^-650) is certified, x = 140 (e^-700) is handed back; the public result is 5x either way."""
    target = [1, 2, 3, 1, 2]
    for x, certified in ((130.0, True), (140.0, False)):
        lp = np.zeros((5, 1, 4))
        lp[np.arange(5), 0, target] = -x
        log_p, gamma, _, rest = run_small(lp, [target], [5], [5])
        assert (rest.size == 0) is certified
        if certified:
            assert log_p[0] == pytest.approx(-5 * x, rel=1e-15)
            np.testing.assert_array_equal(gamma[:, 0].argmax(axis=1), target)
        assert ctc_loss(lp, [target], [5], [5], reduction="sum") == pytest.approx(5 * x, 1e-14)


def test_certificate_refuses_what_underflows(form):
    """Inputs whose unscaled cells underflow: the short path must hand them back (and the
    public result stays exact, from the rescaled or log-space recursion)."""
    rev = reversal_log_probs()  # half of p sits in a prefix 800 nats below the best one
    _, _, _, rest = run_small(rev[:, None, :], [[1, 2]], [25], [2])
    assert rest.size == 1
    expected = -log_forward_ref(rev, [1, 2], 0)
    assert ctc_loss(rev, [1, 2], 25, 2, reduction="sum") == pytest.approx(expected, rel=1e-13)
    # Logits 1000 sigma apart: the target's path is thousands of nats below the best.
    rng = np.random.default_rng(3)
    lp = log_softmax(rng.standard_normal((30, 2, 6)) * 1000.0)
    targets = rng.integers(1, 6, size=(2, 5))
    _, _, _, rest = run_small(lp, targets, [30, 30], [5, 5])
    assert rest.size == 2
    loss = ctc_loss(lp, targets, [30, 30], [5, 5], reduction="none")
    for n in range(2):
        assert loss[n] == pytest.approx(-log_forward_ref(lp[:, n], targets[n], 0), rel=1e-12)


def test_typical_short_inputs_are_certified():
    """The shapes this path is for (each in the form it gets by default: dense for the first,
    flat for the others): the benchmark's random inputs never fall back."""
    for T, N, C, S in ((50, 1, 20, 10), (100, 8, 30, 20), (256, 2, 10, 30)):
        rng = np.random.default_rng(T)
        lp = log_softmax(rng.standard_normal((T, N, C)))
        targets = rng.integers(1, C, size=(N, S))
        for need_grad in (False, True):
            _, _, _, rest = run_small(lp, targets, np.full(N, T), np.full(N, S), 0, need_grad)
            assert rest.size == 0


def test_longer_inputs_are_left_to_the_rescaled_path():
    lp = log_softmax(np.random.default_rng(0).standard_normal((small.SMALL_MAX_FRAMES + 1, 1, 4)))
    _, _, todo, rest = run_small(lp, [[1, 2]], [lp.shape[0]], [2])
    np.testing.assert_array_equal(rest, todo)


# ---------------------------------------------------------------------------------------------
# Through the public API: finite differences, and agreement with the rescaled path
# ---------------------------------------------------------------------------------------------


def no_rescaled(*args, **kwargs):
    raise AssertionError("rescaled path used")


@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
@pytest.mark.parametrize("wrt", ["logits", "log_probs"])
def test_gradient_finite_differences(form, reduction, wrt, monkeypatch):
    monkeypatch.setattr(ctc, "scaled", no_rescaled)  # every sequence takes the short path
    logits, targets, il, tl = main_tests.random_batch(21, n_frames=7, n_batch=3, n_classes=4)
    x = log_softmax(logits)
    if wrt == "log_probs":
        x = x + 0.3 * np.random.default_rng(1).standard_normal(x.shape)
    _, grad = ctc_loss_and_grad(x, targets, il, tl, reduction=reduction, wrt=wrt)
    if wrt == "logits":
        f = lambda u: float(np.sum(ctc_loss(log_softmax(u), targets, il, tl, reduction=reduction)))  # noqa: E731
        np.testing.assert_allclose(grad, central_diff(f, logits), atol=2e-8)
    else:
        f = lambda v: float(np.sum(ctc_loss(v, targets, il, tl, reduction=reduction)))  # noqa: E731
        np.testing.assert_allclose(grad, central_diff(f, x), atol=2e-8)
    assert (grad[il[2] :, 2] == 0).all()


@SETTINGS
@given(
    main_tests.any_batch(),
    st.sampled_from(["none", "sum", "mean"]),
    st.booleans(),
    st.sampled_from(["float64", "float32"]),
)
def test_public_results_agree_with_the_rescaled_path(batch, reduction, zero_infinity, dtype):
    """Same call with the short path on (default) and off: losses and gradients agree (both are
    certified to 1e-13; inf and NaN in the same places), dtypes are kept."""
    lp, targets, il, tl, blank = batch
    lp = lp.astype(dtype)
    kw = {"blank": blank, "reduction": reduction, "zero_infinity": zero_infinity}
    on = ctc_loss_and_grad(lp, targets, il, tl, **kw), ctc_loss(lp, targets, il, tl, **kw)
    small.SMALL_MAX_FRAMES, saved = 0, small.SMALL_MAX_FRAMES
    try:
        off = ctc_loss_and_grad(lp, targets, il, tl, **kw), ctc_loss(lp, targets, il, tl, **kw)
    finally:
        small.SMALL_MAX_FRAMES = saved
    (loss_on, grad_on), loss_only_on = on
    (loss_off, grad_off), loss_only_off = off
    rtol = 1e-12 if dtype == "float64" else 1e-6
    assert grad_on.dtype == grad_off.dtype == np.dtype(dtype)
    assert np.asarray(loss_on).dtype == np.dtype(dtype)
    np.testing.assert_allclose(loss_on, loss_off, rtol=rtol, atol=1e-12)
    np.testing.assert_allclose(loss_only_on, loss_only_off, rtol=rtol, atol=1e-12)
    np.testing.assert_allclose(grad_on, grad_off, rtol=rtol, atol=1e-11 if rtol < 1e-9 else 1e-6)


# ---------------------------------------------------------------------------------------------
# The main CTC tests once more with the short path off: the rescaled recursion stays covered
# on small inputs now that they go through the short path by default.
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def short_path_off(monkeypatch):
    monkeypatch.setattr(small, "SMALL_MAX_FRAMES", 0)


_RERUN = [
    "test_loss_matches_brute_force",
    "test_batched_loss_matches_brute_force",
    "test_golden_single_label_two_frames",
    "test_golden_repeat_needs_blank",
    "test_golden_one_frame_gradient",
    "test_forced_alignment_closed_form",
    "test_two_gradients_differ_by_softmax_term",
    "test_reductions_follow_torch_definition",
    "test_batch_order_and_padding_do_not_matter",
    "test_impossible_targets_and_zero_infinity",
    "test_fast_path_matches_references_across_regimes",
]


@pytest.mark.usefixtures("short_path_off")
@pytest.mark.parametrize("name", _RERUN)
def test_main_tests_with_short_path_off(name):
    test = getattr(main_tests, name)
    test()  # hypothesis tests draw their own examples; the others take no arguments


def test_large_batches_are_left_to_the_rescaled_path(monkeypatch):
    """Past SMALL_MAX_CELLS trellis cells the short path (three trellis-sized arrays) declines."""
    lp = log_softmax(np.random.default_rng(0).standard_normal((10, 3, 4)))
    targets = np.array([[1, 2], [2, 3], [3, 1]])
    cells = 10 * 3 * (5 + 2)
    monkeypatch.setattr(small, "SMALL_MAX_CELLS", cells - 1)
    _, _, todo, rest = run_small(lp, targets, [10] * 3, [2] * 3)
    np.testing.assert_array_equal(rest, todo)
    monkeypatch.setattr(small, "SMALL_MAX_CELLS", cells)
    _, _, _, rest = run_small(lp, targets, [10] * 3, [2] * 3)
    assert rest.size == 0


@pytest.mark.parametrize("n_frames", [1, 2, 3, 7, 8, 9, 16, 17, 31, 50])
def test_loss_only_matches_scalar_reference(form, n_frames):
    """Loss only (the dense form multiplies the frames' matrices in a tree when the rows end
    together; the flat form keeps one column): against the scalar log-space recursion."""
    rng = np.random.default_rng(n_frames)
    lp = log_softmax(rng.standard_normal((n_frames, 2, 5)) * 2)
    targets = np.array([[1, 1, 2], [3, 4, 1]])
    tl = np.array([min(3, n_frames // 2), min(3, n_frames)])
    for il in ([n_frames, n_frames], [n_frames, max(1, n_frames - 2)]):
        log_p, _, todo, rest = run_small(lp, targets, il, tl, need_grad=False)
        assert rest.size == 0
        for n in todo:
            ref = log_forward_ref(lp[: il[n], n], targets[n, : tl[n]], 0)
            assert log_p[n] == pytest.approx(ref, rel=1e-13)


@pytest.mark.parametrize("n_frames", [15, 16, 17, 32, 33, 64, 101])
def test_occupations_match_trace_when_rows_end_together(form, n_frames):
    """Rows that all end at the last frame (the dense form scans the frames in a tree, one to
    three levels deep here, odd and even counts): occupations against ctc_trace's log-space
    ones, likelihoods against the scalar recursion."""
    rng = np.random.default_rng(n_frames)
    lp = log_softmax(rng.standard_normal((n_frames, 2, 6)) * 2)
    targets = np.array([[1, 1, 2, 5], [3, 4, 1, 2]])
    for tl in ([4, 4], [2, 4]):
        log_p, gamma, _, rest = run_small(lp, targets, [n_frames] * 2, tl)
        assert rest.size == 0
        for n in range(2):
            tr = ctc.ctc_trace(lp[:, n], targets[n, : tl[n]])
            assert log_p[n] == pytest.approx(tr.log_likelihood, rel=1e-13)
            np.testing.assert_allclose(gamma[:, n], -tr.grad_log_probs, atol=1e-12)


def test_gradient_with_many_classes_and_states_is_left_to_the_rescaled_path(monkeypatch):
    """The one-hot class product costs T (S' + 2) C a sequence: above ONEHOT_MAX the gradient
    declines (the loss alone still goes through)."""
    lp = log_softmax(np.random.default_rng(1).standard_normal((8, 2, 6)))
    targets = np.array([[1, 2], [3, 4]])
    monkeypatch.setattr(small, "ONEHOT_MAX", (5 + 2) * 6 - 1)
    _, _, todo, rest = run_small(lp, targets, [8, 8], [2, 2])
    np.testing.assert_array_equal(rest, todo)
    _, _, _, rest = run_small(lp, targets, [8, 8], [2, 2], need_grad=False)
    assert rest.size == 0
    monkeypatch.setattr(small, "ONEHOT_MAX", (5 + 2) * 6)
    _, _, _, rest = run_small(lp, targets, [8, 8], [2, 2])
    assert rest.size == 0


# ---------------------------------------------------------------------------------------------
# One full-length sequence (single_grad): forward and backward as one block-diagonal recursion
# ---------------------------------------------------------------------------------------------


def single(lp, target, blank=0, reduction="sum", wrt="log_probs", loss_only=False):
    """single_grad (or single_loss) on prepared arguments ((T, C) or (T, 1, C) log_probs)."""
    unbatched = np.ndim(lp) == 2
    tg = list(target) if unbatched else [list(target)]
    il, tl = (len(lp), len(target)) if unbatched else ([len(lp)], [len(target)])
    batch = ctc._prepare(lp, tg, il, tl, blank)
    if loss_only:
        return small.single_loss(batch, reduction)
    return small.single_grad(batch, reduction, wrt)


@SETTINGS
@given(small_problem())
def test_single_matches_brute_force(problem):
    """ln p and gamma (the log_probs gradient with reduction "sum" is -gamma) against the
    enumeration of every C^T path; taken whenever p is not tiny (repeats, empty targets,
    exact zeros, T = 1 included)."""
    probs, target, blank = problem
    with np.errstate(divide="ignore"):
        lp = np.log(probs)
    p, occ = brute_force(probs, target, blank)
    done = single(lp, target, blank)
    loss_only = single(lp, target, blank, loss_only=True)
    if p == 0:
        # p-hat = 0 is never certified: the general path says inf
        assert done is None and loss_only is None
        return
    assert done is not None, "a probability above 1e-200 must be certified"
    loss, grad = done
    assert float(loss) == pytest.approx(-math.log(p), rel=1e-12, abs=1e-12)
    assert float(loss_only) == pytest.approx(-math.log(p), rel=1e-12, abs=1e-12)
    np.testing.assert_allclose(-grad, occ, atol=1e-12)


@st.composite
def single_problem(draw):
    """One sequence, 1-60 frames, 2-9 classes, 0-11 labels with or without repeats."""
    n_classes = draw(st.integers(2, 9))
    n_frames = draw(st.integers(1, 60))
    blank = draw(st.integers(0, n_classes - 1))
    scale = draw(st.sampled_from([0.1, 1.0, 3.0]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    lp = log_softmax(rng.standard_normal((n_frames, 1, n_classes)) * scale)
    labels = [k for k in range(n_classes) if k != blank]
    target = [labels[i] for i in rng.integers(0, len(labels), size=draw(st.integers(0, 11)))]
    if len(target) > 2 and draw(st.booleans()):
        target[2] = target[1]  # an adjacent repeat: no skip into label 2
    return lp, target, blank


@SETTINGS
@given(
    single_problem(),
    st.sampled_from(["none", "sum", "mean"]),
    st.sampled_from(["logits", "log_probs"]),
    st.sampled_from(["float64", "float32"]),
    st.booleans(),
)
def test_single_agrees_with_the_log_space_trace(problem, reduction, wrt, dtype, unbatched):
    """Public results with the one-sequence form against ctc_trace (log space): loss and both
    gradients, every reduction, float32 kept, (T, C) and (T, 1, C) inputs."""
    lp, target, blank = problem
    n_frames = lp.shape[0]
    x = (lp[:, 0] if unbatched else lp).astype(dtype)
    tg, il, tl = (
        (target, n_frames, len(target)) if unbatched else ([target], [n_frames], [len(target)])
    )
    kw = {"blank": blank, "reduction": reduction, "wrt": wrt}
    prepared = ctc._prepare(x, tg, il, tl, blank)
    taken = small.single_grad(prepared, reduction, wrt) is not None
    loss_taken = small.single_loss(prepared, reduction) is not None
    loss, grad = ctc_loss_and_grad(x, tg, il, tl, **kw)
    del kw["wrt"]
    loss_only = ctc_loss(x, tg, il, tl, **kw)
    assert np.asarray(loss_only).dtype == np.dtype(dtype)
    assert np.shape(loss_only) == np.shape(loss)
    tr = ctc.ctc_trace(x.astype(np.float64).reshape(n_frames, -1), target, blank=blank)
    if not np.isfinite(tr.loss):
        assert not taken and not loss_taken
        return
    cells = (n_frames - 1) * (2 * len(target) + 1) ** 2  # (T - 1) S'^2
    assert taken == (4 * cells <= small.SINGLE_MAX_CELLS)
    assert loss_taken == (cells <= small.SINGLE_MAX_CELLS)
    c = 1.0 / max(len(target), 1) if reduction == "mean" else 1.0
    ref_grad = c * (tr.grad_logits if wrt == "logits" else tr.grad_log_probs)
    rtol = 1e-12 if dtype == "float64" else 1e-6
    assert grad.dtype == np.dtype(dtype) and np.asarray(loss).dtype == np.dtype(dtype)
    assert grad.shape == x.shape
    if reduction == "none" and not unbatched:
        assert np.shape(loss) == (1,)
    # p is certified to 1e-13 relative, so ln p to 1e-13 absolute: a loss near 0 (p near 1,
    # computed from exp(ln y) in probability space) can be off by a few ulps of p, e.g.
    # 3.4e-17 at a loss of 1.03e-6 (relative 3.4e-11), which rtol alone rejected.
    loss_atol = c * 1e-13 if dtype == "float64" else 0.0
    np.testing.assert_allclose(np.asarray(loss).ravel()[0], c * tr.loss, rtol=rtol, atol=loss_atol)
    np.testing.assert_allclose(
        np.asarray(loss_only).ravel()[0], c * tr.loss, rtol=rtol, atol=loss_atol
    )
    # The log-space reference's occupations carry ~|ln alpha| * eps absolute error (~1e-13 at
    # 60 frames), which y - gamma can expose where the two nearly cancel: 1e-11, as elsewhere.
    atol = 1e-11 if dtype == "float64" else 1e-7
    np.testing.assert_allclose(grad.reshape(n_frames, -1), ref_grad, rtol=rtol, atol=atol)
    assert not np.signbit(grad[grad == 0]).any()  # no -0 in printed tables


def test_single_finite_differences():
    """The logits gradient with a repeat and 30 frames against central differences."""
    rng = np.random.default_rng(5)
    logits = rng.standard_normal((30, 1, 6))
    target = [[2, 2, 5, 1]]
    assert single(log_softmax(logits), target[0], reduction="mean", wrt="logits") is not None
    _, grad = ctc_loss_and_grad(log_softmax(logits), target, [30], [4])
    f = lambda u: float(ctc_loss(log_softmax(u), target, [30], [4]))  # noqa: E731
    np.testing.assert_allclose(grad, central_diff(f, logits), atol=2e-8)


def test_single_declines_what_it_does_not_cover(monkeypatch):
    """Two sequences, a shorter input, a positive log-probability, too many states or frames:
    None from single_grad and single_loss alike (the general path takes them); the
    certificate refuses what underflows."""

    def taken(lp, targets, il, tl, loss_only=None):
        batch = ctc._prepare(lp, targets, il, tl, 0)
        grad, loss = small.single_grad(batch, "sum", "logits"), small.single_loss(batch, "sum")
        if loss_only is None:
            assert (grad is None) == (loss is None)
            return grad is not None
        return (loss if loss_only else grad) is not None

    rng = np.random.default_rng(2)
    lp = log_softmax(rng.standard_normal((12, 2, 5)))
    assert not taken(lp, [[1, 2], [3, 4]], [12, 12], [2, 2])
    one = lp[:, :1]
    assert not taken(one, [[1, 2]], [11], [2])
    assert taken(one, [[1, 2]], [12], [2])
    shifted = one.copy()
    shifted[3, 0, 4] = 0.25  # not a log-probability: emissions above 1, the bound 3^L fails
    assert not taken(shifted, [[1, 2]], [12], [2])
    # 11 frame matrices of 5 states: 11 * 25 cells for the loss, 11 * 100 with the gradient.
    monkeypatch.setattr(small, "SINGLE_MAX_CELLS", 11 * 100 - 1)
    assert not taken(one, [[1, 2]], [12], [2], loss_only=False)
    assert taken(one, [[1, 2]], [12], [2], loss_only=True)
    monkeypatch.setattr(small, "SINGLE_MAX_CELLS", 11 * 25 - 1)
    assert not taken(one, [[1, 2]], [12], [2])
    monkeypatch.setattr(small, "SINGLE_MAX_CELLS", 11 * 100)
    assert taken(one, [[1, 2]], [12], [2])
    monkeypatch.setattr(small, "ONEHOT_MAX", (5 + 2) * 5 - 1)  # the gradient's class product
    assert not taken(one, [[1, 2]], [12], [2], loss_only=False)
    assert taken(one, [[1, 2]], [12], [2], loss_only=True)
    monkeypatch.setattr(small, "ONEHOT_MAX", (5 + 2) * 5)
    assert taken(one, [[1, 2]], [12], [2])
    for name in ("SMALL_MAX_FRAMES", "SINGLE_MAX_FRAMES"):
        monkeypatch.setattr(small, name, 11)
        assert not taken(one, [[1, 2]], [12], [2])
        monkeypatch.setattr(small, name, 12)
        assert taken(one, [[1, 2]], [12], [2])
    monkeypatch.undo()
    # Forced alignment, every label x nats below the blank: p = e^(-5x). The bound at L = 5,
    # S' = 11 (see test_forced_alignment_closed_form_and_certificate_threshold) is e^-664.1.
    target = [1, 2, 3, 1, 2]
    for x, certified in ((130.0, True), (140.0, False)):
        lp = np.zeros((5, 4))
        lp[np.arange(5), target] = -x
        assert taken(lp, target, 5, 5) is certified
        assert ctc_loss(lp, target, 5, 5, reduction="sum") == pytest.approx(5 * x, 1e-14)
    rev = reversal_log_probs()  # half of p sits in a prefix 800 nats below the best one
    assert not taken(rev, [1, 2], 25, 2)
    loss, _ = ctc_loss_and_grad(rev, [1, 2], 25, 2, reduction="sum")
    assert loss == pytest.approx(-log_forward_ref(rev, [1, 2], 0), rel=1e-13)


def test_single_reuses_its_block_buffer_safely():
    """single_grad and single_loss keep their frame matrices between calls of the same shape
    (only the band is written, the rest stays 0): alternating skip patterns (repeats or not)
    and threads running at once must not see each other's entries."""
    rng = np.random.default_rng(7)
    lp = log_softmax(rng.standard_normal((2, 20, 1, 5)) * 2)
    targets = [[1, 2, 3, 4], [2, 2, 2, 2], [1, 2, 3, 4], [3, 3, 1, 1]]
    refs = {}
    for i, target in enumerate(targets * 2):
        x = lp[i % 2]
        tr = ctc.ctc_trace(x[:, 0], target)
        refs[i % 2, tuple(target)] = tr
        loss, grad = single(x, target, reduction="sum", wrt="log_probs")
        assert float(loss) == pytest.approx(tr.loss, rel=1e-12)
        loss = single(x, target, reduction="sum", loss_only=True)
        assert float(loss) == pytest.approx(tr.loss, rel=1e-12)
        np.testing.assert_allclose(grad[:, 0], tr.grad_log_probs, atol=1e-12)
    import threading

    errors = []

    def work(i):
        for j in range(200):
            key = ((i + j) % 2, tuple(targets[(i + j) % 4]))
            loss, grad = single(lp[key[0]], list(key[1]), reduction="sum", wrt="log_probs")
            loss_only = single(lp[key[0]], list(key[1]), reduction="sum", loss_only=True)
            for value in (loss, loss_only):
                if abs(float(value) - refs[key].loss) > 1e-9 * refs[key].loss:
                    errors.append(key)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(3)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors


@pytest.mark.parametrize("n_classes", [3, small._EYE_MAX, small._EYE_MAX + 1, 200])
def test_single_one_hot_map_at_any_class_count(n_classes):
    """The class occupations through kept identity rows (C <= _EYE_MAX) or a fresh one-hot map
    (above): against ctc_trace, with a repeat and the blank in the middle of the classes."""
    rng = np.random.default_rng(n_classes)
    lp = log_softmax(rng.standard_normal((9, n_classes)))
    blank = n_classes // 2
    target = [k for k in (1, 1, n_classes - 1) if k != blank]
    assert single(lp, target, blank) is not None
    kw = {"blank": blank, "reduction": "sum", "wrt": "log_probs"}
    _, grad = ctc_loss_and_grad(lp, target, 9, len(target), **kw)
    tr = ctc.ctc_trace(lp, target, blank=blank)
    np.testing.assert_allclose(grad, tr.grad_log_probs, atol=1e-12)


def count_alignments(n_frames: int, target) -> int:
    """Exact number of length-T alignments that collapse to ``target`` (integer forward
    recursion on the extended labels: each state from itself, its predecessor, and from two
    back when the skip is allowed)."""
    ext = [None]
    for label in target:
        ext += [label, None]
    counts = [1, 1] + [0] * (len(ext) - 2) if len(ext) > 1 else [1]
    for _ in range(n_frames - 1):
        counts = [
            counts[s]
            + (counts[s - 1] if s >= 1 else 0)
            + (counts[s - 2] if s >= 2 and ext[s] is not None and ext[s] != ext[s - 2] else 0)
            for s in range(len(ext))
        ]
    return counts[-1] + (counts[-2] if len(ext) > 1 else 0)


def test_single_shifts_when_p_is_too_small_unshifted(monkeypatch):
    """Uniform predictions over C = 100 classes, T = 128, S = 10: p = N / 100^128 with N the
    number of alignments, loss = 128 ln 100 - ln N (about 535 nats), below the unshifted bound
    at T = 128, S' = 21 (p-hat >= 2^(-1022 + 46 + log2(16 * 23 * 128) + 128 log2 3) =
    2^-757.6 = e^-525.1). Each frame shifted by its largest own class (-ln 100) gives p-hat = N:
    certified, and the result matches the count and the log-space trace."""
    for n, tg in itertools.product(range(1, 6), ([], [1], [1, 1], [2, 1, 2])):  # the counter
        paths = itertools.product(range(3), repeat=n)
        assert count_alignments(n, tg) == sum(collapse_ref(x, 0) == tuple(tg) for x in paths)
    n_frames, n_classes = 128, 100
    lp = np.full((n_frames, n_classes), -math.log(n_classes))
    target = [1, 2, 3, 3, 5, 6, 7, 8, 9, 10]
    expected = n_frames * math.log(n_classes) - math.log(count_alignments(n_frames, target))
    assert expected > 525.1
    loss = single(lp, target, loss_only=True)
    loss_grad, grad = single(lp, target)
    assert float(loss) == pytest.approx(expected, rel=1e-13)
    assert float(loss_grad) == pytest.approx(expected, rel=1e-13)
    tr = ctc.ctc_trace(lp, target)
    np.testing.assert_allclose(grad, tr.grad_log_probs, atol=1e-11)
    monkeypatch.setattr(small, "_shifted", lambda lp, lab: (None, 0.0))
    assert single(lp, target, loss_only=True) is None and single(lp, target) is None


@pytest.mark.parametrize("n_batch", [1, 2])  # the one-sequence form and the general path
def test_float32_gradients_have_no_negative_zeros(n_batch):
    """A blank 115 nats down at frame 1 gives it an occupation of about e^-115 (1e-50): its
    float64 gradient -gamma is a tiny negative, which float32 rounds to zero; +0, never -0."""
    lp = np.log(np.full((3, n_batch, 3), 1.0 / 3.0))
    lp[1, :, 0] = -115.0
    lp = log_softmax(lp)
    for wrt in ("log_probs", "logits"):
        _, grad = ctc_loss_and_grad(lp, [[1]] * n_batch, [3] * n_batch, [1] * n_batch, wrt=wrt)
        _, grad32 = ctc_loss_and_grad(
            lp.astype(np.float32), [[1]] * n_batch, [3] * n_batch, [1] * n_batch, wrt=wrt
        )
        assert grad32.dtype == np.float32
        if wrt == "log_probs":
            assert -1e-45 < grad[1, 0, 0] < 0  # the float64 value: a tiny negative
        np.testing.assert_allclose(grad32, grad, atol=1e-7)
        assert not np.signbit(grad32[grad32 == 0]).any()


def test_a_loss_near_zero_is_within_the_certified_absolute_error():
    """The example hypothesis found: one frame, empty target, ln y_blank = -1.026e-6. The loss
    -ln p = 1.02609218e-06 comes out 3.4e-17 off (p = exp(ln y) rounded once), inside the
    1e-13 that the certificate on p allows ln p."""
    lp = np.array([[[-1.02609218e-06, -1.37897535e01]]])
    loss, _ = ctc_loss_and_grad(lp, [[]], [1], [0], reduction="none")
    assert abs(loss[0] - 1.02609218e-06) <= 1e-13
