"""Flag forms of the sequence losses: ``rnnloss sequence``, ``hinge-seq`` and ``reinforce``.

Each command turns its flags into the data a problem file holds (``rnnloss_cli.flags``) and
runs the same parser and solver as ``rnnloss solve``. Registered on the main app by
``register(app)`` in cli.py; only typer is imported here at module level (fast start-up).
"""

from typing import Annotated, Any, Optional

import typer

from rnnloss_cli.cli.options import FormatOpt, OutputFormat, PrecisionOpt, WindowOpt
from rnnloss_cli.cli.output import solve_and_emit

Opt = Optional[str]  # noqa: UP045 - typer needs Optional on Python 3.10
_TEXT_FIELDS = ("reduction",)


def _run(kind: str, data: dict[str, Any], fmt: Any, precision: int, window: Opt) -> None:
    """Flags -> problem data -> the kind's parser and solver -> printed result (errors: exit 2)."""
    from rnnloss_cli.flags import flags_named, parse_number, parse_numbers, problem_from_flags
    from rnnloss_cli.solve import solve

    def build(win: Any) -> Any:
        matrices = () if kind == "sequence_hinge" else ("yhat", "logits", "policy")
        with flags_named(data, matrices=matrices):
            return _build(win)

    def _build(win: Any) -> Any:
        fields: dict[str, Any] = {}
        for key, value in data.items():
            if value is None:
                continue
            if key in ("vocabulary",) or (key == "targets" and data.get("vocabulary")):
                fields[key] = [s.strip() for s in value.split(",")]
            elif key == "baseline" and value.strip() == "mean":
                fields[key] = "mean"
            elif key in _TEXT_FIELDS or not isinstance(value, str):
                fields[key] = value
            elif key in ("gamma", "baseline") and not any(c in value for c in ",;"):
                fields[key] = parse_number(value, key)  # one number: "--gamma: ...", no item
            else:
                parsed = parse_numbers(value, key)
                # A lone number for a scalar field (gamma, baseline, lengths of one sequence).
                if key in ("gamma", "baseline") and isinstance(parsed, list) and len(parsed) == 1:
                    parsed = parsed[0]
                # One row of a distribution flag (no ';') is a single step.
                if (
                    kind != "sequence_hinge"
                    and key in ("yhat", "logits", "policy")
                    and (not isinstance(parsed[0], list))
                ):
                    parsed = [parsed]
                fields[key] = parsed
        problem = problem_from_flags({"kind": kind, "title": f"{kind} (flags)", **fields})
        return solve(problem, window=win)

    solve_and_emit(build, fmt, precision, window=window)


def register(app: typer.Typer) -> None:
    """Add the sequence, hinge-seq and reinforce commands to ``app``."""

    LengthsOpt = Annotated[
        Opt,
        typer.Option(
            "--lengths", metavar="INTS", help="Real steps per sequence, e.g. 3,2 (rest is padding)."
        ),
    ]
    MaskOpt = Annotated[
        Opt,
        typer.Option("--mask", metavar="BITS", help="0/1 per step (1 = real), rows split by ';'."),
    ]

    @app.command(epilog="Example: rnnloss sequence --targets 0,1 --logits '2,0;0,1'")
    def sequence(
        targets: Annotated[
            str,
            typer.Option(
                "--targets",
                metavar="CLASSES",
                help="Class per step: indices 0,1 or symbols (with "
                "--vocabulary); rows split by ';' for a batch.",
            ),
        ],
        yhat: Annotated[
            Opt,
            typer.Option(
                "--yhat", metavar="PROBS", help="Probabilities per step (T x C), rows split by ';'."
            ),
        ] = None,
        logits: Annotated[
            Opt,
            typer.Option(
                "--logits", metavar="LOGITS", help="Logits per step instead (softmax applied)."
            ),
        ] = None,
        vocabulary: Annotated[
            Opt,
            typer.Option(
                "--vocabulary", metavar="NAMES", help="Names of the C columns, e.g. the,cat,<eos>."
            ),
        ] = None,
        lengths: LengthsOpt = None,
        mask: MaskOpt = None,
        reduction: Annotated[
            Opt,
            typer.Option(
                "--reduction",
                "-r",
                metavar="NAME",
                help="sum (default, the handout's formula), mean_tokens or mean_sequences.",
            ),
        ] = None,
        fmt: FormatOpt = OutputFormat.rich,
        precision: PrecisionOpt = 3,
        window: WindowOpt = None,
    ) -> None:
        """Sequence cross-entropy −Σ_t ln ŷ_t(target_t) of one sequence (default reduction: sum)."""
        data = {
            "yhat": yhat,
            "logits": logits,
            "targets": targets,
            "vocabulary": vocabulary,
            "lengths": lengths,
            "mask": mask,
            "reduction": reduction,
        }
        _run("sequence", data, fmt, precision, window)

    @app.command(
        name="sequence-hinge",
        epilog="Example: rnnloss sequence-hinge --y 1,-1 --yhat 0.8,-0.5",
    )
    @app.command(  # the older name, an alias
        name="hinge-seq",
        hidden=True,
        epilog="Example: rnnloss sequence-hinge --y 1,-1 --yhat 0.8,-0.5",
    )
    def hinge_seq(
        y: Annotated[
            str, typer.Option("--y", metavar="LABELS", help="Labels -1/+1 per step, e.g. 1,-1,1.")
        ],
        yhat: Annotated[
            str,
            typer.Option("--yhat", metavar="SCORES", help="Scores per step, e.g. 0.8,-0.5,0.3."),
        ],
        lengths: LengthsOpt = None,
        mask: MaskOpt = None,
        reduction: Annotated[
            Opt,
            typer.Option(
                "--reduction", "-r", metavar="NAME", help="mean (default), sum or mean_sequences."
            ),
        ] = None,
        fmt: FormatOpt = OutputFormat.rich,
        precision: PrecisionOpt = 3,
        window: WindowOpt = None,
    ) -> None:
        """Hinge loss per time step max(0, 1 − y_t·ŷ_t) (default: mean; sum = the formula)."""
        data = {"y": y, "yhat": yhat, "lengths": lengths, "mask": mask, "reduction": reduction}
        _run("sequence_hinge", data, fmt, precision, window)

    @app.command(epilog="Example: rnnloss reinforce --probs 0.9,0.6 --rewards 1,0 --gamma 0.9")
    def reinforce(
        probs: Annotated[
            Opt,
            typer.Option(
                "--probs", metavar="PROBS", help="π(y_t|s_t) of the actions taken, e.g. 0.9,0.6."
            ),
        ] = None,
        policy: Annotated[
            Opt,
            typer.Option(
                "--policy", metavar="PROBS", help="Full distributions per step (T x A), ';' rows."
            ),
        ] = None,
        logits: Annotated[
            Opt,
            typer.Option(
                "--logits", metavar="LOGITS", help="Policy logits per step (T x A), ';' rows."
            ),
        ] = None,
        actions: Annotated[
            Opt,
            typer.Option(
                "--actions",
                metavar="INDICES",
                help="Action index per step (for --policy, --logits).",
            ),
        ] = None,
        rewards: Annotated[
            Opt, typer.Option("--rewards", metavar="VALUES", help="Reward per step, e.g. 1,0,1.")
        ] = None,
        returns: Annotated[
            Opt,
            typer.Option(
                "--returns",
                metavar="VALUES",
                help="Returns R_t given directly (instead of --gamma).",
            ),
        ] = None,
        gamma: Annotated[
            Opt,
            typer.Option(
                "--gamma", metavar="FLOAT", help="Discount in [0, 1] for R_t = Σ_k γ^k r_(t+k)."
            ),
        ] = None,
        baseline: Annotated[
            Opt,
            typer.Option(
                "--baseline",
                metavar="FLOAT|mean",
                help="A number, or 'mean' (mean of the returns).",
            ),
        ] = None,
        reduction: Annotated[
            Opt,
            typer.Option(
                "--reduction", "-r", metavar="NAME", help="sum (default), mean or mean_sequences."
            ),
        ] = None,
        fmt: FormatOpt = OutputFormat.rich,
        precision: PrecisionOpt = 3,
        window: WindowOpt = None,
    ) -> None:
        """REINFORCE loss −Σ_t A_t ln π(y_t|s_t) (= −J, the handout's objective negated)."""
        data = {
            "probs": probs,
            "policy": policy,
            "logits": logits,
            "actions": actions,
            "rewards": rewards,
            "returns": returns,
            "gamma": gamma,
            "baseline": baseline,
            "reduction": reduction,
        }
        _run("reinforce", data, fmt, precision, window)
