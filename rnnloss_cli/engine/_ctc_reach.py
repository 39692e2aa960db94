"""Exact zeros: whether any CTC alignment avoids every emission that is exactly 0.

Private to :mod:`rnnloss_cli.engine.ctc` (used by ``_ctc_scaled`` and ``_ctc_segments``).
p(l|x) = sum over alignments pi of prod_t y_t(pi_t) is exactly 0 when every alignment has a
factor y_t(pi_t) = 0 (ln y = -inf), and positive otherwise (a product of positive numbers is
positive, however small a double it rounds to). Which states an alignment can be in is a
boolean recursion with no rounding at all,

    R_1 = {1, 2} & Z_1,    R_t = (R_{t-1} | R_{t-1} + 1 | skip & R_{t-1} + 2) & Z_t,

Z_t the states s with y_t(l'_s) > 0, and p = 0 exactly when R_L holds neither S' nor S' - 1
(1-based). The scaled recursions bracket p between a "lower" and an "upper" variant; when the
lower one is 0 the bracket cannot tell an underflow from an exact 0 (the upper one's floors
keep it positive), and this decides it: p = 0 is certified, ln p = -inf, with no log-space
pass.

Cost: the states are bits of a Python integer (the masks of Z_t made in a few numpy calls);
only frames with an exact zero on one of the sequence's states take a masked step; a run of g
frames without one grows R by min(g, S') unmasked steps (after S' steps it no longer changes),
and the pass stops once R is empty. At 10^6 frames and S' = 7: 0.06 s with no zero, 0.4 s
with a zero in every frame (measured), against 1-2 s for a scaled or segment pass.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray


def _grow(reach: int, skip_bits: int, full: int) -> int:
    """One unmasked step: stay, advance one state, or skip one (where allowed)."""
    return (reach | (reach << 1) | ((reach << 2) & skip_bits)) & full


def _bits(row: NDArray[np.bool_]) -> int:
    """A boolean row as an integer, entry s at bit s."""
    return int.from_bytes(np.packbits(row, bitorder="little").tobytes(), "little")


def _rows_bits(rows: NDArray[np.bool_]) -> list[int]:
    """Each boolean row as an integer (entry s at bit s), in a few numpy calls."""
    if rows.shape[1] <= 64:
        packed = np.zeros((rows.shape[0], 8), dtype=np.uint8)
        packed[:, : -(-rows.shape[1] // 8)] = np.packbits(rows, axis=1, bitorder="little")
        return packed.view("<u8")[:, 0].tolist()
    return [_bits(row) for row in rows]


def has_alignment(
    lp: NDArray[np.float64], labels: NDArray[np.int64], skip: NDArray[np.bool_]
) -> bool:
    """Whether some alignment of ``labels`` (the S' extended labels) over the L frames of
    ``lp`` (L, C), L >= 1, has no emission exactly 0 (ln y = -inf): p > 0 if and only if so.

    ``skip[s]``: state s may be entered from s - 2. A NaN log-probability counts as nonzero
    (the answer is then never "p = 0").
    """
    n_states = int(labels.shape[0])
    full = (1 << n_states) - 1
    skip_bits = _bits(np.asarray(skip, dtype=bool))
    zero = lp[:, labels] == -np.inf  # (L, S')
    masked_np = np.flatnonzero(zero.any(axis=1))
    masked = masked_np.tolist()
    allowed = _rows_bits(~zero[masked_np])
    reach = 0b11 & full  # frame 0 can start in the leading blank or the first label
    t = 0  # the frame R was last computed at
    for m, ok in zip(masked, allowed, strict=True):
        if not reach:
            break
        if m == 0:
            reach &= ok
            continue
        for _ in range(min(m - t - 1, n_states)):
            reach = _grow(reach, skip_bits, full)
        reach = _grow(reach, skip_bits, full) & ok
        t = m
    n_frames = int(lp.shape[0])
    for _ in range(min(n_frames - 1 - t, n_states)):
        if not reach:
            break
        reach = _grow(reach, skip_bits, full)
    ends = 0b11 << (n_states - 2) if n_states >= 2 else 0b1
    return bool(reach & ends)
