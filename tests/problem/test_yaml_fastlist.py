"""The bulk reader of number lists (``_fastlist``) against the event loop alone.

The oracle is ``load_yaml(..., _fast=False)``: the event loop that read every file before the
bulk reader existed. For any text, both must give the same data (types, and floats bit for
bit), the same lines (keys, list items, spellings), or the same one-line error. Asked for
arrays (``arrays=True``), the bulk reader may give a field's rows of floats as a float64
matrix: the same numbers, and only as the value of a mapping's key.
"""

from __future__ import annotations

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from rnnloss_cli import limits
from rnnloss_cli.errors import ProblemError
from rnnloss_cli.problem import _fastlist
from rnnloss_cli.problem._yaml import load_yaml, make_loader

PARSERS = [pytest.param(make_loader(yaml.SafeLoader), id="python")]
if hasattr(yaml, "CSafeLoader"):
    PARSERS.append(pytest.param(make_loader(yaml.CSafeLoader), id="libyaml"))


def _typed(x, in_map: bool = False):
    """``x`` with every number tagged by its type, floats by their bits (-0.0 is not 0); a
    float64 matrix (``arrays=True``) as its rows, where it may be: a mapping's value."""
    if in_map and isinstance(x, np.ndarray) and x.dtype == np.float64 and x.ndim == 2:
        return _typed(x.tolist())
    if isinstance(x, bool) or x is None or isinstance(x, str):
        return x
    if isinstance(x, float):
        return ("float", x.hex())
    if isinstance(x, int):
        return ("int", x)
    if isinstance(x, list):
        return [_typed(v) for v in x]
    if isinstance(x, dict):
        return [(_typed(k), _typed(v, in_map=True)) for k, v in x.items()]
    return ("other", repr(x))


def _outcome(text: str, loader: type, fast: bool, arrays: bool = False):
    try:
        data, lines = load_yaml(text, "f.yaml", loader_class=loader, arrays=arrays, _fast=fast)
    except ProblemError as exc:
        return ("error", str(exc), exc.message, exc.file, exc.line, exc.field)
    rows = {p: (list(at), list(n)) for p, (at, n) in lines.row_lines.items()}
    return ("ok", _typed(data), dict(lines), lines.items_of, rows, lines.spelling)


@pytest.fixture(autouse=True)
def every_region(monkeypatch):
    """Read short lists in bulk too (the reader leaves them to the event loop), so that the
    small documents below go through the bulk reader."""
    monkeypatch.setattr(_fastlist, "MIN_REGION_CHARS", 0)


def assert_same(text: str, loader: type) -> None:
    slow = _outcome(text, loader, False)
    assert _outcome(text, loader, True) == slow, text
    assert _outcome(text, loader, True, arrays=True) == slow, text


# ------------------------------------------------------------------ documents to try
#: Number texts, plain and odd: YAML 1.1 octal, exponents, out of float64's range, text.
TOKENS = [
    "0", "1", "-0", "+4", "12", "0.5", "-0.0", "1.", ".5", "-.5e-3", "1e5", "2E3", "1.5e+2",
    "00.5", "012", "0x1F", "1_000", ".inf", "-.inf", ".nan", "1e400", "-1e400", "1e-400",
    "0e5", "0.0e-400", "12345678901234567", "1234567890123456", "'1.5'", '"2"', "a", "~",
    "true", "1:30", "- 1", "1 2", "e5", "1e", "+", ".", "3.25",
]  # fmt: skip
#: Odd texts made only of the characters a region may hold: only float() and the checks
#: after it tell them from numbers.
LOOK_LIKE_NUMBERS = [
    "012", "00", "1e400", "-1e400", "1e-400", "12345678901234567", "- 1", "1 2", "e5", "1e",
    "+", ".", "1.2.3", "1e5.5", "--1",
]  # fmt: skip
SEPARATORS = [", ", ",", " , ", ",\n  ", ",\n", "\n  ,", ",\r\n  "]


@st.composite
def flat(draw, plain: bool = False, one_line: bool = False) -> str:
    common = st.sampled_from(TOKENS[:12])  # mostly plain numbers, so some documents load
    odd = st.one_of(st.sampled_from(TOKENS), st.sampled_from(LOOK_LIKE_NUMBERS))
    tokens = common if plain else st.one_of(common, common, common, odd)
    items = draw(st.lists(tokens, max_size=6))
    seps = draw(
        st.lists(
            st.sampled_from(SEPARATORS[:3] if one_line else SEPARATORS),
            min_size=len(items),
            max_size=len(items),
        )
    )
    text = "".join(t + s for t, s in zip(items, seps, strict=True))
    if items and not draw(st.booleans()):
        text = text[: -len(seps[-1])]  # no trailing comma
    pad = draw(st.sampled_from(["", " ", "\n  "]))
    return f"[{pad}{text}]"


@st.composite
def nested(draw) -> str:
    rows = draw(st.lists(st.one_of(flat(plain=True), flat()), max_size=4))
    if rows and draw(st.booleans()):
        rows.insert(draw(st.integers(0, len(rows))), draw(st.sampled_from(["1", "[1, [2]]"])))
    sep = draw(st.sampled_from([", ", ",\n  ", ","]))
    trail = draw(st.sampled_from(["", ",", " ,\n"])) if rows else ""
    return "[" + sep.join(rows) + trail + "]"


@st.composite
def block_rows(draw, indent: str) -> str:
    row = st.one_of(
        flat(plain=True, one_line=True), flat(one_line=True), flat(one_line=True), flat(), nested()
    )
    rows = draw(st.lists(row, min_size=1, max_size=5))
    lines = [f"{indent}- {r}" for r in rows]
    if draw(st.booleans()):
        odd = draw(
            st.sampled_from(
                [
                    f"{indent}- x",
                    f"{indent}# a comment [1, 2]",
                    f"{indent}- &r [1, 2]",
                    f"{indent}- *a",
                    f"{indent}- [1, 2] # c",
                    f"{indent}- !!seq [1]",
                    f"{indent}  - [3, 4]",
                    "",
                    f"{indent}- - [5, 6]",
                ]
            )
        )
        lines.insert(draw(st.integers(0, len(lines))), odd)
    end = draw(st.sampled_from(["\n", "  \n", "\r\n"]))
    return end.join(lines)


@st.composite
def value(draw) -> str:
    kind = draw(st.integers(0, 9))
    if kind <= 2:
        v = draw(st.one_of(flat(plain=True), flat()))
    elif kind <= 4:
        v = draw(nested())
    elif kind <= 6:
        indent = draw(st.sampled_from(["", "  "]))
        return "\n" + draw(block_rows(indent))
    else:
        v = draw(
            st.sampled_from(
                [
                    "&a [1, 2]",
                    "*a",
                    "!!seq [1, 2]",
                    "'[1, 2]'",
                    "|\n  [1, 2]\n  - [3]",
                    "[1, [2, 3]]",
                    "[]",
                    "[,]",
                    "[1, 2]: 3",
                    "{k: [1, 2], j: [[3]]}",
                    "x[1, 2]",
                    "[1, 2] junk",
                    "[1, 2]]",
                    "\n  [1,\n2]",
                    "1.50",
                    "[1\t, 2]",
                ]
            )
        )
    comment = draw(st.sampled_from(["", " # [7, 8]", "  # c"]))
    return f" {v}{comment}"


@st.composite
def document(draw) -> str:
    entries = draw(st.lists(value(), min_size=1, max_size=4))
    head = draw(st.sampled_from(["", "a: &a [0]\n", "# [9, 9]\n", "---\n"]))
    return head + "".join(f"k{i}:{v}\n" for i, v in enumerate(entries))


@pytest.mark.parametrize("loader", PARSERS)
@settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(text=document())
@example(text="k0: [1, 2.5, -0, +4, 1., .5, 1e5, -0.0]\n")
@example(text="k0:\n  - [1, 2]\n  - [3,\n 4]\n  - x\n")
@example(text="k0:\n- [1e400, 2]\n- [3]\n")
@example(text="k0: [[1, 2], [3, 012]]\n")
@example(text="k0: [\n  [0.1, 0.2],\n  [0.3, 0.4],\n]\n")
@example(text="k0:\n  - [0.1, 0.2]\n  - [0.3, 0.4]\n")
@example(text="k0:\n  - [0.1, 0.2]\n  - [0.3, 0.4] # c\n")
@example(text="k0:\n  - [0.1, 0.2]\r\n  - [0.3, 0.4] x\r\n")
@example(text="k0:\n  - [0.1, 0.2]\n  - [0.3, 4]\n  - [0.5, 0.6]\n")
def test_fast_reader_gives_the_event_loops_answer(loader, text):
    assert_same(text, loader)


# ------------------------------------------------------------------ limits, by hand
@pytest.mark.parametrize("loader", PARSERS)
def test_values_limit_counted_in_a_region(loader, monkeypatch):
    # The event loop counts the mapping (1), the key a (2), the list (3), row 1 (4), 0.1 (5),
    # 0.2 (6), row 2 (7): a limit of 6 is passed by row 2's "[", on line 3.
    monkeypatch.setattr(limits, "MAX_YAML_VALUES", 6)
    text = "a:\n  - [0.1, 0.2]\n  - [0.3, 0.4]\n  - [0.5, 0.6]\n"
    assert _fastlist.scan(text) is not None  # the region is read in bulk
    assert_same(text, loader)
    with pytest.raises(ProblemError) as info:
        load_yaml(text, "f.yaml", loader_class=loader)
    assert info.value.line == 3 and "MAX_YAML_VALUES = 6" in info.value.message


@pytest.mark.parametrize("loader", PARSERS)
def test_nesting_limit_at_a_regions_rows(loader, monkeypatch):
    # mapping (depth 1), a (2), its rows (3): a limit of 2 refuses the first row, line 1.
    monkeypatch.setattr(limits, "MAX_NESTING", 2)
    text = "a: [[1, 2], [3]]\n"
    assert_same(text, loader)
    with pytest.raises(ProblemError) as info:
        load_yaml(text, "f.yaml", loader_class=loader)
    assert (info.value.line, info.value.field) == (1, "a")


@pytest.mark.parametrize("loader", PARSERS)
def test_overflow_in_a_long_list_named_with_its_line_and_field(loader):
    # 1e400 is item 2 of row 3 (rows counted from 0: y[2][1]), on line 4.
    text = "y:\n  - [0.1, 0.2]\n  - [0.3, 0.4]\n  - [0.5, 1e400]\n"
    with pytest.raises(ProblemError) as info:
        load_yaml(text, "f.yaml", loader_class=loader)
    assert (info.value.line, info.value.field) == (4, "y[2][1]")
    assert_same(text, loader)


def test_lines_of_a_bulk_read_list_by_hand():
    # line 1: "y: [" ; line 2: 0.5, 1 ; line 3: -2 ; line 4: "]"
    text = "y: [\n  0.5, 1,\n  -2\n]\n"
    data, lines = load_yaml(text, "f.yaml")
    assert _typed(data) == [("y", [("float", (0.5).hex()), ("int", 1), ("int", -2)])]
    assert lines.items_of[("y",)] == [2, 2, 3]


@pytest.mark.parametrize("loader", PARSERS)
def test_rows_before_a_refused_one_are_read_in_bulk(loader, monkeypatch):
    # 40 rows, then 012 (YAML 1.1's octal, refused) on line 42, then 40 more rows: the first
    # 40 are one region, the refused row is left to the event loop, which names it.
    monkeypatch.setattr(_fastlist, "MIN_REGION_CHARS", 256)
    rows = "".join(f"  - [0.{i:02d}, 1.5, 2]\n" for i in range(40))
    text = "y:\n" + rows + "  - [3, 012]\n" + rows
    blanked, regions = _fastlist.scan(text)
    assert [(r.kind, len(r.values)) for r in regions.values()] == [("rows", 40), ("rows", 40)]
    assert blanked.count("\n") == text.count("\n") and len(blanked) == len(text)
    with pytest.raises(ProblemError) as info:
        load_yaml(text, "f.yaml", loader_class=loader)
    assert (info.value.line, info.value.field) == (42, "y[40][1]")
    assert_same(text, loader)
    assert_same(text.replace("012", "12"), loader)


def test_scan_stops_on_a_text_of_brackets():
    # 10^6 nested brackets: no region, and the scan gives up after MAX_MISSES of them
    # (the event loop then refuses the nesting at once).
    assert _fastlist.scan("a: " + "[" * 10**6 + "]" * 10**6) is None
