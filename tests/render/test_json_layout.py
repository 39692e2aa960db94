"""The JSON document's layout: the data of ``json.dumps``, two spaces an indent, a table's row
on one line (indenting every cell took 11 µs a cell: a 10^6-cell window wrote 270 MB)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rnnloss_cli.problem import load_problem
from rnnloss_cli.render.json import _layout, render_json, to_dict
from rnnloss_cli.result import Window
from rnnloss_cli.solve import solve

PROBLEMS = Path(__file__).resolve().parents[2] / "problems"
SOME = [
    "hello.yaml",
    "ctc-exact-ab.yaml",
    "custom-combo.yaml",
    "bptt-two-steps.yaml",
    "ctc-decode-beam-vs-greedy.yaml",
]


def _text(x: object) -> str:
    out: list[str] = []
    _layout(x, json.JSONEncoder(allow_nan=False, ensure_ascii=False).encode, "", out)
    return "".join(out)


@pytest.mark.parametrize("name", SOME)
def test_the_document_holds_what_json_dumps_writes(name):
    r = solve(load_problem(str(PROBLEMS / name)), window=Window(200, 200))
    doc = json.loads(json.dumps(to_dict(r), allow_nan=False))
    assert json.loads(render_json([r])) == doc
    assert json.loads(render_json([r, r])) == [doc, doc]
    ascii_text = render_json([r], ascii_only=True)
    assert ascii_text.isascii() and json.loads(ascii_text) == doc


def test_a_table_row_is_one_line_and_the_rest_is_indented():
    r = solve(load_problem(str(PROBLEMS / "ctc-exact-ab.yaml")), window=Window(200, 200))
    text = render_json([r])
    lines = text.splitlines()
    tables = json.loads(text)["tables"]
    assert tables and all(t["rows"] for t in tables)
    for table in tables:
        for row in table["rows"]:
            line = json.dumps(row, ensure_ascii=False)
            assert f"        {line}," in lines or f"        {line}" in lines
    assert lines[1] == '  "schema_version": 1,'
    assert max(len(line) - len(line.lstrip()) for line in lines) <= 10


def test_lists_of_cells_are_one_line_lists_of_objects_are_not():
    doc = {"a": [1, 2.5, None, "x"], "b": [[1, 2], [3, 4]], "c": [{"k": [1]}], "d": {}, "e": []}
    assert _text(doc).splitlines() == [
        "{",
        '  "a": [1, 2.5, null, "x"],',
        '  "b": [',
        "    [1, 2],",
        "    [3, 4]",
        "  ],",
        '  "c": [',
        "    {",
        '      "k": [1]',
        "    }",
        "  ],",
        '  "d": {},',
        '  "e": []',
        "}",
    ]


_leaves = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=5)
)
_values = st.recursive(
    _leaves,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=3), inner, max_size=4)
    ),
    max_leaves=30,
)


@given(_values)
def test_any_document_reads_back_as_itself(x):
    assert json.loads(_text(x)) == x
