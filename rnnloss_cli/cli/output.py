"""Print results in the format asked for (rich, markdown, json, html): the one output path.

Exit 1 when an answer key disagrees; bad input (exit 2) is raised by :func:`io.guarded`.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Sequence
from typing import Any, NoReturn

import typer

from rnnloss_cli.cli.io import (
    EXIT_MISMATCH,
    console,
    fail,
    guarded,
    refuse_stdout_onto,
    say,
    stdout_is_unicode,
    write_markup,
)
from rnnloss_cli.cli.options import SHOW_HEATMAP, SHOW_TABLES, OutputFormat


def parse_window(text: str | None) -> Any:
    """``--window 200`` or ``--window 200x40`` -> a result.Window (None: the defaults)."""
    if text is None:
        return None
    import re

    from rnnloss_cli.flags import flag_error
    from rnnloss_cli.limits import MAX_WINDOW_CELLS
    from rnnloss_cli.result import Window

    # a long value cut: a 5000-digit --window was echoed whole
    shown = repr(text) if len(text) <= 40 else f"{text[:40]!r}... ({len(text):,} characters)"
    # ASCII digits only: int() also read '1_0' and digits of other scripts
    match = re.fullmatch(r"\s*([0-9]+)(?:[xX]([0-9]+))?\s*", text)
    if match is None:
        # 60×16, 60*16, 60 x 16, 60,16: the two numbers meant, another separator
        near = re.fullmatch(r"\s*([0-9]+)\s*[xX×*,;:/]\s*([0-9]+)\s*", text)
        hint = f": write it as {near[1]}x{near[2]}" if near else ""
        raise flag_error(
            f"expected ROWS or ROWSxCOLS, e.g. 200 or 200x40, got {shown}{hint}", "--window"
        ) from None
    rows, cols = match[1], match[2]
    if max(len(rows), len(cols or "")) > 9:  # past any limit; int() of 4300+ digits fails
        raise flag_error(
            f"more than the limit MAX_WINDOW_CELLS = {MAX_WINDOW_CELLS:,} cells a table, "
            f"got {shown}",
            "--window",
        )
    window = Window(int(rows), int(cols)) if cols is not None else Window(int(rows))
    if window.rows < 2 or window.columns < 2:
        raise flag_error(f"expected at least 2 rows and 2 columns, got {shown}", "--window")
    if window.rows * window.columns > MAX_WINDOW_CELLS:
        raise flag_error(
            f"{window.rows:,} rows x {window.columns:,} columns is more than the limit "
            f"MAX_WINDOW_CELLS = {MAX_WINDOW_CELLS:,} cells a table, got {shown}",
            "--window",
        )
    return window


#: The format a file name's suffix names, for ``-o`` without ``--format``.
SUFFIX_FORMATS = {
    ".html": "html",
    ".htm": "html",
    ".md": "markdown",
    ".markdown": "markdown",
    ".json": "json",
    ".tex": "latex",
}


def format_for_output(output: Any, asked: str | None, choices: tuple[str, ...]) -> str | None:
    """The format to write ``-o output`` in: ``asked`` (``--format``) when given, else the one
    its suffix names if among ``choices`` (``report.html`` -> html), else None.

    A format asked for that differs from the suffix's is kept, with a warning on stderr
    (``sheet -f markdown -o sheet.tex`` writes markdown, as asked, into a .tex file).
    """
    from pathlib import PurePath

    named = None
    if output is not None and str(output) != "-":
        named = SUFFIX_FORMATS.get(PurePath(str(output)).suffix.lower())
    if asked is not None:
        if named is not None and named != asked:
            say(f"warning: writing {asked} to {output}, whose suffix says {named}", one_line=True)
        return asked
    return named if named in choices else None


def output_format(fmt: OutputFormat, output: Any) -> OutputFormat:
    """``--format`` for ``-o output`` (solve, train): rich, the default, means "not given", so
    the file name's suffix chooses (``.html``, ``.md``, ``.json``); without one, exit 2."""
    asked = None if fmt is OutputFormat.rich else fmt.value
    chosen = format_for_output(output, asked, ("html", "markdown", "json"))
    if chosen is None:
        raise fail(
            "-o/--output needs --format html, markdown or json "
            "(or a file name ending in .html, .md or .json)"
        )
    return OutputFormat(chosen)


def heatmap_format_note(fmt: OutputFormat, show: frozenset[str]) -> str | None:
    """What to say when ``--show heatmap`` is asked of a format it does not colour."""
    if SHOW_HEATMAP not in show or fmt is OutputFormat.rich:
        return None
    return (
        f"--show {SHOW_HEATMAP} colours the terminal (rich) tables only; "
        f"--format {fmt.value} is printed without it"
    )


def print_results(
    results: list,
    fmt: OutputFormat,
    precision: int,
    show: frozenset[str] = frozenset(),
    window: Any = None,
) -> None:
    """Render and print; Rich honours NO_COLOR and drops styling when not on a terminal.

    ``--show heatmap`` colours the rich tables only; where it colours nothing (another format,
    no trellis shown, no colour) a one-line note on stderr says why, after the output.
    """
    note = heatmap_format_note(fmt, show)
    if fmt is OutputFormat.json:
        from rnnloss_cli.render.json import render_json

        # On a stdout that cannot take Unicode, non-ASCII characters become \\u escapes.
        text = render_json(results, precision, window=window, ascii_only=not stdout_is_unicode())
        sys.stdout.write(text + "\n")
    elif fmt is OutputFormat.html:
        from rnnloss_cli.render.html import render_html

        write_markup(render_html(results, precision, show, window=window))
    elif fmt is OutputFormat.markdown:
        from rnnloss_cli.render.markdown import render_markdown

        # render_markdown shows a title's ESC as an escape (it would drive the terminal)
        sys.stdout.write(render_markdown(results, precision, show, window=window))
    else:
        from rnnloss_cli.render.rich import colour_on, has_heatmap_tables, render_rich

        con = console()
        heat = SHOW_HEATMAP in show
        render_rich(results, con, precision, show, window=window, heatmap=heat)
        if heat and not has_heatmap_tables(results, show):
            note = f"--show {SHOW_HEATMAP}: no trellis or emission table here, nothing to colour"
        elif heat and not colour_on(con):
            note = (
                f"--show {SHOW_HEATMAP}: no colour here (NO_COLOR is set or the output is not "
                "a terminal; FORCE_COLOR=1 forces it), so nothing is coloured"
            )
    if note is not None:
        sys.stdout.flush()
        say(f"note: {note}")


def emit(
    results: list,
    fmt: OutputFormat,
    precision: int,
    show: frozenset[str] = frozenset(),
    *,
    window: Any = None,
    exit_on_mismatch: bool = True,
) -> None:
    """Print results and name each whose answer key disagrees; then exit 1 if any did."""
    show = check_show(results, show)
    print_results(results, fmt, precision, show, window)
    bad = [r for r in results if not r.ok]
    if bad:
        sys.stdout.flush()
        for r in bad:
            say(f"answer key disagrees: {r.file or r.title}", one_line=True)
        if exit_on_mismatch:
            raise typer.Exit(EXIT_MISMATCH)


def _show_names(show: Iterable[str]) -> frozenset[str]:
    return frozenset(n.strip() for item in show for n in item.split(",") if n.strip())


def check_show_names(show: Iterable[str] | None) -> None:
    """Refuse, before any work, a ``--show`` name no problem has (a typo: ``--show bta``);
    which of SHOW_TABLES a problem has is known once it is solved (:func:`check_show`)."""
    unknown = sorted(_show_names(show or ()) - set(SHOW_TABLES) - {SHOW_HEATMAP})
    if unknown:
        _refuse_show(unknown, f"the tables are: {', '.join(SHOW_TABLES)}")


def check_show(results: list, show: frozenset[str]) -> frozenset[str]:
    """``--show`` names, split at commas; an unknown name is bad input listing the valid ones.

    Valid: the optional tables of ``results`` and ``heatmap`` (a way to show the tables).
    """
    names = _show_names(show)

    def optional_tables(r: Any) -> set[str]:
        found = {t.optional for t in r.tables if t.optional}
        for _, child in r.children:
            found |= optional_tables(child)
        return found

    valid: set[str] = set()
    for r in results:
        valid |= optional_tables(r)
    unknown = sorted(names - valid - {SHOW_HEATMAP})
    if unknown:
        offer = f"this problem has: {', '.join(sorted(valid))}" if valid else "no extra tables here"
        _refuse_show(unknown, offer)
    return names


def _refuse_show(unknown: list[str], offer: str) -> NoReturn:
    """Bad input: the ``--show`` names ``unknown`` are no table here; ``offer`` says which are."""
    # each name cut, and a few of them: a 5000-digit name was echoed whole
    shown = [n if len(n) <= 40 else f"{n[:40]}... ({len(n):,} characters)" for n in unknown]
    more = f" and {len(unknown) - 5:,} more" if len(unknown) > 5 else ""
    raise fail(
        f"--show {', '.join(shown[:5])}{more}: no such table ({offer}; "
        f"{SHOW_HEATMAP} colours trellis cells by value)"
    )


def solve_and_emit(
    build: Callable[[Any], Any],
    fmt: OutputFormat,
    precision: int,
    show: list[str] | None = None,
    window: str | None = None,
    inputs: Sequence[str] = (),
) -> None:
    """Build one Result with ``build(window)`` (bad input exits 2) and print it; standard
    output onto one of the files it read (``inputs``: ``ctc decode --lm lm.txt >> lm.txt``)
    is refused."""
    win = guarded(lambda: parse_window(window))
    check_show_names(show)
    result = guarded(lambda: build(win))
    refuse_stdout_onto(lambda: inputs)
    emit([result], fmt, precision, frozenset(show or ()), window=win)
