"""CTC loss engine timing: rnnloss (numpy, float64) against torch.nn.functional.ctc_loss (CPU).

Run: python benchmarks/ctc.py [--repeats 15] [--warmup 2]
Prints a markdown table. For each (T, N, C, S): the median wall time of
``ctc_loss_and_grad`` (loss + gradient w.r.t. the logits, reduction="mean"), of the loss-only
``ctc_loss``, and of torch float64 forward+backward (log_probs = logits.log_softmax(2), a leaf
with requires_grad made before the clock starts, ``F.ctc_loss(..., reduction="mean")
.backward()``) and forward only (no_grad); the ratio ours/torch for forward+backward (the goal
is <= 0.7); the peak memory (tracemalloc) of the loss-only path and of the gradient path; and
the largest differences from torch. All on the same standard-normal logits and random targets
(labels 1..C-1, repeats allowed) with full lengths. Timings of ours and torch are interleaved
repeat by repeat so background load hits both alike. The torch columns read "n/a" when torch
is not importable.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rnnloss_cli.engine.ctc import ctc_loss, ctc_loss_and_grad  # noqa: E402

try:
    import torch
    import torch.nn.functional as F
except ImportError:  # the numpy columns still run
    torch = None

CONFIGS = [(500, 32, 30, 60), (2000, 16, 30, 100)]


def make_problem(T: int, N: int, C: int, S: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    logits = rng.standard_normal((T, N, C))
    if torch is not None:
        log_probs = torch.tensor(logits).log_softmax(2).numpy()
    else:
        z = logits - logits.max(axis=2, keepdims=True)
        log_probs = z - np.log(np.exp(z).sum(axis=2, keepdims=True))
    targets = rng.integers(1, C, size=(N, S))
    return log_probs, targets, np.full(N, T), np.full(N, S)


def timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def peak_bytes(fn) -> int:
    tracemalloc.start()
    tracemalloc.reset_peak()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def bench(config, repeats: int, warmup: int) -> dict:
    log_probs, targets, il, tl = make_problem(*config)
    ours_grad = lambda: ctc_loss_and_grad(log_probs, targets, il, tl, reduction="mean")  # noqa: E731
    ours_loss = lambda: ctc_loss(log_probs, targets, il, tl, reduction="mean")  # noqa: E731
    row: dict = {"config": config}
    if torch is not None:
        lp_t = torch.tensor(log_probs)
        tg_t, il_t, tl_t = torch.tensor(targets), torch.tensor(il), torch.tensor(tl)

        def torch_fb(x=None):
            # The leaf is made before the clock starts: only forward + backward are timed.
            x = lp_t.clone().requires_grad_(True) if x is None else x
            F.ctc_loss(x, tg_t, il_t, tl_t, reduction="mean").backward()
            return x

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
    row["mem_loss"] = peak_bytes(ours_loss)
    row["mem_grad"] = peak_bytes(ours_grad)
    if torch is not None:
        loss, grad = ours_grad()
        x = torch_fb()
        ref = F.ctc_loss(torch.tensor(log_probs), tg_t, il_t, tl_t, reduction="mean").item()
        row["dloss"] = abs(loss - ref) / abs(ref)
        row["dgrad"] = float(np.abs(grad - x.grad.numpy()).max())
    return row


def ms(x) -> str:
    return "n/a" if x is None else f"{x * 1000:.1f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--repeats", type=int, default=15)
    ap.add_argument("--warmup", type=int, default=2)
    args = ap.parse_args()
    threads = torch.get_num_threads() if torch is not None else None
    print(f"date: {datetime.datetime.now().isoformat(timespec='seconds')}")
    print(f"command: python benchmarks/ctc.py --repeats {args.repeats} --warmup {args.warmup}")
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.system()}; "
        f"Python {platform.python_version()}, numpy {np.__version__}, "
        + (f"torch {torch.__version__} ({threads} threads)" if torch is not None else "no torch")
    )
    print()
    print(
        "| T, N, C, S | ours loss+grad (ms) | torch fwd+bwd (ms) | ratio | ours loss only (ms) "
        "| torch fwd only (ms) | peak mem loss only | peak mem loss+grad | rel. loss diff "
        "| max grad diff |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for config in CONFIGS:
        r = bench(config, args.repeats, args.warmup)
        ratio = f"{r['grad'] / r['torch_fb']:.2f}x" if r["torch_fb"] else "n/a"
        dloss = f"{r['dloss']:.1e}" if "dloss" in r else "n/a"
        dgrad = f"{r['dgrad']:.1e}" if "dgrad" in r else "n/a"
        print(
            f"| {', '.join(map(str, config))} | {ms(r['grad'])} | {ms(r['torch_fb'])} | {ratio} "
            f"| {ms(r['loss'])} | {ms(r['torch_f'])} | {r['mem_loss'] / 2**20:.1f} MiB "
            f"| {r['mem_grad'] / 2**20:.1f} MiB | {dloss} | {dgrad} |"
        )


if __name__ == "__main__":
    main()
