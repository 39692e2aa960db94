"""``rnnloss check`` and ``rnnloss list``: answer keys over many files, and the catalogue."""

from __future__ import annotations

from pathlib import Path

import typer

from rnnloss_cli.errors import ProblemError
from rnnloss_cli.problem import KIND_SUMMARIES, load_problem, problem_files
from rnnloss_cli.render.text import fmt_number
from rnnloss_cli.solve import solve


def check_files(paths: list[str], precision: int) -> int:
    """Solve every file, print the verdict table; return the exit code (0, 1 or 2)."""
    from rich.table import Table

    from rnnloss_cli.cli.io import console

    files = problem_files(paths)
    out = console()
    if not files:
        typer.echo(f"error: no problem files (*.yaml) in {', '.join(paths)}", err=True)
        return 2
    table = Table(title="answer keys")
    table.add_column("problem", overflow="fold")
    for name in ("figure", "expected", "got", "tol", "verdict"):
        table.add_column(name)
    mismatched: list[str] = []
    broken: list[str] = []
    for path in files:
        try:
            result = solve(load_problem(path))
        except (ProblemError, ValueError) as err:
            broken.append(path)
            typer.echo(f"error: {err}", err=True)
            table.add_row(path, "", "", "", "", "[bold red]bad input[/]")
            continue
        if not result.checks:
            table.add_row(path, "-", "-", fmt_number(result.loss, precision), "", "no key")
            continue
        for c in result.checks:
            verdict = "[green]ok[/]" if c.ok else "[bold red]MISMATCH[/]"
            got = "-" if c.got is None else fmt_number(c.got, precision)
            exp = fmt_number(c.expected, precision)
            table.add_row(path, c.figure, exp, got, f"{c.tolerance:g}", verdict)
        if not result.ok:
            mismatched.append(path)
    out.print(table)
    for path in mismatched:
        typer.echo(f"answer key disagrees: {path}", err=True)
    n_ok = len(files) - len(mismatched) - len(broken)
    out.print(f"{n_ok} ok, {len(mismatched)} mismatched, {len(broken)} bad input")
    return 2 if broken else (1 if mismatched else 0)


def list_kinds_and_problems(folder: str) -> None:
    from rich.table import Table

    from rnnloss_cli.cli.io import console

    out = console()
    kinds = Table("kind", "what it solves", title="problem kinds")
    for kind, summary in KIND_SUMMARIES.items():
        kinds.add_row(kind, summary)
    out.print(kinds)
    files = problem_files([folder])
    if not files:
        return
    probs = Table(title=f"problems in {folder}")
    probs.add_column("file", overflow="fold")
    probs.add_column("kind")
    probs.add_column("title")
    for path in files:
        try:
            p = load_problem(path)
            probs.add_row(Path(path).name, p.meta.kind, p.meta.title)
        except ProblemError as err:
            probs.add_row(Path(path).name, "?", f"[red]{err.message}[/]")
    out.print(probs)
