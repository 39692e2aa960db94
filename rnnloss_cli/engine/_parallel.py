"""Batch parallelism for the engine: independent rows of a batch on a few threads.

numpy releases the GIL inside its array loops, so the per-frame recursions of different
sequences, run on different threads, overlap. Rows are independent (each sequence's
recursion reads and writes only its own rows), so any split gives the same numbers bit for
bit: every row sees the same sequence of numpy operations on the same values.

The thread count is ``RNNLOSS_NUM_THREADS`` when set (a positive integer; 1 turns threads off,
as ``OMP_NUM_THREADS`` does for PyTorch), else the number of CPUs this process may run on,
capped at ``MAX_THREADS``. Work below ``MIN_CELLS_PER_THREAD`` per thread stays on the caller's
thread (starting a task costs tens of microseconds).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np
from numpy.typing import NDArray

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

_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def thread_count() -> int:
    """Threads the engine may use: RNNLOSS_NUM_THREADS, else the CPUs available (<= MAX_THREADS).

    An unset, empty or unreadable variable (not a positive integer) means the default.
    """
    value = os.environ.get("RNNLOSS_NUM_THREADS", "").strip()
    if value.isdigit() and int(value) >= 1:
        return min(int(value), MAX_THREADS)
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, MAX_THREADS))


def split_rows(cost: NDArray[np.int64], width: NDArray[np.int64]) -> list[slice]:
    """Contiguous row ranges of about equal total ``cost`` (one per thread), each with at
    least ``MIN_COLUMN_PER_THREAD`` total ``width`` (cells a frame) and
    ``MIN_CELLS_PER_THREAD`` cost; a single range (the whole batch) when threads do not pay."""
    n_rows = cost.shape[0]
    total = int(cost.sum()) if n_rows else 0
    wide = int(width.sum()) if n_rows else 0
    parts = min(
        thread_count(), n_rows, total // MIN_CELLS_PER_THREAD, wide // MIN_COLUMN_PER_THREAD
    )
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


def _get_pool() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(MAX_THREADS - 1, thread_name_prefix="rnnloss-engine")
        return _pool
