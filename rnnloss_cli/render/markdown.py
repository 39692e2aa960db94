"""Markdown renderer: headings, pipe tables and LaTeX in $...$, ready to paste into notes."""

from __future__ import annotations

import re

from rnnloss_cli.render.controls import visible_controls
from rnnloss_cli.render.latex import FORMULA_CELL, latex_math, name_pieces
from rnnloss_cli.render.text import (
    LEGEND_TEXT,
    Digits,
    answer_rows,
    digits_plan,
    fmt_key,
    fmt_number,
    lay_out,
    legend_line,
    signed,
    signed_cells,
    step_latex,
    step_text,
    table_cells,
)
from rnnloss_cli.result import Result, Step, Table, Window, student_notes, unit_after

#: Characters that markdown (or the HTML it passes through) would read as markup in text,
#: escaped with "\\": emphasis, code spans, links, raw HTML tags and entities, maths
#: delimiters, table pipes, strikethrough, heading marks. An underscore inside a word, as in
#: p_b, is never emphasis in CommonMark and stays as is.
MARKDOWN_SPECIAL = re.compile(r"([\\`*\[\]<>$|&~#]|(?<!\w)_|_(?!\w))")


def md_text(text: str) -> str:
    """Free text (a title, source, note, label, symbol, given) as markdown that shows it as
    written: every markup character escaped (:data:`MARKDOWN_SPECIAL`)."""
    return MARKDOWN_SPECIAL.sub(r"\\\1", str(text))


def md_line(text: str) -> str:
    """Free text for a one-line place (a heading, a list item): whitespace runs folded to
    single spaces, then escaped (:func:`md_text`)."""
    return md_text(" ".join(str(text).split()))


def md_title(text: str) -> str:
    """rnnloss's own words (a table's head, a formula cell, a sheet's conventions) for a
    one-line place, their subscripted names as inline maths (:func:`render.latex.name_pieces`:
    ``h_{t−1}`` -> ``$h_{t-1}$``, which ``md_line`` showed as ``h\\_{t−1}``, braces and all),
    the rest escaped text; neighbouring maths runs joined into one."""
    out, maths = [], ""
    for t, m in name_pieces(" ".join(str(text).split())):
        if m is not None:
            maths += m
            continue
        sup = re.match(r"[ᵀ²³¹]*", t).group()  # h_tᵀ: the transpose goes with its name
        maths += latex_math(sup) if maths else ""
        out += [f"${maths}$" if maths else "", md_text(t[len(sup) :] if maths else t)]
        maths = ""
    out.append(f"${maths}$" if maths else "")
    out = "".join(out)
    return re.sub(r"(?<!\\)\$\$", " ", out)


def md_callout(kind: str, text: str) -> list[str]:
    """A warning or note as a block quote; every line of a multi-paragraph text stays in it."""
    lines = md_text(text).split("\n")
    return [f"> **{kind}:** {lines[0]}", *(f"> {line}".rstrip() for line in lines[1:]), ""]


def table_markdown(
    t: Table,
    precision: int,
    *,
    window: Window | None = None,
    digits: Digits | None = None,
    maths: bool = False,
) -> list[str]:
    """A pipe table, windowed (first and last rows/columns, "…" between) with its note;
    ``digits``: the derivation's guard digits (:func:`render.text.digits_plan`).
    ``maths`` (a solution sheet): the heads' and formula cells' subscripted names as inline
    maths (:func:`md_title`), as the LaTeX sheet sets them; else text as written."""
    laid = lay_out(t, window)
    head = md_title if maths else md_line
    out = [f"**{md_line(t.title)}**", ""]
    out.append("| " + " | ".join(map(head, laid.columns)) + " |")
    out.append("|" + "|".join("---" for _ in laid.columns) + "|")
    for i, row in enumerate(signed_cells(laid, table_cells(t, laid, precision, digits))):
        cells = [md_title(c) if maths and FORMULA_CELL.search(c) else md_text(c) for c in row]
        for j, cell in enumerate(cells):
            style = laid.styles.get((i, j))
            if style == "highlight" and cell:
                cells[j] = f"**{cell}**"
            elif style == "dead" and cell:
                cells[j] = f"{cell}†"
        out.append("| " + " | ".join(cells) + " |")
    caption = legend_line(t, {**LEGEND_TEXT, "highlight": "bold"}, laid.styles)
    if caption:
        out += ["", f"_{md_line(caption)}_"]
    if laid.note:
        out += ["", *md_callout("Note", laid.note)[:-1]]
    return [*out, ""]


def step_markdown(
    step: Step, precision: int, *, display: bool = False, digits: Digits | None = None
) -> str:
    """A step as markdown: its LaTeX in ``$…$`` (``$$…$$`` for display) when it has LaTeX;
    a step written only in plain text (prose, Unicode maths) stays text, markdown-escaped,
    since inside ``$…$`` its words would lose their spaces."""
    if step.latex is None:
        return md_text(step_text(step, precision, digits))
    fence = "$$" if display else "$"
    return f"{fence}{step_latex(step, precision, digits)}{fence}"


def result_markdown(
    r: Result,
    precision: int = 3,
    level: int = 2,
    answers: bool = True,
    show: frozenset[str] = frozenset(),
    *,
    window: Window | None = None,
    student: bool = False,
    digits: Digits | None = None,
) -> str:
    """One result as markdown; ``answers=False`` leaves out the key verdict, ``student`` (a
    solution sheet) gives each figure's answer instead of expected / got / verdict, and the
    source alone under the title (no ``kind:`` field).
    ``digits``: the derivation's guard digits (default :func:`render.text.digits_plan`)."""
    if digits is None:
        digits = digits_plan(r, precision)
    h = "#" * level
    out = [f"{h} {md_line(r.title)}", ""]
    if not student:
        meta = [f"kind: `{r.kind}`"] + ([f"source: {md_line(r.source)}"] if r.source else [])
        out += [" · ".join(meta), ""]
    elif r.source:  # a sheet's term derivation: its source as the sheet gives a problem's
        out += [f"_Source: {md_line(r.source)}_", ""]
    if r.formula:
        out += [step_markdown(r.formula, precision, display=True, digits=digits), ""]
    for s in r.lead_steps:
        out.append(f"- {md_line(s.label)}: {step_markdown(s, precision, digits=digits)}")
    if r.lead_steps:
        out.append("")
    for t in r.visible_tables(show):
        out += table_markdown(t, precision, window=window, digits=digits, maths=student)
    for s in r.work_steps:
        out.append(f"- {md_line(s.label)}: {step_markdown(s, precision, digits=digits)}")
    if r.work_steps:
        out.append("")
    for item in r.shown_children:
        if isinstance(item, str):  # term derivations left out: say how many
            out += md_callout("Note", item)
            continue
        label, child = item
        out += [
            f"{h}# term: {md_line(label)}",
            "",
            result_markdown(
                child,
                precision,
                level + 2,
                answers,
                show,
                window=window,
                student=student,
                digits=digits,
            ),
        ]
    for w in r.warnings:
        out += md_callout("Warning", w)
    for n in student_notes(r.notes) if student else r.notes:
        out += md_callout("Note", n)
    if r.loss is not None:
        unit = f" {unit_after(fmt_number(r.loss, precision), r.unit)}" if r.unit else ""
        out += [f"**Loss = ${fmt_number(r.loss, precision, latex=True)}${unit}**", ""]
    if answers and r.checks and student:
        out += ["| figure | answer |", "|---|---|"]
        out += [f"| {md_line(f)} | {md_line(a)} |" for f, a in answer_rows(r.checks, precision)]
        out.append("")
    elif answers and r.checks:
        out += ["| figure | expected | got | verdict |", "|---|---|---|---|"]
        for c in r.checks:
            verdict = "ok" if c.ok else "**MISMATCH**"
            expected, got = fmt_key(c.expected, c.got, precision, distinct=not c.ok)
            cells = [c.figure, signed(c.expected, expected), signed(c.got, got)]
            out.append("| " + " | ".join([*map(md_line, cells), verdict]) + " |")
        out.append("")
    return "\n".join(out)


def render_markdown(
    results: list[Result],
    precision: int = 3,
    show: frozenset[str] = frozenset(),
    *,
    window: Window | None = None,
) -> str:
    """Every result as markdown; tables larger than ``window`` (default from limits) windowed."""
    # a title's ESC or bidi override is shown as an escape, to a file as on standard output
    text = "\n".join(result_markdown(r, precision, show=show, window=window) for r in results)
    return visible_controls(text)
