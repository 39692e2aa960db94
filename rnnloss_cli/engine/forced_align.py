"""CTC forced alignment: the single most probable alignment of a known target (Viterbi).

Where the CTC loss *sums* over every alignment pi of length T that collapses to the target l,
forced alignment keeps the *best* one. On the blank-interleaved extended labels
``labels_ext = (b, l_1, b, l_2, ..., l_S, b)`` (S' = 2S + 1 states) the Viterbi variables are
the CTC forward variables with max in place of sum::

    delta_0(0) = ln y_0(b),   delta_0(1) = ln y_0(l_1),   delta_0(s) = -inf for s >= 2
    delta_t(s) = ln y_t(l'_s) + max(delta_{t-1}(s), delta_{t-1}(s-1), delta_{t-1}(s-2))

where the s-2 move (skipping a blank) is allowed only into a label that differs from the label
two states back. The best alignment ends in the last label (S'-2) or the final blank (S'-1),
and is read back through the back-pointers psi_t(s) in {0 (stay), 1 (from s-1), 2 (from s-2)}::

    ln p(best) = max(delta_{T-1}(S'-1), delta_{T-1}(S'-2)) <= ln p(l|x) = -CTC loss.

Conventions follow ``torchaudio.functional.forced_align`` for one sequence: natural logs,
log_probs (T, C), the path gives each frame's class (blank or a target label) and the scores
are each frame's log-probability on it, ``scores[t] = log_probs[t, path[t]]``. Ties are
broken as torchaudio does: a predecessor wins only if strictly greater, in the order stay,
s-1, s-2 (np.argmax over (stay, s-1, s-2)), and the path ends on the final blank only if its
delta is strictly greater than the last label's. One deliberate difference: when the s-1 and
s-2 predecessors tie and beat "stay", torchaudio's comparison chain falls through to "stay"
(the strictly worse one); here s-1 is taken, so the path found always has the maximal score.

Infeasible targets (fewer frames than S + the number of adjacent repeats, or every alignment
holding a log-probability of -inf) are not an error, but a derivation should say why:
``ctc_forced_align`` returns a path of -1 (no class) and scores of -inf, and
``ctc_viterbi_trace`` says which rule failed in ``reason``. torchaudio 2.11 raises on too few
frames; on the -inf case it returns a path all the same (of score -inf, or one that does not
collapse to the target, e.g. [2, 2] with scores [-1, -1] for log_probs [[-1, -inf, -1],
[-1, -1, -1]], target [1, 2]), or fails indexing its scores with a class out of range. An
empty target is allowed too (torchaudio raises on it): its one alignment is T blanks.

References:
    Graves et al. 2006, "Connectionist Temporal Classification: Labelling Unsegmented Sequence
    Data with Recurrent Neural Networks", ICML (section 3.2, best path and forward variables).
    Viterbi 1967, "Error bounds for convolutional codes and an asymptotically optimum decoding
    algorithm", IEEE Trans. Information Theory.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from rnnloss_cli.engine._numerics import (
    as_array,
    check_blank,
    keeps_float32,
    not_integers,
    to_int64,
)
from rnnloss_cli.engine.ctc import ctc_loss
from rnnloss_cli.engine.errors import EngineError
from rnnloss_cli.limits import ENGINE_MAX_VITERBI_FRAMES, MAX_ARRAY_BYTES

__all__ = ["TokenSpan", "ViterbiTrace", "ctc_forced_align", "ctc_viterbi_trace"]


# --------------------------------------------------------------------------------------------
# Argument checks shared with the beam search
# --------------------------------------------------------------------------------------------


def check_log_probs(log_probs: ArrayLike) -> NDArray[np.float64]:
    """(T, C) float64 log-probabilities, finite or -inf (log 0); EngineError otherwise."""
    arr = as_array(log_probs, "log_probs")  # real numbers, at most MAX_ARRAY_BYTES as float64
    if arr.ndim != 2:
        raise EngineError(f"log_probs must have shape (T, C); got shape {arr.shape}")
    if arr.shape[0] < 1 or arr.shape[1] < 1:
        raise EngineError(
            f"log_probs must have at least one frame and one class; got shape {arr.shape}"
        )
    arr = np.array(arr, dtype=np.float64)
    bad = np.isnan(arr) | (arr == np.inf)
    if bad.any():
        t, k = (int(i) for i in np.argwhere(bad)[0])
        raise EngineError(
            f"log_probs must be finite or -inf (log 0); got {arr[t, k]} at frame {t}, class {k}"
        )
    return arr


def check_target(target: ArrayLike, n_classes: int, blank: int) -> NDArray[np.int64]:
    """(S,) int64 labels in [0, C) other than blank; EngineError otherwise."""
    arr = as_array(target, "target")
    if arr.ndim != 1:
        raise EngineError(f"target must have shape (S,); got shape {arr.shape}")
    if arr.size == 0:
        return np.zeros(0, dtype=np.int64)
    if arr.dtype.kind not in "iu":
        raise not_integers(
            target, arr, "target", f"target must contain integers; got dtype {arr.dtype}"
        )
    arr = to_int64(arr, "target")
    bad = (arr < 0) | (arr >= n_classes) | (arr == blank)
    if bad.any():
        j = int(np.argmax(bad))
        raise EngineError(
            f"target must hold class indices in [0, {n_classes}) other than blank={blank}; "
            f"got {int(arr[j])} at position {j}"
        )
    return arr


# --------------------------------------------------------------------------------------------
# The Viterbi recursion
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Viterbi:
    labels_ext: NDArray[np.int64]
    log_delta: NDArray[np.float64]
    back: NDArray[np.int64]
    states: NDArray[np.int64]
    best: float


def _delta_rows(delta: NDArray, emit: NDArray, skip_pen: NDArray) -> None:
    """delta_t(s) = emit_t(s) + max(delta_{t-1}(s), delta_{t-1}(s-1), delta_{t-1}(s-2) where
    skip_pen(s) = 0, i.e. the skip is allowed), row by row in place: five whole-row ufuncs a
    frame (the back-pointers are read afterwards, all frames at once)."""
    n_ext = delta.shape[1]
    best = np.empty(n_ext)
    via_skip = np.empty(max(n_ext - 2, 0))
    for t in range(1, delta.shape[0]):
        prev = delta[t - 1]
        best[0] = prev[0]
        np.maximum(prev[1:], prev[:-1], out=best[1:])
        # skip_pen is -inf where no skip: fmax ignores the NaN of (+inf) + (-inf)
        np.add(prev[:-2], skip_pen[2:], out=via_skip)
        np.fmax(best[2:], via_skip, out=best[2:])
        np.add(best, emit[t], out=delta[t])


#: Cells (frames x S') whose back-pointers are read in one vectorised step: its temporaries
#: (three candidates, the choice, a mask and a selection) are about 8 float64 arrays of it,
#: 16 MB, whatever T and S' are (a fixed 4,096 frames made them 7 tables' worth below that).
_BACK_CHUNK_CELLS = 2**18
#: Bytes those temporaries take, counted in the memory check of :func:`_prepare`.
_BACK_CHUNK_BYTES = 8 * 8 * _BACK_CHUNK_CELLS
#: Frames of the Viterbi pass (ENGINE_MAX_VITERBI_FRAMES) one frame of
#: :func:`best_alignment_count` counts as: its tie-counting step takes about 57 µs, against
#: about 4.5 µs for the trace's.
BEST_COUNT_FRAME_COST = 12


def _back_pointers(delta: NDArray, skip: NDArray) -> NDArray[np.int64]:
    """psi_t(s): 0 stay, 1 from s-1, 2 from s-2, the first maximum in that order (a later
    move must be strictly better: torchaudio's rule), -1 at t = 0 and where delta is -inf."""
    n_frames, n_ext = delta.shape
    back = np.full((n_frames, n_ext), -1, dtype=np.int64)
    chunk = max(1, _BACK_CHUNK_CELLS // n_ext)  # frames a step (one, for a huge S')
    for lo in range(1, n_frames, chunk):
        hi = min(lo + chunk, n_frames)
        prev = delta[lo - 1 : hi - 1]
        cand = np.full((3, hi - lo, n_ext), -np.inf)
        cand[0] = prev
        cand[1, :, 1:] = prev[:, :-1]
        cand[2, :, 2:] = np.where(skip[2:], prev[:, :-2], -np.inf)
        choice = np.argmax(cand, axis=0)
        back[lo:hi] = np.where(np.isfinite(delta[lo:hi]), choice, -1)
    return back


def _extended(target: NDArray[np.int64], blank: int) -> tuple[np.ndarray, np.ndarray]:
    """(l', skip): the blank-interleaved labels, and where s - 2 -> s is allowed (a label
    unlike the one two states back)."""
    n_ext = 2 * target.size + 1
    labels_ext = np.full(n_ext, blank, dtype=np.int64)
    labels_ext[1::2] = target
    skip = np.zeros(n_ext, dtype=bool)
    skip[3::2] = target[1:] != target[:-1]
    return labels_ext, skip


def _end_state(last: np.ndarray) -> int:
    """The best path's last state from δ_T: the final blank only when strictly better than
    the last label (torchaudio)."""
    n_ext = last.size
    if n_ext == 1:
        return 0
    return n_ext - 1 if last[n_ext - 1] > last[n_ext - 2] else n_ext - 2


def _viterbi(lp: NDArray[np.float64], target: NDArray[np.int64], blank: int) -> _Viterbi:
    n_frames = lp.shape[0]
    labels_ext, skip = _extended(target, blank)
    n_ext = labels_ext.size
    emit = lp[:, labels_ext]  # (T, S')
    delta = np.full((n_frames, n_ext), -np.inf)
    delta[0, : min(2, n_ext)] = emit[0, : min(2, n_ext)]
    # Log-probabilities near -1.8e308 (logits that far apart) make a prefix's sum overflow:
    # -inf, the probability 0 it is in float64, without a warning on the way.
    with np.errstate(over="ignore", invalid="ignore"):
        _delta_rows(delta, emit, np.where(skip, 0.0, -np.inf))
        back = _back_pointers(delta, skip)
    end = _end_state(delta[-1])
    best = float(delta[-1, end])
    states = np.full(n_frames, -1, dtype=np.int64)
    if np.isfinite(best):
        s = end
        for t in range(n_frames - 1, -1, -1):
            states[t] = s
            s -= int(back[t, s]) if t > 0 else 0
    for arr in (labels_ext, delta, back, states):
        arr.setflags(write=False)
    return _Viterbi(labels_ext, delta, back, states, best)


def best_alignment_count(
    log_probs: ArrayLike, target: ArrayLike, blank: int = 0, rtol: float = 1e-9
) -> int:
    """How many alignments of ``target`` reach the Viterbi maximum of prod_t y_t(pi_t): 0 when
    none has positive probability, 1 when the best is unique, 2 for two or more.

    The Viterbi recursion of :func:`ctc_forced_align`, counting at every cell the predecessors
    (s, s-1, and s-2 between different labels) whose delta ties the maximum; log-probabilities
    within ``rtol`` (relative and absolute) tie, since 0.1·0.5·0.5 and 0.5·0.1·0.5 differ in
    the last bits of their logarithms. Each alignment is one path through the extended states.

    >>> best_alignment_count(np.log([[0.5, 0.5], [0.5, 0.5]]), [1])  # A-, -A and AA tie
    2
    """
    what, cost = "best_alignment_count's pass", BEST_COUNT_FRAME_COST
    arr = as_array(log_probs, "log_probs")  # checked before the copy, as in _prepare
    try:
        n_labels = len(target)
    except TypeError:
        n_labels = None
    if arr.ndim == 2 and n_labels is not None:
        _check_viterbi_bytes(arr.shape, n_labels, tables=1, frame_cost=cost, what=what)
    lp = check_log_probs(arr)
    blank = check_blank(blank, lp.shape[1])
    target = check_target(target, lp.shape[1], blank)
    _check_viterbi_bytes(lp.shape, target.size, tables=1, frame_cost=cost, what=what)
    labels_ext, skip_ok = _extended(target, blank)
    emit = lp[:, labels_ext]
    n_ext = labels_ext.size

    def tied(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.isclose(a, b, rtol=rtol, atol=rtol) & np.isfinite(a)

    delta = np.full(n_ext, -np.inf)
    count = np.zeros(n_ext)
    delta[: min(2, n_ext)] = emit[0, : min(2, n_ext)]
    count[: min(2, n_ext)] = 1.0
    for t in range(1, lp.shape[0]):
        step, skip = np.full(n_ext, -np.inf), np.full(n_ext, -np.inf)
        step[1:] = delta[:-1]
        skip[2:] = np.where(skip_ok[2:], delta[:-2], -np.inf)
        c_step, c_skip = np.zeros(n_ext), np.zeros(n_ext)
        c_step[1:] = count[:-1]
        c_skip[2:] = np.where(skip_ok[2:], count[:-2], 0.0)
        best = np.maximum(np.maximum(delta, step), skip)
        ways = sum(
            np.where(tied(v, best), c, 0.0)
            for v, c in ((delta, count), (step, c_step), (skip, c_skip))
        )
        delta, count = best + emit[t], np.minimum(ways, 2.0)
    ends = [n_ext - 1, n_ext - 2] if n_ext > 1 else [n_ext - 1]
    top = max(delta[s] for s in ends)
    if not np.isfinite(top):
        return 0
    return int(min(2.0, sum(count[s] for s in ends if tied(delta[s], top))))


def _min_frames(target: NDArray[np.int64]) -> tuple[int, int]:
    repeats = int(np.sum(target[1:] == target[:-1])) if target.size > 1 else 0
    return int(target.size) + repeats, repeats


def _prepare(
    log_probs: ArrayLike, target: ArrayLike, blank: int
) -> tuple[NDArray[np.float64], NDArray[np.int64], int]:
    arr = as_array(log_probs, "log_probs")  # no copy yet of an array
    try:  # a first check from the target's length, before the (T, C) copy is made
        n_labels = len(target)
    except TypeError:  # not a sized sequence: checked below, once it is read
        n_labels = None
    if arr.ndim == 2 and n_labels is not None:
        _check_viterbi_bytes(arr.shape, n_labels)
    lp = check_log_probs(arr)
    blank = check_blank(blank, lp.shape[1])
    target = check_target(target, lp.shape[1], blank)
    _check_viterbi_bytes(lp.shape, target.size)
    return lp, target, blank


def _check_viterbi_bytes(
    shape: tuple[int, int],
    n_labels: int,
    *,
    tables: int = 3,
    frame_cost: int = 1,
    what: str = "the Viterbi pass",
) -> None:
    """Refuse, before it starts, a pass of more than ENGINE_MAX_VITERBI_FRAMES frames (each
    counted ``frame_cost`` times) or holding more than MAX_ARRAY_BYTES: the float64 copy of
    log_probs (T x C), ``tables`` T x (2S + 1) tables of 8 bytes a cell (the Viterbi pass:
    emissions on the extended labels, delta, back-pointers), and the back-pointers' chunk."""
    n_frames, n_classes = (int(d) for d in shape)
    if n_frames * frame_cost > ENGINE_MAX_VITERBI_FRAMES:
        cost = "" if frame_cost == 1 else f", each counted as {frame_cost}"
        raise EngineError(
            f"log_probs: {what} over {n_frames:,} frames{cost} is past the engine's limit "
            f"ENGINE_MAX_VITERBI_FRAMES = {ENGINE_MAX_VITERBI_FRAMES:,} (a Python step a frame)"
        )
    n_ext = 2 * int(n_labels) + 1
    held = 8 * (n_frames * n_classes + tables * n_frames * n_ext) + _BACK_CHUNK_BYTES
    if held > MAX_ARRAY_BYTES:
        raise EngineError(
            f"log_probs: {what} over {n_frames:,} frames of a {n_labels:,}-label target "
            f"would hold {held / 2**30:.3g} GiB ({tables} T x (2S + 1) table"
            f"{'s' if tables > 1 else ''} and a copy of the (T, C) log-probabilities), more "
            f"than the engine's limit MAX_ARRAY_BYTES = {MAX_ARRAY_BYTES / 2**30:g} GiB"
        )


@keeps_float32()
def ctc_forced_align(
    log_probs: ArrayLike, target: ArrayLike, blank: int = 0
) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """The most probable CTC alignment of ``target``, with each frame's log-probability on it.

    path = argmax over pi with B(pi) = l of prod_t y_t(pi_t), found by the Viterbi recursion
    delta_t(s) = ln y_t(l'_s) + max(delta_{t-1}(s), delta_{t-1}(s-1), delta_{t-1}(s-2)) on the
    extended labels (the module docstring gives the moves and the tie rule), and
    scores[t] = ln y_t(path[t]), so sum(scores) is the best alignment's log-probability.
    Same semantics as ``torchaudio.functional.forced_align`` for one sequence.

    Args:
        log_probs: (T, C) per-frame class log-probabilities (finite or -inf), natural log.
        target: (S,) label indices in [0, C), none equal to ``blank``; may be empty.
        blank: index of the blank class.

    Returns:
        (path, scores): path (T,) int64 class per frame, scores (T,) float64 (float32
        for float32 log_probs, as torchaudio keeps the dtype). When no
        alignment of positive probability exists (T < S + adjacent repeats, or a -inf on every
        alignment) path is all -1 and scores all -inf; ``ctc_viterbi_trace`` gives the reason.

    Raises:
        EngineError: on a bad shape, dtype, blank index or target label; before the pass,
            on more than ENGINE_MAX_VITERBI_FRAMES frames or tables past MAX_ARRAY_BYTES.

    Example:
        Target AB (classes -, A, B = 0, 1, 2) over three frames. Of the five alignments,
        A A B = .7*.3*.7 = .147, A B B = .7*.4*.7 = .196, A B - = .056, A - B = .147 and
        - A B = .042, the best is A B B:

        >>> import numpy as np
        >>> lp = np.log([[0.2, 0.7, 0.1], [0.3, 0.3, 0.4], [0.2, 0.1, 0.7]])
        >>> path, scores = ctc_forced_align(lp, [1, 2])
        >>> path.tolist()
        [1, 2, 2]
        >>> np.exp(scores).round(3).tolist(), round(float(np.exp(scores.sum())), 3)
        ([0.7, 0.4, 0.7], 0.196)

    References:
        Graves et al. 2006, ICML; torchaudio.functional.forced_align.
    """
    lp, tg, blank = _prepare(log_probs, target, blank)
    vit = _viterbi(lp, tg, blank)
    if not np.isfinite(vit.best):
        return np.full(lp.shape[0], -1, dtype=np.int64), np.full(lp.shape[0], -np.inf)
    path = vit.labels_ext[vit.states]
    return path.astype(np.int64), lp[np.arange(lp.shape[0]), path]


@dataclass(frozen=True)
class TokenSpan:
    """One target label's run of frames on the best alignment (blanks excluded).

    Attributes:
        position: index j of the label in the target (0-based).
        label: its class index.
        first: first frame of the run (0-based).
        last: last frame of the run, inclusive (torchaudio's TokenSpan.end is last + 1).
        mean_log_prob: mean over the run of ln y_t(label).
        mean_prob: mean over the run of y_t(label) (the "score" of torchaudio's merge_tokens
            when it is given probabilities).
    """

    position: int
    label: int
    first: int
    last: int
    mean_log_prob: float
    mean_prob: float


@dataclass(frozen=True, eq=False)
class ViterbiTrace:
    """The Viterbi table, back-pointers and best alignment of one sequence, with the full sum.

    Attributes:
        labels_ext: (S',) extended labels, S' = 2S + 1, blank at even positions.
        log_delta: (T, S') delta_t(s), the log-probability of the best alignment prefix that is
            in state s at frame t (emission included); -inf where no prefix reaches.
        back_pointers: (T, S') the move into (t, s) on that prefix: 0 stay, 1 from s-1, 2 from
            s-2; -1 at t = 0 and where delta is -inf.
        states: (T,) the best alignment's state per frame (-1 when infeasible).
        path: (T,) its class per frame (-1 when infeasible).
        scores: (T,) ln y_t(path[t]) (-inf when infeasible).
        spans: the target labels' runs of frames, in order.
        best_log_prob: ln p(best alignment) = sum(scores) (-inf when infeasible).
        log_likelihood: ln p(l|x), the sum over every alignment (= -ctc_loss).
        gap: log_likelihood - best_log_prob >= 0, in nats (inf when infeasible).
        best_share: p(best) / p(l|x) in (0, 1] (nan when infeasible).
        n_frames: T.
        min_frames: S + the number of adjacent repeats, the fewest frames any alignment needs.
        repeats: the number of adjacent repeated labels in the target.
        feasible: True when some alignment has positive probability.
        reason: why none has (None when feasible).
    """

    labels_ext: NDArray[np.int64]
    log_delta: NDArray[np.float64]
    back_pointers: NDArray[np.int64]
    states: NDArray[np.int64]
    path: NDArray[np.int64]
    scores: NDArray[np.float64]
    spans: tuple[TokenSpan, ...]
    best_log_prob: float
    log_likelihood: float
    gap: float
    best_share: float
    n_frames: int
    min_frames: int
    repeats: int
    feasible: bool
    reason: str | None


def _spans(states: NDArray[np.int64], labels_ext, scores) -> tuple[TokenSpan, ...]:
    spans = []
    t, n_frames = 0, states.size
    while t < n_frames:
        s = int(states[t])
        end = t
        while end + 1 < n_frames and states[end + 1] == s:
            end += 1
        if s % 2 == 1:
            run = scores[t : end + 1]
            # log_probs above 709 (finite, accepted as torchaudio does) give e^score = inf,
            # its rounded value
            with np.errstate(over="ignore"):
                mean_prob = float(np.mean(np.exp(run)))
            spans.append(
                TokenSpan(
                    position=s // 2,
                    label=int(labels_ext[s]),
                    first=t,
                    last=end,
                    mean_log_prob=float(np.mean(run)),
                    mean_prob=mean_prob,
                )
            )
        t = end + 1
    return tuple(spans)


def ctc_viterbi_trace(log_probs: ArrayLike, target: ArrayLike, blank: int = 0) -> ViterbiTrace:
    """Viterbi table delta_t(s), back-pointers, best alignment, token spans and the full sum.

    delta_t(s) = ln y_t(l'_s) + max(delta_{t-1}(s), delta_{t-1}(s-1), delta_{t-1}(s-2)), the
    best alignment read back from max(delta_{T-1}(S'-1), delta_{T-1}(S'-2)) as in
    :func:`ctc_forced_align`, compared with ln p(l|x) = -ctc_loss (the sum over all
    alignments): gap = ln p(l|x) - ln p(best) >= 0 and best_share = p(best) / p(l|x).

    Args:
        log_probs: (T, C) per-frame class log-probabilities (finite or -inf), natural log.
        target: (S,) label indices in [0, C), none equal to ``blank``; may be empty.
        blank: index of the blank class.

    Returns:
        A :class:`ViterbiTrace` (arrays are read-only).

    Raises:
        EngineError: on a bad shape, dtype, blank index or target label; before the pass,
            on more than ENGINE_MAX_VITERBI_FRAMES frames or tables past MAX_ARRAY_BYTES.

    Example:
        The AB example of :func:`ctc_forced_align`: p(AB|x) = .147 + .196 + .056 + .147 +
        .042 = .588, the best alignment A B B has .196, a third of it. A spans frame 0 and
        B frames 1 to 2 (mean probability (.4 + .7) / 2 = .55):

        >>> import numpy as np
        >>> lp = np.log([[0.2, 0.7, 0.1], [0.3, 0.3, 0.4], [0.2, 0.1, 0.7]])
        >>> tr = ctc_viterbi_trace(lp, [1, 2])
        >>> round(float(np.exp(tr.log_likelihood)), 3), round(tr.best_share, 4)
        (0.588, 0.3333)
        >>> [(s.label, s.first, s.last, round(s.mean_prob, 2)) for s in tr.spans]
        [(1, 0, 0, 0.7), (2, 1, 2, 0.55)]
        >>> tr.states.tolist(), tr.back_pointers[:, 3].tolist()
        ([1, 3, 3], [-1, 2, 0])

    References:
        Graves et al. 2006, ICML; Viterbi 1967; torchaudio.functional.forced_align and
        merge_tokens.
    """
    lp, tg, blank = _prepare(log_probs, target, blank)
    n_frames = lp.shape[0]
    vit = _viterbi(lp, tg, blank)
    min_frames, repeats = _min_frames(tg)
    feasible = bool(np.isfinite(vit.best))
    reason = None
    if n_frames < min_frames:
        reason = (
            f"T = {n_frames} frames < S + repeats = {tg.size} + {repeats} = {min_frames}: "
            "no alignment fits, p(l|x) = 0 and the loss is infinite"
        )
    elif not feasible:
        reason = (
            "every alignment that collapses to the target has a frame of probability 0 "
            "(log-probability -inf): p(l|x) = 0 and the loss is infinite"
        )
    log_lik = -float(ctc_loss(lp, tg, n_frames, tg.size, blank=blank, reduction="none"))
    if feasible:
        path = vit.labels_ext[vit.states]
        scores = lp[np.arange(n_frames), path]
        spans = _spans(vit.states, vit.labels_ext, scores)
        gap = max(0.0, log_lik - vit.best)
        share = float(np.exp(min(0.0, vit.best - log_lik)))
    else:
        path = np.full(n_frames, -1, dtype=np.int64)
        scores = np.full(n_frames, -np.inf)
        spans, gap, share = (), float("inf"), float("nan")
    for arr in (path, scores):
        arr.setflags(write=False)
    return ViterbiTrace(
        labels_ext=vit.labels_ext,
        log_delta=vit.log_delta,
        back_pointers=vit.back,
        states=vit.states,
        path=path,
        scores=scores,
        spans=spans,
        best_log_prob=vit.best,
        log_likelihood=log_lik,
        gap=gap,
        best_share=share,
        n_frames=n_frames,
        min_frames=min_frames,
        repeats=repeats,
        feasible=feasible,
        reason=reason,
    )
