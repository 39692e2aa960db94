"""Compile a LaTeX source with a TeX engine for the sheet tests (skipped without it)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest


def compile_tex(engine: str, tex: str, folder: Path, name: str = "u") -> str:
    """Write ``tex`` to ``folder/name.tex`` and run ``engine`` on it in nonstop mode; the run
    must succeed. Returns the engine's log output; skips the test without the engine."""
    exe = shutil.which(engine)
    if exe is None:
        pytest.skip(f"{engine} is not installed")
    (folder / f"{name}.tex").write_text(tex, encoding="utf-8")
    done = subprocess.run(
        [exe, "-interaction=nonstopmode", "-halt-on-error", f"{name}.tex"],
        cwd=folder,
        capture_output=True,
        text=True,
        errors="replace",
        timeout=300,
        check=False,
    )
    errors = [line for line in done.stdout.splitlines() if line.startswith("!")]
    assert done.returncode == 0 and not errors, "\n".join(errors or done.stdout.splitlines()[-30:])
    return done.stdout
