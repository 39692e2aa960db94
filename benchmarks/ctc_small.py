"""Quick CTC timing at the small shapes of issue 12: rnnloss (numpy) against torch, interleaved.

Run (from the repository root, torch 2.13 CPU in /work/venv-torch):

    PYTHONPATH=$PWD /work/venv-torch/bin/python benchmarks/ctc_small.py [--repeats 400]

For (50, 1, 20, 10) and (100, 8, 30, 20) (T, N, C, S), float64 and float32 inputs: ours
``ctc_loss_and_grad(..., reduction="mean")`` (loss + gradient w.r.t. the logits, argument
checks included) against torch ``F.ctc_loss(x, ...).backward()`` (x a leaf log_softmax output in
that dtype, made before the clock starts), and ours ``ctc_loss`` against torch's forward under
``no_grad``. Each repeat times ours then torch, so background load hits both alike; printed are
the medians (ms) and the median and 10-90 percentile range of the per-repeat ratios ours/torch.
``OMP_WAIT_POLICY=PASSIVE`` is set before torch is imported (its spinning OpenMP workers would
otherwise slow the next numpy call). Without torch only our times are printed.
``--only-ours`` skips torch (for profiling); ``--torch-threads 1`` pins torch to one thread
(on a loaded 2-core machine torch's second thread waits for a core, which flatters us).
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import argparse  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ctc import make_problem, timed  # noqa: E402  (benchmarks/ctc.py: the same inputs)

from rnnloss_cli.engine.ctc import ctc_loss, ctc_loss_and_grad  # noqa: E402

SHAPES = [(50, 1, 20, 10), (100, 8, 30, 20)]
DTYPES = ("float64", "float32")


def _pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def run(shape, dtype: str, repeats: int, torch_mod) -> str:
    log_probs, targets, il, tl = make_problem(*shape, dtype)
    jobs = {
        "grad": lambda: ctc_loss_and_grad(log_probs, targets, il, tl, reduction="mean"),
        "loss": lambda: ctc_loss(log_probs, targets, il, tl, reduction="mean"),
    }
    if torch_mod is not None:
        F = torch_mod.nn.functional
        lp_t = torch_mod.tensor(log_probs)
        tg_t, il_t, tl_t = (torch_mod.tensor(a) for a in (targets, il, tl))

        def torch_fb(x):
            F.ctc_loss(x, tg_t, il_t, tl_t, reduction="mean").backward()

        def torch_f():
            with torch_mod.no_grad():
                F.ctc_loss(lp_t, tg_t, il_t, tl_t, reduction="mean")

    times: dict[str, list[float]] = {"grad": [], "loss": [], "t_grad": [], "t_loss": []}
    for i in range(repeats + repeats // 10):
        sample = {"grad": timed(jobs["grad"])}
        if torch_mod is not None:
            leaf = lp_t.clone().requires_grad_(True)
            sample["t_grad"] = timed(lambda leaf=leaf: torch_fb(leaf))
        sample["loss"] = timed(jobs["loss"])
        if torch_mod is not None:
            sample["t_loss"] = timed(torch_f)
        if i >= repeats // 10:  # warm-up
            for key, value in sample.items():
                times[key].append(value)
    parts = [f"{shape!s:18} {dtype:8}"]
    for ours, theirs in (("grad", "t_grad"), ("loss", "t_loss")):
        med = statistics.median(times[ours]) * 1e3
        if torch_mod is None:
            parts.append(f"{ours} {med:.3f} ms")
            continue
        ref = statistics.median(times[theirs]) * 1e3
        ratios = [a / b for a, b in zip(times[ours], times[theirs], strict=True)]
        parts.append(
            f"{ours} {med:.3f} / torch {ref:.3f} ms = {statistics.median(ratios):.2f} "
            f"({_pct(ratios, 0.1):.2f}-{_pct(ratios, 0.9):.2f})"
        )
    return " | ".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=400)
    parser.add_argument("--only-ours", action="store_true")
    parser.add_argument(
        "--torch-threads", type=int, default=0, help="torch.set_num_threads (0: torch's default)"
    )
    args = parser.parse_args()
    torch_mod = None
    if not args.only_ours:
        try:
            import torch as torch_mod
        except ImportError:
            torch_mod = None
    threads = "n/a"
    if torch_mod is not None:
        if args.torch_threads:
            torch_mod.set_num_threads(args.torch_threads)
        threads = torch_mod.get_num_threads()
    load = os.getloadavg()[0]
    print(
        f"load average {load:.1f}; repeats {args.repeats}; torch threads {threads}; "
        "ratios: median (10-90 percentile)"
    )
    for shape in SHAPES:
        for dtype in DTYPES:
            print(run(shape, dtype, args.repeats, torch_mod), flush=True)


if __name__ == "__main__":
    main()
