"""``rnnloss ctc``: CTC from flags, every alignment of a target, and greedy decoding.

The flags form builds the same data a problem file holds and goes through the same parser
(``flags.problem_from_flags``), so its messages and checks are those of ``kind: ctc``.
Heavy modules (numpy, the engine, the solvers) are imported inside the commands.
"""

from __future__ import annotations

from typing import Annotated, Any, Optional

import typer

from rnnloss_cli.output import OutputFormat

#: Listing more alignments than this is refused (use the forward algorithm instead).
MAX_PATHS = 10_000

ctc_app = typer.Typer(
    name="ctc",
    help="CTC loss: listed alignments (the handout's method), exact CTC, paths, decoding.",
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
)

# The shared output options, as in cli.py (declared here too: cli.py imports this module).
FormatOpt = Annotated[
    OutputFormat, typer.Option("--format", "-f", help="Output: rich tables, markdown or json.")
]
PrecisionOpt = Annotated[
    int, typer.Option("--precision", "-p", min=0, max=17, help="Digits printed after the point.")
]
ShowOpt = Annotated[
    Optional[list[str]],  # noqa: UP045 - typer needs Optional on Python 3.10
    typer.Option("--show", help="Extra tables to show: beta, grad."),
]
BlankOpt = Annotated[str, typer.Option("--blank", help="The blank symbol.")]
ProbsOpt = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option("--probs", help="Per-frame probabilities, e.g. H=0.6,E=0.5,L=0.7,O=0.8,-=0.2."),
]
Text = Optional[str]  # noqa: UP045

FLAGS_EPILOG = (
    "Example: rnnloss ctc --target HELLO --probs H=0.6,E=0.5,L=0.7,O=0.8,-=0.2 "
    "--alignment H-E-L-L-O --alignment HE-L-L-O"
)


def _rows(text: str, flag: str) -> Any:
    """Matrix flags: one row (no ';') is still a T x K matrix with T = 1."""
    from rnnloss_cli.flags import parse_numbers

    value = parse_numbers(text, flag)
    return value if isinstance(value[0], list) else [value]


@ctc_app.callback(invoke_without_command=True, epilog=FLAGS_EPILOG)
def ctc(
    ctx: typer.Context,
    target: Annotated[Text, typer.Option("--target", help="Target labels, e.g. HELLO.")] = None,
    probs: ProbsOpt = None,
    alignment: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option("--alignment", "-a", help="A listed alignment (repeatable), e.g. H-E-L-L-O."),
    ] = None,
    frames: Annotated[
        Optional[int],  # noqa: UP045
        typer.Option("--frames", "-T", help="Number of input frames T (for exact CTC)."),
    ] = None,
    blank: BlankOpt = "-",
    method: Annotated[Text, typer.Option("--method", help="listed or exact.")] = None,
    emissions: Annotated[
        Text, typer.Option("--emissions", help="T x K probabilities, rows split by ';'.")
    ] = None,
    logits: Annotated[
        Text, typer.Option("--logits", help="T x K logits (softmax per frame).")
    ] = None,
    symbols: Annotated[
        Text, typer.Option("--symbols", help="Names of the K columns, e.g. -,A,B.")
    ] = None,
    fmt: FormatOpt = OutputFormat.rich,
    precision: PrecisionOpt = 3,
    show: ShowOpt = None,
) -> None:
    """Solve a CTC problem given by flags (listed alignments and/or exact CTC)."""
    if ctx.invoked_subcommand is not None:
        return
    from rnnloss_cli.cli import emit, fail, guarded

    if target is None:
        if probs is alignment is emissions is logits is None:
            typer.echo(ctx.get_help())
            raise typer.Exit(0)
        raise fail(ValueError("give the target labels with --target, e.g. --target HELLO"))

    def build() -> Any:
        from rnnloss_cli.flags import parse_mapping, problem_from_flags
        from rnnloss_cli.solve import solve as run_solver

        data: dict[str, Any] = {
            "kind": "ctc",
            "title": f"CTC for {target} (flags)",
            "target": target,
            "blank": blank,
            "method": method,
            "frames": frames,
            "alignments": list(alignment) if alignment else None,
            "probs": parse_mapping(probs, "probs") if probs is not None else None,
            "emissions": _rows(emissions, "emissions") if emissions is not None else None,
            "logits": _rows(logits, "logits") if logits is not None else None,
            "symbols": symbols.split(",") if symbols is not None else None,
        }
        return run_solver(problem_from_flags(data))

    emit([guarded(build)], fmt, precision, frozenset(show or ()))


@ctc_app.command(epilog="Example: rnnloss ctc paths AB --frames 3 --probs A=0.5,B=0.3,-=0.2")
def paths(
    target: Annotated[str, typer.Argument(help="Target labels, e.g. AB (one symbol a character).")],
    frames: Annotated[int, typer.Option("--frames", "-T", min=1, help="Number of frames T.")],
    probs: ProbsOpt = None,
    blank: BlankOpt = "-",
    fmt: FormatOpt = OutputFormat.rich,
    precision: PrecisionOpt = 3,
) -> None:
    """List every alignment of TARGET over T frames (and, with --probs, its probability).

    With probabilities, the sum over the listed paths is compared with the forward algorithm;
    they are the same number computed two ways.
    """
    from rnnloss_cli.cli import emit, guarded

    emit([guarded(lambda: _paths_result(target, frames, probs, blank))], fmt, precision)


def _flag_error(message: str, flag: str) -> Exception:
    from rnnloss_cli.errors import ProblemError
    from rnnloss_cli.flags import FLAGS_FILE

    return ProblemError(message, file=FLAGS_FILE, field=flag)


def _paths_result(target: str, frames: int, probs_text: str | None, blank: str) -> Any:
    import math

    import numpy as np

    from rnnloss_cli.engine.ctc import ctc_path_count, ctc_paths, ctc_trace
    from rnnloss_cli.engine.ctc_listed import min_frames
    from rnnloss_cli.flags import parse_mapping
    from rnnloss_cli.result import Result, Step, Table

    labels = list(target)
    if blank in labels:
        raise _flag_error(f"the blank {blank!r} cannot be part of the target", "TARGET")
    probs: dict[str, float] | None = None
    if probs_text is not None:
        probs = {str(k): v for k, v in parse_mapping(probs_text, "--probs").items()}
        for s in [*labels, blank]:
            if s not in probs:
                raise _flag_error(f"no probability for symbol {s!r}", "--probs")
        for s, v in probs.items():
            if isinstance(v, bool) or not 0 <= v <= 1:
                raise _flag_error(f"probability of {s!r} is {v}, not in [0, 1]", "--probs")
    count = int(ctc_path_count(labels, frames))
    if count > MAX_PATHS:
        raise _flag_error(
            f"{target} has {count:,} alignments over {frames} frames; listing stops at "
            f"{MAX_PATHS:,} (use fewer frames, or 'rnnloss ctc --target ... --frames ...' for "
            "the forward algorithm)",
            "--frames",
        )
    all_paths = [tuple(p) for p in ctc_paths(labels, frames, blank=blank)]
    r = Result("ctc", f"alignments of {target} over {frames} frames", math.nan, unit="")
    need, _ = min_frames(labels)
    r.steps.append(
        Step(
            "count",
            "{n} alignments (paths π with B(π) = " + target + "; at least {need} frames needed)",
            {"n": count, "need": need},
        )
    )
    r.figures["alignments"] = count
    if count != len(all_paths):
        r.warnings.append(f"ctc_path_count gives {count} but {len(all_paths)} were enumerated")
    if probs is None:
        r.tables.append(
            Table("alignments", ["#", "π"], [[i + 1, "".join(p)] for i, p in enumerate(all_paths)])
        )
        r.notes.append("give --probs to see each path's probability and the total")
        return r
    products = [math.prod(probs[s] for s in p) for p in all_paths]
    total = math.fsum(products)
    r.tables.append(
        Table(
            "alignments and their probabilities",
            ["#", "π", "Π_t y(π_t)"],
            [
                [i + 1, "".join(p), q]
                for i, (p, q) in enumerate(zip(all_paths, products, strict=True))
            ],
        )
    )
    r.steps.append(
        Step(
            "sum over every alignment",
            "p = {terms|+} = {value}",
            {"terms": products, "value": total},
        )
    )
    symbols = list(probs)
    with np.errstate(divide="ignore"):
        log_probs = np.tile(np.log(np.array([probs[s] for s in symbols])), (frames, 1))
    idx = np.array([symbols.index(s) for s in labels], dtype=np.int64)
    forward = math.exp(ctc_trace(log_probs, idx, blank=symbols.index(blank)).log_likelihood)
    r.steps.append(Step("forward algorithm", "α_T(S') + α_T(S'−1) = {value}", {"value": forward}))
    if not math.isclose(total, forward, rel_tol=1e-9, abs_tol=1e-300):
        r.warnings.append(f"the path sum {total!r} and the forward value {forward!r} differ")
    if abs(sum(probs.values()) - 1) > 1e-6:
        r.notes.append(
            f"the probabilities sum to {sum(probs.values()):.6g}, not 1, so this total is not a "
            "probability; the two computations still agree"
        )
    r.loss = math.inf if total <= 0 else -math.log(total)
    r.unit = "nats"
    r.figures = {"loss": r.loss, "alignments": count}
    return r


@ctc_app.command(
    epilog="Example: rnnloss ctc decode --emissions '0.1,0.8,0.1;0.6,0.3,0.1;0.1,0.2,0.7' "
    "--symbols '-,A,B'"
)
def decode(
    emissions: Annotated[
        Text, typer.Option("--emissions", help="T x K probabilities, rows split by ';'.")
    ] = None,
    symbols: Annotated[
        str, typer.Option("--symbols", help="Names of the K columns, e.g. -,A,B.")
    ] = "",
    logits: Annotated[Text, typer.Option("--logits", help="T x K logits instead.")] = None,
    blank: BlankOpt = "-",
    fmt: FormatOpt = OutputFormat.rich,
    precision: PrecisionOpt = 3,
) -> None:
    """Greedy (best-path) decoding: the most likely symbol per frame, then the collapse B."""
    from rnnloss_cli.cli import emit, guarded

    emit([guarded(lambda: _decode_result(emissions, logits, symbols, blank))], fmt, precision)


def _decode_result(emissions: str | None, logits: str | None, symbols: str, blank: str) -> Any:
    import math

    import numpy as np

    from rnnloss_cli.engine.ctc import ctc_greedy_decode
    from rnnloss_cli.result import Result, Step, Table

    if (emissions is None) == (logits is None):
        raise _flag_error("give one of --emissions or --logits", "--emissions")
    flag = "--emissions" if emissions is not None else "--logits"
    names = [s.strip() for s in symbols.split(",")] if symbols else []
    if not names or any(not s for s in names) or len(set(names)) != len(names):
        raise _flag_error("give distinct column names, e.g. --symbols '-,A,B'", "--symbols")
    if blank not in names:
        raise _flag_error(f"the blank {blank!r} is not among the symbols", "--symbols")
    m = np.asarray(_rows(emissions if emissions is not None else logits, flag), dtype=float)
    if m.ndim != 2:
        raise _flag_error("rows of different lengths", flag)
    if m.shape[1] != len(names):
        raise _flag_error(f"{m.shape[1]} columns but {len(names)} symbols", flag)
    if logits is not None:
        z = np.exp(m - m.max(axis=1, keepdims=True))
        m = z / z.sum(axis=1, keepdims=True)
    elif np.any((m < 0) | (m > 1)):
        raise _flag_error("probabilities must lie in [0, 1]", flag)
    best_idx, collapsed_idx = ctc_greedy_decode(m, blank=names.index(blank))
    best = list(best_idx)
    path = [names[k] for k in best]
    collapsed = [names[k] for k in collapsed_idx]
    factors = [float(m[t, k]) for t, k in enumerate(best)]
    p_best = math.prod(factors)
    r = Result("ctc", "greedy (best-path) decoding", math.nan, unit="nats")
    styles = {(t, 1 + k): "highlight" for t, k in enumerate(best)}
    r.tables.append(
        Table(
            "per-frame probabilities (highlighted: the most likely symbol)",
            ["t", *names, "best"],
            [[t + 1, *map(float, m[t]), path[t]] for t in range(m.shape[0])],
            styles,
        )
    )
    r.steps.append(Step("best path π*", " ".join(path)))
    r.steps.append(
        Step("collapse B(π*)", "merge repeats, drop blanks: " + ("".join(collapsed) or "(empty)"))
    )
    r.steps.append(Step("P(π*)", "{factors|*} = {value}", {"factors": factors, "value": p_best}))
    r.loss = math.inf if p_best <= 0 else -math.log(p_best)
    r.figures = {"loss": r.loss}
    r.notes.append(
        "loss here is −ln P(π*), the best path's negative log-probability; the best path's "
        "collapse need not be the most likely labelling (that sums over all its alignments)"
    )
    return r
