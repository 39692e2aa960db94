#!/usr/bin/env python3
"""Regenerate the README's console excerpts from real runs.

Each excerpt in README.md sits between two markers and is rewritten from the command they name:

    <!-- excerpt: rnnloss solve problems/hello.yaml | head -12 -->
    ```console
    $ rnnloss solve problems/hello.yaml | head -12
    ...the command's output, as run now...
    ```
    <!-- /excerpt -->

Commands run through bash in the repository root with COLUMNS=80 and NO_COLOR=1, with this
Python's bin folder first on PATH (so ``rnnloss`` is the one installed beside it). Several
commands may share one excerpt, separated by " ;; ".

Usage: python scripts/readme_excerpts.py          rewrite README.md in place
       python scripts/readme_excerpts.py --check  exit 1 (listing them) if excerpts are stale
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
BLOCK = re.compile(r"<!-- excerpt: (.*?) -->\n.*?<!-- /excerpt -->", re.S)
#: Seconds one excerpt's command may take before the script gives up on it.
TIMEOUT = 60


def run(command: str) -> str:
    """The command's standard output (stderr too, as a terminal shows both)."""
    env = {
        **os.environ,
        "COLUMNS": "80",
        "NO_COLOR": "1",
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    done = subprocess.run(
        ["bash", "-c", command + " 2>&1"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    return "\n".join(line.rstrip() for line in done.stdout.rstrip("\n").splitlines())


def excerpt(spec: str) -> str:
    body = []
    for command in spec.split(" ;; "):
        body += [f"$ {command}", run(command)]
    text = "\n".join(body)
    return f"<!-- excerpt: {spec} -->\n```console\n{text}\n```\n<!-- /excerpt -->"


def regenerate(text: str) -> str:
    return BLOCK.sub(lambda m: excerpt(m.group(1)), text)


def main(argv: list[str]) -> int:
    old = README.read_text(encoding="utf-8")
    new = regenerate(old)
    if "--check" in argv:
        stale = [
            m.group(1)
            for m, n in zip(BLOCK.finditer(old), BLOCK.finditer(new), strict=True)
            if m.group(0) != n.group(0)
        ]
        for spec in stale:
            print(f"stale README excerpt: {spec}", file=sys.stderr)
        return 1 if stale else 0
    if new != old:
        README.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
