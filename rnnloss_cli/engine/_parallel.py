"""Parallelism for the engine: independent rows of a batch, or chunks of a big array, on a
few threads.

numpy releases the GIL inside its array loops, so the per-frame recursions of different
sequences, run on different threads, overlap. Rows are independent (each sequence's
recursion reads and writes only its own rows), so a split changes a row's result only as
putting it in another batch does: in the last bits, where numpy sums a one-row part's
per-frame values pairwise and a wider one's row by row. Pointwise losses are cut into chunks
that depend on the input's size only, so their sums do not depend on the thread count.

The thread count is ``RNNLOSS_NUM_THREADS`` when set (a positive integer; 1 turns threads off,
as ``OMP_NUM_THREADS`` does for PyTorch), else the number of CPUs this process may run on,
capped at ``MAX_THREADS``. Work below ``MIN_CELLS_PER_THREAD`` per thread stays on the caller's
thread (starting a task costs tens of microseconds).
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, TypeVar

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:  # concurrent.futures imports logging (8 ms): only when a pool is made
    from concurrent.futures import Future, ThreadPoolExecutor

# At most this many threads, whatever the machine: each holds its own rows' trellis, so the
# memory does not grow, but past a few threads the per-frame numpy calls (holding the GIL
# between array loops) stop overlapping.
MAX_THREADS = 8
# Trellis cells (frames x extended states, summed over a thread's rows) below which a thread
# is not worth starting; measured: (100, 8, 30, 20), 33k cells, gained nothing from two.
MIN_CELLS_PER_THREAD = 1 << 17
# Cells a frame (a thread's rows' extended states) below which its per-frame numpy calls are
# too short to overlap: each waits for the GIL about as long as it runs. Measured: threads
# made (2000, 16, 30, 100) (1.6k cells a thread) 1.5-2x slower and (1000, 64, 100, 200)
# (12.9k) 1.45x faster.
MIN_COLUMN_PER_THREAD = 8192

# Pointwise losses: an input of at least this many elements is worked in chunks of
# CHUNK_ELEMENTS (1 MiB of float64 a chunk and array: its temporaries stay in cache, so each
# pass after the first reads no memory), the chunks spread over the threads. Measured at 10^6
# elements: hinge 2.6 -> 1.9 ms and categorical cross-entropy 3.0-3.5 -> 2.0-2.5 ms on two
# threads.
CHUNKED_MIN_ELEMENTS = 1 << 19
CHUNK_ELEMENTS = 1 << 17

_T = TypeVar("_T")
_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()
_scratch = threading.local()


def _forget_pool() -> None:
    """In a child made by fork the pool's threads do not exist: start a new pool there."""
    global _pool, _pool_lock
    _pool, _pool_lock = None, threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool)


def thread_count() -> int:
    """Threads the engine may use: RNNLOSS_NUM_THREADS, else the CPUs available (<= MAX_THREADS).

    An unset, empty or unreadable variable (not a positive integer) means the default.
    """
    value = os.environ.get("RNNLOSS_NUM_THREADS", "").strip()
    try:
        asked = int(value) if value.isascii() else 0
    except ValueError:  # "", "two", "1.5"
        asked = 0
    if asked >= 1:
        return min(asked, MAX_THREADS)
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, MAX_THREADS))


def split_rows(
    cost: NDArray[np.int64],
    width: NDArray[np.int64] | None = None,
    *,
    threads: int | None = None,
    min_cost: int | None = None,
) -> list[slice]:
    """Contiguous row ranges of about equal total ``cost`` (one per thread), each with at
    least ``min_cost`` cost (default ``MIN_CELLS_PER_THREAD``) and, when ``width`` is given,
    ``MIN_COLUMN_PER_THREAD`` total width (cells a frame); a single range (the whole batch)
    when threads do not pay. ``threads`` defaults to :func:`thread_count`."""
    n_rows = cost.shape[0]
    total = int(cost.sum()) if n_rows else 0
    parts = min(
        thread_count() if threads is None else threads,
        n_rows,
        total // max(1, MIN_CELLS_PER_THREAD if min_cost is None else min_cost),
    )
    if width is not None:
        wide = int(width.sum()) if n_rows else 0
        parts = min(parts, wide // MIN_COLUMN_PER_THREAD)
    if parts <= 1:
        return [slice(0, n_rows)]
    cumulative = np.cumsum(cost)
    targets = total * np.arange(1, parts) / parts
    cuts = np.searchsorted(cumulative, targets, side="left") + 1
    bounds = [0, *sorted(set(np.clip(cuts, 1, n_rows - 1).tolist())), n_rows]
    return [slice(a, b) for a, b in zip(bounds[:-1], bounds[1:], strict=False) if b > a]


def run_parts(task: Callable[[slice], None], parts: Sequence[slice]) -> None:
    """task(part) for every part: the first on this thread, the others on the pool; waits for
    all and re-raises the first exception."""
    if len(parts) == 1:
        task(parts[0])
        return
    pool = _get_pool()
    futures: list[Future[None]] = [pool.submit(task, part) for part in parts[1:]]
    try:
        task(parts[0])
    finally:
        for future in futures:
            future.exception()  # waits; the results are checked below, after every task ends
    for future in futures:
        future.result()


def chunked(task: Callable[[slice], _T], n_rows: int, row_size: int) -> list[_T]:
    """``task(chunk)`` for row chunks of about CHUNK_ELEMENTS elements (``row_size`` a row),
    spread over the threads; their values in chunk order. The chunks depend on the size only
    (never on the thread count). If tasks raise, the first chunk's exception is raised (as one
    call on the whole array would report the first bad entry)."""
    step = max(1, CHUNK_ELEMENTS // max(1, row_size))
    chunks = [slice(a, min(a + step, n_rows)) for a in range(0, n_rows, step)]
    values: list = [None] * len(chunks)
    errors: list[BaseException | None] = [None] * len(chunks)

    def run(part: slice) -> None:
        for i in range(part.start, len(chunks), part.step):
            try:
                values[i] = task(chunks[i])
            except Exception as exc:  # kept, raised in chunk order below
                errors[i] = exc

    threads = max(1, min(thread_count(), len(chunks)))
    run_parts(run, [slice(k, None, threads) for k in range(threads)])
    for exc in errors:
        if exc is not None:
            raise exc
    return values


def chunked_sum(task: Callable[[slice], float], n_rows: int, row_size: int) -> float:
    """sum over the row chunks of :func:`chunked` of ``task(chunk)``.

    The chunk values are added exactly (``math.fsum``) in chunk order, or give inf or NaN, as
    numpy does, when the total leaves the float range or mixes infinities; so the result does
    not depend on the thread count.
    """
    values = chunked(task, n_rows, row_size)
    try:
        return math.fsum(values)
    except (OverflowError, ValueError):  # a total past the float range, or inf + -inf
        with np.errstate(over="ignore", invalid="ignore"):  # the chunks have warned already
            return float(np.sum(values))  # inf or NaN, as one numpy sum of the whole gives


def scratch(n: int) -> np.ndarray:
    """A float64 work buffer of ``n`` elements private to the calling thread (a view of one
    buffer of at least CHUNK_ELEMENTS, reused by every later call on that thread).

    For the chunk tasks of :func:`chunked`: a fresh 1 MiB temporary per chunk costs its
    allocation and page faults every time, a reused one is already mapped and in cache.
    Valid until the thread's next call.
    """
    buf = getattr(_scratch, "buf", None)
    if buf is None or buf.size < n:
        buf = _scratch.buf = np.empty(max(n, CHUNK_ELEMENTS))
    return buf[:n]


def chunkable_pair(input, target) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Flat float64 views of input and target when they are big enough to work in chunks
    (``CHUNKED_MIN_ELEMENTS``, same shape), else (None, None): the one-piece path then
    validates them and names what is wrong."""
    from rnnloss_cli.engine._numerics import as_real_array

    x = as_real_array(input, "input")
    if x.size < CHUNKED_MIN_ELEMENTS:
        return None, None
    y = as_real_array(target, "target")
    if x.shape != y.shape:
        return None, None  # the one-piece path names both shapes
    return x.reshape(-1), y.reshape(-1)


def _get_pool() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            from concurrent.futures import ThreadPoolExecutor

            _pool = ThreadPoolExecutor(MAX_THREADS - 1, thread_name_prefix="rnnloss-engine")
        return _pool
