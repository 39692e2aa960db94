"""Print results in the format asked for (rich | markdown | json); the CLI's one output path."""

from __future__ import annotations

import enum
import sys

from rnnloss_cli.result import Result


class OutputFormat(str, enum.Enum):
    rich = "rich"
    markdown = "markdown"
    json = "json"


def print_results(
    results: list[Result], fmt: OutputFormat, precision: int, show: frozenset[str] = frozenset()
) -> None:
    """Render and print; Rich honours NO_COLOR and drops styling when not on a terminal."""
    if fmt is OutputFormat.json:
        from rnnloss_cli.render.json import render_json

        sys.stdout.write(render_json(results, precision) + "\n")
    elif fmt is OutputFormat.markdown:
        from rnnloss_cli.render.markdown import render_markdown

        sys.stdout.write(render_markdown(results, precision, show))
    else:
        from rnnloss_cli.render.rich import render_rich

        render_rich(results, console(), precision, show)


def console():
    from rich.console import Console

    # No emoji codes or highlighting in derivations (and their tables stay unimported).
    return Console(highlight=False, emoji=False)
