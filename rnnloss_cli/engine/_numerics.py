"""Shared numeric helpers for the engine: reductions, softmax, argument checks.

Everything here is pure numpy in float64; nothing prints or reads files.
"""

from __future__ import annotations

import functools
import math
import numbers
import sys
from collections.abc import Callable
from typing import TypeVar

import numpy as np

from rnnloss_cli.engine.errors import EngineError, shown
from rnnloss_cli.limits import MAX_ARRAY_BYTES  # constants only: the one definition

_R = TypeVar("_R")

#: dtype kinds of real numbers: floating, signed and unsigned integers. Bool ("b"), complex
#: ("c"), strings ("U", "S"), objects ("O") and the rest are refused, as PyTorch refuses them
#: for its losses (a complex part would be dropped, a bool is not a number there).
REAL_KINDS = "fiu"

REDUCTIONS = ("none", "sum", "mean")

#: Tolerance on |sum_c p_c - 1| for a row of probabilities (and of probability targets).
ROW_SUM_TOL = 1e-6

#: Up to this many classes, a per-row max or sum over the class axis is done as C
#: vectorised passes over the rows: numpy's own reduction over a short contiguous axis
#: costs 4-5x more (measured at (100000, 10): 4.0 ms for ``max(axis=1)``, 0.9 ms by columns).
COLUMN_LOOP_MAX_CLASSES = 32


def check_array_bytes(shape: tuple[int, ...], name: str, itemsize: int = 8) -> None:
    """Refuse, before it is allocated, an array of ``shape`` above MAX_ARRAY_BYTES (2 GiB).

    ``shape`` may hold Python ints of any size: the product is exact (no int64 overflow).
    """
    size = math.prod(int(d) for d in shape) * itemsize
    if size > MAX_ARRAY_BYTES:
        raise EngineError(
            f"{name}: an array of shape {tuple(int(d) for d in shape)} would take "
            f"{size / 2**30:.3g} GiB, more than the engine's limit MAX_ARRAY_BYTES = "
            f"{MAX_ARRAY_BYTES / 2**30:g} GiB"
        )


def _python_numbers(x, arr: np.ndarray, name: str) -> np.ndarray:
    """A list numpy could only hold as objects: as float64 when it holds Python numbers
    (an int past int64, ``2**70``, is 1.18e21 as a float), else ``arr`` unchanged (refused
    by the caller); an int past float64's range is an EngineError saying so."""
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in arr.flat):
        return arr
    try:
        return np.asarray(x, dtype=np.float64)
    except OverflowError:
        raise EngineError(
            f"{name}: holds an integer too large for a float64 number (max about 1.8e308)"
        ) from None


_F64_MAX = float(np.finfo(np.float64).max)


def _check_float64_range(arr: np.ndarray, name: str) -> None:
    """Refuse a finite entry of a float wider than float64 (np.longdouble) that float64 cannot
    hold: the cast would make 1e400 inf (with numpy's "overflow encountered in cast" warning)
    and the engine would then compute with, or complain of, a value the caller never gave.
    Entries below float64's smallest subnormal round to 0, as in any float64 cast."""
    mag = np.abs(arr)
    bad = (mag > _F64_MAX) & (mag != np.inf)
    if bad.any():
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        where = f"index {idx[0]}" if len(idx) == 1 else f"index {idx}"
        value = np.format_float_scientific(arr[idx], precision=6, trim="-")
        raise EngineError(
            f"{name}: {value} at {where} is past the float64 range (largest finite about "
            "1.8e308); the engine computes in float64"
        )


def _big_python_int(x) -> tuple[tuple[int, ...], int] | None:
    """(index, value) of the first Python int in ``x`` (a list, possibly nested) outside the
    int64 range, or None. numpy holds such a list as float64 numbers (see _python_numbers)."""
    try:
        objects = np.asarray(x, dtype=object)
    except Exception:
        return None
    for idx, v in np.ndenumerate(objects):
        if isinstance(v, int) and not isinstance(v, bool) and not -(2**63) <= v < 2**63:
            return tuple(int(i) for i in idx), v
    return None


def not_integers(x, arr: np.ndarray, name: str, message: str) -> EngineError:
    """The EngineError for an argument ``x`` (read as ``arr``) that should hold integers and
    does not: a Python int past int64 (which numpy reads as a float) is named with its value
    and index; otherwise ``message``."""
    found = None
    if not isinstance(x, np.ndarray) and arr.dtype.kind == "f":
        found = _big_python_int(x)
    if found is None:
        return EngineError(message)
    idx, v = found
    where = "" if not idx else f" at index {idx[0] if len(idx) == 1 else idx}"
    value = str(v) if v.bit_length() <= 256 else shown(v)
    return EngineError(
        f"{name} must hold integers in the int64 range [-2^63, 2^63); got {value}{where}"
    )


def _plain_ndarray(x: np.ndarray, name: str) -> np.ndarray:
    """A subclass of ndarray as a plain ndarray view of the same data (no copy).

    np.matrix keeps two axes through every reshape and reduction (the engine's row sums and
    squeezes break on it) and np.memmap is a file view: both are their data. A masked array
    is not: a masked entry's value is still in the data and would be read as if it were
    real, so a mask that hides anything is refused (the losses take ``lengths`` / ``mask``,
    or ``np.ma.filled`` makes the choice of value explicit).
    """
    # a masked array exists only once numpy.ma is imported: no import here for the others
    ma = sys.modules.get("numpy.ma")
    if ma is not None and isinstance(x, ma.MaskedArray) and ma.getmaskarray(x).any():
        raise EngineError(
            f"{name}: expected plain values, got a masked array with {ma.count_masked(x)} "
            "masked entries (the engine reads every value; fill them with np.ma.filled, or "
            "mark padding with lengths= / mask= where the function takes them)"
        )
    return np.asarray(x).view(np.ndarray)


def _unreadable(x, name: str, exc: Exception) -> str:
    """The message for an ``x`` np.asarray raised on: a ragged or mixed list or tuple, or
    another object whose own conversion failed, quoted with its reason (a torch tensor that
    requires grad says to detach it; a bfloat16 tensor names its type)."""
    kind = type(x).__name__
    if isinstance(x, (list, tuple)) or not str(exc).strip():
        return f"{name}: expected a rectangular array of numbers, got a ragged or mixed {kind}"
    reason = shown(" ".join(str(exc).split()), limit=160).strip("'\"")
    return f"{name}: expected an array of numbers, got a {kind} numpy cannot read ({reason})"


def as_array(x, name: str, *, kinds: str = REAL_KINDS, dtype=None) -> np.ndarray:
    """``x`` as an array of real numbers (cast to ``dtype`` if given), or an EngineError.

    The one conversion of the engine's array arguments: a ragged nested list, a string, a
    dict, a set, None or an object array, a complex or (unless ``kinds`` has "b") a bool
    array are each refused with a message naming ``name``; so is an array whose float64
    copy would exceed MAX_ARRAY_BYTES, and a masked array that masks something. Other
    subclasses of ndarray (np.matrix, np.memmap) are read as plain arrays. An ndarray of
    ``dtype`` is returned as is (no copy): the checks cost a few attribute reads.
    """
    if type(x) is np.ndarray:
        arr = x
    elif isinstance(x, np.ndarray):
        arr = _plain_ndarray(x, name)
    else:
        try:
            arr = np.asarray(x)
        except Exception as exc:  # any failing __array__ is the caller's object's
            raise EngineError(_unreadable(x, name, exc)) from None
    if arr.dtype == object and not isinstance(x, np.ndarray):
        arr = _python_numbers(x, arr, name)
    if arr.dtype.kind not in kinds:
        got = f"dtype {arr.dtype}"
        if not isinstance(x, np.ndarray) and arr.dtype.kind in "OUS":
            got = f"{type(x).__name__} (dtype {arr.dtype})"
        what = "real numbers" if "b" not in kinds else "real numbers or booleans"
        raise EngineError(f"{name}: expected an array of {what}, got {got}")
    if arr.size * 8 > MAX_ARRAY_BYTES:
        check_array_bytes(arr.shape, name)
    if arr.dtype.kind == "f" and arr.dtype.itemsize > 8 and arr.size:
        _check_float64_range(arr, name)
    if dtype is not None and arr.dtype != dtype:
        arr = arr.astype(dtype)
    return arr


def to_int64(arr: np.ndarray, name: str) -> np.ndarray:
    """An integer array as int64; unsigned values past 2^63 - 1 are refused, not wrapped.

    ``astype(np.int64)`` turns uint64 2^64 - 1 into -1, and a message would then name -1.
    """
    if arr.dtype.kind == "u" and arr.size and arr.max() > np.iinfo(np.int64).max:
        idx = tuple(int(i) for i in np.unravel_index(int(np.argmax(arr)), arr.shape))
        raise EngineError(
            f"{name} must hold indices below 2^63; got {int(arr[idx])} at index {idx}"
        )
    return arr.astype(np.int64)


def as_real_array(x, name: str) -> np.ndarray:
    """``x`` as a float64 array of real numbers (values not checked): see :func:`as_array`."""
    return as_array(x, name, dtype=np.float64)


def check_int_option(value, name: str, low: int | None = None, high: int | None = None) -> int:
    """A Python or numpy integer (not bool, not float) in [low, high]; returned as an int."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise EngineError(f"{name}: expected an integer, got {shown(value)}")
    value = int(value)
    if (low is not None and value < low) or (high is not None and value > high):
        lo = "" if low is None else f"{low} <= "
        hi = "" if high is None else f" <= {high}"
        raise EngineError(f"{name}: expected an integer {lo}{name}{hi}, got {shown(value)}")
    return value


def check_real_option(value, name: str, low: float, high: float, what: str = "a number") -> float:
    """A real number (Python or numpy scalar, not bool, not an array) in [low, high]."""
    expected = f"{name}: expected {what} in [{low:g}, {high:g}]"
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise EngineError(f"{expected}, got {shown(value)}")
    try:
        v = float(value)
    except OverflowError:  # an integer past float64's range
        raise EngineError(f"{expected}, got {shown(value)}") from None
    if not low <= v <= high:  # also NaN
        raise EngineError(f"{expected}, got {v:g}")
    return v


def check_bool_option(value, name: str) -> bool:
    """True or False (a numpy bool too); anything else is an EngineError."""
    if not isinstance(value, (bool, np.bool_)):
        raise EngineError(f"{name}: expected True or False, got {shown(value)}")
    return bool(value)


def as_float_array(x, name: str) -> np.ndarray:
    """Return ``x`` as a float64 array, rejecting NaN and infinity with an EngineError."""
    arr = as_real_array(x, name)
    if not all_finite(arr):
        raise EngineError(f"{name}: expected finite numbers, got NaN or infinity")
    return arr


def all_finite(arr: np.ndarray) -> bool:
    """True when every entry of the float array is finite.

    One sum decides it without a temporary (np.isfinite would write a boolean per entry).
    Proof: the non-finite values {+inf, -inf, NaN} absorb addition: x + y is non-finite
    whenever x is (NaN + y = NaN; inf + finite = inf; inf + inf = inf; inf + -inf = NaN).
    Every partial sum containing a non-finite entry is therefore non-finite, whatever the
    order or grouping (numpy sums pairwise, in SIMD lanes), and so is the total: a finite
    total proves every entry finite. The converse fails only by overflow (finite entries
    summing past 1.8e308 give inf, or NaN when +inf and -inf partial sums meet), so a
    non-finite total falls back to the element-wise test, which decides.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        if np.isfinite(np.sum(arr)):
            return True
    return bool(np.all(np.isfinite(arr)))


def check_reduction(reduction: str, allowed: tuple[str, ...] = REDUCTIONS, hint: str = "") -> None:
    """Raise EngineError unless ``reduction`` is one of ``allowed``.

    The one wording of this check in the engine: ``reduction: expected one of (...), got
    'x'`` followed by ``hint`` (e.g. which reduction to use instead).
    """
    if not isinstance(reduction, str) or reduction not in allowed:  # an array's "in" is ambiguous
        raise EngineError(f"reduction: expected one of {allowed}, got {shown(reduction)}{hint}")


def check_same_shape(a: np.ndarray, b: np.ndarray, a_name: str, b_name: str) -> None:
    """Raise EngineError stating both shapes when ``a`` and ``b`` differ in shape."""
    if a.shape != b.shape:
        raise EngineError(
            f"{a_name} and {b_name} must have the same shape, got {a.shape} and {b.shape}"
        )


def describe_row_sum(total: float, tol: float = ROW_SUM_TOL) -> str:
    """``sums to S, expected 1 within TOL``, with S printed to enough digits to differ from 1.

    >>> describe_row_sum(1.0000015)
    'sums to 1.0000015, expected 1 (|sum - 1| = 1.5e-06 > tolerance 1e-06)'
    >>> describe_row_sum(0.9)
    'sums to 0.9, expected 1 (|sum - 1| = 0.1 > tolerance 1e-06)'
    """
    total = float(total)
    dev = abs(total - 1.0)
    # two significant digits of the deviation show in the sum itself
    digits = 6 if not 0 < dev < 1e-4 else min(17, 2 + math.ceil(-math.log10(dev)))
    return f"sums to {total:.{digits}g}, expected 1 (|sum - 1| = {dev:.2g} > tolerance {tol:g})"


def reduce(values: np.ndarray, reduction: str) -> np.ndarray | float:
    """Apply a PyTorch-style reduction: "none" keeps the array, "sum" adds, "mean" averages.

    A sum of finite values past the float range is inf, its true rounded value; their mean
    is not, and is taken as :func:`_fitted` says. The mean of no values is NaN, as in PyTorch.
    """
    if reduction == "none":
        return values
    with np.errstate(over="ignore", invalid="ignore"):
        total = float(np.sum(values))
    if reduction == "sum":
        return total
    n = np.size(values)
    if not n:
        return math.nan
    return _fitted(values, total, lambda s: s / n)


def scaled_sum(values: np.ndarray, scale: float = 1.0) -> float:
    """scale · Σ values: a sum (scale 1) or a mean (scale 1/n), with no overflow warning; a
    mean of finite values whose sum overflows is taken as :func:`_fitted` says."""
    with np.errstate(over="ignore", invalid="ignore"):
        total = float(np.sum(values))
        if scale < 1:
            return _fitted(values, total, lambda s: s * scale)
        return total * scale


def _fitted(values: np.ndarray, total: float, shrink: Callable[[float], float]) -> float:
    """shrink(Σ values) for a shrink that maps a sum into the values' range (a mean).

    When the sum of finite values overflowed, it is m · shrink(Σ x/m) with m = max |x|: that
    cannot overflow, as each |x/m| <= 1 and rounding is monotone, so |Σ x/m| <= n (n ones sum
    exactly), the shrunk sum is at most 1 and the product at most m.
    """
    if math.isinf(total) and all_finite_each(values):
        m = float(np.max(np.abs(values)))
        with np.errstate(under="ignore"):
            return m * shrink(float(np.sum(np.divide(values, m))))
    return shrink(total)


def all_finite_each(arr: np.ndarray) -> bool:
    """True when every entry is finite, decided entry by entry (for arrays whose sum may
    overflow, where :func:`all_finite`'s one sum cannot decide)."""
    return bool(np.all(np.isfinite(arr)))


def reduction_scale(values: np.ndarray, reduction: str) -> float:
    """d(reduced)/d(element) for an unweighted reduction: 1 for none/sum, 1/n for mean."""
    return 1.0 / values.size if reduction == "mean" and values.size else 1.0


def class_max(x: np.ndarray) -> np.ndarray:
    """max over the last axis of ``x`` (..., C); NaN propagates (C >= 1)."""
    n_classes = x.shape[-1]
    if n_classes > COLUMN_LOOP_MAX_CLASSES or x.ndim == 1:
        return np.max(x, axis=-1)
    out = x[..., 0].copy()
    for c in range(1, n_classes):
        np.maximum(out, x[..., c], out=out)
    return out


def class_sum(x: np.ndarray) -> np.ndarray:
    """sum over the last axis of ``x`` (..., C).

    For few classes, einsum's row sums are 5x faster than ``np.sum(axis=-1)`` over a short
    axis (0.4 against 2.0 ms at (100000, 10)); its plain accumulation is exact enough for a
    few terms. Long rows use numpy's pairwise sum.
    """
    if x.shape[-1] > COLUMN_LOOP_MAX_CLASSES:
        return np.sum(x, axis=-1)
    return np.einsum("...c->...", x)


def log_softmax(logits: np.ndarray, axis: int = -1) -> np.ndarray:
    """log softmax(z)_c = z_c - logsumexp(z), computed with the max subtracted first.

    Logits are finite or -inf (a class of probability 0); NaN and +inf are refused. A row
    whose logits are all -inf has no possible class: its entries are NaN, as in PyTorch.
    An empty class axis is refused (there is no distribution over no classes).

    Natural log; every entry is <= 0. Two equal logits: ln(1/2) = -0.693147 each:

    >>> [round(v, 6) for v in log_softmax([0.0, 0.0]).tolist()]
    [-0.693147, -0.693147]
    """
    z = as_real_array(logits, "logits")
    if z.ndim == 0:
        raise EngineError("logits: expected at least one axis (the classes), got a scalar")
    if not isinstance(axis, (int, np.integer)) or isinstance(axis, (bool, np.bool_)):
        raise EngineError(f"axis: expected an integer, got {shown(axis)}")
    if not -z.ndim <= axis < z.ndim:
        raise EngineError(f"axis: expected an axis of logits of shape {z.shape}, got {shown(axis)}")
    if z.shape[axis] == 0:
        raise EngineError(
            f"logits: expected at least one class on axis {axis}, got shape {z.shape}"
        )
    m = np.max(z, axis=axis, keepdims=True)
    if not all_finite(m):
        if np.any(np.isnan(m) | (m == np.inf)):
            raise EngineError("logits: expected finite numbers or -inf, got NaN or +inf")
        m = np.where(m == -np.inf, 0.0, m)  # an all -inf row: NaN below, as PyTorch
    # Finite logits more than 1.8e308 below the max give -inf: the correctly rounded
    # z - m, whose exp, 0, is the probability (e^-2e308 is 0 in float64).
    with np.errstate(over="ignore"):
        shifted = z - m
    with np.errstate(divide="ignore", invalid="ignore"):
        return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def softmax(logits: np.ndarray, axis: int = -1) -> np.ndarray:
    """softmax(z)_c = exp(z_c) / sum_k exp(z_k), stable for large logits.

    exp(log_softmax(z)) along ``axis`` (the last by default), so each slice sums to 1. Logits
    0 and ln 3 = 1.0986122886681098 give 1 / (1 + 3) and 3 / (1 + 3):

    >>> [round(v, 6) for v in softmax([0.0, 1.0986122886681098]).tolist()]
    [0.25, 0.75]
    """
    with np.errstate(invalid="ignore"):
        return np.exp(log_softmax(logits, axis=axis))


def check_blank(blank: int, n_classes: int) -> int:
    """Validate a blank class index in [0, C); return it as a Python int."""
    if isinstance(blank, (bool, np.bool_)) or not isinstance(blank, (int, np.integer)):
        raise EngineError(f"blank must be an integer class index; got {shown(blank)}")
    if not 0 <= blank < n_classes:
        raise EngineError(
            f"blank must be in [0, {n_classes}) for C={n_classes}; got {shown(blank)}"
        )
    return int(blank)


_F32 = np.dtype(np.float32)


def keeps_float32(*others: str) -> Callable[[Callable[..., _R]], Callable[..., _R]]:
    """Give a loss float32 results for float32 input, as PyTorch keeps the dtype.

    The decorated function computes in float64 as ever; when its first argument is a float32
    array (or numpy float32 scalar), its float results (a scalar, an array, or each of a
    tuple of them) are rounded to float32 once, at the end. An argument named in ``others``
    (a target, weights, advantages) that is a wider float array promotes the results to
    float64, as torch's type promotion does; Python numbers and lists do not (they carry no
    dtype). Every other input keeps float64 results, as before.
    """

    def decorate(fn: Callable[..., _R]) -> Callable[..., _R]:
        code = fn.__code__  # parameter names, the positional ones first
        names = list(code.co_varnames[: code.co_argcount + code.co_kwonlyargcount])
        spots = [(names.index(name), name) for name in others]

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            result = fn(*args, **kwargs)
            first = args[0] if args else kwargs.get(names[0])
            if getattr(first, "dtype", None) != _F32 or not isinstance(
                first, (np.ndarray, np.generic)
            ):
                return result
            for pos, name in spots:
                other = args[pos] if len(args) > pos else kwargs.get(name)
                if isinstance(other, (np.ndarray, np.generic)) and other.dtype.kind == "f":
                    if np.promote_types(_F32, other.dtype) != _F32:
                        return result
            with np.errstate(over="ignore"):  # past float32's range: inf, its rounded value
                if isinstance(result, tuple):  # (loss, gradient)
                    return tuple(_to_float32(r) for r in result)
                return _to_float32(result)

        return wrapper

    return decorate


def _to_float32(value):
    """A float64 array or number as float32 (rounded once); anything else as it is."""
    if isinstance(value, np.ndarray):
        return value.astype(_F32) if value.dtype == np.float64 else value
    if isinstance(value, (float, np.floating)):
        return np.float32(value)
    return value
