"""Reading time of big CTC problem files: ``load_yaml`` alone and the whole ``rnnloss solve``.

Run (from the repository root):

    PYTHONPATH=$PWD .venv/bin/python benchmarks/parse.py [--frames 10000 100000 1000000]
        [--repeats 3] [--no-solve]

For each number of frames T it writes (once, into ``--dir``) a CTC problem over 6 symbols
(``-``, A..E, target ABC) whose T x 6 ``emissions`` are given in two layouts:

- ``rows``: a block list of flow rows, one a line (``  - [0.1234, 0.2000, ...]``);
- ``nested``: one big nested flow list on one line (``emissions: [[...], [...], ...]``).

It prints a markdown table: the file's size, the median wall time of ``load_yaml`` in this
process (the event loop alone, ``event loop``, when the reader has the private
``_fast=False`` switch; else only the default reader), their ratio, and the median wall
time of ``python -m rnnloss_cli solve FILE --format json`` (a subprocess, start-up
included). Rows of each frame sum to exactly 10000/10000, so the files are valid problems.
"""

from __future__ import annotations

import argparse
import inspect
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rnnloss_cli.problem._yaml import load_yaml  # noqa: E402

HEADER = (
    "kind: ctc\ntitle: big CTC ({frames} frames)\nmethod: exact\ntarget: ABC\n"
    'symbols: ["-", A, B, C, D, E]\n'
)


def rows_of(frames: int, seed: int = 0) -> list[str]:
    """Each frame's 6 probabilities as ``0.dddd`` texts summing to exactly 1 (10000 ten-
    thousandths split at 5 sorted random cut points)."""
    rng = np.random.default_rng(seed)
    cuts = np.sort(rng.integers(0, 10001, size=(frames, 5)), axis=1)
    parts = np.diff(
        np.concatenate([np.zeros((frames, 1), int), cuts, np.full((frames, 1), 10000)], axis=1),
        axis=1,
    )
    return [", ".join(f"{k / 10000:.4f}" for k in row) for row in parts.tolist()]


def write_files(folder: Path, frames: int) -> dict[str, Path]:
    out = {}
    for layout in ("rows", "nested"):
        path = folder / f"ctc-{frames}-{layout}.yaml"
        if not path.exists():
            rows = rows_of(frames)
            head = HEADER.format(frames=frames)
            if layout == "rows":
                body = "emissions:\n" + "".join(f"  - [{r}]\n" for r in rows)
            else:
                body = "emissions: [" + ", ".join(f"[{r}]" for r in rows) + "]\n"
            path.write_text(head + body, encoding="utf-8")
        out[layout] = path
    return out


def median_time(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--frames", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--dir", default=str(Path(tempfile.gettempdir()) / "rnnloss-parse-bench"))
    ap.add_argument("--no-solve", action="store_true", help="time load_yaml only")
    args = ap.parse_args()
    folder = Path(args.dir)
    folder.mkdir(parents=True, exist_ok=True)
    has_switch = "_fast" in inspect.signature(load_yaml).parameters
    print("| frames | layout | MB | event loop (s) | load_yaml (s) | gain | solve (s) |")
    print("|---:|---|---:|---:|---:|---:|---:|")
    for frames in args.frames:
        for layout, path in write_files(folder, frames).items():
            text = path.read_text(encoding="utf-8")
            mb = len(text.encode()) / 2**20
            now = median_time(lambda t=text, n=path.name: load_yaml(t, n), args.repeats)
            if has_switch:
                old = median_time(
                    lambda t=text, n=path.name: load_yaml(t, n, _fast=False), args.repeats
                )
                old_s, gain = f"{old:.2f}", f"{old / now:.1f}x"
            else:
                old_s, gain = "n/a", "n/a"
            solve = "-"
            if not args.no_solve:
                cmd = [sys.executable, "-m", "rnnloss_cli", "solve", str(path), "--format", "json"]

                def run(cmd=cmd):
                    subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True, cwd=ROOT)

                solve = f"{median_time(run, args.repeats):.2f}"
            print(
                f"| {frames:,} | {layout} | {mb:.1f} | {old_s} | {now:.2f} | {gain} | {solve} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
