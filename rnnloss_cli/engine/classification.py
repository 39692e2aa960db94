"""Classification losses: binary cross-entropy, NLL, cross-entropy and hinge.

Conventions follow ``torch.nn.functional``: natural logarithms (nats), ``reduction`` is
"none" | "sum" | "mean" with PyTorch's meaning (a weighted "mean" divides by the summed
weights of the targets), class axis 1 for batched input and 0 for unbatched ``(C,)`` input.
Each loss has a ``*_grad`` beside it giving the gradient of the reduced loss w.r.t. ``input``.
Arithmetic is float64. float32 input gives float32 results (a numpy float32 scalar when
reduced, a float32 gradient), the float64 ones rounded once (``keeps_float32``), as torch
keeps the dtype; any other input gives float64 results (a Python float when reduced).
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import NamedTuple

import numpy as np

from rnnloss_cli.engine._numerics import (
    all_finite,
    as_array,
    as_float_array,
    as_real_array,
    check_int_option,
    check_real_option,
    check_reduction,
    check_same_shape,
    class_max,
    class_sum,
    keeps_float32,
    reduce,
    reduction_scale,
    scaled_sum,
)
from rnnloss_cli.engine._parallel import (
    CHUNKED_MIN_ELEMENTS,
    chunkable_pair,
    chunked,
    chunked_sum,
    run_parts,
    scratch,
    thread_count,
)
from rnnloss_cli.engine.errors import EngineError

#: PyTorch clamps each log in binary_cross_entropy at -100 so that log(0) stays finite.
BCE_LOG_CLAMP = -100.0
#: PyTorch's lower bound on p(1 - p) in the binary_cross_entropy backward pass.
BCE_GRAD_EPS = 1e-12


#: Below this p, ln(1 - p) is taken as log1p(-p): 1 - p rounds with an absolute error up to
#: 1.1e-16, a relative error of 1.1e-16 / p in ln(1 - p) ~ -p. Above it, np.log(1 - p) is
#: accurate to 1e-12 and 4x faster than log1p (1.1 against 4.0 ms for 10^6 values).
LOG1M_LOG1P_BELOW = 1e-4

#: max |w| of class weights used as given by a weighted "mean" (see _class_weight): far
#: from both ends of float64, so the total weight, its inverse and every w * loss keep their
#: precision; weights outside are divided by max |w| first (the mean does not change).
MEAN_WEIGHT_RANGE = (2.0**-500, 2.0**500)

#: Rows per block when nll_loss / cross_entropy gather or set one entry per row of an (N, C)
#: array. A block's flat indices (and gathered values) sit in one 128 KB buffer reused from
#: block to block, so they stay in cache, where N-long index and value arrays are written
#: and read back through memory. nll_loss at (100000, 10), medians of 50 interleaved calls:
#: 0.82 ms with caches flushed before each call, 0.34 ms warm, against 0.89 and 0.47 ms with
#: N-long arrays. 4096-row blocks were slower (more calls), 32768 no faster.
GATHER_BLOCK_ROWS = 16384


# ---------------------------------------------------------------------------- shared checks
def _probabilities(input, target, target_in_unit: bool = False):
    """Validated probabilities p in [0, 1] and a finite target of the same shape, and min p.

    Two passes (min and max, no temporaries) check p: NaN fails both comparisons. With
    ``target_in_unit`` the target is checked the same way to lie in [0, 1] (PyTorch's
    binary_cross_entropy refuses others), else for finiteness only. A 0-d pair comes back
    as 1-element arrays (in-place ufuncs need arrays): callers reshape their results to
    the given shape.
    """
    p, y = as_real_array(input, "input"), as_real_array(target, "target")
    check_same_shape(p, y, "input", "target")
    if p.ndim == 0:
        p, y = p.reshape(1), y.reshape(1)
    p_min = float(p.min()) if p.size else 0.0
    if p.size and not (p_min >= 0.0 and p.max() <= 1.0):
        as_float_array(p, "input")  # names NaN / infinity first
        raise EngineError("input: expected probabilities in [0, 1]")
    if target_in_unit:
        if y.size and not (y.min() >= 0.0 and y.max() <= 1.0):
            as_float_array(y, "target")  # names NaN / infinity first
            raise EngineError("target: expected values in [0, 1]")
    else:
        as_float_array(y, "target")
    return p, y, p_min


def _log1m(p: np.ndarray) -> np.ndarray:
    """ln(1 - p) for p in [0, 1], accurate for tiny p (see LOG1M_LOG1P_BELOW)."""
    with np.errstate(divide="ignore"):
        out = np.log(1.0 - p)
    tiny = p < LOG1M_LOG1P_BELOW
    if np.any(tiny):
        out[tiny] = np.log1p(-p[tiny])
    return out


# ---------------------------------------------------------------------------- binary CE
def bce_clamped_logs(input) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return (log p, log(1-p)) each clamped at -100 as PyTorch does, and where each clamped.

    Natural logs of probabilities p in [0, 1], in ``input``'s shape, as
    (max(ln p, -100), max(ln(1 - p), -100), ln p < -100, ln(1 - p) < -100): the terms of
    :func:`binary_cross_entropy` before the sign and the reduction. p = 0 gives ln p = -inf,
    clamped to -100; p = 0.5 gives ln 0.5 = -0.693147 twice:

    >>> [[round(v, 6) for v in a.tolist()] for a in bce_clamped_logs([0.0, 0.5])[:2]]
    [[-100.0, -0.693147], [-0.0, -0.693147]]
    >>> [a.tolist() for a in bce_clamped_logs([0.0, 0.5])[2:]]
    [[True, False], [False, False]]
    """
    given = as_float_array(input, "input")
    p = given.reshape(-1)
    if p.size and not (p.min() >= 0.0 and p.max() <= 1.0):
        raise EngineError("input: expected probabilities in [0, 1]")
    with np.errstate(divide="ignore"):
        log_p = np.log(p)
    log_q = _log1m(p)
    return tuple(
        a.reshape(given.shape)
        for a in (
            np.maximum(log_p, BCE_LOG_CLAMP),
            np.maximum(log_q, BCE_LOG_CLAMP),
            log_p < BCE_LOG_CLAMP,
            log_q < BCE_LOG_CLAMP,
        )
    )


@keeps_float32("target")
def binary_cross_entropy(input, target, reduction: str = "mean") -> np.ndarray | float:
    """Binary cross-entropy on probabilities: -[y ln p + (1 - y) ln(1 - p)] per element.

    Each log is clamped at -100 exactly as ``torch.nn.functional.binary_cross_entropy``
    does, so p = 0 or 1 gives a finite (large) loss. Default reduction "mean" is the
    handout's -(1/n) sum.

    >>> round(binary_cross_entropy([0.9, 0.2], [1.0, 0.0]), 6)
    0.164252
    """
    check_reduction(reduction)
    if reduction != "none":
        x, y = chunkable_pair(input, target)
        if x is not None:  # chunks on threads, each reduced while in cache
            total = chunked_sum(lambda c: binary_cross_entropy(x[c], y[c], "sum"), x.size, 1)
            return total / x.size if reduction == "mean" else total
    p, y, _ = _probabilities(input, target, target_in_unit=True)
    with np.errstate(divide="ignore"):
        log_p = np.log(p)
    np.maximum(log_p, BCE_LOG_CLAMP, out=log_p)
    log_q = _log1m(p)
    np.maximum(log_q, BCE_LOG_CLAMP, out=log_q)
    # -(y ln p + (1 - y) ln q), each product on its own, as PyTorch: the shorter
    # -(ln q + y (ln p - ln q)) rounds ln p - ln q to the grid of ln q, so y = 1 and p near 1
    # gave the rounding error of ln q (0 at p = 1 - 1e-16) instead of -ln p
    log_p *= y
    log_q *= np.subtract(1.0, y)
    terms = np.add(log_p, log_q, out=log_p)
    np.subtract(0.0, terms, out=terms)  # 0 - x, not -x: -ln 1 is +0, never -0
    return reduce(terms.reshape(np.shape(input)), reduction)


@keeps_float32("target")
def binary_cross_entropy_grad(input, target, reduction: str = "mean") -> np.ndarray:
    """d loss / d p = (p - y) / max(p (1 - p), 1e-12), PyTorch's backward, times 1/n for mean.

    The derivative of -[y ln p + (1 - y) ln(1 - p)] (natural logs): positive where p > y (the
    loss falls as p moves toward y). "sum" and "none" take scale 1, "mean" 1/n over all n
    elements. The 1e-12 floor is PyTorch's, so p = 0 or 1 gives a large finite entry.

    Two elements, "mean" (n = 2): (0.8 - 1) / (0.8 x 0.2) / 2 = -1.25 / 2 = -0.625 and
    (0.25 - 0) / (0.25 x 0.75) / 2 = 1.333333 / 2 = 0.666667:

    >>> [round(v, 6) for v in binary_cross_entropy_grad([0.8, 0.25], [1.0, 0.0]).tolist()]
    [-0.625, 0.666667]
    """
    check_reduction(reduction)
    input = as_real_array(input, "input")
    scale = 1.0 / input.size if reduction == "mean" and input.size else 1.0
    x, y = chunkable_pair(input, target)
    if x is not None:  # chunks on threads, each written while in cache
        out = np.empty(np.shape(input))
        flat = out.reshape(-1)
        chunked(lambda c: _bce_grad_into(x[c], y[c], scale, flat[c]), x.size, 1)
        return out
    return _bce_grad_into(input, target, scale, None).reshape(np.shape(input))


def _bce_grad_into(input, target, scale: float, out: np.ndarray | None) -> np.ndarray:
    """out = scale (p - y) / max(p (1 - p), 1e-12), validated; a new array for out None."""
    p, y, _ = _probabilities(input, target, target_in_unit=True)
    den = 1.0 - p
    den *= p
    np.maximum(den, BCE_GRAD_EPS, out=den)
    grad = np.subtract(p, y, out=out)
    grad /= den
    grad *= scale
    return grad


# ---------------------------------------------------------------------------- NLL / CE
# Layout: the class axis is 1 for batched input (N, C, d1, ...) and 0 for unbatched (C,);
# every other axis is an "observation" axis. Targets are gathered (one entry per
# observation), never expanded into a dense one-hot array.
def _class_axis(ndim: int) -> int:
    return 0 if ndim == 1 else 1


def _class_last(x: np.ndarray) -> np.ndarray:
    """A view of ``x`` with its class axis moved to the end: (..., C)."""
    return np.moveaxis(x, _class_axis(x.ndim), -1)


def _scores(input, what: str) -> np.ndarray:
    x = as_real_array(input, "input")
    if x.ndim == 0:
        raise EngineError(
            f"input: expected {what} of shape (C,), (N, C) or (N, C, d1, ...), got a scalar"
        )
    if x.shape[_class_axis(x.ndim)] == 0:
        raise EngineError(f"input: expected at least one class, got shape {x.shape}")
    return x


def _index_targets(
    target, shape: tuple[int, ...], ignore_index: int, probabilities_too: bool = False
) -> tuple[np.ndarray, np.ndarray | None]:
    """Validate integer class targets for input of ``shape``; return (targets, valid mask).

    Ignored targets are replaced by class 0 so they can be gathered; ``valid`` marks the
    rest, and is None when no target is ignored (so the common case costs no mask passes).
    """
    axis = _class_axis(len(shape))
    want = shape[:axis] + shape[axis + 1 :]
    ignore_index = check_int_option(ignore_index, "ignore_index", -(2**63), 2**63 - 1)
    t = as_array(target, "target")
    if t.shape != want:
        also = f" or {shape} (class probabilities)" if probabilities_too else ""
        raise EngineError(
            f"target: expected shape {want} (class indices for input of shape {shape}, "
            f"class axis {axis}){also}, got {t.shape}"
        )
    kind = t.dtype.kind  # "i" / "u": signed / unsigned integers (not bool, kind "b")
    n_classes = shape[axis]
    if kind not in "iu":  # floats holding whole numbers, checked before any cast to int
        if t.size:
            if not all_finite(t):
                raise EngineError("target: expected integer class indices, got NaN or infinity")
            if not np.all(np.equal(np.mod(t, 1), 0)):
                raise EngineError("target: expected integer class indices")
            bad = (t != ignore_index) & ((t < 0) | (t >= n_classes))
            if np.any(bad):
                raise EngineError(f"target: class index {t[bad][0]:g} outside [0, {n_classes - 1}]")
        t, kind = t.astype(np.int64), "i"  # every value is now ignore_index or a class
    elif t.dtype.itemsize not in (4, 8):
        t, kind = t.astype(np.int64), "i"
    elif not t.dtype.isnative:
        # big-endian (an array from a file): the unsigned view below and the gather read the
        # bytes in native order, where 2**56 is 1; native copy, same values and kind
        t = t.astype(t.dtype.newbyteorder("="))
    if t.size == 0:
        return t.astype(np.intp), None
    if not 0 <= ignore_index < n_classes:
        # The common case, every target a class and none ignored, in one pass: seen as
        # unsigned, a negative index is huge, so max < C proves 0 <= t < C everywhere.
        if t.view(np.uint64 if t.dtype.itemsize == 8 else np.uint32).max() < n_classes:
            # uint64 + the int64 row offsets would be float64: every t < C, so the int64
            # view holds the same values
            return (t.view(np.int64) if kind == "u" and t.dtype.itemsize == 8 else t), None
    valid = t != ignore_index
    bad = valid & ((t < 0) | (t >= n_classes))
    if np.any(bad):
        raise EngineError(f"target: class index {t[bad][0]} outside [0, {n_classes - 1}]")
    return np.where(valid, t, 0).astype(np.intp, copy=False), valid


@lru_cache(maxsize=8)
def _block_offsets(n_classes: int, rows: int) -> np.ndarray:
    """Row offsets 0, C, 2C, ... of a block of rows, read-only and kept: on cold caches a
    fresh ``arange`` costs about 40 us, a fifth of a small call's whole time."""
    offsets = np.arange(0, rows * n_classes, n_classes, dtype=np.intp)
    offsets.flags.writeable = False
    return offsets


def _row_blocks(x: np.ndarray, t: np.ndarray):
    """Yield (start, stop, flat rows start:stop of ``x``, flat target indices within them).

    ``x`` is C-contiguous (N, C) and ``t`` holds N checked class indices in [0, C). Flat
    index of row i's target in its block: (i - start) * C + t_i. The index buffer is reused
    from block to block (see GATHER_BLOCK_ROWS); each yielded index is valid until the next.
    """
    n_rows, n_classes = x.shape
    flat = x.reshape(-1)  # a view: x is C-contiguous
    offsets = _block_offsets(n_classes, GATHER_BLOCK_ROWS)
    rows = max(1, min(GATHER_BLOCK_ROWS, n_rows))
    index = np.empty(rows, dtype=np.intp)
    for start in range(0, n_rows, rows):
        stop = min(start + rows, n_rows)
        block_index = index[: stop - start]
        np.add(offsets[: stop - start], t[start:stop], out=block_index)
        yield start, stop, flat[start * n_classes : stop * n_classes], block_index


def _blockwise(x: np.ndarray) -> bool:
    """True for the common (N, C) C-contiguous layout that :func:`_row_blocks` walks."""
    return x.ndim == 2 and x.flags.c_contiguous


def _gather(x: np.ndarray, t: np.ndarray) -> np.ndarray:
    """x at the target class of every observation: shape of ``t``."""
    if _blockwise(x):  # the common (N, C) case: one flat take per block of rows
        out = np.empty(t.shape)
        for start, stop, block, index in _row_blocks(x, t):
            # mode="clip" never clips (the indices are checked) and, unlike "raise", lets
            # take write straight into ``out`` instead of into a copy
            block.take(index, out=out[start:stop], mode="clip")
        return out
    axis = _class_axis(x.ndim)
    return np.take_along_axis(x, np.expand_dims(t, axis), axis=axis).squeeze(axis)


def _target_sum(x: np.ndarray, t: np.ndarray) -> float:
    """sum over observations of x at the target class.

    For the common (N, C) layout, without an N-long temporary: each block's values are
    gathered into its own index buffer (viewed as float64), so one 128 KB buffer serves
    both and stays in cache (10% faster than a second buffer at (100000, 10), cold). take
    reads index j before it writes value j, and value j overlaps index j only, so every
    index is read before it is overwritten.
    """
    if not _blockwise(x) or np.dtype(np.intp).itemsize != 8:
        return float(np.sum(_gather(x, t)))
    total = 0.0
    for _, _, block, index in _row_blocks(x, t):
        values = index.view(np.float64)
        total += float(np.add.reduce(block.take(index, out=values, mode="clip")))
    return total


def _zeros_with_targets(shape: tuple[int, ...], t: np.ndarray, value: float) -> np.ndarray:
    """An array of zeros of ``shape`` holding ``value`` at the target entry of each row."""
    grad = np.empty(shape)
    if _blockwise(grad):  # zero a block of rows while it is in cache, then set its targets

        def fill(rows: slice) -> None:
            for _, _, block, index in _row_blocks(grad[rows], t[rows]):
                block.fill(0.0)
                block[index] = value

        # A big array on the threads, a part each: mapping its fresh pages is most of the
        # cost. Measured at (100000, 10), benchmarks/pointwise.py, nll loss + gradient:
        # 1.05-1.09x torch's time on one thread, 0.84-0.98x on two.
        n_rows = shape[0]
        parts = thread_count() if grad.size >= CHUNKED_MIN_ELEMENTS else 1
        step = max(1, -(-n_rows // parts))
        run_parts(fill, [slice(a, a + step) for a in range(0, max(n_rows, 1), step)])
        return grad
    grad.fill(0.0)
    _add_at_targets(grad, t, value, assign=True)
    return grad


def _add_at_targets(grad: np.ndarray, t: np.ndarray, values, *, assign: bool = False) -> None:
    """grad[target of each observation] += values (or = values), in place.

    Each observation has one target entry, so the indices are distinct and += is exact.
    """
    if _blockwise(grad):
        values = np.broadcast_to(values, t.shape)
        for start, stop, block, index in _row_blocks(grad, t):
            if assign:
                block[index] = values[start:stop]
            else:
                block[index] += values[start:stop]
        return
    axis = _class_axis(grad.ndim)
    idx = np.expand_dims(t, axis)
    values = np.expand_dims(np.broadcast_to(values, t.shape), axis)
    if not assign:
        values = np.take_along_axis(grad, idx, axis=axis) + values
    np.put_along_axis(grad, idx, values, axis=axis)


def _class_weight(weight, n_classes: int, mean_over: int | None = None) -> np.ndarray | None:
    """The (C,) class weights, checked; for a weighted "mean" over ``mean_over`` observations
    (index targets), divided by max |w| when they are too large or too small to use as given.

    A weighted mean sum_i w[y_i] l_i / sum_i w[y_i] is unchanged by a common factor of the
    weights. With weights near 1e308 the total W is inf, and PyTorch's 1/W = 0 turns the mean
    (and its gradient) into 0; with subnormal weights 1/W is inf and w l rounds to 0 or a few
    bits. Weights whose max |w| lies in MEAN_WEIGHT_RANGE (their total over N observations
    too) are used as given, so ordinary weights give PyTorch's numbers bit for bit.
    """
    if weight is None:
        return None
    w = as_float_array(weight, "weight")
    if w.shape != (n_classes,):
        raise EngineError(f"weight: expected shape ({n_classes},), got {w.shape}")
    if mean_over is not None and w.size:
        # a few classes: Python's max is 8x faster than numpy's call overhead (0.5 / 4 us)
        top = max(map(abs, w.tolist())) if n_classes <= 64 else float(np.max(np.abs(w)))
        low, high = MEAN_WEIGHT_RANGE
        if top and not low <= top <= high / max(mean_over, 1):
            return w / top
    return w


def _class_mean(w: np.ndarray | None) -> float:
    """sum_c w_c / C (1 unweighted): the label-smoothing term's weight, which stays finite
    when the sum of the weights would not (see :func:`reduce`)."""
    return 1.0 if w is None else reduce(w, "mean")


def _target_weights(
    w: np.ndarray | None, t: np.ndarray, valid: np.ndarray | None
) -> np.ndarray | None:
    """w[y] for every observation, 0 where the target is ignored; None when all are 1."""
    if w is None:
        return None if valid is None else valid.astype(np.float64)
    return w[t] if valid is None else np.where(valid, w[t], 0.0)


def _total_weight(wt: np.ndarray | None, t: np.ndarray, reduction: str) -> float:
    """sum_i w[y_i], the divisor of "mean" (weights fitted by :func:`_class_weight` keep it
    in range); 1 for the other reductions, which do not divide (their weights may sum past
    the float range)."""
    if reduction != "mean":
        return 1.0
    return float(t.size) if wt is None else float(np.sum(wt))


def _weighted(values: np.ndarray, wt: np.ndarray | None) -> np.ndarray:
    """wt * values, with weight 0 (or an ignored target) times inf counted as 0."""
    if wt is None:
        return values
    with np.errstate(invalid="ignore", over="ignore"):  # a term past the float range: ±inf
        return np.where(wt == 0, 0.0, wt * values)


def _mean_scale(total: float, reduction: str) -> float:
    """1 / (summed target weights) for "mean", else 1. A total of 0 (signed weights that
    cancel, or every target ignored) gives inf: PyTorch divides by the total, so a sum x gives
    x / 0, that is x * inf: -inf or +inf by the sign of x, NaN for x = 0 (0 / 0)."""
    if reduction != "mean":
        return 1.0
    return 1.0 / total if total != 0 else np.inf


def _reduced(per: np.ndarray, total_weight: float, reduction: str) -> np.ndarray | float:
    if reduction == "none":
        return per
    return scaled_sum(per, _mean_scale(total_weight, reduction))


def _check_target_log_probs(lp_t: np.ndarray, valid: np.ndarray | None) -> float:
    """NaN or +inf in a log-probability that is read is an error; -inf (p = 0) is not.

    Returns the sum of the entries read (the unweighted loss's negative).
    """
    read = lp_t if valid is None else lp_t[valid]
    # one sum proves it: NaN stays NaN, +inf gives +inf or (with a -inf) NaN; finite
    # entries can overflow it to +-inf (the true total), so +inf is then looked into
    with np.errstate(invalid="ignore", over="ignore"):
        total = float(np.sum(read))
    if np.isnan(total) or total == np.inf:
        if np.any(np.isnan(read) | (read == np.inf)):
            raise EngineError(
                "input: expected log-probabilities (finite or -inf) at the target classes, "
                "got NaN or +inf"
            )
    return total


def _nll_parts(input, target, reduction, weight, ignore_index, *, need_values: bool):
    """Validated (lp, t, valid, target weights, gathered lp_t or None, sum of entries read).

    Only the target entries are read, so only they are checked (PyTorch reads no more).
    Unweighted with nothing ignored, only their sum is needed (unless ``need_values``): it
    is taken block by block without an N-long gathered array, and lp_t is None.
    """
    lp = _scores(input, "log-probabilities")
    check_reduction(reduction)
    t, valid = _index_targets(target, lp.shape, ignore_index)
    w = _class_weight(
        weight, lp.shape[_class_axis(lp.ndim)], t.size if reduction == "mean" else None
    )
    wt = _target_weights(w, t, valid)
    if wt is None and not need_values:  # wt is None: no weight and nothing ignored
        # -inf + inf is NaN, reported below; finite entries summing past 1.8e308 give the
        # true total, +-inf
        with np.errstate(invalid="ignore", over="ignore"):
            read_sum = _target_sum(lp, t)
        if math.isnan(read_sum) or read_sum == math.inf:  # see _check_target_log_probs
            _check_target_log_probs(_gather(lp, t), None)
        return lp, t, valid, wt, None, read_sum
    lp_t = _gather(lp, t)
    return lp, t, valid, wt, lp_t, _check_target_log_probs(lp_t, valid)


@keeps_float32("weight")
def nll_loss(
    input, target, reduction: str = "mean", weight=None, ignore_index: int = -100
) -> np.ndarray | float:
    """Negative log-likelihood of integer targets given log-probabilities.

    loss_i = -w[y_i] * input[i, y_i]; "mean" divides the sum by sum_i w[y_i] (ignored
    targets excluded), as ``torch.nn.functional.nll_loss``. Input is ln p (natural log).
    Only the N target entries are read (and checked); a target with weight 0 or an ignored
    one contributes 0. When every target is ignored or has weight 0, "mean" is 0/0 = NaN,
    as in PyTorch.

    Args:
      input: log-probabilities, shape (C,), (N, C) or (N, C, d1, ...).
      target: class indices, shape (), (N,) or (N, d1, ...).
      weight: optional per-class weights, shape (C,).
      ignore_index: target value that contributes nothing (not to the mean's denominator).

    >>> round(nll_loss(np.log([[0.2, 0.7, 0.1]]), [1]), 6)  # -ln 0.7
    0.356675
    """
    _, t, _, wt, lp_t, read_sum = _nll_parts(
        input, target, reduction, weight, ignore_index, need_values=reduction == "none"
    )
    # 0 - x, not -x: -ln 1 is +0, never -0
    if wt is None and reduction != "none":  # unweighted, nothing ignored: the sum is known
        return (0.0 - read_sum) * _mean_scale(float(t.size), reduction)
    per = _weighted(np.subtract(0.0, lp_t), wt)
    return _reduced(per, _total_weight(wt, t, reduction), reduction)


@keeps_float32("weight")
def nll_loss_grad(
    input, target, reduction: str = "mean", weight=None, ignore_index: int = -100
) -> np.ndarray:
    """Gradient of :func:`nll_loss` w.r.t. its log-probability input.

    -w[y_i] / W at each target entry (W = sum_i w[y_i] for "mean", 1 otherwise), 0 elsewhere
    and at ignored targets. As PyTorch: with every target ignored the gradient is 0; with
    W = 0 under "mean" the non-ignored target entries are -w[y_i] / 0: -inf for a positive
    weight, +inf for a negative one, NaN (-0/0) for a weight of 0.

    The loss is -w[y_i] input[i, y_i] (input = ln p), so the entries are <= 0 for positive
    weights. Two rows, targets 1 and 0, unweighted "mean" (W = 2): -1/2 at each target:

    >>> nll_loss_grad([[-1.6, -0.4], [-0.1, -2.3]], [1, 0]).tolist()
    [[0.0, -0.5], [-0.5, 0.0]]
    """
    lp, t, valid, wt, _, _ = _nll_parts(
        input, target, reduction, weight, ignore_index, need_values=False
    )
    scale = _mean_scale(_total_weight(wt, t, reduction), reduction)
    if wt is None:  # unweighted, nothing ignored: the same value at every target
        return _zeros_with_targets(lp.shape, t, -scale)
    grad = np.zeros(lp.shape)
    with np.errstate(invalid="ignore"):
        # ignored targets: 0 even when the scale is NaN (every target ignored: 0, as PyTorch)
        at_target = 0.0 - scale * wt  # 0 - x: a weight of 0 gives +0, not -0
        if valid is not None:
            at_target = np.where(valid, at_target, 0.0)
    _add_at_targets(grad, t, at_target, assign=True)
    return grad


def _weighted_log_terms(coef: np.ndarray, lp: np.ndarray) -> np.ndarray:
    """-sum_c coef*lp over the last axis, treating 0 * (-inf) as 0 (an unused class)."""
    with np.errstate(invalid="ignore", over="ignore"):
        prod = np.where(coef == 0, 0.0, coef * lp)
        return 0.0 - class_sum(prod)  # 0 - x, not -x: -ln 1 is +0, never -0


class _CEParts(NamedTuple):
    """Validated logits and their softmax pieces, class axis last.

    ln softmax(z)_c = (z_c - m) - ln s with m the row max and s = sum_c exp(z_c - m). Losses
    are formed as (m - z_c) + ln s, never as logsumexp(z) - z_c: logsumexp rounds to the
    precision of |z|, which would swamp a small loss when the logits are large.
    """

    z: np.ndarray  #: the logits as given
    zl: np.ndarray  #: class-last view (..., C)
    m: np.ndarray  #: row max, shape (...)
    e: np.ndarray | None  #: exp(z - m), class-last (..., C), a fresh array (None: not kept)
    row_sum: np.ndarray  #: s = sum_c exp(z_c - m), shape (...), in [1, C]; softmax = e / s
    log_sum: np.ndarray  #: ln s, shape (...)
    #: rows whose max is not finite (a NaN, a +inf, or every logit -inf), shape (...), or
    #: None when there is none; their m, e and s are placeholders (0, 1, C) that no loss
    #: may read: :func:`_ce_setup` refuses them unless their target is ignored
    bad: np.ndarray | None = None

    def log_probs(self) -> np.ndarray:
        """ln softmax(z), class-last (..., C); -inf for a class 1.8e308 below the max."""
        with np.errstate(over="ignore"):
            return (self.zl - self.m[..., None]) - self.log_sum[..., None]


def _ce_logits(input, keep_exp: bool = True) -> _CEParts:
    """The softmax pieces of ``input``; ``e`` only with ``keep_exp`` (the gradient's).

    A big (N, C) C-contiguous input is worked in row chunks spread over the threads
    (``_parallel.chunked``): max, exp and row sum of a chunk run while it is in cache, where
    whole-array passes stream the input through memory several times. Every row's numbers
    are those of the whole-array passes (each is computed within its row alone). Measured at
    (100000, 10), benchmarks/pointwise.py on two threads: the loss 5.0-5.3 ms whole, 3.3-4.1 ms
    in chunks; loss + gradient 10.0-10.2 against 7.2-9.2 ms.
    """
    # -inf is a legal logit (a class with probability 0), as in PyTorch; NaN and +inf are not.
    z = _scores(input, "logits")
    zl = _class_last(z)
    if z.ndim == 2 and z.flags.c_contiguous and z.size >= CHUNKED_MIN_ELEMENTS:
        n_rows = z.shape[0]
        m, s = np.empty(n_rows), np.empty(n_rows)
        e = np.empty(z.shape) if keep_exp else None

        def chunk(rows: slice) -> bool:
            m[rows] = class_max(z[rows])
            if not all_finite(m[rows]):
                return False  # the whole array's check below names the error
            with np.errstate(over="ignore"):  # -inf below the max by 1.8e308: see below
                er = np.subtract(z[rows], m[rows, None], out=None if e is None else e[rows])
            np.exp(er, out=er)
            s[rows] = class_sum(er)
            return True

        if all(chunked(chunk, n_rows, z.shape[1])):
            return _CEParts(z, zl, m, e, s, np.log(s))
        # a row with no finite max: the whole-array passes below, which mark it
    m = class_max(zl)
    bad = None
    if not all_finite(m):
        # NaN, +inf or only -inf in a row: refused by _ce_setup unless the row's target is
        # ignored. Its placeholders m = 0 and e = 1 (exp of a zeroed row: never exp(1e308)
        # beside a NaN) keep every other pass finite and quiet.
        bad = ~np.isfinite(m)
        m = np.where(bad, 0.0, m)
    # A finite logit more than 1.8e308 below its row's max gives -inf, the correctly rounded
    # z - m: its probability e^(z - m) is 0 in float64 either way.
    with np.errstate(over="ignore", invalid="ignore"):
        e = zl - m[..., None]
    if bad is not None:
        e[bad] = 0.0
    np.exp(e, out=e)
    s = class_sum(e)
    return _CEParts(z, zl, m, e if keep_exp else None, s, np.log(s), bad)


def _check_row_max(m: np.ndarray) -> None:
    """NaN propagates through the max and +inf is the max, so one check on the row maxima
    covers every entry; a max of -inf is a row with no possible class."""
    if not all_finite(m):
        if np.any(np.isnan(m) | (m == np.inf)):
            raise EngineError("input: expected logits (finite or -inf), got NaN or +inf")
        raise EngineError("input: every logit of an observation is -inf (no class possible)")


def _check_rows_read(parts: _CEParts, valid: np.ndarray | None) -> None:
    """Refuse a row without a finite max (see _CEParts.bad) unless its target is ignored.

    PyTorch's cross_entropy reads no logit of an ignored observation (its loss is 0 whatever
    they hold); every other row is read, and a NaN or +inf logit or a row of -inf there
    would make the loss NaN, so it is an error naming which.
    """
    if parts.bad is None:
        return
    read = parts.bad if valid is None else parts.bad & valid
    if np.any(read):
        _check_row_max(class_max(parts.zl[read]))


def _smoothing(label_smoothing: float) -> float:
    return check_real_option(label_smoothing, "label_smoothing", 0.0, 1.0)


def _is_probability_target(target, shape: tuple[int, ...]) -> bool:
    # Index targets have one axis fewer than the input, so the shapes never collide.
    return as_array(target, "target").shape == shape


def _ce_probability_coef(parts: _CEParts, target, w, eps) -> np.ndarray:
    """Class-last coefficients a_c = w_c ((1 - eps) q_c + eps / C) of probability targets."""
    q = _class_last(as_float_array(target, "target"))
    n_classes = q.shape[-1]
    # PyTorch takes any finite target values: w_c q_c past the float range is ±inf
    with np.errstate(over="ignore"):
        a = q * (1.0 - eps) + eps / n_classes
        return a * w if w is not None else a


def _ce_setup(input, target, reduction, weight, ignore_index, label_smoothing, keep_exp):
    check_reduction(reduction)
    eps = _smoothing(label_smoothing)
    parts = _ce_logits(input, keep_exp)
    n_classes = parts.zl.shape[-1]
    if _is_probability_target(target, parts.z.shape):
        w = _class_weight(weight, n_classes)  # "mean" divides by N here, not by the weights
        if check_int_option(ignore_index, "ignore_index", -(2**63), 2**63 - 1) >= 0:
            raise EngineError(
                f"ignore_index: not supported with class-probability targets (as PyTorch), "
                f"got {ignore_index}; leave it negative (default -100)"
            )
        _check_rows_read(parts, None)
        return parts, w, eps, None
    w = _class_weight(weight, n_classes, parts.m.size if reduction == "mean" else None)
    t, valid = _index_targets(target, parts.z.shape, ignore_index, probabilities_too=True)
    _check_rows_read(parts, valid)
    return parts, w, eps, (t, valid, _target_weights(w, t, valid))


@keeps_float32("target", "weight")
def cross_entropy(
    input,
    target,
    reduction: str = "mean",
    weight=None,
    ignore_index: int = -100,
    label_smoothing: float = 0.0,
) -> np.ndarray | float:
    """Cross-entropy of logits: nll_loss(log_softmax(input), target), as PyTorch.

    Input is (C,), (N, C) or (N, C, d1, ...), class axis 1 (0 unbatched). Integer targets
    are class indices, shape (), (N,) or (N, d1, ...); a target of the input's own shape
    holds class probabilities q (any numeric dtype; its class axis is the input's):
    loss = -sum_c w_c q_c ln softmax(z)_c per observation and "mean" divides by the number of
    observations. With ``label_smoothing`` eps the target becomes (1 - eps) q + eps / C (for
    index targets, q = onehot(y)). For index targets "mean" divides by the summed target
    weights; 0/0 = NaN when every target is ignored or has weight 0, as in PyTorch.

    Logits are finite or -inf (a class of probability 0). A row holding NaN or +inf, or only
    -inf, is an error, unless its target is ``ignore_index``: an ignored row is never read
    (its loss is 0 whatever it holds, as PyTorch's).

    With index targets, loss_i = (1 - eps) w[y_i] l_iy + eps sum_c w_c l_ic / C with
    l_ic = -ln softmax(z_i)_c = (max_k z_ik - z_ic) + ln sum_k exp(z_ik - max_k z_ik); only the
    target logit is gathered from each row.

    >>> round(cross_entropy([[2.0, 1.0, 0.0]], [0]), 6)  # logsumexp(2, 1, 0) - 2
    0.407606
    """
    parts, w, eps, index = _ce_setup(
        input, target, reduction, weight, ignore_index, label_smoothing, keep_exp=False
    )
    if index is None:
        a = _ce_probability_coef(parts, target, w, eps)
        per = _weighted_log_terms(a, parts.log_probs())
        return _reduced(per, float(per.size), reduction)
    t, valid, wt = index
    # an ignored row may gather a -inf logit; a true class 1.8e308 below the max gives inf,
    # the loss's correctly rounded value
    with np.errstate(invalid="ignore", over="ignore"):
        per = _weighted((parts.m - _gather(parts.z, t)) + parts.log_sum, wt)
    if eps:
        # sum_c w_c (-ln softmax_c) / C = sum_c w_c ((m - z_c) + ln s) / C, every term >= 0
        n_classes = parts.zl.shape[-1]
        # a -inf logit makes the smoothing term inf, and (1 - eps) * inf NaN at eps = 1:
        # the same NaN as PyTorch's, without a warning
        with np.errstate(over="ignore", invalid="ignore"):
            gap = parts.m[..., None] - parts.zl
            wgap = class_sum(gap * w) if w is not None else class_sum(gap)
            smooth = wgap / n_classes + _class_mean(w) * parts.log_sum
            if valid is not None:
                smooth = np.where(valid, smooth, 0.0)
            total = _total_weight(wt, t, reduction)
            if reduction == "mean" and total == 0:
                # PyTorch divides each part by the total on its own: the nll part's 0 / 0 is
                # NaN whatever the smoothing part's x / 0 (mixed per row first, it was inf)
                return (1.0 - eps) * scaled_sum(per, math.inf) + eps * scaled_sum(smooth, math.inf)
            per = (1.0 - eps) * per + eps * smooth
    return _reduced(per, _total_weight(wt, t, reduction), reduction)


@keeps_float32("target", "weight")
def cross_entropy_grad(
    input,
    target,
    reduction: str = "mean",
    weight=None,
    ignore_index: int = -100,
    label_smoothing: float = 0.0,
) -> np.ndarray:
    """Gradient of :func:`cross_entropy` w.r.t. the logits: (sum_c a_c) softmax(z) - a.

    Here a are the per-class coefficients of the log-probabilities (the one-hot target times
    its weight, smoothed; or the weighted probability target); for an unweighted one-hot
    target this is softmax(z) - onehot(y), times the mean's 1/W. As PyTorch: 0 for ignored
    targets (all 0 when every target is ignored); NaN rows when W = 0 under "mean" and some
    target is not ignored. An ignored row holding NaN, +inf or only -inf (see
    :func:`cross_entropy`) gets 0, the derivative of a loss that does not read it (PyTorch's
    autograd gives NaN there, 0 times its NaN softmax).
    """
    parts, w, eps, index = _ce_setup(
        input, target, reduction, weight, ignore_index, label_smoothing, keep_exp=True
    )
    class_axis = _class_axis(parts.z.ndim)
    n_classes = parts.zl.shape[-1]
    grad = parts.e  # a fresh class-last array, turned into the gradient in place
    if index is None:
        a = _ce_probability_coef(parts, target, w, eps)
        # coefficients near the float limit: their sum is ±inf, inf - inf NaN (as PyTorch)
        with np.errstate(over="ignore", invalid="ignore"):
            grad *= (class_sum(a) / parts.row_sum)[..., None]
            grad -= a
        grad *= _mean_scale(float(parts.m.size), reduction)
        return np.moveaxis(grad, -1, class_axis)
    t, valid, wt = index
    scale = _mean_scale(_total_weight(wt, t, reduction), reduction)
    # d loss / d z_c per row: row_scale * ((sum_c a_c) softmax_c - a_c) with
    # a = (1 - eps) w_y onehot(y) + eps w / C; rows with an ignored target are 0 (NaN rows
    # when W = 0 and the target is read, as PyTorch).
    row_scale = scale if valid is None else np.where(valid, scale, 0.0)
    wy = 1.0 if wt is None else wt
    # the smoothing term only with smoothing: eps * (sum of w) / C is 0 * inf = NaN when the
    # weights' sum passes the float range
    smooth_sum = eps * _class_mean(w) if eps else 0.0
    with np.errstate(invalid="ignore"):
        coef_sum = ((1.0 - eps) * wy + smooth_sum) * row_scale
        grad *= np.broadcast_to(coef_sum / parts.row_sum, parts.row_sum.shape)[..., None]
        if eps:
            smooth = (w if w is not None else np.ones(n_classes)) * (eps / n_classes)
            grad -= np.multiply.outer(row_scale, smooth)
        at_target = np.broadcast_to(-(1.0 - eps) * wy * row_scale, t.shape)
    grad = np.moveaxis(grad, -1, class_axis)
    with np.errstate(invalid="ignore"):  # weights summing to 0: scale inf, inf - inf is NaN
        _add_at_targets(grad, t, at_target)
    return grad


def _rows(p: np.ndarray) -> int:
    return p.size // p.shape[-1] if p.ndim and p.shape[-1] else 1


@keeps_float32("target")
def categorical_cross_entropy(input, target, reduction: str = "sum") -> np.ndarray | float:
    """The handout's categorical cross-entropy on probabilities: -sum_c y_c ln yhat_c per row.

    ``input`` holds predicted probabilities and ``target`` one-hot (or soft) rows, both
    (C,) or (N, C), class axis last. A term with y_c = 0 counts 0 even where yhat_c = 0;
    a correct class with yhat_c = 0 gives an infinite loss (nothing is clipped). Default
    reduction "sum" is the handout's double sum; "mean" divides by the N rows. With one-hot
    rows this equals ``nll_loss(log(input), argmax(target))``.

    >>> round(categorical_cross_entropy([[0.7, 0.3], [0.4, 0.6]], [[1, 0], [0, 1]]), 6)
    0.867501
    """
    check_reduction(reduction)
    if reduction != "none":
        x, t = chunkable_pair(input, target)
        if x is not None and np.ndim(input) >= 1:  # big: chunks on threads
            total = chunked_sum(lambda c: _log_terms_sum(x[c], t[c]), x.size, 1)
            if math.isfinite(total):
                rows = x.size // np.shape(input)[-1]
                return (0.0 - total) / rows if reduction == "mean" else 0.0 - total
            # a bad input, or an infinite loss or term: the whole-array path below decides
    p, y, p_min = _probabilities(input, target)
    with np.errstate(divide="ignore"):
        log_p = np.log(p)
    # a soft target's y_c ln p_c past the float range is -inf, and a sum of finite terms
    # past it inf: their rounded values, without a warning; rows of +inf and -inf (a negative
    # soft target) sum to NaN, as PyTorch's, without numpy's "invalid value" warning
    with np.errstate(over="ignore", invalid="ignore"):
        if p_min == 0.0:  # some ln 0 = -inf: 0 * (-inf) must count 0 where y_c = 0
            per = _weighted_log_terms(y, log_p)
        else:
            per = 0.0 - class_sum(np.multiply(y, log_p, out=log_p))  # +0 for ln 1, not -0
        if reduction == "none":
            return per.reshape(np.shape(input)[:-1])
        total = float(np.sum(per))
    if reduction == "sum":
        return total
    # one term a row: "mean" divides by the rows (no rows: NaN, as PyTorch's mean of none);
    # a sum past the float range can leave a mean that fits (see reduce)
    if math.isinf(total) or not per.size:
        return reduce(per.reshape(-1), "mean")
    return total / per.size


def _log_terms_sum(p: np.ndarray, y: np.ndarray) -> float:
    """sum y ln p of one chunk of flat float64 inputs, in the thread's scratch buffer; NaN
    when the chunk needs the whole-array path: a p outside [0, 1] or NaN (ln p > 0 or NaN:
    the max check fails), or a non-finite term (y not finite, or p = 0, whose 0 ln 0 counts
    0 there). A finite sum proves every term finite (see ``all_finite``)."""
    log_p = scratch(p.size)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        np.log(p, out=log_p)
        if not log_p.max() <= 0.0:
            return math.nan
        np.multiply(log_p, y, out=log_p)
        return float(np.add.reduce(log_p))


@keeps_float32("target")
def categorical_cross_entropy_grad(input, target, reduction: str = "sum") -> np.ndarray:
    """d loss / d yhat_c = -y_c / yhat_c (0 where y_c = 0), times 1/N for "mean".

    The derivative of -sum_c y_c ln yhat_c (natural log), each yhat_c a free variable (no
    softmax folded in); "sum" (the default) and "none" take scale 1, "mean" 1/N over rows.
    One row, yhat = (0.5, 0.5), y = (1, 0): -1 / 0.5 = -2 and -0 / 0.5:

    >>> categorical_cross_entropy_grad([[0.5, 0.5]], [[1, 0]]).tolist()
    [[-2.0, -0.0]]

    Where y_c = 0 the entry is -0.0, as PyTorch's: making it +0 costs a third pass over the
    array (25% of this function at (100000, 10)); the JSON output writes it as 0.0.
    """
    check_reduction(reduction)
    x, t = chunkable_pair(input, target)
    if x is not None and np.ndim(input) >= 1:  # big: chunks on threads, each written in cache
        out = np.empty(np.shape(input))
        flat = out.reshape(-1)
        rows = x.size // np.shape(input)[-1]
        scale = -1.0 / (rows if reduction == "mean" else 1)
        if all(chunked(lambda c: _quotient_into(t[c], x[c], scale, flat[c]), x.size, 1)):
            return out
        # a bad input, or p = 0: the whole-array path below names it or counts 0 / 0 as 0
    p, y, p_min = _probabilities(input, target)
    scale = -1.0 / (_rows(p) if reduction == "mean" and _rows(p) else 1)
    # -y / p past the float range (p subnormal) is -inf, its correctly rounded value
    if p_min == 0.0:  # 0 / 0 where y_c = 0 and yhat_c = 0 counts 0
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return (np.where(y == 0, 0.0, y / p) * scale).reshape(np.shape(input))
    with np.errstate(over="ignore"):
        grad = y / p
    grad *= scale
    return grad.reshape(np.shape(input))


def _quotient_into(y: np.ndarray, p: np.ndarray, scale: float, out: np.ndarray) -> bool:
    """out = scale y / p for one chunk of flat float64 inputs; False (out unfinished) when
    the chunk needs the whole-array path: p outside [0, 1] or NaN, or a quotient that is
    not finite (y not finite, or p = 0). A finite sum of the quotients proves them finite."""
    if not (p.min() >= 0.0 and p.max() <= 1.0):
        return False
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        np.divide(y, p, out=out)
        if not math.isfinite(np.add.reduce(out)):
            return False
    out *= scale
    return True


# ---------------------------------------------------------------------------- hinge
def _hinge_inputs(input, target) -> tuple[np.ndarray, np.ndarray]:
    yhat, y = as_float_array(input, "input"), as_real_array(target, "target")
    check_same_shape(yhat, y, "input", "target")
    if yhat.ndim == 0:  # in-place ufuncs need arrays: callers reshape to the given shape
        yhat, y = yhat.reshape(1), y.reshape(1)
    # Every label is +1 or -1 exactly when the two counts add up to the size (NaN is
    # neither). Two compares into 1-byte masks and two counts: 0.3 ms at 10^6 labels,
    # against 1.0 ms for min and max of a float64 |y|.
    if np.count_nonzero(y == 1.0) + np.count_nonzero(y == -1.0) != y.size:
        raise EngineError("target: expected labels -1 or +1")
    return yhat, y


@keeps_float32("target")
def hinge_loss(input, target, reduction: str = "mean") -> np.ndarray | float:
    """Binary hinge loss, per element max(0, 1 - y * yhat) with labels y in {-1, +1}.

    Default "mean" matches the handout's worked example ((0.2 + 0.5 + 0.7) / 3); its formula
    is the "sum". PyTorch has no single function for this; it equals
    ``torch.clamp(1 - y * yhat, min=0)`` reduced.

    >>> round(hinge_loss([0.8, -0.5, 0.3], [1, -1, 1]), 6)
    0.466667
    """
    check_reduction(reduction)
    if reduction != "none":
        x, t = chunkable_pair(input, target)
        if x is not None:  # big: chunks on threads
            total = chunked_sum(lambda c: _hinge_sum(x[c], t[c]), x.size, 1)
            if math.isfinite(total):
                return total / x.size if reduction == "mean" else total
            # a bad label, NaN or infinity: the whole-array path below names it
    yhat, y = _hinge_inputs(input, target)
    margin = np.multiply(y, yhat)
    np.subtract(1.0, margin, out=margin)
    np.maximum(margin, 0.0, out=margin)
    return reduce(margin.reshape(np.shape(input)), reduction)


def _hinge_sum(yhat: np.ndarray, y: np.ndarray) -> float:
    """sum max(0, 1 - y yhat) of one chunk of flat float64 inputs, in the thread's scratch
    buffer; NaN when the chunk needs the whole-array path, which names what is wrong."""
    margin = scratch(y.size)
    with np.errstate(invalid="ignore", over="ignore"):
        if not _chunk_margins(yhat, y, margin):
            return math.nan
        np.subtract(1.0, margin, out=margin)
        np.maximum(margin, 0.0, out=margin)
        return float(np.add.reduce(margin))


def _chunk_margins(yhat: np.ndarray, y: np.ndarray, out: np.ndarray) -> bool:
    """out = y yhat for one chunk; False when a label is not -1 or +1 or a prediction is not
    finite. y^2 == 1 exactly when |y| == 1 (the doubles next to 1 square to 1 - 2^-52 and
    1 + 2^-51; NaN and inf fail too): one compare. With labels +-1, y yhat is finite
    exactly when yhat is, and a finite sum proves every product finite (see ``all_finite``):
    the margin alone would not show an infinity, max(0, 1 - inf) being 0."""
    np.multiply(y, y, out=out)
    if np.count_nonzero(out == 1.0) != y.size:
        return False
    np.multiply(y, yhat, out=out)
    return math.isfinite(np.add.reduce(out))


@keeps_float32("target")
def hinge_loss_grad(input, target, reduction: str = "mean") -> np.ndarray:
    """Subgradient w.r.t. yhat: -y where the margin 1 - y*yhat is positive, else 0.

    The derivative of max(0, 1 - y yhat) with y in {-1, +1}, 0 taken at the kink (margin
    exactly 0), times 1/n for "mean" (the default); "sum" and "none" take scale 1. Autograd of
    ``torch.clamp(1 - y * yhat, min=0)`` takes -y at the kink instead (clamp passes the gradient
    where its input equals the bound); both are subgradients, and they differ only there.

    Margins 1 - 0.8 = 0.2 > 0 (entry -1), 1 - 0.5 = 0.5 > 0 (entry +1), 1 - 2 = -1 (entry 0):

    >>> hinge_loss_grad([0.8, -0.5, 2.0], [1, -1, 1], reduction="sum").tolist()
    [-1.0, 1.0, 0.0]
    """
    check_reduction(reduction)
    x, t = chunkable_pair(input, target)
    if x is not None:  # big: chunks on threads, each written while in cache
        out = np.empty(np.shape(input))
        flat = out.reshape(-1)
        scale = reduction_scale(out, reduction)
        if all(chunked(lambda c: _hinge_grad_into(x[c], t[c], scale, flat[c]), x.size, 1)):
            return out
        # a bad label, NaN or infinity: the whole-array path below names it
    yhat, y = _hinge_inputs(input, target)
    # 1 - y yhat > 0  <=>  y yhat < 1
    grad = np.multiply(y, yhat)
    active = np.less(grad, 1.0)
    np.multiply(y, reduction_scale(yhat, reduction), out=grad)
    grad *= active
    np.subtract(0.0, grad, out=grad)  # 0 - x, not -x: +0 where inactive, never -0
    return grad.reshape(np.shape(input))


def _hinge_grad_into(yhat: np.ndarray, y: np.ndarray, scale: float, out: np.ndarray) -> bool:
    """out = 0 - scale y [y yhat < 1] for one chunk (as :func:`hinge_loss_grad`); False (out
    unfinished) when the chunk needs the whole-array path."""
    with np.errstate(invalid="ignore", over="ignore"):
        if not _chunk_margins(yhat, y, out):
            return False
    active = np.less(out, 1.0)
    np.multiply(y, scale, out=out)
    out *= active
    np.subtract(0.0, out, out=out)  # +0 where inactive, never -0
    return True
