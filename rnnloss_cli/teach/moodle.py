"""Moodle XML question bank: one question per answer figure of each problem (numerical, or
shortanswer for a labelling).

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

An array figure (BPTT's ``grads: {W_hh: [[...]]}``) is asked entry by entry: one question per
entry, named ``dL/dW_hh[0,1]`` (indices from 0) in its name and text, with the file's tolerance
and 1 point, in the category ``.../grads.W_hh[0][1]`` ("/" would open a subcategory).

A text figure (a decoding's ``greedy``/``beam`` labelling, an alignment's ``path``) is a
``shortanswer`` question with one exact answer (:func:`shortanswer_text`): Moodle reads ``*``
in an answer as a wildcard, so a literal one is written ``\\*``; it trims the response but not
the answer; an empty response is no answer, so the empty labelling is asked as ``ε`` (as
every output writes it), with ``(empty)``, the older spelling, a second answer worth as much
(both as ``rnnloss mark`` accepts them). ``usecase`` is 1 (case-sensitive) when two of the problem's
symbols differ only by case (``a`` and ``A``: the case names the symbol), else 0
(:func:`case_matters`). Moodle: ``question/type/shortanswer/question.php``,
``compare_string_with_wildcard``.

Questions are grouped by problem, then by figure: the category ``<base>/<template>/<figure>``
holds that figure's question of every variant of one template (``rnnloss vary`` names the
template in each variant's ``source``), so a Moodle quiz's "random question" from it gives each
student one variant of the same problem. A file that is no variant gets its own category under
its own name (``-2``, ``-3`` when two different files share a name). ``<base>`` is
``$course$/rnnloss``, or ``--category`` (under ``$course$/`` unless it names a context such as
``$system$/``).

The answer is written in plain decimals, with enough of them for its tolerance; the question
asks for as many decimals as the tolerance allows (3 for the default 5e-4). A tolerance Moodle
cannot check as asked is refused with the file's ``tolerance`` line (:func:`tolerance_trouble`).
Every text from a problem goes through ``html.escape`` (a custom problem's terms are inlined
with their givens); ElementTree then escapes the HTML for XML, and characters XML 1.0 forbids
(control characters) are replaced (:func:`xml_safe`), so the file is always well-formed.
"""

from __future__ import annotations

import html
import math
import os
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np

from rnnloss_cli.errors import ProblemError
from rnnloss_cli.flags import flag_error
from rnnloss_cli.limits import MAX_ENTRY_QUESTIONS
from rnnloss_cli.problem.base import COMMON_FIELDS, loose_tolerance
from rnnloss_cli.render.text import ELLIPSIS
from rnnloss_cli.result import EMPTY, EMPTY_OLD, Window

#: Digits of the answer written in the bank (well inside the default tolerance 5e-4).
ANSWER_DIGITS = 6

#: Moodle accepts a numerical answer within ``tolerance + MOODLE_SLACK · max(1, |answer|)``
#: (``qtype_numerical_answer::get_tolerance_interval``: 10^-precision, PHP's default precision
#: being 14), so a smaller positive tolerance is not what it checks: 1e-300 asked students
#: for "300 decimals" that Moodle never looked at.
MOODLE_SLACK = 1e-14

#: Characters Moodle keeps of a tolerance (its ``question_numerical.tolerance`` column).
MOODLE_TOLERANCE_CHARS = 255


#: Digits of the worked solution in a question's feedback (more than a sheet's 3: it stands
#: beside answers asked to 3 decimals).
_FEEDBACK_DIGITS = 4


def _given(x: Any) -> str:
    """A given exactly as the file gives it, never rounded (as the sheets show it), a
    negative number's sign U+2212 as the feedback's tables write it (``-0.5`` -> ``−0.5``;
    an exponent's stays, ``1e-05``; a symbol such as the blank ``-`` is left as it is)."""
    from rnnloss_cli.render.text import signed
    from rnnloss_cli.sheet import given_text

    return html.escape(signed(x, given_text(x)))


def _note(parts: list[str | None]) -> str:
    """The elision note of a windowed given, worded as the sheets word it."""
    shown = [p for p in parts if p]
    return f"<p>(showing {html.escape(' and '.join(shown))})</p>" if shown else ""


def html_value(value: Any, window: Window | None = None) -> str:
    """A given as HTML: a matrix as a table, a mapping as a two-row table, a list inline.

    Long ones keep their first and last items, rows, columns and matrices (``window``,
    default from limits; the sheets' rule, :func:`sheet.shown_window`) with "…" between and
    a note with the full size, so a question stays small whatever the problem holds.
    """
    from rnnloss_cli.sheet import shown_window

    w = window or Window()
    if isinstance(value, list) and value and isinstance(value[0], list):
        if value[0] and isinstance(value[0][0], list):  # 3-D: one table per matrix
            shown, note = shown_window(len(value), w.rows)
            left = len(value) - (len(shown) - 1)
            return "".join(
                f"<p>{ELLIPSIS} ({left:,} more matrices left out: showing "
                f"{html.escape(str(note))})</p>"
                if i is None
                else f"<p>[{i + 1}]</p>{html_value(value[i], w)}"
                for i in shown
            )
        rows, row_note = shown_window(len(value), w.rows)
        cols, col_note = shown_window(max(len(r) for r in value), w.columns)

        def cell(i: int | None, j: int | None) -> str:
            if i is None or j is None:
                return ELLIPSIS
            return _given(value[i][j]) if j < len(value[i]) else ""

        body = "".join(
            "<tr>" + "".join(f"<td>{cell(i, j)}</td>" for j in cols) + "</tr>" for i in rows
        )
        notes = [row_note and f"{row_note} rows", col_note and f"{col_note} columns"]
        return f'<table border="1">{body}</table>{_note(notes)}'
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        keys = list(dict.fromkeys(k for v in value for k in v))
        head = "".join(f"<th>{html.escape(str(k))}</th>" for k in keys)
        shown, note = shown_window(len(value), w.rows)
        rows = "".join(
            "<tr>"
            + "".join(
                f"<td>{ELLIPSIS if i is None else html_value(value[i].get(k, ''), w)}</td>"
                for k in keys
            )
            + "</tr>"
            for i in shown
        )
        return f'<table border="1"><tr>{head}</tr>{rows}</table>{_note([note and f"{note} rows"])}'
    if isinstance(value, dict):
        head = "".join(f"<th>{html.escape(str(k))}</th>" for k in value)
        body = "".join(f"<td>{_given(v)}</td>" for v in value.values())
        return f'<table border="1"><tr>{head}</tr><tr>{body}</tr></table>'
    if isinstance(value, list):
        shown, note = shown_window(len(value), w.rows)
        items = ", ".join(ELLIPSIS if i is None else _given(value[i]) for i in shown)
        tail = f" (showing {html.escape(note)} items)" if note else ""
        return f"[{items}]{tail}"
    return _given(value)


#: Fields of a custom term's problem that are not givens (its key and the author's remarks).
TERM_HIDDEN = ("kind", "title", "source", "answer", "tolerance", "notes", "vary")


def givens_html(
    data: dict, base: str | None = None, *, hidden: tuple[str, ...] = COMMON_FIELDS
) -> list[str]:
    """The givens of a problem mapping as HTML paragraphs and tables, in file order: an
    inline given as one paragraph with its name (``<p>y: [1, −1, 1]</p>``), a table under a
    paragraph naming it.

    A custom problem's terms are inlined as the sheet inlines them (:func:`sheet.custom_term`):
    each term's weight and kind, then the givens of its problem (``base``: the folder its
    ``file`` paths are relative to), so the question can be answered from its text alone.
    """
    from rnnloss_cli.sheet import custom_term
    from rnnloss_cli.templates import canonical_kind

    parts = []
    custom = canonical_kind(str(data.get("kind"))) == "custom"
    for key, value in data.items():
        if key in hidden:
            continue
        if key == "terms" and custom and isinstance(value, list):
            for i, term in enumerate(value, 1):
                if not isinstance(term, dict):
                    continue
                label, sub, folder, what = custom_term(i, term, base)
                label = label[0].upper() + label[1:]  # a heading of its own: "Term 1 (...)"
                parts.append(
                    f"<p><b>{html.escape(label)}</b>: weight {_given(term.get('weight'))}"
                    f"{html.escape(str(what))}</p>"
                )
                if isinstance(sub, dict):
                    inner = givens_html(sub, folder, hidden=TERM_HIDDEN)
                    parts.append("<blockquote>" + "\n".join(inner) + "</blockquote>")
                elif "file" in term:
                    parts.append(f"<p>file: {html.escape(str(term['file']))}</p>")
            continue
        name = html.escape(str(key))
        if _tabled(value):  # a table (or tables) under its name
            parts.append(f"<p>{name}:</p>{html_value(value)}")
        else:  # a vector, a number, a word: one paragraph, "y: [1, −1, 1]"
            parts.append(f"<p>{name}: {html_value(value)}</p>")
    return parts


def _tabled(value: Any) -> bool:
    """Whether :func:`html_value` writes ``value`` as tables (a matrix, a list of matrices
    or of mappings, a mapping) rather than inline text (a vector, a number, a word)."""
    if isinstance(value, dict):
        return True
    return (
        isinstance(value, list)
        and bool(value)
        and (isinstance(value[0], list) or all(isinstance(v, dict) for v in value))
    )


def answer_decimals(tolerance: float) -> int | None:
    """Decimals an answer within ``tolerance`` is asked to: rounding to them errs by at most
    the tolerance (3 for the default 5e-4). None for a tolerance of 0 (exactly)."""
    if tolerance <= 0:
        return None
    return max(0, math.ceil(-math.log10(2 * tolerance) - 1e-9))


def precision_text(tolerance: float) -> str:
    """How precise the answer must be, in the question's words."""
    d = answer_decimals(tolerance)
    if d is None:
        return "exactly"
    places = "a whole number" if d == 0 else f"{d} decimal{'s' if d > 1 else ''}"
    return f"to {places} (within ±{tolerance:g})"


def entry_label(name: str, index: tuple[int, ...]) -> str:
    """An array figure's entry as the question names it: ``grads.W_hh`` at (0, 1) is
    ``dL/dW_hh[0,1]`` (indices from 0, as numpy and the derivation's tables count)."""
    head = f"dL/d{name.removeprefix('grads.')}" if name.startswith("grads.") else name
    return head + (f"[{','.join(map(str, index))}]" if index else "")


def entry_words(name: str, index: tuple[int, ...]) -> str:
    """What an array entry's question asks for, in words: the entry, and where it sits."""
    if name.startswith("grads."):
        whole = f"the gradient ∂L/∂{name.removeprefix('grads.')}"
    else:
        whole = name
    if not index:
        return f"{entry_label(name, index)}, {whole}"
    if len(index) == 1:
        where = f"item {index[0]}"
    elif len(index) == 2:
        where = f"row {index[0]}, column {index[1]}"
    else:
        where = "index " + ", ".join(map(str, index))
    return f"{entry_label(name, index)}, the entry of {whole} at {where} (counting from 0)"


def question_html(
    data: dict,
    figure: str,
    unit: str,
    *,
    base: str | None = None,
    tolerance: float = 5e-4,
    what: str | None = None,
    how: str | None = None,
) -> str:
    """The question: title, the givens (``base``: the folder of the problem's file, for a
    custom problem's terms), and what to compute, as precisely as ``tolerance`` asks
    (``what``: the words for it, when not the figure's own, e.g. an array's entry; ``how``:
    how to write it, when not a number to the tolerance, e.g. a labelling)."""
    parts = [f"<p><b>{html.escape(str(data.get('title', data.get('kind', ''))))}</b></p>"]
    parts.append(f"<p>Kind: {html.escape(str(data.get('kind')))}</p>")
    parts += givens_html(data, base)
    from rnnloss_cli.sheet import figure_words

    what = html.escape(what if what is not None else figure_words(str(data.get("kind")), figure))
    what += f", in {html.escape(unit)}" if unit else ""
    how = how if how is not None else precision_text(tolerance)
    parts.append(f"<p>Compute {what}, {html.escape(how)}.</p>")
    return "\n".join(parts)


def plain_number(x: float, decimals: int | None = None) -> str:
    """``x`` in plain decimals (no exponent): rounded to ``decimals``, or exact (its shortest
    round-tripping digits) when None or when those are fewer; trailing zeros dropped."""
    exact = Decimal(repr(float(x)))
    if decimals is None or decimals >= -exact.as_tuple().exponent:
        text = format(exact, "f")
    else:
        text = f"{x:.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def answer_text(value: float, tolerance: float) -> str:
    """The key as written in the bank: enough decimals that rounding errs by at most a tenth
    of the tolerance (at least ``ANSWER_DIGITS``; exact for a tolerance of 0)."""
    if tolerance <= 0:
        return plain_number(value)
    return plain_number(value, max(ANSWER_DIGITS, math.ceil(math.log10(5 / tolerance))))


def tolerance_trouble(tolerance: float, value: float, figure: str) -> str | None:
    """Why Moodle cannot check ``value`` to ``tolerance`` as the question asks, or None.

    A positive tolerance under ``MOODLE_SLACK · max(1, |value|)`` is finer than Moodle checks
    (0 stays: "exactly", to Moodle's own slack); one of ``max(1, |value|)`` or more accepts 0
    and answers of the other sign (3.673 ± 5), whatever was computed; and a tolerance longer
    than ``MOODLE_TOLERANCE_CHARS`` in plain decimals does not fit where Moodle keeps it.
    The second is every key's rule (:func:`problem.base.loose_tolerance`), already applied to
    the file's key when it was read; here it meets the engine's value (a file without a key)."""
    scale = max(1.0, abs(value))
    if 0 < tolerance < MOODLE_SLACK * scale:
        return (
            f"{tolerance:g} is finer than Moodle checks {figure} = {value:g} (it accepts "
            f"answers within the tolerance + {MOODLE_SLACK:g} × max(1, |answer|)); expected "
            f"0 (exact) or at least {MOODLE_SLACK * scale:g}"
        )
    if (loose := loose_tolerance(tolerance, value, figure)) is not None:
        return loose
    if len(plain_number(tolerance)) > MOODLE_TOLERANCE_CHARS:
        return (
            f"{tolerance:g} written in plain decimals is longer than the "
            f"{MOODLE_TOLERANCE_CHARS} characters Moodle keeps of a tolerance"
        )
    return None


#: How the bank asks the empty labelling (Moodle takes an empty response for no answer): ε,
#: as every output writes it (``result.EMPTY``; no symbol may be named so).
EMPTY_LABELLING = EMPTY
#: Further answers the bank accepts, as much, for the empty labelling: the older spelling
#: ``(empty)`` (``mark`` accepts it too; no symbol may be named so either).
EMPTY_ALSO = (EMPTY_OLD,)


def shortanswer_texts(text: str, labels: Any = ()) -> list[str]:
    """A labelling as a shortanswer's answers, each worth 100%: the empty one as
    EMPTY_LABELLING and EMPTY_ALSO (less one that ``labels``, the symbols a labelling may
    hold, spell: with symbols ( e m p t y, "(empty)" is a labelling of seven, as ``mark``
    reads it); any other as itself, each ``*`` (Moodle's wildcard) escaped as ``\\*``, so
    that only the labelling itself matches."""
    if not text:
        from rnnloss_cli.teach.mark import spells

        return [EMPTY_LABELLING, *(e for e in EMPTY_ALSO if not spells(e, list(labels)))]
    return [text.replace("*", "\\*")]


def case_matters(symbols: Any) -> bool:
    """Whether two of ``symbols`` differ only by case (then a labelling's case names its
    symbols, and Moodle must compare it case-sensitively)."""
    folded = [str(s).casefold() for s in symbols or ()]
    return len(set(folded)) < len(folded)


def labelling_how(symbols: Any, *, may_be_empty: bool = True) -> str:
    """How a text question asks the labelling to be written (``may_be_empty``: say how to
    write the empty one; an alignment's path has a symbol per frame)."""
    spaced = any(len(str(s)) > 1 for s in symbols or ())
    sep = "separated by single spaces" if spaced else "with nothing between them"
    empty = f" (the empty labelling as {EMPTY_LABELLING})" if may_be_empty else ""
    case = "; case counts" if case_matters(symbols) else ""
    return f"written as its symbols in order, {sep}{empty}{case}"


def feedback_html(result: Any) -> str:
    """The worked solution: the formula, the tables and the steps, as HTML.

    Tables are windowed as in every other format (:func:`render.text.lay_out`): a "…" row or
    column where cells are left out, and the note saying which rows and columns are shown.
    """
    from rnnloss_cli.render.text import (
        digits_plan,
        lay_out,
        signed_cells,
        step_text,
        table_cells,
    )

    digits = digits_plan(result, _FEEDBACK_DIGITS)  # numbers read alike in tables and lines
    parts = []
    if result.formula is not None:
        parts.append(f"<p>{html.escape(step_text(result.formula, _FEEDBACK_DIGITS))}</p>")
    for t in result.visible_tables():
        laid = lay_out(replace(t, window_hint=False))  # no command to rerun in a quiz
        head = "".join(f"<th>{html.escape(c)}</th>" for c in laid.columns)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(x)}</td>" for x in row) + "</tr>"
            for row in signed_cells(laid, table_cells(t, laid, _FEEDBACK_DIGITS, digits))
        )
        note = f"<p><i>{html.escape(laid.note)}</i></p>" if laid.note else ""
        parts.append(
            f'<p>{html.escape(t.title)}</p><table border="1"><tr>{head}</tr>{body}</table>{note}'
        )
    steps = "".join(
        f"<li>{html.escape(s.label)}: {html.escape(step_text(s, _FEEDBACK_DIGITS, digits))}</li>"
        for s in result.shown_steps
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


#: Characters XML 1.0 forbids (its ``Char`` production): the C0 controls but tab, newline and
#: carriage return, lone surrogates, U+FFFE and U+FFFF.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_safe(text: str) -> str:
    """``text`` with every character XML 1.0 forbids replaced by U+FFFD (the replacement
    character, so the reader sees that something was there): ESC (``\\x1b``) and the other
    C0 controls except tab, newline and carriage return, lone surrogates, U+FFFE and U+FFFF.
    Characters XML allows (C1 controls, DEL included) are kept as they are."""
    return _NOT_XML.sub("\ufffd", text)


#: A Moodle context prefix that may open a category path: ``$course$``, ``$system$``, ...
_CONTEXT = re.compile(r"^\$[a-z0-9]+\$(?:/|$)")


def category_base(category: str | None) -> str:
    """The category every template's categories go under: ``$course$/rnnloss`` by default;
    a given path is put under ``$course$/`` unless it opens with a context (``$system$/x``)."""
    if category is None:
        return "$course$/rnnloss"
    path = category.strip().strip("/")
    if not path or not path.strip("$/"):
        # a flag error (was a ProblemError of no file: "error: <input>: --category: ...")
        raise flag_error(
            f"expected a category path such as week3/ctc, got {category!r}", "--category"
        )
    return path if _CONTEXT.match(path) else f"$course$/{path}"


def _groups(files: list[str], sources: list[str | None]) -> list[str]:
    """The category name of each file: a variant's template (read back from its ``source``),
    else the file's own stem; a name two different problems would share gets -2, -3, ..."""
    from rnnloss_cli.teach.vary import variant_template

    owner: dict[str, tuple[str, str]] = {}  # category name -> (what, which) it stands for
    out = []
    for path, source in zip(files, sources, strict=True):
        template = variant_template(source, Path(path).stem)
        ident = ("template", template) if template else ("file", os.path.abspath(path))
        name = Path(template).stem if template else Path(path).stem
        candidate, n = name, 1
        while owner.setdefault(candidate, ident) != ident:
            n += 1
            candidate = f"{name}-{n}"
        out.append(candidate)
    return out


@dataclass
class MoodleBank:
    """A question bank: the XML text, the number of questions, and what was left out."""

    text: str
    questions: int
    warnings: list[str] = field(default_factory=list)
    #: Files whose answer key disagrees with the computed value (the bank asks the computed
    #: one, as its worked solution shows): the CLI names them and exits 1, as ``sheet``.
    disagree: list[str] = field(default_factory=list)


def moodle_bank(files: list[str], *, category: str | None = None) -> MoodleBank:
    """The question bank for ``files`` (see the module docstring); a figure that is not
    finite has no numerical answer: it is left out with a warning naming it."""
    from rnnloss_cli.problem import input_name, read_problem
    from rnnloss_cli.sheet import UNITLESS_FIGURES
    from rnnloss_cli.solve import solve

    base = category_base(category)
    loaded = []
    for path in files:
        loaded.append((path, *read_problem(path)))  # read once: stdin can be read once
    groups = _groups(files, [problem.meta.source for *_, problem in loaded])
    by_category: dict[str, list[ET.Element]] = {}
    warnings = []
    disagree = []
    for (path, data, lines, problem), group in zip(loaded, groups, strict=True):
        result = solve(problem)
        if not result.ok:
            disagree.append(input_name(path))
        keys = getattr(problem, "keys", None)  # text and array figures (ExtraKeys)
        meta = problem.meta
        # the loss's own unit (bits for log_base 2); none without a logarithm (squared error,
        # hinge) and none for a probability (UNITLESS_FIGURES)
        unit = result.unit
        folder = None if path == "-" else str(Path(path).parent)
        feedback = feedback_html(result)
        stem = "stdin" if path == "-" else Path(path).stem
        # (figure, category, its words or None, value, points): the scalar figures, then each
        # entry of an array key (grads.W_hh -> dL/dW_hh[0,1], in category grads.W_hh[0,1]:
        # "/" separates Moodle's categories), the engine's value as its check holds it
        asked: list[tuple[str, str, str | None, float | None, float]] = [
            (figure, figure, None, result.figures.get(figure), meta.points.get(figure, 1.0))
            for figure in meta.answer or {"loss": 0.0}
        ]
        if keys is not None and keys.arrays:
            got = {c.figure: c.got for c in result.checks or []}
            entries = [
                (name, index)
                for name, (expected, _) in keys.arrays.items()
                for index in np.ndindex(expected.shape)
            ]
            if len(entries) > MAX_ENTRY_QUESTIONS:
                first = entry_label(*entries[MAX_ENTRY_QUESTIONS])
                warnings.append(
                    f"{path}: {len(entries) - MAX_ENTRY_QUESTIONS:,} of the key's "
                    f"{len(entries):,} array entries left out, from {first} on (at most "
                    f"{MAX_ENTRY_QUESTIONS} questions a file, MAX_ENTRY_QUESTIONS: each "
                    "repeats the givens and the worked solution)"
                )
                entries = entries[:MAX_ENTRY_QUESTIONS]
            for name, index in entries:
                where = name + "".join(f"[{i}]" for i in index)
                value = got.get(where)
                asked.append(
                    (
                        entry_label(name, index),
                        where,
                        entry_words(name, index),
                        None if value is None else float(value),
                        1.0,
                    )
                )
        for figure, slot, words, value, points in asked:
            if value is None or not math.isfinite(value):
                what = "missing" if value is None else "infinite" if math.isinf(value) else "NaN"
                warnings.append(
                    f"{path}: {figure} is {what}; no question written (a numerical answer "
                    "must be a finite number)"
                )
                continue
            trouble = tolerance_trouble(meta.tolerance, value, figure)
            if trouble is not None:
                given = "tolerance" in data
                raise ProblemError(
                    trouble if given else f"{trouble} (the default: the file gives none)",
                    file=input_name(path),
                    line=lines.get(("tolerance",)) if given else None,
                    field="tolerance",
                )
            q = ET.Element("question", {"type": "numerical"})
            _text(q, "name", f"{stem}: {figure}")
            shown = {**data, "title": meta.title}  # a title as written (1.50), not as read
            question = question_html(
                shown,
                figure,
                "" if figure in UNITLESS_FIGURES or words is not None else unit,
                base=folder,
                tolerance=meta.tolerance,
                what=words,
            )
            _text(q, "questiontext", question, format="html")
            _text(q, "generalfeedback", feedback, format="html")
            ET.SubElement(q, "defaultgrade").text = f"{points:g}"
            ET.SubElement(q, "penalty").text = "0.3333333"
            ET.SubElement(q, "hidden").text = "0"
            answer = ET.SubElement(q, "answer", {"fraction": "100", "format": "moodle_auto_format"})
            ET.SubElement(answer, "text").text = answer_text(value, meta.tolerance)
            ET.SubElement(answer, "tolerance").text = plain_number(meta.tolerance)
            _text(answer, "feedback", "", format="html")
            by_category.setdefault(f"{base}/{group}/{slot}", []).append(q)
        if keys is not None and keys.text:
            texts = {c.figure: c.got for c in result.checks or [] if c.figure in keys.text}
            for figure in keys.text:
                question = _text_question(path, stem, data, problem, figure, texts.get(figure))
                if isinstance(question, str):
                    warnings.append(question)
                    continue
                _text(question, "generalfeedback", feedback, format="html")
                by_category.setdefault(f"{base}/{group}/{figure}", []).append(question)
    quiz = ET.Element("quiz")
    for path, questions in by_category.items():
        _text(ET.SubElement(quiz, "question", {"type": "category"}), "category", path)
        quiz.extend(questions)
    for el in quiz.iter():  # every text and attribute value, from the files or the flags
        el.text = None if el.text is None else xml_safe(el.text)
        el.attrib = {k: xml_safe(v) for k, v in el.attrib.items()}
    ET.indent(quiz)
    text = '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(quiz, encoding="unicode")
    questions = sum(len(qs) for qs in by_category.values())
    return MoodleBank(text, questions, warnings, disagree)


def _text_question(
    path: str, stem: str, data: dict, problem: Any, figure: str, got: Any
) -> ET.Element | str:
    """The shortanswer question for a text figure (its feedback added by the caller), or the
    warning saying why there is none (the engine found no labelling)."""
    from rnnloss_cli.solve._beyond import shown as shown_labelling

    if got is None:
        return f"{path}: {figure} is missing; no question written"
    frames = getattr(problem, "frames", None)
    symbols = getattr(frames, "symbols", None) or getattr(problem, "symbols", None) or ()
    # the check holds the labelling as the solver shows it: the empty one as ε
    labelling = "" if str(got) == shown_labelling("") else str(got)
    q = ET.Element("question", {"type": "shortanswer"})
    _text(q, "name", f"{stem}: {figure}")
    shown = {**data, "title": problem.meta.title}
    question = question_html(
        shown,
        figure,
        "",
        base=None if path == "-" else str(Path(path).parent),
        how=labelling_how(symbols, may_be_empty=problem.meta.kind == "ctc_decode"),
    )
    _text(q, "questiontext", question, format="html")
    ET.SubElement(q, "defaultgrade").text = f"{problem.meta.points.get(figure, 1.0):g}"
    ET.SubElement(q, "penalty").text = "0.3333333"
    ET.SubElement(q, "hidden").text = "0"
    ET.SubElement(q, "usecase").text = "1" if case_matters(symbols) else "0"
    blank = getattr(frames, "blank", None)
    labels = [str(s) for s in symbols if s != blank]  # a labelling holds no blank
    for accepted in shortanswer_texts(labelling, labels):
        answer = ET.SubElement(q, "answer", {"fraction": "100", "format": "moodle_auto_format"})
        ET.SubElement(answer, "text").text = accepted
        _text(answer, "feedback", "", format="html")
    return q


def moodle_xml(files: list[str], *, category: str | None = None) -> str:
    """The question bank's XML for ``files`` (:func:`moodle_bank` without its warnings)."""
    return moodle_bank(files, category=category).text
