"""Standard input can be read once: every command taking problem paths refuses '-' named twice.

``cat f.yaml | rnnloss solve - -`` (and ``check``, ``sheet``, ``export``) read the file once and
exited 0, as if one file had been given: the second '-' was silently dropped. ``grade - -`` and
``vary - --ids -`` already refused it (tests/teach/test_stdin_twice.py); now every command does,
with the same one-line usage error (exit 2) and nothing printed or written.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from rnnloss_cli.cli import app

ROOT = Path(__file__).resolve().parents[2]
HELLO = (ROOT / "problems" / "hello.yaml").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "args",
    [
        ["solve", "-", "-"],
        ["solve", "-", "-", "--format", "json"],
        ["solve", "-", "HELLO", "-"],
        ["solve", "-", "-", "-o", "OUT"],
        ["check", "-", "-"],
        ["sheet", "-", "-"],
        ["sheet", "-", "-", "-o", "OUT"],
        ["export", "-", "-"],
        ["export", "-", "-", "-o", "OUT"],
        ["grade", "-", "-"],
    ],
    ids=" ".join,
)
def test_standard_input_named_twice_is_refused(tmp_path: Path, args: list[str]):
    out = tmp_path / "out.html"
    hello = str(ROOT / "problems" / "hello.yaml")
    args = [str(out) if a == "OUT" else hello if a == "HELLO" else a for a in args]
    r = CliRunner().invoke(app, args, input=HELLO, env={"COLUMNS": "80", "NO_COLOR": "1"})
    assert r.exit_code == 2, r.output
    assert r.stdout == "", r.stdout  # nothing solved, listed or printed
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("error:") and "standard input (-)" in lines[0], lines
    assert "once" in lines[0], lines
    assert not out.exists()


@pytest.mark.parametrize("command", ["solve", "check", "sheet", "export"])
def test_standard_input_named_once_still_works(command: str):
    r = CliRunner().invoke(app, [command, "-"], input=HELLO, env={"COLUMNS": "80"})
    assert r.exit_code == 0, r.output
