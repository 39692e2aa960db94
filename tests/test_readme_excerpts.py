"""Issue 13 item 10: the README's console excerpts are what the commands print today."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_readme_excerpts_are_fresh():
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "readme_excerpts.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr + "\nrun: python scripts/readme_excerpts.py"
