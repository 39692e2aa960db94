"""Rendered output (rich, markdown, JSON, LaTeX) as lines for the arithmetic checker of
tests/solve/pencil.py, which recomputes every ``expr = number`` from the printed numbers.

Prose (warnings, notes) prints its numbers with fixed significant digits, not at ``-p``: it
is judged to its last shown digit.
"""

from __future__ import annotations

import re

from tests.solve.pencil import DEFECTS, audit_line, describe
from tests.solve.pencil import evaluate as _evaluate


def latex_to_plain(s: str) -> str:
    """The LaTeX the renderers print, as plain text the checker reads."""
    for _ in range(3):  # \frac{a}{b} (not nested in our output, but be safe)
        s = re.sub(r"\\frac\{([^{}]*)\}\{([^{}]*)\}", r"(\1) / (\2)", s)
    s = re.sub(r"\^\{([^{}]*)\}", r"^(\1)", s)
    s = re.sub(r"\\text\{([^{}]*)\}", r"\1", s)  # words: "2.617\text{ nats} / \ln 10"
    rep = {
        r"\times": "×",
        r"\cdot": "·",
        r"\ln": "ln",
        r"\approx": "≈",
        r"\quad": " ",
        r"\left": "",
        r"\right": "",
        r"\,": " ",
        r"\;": " ",
        r"\!": "",
    }
    for k, v in rep.items():
        s = s.replace(k, v)
    s = s.replace("$", " ").replace("{", " ").replace("}", " ")
    return re.sub(r"\s+", " ", s)


def evaluate(expr: str) -> float | None:
    """The value of a printed expression, or None when it is not one the checker reads."""
    try:
        val, ops = _evaluate(expr.replace("−", "-").replace("×", "*").replace("·", "*"), None)
    except Exception:
        return None
    return float(val.v) if ops else None


def relations(line: str) -> list[tuple[str, str, str]]:
    """(left expression, relation, printed right side) for each relation with work on it."""
    return [
        (r.lhs, r.sign, r.rhs)
        for r in audit_line(line, None).relations
        if r.status not in ("given", "unworked", "elided")
    ]


#: Prose (warnings, notes) prints its numbers with fixed significant digits, not at -p.
PROSE = ("⚠", "> **Warning", "> **Note", "note:", "PROSE:")


def bad_lines(text: str, precision: int) -> list[str]:
    """Every relation in ``text`` whose printed numbers do not support it."""
    bad = []
    for line in text.splitlines():
        prose = line.lstrip().startswith(PROSE)
        audit = audit_line(line, None if prose else precision)
        bad += [describe(audit, r) for r in audit.relations if r.status in DEFECTS]
    return bad
