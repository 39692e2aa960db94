"""Which relation sign a printed line may honestly use: "=" or "≈".

A derivation line such as ``−ln 0.0254 = 3.673`` is read by a student with a pencil: from the
*printed* numbers (rounded at ``--precision``) the left side must give the printed right side.
When rounding of the operands breaks that (``−ln 0.03 = 3.7`` at ``-p 1``: −ln 0.03 = 3.507),
the line says ``≈`` instead. This only chooses a sign for text already laid out; it reads the
printed numbers, + − × · / ^, parentheses and ln, and leaves any other line as it is.
"""

from __future__ import annotations

import math
import re

_NUMBER = r"-?(?:\d+(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?"
#: " = number" (a relation whose right side is a printed number)
_RELATION = re.compile(r" = (" + _NUMBER + r")(?![\d.(])")
_TOKEN = re.compile(r"\s*(ln|\d+(?:\.\d*)?(?:e[-+]?\d+)?|\.\d+|[-+*/^()])")
_ARITH_CHARS = set("0123456789.e+-*/^() ln")
_UNITS = re.compile(r" (nats|bits)\b")


def _tokens(expr: str) -> list[str] | None:
    out, pos = [], 0
    while pos < len(expr):
        if expr[pos:].strip() == "":
            break
        m = _TOKEN.match(expr, pos)
        if not m:
            return None
        out.append(m.group(1))
        pos = m.end()
    return out


class _Parser:
    """expr := term (("+"|"-") term)*; term := unary (("*"|"/") unary)*;
    unary := "-" unary | "ln" unary | power; power := atom ("^" unary)?; atom := number | (expr)
    """

    def __init__(self, tokens: list[str]) -> None:
        self.t, self.i, self.ops = tokens, 0, 0

    def peek(self) -> str | None:
        return self.t[self.i] if self.i < len(self.t) else None

    def take(self) -> str:
        self.i += 1
        return self.t[self.i - 1]

    def expr(self) -> float:
        v = self.term()
        while self.peek() in ("+", "-"):
            op = self.take()
            self.ops += 1
            w = self.term()
            v = v + w if op == "+" else v - w
        return v

    def term(self) -> float:
        v = self.unary()
        while self.peek() in ("*", "/"):
            op = self.take()
            self.ops += 1
            w = self.unary()
            v = v * w if op == "*" else v / w
        return v

    def unary(self) -> float:
        if self.peek() == "-":
            self.take()
            return -self.unary()
        if self.peek() == "ln":
            self.take()
            self.ops += 1
            return math.log(self.unary())
        return self.power()

    def power(self) -> float:
        v = self.atom()
        if self.peek() == "^":
            self.take()
            self.ops += 1
            return v ** self.unary()
        return v

    def atom(self) -> float:
        tok = self.peek()
        if tok == "(":
            self.take()
            v = self.expr()
            if self.peek() != ")":
                raise ValueError("unbalanced")
            self.take()
            return v
        if tok is None or not (tok[0].isdigit() or tok[0] == "."):
            raise ValueError("not a number")
        return float(self.take())


def evaluate(expr: str) -> float | None:
    """The value of a printed arithmetic expression with at least one operation, else None."""
    expr = expr.replace("−", "-").replace("×", "*").replace("·", "*")
    tokens = _tokens(expr)
    if not tokens:
        return None
    p = _Parser(tokens)
    try:
        v = p.expr()
    except (ValueError, ZeroDivisionError, OverflowError):
        return None
    return v if p.i == len(tokens) and p.ops else None


def _left_side(text: str) -> float | None:
    """The value of the longest arithmetic expression that ends ``text``, if any."""
    plain = text.replace("−", "-").replace("×", "*").replace("·", "*")
    start = len(plain)
    while start > 0 and plain[start - 1] in _ARITH_CHARS:
        start -= 1
    for i in range(start, len(plain)):
        if plain[i] in " +*/^)" or (i > start and plain[i - 1] in "0123456789.e"):
            continue
        v = evaluate(plain[i:])
        if v is not None:
            return v
    return None


def unsupported(text: str, precision: int, *more: int) -> list[int]:
    """Indices (among the line's " = " signs) whose printed numbers do not give the right side.

    ``text`` is a plain-text line as printed at ``precision`` (see render.text.fmt_number), or
    with some numbers at the ``more`` precisions (guard digits): a right side printed at any
    of them is given when the left side rounds to it there.
    """
    from rnnloss_cli.render.text import fmt_number

    if "…" in text or re.search(r"\de[-+]?\d{3}", text):
        return []  # elided terms, or numbers beyond a double (printed from their logs)
    line = _UNITS.sub("", text)
    bad = []
    for k, m in enumerate(re.finditer(r" = ", line)):
        rhs = _RELATION.match(line, m.start())
        if rhs is None:
            continue
        value = _left_side(line[: m.start()])
        if value is None or not math.isfinite(value):
            continue
        # the printed operands evaluated in binary: 0.7 × 0.5 is 0.34999999999999998, whose
        # decimal value 0.35 prints 0.4 at 1 decimal; a relative nudge of 1e-12 either way
        # lets the line's exact decimal value be read as printed
        near = (value, value * (1 + 1e-12), value * (1 - 1e-12))
        if all(fmt_number(v, p) != rhs.group(1) for p in (precision, *more) for v in near):
            bad.append(k)
    return bad


def mark_approx(text: str, indices: list[int], sign: str = "≈", equals: str = " = ") -> str:
    """``text`` with its ``equals`` signs at ``indices`` (counted left to right) made ``sign``."""
    if not indices:
        return text
    parts = text.split(equals)
    out = parts[0]
    for k, part in enumerate(parts[1:]):
        out += (f" {sign} " if k in indices else equals) + part
    return out
