"""A BPTT forward table too wide for the window is split, so every number the next lines use
is shown (2 inputs, 2 hidden units, 3 classes: 17 columns, the window holds 16 and hid o[1])."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rnnloss_cli import solve_file, solve_problem
from rnnloss_cli.cli.app import app

PROBLEM = Path(__file__).resolve().parents[2] / "problems" / "bptt-two-steps.yaml"

#: problems/bptt-two-steps.yaml's format with 2 inputs, 2 hidden units, 3 classes.
WIDE = {
    "kind": "bptt",
    "title": "BPTT, 2 inputs, 2 hidden units, 3 classes",
    "loss": "cross_entropy",
    "reduction": "sum",
    "x": [[1.0, -0.5], [0.3, 0.2]],
    "targets": [0, 2],
    "W_xh": [[0.5, -0.3], [0.8, 0.1]],
    "W_hh": [[0.9, -0.4], [0.2, 0.7]],
    "b_h": [0.1, -0.2],
    "W_hy": [[1.0, -1.0, 0.5], [0.3, -0.9, 0.2]],
    "b_y": [0.0, -0.1, 0.1],
    "h0": [0.2, -0.1],
}

WIDE_YAML = """\
kind: bptt
title: BPTT, 2 inputs, 2 hidden units, 3 classes
loss: cross_entropy
reduction: sum
x: [[1.0, -0.5], [0.3, 0.2]]
targets: [0, 2]
W_xh: [[0.5, -0.3], [0.8, 0.1]]
W_hh: [[0.9, -0.4], [0.2, 0.7]]
b_h: [0.1, -0.2]
W_hy: [[1.0, -1.0, 0.5], [0.3, -0.9, 0.2]]
b_y: [0.0, -0.1, 0.1]
h0: [0.2, -0.1]
"""

ALL_COLUMNS = {
    *(f"{n}[{j}]" for n in ("x", "h_{t−1}", "a", "h") for j in (1, 2)),
    *(f"{n}[{k}]" for n in ("o", "softmax") for k in (1, 2, 3)),
    "c_t",
    "L_t",
}


def _forward_tables(r):
    return [t for t in r.tables if t.title.startswith("forward pass")]


def test_wide_forward_pass_shows_every_column_and_keeps_its_worked_columns():
    r = solve_problem(WIDE, name="wide")
    tables = _forward_tables(r)
    shown = set().union(*(t.columns for t in tables))
    assert ALL_COLUMNS <= shown, sorted(ALL_COLUMNS - shown)
    assert all(t.n_columns is None for t in tables)  # none cut by the window
    # every worked column is declared in a table that holds it and all its inputs
    declared = set()
    for t in tables:
        for d in t.derived:
            assert {d.column, *d.inputs} <= set(t.columns), (t.title, d)
            declared.add(d.column)
    want = {f"{n}[{j}]" for n, k in (("a", 2), ("h", 2), ("o", 3), ("softmax", 3))
            for j in range(1, k + 1)}  # fmt: skip
    assert want <= declared
    # o_1[1] by hand: a_1[1] = 1 × 0.5 + (−0.5) × 0.8 + 0.2 × 0.9 + (−0.1) × 0.2 + 0.1 = 0.36,
    # a_1[2] = 1 × (−0.3) + (−0.5) × 0.1 + 0.2 × (−0.4) + (−0.1) × 0.7 − 0.2 = −0.7,
    # o_1[1] = tanh(0.36) × 1 + tanh(−0.7) × 0.3 + 0 = 0.345214 − 0.181310 = 0.163904
    t = next(t for t in tables if "o[1]" in t.columns)
    o1 = t.rows[0][t.columns.index("o[1]")]
    assert o1 == pytest.approx(math.tanh(0.36) + 0.3 * math.tanh(-0.7), abs=1e-12)
    assert o1 == pytest.approx(0.163904, abs=1e-6)


def test_wide_forward_pass_prints_o1_at_the_default_window(tmp_path):
    f = tmp_path / "wide.yaml"
    f.write_text(WIDE_YAML)
    result = CliRunner().invoke(app, ["solve", str(f)], env={"COLUMNS": "80", "NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    forward = result.output.split("forward pass", 1)[1].split("backward pass", 1)[0]
    assert "o[1]" in forward
    assert "--window" not in forward and "showing columns" not in forward


def test_one_unit_forward_pass_stays_one_table():
    tables = _forward_tables(solve_file(PROBLEM))
    assert [t.title for t in tables] == ["forward pass, step by step"]
    assert tables[0].columns == ["t", "x", "h_{t−1}", "a", "h", "o", "y", "L_t"]


def test_split_forward_cells_check_with_a_pencil():
    # every declared cell of both tables redone from its row's printed cells and the given
    # parameters (tests/solve/pencil.py reads the arithmetic), as for a single table
    from rnnloss_cli.render.text import digits_plan, lay_out, table_cells
    from tests.solve.pencil import audit_line, describe

    r = solve_problem(WIDE, name="wide")
    read = 0
    for precision in (2, 3, 5):
        digits = digits_plan(r, precision)
        for t in _forward_tables(r):
            texts = table_cells(t, lay_out(t), precision, digits)
            for d in t.derived:
                ins = [t.columns.index(n) for n in d.inputs]
                out = t.columns.index(d.column)
                for cells in texts:
                    sign = "≈" if cells[out].startswith("≈") else "="
                    args = [f"({cells[j].lstrip('≈')})" for j in ins]
                    line = f"{d.column}: {d.text.format(*args)} {sign} {cells[out].lstrip('≈')}"
                    a = audit_line(line, precision)
                    assert not a.defects, [describe(a, x) for x in a.defects]
                    read += a.checked
    assert read > 0
