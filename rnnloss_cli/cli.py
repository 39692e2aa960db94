"""The ``rnnloss`` command: parse arguments, load -> solve -> render, map errors to exit codes.

Exit codes: 0 ok, 1 an answer key disagrees, 2 bad input or usage. Heavy modules are imported
inside the commands that need them so that start-up stays fast.
"""

from collections.abc import Callable
from typing import Annotated, Any, Optional

import typer

from rnnloss_cli import __version__
from rnnloss_cli.cli_common import (
    FormatOpt,
    PrecisionOpt,
    ShowOpt,
    Text,
    emit,
    guarded,
    solve_and_emit,
)
from rnnloss_cli.cli_ctc import ctc_app
from rnnloss_cli.cli_sequence import register as register_sequence
from rnnloss_cli.cli_teach import register as register_teaching
from rnnloss_cli.output import OutputFormat

_APP_SETTINGS: dict[str, Any] = {
    "name": "rnnloss",
    "help": "Worked-problem solver for the loss functions used to train recurrent networks.",
    "no_args_is_help": True,
    "add_completion": False,
    "context_settings": {"help_option_names": ["-h", "--help"]},
    "pretty_exceptions_enable": False,
}
app = typer.Typer(**_APP_SETTINGS)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"rnnloss {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """Worked-problem solver for the loss functions used to train recurrent networks.

    Example: rnnloss solve problems/hello.yaml
    """


@app.command(epilog="Example: rnnloss solve problems/hinge-sequence.yaml --format markdown")
def solve(
    files: Annotated[list[str], typer.Argument(help="Problem files (YAML); '-' reads stdin.")],
    fmt: FormatOpt = OutputFormat.rich,
    precision: PrecisionOpt = 3,
    show: ShowOpt = None,
) -> None:
    """Solve problem files step by step and check their answer keys."""
    from rnnloss_cli.problem import load_problem
    from rnnloss_cli.solve import solve as run_solver

    results = guarded(lambda: [run_solver(load_problem(f)) for f in files])
    emit(results, fmt, precision, frozenset(show or ()))


@app.command(epilog="Example: rnnloss check problems/")
def check(
    paths: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Argument(help="Problem files or folders (default: problems/)."),
    ] = None,
    precision: PrecisionOpt = 4,
) -> None:
    """Verify answer keys: a table of problem / figure / expected / got / verdict.

    Exits 1 if any key disagrees (naming the file), 2 if a file is malformed.
    """
    from rnnloss_cli.checking import check_files

    code = check_files(paths or ["problems/"], precision)
    raise typer.Exit(code)


@app.command(name="list", epilog="Example: rnnloss list problems/")
def list_(
    folder: Annotated[str, typer.Argument(help="Folder of problem files.")] = "problems/",
) -> None:
    """List the problem kinds and the problem files in a folder."""
    from rnnloss_cli.checking import list_kinds_and_problems

    list_kinds_and_problems(folder)


def _pointwise(kind: str, data: dict[str, Any], fmt: OutputFormat, precision: int) -> None:
    """Flags -> the data a problem file holds -> the same parser and solver as ``solve``."""

    def build():
        from rnnloss_cli.flags import parse_numbers, problem_from_flags
        from rnnloss_cli.solve import solve as run_solver

        fields = {
            k: (parse_numbers(v, k) if isinstance(v, str) and k != "reduction" else v)
            for k, v in data.items()
        }
        return run_solver(problem_from_flags({"kind": kind, "title": f"{kind} (flags)", **fields}))

    solve_and_emit(build, fmt, precision)


ReductionOpt = Annotated[
    Text, typer.Option("--reduction", "-r", help="mean or sum (default: the handout's formula).")
]
YOpt = Annotated[str, typer.Option("--y", help="Actual values / labels, e.g. 1,-1,1 (rows: ';').")]
YhatOpt = Annotated[str, typer.Option("--yhat", help="Predictions, e.g. 0.8,-0.5,0.3.")]
ClassYOpt = Annotated[
    str, typer.Option("--y", help="True classes: indices (0,2) or one-hot rows (1,0;0,1).")
]
ProbsOpt = Annotated[Text, typer.Option("--yhat", help="Predicted probabilities, rows: ';'.")]
LogitsOpt = Annotated[
    Text, typer.Option("--logits", help="Logits instead of probabilities (softmax applied).")
]
LogProbsOpt = Annotated[
    Text, typer.Option("--log-probs", help="Log-probabilities instead of probabilities.")
]

#: kind, summary (the command's help), example
_ELEMENTWISE = (
    ("mse", "Mean squared error (default reduction: mean).", "--y 1,2,3 --yhat 1.5,2,2"),
    (
        "bce",
        "Binary cross-entropy of probabilities (default reduction: mean).",
        "--y 1,0,1 --yhat 0.9,0.2,0.6",
    ),
    (
        "hinge",
        "Hinge loss max(0, 1 - y*yhat), labels -1/+1 (default reduction: mean).",
        "--y 1,-1,1 --yhat 0.8,-0.5,0.3",
    ),
)
_CATEGORICAL = (
    (
        "nll",
        "Negative log-likelihood of the true classes (default reduction: sum).",
        "--y 0,1 --yhat '0.7,0.2,0.1;0.1,0.8,0.1'",
    ),
    (
        "cce",
        "Categorical cross-entropy over observations and classes (default reduction: sum).",
        "--y '1,0,0;0,1,0' --yhat '0.7,0.2,0.1;0.1,0.8,0.1'",
    ),
)


def _elementwise_command(kind: str) -> Callable[..., None]:
    def command(
        y: YOpt,
        yhat: YhatOpt,
        reduction: ReductionOpt = None,
        fmt: FormatOpt = OutputFormat.rich,
        precision: PrecisionOpt = 3,
    ) -> None:
        _pointwise(kind, {"y": y, "yhat": yhat, "reduction": reduction}, fmt, precision)

    return command


def _categorical_command(kind: str) -> Callable[..., None]:
    def command(
        y: ClassYOpt,
        yhat: ProbsOpt = None,
        logits: LogitsOpt = None,
        log_probs: LogProbsOpt = None,
        reduction: ReductionOpt = None,
        fmt: FormatOpt = OutputFormat.rich,
        precision: PrecisionOpt = 3,
    ) -> None:
        data = {"y": y, "yhat": yhat, "logits": logits, "log_probs": log_probs}
        _pointwise(kind, {**data, "reduction": reduction}, fmt, precision)

    return command


for _kind, _summary, _example in _ELEMENTWISE:
    app.command(name=_kind, help=_summary, epilog=f"Example: rnnloss {_kind} {_example}")(
        _elementwise_command(_kind)
    )
for _kind, _summary, _example in _CATEGORICAL:
    app.command(name=_kind, help=_summary, epilog=f"Example: rnnloss {_kind} {_example}")(
        _categorical_command(_kind)
    )

app.add_typer(ctc_app, name="ctc")
register_teaching(app)  # new, sheet, explain, train
register_sequence(app)  # sequence, hinge-seq, reinforce


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
    slim = typer.Typer(**{**_APP_SETTINGS, "no_args_is_help": False})
    slim.registered_callback = app.registered_callback
    slim.registered_commands = chosen
    return slim


def main() -> None:
    """Console-script entry point."""
    import sys

    app_for(sys.argv[1:])()
