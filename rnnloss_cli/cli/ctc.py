"""``rnnloss ctc``: CTC from flags, every alignment of a target, and greedy decoding.

The flags form builds the same data a problem file holds and goes through the same parser
(``flags.problem_from_flags``), so its messages and checks are those of ``kind: ctc``.
Heavy modules (numpy, the engine, the solvers) are imported inside the commands.
"""

from typing import Annotated, Any, Optional

import typer

from rnnloss_cli.cli.io import fail
from rnnloss_cli.cli.options import (
    FormatOpt,
    OutputFormat,
    PrecisionOpt,
    ShowOpt,
    Text,
    Typer,
    WindowOpt,
    integer_metavar,
    integer_option,
    nonnegative_number,
)
from rnnloss_cli.cli.output import solve_and_emit

ctc_app = Typer(
    name="ctc",
    help="CTC loss: listed alignments (the handout's method), exact CTC, paths, decoding.",
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
)

BlankOpt = Annotated[str, typer.Option("--blank", metavar="SYMBOL", help="The blank symbol.")]
#: The frames' table, as ctc, ctc decode and ctc align take it: probabilities or logits, and
#: the names of its columns.
EmissionsOpt = Annotated[
    Text,
    typer.Option("--emissions", metavar="PROBS", help="T x K probabilities, rows split by ';'."),
]
LogitsOpt = Annotated[
    Text,
    typer.Option("--logits", metavar="LOGITS", help="T x K logits instead (softmax per frame)."),
]
_SYMBOLS = typer.Option("--symbols", metavar="SYMBOLS", help="Names of the K columns, e.g. -,A,B.")
SymbolsOpt = Annotated[str, _SYMBOLS]
ProbsOpt = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option(
        "--probs",
        metavar="SYMBOL=P,...",
        help="Each symbol's probability at every frame, e.g. H=0.6,-=0.4.",
    ),
]
#: The flags one row of which (no ';') is read as a T = 1 matrix.
MATRICES = ("emissions", "logits")
FLAGS_EPILOG = "Example: rnnloss ctc --target AB --probs A=0.5,B=0.3,-=0.2 -a A-B -a AB-"


def _rows(text: str, flag: str) -> Any:
    """Matrix flags: one row (no ';') is still a T x K matrix with T = 1."""
    from rnnloss_cli.flags import parse_numbers

    value = parse_numbers(text, flag)
    return value if isinstance(value[0], list) else [value]


@ctc_app.callback(invoke_without_command=True, epilog=FLAGS_EPILOG)
def ctc(
    ctx: typer.Context,
    target: Annotated[
        Text, typer.Option("--target", metavar="LABELS", help="Target labels, e.g. HELLO.")
    ] = None,
    probs: ProbsOpt = None,
    alignment: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option(
            "--alignment",
            "-a",
            metavar="ALIGNMENT",
            help="A listed alignment (repeatable), e.g. H-E-L-L-O.",
        ),
    ] = None,
    frames: Annotated[
        Optional[int],  # noqa: UP045
        typer.Option(
            "--frames",
            "-T",
            parser=integer_option("--frames", 1),
            metavar=integer_metavar(1),
            help="Number of input frames T (for exact CTC).",
        ),
    ] = None,
    blank: BlankOpt = "-",
    method: Annotated[
        Text, typer.Option("--method", metavar="NAME", help="listed or exact.")
    ] = None,
    emissions: EmissionsOpt = None,
    logits: LogitsOpt = None,
    symbols: Annotated[Text, _SYMBOLS] = None,
    fmt: FormatOpt = OutputFormat.rich,
    precision: PrecisionOpt = 3,
    show: ShowOpt = None,
    window: WindowOpt = None,
) -> None:
    """Solve a CTC problem given by flags (listed alignments and/or exact CTC)."""
    if ctx.invoked_subcommand is not None:
        return
    if target is None:
        if probs is alignment is emissions is logits is None:
            typer.echo(ctx.get_help())
            raise typer.Exit(2)  # like bare `rnnloss`: usage shown, nothing done
        from rnnloss_cli.flags import flag_error

        raise fail(flag_error("give the target labels, e.g. --target HELLO", "--target"))

    def build(win: Any) -> Any:
        from rnnloss_cli.flags import flags_named

        typed = {"target": target, "probs": probs, "method": method, "emissions": emissions}
        more = {"logits": logits, "symbols": symbols, "blank": blank, "frames": frames}
        with flags_named({**typed, **more, "alignments": alignment}, matrices=MATRICES):
            return _solve_ctc(win)

    def _solve_ctc(win: Any) -> Any:
        from rnnloss_cli.flags import parse_mapping, problem_from_flags
        from rnnloss_cli.solve import solve as run_solver
        from rnnloss_cli.solve._beyond import cut_word

        data: dict[str, Any] = {
            "kind": "ctc",
            # the target cut as a derivation cuts it: quoted whole, 10,000 labels made a
            # title past MAX_META_CHARS, refused as a --title that no one gave
            "title": f"CTC for {cut_word(target)} (flags)",
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
        return run_solver(problem_from_flags(data), window=win)

    solve_and_emit(build, fmt, precision, show, window)


@ctc_app.command(epilog="Example: rnnloss ctc paths A -T 3 --probs A=0.6,-=0.4")
def paths(
    target: Annotated[
        str,
        typer.Argument(metavar="TARGET", help="Target labels, e.g. AB (one symbol a character)."),
    ],
    frames: Annotated[
        int,
        typer.Option(
            "--frames",
            "-T",
            parser=integer_option("--frames", 1),
            metavar=integer_metavar(1),
            help="Number of frames T.",
        ),
    ],
    probs: ProbsOpt = None,
    blank: BlankOpt = "-",
    fmt: FormatOpt = OutputFormat.rich,
    precision: PrecisionOpt = 3,
    window: WindowOpt = None,
) -> None:
    """List every alignment of TARGET over T frames (and, with --probs, its probability).

    With probabilities, the sum over the listed paths is compared with the forward algorithm;
    they are the same number computed two ways.
    """

    def build(win: Any) -> Any:
        from rnnloss_cli.flags import flags_named, parse_mapping
        from rnnloss_cli.solve.ctc_tools import paths_result

        with flags_named({"probs": probs, "blank": blank, "frames": frames}, {"target": "TARGET"}):
            table = parse_mapping(probs, "--probs") if probs is not None else None
            return paths_result(target, frames, table, blank, window=win)

    solve_and_emit(build, fmt, precision, window=window)


@ctc_app.command(epilog="Example: rnnloss ctc decode --emissions '0.2,0.8;0.6,0.4' --symbols -,A")
def decode(
    emissions: EmissionsOpt = None,
    symbols: SymbolsOpt = "",
    logits: LogitsOpt = None,
    blank: BlankOpt = "-",
    beam: Annotated[
        Optional[int],  # noqa: UP045
        typer.Option(
            "--beam",
            parser=integer_option("--beam", 1),
            metavar=integer_metavar(1),
            help="Also run prefix beam search of this width: the beam at every frame "
            "(prefix, p_b, p_nb, total), compared with greedy.",
        ),
    ] = None,
    lexicon: Annotated[
        Text,
        typer.Option(
            "--lexicon",
            metavar="WORDS",
            help="Beam search only spells these words, comma-separated (e.g. cat,cab).",
        ),
    ] = None,
    separator: Annotated[
        Text,
        typer.Option(
            "--separator", metavar="SYMBOL", help="The symbol between lexicon words (e.g. _)."
        ),
    ] = None,
    lm: Annotated[
        Text,
        typer.Option(
            "--lm",
            metavar="FILE",
            help="Character n-gram LM file: lines 'ngram<TAB>ln probability' (shallow fusion).",
        ),
    ] = None,
    lm_weight: Annotated[
        Optional[float],  # noqa: UP045
        typer.Option(
            "--lm-weight",
            parser=nonnegative_number,
            metavar="FLOAT",
            help="The LM's weight λ (default 1).",
        ),
    ] = None,
    fmt: FormatOpt = OutputFormat.rich,
    precision: PrecisionOpt = 3,
    window: WindowOpt = None,
) -> None:
    """Greedy (best-path) decoding: the most likely symbol per frame, then the collapse B.

    With --beam N, prefix beam search as well (kind ctc_decode), compared with greedy; a
    --lexicon or an --lm implies beam search (width 4 unless --beam says).
    """

    def build(win: Any) -> Any:
        from rnnloss_cli.flags import flags_named

        typed = {"emissions": emissions, "logits": logits, "symbols": symbols, "blank": blank}
        more = {"lexicon": lexicon, "separator": separator, "lm_weight": lm_weight, "beam": beam}
        with flags_named({**typed, **more}, matrices=MATRICES):
            return _decode(win)

    def _decode(win: Any) -> Any:
        from rnnloss_cli.flags import flag_error
        from rnnloss_cli.problem.align import DEFAULT_BEAM

        options = {
            "lexicon": lexicon.split(",") if lexicon is not None else None,
            "separator": separator,
            "lm": _lm_file(lm, symbols, blank) if lm is not None else None,
            "lm_weight": lm_weight,
        }
        if beam is not None or any(v is not None for v in options.values()):
            return _beam_decode(
                emissions, logits, symbols, blank, beam or DEFAULT_BEAM, win, options
            )
        from rnnloss_cli.solve.ctc_tools import decode_result

        if (emissions is None) == (logits is None):
            raise flag_error("give one of --emissions or --logits", "--emissions")
        flag = "--emissions" if emissions is not None else "--logits"
        names = _checked_symbols(symbols, blank)
        matrix = _checked_rows(emissions, logits, len(names))
        from_logits = logits is not None
        return decode_result(matrix, names, blank, from_logits=from_logits, flag=flag, window=win)

    solve_and_emit(build, fmt, precision, window=window, inputs=[lm] if lm is not None else [])


def _checked_symbols(symbols: str, blank: str) -> list[str]:
    """The greedy decoder's column names, checked in the words (and order) of the beam form's
    parser (``problem.align.read_frames``), so that ``--symbols A,A`` or a blank missing from
    them reads alike with or without --beam (greedy said 'give distinct column names' and
    named --symbols for a missing blank, where --beam names --blank)."""
    from rnnloss_cli.flags import FLAGS_FILE, flag_error
    from rnnloss_cli.problem.ctc import _symbol_seq
    from rnnloss_cli.problem.fields import Fields

    if not symbols:
        raise flag_error("name the columns, e.g. --symbols '-,A,B'", "--symbols")
    names = [x.strip() for x in symbols.split(",")]
    f = Fields({"symbols": names, "blank": blank}, {}, FLAGS_FILE)
    checked = list(_symbol_seq(f, names, "symbols"))
    if len(set(checked)) != len(checked):
        raise f.error("each symbol may appear once", "symbols")
    if blank not in checked:
        raise f.error(f"the blank {blank!r} is missing from symbols", "blank")
    return checked


def _checked_rows(emissions: str | None, logits: str | None, n_symbols: int) -> Any:
    """The greedy decoder's matrix, each number checked as the beam form checks it (the same
    parser's array check), so that a bad row or item is named alike with or without --beam:
    ``--emissions, row 3: ragged rows ...``, ``--emissions, row 2, item 2: ... finite``,
    ``--logits: logits has 3 columns but --symbols names 2``."""
    from rnnloss_cli.flags import FLAGS_FILE
    from rnnloss_cli.problem.fields import Fields
    from rnnloss_cli.problem.rnnt import probabilities

    key = "emissions" if emissions is not None else "logits"
    matrix = _rows(emissions if emissions is not None else logits, key)
    f = Fields({key: matrix}, {}, FLAGS_FILE)
    if key == "emissions":
        checked = probabilities(f, matrix, key, ndims=(2,))
        # as read_frames checks them (greedy alone printed p(π*) of frames summing to 1.8)
        f.check_distribution_rows(checked, key, where=lambda idx: f"frame {idx[0] + 1}")
    else:
        checked = f.check_array(matrix, key, ndims=(2,))
    if checked.shape[1] != n_symbols:
        raise f.error(
            f"{key} has {checked.shape[1]} columns but {n_symbols} symbols are named", key
        )
    return checked.tolist()


def _lm_file(path: str, symbols: str, blank: str) -> dict[str, float]:
    """The n-grams of an --lm file, each symbol checked by the parser against --symbols and
    the blank, so that a bad one is reported at its file and line."""
    from rnnloss_cli.problem.align import read_lm_file

    names = [x.strip() for x in symbols.split(",")] if symbols else None
    return read_lm_file(path, symbols=names, blank=blank)


def _frame_data(emissions: str | None, logits: str | None, symbols: str) -> dict[str, Any]:
    """The symbols and emissions or logits of a ctc_align / ctc_decode problem, from flags."""
    from rnnloss_cli.flags import flag_error

    if (emissions is None) == (logits is None):
        raise flag_error("give one of --emissions or --logits", "--emissions")
    if not symbols:
        raise flag_error("name the columns, e.g. --symbols '-,A,B'", "--symbols")
    return {
        "symbols": [x.strip() for x in symbols.split(",")],
        "emissions": _rows(emissions, "emissions") if emissions is not None else None,
        "logits": _rows(logits, "logits") if logits is not None else None,
    }


def _beam_decode(
    emissions: str | None,
    logits: str | None,
    symbols: str,
    blank: str,
    beam: int,
    win: Any,
    options: dict[str, Any],
) -> Any:
    from rnnloss_cli.flags import problem_from_flags
    from rnnloss_cli.solve import solve as run_solver

    data = {
        "kind": "ctc_decode",
        "title": f"greedy vs beam search (width {beam}) (flags)",
        "blank": blank,
        "beam": beam,
        **_frame_data(emissions, logits, symbols),
        **options,
    }
    return run_solver(problem_from_flags(data), window=win)


@ctc_app.command(
    epilog="Example: rnnloss ctc align AB --logits '0,2,0;1,1,0;0,0,2' --symbols -,A,B"
)
def align(
    target: Annotated[
        str,
        typer.Argument(metavar="TARGET", help="Target labels, e.g. AB (one symbol a character)."),
    ],
    emissions: EmissionsOpt = None,
    symbols: SymbolsOpt = "",
    logits: LogitsOpt = None,
    blank: BlankOpt = "-",
    fmt: FormatOpt = OutputFormat.rich,
    precision: PrecisionOpt = 3,
    window: WindowOpt = None,
) -> None:
    """Forced alignment (Viterbi): the best alignment of TARGET, its table and token spans.

    The Viterbi table δ_t(s) with back-pointers, the best path, each label's frames, and the
    gap between the best path and p(l|x), the sum over every alignment.
    """

    def build(win: Any) -> Any:
        from rnnloss_cli.flags import flags_named, problem_from_flags
        from rnnloss_cli.solve import solve as run_solver

        typed = {"emissions": emissions, "logits": logits, "symbols": symbols, "blank": blank}
        with flags_named(typed, {"target": "TARGET"}, MATRICES):
            return _align(win, problem_from_flags, run_solver)

    def _align(win: Any, problem_from_flags: Any, run_solver: Any) -> Any:
        from rnnloss_cli.solve._beyond import cut_word

        data = {
            "kind": "ctc_align",
            "title": f"forced alignment of {cut_word(target)} (flags)",
            "target": target,
            "blank": blank,
            **_frame_data(emissions, logits, symbols),
        }
        return run_solver(problem_from_flags(data), window=win)

    solve_and_emit(build, fmt, precision, window=window)
