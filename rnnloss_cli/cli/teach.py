"""Teaching commands: ``new`` (problem template), ``sheet``, ``explain`` and ``train``.

``register(app)`` adds them to the main Typer app. Only typer is imported at module level;
everything heavy is imported inside the commands.
"""

import enum
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from rnnloss_cli.cli.io import (
    fail,
    guarded,
    refuse_stdout_onto,
    write_file,
    write_markup,
    write_stdout,
)
from rnnloss_cli.cli.options import (
    ForceOpt,
    FormatOpt,
    OutOpt,
    OutputFormat,
    PrecisionOpt,
    WindowOpt,
    integer_metavar,
    integer_option,
    nonnegative_number,
    positive_number,
    stdin_once,
)
from rnnloss_cli.limits import MAX_EPOCHS


class SheetFormat(str, enum.Enum):
    markdown = "markdown"
    latex = "latex"
    html = "html"


class Paper(str, enum.Enum):
    a4 = "a4"
    letter = "letter"


class ExplainFormat(str, enum.Enum):
    rich = "rich"
    markdown = "markdown"


class TrainLoss(str, enum.Enum):
    mse = "mse"
    cross_entropy = "cross-entropy"
    ctc = "ctc"
    sequence_hinge = "sequence-hinge"
    #: the same loss under its older command name (an alias)
    hinge_seq = "hinge-seq"
    reinforce = "reinforce"


class Optimizer(str, enum.Enum):
    sgd = "sgd"
    adam = "adam"


def _write(
    text: str, output: Path | None, *, force: bool, inputs: list[str] = (), markup: bool = False
) -> None:
    """Write ``text`` to ``output`` (safely: see cli.io.write_file), or to standard output
    (``markup``: HTML, whose non-ASCII characters become references on an ASCII stdout)."""
    if output is None:
        refuse_stdout_onto(lambda: inputs)  # `sheet f.yaml >> f.yaml`, as -o onto it
        (write_markup if markup else write_stdout)(text)
    else:
        write_file(text, output, force=force, inputs=inputs)


def new(
    kind: Annotated[
        str, typer.Argument(metavar="KIND", help="Problem kind, e.g. mse, hinge, ctc.")
    ],
    output: OutOpt = None,
    force: ForceOpt = False,
) -> None:
    """Write a commented template problem file for KIND (a worked example to edit)."""
    from rnnloss_cli.templates import canonical_kind, render_template, template_kinds

    try:
        text = render_template(canonical_kind(kind))
    except KeyError:
        import difflib

        close = difflib.get_close_matches(kind, template_kinds(), n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        raise fail(
            f"no template for kind {kind!r}; {hint}templates: {', '.join(template_kinds())}"
        ) from None
    _write(text, output, force=force)


def sheet(
    paths: Annotated[
        list[str],
        typer.Argument(metavar="PATHS...", help="Problem files or folders.", callback=stdin_once),
    ],
    fmt: Annotated[
        Optional[SheetFormat],  # noqa: UP045
        typer.Option(
            "--format",
            "-f",
            metavar="FORMAT",
            help="markdown, latex or html (one printable page); default: the -o file's "
            "suffix (.md, .tex, .html), else markdown.",
            show_default=False,
        ),
    ] = None,
    solutions: Annotated[
        bool, typer.Option("--solutions", help="Include the derivations and the keys.")
    ] = False,
    precision: PrecisionOpt = 3,
    title: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(
            "--title", metavar="TEXT", help="Sheet title (default: Problem sheet / Solutions)."
        ),
    ] = None,
    paper: Annotated[
        Optional[Paper],  # noqa: UP045
        typer.Option(
            "--paper",
            help="The paper a LaTeX or HTML sheet is laid out for: a4 (the default) or letter.",
            show_default=False,
        ),
    ] = None,
    window: WindowOpt = None,
    output: OutOpt = None,
    force: ForceOpt = False,
) -> None:
    """A question sheet (givens and tasks, no answers) or, with --solutions, a solution sheet."""
    from rnnloss_cli.cli.io import check_output_path, fail_if_keys_disagree, say
    from rnnloss_cli.cli.output import format_for_output, parse_window
    from rnnloss_cli.problem import input_files, problem_files
    from rnnloss_cli.sheet import build_sheet_checked, sheet_warnings

    win = guarded(lambda: parse_window(window))
    if not guarded(lambda: problem_files(paths)):
        raise fail(f"no problem files (*.yaml, *.yml) in {', '.join(paths)}")
    if fmt is None and output is not None:
        _refuse_foreign_suffix(output)
    if output is not None:  # a refused path is the only line (a suffix warning came first)
        # against the paths as given: listing the files custom terms name reads the inputs,
        # which would empty a pipe (<(cat p.yaml)) before the sheet reads it
        check_output_path(output, force=force, inputs=paths)
    asked = None if fmt is None else fmt.value
    chosen = format_for_output(output, asked, ("markdown", "latex", "html")) or "markdown"
    if paper is not None and chosen == "markdown":  # said, not silently dropped
        say("warning: --paper lays out a LaTeX or HTML sheet; a markdown sheet has no paper")
    text, bad = guarded(
        lambda: build_sheet_checked(
            paths,
            chosen,
            solutions=solutions,
            precision=precision,
            title=title if title and title.strip() else None,  # blanks: no title, as ''
            window=win,
            paper=(paper or Paper.a4).value,
        )
    )
    _write(text, output, force=force, inputs=input_files(paths), markup=chosen == "html")
    for warning in sheet_warnings(text, chosen):
        say(f"warning: {warning}", one_line=True)
    fail_if_keys_disagree(bad)  # the sheet is written in full first


def _refuse_foreign_suffix(output: Any) -> None:
    """``sheet -o sheet.pdf`` (or .json) without --format: a sheet is never written in that
    format, and markdown under that name is not what was asked (it was written silently)."""
    from pathlib import PurePath

    from rnnloss_cli.cli.output import SUFFIX_FORMATS

    suffix = PurePath(str(output)).suffix.lower()
    if suffix == ".pdf" or SUFFIX_FORMATS.get(suffix, "markdown") not in SheetFormat.__members__:
        raise fail(
            f"-o {output}: a sheet is markdown, latex or html; name the file .md, .tex or "
            ".html, or give --format (for a PDF, print the html or compile the latex)"
        )


def explain(
    loss: Annotated[
        Optional[str],  # noqa: UP045
        typer.Argument(
            metavar="LOSS",
            help="A loss: mse, bce, nll, cce, hinge, ctc, sequence, ... (none: all).",
        ),
    ] = None,
    fmt: Annotated[
        ExplainFormat, typer.Option("--format", "-f", help="rich (terminal) or markdown.")
    ] = ExplainFormat.rich,
) -> None:
    """Explain a loss: definition, formula, use, PyTorch/Keras/optax conventions, pitfalls."""
    from rnnloss_cli.explain import EXPLANATIONS, explain_markdown, explain_rich, find

    if loss is not None:
        try:
            find(loss)
        except KeyError:
            raise fail(f"unknown loss {loss!r}; known: {', '.join(EXPLANATIONS)}") from None
    if fmt is ExplainFormat.markdown:
        write_stdout(explain_markdown(loss))
        return
    from rnnloss_cli.cli.io import console

    explain_rich(console(), loss)


def train(
    loss: Annotated[
        TrainLoss,
        typer.Option(
            "--loss",
            "-l",
            metavar="LOSS",
            help=(
                "Which loss (and generated task) to train: mse, cross-entropy, ctc, "
                "sequence-hinge (alias hinge-seq) or reinforce."
            ),
        ),
    ] = TrainLoss.mse,
    epochs: Annotated[
        Optional[int],  # noqa: UP045
        typer.Option(
            "--epochs",
            "-e",
            parser=integer_option("--epochs", 1, MAX_EPOCHS),
            metavar=integer_metavar(1, MAX_EPOCHS),
            help="Epochs (default: the task's own).",
        ),
    ] = None,
    seed: Annotated[
        int,
        typer.Option(
            "--seed",
            "-s",
            parser=integer_option("--seed", 0),
            metavar=integer_metavar(0),
            help="Random seed (runs are reproducible).",
        ),
    ] = 0,
    optimizer: Annotated[
        Optimizer, typer.Option("--optimizer", help="sgd (with momentum) or adam.")
    ] = Optimizer.adam,
    clip: Annotated[
        float,
        typer.Option(
            "--clip",
            parser=nonnegative_number,
            metavar="FLOAT",
            help="Max global gradient norm (0: no clipping).",
        ),
    ] = 1.0,
    lr: Annotated[
        Optional[float],  # noqa: UP045
        typer.Option(
            "--lr",
            parser=positive_number,
            metavar="FLOAT",
            help="Learning rate > 0 (default: per task and optimizer).",
        ),
    ] = None,
    fmt: FormatOpt = OutputFormat.rich,
    precision: PrecisionOpt = 4,
    window: WindowOpt = None,
    output: OutOpt = None,
    force: ForceOpt = False,
) -> None:
    """Train a tiny numpy Elman RNN with BPTT on a generated task for the chosen loss.

    mse: sine forecasting; cross-entropy: next symbol of a repeating pattern; ctc: spelling
    words from noisy frames; sequence-hinge (alias hinge-seq): sign of the running sum;
    reinforce: remember a cue. ``--format html -o run.html`` writes a page with the loss
    curve, the settings and the table of epochs (markdown and json give the same report).
    """
    from rnnloss_cli.cli.io import console

    name = "hinge-seq" if loss is TrainLoss.sequence_hinge else loss.value
    settings = {"epochs": epochs, "seed": seed, "optimizer": optimizer.value, "clip": clip or None}
    if output is not None:
        from rnnloss_cli.cli.io import check_output_path
        from rnnloss_cli.cli.output import output_format

        check_output_path(output, force=force)  # first: a refused path is the only line
        fmt = output_format(fmt, output)  # rich: the file name's suffix chooses
    if fmt is OutputFormat.rich:
        from rnnloss_cli.cli.output import parse_window
        from rnnloss_cli.train.run import run_and_show

        win = guarded(lambda: parse_window(window))
        rows = None if win is None else win.rows
        guarded(
            lambda: run_and_show(
                name, **settings, lr=lr, console=console(), precision=precision, max_rows=rows
            )
        )
        return
    _train_page(name, settings, lr, fmt, precision, window, output, force)


def _train_page(
    name: str,
    settings: dict,
    lr: float | None,
    fmt: OutputFormat,
    precision: int,
    window: str | None,
    output: Path | None,
    force: bool,
) -> None:
    """``train --format html|markdown|json [-o FILE]``: the run as a Result, rendered."""
    from rnnloss_cli.cli.io import check_output_path
    from rnnloss_cli.cli.output import parse_window
    from rnnloss_cli.train.run import run_with_progress
    from rnnloss_cli.train.summary import train_result

    win = guarded(lambda: parse_window(window))
    if output is not None:  # refuse a bad path before training, not after
        check_output_path(output, force=force)
    from rich.console import Console

    res = guarded(lambda: run_with_progress(name, **settings, lr=lr, console=Console(stderr=True)))
    r = train_result(res, loss=name, seed=settings["seed"])
    if fmt is OutputFormat.html:
        from rnnloss_cli.render.html import render_html

        text = render_html([r], precision, window=win)
    elif fmt is OutputFormat.markdown:
        from rnnloss_cli.render.markdown import render_markdown

        text = render_markdown([r], precision, window=win)
    else:
        from rnnloss_cli.render.json import render_json

        text = render_json([r], precision, window=win) + "\n"
    _write(text, output, force=force, markup=fmt is OutputFormat.html)


def register(app: typer.Typer) -> None:
    """Add the teaching commands to ``app``."""
    app.command(epilog="Example: rnnloss new hinge -o problems/my-hinge.yaml")(new)
    app.command(epilog="Example: rnnloss sheet problems/ --format latex --solutions -o sol.tex")(
        sheet
    )
    app.command(epilog="Example: rnnloss explain ctc --format markdown")(explain)
    app.command(epilog="Example: rnnloss train --loss mse --format html -o run.html")(train)
