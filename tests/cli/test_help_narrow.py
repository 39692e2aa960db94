"""Every command's and subcommand's help reads whole on a narrow terminal (60 and 80 columns).

Rich cuts an unbreakable word (a long metavar, an example like ``0.5,0.3,0.2;...``) that does
not fit its options-panel cell with "…": the user then sees a truncated example they cannot
copy. No help text may be cut.
"""

from __future__ import annotations

import re

import pytest
import typer.main
from typer.testing import CliRunner

from rnnloss_cli.cli import app

runner = CliRunner()


def _paths() -> list[list[str]]:
    root = typer.main.get_command(app)
    out: list[list[str]] = [[]]
    for name, cmd in root.commands.items():
        out.append([name])
        out += [[name, sub] for sub in getattr(cmd, "commands", {})]
    return out


@pytest.mark.parametrize("columns", ["60", "80"])
@pytest.mark.parametrize("path", _paths(), ids=lambda p: " ".join(p) or "rnnloss")
def test_help_is_not_cut(path, columns):
    result = runner.invoke(app, [*path, "--help"], env={"COLUMNS": columns, "NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    # rich cuts only inside a panel (its lines are boxed in "│"); prose outside may say "…"
    panel = [line for line in result.output.splitlines() if line.lstrip().startswith("│")]
    cut = [line for line in panel if "…" in line]
    assert panel, result.output
    assert not cut, "\n".join(cut)


@pytest.mark.parametrize("columns", ["60", "80"])
@pytest.mark.parametrize("path", _paths(), ids=lambda p: " ".join(p) or "rnnloss")
def test_help_choices_are_not_split(path, columns):
    """A choice list like ``<rich|markdown|json|html>`` reads on one line, never wrapped
    inside a word (train's ``--loss`` printed ``seq`` / ``uence-hinge`` on two lines)."""
    result = runner.invoke(app, [*path, "--help"], env={"COLUMNS": columns, "NO_COLOR": "1"})
    panel = [line for line in result.output.splitlines() if line.lstrip().startswith("│")]
    # a choice list opens with "<" before a letter and closes with ">" after one
    split = [
        line
        for line in panel
        if len(re.findall(r"<[a-z]", line)) != len(re.findall(r"[a-z]>(?!=)", line))
    ]
    assert not split, "\n".join(split)
