"""What every command module shares: output options, error-to-exit mapping, printing.

Only typer is imported at module level, so every ``cli*.py`` can import this at start-up.
Exit codes: 0 ok, 1 an answer key disagrees, 2 bad input or usage.
"""

from collections.abc import Callable
from typing import Annotated, Any, Optional

import typer

from rnnloss_cli.engine.errors import EngineError
from rnnloss_cli.errors import ProblemError
from rnnloss_cli.output import OutputFormat

FormatOpt = Annotated[
    OutputFormat, typer.Option("--format", "-f", help="Output: rich tables, markdown or json.")
]
PrecisionOpt = Annotated[
    int, typer.Option("--precision", "-p", min=0, max=17, help="Digits printed after the point.")
]
ShowOpt = Annotated[
    Optional[list[str]],  # noqa: UP045 - typer needs Optional on Python 3.10
    typer.Option("--show", help="Extra tables to show, e.g. beta, grad (CTC trellises)."),
]
#: An optional text flag.
Text = Optional[str]  # noqa: UP045


def fail(err: Exception) -> typer.Exit:
    """Print a one-line error on stderr and return the exit for bad input (2)."""
    typer.echo(f"error: {err}", err=True)
    return typer.Exit(2)


def guarded(fn: Callable[[], Any]) -> Any:
    """Run ``fn``; bad input (ProblemError, or an EngineError) exits 2."""
    try:
        return fn()
    except (ProblemError, EngineError) as err:
        raise fail(err) from None


def emit(
    results: list, fmt: OutputFormat, precision: int, show: frozenset[str] = frozenset()
) -> None:
    """Print results; exit 1 when an answer key disagrees."""
    from rnnloss_cli.output import print_results

    print_results(results, fmt, precision, show)
    bad = [r for r in results if not r.ok]
    if bad:
        for r in bad:
            typer.echo(f"answer key disagrees: {r.file or r.title}", err=True)
        raise typer.Exit(1)


def solve_and_emit(
    build: Callable[[], Any],
    fmt: OutputFormat,
    precision: int,
    show: list[str] | None = None,
) -> None:
    """Build one Result (bad input exits 2) and print it."""
    emit([guarded(build)], fmt, precision, frozenset(show or ()))
