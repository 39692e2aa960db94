"""Options every command shares: output format, precision, extra tables, output file, force.

Also the :class:`Typer` every command is registered on, whose commands show each argument by
its metavar (``Usage: rnnloss solve [OPTIONS] PATHS...``). Only typer is imported here, so
every command module can import it at start-up.
"""

import copy
import enum
import functools
import os
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from typer.core import TyperArgument, TyperCommand


@functools.cache
def _untyped(kind: type) -> type:
    """``kind`` (a click parameter type) showing no type name beside a metavar."""
    return type(f"Untyped{kind.__name__}", (kind,), {"get_metavar": lambda self, *a, **k: ""})


class Command(TyperCommand):
    """An rnnloss command: an argument with a metavar is shown by it alone, as click writes
    one: ``PATHS...`` in the usage line (an optional one ``[FOLDER]``), and no ``<str>``
    beside it in the arguments panel. Typer 0.28 wrote a required one ``{PATHS...}``, and
    one without a metavar ``{paths}...`` with ``<str>``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for param in self.params:
            if isinstance(param, TyperArgument) and param.metavar:
                param.type = copy.copy(param.type)
                param.type.__class__ = _untyped(type(param.type))

    def collect_usage_pieces(self, ctx: typer.Context) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if isinstance(param, TyperArgument) and param.metavar:
                pieces.append(param.metavar if param.required else f"[{param.metavar}]")
            else:
                pieces += param.get_usage_pieces(ctx)
        return pieces


class Typer(typer.Typer):
    """A ``typer.Typer`` whose commands are :class:`Command` unless one names its own."""

    def command(self, *args: Any, cls: Any = None, **kwargs: Any) -> Any:
        return super().command(*args, cls=cls or Command, **kwargs)


class OutputFormat(str, enum.Enum):
    rich = "rich"
    markdown = "markdown"
    json = "json"
    html = "html"


FormatOpt = Annotated[
    OutputFormat,
    typer.Option(
        "--format",
        "-f",
        metavar="FORMAT",  # the choices are in the help: <rich|markdown|json|html> split mid-word
        help="Output: rich tables, markdown, json or html (a self-contained page).",
    ),
]


def integer_option(flag: str, low: int, high: int | None = None) -> Callable[[str], int]:
    """The parser of the integer option ``flag``, from ``low`` to ``high`` (default 2^63 - 1):
    ASCII digits only, and one message for every bad value, however large
    (:func:`rnnloss_cli.flags.parse_integer`), on one line naming the flag as every flag
    error does (``error: --epochs: expected an integer between 1 and 10000, got ...``; exit
    2). Click's own said "is not in the range" up to 4300 digits and echoed the value whole,
    "is not a valid integer" past them."""

    def parse(text: str) -> int:
        from rnnloss_cli.cli.io import fail  # here, not at start-up (see the module's doc)
        from rnnloss_cli.errors import ProblemError
        from rnnloss_cli.flags import parse_integer

        if isinstance(text, int):  # a default, already a number
            return text
        try:
            return parse_integer(text, flag, low, high)
        except ProblemError as err:
            raise fail(err) from None

    return parse


def integer_metavar(low: int, high: int | None = None) -> str:
    """What the help shows for an integer option: ``<int range> [0<=x<=17]``, as click's."""
    return f"<int range> [{low}<=x<={high}]" if high is not None else f"<int range> [x>={low}]"


PrecisionOpt = Annotated[
    int,
    typer.Option(
        "--precision",
        "-p",
        parser=integer_option("--precision", 0, 17),
        metavar=integer_metavar(0, 17),
        help=(
            "Digits printed: decimals from 0.1 up, significant digits below 0.1; at most 15 "
            "significant digits (what a double holds)."
        ),
    ),
]
#: The ``--show`` name that colours trellis cells by value (a way to show, not a table).
SHOW_HEATMAP = "heatmap"
#: Every optional table a problem may have (``Table.optional``): CTC's and RNN-T's β table,
#: gradient and posterior. A name outside these is refused before anything is solved.
SHOW_TABLES = ("beta", "grad", "posterior")
ShowOpt = Annotated[
    Optional[list[str]],  # noqa: UP045 - typer needs Optional on Python 3.10
    typer.Option(
        "--show",
        metavar="TABLES",
        # No long comma list in the help: Rich cuts an unbreakable word to "…" on a narrow
        # terminal ("beta,grad,poster…" at 60 columns).
        help="Extra tables to show (CTC trellises): beta, grad, posterior; comma-separated "
        f"(--show beta,grad) or repeated; {SHOW_HEATMAP} colours trellis cells by value in "
        "the terminal.",
    ),
]


class OutputPath(type(Path())):  # PosixPath or WindowsPath: Path itself is abstract before 3.12
    """An ``-o`` path that remembers whether it was written as a folder.

    pathlib drops a trailing slash (``Path("newdir/")`` is ``newdir``), so ``-o newdir/``
    wrote a FILE named newdir. ``names_folder`` keeps what the user wrote: a name ending in
    ``/`` (or ``/.``) means a folder, which the commands writing one file refuse
    (:func:`rnnloss_cli.cli.io.check_output_path`)."""

    names_folder = False


def output_path(text: str) -> Path:
    """The ``-o`` value as an :class:`OutputPath`, its trailing slash remembered."""
    if isinstance(text, Path):  # a default, already a path
        return text
    if not text.strip():  # Path("") is ".": `-o "$OUT"` with OUT unset wrote into the folder
        what = "empty" if not text else "only spaces"
        raise typer.BadParameter(f"expected a file or folder name, got {text!r} ({what})")
    path = OutputPath(text)
    seps = tuple(s for s in (os.sep, os.altsep) if s)
    path.names_folder = text.endswith(seps) or text.endswith(tuple(s + "." for s in seps))
    return path


OutOpt = Annotated[
    Optional[Path],  # noqa: UP045
    typer.Option(
        "--output",
        "-o",
        parser=output_path,
        metavar="FILE",
        help="Write to this file (atomically) instead of standard output.",
    ),
]
ForceOpt = Annotated[
    bool,
    typer.Option("--force", help="Overwrite the output file if it exists (never an input)."),
]
WindowOpt = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option(
        "--window",
        metavar="ROWS[xCOLS]",
        help="How much of a long table to show: its first and last rows and columns "
        "(default 60x16).",
    ),
]
#: An optional text flag.
Text = Optional[str]  # noqa: UP045


def nonnegative_number(text: str) -> float:
    """A float option read as the comma-list flags read numbers (``flags.parse_number``):
    ASCII decimals only (click's float() reads ``1_0`` as 10), a nonzero number never read
    as 0 (``--clip 1e-400`` was 0, "no clipping"), not below 0; else a usage error. NaN and
    infinities go on to the command's own check, which names the flag as a field."""
    return _number_from(text, positive=False)


def positive_number(text: str) -> float:
    """:func:`nonnegative_number` with 0 refused too (``--lr``): a negative learning rate was
    told "expected a number >= 0", which sent the user to 0, refused next as not > 0."""
    return _number_from(text, positive=True)


def _number_from(text: str, *, positive: bool) -> float:
    from rnnloss_cli.errors import ProblemError
    from rnnloss_cli.flags import parse_number

    if isinstance(text, (int, float)):  # a default, already a number
        return float(text)
    try:
        value = float(parse_number(text, "value"))
    except ProblemError as err:
        raise typer.BadParameter(err.message) from None
    if value < 0 or (positive and value == 0):
        bound = "> 0" if positive else ">= 0"
        raise typer.BadParameter(f"expected a number {bound}, got {text.strip()!r}")
    return value


#: Why '-' may be named once among a command's paths: standard input (a pipe) is read once,
#: so a second '-' was silently dropped (``cat f.yaml | rnnloss solve - -`` solved it once).
STDIN_TWICE = "standard input (-) is named twice; it is read once: give files for the rest"


def stdin_once(paths: list[str] | None) -> list[str] | None:
    """Callback of every command's PATH... argument: '-' (standard input) at most once, else
    a usage error (exit 2, one ``error:`` line) before anything is read."""
    if paths and list(paths).count("-") > 1:
        from rnnloss_cli.cli.io import fail  # here, not at start-up (see the module's doc)

        raise fail(STDIN_TWICE)
    return paths
