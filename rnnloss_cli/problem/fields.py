"""Typed, line-aware access to the fields of one YAML mapping.

Every accessor either returns a validated value or raises a ProblemError naming the file,
the line and the field, and saying what was expected.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable, Iterable, Sequence
from itertools import chain
from typing import Any

import numpy as np

from rnnloss_cli.engine._numerics import describe_row_sum
from rnnloss_cli.errors import ProblemError
from rnnloss_cli.flags import INT64_MAX, SEPARATORS, integer_words, shown_integer, shown_number
from rnnloss_cli.problem._yaml import FLOAT64_WORDS, dotted

_MISSING = object()
#: Rows of predicted probabilities must sum to 1 within this.
ROW_SUM_TOLERANCE = 1e-6
LOGITS_HINT = " (give 'logits' instead to have softmax applied)"
#: Whole-number fields (class indices, lengths, counts) are stored as int64 (INT64_MAX).
_PLAIN_NUMBER_TYPES = frozenset({int, float})


def _type_name(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    shown = repr(value)
    if len(shown) > _MAX_SHOWN_CHARS:  # a whole file read as one string made a 64 MiB line
        size = f" ({len(value):,} characters)" if isinstance(value, str) else ""
        shown = f"{shown[: _MAX_SHOWN_CHARS - 3]}...{size}"
    return f"{type(value).__name__} {shown}"


#: Characters of a wrong value a message shows before cutting it.
_MAX_SHOWN_CHARS = 60


#: Dashes a PDF or a word processor puts where a minus sign goes.
_DASHES = "\u2212\u2010\u2011\u2012\u2013\u2014\ufe63\uff0d"


def text_number_hint(text: str) -> str:
    """Why a text that looks like a number is not one, e.g. "−0.5" copied from a PDF."""
    import unicodedata

    dash = next((c for c in text if c in _DASHES), None)
    if dash is not None:
        name = f"U+{ord(dash):04X} {unicodedata.name(dash, '')}".strip()
        return f" ({name} is not the minus sign '-': write -)"
    sep = next((c for c in text if c in SEPARATORS), None)
    if sep is not None:  # "0.8，-0.5" from a Chinese or Japanese keyboard
        name = f"U+{ord(sep):04X} {unicodedata.name(sep, '')}".strip()
        plain = SEPARATORS[sep]
        return f" ({name} is not the separator '{plain}': write {plain})"
    if any(c.isdigit() and not c.isascii() for c in text):
        return " (digits other than 0-9: write the number with 0-9)"
    if "_" in text:
        return " ('_' between digits is not read: write the number without it)"
    try:
        number = float(text)
    except ValueError:
        pass
    else:
        if not math.isfinite(number):  # plain nan / inf: text in YAML, and never a given
            return " (not a finite number: a problem's numbers are finite)"
        return " (quotes make it text: write the number without them)"
    try:
        float(text.replace(",", ".", 1))
    except ValueError:
        return ""
    return " (a decimal comma: write the decimal point, e.g. 1.5)"


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _fits_float(value: int) -> bool:
    try:
        float(value)
    except OverflowError:
        return False
    return True


def _shown_int(value: int) -> str:
    """An integer for a message: as written up to 20 digits, else ``a 401-digit number``."""
    try:
        return shown_integer(str(value))
    except ValueError:  # more digits than Python will print
        return "an integer of more than 4300 digits"


#: Items of a list a message names before it says how many are left out.
_SHOWN_ITEMS = 12


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """``n`` and its noun, singular for one: ``1 symbol``, ``3 symbols``, ``2 entries``
    (a message said "1 symbols")."""
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"


def named(n: int, noun: str = "symbol") -> str:
    """``1 symbol is named``, ``3 symbols are named``."""
    return f"{counted(n, noun)} {'is' if n == 1 else 'are'} named"


def plain_list(items: Sequence[str], noun: str = "symbols") -> str:
    """Names for a message as a plain list of words, as a file or a flag writes them:
    ``-, a, b`` (not Python's ``['-', 'a', 'b']``); a long list keeps its first names
    and says how many there are (``a, b, ... (1,000 symbols)``). A name that holds a comma
    or a space, or none, is quoted."""

    def shown(name: str) -> str:
        return repr(name) if not name or "," in name or " " in name else name

    names = [shown(str(x)) for x in items[:_SHOWN_ITEMS]]
    if len(items) > _SHOWN_ITEMS:
        names.append(f"... ({len(items):,} {noun})")
    return ", ".join(names)


def _short(value: Any) -> str:
    """A number as text, long ones cut: ``1000000000000000000000...``."""
    try:
        text = str(value)
    except ValueError:  # more digits than Python will print
        return "an integer of more than 4300 digits"
    return shown_number(text)


def _is_rectangular(value: list, ndim: int) -> bool:
    """Whether ``value`` (nested ``ndim`` deep along its first items) is a rectangular block:
    every item above the last level a plain list, the lists of each level of one length, no
    list at the last level. A few C-level passes per level (``map``, ``set``), no Python call
    per item: 10^6 rows of 6 in ~0.2 s where the recursive walk took ~2.5 s.

    True only where :meth:`Fields._check_rectangular` passes; False says nothing (that walk,
    run then, names the first fault).
    """
    level: Iterable[Any] = value
    for _ in range(ndim - 1):
        items = level if isinstance(level, list) else list(level)
        if set(map(type, items)) != {list} or len(set(map(len, items))) != 1:
            return False
        level = chain.from_iterable(items)
    return not any(issubclass(t, list) for t in set(map(type, level)))


class Fields:
    """A mapping from a problem file with the line of each key, for validation."""

    def __init__(
        self,
        data: Any,
        lines: dict[tuple, int],
        file: str,
        path: tuple = (),
    ) -> None:
        self.file, self.lines, self.path = file, lines, path
        if not isinstance(data, dict):
            where = ".".join(map(str, path)) or None
            raise ProblemError(
                f"expected a mapping of fields (name: value), got {_type_name(data)}",
                file=file,
                line=lines.get(path, 1),
                field=where,
            )
        self.data = data

    # -------------------------------------------------------------- locating
    def dotted(self, *parts: Any) -> str:
        """The dotted name of a field below this mapping, e.g. ``probs.H`` or ``y[2]``."""
        return dotted((*self.path, *parts))

    def line(self, *parts: Any) -> int | None:
        """The line of the deepest known path prefix."""
        full = (*self.path, *parts)
        while full not in self.lines and full:
            full = full[:-1]
        return self.lines.get(full)

    def error(self, message: str, *parts: Any) -> ProblemError:
        """A ProblemError for the field at ``parts`` below this mapping."""
        return ProblemError(
            message, file=self.file, line=self.line(*parts), field=self.dotted(*parts) or None
        )

    # -------------------------------------------------------------- keys
    def has(self, name: str) -> bool:
        return name in self.data

    def check_keys(self, allowed: Iterable[str], *, kind: str | None = None) -> None:
        """Reject keys outside ``allowed``, with a did-you-mean hint."""
        allowed = list(allowed)
        for key in self.data:
            if key in allowed:
                continue
            what = f" for kind '{kind}'" if kind else ""
            if not isinstance(key, str):  # 1: or ~: was "field '[1]'" (a list's item) or 'None'
                raise ProblemError(
                    f"a field name must be text, got {_type_name(key)} as a key{what} "
                    f"(known fields: {', '.join(sorted(allowed))})",
                    file=self.file,
                    line=self.line(key),
                    field=self.dotted() or None,
                )
            # Y for y: too short for difflib, and field names are case-sensitive
            close = [a for a in sorted(allowed) if a.casefold() == key.casefold()]
            close = close or difflib.get_close_matches(str(key), allowed, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise self.error(
                f"unknown field{what}{hint} (known fields: {', '.join(sorted(allowed))})", key
            )

    def require_one(self, *names: str) -> str:
        """Exactly one of ``names`` must be present; return which."""
        present = [n for n in names if n in self.data]
        if len(present) == 1:
            return present[0]
        if not present:
            raise self.error(f"missing field: give one of {', '.join(names)}")
        raise self.error(f"give only one of {', '.join(present)}", present[1])

    # -------------------------------------------------------------- scalars
    def raw(self, name: str, default: Any = _MISSING) -> Any:
        """The field's value as YAML reads it: a matrix the reader gave as a float64 array
        (``load_yaml(arrays=True)``) as its list of rows (see :meth:`raw_array`)."""
        value = self.raw_array(name, default)
        return value.tolist() if isinstance(value, np.ndarray) else value

    def raw_array(self, name: str, default: Any = _MISSING) -> Any:
        """As :meth:`raw`, but a matrix the reader gave as a float64 array stays one: for
        :meth:`check_array`, which reads both alike (8 bytes a number, not about 50)."""
        if name in self.data:
            return self.data[name]
        if default is _MISSING:
            cased = [k for k in self.data if isinstance(k, str) and k.casefold() == name.casefold()]
            if cased:  # Kind: mse said "missing required field 'kind'" at line 1
                raise self.error(
                    f"field names are case-sensitive: write '{name}', not '{cased[0]}'", cased[0]
                )
            raise self.error(f"missing required field '{name}'")
        return default

    def sub(self, name: str) -> Fields:
        return Fields(self.raw(name), self.lines, self.file, (*self.path, name))

    def text(self, name: str, default: Any = _MISSING, choices: Sequence[str] = ()) -> Any:
        value = self.raw(name, default)
        if value is default and name not in self.data:
            return value
        if _is_number(value) and not choices:  # as written (1.50), else as Python writes it
            value = getattr(self.lines, "spelling", {}).get((*self.path, name), str(value))
        if not isinstance(value, str):
            raise self.error(f"expected text, got {_type_name(value)}", name)
        if choices and value not in choices:
            long = len(value) > _MAX_SHOWN_CHARS  # cut: a 5000-character value was echoed whole
            close = [] if long else difflib.get_close_matches(value, list(choices), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            shown = (
                f"{value[:_MAX_SHOWN_CHARS]!r}... ({len(value):,} characters)"
                if long
                else (repr(value))
            )
            raise self.error(f"expected one of {', '.join(choices)}, got {shown}{hint}", name)
        return value

    def number(
        self,
        name: str,
        default: Any = _MISSING,
        *,
        low: float | None = None,
        high: float | None = None,
        integer: bool = False,
    ) -> Any:
        value = self.raw(name, default)
        if name not in self.data:
            return value
        return self.check_number(value, name, low=low, high=high, integer=integer)

    def check_number(
        self,
        value: Any,
        *parts: Any,
        low: float | None = None,
        high: float | None = None,
        integer: bool = False,
        infinite: bool = False,
    ) -> Any:
        """Validate one number found at ``parts`` (finite, in range, integral if asked); with
        ``infinite``, ``.inf`` and ``-.inf`` too (an answer key may state an infinite loss)."""
        if not _is_number(value):
            hint = text_number_hint(value) if isinstance(value, str) else ""
            raise self.error(f"expected a number, got {_type_name(value)}{hint}", *parts)
        if integer and isinstance(value, int):
            # one message whatever the size (10^20 and 10^300 were worded apart)
            if (
                not (low is None or value >= low)
                or not (high is None or value <= high)
                or (abs(value) > INT64_MAX)
            ):
                raise self.error(integer_words(low, high, _shown_int(value)), *parts)
            return value
        if isinstance(value, int) and not _fits_float(value):
            raise self.error(f"{_short(value)} {FLOAT64_WORDS}", *parts)
        if not math.isfinite(value) and not (infinite and math.isinf(value)):
            what = "a number or ±.inf" if infinite else "a finite number"
            raise self.error(f"expected {what}, got {value}", *parts)
        if integer and (float(value) != int(value) or abs(value) > INT64_MAX):
            raise self.error(integer_words(low, high, shown_number(str(value))), *parts)
        rng = f"[{'-inf' if low is None else low}, {'inf' if high is None else high}]"
        if (low is not None and value < low) or (high is not None and value > high):
            raise self.error(f"expected a number in {rng}, got {value}", *parts)
        return int(value) if integer else float(value)

    # -------------------------------------------------------------- arrays
    def check_distribution_rows(
        self,
        p: np.ndarray,
        name: str,
        *,
        mask: np.ndarray | None = None,
        where: Callable[[tuple[int, ...]], str] | None = None,
        hint: str = LOGITS_HINT,
        what: str = "predicted probabilities",
    ) -> None:
        """Each row of ``p`` (last axis) must sum to 1; name the first that does not.

        ``mask`` (the shape of ``p`` without its last axis) skips padded rows; ``where``
        describes a row's index for the message (default: "row i of NAME", 1-based);
        ``what`` names the rows (targets are not predictions).
        """
        sums = p.sum(axis=-1)
        bad = ~(np.abs(sums - 1.0) <= ROW_SUM_TOLERANCE)
        if mask is not None:
            bad &= np.asarray(mask, dtype=bool)
        if not np.any(bad):
            return
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        if where is None:
            label = f"row {', '.join(str(i + 1) for i in idx) or 1} of {name}"
        else:
            label = where(idx)
        raise self.error(
            f"{label} {describe_row_sum(float(sums[idx]), ROW_SUM_TOLERANCE)}: {what} "
            f"must form a distribution{hint}",
            name,
            *idx,
        )

    def array(
        self,
        name: str,
        default: Any = _MISSING,
        *,
        ndims: Sequence[int] = (1, 2),
        low: float | None = None,
        high: float | None = None,
        integer: bool = False,
    ) -> Any:
        """A numeric vector or matrix (list of equal-length rows), validated element-wise."""
        value = self.raw_array(name, default)
        if name not in self.data:
            return value
        return self.check_array(value, name, ndims=ndims, low=low, high=high, integer=integer)

    def check_array(
        self,
        value: Any,
        *parts: Any,
        ndims: Sequence[int] = (1, 2),
        low: float | None = None,
        high: float | None = None,
        integer: bool = False,
    ) -> np.ndarray:
        shape_words = {
            0: "a number",
            1: "a list of numbers",
            2: "a list of rows",
            3: "a list of matrices",
        }
        expected = " or ".join(shape_words[d] for d in ndims)
        if isinstance(value, np.ndarray):  # rows of floats read in bulk (load_yaml(arrays=))
            return self._check_matrix(value, parts, ndims, expected, low, high, integer)
        if _is_number(value) and 0 in ndims:
            self.check_number(value, *parts, low=low, high=high, integer=integer)
            return np.asarray(value, dtype=np.int64 if integer else np.float64)
        if not isinstance(value, list) or not value:
            got = "an empty list" if value == [] else _type_name(value)
            raise self.error(f"expected {expected}, got {got}", *parts)
        ndim = self._depth(value, parts)
        if ndim not in ndims:
            raise self.error(f"expected {expected}, got a {ndim}-level nested list", *parts)
        if not _is_rectangular(value, ndim):  # the recursive walk finds and names the fault
            self._check_rectangular(value, parts)
        arr = self._numbers(value, ndim)
        if arr is None:  # not all plain int/float, or too large: find the first bad item
            self._check_each(value, parts, low=low, high=high, integer=integer)
            arr = np.asarray(value, dtype=np.float64)
        bad = ~np.isfinite(arr)
        if low is not None:
            bad |= arr < low
        if high is not None:
            bad |= arr > high
        if integer:
            bad |= (arr != np.floor(arr)) | (np.abs(arr) >= 2.0**63)
        if bad.any():
            idx = tuple(int(i) for i in np.argwhere(bad)[0])
            item: Any = value
            for i in idx:
                item = item[i]
            self.check_number(item, *parts, *idx, low=low, high=high, integer=integer)
        return self._as_dtype(value, arr, integer)

    def _check_matrix(
        self,
        arr: np.ndarray,
        parts: tuple,
        ndims: Sequence[int],
        expected: str,
        low: float | None,
        high: float | None,
        integer: bool,
    ) -> np.ndarray:
        """:meth:`check_array` of the float64 array the YAML reader made of a list of rows
        of floats (finite, rectangular, not empty): the same checks and messages as for the
        list, without building it."""
        if arr.ndim not in ndims:
            raise self.error(f"expected {expected}, got a {arr.ndim}-level nested list", *parts)
        bad = ~np.isfinite(arr)
        if low is not None:
            bad |= arr < low
        if high is not None:
            bad |= arr > high
        if integer:
            bad |= (arr != np.floor(arr)) | (np.abs(arr) >= 2.0**63)
        if bad.any():
            idx = tuple(int(i) for i in np.argwhere(bad)[0])
            item = arr[idx].item()  # the Python float the list held
            self.check_number(item, *parts, *idx, low=low, high=high, integer=integer)
        return self._as_dtype(arr, arr, integer)

    @staticmethod
    def _numbers(value: list, ndim: int) -> np.ndarray | None:
        """``value`` as float64 when every item is a plain int or float that fits, else None.

        One C-level pass for the types and one for the conversion: validating a
        500,000-number file costs milliseconds, not a Python call per number.
        """
        items: Iterable[Any] = value
        for _ in range(ndim - 1):
            items = chain.from_iterable(items)
        if not set(map(type, items)) <= _PLAIN_NUMBER_TYPES:
            return None
        try:
            return np.array(value, dtype=np.float64)
        except (OverflowError, ValueError):
            return None

    def _check_each(self, value: list, parts: tuple, **kw: Any) -> None:
        flat: list[tuple[tuple, Any]] = []
        self._flatten(value, (), flat)
        for idx, item in flat:
            self.check_number(item, *parts, *idx, **kw)

    @staticmethod
    def _as_dtype(value: list, arr: np.ndarray, integer: bool) -> np.ndarray:
        if not integer:
            return arr
        # Exact for whole numbers beyond 2^53 too: convert from the Python values.
        if np.abs(arr).max(initial=0.0) < 2.0**53:
            return arr.astype(np.int64)
        return np.asarray(value, dtype=object).astype(np.int64)

    def _depth(self, value: Any, parts: tuple) -> int:
        depth, node = 0, value
        while isinstance(node, list):
            depth += 1
            if not node:
                raise self.error("expected numbers, got an empty list", *parts)
            node = node[0]
        return depth

    def _check_rectangular(
        self, value: list, parts: tuple, ref: Any = None, ref_parts: tuple = ()
    ) -> None:
        """Rows of equal width at every depth, across rows too: ``ref`` is the list at the
        same place in the first row (``ref_parts`` its path), which ``value`` must match."""
        if ref is not None and not (isinstance(ref, list) and len(ref) == len(value)):
            held = f"{len(ref)} entries" if isinstance(ref, list) else "a number"
            raise self.error(
                f"ragged rows: {self.dotted(*parts)} has {len(value)} entries but "
                f"{self.dotted(*ref_parts)} has {held}",
                *parts,
            )
        if ref is not None and isinstance(ref[0], list) != isinstance(value[0], list):
            what = "rows" if isinstance(ref[0], list) else "numbers"
            raise self.error(
                f"expected {what}, as {self.dotted(*ref_parts)} holds, got {_type_name(value[0])}",
                *parts,
                0,
            )
        if not isinstance(value[0], list):
            for i, item in enumerate(value):
                if isinstance(item, list):
                    raise self.error("expected a number, got a list", *parts, i)
            return
        width = len(value[0])
        for i, row in enumerate(value):
            if not isinstance(row, list):
                raise self.error(f"expected a row (list), got {_type_name(row)}", *parts, i)
            if len(row) != width:
                raise self.error(
                    f"ragged rows: row {i + 1} has {len(row)} entries but row 1 has {width}",
                    *parts,
                    i,
                )
            if ref is not None:
                self._check_rectangular(row, (*parts, i), ref[i], (*ref_parts, i))
            else:
                first = (value[0], (*parts, 0)) if i else (None, ())
                self._check_rectangular(row, (*parts, i), *first)

    def _flatten(self, value: Any, idx: tuple, out: list) -> None:
        if isinstance(value, list):
            for i, item in enumerate(value):
                self._flatten(item, (*idx, i), out)
        else:
            out.append((idx, value))
