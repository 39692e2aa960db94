"""A command's markdown derivation as lines, for tests that read printed lines."""

from __future__ import annotations

from typer.testing import CliRunner

from rnnloss_cli.cli import app

runner = CliRunner()


def markdown_lines(*args: str) -> list[str]:
    """The lines ``rnnloss ARGS -f markdown`` prints (it must exit 0)."""
    done = runner.invoke(app, [*args, "-f", "markdown"])
    assert done.exit_code == 0, done.output
    return done.output.splitlines()


def line_starting(lines: list[str], start: str) -> str:
    """The first of ``lines`` that starts with ``start``."""
    return next(x for x in lines if x.startswith(start))
