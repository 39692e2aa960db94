"""Pointwise loss timing: rnnloss's engine (numpy, float64) against torch.nn.functional (CPU).

Run: PYTHONPATH=$PWD python benchmarks/pointwise.py [--repeats 21] [--warmup 3] [--torch-threads N]
Prints a markdown table of medians. For each loss: the engine's loss call against torch's
forward (under no_grad), and the engine's loss call plus its ``*_grad`` call (two calls, each
validating its input) against torch's forward + backward (the leaf tensor is made before the
clock starts). nll_loss and cross_entropy at (N, C) = (100000, 10) with class-index targets;
mse, binary cross-entropy, hinge and categorical cross-entropy at 10^6 elements (hinge and
categorical cross-entropy have no single torch function: their torch side is the same formula
in torch ops). All reductions "mean", except categorical cross-entropy ("sum", the handout's).

Engine and torch calls alternate repeat by repeat in one process, so background load hits
both alike, in a fresh (seeded) random order every repeat, so that what the previous call
left in cache favours neither side. ``OMP_WAIT_POLICY=PASSIVE`` is set before torch is
imported: otherwise its OpenMP workers spin after each call and slow the next numpy call
2-3x. The torch columns read "n/a" when torch is not importable.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # before torch (and numpy) load OpenMP

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rnnloss_cli import engine  # noqa: E402

try:
    import torch
    import torch.nn.functional as F
except ImportError:  # the engine columns still run
    torch = None


def _cases(rng: np.random.Generator) -> list[dict]:
    """Each case: engine loss, engine grad, torch loss (a function of a leaf), its input."""
    n, c, big = 100_000, 10, 1_000_000
    z = rng.standard_normal((n, c))
    t = rng.integers(0, c, size=n)
    lp = engine.log_softmax(z, axis=1)
    x, y = rng.standard_normal(big), rng.standard_normal(big)
    p, q = rng.uniform(0.01, 0.99, big), rng.uniform(0.0, 1.0, big)
    s = np.where(rng.standard_normal(big) >= 0, 1.0, -1.0)
    probs = engine.softmax(rng.standard_normal((n, c)), axis=1)
    onehot = np.eye(c)[t]
    cases = [
        ("nll_loss", "(100000, 10)", engine.nll_loss, engine.nll_loss_grad, lp, t),
        ("cross_entropy", "(100000, 10)", engine.cross_entropy, engine.cross_entropy_grad, z, t),
        ("mse_loss", "10^6", engine.mse_loss, engine.mse_grad, x, y),
        (
            "binary_cross_entropy",
            "10^6",
            engine.binary_cross_entropy,
            engine.binary_cross_entropy_grad,
            p,
            q,
        ),
        ("hinge_loss", "10^6", engine.hinge_loss, engine.hinge_loss_grad, x, s),
        (
            "categorical_cross_entropy",
            "(100000, 10)",
            engine.categorical_cross_entropy,
            engine.categorical_cross_entropy_grad,
            probs,
            onehot,
        ),
    ]
    out = []
    for name, shape, loss, grad, a, b in cases:
        case = {"name": name, "shape": shape, "loss": loss, "grad": grad, "a": a, "b": b}
        if torch is not None:
            bt = torch.tensor(b)
            case["torch"] = {
                "nll_loss": lambda v, bt=bt: F.nll_loss(v, bt),
                "cross_entropy": lambda v, bt=bt: F.cross_entropy(v, bt),
                "mse_loss": lambda v, bt=bt: F.mse_loss(v, bt),
                "binary_cross_entropy": lambda v, bt=bt: F.binary_cross_entropy(v, bt),
                "hinge_loss": lambda v, bt=bt: torch.clamp(1 - bt * v, min=0).mean(),
                "categorical_cross_entropy": lambda v, bt=bt: -(bt * torch.log(v)).sum(),
            }[name]
            case["a_t"] = torch.tensor(a)
        out.append(case)
    return out


def _timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def bench(case: dict, repeats: int, warmup: int, seed: int = 0) -> dict:
    a, b, loss, grad = case["a"], case["b"], case["loss"], case["grad"]
    sides = {
        "loss": lambda: loss(a, b),
        "loss+grad": lambda: (loss(a, b), grad(a, b)),
    }
    if "torch" in case:
        torch_loss, a_t = case["torch"], case["a_t"]

        def torch_fwd():
            with torch.no_grad():
                torch_loss(a_t)

        leaves = []

        def torch_fb():
            torch_loss(leaves.pop()).backward()

        sides["torch fwd"] = torch_fwd
        sides["torch fwd+bwd"] = torch_fb
    times: dict[str, list[float]] = {k: [] for k in sides}
    keys = list(sides)
    order = np.random.default_rng(seed)
    for i in range(warmup + repeats):
        if "torch" in case:  # the leaf, outside the clock and not right before its call
            leaves.append(case["a_t"].clone().requires_grad_(True))
        # A fresh random order every repeat, so that every call follows each of the others
        # about equally often: what the previous call left in cache (its input, or its 8 MB
        # of output evicting ours) then favours neither side. A rotation of one order would
        # not do: it keeps the cycle, so each call always follows the same one.
        for key in order.permutation(keys):
            dt = _timed(sides[key])
            if i >= warmup:
                times[key].append(dt)
    return {k: statistics.median(v) * 1e3 for k, v in times.items()}


def _fmt(ms: float | None) -> str:
    return "n/a" if ms is None else f"{ms:.2f}"


def _ratio(ours: float, theirs: float | None) -> str:
    return "n/a" if theirs is None else f"{ours / theirs:.2f}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=21, help="timed repeats (default 21)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed repeats (default 3)")
    parser.add_argument(
        "--torch-threads",
        type=int,
        default=None,
        help="torch.set_num_threads(N) first (default: torch's own, one per core)",
    )
    args = parser.parse_args(argv)
    if torch is not None and args.torch_threads:
        torch.set_num_threads(args.torch_threads)
    rng = np.random.default_rng(0)
    print(
        f"numpy {np.__version__}, torch {torch.__version__ if torch else 'not installed'}"
        f" ({torch.get_num_threads() if torch else '-'} threads), Python "
        f"{platform.python_version()}, OMP_WAIT_POLICY={os.environ['OMP_WAIT_POLICY']}; "
        f"medians of {args.repeats} (ms)\n"
    )
    print(
        "| loss | size | engine loss | torch fwd | ratio | engine loss+grad | "
        "torch fwd+bwd | ratio |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for case in _cases(rng):
        r = bench(case, args.repeats, args.warmup)
        tf, tb = r.get("torch fwd"), r.get("torch fwd+bwd")
        print(
            f"| {case['name']} | {case['shape']} | {_fmt(r['loss'])} | {_fmt(tf)} | "
            f"{_ratio(r['loss'], tf)} | {_fmt(r['loss+grad'])} | {_fmt(tb)} | "
            f"{_ratio(r['loss+grad'], tb)} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
