"""The ``rnnloss`` command: parse arguments, load -> solve -> render, map errors to exit codes.

Exit codes: 0 ok, 1 an answer key disagrees, 2 bad input or usage. Heavy modules are imported
inside the commands that need them so that start-up stays fast.
"""

import inspect
import os
import re
from typing import Annotated, Any, Optional

import typer

from rnnloss_cli import __version__
from rnnloss_cli.cli.course import register as register_course
from rnnloss_cli.cli.ctc import ctc_app
from rnnloss_cli.cli.io import EXIT_BAD_INPUT, fail, guarded, refuse_stdout_onto, say
from rnnloss_cli.cli.options import (
    ForceOpt,
    FormatOpt,
    OutOpt,
    OutputFormat,
    PrecisionOpt,
    ShowOpt,
    Typer,
    WindowOpt,
    stdin_once,
)
from rnnloss_cli.cli.output import check_show_names, emit, parse_window
from rnnloss_cli.cli.pointwise import register as register_pointwise
from rnnloss_cli.cli.sequence import register as register_sequence
from rnnloss_cli.cli.teach import register as register_teaching

_APP_SETTINGS: dict[str, Any] = {
    "name": "rnnloss",
    "help": "Worked-problem solver for the loss functions used to train recurrent networks.",
    # Bare ``rnnloss`` is handled in ``_root``: click's no_args_is_help raises a usage error
    # with an empty message, which printed "error:  (see: rnnloss --help)" under the help.
    "no_args_is_help": False,
    "add_completion": True,
    "epilog": "Example: rnnloss solve problems/hello.yaml",
    "context_settings": {"help_option_names": ["-h", "--help"]},
    "pretty_exceptions_enable": False,
}
app = Typer(**_APP_SETTINGS)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"rnnloss {__version__}")
        raise typer.Exit()


@app.callback(invoke_without_command=True)
def _root(
    ctx: typer.Context,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """Worked-problem solver for the loss functions used to train recurrent networks.

    Example: rnnloss solve problems/hello.yaml
    """
    if ctx.invoked_subcommand is None:  # bare `rnnloss`: usage shown, nothing done, as `ctc`
        typer.echo(ctx.get_help())
        raise typer.Exit(EXIT_BAD_INPUT)


@app.command(epilog="Example: rnnloss solve problems/hello.yaml -f markdown")
def solve(
    paths: Annotated[
        list[str],
        typer.Argument(
            metavar="PATHS...",
            help="Problem files (YAML) or folders of them; '-' reads stdin.",
            callback=stdin_once,
        ),
    ],
    fmt: FormatOpt = OutputFormat.rich,
    precision: PrecisionOpt = 3,
    show: ShowOpt = None,
    window: WindowOpt = None,
    output: OutOpt = None,
    force: ForceOpt = False,
) -> None:
    """Solve problem files step by step and check their answer keys.

    With several files, the good ones are solved and printed and each bad one is reported on
    stderr; the exit code is then 2. ``-o FILE`` writes the page (html, markdown or json)
    to FILE instead, e.g. ``--format html -o ab.html``.
    """
    from rnnloss_cli.checking import tolerance_warnings
    from rnnloss_cli.problem import load_problem, problem_files
    from rnnloss_cli.solve import solve as run_solver

    win = guarded(lambda: parse_window(window))
    check_show_names(show)  # a typo is refused before anything is solved
    files = guarded(lambda: problem_files(paths))
    if not files:
        raise fail(f"no problem files (*.yaml, *.yml) in {', '.join(paths)}")
    results, bad, warnings = [], 0, []
    loaded: dict[str, Any] = {}  # for -o: the inputs' custom terms, without parsing again
    for f in files:
        loaded[f] = None
        try:
            problem = loaded[f] = guarded(lambda f=f: load_problem(f))
            results.append(guarded(lambda p=problem: run_solver(p, window=win)))
        except typer.Exit:
            bad += 1
            continue
        if (warning := tolerance_warnings(problem.meta, results[-1])) is not None:
            warnings.append(warning)
    if results and output is None:  # `solve f.yaml >> f.yaml`: refused as -o onto it is
        from rnnloss_cli.problem import input_files

        refuse_stdout_onto(lambda: input_files(list(loaded), loaded))
    for warning in warnings:  # one line a file, as in check: an explicit loose tolerance
        say(f"warning: {warning}", one_line=True)
    if results and output is not None:
        _write_results(results, fmt, precision, frozenset(show or ()), win, output, force, loaded)
    elif results:
        emit(results, fmt, precision, frozenset(show or ()), window=win, exit_on_mismatch=not bad)
    if bad:
        raise typer.Exit(EXIT_BAD_INPUT)


def _write_results(
    results: list,
    fmt: OutputFormat,
    precision: int,
    show: frozenset[str],
    win: Any,
    output: Any,
    force: bool,
    loaded: dict[str, Any],
) -> None:
    """``solve -o FILE``: render to text and write it atomically; exit 1 on a key mismatch."""
    from rnnloss_cli.cli.io import EXIT_MISMATCH, check_output_path, say, write_file
    from rnnloss_cli.cli.output import check_show, heatmap_format_note, output_format
    from rnnloss_cli.problem import input_files

    inputs = input_files(list(loaded), loaded)  # custom problems' referenced files too
    # the path first: a refused one is the only line (a suffix warning came before it)
    check_output_path(output, force=force, inputs=inputs)
    fmt = output_format(fmt, output)
    show = check_show(results, show)
    note = heatmap_format_note(fmt, show)
    if note is not None:
        say(f"note: {note}")
    if fmt is OutputFormat.html:
        from rnnloss_cli.render.html import render_html

        text = render_html(results, precision, show, window=win)
    elif fmt is OutputFormat.markdown:
        from rnnloss_cli.render.markdown import render_markdown

        text = render_markdown(results, precision, show, window=win)
    else:
        from rnnloss_cli.render.json import render_json

        text = render_json(results, precision, window=win) + "\n"
    write_file(text, output, force=force, inputs=inputs)
    bad = [r for r in results if not r.ok]
    for r in bad:
        say(f"answer key disagrees: {r.file or r.title}", one_line=True)
    if bad:
        raise typer.Exit(EXIT_MISMATCH)


@app.command(epilog="Example: rnnloss check problems/")
def check(
    paths: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Argument(
            metavar="PATHS...",
            help="Problem files or folders (default: problems/).",
            callback=stdin_once,
        ),
    ] = None,
    precision: PrecisionOpt = 4,
) -> None:
    """Verify answer keys: a table of problem / figure / expected / got / verdict.

    Exits 1 if any key disagrees (naming the file), 2 if a file is malformed.
    """
    from rnnloss_cli.checking import DEFAULT_FOLDER, check_files
    from rnnloss_cli.problem import input_files

    # the files custom terms name too (`check c.yaml >> term.yaml`); parsed only when
    # standard output is a regular file
    refuse_stdout_onto(lambda: input_files(paths or [DEFAULT_FOLDER]))
    code = guarded(lambda: check_files(paths or [DEFAULT_FOLDER], precision))
    raise typer.Exit(code)


@app.command(name="list", epilog="Example: rnnloss list problems/")
def list_(
    folder: Annotated[
        Optional[str],  # noqa: UP045
        typer.Argument(metavar="FOLDER", help="Folder of problem files (default: problems/)."),
    ] = None,
) -> None:
    """List the problem kinds and the problem files in a folder.

    Without FOLDER, where there is no problems/ folder the kinds are still listed.
    """
    from rnnloss_cli.checking import DEFAULT_FOLDER, list_kinds_and_problems
    from rnnloss_cli.problem import problem_files

    if folder is not None or os.path.isdir(DEFAULT_FOLDER):
        refuse_stdout_onto(lambda: guarded(lambda: problem_files([folder or DEFAULT_FOLDER])))
    guarded(lambda: list_kinds_and_problems(folder))


register_pointwise(app)  # mse, bce, hinge, nll, cce
app.add_typer(ctc_app, name="ctc")
register_teaching(app)  # new, sheet, explain, train
register_sequence(app)  # sequence, hinge-seq, reinforce
register_course(app)  # vary, mark, grade, export


# reST inline literals in a docstring (``-o FILE``): quoted in help, where backticks show as is.
_LITERAL = re.compile(r"``(.+?)``")


def _joined_paragraphs(doc: str) -> str:
    """``doc`` with the line breaks inside each paragraph made spaces (paragraphs stay apart)
    and its inline literals quoted.

    Typer (< 0.29) keeps a docstring's single line breaks in Rich help, so a paragraph the
    terminal wraps at 80 columns broke again at every source line ("...then" / "one column").
    """
    paragraphs = inspect.cleandoc(doc).split("\n\n")
    return "\n\n".join(_LITERAL.sub(r"'\1'", " ".join(p.split())) for p in paragraphs)


def _join_help_paragraphs(t: typer.Typer) -> None:
    """Give every command of ``t`` (and of its sub-apps) its docstring as joined paragraphs."""
    for info in t.registered_commands:
        if info.help is None and info.callback is not None and info.callback.__doc__:
            info.help = _joined_paragraphs(info.callback.__doc__)
    for group in t.registered_groups:
        _join_help_paragraphs(group.typer_instance)


_join_help_paragraphs(app)


def _command_name(info: typer.models.CommandInfo) -> str:
    return info.name or info.callback.__name__.replace("_", "-")


def app_for(argv: list[str]) -> typer.Typer:
    """The app to run for ``argv``: only the one top-level command it names, if it names one.

    Typer builds every registered command's parameters at each start (about 2 ms a command),
    so running ``rnnloss solve`` through an app that holds just ``solve`` keeps start-up
    close to the bare imports. Help, typos and sub-apps get the full app.
    """
    word = next((a for a in argv if not a.startswith("-")), None)
    chosen = [c for c in app.registered_commands if _command_name(c) == word]
    if not chosen or argv[0] != word:
        return app
    slim = Typer(**_APP_SETTINGS)
    slim.registered_callback = app.registered_callback
    slim.registered_commands = chosen
    return slim


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: run the command, exit with the code of rnnloss_cli.cli.io."""
    import sys

    from rnnloss_cli.cli.io import DEBUG_FLAG, run

    args = sys.argv[1:] if argv is None else argv
    words = [a for a in args if a != DEBUG_FLAG]
    sys.exit(run(app_for(words), args))
