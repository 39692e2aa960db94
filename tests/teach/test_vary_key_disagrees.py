"""Variants of a template whose own answer key disagrees with the computed value: the
variants are written (their keys are computed for their givens), and the run names the
template and exits 1, as solve, mark, grade and export do; it exited 0 in silence, so the
typo in the template's key was never seen."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from rnnloss_cli.cli import app
from rnnloss_cli.problem import load_problem
from rnnloss_cli.solve import solve

# MSE of one pair: (1 − 0.5)² = 0.25; the key says 0.3 (a typo).
_WRONG_KEY = "kind: mse\ny: [1]\nyhat: [0.5]\nanswer: {loss: 0.3}\n"


def test_vary_writes_the_variants_and_exits_1_naming_the_template(tmp_path: Path):
    f, out = tmp_path / "typo.yaml", tmp_path / "out"
    f.write_text(_WRONG_KEY)
    r = CliRunner().invoke(app, ["vary", str(f), "--count", "2", "-o", str(out)])
    assert r.exit_code == 1, r.output
    assert f"answer key disagrees: {f}" in r.output and "Traceback" not in r.output
    written = sorted(out.iterdir())
    assert [p.name for p in written] == ["typo-1.yaml", "typo-2.yaml"]
    assert all(solve(load_problem(str(p))).ok for p in written)


def test_vary_of_a_right_template_exits_0(tmp_path: Path):
    out = tmp_path / "out"
    r = CliRunner().invoke(
        app, ["vary", "problems/hinge-sequence.yaml", "--count", "1", "-o", str(out)]
    )
    assert r.exit_code == 0, r.output
    assert "disagrees" not in r.output
