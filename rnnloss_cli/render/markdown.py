"""Markdown renderer: headings, pipe tables and LaTeX in $...$, ready to paste into notes."""

from __future__ import annotations

import re

from rnnloss_cli.render.text import (
    LEGEND_TEXT,
    fmt_number,
    lay_out,
    legend_line,
    step_latex,
    step_text,
)
from rnnloss_cli.result import Result, Step, Table, Window


def md_escape(text: str) -> str:
    """A table cell's text with its pipes escaped, so ``π(y_t|s_t)`` stays one cell."""
    return text.replace("|", "\\|")


def _cell(x, precision: int) -> str:
    return "" if x is None else md_escape(fmt_number(x, precision))


def table_markdown(t: Table, precision: int, *, window: Window | None = None) -> list[str]:
    """A pipe table, windowed (first and last rows/columns, "…" between) with its note."""
    laid = lay_out(t, window)
    out = [f"**{t.title}**", ""]
    out.append("| " + " | ".join(map(md_escape, laid.columns)) + " |")
    out.append("|" + "|".join("---" for _ in laid.columns) + "|")
    for i, row in enumerate(laid.rows):
        cells = [_cell(c, precision) for c in row]
        for j, cell in enumerate(cells):
            style = laid.styles.get((i, j))
            if style == "highlight" and cell:
                cells[j] = f"**{cell}**"
            elif style == "dead" and cell:
                cells[j] = f"{cell}†"
        out.append("| " + " | ".join(cells) + " |")
    caption = legend_line(t, {**LEGEND_TEXT, "highlight": "bold"}, laid.styles)
    if caption:
        out += ["", f"_{caption}_"]
    if laid.note:
        out += ["", f"> **Note:** {laid.note}"]
    return [*out, ""]


#: Characters that markdown would read as markup in a plain-text step, escaped with "\\"
#: (an underscore inside a word, as in p_b, is never emphasis in CommonMark and stays as is).
MARKDOWN_SPECIAL = re.compile(r"([\\`*\[\]<>$|]|(?<!\w)_|_(?!\w))")


def step_markdown(step: Step, precision: int, *, display: bool = False) -> str:
    """A step as markdown: its LaTeX in ``$…$`` (``$$…$$`` for display) when it has LaTeX;
    a step written only in plain text (prose, Unicode maths) stays text, markdown-escaped,
    since inside ``$…$`` its words would lose their spaces."""
    if step.latex is None:
        return MARKDOWN_SPECIAL.sub(r"\\\1", step_text(step, precision))
    fence = "$$" if display else "$"
    return f"{fence}{step_latex(step, precision)}{fence}"


def result_markdown(
    r: Result,
    precision: int = 3,
    level: int = 2,
    answers: bool = True,
    show: frozenset[str] = frozenset(),
    *,
    window: Window | None = None,
) -> str:
    """One result as markdown; ``answers=False`` leaves out the key verdict."""
    h = "#" * level
    out = [f"{h} {r.title}", ""]
    meta = [f"kind: `{r.kind}`"] + ([f"source: {r.source}"] if r.source else [])
    out += [" · ".join(meta), ""]
    if r.formula:
        out += [step_markdown(r.formula, precision, display=True), ""]
    for s in r.lead_steps:
        out.append(f"- {s.label}: {step_markdown(s, precision)}")
    if r.lead_steps:
        out.append("")
    for t in r.visible_tables(show):
        out += table_markdown(t, precision, window=window)
    for s in r.work_steps:
        out.append(f"- {s.label}: {step_markdown(s, precision)}")
    if r.work_steps:
        out.append("")
    for label, child in r.children:
        out += [
            f"{h}# term: {label}",
            "",
            result_markdown(child, precision, level + 2, answers, show, window=window),
        ]
    for w in r.warnings:
        out += [f"> **Warning:** {w}", ""]
    for n in r.notes:
        out += [f"> **Note:** {n}", ""]
    unit = f" {r.unit}" if r.unit else ""
    if r.loss is not None:
        out += [f"**Loss = ${fmt_number(r.loss, precision, latex=True)}${unit}**", ""]
    if answers and r.checks:
        out += ["| figure | expected | got | verdict |", "|---|---|---|---|"]
        for c in r.checks:
            verdict = "ok" if c.ok else "**MISMATCH**"
            got = fmt_number(c.got, precision) if c.got is not None else "-"
            cells = [c.figure, fmt_number(c.expected, precision), got, verdict]
            out.append("| " + " | ".join(map(md_escape, cells)) + " |")
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
    return "\n".join(result_markdown(r, precision, show=show, window=window) for r in results)
