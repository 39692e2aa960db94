"""Loss-only CTC for long inputs with few states: segment transfer matrices (fewer Python steps).

Private to :mod:`rnnloss_cli.engine.ctc`. The forward recursion is linear,
``alpha_t = D_t A alpha_{t-1}`` with ``D_t = diag(y_t(l'_s))`` and A the (S' x S') transition
matrix (s <- s, s-1, and s-2 when the skip is allowed). Cut frames 1..L-1 into segments of F
frames; the segment's transfer matrix ``P_k = D_{t+F-1} A ... D_t A`` is computed for K segments
at once by running the recursion on the K x S' unit vectors side by side (one numpy call per
step for all of them), so a sequence of L frames takes about L / K + F vectorised steps instead
of L. Then ``alpha_end = P_last ... P_1 alpha_0``, applied segment by segment to one vector.

Scaling and certificate are those of :mod:`rnnloss_cli.engine._ctc_scaled`: every column of
every P_k and the carried vector are divided by powers of two after each step (offsets kept as
integers), a "lower" variant lets cells vanish and an "upper" one raises them to ``FLOOR`` (and
rounds vanishing weights up to ``FLOOR``), so p_lower <= p <= p_upper; the result is accepted when
ln p_upper - ln p_lower <= ``CERTIFY``. First, a sequence none of whose alignments avoids the
emissions that are exactly 0 gets ln p = -inf at once (``_ctc_reach``: p is exactly 0). Memory:
O(K * F * S' + K * S'^2) per sequence, independent of L.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from rnnloss_cli.engine._ctc_reach import has_alignment
from rnnloss_cli.engine._ctc_scaled import CERTIFY, FLOOR

# Frames per segment and segments per group (K * F = 16384 frames of emissions at a time).
SEGMENT = 64
GROUP = 256
_LN2 = math.log(2.0)


def _emissions(
    lp: NDArray[np.float64], labels: NDArray[np.int64], own: NDArray[np.int64]
) -> tuple[np.ndarray, np.ndarray]:
    """exp(lp[:, labels] - m_t), (frames, S'), and m_t (frames,), the max over own classes."""
    m = lp[:, own].max(axis=1)
    m[~np.isfinite(m)] = 0.0
    with np.errstate(under="ignore"):
        return np.exp(lp[:, labels] - m[:, None]), m


def _step(
    x: np.ndarray, y: np.ndarray, skip: np.ndarray, floor: np.ndarray, off: np.ndarray
) -> None:
    """One frame in place on x (variant, segment, state s, start j), then floor and rescale.

    off (variant, segment, j) holds the integer log2 offset of every column; floor (S', S') is
    FLOOR where s >= j and 0 where no path leads (s < j: CTC never moves back), so the upper
    variant does not invent backward moves.
    """
    prev = x.copy()
    x[:, :, 1:] += prev[:, :, :-1]
    x[:, :, 2:] += prev[:, :, :-2] * skip
    x *= y
    np.maximum(x[1], floor, out=x[1])
    e = np.frexp(x.sum(axis=2, keepdims=True))[1]
    off += e[:, :, 0]
    np.ldexp(x, -e, out=x)


def _transfer(ys: np.ndarray, ms: np.ndarray, skip_col: np.ndarray) -> np.ndarray:
    """ln P for k segments of F frames: ys (k, F, S') emissions, ms (k, F) shifts.

    Returns (2, k, S', S'): ln P[v, k, s, j], lower (v = 0) and upper (v = 1) variants.
    """
    k, n_steps, n_states = ys.shape
    x = np.broadcast_to(np.eye(n_states), (2, k, n_states, n_states)).copy()
    off = np.zeros((2, k, n_states), dtype=np.int64)
    floor = np.tril(np.full((n_states, n_states), FLOOR))
    for tau in range(n_steps):
        _step(x, ys[:, tau, :, None], skip_col, floor, off)
    log_x = np.log(x)
    with np.errstate(over="ignore"):  # past the float range: -inf, as the shift sums
        log_x += (_LN2 * off + ms.sum(axis=1)[None, :, None])[:, :, None, :]
    return log_x


def segment_loss(
    lp: NDArray[np.float64],
    labels: NDArray[np.int64],
    skip: NDArray[np.bool_],
    own: NDArray[np.int64],
) -> tuple[float, bool]:
    """(ln p, certified) for one sequence: lp (L, C) with L >= 1, labels/skip (S',)."""
    if not has_alignment(lp, labels, skip):
        # p is exactly 0 (every alignment has an emission of exactly 0): the lower variant
        # would be 0 and the upper one's floors positive, never certified. ~40 ms at 10^6
        # frames, against ~2 s for the pass.
        return -math.inf, True
    n_frames = lp.shape[0]
    n_states = labels.shape[0]
    skip_col = skip[2:].astype(np.float64)[:, None]
    with np.errstate(under="ignore", over="ignore", divide="ignore", invalid="ignore"):
        log_alpha = np.full((2, n_states), -np.inf)
        first = min(2, n_states)
        log_alpha[:, :first] = lp[0, labels[:first]]
        t = 1
        while t < n_frames:
            n_seg = (n_frames - t) // SEGMENT
            if n_seg:
                k = min(GROUP, n_seg)
                steps = SEGMENT
            else:
                k, steps = 1, n_frames - t  # the last, shorter segment
            ys, ms = _emissions(lp[t : t + k * steps], labels, own)
            log_p_mats = _transfer(ys.reshape(k, steps, n_states), ms.reshape(k, steps), skip_col)
            for j in range(k):
                # ln alpha <- ln (P_j alpha), per variant, as a log-sum-exp over start states.
                a = log_p_mats[:, j] + log_alpha[:, None, :]
                top = a.max(axis=2)
                top[~np.isfinite(top)] = 0.0
                log_alpha = np.log(np.exp(a - top[:, :, None]).sum(axis=2)) + top
            t += k * steps
        last = n_states - 1
        ends = log_alpha[:, last]
        if last >= 1:
            ends = np.logaddexp(ends, log_alpha[:, last - 1])
        gap = ends[1] - ends[0]  # NaN when both are -inf: not certified, the caller decides
    return float(ends[1]), bool(gap <= CERTIFY)
