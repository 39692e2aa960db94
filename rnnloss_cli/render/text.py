"""Number formatting and step templates shared by every renderer (layout only, no maths)."""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Any

from rnnloss_cli.limits import MAX_WINDOW_CELLS, STEP_MAX_TERMS
from rnnloss_cli.render.latex import latex_symbol
from rnnloss_cli.result import (
    Derived,
    LogNumber,
    Result,
    Step,
    Table,
    Terms,
    Window,
    window_indices,
)

_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)(?:\|([^}]*))?\}")
_JOINERS_PLAIN = {"+": " + ", "*": " × ", ",": ", "}
_JOINERS_LATEX = {"+": " + ", "*": r" \times ", ",": ", "}
#: Long lists in a step show their head and tail around an ellipsis that says how many
#: items it stands for.
MAX_TERMS = STEP_MAX_TERMS
#: The elision marker in tables and sums (the ASCII output maps it to "...").
ELLIPSIS = "…"


def cut_end(text: str, n: int) -> str:
    """``text`` in at most ``n`` characters: its start and "…" when longer, cut before a
    letter whose accents (combining marks) the cut would part from it."""
    if len(text) <= n:
        return text
    k = n - 1
    while k > 0 and unicodedata.combining(text[k]):
        k -= 1
    return text[:k] + ELLIPSIS


def cut_start(text: str, n: int) -> str:
    """``text`` in at most ``n`` characters: "…" and its end when longer (a beam's prefixes
    share their start), less any accents the cut parted from their letter."""
    if len(text) <= n:
        return text
    end = text[-(n - 1) :]
    return ELLIPSIS + end.lstrip("".join(c for c in end if unicodedata.combining(c)))


#: Below this natural log a LogNumber is printed from its log (exp would lose digits or be 0).
_LOG_PRINT_BELOW = -690.0


#: From this magnitude on, numbers are written in scientific notation (6 significant digits
#: or ``precision``): a float64 holds about 16 significant digits.
_FIXED_MAX = 1e16


#: Most significant digits any number is printed with (C's DBL_DIG): every decimal of at most
#: 15 significant digits survives decimal -> double -> decimal, so these 15 are digits the
#: double determines. The 16th and 17th (needed to tell two doubles apart) are rounding noise
#: of the arithmetic that produced it: (0.99999999999995 − 0) / 1e-12 is held as
#: 999999999999.9500732421875, which a student redoes as 999999999999.95. ``--precision``
#: beyond them adds no digits (render.relation judges a printed number at the same cap).
MAX_SIGNIFICANT = 15


def fixed_places(x: float, precision: int, significant: int = MAX_SIGNIFICANT) -> int:
    """Decimals fmt_number prints ``x`` (0.1 <= |x| < 1e16) with: ``precision``, fewer where
    they would give more than ``significant`` significant digits (999999999999.95007 at
    ``precision`` 5 -> 3 decimals, 999999999999.950); 0 at least."""
    held = abs(float(f"{x:.{significant}g}"))  # 99999.99999999999 -> 100000: 6 digits
    whole = len(str(int(held))) if held >= 1 else 0
    return max(0, min(precision, significant - whole))


#: Significant digits a double is read to when deciding a decimal tie (0.2 / 0.16 / 4 is
#: held as 0.31249999999999994: to 15 digits it is the tie 0.3125).
_TIE_DIGITS = 15


def _half_up(x: float, sig: int | None = None, places: int = 0) -> float:
    """``x``, or where it is a decimal tie at its last printed place once read to
    _TIE_DIGITS significant digits, that tie rounded half up (away from zero), as a student
    rounds: 0.3125 -> 0.313 at 3 decimals (Python's own formatting rounds the double, which
    gives 0.312 for the exact tie and for 0.31249999999999994 alike).

    The last printed place is 10^-``places`` (fixed decimals), or with ``sig`` the ``sig``-th
    significant digit. A number whose digits beyond that place are not exactly 5 (0.31249,
    0.31251) is returned as it is, so it keeps its nearest rounding.
    """
    clean = Decimal(f"{x:.{_TIE_DIGITS}g}")
    exponent = clean.adjusted() - max(sig, 1) + 1 if sig is not None else -places
    shifted = abs(clean).scaleb(-exponent)
    if shifted - shifted.to_integral_value(rounding=ROUND_FLOOR) != Decimal("0.5"):
        return x
    return float(clean.quantize(Decimal(1).scaleb(exponent), rounding=ROUND_HALF_UP))


def fmt_number(
    x: Any, precision: int = 3, latex: bool = False, *, significant: int = MAX_SIGNIFICANT
) -> str:
    """Fixed decimals, trailing zeros dropped; below 0.1, ``precision`` significant digits;
    from 1e16 on, scientific notation (``1.8e308``, never 309 digits); never more than
    ``significant`` (MAX_SIGNIFICANT, 15) significant digits, whatever ``precision``
    (:func:`fmt_key` lets a key show the 17 it may be written with). A decimal tie prints
    half up (:func:`_half_up`: 0.3125 -> 0.313, also when the double is 0.31249999999999994).

    A string is a symbol from the problem file (a CTC label): as it is, or for LaTeX escaped
    for maths (:func:`render.latex.latex_symbol`: ``_`` -> ``\\text{\\_}``).
    """
    if isinstance(x, LogNumber):
        return fmt_log(x.ln, precision, latex)
    if isinstance(x, str) and latex:
        return latex_symbol(x)
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        return str(x)
    if isinstance(x, int):
        return str(x)
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        sign = "-" if x < 0 else ""
        return sign + (r"\infty" if latex else "inf")
    big = abs(x) >= _FIXED_MAX  # 1e40 in fixed notation is 41 digits, 37 of them noise
    sig = min(max(precision, 6) if big else precision, significant)
    if x != 0 and (abs(x) < 0.1 or big):
        x = _half_up(x, sig=sig)
    elif x != 0:
        precision = fixed_places(x, precision, significant)
        x = _half_up(x, places=precision)
    if x != 0 and (abs(x) < 0.1 or big):
        s = f"{x:.{sig}g}"
        if "e" in s:
            mant, exp = s.split("e")
            return rf"{mant} \times 10^{{{int(exp)}}}" if latex else f"{mant}e{int(exp)}"
        return s
    s = f"{x:.{precision}f}"
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


#: Most digits a key's own writing may ask for (a key typed as 0.1 + 0.2 = 0.30000000000000004).
_KEY_MAX_DIGITS = 10


def _key_digits(x: float, precision: int) -> int:
    """The digits fmt_number needs to show ``x`` as written (its shortest repr): decimals
    from 0.1 up, significant digits below; never fewer than ``precision``."""
    text = repr(float(x)).lstrip("-")
    if "e" in text or "." not in text or not math.isfinite(x):
        return precision
    whole, frac = text.split(".")
    need = len(frac) if abs(x) >= 0.1 else len(frac.lstrip("0"))
    return max(precision, min(need, _KEY_MAX_DIGITS))


#: Characters of a text key (a path, a labelling) shown: its first and last halves beyond.
_KEY_MAX_CHARS = 60


def _cut_text(text: str) -> str:
    """A long text key cut like a derivation's labellings: "AAA…(20,000 characters)…AAB"."""
    if len(text) <= _KEY_MAX_CHARS:
        return text
    half = _KEY_MAX_CHARS // 2
    return f"{text[:half]}…({len(text):,} characters)…{text[-half:]}"


def fmt_key(
    expected: Any, got: Any, precision: int = 3, *, distinct: bool = False
) -> tuple[str, str]:
    """An answer key and the computed figure, both with the key's own digits (at least
    ``precision``): key 1.4065 against 1.406497 reads "1.4065" / "1.4065", where 3
    decimals read "1.407" / "1.406" for a match. With ``distinct`` (a key that disagrees)
    more digits are shown until the two differ (0.01 against 0.010000000000000002). A long
    text key (a path) is cut to its first and last characters."""
    if isinstance(expected, bool) or not isinstance(expected, (int, float)):  # A-BB
        shown_got = "-" if got is None else _cut_text(str(fmt_number(got, precision)))
        return _cut_text(str(fmt_number(expected, precision))), shown_got
    digits = _key_digits(expected, precision)
    if got is None:
        return fmt_number(expected, digits), "-"
    shown = fmt_number(expected, digits), fmt_number(got, digits)
    while distinct and shown[0] == shown[1] and expected != got and digits < 17:
        digits += 1
        # to tell two doubles apart, up to the 17 significant digits that identify one
        pair = (fmt_number(v, digits, significant=_WRITTEN_MAX_DIGITS) for v in (expected, got))
        shown = tuple(pair)
    if distinct and shown[0] == shown[1] and expected != got:  # beyond 17 digits: repr
        shown = repr(float(expected)), repr(float(got))
    return shown


def answer_rows(checks: list, precision: int = 3) -> list[tuple[str, str]]:
    """(figure, answer) for a solution sheet: the computed figure at its key's digits, and a
    key that disagrees beside it ("0.531 (the key says 0.9)"), with no verdict column."""
    rows = []
    for c in checks:
        expected, got = fmt_key(c.expected, c.got, precision, distinct=not c.ok)
        rows.append((c.figure, got if c.ok else f"{got} (the key says {expected})"))
    return rows


def fmt_log(ln: float, precision: int = 3, latex: bool = False) -> str:
    """exp(ln) formatted without computing it when it would underflow: 3.2e-2100 from its log.

    The base-10 exponent is floor(ln / ln 10) and the mantissa 10^(frac part), so any value
    whose log is finite prints with ``precision`` significant digits, at most as many as the
    log carries (12 near 1e-446, 11 near 1e-2100); ln = -inf prints "0".
    """
    if math.isnan(ln):
        return "NaN"
    if ln == -math.inf:
        return "0"
    if ln >= _LOG_PRINT_BELOW:
        return fmt_number(math.exp(ln), precision, latex)
    e10 = ln / math.log(10)
    if abs(e10) >= 1e15:  # e10's fraction (the mantissa) is lost: write 10^(e10) itself
        m, _, x = f"{e10:.{max(precision - 1, 0)}e}".partition("e")
        m = m.rstrip("0").rstrip(".")
        return rf"10^{{{m} \times 10^{{{int(x)}}}}}" if latex else f"10^({m}e{int(x)})"
    exp = math.floor(e10)
    # e10 carries an absolute error of about |e10| * 2^-52, so the mantissa only its first
    # 15 - log10|e10| significant digits (12 at 1e-446): print no more than those
    reliable = max(1, int(15 - math.log10(abs(e10) + 1)))
    digits = max(min(precision, reliable) - 1, 0)
    mant = f"{10 ** (e10 - exp):.{digits}f}"
    if float(mant) >= 10:  # 9.9996 rounds up to 10.000: carry into the exponent
        exp += 1
        mant = f"{1:.{digits}f}"
    return rf"{mant} \times 10^{{{exp}}}" if latex else f"{mant}e{exp}"


def elision(count: int, latex: bool = False) -> str:
    """The marker standing for ``count`` items left out of a sum or list."""
    what = f"{count:,} more"
    return rf"\dots\text{{({what})}}\dots" if latex else f"{ELLIPSIS} ({what}) {ELLIPSIS}"


def _join(
    values: list | Terms,
    sep: str,
    precision: int,
    latex: bool,
    digits: Digits | None = None,
    minus: str = "-",
) -> str:
    """Join a list; a long one keeps its head and tail, and says how many items it leaves out.
    ``minus``: the sign a negative number is written with (:func:`fill`)."""
    joiner = (_JOINERS_LATEX if latex else _JOINERS_PLAIN).get(sep, sep)
    if isinstance(values, Terms):
        head, tail, count = list(values.head), list(values.tail), values.count
    else:
        head, tail, count = list(values), [], len(values)
    if len(head) + len(tail) > MAX_TERMS:
        both = head + tail
        head, tail = both[: MAX_TERMS - 3], both[-2:]
    items = [_signed(v, digits_of(v, precision, digits), latex, minus) for v in head]
    left_out = count - len(head) - len(tail)
    if left_out > 0:
        items.append(elision(left_out, latex))
    items += [_signed(v, digits_of(v, precision, digits), latex, minus) for v in tail]
    return joiner.join(items)


#: The minus sign of a number in a printed line (rich, markdown, JSON's text), as the
#: line's own operators write it ("−(0.196) = −0.196", not "−(0.196) = -0.196").
MINUS = "\u2212"


def signed(v: Any, text: str) -> str:
    """``text``, the printed number ``v``, with its sign U+2212 (:data:`MINUS`) as the
    derivation lines write it; a symbol or text (``v`` a string: a path "-a-") as it is."""
    if isinstance(v, (str, bool)) or not text.startswith("-"):
        return text
    return MINUS + text[1:]


def _signed(v: Any, precision: int, latex: bool, minus: str) -> str:
    """``v`` as :func:`fmt_number` prints it, its sign written ``minus`` (an exponent's
    keeps the hyphen, 1e-300, as tables and prose write it); a symbol (a string: a CTC
    label, maybe "-") as it is."""
    text = fmt_number(v, precision, latex)
    return text if minus == "-" else signed(v, text)


@dataclass
class LaidOut:
    """A table as a renderer draws it: held cells windowed, elision markers, a note."""

    columns: list[str]
    rows: list[list[Any]]
    styles: dict[tuple[int, int], str]
    note: str | None


def _with_gaps(kept: list[int], full: list[int], total: int) -> list[int | None]:
    """Kept positions with None wherever the full indices jump (an elision goes there),
    including after the last one when the table goes on beyond it."""
    out: list[int | None] = []
    for n, (k, idx) in enumerate(zip(kept, full, strict=True)):
        if n and idx != full[n - 1] + 1:
            out.append(None)
        out.append(k)
    if full and full[-1] < total - 1:
        out.append(None)
    return out


def index_runs(full: list[int], total: int, first: int = 1) -> str:
    """Shown indices (0-based) as runs of ``total`` numbered from ``first``: "1–30 and
    99,971–100,000 of 100,000" (``first`` 0 for indices that are written 0-based, as RNN-T's
    t and u)."""
    runs: list[list[int]] = []
    for idx in full:
        if runs and idx == runs[-1][1] + 1:
            runs[-1][1] = idx
        else:
            runs.append([idx, idx])
    text = [f"{a + first:,}" if a == b else f"{a + first:,}–{b + first:,}" for a, b in runs]
    return f"{' and '.join(text)} of {total:,}"


def _runs(full: list[int], what: str, total: int) -> str:
    """Shown full indices (0-based) as 1-based ranges, e.g. "rows 1–30 and 99,971–100,000"."""
    return f"{what} {index_runs(full, total)}"


def _keep(n_held: int, limit: int, head: int | None) -> list[int]:
    """Held positions to show: first and last ones; a head-only (tail-only) window keeps its
    first (last) ones, so the shown cells stay next to the table's edge they came from."""
    if n_held <= limit:
        return list(range(n_held))
    if head == n_held:
        return list(range(limit))
    if head == 0:
        return list(range(n_held - limit, n_held))
    return window_indices(n_held, limit)[0]


def lay_out(t: Table, window: Window | None = None) -> LaidOut:
    """Window a table for display: first and last rows/columns, "…" rows/columns between.

    A table already held as a window (``Table.windowed``) keeps its elision where it is; one
    larger than ``window`` is cut further. The note gives the full size and the
    ``--window ROWS[xCOLS]`` to see more.
    """
    w = window or Window()
    n_rows, n_cols = t.shape
    keep_r = _keep(len(t.rows), max(w.rows, 2), t.head_rows)
    key = min(t.key_columns, len(t.columns))
    head_c = None if t.head_columns is None else t.head_columns - key
    data = _keep(len(t.columns) - key, max(w.columns - key, 2), head_c)
    keep_c = [*range(key), *(key + j for j in data)]
    rows_g = _with_gaps(keep_r, [t.row_index(i) for i in keep_r], n_rows)
    cols_g = _with_gaps(keep_c, [t.column_index(j) for j in keep_c], n_cols)
    columns = [ELLIPSIS if j is None else t.columns[j] for j in cols_g]
    rows: list[list[Any]] = []
    styles: dict[tuple[int, int], str] = {}
    for ri, i in enumerate(rows_g):
        if i is None:
            rows.append([ELLIPSIS] * len(cols_g))
            continue
        row = t.rows[i]
        rows.append([ELLIPSIS if j is None else (row[j] if j < len(row) else None) for j in cols_g])
        for ci, j in enumerate(cols_g):
            if j is not None and (i, j) in t.styles:
                styles[(ri, ci)] = t.styles[(i, j)]
    parts, more_r, more_c = [], w.rows, w.columns
    if None in rows_g:
        parts.append(_runs([t.row_index(i) for i in keep_r], "rows", n_rows))
        more_r = min(n_rows, 4 * w.rows)
    if None in cols_g:
        shown = [t.column_index(j) - key for j in keep_c[key:]]
        parts.append(_runs(shown, "columns", n_cols - key))
        more_c = min(n_cols, 4 * w.columns, MAX_WINDOW_CELLS // 2)
    more_r = max(2, min(more_r, MAX_WINDOW_CELLS // more_c))  # a window --window accepts
    notes = []
    if parts:
        flag = f"{more_r}x{more_c}" if None in cols_g else f"{more_r}"
        rerun = f"; rerun with --window {flag} to see more" if t.window_hint else ""
        notes.append(f"{t.title}: showing {' and '.join(parts)}{rerun}")
    if t.window_note:
        notes.append(t.window_note)
    return LaidOut(columns, rows, styles, "; ".join(notes) or None)


#: Digits a number is printed with where they are more than ``--precision``, by its value:
#: the same number gets the same digits in every line and table cell it appears in.
Digits = dict[float, int]


#: Significant digits that make two floats the same number for :data:`Digits`: a table's
#: b = R_t − A_t and the line's b = mean of the returns differ in their last bits only.
_KEY_DIGITS = 12


def digit_key(v: Any) -> float | None:
    """The key of a number in :data:`Digits`: a finite float's magnitude read to _KEY_DIGITS
    significant digits (ints and text print as they are). x and −x share a key, so they
    print with the same digits (BPTT's o = (0.7616, −0.7616), not (0.7616, −0.762))."""
    if isinstance(v, float) and math.isfinite(v):
        return float(f"{abs(v):.{_KEY_DIGITS}g}")
    return None


def digits_of(v: Any, precision: int, digits: Digits | None) -> int:
    """The digits ``v`` is printed with: ``precision``, or more where ``digits`` says so."""
    if not digits:
        return precision
    key = digit_key(v)
    return precision if key is None else max(precision, digits.get(key, precision))


def cell_text(x: Any, precision: int, digits: Digits | None = None) -> str:
    """A table cell as printed: "" for None, a number with its digits (see :data:`Digits`)."""
    return "" if x is None else fmt_number(x, digits_of(x, precision, digits))


def fill(
    template: str,
    values: dict[str, Any],
    precision: int,
    latex: bool = False,
    operands: tuple[set[str], int] | None = None,
    digits: Digits | None = None,
    minus: str = "-",
) -> str:
    """Replace ``{name}`` and ``{name|sep}`` placeholders with formatted numbers.

    ``operands`` = (names, digits): every placeholder *not* in ``names`` is printed with
    ``digits`` instead of ``precision`` (guard digits for a line's operands, its result kept).
    ``digits`` (see :data:`Digits`) gives some numbers more digits wherever they appear.
    ``minus``: the sign negative numbers are written with (ASCII for the arithmetic checks of
    :mod:`render.relation`, :data:`MINUS` for the printed line).
    """

    def sub(m: re.Match) -> str:
        name, sep = m.group(1), m.group(2)
        if name not in values:
            return m.group(0)
        v = values[name]
        at = precision if operands is None or name in operands[0] else operands[1]
        if isinstance(v, (list, tuple, Terms)):
            items = v if isinstance(v, Terms) else list(v)
            return _join(items, sep or ",", at, latex, digits, minus)
        return _signed(v, digits_of(v, at, digits), latex, minus)

    return _PLACEHOLDER.sub(sub, template)


#: Digits an operand may get beyond ``--precision`` so that a line can be redone from its
#: printed numbers (−ln 0.222 = 1.505, not the 1.506 printed; −ln 0.2218 = 1.506).
GUARD_DIGITS = 2


def _result_names(template: str) -> set[str]:
    """The placeholder right after the template's last " = {": the value the line computes
    (a note after it, "(y_t = softmax(z_t))", has no placeholder to keep)."""
    results = re.findall(r" = \{([A-Za-z_][A-Za-z0-9_]*)", template)
    return {results[-1]} if results else set()


def _shown(
    step: Step, precision: int, digits: Digits | None = None
) -> tuple[str, list[int], tuple[set[str], int] | None]:
    """The step's plain text as printed, the indices of its " = " that must read "≈", and
    the operand digits used (None: every number at ``precision``).

    A line whose rounded operands do not give its printed result is tried with one, then two
    more digits on every number but the result; "≈" stays only where that does not mend it.
    With ``digits`` (a whole derivation's :func:`digits_plan`) the numbers take the digits
    planned for them, the same in every line, and "≈" stays where those do not give it.
    """
    from rnnloss_cli.render.relation import unsupported

    if digits is not None:
        text = fill(step.text, step.values, precision, digits=digits)
        return text, unsupported(text, precision, as_printed=True), None
    text = fill(step.text, step.values, precision)
    bad = unsupported(text, precision)
    if not bad:
        return text, [], None
    keep = _result_names(step.text)
    for extra in range(1, GUARD_DIGITS + 1):
        operands = (keep, precision + extra)
        guarded = fill(step.text, step.values, precision, operands=operands)
        if not unsupported(guarded, precision, precision + extra):
            return guarded, [], operands
    return text, bad, None


def step_text(step: Step, precision: int, digits: Digits | None = None) -> str:
    """The step as plain text; "=" becomes "≈" where the printed numbers do not give it.
    ``digits``: the derivation's :func:`digits_plan` (without it, the line alone decides
    its guard digits). Its negative numbers are written with the minus sign U+2212
    (:data:`MINUS`), as its operators are ("−(0.196) = −0.196")."""
    from rnnloss_cli.render.relation import mark_approx

    _, bad, operands = _shown(step, precision, digits)
    text = fill(step.text, step.values, precision, operands=operands, digits=digits, minus=MINUS)
    return mark_approx(text, bad)


def step_latex(step: Step, precision: int, digits: Digits | None = None) -> str:
    """The step as LaTeX, with the plain text's digits and "\\approx" wherever it says "≈"."""
    plain, bad, operands = _shown(step, precision, digits)
    latex = fill(step.latex or step.text, step.values, precision, True, operands, digits)
    if not bad:
        return latex
    plain_count = plain.count(" = ")
    eq = re.compile(r"(?<![<>\\!])=")
    count = len(eq.findall(latex))
    if count != plain_count:  # the forms differ: mark the last relation, the computed one
        bad = [count - 1]
    k = iter(range(count))
    return eq.sub(lambda m: r"\approx" if next(k) in bad else "=", latex)


def _numbers(v: Any) -> list[Any]:
    """The numbers a placeholder's value prints: itself, or a list's (or Terms') items."""
    if isinstance(v, Terms):
        return [*v.head, *v.tail]
    if isinstance(v, (list, tuple)):
        return list(v)
    return [v]


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def derived_lines(t: Table, d: Derived) -> list[tuple[str, dict[str, Any]]]:
    """Each held row's ``d`` as a derivation line: (template, values), e.g.
    ``("({a0}) × ({a1}) = {out}", {...})``; a row with a cell that is not a finite number
    (text, None, an elision) or a column not held in the window gives none."""
    try:
        out = t.columns.index(d.column)
        ins = [t.columns.index(name) for name in d.inputs]
    except ValueError:
        return []
    template = d.text.format(*(f"({{a{k}}})" for k in range(len(ins)))) + " = {out}"
    lines = []
    for row in t.rows:
        cells = [row[j] if j < len(row) else None for j in (*ins, out)]
        if all(_is_number(c) for c in cells):
            values = {f"a{k}": c for k, c in enumerate(cells[:-1])}
            lines.append((template, {**values, "out": cells[-1]}))
    return lines


#: How a table cell that its rounded inputs do not give is marked (a line says "≈").
APPROX_CELL = "≈"


def table_cells(
    t: Table, laid: LaidOut, precision: int, digits: Digits | None = None
) -> list[list[str]]:
    """The laid-out cells of ``t`` as printed: numbers with their digits (:data:`Digits`),
    and a :class:`Derived` cell that its row's printed inputs do not give (no guard digits
    mend it) marked "≈" in front, as a derivation line says "≈" instead of "="."""
    from rnnloss_cli.render.relation import unsupported

    texts = [[cell_text(c, precision, digits) for c in row] for row in laid.rows]
    for d in t.derived:
        if d.column not in laid.columns or any(n not in laid.columns for n in d.inputs):
            continue
        out = laid.columns.index(d.column)
        ins = [laid.columns.index(n) for n in d.inputs]
        for i, row in enumerate(laid.rows):
            if not all(_is_number(row[j]) for j in (*ins, out) if j < len(row)):
                continue
            shown = texts[i]
            expr = d.text.format(*(f"({shown[j]})" for j in ins))
            if unsupported(f"{expr} = {shown[out]}", precision, as_printed=True):
                shown[out] = APPROX_CELL + shown[out]
    return texts


def signed_cells(laid: LaidOut, texts: list[list[str]]) -> list[list[str]]:
    """:func:`table_cells`' ``texts`` with each negative number signed U+2212 (:data:`MINUS`),
    as the derivation lines write it (rich and markdown: a number reads the same in a table
    and in the line beside it); a symbol (a CTC label "-") stays as it is."""
    return [
        [
            re.sub(r"^(≈?)-", rf"\g<1>{MINUS}", text)
            if c is not None and not isinstance(c, str)
            else text
            for c, text in zip(row, shown, strict=True)
        ]
        for row, shown in zip(laid.rows, texts, strict=True)
    ]


def _relations(r: Result) -> list[tuple[str, dict[str, Any]]]:
    """Every printed relation of a derivation and its shown term derivations: the formula,
    the shown steps, and each table's derived columns row by row (all tables, shown or
    optional, so that ``--show`` does not change the digits of the others)."""
    out = []
    steps = ([r.formula] if r.formula else []) + r.shown_steps
    out += [(s.text, s.values) for s in steps if s.values]
    for t in r.tables:
        for d in t.derived:
            out += derived_lines(t, d)
    for item in r.shown_children:
        if not isinstance(item, str):
            out += _relations(item[1])
    return out


#: Rounds of mending in :func:`digits_plan`: guard digits given to one line can break a line
#: that printed the same number as its result; each round mends what the last one broke.
_PLAN_ROUNDS = 2 * GUARD_DIGITS + 2


def digits_plan(r: Result, precision: int) -> Digits:
    """Guard digits for the numbers of a whole derivation (its lines, table rows with
    :class:`Derived` columns, and its term derivations), so each printed relation can be
    redone from its printed numbers and a number reads the same wherever it is printed.

    A relation whose rounded operands do not give its printed result gets one, then two
    (GUARD_DIGITS) more digits on its operands, kept only where that mends it; where its
    result was itself given guard digits, one and two more than those
    (:func:`_operand_digits`). The operands
    are numbers (keyed by value), so the line that produced one prints it with the same
    digits as its result; that line is then held to them, and mended in the next round in
    its turn. Relations no digits mend keep "≈" (their digits are not raised).
    A relation undefined at its printed numbers (ln 0, a division by 0: ŷ = 0.9999999
    printed as 1) gets more digits on its operands, up to the digits each is written with,
    until it holds or, failing that, has a value (:func:`_defining_digits`).
    """
    from rnnloss_cli.render.relation import undefined, unsupported

    plan: Digits = {}
    relations = []
    for text, values in _relations(r):
        results = _result_names(text)
        keys = {
            k
            for name, v in values.items()
            if name not in results
            for k in map(digit_key, _numbers(v))
            if k is not None
        }
        shown = {
            k
            for name in results & values.keys()
            for k in map(digit_key, _numbers(values[name]))
            if k is not None
        }
        if keys:
            relations.append((text, values, keys, shown))

    def holds(text: str, values: dict[str, Any], digits: Digits) -> bool:
        line = fill(text, values, precision, digits=digits)
        return not unsupported(line, precision, as_printed=True)

    def defined(text: str, values: dict[str, Any], digits: Digits) -> bool:
        return not undefined(fill(text, values, precision, digits=digits))

    for _ in range(_PLAN_ROUNDS):
        changed = False
        for text, values, keys, shown in relations:
            if holds(text, values, plan):
                continue
            for at in _operand_digits(plan, shown, precision):
                trial = dict(plan)
                for k in keys:
                    trial[k] = max(trial.get(k, precision), at)
                if trial != plan and holds(text, values, trial):
                    plan, changed = trial, True
                    break
            else:
                if not defined(text, values, plan):
                    trial = _defining_digits(text, values, keys, plan, precision, holds, defined)
                    if trial is not None:
                        plan, changed = trial, True
        if not changed:
            break
    return plan


def _operand_digits(plan: Digits, shown: set[float], precision: int) -> list[int]:
    """The digits a relation's operands are tried at, fewest first: one, then two
    (GUARD_DIGITS) more than ``precision``, and where the plan already gives the result
    guard digits (it is an operand of another line: g_T of BPTT's Σ_t g_t) one and two more
    than those, so that the result's own line can hold at them ((0.902305 − 1) / 5 =
    -0.019539, where 0.9023 gave -0.01954); at most 2 × GUARD_DIGITS beyond ``precision``."""
    top = min(
        max((plan.get(k, precision) for k in shown), default=precision), precision + GUARD_DIGITS
    )
    levels = {base + extra for base in (precision, top) for extra in range(1, GUARD_DIGITS + 1)}
    return sorted(levels)


#: Most digits :func:`_written_digits` gives (a double's 17 significant digits).
_WRITTEN_MAX_DIGITS = 17


def _written_digits(x: float) -> int:
    """The digits :func:`fmt_number` needs to print ``x`` as it is written (its shortest
    repr): decimals from 0.1 up (0.9999999: 7), significant digits below (1.5e-07: 2); at
    most _WRITTEN_MAX_DIGITS."""
    text = repr(abs(x))
    mant, _, exp = text.partition("e")
    whole, _, frac = mant.partition(".")
    if exp:  # 1.5e-07: the mantissa's digits
        need = len((whole + frac).rstrip("0")) if abs(x) < 0.1 else 0
    else:
        frac = frac.rstrip("0")
        need = len(frac) if abs(x) >= 0.1 else len(frac.lstrip("0"))
    return min(need, _WRITTEN_MAX_DIGITS)


def _written(values: dict[str, Any]) -> dict[float, int]:
    """Per :func:`digit_key`, the most digits the numbers of ``values`` with that key are
    written with (0.9999999999999 is keyed 1.0, but written with 13 decimals)."""
    out: dict[float, int] = {}
    for v in values.values():
        for x in _numbers(v):
            k = digit_key(x)
            if k is not None:
                out[k] = max(out.get(k, 0), _written_digits(x))
    return out


def _defining_digits(
    text: str,
    values: dict[str, Any],
    keys: set[float],
    plan: Digits,
    precision: int,
    holds: Any,
    defined: Any,
) -> Digits | None:
    """Digits for a relation undefined at its printed numbers (ŷ = 0.9999999 printed as 1:
    ln(1 − 1), a division by ŷ (1 − ŷ) = 0): its operands get one more digit at a time, each
    no more than it is written with (:func:`_written_digits`), until the relation holds; if
    it never does, the fewest that define it (the line then says "≈"). None where no digits
    within those bounds define it."""
    written = _written(values)
    most = max((written.get(k, 0) for k in keys), default=0)
    first_defined = None
    for extra in range(1, most - precision + 1):
        trial = dict(plan)
        for k in keys:
            trial[k] = max(trial.get(k, precision), min(precision + extra, written.get(k, 0)))
        if trial == plan:
            continue
        if holds(text, values, trial):
            return trial
        if first_defined is None and defined(text, values, trial):
            first_defined = trial
    return first_defined


#: How each format marks a styled cell in text (where nothing is coloured or dimmed), and how
#: its legend names the mark. Styles without a text mark ("dim" on a 0 cell) speak for
#: themselves: the legend names the value instead.
TEXT_MARKS = {"dead": "†", "highlight": "*"}
LEGEND_TEXT = {"dim": "0", "dead": "†", "highlight": "*"}
LEGEND_COLOUR = {"dim": "dim", "dead": "yellow", "highlight": "highlighted"}


def legend_line(t: Table, names: dict[str, str], styles: dict | None = None) -> str | None:
    """The table's caption and, for each style its cells use, "mark: meaning"."""
    used = set((t.styles if styles is None else styles).values())
    parts = [t.caption] if t.caption else []
    parts += [f"{names[s]}: {m}" for s, m in t.legend.items() if s in used and s in names]
    return "; ".join(parts) or None
