"""The beam table's prefix cells of a long search are built from the trie of prefixes, not
from each entry's whole labelling: a row printed its prefix cut to SHOWN_SYMBOLS symbols, but
built the whole tuple first, O(length) a row, so ``--window`` over every row of a search whose
prefixes grow a label a frame cost rows x length (62,000 rows: ~60 s, 175 million steps)."""

from __future__ import annotations

import numpy as np

from rnnloss_cli.engine import beam_search
from rnnloss_cli.problem import parse_problem
from rnnloss_cli.result import Window
from rnnloss_cli.solve import solve
from rnnloss_cli.solve._beyond import cut_word

FRAMES = 600


def _growing(frames: int = FRAMES):
    """A at odd frames, B at even ones, each 0.9: the best prefix is ABAB..., one label longer
    every frame."""
    data = {"kind": "ctc_decode", "symbols": ["-", "A", "B"], "beam": 2, "emissions": _rows(frames)}
    return parse_problem(data, {}, "grow.yaml")


def _rows(frames: int = FRAMES) -> list[list[float]]:
    return [[0.05, 0.9, 0.05] if t % 2 == 0 else [0.05, 0.05, 0.9] for t in range(frames)]


def _beam_table(r):
    return next(t for t in r.tables if t.title.startswith("the beam after every frame"))


def test_prefix_cells_cost_no_labelling_a_row(monkeypatch):
    built = []
    real = beam_search._Prefix.labels

    def counted(node):
        out = real(node)
        built.append(len(out))
        return out

    monkeypatch.setattr(beam_search._Prefix, "labels", counted)
    r = solve(_growing(), window=Window(rows=10 * FRAMES))
    table = _beam_table(r)
    assert len(table.rows) == 2 * FRAMES  # every row held
    # a few labellings (the worked entry, the best one), not one of up to 600 labels a row
    assert sum(built) <= 10 * FRAMES, sum(built)


def test_prefix_cells_read_as_the_labelling_cut():
    r = solve(_growing(), window=Window(rows=10 * FRAMES))
    table = _beam_table(r)
    column = table.columns.index("prefix l")
    trace = beam_search.ctc_beam_search(np.log(np.array(_rows())), beam_width=2, return_trace=True)
    expected = [
        cut_word(tuple("-AB"[k] for k in e.prefix)) or "ε" for kept in trace.frames for e in kept
    ]
    assert [row[column] for row in table.rows] == expected
    assert any("symbols)…" in row[column] for row in table.rows)
