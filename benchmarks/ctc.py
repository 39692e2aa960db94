"""CTC engine timing: rnnloss (numpy) against torch.nn.functional.ctc_loss (CPU), both dtypes.

Run (from the repository root, with torch for the comparison columns):

    PYTHONPATH=$PWD /work/venv-torch/bin/python benchmarks/ctc.py [--repeats 7] [--big-repeats 1]

For each (T, N, C, S) of the grid and each dtype (float64, float32): the median wall time of
``ctc_loss_and_grad`` (loss + gradient w.r.t. the logits, reduction="mean") and of the loss-only
``ctc_loss``; torch's forward+backward (log_probs = logits.log_softmax(2) in that dtype, a leaf
with requires_grad made before the clock starts, ``F.ctc_loss(..., reduction="mean")
.backward()``) and forward only (no_grad); the ratios ours/torch, as the median and the range
of the per-repeat ratios (the machine is shared, so single numbers are noisy); and the peak
memory growth (VmHWM of a fresh subprocess, minus its peak before the call) of each path.
Ours and torch alternate within every repeat so background load hits both alike.

``OMP_WAIT_POLICY=PASSIVE`` is set before torch is imported: otherwise torch's OpenMP workers
spin after each call and slow the next numpy call 2-3x in the same process. The torch columns
read "n/a" when torch is not importable.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import argparse  # noqa: E402
import datetime  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rnnloss_cli.engine.ctc import ctc_loss, ctc_loss_and_grad  # noqa: E402

torch = None
if not os.environ.get("RNNLOSS_BENCH_NO_TORCH"):  # set for the memory subprocesses
    try:
        import torch
        import torch.nn.functional as F
    except ImportError:  # the numpy columns still run
        torch = None

GRID = [
    (50, 1, 20, 10),
    (100, 8, 30, 20),
    (500, 32, 30, 60),
    (2000, 16, 30, 100),
    (1000, 64, 100, 200),
    (20000, 4, 30, 1000),
]
BIG = (20000, 4, 30, 1000)  # minutes per repeat: run once or twice, not in loops
DTYPES = ("float64", "float32")


def make_problem(T: int, N: int, C: int, S: int, dtype: str, seed: int = 0):
    rng = np.random.default_rng(seed)
    logits = rng.standard_normal((T, N, C))
    z = logits - logits.max(axis=2, keepdims=True)
    log_probs = (z - np.log(np.exp(z).sum(axis=2, keepdims=True))).astype(dtype)
    targets = rng.integers(1, C, size=(N, S))
    return log_probs, targets, np.full(N, T), np.full(N, S)


def timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def peak_growth(config, dtype: str, mode: str) -> int:
    """Peak RSS growth (bytes) of one call, in a fresh interpreter (no torch imported)."""
    out = subprocess.run(
        [sys.executable, __file__, "--peak", ",".join(map(str, config)), dtype, mode],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "RNNLOSS_BENCH_NO_TORCH": "1"},
    )
    return int(json.loads(out.stdout)["growth"])


def peak_child(config, dtype: str, mode: str) -> None:
    log_probs, targets, il, tl = make_problem(*config, dtype)
    fn = ctc_loss_and_grad if mode == "grad" else ctc_loss
    fn(log_probs[:2], targets[:, :0], np.full(len(il), 2), np.zeros(len(il), int))  # warm imports
    # VmHWM (peak RSS of this process image; unlike ru_maxrss it is not inherited from the
    # parent across exec) only grows: growth = new peak - peak so far (inputs allocated).
    before = high_water_kib()
    fn(log_probs, targets, il, tl, reduction="mean")
    print(json.dumps({"growth": (high_water_kib() - before) * 1024}))


def high_water_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def bench(config, dtype: str, repeats: int, warmup: int) -> dict:
    log_probs, targets, il, tl = make_problem(*config, dtype)
    ours_grad = lambda: ctc_loss_and_grad(log_probs, targets, il, tl, reduction="mean")  # noqa: E731
    ours_loss = lambda: ctc_loss(log_probs, targets, il, tl, reduction="mean")  # noqa: E731
    row: dict = {"config": config, "dtype": dtype}
    if torch is not None:
        lp_t = torch.tensor(log_probs)
        tg_t, il_t, tl_t = torch.tensor(targets), torch.tensor(il), torch.tensor(tl)

        def torch_fb(x):
            F.ctc_loss(x, tg_t, il_t, tl_t, reduction="mean").backward()

        def torch_f():
            with torch.no_grad():
                return F.ctc_loss(lp_t, tg_t, il_t, tl_t, reduction="mean")

    runs: dict[str, list[float]] = {"grad": [], "loss": [], "torch_fb": [], "torch_f": []}
    for i in range(warmup + repeats):
        sample = {"grad": timed(ours_grad), "loss": timed(ours_loss)}
        if torch is not None:
            leaf = lp_t.clone().requires_grad_(True)
            sample["torch_fb"] = timed(lambda leaf=leaf: torch_fb(leaf))
            sample["torch_f"] = timed(torch_f)
        if i >= warmup:
            for key, value in sample.items():
                runs[key].append(value)
    for key, values in runs.items():
        row[key] = statistics.median(values) if values else None
    if torch is not None:
        for ours, theirs in (("grad", "torch_fb"), ("loss", "torch_f")):
            ratios = [a / b for a, b in zip(runs[ours], runs[theirs], strict=True)]
            row[f"r_{ours}"] = (statistics.median(ratios), min(ratios), max(ratios))
        loss, grad = ours_grad()
        x = lp_t.clone().requires_grad_(True)
        ref = F.ctc_loss(x, tg_t, il_t, tl_t, reduction="mean")
        ref.backward()
        row["dloss"] = abs(float(loss) - ref.item()) / abs(ref.item())
        row["dgrad"] = float(np.abs(grad.astype(np.float64) - x.grad.double().numpy()).max())
        row["out_dtype"] = f"{np.asarray(loss).dtype}/{grad.dtype}"
    row["mem_loss"] = peak_growth(config, dtype, "loss")
    row["mem_grad"] = peak_growth(config, dtype, "grad")
    return row


def ms(x) -> str:
    return "n/a" if x is None else f"{x * 1000:.1f}"


def ratio(r) -> str:
    return "n/a" if r is None else f"{r[0]:.2f} ({r[1]:.2f}-{r[2]:.2f})"


def mib(x: int) -> str:
    return f"{x / 2**20:.0f} MiB" if x >= 2**20 else "<1 MiB"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--big-repeats", type=int, default=1, help="repeats at (20000, 4, 30, 1000)")
    ap.add_argument("--no-big", action="store_true", help="skip (20000, 4, 30, 1000)")
    ap.add_argument("--dtypes", default=",".join(DTYPES))
    ap.add_argument("--peak", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.peak:
        config, dtype, mode = args.peak
        peak_child(tuple(int(v) for v in config.split(",")), dtype, mode)
        return
    threads = torch.get_num_threads() if torch is not None else None
    print(f"date: {datetime.datetime.now().isoformat(timespec='seconds')}")
    print(
        "command: PYTHONPATH=$PWD /work/venv-torch/bin/python benchmarks/ctc.py "
        + " ".join(sys.argv[1:])
    )
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.system()}; "
        f"load average {os.getloadavg()[0]:.1f}; Python {platform.python_version()}, "
        f"numpy {np.__version__}, "
        + (f"torch {torch.__version__} ({threads} threads)" if torch is not None else "no torch")
        + f", OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY')}"
    )
    print()
    print(
        "| T, N, C, S | dtype | ours loss+grad (ms) | torch fwd+bwd (ms) | ratio (range) "
        "| ours loss (ms) | torch fwd (ms) | ratio (range) | peak growth loss / loss+grad "
        "| rel. loss diff | max grad diff | out dtype |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    rows = []
    for config in GRID:
        if config == BIG and args.no_big:
            continue
        for dtype in args.dtypes.split(","):
            big = config == BIG
            r = bench(
                config, dtype, args.big_repeats if big else args.repeats, 0 if big else args.warmup
            )
            print(
                f"| {', '.join(map(str, config))} | {dtype} | {ms(r['grad'])} "
                f"| {ms(r['torch_fb'])} "
                f"| {ratio(r.get('r_grad'))} | {ms(r['loss'])} | {ms(r['torch_f'])} "
                f"| {ratio(r.get('r_loss'))} | {mib(r['mem_loss'])} / {mib(r['mem_grad'])} "
                f"| {r.get('dloss', float('nan')):.1e} | {r.get('dgrad', float('nan')):.1e} "
                f"| {r.get('out_dtype', 'n/a')} |",
                flush=True,
            )
            rows.append(r)
    if torch is not None:
        print()
        print(targets_table(rows))
    print()
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")


# Issue 12's acceptance targets, ratio ours/torch: loss + gradient <= 1.0 at the two small
# shapes and <= 0.5 at the larger ones; loss only <= 0.5 at the larger ones (none for the small).
SMALL_SHAPES = GRID[:2]


def target(config, kind: str) -> float | None:
    if config in SMALL_SHAPES:
        return 1.0 if kind == "grad" else None
    return 0.5


def targets_table(rows: list[dict]) -> str:
    """The README's table: per shape, the median ratio of each (kind, dtype), marked against
    its target (met / MISSED; a dash where there is none)."""
    cols = [(k, d) for k in ("grad", "loss") for d in DTYPES]
    head = "| T, N, C, S | " + " | ".join(
        f"{'fwd+bwd' if k == 'grad' else 'loss only'} {d}" for k, d in cols
    )
    lines = [head + " |", "|---" * (len(cols) + 1) + "|"]
    by = {(r["config"], r["dtype"]): r for r in rows}
    for config in dict.fromkeys(r["config"] for r in rows):
        cells = []
        for kind, dtype in cols:
            r = by.get((config, dtype), {}).get(f"r_{kind}")
            goal = target(config, kind)
            if r is None:
                cells.append("n/a")
            elif goal is None:
                cells.append(f"{r[0]:.2f} (no target)")
            else:
                cells.append(f"{r[0]:.2f} {'met' if r[0] <= goal else 'MISSED'} (<= {goal:g})")
        lines.append(f"| {', '.join(map(str, config))} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
