"""Turn command-line flag values into the same data a problem file holds.

``"1,-1,1"`` is a vector and ``"0.1,0.9;0.8,0.2"`` a matrix (rows split by ``;``). The data
then goes through the very validation a YAML file does, with ``<command line>`` as its file.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from rnnloss_cli.errors import ProblemError

FLAGS_FILE = "<command line>"
#: Digits beyond which an integer cannot fit a float64 (and int() would refuse past 4300).
_MAX_INT_DIGITS = 400
FLOAT64_WORDS = "does not fit a float64 number (max about 1.8e308)"
TINY_WORDS = (
    "is too small for a float64 number (it would be read as 0; the smallest is about "
    "4.9e-324): write 0 if 0 is meant"
)


def underflows(text: str, value: float) -> bool:
    """True when the number written as ``text`` is not 0 but reads as the float 0.0
    (``1e-400``): taking it as 0 would silently change the input."""
    if value != 0.0:
        return False
    mantissa = text.lower().partition("e")[0]
    return any(c in "123456789" for c in mantissa)


def flag_error(message: str, flag: str) -> ProblemError:
    """A bad-input error for one flag (exit 2, one line naming the flag: ``--clip: ...``)."""
    err = ProblemError(message, file=FLAGS_FILE, field=flag)
    if flag.startswith("-") or flag.isupper():  # a flag or an argument (TARGET) as typed
        err.flag = flag
    return err


#: Flags of words, not numbers: a ';' in them is part of a word, not a row break.
_WORD_FLAGS = frozenset({"lexicon", "symbols", "vocabulary", "target", "alignments"})
#: Fields whose flag is not ``--`` + the field's name.
_FLAG_NAMES = {"alignments": "--alignment"}
#: A field as validation names it: ``y``, ``yhat[1][2]``, ``probs.B`` (or a flag, ``--probs``).
_FIELD = re.compile(r"(-*[A-Za-z_]+)((?:\[\d+\])*)(?:\.(.*))?", re.S)


def flag_where(
    field: str | None,
    message: str,
    typed: Mapping[str, Any],
    names: Mapping[str, str],
    matrices: Collection[str] = (),
) -> str:
    """The flag a field of flag data came from, with its 1-based row and item as the user
    wrote them (rows split by ';'): ``yhat[1][2]`` -> ``--yhat, row 2, item 3``.

    ``typed`` holds each field's value as typed; ``names`` the flags not named ``--field``
    (``target`` -> ``TARGET`` for an argument). ``method``, which the user may not have
    typed, names ``--probs`` when the probabilities are the cause, ``--frames`` when T is.
    An error of no field (``missing field: give one of yhat, logits``) names the first flag
    its message names.
    """
    if not field:
        keys = _keys_named(message, {*typed, *names})
        field = keys[0] if keys else None
    match = _FIELD.fullmatch(field or "")
    if match is None:
        return field or "the command line"
    key = match[1].lstrip("-")
    if key.isupper():  # already an argument's name (TARGET)
        return key
    if key == "method" and ("sum to" in message or typed.get("method") is None):
        # exact CTC implied (--show beta) but impossible: the probabilities' sum, or no T
        key = "frames" if "sum to" not in message and "frames" in message else "probs"
    if message.startswith("the blank ") and "word or n-gram" not in message:
        key = "blank"  # the blank missing from the symbols or probs, or part of the target
    flag = _flag(key, names)
    index = [int(i) + 1 for i in re.findall(r"\d+", match[2])]
    raw = typed.get(key)
    if key == "alignments" and index:
        return f"{flag} no. {index[0]}"
    if match[3] is not None:
        return f"{flag}, {match[3]}"
    rows = isinstance(raw, str) and ";" in raw and key not in _WORD_FLAGS
    per_row = ("row", "frame", "step")  # a message about one row of a matrix
    if not rows and key in matrices and (len(index) == 2 or any(w in message for w in per_row)):
        index = index[1:]  # one row read as a T = 1 matrix: its row 1 is the whole flag
    words = ("row", "item") if rows else ("item",)
    return ", ".join([flag, *(f"{w} {i}" for w, i in zip(words, index, strict=False))])


def _flag(key: str, names: Mapping[str, str]) -> str:
    """The flag (or argument) typed for the field ``key``: ``log_probs`` -> ``--log-probs``."""
    return names.get(key) or _FLAG_NAMES.get(key) or "--" + key.replace("_", "-")


def _keys_named(message: str, keys: Collection[str]) -> list[str]:
    """The field names of ``keys`` that ``message`` names, in the order it names them."""
    found = [(m.start(), m[0].strip("'")) for m in re.finditer(r"'?\b\w+\b'?", message)]
    return list(dict.fromkeys(k for _, k in sorted(found) if k in keys))


#: Where a message of the problem parser names another field by its bare YAML name:
#: ``give one of yhat, logits``, ``(like yhat)``, ``but yhat has``, ``missing from symbols``.
_BARE_NAME = (
    r"(?<=\bone of )(?:\w+, )*\w+",
    r"(?<=\bgive either )\w+ or \w+",
    r"(?<=\blike )\w+(?=\))",
    r"(?<=\bmissing from )\w+",
    r"(?<=\bwith )\w+(?=[,)]| or\b)",
    r"(?<=\bgive )\w+(?= \()",
    r"(?<=\bor the )\w+",
    r"(?<=\bof )\w+(?= (?:sums|or)\b)",
    r"(?<= or )\w+(?=[;,)]|$)",
    r"(?<=\bfrom )\w+(?=\))",
    r"\b\w+(?= (?:has|gives|is already|are already|go with)\b)",
    r"(?<=\bgo with )\w+",
    r"(?<=\bcolumns of )\w+",
    r"(?:(?<=\bstep of )|(?<=\bsteps of )|(?<=\bsequence of ))\w+(?=\)|[;,]|$)",
    r"(?<=\()\w+(?=\))",  # "every step is padding (lengths)"
)


def flag_words(
    message: str, own: str | None, typed: Collection[str], names: Mapping[str, str]
) -> str:
    """``message`` of a problem file's field spoken in flags: a YAML spelling of a field the
    command has as a flag (``'symbols: [...]'``, ``'logits'``, ``'blank:'``, and the bare
    names of ``_BARE_NAME``) becomes the flag (``--symbols``); ``missing field: `` is
    dropped (the error names the flag). ``own``, the field the error is about, keeps its
    bare name at the start (``--gamma: gamma is a discount factor ...``)."""
    keys = {*typed, *names, *_FLAG_NAMES}

    def quoted(m: re.Match[str]) -> str:
        return _flag(m[1], names) if m[1] in keys else m[0]

    def bare(m: re.Match[str], first: bool) -> str:
        if first and m.start() == 0 and m[0] == own:
            return m[0]
        return re.sub(r"\w+", lambda w: _flag(w[0], names) if w[0] in keys else w[0], m[0])

    missing = re.match(r"missing (?:required )?field(?: '\w+')?(?:: |$)", message)
    text = (message[missing.end() :] or "required, not given") if missing else message
    # 'symbols: [...]', 'blank:', 'frames: T'; not a value echoed back ("got 'method: x'")
    text = re.sub(r"(?<!got )'(\w+):[^']*'", quoted, text)
    # 'logits' where a field is asked for; not a value echoed ("got 'y'", "symbol 'mask'")
    text = re.sub(r"(?:(?<=give )|(?<=needs )|(?<=with )|^)'(\w+)'", quoted, text)
    parts = re.split(r"('[^']*')", text)  # a quoted value is echoed as typed: left alone
    return "".join(
        p if i % 2 else _unquoted_words(p, i == 0, bare, keys, names) for i, p in enumerate(parts)
    )


def _unquoted_words(
    text: str, first: bool, bare: Any, keys: Collection[str], names: Mapping[str, str]
) -> str:
    """``flag_words``' rewrites of text outside quotes (``first``: the message's start)."""
    text = re.sub(  # a value as YAML writes it, "y: [1, -1]", as the flag is typed: "--y 1,-1"
        r"\b(\w+): \[([^\]]*)\]",
        lambda m: f"{_flag(m[1], names)} {m[2].replace(', ', ',')}" if m[1] in keys else m[0],
        text,
    )
    text = re.sub(  # a setting as YAML writes it, "or reduction: sum", as typed: "--reduction sum"
        r"(?<![\w-])(\w+): (\w+)(?=$|[;,.)])",
        lambda m: f"{_flag(m[1], names)} {m[2]}" if m[1] in keys else m[0],
        text,
    )
    text = re.sub(  # "2 columns but 3 symbols are named": the flag that names them
        r"\b(\d+) symbols? (?:are|is) named\b",
        lambda m: f"{_flag('symbols', names)} names {m[1]}" if "symbols" in keys else m[0],
        text,
    )
    # a flag's rows are split by ';' (a nested list is a problem file's word for them)
    text = text.replace("got a 2-level nested list", "got rows split by ';'")
    for pattern in _BARE_NAME:
        text = re.sub(pattern, lambda m: bare(m, first), text)
    return text


@contextmanager
def flags_named(
    typed: Mapping[str, Any],
    names: Mapping[str, str] | None = None,
    matrices: Collection[str] = (),
) -> Iterator[None]:
    """Errors of flag data raised inside name the flag the user typed (``flag_where``),
    not the field of a problem file: ``--y, item 2: ...`` for ``<command line>: field 'y[1]'``.
    """
    try:
        yield
    except ProblemError as err:
        if err.file == FLAGS_FILE and err.flag is None:
            names = names or {}
            err.flag = flag_where(err.field, err.message, typed, names, matrices)
            own = _FIELD.fullmatch(err.field or "")
            own_key = own[1].lstrip("-") if own else None
            err.message = flag_words(err.message, own_key, typed, names)
        raise


#: A decimal number as flags, answers (``mark``, ``grade``) and LM files write it: ASCII
#: digits with an optional sign, point and exponent. Python's float() also reads "1_000"
#: (1000) and digits of other scripts ("١" is 1), which a reader would not expect.
DECIMAL = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
#: A flag's number: a decimal, or nan / inf (refused later as not finite, with the field).
_FLAG_NUMBER = re.compile(rf"{DECIMAL}|[+-]?(?:nan|inf|infinity)", re.I)


def parse_number(text: str, flag: str) -> Any:
    """One number: an integer stays an int, anything else a float (``1e-5``, ``nan``).

    A value that does not fit a float64 (a 400-digit integer, ``1e400``) is refused here,
    naming the flag; ``nan``/``inf`` written as such go on to be refused as not finite.
    Only ASCII decimal numbers are read (see ``_FLAG_NUMBER``).
    """
    t = text.strip()
    if not _FLAG_NUMBER.fullmatch(t):
        from rnnloss_cli.problem.fields import text_number_hint

        raise ProblemError(
            f"expected a number, got {t[:40]!r}{text_number_hint(t)}", file=FLAGS_FILE, field=flag
        )
    digits = t.lstrip("+-")
    if digits.isascii() and digits.isdigit():
        if len(digits) > _MAX_INT_DIGITS:
            raise _too_big(t, flag)
        number = int(t)
        try:
            float(number)
        except OverflowError:
            raise _too_big(t, flag) from None
        return number
    try:
        value = float(t)
    except ValueError:
        raise ProblemError(f"expected a number, got {t!r}", file=FLAGS_FILE, field=flag) from None
    if math.isinf(value) and "inf" not in t.lower():
        raise _too_big(t, flag)
    if underflows(t, value):
        raise ProblemError(f"{shown_number(t)} {TINY_WORDS}", file=FLAGS_FILE, field=flag)
    return value


#: The largest whole number a field or flag holds: numpy's index type, int64.
INT64_MAX = 2**63 - 1
#: Digits of an integer shown as they are in a message; a longer one is "a 401-digit number".
_SHOWN_INT_DIGITS = 20
_INTEGER = re.compile(r"[+-]?[0-9]+")


def shown_integer(text: str) -> str:
    """An integer's text for a message: as written up to 20 digits, else its size (``a
    401-digit number``, ``a 401-digit negative number``), whatever the size: 10^20, 10^400
    and 10^5000 are worded alike."""
    text = text.strip()
    digits = text.lstrip("+-")
    if len(digits) <= _SHOWN_INT_DIGITS:
        return text
    sign = "negative " if text.startswith("-") else ""
    return f"a {len(digits):,}-digit {sign}number"


def _bound(value: float) -> str:
    """A range's end as a message writes it: ``2^63 - 1`` for the int64 bound."""
    if value >= INT64_MAX:
        return "2^63 - 1"
    if value <= -INT64_MAX:
        return "-(2^63 - 1)"
    return str(int(value)) if float(value).is_integer() else str(value)


def integer_words(low: float | None, high: float | None, got: str) -> str:
    """The one message of an integer out of range, however large:
    ``expected an integer between 1 and 2^63 - 1, got a 401-digit number``."""
    lo = -INT64_MAX if low is None else max(low, -INT64_MAX)
    hi = INT64_MAX if high is None else min(high, INT64_MAX)
    return f"expected an integer between {_bound(lo)} and {_bound(hi)}, got {got}"


def parse_integer(text: str, flag: str, low: int, high: int | None = None) -> int:
    """An integer flag: ASCII digits with an optional sign, between ``low`` and ``high``
    (default 2^63 - 1), else a ProblemError of :func:`integer_words` naming ``flag``. Click's
    ``int()`` read ``1_0`` as 10 and fullwidth or Arabic digits too, and worded a huge value
    by its size (a 5000-digit one echoed whole, past 4300 digits "not a valid integer")."""
    t = text.strip()
    hi = INT64_MAX if high is None else high
    if not _INTEGER.fullmatch(t):
        from rnnloss_cli.problem.fields import text_number_hint

        got = "nothing" if not t else f"{t[:40]!r}{'...' if len(t) > 40 else ''}"
        # a minus sign from a PDF, digits of another script, '_': why it is not read
        hint = text_number_hint(t) if not t.isascii() or "_" in t else ""
        raise flag_error(integer_words(low, hi, got + hint), flag)
    too_long = len(t.lstrip("+-")) > _SHOWN_INT_DIGITS  # past any int64: not converted
    if too_long or not low <= int(t) <= hi:
        raise flag_error(integer_words(low, hi, shown_integer(t)), flag)
    return int(t)


def shown_text(text: str, limit: int = 40) -> str:
    """A typed text quoted for a message, a long one cut: ``'xxx...' (5,000 characters)``."""
    if len(text) <= limit:
        return repr(text)
    return f"{text[:limit]!r}... ({len(text):,} characters)"


def shown_number(text: str) -> str:
    """A number's text for a message, a long one cut: ``1000000000000000000000...``."""
    return text if len(text) <= 24 else text[:20] + "..."


def _too_big(text: str, flag: str) -> ProblemError:
    return ProblemError(f"{shown_number(text)} {FLOAT64_WORDS}", file=FLAGS_FILE, field=flag)


def parse_numbers(text: str, flag: str) -> Any:
    """``"1,2"`` -> [1, 2]; ``"1,2;3,4"`` -> [[1, 2], [3, 4]]; a lone number stays a list."""
    if not text.strip():
        raise ProblemError("expected numbers, got nothing", file=FLAGS_FILE, field=flag)
    rows = list(text.split(";"))
    at = (lambda r, i: f"{flag}[{r}][{i}]") if ";" in text else (lambda r, i: f"{flag}[{i}]")
    parsed = [
        [_number_at(x, flag, at(r, i)) for i, x in enumerate(row.split(","))]
        for r, row in enumerate(rows)
    ]
    return parsed if ";" in text else parsed[0]


def _number_at(text: str, flag: str, where: str) -> Any:
    """``parse_number``, its error naming the row and item (``y[2]``, ``yhat[0][1]``)."""
    try:
        return parse_number(text, flag)
    except ProblemError as err:
        err.field = where
        raise


#: Separators other keyboards type where ',' or ';' goes (full-width, ideographic, Arabic).
SEPARATORS = {"\uff0c": ",", "\u3001": ",", "\u060c": ",", "\uff1b": ";", "\u061b": ";"}


def parse_mapping(text: str, flag: str) -> dict[str, Any]:
    """``"H=0.6,E=0.5,-=0.2"`` -> {"H": 0.6, "E": 0.5, "-": 0.2}."""
    out: dict[str, Any] = {}
    for item in text.split(","):
        key, sep, value = item.rpartition("=")
        key = key.strip()  # 'A=0.5, B=0.3': the symbol B, not ' B' (no symbol holds a space)
        if not sep or not key:
            raise ProblemError(
                f"expected SYMBOL=NUMBER pairs separated by commas, got {shown_text(item)}",
                file=FLAGS_FILE,
                field=flag,
            )
        odd = next((c for c in key if c in SEPARATORS), None)
        if odd is not None:  # 'A=0.5，B=0.3' read as the symbol 'A=0.5，B'
            raise ProblemError(
                f"expected SYMBOL=NUMBER pairs separated by commas, got {shown_text(item)}: "
                f"U+{ord(odd):04X} is not the separator '{SEPARATORS[odd]}'",
                file=FLAGS_FILE,
                field=flag,
            )
        if key in out:
            raise ProblemError(
                f"{shown_text(key)} is given twice; give each symbol once",
                file=FLAGS_FILE,
                field=flag,
            )
        out[key] = _number_at(value, flag, f"{flag}.{key}")
    return out


def problem_from_flags(data: dict[str, Any]) -> Any:
    """Validate flag data like a problem file (same parser, same messages)."""
    from rnnloss_cli.problem import parse_problem

    clean = {k: v for k, v in data.items() if v is not None}
    return parse_problem(clean, {}, FLAGS_FILE)
