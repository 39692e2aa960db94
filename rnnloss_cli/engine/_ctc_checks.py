"""Argument checks and the blank-extended label structure shared by the CTC recursions.

Everything here is private to :mod:`rnnloss_cli.engine.ctc`: ``_prepare`` turns the public
arguments into a validated :class:`_Batch` (float64 log-probabilities of shape (T, N, C), padded
(N, S_max) targets, lengths) or raises :class:`EngineError` with a one-line message naming the
argument, what was expected and what was given; ``_extend`` builds the extended labels
``labels_ext = (b, l_1, b, ..., l_S, b)`` (S' = 2S + 1 states), the mask of valid states, the
*skip* mask (state s may be entered from s - 2 when ``labels_ext[s] != blank`` and
``labels_ext[s] != labels_ext[s - 2]``) and the fewest frames each target needs
(S + number of adjacent repeats).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from rnnloss_cli.engine._numerics import as_array, check_blank, not_integers, to_int64
from rnnloss_cli.engine.errors import EngineError
from rnnloss_cli.limits import ENGINE_MAX_CTC_CELLS, ENGINE_MAX_CTC_GRAD_CELLS

# Arrays of at most this many entries are reduced in Python (see _min_max), larger in numpy.
# Every dtype kind: the CTC checks name a wrong dtype themselves, after the conversion.
_ANY_KIND = "biufcmMOSUV"
_SMALL = 64


class _Batch(NamedTuple):  # immutable; a tuple builds in a fraction of a frozen dataclass's time
    log_probs: NDArray[np.float64]  # (T, N, C)
    targets: NDArray[np.int64]  # (N, S_max), padding beyond each target length is blank
    input_lengths: NDArray[np.int64]  # (N,)
    target_lengths: NDArray[np.int64]  # (N,)
    blank: int
    unbatched: bool
    dtype: np.dtype  # dtype of the results: float32 for float32 input, float64 otherwise
    top: float = np.inf  # largest log_probs entry (inf when not computed: integer input)


@dataclass(frozen=True)
class _Extended:
    labels_ext: NDArray[np.int64]  # (N, S'), blank at padding states
    valid: NDArray[np.bool_]  # (N, S'), state exists for this sequence
    skip: NDArray[np.bool_]  # (N, S'), s-2 -> s allowed
    n_states: NDArray[np.int64]  # (N,), 2 S_n + 1
    min_frames: NDArray[np.int64]  # (N,), S_n + number of adjacent repeats


def _min_max(arr: np.ndarray) -> tuple[int, int]:
    """(min, max) of a non-empty integer array, by Python's min/max on a list when it has at
    most ``_SMALL`` entries (a numpy reduction costs ~1 us of call overhead, a short list less)."""
    if arr.size <= _SMALL:
        vals = arr.ravel().tolist()
        return min(vals), max(vals)
    return int(arr.min()), int(arr.max())


def _has_value(arr: np.ndarray, value: int) -> bool:
    """Whether ``value`` occurs in the integer array (list membership for small arrays)."""
    if arr.size <= _SMALL:
        return value in arr.ravel().tolist()
    return bool((arr == value).any())


def _as_array(x: ArrayLike, name: str) -> np.ndarray:
    """np.asarray(x) with the engine's one conversion (``_numerics.as_array``: ragged lists and
    arrays past MAX_ARRAY_BYTES are EngineErrors naming ``name``); the dtype is checked here,
    with the CTC messages."""
    return as_array(x, name, kinds=_ANY_KIND)


def _as_int_array(x: ArrayLike, name: str) -> NDArray[np.int64]:
    arr = _as_array(x, name)
    if arr.size == 0:
        return arr.astype(np.int64).reshape(arr.shape)
    # dtype.kind "i"/"u": signed/unsigned integers (bool is "b"); cheaper than issubdtype.
    if arr.dtype.kind not in "iu":
        raise not_integers(x, arr, name, f"{name} must contain integers; got dtype {arr.dtype}")
    return to_int64(arr, name)  # uint64 past 2^63 named, not wrapped to a negative


def out_dtype(log_probs: ArrayLike) -> np.dtype:
    """float32 results for float32 input (as PyTorch keeps the dtype), float64 for the rest.

    The recursions always run in float64 (a float32 column would span only ~87 nats before its
    cells vanish); only the returned losses and gradients are rounded to float32.
    """
    dtype = getattr(log_probs, "dtype", None)
    # any byte order: a big-endian float32 array ('>f4', from a file) is float32 too
    is_f32 = isinstance(dtype, np.dtype) and dtype.kind == "f" and dtype.itemsize == 4
    return np.dtype(np.float32) if is_f32 else np.dtype(np.float64)


def _as_log_probs(log_probs: ArrayLike, allowed_ndim: tuple[int, ...]) -> NDArray[np.float64]:
    return _log_probs_and_top(log_probs, allowed_ndim)[0]


def _log_probs_and_top(
    log_probs: ArrayLike, allowed_ndim: tuple[int, ...]
) -> tuple[NDArray[np.float64], float]:
    """(float64 C-contiguous log_probs, their largest entry or inf for integer input)."""
    arr = _as_array(log_probs, "log_probs")
    kind = arr.dtype.kind  # "f" floating, "i"/"u" integers; bool ("b"), complex ("c") refused
    if kind not in "fiu":
        raise EngineError(f"log_probs must be real numbers; got dtype {arr.dtype}")
    if arr.ndim not in allowed_ndim:
        shapes = " or ".join({3: "(T, N, C)", 2: "(T, C)"}[d] for d in allowed_ndim)
        raise EngineError(f"log_probs must have shape {shapes}; got shape {arr.shape}")
    if arr.shape[-1] < 1:
        raise EngineError(f"log_probs must have at least one class (C >= 1); got shape {arr.shape}")
    # One pass without temporaries on the input's own dtype (a float32 input is half the
    # bytes): max is NaN if any entry is NaN and +inf if any is +inf; only then look for where.
    top = np.inf
    if kind == "f" and arr.size:
        top = float(arr.max())
        if top != top or top == np.inf:
            bad = np.isnan(arr) | (arr == np.inf)
            where = tuple(int(i) for i in np.argwhere(bad)[0])
            raise EngineError(
                f"log_probs must be finite or -inf (log 0); got {arr[where]} at index {where}"
            )
    return np.ascontiguousarray(arr, dtype=np.float64), top


def _lengths(
    x: ArrayLike, name: str, n: int, unbatched: bool
) -> tuple[NDArray[np.int64], int, int]:
    """(lengths (N,), their min, their max); N >= 1."""
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
    lo, hi = _min_max(arr)
    if lo < 0:
        i = int(np.argmax(arr < 0))
        raise EngineError(f"{name} must be >= 0; got {int(arr[i])} at batch index {i}")
    return arr, lo, hi


def _prepare(
    log_probs: ArrayLike,
    targets: ArrayLike,
    input_lengths: ArrayLike,
    target_lengths: ArrayLike,
    blank: int,
) -> _Batch:
    lp, top = _log_probs_and_top(log_probs, (3, 2))
    unbatched = lp.ndim == 2
    if unbatched:
        lp = lp[:, None, :]
    n_frames, n_batch, n_classes = lp.shape
    if n_batch < 1:
        raise EngineError(
            f"log_probs must hold at least one sequence (N >= 1); got shape {lp.shape}"
        )
    blank = check_blank(blank, n_classes)
    il, _, il_max = _lengths(input_lengths, "input_lengths", n_batch, unbatched)
    tl, tl_min, s_max = _lengths(target_lengths, "target_lengths", n_batch, unbatched)
    if il_max > n_frames:
        i = int(np.argmax(il > n_frames))
        raise EngineError(
            f"input_lengths must be <= T={n_frames}; got {int(il[i])} at batch index {i}"
        )
    tg = _as_int_array(targets, "targets")
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
        if s_max > tg.shape[1]:
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
    if padded.size and tl_min == s_max:
        # Every target fills the padded width (the usual batch): no padding to blank out, and
        # one min/max/equality pass each finds whether any label is out of range or blank.
        in_target = None
        lo, hi = _min_max(padded)
        failed = lo < 0 or hi >= n_classes or _has_value(padded, blank)
    else:
        in_target = np.arange(s_max)[None, :] < tl[:, None]
        padded = np.where(in_target, padded, blank)
        failed = padded.size > 0
    if failed:
        if in_target is None:
            in_target = np.ones(padded.shape, dtype=bool)
        bad = in_target & ((padded < 0) | (padded >= n_classes) | (padded == blank))
    if failed and bad.any():
        n, j = (int(i) for i in np.argwhere(bad)[0])
        raise EngineError(
            f"targets must be class indices in [0, {n_classes}) other than blank={blank}; "
            f"got {int(padded[n, j])} at position {j} of sequence {n}"
        )
    padded = np.ascontiguousarray(padded)  # int64 already: _as_int_array copied the input
    return _Batch(lp, padded, il, tl, blank, unbatched, out_dtype(log_probs), top)


def check_work(batch: _Batch, grad: bool) -> None:
    """Refuse a call whose recursions would visit more trellis cells, sum over sequences of
    input_length x (2 x target_length + 1), than ENGINE_MAX_CTC_CELLS (loss only) or
    ENGINE_MAX_CTC_GRAD_CELLS (with the gradient): about a minute each. O(1) for every batch
    whose padded size T x N x (2 S_max + 1) is under the limit."""
    limit, name = (
        (ENGINE_MAX_CTC_GRAD_CELLS, "ENGINE_MAX_CTC_GRAD_CELLS")
        if grad
        else (ENGINE_MAX_CTC_CELLS, "ENGINE_MAX_CTC_CELLS")
    )
    n_frames, n_batch, _ = batch.log_probs.shape
    if n_frames * n_batch * (2 * batch.targets.shape[1] + 1) <= limit:
        return
    cells = sum(
        t * (2 * s + 1)
        for t, s in zip(batch.input_lengths.tolist(), batch.target_lengths.tolist(), strict=True)
    )
    if cells > limit:
        what = "loss and gradient" if grad else "loss"
        raise EngineError(
            f"the CTC {what} would visit {cells:.3g} trellis cells (sum of input_length x "
            f"(2 x target_length + 1)), more than the engine's limit {name} = {limit:.0e} "
            "(about a minute); split the input or shorten it"
        )


def _extend(targets: NDArray[np.int64], target_lengths: NDArray[np.int64], blank: int) -> _Extended:
    """Blank-interleaved labels, skip mask and the fewest frames each target needs."""
    n_batch, s_max = targets.shape
    n_ext = 2 * s_max + 1
    labels_ext = np.full((n_batch, n_ext), blank, dtype=np.int64)
    labels_ext[:, 1::2] = targets
    n_states = 2 * target_lengths + 1
    # Full width (every target_length == S_max, the usual batch): every state and label exists.
    full = target_lengths.size == 0 or _min_max(target_lengths)[0] == s_max
    if full:
        valid = np.ones((n_batch, n_ext), dtype=bool)
    else:
        valid = np.arange(n_ext) < n_states[:, None]
    skip = np.zeros((n_batch, n_ext), dtype=bool)
    if s_max < 2:  # no label has a predecessor: no skips, no repeats
        return _Extended(labels_ext, valid, skip, n_states, target_lengths.copy())
    # Label j >= 1 (state 2j + 1) is in the target and equal to, or different from, label j-1.
    same = targets[:, 1:] == targets[:, :-1]
    if full:
        np.logical_not(same, out=skip[:, 3::2])
    else:
        later = np.arange(1, s_max) < target_lengths[:, None]
        np.logical_and(later, ~same, out=skip[:, 3::2])
        same &= later
    # Each adjacent repeat forces a blank frame between the two labels.
    repeats = same.sum(axis=1)
    return _Extended(
        labels_ext=labels_ext,
        valid=valid,
        skip=skip,
        n_states=n_states,
        min_frames=target_lengths + repeats,
    )


def take_rows(ext: _Extended, rows: NDArray[np.int64]) -> _Extended:
    """The rows ``rows`` of every field of ``ext``."""
    return _Extended(*(getattr(ext, f)[rows] for f in _Extended.__dataclass_fields__))


def state_classes(ext: _Extended) -> NDArray[np.int64]:
    """(N, S') class of each state, -1 for a state past the sequence's own S'."""
    return np.where(ext.valid, ext.labels_ext, -1)
