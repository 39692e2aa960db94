"""``rnnloss list`` keeps a file name on one line when it fits half the width
(bptt-three-steps-cross-entropy.yaml was folded "...-entro" / "py.yaml" at 80 columns), and
still folds a longer one rather than cut anything with "…" (at 60 columns)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from rnnloss_cli.cli import app

runner = CliRunner()
PROBLEMS = Path(__file__).parents[2] / "problems"


def _listing(columns: str) -> str:
    done = runner.invoke(app, ["list", str(PROBLEMS)], env={"COLUMNS": columns, "NO_COLOR": "1"})
    assert done.exit_code == 0, done.output
    return done.output


def test_every_name_whole_at_80_columns():
    out = _listing("80")
    for path in PROBLEMS.glob("*.yaml"):
        assert f"│ {path.name} " in out, path.name


@pytest.mark.parametrize("columns", ["40", "50", "60", "80", "120"])
def test_nothing_cut_and_within_the_width(columns):
    out = _listing(columns)
    assert "…" not in out
    assert max(map(len, out.splitlines())) <= int(columns)
