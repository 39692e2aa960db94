"""The scaled recursion's periodic rescaling and its emission variants (``_ctc_scaled``).

The loss-only pass (and the one-window gradient pass) rescale their columns every ``_RESCALE``
frames only; between rescalings cells grow up to 3^(_RESCALE - 1) times. These tests check the
results against independent references (closed-form path counts, the scalar log-space forward,
``ctc_trace``) with the period forced to every value from 1 to 8 and windows of 2-5 states, and
that an emission block holds a lower/upper pair exactly when an own class's emission is below
the smallest normal double.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rnnloss_cli.engine._ctc_scaled as scaled
import rnnloss_cli.engine.ctc as ctc
from rnnloss_cli.engine.ctc import ctc_loss, ctc_loss_and_grad
from tests.engine.test_ctc import (
    any_batch,
    assert_matches_references,
    forbid_log_space,
    log_forward_ref,
    log_softmax,
    path_count_closed_form,
    reversal_log_probs,
)


@pytest.mark.parametrize("level", [0.0, math.log(2.0), -math.log(6.0)], ids=["0", "ln2", "-ln6"])
@pytest.mark.parametrize("period", [1, 3, 8])
def test_uniform_emissions_closed_form_without_fallback(monkeypatch, period, level):
    """Every class has log y = level, so every emission the recursion reads is the same: exactly
    1 for level 0 (read unshifted: every log-probability <= 0) and for ln 2 (> 0: shifted by the
    frame's largest), 1/6 for -ln 6 (unshifted). With emissions 1 the cells are exact path counts
    times powers of two: a column's sum triples from frame to frame, the largest growth a period
    can see. With T = 1500 a count reaches ~3^1500 (no double holds it without rescaling).
    loss = -T level - ln count, count = C(T + S - R, 2S) (stars and bars, closed form in
    test_ctc). Both passes must certify (no log-space fallback); S' = 41 > 33 keeps the loss
    off the segment path."""
    n_frames = 1500
    target = [1, 2, 2, 3, 1, 4, 5, 5, 1, 2] * 2
    lp = np.full((n_frames, 2, 6), level)
    expected = -n_frames * level - math.log(path_count_closed_form(target, n_frames))
    monkeypatch.setattr(scaled, "_RESCALE", period)
    forbid_log_space(monkeypatch)
    targets = np.array([target, target])
    lengths, tlens = [n_frames, n_frames], [20, 20]
    loss = ctc_loss(lp, targets, lengths, tlens, reduction="none")
    loss_g, grad = ctc_loss_and_grad(lp, targets, lengths, tlens, reduction="none", wrt="log_probs")
    np.testing.assert_allclose(loss, expected, rtol=1e-12)
    np.testing.assert_allclose(loss_g, expected, rtol=1e-12)
    # Every frame's class occupations sum to 1 (the gradient w.r.t. log_probs is -gamma).
    np.testing.assert_allclose(grad.sum(axis=2), -1.0, rtol=1e-12)


@settings(max_examples=60, deadline=None)
@given(any_batch(), st.integers(1, 8), st.sampled_from([None, 2, 3, 5]))
def test_any_rescale_period_matches_references(batch, period, window):
    """Any period (1 = every frame, as before) and windows of 2-5 states or one window: losses
    of both paths against the scalar log-space forward, gradients against ctc_trace."""
    lp, targets, il, tl, blank = batch
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(scaled, "_RESCALE", period)
        if window is not None:
            mp.setattr(scaled, "WINDOW", window)
            mp.setattr(ctc, "LONG_FRAMES", 0)  # windowed from the first attempt
        loss, g_lp = ctc_loss_and_grad(
            lp, targets, il, tl, blank=blank, reduction="none", wrt="log_probs"
        )
        loss_only = ctc_loss(lp, targets, il, tl, blank=blank, reduction="none")
    assert_matches_references(batch, loss, loss_only, g_lp)


def test_long_windowed_loss_between_rescalings(monkeypatch):
    """Loss only, windowed (6-state windows) over 3000 peaky frames: ghosts carry probability
    between windows on frames with no rescaling; must certify and match the scalar reference."""
    rng = np.random.default_rng(5)
    lp = log_softmax(rng.standard_normal((3000, 1, 8)) * 4)
    target = list(rng.integers(1, 8, size=25))
    expected = -log_forward_ref(lp[:, 0], target, 0)
    monkeypatch.setattr(scaled, "WINDOW", 6)
    monkeypatch.setattr(ctc, "LONG_FRAMES", 0)
    forbid_log_space(monkeypatch)
    assert ctc_loss(lp, [target], [3000], [25], reduction="none")[0] == pytest.approx(
        expected, rel=1e-12
    )


def _emissions(lp: np.ndarray, windowed: bool) -> tuple[scaled.Emissions, scaled.Layout]:
    ext = ctc._extend(np.array([[1, 2]]), np.array([2]), 0)
    lay = scaled.Layout(ext, windowed)
    return scaled.Emissions(lp[:, None, :], ext, lay, lower=True), lay


@pytest.mark.parametrize("windowed", [False, True])
def test_loss_emissions_pair_only_for_subnormal_own_class(monkeypatch, windowed):
    """Classes (blank, a, b, c), target "ab". Block 1 (frames 0-1): every own class within 30 nats
    of the frame's largest: one column, read by both variants. Block 2 (frames 2-3): frame 3's
    b sits 737 nats below a (e^-737 is a subnormal double): a (lower, upper) pair where the lower
    variant reads 0 and the upper one the smallest normal double, everything else equal. Class c
    is not the sequence's own: its e^-900 (it underflows to 0) must not force a pair."""
    monkeypatch.setattr(scaled, "_BLOCK", 2)
    lp = np.array(
        [
            [-1.0, -2.0, -30.0, -900.0],
            [-3.0, -1.0, -2.0, -900.0],
            [-1.0, -1.0, -1.0, -900.0],
            [-20.0, 0.0, -737.0, -900.0],
        ]
    )
    emis, lay = _emissions(lp, windowed)
    b_cells = lay.labels == 2
    for t in (0, 1):
        y = emis.frame(t)
        assert y.shape == (lay.size,)
        np.testing.assert_allclose(y[b_cells], np.exp(lp[t, 2] - lp[t, :3].max()))
    pair = emis.frame(3)
    assert pair.shape == (2, lay.size)
    lower, upper = pair
    assert (lower[b_cells] == 0.0).all()
    assert (upper[b_cells] == np.finfo(np.float64).tiny).all()
    np.testing.assert_array_equal(lower[~b_cells], upper[~b_cells])
    np.testing.assert_allclose(emis.frame(2)[1][b_cells], 1.0)


def test_windowed_gradient_between_rescalings(monkeypatch):
    """Loss and gradient with windows of 17 states (S' = 81: five windows, a rescaling every
    min(8, (17 - 1) // 2) = 8 frames) over 600 peaky frames: cells fed through ghosts between
    two rescalings. Must certify (no fallback), and match the scalar log-space forward and the
    gradient of ctc_trace."""
    rng = np.random.default_rng(11)
    lp = log_softmax(rng.standard_normal((600, 2, 9)) * 3)
    targets = rng.integers(1, 9, size=(2, 40))
    lengths, tlens = [600, 550], [40, 37]
    monkeypatch.setattr(scaled, "WINDOW", 17)
    monkeypatch.setattr(ctc, "LONG_FRAMES", 0)
    expected = [-log_forward_ref(lp[: lengths[n], n], targets[n, : tlens[n]], 0) for n in (0, 1)]
    traces = [ctc.ctc_trace(lp[: lengths[n], n], targets[n, : tlens[n]]) for n in (0, 1)]
    ext = ctc._extend(targets, np.array(tlens), 0)
    assert scaled.rescale_every(scaled.Layout(ext, True), scaled._RESCALE) == 8
    forbid_log_space(monkeypatch)
    loss, grad = ctc_loss_and_grad(lp, targets, lengths, tlens, reduction="none", wrt="log_probs")
    np.testing.assert_allclose(loss, expected, rtol=1e-12)
    for n in (0, 1):
        np.testing.assert_allclose(grad[: lengths[n], n], traces[n].grad_log_probs, atol=1e-10)


def test_windowed_gradient_sequence_starting_mid_pass(monkeypatch):
    """The backward pass takes in sequence 1 at its last frame (549, between two rescalings).
    Its end states 33 and 34 straddle windows 1 and 2 (17 states each), so from its first
    backward step on, state 32 of window 1 reads state 34 through a ghost of window 2: the ghost
    factor of a newly active row must exist right away, not from the next rescaling on."""
    rng = np.random.default_rng(12)
    lp = log_softmax(rng.standard_normal((600, 2, 9)))
    targets = rng.integers(1, 9, size=(2, 40))
    targets[1, :17] = np.arange(17) % 8 + 1  # no repeats: every skip allowed
    lengths, tlens = [600, 550], [40, 17]
    monkeypatch.setattr(scaled, "WINDOW", 17)
    monkeypatch.setattr(ctc, "LONG_FRAMES", 0)
    traces = [ctc.ctc_trace(lp[: lengths[n], n], targets[n, : tlens[n]]) for n in (0, 1)]
    forbid_log_space(monkeypatch)
    loss, grad = ctc_loss_and_grad(lp, targets, lengths, tlens, reduction="none", wrt="log_probs")
    for n in (0, 1):
        assert loss[n] == pytest.approx(traces[n].loss, rel=1e-12)
        np.testing.assert_allclose(grad[: lengths[n], n], traces[n].grad_log_probs, atol=1e-10)


# Peaky inputs the numba kernels' random search found (tests/engine/test_ctc_numba.py), run
# through this engine's scaled recursion (the short paths turned off), with one window and with
# windows of 2 and 3 states. Each has one alignment, so by hand its loss is the sum of the
# log-probabilities it leaves out and its occupations are one-hot on it:
# - classes (-, a, b), target "aabbab", 8 frames: only (a, -, a, b, -, b, a, b), loss 125.5 +
#   144.7 + 226.5 + 0 + 0 + 55.1 + 163.1 + 169.6 = 884.5 (a frame's sum of alpha beta / y is
#   subnormal in its units: the numba kernel's gradient held -inf there);
# - classes (-, a, b, c), target "cbab", 4 frames: only (c, b, a, b), loss 165.7 + 486.4 +
#   311.3 + 0 = 963.4 (a window far below its neighbour).
PEAKY = {
    "subnormal frame sum": (
        [
            [0.0, -125.5, -144.8],
            [-144.7, -74.7, 0.0],
            [0.0, -226.5, -114.4],
            [-143.1, -90.4, 0.0],
            [0.0, -80.6, -92.1],
            [-64.1, 0.0, -55.1],
            [-183.6, -163.1, 0.0],
            [-219.3, 0.0, -169.6],
        ],
        [1, 1, 2, 2, 1, 2],
        [1, 0, 1, 2, 0, 2, 1, 2],
        884.5,
    ),
    "window far behind": (
        [
            [0.0, -40.1, -227.9, -165.7],
            [0.0, -294.6, -486.4, -214.3],
            [-707.6, -311.3, -92.0, 0.0],
            [-258.1, -131.6, 0.0, -946.5],
        ],
        [3, 2, 1, 2],
        [3, 2, 1, 2],
        963.4,
    ),
}


@pytest.mark.parametrize("case", sorted(PEAKY))
@pytest.mark.parametrize("window", [None, 2, 3])
def test_peaky_single_alignment_inputs(monkeypatch, case, window):
    """Whichever pass certifies (or the log-space one, when none can), the hand-worked loss and
    one-hot occupations come out."""
    from rnnloss_cli.engine import _ctc_small

    rows, target, path, expected = PEAKY[case]
    lp = np.array(rows)
    monkeypatch.setattr(_ctc_small, "SMALL_MAX_FRAMES", 0)
    monkeypatch.setattr(_ctc_small, "SINGLE_MAX_FRAMES", 0)
    if window is not None:
        monkeypatch.setattr(scaled, "WINDOW", window)
        monkeypatch.setattr(ctc, "LONG_FRAMES", 0)  # windowed from the first attempt
    n = len(rows)
    loss, grad = ctc_loss_and_grad(lp, target, n, len(target), reduction="none", wrt="log_probs")
    assert float(loss) == pytest.approx(expected, rel=1e-13)
    assert float(ctc_loss(lp, target, n, len(target), reduction="none")) == pytest.approx(
        expected, rel=1e-13
    )
    np.testing.assert_allclose(grad, -np.eye(lp.shape[1])[path], atol=1e-12)


# ---------------------------------------------------------------------------------------------
# Gradient pass in segments: checkpoint columns, the frames between them recomputed
# ---------------------------------------------------------------------------------------------


@settings(max_examples=80, deadline=None)
@given(
    any_batch(),
    st.integers(1, 8),
    st.sampled_from([None, 2, 3, 5]),
    st.integers(1, 4),
)
def test_segmented_gradient_pass_is_bit_for_bit_the_whole_one(batch, period, window, align):
    """With every forward column kept, and with one column kept every ~sqrt(T) frames (segments
    of multiples of 1-4 frames) and the rest recomputed for the backward pass: the same log p,
    certificate and occupations, bit for bit, for any rescaling period, window and lengths
    (sequences ending inside a segment leave stale cells there, which must not be read)."""
    lp, targets, il, tl, blank = batch
    ext = ctc._extend(np.asarray(targets), np.asarray(tl), blank)
    lengths = np.maximum(np.asarray(il), 1)
    windowed = window is not None
    with pytest.MonkeyPatch.context() as mp:
        if windowed:
            mp.setattr(scaled, "WINDOW", window)
        whole = scaled.scaled(lp, ext, lengths, True, windowed)
        mp.setattr(scaled, "STORE_BYTES", 0)
        mp.setattr(scaled, "SEGMENT_ALIGN", align)
        mp.setattr(scaled, "_RESCALE", period)
        assert scaled.segment_frames(int(lengths.max()), 10) <= lengths.max() ** 0.5 + align
        parts = scaled.scaled(lp, ext, lengths, True, windowed)
        mp.setattr(scaled, "STORE_BYTES", 1 << 60)
        again = scaled.scaled(lp, ext, lengths, True, windowed)
    for got, want in zip(parts, again, strict=True):
        np.testing.assert_array_equal(got, want)
    # the period was patched for parts and again only; whole ran with the default period
    if period == scaled._RESCALE:
        for got, want in zip(parts, whole, strict=True):
            np.testing.assert_array_equal(got, want)


@settings(max_examples=40, deadline=None)
@given(any_batch(), st.sampled_from([None, 2, 3]))
def test_segmented_gradient_pass_matches_references(batch, window):
    """Through ctc_loss_and_grad, segments of 1-2 frames upward: the losses against the scalar
    log-space forward, the gradients against ctc_trace."""
    lp, targets, il, tl, blank = batch
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(scaled, "STORE_BYTES", 0)
        mp.setattr(scaled, "SEGMENT_ALIGN", 1)
        if window is not None:
            mp.setattr(scaled, "WINDOW", window)
            mp.setattr(ctc, "LONG_FRAMES", 0)
        loss, g_lp = ctc_loss_and_grad(
            lp, targets, il, tl, blank=blank, reduction="none", wrt="log_probs"
        )
        loss_only = ctc_loss(lp, targets, il, tl, blank=blank, reduction="none")
    assert_matches_references(batch, loss, loss_only, g_lp)


def test_segments_keep_the_gradient_pass_memory_near_sqrt_frames():
    """(20000 frames, S' = 2001, 4 sequences): 20000 columns of 66 kB would be 1.3 GB; in
    segments of 192 frames (64 * ceil(sqrt(20000) / 64)), the 104 checkpoints and one segment
    take 296 columns, 19.7 MB."""
    assert scaled.segment_frames(20000, 4 * 2080 + 2) == 192
    assert scaled.segment_frames(500, 32 * 123 + 2) == 500  # 15.7 MB: kept whole


@pytest.mark.parametrize("seed", range(4))
def test_segment_starting_between_two_rescalings(monkeypatch, seed):
    """S' = 11 in two windows of 6 states rescales every 2nd frame ((6 - 1) // 2); segments
    of 5 frames (sqrt(25)) start at frames 5, 10, 15 and 20, two of them odd, between
    rescalings: the ghost factors in force there come from the checkpoint's offsets, and the
    segmented pass must give the whole pass's bits."""
    rng = np.random.default_rng(seed)
    lp = log_softmax(rng.standard_normal((25, 2, 5)))
    ext = ctc._extend(np.array([[1, 2, 3, 4, 1], [2, 2, 3, 1, 4]]), np.array([5, 5]), 0)
    lengths = np.array([25, 23])
    monkeypatch.setattr(scaled, "WINDOW", 6)
    assert scaled.rescale_every(scaled.Layout(ext, True), scaled._RESCALE) == 2
    whole = scaled.scaled(lp, ext, lengths, True, True)
    monkeypatch.setattr(scaled, "STORE_BYTES", 0)
    monkeypatch.setattr(scaled, "SEGMENT_ALIGN", 1)
    assert scaled.segment_frames(25, 10) == 5
    for got, want in zip(scaled.scaled(lp, ext, lengths, True, True), whole, strict=True):
        np.testing.assert_array_equal(got, want)


@settings(max_examples=60, deadline=None)
@given(any_batch(), st.integers(1, 3), st.integers(1, 60))
def test_log_space_gradient_in_segments_is_the_whole_tables(batch, align, block_cells):
    """The log-space gradient pass (the last fallback) holds its log alpha for one segment
    of frames at a time, and log beta and the emissions for one block of frames: ln p and the
    occupations equal, bit for bit, those of the whole tables (_log_forward_backward,
    _log_occupation, _scatter_classes), in segments of ~sqrt(T) frames (multiples of 1-3) and
    in one, in blocks of one frame upward (_OCC_BLOCK_CELLS 1-60 cells)."""
    lp, targets, il, tl, blank = batch
    ext = ctc._extend(np.asarray(targets), np.asarray(tl), blank)
    lengths = np.asarray(il)
    n_classes = lp.shape[2]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        log_p, la, lb, lpe = ctc._log_forward_backward(lp, ext, lengths, True)
        occ = ctc._log_occupation(la, lb, lpe)
    want = ctc._scatter_classes(occ, scaled.state_classes(ext), n_classes)
    with pytest.MonkeyPatch.context() as mp:
        whole = ctc._log_gamma(lp, ext, lengths, n_classes)
        mp.setattr(scaled, "STORE_BYTES", 0)
        mp.setattr(scaled, "SEGMENT_ALIGN", align)
        mp.setattr(ctc, "_OCC_BLOCK_CELLS", block_cells)
        parts = ctc._log_gamma(lp, ext, lengths, n_classes)
    for got in (whole, parts):
        np.testing.assert_array_equal(got[0], log_p)
        np.testing.assert_array_equal(got[1], want)


@settings(max_examples=30, deadline=None)
@given(any_batch())
def test_log_space_fallback_in_segments_matches_references(batch):
    """Every sequence sent to the log-space gradient pass (the scaled pass made to certify
    none), in segments of 1-2 frames upward: losses against the scalar log-space forward,
    gradients against ctc_trace."""
    lp, targets, il, tl, blank = batch

    def certify_none(lp_, ext, lengths, need_grad, windowed):
        log_p, ok, gamma = scaled.scaled(lp_, ext, lengths, need_grad, windowed)
        return log_p, np.zeros_like(ok), gamma

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(ctc, "scaled", certify_none)
        mp.setattr(ctc, "small_pass", lambda lp_, ext, eff, todo, *rest: todo)
        mp.setattr(scaled, "STORE_BYTES", 0)
        mp.setattr(scaled, "SEGMENT_ALIGN", 1)
        loss, g_lp = ctc_loss_and_grad(
            lp, targets, il, tl, blank=blank, reduction="none", wrt="log_probs"
        )
        loss_only = ctc_loss(lp, targets, il, tl, blank=blank, reduction="none")
    assert_matches_references(batch, loss, loss_only, g_lp)


def test_loss_pass_with_narrow_windows_rescales_before_a_ghost_can_cross_them(monkeypatch):
    """Loss only, 8-state windows (13 of them for S' = 101), peaky logits: between two
    rescalings probability entering a window through a ghost (up to 2^_GAP of its units) must
    not cross it into the next ghost (2^(2 _GAP) overflows), so the loss pass rescales every
    (span - 1) // 2 = 3 frames, as the gradient pass does. Rescaling every 8th frame, the
    lower variant overflowed to NaN by frame 51, and only the retry with a rescaling every
    frame certified these sequences."""
    rng = np.random.default_rng(3)
    lp = log_softmax(rng.standard_normal((200, 2, 10)) * 2)
    targets = rng.integers(1, 10, size=(2, 50))
    monkeypatch.setattr(scaled, "WINDOW", 8)
    ext = ctc._extend(targets, np.array([50, 50]), 0)
    log_p, ok = scaled.scaled_loss(lp, ext, np.array([200, 200]), True, scaled._RESCALE)
    assert ok.all()
    for n in (0, 1):
        assert -log_p[n] == pytest.approx(-log_forward_ref(lp[:, n], targets[n], 0), rel=1e-12)


@pytest.mark.parametrize("need_grad", [False, True])
def test_every_frame_retry_only_for_a_margin_within_reach(monkeypatch, need_grad):
    """The windowed attempt retries a row with a rescaling every frame only when its margin is
    at most RETRY_MAX_NATS (40). On the reversal input the loss pass misses by 92.6 nats
    (ln p_upper - ln p_lower) and goes straight to log space; the gradient pass misses by 22.7
    (ln E / W) and is retried. Either way the result is the log-space one."""
    periods = []
    for name in ("scaled_loss", "scaled_loss_grad"):
        real = getattr(scaled, name)

        def spy(*args, real=real, **kwargs):
            periods.append(args[4] if len(args) > 4 else kwargs.get("period", 1))
            return real(*args, **kwargs)

        monkeypatch.setattr(scaled, name, spy)
    monkeypatch.setattr(ctc, "LONG_FRAMES", 0)  # windowed from the first attempt
    lp = reversal_log_probs()[:, None, :]
    expected = -log_forward_ref(lp[:, 0], [1, 2], 0)
    fn = ctc_loss_and_grad if need_grad else ctc_loss
    out = fn(lp, [[1, 2]], [25], [2], reduction="none")
    loss = out[0] if need_grad else out
    assert loss[0] == pytest.approx(expected, rel=1e-12)
    assert periods == ([scaled._RESCALE, 1] if need_grad else [scaled._RESCALE])
    periods.clear()
    monkeypatch.setattr(scaled, "RETRY_MAX_NATS", 100.0)
    fn(lp, [[1, 2]], [25], [2], reduction="none")
    assert periods == [scaled._RESCALE, 1]
