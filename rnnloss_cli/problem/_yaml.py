"""Read YAML once, safely and fast, keeping the line of every mapping key and list item.

One pass over the parser's events (libyaml's C parser through ``yaml.CSafeLoader`` when
PyYAML has it, the pure-Python ``yaml.SafeLoader`` otherwise) builds the data and the lines
together, with an explicit stack instead of recursion, so that:

- nesting deeper than ``limits.MAX_NESTING`` is refused at the line where it happens (the
  parsers themselves keep their state on the heap; PyYAML's composers recurse and crash);
- aliases are counted as expanded, and refused past ``limits.MAX_YAML_VALUES`` ("billion
  laughs"), as is an alias inside the collection it names (a cycle);
- long flow lists of plain numbers (``[[0.1, 0.2], ...]``, ``- [0.1, 0.2]`` one a line) are
  read in bulk before the event loop sees them (``_fastlist``), with the same data, lines
  and errors; the event loop alone reads the text again whenever that is not sure;
- plain decimal numbers take a fast path (one regular expression, then ``int``/``float``);
  every other scalar is resolved and constructed by the safe loader itself, so tags, null,
  booleans and ``!!python`` refusals behave as with ``yaml.safe_load``;
- YAML 1.2 floats (``1e-5``, ``2E3``, ``.5e1``) are numbers: the loader subclass adds that
  implicit resolver (PyYAML's own loaders are left unchanged);
- a number that does not fit a float64 (``1e400``, a 400-digit integer) is refused with its
  file, line and field; ``.inf`` and ``.nan`` stay numbers for the validators to refuse.

The result is ``(data, lines)``: the data as ``yaml.safe_load`` gives it, and ``lines``
mapping each path, e.g. ``("probs", "H")`` or ``("y", 2)``, to its 1-based line.
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Sequence
from itertools import repeat
from typing import Any

import yaml

from rnnloss_cli import limits
from rnnloss_cli.errors import ProblemError
from rnnloss_cli.flags import FLOAT64_WORDS, TINY_WORDS, shown_number, underflows
from rnnloss_cli.problem import _fastlist

Path = tuple[Any, ...]

FLOAT_TAG = "tag:yaml.org,2002:float"
INT_TAG = "tag:yaml.org,2002:int"
BOOL_TAG = "tag:yaml.org,2002:bool"
#: YAML 1.1's octal integers (``012`` is 10 there, 12 in YAML 1.2); ``0`` alone is 0 in both.
_LEGACY_OCTAL = re.compile(r"[-+]?0[0-7_]+")
#: YAML 1.1's binary integers (``0b101`` is 5 there); YAML 1.2's core schema has none (text).
_BINARY = re.compile(r"[-+]?0b[01_]+")
MERGE_TAG = "tag:yaml.org,2002:merge"
#: YAML 1.2 core-schema floats that YAML 1.1 (PyYAML) reads as text: an exponent without a
#: dot or without a sign, e.g. ``1e-5``, ``2E3``, ``1.0e5``, ``.5e1``.
YAML12_FLOAT = re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$")
#: Plain decimal numbers, read without the resolver: an integer without a leading zero (YAML
#: 1.1 reads ``012`` as octal, so that takes the slow path), or a float with a dot or an
#: exponent. Anything else (``0x1F``, ``1_000``, ``.inf``, ``1:30``) goes to the loader.
_FAST_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)")
_FAST_FLOAT = re.compile(
    r"[-+]?(?:(?:\.[0-9]+|[0-9]+\.[0-9]*)(?:[eE][-+]?[0-9]+)?|[0-9]+[eE][-+]?[0-9]+)"
)
#: Digits beyond which an integer cannot fit a float64 (max about 1.8e308) whatever they are;
#: also keeps ``int()`` clear of Python's 4300-digit conversion limit.
_MAX_INT_DIGITS = 400
#: Characters of an integer (sign included) that fits a float64 whatever its digits: the
#: list's fast path reads these; longer ones take the checks of :meth:`_Builder.scalar`.
_SHORT_INT_CHARS = 16
NESTING_WORDS = (
    f"nested deeper than {limits.MAX_NESTING} levels (limit MAX_NESTING = {limits.MAX_NESTING})"
)
_MERGE = object()  # the pending key of a frame after a merge key ``<<``
#: Items of a list from which :class:`Lines` keeps their lines in an array (8 bytes a line)
#: rather than a list (36: a pointer and an int object).
_LONG_LIST = 256


def make_loader(base: type) -> type:
    """A subclass of the safe loader ``base`` that also reads YAML 1.2 floats as numbers.

    ``add_implicit_resolver`` on the subclass copies the resolver table first, so PyYAML's
    own loaders (and ``yaml.safe_load`` elsewhere in the process) are left unchanged.
    """
    loader = type(f"Rnnloss{base.__name__}", (base,), {})
    loader.add_implicit_resolver(FLOAT_TAG, YAML12_FLOAT, list("-+.0123456789"))
    return loader


#: libyaml's C loader when PyYAML was built with it (about 8x faster here), else pure Python.
Loader = make_loader(getattr(yaml, "CSafeLoader", None) or yaml.SafeLoader)


def dotted(path: Path) -> str:
    """``("probs", "H")`` -> ``probs.H``; ``("y", 2)`` -> ``y[2]``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


class Lines(dict):
    """{path: line} for mapping keys and collections, plus the lines of list items.

    The items' lines live in one list per list (``items_of[path_of_list][i]``) rather than
    one dict entry per item: a 500,000-number file would otherwise build as many tuples.
    A row of a list (a list that is item i of a list) whose items all sit on one line, as
    every row of a big file's ``- [0.1, 0.2, ...]`` does, is not given an entry of its own:
    its line and length go in two arrays of its list (``row_lines[path_of_list]``), 16 bytes
    a row instead of about 260 (a key tuple, a dict slot and a list of lines).
    ``in`` and ``get`` see all of them.
    """

    def __init__(self) -> None:
        super().__init__()
        self.items_of: dict[Path, list[int]] = {}
        #: {path of a list: (line of row i, or 0 when row i is no one-line row; its length)}
        self.row_lines: dict[Path, tuple[array, array]] = {}
        #: {path: text} of each plain number that is a mapping's value, as written: a text
        #: field given a number (``title: 1.50``) reads it so, not as ``str(1.5)``.
        self.spelling: dict[Path, str] = {}

    def set_items(self, path: Path, item_lines: Sequence[int]) -> None:
        """Record the lines of the items of the list at ``path`` (see the class): a long
        list's as an array of 8-byte lines, a short one's as a list."""
        if (
            path
            and type(path[-1]) is int
            and item_lines
            and item_lines[0] == item_lines[-1]
            and item_lines.count(item_lines[0]) == len(item_lines)
        ):
            self.set_row(path[:-1], path[-1], item_lines[0], len(item_lines))
        elif len(item_lines) >= _LONG_LIST:
            self.items_of[path] = (
                item_lines if isinstance(item_lines, array) else array("q", item_lines)
            )
        else:
            self.items_of[path] = list(item_lines)

    def set_row(self, path: Path, i: int, line: int, n: int) -> None:
        """Row ``i`` of the list at ``path`` holds ``n`` items, all on ``line``."""
        if not n:  # an empty row: as set_items records it
            self.items_of[(*path, i)] = []
            return
        at, counts = self.row_lines.setdefault(path, (array("q"), array("q")))
        if len(at) <= i:  # rows before it that are not one-line rows: 0
            at.frombytes(bytes(8 * (i + 1 - len(at))))  # (extend() took each byte as a row)
            counts.frombytes(bytes(8 * (i + 1 - len(counts))))
        at[i], counts[i] = line, n

    def set_rows(self, path: Path, first: int, lines: array, n: int) -> None:
        """Rows ``first``, ``first + 1``, ... of the list at ``path`` hold ``n`` items each,
        all on its line of ``lines``: :meth:`set_row` for each, in a few array calls."""
        at, counts = self.row_lines.setdefault(path, (array("q"), array("q")))
        if len(at) != first or not n:
            for i, line in enumerate(lines, first):
                self.set_row(path, i, line, n)
            return
        at.extend(lines)
        counts.extend(array("q", [n]) * len(lines))

    def _item(self, path: Path) -> int | None:
        if path and type(path[-1]) is int:
            lines = self.items_of.get(path[:-1])
            if lines is not None and 0 <= path[-1] < len(lines):
                return lines[path[-1]]
            rows = self.row_lines.get(path[:-2]) if len(path) > 1 else None
            if rows is not None and type(path[-2]) is int:
                at, counts = rows
                i, j = path[-2], path[-1]
                if 0 <= i < len(at) and at[i] and 0 <= j < counts[i]:
                    return at[i]
        return None

    def __contains__(self, path: object) -> bool:
        return dict.__contains__(self, path) or self._item(path) is not None  # type: ignore[arg-type]

    def get(self, path: Path, default: Any = None) -> Any:  # type: ignore[override]
        line = dict.get(self, path)
        if line is None:
            line = self._item(path)
        return default if line is None else line


class _Frame:
    """An open collection: its value, path, start line and expanded size so far."""

    __slots__ = (
        "value",
        "path",
        "is_map",
        "key",
        "key_set",
        "anchor",
        "start",
        "merges",
        "line",
        "item_lines",
        "blocks",
    )

    def __init__(
        self, value: Any, path: Path, is_map: bool, anchor: str | None, start: int, line: int
    ):
        self.value, self.path, self.is_map, self.line = value, path, is_map, line
        #: the items' lines, 8 bytes each (a 64 MB file's 3 million rows: 24 MB, not 108)
        self.item_lines = array("q")
        #: (first item, float64 matrix) of each run of rows a bulk read gave as one matrix;
        #: its items in ``value`` are None until :meth:`_Builder.end` (see ``splice``)
        self.blocks: list[tuple[int, Any]] = []
        self.key: Any = None
        self.key_set = False
        self.anchor, self.start = anchor, start
        self.merges: list[dict] = []


class _Builder:
    """Events -> (data, lines), iteratively; see the module docstring."""

    def __init__(
        self,
        loader: Any,
        file: str,
        regions: dict[tuple[int, int], Any] | None = None,
        arrays: bool = False,
    ) -> None:
        self.loader, self.file, self.arrays = loader, file, arrays
        self.regions = regions or {}  # blanked number regions by their [ (see _fastlist)
        self.lines = Lines()
        self.stack: list[_Frame] = []
        self.anchors: dict[str, tuple[Any, int]] = {}
        self.open_anchors: set[str] = set()
        self.count = 0  # values so far, aliases expanded
        self.aliased = False  # whether an alias was expanded (named in the limit's error)

    # ------------------------------------------------------------ errors
    def error(self, message: str, mark: Any, path: Path | None = None) -> ProblemError:
        return ProblemError(
            message,
            file=self.file,
            line=mark.line + 1 if mark is not None else None,
            field=dotted(path) if path else None,
        )

    def _grow(self, n: int, mark: Any) -> None:
        self.count += n
        if self.count > limits.MAX_YAML_VALUES:
            # a file without aliases that passes it (a 50 MB list) was told of aliases too
            how = " once aliases (*name) are expanded" if self.aliased else ""
            raise self.error(
                f"more than {limits.MAX_YAML_VALUES:,} values{how} "
                f"(limit MAX_YAML_VALUES = {limits.MAX_YAML_VALUES:,})",
                mark,
            )

    # ------------------------------------------------------------ where the next value goes
    def _next_path(self, mark: Any) -> tuple[Path, bool]:
        """The path of the value about to be added, and whether it is a mapping key."""
        if not self.stack:
            return (), False
        top = self.stack[-1]
        if not top.is_map:
            return (*top.path, len(top.value)), False
        if top.key_set:
            return (*top.path, top.key), False
        return top.path, True

    def _add(self, value: Any, mark: Any, path: Path, is_key: bool, merge: bool = False) -> None:
        line = mark.line + 1
        if not self.stack:
            self.root = value
            self.lines.setdefault((), line)
            return
        top = self.stack[-1]
        if not top.is_map:
            top.item_lines.append(line)
            top.value.append(value)
        elif is_key:
            if merge:
                top.key, top.key_set = _MERGE, True
                return
            try:
                duplicate = value in top.value
            except TypeError:
                raise self.error("a key must be text or a number", mark, top.path) from None
            if duplicate:
                raise self.error(
                    "duplicate key (each field may appear once)", mark, (*top.path, value)
                )
            top.key, top.key_set = value, True
            self.lines[(*top.path, value)] = line
        else:
            if top.key is _MERGE:
                self._merge(top, value, mark)
            else:
                top.value[top.key] = value
            top.key, top.key_set = None, False

    def _merge(self, top: _Frame, value: Any, mark: Any) -> None:
        items = value if isinstance(value, list) else [value]
        if not items or not all(isinstance(m, dict) for m in items):
            raise self.error("a merge key (<<) takes a mapping or a list of mappings", mark)
        top.merges.extend(items)

    # ------------------------------------------------------------ scalars
    def scalar(self, event: Any) -> tuple[Any, bool]:
        """The value of a scalar event, and whether it is a plain merge key ``<<``."""
        value, tag, implicit = event.value, event.tag, event.implicit
        if tag is None and implicit[0]:
            if _FAST_INT.fullmatch(value):
                if len(value) > _MAX_INT_DIGITS:
                    raise self._too_big(event)
                number = int(value)
                try:
                    float(number)
                except OverflowError:
                    raise self._too_big(event) from None
                return number, False
            if _FAST_FLOAT.fullmatch(value):
                number = float(value)
                if number in (float("inf"), float("-inf")):
                    raise self._too_big(event)
                if underflows(value, number):
                    raise self._too_small(event)
                return number, False
        plain = tag is None and implicit[0]
        if tag is None or tag == "!":
            tag = self.loader.resolve(yaml.ScalarNode, value, implicit)
        if plain and tag in (BOOL_TAG, INT_TAG, FLOAT_TAG):
            self._refuse_yaml11_only(event, tag)
        if tag == MERGE_TAG:
            return None, True
        if tag in (INT_TAG, FLOAT_TAG) and len(value) > _MAX_INT_DIGITS:
            raise self._too_big(event)
        result = self._construct(event, tag)
        if tag == FLOAT_TAG and result in (float("inf"), float("-inf")):
            if "inf" not in value.lower():
                raise self._too_big(event)
        if tag == FLOAT_TAG and isinstance(result, float) and underflows(value, result):
            raise self._too_small(event)
        if tag == INT_TAG and isinstance(result, int):
            try:
                float(result)
            except OverflowError:
                raise self._too_big(event) from None
        return result, False

    def _construct(self, event: Any, tag: str) -> Any:
        """The safe loader's value for the scalar ``event`` read as ``tag``. An explicit tag
        the text cannot be (``!!int ab``, ``!!bool ctc``, ``!!timestamp 2001-13-45``) made
        PyYAML's constructor raise ValueError, KeyError or IndexError (``!!int "-"``), or
        AttributeError (``!!timestamp abc``: no pattern matched, and it took None.groupdict()),
        a traceback: now one line."""
        node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
        try:
            return self.loader.construct_object(node)
        except (ValueError, LookupError, TypeError, ArithmeticError, AttributeError):
            path, _ = self._next_path(event.start_mark)
            short = tag.replace("tag:yaml.org,2002:", "!!")
            raise self.error(
                f"not valid YAML: {_shown_text(event.value)} cannot be read as {short}; drop "
                "the tag, or write a value of that type",
                event.start_mark,
                path,
            ) from None

    def _refuse_yaml11_only(self, event: Any, tag: str) -> None:
        """Refuse a plain scalar that YAML 1.1 (PyYAML) reads otherwise than YAML 1.2 and
        than its writer likely meant: ``yes``/``no``/``on``/``off`` (booleans in 1.1, text in
        1.2), ``012`` (octal 10 in 1.1, 12 in 1.2), ``0b101`` (binary 5 in 1.1, text in
        1.2), ``1:30`` (base 60: 90) and ``1_0`` (10 in
        1.1, text in 1.2). Read silently,
        ``target: 012`` was the target "10" and a vocabulary word ``1:30`` the column "90"."""
        value = event.value
        node = yaml.ScalarNode(tag, value, event.start_mark, event.end_mark, event.style)
        if tag == BOOL_TAG and value.lower() not in ("true", "false"):
            read = str(self.loader.construct_object(node)).lower()
            why = (
                f"{value} is read by YAML 1.1 as the boolean {read} (yes, no, on and off are "
                "booleans there, text in YAML 1.2)"
            )
            fix = "write true or false for a boolean"
        elif tag == INT_TAG and _LEGACY_OCTAL.fullmatch(value):
            decimal = int(value.replace("_", ""), 10)
            read = self.loader.construct_object(node)
            why = (
                f"{value} is an octal number in YAML 1.1 (read as {read}) but a decimal one "
                f"in YAML 1.2 ({decimal})"
            )
            fix = "write the number without its leading 0"
        elif tag == INT_TAG and _BINARY.fullmatch(value):
            read = self.loader.construct_object(node)
            why = f"{value} is a binary number in YAML 1.1 (read as {read}), text in YAML 1.2"
            fix = "write the number in decimal"
        elif ":" in value:
            read = self.loader.construct_object(node)
            why = f"{value} is a base-60 number in YAML 1.1 (read as {read})"
            fix = "write the number meant"
        elif "_" in value:
            read = self.loader.construct_object(node)
            why = (
                f"{value} is read by YAML 1.1 as {read} (it skips '_' between digits), as text "
                "by YAML 1.2"
            )
            fix = "write the number without '_'"
        else:
            return
        path, _ = self._next_path(event.start_mark)
        raise self.error(
            f"{why}: {fix}, or quote it ('{value}') if text is meant", event.start_mark, path
        )

    def _too_big(self, event: Any, words: str = FLOAT64_WORDS) -> ProblemError:
        path, is_key = self._next_path(event.start_mark)
        return self.error(f"{shown_number(event.value)} {words}", event.start_mark, path)

    def _too_small(self, event: Any) -> ProblemError:
        return self._too_big(event, TINY_WORDS)

    # ------------------------------------------------------------ collections
    def start(self, event: Any, is_map: bool) -> None:
        mark = event.start_mark
        path, is_key = self._next_path(mark)
        if is_key:
            raise self.error(
                "a key must be text or a number, not a list or mapping", mark, self.stack[-1].path
            )
        if len(self.stack) >= limits.MAX_NESTING:
            raise self.error(NESTING_WORDS, mark, path[:1])
        std = "tag:yaml.org,2002:map" if is_map else "tag:yaml.org,2002:seq"
        if event.tag not in (None, "!", std):
            raise self.error(
                f"not valid YAML: could not determine a constructor for the tag "
                f"{event.tag!r}; {_PLAIN_ONLY}",
                mark,
            )
        self._grow(1, mark)
        if event.anchor is not None:
            self.open_anchors.add(event.anchor)
        line = mark.line + 1
        if self.stack and self.stack[-1].is_map:
            self.lines.setdefault(path, line)  # the key's line is already there
        self.stack.append(
            _Frame({} if is_map else [], path, is_map, event.anchor, self.count, line)
        )

    def end(self, event: Any) -> None:
        frame = self.stack.pop()
        value = frame.value
        if not frame.is_map:
            self.lines.set_items(frame.path, frame.item_lines)
        if frame.blocks:
            value = self._unblock(frame)
        if frame.merges:
            merged: dict = {}
            for m in reversed(frame.merges):
                merged.update(m)
            merged.update(value)
            value = merged
        if frame.anchor is not None:
            self.open_anchors.discard(frame.anchor)
            self.anchors[frame.anchor] = (value, self.count - frame.start + 1)
        # The frame's own mark was its start; report the key/item line recorded then.
        mark = _Line(frame.line - 1)
        path, is_key = self._next_path(mark)
        self._add(value, mark, path, is_key)

    def _unblock(self, frame: _Frame) -> Any:
        """The value of a list that holds bulk-read matrices of rows (see ``splice``): the
        matrix itself when asked for arrays and it is the whole list, the value of a
        mapping's key (a field such as ``emissions``) and not anchored (so that no alias
        puts it inside another list); otherwise the list with its rows as lists of floats,
        as the event loop reads them."""
        value = frame.value
        if (
            self.arrays
            and len(frame.blocks) == 1
            and len(frame.blocks[0][1]) == len(value)
            and frame.anchor is None
            and self.stack
            and self.stack[-1].is_map
        ):
            return frame.blocks[0][1]
        for first, matrix in frame.blocks:
            value[first : first + len(matrix)] = matrix.tolist()
        return value

    def alias(self, event: Any) -> None:
        name, mark = event.anchor, event.start_mark
        if name in self.open_anchors:
            raise self.error(
                f"the alias *{name} is inside the collection &{name} it names (a cycle)", mark
            )
        if name not in self.anchors:
            raise self.error(f"found undefined alias *{name}", mark)
        value, size = self.anchors[name]
        self.aliased = True
        self._grow(size, mark)
        path, is_key = self._next_path(mark)
        self._add(value, mark, path, is_key)

    def splice(self, event: Any, region: _fastlist.Region) -> None:
        """Put the numbers of a blanked region in place of the empty flow list the parser
        reports at its ``[``, as the event loop would have read them (values, lines,
        count). A splice the event loop would refuse raises NotFast (see _fastlist)."""
        if (
            event.anchor is not None
            or event.tag is not None
            or not event.flow_style
            or event.start_mark.index != region.index
        ):
            raise _fastlist.NotFast
        if self.count + region.count > limits.MAX_YAML_VALUES:
            raise _fastlist.NotFast  # the event loop names the value past the limit
        stack = self.stack
        if region.kind == "rows":  # rows of the open block list; the parser's row is empty
            if not stack or stack[-1].is_map or len(stack) >= limits.MAX_NESTING:
                raise _fastlist.NotFast
            if not isinstance(self.loader.get_event(), yaml.SequenceEndEvent):
                raise _fastlist.NotFast
            frame = stack[-1]
        else:
            self.start(event, False)
            frame = stack[-1]
            if region.kind == "flat":
                self.count += region.count
                frame.value.extend(region.values)
                frame.item_lines.extend(region.lines)
                return
            if len(stack) >= limits.MAX_NESTING:
                raise _fastlist.NotFast
        self.count += region.count
        path, lines = frame.path, self.lines
        first = len(frame.value)
        if region.kind == "rows" and type(region.values) is not list:  # a float64 matrix
            matrix = region.values
            lines.set_rows(path, first, region.lines, matrix.shape[1])
            frame.blocks.append((first, matrix))
            frame.value.extend(repeat(None, len(matrix)))  # its rows, filled in by end()
            frame.item_lines.extend(region.lines)
            return
        if region.kind == "rows":  # a row a line: its items are on its line
            for i, (line, row) in enumerate(zip(region.lines, region.values, strict=True), first):
                lines.set_row(path, i, line, len(row))
        else:
            for i, item_lines in enumerate(region.item_lines, first):
                lines.set_items((*path, i), item_lines)
        frame.value.extend(region.values)
        frame.item_lines.extend(region.lines)

    def run(self) -> Any:
        loader = self.loader
        self.root: Any = None
        get = loader.get_event
        loader.get_event()  # StreamStart
        if loader.check_event(yaml.StreamEndEvent):
            return None
        loader.get_event()  # DocumentStart
        scalar_event, alias_event = yaml.ScalarEvent, yaml.AliasEvent
        seq_start, map_start = yaml.SequenceStartEvent, yaml.MappingStartEvent
        doc_end = yaml.DocumentEndEvent
        fast_float, fast_int = _FAST_FLOAT.fullmatch, _FAST_INT.fullmatch
        max_values = limits.MAX_YAML_VALUES
        stack = self.stack
        regions = self.regions
        items = lines = None  # the appenders of the open list, when the innermost is a list
        while True:
            event = get()
            kind = type(event)
            if kind is scalar_event:
                # Fast path: a plain decimal item of a list (the bulk of a big file), counted
                # against the limit as it is read: compared only after the whole file, a
                # 50 MB list was parsed to its end before its refusal.
                if (
                    items is not None
                    and event.implicit[0]
                    and event.tag is None
                    and event.anchor is None
                ):
                    value = event.value
                    if fast_float(value):
                        number = float(value)
                        if number - number != 0.0:  # inf: the text overflowed float64
                            raise self._too_big(event)
                        if number == 0.0 and underflows(value, number):
                            raise self._too_small(event)
                    elif len(value) <= _SHORT_INT_CHARS and fast_int(value):
                        number = int(value)  # an int stays an int, as safe_load reads it
                    else:
                        number = None
                    if number is not None:
                        items(number)
                        lines(event.start_mark.line + 1)
                        self.count += 1
                        if self.count > max_values:
                            self._grow(0, event.start_mark)
                        continue
                mark = event.start_mark
                value, merge = self.scalar(event)
                self._grow(1, mark)
                if event.anchor is not None:
                    self.anchors[event.anchor] = (value, 1)
                path, is_key = self._next_path(mark)
                if (
                    not is_key
                    and path
                    and type(path[-1]) is not int
                    and type(value) in (int, float)
                    and event.implicit[0]
                ):
                    self.lines.spelling[path] = event.value
                self._add(value, mark, path, is_key, merge)
                continue
            elif kind is seq_start and regions:
                region = regions.pop((event.start_mark.line, event.start_mark.column), None)
                if region is None:
                    self.start(event, False)
                else:
                    self.splice(event, region)
            elif kind is seq_start or kind is map_start:
                self.start(event, kind is map_start)
            elif kind is alias_event:
                self.alias(event)
            elif kind is doc_end:
                break
            else:  # SequenceEnd / MappingEnd
                self.end(event)
            top = stack[-1] if stack else None
            if top is not None and not top.is_map:
                items, lines = top.value.append, top.item_lines.append
            else:
                items = lines = None
        if regions:
            raise _fastlist.NotFast  # a region's [ was not a flow list's: read it all
        if self.count > limits.MAX_YAML_VALUES:
            self._grow(0, loader.peek_event().start_mark)
        if not loader.check_event(yaml.StreamEndEvent):
            raise self.error(
                "expected a single document in the stream, but found another document "
                "(one problem per file)",
                loader.peek_event().start_mark,
            )
        return self.root


class _Line:
    """A stand-in mark holding only a 0-based line."""

    __slots__ = ("line",)

    def __init__(self, line: int) -> None:
        self.line = line


def _shown_text(text: str) -> str:
    """A scalar's text for a one-line message: quoted, escaped, a long one cut."""
    return repr(text if len(text) <= 40 else text[:37] + "...")


_PLAIN_ONLY = "only plain YAML is accepted (no !!python tags: files are read like yaml.safe_load)"


_TAB_WORDS = "a tab: YAML indents with spaces, never tabs"


def _tab_at(text: str, mark: Any) -> bool:
    """True when the parser stopped at a tab, or at the start of a line indented by one (a
    careless editor's indentation, which the parser calls 'a character that cannot start
    any token')."""
    lines = text.split("\n")
    if not 0 <= mark.line < len(lines):
        return False
    row = lines[mark.line]
    return row[mark.column : mark.column + 1] == "\t" or row[:1] == "\t"


#: Characters of a YAML simple key (``key: value``), the YAML spec's own limit: past it both
#: parsers stop at the ``:`` with "could not find expected ':'" (a block mapping), "did not
#: find expected ',' or '}'" (a flow one) or "mapping values are not allowed" (a quoted key).
SIMPLE_KEY_CHARS = 1024
_LIST_DASHES = re.compile(r"^(?:-\s+)+")


def _long_key_chars(text: str, mark: Any) -> int | None:
    """The length of the key before the ``:`` the parser stopped at, when it is longer than
    SIMPLE_KEY_CHARS (the key runs back to a ``{``, ``[`` or ``,`` on its line, or to the
    line's start and its list dashes); None otherwise. Marks count characters."""
    if mark.column <= SIMPLE_KEY_CHARS:  # no key that long ends before this column
        return None
    start = 0
    for _ in range(mark.line):
        start = text.find("\n", start) + 1
        if start == 0:
            return None
    end = text.find("\n", start)
    row = text[start : end if end >= 0 else len(text)]
    col = mark.column
    if row[col : col + 1] != ":":
        return None
    begin = max(row.rfind(c, 0, col) for c in "{[,") + 1
    key = _LIST_DASHES.sub("", row[begin:col].strip())
    return len(key) if len(key) > SIMPLE_KEY_CHARS else None


def load_yaml(
    text: str,
    file: str,
    *,
    loader_class: type | None = None,
    arrays: bool = False,
    _fast: bool = True,
) -> tuple[Any, Lines]:
    """Parse ``text`` safely; return (data, {path: line}). Errors become ProblemError.

    ``loader_class`` (default: ``Loader``) is for tests that run both parsers. Long runs of
    plain numbers are read in bulk (see ``_fastlist``); whenever that is not sure to give
    the event loop's answer, or fails in any way, the text is read again by the event loop
    alone, which ``_fast=False`` (for tests and benchmarks) asks for from the start.

    ``arrays=True`` lets a field given as rows of floats of one width, one a line (``- [0.1,
    0.2]``, a big file's emissions), be a (rows, width) float64 numpy array instead of its
    list of lists: the same numbers, 8 bytes each instead of about 50 (``Fields`` reads
    both). Only a mapping's value that the bulk reader read whole becomes one; the caller
    that asks must not hand the data on to code that expects lists.
    """
    if _fast:
        with _fastlist.gc_paused():
            scanned = _fastlist.scan(text)
            if scanned is not None:
                try:
                    return _load(scanned[0], file, loader_class, scanned[1], arrays)
                except (ProblemError, _fastlist.NotFast):
                    pass  # the event loop alone gives the answer, or the error, on the original
    return _load(text, file, loader_class, None, arrays)


def _load(
    text: str, file: str, loader_class: type | None, regions: dict | None, arrays: bool = False
) -> tuple[Any, Lines]:
    loader = None
    try:
        loader = (loader_class or Loader)(text)
        builder = _Builder(loader, file, regions, arrays)
        data = builder.run()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = (exc.problem or "invalid YAML").strip()
        if "maximum nesting depth" in problem:  # libyaml's own limit, when it scans ahead
            problem = NESTING_WORDS
        if "python/" in str(exc) or "could not determine a constructor" in problem:
            problem = f"{problem}; {_PLAIN_ONLY}"
        # libyaml puts the end of a text without a final newline on one line more.
        line = min(mark.line + 1, text.count("\n") + 1) if mark else None
        if problem != NESTING_WORDS:
            long_key = _long_key_chars(text, mark) if mark is not None else None
            if long_key is not None:  # the parser's words name neither the key nor the limit
                problem = (
                    f"a key of {long_key:,} characters; YAML's simple keys are at most "
                    f"{SIMPLE_KEY_CHARS} characters (field names are short: shorten it)"
                )
            problem = f"not valid YAML: {problem}"
            if mark is not None and _tab_at(text, mark):
                problem += f" ({_TAB_WORDS})"
        raise ProblemError(problem, file=file, line=line) from None
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow (NUL, BEL, ...)
        line = text.count("\n", 0, exc.position) + 1
        what = f"U+{exc.character:04X}" if isinstance(exc.character, int) else repr(exc.character)
        raise ProblemError(
            f"not valid YAML: the control character {what} is not allowed in a YAML file",
            file=file,
            line=line,
        ) from None
    except yaml.YAMLError as exc:
        message = " ".join(str(exc).split())  # one line, whatever the parser wrote
        raise ProblemError(f"not valid YAML: {message}", file=file) from None
    finally:
        if loader is not None:
            loader.dispose()
    return data, builder.lines
