"""Course commands: ``vary`` (a variant per student), ``mark`` (the slip named), ``grade`` (a
class) and ``export`` (a Moodle XML question bank).

``register(app)`` adds them to the main Typer app. Only typer is imported at module level;
the teaching modules (numpy, yaml, the engine) are imported inside the commands.
"""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from rnnloss_cli.cli.io import (
    EXIT_MISMATCH,
    fail,
    guarded,
    say,
    write_data,
    write_file,
    write_markup,
    write_stdout,
)
from rnnloss_cli.cli.options import ForceOpt, OutOpt


class MarkFormat(str, enum.Enum):
    text = "text"
    json = "json"


class ExportFormat(str, enum.Enum):
    moodle = "moodle"


def vary(
    path: Annotated[str, typer.Argument(help="Template problem file (with or without vary:).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder for the variant files.")],
    count: Annotated[
        Optional[int],  # noqa: UP045
        typer.Option("--count", "-n", min=1, help="Number of variants (1..N)."),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", "-s", help="Seed: same seed, same files.")] = 1,
    ids: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--ids", help="Roster CSV: one variant per student id (column 'id')."),
    ] = None,
    force: ForceOpt = False,
) -> None:
    """Write variants of a problem: ordinary problem files whose keys rnnloss computes.

    Files are NAME-01.yaml ... (or NAME-<id>.yaml with --ids); a file that already holds the
    same bytes is left as it is, any other existing file needs --force.
    """
    from rnnloss_cli.limits import MAX_VARIANTS
    from rnnloss_cli.problem import input_files
    from rnnloss_cli.teach.vary import file_names, make_variants, read_roster

    if (count is None) == (ids is None):
        raise fail("give --count N or --ids roster.csv (one of them)")
    roster = guarded(lambda: read_roster(ids)) if ids is not None else None
    n = len(roster) if roster is not None else count
    if n > MAX_VARIANTS:
        raise fail(f"{n} variants asked; at most {MAX_VARIANTS} (MAX_VARIANTS) per run")
    if output.exists() and not output.is_dir():
        raise fail(f"{output}: is a file; -o names a folder for the variants")
    variants = guarded(
        lambda: make_variants(path, seed=seed, count=count, ids=roster, out_dir=str(output))
    )
    if variants and all(v.unchanged for v in variants):
        say(
            f"warning: {path} has no decimal givens to vary by default; every variant repeats "
            "its numbers (add a vary: block)"
        )
    names = file_names(Path(path).stem, variants, numbered=roster is None)
    inputs = [*input_files([path]), *([ids] if ids else [])]
    written = same = 0
    for v, name in zip(variants, names, strict=False):
        target = output / name
        if _holds(target, v.text):
            same += 1
            continue
        write_file(v.text, target, force=force, inputs=inputs)
        written += 1
    say(
        f"{len(variants)} variants of {path} (seed {seed}) in {output}: "
        f"{written} written, {same} unchanged"
    )


def _holds(path: Path, text: str) -> bool:
    """Whether ``path`` is a regular file holding exactly ``text`` (UTF-8); False for a file
    that is not (another text, bytes that are not UTF-8) or cannot be read."""
    try:
        return path.is_file() and path.read_bytes() == text.encode("utf-8")
    except OSError:
        return False


def mark(
    path: Annotated[str, typer.Argument(help="Problem file.")],
    answers: Annotated[
        list[str],
        typer.Option("--answer", "-a", help="FIGURE=VALUE, e.g. loss=1.4 (repeat per figure)."),
    ],
    fmt: Annotated[
        MarkFormat, typer.Option("--format", "-f", help="text, or json for scripts.")
    ] = MarkFormat.text,
) -> None:
    """Mark answers figure by figure; a wrong one is matched against the catalogue of slips.

    Exit 0 when every answer is right, 1 when one is wrong, 2 on bad input.
    """
    from rnnloss_cli.errors import ProblemError
    from rnnloss_cli.teach.mark import mark_answers, parse_answer_flags, report_json, report_text

    try:
        given = parse_answer_flags(answers)
    except ProblemError as err:
        raise fail(err.message) from None
    report = guarded(lambda: mark_answers(path, given))
    write_stdout(report_json(report) if fmt is MarkFormat.json else report_text(report))
    if not report.ok:
        raise typer.Exit(EXIT_MISMATCH)


def grade(
    paths: Annotated[
        list[str],
        typer.Argument(help="Problem files or folders, then the answers CSV (last)."),
    ],
    output: OutOpt = None,
    json_out: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("--json", help="Also write the full report (every answer, slip) as JSON."),
    ] = None,
    force: ForceOpt = False,
) -> None:
    """Grade a class: per-student CSV (to -o or stdout), class summary on stderr.

    The answers CSV is long (student, problem, figure, value) or wide (student, problem, then
    one column per figure); header names in any case. Of a template's variants only the
    student's own (else the first answered) counts. A malformed row is reported by its row
    number and skipped.
    """
    from rnnloss_cli.problem import input_files
    from rnnloss_cli.teach.grade import grade_class, report_csv, report_json, summary_text

    if len(paths) < 2:
        raise fail("give the problem files (or a folder) and then the answers CSV")
    *problems, answers = paths
    report = guarded(lambda: grade_class(problems, answers))
    for issue in report.issues:
        say(f"warning: {issue}")
    inputs = [*input_files(problems), answers]
    if output is None:
        write_data(report_csv(report), "grade report (CSV)")
    else:
        write_file(report_csv(report), output, force=force, inputs=inputs)
    if json_out is not None:
        write_file(report_json(report), json_out, force=force, inputs=inputs)
    say(summary_text(report))


def export(
    paths: Annotated[list[str], typer.Argument(help="Problem files or folders.")],
    fmt: Annotated[
        ExportFormat, typer.Option("--format", "-f", help="Question-bank format.")
    ] = ExportFormat.moodle,
    output: OutOpt = None,
    category: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(
            "--category",
            help="Moodle category the templates' categories go under (default: rnnloss); "
            "$course$/ is added unless it names a context.",
        ),
    ] = None,
    force: ForceOpt = False,
) -> None:
    """Export problems as a Moodle XML question bank: one numerical question per figure.

    Each template's variants (and each other problem) get their own category per figure,
    CATEGORY/TEMPLATE/FIGURE, so a random question from one is the same problem for everyone.
    A figure that is not finite has no numerical answer: it is left out with a warning.
    """
    from rnnloss_cli.problem import input_files, problem_files
    from rnnloss_cli.teach.moodle import moodle_bank

    files = guarded(lambda: problem_files(paths))
    if not files:
        raise fail(f"no problem files (*.yaml, *.yml) in {', '.join(paths)}")
    bank = guarded(lambda: moodle_bank(files, category=category))
    for warning in bank.warnings:
        say(f"warning: {warning}")
    if bank.questions == 0:
        raise fail("no questions to export: no figure has a finite answer")
    if output is None:
        write_markup(bank.text)
    else:
        write_file(bank.text, output, force=force, inputs=input_files(files))


def register(app: typer.Typer) -> None:
    """Add vary, mark, grade and export to ``app``."""
    app.command(epilog="Example: rnnloss vary problems/hello.yaml --count 20 --seed 1 -o out/")(
        vary
    )
    app.command(epilog="Example: rnnloss mark problems/hinge-sequence.yaml --answer loss=1.4")(mark)
    app.command(epilog="Example: rnnloss grade problems/ answers.csv -o report.csv")(grade)
    app.command(epilog="Example: rnnloss export out/ --format moodle -o quiz.xml")(export)
