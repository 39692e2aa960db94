"""Loss-only CTC pass in float32 arithmetic (``_ctc_float32``) against the float64 one.

Run (from the repository root):

    PYTHONPATH=$PWD python benchmarks/ctc_float32.py [--repeats 5] [--big]

For each larger grid shape, float32 input (random logits of deviation 1, log_softmax, as
``benchmarks/ctc.py``): the CPU time (``time.process_time``, minimum over interleaved repeats)
of ``_ctc_scaled.scaled_loss`` as the engine runs it today (float64 columns, one window per
sequence up to ``LONG_FRAMES`` frames, 64-state windows beyond), and in float32 columns with one
window per sequence and with windows of 64, 32, 16 and 8 states; for each, the rows whose result
the certificate accepts (float64: bracket <= 1e-13; float32: the rounding bound of
``_ctc_float32`` plus the bracket within 2^-21 of the loss).
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import rnnloss_cli.engine._ctc_float32 as f32  # noqa: E402
import rnnloss_cli.engine._ctc_scaled as sc  # noqa: E402
from rnnloss_cli.engine._ctc_checks import _extend  # noqa: E402

SHAPES = [(500, 32, 30, 60), (2000, 16, 30, 100), (1000, 64, 100, 200)]
BIG = (20000, 4, 30, 1000)
WINDOWS = (None, 64, 32, 16, 8)  # None: one window per sequence


def make(T: int, N: int, C: int, S: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    logits = rng.standard_normal((T, N, C))
    z = logits - logits.max(axis=2, keepdims=True)
    lp = (z - np.log(np.exp(z).sum(axis=2, keepdims=True))).astype(np.float32)
    return lp.astype(np.float64), rng.integers(1, C, size=(N, S))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--big", action="store_true", help="add (20000, 4, 30, 1000)")
    args = ap.parse_args()
    print(
        "| T, N, C, S | float64 (ms) | rows ok | "
        + " | ".join(f"f32 {'one' if w is None else w} (ms) | rows ok" for w in WINDOWS)
        + " |"
    )
    print("|---" * (3 + 2 * len(WINDOWS)) + "|")
    for T, N, C, S in SHAPES + ([BIG] if args.big else []):
        lp, targets = make(T, N, C, S)
        ext = _extend(targets, np.full(N, S), 0)
        lengths = np.full(N, T)
        configs = [(sc.F64, T > sc.LONG_FRAMES)] + [
            (f32.F32 if w is None else dataclasses.replace(f32.F32, window=w), w is not None)
            for w in WINDOWS
        ]
        best = [np.inf] * len(configs)
        oks = [0] * len(configs)
        for _ in range(args.repeats):
            for i, (arith, windowed) in enumerate(configs):
                sc.F32 = arith if arith is not sc.F64 else f32.F32  # scaled_loss tests `is F32`
                t0 = time.process_time()
                _, ok = sc.scaled_loss(lp, ext, lengths, windowed, sc._RESCALE, None, arith)
                best[i] = min(best[i], time.process_time() - t0)
                oks[i] = int(ok.sum())
        sc.F32 = f32.F32
        cells = " | ".join(f"{b * 1e3:.1f} | {k}/{N}" for b, k in zip(best, oks, strict=True))
        print(f"| {T}, {N}, {C}, {S} | {cells} |", flush=True)


if __name__ == "__main__":
    main()
