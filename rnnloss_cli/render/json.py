"""JSON renderer: the Result as data (full-precision numbers; inf becomes null with a reason)."""

from __future__ import annotations

import json
import math
from typing import Any

from rnnloss_cli.render.text import (
    MAX_TERMS,
    Digits,
    digits_plan,
    fmt_log,
    lay_out,
    step_latex,
    step_text,
)
from rnnloss_cli.result import (
    LogNumber,
    Result,
    Table,
    Terms,
    Track,
    Window,
    children_note,
    terms,
)

#: The layout of the JSON documents; raised when a key changes meaning or goes away (new
#: keys keep it). One file gives one object; several files give an array of those objects.
SCHEMA_VERSION = 1


def _num(x: Any) -> Any:
    """A JSON value: inf/NaN as null, a LogNumber as its log and its printed value, a long
    list (or Terms) as its first and last items and the count of all; -0.0 as 0.0 (a zero
    has no sign to show)."""
    if isinstance(x, float):
        return x + 0.0 if math.isfinite(x) else None  # -0 + 0 = +0
    if isinstance(x, LogNumber):
        return {"ln": _num(x.ln), "value": fmt_log(x.ln, 6)}
    if isinstance(x, (list, tuple)) and len(x) > MAX_TERMS:
        x = terms(x, MAX_TERMS)
    if isinstance(x, Terms):
        return {"first": _num(x.head), "last": _num(x.tail), "count": x.count}
    if isinstance(x, (list, tuple)):
        return [_num(v) for v in x]
    return x


def finite_or_null(x: Any, name: str, warnings: list[str]) -> Any:
    """``x`` for a JSON document, by the rule of ``to_dict``'s loss: an infinite (or NaN) float
    becomes null, and a line in ``warnings`` says which value (``name``) it was."""
    if isinstance(x, float) and not math.isfinite(x):
        warnings.append(f"{name} is {x} and JSON has no infinity, so it is written as null")
        return None
    return x + 0.0 if isinstance(x, float) else x  # -0 + 0 = +0


def _table(t: Table, window: Window | None) -> dict[str, Any]:
    """The held window of a table, "…" rows/columns where cells are left out, its full shape;
    what the table is, as rich and markdown print it under the table: ``caption`` (what its
    columns mean, e.g. "a = x W_xh + … (the pre-activation)"), ``legend`` (the meaning of
    each cell style its shown cells use, keyed by style: "dead", "highlight", "dim"); ``caption``
    is null and ``legend`` empty where the table has none. ``note`` says what of it is shown."""
    laid = lay_out(t, window)
    n_rows, n_cols = t.shape
    used = set(laid.styles.values())
    return {
        "title": t.title,
        "columns": laid.columns,
        "rows": [[_num(c) for c in row] for row in laid.rows],
        "optional": t.optional,
        "shape": [n_rows, n_cols],
        "note": laid.note,
        "caption": t.caption,
        "legend": {style: meaning for style, meaning in t.legend.items() if style in used},
    }


def _track(t: Track) -> dict[str, Any]:
    """A path over the CTC trellis: 1-based frames and states (null: no state), held over
    the trellis's window of frames only."""
    return {
        "label": t.label,
        "best": t.best,
        "valid": t.valid,
        "why": t.why,
        "length": t.length,
        "frames": [f + 1 for f in t.frames],
        "states": [None if s is None else s + 1 for s in t.states],
        "probability": _num(t.probability),
    }


def to_dict(
    r: Result, precision: int = 3, *, window: Window | None = None, digits: Digits | None = None
) -> dict[str, Any]:
    """The JSON document for one result; nested results (custom losses) under ``children``.

    ``steps`` are the steps every format lays out (:attr:`Result.shown_steps`): a long
    derivation keeps its first and last lines and one saying how many are left out; so do
    ``children`` (``children_count`` is the number of terms, ``children_note`` says which
    are shown when some are left out). The steps' text has the guard digits of the whole
    derivation (``digits``, default :func:`render.text.digits_plan`)."""
    if digits is None:
        digits = digits_plan(r, precision)
    warnings = list(r.warnings)
    if r.loss is not None and not math.isfinite(r.loss):
        warnings.append(f"loss is {r.loss} and JSON has no infinity, so it is written as null")
    return {
        "schema_version": SCHEMA_VERSION,
        "kind": r.kind,
        "title": r.title,
        "source": r.source,
        "file": r.file,
        "loss": _num(r.loss),
        "unit": r.unit,
        "figures": {k: _num(v) for k, v in r.figures.items()},
        # the text figures (a path, a labelling; the empty labelling ""), keyed or not
        "text_figures": dict(r.text_figures),
        "formula": step_text(r.formula, precision, digits) if r.formula else None,
        "steps": [
            {
                "label": s.label,
                "text": step_text(s, precision, digits),
                "latex": step_latex(s, precision, digits),
                "values": {k: _num(v) for k, v in s.values.items()},
            }
            for s in r.shown_steps
        ],
        "tables": [_table(t, window) for t in r.tables],
        "tracks": [_track(t) for t in r.tracks],
        "warnings": warnings,
        "notes": r.notes,
        "answer": None
        if r.checks is None
        else [
            {
                "figure": c.figure,
                "expected": _num(c.expected),
                "got": _num(c.got),
                "tolerance": c.tolerance,
                "ok": c.ok,
            }
            for c in r.checks
        ],
        "children": [
            {"term": item[0], **to_dict(item[1], precision, window=window, digits=digits)}
            for item in r.shown_children
            if not isinstance(item, str)
        ],
        "children_count": len(r.children),
        "children_note": children_note(len(r.children)),
    }


def _is_cell(x: Any) -> bool:
    """A scalar, or an object holding only scalars (a LogNumber's ``{"ln", "value"}``)."""
    if isinstance(x, dict):
        return not any(isinstance(v, (dict, list)) for v in x.values())
    return not isinstance(x, list)


def _is_line(x: Any) -> bool:
    """A list of cells (a table's row, a list of numbers): written on one line."""
    return isinstance(x, list) and all(map(_is_cell, x))


def _layout(x: Any, encode: Any, pad: str, out: list[str]) -> None:
    """``x`` as ``json.dumps(x, indent=2)`` lays it out, but for a list of cells (a table's
    row, a list of numbers), written on one line, and a list of such lists (a table's rows,
    a matrix), one of them a line. Each line is encoded by the C encoder, which
    ``json.dumps`` only uses without ``indent``: indenting every cell of a 10^6-cell window
    took 11 µs a cell, 3.5 GB and 270 MB of output."""
    inner = pad + "  "
    if isinstance(x, dict) and x:
        out.append("{")
        for i, (key, value) in enumerate(x.items()):
            out.append(("\n" if i == 0 else ",\n") + inner + encode(key) + ": ")
            _layout(value, encode, inner, out)
        out.append("\n" + pad + "}")
    elif isinstance(x, list) and x and not _is_line(x):
        lines = all(map(_is_line, x))
        out.append("[")
        for i, value in enumerate(x):
            out.append(("\n" if i == 0 else ",\n") + inner)
            if lines:
                out.append(encode(value))
            else:
                _layout(value, encode, inner, out)
        out.append("\n" + pad + "]")
    else:
        out.append(encode(x))


def render_json(
    results: list[Result],
    precision: int = 3,
    *,
    window: Window | None = None,
    ascii_only: bool = False,
) -> str:
    """One object for one result, a list for several; tables windowed as in the other formats
    (every figure is kept; no list grows beyond the window). Laid out two spaces an indent,
    a table's row (or a list of numbers) on one line."""
    docs = [to_dict(r, precision, window=window) for r in results]
    encode = json.JSONEncoder(allow_nan=False, ensure_ascii=ascii_only).encode
    out: list[str] = []
    _layout(docs[0] if len(docs) == 1 else docs, encode, "", out)
    return "".join(out)
