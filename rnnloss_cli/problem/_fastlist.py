"""Long runs of plain numbers read in bulk, before the YAML event loop sees them.

A big problem file is mostly numbers in flow lists: ``emissions: [[0.1, 0.2], ...]`` or a
block list of flow rows (``  - [0.1, 0.2]`` one a line). Read event by event, each number
costs 1-2.5 µs of Python; read here, a region costs a regular expression, one ``float`` per
number and one list per row.

:func:`scan` finds the regions that hold ONLY plain decimal numbers, commas, spaces and line
breaks (no comments, quotes, anchors, tags, ``.inf``, ``0x1F``, ``1_000``, ``012``):

- ``flat``: a flow list of numbers, ``[1, 2.5, -3e-2]``;
- ``nested``: a flow list of such lists, ``[[1, 2], [3, 4]]``;
- ``rows``: consecutive lines ``<indent>- [numbers]`` at one indentation.

It reads their numbers exactly as the event loop's fast path does (``float(text)`` when the
text has a dot or an exponent, ``int(text)`` for an integer of at most 16 characters without
a leading zero) and returns a copy of the text with each region blanked: every character but
the line breaks becomes a space, except the ``[`` and ``]`` of the list (of the first row,
for ``rows``), so the parser sees an empty flow list at the same line and column, and every
later mark (line, column, key length) is unchanged. The builder splices the numbers in when
the parser reports a flow list starting at a region's ``[``.

Anything not sure is left to the event loop: a region whose numbers would be refused or read
otherwise (``1e400``, ``1e-400``, ``012``, a 17-character integer, ``1 2``) is not blanked
(for ``rows``, the rows from that one on), so the event loop reads it and refuses it as
before; and the caller reads the original text again, with no region, when a region is never
claimed (its ``[`` was in a comment, a quoted or block scalar, a plain scalar), when a splice
would cross a limit (values, nesting), or when the blanked text fails in any way, so that
every error is the event loop's own. Short lists (MIN_REGION_CHARS) are left to the event
loop, and the scan's time is linear in the text (_SCAN_BUDGET, MAX_MISSES).
"""

from __future__ import annotations

import gc
import re
from array import array
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

#: The characters a region may hold; anything else (a letter, ``#``, ``&``, ``_``, a quote, a
#: tab) ends it. Whether the numbers in it are numbers is then left to ``float`` itself.
_RUN = re.compile(r"[0-9eE.+\-, \r\n\[\]]*")
_ROW = r"\[[0-9eE.+\-, ]*\] *"
#: The end of a nested flow list: a row's ``]``, separators, the list's own ``]``.
_NESTED_END = re.compile(r"\][ \r\n,]*\]")
#: What the event loop reads as an int: no leading zero (``012`` is YAML 1.1's octal), at most
#: 16 characters (its ``_SHORT_INT_CHARS``); longer ones take its checks of a float64's range.
_FAST_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)")
_SHORT_INT_CHARS = 16
#: Characters of a row below which none of its numbers can overflow or underflow a float64
#: without an exponent (1.8e308 takes 309 digits; 4.9e-324 takes 325).
_SAFE_ROW_CHARS = 300
#: Characters before a flow list's ``[`` where the parser may start one.
_BEFORE_LIST = frozenset(" \t\n,[{:")
_INF = float("inf")


_FIRST_ROW = re.compile(_ROW)
#: Rows a match of :func:`_more_rows` takes at most: ``re`` keeps a backtracking entry for
#: each repetition of a group (about 280 bytes), so one match of every row of a 64 MB file
#: (``(?:row)*``) held some 900 MB until it ended.
_ROWS_A_MATCH = 1024


@lru_cache(maxsize=64)
def _more_rows(indent: int) -> re.Pattern:
    """Up to _ROWS_A_MATCH further rows ``- [numbers]`` at ``indent`` spaces, one a line,
    each from the line break before it."""
    return re.compile(rf"(?:\r?\n {{{indent}}}- {_ROW}){{0,{_ROWS_A_MATCH}}}")


def _rows_end(text: str, at: int, indent: int) -> int | None:
    """Where the rows ``- [numbers]`` at ``indent`` spaces, one a line, from the first row's
    ``[`` at ``at``, end: after the last row followed by a line break or the end of the text
    (the whole match of ``row(?:\\r?\\n {indent}- row)*(?=\\r?\\n|\\Z)``); None if none is."""
    m = _FIRST_ROW.match(text, at)
    if m is None:
        return None
    end, more = m.end(), _more_rows(indent).match
    while (m := more(text, end)).end() > end:
        end = m.end()
    if end == len(text) or text.startswith("\n", end) or text.startswith("\r\n", end):
        return end
    # The last row goes on with something else (``- [1] # why``): the rows end before it.
    last = text.rfind("\n", at, end)
    if last == -1:
        return None
    return last - 1 if text[last - 1] == "\r" else last


@contextmanager
def gc_paused() -> Iterator[None]:
    """Python's cycle collector off for the block (and back on after it, if it was on).

    A 10^6-row file builds some 3 million lists (rows, their lines) that hold no cycle;
    each full collection would walk all of them again, about a third of the reading time.
    Memory is unchanged: what the reader drops is freed by reference counting.
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


class NotFast(Exception):
    """The blanked text cannot give the event loop's answer: read the original text."""


@dataclass
class Region:
    """The numbers of one region, and their 1-based lines.

    ``flat``: ``values`` the numbers, ``lines`` each one's line. ``nested`` and ``rows``:
    ``values`` the rows (lists of numbers), ``lines`` each row's ``[`` line; ``nested`` also
    ``item_lines``, each row's numbers' lines (a row of ``rows`` is one line: its own).
    Rows of floats of one width (``rows`` only) are a float64 matrix instead, one row each.
    ``count``: values the event loop would count (rows included).
    """

    kind: str
    values: Any  # a list, or a (rows, width) float64 numpy array (see _rows)
    lines: Sequence[int]
    item_lines: list[list[int]] = field(default_factory=list)
    count: int = 0
    index: int = -1  # where its ``[`` is in the text (characters)


#: Characters the scan may examine, per character of the text, before it stops looking (and
#: leaves the rest to the event loop): a region that fails is examined again from each ``[``
#: inside it, which hostile nesting (``[[[[...``, rows whose last number is refused) would
#: make quadratic.
_SCAN_BUDGET = 4
#: Characters from a region's ``[`` to its end below which it is left to the event loop: a
#: short list gains nothing, and a text of millions of tiny lists (``[[1], [[1], ...``, which
#: the event loop refuses at once, nested too deep) would be scanned to its end first.
MIN_REGION_CHARS = 256
#: ``[`` that gave no region (or a short one) after which the scan stops looking: the bound on
#: what a text of brackets costs before the event loop reads it.
MAX_MISSES = 10_000


def scan(text: str) -> tuple[str, dict[tuple[int, int], Region]] | None:
    """The text with its number regions blanked, and the regions by the 0-based (line,
    column) of their ``[``; None when there is none or the text is one the line count here
    might get wrong (a line break other than ``\\n`` and ``\\r\\n``, a byte-order mark).
    Time is linear in the text (see _SCAN_BUDGET)."""
    if "[" not in text or text.startswith("\ufeff"):
        return None
    if not text.isascii() and any(c in text for c in "\x85\u2028\u2029"):
        return None
    if "\r" in text and text.count("\r") != text.count("\r\n"):
        return None
    regions: dict[tuple[int, int], Region] = {}
    out: list[str] = []
    finder = _Finder(text)
    pos = line = 0  # text[:pos] copied; line = line breaks before pos
    at = text.find("[")
    misses = 0
    while at != -1 and finder.spent <= _SCAN_BUDGET * len(text) + 4096 and misses < MAX_MISSES:
        found = finder.region_at(at)
        if found is None or found[2] - at < MIN_REGION_CHARS:
            misses += 1
            at = text.find("[", at + 1)
            continue
        kind, close, end = found
        line_at = line + text.count("\n", pos, at)
        try:
            region, length = _read(kind, text, at, end, line_at)
        except (NotFast, ValueError):  # ValueError: float() refused a token
            misses += 1
            at = text.find("[", at + 1)
            continue
        end = at + length
        column = at - finder.line_start
        regions[(line_at, column)] = region
        region.index = at
        out.append(text[pos : at + 1])
        out.append(_blank(text, at + 1, close))
        out.append("]")
        out.append(_blank(text, close + 1, end))
        pos, line = end, line_at + text.count("\n", at, end)
        at = text.find("[", end)
    if not regions:
        return None
    out.append(text[pos:])
    return "".join(out), regions


class _Finder:
    """Where a region may be, each ``[`` in turn (in increasing order), in bounded time: the
    searches' results are kept while they still hold, and the characters examined counted."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.spent = 0
        self.line_start = 0  # where the line of the last ``[`` asked about starts
        self._seen = 0  # the line start is known up to here
        self._close = -2  # the first ``]`` after the last ``[`` asked about (-1: none)
        self._nested_end: re.Match | None = None
        self._nested_from = -1  # _nested_end is the first match at or after this

    def region_at(self, at: int) -> tuple[str, int, int] | None:
        """(kind, the ``]`` kept, the end) of a region whose ``[`` is at ``at``, if it may be
        one."""
        text = self.text
        newline = text.rfind("\n", self._seen, at)
        if newline != -1:
            self.line_start = newline + 1
        self._seen = at
        start = self.line_start
        indent = at - start - 2
        if (
            indent >= 0
            and text.startswith("- ", at - 2)
            and text.count(" ", start, at - 1) == indent
        ):
            rows_end = _rows_end(text, at, indent)
            if rows_end is not None:
                self.spent += rows_end - at
                return "rows", text.index("]", at), rows_end
        if at and text[at - 1] not in _BEFORE_LIST:
            return None  # e.g. in a plain scalar, a[1]
        if self._close != -1 and self._close < at:
            self._close = text.find("]", at)
            self.spent += (self._close if self._close != -1 else len(text)) - at
        close = self._close
        if close == -1:
            return None
        inner = text.find("[", at + 1, close)
        if inner == -1:
            self.spent += close - at
            if _RUN.fullmatch(text, at + 1, close) is None:
                return None
            return "flat", close, close + 1
        if text[at + 1 : inner].strip(" \r\n") or text.find("[", inner + 1, close) != -1:
            return None  # not a list of flat rows
        if self._nested_from < 0 or (self._nested_end and self._nested_end.start() < close):
            self._nested_end = _NESTED_END.search(text, close)
            self._nested_from = close
            self.spent += (self._nested_end.end() if self._nested_end else len(text)) - close
        m = self._nested_end
        if m is None:
            return None
        self.spent += m.end() - at
        if _RUN.fullmatch(text, at + 1, m.end() - 1) is None:
            return None
        return "nested", m.end() - 1, m.end()


#: Every character a region may hold (``_RUN``) but the line break, made a space.
_BLANKS = str.maketrans(dict.fromkeys("0123456789eE.+-, \r[]", " "))


def _blank(text: str, start: int, end: int) -> str:
    """``text[start:end]`` with every character but ``\\n`` made a space (lines and columns
    kept): one copy of the part, not a list of its lines (a 64 MB region was split into
    3 million strings)."""
    return text[start:end].translate(_BLANKS)


def _read(kind: str, text: str, at: int, end: int, line0: int) -> tuple[Region, int]:
    """The numbers of the region ``text[at:end]`` (from its ``[``), on the 0-based line
    ``line0``, and the characters of it the region holds: all but, for rows, those from a
    row the event loop must read (``- [012]``) on; NotFast when that is the first."""
    if kind == "rows":
        return _rows(text, at, end, line0)
    chunk = text[at:end]
    read = _Reader("e" in chunk or "E" in chunk)
    if kind == "flat":
        values, lines = _flat(chunk[1:-1], line0, read)
        return Region("flat", values, lines, count=len(values)), len(chunk)
    rows, row_lines, item_lines = [], [], []
    pieces = chunk[1:-1].split("]")
    if pieces.pop().strip() not in ("", ","):  # after the last row: a trailing comma
        raise NotFast
    line = line0
    for i, piece in enumerate(pieces):
        sep, bracket, inner = piece.partition("[")
        if not bracket or "[" in inner or sep.strip() != ("," if i else ""):
            raise NotFast
        line += sep.count("\n")
        values, lines = _flat(inner, line, read)
        rows.append(values)
        row_lines.append(line + 1)
        item_lines.append(lines)
        line += inner.count("\n")
    count = len(rows) + sum(map(len, rows))
    return Region(kind, rows, row_lines, item_lines, count), len(chunk)


_FLOATS_ONLY = {float}


def _rows(text: str, at: int, end: int, line0: int) -> tuple[Region, int]:
    """The rows ``- [numbers]`` of ``text[at:end]``, one a line (see :func:`_read`).

    Rows of floats all of one width (a big file's emissions) are kept as one float64 matrix
    (T, K), 8 bytes a number, instead of a list of floats a row (about 150 bytes a row of
    3); the builder hands it on as the rows' lists unless asked for arrays (see
    ``_yaml.load_yaml``). Each row's text is read in place: a 64 MB region was copied and
    split into 3 million strings first.
    """
    read = _Reader(text.find("e", at, end) != -1 or text.find("E", at, end) != -1)
    block = array("d")  # the rows while they are one block of floats
    width = -1  # the block's width; -1 before the first row; None once rows are lists
    rows: list[list] = []  # the rows, once they are not one block
    row_lines = array("q")  # each row's line, and each of its numbers' line
    pos, length = at, end - at
    while pos < end:
        stop = text.find("\n", pos, end)
        if stop == -1:
            stop = end
        opened = text.index("[", pos, stop)
        inner = text[opened + 1 : text.index("]", opened, stop)]
        try:
            values, _ = _flat(inner, line0 + len(row_lines), read)
        except (NotFast, ValueError):
            if not row_lines:
                raise
            length = pos - 1 - at  # up to the line break before this row
            break
        if width == -1:
            width = len(values) if values and set(map(type, values)) == _FLOATS_ONLY else None
        if width is not None and (
            len(values) != width or set(map(type, values)) != _FLOATS_ONLY
        ):  # not one block after all: the rows so far as lists
            rows = [block[i : i + width].tolist() for i in range(0, len(block), width)]
            width, block = None, array("d")
        if width is None:
            rows.append(values)
        else:
            block.extend(values)
        row_lines.append(line0 + len(row_lines) + 1)
        pos = stop + 1
    n = len(row_lines)
    if width is None:
        return Region("rows", rows, row_lines, count=n + sum(map(len, rows))), length
    import numpy as np  # only for a file with a region: numpy is imported by then anyway

    matrix = np.frombuffer(block, dtype=np.float64).reshape(n, width)
    return Region("rows", matrix, row_lines, count=n * (width + 1)), length


class _Reader:
    """Number texts -> numbers as the event loop reads them; NotFast (or float's ValueError)
    for a text it would refuse or read otherwise (``1e400``, ``012``, ``1 2``)."""

    def __init__(self, exponents: bool) -> None:
        self.exponents = exponents

    def __call__(self, inner: str, tokens: list[str]) -> list:
        if inner.count(".") == len(tokens):  # one dot in each (float() refuses two)
            values = list(map(float, tokens))
        else:
            values = [_one(t) for t in tokens]
        if self.exponents or len(inner) >= _SAFE_ROW_CHARS:
            if _INF in values or -_INF in values:
                raise NotFast  # a text past float64's range: the event loop names it
            if 0.0 in values:
                for t, v in zip(tokens, values, strict=True):
                    if v == 0.0 and any(c in "123456789" for c in t.lower().partition("e")[0]):
                        raise NotFast  # a text below float64's range, read as 0
        return values


def _one(token: str) -> int | float:
    t = token.strip()
    if "." in t or "e" in t or "E" in t:
        return float(t)
    if len(t) > _SHORT_INT_CHARS or not _FAST_INT.fullmatch(t):
        raise NotFast  # 012 (YAML 1.1's octal), a long integer, or no number at all
    return int(t)


def _flat(inner: str, line0: int, read: _Reader) -> tuple[list, list[int]]:
    """The numbers between a flat list's brackets, and their 1-based lines."""
    tokens = inner.split(",")
    if not tokens[-1].strip():
        tokens.pop()  # a trailing comma, or an empty list
    if "\n" not in inner:
        return read(inner, tokens), [line0 + 1] * len(tokens)
    lines, line = [], line0
    for t in tokens:
        lines.append(line + 1 + t.count("\n", 0, len(t) - len(t.lstrip())))
        line += t.count("\n")
    return read(inner, tokens), lines
