"""JSON renderer: the Result as data (full-precision numbers; inf becomes null with a reason)."""

from __future__ import annotations

import json
import math
from typing import Any

from rnnloss_cli.render.text import step_latex, step_text
from rnnloss_cli.result import Result


def _num(x: Any) -> Any:
    if isinstance(x, float) and not math.isfinite(x):
        return None
    if isinstance(x, (list, tuple)):
        return [_num(v) for v in x]
    return x


def to_dict(r: Result, precision: int = 3) -> dict[str, Any]:
    """The JSON document for one result; nested results (custom losses) under ``children``."""
    warnings = list(r.warnings)
    if r.loss is not None and not math.isfinite(r.loss):
        warnings.append(f"loss is {r.loss} and JSON has no infinity, so it is written as null")
    return {
        "kind": r.kind,
        "title": r.title,
        "source": r.source,
        "file": r.file,
        "loss": _num(r.loss),
        "unit": r.unit,
        "figures": {k: _num(v) for k, v in r.figures.items()},
        "formula": step_text(r.formula, precision) if r.formula else None,
        "steps": [
            {
                "label": s.label,
                "text": step_text(s, precision),
                "latex": step_latex(s, precision),
                "values": {k: _num(v) for k, v in s.values.items()},
            }
            for s in r.steps
        ],
        "tables": [
            {
                "title": t.title,
                "columns": t.columns,
                "rows": [_num(row) for row in t.rows],
                "optional": t.optional,
            }
            for t in r.tables
        ],
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
        "children": [{"term": label, **to_dict(c, precision)} for label, c in r.children],
    }


def render_json(results: list[Result], precision: int = 3) -> str:
    """One object for one result, a list for several."""
    docs = [to_dict(r, precision) for r in results]
    return json.dumps(
        docs[0] if len(docs) == 1 else docs, indent=2, allow_nan=False, ensure_ascii=False
    )
