"""Tests for the optional compiled CTC path (engine/ctc_numba.py); skipped without numba.

The same checks as the numpy engine: the main CTC tests (brute force, the scalar log-space
reference, hand-worked golden values, closed forms, central finite differences, validation
messages) and the PyTorch cross-checks are re-run with ``ctc_loss`` / ``ctc_loss_and_grad``
swapped for the compiled ones; hypothesis then compares the two engines over random shapes,
lengths, repeats, empty and impossible targets, exact zeros, logits 1e3 apart and float32.
Last, the CLI must never import numba.
"""

from __future__ import annotations

import doctest
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("numba")

import rnnloss_cli.engine.ctc as ctc  # noqa: E402
import rnnloss_cli.engine.ctc_numba as ctc_numba  # noqa: E402
from tests.engine import test_ctc as main_tests  # noqa: E402
from tests.engine.test_ctc import log_forward_ref, log_softmax  # noqa: E402
from tests.engine.test_ctc_scaled import PEAKY  # noqa: E402  (the inputs, hand-worked there)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(params=["serial", "parallel"])
def numba_engine(request, monkeypatch):
    """The main tests' module-level ctc_loss / ctc_loss_and_grad point at the compiled ones,
    run on one thread, or ("parallel") with every batch of two or more sequences split over
    numba's threads (``PARALLEL_MIN_CELLS`` lowered to 1 cell)."""
    monkeypatch.setattr(main_tests, "ctc_loss", ctc_numba.ctc_loss)
    monkeypatch.setattr(main_tests, "ctc_loss_and_grad", ctc_numba.ctc_loss_and_grad)
    if request.param == "parallel":
        monkeypatch.setattr(ctc_numba, "PARALLEL_MIN_CELLS", 1)


# Every main test that goes through the public ctc_loss / ctc_loss_and_grad (the ones about
# the numpy engine's own internals, its scaled recursion and certificates, are left out).
_RERUN = [
    "test_loss_matches_brute_force",
    "test_batched_loss_matches_brute_force",
    "test_golden_single_label_two_frames",
    "test_golden_one_frame_gradient",
    "test_forced_alignment_closed_form",
    "test_two_gradients_differ_by_softmax_term",
    "test_reductions_follow_torch_definition",
    "test_padded_and_concatenated_targets_agree",
    "test_batch_order_and_padding_do_not_matter",
    "test_unbatched_input",
    "test_impossible_targets_and_zero_infinity",
    "test_zero_probability_everywhere_is_infinite",
    "test_empty_input_and_target",
    "test_long_sequence_constant_log_probs_closed_form",
    "test_long_sequence_uniform_distribution",
    "test_underflow_inside_a_frame_stays_exact",
    "test_mass_beyond_float_range_in_one_column_stays_exact",
    "test_long_sequence_matches_scalar_reference",
    "test_fast_path_matches_references_across_regimes",
    "test_trace_fields_and_consistency",
    "test_validation_unbatched_and_wrt",
    "test_far_apart_windows_end_to_end",
    "test_very_long_single_sequence_closed_form",
]


@pytest.mark.usefixtures("numba_engine")
@pytest.mark.parametrize("name", _RERUN)
def test_main_tests_with_numba_engine(name):
    getattr(main_tests, name)()  # hypothesis tests draw their own examples


@pytest.mark.usefixtures("numba_engine")
@pytest.mark.parametrize("window", [2, 5])
def test_subnormal_emission_with_numba_engine(window):
    main_tests.test_subnormal_emission_across_windows_is_exact(window)


@pytest.mark.usefixtures("numba_engine")
@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
@pytest.mark.parametrize("seed", [0, 1])
def test_finite_differences_with_numba_engine(reduction, seed):
    main_tests.test_grad_wrt_logits_finite_differences(reduction, seed)
    main_tests.test_grad_wrt_log_probs_finite_differences(reduction, seed + 2)


@pytest.mark.usefixtures("numba_engine")
@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
def test_float32_with_numba_engine(reduction):
    main_tests.test_float32_in_float32_out(reduction)


@pytest.mark.usefixtures("numba_engine")
def test_validation_messages_with_numba_engine():
    mark = next(
        m for m in main_tests.test_validation_messages.pytestmark if m.name == "parametrize"
    )
    # test_validation_messages pops "blank" / "reduction" out of its parameter dicts, so once
    # it has run those three cases are empty here: they are spelled out below.
    cases = [(dict(kw), match) for kw, match in mark.args[1] if kw]
    cases += [
        ({"blank": 4}, r"blank must be in \[0, 4\) for C=4; got 4"),
        ({"blank": -1}, "got -1"),
        ({"reduction": "avg"}, r"reduction: expected one of .*got 'avg'"),
    ]
    assert len(cases) >= 15
    for kwargs, match in cases:
        main_tests.test_validation_messages(kwargs, match)


# ---------------------------------------------------------------------------------------------
# PyTorch (skipped without it): tests/engine/test_ctc_torch.py with the compiled functions
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def torch_tests(monkeypatch):
    module = pytest.importorskip("tests.engine.test_ctc_torch")  # skips without torch
    monkeypatch.setattr(module, "ctc_loss", ctc_numba.ctc_loss)
    monkeypatch.setattr(module, "ctc_loss_and_grad", ctc_numba.ctc_loss_and_grad)
    return module


@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
@pytest.mark.parametrize("zero_infinity", [False, True])
def test_torch_checks_with_numba_engine(torch_tests, reduction, zero_infinity):
    for case in torch_tests.CASES:
        for layout in ("padded", "concatenated"):
            torch_tests.test_matches_torch(case, reduction, zero_infinity, layout)
    torch_tests.test_float32_matches_torch("none" if reduction == "sum" else reduction)


def test_torch_unbatched_and_long_with_numba_engine(torch_tests):
    torch_tests.test_unbatched_matches_torch()
    torch_tests.test_long_batch_matches_torch()


# ---------------------------------------------------------------------------------------------
# Agreement with the numpy engine (both certified or log-space exact: 1e-12 relative)
# ---------------------------------------------------------------------------------------------


@st.composite
def numba_batch(draw):
    """Random shapes, varying lengths (some 0), repeats, empty and impossible targets, exact
    zeros, logits up to 1e3 apart, any blank index."""
    n_batch = draw(st.integers(1, 5))
    n_classes = draw(st.integers(2, 8))
    n_frames = draw(st.integers(0, 60))
    blank = draw(st.integers(0, n_classes - 1))
    spread = draw(st.sampled_from([0.1, 1.0, 10.0, 100.0, 1000.0]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    lp = log_softmax(rng.standard_normal((n_frames, n_batch, n_classes)) * spread)
    if draw(st.booleans()):
        lp[rng.random(lp.shape) < 0.1] = -np.inf
    labels = np.array([k for k in range(n_classes) if k != blank])
    s_max = draw(st.integers(0, 12))
    targets = labels[rng.integers(0, len(labels), size=(n_batch, s_max))]
    if s_max >= 2 and draw(st.booleans()):
        targets[:, 1] = targets[:, 0]  # adjacent repeats: one more frame needed
    tl = rng.integers(0, s_max + 1, size=n_batch)
    il = rng.integers(0, n_frames + 1, size=n_batch)
    return lp, targets, il, tl, blank


def assert_same(ours, ref, rtol, atol):
    ours, ref = np.asarray(ours), np.asarray(ref)
    assert ours.dtype == ref.dtype and ours.shape == ref.shape
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(ref))
    np.testing.assert_array_equal(np.isinf(ours), np.isinf(ref))
    finite = np.isfinite(ref)
    np.testing.assert_allclose(ours[finite], ref[finite], rtol=rtol, atol=atol)


@settings(max_examples=150, deadline=None)
@given(
    numba_batch(),
    st.sampled_from(["none", "sum", "mean"]),
    st.booleans(),
    st.sampled_from(["logits", "log_probs"]),
    st.sampled_from(["float64", "float32"]),
)
def test_agrees_with_numpy_engine(batch, reduction, zero_infinity, wrt, dtype):
    lp, targets, il, tl, blank = batch
    lp = lp.astype(dtype)
    kw = {"blank": blank, "reduction": reduction, "zero_infinity": zero_infinity}
    ref_loss, ref_grad = ctc.ctc_loss_and_grad(lp, targets, il, tl, wrt=wrt, **kw)
    loss, grad = ctc_numba.ctc_loss_and_grad(lp, targets, il, tl, wrt=wrt, **kw)
    # float32: both round the same float64 value once, so they may differ by one float32 ulp.
    rtol, atol = (1e-12, 1e-12) if dtype == "float64" else (2.4e-7, 1e-7)
    assert_same(loss, ref_loss, rtol, atol)
    assert_same(ctc_numba.ctc_loss(lp, targets, il, tl, **kw), ref_loss, rtol, atol)
    # Gradients to 1e-10 absolute, as the main tests hold the numpy engine to ctc_trace: at
    # losses of ~3e4 (logits 1e3 apart) the log-space recursion's alpha + beta rounds to
    # ~3e4 * eps, so each state's share of a frame carries errors near 1e-11 (hypothesis found
    # such a case; each frame's shares now sum to 1 in both engines).
    assert_same(grad, ref_grad, rtol, 1e-10 if dtype == "float64" else 1e-7)


@settings(max_examples=60, deadline=None)
@given(numba_batch(), st.sampled_from(["logits", "log_probs"]), st.booleans())
def test_parallel_kernel_matches_serial_bit_for_bit(batch, wrt, zero_infinity):
    """Split over threads, each sequence runs the same arithmetic on its own scratch: the losses
    and gradients are those of the one-thread kernel exactly."""
    lp, targets, il, tl, blank = batch
    kw = {"blank": blank, "reduction": "none", "zero_infinity": zero_infinity}
    serial = ctc_numba.ctc_loss_and_grad(lp, targets, il, tl, wrt=wrt, **kw)
    serial_loss = ctc_numba.ctc_loss(lp, targets, il, tl, **kw)
    saved = ctc_numba.PARALLEL_MIN_CELLS
    ctc_numba.PARALLEL_MIN_CELLS = 1
    try:
        parallel = ctc_numba.ctc_loss_and_grad(lp, targets, il, tl, wrt=wrt, **kw)
        parallel_loss = ctc_numba.ctc_loss(lp, targets, il, tl, **kw)
    finally:
        ctc_numba.PARALLEL_MIN_CELLS = saved
    np.testing.assert_array_equal(parallel[0], serial[0])
    np.testing.assert_array_equal(parallel[1], serial[1])
    np.testing.assert_array_equal(parallel_loss, serial_loss)


@pytest.mark.parametrize(
    ("cost", "threads", "min_cells", "expected"),
    [
        # 4 equal sequences, 2 threads: 2 + 2 (the cut lands where the cumulative cost first
        # reaches half of 40, after the second sequence)
        ([10, 10, 10, 10], 2, 1, [0, 2, 4]),
        # one long sequence first: it gets a thread of its own
        ([30, 4, 3, 3], 2, 1, [0, 1, 4]),
        # 3 threads but 2 sequences: two parts
        ([5, 5], 3, 1, [0, 1, 2]),
        # too little work for a second thread (40 cells, 21 a part at least): None
        ([10, 10, 10, 10], 2, 21, None),
        # one sequence: None
        ([100], 2, 1, None),
    ],
)
def test_parts_split_the_batch_by_cost(monkeypatch, cost, threads, min_cells, expected):
    monkeypatch.setattr(ctc_numba.numba, "get_num_threads", lambda: threads)
    monkeypatch.setattr(ctc_numba, "PARALLEL_MIN_CELLS", min_cells)
    got = ctc_numba._parts(np.array(cost, dtype=np.int64))
    assert (got is None and expected is None) or got.tolist() == expected


# ---------------------------------------------------------------------------------------------
# The passes one at a time: the scaled one must refuse what it cannot certify, and its fallback
# (extended exponents; rarely reached by the tests above) and the log-space pass (kept as a
# second, independent reference) must match the references.
# ---------------------------------------------------------------------------------------------


def run_pass(which, lp, targets, il, tl, blank=0, wrt="log_probs", window=ctc_numba.WINDOW):
    """One pass on every sequence (reduction "none"): (log_p, certified (N,), grad (T, N, C));
    which: "log", "ext", "scaled" or "windowed" (windows of at most ``window`` states)."""
    batch = ctc._prepare(lp, targets, il, tl, blank)
    ext = ctc._extend(batch.targets, batch.target_lengths, batch.blank)
    lp64 = batch.log_probs
    n_frames, n_batch, n_classes = lp64.shape
    log_p = np.full(n_batch, np.nan)
    ok = np.zeros(n_batch, dtype=bool)
    grad = np.zeros(lp64.shape)
    for n in range(n_batch):
        length, n_s = int(batch.input_lengths[n]), int(ext.n_states[n])
        if length < ext.min_frames[n] or length == 0:
            continue
        args = (lp64, n, length, ext.labels_ext[n], ext.skip[n], n_s, True, grad, 1.0)
        classes = np.unique(ext.labels_ext[n, :n_s])
        scratch = (np.empty((length, n_s)), np.empty((length, n_s)))
        if which == "log":
            log_p[n], ok[n] = ctc_numba._sequence(*args, wrt == "logits"), True
        elif which == "ext":
            log_p[n], ok[n] = ctc_numba._xsequence(*args, wrt == "logits", classes, *scratch), True
        elif which == "windowed":
            units = np.empty((length, -(-n_s // window)), dtype=np.int64)
            yc = np.empty((length, n_classes))
            log_p[n], ok[n] = ctc_numba._wsequence(
                *args, wrt == "logits", classes, *scratch, yc, units, window
            )
        else:
            log_p[n], ok[n] = ctc_numba._scaled_sequence(
                *args, wrt == "logits", classes, *scratch, np.empty((length, n_classes))
            )
    return log_p, ok, grad


def test_scaled_pass_refuses_the_reversal_input():
    """Half of p sits in a prefix 800 nats below the best one: the lower recursion loses it, so
    the scaled pass must not certify; the log-space pass gets it right (scalar reference)."""
    rev = main_tests.reversal_log_probs()
    expected = log_forward_ref(rev, [1, 2], 0)
    _, ok, _ = run_pass("scaled", rev[:, None, :], [[1, 2]], [25], [2])
    assert not ok[0]
    for which in ("ext", "log"):
        log_p, _, grad = run_pass(which, rev[:, None, :], [[1, 2]], [25], [2])
        assert log_p[0] == pytest.approx(expected, rel=1e-13)
        tr = ctc.ctc_trace(rev, [1, 2])
        np.testing.assert_allclose(grad[:, 0], tr.grad_log_probs, atol=1e-12)


def test_scaled_pass_certifies_typical_inputs():
    """The benchmark's inputs (logits of unit scale) never need the log-space pass."""
    for T, N, C, S in ((50, 1, 20, 10), (100, 8, 30, 20), (600, 3, 30, 60)):
        rng = np.random.default_rng(T)
        lp = log_softmax(rng.standard_normal((T, N, C)))
        targets = rng.integers(1, C, size=(N, S))
        log_p, ok, _ = run_pass("scaled", lp, targets, np.full(N, T), np.full(N, S))
        assert ok.all()
        for n in range(N):
            ref = log_forward_ref(lp[:, n], targets[n], 0)
            assert log_p[n] == pytest.approx(ref, rel=1e-12)


@settings(max_examples=80, deadline=None)
@given(main_tests.any_batch(), st.sampled_from(["ext", "log", "scaled"]))
def test_each_pass_matches_references(batch, which):
    """Each pass alone, where it answers (the extended-exponent fallback and the log-space pass
    always; the scaled one when it certifies), against the scalar log-space reference and
    ctc_trace's occupations."""
    lp, targets, il, tl, blank = batch
    log_p, ok, grad = run_pass(which, lp, targets, il, tl, blank)
    assert_certified_rows_match(batch, log_p, ok, grad, "log_probs")


def assert_certified_rows_match(batch, log_p, ok, grad, wrt: str) -> None:
    """Each row a pass certified (``ok``) against the scalar log-space reference (ln p) and
    ctc_trace (the gradient w.r.t. ``wrt``)."""
    lp, targets, il, tl, blank = batch
    for n in np.nonzero(ok)[0]:
        expected = log_forward_ref(lp[: il[n], n], targets[n, : tl[n]], blank)
        if math.isinf(expected):
            assert log_p[n] == -math.inf
            continue
        assert log_p[n] == pytest.approx(expected, rel=1e-11, abs=1e-11)
        tr = ctc.ctc_trace(lp[: il[n], n], targets[n, : tl[n]], blank=blank)
        ref = tr.grad_logits if wrt == "logits" else tr.grad_log_probs
        np.testing.assert_allclose(grad[: il[n], n], ref, atol=1e-10)


def test_long_far_apart_input_against_scalar_reference():
    """2000 frames, logits 1e3 apart, -1000 offset: ln p far outside a double's exponent range
    when unshifted; loss against the scalar log-space reference, gradient against the numpy
    engine (certified or log-space), and occupations summing to 1 on every frame."""
    rng = np.random.default_rng(5)
    lp = log_softmax(rng.standard_normal((2000, 2, 6)) * 3) - 1000.0
    targets = rng.integers(1, 6, size=(2, 50))
    il, tl = np.array([2000, 1500]), np.array([50, 30])
    expected = [-log_forward_ref(lp[: il[n], n], targets[n, : tl[n]], 0) for n in (0, 1)]
    loss, grad = ctc_numba.ctc_loss_and_grad(lp, targets, il, tl, reduction="none", wrt="log_probs")
    np.testing.assert_allclose(loss, expected, rtol=1e-12)
    np.testing.assert_allclose(ctc_numba.ctc_loss(lp, targets, il, tl, reduction="none"), expected)
    _, ref = ctc.ctc_loss_and_grad(lp, targets, il, tl, reduction="none", wrt="log_probs")
    np.testing.assert_allclose(grad, ref, atol=1e-11)
    np.testing.assert_allclose(grad[:1500].sum(axis=2), -1.0, atol=1e-12)
    assert (grad[1500:, 1] == 0).all()


# ---------------------------------------------------------------------------------------------
# The windowed pass (long inputs): each window of states has its own power-of-two unit.
# ---------------------------------------------------------------------------------------------


@settings(max_examples=80, deadline=None)
@given(main_tests.any_batch(), st.integers(2, 5), st.sampled_from(["logits", "log_probs"]))
def test_windowed_pass_matches_references(batch, window, wrt):
    """Windows of 2-5 states (every edge case of the ghosts: windows of one state, skips across
    an edge, empty windows), where it certifies, against the scalar log-space reference and
    ctc_trace's gradient; where it does not, the public functions still agree (fallback)."""
    lp, targets, il, tl, blank = batch
    log_p, ok, grad = run_pass("windowed", lp, targets, il, tl, blank, wrt=wrt, window=window)
    assert_certified_rows_match(batch, log_p, ok, grad, wrt)


def test_windowed_pass_certifies_long_inputs_the_scaled_one_refuses():
    """1500 frames, S' = 201 (four windows of at most 64), logits of scale 4: alpha's column spans
    far more than a double, so the single-window pass refuses; the windowed one certifies, and
    matches the scalar log-space reference (loss) and the numpy engine (gradient, whose frame
    sums are -1: the occupations of a frame sum to 1)."""
    rng = np.random.default_rng(4)
    lp = log_softmax(rng.standard_normal((1500, 1, 6)) * 4)
    target = rng.integers(1, 6, size=(1, 100))
    _, ok, _ = run_pass("scaled", lp, target, [1500], [100])
    assert not ok[0]
    log_p, ok, grad = run_pass("windowed", lp, target, [1500], [100])
    assert ok[0]
    expected = log_forward_ref(lp[:, 0], target[0], 0)
    assert log_p[0] == pytest.approx(expected, rel=1e-12)
    _, ref = ctc.ctc_loss_and_grad(lp, target, [1500], [100], reduction="none", wrt="log_probs")
    np.testing.assert_allclose(grad, ref, atol=1e-11)
    np.testing.assert_allclose(grad.sum(axis=2), -1.0, atol=1e-12)
    # The public functions (scaled pass, then windowed) give the same.
    loss, g = ctc_numba.ctc_loss_and_grad(lp, target, [1500], [100], reduction="none")
    assert float(loss[0]) == pytest.approx(-expected, rel=1e-12)
    assert float(ctc_numba.ctc_loss(lp, target, [1500], [100], reduction="none")[0]) == (
        pytest.approx(-expected, rel=1e-12)
    )


@pytest.mark.parametrize("window", [2, 3, 4, 5, 64])
def test_windowed_pass_long_uniform_closed_form(window):
    """Uniform y_t(k) = 1/6 over 5000 frames (>= LONG_FRAMES), S = 50, S' = 101 (>= LONG_STATES,
    so the public functions start with the windowed pass): every alignment has probability
    6^-T, loss = T ln 6 - ln C(T + S - R, 2S) (stars and bars, an exact big integer)."""
    n_frames = 5000
    target = [1 + (i * 7) % 5 for i in range(50)]  # 1, 3, 5, 2, 4, ...: no adjacent repeats
    lp = np.full((n_frames, 1, 6), -math.log(6))
    count = main_tests.path_count_closed_form(target, n_frames)
    expected = n_frames * math.log(6) - math.log(count)
    log_p, ok, grad = run_pass("windowed", lp, [target], [n_frames], [50], window=window)
    assert ok[0]
    assert -log_p[0] == pytest.approx(expected, rel=1e-12)
    np.testing.assert_allclose(grad.sum(axis=2), -1.0, atol=1e-12)
    loss = ctc_numba.ctc_loss(lp[:, 0], target, n_frames, 50, reduction="none")
    assert float(loss) == pytest.approx(expected, rel=1e-12)
    loss, g = ctc_numba.ctc_loss_and_grad(
        lp[:, 0], target, n_frames, 50, reduction="none", wrt="log_probs"
    )
    assert float(loss) == pytest.approx(expected, rel=1e-12)
    np.testing.assert_allclose(g, grad[:, 0], atol=1e-12)


@pytest.mark.parametrize("window", [2, 3, 4, 5])
def test_windowed_pass_far_apart_windows(window):
    """The numpy engine's far-apart windows input (frames favouring one class by 27-1093 nats;
    at some frames all the probability sits in one window while its neighbour has units 2^960
    larger): where the windowed pass certifies, loss against the scalar reference and gradient
    against ctc_trace; at window 5 (the numpy engine's failing case) it must certify."""
    lp = main_tests.far_apart_windows_log_probs()
    target = [1, 1, 1, 1]
    log_p, ok, grad = run_pass("windowed", lp[:, None, :], [target], [21], [4], window=window)
    if window == 5:
        assert ok[0]
    if ok[0]:
        assert log_p[0] == pytest.approx(log_forward_ref(lp, target, 0), rel=1e-12)
        tr = ctc.ctc_trace(lp, target)
        np.testing.assert_allclose(grad[:, 0], tr.grad_log_probs, atol=1e-10)


@pytest.mark.parametrize("window", [2, 3, 4, 5])
def test_windowed_pass_subnormal_emission(window):
    """The numpy engine's hand case (classes blank, a, b; target "ab"; 2 frames): the only
    alignment is (a, b), loss = 236.9 + 736.6 = 973.5 by hand, occupations one-hot on it; b's
    emission e^-736.6 is subnormal. Certified only if exact; the reversal input (half of p in
    a prefix 800 nats below the best one) must not be certified."""
    lp = np.array([[-453.1, -236.9, 0.0], [-464.1, 0.0, -736.6]])
    log_p, ok, grad = run_pass("windowed", lp[:, None, :], [[1, 2]], [2], [2], window=window)
    if ok[0]:
        assert -log_p[0] == pytest.approx(236.9 + 736.6, rel=1e-14)
        np.testing.assert_allclose(grad[:, 0], [[0, -1, 0], [0, 0, -1]], atol=1e-12)
    rev = main_tests.reversal_log_probs()
    _, ok, _ = run_pass("windowed", rev[:, None, :], [[1, 2]], [25], [2], window=window)
    assert not ok[0]


@pytest.mark.parametrize("window", [2, 3])
def test_windowed_pass_window_far_behind_its_neighbour(window):
    """Found by a random search on a broken pass. Classes (blank, a, b, c), target "cbab" in 4
    frames: the only alignment is (c, b, a, b), so by hand loss = 165.7 + 486.4 + 311.3 + 0 =
    963.4 and the occupations are one-hot on it. At frame 2 a window sits more than _GAP binades
    below its predecessor: its cells are re-expressed in a larger unit, and the next window must
    read them as ghosts in that unit (reading them in the old one certified a loss of 1045)."""
    lp = np.array(PEAKY["window far behind"][0])  # rows t = 0..3 (classes -, a, b, c)
    one_hot = -np.eye(4)[[3, 2, 1, 2]]
    for wrt in ("log_probs", "logits"):
        log_p, ok, grad = run_pass(
            "windowed", lp[:, None, :], [[3, 2, 1, 2]], [4], [4], wrt=wrt, window=window
        )
        if ok[0]:
            assert -log_p[0] == pytest.approx(963.4, rel=1e-13)
            expected = one_hot + (np.exp(lp) if wrt == "logits" else 0.0)
            np.testing.assert_allclose(grad[:, 0], expected, atol=1e-12)
    assert ok[0] or window == 3


def test_windowed_pass_occupations_in_a_subnormal_window():
    """Found by a random search (windows of 3 states, classes (blank, a), target "aaaaaaaa" in
    15 frames, each frame favouring one class by 4-196 nats): at some frames the window that
    holds nearly all of p has alpha's and beta's largest cells at different states, so its sum
    of alpha beta / y is subnormal in its own unit; aligning it by 2^1041 as one factor gave an
    infinite gradient. Against ctc_trace's occupations and the scalar reference."""
    lp = np.array(
        [
            [0.0, -18.2],
            [-189.6, 0.0],
            [-8.4, 0.0],
            [-116.4, 0.0],
            [0.0, -4.3],
            [-196.4, 0.0],
            [0.0, -124.6],
            [0.0, -71.7],
            [0.0, -134.3],
            [0.0, -122.9],
            [-31.4, 0.0],
            [0.0, -15.6],
            [-34.7, 0.0],
            [-180.0, 0.0],
            [0.0, -41.5],
        ]
    )
    target = [1] * 8
    log_p, ok, grad = run_pass("windowed", lp[:, None, :], [target], [15], [8], window=3)
    assert ok[0]
    assert log_p[0] == pytest.approx(log_forward_ref(lp, target, 0), rel=1e-13)
    np.testing.assert_allclose(grad[:, 0], ctc.ctc_trace(lp, target).grad_log_probs, atol=1e-12)


def test_scaled_pass_occupations_when_a_frame_sum_is_subnormal():
    """Found by a random search (the bug predates the windowed pass). Classes (blank, a, b),
    target "aabbab" in 8 frames: the only alignment is (a, -, a, b, -, b, a, b), so by hand
    loss = 125.5 + 144.7 + 226.5 + 0 + 0 + 55.1 + 163.1 + 169.6 = 884.5 and the occupations are
    one-hot on it. At frame 0, alpha's and beta's largest cells sit at different states, so
    sum_s alpha beta / y is subnormal in the frame's units: 1 / sum overflowed, and the public
    gradient held -inf on a certified loss."""
    lp = np.array(PEAKY["subnormal frame sum"][0])  # rows t = 0..7 (classes -, a, b)
    target = [1, 1, 2, 2, 1, 2]
    one_hot = -np.eye(3)[[1, 0, 1, 2, 0, 2, 1, 2]]
    for which in ("scaled", "windowed"):
        log_p, ok, grad = run_pass(which, lp[:, None, :], [target], [8], [6], window=2)
        if ok[0]:
            assert -log_p[0] == pytest.approx(884.5, rel=1e-13)
            np.testing.assert_allclose(grad[:, 0], one_hot, atol=1e-12)
    loss, grad = ctc_numba.ctc_loss_and_grad(lp, target, 8, 6, reduction="none", wrt="log_probs")
    assert float(loss) == pytest.approx(884.5, rel=1e-13)
    np.testing.assert_allclose(grad, one_hot, atol=1e-12)


def test_docstring_examples_run():
    """The hand-worked examples (p = 0.8, occupations 0.25/0.75 and 0.375/0.625) run."""
    result = doctest.testmod(ctc_numba)
    assert result.attempted >= 4 and result.failed == 0


def test_missing_numba_gives_install_hint():
    code = (
        "import sys; sys.modules['numba'] = None\n"
        "try:\n    import rnnloss_cli.engine.ctc_numba\n"
        "except ImportError as e:\n    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "pip install 'rnnloss[fast]'" in out.stdout


# ---------------------------------------------------------------------------------------------
# The CLI never imports numba
# ---------------------------------------------------------------------------------------------


def test_cli_never_imports_numba():
    code = (
        "import sys\n"
        "import rnnloss_cli.cli.app\n"
        "assert 'numba' not in sys.modules, 'import'\n"
        "from rnnloss_cli.cli import main\n"
        "try:\n"
        "    main(['solve', sys.argv[1]])\n"
        "except SystemExit as e:\n"
        "    assert e.code == 0, e.code\n"
        "assert 'rnnloss_cli.engine.ctc' in sys.modules  # the solve did use the CTC engine\n"
        "print('numba' in sys.modules, 'rnnloss_cli.engine.ctc_numba' in sys.modules)\n"
    )
    problem = str(ROOT / "problems" / "ctc-exact-ab.yaml")
    out = subprocess.run(
        [sys.executable, "-c", code, problem], capture_output=True, text=True, cwd=ROOT
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "False False"


def test_numba_is_what_the_check_would_see():
    """The check above can fail: importing the compiled module does put numba in sys.modules."""
    code = "import sys, rnnloss_cli.engine.ctc_numba; print('numba' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"
    assert math.isfinite(float(ctc_numba.ctc_loss(np.zeros((2, 2)), [1], 2, 1)))


@pytest.mark.parametrize("n_batch", [1, 2])
def test_float32_gradients_have_no_negative_zeros_with_numba_engine(monkeypatch, n_batch):
    """The numpy engine's check (a float64 gradient of about -1e-50 rounds to float32 zero:
    +0, never -0, in printed tables), on the compiled one."""
    from tests.engine import test_ctc_small

    monkeypatch.setattr(test_ctc_small, "ctc_loss_and_grad", ctc_numba.ctc_loss_and_grad)
    test_ctc_small.test_float32_gradients_have_no_negative_zeros(n_batch)
