"""Start-up time of `rnnloss solve` against the bare imports it cannot avoid.

Run it against an installed rnnloss, as a user has it (byte-compiled by pip):

    python3 -m venv /tmp/rnnloss-bench && /tmp/rnnloss-bench/bin/pip install -q .
    /tmp/rnnloss-bench/bin/python benchmarks/startup.py --runs 30

The baseline uses the same interpreter as the script. Prints the median wall time of each
command over the runs, and the ratio. (An editable install run with PYTHONDONTWRITEBYTECODE
set recompiles every module at each start, which is not what users see.)
The goal (issue 2): `rnnloss solve` within 25% of
`python -c "import numpy, typer, rich.table, yaml"`.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def wall(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - t0


def median_walls(commands: list[list[str]], runs: int) -> list[float]:
    """Median wall time of each command; the commands take turns so drift hits them alike."""
    times: list[list[float]] = [[] for _ in commands]
    for _ in range(runs):
        for i, cmd in enumerate(commands):
            times[i].append(wall(cmd))
    return [statistics.median(t) for t in times]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=30)
    args = ap.parse_args()
    here = Path(sys.executable).parent / "rnnloss"
    rnnloss = str(here) if here.exists() else (shutil.which("rnnloss") or "rnnloss")
    problem = str(ROOT / "problems" / "hinge-sequence.yaml")
    baseline = [sys.executable, "-c", "import numpy, typer, rich.table, yaml"]
    commands = {
        "python -c 'import numpy, typer, rich.table, yaml'": baseline,
        "rnnloss solve problems/hinge-sequence.yaml": [rnnloss, "solve", problem],
        "rnnloss solve ... --format json": [rnnloss, "solve", problem, "--format", "json"],
        "rnnloss --version": [rnnloss, "--version"],
    }
    for cmd in commands.values():  # warm the file cache
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    medians = median_walls(list(commands.values()), args.runs)
    print(f"| command | median wall (ms, {args.runs} runs) | vs imports |")
    print("|---|---|---|")
    for name, t in zip(commands, medians, strict=True):
        print(f"| `{name}` | {t * 1000:.0f} | {t / medians[0]:.2f}x |")


if __name__ == "__main__":
    main()
