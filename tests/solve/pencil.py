"""A pencil-and-calculator audit of printed derivation lines, for tests only.

A student redoes every printed line from its *printed* numbers. For each relation
``EXPR = R`` (or ``EXPR ≈ R``) whose left side is arithmetic on printed numbers (+ − × · /
^, parentheses, ln, tanh, e^(…) or e^x (also exp), √, max, min) and whose right side is a
printed number:

* the exact value v of EXPR on the printed operands (decimal arithmetic, 60 digits) must lie
  within half a unit of R's last printed digit for the line to say "=" (a tie counts as
  given: both neighbours are half a unit away);
* whatever the sign, R must lie within the range EXPR takes when every operand moves by
  half a unit of its own last digit (interval arithmetic), widened by R's half unit: a line
  outside it uses an operand other than the one printed, leaves out a term, or is wrong.

The unit of a printed number is the smaller of its last shown digit and the digit the
renderer prints at ``precision`` (trailing zeros are dropped: "0.2" at -p 3 stands for
0.200); from ``precision`` 1 on a printed "0" is exact (the renderer writes any other
number below 0.1 with significant digits; at ``-p 0`` "0" stands for anything below 0.5).
A result printed with more digits than a double holds (``-p 17``) carries float noise from
the 16th significant digit on: the range test (not the "=" test) allows ``FLOAT_NOISE`` of
its size (more for a number held as its log, see ``_noise``). Nothing here calls the engine
or the renderer's own "=" / "≈" decision.

Functions: tanh, exp and √ with their bracket bind as a number does, so ``tanh(0.5)^2`` is
(tanh 0.5)²; without it they take what follows as ln always does (``√0.09 × 4`` = 0.3 × 4,
``ln 0.5^2`` = ln 0.25). All are monotone, so their range is f(lo)..f(hi).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, localcontext

_NUM = r"(?:\d+(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?"
_TOKEN = re.compile(r"\s*(" + _NUM + r"|ln|tanh|exp|sqrt|max|min|[-+*/^(),])")
_RHS = re.compile(r"(-?" + _NUM + r")(?=$|[,;:)\]]|\s+(?![-+*/^]))")
#: Functions of one argument (see the module docstring for how they bind).
_UNARY = ("ln", "tanh", "exp", "sqrt")
#: Relative error a double-precision result may carry (about 2^-48: a few ulps, several
#: operations): "wrong value" means more than this beyond the operands' range.
FLOAT_NOISE = Decimal("4e-15")
#: Magnitudes a double holds; beyond them numbers are held as their natural log.
_DOUBLE = (Decimal("2.2e-308"), Decimal("1.8e308"))


def _noise(r: Decimal) -> Decimal:
    """Relative float noise a printed result may carry: FLOAT_NOISE, or for a number held
    as its log (beyond a double) FLOAT_NOISE × |ln r| (ln 1e-446 = −1027: an ulp of the log
    is 2.3e-13 of the value)."""
    if r == 0 or _DOUBLE[0] <= abs(r) <= _DOUBLE[1]:
        return FLOAT_NOISE
    return FLOAT_NOISE * abs(abs(r).ln())


#: Characters that may precede the first character of a left side.
_BOUNDARY = set(" (=:;,[{")


class Unreadable(Exception):
    """The text is not an expression this checker reads."""


@dataclass(frozen=True)
class Val:
    """A value and the range [lo, hi] it spans when its printed operands move within their
    rounding (None when that range leaves a function's domain)."""

    v: Decimal
    lo: Decimal | None
    hi: Decimal | None
    exact_int: bool = False

    @property
    def ranged(self) -> bool:
        return self.lo is not None and self.hi is not None


def normalise(line: str) -> str:
    """Printed maths as ASCII operators: − → -, × and · → *, √ → sqrt, e^( → exp(, e^0.5
    → exp 0.5 (e^ of a printed number; not a number's exponent: 1e^( is no power of e)."""
    s = line.replace("−", "-").replace("×", "*").replace("·", "*").replace("√", "sqrt")
    s = s.replace("²", "^2")  # 1.279² as 1.279^2
    s = re.sub(r"(?<![\w.])e\^\(", "exp(", s)
    s = re.sub(r"(?<![\w.])e\^(?=-?[\d.])", "exp ", s)
    return re.sub(r" (nats|bits)\b", "", s)


#: Most significant digits the renderer prints (render.text MAX_SIGNIFICANT: a double holds
#: 15 decimal digits, DBL_DIG): at -p 14, −ln 1e-7 = 16.118095650958319788… prints as
#: 16.1180956509583 (13 decimals, 15 digits), not at 14 decimals.
PRINTED_MAX_SIGNIFICANT = 15


def half_unit(printed: str, precision: int | None) -> Decimal:
    """Half a unit in the last digit of ``printed`` (see module docstring), with the place
    printed at ``precision`` no finer than the 15th significant digit: the smaller of the
    last shown digit and max(the place at ``precision``, the 15th significant digit's)."""
    base = _half_unit_at_precision(printed, precision)
    d = Decimal(printed)
    if precision is None or d == 0:
        return base
    mant, _, exp = printed.lower().lstrip("-").partition("e")
    shown = Decimal(5).scaleb(int(exp or 0) - len(mant.partition(".")[2]) - 1)
    capped = Decimal(5).scaleb(abs(d).adjusted() - PRINTED_MAX_SIGNIFICANT)
    return max(base, min(shown, capped))


def _half_unit_at_precision(printed: str, precision: int | None) -> Decimal:
    """Half a unit in the last digit of ``printed``, or of ``precision``'s place if finer."""
    d = Decimal(printed)
    if d == 0 and precision:
        return Decimal(0)
    mant = printed.lower().lstrip("-").split("e")[0]
    exp = int(printed.lower().split("e")[1]) if "e" in printed.lower() else 0
    decimals = len(mant.split(".")[1]) if "." in mant else 0
    unit = Decimal(1).scaleb(exp - decimals)
    if precision is not None and d != 0:
        mag = abs(d)
        if mag < Decimal("0.1") or mag >= Decimal("1e16"):
            sig = precision if mag < 1 else max(precision, 6)
            p_unit = Decimal(1).scaleb(mag.adjusted() - sig + 1)
        else:
            p_unit = Decimal(1).scaleb(-precision)
        unit = min(unit, p_unit)
    return unit / 2


class _Parser:
    def __init__(self, tokens: list[str], precision: int | None) -> None:
        self.t, self.i, self.ops, self.p = tokens, 0, 0, precision

    def peek(self) -> str | None:
        return self.t[self.i] if self.i < len(self.t) else None

    def take(self, want: str | None = None) -> str:
        tok = self.peek()
        if tok is None or (want is not None and tok != want):
            raise Unreadable(f"expected {want}")
        self.i += 1
        return tok

    def expr(self) -> Val:
        v = self.term()
        while self.peek() in ("+", "-"):
            op = self.take()
            self.ops += 1
            w = self.term()
            v = _add(v, w) if op == "+" else _add(v, _neg(w))
        return v

    def term(self) -> Val:
        v = self.unary()
        while self.peek() in ("*", "/"):
            op = self.take()
            self.ops += 1
            w = self.unary()
            v = _mul(v, w) if op == "*" else _div(v, w)
        return v

    def unary(self) -> Val:
        tok = self.peek()
        if tok == "-":
            self.take()
            return _neg(self.unary())
        if tok == "ln" or (tok in _UNARY and not self._called()):
            self.take()
            self.ops += 1
            return _apply(tok, self.unary())
        return self.power()

    def _called(self) -> bool:
        """Whether the function at the cursor is followed by its bracket: tanh(0.5)^2."""
        return self.i + 1 < len(self.t) and self.t[self.i + 1] == "("

    def power(self) -> Val:
        v = self.atom()
        if self.peek() == "^":
            self.take()
            self.ops += 1
            return _pow(v, self.unary())
        return v

    def atom(self) -> Val:
        tok = self.peek()
        if tok == "(":
            self.take()
            v = self.expr()
            self.take(")")
            return v
        if tok in _UNARY and tok != "ln":
            self.take()
            self.ops += 1
            return _apply(tok, self.atom())  # the bracket: tanh(0.5)^2 = (tanh 0.5)^2
        if tok in ("max", "min"):
            self.take()
            self.take("(")
            args = [self.expr()]
            while self.peek() == ",":
                self.take()
                args.append(self.expr())
            self.take(")")
            self.ops += 1
            return _call(tok, args)
        if tok is None or not (tok[0].isdigit() or tok[0] == "."):
            raise Unreadable("not a number")
        self.take()
        d = Decimal(tok)
        h = half_unit(tok, self.p)
        return Val(d, d - h, d + h, "." not in tok and "e" not in tok)


def _both(a: Val, b: Val) -> bool:
    return a.ranged and b.ranged


def _add(a: Val, b: Val) -> Val:
    if not _both(a, b):
        return Val(a.v + b.v, None, None)
    return Val(a.v + b.v, a.lo + b.lo, a.hi + b.hi)


def _neg(a: Val) -> Val:
    if not a.ranged:
        return Val(-a.v, None, None)
    return Val(-a.v, -a.hi, -a.lo, a.exact_int)


def _mul(a: Val, b: Val) -> Val:
    if not _both(a, b):
        return Val(a.v * b.v, None, None)
    c = [a.lo * b.lo, a.lo * b.hi, a.hi * b.lo, a.hi * b.hi]
    return Val(a.v * b.v, min(c), max(c))


def _div(a: Val, b: Val) -> Val:
    if b.v == 0:
        raise Unreadable("division by 0")
    if not _both(a, b) or b.lo <= 0 <= b.hi:
        return Val(a.v / b.v, None, None)
    c = [a.lo / b.lo, a.lo / b.hi, a.hi / b.lo, a.hi / b.hi]
    return Val(a.v / b.v, min(c), max(c))


def _mono(a: Val, f, *, positive: bool = False, nonneg: bool = False) -> Val:
    if (positive and a.v <= 0) or (nonneg and a.v < 0):
        raise Unreadable("outside the function's domain")
    if not a.ranged or (positive and a.lo <= 0) or (nonneg and a.lo < 0):
        return Val(f(a.v), None, None)
    return Val(f(a.v), f(a.lo), f(a.hi))


def _pow(a: Val, b: Val) -> Val:
    if b.v == b.v.to_integral_value() and abs(b.v) < 1000:
        n = int(b.v)
        if n < 0 and a.v == 0:
            raise Unreadable("0 to a negative power")
        if not a.ranged or (n < 0 and a.lo <= 0 <= a.hi):
            return Val(a.v**n, None, None)
        c = [a.lo**n, a.hi**n]
        lo, hi = min(c), max(c)
        if n % 2 == 0 and n > 0 and a.lo < 0 < a.hi:
            lo = Decimal(0)
        return Val(a.v**n, lo, hi)
    if a.v <= 0:
        raise Unreadable("a real power of a number <= 0")
    v = (b.v * a.v.ln()).exp()
    if not _both(a, b) or a.lo <= 0:
        return Val(v, None, None)
    c = [(y * x.ln()).exp() for x in (a.lo, a.hi) for y in (b.lo, b.hi)]
    return Val(v, min(c), max(c))


def _call(name: str, args: list[Val]) -> Val:
    if name in ("max", "min"):
        pick = max if name == "max" else min
        v = pick(a.v for a in args)
        if not all(a.ranged for a in args):
            return Val(v, None, None)
        return Val(v, pick(a.lo for a in args), pick(a.hi for a in args))
    raise Unreadable(f"no function {name}")


def _apply(name: str, a: Val) -> Val:
    """ln, tanh, exp or √ of ``a``, each monotone increasing (ln of x <= 0, √ of x < 0:
    unreadable; a range reaching outside the domain: no range)."""
    if name == "ln":
        return _mono(a, lambda x: x.ln(), positive=True)
    if name == "sqrt":
        return _mono(a, lambda x: x.sqrt(), nonneg=True)
    if name == "exp":
        return _mono(a, lambda x: x.exp())
    return _mono(a, _tanh)


def _tanh(x: Decimal) -> Decimal:
    """tanh x = sign(x) (1 − e^(−2|x|)) / (1 + e^(−2|x|)) (no overflow for large |x|); below
    1e-12 its series x − x³/3 (the next term, 2x⁵/15, is below 1e-48 of x), where 1 − e^(−2|x|)
    would lose the leading digits."""
    if abs(x) < Decimal("1e-12"):
        return x - x**3 / 3
    t = (-2 * abs(x)).exp()
    return ((1 - t) / (1 + t)).copy_sign(x)


def evaluate(expr: str, precision: int | None = None) -> tuple[Val, int]:
    """(value with its range, number of operations) of a normalised expression."""
    tokens, pos = [], 0
    while pos < len(expr):
        if not expr[pos:].strip():
            break
        m = _TOKEN.match(expr, pos)
        if not m:
            raise Unreadable(expr[pos:])
        tokens.append(m.group(1))
        pos = m.end()
    if not tokens:
        raise Unreadable("empty")
    with localcontext() as ctx:
        ctx.prec = 60
        ctx.Emin, ctx.Emax = -999999, 999999
        p = _Parser(tokens, precision)
        v = p.expr()
    if p.i != len(tokens):
        raise Unreadable("trailing tokens")
    return v, p.ops


#: What a relation can be found to be. A "given" names a value ("P(H) = 0.6"), an
#: "unworked" result is computed from names only ("−ln p(y|x) = 1.406": the student cannot
#: redo it from the line), an "elided" line sums terms it does not all print ("…").
CHECKED = ("ok", "needless ≈", "wrong =", "wrong value")
DEFECTS = ("wrong =", "wrong value")


@dataclass
class Relation:
    """One ``lhs = rhs`` of a line and what the audit made of it."""

    lhs: str
    sign: str
    rhs: str
    status: str  # one of CHECKED, or "given", "unworked", "elided"
    value: Decimal | None = None
    span: tuple[Decimal, Decimal] | None = None


@dataclass
class LineAudit:
    """The relations of one printed line."""

    line: str
    relations: list[Relation] = field(default_factory=list)

    @property
    def counted(self) -> bool:
        """A line with some work on it: a relation checked, unworked or elided."""
        return any(r.status != "given" for r in self.relations)

    @property
    def checked(self) -> bool:
        return any(r.status in CHECKED for r in self.relations)

    @property
    def defects(self) -> list[Relation]:
        return [r for r in self.relations if r.status in DEFECTS]

    @property
    def unworked(self) -> list[Relation]:
        return [r for r in self.relations if r.status == "unworked"]


def _left(text: str, precision: int | None) -> tuple[str, Val, int] | None:
    """The longest arithmetic expression ending ``text`` (its start at a word boundary)."""
    for i in range(len(text)):
        if i and text[i - 1] not in _BOUNDARY:
            continue
        cand = text[i:].strip()
        if not cand or cand[0] in "+*/^),":
            continue
        try:
            val, ops = evaluate(cand, precision)
        except (Unreadable, ArithmeticError, ValueError):
            continue
        return cand, val, ops
    return None


_NAME_STOPS = (", ", " = ", " ≈ ", " with ", " and ")


def _named_side(text: str) -> str:
    """The left side of a relation written in names: back to the nearest ":", ";", " = ",
    ", ", " with ", " and " or unmatched "(" (e.g. "−ln p(y|x)" in "RNN-T loss: −ln p(y|x)")."""
    depth = 0
    for i in range(len(text) - 1, -1, -1):
        c = text[i]
        if c == ")":
            depth += 1
        elif c == "(":
            if depth == 0:
                return text[i + 1 :].strip()
            depth -= 1
        elif depth == 0 and (c in ":;" or any(text[: i + 1].endswith(w) for w in _NAME_STOPS)):
            return text[i + 1 :].strip()
    return text.strip()


#: An operation a student would have to redo on a left side written in names: ln, tanh, Σ,
#: a norm, a root, + − × / between names.
_WORK = re.compile(r"(^|[\s(-])ln |tanh|Σ|‖|sqrt| [-+*/] ")


def _in_bracket(s: str, pos: int) -> bool:
    """Whether ``pos`` lies inside a square bracket left open before it ("[c_2 = 0]")."""
    return s.count("[", 0, pos) > s.count("]", 0, pos)


def audit_line(line: str, precision: int | None) -> LineAudit:
    """Every relation of ``line`` with a printed number on its right, judged."""
    out = LineAudit(line)
    s = normalise(line)
    elided = "…" in line or "more)" in line or r"\dots" in line
    for m in re.finditer(r" (=|≈) ", s):
        if _in_bracket(s, m.start()):
            continue  # an Iverson bracket, [c_t = 0]: a 1 or a 0, not a relation
        rhs = _RHS.match(s, m.end())
        if rhs is None:
            continue
        sign, r_text = m.group(1), rhs.group(1)
        before = s[: m.start()]
        left = None if elided else _left(before, precision)
        if left is None:
            named = _named_side(before)
            work = bool(_WORK.search(named))
            status = "elided" if elided and work else "unworked" if work else "given"
            out.relations.append(Relation(named, sign, r_text, status))
            continue
        expr, val, ops = left
        if ops == 0:
            out.relations.append(Relation(expr, sign, r_text, "given"))
            continue
        with localcontext() as ctx:
            ctx.prec = 60
            r = Decimal(r_text)
            h = half_unit(r_text, precision)
            slack = h * Decimal("1e-9") + abs(r) * Decimal("1e-50")
            given = abs(val.v - r) <= h + slack
            wide = h + slack + abs(r) * _noise(r)
            inside = not val.ranged or val.lo - wide <= r <= val.hi + wide
        if not inside:
            status = "wrong value"
        elif sign == "=" and not given:
            status = "wrong ="
        elif sign == "≈" and given:
            status = "needless ≈"
        else:
            status = "ok"
        span = (val.lo, val.hi) if val.ranged else None
        out.relations.append(Relation(expr, sign, r_text, status, val.v, span))
    # a result worked from numbers elsewhere on the line is not unworked ("P = a + b = c;
    # −ln P = −ln c = d")
    worked = {r.rhs for r in out.relations if r.status in CHECKED}
    for r in out.relations:
        if r.status == "unworked" and r.rhs in worked:
            r.status = "given"
    return out


def describe(a: LineAudit, r: Relation) -> str:
    """One line for a failure message."""
    got = "?" if r.value is None else f"{r.value:.10g}"
    span = "" if r.span is None else f" (range {r.span[0]:.6g}..{r.span[1]:.6g})"
    return f"{r.status}: {r.lhs} {r.sign} {r.rhs}, printed operands give {got}{span} in: {a.line}"
