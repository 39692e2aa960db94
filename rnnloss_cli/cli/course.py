"""Course commands: ``vary`` (a variant per student), ``mark`` (the slip named), ``grade`` (a
class) and ``export`` (a Moodle XML question bank).

``register(app)`` adds them to the main Typer app. Only typer is imported at module level;
the teaching modules (numpy, yaml, the engine) are imported inside the commands.
"""

from __future__ import annotations

import enum
import os
import shutil
from pathlib import Path
from typing import Annotated, Optional

import typer

from rnnloss_cli.cli.io import (
    EXIT_MISMATCH,
    check_output_path,
    fail,
    fail_if_keys_disagree,
    guarded,
    json_for_stdout,
    refuse_stdout_onto,
    say,
    write_data,
    write_file,
    write_markup,
    write_stdout,
)
from rnnloss_cli.cli.options import (
    ForceOpt,
    OutOpt,
    integer_metavar,
    integer_option,
    output_path,
    stdin_once,
)
from rnnloss_cli.limits import MAX_VARIANTS  # constants only: cheap at start-up


class MarkFormat(str, enum.Enum):
    text = "text"
    json = "json"


class ExportFormat(str, enum.Enum):
    moodle = "moodle"


def vary(
    path: Annotated[
        str, typer.Argument(metavar="FILE", help="Template problem file (with or without vary:).")
    ],
    output: Annotated[
        Path,
        typer.Option(
            "--output",
            "-o",
            parser=output_path,
            metavar="FOLDER",
            help="Folder for the variant files.",
        ),
    ],
    count: Annotated[
        Optional[int],  # noqa: UP045
        typer.Option(
            "--count",
            "-n",
            parser=integer_option("--count", 1, MAX_VARIANTS),
            metavar=integer_metavar(1, MAX_VARIANTS),
            help="Number of variants (1..N).",
        ),
    ] = None,
    seed: Annotated[
        int,
        typer.Option(
            "--seed",
            "-s",
            parser=integer_option("--seed", -(2**63 - 1)),  # hashed as text: any int64
            metavar="INT",
            help="Seed: same seed, same files.",
        ),
    ] = 1,
    ids: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(
            "--ids",
            metavar="FILE",
            help="Roster CSV: one variant per student id: the column headed id (or Student ID, "
            "ID number, username, email, name), or with no header one id a line.",
        ),
    ] = None,
    force: ForceOpt = False,
) -> None:
    """Write variants of a problem: ordinary problem files whose keys rnnloss computes.

    Files are NAME-01.yaml ... (or NAME-<id>.yaml with --ids: the id's letters and digits, of
    any script, and . _ @ - kept, anything else _; two ids that would share a file, such as
    "a b" and "a_b" or S1 and s1, are refused); a file that already holds the same bytes is
    left as it is, any other existing file needs --force.
    """
    from rnnloss_cli.problem import input_files
    from rnnloss_cli.teach.vary import file_names, make_variants, read_roster, template_name

    if (count is None) == (ids is None):
        raise fail("give --count N or --ids roster.csv (one of them)")
    if path == "-" and ids == "-":
        raise fail("the template and --ids both name standard input (-); it is read once")
    roster = guarded(lambda: read_roster(ids)) if ids is not None else None
    n = len(roster) if roster is not None else count
    if n > MAX_VARIANTS:
        raise fail(f"{n} variants asked; at most {MAX_VARIANTS} (MAX_VARIANTS) per run")
    _check_folder(output)
    variants = guarded(
        lambda: make_variants(path, seed=seed, count=count, ids=roster, out_dir=str(output))
    )
    if variants and all(v.unchanged for v in variants) and variants[0].ruled:
        # a block that draws nothing new (only constraints, a choice of the template's value
        # and values its kind refuses) was told to "add a vary: block"
        say(
            f"warning: every variant of {path} repeats its givens: its vary: block changes "
            "none of them (each draw was the template's own value, or refused)",
            one_line=True,
        )
    elif variants and all(v.unchanged for v in variants):
        say(
            f"warning: {path} has no decimal givens to vary by default; every variant repeats "
            "its numbers (add a vary: block)",
            one_line=True,
        )
    elif len(variants) > 1 and all(
        _givens(v.data) == _givens(variants[0].data) for v in variants[1:]
    ):
        # every other draw refused (one choice too long for the frames): n copies of one
        how = "its vary: block" if variants[0].ruled else "the default variation"
        say(
            f"warning: all {len(variants)} variants of {path} are one problem: {how} gave "
            "only one valid set of givens (each other draw was refused)",
            one_line=True,
        )
    # "-" and other streams (<(...) is /dev/fd/63) are "stdin": "--1.yaml" reads as an option
    stem = Path(template_name(path)).stem
    names = file_names(stem, variants, numbered=roster is None)
    inputs = [*input_files([path]), *([ids] if ids else [])]
    # Every file is checked before any is written: a refusal half way left a set drawn
    # from two seeds (the new first variant beside the old others).
    pending = [(output / name, v.text) for v, name in zip(variants, names, strict=False)]
    pending = [(target, text) for target, text in pending if not _holds(target, text)]
    for target, _ in pending:
        check_output_path(target, force=force, inputs=inputs)
    for target, text in pending:
        write_file(text, target, force=force, inputs=inputs)
    written, same = len(pending), len(variants) - len(pending)
    say(
        f"{len(variants)} variant{'' if len(variants) == 1 else 's'} of {path} (seed {seed}) "
        f"in {output}: {written} written, {same} unchanged",
        one_line=True,
    )
    if variants and variants[0].template_key_disagrees:  # the template's key has a typo
        fail_if_keys_disagree([path])


def _givens(data: dict) -> dict:
    """A variant's givens (not its source, key or vary block), compared as they are: a file's
    keys may mix numbers and text (digits-123's symbols 1, 2, 3 and "-"), which a sorted
    JSON text of them could not order."""
    return {k: v for k, v in data.items() if k not in ("source", "answer", "vary", "title")}


def _check_folder(output: Path) -> None:
    """Refuse (exit 2) a ``vary -o`` that cannot be a folder: a file or device, a symbolic
    link that leads nowhere (a loop), a name the system cannot look up (too long), and ``-``,
    standard output for every other -o (it made a folder named "-")."""
    if str(output) == "-":
        raise fail(
            "-o -: standard output cannot take the variants (a file each); -o names a folder "
            "for them"
        )
    try:
        if output.exists() and not output.is_dir():
            raise fail(f"{output}: is not a folder; -o names a folder for the variants")
        if os.path.lexists(output) and not output.exists():
            raise fail(
                f"{output}: is a symbolic link that leads nowhere (dangling or a loop); "
                "-o names a folder for the variants"
            )
    except OSError as exc:  # a name too long
        raise fail(f"{output}: cannot be used as a folder: {exc.strerror or exc}") from None


def _holds(path: Path, text: str) -> bool:
    """Whether ``path`` is a regular file holding exactly ``text`` (UTF-8); False for a file
    that is not (another text, bytes that are not UTF-8) or cannot be read."""
    try:
        return path.is_file() and path.read_bytes() == text.encode("utf-8")
    except OSError:
        return False


def mark(
    path: Annotated[str, typer.Argument(metavar="FILE", help="Problem file.")],
    answers: Annotated[
        list[str],
        typer.Option(
            "--answer",
            "-a",
            metavar="FIGURE=VALUE",
            help="FIGURE=VALUE, e.g. loss=1.4, or text for a text figure: beam=ab, path=A-BB "
            "(the empty labelling: beam=ε, or beam=); repeat per figure.",
        ),
    ],
    fmt: Annotated[
        MarkFormat, typer.Option("--format", "-f", help="text, or json for scripts.")
    ] = MarkFormat.text,
) -> None:
    """Mark answers figure by figure, naming the slip behind a wrong one.

    A wrong number is matched against the catalogue of slips (when none matches, against two
    together: sum_for_mean+negative_label_sign). A text figure (a decoding's greedy/beam, an
    alignment's path) is compared exactly, spaces around ignored; the empty labelling is
    written ε (or (empty), "" or nothing).

    Exit 0 when every answer is right, 1 when one is wrong (or the file's answer key
    disagrees with the computed value, which answers are marked against), 2 on bad input.
    """
    from rnnloss_cli.errors import ProblemError
    from rnnloss_cli.problem import input_files
    from rnnloss_cli.teach.mark import mark_answers, read_answer_flags, report_json, report_text

    try:
        given = read_answer_flags(answers)
    except ProblemError as err:
        raise fail(err.message) from None
    report = guarded(lambda: mark_answers(path, given))
    # `mark f.yaml ... >> f.yaml` (or onto a file its custom terms name), as -o onto it
    refuse_stdout_onto(lambda: input_files([path]))
    write_stdout(
        json_for_stdout(report_json(report)) if fmt is MarkFormat.json else report_text(report)
    )
    if report.key_disagrees:  # marked against the computed value; the key's typo is said
        fail_if_keys_disagree([report.file])
    if not report.ok:
        raise typer.Exit(EXIT_MISMATCH)


def grade(
    paths: Annotated[
        list[str],
        typer.Argument(
            metavar="PATHS...",
            help="Problem files or folders, then the answers CSV (last).",
            callback=stdin_once,
        ),
    ],
    output: OutOpt = None,
    json_out: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(
            "--json",
            parser=output_path,
            metavar="FILE",
            help="Also write the full report (every answer, slip) as JSON.",
        ),
    ] = None,
    force: ForceOpt = False,
) -> None:
    """Grade a class: per-student CSV (to -o or stdout), class summary on stderr.

    The answers CSV is long (student, problem, figure, value or answer) or wide (student,
    problem, then one column per figure); header names in any case. A text figure (beam, path) is
    compared exactly, spaces around ignored; the empty labelling is written ε (or (empty)).

    Of a template's variants only the student's own (else the first answered) counts. A
    malformed row is reported by its row number and skipped.

    The student column may also be headed as a roster's ids (Student ID, username, email). A
    blank value is not answered; every student a variant was made for (vary --ids) is listed,
    and a row naming the template is graded against the student's own variant.

    Student ids are matched exactly, spaces around them ignored: ids that differ only by case
    (S1, s1) are graded as different students, named in one warning. A wide column that names
    no figure is ignored (one warning). A problem whose answer key disagrees with the computed
    value (which answers are marked against) is named and the run exits 1.
    """
    from rnnloss_cli.problem import input_files, problem_files
    from rnnloss_cli.teach.grade import grade_class, report_csv, report_json_pieces, summary_text

    if len(paths) < 2:
        raise fail("give the problem files (or a folder) and then the answers CSV")
    *problems, answers = paths
    # checked before grading against the files as given, folders' files too (a listing)
    inputs = [*problems, answers, *guarded(lambda: problem_files(problems))]
    _check_reports(output, json_out, force=force, inputs=inputs)
    if output is None or str(json_out) == "-":  # a report appended to an input (`>> a.csv`)
        refuse_stdout_onto(lambda: inputs)
    report = guarded(lambda: grade_class(problems, answers))

    # and the files custom terms name, from the problems as graded: a problem read again
    # costs its parsing twice, and a pipe (a FIFO, <(cat p.yaml)) gives its text once
    def every_input() -> list[str]:
        return [*input_files(problems, report.loaded), answers]

    if output is not None or (json_out is not None and str(json_out) != "-"):
        inputs = every_input()
        _check_reports(output, json_out, force=force, inputs=inputs)
    if output is None or str(json_out) == "-":
        refuse_stdout_onto(every_input)  # called when standard output is a regular file
    for issue in report.issues:  # one line each: a name may hold a line break
        say(f"warning: {issue}", one_line=True)
    if output is None:
        write_data(report_csv(report), "grade report (CSV)")
    else:
        write_file(report_csv(report), output, force=force, inputs=inputs)
    if json_out is not None:
        # streamed: a class of a million answers makes a JSON of hundreds of MB
        pieces = report_json_pieces(report)
        if str(json_out) == "-":
            pieces = json_for_stdout(pieces)
        write_file(pieces, json_out, force=force, inputs=inputs)
    say(summary_text(report, width=shutil.get_terminal_size().columns))
    fail_if_keys_disagree(report.disagree)  # graded against the computed values


def _check_reports(
    output: Path | None, json_out: Path | None, *, force: bool, inputs: list[str]
) -> None:
    """Refuse (exit 2), before grading, report paths that would lose data: the CSV and the
    JSON on one file (or both on standard output), or a path ``write_file`` would refuse.
    Checked after grading, the CSV was written and then the JSON refused (or, with --force,
    written over it)."""
    csv_out = "-" if output is None else str(output)
    if json_out is None:
        if output is not None:
            check_output_path(output, force=force, inputs=inputs)
        return
    if str(json_out) == "-" and csv_out == "-":
        raise fail("--json -: the CSV report goes to standard output too; give it a file with -o")
    if csv_out != "-" and str(json_out) != "-" and _same_path(Path(csv_out), json_out):
        raise fail(f"{json_out}: -o and --json name the same file; give each report its own")
    for path in (output, json_out):
        if path is not None:
            check_output_path(path, force=force, inputs=inputs)


def _same_path(a: Path, b: Path) -> bool:
    """Whether two paths name one file, existing or not (``r.csv`` and ``x/../r.csv``, a
    symbolic link and its target)."""
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
    except OSError:
        pass
    return os.path.realpath(a) == os.path.realpath(b)


def export(
    paths: Annotated[
        list[str],
        typer.Argument(metavar="PATHS...", help="Problem files or folders.", callback=stdin_once),
    ],
    fmt: Annotated[
        ExportFormat, typer.Option("--format", "-f", help="Question-bank format.")
    ] = ExportFormat.moodle,
    output: OutOpt = None,
    category: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(
            "--category",
            metavar="NAME",
            help="Moodle category the templates' categories go under (default: rnnloss); "
            "$course$/ is added unless it names a context.",
        ),
    ] = None,
    force: ForceOpt = False,
) -> None:
    """Export problems as a Moodle XML question bank: a question per figure of each file.

    Each template's variants (and each other problem) get their own category per figure,
    CATEGORY/TEMPLATE/FIGURE, so a random question from one is the same problem for everyone.

    A number figure is a numerical question; a text figure (a labelling, a path) a short-answer
    one. An array figure (BPTT's gradients) is asked entry by entry (dL/dW_hh[0,1]). A figure
    that is not finite has no numerical answer: it is left out with a warning. A file whose
    answer key disagrees is named and the run exits 1 (the bank asks the computed value).
    """
    from rnnloss_cli.problem import input_files, problem_files
    from rnnloss_cli.teach.moodle import moodle_bank

    files = guarded(lambda: problem_files(paths))
    if not files:
        raise fail(f"no problem files (*.yaml, *.yml) in {', '.join(paths)}")
    bank = guarded(lambda: moodle_bank(files, category=category))
    for warning in bank.warnings:
        say(f"warning: {warning}", one_line=True)
    if bank.questions == 0:
        raise fail("no questions to export: no figure has a finite answer")
    if output is None:
        refuse_stdout_onto(lambda: input_files(files))  # `export f.yaml >> f.yaml`, as -o
        write_markup(bank.text)
    else:
        write_file(bank.text, output, force=force, inputs=input_files(files))
    fail_if_keys_disagree(bank.disagree)  # the bank asks the computed values


def register(app: typer.Typer) -> None:
    """Add vary, mark, grade and export to ``app``."""
    app.command(epilog="Example: rnnloss vary problems/hello.yaml --count 20 --seed 1 -o out/")(
        vary
    )
    app.command(epilog="Example: rnnloss mark problems/hinge-sequence.yaml --answer loss=1.4")(mark)
    app.command(epilog="Example: rnnloss grade problems/ answers.csv -o report.csv")(grade)
    app.command(epilog="Example: rnnloss export out/ --format moodle -o quiz.xml")(export)
