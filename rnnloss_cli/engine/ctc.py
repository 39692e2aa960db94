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

Conventions follow ``torch.nn.functional.ctc_loss``: natural logarithms, float64 arithmetic,
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
Results are computed in float64 whatever the input dtype; float32 input gives float32 losses and
gradients (rounded once at the end), as PyTorch keeps the dtype.

The batched loss and gradient use the scaled-probability recursion (Rabiner's HMM scaling,
``_ctc_scaled``): per frame, emissions are ``exp(log_probs - m_t)`` with m_t the largest
log-probability among the sequence's own classes, and the alpha (and beta) columns are rescaled
by powers of two kept as integer offsets (every 8th frame for the loss, every few frames for
the gradient; between rescalings a window's sum can at most triple a frame), so ln p stays
finite and exact for very long inputs or very negative log-probabilities. It vectorises over
the batch and the extended labels (one flat column per frame) and loops in Python over time
only. Inputs longer than ``LONG_FRAMES`` frames cut each column into windows of up to 64 states
with their own offsets (a long input's column spans far more than a double between its two
ends); shorter ones start with one scale per sequence.

Scaling is not exact on its own: cells far below the largest in their window vanish, and an
emission can underflow inside a frame. Usually they lie far off every likely alignment, but
not always. Each result is therefore certified: an "upper" recursion that raises every cell
below the smallest normal double to that value (it can only over-estimate) is compared with a
"lower" one that lets cells vanish (loss only), or bounded by the floors' largest possible
contribution (gradient); see ``_ctc_scaled``. A sequence that cannot be certified to 1e-13
relative is recomputed with windows, then (a -inf log-probability on the path, a frame whose
classes span more than ~700 nats, probability that really sits in vanished cells) with the
plain log-space recursion below, also used by ``ctc_trace``.

Short inputs (at most 256 frames, ``_ctc_small``) first try the plain linear recursion without
rescaling: each frame's emissions are divided by the frame's largest own-class probability, so
no cell exceeds 3^L, and the result is kept only if the underflow it can have suffered is
certified below 2^-46 of p (else the scaled path above takes the sequence); small batches use a
dense matrix-vector form, and the gradient's class reduction is one product with a one-hot map.
One full-length sequence of at most 128 frames (a worked problem, a notebook cell) goes
straight from the argument checks to ``single_loss`` / ``single_grad``: forward and backward
as one block-diagonal recursion, one matrix-vector product a frame, the same certificate.

Loss only, long sequences with few states (S' <= 33, >= 2048 frames) use segment transfer
matrices instead (``_ctc_segments``: 64-frame blocks of the linear recursion computed for 256
blocks at once, combined in log space), about 2 s for 10^6 frames with S' = 11.

Threads: a batch whose columns are wide (at least 8192 cells a frame a thread, as
(1000, 64, 100, 200)) is cut into contiguous parts of about equal work, whose scaled
recursions run on their own threads (``_parallel``; numpy releases the GIL inside its array
loops; ``RNNLOSS_NUM_THREADS=1`` turns this off). Narrower columns stay on one thread: their
per-frame numpy calls are too short to overlap. A split changes a sequence's result only in the
last bits, as putting it in another batch does.

Memory: the loss-only paths keep O(N * S') per sequence, plus O(T * N) per-frame shifts and a
block of emissions; the gradient path stores one T x N x S' trellis (plus the input-sized
emissions, occupations and gradient).

References:
    Graves et al. 2006, "Connectionist Temporal Classification: Labelling Unsegmented Sequence
    Data with Recurrent Neural Networks", ICML.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from rnnloss_cli.engine._ctc_checks import (
    _as_int_array,
    _as_log_probs,
    _Batch,
    _extend,
    _Extended,
    _min_max,
    _prepare,
    check_work,
    state_classes,
    take_rows,
)
from rnnloss_cli.engine._ctc_scaled import LONG_FRAMES, scaled, segment_frames
from rnnloss_cli.engine._ctc_segments import segment_loss
from rnnloss_cli.engine._ctc_small import single_grad, single_loss, small_pass
from rnnloss_cli.engine._numerics import check_reduction
from rnnloss_cli.engine._parallel import run_parts, split_rows
from rnnloss_cli.engine.errors import EngineError, shown
from rnnloss_cli.limits import MAX_ARRAY_BYTES

__all__ = [
    "CTCTrace",
    "ctc_loss",
    "ctc_loss_and_grad",
    "ctc_trace",
]

_WRTS = ("logits", "log_probs")
# Loss only: sequences at least this long with at most this many extended states go through the
# segment transfer matrices (_ctc_segments) when that is cheaper than the per-frame loop.
SEGMENT_MIN_FRAMES = 2048
SEGMENT_MAX_STATES = 33


# --------------------------------------------------------------------------------------------
# Shared helpers
# --------------------------------------------------------------------------------------------


# Cells from which _logsumexp3 takes the vectorised exp / log route (measured crossover ~300).
_LSE_WIDE = 320
_FLOAT_MIN = float(np.finfo(np.float64).min)
# Cells (frames x rows x states) of one block of _log_occupation's frames: 512 KB a temporary.
_OCC_BLOCK_CELLS = 1 << 16


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


def _logsumexp3(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """ln(e^a + e^b + e^c) elementwise, the log-space passes' per-frame step; -inf if all are.

    Small columns (below ``_LSE_WIDE`` cells): two ``np.logaddexp`` (each a max plus
    log1p(exp(-|d|))), 8 against 11 us at (2, 101). Wide ones: m = max(a, b, c), then
    m + ln(e^(a-m) + e^(b-m) + e^(c-m)), thirteen calls whose exp and log are vectorised where
    ``np.logaddexp`` is not: 30 against 61 us for 3216 cells, 135 against 570 us for 16000.
    Both round to a few ulps of the exact value (7e-15 for |a| ~ 100).
    """
    if a.size < _LSE_WIDE:
        return np.logaddexp(np.logaddexp(a, b), c)
    m = np.maximum(a, b)
    np.maximum(m, c, out=m)
    # All three -inf: shift by the lowest finite double instead (every term is then
    # e^-inf = 0 and the result -inf); a finite m is left as it is.
    np.maximum(m, _FLOAT_MIN, out=m)
    total = np.subtract(a, m)
    np.exp(total, out=total)
    term = np.subtract(b, m)
    np.exp(term, out=term)
    total += term
    np.subtract(c, m, out=term)
    np.exp(term, out=term)
    total += term
    np.log(total, out=total)
    total += m
    return total


# --------------------------------------------------------------------------------------------
# Log-space recursion: the reference used for traces and for sequences the scaled one cannot
# represent exactly.
# --------------------------------------------------------------------------------------------


class _LogSteps:
    """One frame of the log-space forward and backward recursions for rows (T, M, C)."""

    def __init__(self, lp: NDArray[np.float64], ext: _Extended, lengths: NDArray[np.int64]):
        m_rows, n_ext = ext.labels_ext.shape
        self.lp, self.lengths, self.valid = lp, lengths, ext.valid
        self.idx = _gather_index(ext, lp.shape[2])
        self.rows = np.arange(m_rows)
        self.last = ext.n_states - 1
        self.neg = np.full((m_rows, 2), -np.inf)
        self.first_two = np.arange(n_ext)[None, :] < 2
        self.skip_pad = np.concatenate([np.zeros((m_rows, 2), dtype=bool), ext.skip], axis=1)
        self.skip_next = np.zeros((m_rows, n_ext), dtype=bool)
        self.skip_next[:, :-2] = ext.skip[:, 2:]

    def start(self) -> np.ndarray:
        """The padded column before frame 0 (and after the last): all -inf."""
        return np.full((self.rows.size, self.idx.shape[1] + 2), -np.inf)

    def emissions(self, t: int) -> tuple[np.ndarray, np.ndarray]:
        """(ln y_t on the extended states, the rows still running at frame t as an (M, 1) mask)."""
        lpe = np.where(self.valid, np.take(self.lp[t].reshape(-1), self.idx), -np.inf)
        return lpe, (t < self.lengths)[:, None]

    def alpha(
        self, prev: np.ndarray, t: int, lpe: np.ndarray, active: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """(padded log alpha_t, -inf past a row's end; log alpha_t before that mask)."""
        if t == 0:
            col = np.where(self.first_two, lpe, -np.inf)
        else:
            skipped = np.where(self.skip_pad[:, 2:], prev[:, :-2], -np.inf)
            col = _logsumexp3(prev[:, 2:], prev[:, 1:-1], skipped) + lpe
        return np.concatenate([self.neg, np.where(active, col, -np.inf)], axis=1), col

    def ends(self, col: np.ndarray, t: int, log_p: np.ndarray) -> np.ndarray:
        """log_p with the rows whose last frame is t set from log alpha_t."""
        done = self.lengths == t + 1
        if not done.any():
            return log_p
        rows, last = self.rows, self.last
        end = col[rows, last]
        before = np.where(last >= 1, col[rows, np.maximum(last - 1, 0)], -np.inf)
        return np.where(done, np.logaddexp(end, before), log_p)

    def beta(self, nxt: np.ndarray, t: int, lpe: np.ndarray) -> np.ndarray:
        """log beta_t from the padded log beta_{t+1} (lpe: -inf past a row's end)."""
        skipped = np.where(self.skip_next, nxt[:, 2:], -np.inf)
        col = _logsumexp3(nxt[:, :-2], nxt[:, 1:-1], skipped) + lpe
        start = self.lengths == t + 1
        if start.any():
            rows, last = self.rows, self.last
            init = np.full(col.shape, -np.inf)
            init[rows, last] = lpe[rows, last]
            second = np.maximum(last - 1, 0)
            init[rows, second] = np.where(last >= 1, lpe[rows, second], init[rows, second])
            col = np.where(start[:, None], init, col)
        return np.where((t < self.lengths)[:, None], col, -np.inf)


def _log_p_start(ext: _Extended, lengths: NDArray[np.int64]) -> NDArray[np.float64]:
    """ln p before any frame: 0 for an empty target of no frames, -inf otherwise."""
    return np.where(lengths == 0, np.where(ext.n_states == 1, 0.0, -np.inf), -np.inf)


def _log_forward_backward(
    lp: NDArray[np.float64],
    ext: _Extended,
    lengths: NDArray[np.int64],
    need_beta: bool,
) -> tuple[NDArray[np.float64], np.ndarray | None, np.ndarray | None, np.ndarray | None]:
    """Log-space alpha (and beta) for rows (T, M, C); returns (log p, log_alpha, log_beta, lpe).

    log_alpha/log_beta/lpe are (T, M, S') when need_beta, else None (one column kept).
    """
    n_frames, m_rows, _ = lp.shape
    n_ext = ext.labels_ext.shape[1]
    steps = _LogSteps(lp, ext, lengths)
    log_p = _log_p_start(ext, lengths)
    t_max = int(lengths.max()) if m_rows else 0
    if need_beta:
        log_alpha = np.full((n_frames, m_rows, n_ext), -np.inf)
        log_beta = np.full((n_frames, m_rows, n_ext), -np.inf)
        lpe_all = np.full((n_frames, m_rows, n_ext), -np.inf)
    else:
        log_alpha = log_beta = lpe_all = None
    prev = steps.start()
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        for t in range(t_max):
            lpe, active = steps.emissions(t)
            prev, col = steps.alpha(prev, t, lpe, active)
            log_p = steps.ends(col, t, log_p)
            if need_beta:
                log_alpha[t] = prev[:, 2:]
                lpe_all[t] = np.where(active, lpe, -np.inf)
        if need_beta:
            nxt = steps.start()
            for t in range(t_max - 1, -1, -1):
                log_beta[t] = col = steps.beta(nxt, t, lpe_all[t])
                nxt = np.concatenate([col, steps.neg], axis=1)
    return log_p, log_alpha, log_beta, lpe_all


def _log_gamma(
    lp: NDArray[np.float64], ext: _Extended, lengths: NDArray[np.int64], n_classes: int
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """ln p (M,) and the class occupations gamma (T, M, C), in log space, for rows (T, M, C).

    The (T, M, S') table of log alpha is held for one segment of frames at a time
    (``segment_frames``, as the scaled gradient pass: all the frames when they are small, else
    about sqrt(T)); the forward pass keeps the column before each segment, from which the
    segment's log alpha is recomputed on the way back. The backward pass takes the
    segment's frames in blocks of about ``_OCC_BLOCK_CELLS`` cells: log beta and the emissions
    of a block, then its occupations (written over its log alpha) and their class sums, so no
    other table of the segment's size is made (on this machine, fresh memory costs ~3 ms a MB
    to fault in). Each frame's numbers are those of one pass over all the frames with whole
    tables (a frame's occupations are normalised by their own sum).
    """
    n_frames, m_rows, _ = lp.shape
    n_ext = ext.labels_ext.shape[1]
    steps = _LogSteps(lp, ext, lengths)
    log_p = _log_p_start(ext, lengths)
    t_max = int(lengths.max()) if m_rows else 0
    gamma = np.zeros((n_frames, m_rows, n_classes))
    if t_max == 0:
        return log_p, gamma
    # log alpha of a segment, and the temporaries of the block (counted as one more table)
    seg_len = segment_frames(t_max, 2 * m_rows * n_ext)
    block_len = max(1, _OCC_BLOCK_CELLS // (m_rows * n_ext))
    labels = state_classes(ext)
    checkpoints: dict[int, np.ndarray] = {}
    log_alpha = np.empty((seg_len, m_rows, n_ext))
    log_beta = np.empty((min(block_len, seg_len), m_rows, n_ext))
    lpe_block = np.empty_like(log_beta)

    def forward(t0: int, t1: int, prev: np.ndarray, first: bool, keep: bool) -> None:
        """Frames t0 .. t1 - 1 from the column before t0. The first pass sets log p and the
        checkpoints; ``keep`` stores the frames' log alpha (from t0 on)."""
        nonlocal log_p
        for t in range(t0, t1):
            if first and t % seg_len == 0:
                checkpoints[t] = prev
            lpe, active = steps.emissions(t)
            prev, col = steps.alpha(prev, t, lpe, active)
            if first:
                log_p = steps.ends(col, t, log_p)
            if keep:
                log_alpha[t - t0] = prev[:, 2:]

    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        # one segment: its log alpha is kept on the only forward pass
        forward(0, t_max, steps.start(), first=True, keep=seg_len >= t_max)
        nxt = steps.start()
        for t0 in range((t_max - 1) // seg_len * seg_len, -1, -seg_len):
            t1 = min(t0 + seg_len, t_max)
            if seg_len < t_max:
                forward(t0, t1, checkpoints[t0], first=False, keep=True)
            for b0 in range(t0 + (t1 - 1 - t0) // block_len * block_len, t0 - 1, -block_len):
                b1 = min(b0 + block_len, t1)
                for t in range(b1 - 1, b0 - 1, -1):
                    # past a row's end its log alpha and beta are -inf: no mask needed here
                    lpe_block[t - b0] = lpe = steps.emissions(t)[0]
                    log_beta[t - b0] = col = steps.beta(nxt, t, lpe)
                    nxt = np.concatenate([col, steps.neg], axis=1)
                k = b1 - b0
                alpha_block = log_alpha[b0 - t0 : b1 - t0]
                occ = _log_occupation(alpha_block, log_beta[:k], lpe_block[:k], out=alpha_block)
                gamma[b0:b1] = _scatter_classes(occ, labels, n_classes)
    return log_p, gamma


def _log_occupation(
    log_alpha: np.ndarray,
    log_beta: np.ndarray,
    lpe: np.ndarray,
    out: np.ndarray | None = None,
) -> NDArray[np.float64]:
    """gamma_t(s) = alpha*beta / (y p), zero off the valid paths, (T, M, S'), into ``out``
    when given (which may be ``log_alpha`` itself: each block is read before it is written).

    Each frame is normalised by its own Z_t = sum_s alpha_t(s) beta_t(s) / y_t(l'_s), which
    equals p, as a ratio of terms shifted by the frame's largest (never adding a large log back
    in), so a frame's occupations sum to 1 to rounding: at losses near 3e4, alpha + beta - ln p
    rounds to about 3e4 eps, and dividing by p left frame sums 1 - 1.5e-11. Off the paths
    alpha or beta is 0 (and both are 0 on a row whose p is 0), so ln alpha + ln beta - ln y is
    -inf there, or NaN where ln y is -inf too, which is read as -inf. Worked in blocks of
    frames (``_OCC_BLOCK_CELLS``) whose temporaries stay in cache: at (2000, 12, 201) 520 ms
    for whole-array passes, each a fresh 39 MB temporary.
    """
    n_frames = log_alpha.shape[0]
    if out is None:
        out = np.empty(log_alpha.shape)
    frame_cells = max(1, log_alpha[0].size) if n_frames else 1
    step = max(1, _OCC_BLOCK_CELLS // frame_cells)
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        for t0 in range(0, n_frames, step):
            block = out[t0 : t0 + step]
            np.add(log_alpha[t0 : t0 + step], log_beta[t0 : t0 + step], out=block)
            block -= lpe[t0 : t0 + step]
            np.fmax(block, -np.inf, out=block)  # NaN (-inf - -inf) -> -inf
            top = block.max(axis=2, keepdims=True)
            np.maximum(top, _FLOAT_MIN, out=top)  # a frame with no path: any finite shift
            block -= top
            np.exp(block, out=block)  # 0 off the paths; at most 1, its largest 1
            total = block.sum(axis=2, keepdims=True)
            np.putmask(total, total == 0.0, 1.0)
            block /= total
    return out


def _segment_pass(
    lp: NDArray[np.float64],
    ext: _Extended,
    eff: NDArray[np.int64],
    todo: NDArray[np.int64],
    log_p: NDArray[np.float64],
) -> NDArray[np.int64]:
    """Loss only: long sequences with few states by segment transfer matrices, when that costs
    less than the batched per-frame loop (about S'^2 elementwise operations per frame against a
    fixed ~25 us of numpy calls per frame); returns the rows still to do."""
    if todo.size == 0 or _min_max(eff)[1] < SEGMENT_MIN_FRAMES:
        return todo  # nothing long enough (the usual case): skip the masks
    long = todo[(eff[todo] >= SEGMENT_MIN_FRAMES) & (ext.n_states[todo] <= SEGMENT_MAX_STATES)]
    if long.size == 0:
        return todo
    cost = float((eff[long] * ext.n_states[long] ** 2).sum())
    if cost > 1000.0 * float(eff[todo].max()):
        return todo
    done = []
    for n in long:
        s_n = int(ext.n_states[n])
        labels = ext.labels_ext[n, :s_n]
        value, ok = segment_loss(lp[: eff[n], n], labels, ext.skip[n, :s_n], np.unique(labels))
        if ok:
            log_p[n] = value
            done.append(n)
    return np.setdiff1d(todo, done)


def _log_likelihood(
    batch: _Batch, need_grad: bool
) -> tuple[NDArray[np.float64], NDArray[np.float64] | None]:
    """ln p(l|x) per sequence (N,) and, if asked, the class occupations gamma (T, N, C).

    Short inputs first (``_ctc_small``; loss only, long sequences with few states by segment
    transfer matrices), then the scaled recursions (:func:`_recursions`) for the rest, on
    several threads when the batch is wide enough (``_parallel``: each part runs on its own
    rows what one thread would; the path choices, such as ``windowed``, are made for the whole
    batch).
    """
    lp = batch.log_probs
    n_frames, n_batch, n_classes = lp.shape
    ext = _extend(batch.targets, batch.target_lengths, batch.blank)
    feasible = batch.input_lengths >= ext.min_frames
    # An impossible target is -inf without any recursion; length 0 keeps it out of the loop.
    eff = np.where(feasible, batch.input_lengths, 0)
    log_p = np.where(ext.n_states == 1, 0.0, -np.inf)
    gamma = np.zeros((n_frames, n_batch, n_classes)) if need_grad else None
    todo = np.nonzero(eff > 0)[0]
    if not need_grad:
        todo = _segment_pass(lp, ext, eff, todo, log_p)
    todo = small_pass(lp, ext, eff, todo, log_p, gamma)  # short inputs: few calls a frame
    if todo.size == 0:
        return log_p, gamma
    windowed = int(eff.max()) > LONG_FRAMES
    width = ext.n_states[todo] + 2
    parts = split_rows(eff[todo] * width, width)
    if len(parts) == 1:
        gamma = _recursions(lp, ext, eff, todo, log_p, gamma, windowed)
    else:
        run_parts(lambda part: _recursions(lp, ext, eff, todo[part], log_p, gamma, windowed), parts)
    return log_p, gamma


def _recursions(
    lp: NDArray[np.float64],
    ext: _Extended,
    eff: NDArray[np.int64],
    todo: NDArray[np.int64],
    log_p: NDArray[np.float64],
    gamma: NDArray[np.float64] | None,
    windowed: bool,
) -> NDArray[np.float64] | None:
    """ln p of the rows ``todo`` into ``log_p`` (and their occupations into ``gamma``, which
    is returned, or the array that replaces it when one recursion covered every row).

    The single-window scaled recursion first (the windowed one when ``windowed``: the batch
    has inputs longer than ``LONG_FRAMES``); a sequence it cannot certify goes to the windowed
    recursion, then to the log-space one.
    """
    n_batch, n_classes = lp.shape[1], lp.shape[2]
    need_grad = gamma is not None
    for attempt in ("first", "windowed", "log"):
        if todo.size == 0:
            break
        whole = todo.size == n_batch
        # a contiguous run of rows (a thread's part) is taken as views, not copies
        rows = slice(todo[0], todo[-1] + 1) if todo[-1] - todo[0] + 1 == todo.size else todo
        sub = ext if whole else take_rows(ext, rows)
        lp_sub = lp if whole else lp[:, rows]
        if attempt == "log":
            if need_grad:
                log_p[todo], gamma[:, rows] = _log_gamma(lp_sub, sub, eff[todo], n_classes)
            else:
                log_p[todo] = _log_forward_backward(lp_sub, sub, eff[todo], False)[0]
            break
        if attempt == "windowed" and windowed:
            continue  # the first attempt was already windowed
        log_p_r, ok, gamma_r = scaled(
            lp_sub, sub, eff[todo], need_grad, windowed or attempt == "windowed"
        )
        log_p[todo] = log_p_r
        if need_grad and whole:
            gamma = gamma_r
        elif need_grad:
            gamma[:, rows] = gamma_r
        todo = todo[~ok]
    return gamma


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------


def _check_options(
    reduction: str, wrt: str | None = None, zero_infinity: object = False, *, grad: bool = False
) -> None:
    """Check the options; ``grad``: ``wrt`` is an argument (of the gradient functions)."""
    check_reduction(reduction)
    if grad and (
        not isinstance(wrt, str) or wrt not in _WRTS
    ):  # None too: it silently meant "log_probs"
        raise EngineError(f"wrt must be one of {_WRTS}; got {shown(wrt)}")
    if not isinstance(zero_infinity, (bool, np.bool_)):
        raise EngineError(f"zero_infinity must be True or False; got {shown(zero_infinity)}")


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
        denom = np.maximum(batch.target_lengths, 1.0)  # float64 (N,)
        # sum / N is what ndarray.mean computes (numpy's _mean), without its dispatch cost.
        loss = np.float64((nll / denom).sum() / n_batch)
        scale = 1.0 / (denom * n_batch)
    if batch.dtype != np.float64:
        loss = loss.astype(batch.dtype)  # computed in float64, rounded once
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
    """CTC loss with PyTorch's semantics, loss only (float64 arithmetic, input dtype out).

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
        (N,) losses for reduction="none" (a scalar for unbatched input), else a scalar; float32
        for float32 log_probs, float64 otherwise.

    Raises:
        EngineError: on a bad shape, dtype, length, blank index or target label; the message
            states what was expected and what was given.

    Example:
        Two frames, classes (blank, "a"), target "a". The alignments that collapse to "a" are
        (a, a), (a, -), (-, a), so p = 0.6*0.5 + 0.6*0.5 + 0.4*0.5 = 0.8 and loss = -ln 0.8:

        >>> import numpy as np
        >>> lp = np.log([[0.4, 0.6], [0.5, 0.5]])
        >>> round(float(ctc_loss(lp, [1], 2, 1, reduction="none")), 12)
        0.223143551314

    References:
        Graves et al. 2006, "Connectionist Temporal Classification: Labelling Unsegmented
        Sequence Data with Recurrent Neural Networks", ICML.
    """
    _check_options(reduction, zero_infinity=zero_infinity)
    batch = _prepare(log_probs, targets, input_lengths, target_lengths, blank)
    check_work(batch, grad=False)
    done = single_loss(batch, reduction)  # one full-length short sequence: fewest calls
    if done is not None:
        return done + 0.0  # -ln 1 is -0.0: x + 0 is x, and +0 for -0
    log_p, _ = _log_likelihood(batch, need_grad=False)
    loss, _, _ = _reduce(batch, log_p, reduction, zero_infinity)
    return loss + 0.0


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
        (loss, grad): loss as returned by :func:`ctc_loss`; grad of log_probs' shape, (T, N, C)
        or (T, C), float32 for float32 log_probs, float64 otherwise.

    Raises:
        EngineError: on a bad argument, as :func:`ctc_loss`, or an unknown ``wrt``.

    Example:
        The case of :func:`ctc_loss` (p = 0.8). Frame 1 is "a" on the paths (a, a), (a, -)
        (0.6/0.8 = 0.75 of p), so gamma_1 = (0.25, 0.75); frame 2 is "a" on (a, a), (-, a)
        (0.5/0.8 = 0.625), so gamma_2 = (0.375, 0.625); grad_logits = y - gamma:

        >>> import numpy as np
        >>> lp = np.log([[0.4, 0.6], [0.5, 0.5]])
        >>> loss, grad = ctc_loss_and_grad(lp, [1], 2, 1, reduction="none")
        >>> grad.round(12).tolist()
        [[0.15, -0.15], [0.125, -0.125]]
        >>> loss, grad = ctc_loss_and_grad(lp, [1], 2, 1, reduction="none", wrt="log_probs")
        >>> grad.round(12).tolist()
        [[-0.25, -0.75], [-0.375, -0.625]]

    References:
        Graves et al. 2006, "Connectionist Temporal Classification: Labelling Unsegmented
        Sequence Data with Recurrent Neural Networks", ICML.
    """
    _check_options(reduction, wrt, zero_infinity, grad=True)
    batch = _prepare(log_probs, targets, input_lengths, target_lengths, blank)
    check_work(batch, grad=True)
    done = single_grad(batch, reduction, wrt)  # one full-length short sequence: fewest calls
    if done is not None:
        return done[0] + 0.0, done[1]  # -ln 1 is -0.0: x + 0 is x, and +0 for -0
    log_p, gamma = _log_likelihood(batch, need_grad=True)
    loss, scale, infinite = _reduce(batch, log_p, reduction, zero_infinity)
    grad = _assemble_grad(batch, gamma, scale, infinite, zero_infinity, wrt)
    if batch.unbatched:
        grad = grad[:, 0, :]
    return loss + 0.0, grad


def _assemble_grad(
    batch: _Batch,
    gamma: NDArray[np.float64],
    scale: NDArray[np.float64],
    infinite: NDArray[np.bool_],
    zero_infinity: bool,
    wrt: str,
) -> np.ndarray:
    """(T, N, C) gradient in the result dtype from the occupations gamma (overwritten).

    grad = w_t,n * (y_t(k) - gamma_t(k)) for wrt="logits", w_t,n * (0 - gamma_t(k)) for
    "log_probs", with w the reduction scale c_n on valid frames, 0 past input_lengths[n] and
    0 (zero_infinity) or NaN on the frames of a sequence whose loss is infinite.
    """
    lp = batch.log_probs
    n_frames = lp.shape[0]
    out = np.empty(lp.shape, dtype=batch.dtype) if batch.dtype != np.float64 else None
    if not infinite.any() and _min_max(batch.input_lengths)[0] == n_frames:
        # Every frame valid, every loss finite: w = c_n everywhere, a per-sequence broadcast
        # (three passes instead of about eight). exp(lp) - gamma is +0, never -0, when equal.
        # The float32 result is rounded once, by the last product writing into it.
        c = scale[None, :, None]
        if wrt == "logits":
            with np.errstate(over="ignore"):
                grad = np.exp(lp)
            grad -= gamma
        else:
            grad = np.subtract(0.0, gamma, out=gamma)  # 0 - x: no negative zeros
        if out is None:
            grad *= c
            return grad
        np.multiply(grad, c, out=out)
        out += 0.0  # a tiny negative rounds to float32 -0; -0 + 0 = +0
        return out
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
    if out is None:
        return grad
    out[...] = grad
    out += 0.0  # a tiny negative rounds to float32 -0; -0 + 0 = +0
    return out


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
        posterior: (T, S') gamma_t(s) = alpha_t(s) beta_t(s) / (y_t(l'_s) p(l|x)), the share
            of p(l|x) in state s at frame t; each row sums to 1 (all 0 when p(l|x) = 0).
    """

    labels_ext: NDArray[np.int64]
    log_alpha: NDArray[np.float64]
    log_beta: NDArray[np.float64]
    log_likelihood: float
    loss: float
    grad_logits: NDArray[np.float64]
    grad_log_probs: NDArray[np.float64]
    reachable: NDArray[np.bool_]
    posterior: NDArray[np.float64]


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

    Example:
        The case of :func:`ctc_loss`: states (-, a, -); alpha_1 = (0.4, 0.6, 0);
        alpha_2(0) = 0.4*0.5, alpha_2(1) = (0.6 + 0.4)*0.5, alpha_2(2) = (0 + 0.6)*0.5; and
        p = alpha_2(1) + alpha_2(2) = 0.8:

        >>> import numpy as np
        >>> tr = ctc_trace(np.log([[0.4, 0.6], [0.5, 0.5]]), [1])
        >>> tr.labels_ext.tolist()
        [0, 1, 0]
        >>> np.exp(tr.log_alpha).round(12).tolist()
        [[0.4, 0.6, 0.0], [0.2, 0.5, 0.3]]
        >>> round(tr.loss, 12)
        0.223143551314

    References:
        Graves et al. 2006, "Connectionist Temporal Classification: Labelling Unsegmented
        Sequence Data with Recurrent Neural Networks", ICML.
    """
    lp = _as_log_probs(log_probs, (2,))
    tg = _as_int_array(target, "target")
    if tg.ndim != 1:
        raise EngineError(f"target must have shape (S,); got shape {tg.shape}")
    n_frames, n_classes = lp.shape
    cells = n_frames * (2 * tg.shape[0] + 1)
    if cells * 8 > MAX_ARRAY_BYTES:  # log alpha, log beta, the emissions, the occupations
        raise EngineError(
            f"ctc_trace keeps whole T x S' tables: {n_frames:,} x {2 * tg.shape[0] + 1:,} "
            f"cells take {cells * 8 / 2**30:.1f} GiB each, more than MAX_ARRAY_BYTES = "
            f"{MAX_ARRAY_BYTES / 2**30:g} GiB (ctc_loss_and_grad keeps segments instead)"
        )
    batch = _prepare(lp, tg, n_frames, tg.shape[0], blank)
    ext = _extend(batch.targets, batch.target_lengths, batch.blank)
    lengths = batch.input_lengths
    if n_frames < int(ext.min_frames[0]):
        lengths = np.zeros(1, dtype=np.int64)
    log_p, la, lb, lpe = _log_forward_backward(batch.log_probs, ext, lengths, need_beta=True)
    log_lik = float(log_p[0])
    occ = _log_occupation(la, lb, lpe)
    gamma = _scatter_classes(occ, state_classes(ext), n_classes)[:, 0, :]
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
    posterior = occ[:, 0, :]
    arrays = (
        ext.labels_ext[0],
        log_alpha,
        log_beta,
        grad_logits,
        grad_log_probs,
        reachable,
        posterior,
    )
    for arr in arrays:
        arr.setflags(write=False)
    return CTCTrace(
        labels_ext=arrays[0],
        log_alpha=log_alpha,
        log_beta=log_beta,
        log_likelihood=log_lik,
        loss=0.0 - log_lik,
        grad_logits=grad_logits,
        grad_log_probs=grad_log_probs,
        reachable=reachable,
        posterior=posterior,
    )
