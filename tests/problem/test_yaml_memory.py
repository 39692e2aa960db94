"""Memory of reading a big problem file, bounded per row (``tracemalloc``, sizes not times).

A 64 MB file (the MAX_FILE_BYTES cap) of 3.3 million rows ``- [0.1, 0.2, 0.7]`` took 1.6 GB
to solve: the bulk reader's one regular expression over all the rows kept a backtracking
entry a row (about 280 bytes, 14x the text), and each row was a list of three floats (about
150 bytes) where a float64 matrix takes 24. ``load_problem`` now reads such rows as a matrix
(``load_yaml(arrays=True)``), which ``Fields`` validates with the same messages.
"""

from __future__ import annotations

import gc
import tracemalloc

import numpy as np
import pytest

from rnnloss_cli import problem as problem_module
from rnnloss_cli.errors import ProblemError
from rnnloss_cli.problem import _fastlist, load_problem, parse_problem
from rnnloss_cli.problem._yaml import load_yaml

ROWS = 20_000


def _ctc_rows(n: int = ROWS, kind: str = "ctc") -> str:
    head = f"kind: {kind}\nsymbols: ['-', A, B]\n" + ("target: AB\n" if kind == "ctc" else "")
    return (
        head
        + "emissions:\n"
        + "".join(f"  - [0.{i % 7 + 1}, 0.{8 - i % 7}, 0.1]\n" for i in range(n))
    )


def _peak(fn) -> tuple[object, int]:
    gc.collect()
    tracemalloc.start()
    try:
        out = fn()
        return out, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_scanning_rows_holds_a_few_times_the_text():
    text = _ctc_rows()
    _, peak = _peak(lambda: _fastlist.scan(text))
    # the blanked copy, the joined text, the matrix (24 bytes a 20-character row), the lines:
    # under 5x the text (it was 20x: the match's backtracking stack)
    assert peak < 5 * len(text), peak / len(text)


@pytest.mark.parametrize("kind", ["ctc", "ctc_decode"])
def test_loading_a_problem_of_many_rows_is_bounded_per_row(kind, monkeypatch):
    text = _ctc_rows(kind=kind)
    monkeypatch.setattr(problem_module, "read_text", lambda path, **kw: text)
    load_problem("big.yaml")  # the modules it imports on first use are not counted
    problem, peak = _peak(lambda: load_problem("big.yaml"))
    assert problem is not None
    # about 5x the 20-character rows (text, blanked text, matrix, lines); it was 25x
    assert peak < 150 * ROWS, peak / ROWS


def test_rows_of_floats_are_a_float64_matrix_when_asked_for():
    text = _ctc_rows(300)
    data, lines = load_yaml(text, "f.yaml", arrays=True)
    listed, listed_lines = load_yaml(text, "f.yaml", _fast=False)
    matrix = data["emissions"]
    assert isinstance(matrix, np.ndarray) and matrix.dtype == np.float64
    assert matrix.tolist() == listed["emissions"]
    assert lines.get(("emissions", 299, 2)) == listed_lines.get(("emissions", 299, 2)) == 304
    plain, _ = load_yaml(text, "f.yaml")  # not asked: lists, as the event loop reads them
    assert plain == listed


@pytest.mark.parametrize(
    "text",
    [
        "emissions:\n  - [0.5, 0.5]\n  - [1, 0.0]\n",  # an int in a row: lists
        "emissions:\n  - [0.5, 0.5]\n  - [0.5, 0.25, 0.25]\n",  # ragged rows
        "emissions: &e\n  - [0.5, 0.5]\n  - [0.5, 0.5]\nagain: [*e]\n",  # anchored
        "emissions:\n  - - [0.5, 0.5]\n    - [0.5, 0.5]\n",  # rows of an item of a list
        "emissions:\n  - [0.5, 0.5]\n  - x\n",  # a row the event loop reads
    ],
)
def test_only_a_whole_field_of_float_rows_becomes_a_matrix(text, monkeypatch):
    monkeypatch.setattr(_fastlist, "MIN_REGION_CHARS", 0)
    data, _ = load_yaml(text, "f.yaml", arrays=True)
    assert data == load_yaml(text, "f.yaml", _fast=False)[0]  # lists throughout


def _bad(rows: list[str], header: str) -> str:
    return header + "".join(f"  - [{r}]\n" for r in rows)


ROWS_OK = ["0.25, 0.25, 0.5"] * 30
BAD_FILES = {
    "ctc out of range": _bad(
        [*ROWS_OK[:20], "0.25, 1.25, 0.5", *ROWS_OK[:9]],
        "kind: ctc\ntarget: AB\nsymbols: ['-', A, B]\nemissions:\n",
    ),
    "ctc row sum": _bad(
        [*ROWS_OK[:25], "0.25, 0.25, 0.25", *ROWS_OK[:4]],
        "kind: ctc\ntarget: AB\nsymbols: ['-', A, B]\nemissions:\n",
    ),
    "ctc columns": _bad(ROWS_OK, "kind: ctc\ntarget: AB\nsymbols: ['-', A, B, C]\nemissions:\n"),
    "decode out of range": _bad(
        [*ROWS_OK[:3], "0.25, -0.25, 0.5", *ROWS_OK[:26]],
        "kind: ctc_decode\nsymbols: ['-', A, B]\nemissions:\n",
    ),
    "decode rows a list of numbers": _bad(
        ROWS_OK, "kind: ctc_decode\nsymbols: ['-', A, B]\nemissions:\n  -\n"
    ),
    "weight is one row": _bad(
        ROWS_OK,
        "kind: cce\nlogits: [[0.5, 0.5, 0.1]]\ny: [0]\nweight:\n",
    ),
    "mask of whole numbers": _bad(
        ["1.0, 0.5, 1.0"] * 30,
        "kind: sequence\nvocabulary: [a, b, c]\ntargets: [[a, b, c]]\n"
        "yhat: [[[0.5, 0.25, 0.25], [0.5, 0.25, 0.25], [0.5, 0.25, 0.25]]]\nmask:\n",
    ),
    "logits fine": _bad(
        ["0.5, -1.5, 2.0"] * 30, "kind: ctc\ntarget: AB\nsymbols: ['-', A, B]\nlogits:\n"
    ),
}


@pytest.mark.parametrize("name", BAD_FILES)
def test_a_matrix_is_validated_as_its_lists_are(name, monkeypatch, loader):
    """Same message (file, line, field, words) or the same numbers, matrix or lists."""
    monkeypatch.setattr(_fastlist, "MIN_REGION_CHARS", 0)
    text = BAD_FILES[name]

    def outcome(arrays: bool, fast: bool):
        data, lines = load_yaml(text, "f.yaml", loader_class=loader, arrays=arrays, _fast=fast)
        try:
            p = parse_problem(data, lines, "f.yaml")
        except ProblemError as exc:
            return ("error", str(exc), exc.line, exc.field)
        return ("ok", repr(p))

    assert outcome(True, True) == outcome(False, False)
