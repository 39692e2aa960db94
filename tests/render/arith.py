"""A checker, for tests only, of the arithmetic printed in a derivation: every ``expr = number``
whose left side is made of printed numbers, + − × · / ^, parentheses and ln is recomputed from
those printed numbers and must round to the printed right side (``≈`` is held to 2 %).

Written apart from the renderer (which decides "=" or "≈" itself) so that it can disagree.
"""

from __future__ import annotations

import math
import re

NUMBER = r"[-−]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?"
_RELATION = re.compile(r"\s(=|≈)\s(" + NUMBER + r")(?![\d.(])")
_TOKEN = re.compile(r"\s*(ln|e\^|\d+(?:\.\d*)?(?:e[-+]?\d+)?|[-−+×·/^()*])")
_ALLOWED = set("0123456789.e+-−×·/^() ln")


def latex_to_plain(s: str) -> str:
    """The LaTeX the renderers print, as plain text the checker reads."""
    for _ in range(3):  # \frac{a}{b} (not nested in our output, but be safe)
        s = re.sub(r"\\frac\{([^{}]*)\}\{([^{}]*)\}", r"(\1) / (\2)", s)
    s = re.sub(r"\^\{([^{}]*)\}", r"^(\1)", s)
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
    """The value of a printed expression, or None when it is not one we read."""
    pos, out = 0, []
    expr = expr.strip()
    if not expr:
        return None
    while pos < len(expr):
        m = _TOKEN.match(expr, pos)
        if not m:
            return None
        tok = m.group(1)
        pos = m.end()
        tok = {"−": "-", "×": "*", "·": "*", "^": "**", "ln": "_ln", "e^": "_exp"}.get(tok, tok)
        out.append(tok)
    if not any(t in ("+", "-", "*", "/", "**", "_ln", "_exp") for t in out):
        return None
    code = " ".join(out)
    for f in ("_ln", "_exp"):  # ln x, e^(x): a call on the number or the bracket after it
        code = re.sub(f"{f} " + r"([\d.e+-]+|\([^()]*\))", f"{f}" + r"(\1)", code)
        if f in code.replace(f"{f}(", ""):
            return None
    try:
        value = eval(code, {"__builtins__": {}}, {"_ln": math.log, "_exp": math.exp})  # noqa: S307
    except (SyntaxError, ZeroDivisionError, ValueError, TypeError):
        return None
    return float(value)


def left_side(text: str) -> str | None:
    """The longest readable arithmetic expression that ends ``text``."""
    start = len(text)
    while start > 0 and text[start - 1] in _ALLOWED:
        start -= 1
    tail = text[start:]
    for i in range(len(tail)):
        cand = tail[i:]
        if not cand.strip() or cand[0] in " +×·/^)":
            continue
        if (cand.startswith("e") and not cand.startswith("e^")) or (
            i and tail[i - 1].isdigit() and cand[0].isdigit()
        ):
            continue
        if i and tail[i - 1] in "0123456789." and cand[0] in "0123456789.":
            continue
        if evaluate(cand) is not None:
            return cand
    return None


def allowed_error(printed: str, precision: int) -> float:
    """Half a unit in the last place the renderer prints at ``precision`` for this value."""
    v = abs(float(printed.replace("−", "-")))
    if v != 0 and v < 0.1:
        return 0.5 * 10 ** (math.floor(math.log10(v)) - precision + 1)
    return 0.5 * 10 ** (-precision)


def relations(line: str) -> list[tuple[str, str, str]]:
    """(left expression, relation, printed right side) for each relation we can read."""
    if "…" in line or "more)" in line:
        return []
    line = re.sub(r" (nats|bits)\b", "", line)  # a unit is a word, not arithmetic
    found = []
    for m in _RELATION.finditer(line):
        lhs = left_side(line[: m.start()])
        if lhs is not None:
            found.append((lhs, m.group(1), m.group(2)))
    return found


def shown_error(printed: str) -> float:
    """Half a unit in the last digit shown (prose prints fixed significant digits)."""
    mant = printed.lower().split("e")[0]
    decimals = len(mant.split(".")[1]) if "." in mant else 0
    exp = int(printed.lower().split("e")[1]) if "e" in printed.lower() else 0
    return 0.5 * 10 ** (exp - decimals)


#: Prose (warnings, notes) prints its numbers with fixed significant digits, not at -p.
PROSE = ("⚠", "> **Warning", "> **Note", "note:", "PROSE:")


def bad_lines(text: str, precision: int) -> list[str]:
    """Every relation in ``text`` whose printed numbers do not support it."""
    bad = []
    for line in text.splitlines():
        prose = line.lstrip().startswith(PROSE)
        for lhs, rel, rhs in relations(line):
            got = evaluate(lhs)
            want = float(rhs.replace("−", "-"))
            err = abs(got - want)
            tol = shown_error(rhs) if prose else allowed_error(rhs, precision)
            tol = tol * (1 + 1e-9) + 1e-12
            if rel == "≈":
                tol = max(20 * tol, 0.02 * abs(want))
            if not err <= tol:
                bad.append(f"{lhs} {rel} {rhs} (recomputed {got:.6g}) in: {line.strip()}")
    return bad
