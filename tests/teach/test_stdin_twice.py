"""Standard input can be read once: a command given '-' for two of its inputs is a usage
error saying so. ``vary - --ids -`` read the template as the roster (an error about a
repeated id '#        0.12' on row 9), ``grade - -`` read the answers as a problem file
("expected a mapping of fields ... got str 'student,problem,...'")."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from rnnloss_cli.cli import app

HELLO = Path("problems/hello.yaml").read_text()


@pytest.mark.parametrize(
    "args",
    [
        ["vary", "-", "--ids", "-", "-o", "OUT"],
        ["grade", "-", "-"],
        ["grade", "problems/hello.yaml", "-", "-"],
    ],
)
def test_standard_input_named_twice_is_a_usage_error(tmp_path: Path, args: list[str]):
    args = [str(tmp_path / "out") if a == "OUT" else a for a in args]
    r = CliRunner().invoke(app, args, input=HELLO)
    assert r.exit_code == 2, r.output
    lines = r.output.strip().splitlines()
    assert len(lines) == 1 and "standard input" in lines[0] and "once" in lines[0], r.output
    assert not (tmp_path / "out").exists()
