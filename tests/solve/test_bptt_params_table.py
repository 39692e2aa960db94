"""The BPTT parameter and gradient tables have a "row" column only when a matrix has more
than one row: with one hidden unit every parameter is a single row and the column was blank
from top to bottom (problems/bptt-two-steps.yaml: W_xh 1x1, W_hh 1x1, b_h 1, ...)."""

from __future__ import annotations

from pathlib import Path

import yaml

from rnnloss_cli.problem import load_problem
from rnnloss_cli.solve import solve

PROBLEMS = Path(__file__).parents[2] / "problems"


def _tables(path: Path) -> dict:
    r = solve(load_problem(str(path)))
    return {t.title: t for t in r.tables}


def test_single_row_parameters_have_no_row_column():
    tables = _tables(PROBLEMS / "bptt-two-steps.yaml")
    given = tables["given: the parameters"]
    assert given.columns[:2] == ["parameter", "col 1"]
    assert all(len(row) == len(given.columns) for row in given.rows)


def test_a_two_row_matrix_numbers_its_rows(tmp_path):
    spec = yaml.safe_load((PROBLEMS / "bptt-two-steps.yaml").read_text(encoding="utf-8"))
    spec.pop("answer", None)
    # two hidden units: W_hh is 2x2, so its rows are numbered 1 and 2
    spec.update(
        W_xh=[[0.5, 0.1]],
        W_hh=[[1.0, 0.0], [0.0, 1.0]],
        b_h=[0.0, 0.0],
        W_hy=[[1.0], [0.5]],
        h0=[0.0, 0.0],
    )
    path = tmp_path / "two.yaml"
    path.write_text(yaml.safe_dump(spec), encoding="utf-8")
    given = _tables(path)["given: the parameters"]
    assert given.columns[:2] == ["parameter", "row"]
    heads = [row[:2] for row in given.rows]
    assert [h[1] for h in heads if str(h[0]).startswith("W_hh")] == [1, 2]
    assert [h[1] for h in heads if str(h[0]).startswith("b_h")] == [""]
