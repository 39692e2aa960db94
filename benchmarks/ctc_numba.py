"""CTC timing: the optional compiled path (engine/ctc_numba.py) against numpy and torch.

Run (from the repository root; numba in the interpreter, torch optional):

    PYTHONPATH=$PWD /work/venv-torch/bin/python benchmarks/ctc_numba.py [--repeats 7] [--big]

First, in fresh interpreters: the import time of ``rnnloss_cli.engine.ctc_numba`` (numba
included) and of the numpy engine, and the first call's time with an empty numba cache (the
kernels compile) and with the on-disk cache filled (they load). Then for each (T, N, C, S) of
benchmarks/ctc.py's grid (its ``make_problem`` inputs; (20000, 4, 30, 1000) only with
``--big``) and each dtype: loss + gradient (reduction="mean", w.r.t. the logits) and loss only,
for ours-numba, ours-numpy and torch (``F.ctc_loss(...).backward()`` on a leaf log_softmax
output, and its forward under ``no_grad``), interleaved within every repeat so background load
hits all three alike; printed are the medians (ms) and the median (min-max) of the per-repeat
ratios numba/torch and numba/numpy. ``OMP_WAIT_POLICY=PASSIVE`` is set before torch is
imported: its spinning OpenMP workers would otherwise slow the next call. Without torch its
columns read "n/a".

``--kernels REPEATS`` instead times each compiled pass alone (single-window scaled, windowed,
extended-exponent) on one sequence of (20000, 4, 30, 1000), on one thread, interleaved:
medians in ms and ns per trellis cell, and whether the pass certified.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import argparse  # noqa: E402
import datetime  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from ctc import BIG, GRID, make_problem, timed  # noqa: E402  (benchmarks/ctc.py)

import rnnloss_cli.engine.ctc as ctc_np  # noqa: E402

torch = None
try:
    import torch
    import torch.nn.functional as F
except ImportError:
    torch = None

DTYPES = ("float64", "float32")

_FIRST_CALL = """
import sys, time
t0 = time.perf_counter()
import {module} as m
t1 = time.perf_counter()
import numpy as np
lp = np.log(np.full((50, 1, 20), 0.05))
m.ctc_loss_and_grad(lp, np.ones((1, 10), dtype=np.int64), [50], [10])
t2 = time.perf_counter()
m.ctc_loss(lp, np.ones((1, 10), dtype=np.int64), [50], [10])
t3 = time.perf_counter()
print(t1 - t0, t2 - t1, t3 - t2)
"""


def fresh(module: str, cache_dir: str) -> tuple[float, float, float]:
    """(import s, first loss+grad call s, first loss-only call s) in a new interpreter."""
    out = subprocess.run(
        [sys.executable, "-c", _FIRST_CALL.format(module=module)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "NUMBA_CACHE_DIR": cache_dir, "PYTHONPATH": str(ROOT)},
    )
    a, b, c = (float(v) for v in out.stdout.split())
    return a, b, c


def startup_report() -> None:
    with tempfile.TemporaryDirectory() as cache:
        cold = fresh("rnnloss_cli.engine.ctc_numba", cache)
        warm = [fresh("rnnloss_cli.engine.ctc_numba", cache) for _ in range(3)]
        base = [fresh("rnnloss_cli.engine.ctc", cache) for _ in range(3)]
    med = lambda rows, i: statistics.median(r[i] for r in rows)  # noqa: E731
    print(
        f"import: ctc_numba {med(warm, 0) * 1000:.0f} ms (numba included; "
        f"numpy engine {med(base, 0) * 1000:.0f} ms)"
    )
    print(
        f"first calls, empty cache (compile): loss+grad {cold[1]:.2f} s, loss {cold[2]:.2f} s; "
        f"cache filled (load): loss+grad {med(warm, 1) * 1000:.0f} ms, "
        f"loss {med(warm, 2) * 1000:.0f} ms"
    )


def ratio(a: list[float], b: list[float]) -> str:
    if not b:
        return "n/a"
    r = [x / y for x, y in zip(a, b, strict=True)]
    return f"{statistics.median(r):.2f} ({min(r):.2f}-{max(r):.2f})"


def ms(v: list[float]) -> str:
    return f"{statistics.median(v) * 1000:.3g}" if v else "n/a"


def bench(config, dtype: str, repeats: int, warmup: int, ctc_nb) -> str:
    lp, targets, il, tl = make_problem(*config, dtype)
    jobs = {
        "nb_g": lambda: ctc_nb.ctc_loss_and_grad(lp, targets, il, tl, reduction="mean"),
        "np_g": lambda: ctc_np.ctc_loss_and_grad(lp, targets, il, tl, reduction="mean"),
        "nb_l": lambda: ctc_nb.ctc_loss(lp, targets, il, tl, reduction="mean"),
        "np_l": lambda: ctc_np.ctc_loss(lp, targets, il, tl, reduction="mean"),
    }
    if torch is not None:
        lp_t = torch.tensor(lp)
        tg_t, il_t, tl_t = torch.tensor(targets), torch.tensor(il), torch.tensor(tl)

        def torch_fb():
            x = leaf[0]
            F.ctc_loss(x, tg_t, il_t, tl_t, reduction="mean").backward()

        def torch_f():
            with torch.no_grad():
                F.ctc_loss(lp_t, tg_t, il_t, tl_t, reduction="mean")

        jobs["t_g"], jobs["t_l"] = torch_fb, torch_f
    runs: dict[str, list[float]] = {k: [] for k in jobs}
    leaf = [None]
    for i in range(warmup + repeats):
        for key, fn in jobs.items():
            if key == "t_g":
                leaf[0] = lp_t.clone().requires_grad_(True)  # made before the clock starts
            t = timed(fn)
            if i >= warmup:
                runs[key].append(t)
    loss_nb, grad_nb = jobs["nb_g"]()
    loss_np, grad_np = jobs["np_g"]()
    dloss = abs(float(loss_nb) - float(loss_np)) / abs(float(loss_np))
    dgrad = float(np.abs(grad_nb.astype(np.float64) - grad_np.astype(np.float64)).max())
    t_g, t_l = runs.get("t_g", []), runs.get("t_l", [])
    return (
        f"| {', '.join(map(str, config))} | {dtype} "
        f"| {ms(runs['nb_g'])} | {ms(runs['np_g'])} | {ms(t_g)} "
        f"| {ratio(runs['nb_g'], t_g)} | {ratio(runs['nb_g'], runs['np_g'])} "
        f"| {ms(runs['nb_l'])} | {ms(runs['np_l'])} | {ms(t_l)} "
        f"| {ratio(runs['nb_l'], t_l)} | {ratio(runs['nb_l'], runs['np_l'])} "
        f"| {dloss:.0e} / {dgrad:.0e} | {grad_nb.dtype} |"
    )


def kernel_report(config, repeats: int) -> None:
    """Per-sequence times of each compiled pass on sequence 0 of ``config`` (float64, one thread,
    the passes interleaved in every repeat): the single-window scaled pass, the windowed one and
    the extended-exponent one, loss only and loss + gradient; medians, ms and ns per trellis
    cell, and whether the pass certified."""
    import numba

    numba.set_num_threads(1)
    n_frames = config[0]
    lp, targets, il, tl = make_problem(*config, "float64")
    ext = ctc_np._extend(targets, tl, 0)
    n_s = int(ext.n_states[0])
    classes = np.unique(ext.labels_ext[0, :n_s])
    print(f"\nper-sequence kernels at {config} (S' = {n_s}), one thread, {repeats} repeats:")
    print("| pass | mode | ms | ns / cell | certified |")
    print("|---|---|---|---|---|")
    for need_grad in (False, True):
        passes = _passes(lp, ext, classes, need_grad)
        times: dict[str, list[float]] = {k: [] for k in passes}
        certified = {}
        for i in range(repeats + 1):  # the first round compiles / warms up
            for key, fn in passes.items():
                t0 = time.perf_counter()
                certified[key] = fn()
                if i:
                    times[key].append(time.perf_counter() - t0)
        for key, values in times.items():
            med = statistics.median(values)
            print(
                f"| {key} | {'loss + grad' if need_grad else 'loss'} | {med * 1e3:.0f} "
                f"| {med / (n_frames * n_s) * 1e9:.1f} | {certified[key]} |"
            )


def _passes(lp, ext, classes, need_grad: bool) -> dict:
    """The three passes on sequence 0, each returning whether it certified (True for the
    extended-exponent one, which needs no certificate), with their own scratch."""
    import rnnloss_cli.engine.ctc_numba as nb

    n_frames, _, n_classes = lp.shape
    n_s = int(ext.n_states[0])
    rows = n_frames if need_grad else 2
    grad = np.zeros(lp.shape) if need_grad else np.zeros((0, 0, 0))
    a_up, a_lo = np.empty((rows, n_s)), np.empty((rows, n_s))
    yc = np.empty((n_frames if need_grad else 1, n_classes))
    units = np.empty((rows, -(-n_s // nb.WINDOW)), dtype=np.int64)
    args = (lp, 0, n_frames, ext.labels_ext[0], ext.skip[0], n_s, need_grad, grad, 1.0, True)
    return {
        "scaled": lambda: nb._scaled_sequence(*args, classes, a_up, a_lo, yc)[1],
        "windowed": lambda: nb._wsequence(*args, classes, a_up, a_lo, yc, units, nb.WINDOW)[1],
        "extended": lambda: bool(np.isfinite(nb._xsequence(*args, classes, a_up, a_lo))),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--small-repeats", type=int, default=200, help="repeats at T <= 100")
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--big", action="store_true", help="include (20000, 4, 30, 1000), 1 repeat")
    ap.add_argument("--dtypes", default=",".join(DTYPES))
    ap.add_argument("--no-startup", action="store_true", help="skip the fresh-interpreter runs")
    ap.add_argument(
        "--kernels",
        type=int,
        default=0,
        metavar="REPEATS",
        help="only time each compiled pass on one sequence of (20000, 4, 30, 1000)",
    )
    args = ap.parse_args()
    if args.kernels:
        kernel_report(BIG, args.kernels)
        return
    threads = torch.get_num_threads() if torch is not None else None
    print(f"date: {datetime.datetime.now().isoformat(timespec='seconds')}")
    print("command: benchmarks/ctc_numba.py " + " ".join(sys.argv[1:]))
    import numba

    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores; load average "
        f"{' '.join(f'{v:.1f}' for v in os.getloadavg())}; Python {platform.python_version()}, "
        f"numpy {np.__version__}, numba {numba.__version__}, "
        + (f"torch {torch.__version__} ({threads} threads)" if torch is not None else "no torch")
        + f", OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY')}"
    )
    if not args.no_startup:
        startup_report()
    import rnnloss_cli.engine.ctc_numba as ctc_nb

    print()
    print(
        "| T, N, C, S | dtype | numba l+g (ms) | numpy l+g | torch f+b | numba/torch | "
        "numba/numpy | numba loss (ms) | numpy loss | torch fwd | numba/torch | numba/numpy "
        "| rel. loss / max grad diff vs numpy | out dtype |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for config in GRID:
        big = config == BIG
        if big and not args.big:
            continue
        repeats = 1 if big else (args.small_repeats if config[0] <= 100 else args.repeats)
        for dtype in args.dtypes.split(","):
            row = bench(config, dtype, repeats, 0 if big else args.warmup, ctc_nb)
            print(row, flush=True)
    print(f"load average after: {' '.join(f'{v:.1f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
