"""An ASCII-only standard output keeps distinct symbols distinct.

A character the derivations' notation has no stand-in for comes from the user (a symbol, a
title, a typed name) and is written as its escape (``\\u00c4``), as JSON writes it; its base
letter made ``A`` and ``Ä`` print alike.
"""

from __future__ import annotations

import pytest

from rnnloss_cli.cli import io as cli_io
from tests.cli.streams import run_encoded

TWO_AS = """kind: ctc
title: Two symbols, A and Ä
method: exact
target: AÄ
symbols: ["-", A, Ä]
emissions:
  - [0.2, 0.7, 0.1]
  - [0.3, 0.3, 0.4]
  - [0.2, 0.1, 0.7]
"""


@pytest.mark.parametrize(
    "text, expected",
    [
        ("A Ä", "A \\u00c4"),
        ("AÄ", "A\\u00c4"),  # a target of two labels, not the repeat "AA"
        ("日本", "\\u65e5\\u672c"),  # two symbols, not "??"
        ("😀", "\\U0001f600"),
        ("−ln ŷ · α", "-ln yhat * a"),  # the notation keeps its readable stand-ins
        ("┃ s ┃", "| s |"),
    ],
)
def test_user_characters_become_escapes_and_the_notation_stand_ins(text, expected):
    assert cli_io.to_ascii(text) == expected


def _run_ascii(argv, monkeypatch):
    """The real entry point with ASCII-only stdout and stderr."""
    return run_encoded(argv, monkeypatch, "ascii")


@pytest.mark.parametrize("fmt", ["rich", "markdown"])
def test_a_vocabulary_of_a_and_a_umlaut_prints_two_distinct_columns(tmp_path, monkeypatch, fmt):
    path = tmp_path / "two.yaml"
    path.write_text(TWO_AS, encoding="utf-8")
    code, out, err = _run_ascii(["solve", str(path), "-f", fmt], monkeypatch)
    assert code == 0, err
    assert "Two symbols, A and \\u00c4" in out
    header = next(line for line in out.splitlines() if line.replace(" ", "").startswith("|t|"))
    cells = [c.strip() for c in header.strip("|").split("|")]
    assert cells == ["t", "-", "A", "\\u00c4"], header


def test_a_typed_name_is_echoed_distinct_from_the_suggestion(monkeypatch):
    code, _, err = _run_ascii(["new", "msé"], monkeypatch)
    assert code == cli_io.EXIT_BAD_INPUT
    assert "kind 'ms\\u00e9'; did you mean 'mse'?" in err, err


def _box_widths(out: str) -> set[int]:
    """The widths of the lines of the first box drawn (its borders and rows)."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("+-"))
    end = next(i for i in range(start + 1, len(lines)) if lines[i].startswith("+-"))
    return {len(line) for line in lines[start : end + 1]}


@pytest.mark.parametrize(
    "argv",
    [
        # headers "ŷ" -> "yhat", "∂L/∂ŷ" -> "dL/dyhat": each stand-in is longer than its
        # character, and the rows were laid out before it was put in
        ["hinge", "--y", "1,-1", "--yhat", "0.8,-0.5"],
        ["solve", "TWO"],  # a user's "Ä" becomes the six characters "\u00c4"
        ["explain"],  # "±1 classification" -> "+-1"
    ],
)
def test_ascii_tables_stay_aligned(tmp_path, monkeypatch, argv):
    if argv[-1] == "TWO":
        path = tmp_path / "two.yaml"
        path.write_text(TWO_AS, encoding="utf-8")
        argv = ["solve", str(path)]
    code, out, err = _run_ascii(argv, monkeypatch)
    assert code == 0, err
    assert len(_box_widths(out)) == 1, out
