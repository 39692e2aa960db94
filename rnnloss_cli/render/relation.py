"""Which relation sign a printed line may honestly use: "=" or "≈".

A derivation line such as ``−ln 0.0254 = 3.673`` is read by a student with a pencil: from the
*printed* numbers (rounded at ``--precision``) the left side must give the printed right side.
When rounding of the operands breaks that (``−ln 0.03 = 3.7`` at ``-p 1``: −ln 0.03 = 3.507),
the line says ``≈`` instead. This only chooses a sign for text already laid out; it reads the
printed numbers, + − × · / ^, parentheses, ln, tanh, √ and e^(…) or e^2 (also written exp), and
max(a, b, …) and min(…) (hinge's ``max(0, 1 − 0.8) = 0.2``, PyTorch's floored BCE gradient
``… / max(ŷ · (1 − ŷ), 1e-12)``, BPTT's ``h_1 = tanh(0.893) = 0.71293`` and
``‖∇L‖ = √1.87 = 1.367``), and leaves any other line as it is.

The printed numbers are read as the decimals they are and worked out in decimal arithmetic
(50 significant digits): a right side is given when it lies within half a unit of its last
printed place of that exact value, so that ``-p 12`` is held to its 12th decimal and numbers
below a double (``1.13e-446``, printed from their logs) are judged too. A value exactly
half-way gives the neighbour a student rounds it to, half away from zero, as the printed
numbers are rounded (render.text.fmt_number): ``2.477 / 2 = 1.2385`` gives 1.239, not the
1.238 that the unrounded 2.476939 / 2 = 1.23847 prints as, so ``2.477 / 2 = 1.238`` is not
given (its operand gets a guard digit: ``2.4769 / 2 = 1.238``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import MAX_EMAX, MIN_EMIN, Decimal, DecimalException, localcontext

from rnnloss_cli.render.text import MAX_SIGNIFICANT

_NUMBER = r"-?(?:\d+(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?"
#: " = number" (a relation whose right side is a printed number): not the first number of an
#: expression ("= 0.2 + 0.1", "= 0.9^2"), which is not judged
_RELATION = re.compile(r" = (" + _NUMBER + r")(?![\d.(^²])(?! [-+×·*/−] )")
_TOKEN = re.compile(r"\s*(ln|tanh|exp|sqrt|max|min|\d+(?:\.\d*)?(?:e[-+]?\d+)?|\.\d+|[-+*/^(),])")
#: Functions of one argument: ``f(x)^2`` is (f x)^2; without brackets ``f`` takes what
#: follows as ln does (``√1.87``, ``ln 0.5^2`` = ln 0.25).
_FUNCTIONS = ("ln", "tanh", "exp", "sqrt")
#: Characters a printed expression is made of: ln, tanh, exp, sqrt (√, e^(…)), max, min and
#: their commas.
_ARITH_CHARS = set("0123456789.e+-*/^() ln,maxi tanh exp sqrt")
#: e^(…) as exp(…) (not a number's exponent: 1e^( is no power of e).
_EXP_BRACKET = re.compile(r"(?<![\w.])e\^\(")
#: e^ and a number, e^2 or e^-1 (a softmax's exponentials, "e^2 = 7.389"), as exp(2).
_EXP_NUMBER = re.compile(r"(?<![\w.])e\^(-?(?:\d+(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?)")
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
    unary := "-" unary | f unary | power  (f: ln; tanh, exp, sqrt not before "(");
    power := atom ("^" unary)?;
    atom := number | (expr) | ("tanh"|"exp"|"sqrt") (expr) | ("max"|"min") "(" expr ("," expr)* ")"
    """

    def __init__(self, tokens: list[str]) -> None:
        self.t, self.i, self.ops = tokens, 0, 0
        #: An operation with no value at its numbers (ln 0, x / 0) was met: the parse goes
        #: on with 1 in its place, so that a line that does not parse is told apart.
        self.undefined = False

    def _no_value(self) -> Decimal:
        self.undefined = True
        return Decimal(1)

    def peek(self) -> str | None:
        return self.t[self.i] if self.i < len(self.t) else None

    def take(self) -> str:
        self.i += 1
        return self.t[self.i - 1]

    def expr(self) -> Decimal:
        v = self.term()
        while self.peek() in ("+", "-"):
            op = self.take()
            self.ops += 1
            w = self.term()
            v = v + w if op == "+" else v - w
        return v

    def term(self) -> Decimal:
        v = self.unary()
        while self.peek() in ("*", "/"):
            op = self.take()
            self.ops += 1
            w = self.unary()
            if op == "/" and w == 0:
                v = self._no_value()
            else:
                v = v * w if op == "*" else v / w
        return v

    def unary(self) -> Decimal:
        if self.peek() == "-":
            self.take()
            return -self.unary()
        tok = self.peek()
        if tok == "ln" or (tok in _FUNCTIONS and not self._called()):
            self.take()
            self.ops += 1
            return self._apply(tok, self.unary())
        return self.power()

    def _called(self) -> bool:
        """Whether the function at the cursor is followed by its bracket: tanh(0.5)^2."""
        return self.i + 1 < len(self.t) and self.t[self.i + 1] == "("

    def _apply(self, name: str, x: Decimal) -> Decimal:
        """ln x, tanh x, e^x or √x; ln of x <= 0 and √ of x < 0 have no value."""
        if name == "ln":
            return self._no_value() if x <= 0 else x.ln()
        if name == "sqrt":
            return self._no_value() if x < 0 else x.sqrt()
        if name == "exp":
            return x.exp()
        return _tanh(x)

    def power(self) -> Decimal:
        v = self.atom()
        if self.peek() == "^":
            self.take()
            self.ops += 1
            w = self.unary()
            if abs(w) > _MAX_POWER:
                raise ValueError("power too large to work out")
            if (v < 0 and w != w.to_integral_value()) or (v == 0 and w < 0):
                return self._no_value()  # (−0.5)^0.5, 0^(−1)
            return v**w
        return v

    def atom(self) -> Decimal:
        tok = self.peek()
        if tok == "(":
            self.take()
            v = self.expr()
            if self.peek() != ")":
                raise ValueError("unbalanced")
            self.take()
            return v
        if tok in ("max", "min"):
            return self.extremum()
        if tok in _FUNCTIONS and tok != "ln" and self._called():
            self.take()
            self.ops += 1
            return self._apply(tok, self.atom())  # the bracket: tanh(0.5)^2 = (tanh 0.5)^2
        if tok is None or not (tok[0].isdigit() or tok[0] == "."):
            raise ValueError("not a number")
        return Decimal(self.take())

    def extremum(self) -> Decimal:
        """max(a, b, …) or min(a, b, …): the largest (smallest) of its comma-separated
        arguments, each an expression (hinge's max(0, 1 − y·ŷ)); one operation."""
        pick = max if self.take() == "max" else min
        if self.peek() != "(":
            raise ValueError("max/min without its bracket")
        self.take()
        self.ops += 1
        args = [self.expr()]
        while self.peek() == ",":
            self.take()
            args.append(self.expr())
        if self.peek() != ")":
            raise ValueError("unbalanced")
        self.take()
        return pick(args)


def _tanh(x: Decimal) -> Decimal:
    """tanh x = (1 − e^(−2|x|)) / (1 + e^(−2|x|)), with the sign of x; below 1e-5 from its
    series x − x³/3 + 2x⁵/15 (the first form would lose the digits of 1 − e^(−2|x|))."""
    if abs(x) < Decimal("1e-5"):
        return x - x**3 / 3 + 2 * x**5 / 15
    t = (-2 * abs(x)).exp()
    return ((1 - t) / (1 + t)).copy_sign(x)


#: Largest power worked out (0.9^2, 10^(−3)); a printed 10^(1.5e20) is left unread.
_MAX_POWER = 10_000


#: What :func:`evaluate` gives for an expression that reads as arithmetic but has no value
#: at its printed numbers: ln 0, a division by 0 ("(1 − 0) / (1 · (1 − 1))" where ŷ =
#: 0.9999999 printed as 1).
UNDEFINED = "undefined"


def _plain(text: str) -> str:
    """Printed maths as the parser's ASCII: − → -, × and · → *, √ → sqrt, ² → ^2,
    e^( → exp(, e^2 → exp(2)."""
    text = text.replace("−", "-").replace("×", "*").replace("·", "*").replace("√", "sqrt")
    text = text.replace("²", "^2")  # a square written as a student writes it: 1.279²
    return _EXP_BRACKET.sub("exp(", _EXP_NUMBER.sub(r"exp(\1)", text))


def evaluate(expr: str) -> Decimal | str | None:
    """The value of a printed arithmetic expression with at least one operation, else None;
    :data:`UNDEFINED` where it has no value at its printed numbers."""
    expr = _plain(expr)
    tokens = _tokens(expr)
    if not tokens:
        return None
    p = _Parser(tokens)
    try:
        with localcontext() as ctx:
            ctx.prec = 50
            ctx.Emin, ctx.Emax = MIN_EMIN, MAX_EMAX  # a path's 6.25e-434294483
            v = p.expr()
    except (ValueError, ArithmeticError, DecimalException, RecursionError):
        return None  # RecursionError: nested past Python's limit (max(max(…))), not read
    if p.i != len(tokens) or not p.ops:
        return None
    return UNDEFINED if p.undefined else v


def _left_side(text: str) -> Decimal | str | None:
    """The value of the longest arithmetic expression that ends ``text``, if any
    (:data:`UNDEFINED` where it has no value: its tail is not read in its place)."""
    plain = _plain(text)
    start = len(plain)
    while start > 0 and plain[start - 1] in _ARITH_CHARS:
        start -= 1
    for i in range(start, len(plain)):
        if plain[i] in " +*/^)" or (i > start and plain[i - 1] in "0123456789.e"):
            continue
        if plain[i].isalpha() and i > 0 and (plain[i - 1].isalnum() or plain[i - 1] == "_"):
            continue  # the end of a word: argmax(…), softmax(…) are not max(…)
        if plain[i].isdigit() and i > 0 and (plain[i - 1].isalpha() or plain[i - 1] == "_"):
            continue  # a name's digit: h0² is the name h0 squared, not 0²
        v = evaluate(plain[i:])
        if v is not None:
            return v
    return None


def _half_unit(shown: Decimal, precision: int) -> Decimal:
    """Half a unit of the last place render.text.fmt_number prints ``shown`` to at
    ``precision``: ``precision`` decimals from 0.1 up, ``precision`` significant digits
    below 0.1 (and 6 or more from 1e16 on), never more than MAX_SIGNIFICANT (15)
    significant digits (999999999999.95 at ``precision`` 5 is held to its 3rd decimal);
    a 0 is exact from ``precision`` 1 on (any other number below 0.1 prints with
    significant digits)."""
    if shown == 0:
        return Decimal("0.5") if precision == 0 else Decimal(0)
    mag = abs(shown)
    if mag < Decimal("0.1") or mag >= Decimal("1e16"):
        sig = max(precision, 6) if mag >= 1 else max(precision, 1)
        return Decimal(5).scaleb(mag.adjusted() - min(sig, MAX_SIGNIFICANT))
    whole = mag.adjusted() + 1 if mag >= 1 else 0
    return Decimal(5).scaleb(-max(0, min(precision, MAX_SIGNIFICANT - whole)) - 1)


def _printed_half_unit(printed: str, precision: int) -> Decimal:
    """Half a unit of the last place a reader takes ``printed`` to: the smaller of its last
    shown digit and the place fmt_number prints at ``precision`` (trailing zeros are
    dropped, so "0.2" at ``precision`` 3 stands for 0.200, and a number given guard digits,
    "0.2218", is held to its 4th decimal)."""
    shown = Decimal(printed)
    at_precision = _half_unit(shown, precision)
    if shown == 0:
        return at_precision
    mant, _, exp = printed.lower().lstrip("-").partition("e")
    decimals = len(mant.partition(".")[2])
    return min(at_precision, Decimal(5).scaleb(int(exp or 0) - decimals - 1))


def unsupported(text: str, precision: int, *more: int, as_printed: bool = False) -> list[int]:
    """Indices (among the line's " = " signs) whose printed numbers do not give the right side.

    ``text`` is a plain-text line as printed at ``precision`` (see render.text.fmt_number), or
    with some numbers at the ``more`` precisions (guard digits): a right side printed at any
    of them is given when the exact value of the left side lies within half a unit of its
    last place there. With ``as_printed`` a right side is held to its own last printed digit
    (:func:`_printed_half_unit`: a result that got guard digits is judged at them).
    """
    if "…" in text:
        return []  # elided terms: the line does not show everything it adds
    with localcontext() as ctx:  # exponents past +-999,999 (a path's 6.25e-434294483)
        ctx.Emin, ctx.Emax = MIN_EMIN, MAX_EMAX
        return list(_unsupported_in(_UNITS.sub("", text), precision, more, as_printed))


def _unsupported_in(
    line: str, precision: int, more: tuple[int, ...], as_printed: bool
) -> Iterator[int]:
    """The indices :func:`unsupported` returns, for a line without its units."""
    for k, m in enumerate(re.finditer(r" = ", line)):
        rhs = _RELATION.match(line, m.start())
        if rhs is None:
            continue
        value = _left_side(line[: m.start()])
        if value is UNDEFINED:
            yield k  # ln 0 or x / 0 at the printed numbers: they give no right side
            continue
        if value is None or not value.is_finite():
            continue
        shown = Decimal(rhs.group(1))
        if as_printed:
            if _off(value, shown, _printed_half_unit(rhs.group(1), precision)):
                yield k
        elif all(_off(value, shown, _half_unit(shown, p)) for p in (precision, *more)):
            yield k


def _off(value: Decimal, shown: Decimal, half: Decimal) -> bool:
    """Whether ``value`` does not round to ``shown``, whose last place's half unit is
    ``half``: it lies further than ``half`` from it, or exactly ``half`` on the side of zero
    (a tie rounds half away from zero, as a student and fmt_number round it: 1.2385 is 1.239
    at 3 decimals, −1.2385 is −1.239)."""
    gap = abs(value - shown)
    return gap > half or (gap == half and half > 0 and abs(shown) < abs(value))


def undefined(text: str) -> list[int]:
    """Indices (among the line's " = " signs) whose left side has no value at its printed
    numbers (ln 0, a division by 0), the right side being a printed number."""
    if "…" in text:
        return []
    line = _UNITS.sub("", text)
    out = []
    with localcontext() as ctx:
        ctx.Emin, ctx.Emax = MIN_EMIN, MAX_EMAX
        for k, m in enumerate(re.finditer(r" = ", line)):
            if _RELATION.match(line, m.start()) and _left_side(line[: m.start()]) is UNDEFINED:
                out.append(k)
    return out


def mark_approx(text: str, indices: list[int], sign: str = "≈", equals: str = " = ") -> str:
    """``text`` with its ``equals`` signs at ``indices`` (counted left to right) made ``sign``."""
    if not indices:
        return text
    parts = text.split(equals)
    out = parts[0]
    for k, part in enumerate(parts[1:]):
        out += (f" {sign} " if k in indices else equals) + part
    return out
