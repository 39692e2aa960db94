"""Emissions that are exactly 0 (ln y = -inf) on the scaled and segment CTC paths.

When every alignment meets an exact zero, p(l|x) = 0 exactly; the scaled pass's lower variant is
0 but its upper variant keeps floors, so the bracket stayed open and the sequence went to the
log-space pass (12 s of a 10^6-frame ``rnnloss solve``). ``_ctc_reach.has_alignment`` decides
p = 0 with a boolean recursion. References here: brute-force enumeration of every C^T label
sequence (``test_ctc.brute_force_prob``), the scalar log-space forward, and cases worked by
hand in comments; the log-space passes are made to raise (``forbid_log_space``), so a test
sees the scaled (or segment) pass certify.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rnnloss_cli.engine._ctc_scaled as scaled
import rnnloss_cli.engine._ctc_small as small
import rnnloss_cli.engine.ctc as ctc
from rnnloss_cli.engine._ctc_reach import has_alignment
from rnnloss_cli.engine.ctc import ctc_loss
from tests.engine.test_ctc import brute_force_prob, forbid_log_space, log_forward_ref


def _scaled_only(monkeypatch, windowed: bool) -> None:
    """Short inputs off the small and segment passes, the log-space passes raising."""
    monkeypatch.setattr(small, "SMALL_MAX_FRAMES", 0)
    monkeypatch.setattr(small, "SINGLE_MAX_FRAMES", 0)
    monkeypatch.setattr(ctc, "SEGMENT_MIN_FRAMES", 10**9)
    if windowed:
        monkeypatch.setattr(scaled, "WINDOW", 2)
        monkeypatch.setattr(ctc, "LONG_FRAMES", 0)
    forbid_log_space(monkeypatch)


@st.composite
def zero_problems(draw):
    """(probs (T, 3), target): rows with some entries exactly 0, then renormalised; T <= 6
    frames of 3 classes (729 label sequences to enumerate)."""
    n_frames = draw(st.integers(1, 6))
    target = draw(st.lists(st.integers(1, 2), min_size=1, max_size=3))
    rows = []
    for _ in range(n_frames):
        weights = draw(st.lists(st.integers(0, 9), min_size=3, max_size=3))
        if sum(weights) == 0:
            weights[draw(st.integers(0, 2))] = 1
        rows.append([w / sum(weights) for w in weights])
    return np.array(rows), target


@settings(max_examples=150, deadline=None)
@given(zero_problems(), st.booleans(), st.booleans())
def test_zero_emissions_match_brute_force_on_the_scaled_path(case, windowed, seg):
    """The scaled pass (or, with ``seg``, the segment pass) certifies every case, p = 0 ones
    too, and the loss is -ln of the enumerated p (inf when it is 0)."""
    probs, target = case
    with pytest.MonkeyPatch.context() as m:
        _scaled_only(m, windowed)
        if seg:
            m.setattr(ctc, "SEGMENT_MIN_FRAMES", 1)
        with np.errstate(divide="ignore"):
            lp = np.log(probs)
        loss = float(ctc_loss(lp, target, len(probs), len(target), reduction="sum"))
    prob = brute_force_prob(probs, target, 0)
    if prob == 0.0:
        assert loss == math.inf
    else:
        assert loss == pytest.approx(-math.log(prob), rel=1e-12)


@settings(max_examples=150, deadline=None)
@given(zero_problems())
def test_has_alignment_is_whether_the_enumerated_p_is_positive(case):
    probs, target = case
    ext = [0]
    for k in target:
        ext += [k, 0]
    labels = np.array(ext)
    skip = np.array([s >= 2 and ext[s] != 0 and ext[s] != ext[s - 2] for s in range(len(ext))])
    with np.errstate(divide="ignore"):
        lp = np.log(probs)
    assert has_alignment(lp, labels, skip) == (brute_force_prob(probs, target, 0) > 0.0)


def _long_case(blank_at_2000: float) -> np.ndarray:
    """5000 frames of 4 classes (blank, A, B, D), target AB. y(A) = 0 from frame 10 on (0-based),
    y(B) = 0 up to frame 4000, and y(blank) = ``blank_at_2000`` at frame 2000 (the rest of
    that frame on D). At frame 2000 an alignment is in a blank, in A or in B; A and B are 0
    there, so with blank_at_2000 = 0 every alignment has a zero factor: p = 0 exactly."""
    probs = np.full((5000, 4), 0.25)
    probs[10:, 1] = 0.0
    probs[10:, 3] = 0.5
    probs[:4001, 2] = 0.0
    probs[:4001, 3] += 0.25
    probs[2000] = [blank_at_2000, 0.0, 0.0, 1.0 - blank_at_2000]
    return probs


@pytest.mark.parametrize("windowed", [False, True])
def test_long_input_with_p_exactly_zero_certifies_without_log_space(monkeypatch, windowed):
    """5000 frames (past LONG_FRAMES: the windowed scaled pass when off the segment pass)."""
    monkeypatch.setattr(ctc, "SEGMENT_MIN_FRAMES", 10**9)
    if windowed:
        monkeypatch.setattr(scaled, "WINDOW", 2)
    forbid_log_space(monkeypatch)
    with np.errstate(divide="ignore"):
        lp = np.log(_long_case(0.0))
    assert float(ctc_loss(lp, [1, 2], 5000, 2, reduction="sum")) == math.inf


def test_long_input_with_p_exactly_zero_on_the_segment_path(monkeypatch):
    forbid_log_space(monkeypatch)
    with np.errstate(divide="ignore"):
        lp = np.log(_long_case(0.0))
    assert float(ctc_loss(lp, [1, 2], 5000, 2, reduction="sum")) == math.inf


def test_long_input_with_a_way_through_is_finite(monkeypatch):
    """The same with y(blank) = 0.5 at frame 2000: an alignment exists (A in frames 0-9,
    blanks, B from frame 4001 on), so p > 0; the loss is the scalar log-space forward's."""
    with np.errstate(divide="ignore"):
        lp = np.log(_long_case(0.5))
    expected = -log_forward_ref(lp, [1, 2], 0)
    assert math.isfinite(expected)
    forbid_log_space(monkeypatch)
    loss = float(ctc_loss(lp, [1, 2], 5000, 2, reduction="sum"))
    assert loss == pytest.approx(expected, rel=1e-12)


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_has_alignment_for_long_targets_matches_the_log_space_forward(data):
    """S' from 3 to 71 (state masks of one to nine bytes, and past 64 bits): p > 0 exactly
    when the scalar log-space forward's ln p is finite (it adds logs of positive numbers, so it
    is -inf only when every alignment meets a -inf)."""
    n_labels = data.draw(st.integers(1, 35))
    target = data.draw(st.lists(st.integers(1, 3), min_size=n_labels, max_size=n_labels))
    n_frames = data.draw(st.integers(1, 2 * n_labels + 6))
    density = data.draw(st.sampled_from([0.0, 0.01, 0.03, 0.1, 0.3]))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    lp = np.where(rng.uniform(size=(n_frames, 4)) < density, -np.inf, math.log(0.25))
    ext = [0]
    for k in target:
        ext += [k, 0]
    skip = np.array([s >= 2 and ext[s] != 0 and ext[s] != ext[s - 2] for s in range(len(ext))])
    expected = math.isfinite(log_forward_ref(lp, target, 0))
    assert has_alignment(lp, np.array(ext), skip) == expected


@pytest.mark.parametrize("windowed", [False, True])
@pytest.mark.parametrize("zero_infinity", [False, True])
def test_gradient_with_p_exactly_zero_certifies_without_log_space(
    monkeypatch, windowed, zero_infinity
):
    """The loss + gradient pass decides p = 0 as the loss-only one does: before, the 5000-frame
    case went through the windowed retry and the log-space pass (5 s at 20000 frames) to
    return what the definition gives at once: loss inf, and on every frame of that sequence a
    NaN gradient (it does not exist; PyTorch returns NaN too) or, with zero_infinity, 0. A
    second sequence of the batch, with a way through, keeps its own finite loss and
    gradient, those of the scalar log-space forward (finite differences of it, below)."""
    from rnnloss_cli.engine.ctc import ctc_loss_and_grad

    monkeypatch.setattr(ctc, "SEGMENT_MIN_FRAMES", 10**9)
    if windowed:
        monkeypatch.setattr(scaled, "WINDOW", 2)
    with np.errstate(divide="ignore"):
        lp = np.stack([np.log(_long_case(0.0)), np.log(_long_case(0.5))], axis=1)
    expected_ok = -log_forward_ref(lp[:, 1], [1, 2], 0)
    forbid_log_space(monkeypatch)
    loss, grad = ctc_loss_and_grad(
        lp, [[1, 2], [1, 2]], [5000, 5000], [2, 2], reduction="none",
        zero_infinity=zero_infinity, wrt="log_probs",
    )  # fmt: skip
    assert loss[0] == (0.0 if zero_infinity else math.inf)
    assert loss[1] == pytest.approx(expected_ok, rel=1e-12)
    if zero_infinity:
        assert (grad[:, 0] == 0.0).all()
    else:
        assert np.isnan(grad[:, 0]).all()
    # d loss / d ln y_t(k) = -gamma_t(k): each frame's occupations sum to 1, and a central
    # difference of the scalar log-space forward at an entry on the path agrees
    assert np.allclose(grad[:, 1].sum(axis=1), -1.0, atol=1e-12)
    t, k, h = 3000, 0, 1e-6
    up, down = lp[:, 1].copy(), lp[:, 1].copy()
    up[t, k] += h
    down[t, k] -= h
    fd = (-log_forward_ref(up, [1, 2], 0) + log_forward_ref(down, [1, 2], 0)) / (2 * h)
    assert grad[t, 1, k] == pytest.approx(fd, rel=1e-6, abs=1e-9)
