"""ln α and ln β of one sequence at a few frames, from one pass over every frame; and the
best (Viterbi) alignment's states at those frames.

For the derivation of a long input (above ``limits.FULL_TRELLIS_MAX_CELLS``): its tables and
figures show the first and last frames only, so the pass keeps only those columns (never a
T x S' table), in log space (a column may span any range). The best path needs a read-back
through every frame, so :func:`kept_viterbi` keeps one byte a cell (T x S' bytes, against the
whole-table Viterbi's 16). Pure numpy, like the rest of the engine; :func:`kept_columns` and
:func:`kept_viterbi` are what the CTC solver calls.
"""

from __future__ import annotations

import numpy as np

from rnnloss_cli.engine.ctc import _logsumexp3
from rnnloss_cli.engine.forced_align import _back_pointers, _delta_rows, _end_state, _extended

#: Cells (frames x S') of emissions a column pass gathers at a time, per direction.
_PASS_CHUNK_CELLS = 1 << 15
#: Up to this many states S', the column pass jumps long runs of frames with log-space
#: transfer matrices (S'^2 work a frame, but one round of numpy calls for many frames);
#: above it, frame by frame (S' work, four numpy calls a frame). Measured here, α and β
#: together, µs a frame: matrices 0.2 (S' = 1), 0.65 (3), 1.5 (5), 2.2 (7), 6 (11); frame
#: by frame about 2 whatever S' up to ~20, 6 at S' = 81 (the engine's loss-only pass: 0.3,
#: 0.6, 0.7, 1, 1.8, 12).
_TRANSFER_MAX_STATES = 5
#: Cells (blocks x S' x S', both directions) of one step of the transfer matrices, and
#: cells (frames x S', both directions) of the emissions of one round of blocks (2 MB).
_TRANSFER_STEP_CELLS = 1 << 14
_TRANSFER_BLOCK_CELLS = 1 << 18
#: Cells (frames x S') of the float64 Viterbi rows :func:`kept_viterbi` holds at a time.
_VITERBI_CHUNK_CELLS = 1 << 15
#: The one-byte back-pointer of a cell no prefix reaches (the whole-table Viterbi's -1).
_NO_POINTER = 255


def _lse_last(a: np.ndarray) -> np.ndarray:
    """ln Σ e^a over the last axis; −inf where every term is −inf."""
    m = a.max(axis=-1)
    m = np.where(np.isfinite(m), m, 0.0)
    return np.log(np.exp(a - m[..., None]).sum(axis=-1)) + m


def _lse3(a: np.ndarray, b: np.ndarray, c: np.ndarray, out: np.ndarray) -> None:
    """out = ln(e^a + e^b + e^c), −inf where all three are: the log-space passes' step."""
    out[...] = _logsumexp3(a, b, c)


class _ColumnPass:
    """ln α of two forward recursions run side by side over all T frames, keeping columns.

    Row 0 is the problem's α; row 1 is α of the time-reversed problem (frames and extended
    labels reversed), whose column at frame T−1−t read backwards is β_t: an alignment of l
    read backwards is one of l reversed, in state S'−1−s at frame T−1−t when the original is
    in state s at t. Columns are held padded with two −inf states in front (the s−1 and s−2
    of the first states), (2, S'+2). One column is carried, so memory is O(S') plus a chunk
    of emissions, whatever T; logs throughout, so a cell far below its column's largest
    keeps its value.
    """

    def __init__(self, log_probs: np.ndarray, ids: np.ndarray, blank: int):
        self.lp, self.n = log_probs, log_probs.shape[0]
        self.ids = np.stack([ids, ids[::-1]])  # (2, S')
        self.n_ext = n_ext = ids.size
        # the move s−2 -> s: allowed (+0) into a label that differs from l'_{s−2}, else −inf
        self.pen = np.full((2, n_ext), -np.inf)
        for row, lab in enumerate(self.ids):
            self.pen[row, 2:][(lab[2:] != blank) & (lab[2:] != lab[:-2])] = 0.0
        self.chunk = max(1, _PASS_CHUNK_CELLS // n_ext)
        self._no_nan_or_inf: bool | None = None

    def emissions(self, t0: int, t1: int, out: np.ndarray | None = None) -> np.ndarray:
        """ln y_t(l'_s) of frames t0..t1−1 for both rows, (t1 − t0, 2, S') (into ``out``)."""
        if out is None:
            out = np.empty((t1 - t0, 2, self.n_ext))
        np.take(self.lp[t0:t1], self.ids[0], axis=1, out=out[:, 0])
        np.take(self.lp[self.n - t1 : self.n - t0][::-1], self.ids[1], axis=1, out=out[:, 1])
        return out

    def dead_stays_dead(self) -> bool:
        """Whether an all −inf column stays all −inf over any frames: every term is then
        −inf + (a log-probability), −inf unless that is NaN or +inf (checked once)."""
        if self._no_nan_or_inf is None:
            lp = self.lp
            self._no_nan_or_inf = not (np.isnan(lp).any() or np.isposinf(lp).any())
        return self._no_nan_or_inf

    def frames(self, col: np.ndarray, t0: int, t1: int) -> np.ndarray:
        """The padded column after frames t0..t1−1, one frame at a time: four numpy calls
        a frame on the two rows laid end to end, (pad, pad, row 0, pad, pad, row 1), whose
        pads stay −inf (their emissions and skips are −inf). Once both rows are all −inf
        (checked after each chunk of frames; no alignment reaches any state: exact zeros),
        the rest of the frames would leave them so, and are skipped: the 10^6-frame
        benchmark file's columns die at frame 15,266, 1.7 s of frames skipped."""
        n_ext = self.n_ext
        if t0 < t1 and np.all(col == -np.inf) and self.dead_stays_dead():
            return col.copy()
        bufs = [col.reshape(-1).copy(), col.reshape(-1).copy()]
        views = [(v[2:], v[1:-1], v[:-2]) for v in bufs]
        pen = np.full((2, n_ext + 2), -np.inf)
        pen[:, 2:] = self.pen
        pen = pen.reshape(-1)[2:]
        stay = np.empty(2 * n_ext + 2)
        i = 0
        for c0 in range(t0, t1, self.chunk):
            c1 = min(c0 + self.chunk, t1)
            em = np.full((c1 - c0, 2, n_ext + 2), -np.inf)
            self.emissions(c0, c1, out=em[:, :, 2:])
            for e in em.reshape(c1 - c0, -1)[:, 2:]:
                now, nxt = views[i], views[1 - i][0]
                np.logaddexp(now[0], now[1], out=stay)  # from s and s−1
                np.add(now[2], pen, out=nxt)  # from s−2, where allowed
                np.logaddexp(stay, nxt, out=nxt)
                np.add(nxt, e, out=nxt)
                i = 1 - i
            if c1 < t1 and np.all(bufs[i] == -np.inf) and self.dead_stays_dead():
                break
        return bufs[i].reshape(2, n_ext + 2)

    def jump(self, col: np.ndarray, t0: int, t1: int) -> tuple[np.ndarray, int]:
        """The padded column after as many frames from t0 (before t1) as whole transfer
        blocks cover, and the frame reached. K blocks of F frames get their transfer
        matrices ln P[s, j] (ln Σ over the paths from state j before the block to s at its
        last frame) side by side, one step a frame for all of them; then the column goes
        through them in turn, α'(s) = ln Σ_j e^(ln P[s, j] + α(j))."""
        n_ext = self.n_ext
        k_max = max(2, min(256, _TRANSFER_STEP_CELLS // (2 * n_ext * n_ext)))
        f_len = max(k_max, min(1024, _TRANSFER_BLOCK_CELLS // (2 * n_ext * k_max)))
        t = t0
        while (t1 - t) // f_len >= 2:
            if np.all(col == -np.inf) and self.dead_stays_dead():
                return col, t1  # no state is reached, nor will be (as in frames)
            k = min(k_max, (t1 - t) // f_len)
            e = self.emissions(t, t + k * f_len).reshape(k, f_len, 2, n_ext)
            e = e.transpose(1, 2, 0, 3)[..., None]  # (F, 2, K, S', 1)
            # (2, K, S'+2, S'): rows s padded with two −inf in front, columns j
            x = np.full((2, k, n_ext + 2, n_ext), -np.inf)
            x[:, :, 2 + np.arange(n_ext), np.arange(n_ext)] = 0.0  # ln of the identity
            y = x.copy()
            pen = self.pen[:, None, :, None]
            for tau in range(f_len):
                _lse3(x[:, :, 2:], x[:, :, 1:-1], x[:, :, :-2] + pen, out=y[:, :, 2:])
                y[:, :, 2:] += e[tau]
                x, y = y, x
            for blk in range(k):
                col[:, 2:] = _lse_last(x[:, blk, 2:] + col[:, None, 2:])
            t += k * f_len
        return col, t

    def columns(self, keep: list[int]) -> dict[int, np.ndarray]:
        """The (2, S') column of each 0-based frame in ``keep``."""
        col = np.full((2, self.n_ext + 2), -np.inf)
        col[:, 2] = 0.0  # before the first frame: the start, ahead of state 0
        out, t = {}, 0
        for f in sorted(set(keep)):
            if self.n_ext <= _TRANSFER_MAX_STATES:
                col, t = self.jump(col, t, f)
            col = self.frames(col, t, f + 1)
            out[f], t = col[:, 2:].copy(), f + 1
        return out


def kept_columns(
    log_probs: np.ndarray, ids: np.ndarray, blank: int, frames: list[int]
) -> tuple[np.ndarray, np.ndarray]:
    """(ln α, ln β) at the 0-based ``frames`` only, each (len(frames), S'), from one pass
    over every frame that keeps no more than those columns (:class:`_ColumnPass`).

    α_t(s) = (α_{t−1}(s) + α_{t−1}(s−1) [+ α_{t−1}(s−2)]) · y_t(l'_s), from a start column
    that is 1 in state 0 before the first frame (so α_1(1) = y_1(blank), α_1(2) = y_1(l_1));
    β_t(s) = α'_{T−1−t}(S'−1−s), α' the same recursion over the reversed frames and labels.
    """
    n = log_probs.shape[0]
    cols = _ColumnPass(log_probs, ids, blank).columns([*frames, *(n - 1 - f for f in frames)])
    la = np.stack([cols[f][0] for f in frames])
    lb = np.stack([cols[n - 1 - f][1][::-1] for f in frames])
    return la, lb


def kept_posterior(la: np.ndarray, lb: np.ndarray, log_y: np.ndarray) -> np.ndarray:
    """ln γ_t(s) = ln α_t(s) + ln β_t(s) − ln y_t(l'_s) at the kept frames, each frame
    normalised by its own ln Σ_s (which is ln p(l|x) at every t), so each sums to 1; −inf
    for a cell off every path. All arguments (frames, S')."""
    with np.errstate(divide="ignore", invalid="ignore"):
        lg = la + lb - log_y
        lg = np.where(np.isnan(lg), -np.inf, lg)  # −inf − −inf: a cell off every path
        lg -= _lse_last(lg)[:, None]
    return lg


def kept_viterbi(
    log_probs: np.ndarray, target: np.ndarray, blank: int, frames: list[int]
) -> tuple[np.ndarray, float] | None:
    """The best alignment's 0-based state of l' at each of the 0-based ``frames``, (len,),
    and its log-probability; None when no alignment has a positive probability.

    The recursion is the whole-table Viterbi's (engine/forced_align.py), run over blocks of
    frames: δ_t(s) = ln y_t(l'_s) + max(δ_{t−1}(s), δ_{t−1}(s−1), [δ_{t−1}(s−2)]), the
    back-pointer ψ_t(s) ∈ {0 stay, 1 from s−1, 2 from s−2} the first maximum in that order,
    the path ending in S'−1 only when δ_T(S'−1) > δ_T(S'−2) strictly. Each block's rows are
    computed by the same calls from the same previous row, so δ, ψ and the path are those of
    ``ctc_viterbi_trace`` bit for bit, ties included; only ψ is kept, one byte a cell (a
    T x S' uint8 array), and the path is read back through it to the first frame.

    Args:
        log_probs: (T, K) per-frame log-probabilities (a broadcast view is fine).
        target: (S,) label indices, none equal to ``blank``.
        blank: the blank's index.
        frames: 0-based frames whose states are wanted.
    """
    n_frames = log_probs.shape[0]
    n_ext = 2 * target.size + 1
    if n_ext == 1:  # the empty target: one alignment, all blanks; δ_T summed frame by frame
        best = float(log_probs[0, blank])
        for t0 in range(1, n_frames, _VITERBI_CHUNK_CELLS):  # in order: ((y_1 + y_2) + y_3)…
            col = np.concatenate([[best], log_probs[t0 : t0 + _VITERBI_CHUNK_CELLS, blank]])
            best = float(np.add.accumulate(col)[-1])
        return (np.zeros(len(frames), dtype=np.int64), best) if np.isfinite(best) else None
    labels_ext, skip = _extended(target, blank)
    skip_pen = np.where(skip, 0.0, -np.inf)
    back = np.empty((n_frames, n_ext), dtype=np.uint8)
    back[0] = _NO_POINTER
    chunk = max(1, _VITERBI_CHUNK_CELLS // n_ext)
    rows = np.full((chunk + 1, n_ext), -np.inf)  # row 0: the last row of the block before
    emit = np.empty((chunk + 1, n_ext))  # row 0 unused, as in _delta_rows
    rows[0, : min(2, n_ext)] = log_probs[0, labels_ext[: min(2, n_ext)]]
    with np.errstate(over="ignore", invalid="ignore"):
        for t0 in range(1, n_frames, chunk):
            t1 = min(t0 + chunk, n_frames)
            m = t1 - t0 + 1
            np.take(log_probs[t0:t1], labels_ext, axis=1, out=emit[1:m])
            _delta_rows(rows[:m], emit[:m], skip_pen)
            psi = _back_pointers(rows[:m], skip)[1:]
            back[t0:t1] = np.where(psi < 0, _NO_POINTER, psi)
            rows[0] = rows[m - 1]
    end = _end_state(rows[0])
    best = float(rows[0, end])
    if not np.isfinite(best):
        return None
    wanted = set(frames)
    at: dict[int, int] = {}
    s = end
    for t in range(n_frames - 1, -1, -1):
        if t in wanted:
            at[t] = s
        if t:
            s -= int(back[t, s])
    return np.array([at[t] for t in frames], dtype=np.int64), best
