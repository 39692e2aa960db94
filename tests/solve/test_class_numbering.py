"""Classes are numbered from 0 everywhere a derivation names them: the problem file's class
indices (y: [0, 2, 1]), the table headers (c0, c1, c2), "true class 0", and the formula's
range c = 0 … C−1 (it summed c = 1 … C while the tables counted from 0)."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from rnnloss_cli.cli import app

ROOT = Path(__file__).resolve().parents[2]


def _solve(name: str, *args: str) -> str:
    done = CliRunner().invoke(app, ["solve", str(ROOT / "problems" / name), *args])
    assert done.exit_code == 0, done.output
    return done.output


def test_cce_formula_sums_the_classes_the_tables_number():
    md = _solve("cce-three-classes.yaml", "-f", "markdown")
    assert r"\sum_{c=0}^{C-1}" in md and r"\sum_{c=1}^{C}" not in md
    assert "| i | c0 | c1 | c2 |" in md  # the gradient table's headers
    assert "numbered from 0" in _solve("cce-three-classes.yaml")


def test_nll_formula_says_classes_count_from_0():
    out = _solve("nll-two-words.yaml")
    assert "classes y_i numbered from 0 to C−1" in out


def test_sequence_formula_sums_the_classes_from_0():
    md = _solve("seq-translation.yaml", "-f", "markdown")
    assert r"\sum_{c=0}^{C-1}" in md and r"\sum_{c=1}^{C}" not in md


def test_explain_sums_the_classes_as_solve_does():
    # `explain cce` / `explain sequence` gave c = 1 … C next to solve's c = 0 … C−1
    for loss in ("cce", "sequence"):
        md = CliRunner().invoke(app, ["explain", loss, "-f", "markdown"])
        assert md.exit_code == 0, md.output
        assert r"\sum_{c=0}^{C-1}" in md.output and r"\sum_{c=1}^{C}" not in md.output
