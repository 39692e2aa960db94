"""How fast can a numpy CTC forward pass be at all? A ceiling, against torch's forward.

Run (from the repository root, torch for the comparison columns):

    PYTHONPATH=$PWD /work/venv-torch/bin/python benchmarks/ctc_ceiling.py [--repeats 9]

For the four larger shapes of ``benchmarks/ctc.py`` this times the *bare* per-frame recursion
alpha_t = (alpha_{t-1}[s] + alpha_{t-1}[s-1] + skip * alpha_{t-1}[s-2]) * y_t[s] over the whole
batch laid end to end: four numpy calls a frame (add, multiply, add, multiply), emissions
gathered onto the layout beforehand and not timed, no rescaling, no floor, one variant, no
certificate. It is not a loss (it underflows within a few hundred frames); it is a lower bound
on any numpy formulation that steps frame by frame, which ``ctc_loss`` is (plus emissions,
rescaling every 8th frame, and the lower/upper bracket that certifies the result).

Columns: the bare loop in float64 on one row ("bare f64") and on two rows ("bare pair": the
lower and upper variants whose bracket certifies the loss, the design of ``_forward_loss``),
in float32 on one row (as if a float32 recursion could be certified, which ``ctc_results.md``
shows it cannot at these shapes), ``ctc_loss`` on float32 input, and torch's forward
(``F.ctc_loss`` under no_grad, 2 threads) in both dtypes. Issue 12 asks the loss-only pass for
<= 0.5 of torch's forward in each dtype: the ratio columns say how far the floor itself sits
from that. Medians of ``--repeats`` interleaved
repeats (ours and torch alternating); ``OMP_WAIT_POLICY=PASSIVE`` as in ``ctc.py``.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import argparse  # noqa: E402
import datetime  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from ctc import make_problem  # noqa: E402  (benchmarks/ctc.py)

from rnnloss_cli.engine.ctc import ctc_loss  # noqa: E402

try:
    import torch
    import torch.nn.functional as F
except ImportError:  # the numpy columns still run
    torch = None

SHAPES = [(500, 32, 30, 60), (2000, 16, 30, 100), (1000, 64, 100, 200), (20000, 4, 30, 1000)]


def bare_inputs(log_probs: np.ndarray, targets: np.ndarray, dtype: str):
    """(emissions (T, N * S'), skip (N * S'),) on the end-to-end layout of ``ctc_loss``'s
    one-window pass: blank, l1, blank, l2, ..., blank per sequence."""
    n_frames, n_batch, _ = log_probs.shape
    n_ext = 2 * targets.shape[1] + 1
    labels = np.zeros((n_batch, n_ext), dtype=np.int64)
    labels[:, 1::2] = targets
    skip = np.zeros((n_batch, n_ext))
    skip[:, 3::2] = targets[:, 1:] != targets[:, :-1]
    y = np.exp(log_probs.astype(np.float64))  # (T, N, C)
    emis = np.take_along_axis(y, np.broadcast_to(labels, (n_frames, n_batch, n_ext)), axis=2)
    return emis.reshape(n_frames, -1).astype(dtype), skip.reshape(-1).astype(dtype)


def bare_forward(emis: np.ndarray, skip: np.ndarray, variants: int = 1) -> np.ndarray:
    """The four-call frame step over T frames, on ``variants`` rows at once (2: the lower and
    upper recursions of the certified pass, side by side as in ``_forward_loss``); two
    alternating columns with two leading zeros."""
    n_frames, size = emis.shape
    cols = np.zeros((2, variants, size + 2), dtype=emis.dtype)
    tmp = np.empty((variants, size), dtype=emis.dtype)
    cols[0, :, 2:] = emis[0]
    with np.errstate(under="ignore", over="ignore"):
        for t in range(1, n_frames):
            prev, cur = cols[(t - 1) % 2], cols[t % 2]
            c = cur[:, 2:]
            np.add(prev[:, 2:], prev[:, 1:-1], out=c)
            np.multiply(prev[:, :-2], skip, out=tmp)
            c += tmp
            c *= emis[t]
    return cols[(n_frames - 1) % 2]


def measure(shape: tuple[int, int, int, int], repeats: int) -> dict[str, float]:
    """Median milliseconds of each call at ``shape``, the calls interleaved in every repeat
    (a first round warms up and is dropped)."""
    lp64, targets, il, tl = make_problem(*shape, "float64")
    lp32 = lp64.astype(np.float32)
    e64, s64 = bare_inputs(lp64, targets, "float64")
    e32, s32 = bare_inputs(lp64, targets, "float32")
    calls = {
        "bare64": lambda: bare_forward(e64, s64),
        "pair": lambda: bare_forward(e64, s64, 2),
        "bare32": lambda: bare_forward(e32, s32),
        "ours32": lambda: ctc_loss(lp32, targets, il, tl, reduction="mean"),
    }
    if torch is not None:
        x64, x32 = torch.from_numpy(lp64), torch.from_numpy(lp32)
        tt, ti, tl_ = (torch.from_numpy(a) for a in (targets, il, tl))

        def torch_fwd(x):
            with torch.no_grad():
                return F.ctc_loss(x, tt, ti, tl_, reduction="mean")

        calls["torch64"] = lambda: torch_fwd(x64)
        calls["torch32"] = lambda: torch_fwd(x32)
    times: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(repeats + 1):
        for name, fn in calls.items():
            t0 = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t0)
    return {name: 1e3 * statistics.median(ts[1:]) for name, ts in times.items()}


def table_row(shape: tuple[int, ...], ms: dict[str, float]) -> str:
    def ratio(a: str, b: str) -> str:
        return f"{ms[a] / ms[b]:.2f}" if b in ms else "n/a"

    def cell(name: str) -> str:
        return f"{ms[name]:.1f}" if name in ms else "n/a"

    cells = [", ".join(map(str, shape)), *map(cell, ("bare64", "pair", "bare32", "ours32"))]
    cells += [cell("torch64"), cell("torch32"), ratio("pair", "torch64")]
    cells += [ratio("pair", "torch32"), ratio("bare32", "torch32"), ratio("ours32", "torch32")]
    return "| " + " | ".join(cells) + " |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--no-big", action="store_true", help="skip (20000, 4, 30, 1000)")
    args = parser.parse_args()
    shapes = SHAPES[:-1] if args.no_big else SHAPES
    print(f"date: {datetime.datetime.now().isoformat(timespec='seconds')}")
    print(f"command: {' '.join(sys.argv)}")
    versions = f"numpy {np.__version__}"
    if torch is not None:
        versions += f", torch {torch.__version__} ({torch.get_num_threads()} threads)"
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores; load average "
        f"{os.getloadavg()[0]:.1f}; Python {platform.python_version()}, {versions}\n"
    )
    print(
        "| T, N, C, S | bare f64 (ms) | bare pair | bare f32 | ctc_loss f32 input "
        "| torch fwd f64 | torch fwd f32 | bare pair / torch f64 | bare pair / torch f32 "
        "| bare f32 / torch f32 | ctc_loss / torch f32 |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for shape in shapes:
        repeats = 1 if shape[0] >= 20000 else args.repeats
        print(table_row(shape, measure(shape, repeats)), flush=True)
    print(f"\nload average at the end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
