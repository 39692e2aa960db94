"""Connectionist Temporal Classification (CTC) loss: values, gradients, trellises and alignments.

The CTC loss of a label sequence ``l`` (length S, no blanks) given per-frame class
log-probabilities ``log y_t(k)`` (T frames, C classes, one of them the blank) is::

    loss = -ln p(l|x),    p(l|x) = sum over pi in B^{-1}(l) of prod_{t=1}^{T} y_t(pi_t)

where B ("collapse") merges repeated symbols and then deletes blanks, so the sum runs over every
length-T alignment ``pi`` that collapses to ``l``. It is computed on the blank-interleaved
extended labels ``labels_ext = (b, l_1, b, l_2, ..., l_S, b)`` (S' = 2S + 1 states) with the
forward variables ``log_alpha`` and backward variables ``log_beta`` of Graves et al. (2006).
Both include the current frame's emission (``alpha_t(s) * beta_t(s) / y_t(l'_s)`` sums, over
the paths through state s at frame t, to their probability), so for every frame t::

    p(l|x) = sum_s alpha_t(s) * beta_t(s) / y_t(l'_s).

A state s may be entered from s, s-1, and from s-2 when the *skip* is allowed, i.e. when
``labels_ext[s] != blank and labels_ext[s] != labels_ext[s-2]``.

Conventions follow ``torch.nn.functional.ctc_loss``: natural logarithms, float64 throughout,
log_probs of shape (T, N, C) (or (T, C) unbatched), padded (N, S) or concatenated targets, and
the reductions ``"none"`` (per-sequence losses), ``"sum"``, and ``"mean"`` (each loss divided by
its target length clamped to at least 1, then averaged over the batch).

Two gradients
-------------
``ctc_loss_and_grad(..., wrt="log_probs")`` returns the true partial derivative with respect to
log_probs treated as free inputs: minus the *occupation* of class k at frame t::

    d loss / d log y_t(k) = -gamma_t(k),
    gamma_t(k) = (1 / p) * sum_{s: l'_s = k} alpha_t(s) * beta_t(s) / y_t(k).

``wrt="logits"`` (the default) returns the derivative with respect to logits u whose
log-softmax is log_probs, i.e. the classic formula of Graves et al. (2006, eq. 16)::

    d loss / d u_t(k) = y_t(k) - gamma_t(k).

The two differ by the softmax Jacobian, d log y_t(j) / d u_t(k) = [j == k] - y_t(k):
grad_logits(k) = grad_log_probs(k) - y_t(k) * sum_j grad_log_probs(j), and the sum over
classes of the occupation is 1 for every frame of a feasible sequence, so per valid frame
``grad_logits = exp(log_probs) + grad_log_probs`` (times the reduction scale).

PyTorch's ``ctc_loss`` backward reports the logits form under the name of the log_probs
gradient: it assumes log_probs came out of ``log_softmax`` and folds the softmax Jacobian in
(that is the formula of the paper, and it saves a pass). Chaining it through ``log_softmax``'s
backward is still right, because that backward subtracts ``exp(log_probs) * sum_k grad`` and
the logits form sums to 0 over classes, so it passes through unchanged. It is not the
derivative with respect to log_probs used as free inputs; ``wrt="log_probs"`` gives that one.
Frames at or past a sequence's input length get gradient 0.

Numerics
--------
The batched loss and gradient use the scaled-probability recursion (Rabiner's HMM scaling):
per frame, emissions are ``exp(log_probs - m_t)`` with m_t the largest log-probability among the
sequence's own classes, each alpha (and beta) column is renormalised to sum 1, and the logs of
the scales are accumulated, so ln p stays finite and exact for very long inputs or very
negative log-probabilities. It vectorises over the batch and the extended labels (one flat,
row-padded column per frame) and loops in Python over time only.

Plain scaling is not exact on its own: a column of a long input can span more than the ~708
nats a double can hold, and an emission can underflow inside a frame, so cells vanish. Usually
they lie far off every likely alignment, but not always. Each result is therefore certified:
an "upper" recursion that raises every cell below the smallest normal double to that value
(it can only over-estimate) is compared with a "lower" one that lets cells vanish (loss only),
or bounded through its own forward-backward sums (gradient); see ``_scaled_pass``. A sequence
that cannot be certified to 1e-13 relative (a -inf log-probability on the path, a frame whose
classes span more than ~700 nats, probability that really sits in vanished cells) is
recomputed with a plain log-space recursion, also used by ``ctc_trace``.

Memory: the loss-only path keeps one column per sequence (O(N * S'), plus O(T * N) per-frame
scales and a block of emissions); the gradient path stores the T x N x S' trellis.

References:
    Graves et al. 2006, "Connectionist Temporal Classification: Labelling Unsegmented Sequence
    Data with Recurrent Neural Networks", ICML.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from rnnloss_cli.engine._numerics import check_blank
from rnnloss_cli.engine.errors import EngineError

__all__ = [
    "CTCTrace",
    "ctc_loss",
    "ctc_loss_and_grad",
    "ctc_trace",
]

_REDUCTIONS = ("none", "sum", "mean")
_WRTS = ("logits", "log_probs")
# Floor of the "upper" scaled recursion: any cell below it is raised to it, so that recursion
# only ever over-estimates; the certificate in _scaled_pass bounds by how much.
_FLOOR = 4.0 * np.finfo(np.float64).tiny
# Accept the scaled result when its certified relative error bound is below this.
_CERTIFY = 1e-13
# Frames per vectorised exp/gather of the emissions; bounds the loss-only path's memory.
_BLOCK = 64


# --------------------------------------------------------------------------------------------
# Validation and the extended-label structure
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Batch:
    log_probs: NDArray[np.float64]  # (T, N, C)
    targets: NDArray[np.int64]  # (N, S_max), padding beyond each target length is blank
    input_lengths: NDArray[np.int64]  # (N,)
    target_lengths: NDArray[np.int64]  # (N,)
    blank: int
    unbatched: bool


@dataclass(frozen=True)
class _Extended:
    labels_ext: NDArray[np.int64]  # (N, S'), blank at padding states
    valid: NDArray[np.bool_]  # (N, S'), state exists for this sequence
    skip: NDArray[np.bool_]  # (N, S'), s-2 -> s allowed
    n_states: NDArray[np.int64]  # (N,), 2 S_n + 1
    min_frames: NDArray[np.int64]  # (N,), S_n + number of adjacent repeats


def _as_int_array(x: ArrayLike, name: str) -> NDArray[np.int64]:
    arr = np.asarray(x)
    if arr.size == 0:
        return arr.astype(np.int64).reshape(arr.shape)
    if arr.dtype == np.bool_ or not np.issubdtype(arr.dtype, np.integer):
        raise EngineError(f"{name} must contain integers; got dtype {arr.dtype}")
    return arr.astype(np.int64)


def _as_log_probs(log_probs: ArrayLike, allowed_ndim: tuple[int, ...]) -> NDArray[np.float64]:
    arr = np.asarray(log_probs)
    if arr.dtype == np.bool_ or not (
        np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)
    ):
        raise EngineError(f"log_probs must be real numbers; got dtype {arr.dtype}")
    shapes = " or ".join({3: "(T, N, C)", 2: "(T, C)"}[d] for d in allowed_ndim)
    if arr.ndim not in allowed_ndim:
        raise EngineError(f"log_probs must have shape {shapes}; got shape {arr.shape}")
    if arr.shape[-1] < 1:
        raise EngineError(f"log_probs must have at least one class (C >= 1); got shape {arr.shape}")
    arr = np.ascontiguousarray(arr, dtype=np.float64)
    bad = np.isnan(arr) | (arr == np.inf)
    if bad.any():
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        raise EngineError(
            f"log_probs must be finite or -inf (log 0); got {arr[where]} at index {where}"
        )
    return arr


def _lengths(x: ArrayLike, name: str, n: int, unbatched: bool) -> NDArray[np.int64]:
    arr = _as_int_array(x, name)
    if unbatched:
        if arr.size != 1 or arr.ndim > 1:
            raise EngineError(
                f"{name} must be a scalar (or 1 element) for unbatched (T, C) log_probs; "
                f"got shape {arr.shape}"
            )
        arr = arr.reshape(1)
    elif arr.shape != (n,):
        raise EngineError(f"{name} must have shape (N,) = ({n},); got shape {arr.shape}")
    if (arr < 0).any():
        i = int(np.argmax(arr < 0))
        raise EngineError(f"{name} must be >= 0; got {int(arr[i])} at batch index {i}")
    return arr


def _prepare(
    log_probs: ArrayLike,
    targets: ArrayLike,
    input_lengths: ArrayLike,
    target_lengths: ArrayLike,
    blank: int,
) -> _Batch:
    lp = _as_log_probs(log_probs, (3, 2))
    unbatched = lp.ndim == 2
    if unbatched:
        lp = lp[:, None, :]
    n_frames, n_batch, n_classes = lp.shape
    if n_batch < 1:
        raise EngineError(
            f"log_probs must hold at least one sequence (N >= 1); got shape {lp.shape}"
        )
    blank = check_blank(blank, n_classes)
    il = _lengths(input_lengths, "input_lengths", n_batch, unbatched)
    tl = _lengths(target_lengths, "target_lengths", n_batch, unbatched)
    if (il > n_frames).any():
        i = int(np.argmax(il > n_frames))
        raise EngineError(
            f"input_lengths must be <= T={n_frames}; got {int(il[i])} at batch index {i}"
        )
    tg = _as_int_array(targets, "targets")
    s_max = int(tl.max()) if tl.size else 0
    if unbatched:
        if tg.ndim != 1:
            raise EngineError(
                f"targets must have shape (S,) for unbatched (T, C) log_probs; got shape {tg.shape}"
            )
        if tl[0] > tg.shape[0]:
            raise EngineError(
                f"target_lengths must be <= S={tg.shape[0]} (targets shape {tg.shape}); "
                f"got {int(tl[0])}"
            )
        padded = tg[None, : tl[0]]
    elif tg.ndim == 2:
        if tg.shape[0] != n_batch:
            raise EngineError(
                f"padded targets must have shape (N, S) with N={n_batch}; got shape {tg.shape}"
            )
        if (tl > tg.shape[1]).any():
            i = int(np.argmax(tl > tg.shape[1]))
            raise EngineError(
                f"target_lengths must be <= S={tg.shape[1]} (padded targets shape {tg.shape}); "
                f"got {int(tl[i])} at batch index {i}"
            )
        padded = tg[:, :s_max]
    elif tg.ndim == 1:
        total = int(tl.sum())
        if tg.shape[0] != total:
            raise EngineError(
                "concatenated targets must have shape (sum(target_lengths),) = "
                f"({total},); got shape {tg.shape}"
            )
        padded = np.full((n_batch, s_max), blank, dtype=np.int64)
        starts = np.concatenate(([0], np.cumsum(tl)[:-1]))
        for n in range(n_batch):
            padded[n, : tl[n]] = tg[starts[n] : starts[n] + tl[n]]
    else:
        raise EngineError(
            f"targets must have shape (N, S) (padded) or (sum(target_lengths),) "
            f"(concatenated); got shape {tg.shape}"
        )
    in_target = np.arange(s_max)[None, :] < tl[:, None]
    padded = np.where(in_target, padded, blank)
    bad = in_target & ((padded < 0) | (padded >= n_classes) | (padded == blank))
    if bad.any():
        n, j = (int(i) for i in np.argwhere(bad)[0])
        raise EngineError(
            f"targets must be class indices in [0, {n_classes}) other than blank={blank}; "
            f"got {int(padded[n, j])} at position {j} of sequence {n}"
        )
    return _Batch(lp, padded.astype(np.int64), il, tl, blank, unbatched)


def _extend(targets: NDArray[np.int64], target_lengths: NDArray[np.int64], blank: int) -> _Extended:
    """Blank-interleaved labels, skip mask and the fewest frames each target needs."""
    n_batch, s_max = targets.shape
    n_ext = 2 * s_max + 1
    in_target = np.arange(s_max)[None, :] < target_lengths[:, None]
    labels_ext = np.full((n_batch, n_ext), blank, dtype=np.int64)
    labels_ext[:, 1::2] = targets
    n_states = 2 * target_lengths + 1
    valid = np.arange(n_ext)[None, :] < n_states[:, None]
    repeat = np.zeros((n_batch, s_max), dtype=bool)
    repeat[:, 1:] = (targets[:, 1:] == targets[:, :-1]) & in_target[:, 1:]
    skip = np.zeros((n_batch, n_ext), dtype=bool)
    skip[:, 3::2] = in_target[:, 1:] & ~repeat[:, 1:]
    # Each adjacent repeat forces a blank frame between the two labels.
    return _Extended(
        labels_ext=labels_ext,
        valid=valid,
        skip=skip,
        n_states=n_states,
        min_frames=target_lengths + repeat.sum(axis=1),
    )


# --------------------------------------------------------------------------------------------
# Shared helpers
# --------------------------------------------------------------------------------------------


def _gather_index(ext: _Extended, n_classes: int) -> NDArray[np.int64]:
    n_batch = ext.labels_ext.shape[0]
    return np.arange(n_batch)[:, None] * n_classes + ext.labels_ext


def _scatter_classes(
    occ: NDArray[np.float64], labels: NDArray[np.int64], n_classes: int
) -> NDArray[np.float64]:
    """Sum per-state occupations into per-class ones: (T, N, W) -> (T, N, C).

    labels (N, W) gives each column's class, or -1 for a column that belongs to none.
    """
    n_frames, n_batch, width = occ.shape
    out = np.empty((n_frames, n_batch, n_classes))
    bins = n_batch * (n_classes + 1)
    base = np.arange(n_batch)[:, None] * (n_classes + 1) + np.where(labels < 0, n_classes, labels)
    chunk = max(1, min(n_frames, (1 << 20) // max(1, n_batch * width)))
    index = (np.arange(chunk)[:, None, None] * bins + base[None]).reshape(-1)
    flat = occ.reshape(n_frames, n_batch * width)
    for t0 in range(0, n_frames, chunk):
        t1 = min(t0 + chunk, n_frames)
        k = t1 - t0
        counts = np.bincount(index[: k * n_batch * width], flat[t0:t1].reshape(-1), k * bins)
        out[t0:t1] = counts.reshape(k, n_batch, n_classes + 1)[:, :, :n_classes]
    return out


def _state_classes(ext: _Extended) -> NDArray[np.int64]:
    return np.where(ext.valid, ext.labels_ext, -1)


def _active_counts(lengths_desc: NDArray[np.int64], n_frames: int) -> NDArray[np.int64]:
    """act[t] = number of sequences with length > t (lengths sorted descending), t in 0..T."""
    return np.searchsorted(-lengths_desc, -np.arange(n_frames + 1), side="left")


def _logsumexp3(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    m = np.maximum(np.maximum(a, b), c)
    # An all -inf triple must give -inf, not nan from (-inf) - (-inf).
    m = np.where(np.isfinite(m), m, 0.0)
    return np.log(np.exp(a - m) + np.exp(b - m) + np.exp(c - m)) + m


# --------------------------------------------------------------------------------------------
# Log-space recursion: the reference used for traces and for sequences the scaled one cannot
# represent exactly.
# --------------------------------------------------------------------------------------------


def _log_forward_backward(
    lp: NDArray[np.float64],
    ext: _Extended,
    lengths: NDArray[np.int64],
    need_beta: bool,
) -> tuple[NDArray[np.float64], np.ndarray | None, np.ndarray | None, np.ndarray | None]:
    """Log-space alpha (and beta) for rows (T, M, C); returns (log p, log_alpha, log_beta, lpe).

    log_alpha/log_beta/lpe are (T, M, S') when need_beta, else None (one column kept).
    """
    n_frames, m_rows, n_classes = lp.shape
    n_ext = ext.labels_ext.shape[1]
    idx = _gather_index(ext, n_classes)
    rows = np.arange(m_rows)
    last = ext.n_states - 1
    log_p = np.where(lengths == 0, np.where(ext.n_states == 1, 0.0, -np.inf), -np.inf)
    neg = np.full((m_rows, 2), -np.inf)
    skip_pad = np.concatenate([np.zeros((m_rows, 2), dtype=bool), ext.skip], axis=1)
    t_max = int(lengths.max()) if m_rows else 0
    if need_beta:
        log_alpha = np.full((n_frames, m_rows, n_ext), -np.inf)
        log_beta = np.full((n_frames, m_rows, n_ext), -np.inf)
        lpe_all = np.full((n_frames, m_rows, n_ext), -np.inf)
    else:
        log_alpha = log_beta = lpe_all = None
    prev = np.full((m_rows, n_ext + 2), -np.inf)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        for t in range(t_max):
            lpe = np.where(ext.valid, np.take(lp[t].reshape(-1), idx), -np.inf)
            if t == 0:
                col = np.where(np.arange(n_ext)[None, :] < 2, lpe, -np.inf)
            else:
                skipped = np.where(skip_pad[:, 2:], prev[:, :-2], -np.inf)
                col = _logsumexp3(prev[:, 2:], prev[:, 1:-1], skipped) + lpe
            active = (t < lengths)[:, None]
            prev = np.concatenate([neg, np.where(active, col, -np.inf)], axis=1)
            done = lengths == t + 1
            if done.any():
                end = col[rows, last]
                before = np.where(last >= 1, col[rows, np.maximum(last - 1, 0)], -np.inf)
                log_p = np.where(done, np.logaddexp(end, before), log_p)
            if need_beta:
                log_alpha[t] = prev[:, 2:]
                lpe_all[t] = np.where(active, lpe, -np.inf)
        if need_beta:
            nxt = np.full((m_rows, n_ext + 2), -np.inf)
            skip_next = np.zeros((m_rows, n_ext), dtype=bool)
            skip_next[:, :-2] = ext.skip[:, 2:]
            for t in range(t_max - 1, -1, -1):
                lpe = lpe_all[t]
                skipped = np.where(skip_next, nxt[:, 2:], -np.inf)
                col = _logsumexp3(nxt[:, :-2], nxt[:, 1:-1], skipped) + lpe
                start = lengths == t + 1
                if start.any():
                    init = np.full((m_rows, n_ext), -np.inf)
                    init[rows, last] = lpe[rows, last]
                    second = np.maximum(last - 1, 0)
                    init[rows, second] = np.where(last >= 1, lpe[rows, second], init[rows, second])
                    col = np.where(start[:, None], init, col)
                col = np.where((t < lengths)[:, None], col, -np.inf)
                log_beta[t] = col
                nxt = np.concatenate([col, neg], axis=1)
    return log_p, log_alpha, log_beta, lpe_all


def _log_occupation(
    log_alpha: np.ndarray, log_beta: np.ndarray, lpe: np.ndarray, log_p: np.ndarray
) -> NDArray[np.float64]:
    """gamma_t(s) = alpha*beta / (y p), zero off the valid paths, (T, M, S')."""
    on_path = np.isfinite(log_alpha) & np.isfinite(log_beta) & np.isfinite(log_p)[None, :, None]
    with np.errstate(invalid="ignore", over="ignore"):
        log_gamma = log_alpha + log_beta - lpe - log_p[None, :, None]
    return np.where(on_path, np.exp(np.where(on_path, log_gamma, 0.0)), 0.0)


# --------------------------------------------------------------------------------------------
# Scaled-probability recursion: the fast path
# --------------------------------------------------------------------------------------------


class _Layout:
    """Flat layout of one trellis column for the scaled recursions.

    Each sequence's S' states are preceded by two always-zero pad cells, and the rows are laid
    end to end (width W = S' + 2), so the s-1 and s-2 (or s+1, s+2) terms of every sequence are
    one contiguous slice of the whole column: one numpy call per term for the entire batch. The
    pads absorb what a shifted slice carries over from the neighbouring row; their emission is 0,
    so they stay 0.
    """

    def __init__(self, ext: _Extended):
        n_batch, n_ext = ext.labels_ext.shape
        self.n_batch = n_batch
        self.width = n_ext + 2
        self.size = n_batch * self.width
        pad = np.zeros((n_batch, 2))
        self.labels = np.concatenate([pad - 1, _state_classes(ext)], axis=1).astype(np.int64)
        self.skip = np.concatenate([pad, ext.skip], axis=1).reshape(-1)
        # Backward: s may go to s+2 when s+2 may be entered by a skip.
        skip_next = np.zeros((n_batch, self.width))
        skip_next[:, 2:-2] = ext.skip[:, 2:]
        self.skip_next = skip_next.reshape(-1)
        # The floor applies to state cells (padding states included) and never to pads.
        floor = np.zeros((n_batch, self.width))
        floor[:, 2:] = _FLOOR
        self.floor = floor.reshape(-1)
        last = ext.n_states - 1
        rows = np.arange(n_batch)
        self.last = rows * self.width + 2 + last
        self.second = rows * self.width + 2 + np.maximum(last - 1, 0)
        self.has_second = last >= 1
        start = np.zeros((n_batch, self.width))
        start[:, 2:4] = 1.0
        self.start = start.reshape(-1)
        end = np.zeros((n_batch, self.width))
        end.reshape(-1)[self.last] = 1.0
        end.reshape(-1)[self.second] = 1.0
        self.end = end.reshape(-1)

    def class_plan(self, n_classes: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(perm, starts, bins): cells sorted by (sequence, class), where each (sequence, class)
        group starts, and its index in an (N * C,) vector; for np.add.reduceat."""
        cells = np.flatnonzero(self.labels >= 0)
        key = (cells // self.width) * n_classes + self.labels.reshape(-1)[cells]
        order = np.argsort(key, kind="stable")
        perm, key = cells[order], key[order]
        starts = np.flatnonzero(np.concatenate([[True], key[1:] != key[:-1]]))
        return perm, starts, key[starts]


class _Emissions:
    """exp(log y - m_t) gathered onto the column layout, computed a block of frames at a time.

    m_t is the largest log-probability among each sequence's own classes (blank and its labels),
    so the largest emission that matters is exactly 1; the shifts are kept in ``shift``.
    Pads and padding states read a zero column, so they never carry probability.
    """

    def __init__(
        self, lp: NDArray[np.float64], ext: _Extended, layout: _Layout, keep: bool = False
    ):
        self.lp = lp
        n_frames, n_batch, n_classes = lp.shape
        width = n_batch * n_classes
        cls = np.where(layout.labels >= 0, layout.labels, 0)
        idx = np.arange(n_batch)[:, None] * n_classes + cls
        self.idx = np.where(layout.labels >= 0, idx, width).reshape(-1)
        own = np.zeros((n_batch, n_classes), dtype=bool)
        own[np.nonzero(ext.valid)[0], ext.labels_ext[ext.valid]] = True
        self.own = own
        self.t0 = self.t1 = 0
        self.block = np.empty((0, layout.size))
        # keep: exponentiate every frame once (T x N x C, the size of the input) so that a
        # second pass only gathers; otherwise one block of frames at a time.
        self.keep = keep
        rows = n_frames if keep else min(_BLOCK, n_frames)
        self.flat = np.empty((rows, width + 1))
        self.shift = np.zeros((n_frames, n_batch))
        if keep:
            self._exponentiate(0, n_frames, self.flat)

    def _exponentiate(self, t0: int, t1: int, out: np.ndarray) -> None:
        n_batch, n_classes = self.own.shape
        k = t1 - t0
        lpb = self.lp[t0:t1]
        m = np.max(lpb, axis=2, where=self.own, initial=-np.inf)
        m[~np.isfinite(m)] = 0.0
        self.shift[t0:t1] = m
        np.subtract(lpb, m[:, :, None], out=out[:k, :-1].reshape(k, n_batch, n_classes))
        out[:k, -1] = -np.inf  # the column that pads and padding states read
        with np.errstate(over="ignore", under="ignore"):
            # Classes outside the sequence may overflow here; they are never gathered.
            np.exp(out[:k], out=out[:k])

    def frame(self, t: int) -> np.ndarray:
        """(N * W,) emissions of frame t."""
        if not self.t0 <= t < self.t1:
            n_frames = self.lp.shape[0]
            self.t0 = (t // _BLOCK) * _BLOCK
            self.t1 = min(self.t0 + _BLOCK, n_frames)
            if self.keep:
                flat = self.flat[self.t0 : self.t1]
            else:
                flat = self.flat[: self.t1 - self.t0]
                self._exponentiate(self.t0, self.t1, flat)
            self.block = np.take(flat, self.idx, axis=1)
        return self.block[t - self.t0]


def _scaled_pass(
    lp: NDArray[np.float64],
    ext: _Extended,
    lengths: NDArray[np.int64],
    need_grad: bool,
) -> tuple[NDArray[np.float64], NDArray[np.bool_], NDArray[np.float64] | None]:
    """Scaled-probability forward(-backward) over rows sorted by length, descending.

    Returns (ln p, ok, occupation): rows with ``ok`` False could not be certified exact and must
    be recomputed; occupation is the (T, N, C) class occupation gamma_t(k) when need_grad.

    Certificate. Two variants of the scaled recursion bracket p. A "lower" one lets cells that
    fall below the smallest normal double underflow (it can only lose probability); an "upper"
    one raises every cell below _FLOOR to _FLOOR (it can only gain). Loss only: run both, stacked
    into one array, and accept when they agree. Gradient: run the upper forward and backward;
    with z_t the forward column sums and Z_t = sum_s alpha_hat_t(s) beta_t(s)/y_t(s) in scaled
    units, W_t = sum_s alpha_t(s) beta_t(s)/y_t(s) of the upper system satisfies
    p <= W_t <= p / (1 - R), R = sum_t 6 _FLOOR / (z_t Z_t) (each frame's floors add at most
    3 _FLOOR A_t B_t / z_t through the forward and as much through the backward, A_t, B_t being
    the scales), and the per-frame occupations are off by at most 2R in total. Accept when
    R < _CERTIFY. Lost cells far off the likely alignments (a column of a long input easily
    spans more than 708 nats) then do not force a fallback, while a sequence whose probability
    really sits in such cells (or behind an emission that underflowed) does.
    """
    if need_grad:
        return _scaled_loss_grad(lp, ext, lengths)
    log_p, ok = _scaled_loss(lp, ext, lengths)
    return log_p, ok, None


def _scaled_loss(
    lp: NDArray[np.float64], ext: _Extended, lengths: NDArray[np.int64]
) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """Lower and upper scaled forward recursions side by side; one column each is kept."""
    lay = _Layout(ext)
    n_batch, width = lay.n_batch, lay.width
    t_max = int(lengths[0])
    active = _active_counts(lengths, t_max).tolist()
    emis = _Emissions(lp[:t_max], ext, lay)
    scales = np.ones((t_max, 2, n_batch, 1))
    final = np.ones((2, n_batch))
    ones = np.ones((width, 1))
    work = np.empty((2, lay.size))
    tmp = np.empty((2, lay.size))
    # Row 0 is the lower recursion, row 1 the upper; two leading zeros make s-2 a plain slice.
    cols = np.zeros((2, 2, lay.size + 2))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        a = -1
        for t in range(t_max):
            if active[t] != a:
                a = active[t]
                n = a * width
                c, tmp_a, skip_a, floor_a = work[:, :n], tmp[:, :n], lay.skip[:n], lay.floor[:n]
                c_rows = c.reshape(2, a, width)
            y = emis.frame(t)[:n]
            cur = cols[t % 2]
            if t == 0:
                np.multiply(y, lay.start[:n], out=c)
            else:
                prev = cols[(t - 1) % 2]
                np.add(prev[:, 2 : n + 2], prev[:, 1 : n + 1], out=c)
                np.multiply(prev[:, :n], skip_a, out=tmp_a)
                c += tmp_a
                c *= y
            np.maximum(c[1], floor_a, out=c[1])
            z = np.matmul(c_rows, ones, out=scales[t, :, :a])
            np.divide(c_rows, z, out=cur[:, 2 : n + 2].reshape(2, a, width))
            b = active[t + 1]
            if b < a:
                ends = cur[:, 2 + lay.last[b:a]]
                ends += np.where(lay.has_second[b:a], cur[:, 2 + lay.second[b:a]], 0.0)
                final[:, b:a] = ends
        frame_ok = (np.arange(t_max)[:, None] < lengths[None, :])[:, None, :]
        log_p = (np.log(scales[..., 0]) + emis.shift[:t_max, None, :]).sum(axis=0, where=frame_ok)
        log_p += np.log(final)
    ok = np.abs(log_p[1] - log_p[0]) <= _CERTIFY
    return log_p[1], ok


def _scaled_loss_grad(
    lp: NDArray[np.float64], ext: _Extended, lengths: NDArray[np.int64]
) -> tuple[NDArray[np.float64], NDArray[np.bool_], NDArray[np.float64]]:
    """Upper scaled forward and backward recursions, the T x N x S' trellis and the certificate."""
    n_frames, n_batch, n_classes = lp.shape
    lay = _Layout(ext)
    width = lay.width
    t_max = int(lengths[0])
    active = _active_counts(lengths, t_max).tolist()
    emis = _Emissions(lp[:t_max], ext, lay, keep=True)
    scales = np.ones((t_max, n_batch, 1))
    final = np.ones(n_batch)
    ones = np.ones((width, 1))
    work = np.empty(lay.size)
    tmp = np.empty(lay.size)
    # Column t (two leading zeros, then the layout) holds alpha_hat_t; after the backward pass,
    # the unnormalised occupations alpha_hat_t(s) beta_t(s) / y_t(s).
    store = np.zeros((t_max, lay.size + 2))
    rows3 = store[:, 2:].reshape(t_max, n_batch, width)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        a = -1
        for t in range(t_max):
            if active[t] != a:
                # The active rows change only when a sequence ends: re-slice only then.
                a = active[t]
                n = a * width
                c, tmp_a, skip_a, floor_a = work[:n], tmp[:n], lay.skip[:n], lay.floor[:n]
                c_rows = c.reshape(a, width)
            y = emis.frame(t)
            if a < n_batch:
                y = y[:n]
            if t == 0:
                np.multiply(y, lay.start[:n], out=c)
            else:
                prev = store[t - 1]
                np.add(prev[2 : n + 2], prev[1 : n + 1], out=c)
                np.multiply(prev[:n], skip_a, out=tmp_a)
                c += tmp_a
                c *= y
            np.maximum(c, floor_a, out=c)
            z = np.dot(c_rows, ones, out=scales[t, :a])
            np.divide(c_rows, z, out=rows3[t, :a])
            b = active[t + 1]
            if b < a:
                final[b:a] = store[t, 2 + lay.last[b:a]] + np.where(
                    lay.has_second[b:a], store[t, 2 + lay.second[b:a]], 0.0
                )
        scales = scales[:, :, 0]
        frame_ok = np.arange(t_max)[:, None] < lengths[None, :]
        log_p = (np.log(scales) + emis.shift[:t_max]).sum(axis=0, where=frame_ok)
        log_p += np.log(final)

        # nxt holds beta_hat_{t+1} in the layout, then two trailing zeros.
        nxt = np.zeros(lay.size + 2)
        norm = np.empty((n_batch, 1))
        # Occupations are summed into classes frame by frame (a gather and a segmented sum of
        # one column), which is cheaper than one scatter over the whole trellis afterwards.
        perm, starts, bins = lay.class_plan(n_classes)
        perm2 = perm + 2  # positions in a stored column, past its two leading zeros
        gamma = np.zeros((t_max, n_batch * n_classes))
        a = b = -1
        for t in range(t_max - 1, -1, -1):
            if active[t] != a or active[t + 1] != b:
                a, b = active[t], active[t + 1]
                n, m = a * width, b * width
                bt, tmp_b, skip_b, floor_a = work[:n], tmp[:m], lay.skip_next[:m], lay.floor[:n]
                bt_b, bt_rows, norm_a = bt[:m], bt.reshape(a, width), norm[:a]
                nxt_rows = nxt[:n].reshape(a, width)
            # beta_t(s) / y_t(s): probability of the rest of the alignment after leaving s.
            if b > 0:
                np.add(nxt[:m], nxt[1 : m + 1], out=bt_b)
                np.multiply(nxt[2 : m + 2], skip_b, out=tmp_b)
                bt_b += tmp_b
            if b < a:
                bt[m:n] = lay.end[m:n]
            col = store[t]
            occ = col[2 : n + 2]
            occ *= bt
            gamma[t, bins] = np.add.reduceat(col.take(perm2), starts)
            if t == 0:
                break
            y = emis.frame(t)
            bt *= y if a == n_batch else y[:n]
            np.maximum(bt, floor_a, out=bt)
            w = np.dot(bt_rows, ones, out=norm_a)
            np.divide(bt_rows, w, out=nxt_rows)

    gamma = gamma.reshape(t_max, n_batch, n_classes)
    # Per-frame normalisation: sum_s alpha_t(s) beta_t(s) / y_t(s) = p for every t.
    occ_sum = gamma.sum(axis=2)
    occ_sum[~frame_ok] = 1.0
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        bound = (6.0 * _FLOOR / (scales * occ_sum)).sum(axis=0, where=frame_ok)
        gamma /= occ_sum[:, :, None]
    ok = bound < _CERTIFY
    return log_p, ok, gamma


def _log_likelihood(
    batch: _Batch, need_grad: bool
) -> tuple[NDArray[np.float64], NDArray[np.float64] | None]:
    """ln p(l|x) per sequence (N,) and, if asked, the class occupations gamma (T, N, C)."""
    lp = batch.log_probs
    n_frames, n_batch, n_classes = lp.shape
    ext = _extend(batch.targets, batch.target_lengths, batch.blank)
    feasible = batch.input_lengths >= ext.min_frames
    # An impossible target is -inf without any recursion; length 0 keeps it out of the loop.
    eff = np.where(feasible, batch.input_lengths, 0)
    order = np.argsort(-eff, kind="stable")
    identity = bool((order == np.arange(n_batch)).all())
    sub = _take_rows(ext, order)
    lp_sorted = lp if identity else lp[:, order]
    log_p_s, ok_s, gamma_s = _scaled_pass(lp_sorted, sub, eff[order], need_grad)
    log_p = np.empty(n_batch)
    log_p[order] = log_p_s
    ok = np.empty(n_batch, dtype=bool)
    ok[order] = ok_s
    gamma = None
    if need_grad and identity and gamma_s.shape[0] == n_frames:
        gamma = gamma_s
    elif need_grad:
        gamma = np.zeros((n_frames, n_batch, n_classes))
        gamma[: gamma_s.shape[0], order] = gamma_s
    log_p = np.where(eff == 0, np.where(ext.n_states == 1, 0.0, -np.inf), log_p)
    redo = np.nonzero(~ok & (eff > 0))[0]
    if redo.size:
        rsub = _take_rows(ext, redo)
        log_p_r, la, lb, lpe = _log_forward_backward(lp[:, redo], rsub, eff[redo], need_grad)
        log_p[redo] = log_p_r
        if need_grad:
            occ = _log_occupation(la, lb, lpe, log_p_r)
            gamma[:, redo] = _scatter_classes(occ, _state_classes(rsub), n_classes)
    return log_p, gamma


def _take_rows(ext: _Extended, rows: NDArray[np.int64]) -> _Extended:
    return _Extended(*(getattr(ext, f)[rows] for f in _Extended.__dataclass_fields__))


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------


def _check_options(reduction: str, wrt: str | None = None) -> None:
    if reduction not in _REDUCTIONS:
        raise EngineError(f"reduction must be one of {_REDUCTIONS}; got {reduction!r}")
    if wrt is not None and wrt not in _WRTS:
        raise EngineError(f"wrt must be one of {_WRTS}; got {wrt!r}")


def _reduce(
    batch: _Batch, log_p: NDArray[np.float64], reduction: str, zero_infinity: bool
) -> tuple[np.ndarray | float, NDArray[np.float64], NDArray[np.bool_]]:
    """(reduced loss, per-sequence gradient scale, infinite mask)."""
    nll = -log_p
    infinite = np.isinf(nll)
    if zero_infinity:
        nll = np.where(infinite, 0.0, nll)
    n_batch = nll.shape[0]
    if reduction == "none":
        loss: np.ndarray | float = np.float64(nll[0]) if batch.unbatched else nll
        scale = np.ones(n_batch)
    elif reduction == "sum":
        loss = np.float64(nll.sum())
        scale = np.ones(n_batch)
    else:
        denom = np.maximum(batch.target_lengths, 1).astype(np.float64)
        loss = np.float64((nll / denom).mean())
        scale = 1.0 / (denom * n_batch)
    return loss, scale, infinite


def ctc_loss(
    log_probs: ArrayLike,
    targets: ArrayLike,
    input_lengths: ArrayLike,
    target_lengths: ArrayLike,
    *,
    blank: int = 0,
    reduction: str = "mean",
    zero_infinity: bool = False,
) -> np.ndarray | float:
    """CTC loss with PyTorch's semantics, float64, loss only.

    loss_n = -ln p(l_n|x_n), with p(l|x) = sum over alignments pi in B^{-1}(l) of
    prod_t y_t(pi_t) over the first input_lengths[n] frames. Natural log. ``reduction``:
    "none" -> (N,) losses; "sum" -> their sum; "mean" -> mean over the batch of
    loss_n / max(target_lengths[n], 1) (exactly ``torch.nn.functional.ctc_loss``).

    A target that cannot fit its frames (input_length < S + number of adjacent repeated labels)
    or whose every alignment has probability 0 gets loss inf; ``zero_infinity=True`` makes it 0.
    Only one column of the trellis per sequence is kept: memory O(N * S' + T * N).

    Args:
        log_probs: (T, N, C) per-frame class log-probabilities (normally log_softmax outputs;
            any values that are finite or -inf are accepted), or (T, C) for one sequence.
        targets: (N, S) padded label indices, or (sum(target_lengths),) concatenated; (S,) when
            log_probs is (T, C). Labels must lie in [0, C) and differ from ``blank``.
        input_lengths: (N,) frames used per sequence, each <= T (a scalar when unbatched).
        target_lengths: (N,) labels per sequence (a scalar when unbatched).
        blank: index of the blank class.
        reduction: "none", "sum" or "mean".
        zero_infinity: replace infinite losses by 0.

    Returns:
        (N,) float64 losses for reduction="none" (a float for unbatched input), else a float.

    Raises:
        EngineError: on a bad shape, dtype, length, blank index or target label; the message
            states what was expected and what was given.

    References:
        Graves et al. 2006, "Connectionist Temporal Classification: Labelling Unsegmented
        Sequence Data with Recurrent Neural Networks", ICML.
    """
    _check_options(reduction)
    batch = _prepare(log_probs, targets, input_lengths, target_lengths, blank)
    log_p, _ = _log_likelihood(batch, need_grad=False)
    loss, _, _ = _reduce(batch, log_p, reduction, zero_infinity)
    return loss


def ctc_loss_and_grad(
    log_probs: ArrayLike,
    targets: ArrayLike,
    input_lengths: ArrayLike,
    target_lengths: ArrayLike,
    *,
    blank: int = 0,
    reduction: str = "mean",
    zero_infinity: bool = False,
    wrt: str = "logits",
) -> tuple[np.ndarray | float, NDArray[np.float64]]:
    """CTC loss (as :func:`ctc_loss`) and its gradient, shaped like log_probs.

    With gamma_t(k) = (1/p) sum_{s: l'_s = k} alpha_t(s) beta_t(s) / y_t(k), the occupation of
    class k at frame t (summing to 1 over k), and c_n the reduction scale (1 for "none" and
    "sum", 1 / (N * max(S_n, 1)) for "mean"):

    - wrt="logits": c_n * (y_t(k) - gamma_t(k)), the gradient with respect to the logits whose
      log_softmax is log_probs (Graves et al. 2006, eq. 16). This is what PyTorch's ctc_loss
      backward reports as the log_probs gradient, because it folds in the softmax Jacobian.
    - wrt="log_probs": -c_n * gamma_t(k), the true partial derivative with log_probs as free
      inputs. Per valid frame, grad_logits = c_n * exp(log_probs) + grad_log_probs.

    For reduction="none" the gradient is that of sum_n loss_n (each sequence's own gradient in
    its own slice). Frames t >= input_lengths[n] get 0. A sequence with infinite loss gets 0
    with zero_infinity=True and NaN on its valid frames otherwise (the gradient does not exist;
    PyTorch returns NaN there as well).

    Args:
        log_probs: (T, N, C) per-frame class log-probabilities, or (T, C) for one sequence.
        targets: (N, S) padded or (sum(target_lengths),) concatenated label indices; (S,) when
            unbatched.
        input_lengths: (N,) frames used per sequence (a scalar when unbatched).
        target_lengths: (N,) labels per sequence (a scalar when unbatched).
        blank: index of the blank class.
        reduction: "none", "sum" or "mean".
        zero_infinity: replace infinite losses (and their gradients) by 0.
        wrt: "logits" (default, PyTorch's convention) or "log_probs".

    Returns:
        (loss, grad): loss as returned by :func:`ctc_loss`; grad float64 of log_probs' shape,
        (T, N, C) or (T, C).

    Raises:
        EngineError: on a bad argument, as :func:`ctc_loss`, or an unknown ``wrt``.

    References:
        Graves et al. 2006, "Connectionist Temporal Classification: Labelling Unsegmented
        Sequence Data with Recurrent Neural Networks", ICML.
    """
    _check_options(reduction, wrt)
    batch = _prepare(log_probs, targets, input_lengths, target_lengths, blank)
    log_p, gamma = _log_likelihood(batch, need_grad=True)
    loss, scale, infinite = _reduce(batch, log_p, reduction, zero_infinity)
    lp = batch.log_probs
    n_frames = lp.shape[0]
    frame_ok = np.arange(n_frames)[:, None] < batch.input_lengths[None, :]
    weight = np.where(frame_ok, scale[None, :], 0.0)
    if infinite.any():
        dead = 0.0 if zero_infinity else np.nan
        weight = np.where(infinite[None, :] & frame_ok, dead, weight)
    grad = gamma
    grad *= weight[:, :, None]
    np.subtract(0.0, grad, out=grad)  # 0 - x, not -x: no negative zeros in printed tables
    if wrt == "logits":
        with np.errstate(invalid="ignore", over="ignore"):
            grad += np.exp(lp) * weight[:, :, None]
    if batch.unbatched:
        grad = grad[:, 0, :]
    return loss, grad


@dataclass(frozen=True, eq=False)
class CTCTrace:
    """Every intermediate quantity of the CTC loss of one sequence, in the paper's names.

    Attributes:
        labels_ext: (S',) extended labels, S' = 2S + 1, blank at even positions.
        log_alpha: (T, S') ln alpha_t(s): total probability of the prefixes of valid
            alignments that are in state s at frame t (emission y_t(l'_s) included).
        log_beta: (T, S') ln beta_t(s): total probability of the suffixes from state s at
            frame t to the end (emission y_t(l'_s) included), so for every t,
            p(l|x) = sum_s alpha_t(s) beta_t(s) / y_t(l'_s).
        log_likelihood: ln p(l|x), -inf when no alignment has positive probability.
        loss: -ln p(l|x).
        grad_logits: (T, C) d loss / d logits = y_t(k) - gamma_t(k) (NaN when loss is inf).
        grad_log_probs: (T, C) d loss / d log y_t(k) = -gamma_t(k) (NaN when loss is inf).
        reachable: (T, S') cells on some valid path of positive probability (alpha and beta
            both finite).
    """

    labels_ext: NDArray[np.int64]
    log_alpha: NDArray[np.float64]
    log_beta: NDArray[np.float64]
    log_likelihood: float
    loss: float
    grad_logits: NDArray[np.float64]
    grad_log_probs: NDArray[np.float64]
    reachable: NDArray[np.bool_]


def ctc_trace(log_probs: ArrayLike, target: ArrayLike, *, blank: int = 0) -> CTCTrace:
    """Forward/backward trellises, likelihood and gradients of one sequence, in log space.

    loss = -ln p(l|x), p(l|x) = sum over pi in B^{-1}(l) of prod_t y_t(pi_t), computed with
    log_alpha_t(s) = ln y_t(l'_s) + logsumexp(log_alpha_{t-1}(s), log_alpha_{t-1}(s-1),
    log_alpha_{t-1}(s-2) if the skip is allowed) and the mirror-image recursion for log_beta.
    Natural log; the whole T x S' trellis is built (this is for display and checking).

    Args:
        log_probs: (T, C) per-frame class log-probabilities (finite or -inf).
        target: (S,) label indices in [0, C), none equal to ``blank``.
        blank: index of the blank class.

    Returns:
        A :class:`CTCTrace` (arrays are read-only).

    Raises:
        EngineError: on a bad shape, blank index or target label.

    References:
        Graves et al. 2006, "Connectionist Temporal Classification: Labelling Unsegmented
        Sequence Data with Recurrent Neural Networks", ICML.
    """
    lp = _as_log_probs(log_probs, (2,))
    tg = _as_int_array(target, "target")
    if tg.ndim != 1:
        raise EngineError(f"target must have shape (S,); got shape {tg.shape}")
    n_frames, n_classes = lp.shape
    batch = _prepare(lp, tg, n_frames, tg.shape[0], blank)
    ext = _extend(batch.targets, batch.target_lengths, batch.blank)
    lengths = batch.input_lengths
    if n_frames < int(ext.min_frames[0]):
        lengths = np.zeros(1, dtype=np.int64)
    log_p, la, lb, lpe = _log_forward_backward(batch.log_probs, ext, lengths, need_beta=True)
    log_lik = float(log_p[0])
    occ = _log_occupation(la, lb, lpe, log_p)
    gamma = _scatter_classes(occ, _state_classes(ext), n_classes)[:, 0, :]
    if np.isfinite(log_lik):
        grad_log_probs = 0.0 - gamma
        with np.errstate(over="ignore"):
            grad_logits = np.exp(lp) - gamma
    else:
        grad_log_probs = np.full((n_frames, n_classes), np.nan)
        grad_logits = np.full((n_frames, n_classes), np.nan)
    log_alpha = la[:, 0, :]
    log_beta = lb[:, 0, :]
    reachable = np.isfinite(log_alpha) & np.isfinite(log_beta)
    arrays = (ext.labels_ext[0], log_alpha, log_beta, grad_logits, grad_log_probs, reachable)
    for arr in arrays:
        arr.setflags(write=False)
    return CTCTrace(
        labels_ext=arrays[0],
        log_alpha=log_alpha,
        log_beta=log_beta,
        log_likelihood=log_lik,
        loss=-log_lik,
        grad_logits=grad_logits,
        grad_log_probs=grad_log_probs,
        reachable=reachable,
    )
