"""Wall time of the whole ``rnnloss solve`` on big problem files of several kinds.

Run (from the repository root):

    PYTHONPATH=$PWD .venv/bin/python benchmarks/big_solve.py [--kinds ctc ctc-zeros mse ...]
        [--repeats 1] [--formats json rich] [--dir DIR]

It writes each file once into ``--dir`` (seeded, so the same bytes every run) and prints a
markdown table: the file's size and the median wall time of ``python -m rnnloss_cli solve FILE
--format F`` (a subprocess, start-up included; the default format is rich) for each format.

The kinds:

- ``ctc-zeros``: the file ``benchmarks/parse.py --frames 1000000`` writes (rows layout): 10^6
  frames of 6 classes, target ABC, probabilities in steps of 0.0001, some exactly 0 (p(l|x)
  is exactly 0 from frame 15,266 on: the loss is infinite);
- ``ctc``: the same rows with each 0 raised to 0.0001 (taken from the row's largest entry):
  a finite loss;
- ``mse``: 10^6 targets and predictions, two one-line flow lists;
- ``bce``: 10^6 labels (0 / 1) and predicted probabilities in (0, 1), two one-line lists;
- ``sequence``: a cross-entropy sequence problem of 10^5 steps over a vocabulary of 10 words,
  ``yhat`` a block list of rows (one a line), ``targets`` a one-line flow list of words.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from parse import HEADER, median_time, rows_of  # noqa: E402


def _numbers(values: np.ndarray) -> str:
    return "[" + ", ".join(f"{v:.4f}" for v in values.tolist()) + "]"


def ctc_zeros(frames: int = 1_000_000) -> str:
    rows = rows_of(frames)
    return HEADER.format(frames=frames) + "emissions:\n" + "".join(f"  - [{r}]\n" for r in rows)


def ctc(frames: int = 1_000_000) -> str:
    """The rows of ``rows_of`` (ten-thousandths) with each 0 raised to 0.0001, taken from the
    row's largest entry: every row still sums to exactly 1, and p(l|x) > 0."""
    rng = np.random.default_rng(0)
    cuts = np.sort(rng.integers(0, 10001, size=(frames, 5)), axis=1)
    edges = np.concatenate([np.zeros((frames, 1), int), cuts, np.full((frames, 1), 10000)], 1)
    parts = np.diff(edges, axis=1)
    zeros = parts == 0
    parts[np.arange(frames), parts.argmax(axis=1)] -= zeros.sum(axis=1)
    parts[zeros] = 1
    head = HEADER.format(frames=frames).replace("big CTC", "big CTC, no zeros")
    rows = (", ".join(f"{k / 10000:.4f}" for k in row) for row in parts.tolist())
    return head + "emissions:\n" + "".join(f"  - [{r}]\n" for r in rows)


def mse(n: int = 1_000_000) -> str:
    rng = np.random.default_rng(1)
    y = rng.normal(size=n)
    yhat = y + 0.1 * rng.normal(size=n)
    return (
        f"kind: mse\ntitle: big MSE ({n} predictions)\ny: {_numbers(y)}\nyhat: {_numbers(yhat)}\n"
    )


def bce(n: int = 1_000_000) -> str:
    rng = np.random.default_rng(2)
    y = rng.integers(0, 2, size=n)
    yhat = np.clip(rng.uniform(size=n), 0.0001, 0.9999)
    labels = "[" + ", ".join(map(str, y.tolist())) + "]"
    return f"kind: bce\ntitle: big BCE ({n} predictions)\ny: {labels}\nyhat: {_numbers(yhat)}\n"


def sequence(steps: int = 100_000, vocab: int = 10) -> str:
    """Each row: vocab - 1 entries of 1/(2 (vocab - 1)) rounded to 4 digits, the rest on the
    target word (the row sums to exactly 1 as a decimal)."""
    rng = np.random.default_rng(3)
    words = [f"w{i}" for i in range(vocab)]
    targets = rng.integers(0, vocab, size=steps)
    small = round(0.5 / (vocab - 1), 4)
    big = round(1.0 - small * (vocab - 1), 4)
    rows = []
    for k in targets.tolist():
        row = [f"{small:.4f}"] * vocab
        row[k] = f"{big:.4f}"
        rows.append(f"  - [{', '.join(row)}]\n")
    return (
        f"kind: sequence\ntitle: big sequence ({steps} steps x {vocab} words)\n"
        f"vocabulary: [{', '.join(words)}]\n"
        "yhat:\n" + "".join(rows) + f"targets: [{', '.join(words[k] for k in targets.tolist())}]\n"
    )


KINDS: dict[str, Callable[[], str]] = {
    "ctc-zeros": ctc_zeros,
    "ctc": ctc,
    "mse": mse,
    "bce": bce,
    "sequence": sequence,
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--kinds", nargs="+", default=list(KINDS), choices=list(KINDS))
    ap.add_argument("--formats", nargs="+", default=["json", "rich"])
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--dir", default=str(Path(tempfile.gettempdir()) / "rnnloss-big-solve"))
    args = ap.parse_args()
    folder = Path(args.dir)
    folder.mkdir(parents=True, exist_ok=True)
    print("| kind | MB | " + " | ".join(f"solve --format {f} (s)" for f in args.formats) + " |")
    print("|---|---:|" + "---:|" * len(args.formats))
    for kind in args.kinds:
        path = folder / f"{kind}.yaml"
        if not path.exists():
            path.write_text(KINDS[kind](), encoding="utf-8")
        mb = path.stat().st_size / 2**20
        cells = []
        for fmt in args.formats:
            cmd = [sys.executable, "-m", "rnnloss_cli", "solve", str(path), "--format", fmt]

            def run(cmd=cmd):
                done = subprocess.run(cmd, stdout=subprocess.DEVNULL, cwd=ROOT)
                if done.returncode not in (0, 1):
                    raise SystemExit(f"{' '.join(cmd)}: exit code {done.returncode}")

            cells.append(f"{median_time(run, args.repeats):.2f}")
        print(f"| {kind} | {mb:.1f} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
