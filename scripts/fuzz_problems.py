"""Long fuzz run of the problem-file reader and solver (not part of the test suite).

    PYTHONPATH=. python scripts/fuzz_problems.py --minutes 10 [--seed N] [--out DIR]

Mutates the real files in problems/ (tests/problem/fuzzing.py), runs ``solve``, ``solve
--format json`` and ``check`` on each in-process, and saves every case that breaks the
invariant (exit 0/1/2, one ``error:`` line naming the file on exit 2, no traceback, bounded
output and time) to DIR as caseN.yaml with caseN.txt saying what broke. Exit 1 when any did.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.problem import fuzzing  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=5.0)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--out", type=Path, default=Path("fuzz-failures"))
    ap.add_argument("--formats", action="store_true", help="also markdown and html")
    args = ap.parse_args(argv)
    seed = args.seed if args.seed is not None else random.randrange(2**32)
    rng = random.Random(seed)
    commands = list(fuzzing.COMMANDS)
    if args.formats:
        commands += [["solve", "--format", f] for f in ("markdown", "html")]
    deadline = time.monotonic() + 60 * args.minutes
    cases = failures = 0
    seen: set[str] = set()
    with tempfile.TemporaryDirectory() as tmp:
        folder = fuzzing.workdir(Path(tmp))
        while time.monotonic() < deadline:
            seed_file = rng.choice(fuzzing.SEEDS)
            data = fuzzing.mutate(seed_file.read_bytes(), rng)
            cases += 1
            try:
                faults = fuzzing.run_case(data, folder, commands)
            except Exception as exc:  # the harness itself, e.g. output that is not text
                faults = [f"harness: {type(exc).__name__}: {exc}"]
            if not faults:
                continue
            # One saved case per distinct first fault (numbers and paths stripped).
            key = "".join(c for c in faults[0][:120] if not c.isdigit())
            if key in seen:
                continue
            seen.add(key)
            failures += 1
            args.out.mkdir(parents=True, exist_ok=True)
            (args.out / f"case{failures}.yaml").write_bytes(data)
            (args.out / f"case{failures}.txt").write_text(
                f"seed file: {seed_file.name}\n" + "\n".join(faults) + "\n", encoding="utf-8"
            )
            print(f"case{failures} ({seed_file.name}): {faults[0][:200]}", flush=True)
    print(f"seed {seed}: {cases} cases, {failures} distinct failures", flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
