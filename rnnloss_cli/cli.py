"""The ``rnnloss`` command: parse arguments, load -> solve -> render, map errors to exit codes.

Exit codes: 0 ok, 1 an answer key disagrees, 2 bad input or usage. Heavy modules are imported
inside the commands that need them so that start-up stays fast.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Optional

import typer

from rnnloss_cli import __version__
from rnnloss_cli.cli_ctc import ctc_app
from rnnloss_cli.errors import ProblemError
from rnnloss_cli.output import OutputFormat

app = typer.Typer(
    name="rnnloss",
    help="Worked-problem solver for the loss functions used to train recurrent networks.",
    no_args_is_help=True,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
)

FormatOpt = Annotated[
    OutputFormat, typer.Option("--format", "-f", help="Output: rich tables, markdown or json.")
]
PrecisionOpt = Annotated[
    int, typer.Option("--precision", "-p", min=0, max=17, help="Digits printed after the point.")
]
ShowOpt = Annotated[
    Optional[list[str]],  # noqa: UP045
    typer.Option("--show", help="Extra tables to show, e.g. beta, grad (CTC trellises)."),
]
ReductionOpt = Annotated[
    Optional[str],  # noqa: UP045 - typer needs Optional on Python 3.10
    typer.Option("--reduction", "-r", help="mean or sum (default: the handout's formula)."),
]


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


def fail(err: Exception) -> typer.Exit:
    """Print a one-line error on stderr and return the exit for bad input (2)."""
    typer.echo(f"error: {err}", err=True)
    return typer.Exit(2)


def guarded(fn: Callable[[], Any]) -> Any:
    """Run ``fn``; bad input (ProblemError, or a ValueError from the engine) exits 2."""
    try:
        return fn()
    except (ProblemError, ValueError) as err:
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
    from rnnloss_cli.flags import parse_numbers, problem_from_flags
    from rnnloss_cli.solve import solve as run_solver

    def build():
        fields = {
            k: (parse_numbers(v, k) if isinstance(v, str) and k not in ("reduction",) else v)
            for k, v in data.items()
        }
        return run_solver(problem_from_flags({"kind": kind, "title": f"{kind} (flags)", **fields}))

    emit([guarded(build)], fmt, precision)


YOpt = Annotated[str, typer.Option("--y", help="Actual values / labels, e.g. 1,-1,1 (rows: ';').")]
YhatOpt = Annotated[str, typer.Option("--yhat", help="Predictions, e.g. 0.8,-0.5,0.3.")]


@app.command(epilog="Example: rnnloss mse --y 1,2,3 --yhat 1.5,2,2")
def mse(
    y: YOpt,
    yhat: YhatOpt,
    reduction: ReductionOpt = None,
    fmt: FormatOpt = OutputFormat.rich,
    precision: PrecisionOpt = 3,
) -> None:
    """Mean squared error (default reduction: mean)."""
    _pointwise("mse", {"y": y, "yhat": yhat, "reduction": reduction}, fmt, precision)


@app.command(epilog="Example: rnnloss bce --y 1,0,1 --yhat 0.9,0.2,0.6")
def bce(
    y: YOpt,
    yhat: YhatOpt,
    reduction: ReductionOpt = None,
    fmt: FormatOpt = OutputFormat.rich,
    precision: PrecisionOpt = 3,
) -> None:
    """Binary cross-entropy of probabilities (default reduction: mean)."""
    _pointwise("bce", {"y": y, "yhat": yhat, "reduction": reduction}, fmt, precision)


@app.command(epilog="Example: rnnloss hinge --y 1,-1,1 --yhat 0.8,-0.5,0.3")
def hinge(
    y: YOpt,
    yhat: YhatOpt,
    reduction: ReductionOpt = None,
    fmt: FormatOpt = OutputFormat.rich,
    precision: PrecisionOpt = 3,
) -> None:
    """Hinge loss max(0, 1 - y*yhat), labels -1/+1 (default reduction: mean)."""
    _pointwise("hinge", {"y": y, "yhat": yhat, "reduction": reduction}, fmt, precision)


def _categorical(kind: str, y, yhat, logits, log_probs, reduction, fmt, precision) -> None:
    data = {"y": y, "yhat": yhat, "logits": logits, "log_probs": log_probs}
    _pointwise(kind, {**data, "reduction": reduction}, fmt, precision)


ClassYOpt = Annotated[
    str, typer.Option("--y", help="True classes: indices (0,2) or one-hot rows (1,0;0,1).")
]
ProbsOpt = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option("--yhat", help="Predicted probabilities, rows split by ';'."),
]
LogitsOpt = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option("--logits", help="Logits instead of probabilities (softmax applied)."),
]
LogProbsOpt = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option("--log-probs", help="Log-probabilities instead of probabilities."),
]


@app.command(epilog="Example: rnnloss nll --y 0,1 --yhat '0.7,0.2,0.1;0.1,0.8,0.1'")
def nll(
    y: ClassYOpt,
    yhat: ProbsOpt = None,
    logits: LogitsOpt = None,
    log_probs: LogProbsOpt = None,
    reduction: ReductionOpt = None,
    fmt: FormatOpt = OutputFormat.rich,
    precision: PrecisionOpt = 3,
) -> None:
    """Negative log-likelihood of the true classes (default reduction: sum)."""
    _categorical("nll", y, yhat, logits, log_probs, reduction, fmt, precision)


@app.command(epilog="Example: rnnloss cce --y '1,0,0;0,1,0' --yhat '0.7,0.2,0.1;0.1,0.8,0.1'")
def cce(
    y: ClassYOpt,
    yhat: ProbsOpt = None,
    logits: LogitsOpt = None,
    log_probs: LogProbsOpt = None,
    reduction: ReductionOpt = None,
    fmt: FormatOpt = OutputFormat.rich,
    precision: PrecisionOpt = 3,
) -> None:
    """Categorical cross-entropy over observations and classes (default reduction: sum)."""
    _categorical("cce", y, yhat, logits, log_probs, reduction, fmt, precision)


app.add_typer(ctc_app, name="ctc")


from rnnloss_cli.cli_teach import register as _register_teaching  # noqa: E402

_register_teaching(app)  # new, sheet, explain, train


from rnnloss_cli.cli_sequence import register as _register_sequence  # noqa: E402

_register_sequence(app)  # sequence, hinge-seq, reinforce


def main() -> None:
    """Console-script entry point."""
    app()
