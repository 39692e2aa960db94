"""The pointwise losses from flags: ``rnnloss mse|bce|hinge|nll|cce``.

Flags become the data a problem file holds and go through the same parser and solver as
``rnnloss solve``. Each command's ``--reduction`` help names the default its kind really has
(``DEFAULT_REDUCTION``, which a test compares with the parser's behaviour).
"""

from collections.abc import Callable
from typing import Annotated, Any

import typer

from rnnloss_cli.cli.io import guarded
from rnnloss_cli.cli.options import FormatOpt, OutputFormat, PrecisionOpt, Text, WindowOpt
from rnnloss_cli.cli.output import solve_and_emit

#: The reduction each kind uses when none is given (as problem/pointwise.py applies it).
DEFAULT_REDUCTION = {"mse": "mean", "bce": "mean", "hinge": "mean", "nll": "sum", "cce": "sum"}

YOpt = Annotated[
    str,
    typer.Option("--y", metavar="VALUES", help="Actual values / labels, e.g. 1,-1,1 (rows: ';')."),
]
YhatOpt = Annotated[
    str, typer.Option("--yhat", metavar="VALUES", help="Predictions, e.g. 0.8,-0.5,0.3.")
]
ClassYOpt = Annotated[
    str,
    typer.Option(
        "--y", metavar="CLASSES", help="True classes: indices (0,2) or one-hot rows (1,0;0,1)."
    ),
]
ProbsOpt = Annotated[
    Text, typer.Option("--yhat", metavar="PROBS", help="Predicted probabilities, rows: ';'.")
]
LogitsOpt = Annotated[
    Text,
    typer.Option(
        "--logits", metavar="LOGITS", help="Logits instead of probabilities (softmax applied)."
    ),
]
LogProbsOpt = Annotated[
    Text,
    typer.Option(
        "--log-probs",
        metavar="LOG_PROBS",
        help="Log probabilities (ln p) instead of probabilities.",
    ),
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
        "Hinge loss max(0, 1 - y*yhat), labels -1/+1 (default reduction: mean, as the "
        "handout's worked example; its formula sums).",
        "--y 1,-1,1 --yhat 0.8,-0.5,0.3",
    ),
)
_CATEGORICAL = (
    (
        "nll",
        "Negative log-likelihood of the true classes (default reduction: sum).",
        "--y 0,1 --yhat '0.7,0.3;0.2,0.8'",
    ),
    (
        "cce",
        "Categorical cross-entropy over observations and classes (default reduction: sum).",
        "--y 0,1,0 --yhat 0.2,0.7,0.1",  # one observation: a one-hot row
    ),
)


def _reduction_opt(kind: str) -> Any:
    other = "sum" if DEFAULT_REDUCTION[kind] == "mean" else "mean"
    return Annotated[
        Text,
        typer.Option(
            "--reduction",
            "-r",
            metavar="NAME",
            help=f"{DEFAULT_REDUCTION[kind]} (the default) or {other}.",
        ),
    ]


def _pointwise(
    kind: str, data: dict[str, Any], fmt: OutputFormat, precision: int, window: str | None
) -> None:
    """Flags -> the data a problem file holds -> the same parser and solver as ``solve``."""

    def build(win: Any) -> Any:
        from rnnloss_cli.flags import flags_named, parse_numbers, problem_from_flags
        from rnnloss_cli.solve import solve as run_solver

        with flags_named(data):
            fields = {
                k: (parse_numbers(v, k) if isinstance(v, str) and k != "reduction" else v)
                for k, v in data.items()
            }
            problem = problem_from_flags({"kind": kind, "title": f"{kind} (flags)", **fields})
            return run_solver(problem, window=win)

    solve_and_emit(build, fmt, precision, window=window)


def _elementwise_command(kind: str) -> Callable[..., None]:
    ReductionOpt = _reduction_opt(kind)

    def command(
        y: YOpt,
        yhat: YhatOpt,
        reduction: ReductionOpt = None,
        fmt: FormatOpt = OutputFormat.rich,
        precision: PrecisionOpt = 3,
        window: WindowOpt = None,
    ) -> None:
        _pointwise(kind, {"y": y, "yhat": yhat, "reduction": reduction}, fmt, precision, window)

    return command


def _categorical_command(kind: str) -> Callable[..., None]:
    ReductionOpt = _reduction_opt(kind)

    def command(
        y: ClassYOpt,
        yhat: ProbsOpt = None,
        logits: LogitsOpt = None,
        log_probs: LogProbsOpt = None,
        reduction: ReductionOpt = None,
        fmt: FormatOpt = OutputFormat.rich,
        precision: PrecisionOpt = 3,
        window: WindowOpt = None,
    ) -> None:
        target: Any = y
        if "," not in y and ";" not in y:  # a lone class index, as ``y: 0`` in a file
            from rnnloss_cli.flags import flags_named, parse_number, parse_numbers

            def lone() -> Any:
                with flags_named({"y": y}):
                    return parse_number(y, "y") if y.strip() else parse_numbers(y, "y")

            target = guarded(lone)
        data = {"y": target, "yhat": yhat, "logits": logits, "log_probs": log_probs}
        _pointwise(kind, {**data, "reduction": reduction}, fmt, precision, window)

    return command


def register(app: typer.Typer) -> None:
    """Add the mse, bce, hinge, nll and cce commands to ``app``."""
    for kind, summary, example in _ELEMENTWISE:
        app.command(name=kind, help=summary, epilog=f"Example: rnnloss {kind} {example}")(
            _elementwise_command(kind)
        )
    for kind, summary, example in _CATEGORICAL:
        app.command(name=kind, help=summary, epilog=f"Example: rnnloss {kind} {example}")(
            _categorical_command(kind)
        )
