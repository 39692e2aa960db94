"""Moodle XML question bank: one numerical question per answer figure of each problem.

Layout (Moodle's "Moodle XML format", question type ``numerical``)::

    <quiz>
      <question type="category"><category><text>$course$/rnnloss/hello/listed</text>...
      <question type="numerical">
        <name><text>hello-07: listed</text></name>
        <questiontext format="html"><text>...givens as HTML (tables for matrices)...</text>
        <generalfeedback format="html"><text>...the worked solution...</text>
        <defaultgrade>2</defaultgrade>          (the key's points)
        <answer fraction="100" format="moodle_auto_format">
          <text>3.673</text><tolerance>0.0005</tolerance>
        </answer>
      </question>

Questions are grouped by figure: the category ``<base>/<figure>`` holds that figure's question
of every file given, so the variants of one template land in one category and a Moodle quiz's
"random question" from it gives each student one variant. Every text from a problem goes
through ``html.escape``; ElementTree then escapes the HTML for XML.
"""

from __future__ import annotations

import html
import math
import os
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from rnnloss_cli.problem.base import COMMON_FIELDS, LOG_BASES

#: Digits of the answer written in the bank (well inside the default tolerance 5e-4).
ANSWER_DIGITS = 6


def _cell(x: Any) -> str:
    return html.escape(f"{x:g}" if isinstance(x, float) else str(x))


def html_value(value: Any) -> str:
    """A given as HTML: a matrix as a table, a mapping as a two-row table, a list inline."""
    if isinstance(value, list) and value and isinstance(value[0], list):
        if value[0] and isinstance(value[0][0], list):  # 3-D: one table per matrix
            return "".join(f"<p>[{i + 1}]</p>{html_value(m)}" for i, m in enumerate(value))
        rows = "".join(
            "<tr>" + "".join(f"<td>{_cell(x)}</td>" for x in row) + "</tr>" for row in value
        )
        return f'<table border="1">{rows}</table>'
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        keys = list(dict.fromkeys(k for v in value for k in v))
        head = "".join(f"<th>{html.escape(str(k))}</th>" for k in keys)
        rows = "".join(
            "<tr>" + "".join(f"<td>{html_value(v.get(k, ''))}</td>" for k in keys) + "</tr>"
            for v in value
        )
        return f'<table border="1"><tr>{head}</tr>{rows}</table>'
    if isinstance(value, dict):
        head = "".join(f"<th>{html.escape(str(k))}</th>" for k in value)
        body = "".join(f"<td>{_cell(v)}</td>" for v in value.values())
        return f'<table border="1"><tr>{head}</tr><tr>{body}</tr></table>'
    if isinstance(value, list):
        return "[" + ", ".join(_cell(x) for x in value) + "]"
    return _cell(value)


def question_html(data: dict, figure: str, unit: str) -> str:
    """The question: title, the givens, and what to compute."""
    parts = [f"<p><b>{html.escape(str(data.get('title', data.get('kind', ''))))}</b></p>"]
    parts.append(f"<p>Kind: {html.escape(str(data.get('kind')))}</p>")
    for key, value in data.items():
        if key in COMMON_FIELDS:
            continue
        parts.append(f"<p>{html.escape(str(key))}:</p>{html_value(value)}")
    what = "the loss" if figure == "loss" else f"the figure <i>{html.escape(figure)}</i>"
    parts.append(f"<p>Compute {what} (in {html.escape(unit)}), to 3 decimals.</p>")
    return "\n".join(parts)


def feedback_html(result: Any) -> str:
    """The worked solution: the formula, the tables and the steps, as HTML."""
    from rnnloss_cli.render.text import step_text

    parts = []
    if result.formula is not None:
        parts.append(f"<p>{html.escape(step_text(result.formula, 4))}</p>")
    for t in result.visible_tables():
        head = "".join(f"<th>{html.escape(c)}</th>" for c in t.columns)
        body = "".join(
            "<tr>" + "".join(f"<td>{_cell('' if x is None else x)}</td>" for x in row) + "</tr>"
            for row in t.rows
        )
        parts.append(
            f'<p>{html.escape(t.title)}</p><table border="1"><tr>{head}</tr>{body}</table>'
        )
    steps = "".join(
        f"<li>{html.escape(s.label)}: {html.escape(step_text(s, 4))}</li>" for s in result.steps
    )
    if steps:
        parts.append(f"<ol>{steps}</ol>")
    for w in result.warnings:
        parts.append(f"<p><i>{html.escape(w)}</i></p>")
    return "\n".join(parts)


def _text(parent: ET.Element, tag: str, text: str, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, tag, attrs)
    ET.SubElement(el, "text").text = text
    return el


def _category(quiz: ET.Element, path: str) -> None:
    q = ET.SubElement(quiz, "question", {"type": "category"})
    _text(q, "category", f"$course$/{path}")


def default_category(files: list[str]) -> str:
    """``rnnloss/<common stem>``: hello-01 ... hello-20 (or hello-s001 ...) -> rnnloss/hello."""
    stems = [Path(f).stem for f in files]
    common = os.path.commonprefix(stems)
    if len(set(stems)) > 1 and "-" in common:
        common = common[: common.rindex("-")]
    return f"rnnloss/{common.rstrip('-_') or stems[0]}"


def moodle_xml(files: list[str], *, category: str | None = None) -> str:
    """The question bank for ``files`` (see the module docstring)."""
    from rnnloss_cli.problem import load_problem, read_text
    from rnnloss_cli.problem._yaml import load_yaml
    from rnnloss_cli.solve import solve

    base = category or default_category(files)
    by_figure: dict[str, list[ET.Element]] = {}
    for path in files:
        data, _ = load_yaml(read_text(path), path)
        problem = load_problem(path)
        result = solve(problem)
        meta = problem.meta
        unit = LOG_BASES.get(meta.log_base, "nats") if result.unit != "nats" else result.unit
        feedback = feedback_html(result)
        for figure in meta.answer or {"loss": 0.0}:
            if not math.isfinite(result.figures[figure]):
                continue  # an infinite loss has no numerical answer
            q = ET.Element("question", {"type": "numerical"})
            _text(q, "name", f"{Path(path).stem}: {figure}")
            _text(q, "questiontext", question_html(data, figure, unit), format="html")
            _text(q, "generalfeedback", feedback, format="html")
            ET.SubElement(q, "defaultgrade").text = f"{meta.points.get(figure, 1.0):g}"
            ET.SubElement(q, "penalty").text = "0.3333333"
            ET.SubElement(q, "hidden").text = "0"
            answer = ET.SubElement(q, "answer", {"fraction": "100", "format": "moodle_auto_format"})
            ET.SubElement(answer, "text").text = f"{round(result.figures[figure], ANSWER_DIGITS)}"
            ET.SubElement(answer, "tolerance").text = f"{meta.tolerance:g}"
            _text(answer, "feedback", "", format="html")
            by_figure.setdefault(figure, []).append(q)
    quiz = ET.Element("quiz")
    for figure, questions in by_figure.items():
        _category(quiz, f"{base}/{figure}")
        quiz.extend(questions)
    ET.indent(quiz)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(quiz, encoding="unicode")
