"""Number formatting and step templates shared by every renderer (layout only, no maths)."""

from __future__ import annotations

import math
import re
from typing import Any

from rnnloss_cli.result import Step

_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)(?:\|([^}]*))?\}")
_JOINERS_PLAIN = {"+": " + ", "*": " × ", ",": ", "}
_JOINERS_LATEX = {"+": " + ", "*": r" \times ", ",": ", "}
#: Long lists in a step show their head and tail around an ellipsis.
MAX_TERMS = 16


def fmt_number(x: Any, precision: int = 3, latex: bool = False) -> str:
    """Fixed decimals, trailing zeros dropped; below 0.1, ``precision`` significant digits."""
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        return str(x)
    if isinstance(x, int):
        return str(x)
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        sign = "-" if x < 0 else ""
        return sign + (r"\infty" if latex else "inf")
    if x != 0 and abs(x) < 0.1:
        s = f"{x:.{precision}g}"
        if "e" in s:
            mant, exp = s.split("e")
            return rf"{mant} \times 10^{{{int(exp)}}}" if latex else f"{mant}e{int(exp)}"
        return s
    s = f"{x:.{precision}f}"
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def _join(values: list, sep: str, precision: int, latex: bool) -> str:
    joiner = (_JOINERS_LATEX if latex else _JOINERS_PLAIN).get(sep, sep)
    items = [fmt_number(v, precision, latex) for v in values]
    if len(items) > MAX_TERMS:
        items = [*items[: MAX_TERMS - 3], r"\dots" if latex else "…", *items[-2:]]
    return joiner.join(items)


def fill(template: str, values: dict[str, Any], precision: int, latex: bool = False) -> str:
    """Replace ``{name}`` and ``{name|sep}`` placeholders with formatted numbers."""

    def sub(m: re.Match) -> str:
        name, sep = m.group(1), m.group(2)
        if name not in values:
            return m.group(0)
        v = values[name]
        if isinstance(v, (list, tuple)):
            return _join(list(v), sep or ",", precision, latex)
        return fmt_number(v, precision, latex)

    return _PLACEHOLDER.sub(sub, template)


def step_text(step: Step, precision: int) -> str:
    return fill(step.text, step.values, precision)


def step_latex(step: Step, precision: int) -> str:
    return fill(step.latex or step.text, step.values, precision, latex=True)
