"""Scaled-probability CTC recursions (the fast path) and their exactness certificate.

Private to :mod:`rnnloss_cli.engine.ctc`. The forward variables of Graves et al. (2006),

    alpha_t(s) = y_t(l'_s) * (alpha_{t-1}(s) + alpha_{t-1}(s-1) + [skip_s] alpha_{t-1}(s-2)),

and the mirror-image backward ones are kept as *mantissas times powers of two*: the S' states
of a sequence are cut into windows of at most ``WINDOW`` states, and every ``_RESCALE`` frames
(every frame in the windowed gradient pass) each window is divided by the power of two ``2^e``
nearest its sum (``np.frexp``), ``e`` being added to that window's integer *offset*. In between,
a window's sum can at most triple per frame (three predecessors, emissions <= 1), so nothing
overflows. So a column may span any range (a long input's alpha easily
spans thousands of nats between its two ends), only a window must fit a double; the scaling is
exact (no rounding); and ln p = ln 2 * (offset) + ln(mantissa) + sum_t m_t, with m_t the
emission shift (``_Emissions``). The s-1 and s-2 terms that cross into window w are read from
two *ghost* cells in front of it, holding window w-1's last two cells times
``2^(offset_{w-1} - offset_w)`` (the backward pass: window w+1's first two cells, in front of
window w+1, read by window w). Offsets of neighbouring windows are kept within ``_GAP`` (a window
far behind its neighbour is given a larger offset, so its small cells may underflow) so that a
ghost never overflows.

Certificate. Two variants of the recursion bracket p. The "lower" one lets cells below the
smallest normal double vanish (it can only lose probability); the "upper" one raises every cell
below ``FLOOR`` (in its window's units) to ``FLOOR`` (it can only gain). Both run side by side as
the two rows of one array. Loss only: accept when ln p_upper - ln p_lower <= ``CERTIFY``; when
the lower one is 0 and no alignment avoids the emissions that are exactly 0 (``_ctc_reach``, a
boolean recursion), p is exactly 0 and ln p = -inf is accepted (the upper one's floors had kept
the bracket open: a 10^6-frame input went to the log-space pass, 12 s); the gradient pass asks
the same of every row it cannot certify, before any retry (its occupations are then 0).
"Can only gain" must hold for every quantity that can underflow, so the upper variant floors
each cell both before the scaling (a product that underflowed in the frame) and after it (a
floored cell downscaled by a ghost's inflow, or by a sum grown over several frames), floors the
ghosts (a window far below its neighbour), and reads a subnormal emission raised to the
smallest normal, while the lower one reads it as 0 (a subnormal has few significant bits, and a
ghost up to 2^_GAP or a grown cell can make the product normal; shared by both variants, its
error would be invisible).
Gradient: the upper forward and backward give W_t = sum_s alpha_t(s) beta_t(s) / y_t(l'_s) >= p
at every frame t, and cell by cell the upper products exceed the true ones, so the occupations
alpha beta / (y W_t) are off from the true ones by at most 2 (W_t - p) / W_t in total per frame.
W_t - p <= E, a bound on all the floors and raised emissions can add (``_log2_floor_excess``);
accept when E / min_t W_t <= ``CERTIFY``. W_t must lose nothing either: the windows of a frame's
occupations are aligned on its heaviest window with ldexp on the values (a factor
2^(units - top) can be 0 as a double while the window holds nearly all of p).
A sequence not certified is first recomputed with a rescaling every frame (between two
rescalings a window's sum may decay a lot on peaky inputs, and cells far below it vanish
sooner); if that fails too (a -inf log-probability on the likely path, probability that really
sits in cells more than ~700 nats below the largest in their window), the caller recomputes it
with windows, then in log space.

Memory: the loss-only pass keeps two columns per row (O(N * S')), the per-frame shifts
(O(T * N)) and a block of ``_BLOCK`` frames of emissions; the gradient pass stores the forward
mantissas (overwritten by the occupations) of every frame, T x N x S', up to ``STORE_BYTES``,
and above it those of one segment of about sqrt(T) frames plus one checkpoint column per
segment (``segment_frames``), recomputing each segment from its checkpoint for the backward
pass; besides, the input-sized emissions and occupation arrays and a few integers per window
and frame.
"""

from __future__ import annotations

import copy
import math

import numpy as np
from numpy.typing import NDArray

from rnnloss_cli.engine._ctc_checks import _Extended, state_classes, take_rows
from rnnloss_cli.engine._ctc_reach import has_alignment

# Floor of the "upper" recursion (in a window's units): cells below it are raised to it, so that
# recursion only ever over-estimates; the certificate bounds by how much.
FLOOR = 4.0 * np.finfo(np.float64).tiny
# Cells (frames x column) of the occupations summed by class in one take and one reduceat
# (2 MB): per frame, the call overhead dominates narrow columns. Measured, CPU ms of the class
# sums alone, per frame / in blocks: (2000, 16, 30, 100) 22.2 / 15.6, (500, 32, 30, 60)
# 7.7 / 5.5, (1000, 64, 100, 200) 87.5 / 76.4 (blocks of 8 frames; 64 were 85.8: out of cache).
_REDUCE_CELLS = 1 << 18
# Smallest normal double: an emission below it is raised to it in the upper variant.
_TINY = float(np.finfo(np.float64).tiny)
# exp(x) >= _TINY for x >= this (ln _TINY = -708.40): a block of frames whose shifted
# log-probabilities all reach it has no subnormal emission, and skips the masks that find them.
_LOG_TINY = -708.0
# Accept a scaled result when its certified relative error bound is at most this.
CERTIFY = 1e-13
# States per window: a window must fit a double (~1400 nats), a whole column need not.
WINDOW = 64
# Largest log2 gap between neighbouring windows' offsets: a ghost cell (<= 2) times 2^_GAP and
# summed over a window stays far below the largest double (2^1024).
_GAP = 960
# Inputs longer than this many frames start with the windowed recursion; shorter ones start with
# one window per sequence (fewer numpy calls per frame) and use windows only for sequences that
# fail to certify. Measured: at 2000 frames the single-window pass certifies random inputs of
# S' = 201 and costs about 0.6 of the windowed one.
LONG_FRAMES = 4000
# Frames per vectorised exp/gather of the emissions; bounds the loss-only path's memory.
_BLOCK = 64
# Bytes of forward columns the gradient pass keeps whole; above it, it keeps one column every
# segment_frames(...) frames and recomputes the frames in between for the backward pass.
# Measured at (20000, 4, 30, 1000): 1.3 GB of columns cost 0.2 s to map and fill when the
# memory was just freed, and 2.5-3.4 s (as much as the whole pass) when the machine had
# returned it to its host; one more forward pass costs about 0.7 s.
STORE_BYTES = 256 * 2**20
# Segment lengths are multiples of this (the emission blocks), 64 frames at least.
SEGMENT_ALIGN = _BLOCK
_LN2 = math.log(2.0)
# Frames from one rescaling of the columns to the next (loss only, and the one-window gradient
# pass); a rescaling costs about as much as the recursion step itself. Measured (CPU time, loss
# only) at (500, 32, 30, 60): every frame 32 ms, every 4th 22 ms, every 8th 19 ms, never 17 ms.
# A window's sum grows by at most 3^7 = 2^11.1 between two rescalings.
_RESCALE = 8
# A row that fails to certify in the windowed attempt is retried with a rescaling every frame
# only when its margin (ln p_upper - ln p_lower, or ln E / W for the gradient) is at most this
# many nats; past it the log-space pass comes next at once. Measured on 80 random windowed
# batches of peaky logits (scale 2-10, T 300-6000, two seeds): the loss retry certified 8 of
# 221 failed rows, all with margins <= 34.6 nats; the gradient retry 19 of 141, <= 37.3 nats;
# none above. At (100000, 2, 10, 50), logits of scale 2 (margins 48-62 and ~16000 nats), the
# retries cost 3.1 s of a 7.2 s loss.
RETRY_MAX_NATS = 40.0
# Offset given to a window whose cells are all zero (nothing has reached it yet): the clamp then
# puts it _GAP below its neighbour, so the first probability to arrive is not lost to underflow.
_EMPTY = -(2**40)
# Largest power of two a window is multiplied by in one frame (a subnormal sum is left below 1).
_RAISE = 1000
# Sort key of a window with no occupation when aligning a frame's windows (below every offset).
_NONE = -(2**60)


def active_counts(lengths_desc: NDArray[np.int64], n_frames: int) -> NDArray[np.int64]:
    """act[t] = number of sequences with length > t (lengths sorted descending), t in 0..T."""
    return np.searchsorted(-lengths_desc, -np.arange(n_frames + 1), side="left")


class Layout:
    """Flat layout of one trellis column: sequences end to end, each cut into windows.

    A window row is [ghost, ghost, state cells...] (width ``span + 2``); cells past a sequence's
    own S' (padding states) have class -1 and emission 0. Because the rows lie end to end, the
    s-1 and s-2 (or s+1 and s+2) terms of the whole batch are one contiguous slice each: one
    numpy call per term per frame.
    """

    def __init__(self, ext: _Extended, windowed: bool):
        n_batch, n_ext = ext.labels_ext.shape
        n_win = max(1, -(-n_ext // WINDOW)) if windowed else 1
        span = -(-n_ext // n_win)
        self.n_batch, self.n_win, self.span = n_batch, n_win, span
        self.width = span + 2
        self.seq_width = n_win * self.width
        self.rows = n_batch * n_win
        self.size = n_batch * self.seq_width
        s = np.arange(n_ext)
        in_seq = (s // span) * self.width + 2 + s % span
        pos = np.arange(n_batch)[:, None] * self.seq_width + in_seq[None, :]  # (N, S')
        labels = np.full(self.size, -1, dtype=np.int64)
        labels[pos] = state_classes(ext)
        self.labels = labels
        self.skip = np.zeros(self.size)
        self.skip[pos] = ext.skip
        # Backward: s may go to s+2 when s+2 may be entered by a skip.
        self.skip_next = np.zeros(self.size)
        self.skip_next[pos[:, :-2]] = ext.skip[:, 2:]
        # The floor applies to every state cell (padding states included); ghosts get their own
        # floor (ghost_floor) once they are copied, except in a sequence's first (last) window,
        # into which nothing flows.
        floor = np.full((self.rows, self.width), FLOOR)
        floor[:, :2] = 0.0
        self.floor = floor.reshape(-1)
        self.start = np.zeros(self.size)
        self.start[pos[:, : min(2, n_ext)]] = 1.0
        rows = np.arange(n_batch)
        last = ext.n_states - 1
        second = np.maximum(last - 1, 0)
        self.has_second = last >= 1
        self.last, self.second = pos[rows, last], pos[rows, second]
        self.win_last = rows * n_win + last // span
        self.win_second = rows * n_win + second // span
        self.end = np.zeros(self.size)
        self.end[self.last] = 1.0
        self.end[self.second[self.has_second]] = 1.0
        # Ghosts carry nothing into the first window of a sequence.
        self.not_first = (np.arange(self.rows) % n_win != 0).astype(np.float64)
        self.ghost_floor = FLOOR * self.not_first[1:, None]
        self.gap = _GAP * np.arange(n_win)

    def class_plan(self, n_classes: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(perm, starts, bins): cells sorted by (sequence, class), where each (sequence, class)
        group starts, and its index in an (N * C,) vector; for np.add.reduceat."""
        cells = np.flatnonzero(self.labels >= 0)
        key = (cells // self.seq_width) * n_classes + self.labels[cells]
        order = np.argsort(key, kind="stable")
        perm, key = cells[order], key[order]
        starts = np.flatnonzero(np.concatenate([[True], key[1:] != key[:-1]]))
        return perm, starts, key[starts]


class Emissions:
    """exp(log y - m_t) gathered onto the column layout, computed a block of frames at a time.

    m_t is the largest log-probability among each sequence's own classes (blank and its labels),
    so the largest emission that matters is exactly 1; or 0 for a block whose log-probabilities
    all lie in [ln _TINY, 0] (y <= 1 unshifted, which is all the bounds need); the shifts are
    kept in ``shift``.
    Ghosts and padding states read a zero column, so they never carry probability.

    An emission below the smallest normal double (log y - m_t < -708) is a subnormal with few
    significant bits, and it may multiply a ghost up to 2^_GAP, or a cell grown up to
    3^_RESCALE since the last rescaling: the product is then normal but inexact, and if both
    variants shared it the bracket could not see the error. So the upper variant reads such an
    emission raised to the smallest normal (``_TINY``), the lower one reads 0; exact zeros (-inf)
    stay 0. With ``lower`` (the loss-only pass), a block of frames where this happens to an own
    class gives a (2, size) pair per frame (lower, upper); any other block, one (size,) column
    that both variants read.
    """

    def __init__(
        self,
        lp: NDArray[np.float64],
        ext: _Extended,
        layout: Layout,
        keep: bool = False,
        lower: bool = False,
    ):
        self.lp = lp
        n_frames, n_batch, n_classes = lp.shape
        width = n_batch * n_classes
        seq = np.arange(layout.size) // layout.seq_width
        labels = layout.labels
        self.idx = np.where(labels >= 0, seq * n_classes + np.maximum(labels, 0), width)
        own = np.zeros((n_batch, n_classes), dtype=bool)
        own[np.nonzero(ext.valid)[0], ext.labels_ext[ext.valid]] = True
        self.own = own
        self.penalty = np.where(own, 0.0, -np.inf)
        self.t0 = self.t1 = 0
        self.lower = lower
        n_var = 2 if self.lower else 1
        self.block = np.empty((0, layout.size))
        self.pair = False
        # keep: exponentiate every frame once (T x N x C, the size of the input) so that a
        # second pass only gathers; otherwise one block of frames at a time.
        self.keep = keep
        rows = n_frames if keep else min(_BLOCK, n_frames)
        self.flat = np.empty((n_var, rows, width + 1))
        self.shift = np.zeros((n_frames, n_batch))
        if keep:
            self._exponentiate(0, n_frames, self.flat)

    def _exponentiate(self, t0: int, t1: int, out: np.ndarray) -> bool:
        """exp(lp - m_t) of frames t0..t1 into out (variants, k, N * C + 1); True when the lower
        and upper variants differ (an own class's emission below _TINY, lower given)."""
        n_batch, n_classes = self.own.shape
        k = t1 - t0
        lpb = self.lp[t0:t1]
        up = out[-1, :k]
        cells = up[:, :-1].reshape(k, n_batch, n_classes)  # a view: used as scratch first
        if lpb.size and lpb.max() <= 0.0 and lpb.min() >= _LOG_TINY:
            # Log-probabilities, none below ln _TINY: y = exp(lp) is at most 1 unshifted
            # (m_t = 0), which is all the bounds need, and no emission is subnormal. Two whole-
            # block reductions instead of the per-frame own-class max, a shift and a min
            # (measured at (64, 32, 30): 90 against 260 us a block).
            np.exp(lpb, out=cells)
            up[:, -1] = 0.0  # the column that ghosts and padding states read
            self.shift[t0:t1] = 0.0
            return False
        # max over the own classes as a plain max after adding 0 / -inf (5x faster than where=).
        m = np.add(lpb, self.penalty, out=cells).max(axis=2)
        m[~np.isfinite(m)] = 0.0
        self.shift[t0:t1] = m
        np.subtract(lpb, m[:, :, None], out=cells)
        up[:, -1] = -np.inf  # the column that ghosts and padding states read
        if cells.min() >= _LOG_TINY:  # (NaN compares False) no emission can fall below _TINY
            with np.errstate(over="ignore"):
                np.exp(up, out=up)  # a class outside the sequence may overflow: never gathered
            return False
        small = up > -np.inf
        with np.errstate(over="ignore", under="ignore"):
            # Classes outside the sequence may overflow here; they are never gathered.
            np.exp(up, out=up)
        below = up < _TINY
        small &= below
        if self.lower:
            # Usually no own class is that far below the frame's largest: then both variants
            # read the same emissions and only one is gathered.
            if not (small[:, :-1].reshape(k, n_batch, n_classes) & self.own).any():
                return False
            np.copyto(out[0, :k], up)
            np.putmask(out[0, :k], below, 0.0)
        np.putmask(up, small, _TINY)
        return True

    def frame(self, t: int) -> np.ndarray:
        """Emissions of frame t on the layout: (size,), or with ``lower`` a (2, size) pair
        (lower, upper) for a block where they differ."""
        if not self.t0 <= t < self.t1:
            n_frames = self.lp.shape[0]
            self.t0 = (t // _BLOCK) * _BLOCK
            self.t1 = min(self.t0 + _BLOCK, n_frames)
            if self.keep:
                flat, pair = self.flat[:, self.t0 : self.t1], False
            else:
                flat = self.flat[:, : self.t1 - self.t0]
                pair = self._exponentiate(self.t0, self.t1, flat) and self.lower
            self.pair = pair
            self.block = np.take(flat if pair else flat[-1], self.idx, axis=-1)
        return self.block[:, t - self.t0] if self.pair else self.block[t - self.t0]


def _rescale(sums: np.ndarray, off: np.ndarray, lay: Layout, a: int, backward: bool) -> np.ndarray:
    """New window offsets from the window sums (in place in ``off``); returns the factors.

    A window is scaled by the power of two that brings its sum into [0.5, 1), an empty window
    goes to _EMPTY, then _clamp keeps neighbours within _GAP and no factor exceeds 2^_RAISE.
    """
    new = off + np.frexp(sums)[1]
    np.putmask(new, sums == 0.0, _EMPTY)
    _clamp(new, lay, a, backward)
    np.subtract(off, new, out=new)
    np.minimum(new, _RAISE, out=new)
    off -= new
    return np.ldexp(1.0, new)


def _clamp(new: np.ndarray, lay: Layout, a: int, backward: bool) -> None:
    """Raise offsets in place so neighbours differ by at most _GAP (in the direction ghosts flow).

    Forward ghosts flow from window w-1 into w: need new[w] >= new[w-1] - _GAP, i.e. a running
    maximum of new[w] + _GAP * w. Backward ghosts flow from w+1 into w: the mirror image.
    """
    q = new.reshape(*new.shape[:-1], a, lay.n_win)
    if backward:
        q = q[..., ::-1]
    q += lay.gap
    np.maximum.accumulate(q, axis=-1, out=q)
    q -= lay.gap


def segment_frames(t_max: int, column_cells: int) -> int:
    """Frames per segment of the gradient pass: all of them when their forward columns fit in
    ``STORE_BYTES``; else about sqrt(t_max) (a multiple of ``SEGMENT_ALIGN``), so that the
    checkpoints and one segment of columns take about 2 sqrt(t_max) columns instead of t_max,
    for one more forward pass over every segment but the last."""
    if t_max * column_cells * 8 <= STORE_BYTES:
        return t_max
    return min(t_max, SEGMENT_ALIGN * max(1, math.ceil(math.sqrt(t_max) / SEGMENT_ALIGN)))


def rescale_every(lay: Layout, period: int) -> int:
    """Frames from one rescaling to the next in the gradient pass: ``period`` with one window;
    with windows at most (span - 1) // 2, the frames probability entering a window through its
    ghosts (up to 2^_GAP of its units) needs to reach the window's far end, so a ghost never
    carries such an inflow on into the next window (2^(2 _GAP) would overflow)."""
    if lay.n_win == 1:
        return period
    return max(1, min(period, (lay.span - 1) // 2))


def _forward(
    lay: Layout,
    emis: Emissions,
    lengths: NDArray[np.int64],
    store: np.ndarray,
    offsets: np.ndarray,
    period: int = 1,
    bound: np.ndarray | None = None,
    *,
    first: int = 0,
    before: np.ndarray | None = None,
    out: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Upper forward recursion over rows sorted by length, descending: frame t's mantissas are
    written to store[t - first] (two leading zeros, then the layout) and its window offsets to
    offsets[t], for frames first .. first + len(store) - 1 (at most the last frame). Rescaled
    every ``rescale_every(lay, period)`` frames. With windows, ``bound[t]``
    gets offsets in whose units every window of frame t sums to <= 1 (the certificate's
    premise): offsets[t] plus the exponent of the window's sum on frames with no rescaling.
    Returns (mant, expo), each (1, N): p_n * exp(-sum of shifts) = mant * 2^expo, for the
    sequences that end in these frames (written into ``out`` when given).

    From ``first`` > 0 on, ``before`` holds frame first - 1's column and offsets[first - 1] its
    offsets. That is the whole state the recursion carries (the ghost factors follow from the
    offsets, which change only when the columns are rescaled), so the frames come out bit for
    bit as in one pass from frame 0: the gradient pass recomputes a segment of frames from a
    stored column instead of keeping every column (``segment_frames``).
    """
    n_batch, n_win, width = lay.n_batch, lay.n_win, lay.width
    every = rescale_every(lay, period)
    t_max = int(lengths[0])
    last = min(t_max, first + store.shape[0])
    active = active_counts(lengths, t_max).tolist()
    ones = np.ones((width, 1))
    tmp = np.empty(lay.size)
    off = np.zeros((1, lay.rows), dtype=np.int64)
    sums = np.empty((1, lay.rows, 1))
    ghost_all = np.zeros(max(lay.rows - 1, 0))
    mant, expo = out if out is not None else (np.ones((1, n_batch)), np.zeros((1, n_batch), int))
    prev = before
    if first > 0:
        off[0] = offsets[first - 1]
        if n_win > 1:
            np.ldexp(lay.not_first[1:], off[0, :-1] - off[0, 1:], out=ghost_all)
    a = -1
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        for t in range(first, last):
            if active[t] != a:
                # The active rows change only when a sequence ends: re-slice only then.
                a = active[t]
                n, r = a * lay.seq_width, a * n_win
                tmp_a, skip_a, floor_a = tmp[:n], lay.skip[:n], lay.floor[:n]
                z, off_a = sums[:, :r], off[:, :r]
                not_first, ghost_floor = lay.not_first[1:r], lay.ghost_floor[: r - 1]
                ghost = ghost_all[: r - 1]
            y = emis.frame(t)
            if a < n_batch:
                y = y[:n]
            cur = store[t - first]
            c = cur[2 : n + 2]
            if t == 0:
                np.multiply(y, lay.start[:n], out=c)
            else:
                np.add(prev[2 : n + 2], prev[1 : n + 1], out=c)
                np.multiply(prev[:n], skip_a, out=tmp_a)
                c += tmp_a
                c *= y
            # Floor in the previous units (a product that underflowed in this frame, before an
            # upscale) and again after a rescaling (a downscale, by a ghost's inflow or of a
            # sum grown up to 3^_RESCALE, would otherwise send a floored cell below normal).
            np.maximum(c, floor_a, out=c)
            c_rows = c.reshape(1, r, width)
            if t % every == 0:
                np.matmul(c_rows, ones, out=z)
                if n_win > 1:
                    factor = _rescale(z[:, :, 0], off_a, lay, a, backward=False)
                    c_rows *= factor[:, :, None]
                else:
                    e = np.frexp(z[:, :, 0])[1]
                    off_a += e
                    np.ldexp(c_rows, -e[:, :, None], out=c_rows)
                np.maximum(c, floor_a, out=c)
                if n_win > 1:
                    np.ldexp(not_first, off_a[0, :-1] - off_a[0, 1:], out=ghost)
                    if bound is not None:
                        bound[t, :r] = off_a[0]  # window sums now <= 1
            elif n_win > 1 and bound is not None:
                np.matmul(c_rows, ones, out=z)
                bound[t, :r] = off_a[0] + np.maximum(np.frexp(z[0, :, 0])[1], 0)
            if n_win > 1:
                np.multiply(c_rows[0, :-1, -2:], ghost[:, None], out=c_rows[0, 1:, :2])
                # A ghost below its window's range underflows: floor it too.
                ghosts = c_rows[0, 1:, :2]
                np.maximum(ghosts, ghost_floor, out=ghosts)
            offsets[t, :r] = off_a[0]
            b = active[t + 1]
            if b < a:
                # Sequences b..a-1 end at this frame: p = alpha(last) + alpha(second).
                top = off_a[:, lay.win_last[b:a]]
                ends = cur[2 + lay.last[b:a]]
                below = np.ldexp(cur[2 + lay.second[b:a]], off_a[:, lay.win_second[b:a]] - top)
                mant[:, b:a] = ends + np.where(lay.has_second[b:a], below, 0.0)
                expo[:, b:a] = top
            prev = cur
    return mant, expo


def _forward_loss(
    lay: Layout, emis: Emissions, lengths: NDArray[np.int64], period: int
) -> tuple[np.ndarray, np.ndarray]:
    """Loss-only forward recursions, lower (row 0) and upper (row 1) side by side, over rows
    sorted by length, descending; two columns each. Returns (mant, expo) as :func:`_forward`.

    The columns are rescaled every ``rescale_every(lay, period)`` frames only (``period``, or
    fewer with narrow windows, as in the gradient pass: a ghost's inflow must not cross a
    window between two rescalings; 8-state windows overflowed to NaN): in
    between, a window's sum grows by at most 3x a frame (three predecessors, emissions <= 1),
    so cells stay below 3^(period - 1) (times a ghost's 2^_GAP) and cannot overflow, and the
    bracket stays sound: the upper variant floors every product (each frame), every scaled cell
    and every ghost (after each rescaling or ghost copy), and reads a subnormal emission raised
    to _TINY while the lower one reads 0 (``Emissions`` with ``lower``). What is lost is
    headroom: a window's sum may decay a lot over a period, and its small cells vanish sooner
    (``_sorted_pass`` retries a failed row with period 1).
    """
    n_batch, n_win, width = lay.n_batch, lay.n_win, lay.width
    every = rescale_every(lay, period)
    t_max = int(lengths[0])
    active = active_counts(lengths, t_max).tolist()
    ones = np.ones((width, 1))
    tmp = np.empty((2, lay.size))
    # Two alternating columns per variant; two leading zeros make s-2 a plain slice.
    cols = np.zeros((2, 2, lay.size + 2))
    off = np.zeros((2, lay.rows), dtype=np.int64)
    sums = np.empty((2, lay.rows, 1))
    ghost_all = np.zeros((2, max(lay.rows - 1, 0)))
    mant = np.ones((2, n_batch))
    expo = np.zeros((2, n_batch), dtype=np.int64)
    a = -1
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        for t in range(t_max):
            if active[t] != a:
                # The active rows change only when a sequence ends: re-slice only then.
                a = active[t]
                n, r = a * lay.seq_width, a * n_win
                tmp_a, skip_a, floor_a = tmp[:, :n], lay.skip[:n], lay.floor[:n]
                z, off_a = sums[:, :r], off[:, :r]
                ghost_floor, ghost = lay.ghost_floor[: r - 1], ghost_all[:, : r - 1]
            y = emis.frame(t)
            if a < n_batch:
                y = y[..., :n]
            cur, prev = cols[t % 2], cols[(t - 1) % 2]
            c = cur[:, 2 : n + 2]
            if t == 0:
                np.multiply(y, lay.start[:n], out=c)
            else:
                np.add(prev[:, 2 : n + 2], prev[:, 1 : n + 1], out=c)
                np.multiply(prev[:, :n], skip_a, out=tmp_a)
                c += tmp_a
                c *= y
            upper = c[1]
            np.maximum(upper, floor_a, out=upper)
            c_rows = c.reshape(2, r, width)
            if t % every == 0:
                np.matmul(c_rows, ones, out=z)
                if n_win > 1:
                    factor = _rescale(z[:, :, 0], off_a, lay, a, backward=False)
                    c_rows *= factor[:, :, None]
                    np.ldexp(lay.not_first[1:r], off_a[:, :-1] - off_a[:, 1:], out=ghost)
                else:
                    e = np.frexp(z[:, :, 0])[1]
                    off_a += e
                    np.ldexp(c_rows, -e[:, :, None], out=c_rows)
                # A downscale (a sum up to 3^_RESCALE) can send a floored cell below normal.
                np.maximum(upper, floor_a, out=upper)
            if n_win > 1:
                np.multiply(c_rows[:, :-1, -2:], ghost[:, :, None], out=c_rows[:, 1:, :2])
                # A ghost below its window's range underflows: floor it too (upper variant).
                ghosts = c_rows[1, 1:, :2]
                np.maximum(ghosts, ghost_floor, out=ghosts)
            b = active[t + 1]
            if b < a:
                # Sequences b..a-1 end at this frame: p = alpha(last) + alpha(second).
                top = off_a[:, lay.win_last[b:a]]
                ends = cur[:, 2 + lay.last[b:a]]
                below = np.ldexp(cur[:, 2 + lay.second[b:a]], off_a[:, lay.win_second[b:a]] - top)
                mant[:, b:a] = ends + np.where(lay.has_second[b:a], below, 0.0)
                expo[:, b:a] = top
    return mant, expo


def _log_p(
    mant: np.ndarray, expo: np.ndarray, emis: Emissions, lengths: NDArray[np.int64]
) -> np.ndarray:
    t_max = int(lengths[0])
    frame_ok = np.arange(t_max)[:, None] < lengths[None, :]
    with np.errstate(over="ignore"):  # past the float range: ln p is -inf, the loss inf
        shifts = emis.shift[:t_max].sum(axis=0, where=frame_ok)
    # Normalise to a mantissa in [0.5, 1) first: the loss-only and gradient passes scale their
    # columns at different frames, and the same p must round to the same ln p in both.
    mant, e = np.frexp(mant)
    with np.errstate(divide="ignore"):
        return _LN2 * (expo + e) + np.log(mant) + shifts


def _bracket(mant: np.ndarray, expo: np.ndarray) -> np.ndarray:
    """ln p_upper - ln p_lower per sequence (inf when the lower one lost everything)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return _LN2 * (expo[1] - expo[0]) + np.log(mant[1]) - np.log(mant[0])


def scaled_loss(
    lp: NDArray[np.float64],
    ext: _Extended,
    lengths: NDArray[np.int64],
    windowed: bool,
    period: int = 1,
    margin: NDArray[np.float64] | None = None,
) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """(ln p, ok) for rows sorted by length, descending (lengths[0] >= 1); O(N * S') memory.

    windowed=False runs one window per sequence (fewer numpy calls per frame). ``margin``, when
    given, gets each row's ln p_upper - ln p_lower (ok: at most CERTIFY).
    """
    lay = Layout(ext, windowed)
    t_max = int(lengths[0])
    emis = Emissions(lp[:t_max], ext, lay, lower=True)
    mant, expo = _forward_loss(lay, emis, lengths, period)
    bracket = _bracket(mant, expo)
    if margin is not None:
        margin[:] = bracket
    return _log_p(mant, expo, emis, lengths)[1], bracket <= CERTIFY


def scaled_loss_grad(
    lp: NDArray[np.float64],
    ext: _Extended,
    lengths: NDArray[np.int64],
    windowed: bool,
    period: int = 1,
    margin: NDArray[np.float64] | None = None,
) -> tuple[NDArray[np.float64], NDArray[np.bool_], NDArray[np.float64]]:
    """(ln p, ok, gamma) for rows sorted by length, descending (lengths[0] >= 1); ``margin``,
    when given, gets each row's ln(E / min_t W_t) (ok: E / min_t W_t at most CERTIFY).

    gamma is the (t_max, N, C) class occupation gamma_t(k) = sum_{s: l'_s = k} alpha_t(s)
    beta_t(s) / (y_t(k) W_t), W_t its per-frame normaliser (= p up to the certified bound).
    """
    n_frames, n_batch, n_classes = lp.shape
    lay = Layout(ext, windowed)
    n_win, width = lay.n_win, lay.width
    t_max = int(lengths[0])
    active = active_counts(lengths, t_max).tolist()
    emis = Emissions(lp[:t_max], ext, lay, keep=True)
    # store[t - seg_first] holds alpha_hat_t (upper) for the frames of one segment; after the
    # backward pass over them, their unnormalised occupations. checkpoints[j] holds the column
    # of frame (j + 1) * seg_len - 1, from which segment j + 1 is recomputed.
    seg_len = segment_frames(t_max, lay.size + 2)
    n_seg = -(-t_max // seg_len)
    store = np.zeros((seg_len, lay.size + 2))
    checkpoints = np.empty((n_seg - 1, lay.size + 2))
    offsets = np.zeros((t_max, lay.rows), dtype=np.int64)
    # bound_o / bound_b: offsets in whose units every window sums to <= 1, for the certificate
    # (with one window the rescaling period is covered by a factor in _log2_floor_excess).
    bound_o = np.zeros_like(offsets) if n_win > 1 else offsets
    mant, expo = np.ones((1, n_batch)), np.zeros((1, n_batch), dtype=np.int64)
    for j in range(n_seg):
        before = checkpoints[j - 1] if j else None
        _forward(lay, emis, lengths, store, offsets, period, bound_o, first=j * seg_len,
                 before=before, out=(mant, expo))  # fmt: skip
        if j < n_seg - 1:
            checkpoints[j] = store[-1]
    seg_first = (n_seg - 1) * seg_len  # the last segment's columns are in store
    emis_again = copy.copy(emis)  # its own block of emissions for the recomputed segments
    log_p = _log_p(mant, expo, emis, lengths)[0]

    every = rescale_every(lay, period)
    ones = np.ones((width, 1))
    tmp = np.empty(lay.size)
    sums = np.empty((lay.rows, 1))
    ob = np.zeros(lay.rows, dtype=np.int64)
    # ref[t, n]: the power of two the occupations of frame t, sequence n are expressed in.
    ref = np.zeros((t_max, n_batch), dtype=np.int64)
    # units_b[t]: the window offsets of beta_t / y_t (those of beta_hat_{t+1}), for the bound.
    units_b = np.zeros((t_max, lay.rows), dtype=np.int64)
    bound_b = np.zeros_like(units_b) if n_win > 1 else units_b
    ob_bound = np.zeros(lay.rows, dtype=np.int64)
    ghost_all = np.zeros(max(lay.rows - 1, 0))
    # Two alternating columns: bufs[(t + 1) % 2] holds beta_hat_{t+1} on the layout (then two
    # trailing zeros), and beta_t / y_t, then beta_hat_t, is built in place in bufs[t % 2].
    bufs = np.zeros((2, lay.size + 2))
    perm, starts, bins = lay.class_plan(n_classes)
    perm2 = perm + 2  # positions in a stored column, past its two leading zeros
    # The first active_bins[a] (sequence, class) groups, active_cells[a] cells of perm, are
    # those of sequences 0 .. a - 1 (perm is sorted by sequence).
    active_bins = np.searchsorted(bins // n_classes, np.arange(n_batch + 1)).tolist()
    active_cells = np.append(starts, perm.size)[active_bins].tolist()
    gamma = np.zeros((t_max, n_batch * n_classes))
    # Frames whose occupations are done but not yet summed by class: [lo, hi), summed together
    # (one take and one reduceat over a block of rows) when `chunk` of them are pending, and
    # before the store or the active sequences change.
    chunk = max(1, min(_BLOCK, _REDUCE_CELLS // (lay.size + 2)))
    pending: list[int] = []

    def reduce_pending() -> None:
        if pending:
            lo, hi = pending
            rows = store[lo - seg_first : hi - seg_first].take(perm2[:kp], axis=1)
            gamma[lo:hi, bins[:kb]] = np.add.reduceat(rows, starts[:kb], axis=1)
            pending.clear()

    a = b = -1
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        for t in range(t_max - 1, -1, -1):
            if active[t] != a or active[t + 1] != b:
                reduce_pending()
                a, b = active[t], active[t + 1]
                n, m, r = a * lay.seq_width, b * lay.seq_width, a * n_win
                tmp_b, skip_b, floor_a = tmp[:m], lay.skip_next[:m], lay.floor[:n]
                views = [(buf[:n], buf[:m], buf[:n].reshape(r, width)) for buf in bufs]
                kb, kp = active_bins[a], active_cells[a]
                z, ob_a = sums[:r], ob[:r]
                not_first, ghost_floor = lay.not_first[1:r], lay.ghost_floor[: r - 1]
                ghost = ghost_all[: r - 1]
                if n_win > 1:
                    # Sequences start here (their rows are new): their ghosts flow from now on,
                    # not from the next rescaling on.
                    np.ldexp(not_first, ob_a[1:] - ob_a[:-1], out=ghost)
            bt, bt_b, bt_rows = views[t % 2]
            nxt = bufs[(t + 1) % 2]
            # beta_t(s) / y_t(s): probability of the rest of the alignment after leaving s.
            if b > 0:
                np.add(nxt[:m], nxt[1 : m + 1], out=bt_b)
                np.multiply(nxt[2 : m + 2], skip_b, out=tmp_b)
                bt_b += tmp_b
            if b < a:
                bt[m:n] = lay.end[m:n]  # sequences whose last frame is t; their offsets are 0
            if t < seg_first:
                reduce_pending()  # their columns are about to be overwritten
                seg_first -= seg_len
                before = checkpoints[seg_first // seg_len - 1] if seg_first else None
                _forward(lay, emis_again, lengths, store, offsets, period, first=seg_first,
                         before=before)  # fmt: skip
            col = store[t - seg_first]
            occ = col[2 : n + 2]
            occ *= bt
            units_b[t, :r] = ob_a
            if n_win > 1:
                bound_b[t, :r] = ob_bound[:r]
                # Bring every window of a sequence to the units of its heaviest window (window
                # units plus the exponent of its occupation sum), with ldexp on the values: a
                # factor 2^(units - top) below 2^-1074 is 0 as a double although the window's
                # occupations can be large (its beta reads ghosts up to 2^_GAP), and the window
                # of largest units may hold almost none of the probability.
                occ_rows = occ.reshape(r, width)
                occ_rows[:, :2] = 0.0  # ghosts are not states
                np.dot(occ_rows, ones, out=z)
                units = offsets[t, :r] + ob_a
                key = units + np.frexp(z[:, 0])[1]
                np.putmask(key, z[:, 0] == 0.0, _NONE)
                top = key.reshape(a, n_win).max(axis=1)
                # int32 exponents (numpy's ldexp is ~8x slower with int64 ones); a shift beyond
                # +-2000 gives 0 (or scales an all-zero window) either way.
                shift = units - np.repeat(top, n_win)
                np.maximum(shift, -2000, out=shift)
                np.minimum(shift, 2000, out=shift)
                np.ldexp(occ_rows, shift.astype(np.int32)[:, None], out=occ_rows)
                ref[t, :a] = top
            # The active sequences' cells only (the rest of a recomputed column is stale).
            pending[:] = [t, pending[1] if pending else t + 1]
            if pending[1] - t >= chunk:
                reduce_pending()
            if t == 0:
                break
            y = emis.frame(t)
            bt *= y if a == n_batch else y[:n]
            # Floors before and after a rescaling, as in _forward.
            np.maximum(bt, floor_a, out=bt)
            if t % every == 0:
                np.dot(bt_rows, ones, out=z)
                if n_win > 1:
                    factor = _rescale(z[:, 0], ob_a, lay, a, backward=True)
                    bt_rows *= factor[:, None]
                else:
                    e = np.frexp(z[:, 0])[1]
                    ob_a += e
                    np.ldexp(bt_rows, -e[:, None], out=bt_rows)
                np.maximum(bt, floor_a, out=bt)
                if n_win > 1:
                    np.ldexp(not_first, ob_a[1:] - ob_a[:-1], out=ghost)
                    ob_bound[:r] = ob_a  # window sums now <= 1
            elif n_win > 1:
                np.dot(bt_rows, ones, out=z)
                ob_bound[:r] = ob_a + np.maximum(np.frexp(z[:, 0])[1], 0)
            if n_win > 1:
                np.multiply(bt_rows[1:, 2:4], ghost[:, None], out=bt_rows[1:, :2])
                ghosts = bt_rows[1:, :2]
                np.maximum(ghosts, ghost_floor, out=ghosts)

    reduce_pending()
    gamma = gamma.reshape(t_max, n_batch, n_classes)
    if n_win == 1:
        ref = offsets + units_b
    frame_ok = np.arange(t_max)[:, None] < lengths[None, :]
    occ_sum = gamma.sum(axis=2)
    occ_sum[~frame_ok] = 1.0
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        gamma /= occ_sum[:, :, None]
        # log2 of W_t = sum_s alpha_t(s) beta_t(s) / y_t(s) >= p, shifts left out (they cancel).
        log2_w = ref + np.log2(occ_sum)
        log2_w_min = np.min(log2_w, axis=0, where=frame_ok, initial=np.inf)
        growth_every = every if n_win == 1 else 1  # windowed: bound_o / bound_b cover growth
        log2_excess = _log2_floor_excess(lay, bound_o, bound_b, frame_ok, growth_every)
    if margin is not None:
        margin[:] = _LN2 * (log2_excess - log2_w_min)
    return log_p, log2_excess - log2_w_min <= math.log2(CERTIFY), gamma


def _log2_floor_excess(
    lay: Layout, offsets: np.ndarray, units_b: np.ndarray, frame_ok: np.ndarray, every: int = 1
) -> np.ndarray:
    """log2 of a bound E_n on W_t - p (every t), the probability the floors of the upper forward
    and backward recursions can add, shifts left out. (N,)

    Notation: o_t[w] the offsets of alpha_hat_t, b_t[w] those of beta_t / y_t (= those of
    beta_hat_{t+1}); every window of alpha_hat_t and of beta_hat_{t+1} sums to <= 1 (+ its
    floors), so a sum of three cells of beta_hat_{t+1} is <= 3 (2^{b_t[w]} + 2^{b_t[w+1]}).

    A forward cell of window w at frame t is raised twice at most: by FLOOR 2^{o_{t-1}[w]}
    before the scaling, by FLOOR 2^{o_t[w]} after it (windowed); by linearity each raise adds at
    most itself times beta_t(s) / y_t(s) to every W: 6 FLOOR 2^{V_t} per window. A backward
    cell of frame t + 1 is raised by FLOOR 2^{b_t[w]} (before) and FLOOR 2^{b_{t+1}[w]} (after:
    counted at frame t + 1), times alpha_t(s') (s' = s, s-1, s-2): 6 FLOOR 2^{V_t} per window
    and frame. A forward ghost floor at frame t (FLOOR 2^{o_t[w]}) reaches at most three cells of
    frame t + 1, each weighing <= beta_hat_{t+1} <= 2^{b_t[w]}: 3 FLOOR 2^{V_t}; the backward
    ghosts likewise. An emission raised to _TINY (= FLOOR / 4) adds at most _TINY times
    (alpha_{t-1}(s) + alpha_{t-1}(s-1) + alpha_{t-1}(s-2)) to alpha_t(s), weighing
    beta_t(s) / y_t(s): per window <= _TINY 3 (2^{o[w]} + 2^{o[w-1]}) 3 (2^{b[w]} + 2^{b[w+1]})
    <= 9 FLOOR 2^{V_t} (o = o_{t-1}, b = b_t; w - 1 and w + 1 are two windows apart), and the
    same in the backward recursion. In all E_t <= 48 FLOOR * n_win * 2^{V_t} (written 64), V_t
    the largest of max(o_{t-1}[w], o_t[w]) + b_t[w'] over w' in {w, w+1, w+2} (o_{-1} = 0);
    E = sum_t E_t. Cells raised in the upper system weigh by at most the upper system's beta
    (alpha), which is what W uses, and nothing in the upper system is lost (the floors are
    applied after every scaling that could underflow), so p <= W_t <= p + E for every t. The
    occupations' own rounding (products below the smallest normal in units 2^{V_t}, windows
    aligned by ldexp) is below 2^{V_t - 1070} per cell, far inside E_t.
    """
    t_max = offsets.shape[0]
    shape = (t_max, lay.n_batch, lay.n_win)
    fwd = offsets.astype(np.float64).reshape(shape)
    np.maximum(fwd[1:], fwd[:-1].copy(), out=fwd[1:])
    np.maximum(fwd[0], 0.0, out=fwd[0])
    bwd = units_b.astype(np.float64).reshape(shape)
    v = fwd + bwd
    for d in (1, 2)[: lay.n_win - 1]:
        np.maximum(v[:, :, :-d], fwd[:, :, :-d] + bwd[:, :, d:], out=v[:, :, :-d])
    v = np.max(v, axis=2)
    v[~frame_ok] = -np.inf
    top = np.max(v, axis=0)
    top = np.where(np.isfinite(top), top, 0.0)
    with np.errstate(divide="ignore"):
        total = top + np.log2(np.exp2(v - top).sum(axis=0))
    # Rescaled only every `every` frames (one window), a window's sum may grow 3x a frame up to
    # 3^(every - 1) before the next rescaling, for alpha and for beta (whose weights both enter
    # every term above), and a sequence's first backward column (two cells of 1) sums to 2.
    growth = 1.0 if every == 1 else 2.0 * 3.0 ** (2 * (every - 1))
    return total + math.log2(64.0 * FLOOR * lay.n_win * growth)


def _sorted_pass(
    lp: NDArray[np.float64],
    ext: _Extended,
    lengths: NDArray[np.int64],
    need_grad: bool,
    windowed: bool,
) -> tuple[NDArray[np.float64], NDArray[np.bool_], NDArray[np.float64] | None]:
    """Rows sorted by length, descending: first with a rescaling every _RESCALE frames, then,
    windowed (the caller's last attempt before log space), the rows that did not certify again
    with one every frame (a window's sum can decay a lot between two rescalings, and cells far
    below it vanish sooner: peaky inputs), unless their margin is past ``RETRY_MAX_NATS``."""
    margin = np.empty(lengths.size)
    if need_grad:
        log_p, ok, gamma = scaled_loss_grad(lp, ext, lengths, windowed, _RESCALE, margin)
        # before any retry: the gradient pass's margin is not the lower variant's, so every
        # row it could not certify is asked whether p is exactly 0
        _exact_zeros(lp, ext, lengths, log_p, ok, None, gamma)
    else:
        (log_p, ok), gamma = scaled_loss(lp, ext, lengths, windowed, _RESCALE, margin), None
    # NaN (the lower variant lost everything to an overflow) is not retried either
    again = np.flatnonzero(~ok & (margin <= RETRY_MAX_NATS))
    # Not after a first, one-window attempt: the caller's windowed attempt comes next anyway.
    if windowed and again.size and _RESCALE > 1:
        sub, lp_sub, len_sub = take_rows(ext, again), lp[:, again], lengths[again]
        if need_grad:
            log_p_r, ok_r, gamma_r = scaled_loss_grad(lp_sub, sub, len_sub, windowed, 1)
            gamma[: gamma_r.shape[0], again] = gamma_r
            gamma[gamma_r.shape[0] :, again] = 0.0
        else:
            log_p_r, ok_r = scaled_loss(lp_sub, sub, len_sub, windowed, 1)
        log_p[again], ok[again] = log_p_r, ok_r
    if not need_grad:
        _exact_zeros(lp, ext, lengths, log_p, ok, margin)
    return log_p, ok, gamma


def _exact_zeros(
    lp: NDArray[np.float64],
    ext: _Extended,
    lengths: NDArray[np.int64],
    log_p: NDArray[np.float64],
    ok: NDArray[np.bool_],
    margin: NDArray[np.float64] | None,
    gamma: NDArray[np.float64] | None = None,
) -> None:
    """Certify ln p = -inf, in place, for the rows not certified (loss only: those whose lower
    variant lost everything, margin inf; ``margin`` None: every one) when no alignment avoids
    the emissions that are exactly 0 (``_ctc_reach.has_alignment``, a boolean recursion with
    no rounding): p is then exactly 0, where the upper variant's floors had kept the bracket
    open and sent the row on to the retries and log space. Such a row's occupations in
    ``gamma`` are 0 (as the log-space pass gives them: no path carries any probability); the
    caller's gradient is NaN there, or 0 with zero_infinity.
    """
    failed = ~ok if margin is None else ~ok & (margin == np.inf)
    for n in np.flatnonzero(failed).tolist():
        s_n, t_n = int(ext.n_states[n]), int(lengths[n])
        if not has_alignment(lp[:t_n, n], ext.labels_ext[n, :s_n], ext.skip[n, :s_n]):
            log_p[n], ok[n] = -np.inf, True
            if gamma is not None:
                gamma[:, n] = 0.0


def scaled(
    lp: NDArray[np.float64],
    ext: _Extended,
    lengths: NDArray[np.int64],
    need_grad: bool,
    windowed: bool,
) -> tuple[NDArray[np.float64], NDArray[np.bool_], NDArray[np.float64] | None]:
    """(ln p, ok, gamma) for rows in any order with lengths >= 1; gamma (T, N, C) or None."""
    n_frames, n_batch, n_classes = lp.shape
    order = np.argsort(-lengths, kind="stable")
    identity = bool((order == np.arange(n_batch)).all())
    sub = ext if identity else take_rows(ext, order)
    lp_sorted = lp if identity else lp[:, order]
    log_p_s, ok_s, gamma_s = _sorted_pass(lp_sorted, sub, lengths[order], need_grad, windowed)
    if identity:
        log_p, ok = log_p_s, ok_s
    else:
        log_p, ok = np.empty(n_batch), np.empty(n_batch, dtype=bool)
        log_p[order], ok[order] = log_p_s, ok_s
    gamma = None
    if need_grad and identity and gamma_s.shape[0] == n_frames:
        gamma = gamma_s
    elif need_grad:
        gamma = np.zeros((n_frames, n_batch, n_classes))
        gamma[: gamma_s.shape[0], order] = gamma_s
    return log_p, ok, gamma
