"""float32 arithmetic for the loss-only scaled CTC recursion, and its certificate.

Private to :mod:`rnnloss_cli.engine.ctc`. For float32 input the loss-only pass of
``_ctc_scaled`` (``_forward_loss``: a lower and an upper variant side by side) can run its
columns in float32 (``F32``): the per-frame kernel costs about 0.5-0.65 of the float64 one. Two
things change against float64: the range (a window holds ~87 nats between its sum and its floor,
so ``F32`` has its own floor, gap and largest upscale), and rounding (u = 2^-24 per operation,
no longer negligible). The result of a row is kept only when this module certifies it within
``REL`` (2^-21) of the exact loss, relative; every other row is recomputed by the float64 path.

The bound (exact p, computed upper and lower results p_U and p_L, gap = ln p_U - ln p_L).
Every quantity of the recursion is a sum of products of non-negative terms. Per frame a state
cell takes, in float32: one addition prev(s) + prev(s-1), the s-2 term times skip (0 or 1:
exact), one addition of it, one product with the emission; the emission itself is exp(lp - m_t)
computed in float64 (relative error e <= 2^-53 (|lp - m_t| + 8) <= 2^-46 for the arguments
above ln of float32's smallest normal, -87.3; below it the upper variant reads that smallest
normal and the lower one 0) and rounded once to float32. So k = 4 roundings a frame, n = 4 T
along any path (frame 0: the emission times start, 0 or 1, exact; 3 to spare). Rescalings,
ghost factors and the ``start`` / ``skip`` masks are powers of two or 0 / 1: exact, except
under underflow. A result in the normal range is within a factor (1 +- u) of the exact
operation on the computed operands; additions whose result is subnormal are exact.

- Upper: underflow in a product is raised to FLOOR (= 4 * smallest normal, above any subnormal,
  so above the exact value), every cell and ghost is raised to FLOOR after each scaling, and an
  emission below the smallest normal is raised to it. So, by induction over the frames with the
  recursion's monotonicity, p_U >= rho_- p, rho_- = (1 - u)^n (1 - e)^T.
- Lower: no floors, subnormal emissions read 0, but a product or scaling whose result is
  subnormal is rounded to the nearest multiple of 2^-149, up by at most 2^-150 (in its window's
  units): p_L <= rho_+ (p + sum over those events of 2^-150 W), rho_+ = (1 + u)^n (1 + e)^T,
  W the event cell's weight in p (exact recursion from that cell on). Events: per frame, per
  cell, one at the product with the emission and one at a rescaling, one per ghost copy. At
  each of those three points of frame t every upper cell (ghosts past a sequence's first window
  too) is >= FLOOR, and p_U >= rho_- * (that column propagated exactly), so the weights of each
  point sum to at most p_U / (rho_- FLOOR): sum of events <= 3 T 2^-150 p_U / (rho_- FLOOR) =
  delta p_U / rho_-, delta = 3 T 2^-26.
- Hence ln p - ln p_U <= -ln rho_-, and from p >= p_L / rho_+ - delta p_U / rho_-,
  ln p_U - ln p <= -ln(e^-gap / rho_+ - delta / rho_-).
- float64 tail: the end sum alpha(last) + alpha(second) (one rounding, ``_ends_f64``), ln p =
  ln 2 (expo + e) + ln(mant) + sum_t m_t (T + 4 roundings of 2^-53 on terms bounded by
  sum_t |m_t| + |ln p_U| + 2) and the gap from the same (mant, expo): a slack of
  (T + 8) 2^-52 (sum_t |m_t| + |ln p_U| + 2) + 4 2^-52 (|ln 2 (expo_U - expo_L)| + |ln mant_U|
  + |ln mant_L|), doubled (the gap enters the bound with slope at most 2).

So |ln p_U - ln p| <= B = max(-ln rho_-, -ln(e^-gap / rho_+ - delta / rho_-)) + slack, about
gap + 4.75 T u: a row is kept when B <= REL (|ln p_U| - B) (then B <= REL |ln p|), i.e. when
its loss is more than about 0.6 nats a frame (random logits: 2-4); short or confident rows fall
back, as do rows whose bracket is open (p = 0 rows keep the float64 path's exact reachability
decision).

Range (``F32``): a window's sum is brought into [0.5, 1) at each rescaling and grows at most 3x
a frame until the next (every ``_RESCALE`` = 8 frames, or fewer with narrow windows), a ghost
holds at most two cells times 2^gap, and a window has at most WINDOW + 2 cells: 2 * 2^100 *
3^7 * 66 = 2^118.2 < 2^128, so nothing overflows with gap = 100; an upscale is at most 2^126
(2^127 is float32's largest power of two; an empty window times it stays 0).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray


@dataclass(frozen=True)
class Arith:
    """The floating format a loss-only pass computes in, and the constants set by its range
    (``_ctc_scaled.F64`` for every pass; ``F32`` for the loss-only pass of float32 input)."""

    dtype: type
    floor: float  # upper variant: cells below it (in their window's units) are raised to it
    tiny: float  # smallest normal: an emission below it is raised to it in the upper variant
    log_tiny: float  # exp(x) >= tiny for x >= this (no emission mask needed)
    gap: int  # largest log2 gap between neighbouring windows' offsets
    raise_max: int  # largest power of two a window is multiplied by in one rescaling
    window: int  # states per window in a windowed pass


_TINY32 = float(np.finfo(np.float32).tiny)  # 2^-126
F32 = Arith(
    dtype=np.float32,
    floor=4.0 * _TINY32,  # 2^-124
    tiny=_TINY32,
    log_tiny=-87.0,  # ln 2^-126 = -87.34
    gap=100,  # see the module docstring: 2^118.2 < 2^128
    raise_max=126,
    window=64,
)
# A float32 result is kept when its certified error is at most this fraction of |ln p|.
REL = 2.0**-21
_U = 2.0**-24  # float32 unit roundoff
_E = 2.0**-46  # relative error of a float64 emission exp(lp - m), |lp - m| <= 88
_ROUND_PER_FRAME = 4
_EVENTS_PER_FRAME = 3  # subnormal round-ups of the lower variant: product, rescaling, ghost
_EPS64 = 2.0**-52


def error_bound(
    mant: NDArray[np.float64],
    expo: NDArray[np.int64],
    log_p_upper: NDArray[np.float64],
    shift_abs: NDArray[np.float64],
    lengths: NDArray[np.int64],
) -> NDArray[np.float64]:
    """B per row: |ln p_upper - ln p| <= B (nats), from (mant, expo) of the lower (row 0) and
    upper (row 1) variants, ln p_upper, sum_t |m_t| and the rows' frames (module docstring)."""
    t = lengths.astype(np.float64)
    n = _ROUND_PER_FRAME * t
    log_rho_minus = n * math.log1p(-_U) + t * math.log1p(-_E)
    log_rho_plus = n * math.log1p(_U) + t * math.log1p(_E)
    delta = _EVENTS_PER_FRAME * t * 2.0**-150 / F32.floor
    m, e = np.frexp(mant)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        log_m = np.log(m)
        gap = math.log(2.0) * (expo[1] + e[1] - expo[0] - e[0]) + log_m[1] - log_m[0]
        below = -log_rho_minus
        arg = np.exp(-gap - log_rho_plus) - delta * np.exp(-log_rho_minus)
        above = np.where(arg > 0.0, -np.log(arg), np.inf)
        scale = np.abs(math.log(2.0) * (expo[1] + e[1] - expo[0] - e[0]))
        gap_err = 4.0 * _EPS64 * (scale + np.abs(log_m[1]) + np.abs(log_m[0]))
        slack = (t + 8.0) * _EPS64 * (shift_abs + np.abs(log_p_upper) + 2.0) + 2.0 * gap_err
        bound = (np.maximum(below, above) + slack) * (1.0 + 2.0**-40)
    return np.where(np.isnan(bound), np.inf, bound)


def certified(bound: NDArray[np.float64], log_p_upper: NDArray[np.float64]) -> NDArray[np.bool_]:
    """Rows whose bound B gives |ln p_upper - ln p| <= REL |ln p|: B <= REL (|ln p_upper| - B)."""
    with np.errstate(invalid="ignore"):
        return np.isfinite(log_p_upper) & (bound * (1.0 + REL) <= REL * np.abs(log_p_upper))
