"""Print results in the format asked for (rich | markdown | json): the commands' one output path.

Exit 1 when an answer key disagrees; bad input (exit 2) is raised by :func:`io.guarded`.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import typer

from rnnloss_cli.cli.io import EXIT_MISMATCH, console, fail, guarded, say, stdout_is_unicode
from rnnloss_cli.cli.options import OutputFormat


def print_results(
    results: list, fmt: OutputFormat, precision: int, show: frozenset[str] = frozenset()
) -> None:
    """Render and print; Rich honours NO_COLOR and drops styling when not on a terminal."""
    if fmt is OutputFormat.json:
        from rnnloss_cli.render.json import render_json

        text = render_json(results, precision)
        if not stdout_is_unicode():
            import json

            # The same document with non-ASCII characters as \\u escapes: valid and exact.
            text = json.dumps(json.loads(text), indent=2, allow_nan=False, ensure_ascii=True)
        sys.stdout.write(text + "\n")
    elif fmt is OutputFormat.markdown:
        from rnnloss_cli.render.markdown import render_markdown

        sys.stdout.write(render_markdown(results, precision, show))
    else:
        from rnnloss_cli.render.rich import render_rich

        render_rich(results, console(), precision, show)


def emit(
    results: list,
    fmt: OutputFormat,
    precision: int,
    show: frozenset[str] = frozenset(),
    *,
    exit_on_mismatch: bool = True,
) -> None:
    """Print results and name each whose answer key disagrees; then exit 1 if any did."""
    show = check_show(results, show)
    print_results(results, fmt, precision, show)
    bad = [r for r in results if not r.ok]
    if bad:
        sys.stdout.flush()
        for r in bad:
            say(f"answer key disagrees: {r.file or r.title}")
        if exit_on_mismatch:
            raise typer.Exit(EXIT_MISMATCH)


def check_show(results: list, show: frozenset[str]) -> frozenset[str]:
    """``--show`` names, split at commas; an unknown name is bad input listing the valid ones."""
    names = frozenset(n.strip() for item in show for n in item.split(",") if n.strip())

    def optional_tables(r: Any) -> set[str]:
        found = {t.optional for t in r.tables if t.optional}
        for _, child in r.children:
            found |= optional_tables(child)
        return found

    valid: set[str] = set()
    for r in results:
        valid |= optional_tables(r)
    unknown = sorted(names - valid)
    if unknown:
        offer = f"this problem has: {', '.join(sorted(valid))}" if valid else "no extra tables here"
        raise fail(f"--show {', '.join(unknown)}: no such table ({offer})")
    return names


def solve_and_emit(
    build: Callable[[], Any],
    fmt: OutputFormat,
    precision: int,
    show: list[str] | None = None,
) -> None:
    """Build one Result (bad input exits 2) and print it."""
    emit([guarded(build)], fmt, precision, frozenset(show or ()))
