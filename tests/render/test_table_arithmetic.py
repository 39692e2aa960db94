"""Table cells redone with a pencil from the printed cells of the same row (or, for BPTT's
1 − h², the printed h of the same step in the forward table).

The operations are read off the column headers by hand here (not from the solvers):
REINFORCE's "A_t · ln π" is A_t × ln π; custom's "w_i · L_i" is weight × value; BPTT's
"L_t" is (o − y)² (squared error, one output) and "1 − h²" is 1 − h². A printed cell must
lie within half a unit of its last digit of the operation on the printed operands
(tests/solve/pencil.py). Before guard digits reached tables, each of these failed:
0.573 × (−0.105) = −0.0602 (printed −0.0604); −0.237 × (−0.357) = 0.0846 (0.0844);
0.462² = 0.213 (0.214); 1 − 0.432² = 0.813 (0.814); 1 − 0.462² = 0.787 (0.786);
0.7 × 1.561 = 1.093 (1.092).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rnnloss_cli.cli import app
from tests.solve.pencil import audit_line, describe

ROOT = Path(__file__).resolve().parents[2]


def _cells(line: str) -> list[str]:
    """A pipe-table line's cells, unescaped ("π(y_t\\|s_t)" holds an escaped pipe)."""
    inner = line.strip()[1:-1]
    return [c.strip().replace("\\", "") for c in re.split(r"(?<!\\)\|", inner)]


def _tables(markdown: str) -> dict[str, list[dict[str, str]]]:
    """Every pipe table of a markdown report: title -> rows as {header: printed cell}."""
    out: dict[str, list[dict[str, str]]] = {}
    lines = markdown.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("| ") and i + 1 < len(lines) and lines[i + 1].startswith("|---"):
            title = lines[i - 2].strip("*") if i >= 2 else ""
            heads = _cells(line)
            rows = []
            for row in lines[i + 2 :]:
                if not row.startswith("|"):
                    break
                cells = _cells(row)
                rows.append(dict(zip(heads, cells, strict=True)))
            out.setdefault(title, rows)
    return out


def _solve(name: str, precision: int) -> dict[str, list[dict[str, str]]]:
    path = ROOT / "problems" / f"{name}.yaml"
    done = CliRunner().invoke(app, ["solve", str(path), "-f", "markdown", "-p", str(precision)])
    assert done.exit_code == 0, done.output
    return _tables(done.output)


def _bad(lines: list[str], precision: int) -> list[str]:
    bad = []
    for line in lines:
        a = audit_line(line, precision)
        assert a.checked, line  # the pencil read the line
        bad += [describe(a, d) for d in a.defects]
    return bad


@pytest.mark.parametrize("precision", [2, 3, 4])
def test_reinforce_products_follow_from_their_printed_factors(precision):
    rows = _solve("reinforce-episode", precision)["per step"]
    lines = [f"x = {r['A_t']} × ({r['ln π']}) = {r['A_t · ln π']}" for r in rows]
    assert len(lines) == 3
    assert not _bad(lines, precision)


@pytest.mark.parametrize("precision", [2, 3, 4])
def test_custom_weighted_terms_follow_from_their_printed_factors(precision):
    rows = _solve("custom-combo", precision)["terms"]
    lines = [f"x = {r['weight w_i']} × {r['value L_i']} = {r['w_i · L_i']}" for r in rows]
    assert len(lines) == 2
    assert not _bad(lines, precision)


@pytest.mark.parametrize("precision", [2, 3, 4])
def test_bptt_step_losses_and_tanh_slopes_follow_from_printed_h_and_o(precision):
    tables = _solve("bptt-two-steps", precision)
    forward = {r["t"]: r for r in tables["forward pass, step by step"]}
    lines = [f"x = ({r['o']} − {r['y']})^2 = {r['L_t']}" for r in forward.values()]
    for r in tables["backward pass (from the last step to the first)"]:
        lines.append(f"x = 1 − {forward[r['t']]['h']}^2 = {r['1 − h²']}")
    assert len(lines) == 4
    assert not _bad(lines, precision)
