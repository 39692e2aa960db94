"""``rnnloss check`` and ``rnnloss list``: answer keys over many files, and the catalogue.

``check`` prints one row per answer-key figure, in one of two layouts:

- a Rich table, on a terminal wide enough for the table without folding any cell;
- otherwise (stdout piped or redirected, as in CI, or a terminal narrower than the table) one
  line per figure, ``path figure expected got tol verdict``, separated by single spaces, paths
  never folded, so ``grep``/``awk`` and CI logs read them. The verdict is ``ok``,
  ``MISMATCH``, ``no-key`` (the file has no key: ``got`` is its loss), ``bad-input`` (the
  file does not load or solve: the other fields are ``-``, the one-line error is on stderr)
  or ``internal-error`` (solving it met a bug in rnnloss; the other files are still checked,
  and the run exits 4).
  A path or figure holding spaces is shell-quoted.

Both end with the summary ``F figures in N files: a ok, b mismatched, c files with bad input``
(and ``, d files without a key`` when there are some): ``ok`` and ``mismatched`` count figures.
A file whose tolerance is suspicious gets one ``warning:`` line on stderr (exit code
unchanged): an explicit tolerance above 10% of a key, or a mismatch that is only float64
rounding under a tolerance too tight for it (``problem.base.tolerance_warning``).
Exit code: 2 when a file is bad input (or no problem file was found), else 1 when a figure is
mismatched, else 0. Only bad input (ProblemError, EngineError) is caught; anything else is a
bug and propagates to the CLI.
"""

from __future__ import annotations

import os
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rnnloss_cli.engine.errors import EngineError
from rnnloss_cli.errors import ProblemError
from rnnloss_cli.problem import KIND_SUMMARIES, input_name, load_problem, problem_files
from rnnloss_cli.problem.base import tolerance_warning
from rnnloss_cli.render.text import fmt_key, fmt_number
from rnnloss_cli.solve import solve
from rnnloss_cli.solve.common import as_written

COLUMNS = ("problem", "figure", "expected", "got", "tol", "verdict")
#: A width no table reaches: measuring against it gives the table's natural width.
_UNBOUNDED = 1_000_000
_STYLES = {
    "ok": "green",
    "MISMATCH": "bold red",
    "bad-input": "bold red",
    "no-key": "",
    "internal-error": "bold red",
}


@dataclass(frozen=True)
class Row:
    """One line of the verdict: a figure of one file (or the file itself: no key, bad input)."""

    path: str
    figure: str
    expected: str
    got: str
    tol: str
    verdict: str  # ok | MISMATCH | no-key | bad-input | internal-error

    def line(self) -> str:
        """``path figure expected got tol verdict``: one token each, quoted if it has spaces."""
        return " ".join(_token(v) for v in self.cells())

    def cells(self) -> tuple[str, str, str, str, str, str]:
        return self.path, self.figure, self.expected, self.got, self.tol, self.verdict


@dataclass
class Tally:
    """What the summary line counts: figures (ok, mismatched) and files."""

    files: int = 0
    figures: int = 0
    ok: int = 0
    mismatched: int = 0
    bad_files: int = 0
    keyless_files: int = 0
    broken_files: int = 0  #: files whose solve hit a bug in rnnloss (an internal error)

    def summary(self) -> str:
        text = (
            f"{_count(self.figures, 'figure')} in {_count(self.files, 'file')}: "
            f"{self.ok} ok, {self.mismatched} mismatched, "
            f"{_count(self.bad_files, 'file')} with bad input"
        )
        if self.keyless_files:
            text += f", {_count(self.keyless_files, 'file')} without a key"
        if self.broken_files:
            text += f", {_count(self.broken_files, 'file')} with an internal error"
        return text


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _token(text: str) -> str:
    """One field of a line: control characters (a line break in a file name) shown as
    escapes, so a row stays one line; quoted when it holds spaces or quotes."""
    if not text.isprintable():
        from rnnloss_cli.cli.io import visible_controls

        text = visible_controls(text, keep_lines=False)
    return shlex.quote(text) if not text or any(c.isspace() or c in "'\"" for c in text) else text


class InternalError(Exception):
    """A file whose solve raised an unexpected exception: a bug in rnnloss, not in the file."""

    def __init__(self, path: str, exc: Exception) -> None:
        super().__init__(
            f"{path}: internal error ({type(exc).__name__}: {exc}). This is a bug in rnnloss: "
            f"please report it (rnnloss solve {_token(path)} --debug shows the traceback)"
        )


def check_rows(
    files: list[str], precision: int, warnings: list[str] | None = None
) -> tuple[list[Row], Tally, list[str], list[Exception]]:
    """Solve each file: (rows, tally, files whose key disagrees, bad-input errors).

    ``warnings``, when given, receives at most one line per file about its tolerance
    (:func:`tolerance_warnings`)."""
    rows: list[Row] = []
    tally = Tally(files=len(files))
    mismatched: list[str] = []
    errors: list[Exception] = []
    for path in files:
        name = input_name(path)  # as solve, mark and the errors name it
        try:
            problem = load_problem(path)
            result = solve(problem)
        except (ProblemError, EngineError) as err:
            errors.append(err)
            tally.bad_files += 1
            rows.append(Row(name, "-", "-", "-", "-", "bad-input"))
            continue
        except Exception as exc:  # a bug in rnnloss: report this file, check the others
            errors.append(InternalError(path, exc))
            tally.broken_files += 1
            rows.append(Row(name, "-", "-", "-", "-", "internal-error"))
            continue
        if not result.checks:
            tally.keyless_files += 1
            rows.append(Row(name, "-", "-", fmt_number(result.loss, precision), "-", "no-key"))
            continue
        for c in result.checks:
            tally.figures += 1
            tally.ok += c.ok
            tally.mismatched += not c.ok
            exp, got = fmt_key(c.expected, c.got, precision, distinct=not c.ok)
            verdict = "ok" if c.ok else "MISMATCH"
            rows.append(Row(name, c.figure, exp, got, as_written(c.tolerance), verdict))
        if not result.ok:
            mismatched.append(name)
        if warnings is not None and (warning := tolerance_warnings(problem.meta, result)):
            warnings.append(warning)
    return rows, tally, mismatched, errors


def tolerance_warnings(meta: Any, result: Any) -> str | None:
    """One line about the file's tolerance (``FILE:LINE: field 'tolerance': ...``) naming
    its first suspicious figure (:func:`rnnloss_cli.problem.base.tolerance_warning`), or
    None."""
    found = [
        w
        for c in result.checks or ()
        if (
            w := tolerance_warning(
                c.tolerance, c.expected, c.got, c.figure, given=meta.tolerance_given
            )
        )
    ]
    if not found:
        return None
    more = f" (and {_count(len(found) - 1, 'other figure')})" if len(found) > 1 else ""
    where = ProblemError(
        found[0] + more, file=meta.file, line=meta.tolerance_line, field="tolerance"
    )
    return str(where)


def _table(rows: list[Row]) -> Any:
    from rich.table import Table
    from rich.text import Text

    table = Table(title="answer keys")
    for name in COLUMNS:
        table.add_column(name, no_wrap=True)
    for r in rows:
        *cells, verdict = r.cells()
        table.add_row(*(Text(v) for v in cells), Text(verdict, style=_STYLES[verdict]))
    return table


def _fits(console: Any, table: Any) -> bool:
    """True on a terminal at least as wide as the table's unfolded width."""
    from rich.measure import Measurement

    if not console.is_terminal:
        return False
    # Measured without the console's width limit (Rich clamps a measurement to it).
    unbounded = console.options.update(max_width=_UNBOUNDED)
    return Measurement.get(console, unbounded, table).maximum <= console.width


def check_files(paths: list[str], precision: int, *, console: Any = None) -> int:
    """Solve every file, print the verdicts (table or lines); return the exit code: 0, 1 (a key
    disagrees), 2 (bad input) or 4 (a file met a bug in rnnloss; the other files are still
    checked).

    ``console`` is the Rich console to print on (default: stdout's); messages go to stderr.
    """
    from rnnloss_cli.cli.io import report_error, say, visible_controls

    files = problem_files(paths)
    if not files:
        report_error(f"no problem files (*.yaml, *.yml) in {', '.join(paths)}")
        return 2
    if console is None:
        from rnnloss_cli.cli.io import console as stdout_console

        console = stdout_console()
    warnings: list[str] = []
    rows, tally, mismatched, errors = check_rows(files, precision, warnings)
    for err in errors:
        report_error(err)
    for warning in warnings:
        say(visible_controls(f"warning: {warning}", keep_lines=False))
    table = _table(rows)
    if _fits(console, table):
        console.print(table)
    else:
        for r in rows:
            console.print(r.line(), markup=False, highlight=False, soft_wrap=True)
    for path in mismatched:
        say(f"answer key disagrees: {path}", one_line=True)
    console.print(tally.summary(), markup=False, highlight=False, soft_wrap=True)
    if tally.broken_files:
        return 4
    return 2 if errors else (1 if mismatched else 0)


#: The folder ``rnnloss list`` and ``rnnloss check`` read when none is named.
DEFAULT_FOLDER = "problems/"


def list_kinds_and_problems(folder: str | None = None, *, console: Any = None) -> None:
    """Print the problem kinds, then the problem files in ``folder`` with their kind and title.

    ``folder`` None is the default, ``DEFAULT_FOLDER``: where it does not exist the kinds are
    still printed, then a line saying so (a new user's ``rnnloss list`` shows every kind). A
    folder named that cannot be found is a ProblemError, raised before anything is printed.
    """
    from rich.table import Table
    from rich.text import Text

    if console is None:
        from rnnloss_cli.cli.io import console as stdout_console

        console = stdout_console()
    missing_default = folder is None and not os.path.lexists(DEFAULT_FOLDER)
    folder = DEFAULT_FOLDER if folder is None else folder  # "" named is an error, not the default
    # a missing or unreadable folder named: a ProblemError, nothing printed yet
    files = None if missing_default else problem_files([folder])
    kinds = Table(title="problem kinds")
    kinds.add_column("kind", overflow="fold")
    kinds.add_column("what it solves", overflow="fold")
    for kind, summary in KIND_SUMMARIES.items():
        kinds.add_row(kind, summary)
    console.print(kinds)
    if files is None:
        console.print(
            Text(
                f"no {DEFAULT_FOLDER} folder here (the default folder): "
                "'rnnloss list FOLDER' lists the problem files of another"
            )
        )
        return
    if not files:  # said, not left to a missing table (a folder of CSVs looked listed)
        console.print(Text(f"no problem files (*.yaml, *.yml) in {folder}"))
        return
    # relative to the folder listed: a subfolder's x.yaml and another's stay apart
    names = [os.path.relpath(p, folder) if os.path.isdir(folder) else Path(p).name for p in files]
    probs = Table(title=f"problems in {folder}")
    # a name kept whole up to half the width (bptt-three-steps-cross-entropy.yaml folded
    # as "...-entro" / "py.yaml" at 80 columns); longer ones still fold, never cut
    widest = max(map(len, names))
    probs.add_column("file", overflow="fold", no_wrap=widest <= console.width // 2)
    probs.add_column("kind", overflow="fold")
    probs.add_column("title", overflow="fold")  # a long word folds (50 columns), never "…"
    for path, name in zip(files, names, strict=True):
        shown = Text(name)
        try:
            p = load_problem(path)
            probs.add_row(shown, Text(p.meta.kind), Text(p.meta.title))
        except (ProblemError, EngineError) as err:
            message = getattr(err, "message", str(err))
            probs.add_row(shown, "?", Text(message, style="red"))
    console.print(probs)
