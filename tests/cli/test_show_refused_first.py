"""A ``--show`` name no problem has is refused before anything is solved (exit 2, one line),
not after the solve: a 100,000-frame CTC problem took 5.5 s before "--show grad: no such
table". Provenance: helper audit of solve, finding 10. A name some problems have and this one
has not is still named after the solve, with the tables this problem has."""

from __future__ import annotations

from typer.testing import CliRunner

from rnnloss_cli import solve as solve_package
from rnnloss_cli.cli.app import app

runner = CliRunner()


def test_a_misspelt_table_is_refused_before_solving(monkeypatch):
    solved = []
    real = solve_package.solve
    monkeypatch.setattr(solve_package, "solve", lambda *a, **k: solved.append(1) or real(*a, **k))
    result = runner.invoke(app, ["solve", "problems/hello.yaml", "--show", "beta,bta"])
    assert result.exit_code == 2, result.output
    assert "--show bta: no such table (the tables are: beta, grad, posterior;" in result.output
    assert solved == []


def test_a_table_this_problem_lacks_is_named_after_solving():
    result = runner.invoke(app, ["solve", "problems/hello.yaml", "--show", "grad"])
    assert result.exit_code == 2, result.output
    assert "--show grad: no such table (no extra tables here;" in result.output


def test_ctc_flags_refuse_a_misspelt_table_too():
    args = ["ctc", "--target", "AB", "--emissions", "0.6,0.4,0;0.3,0.3,0.4", "--symbols", "-,A,B"]
    result = runner.invoke(app, [*args, "--show", "x"])
    assert result.exit_code == 2, result.output
    assert "--show x: no such table (the tables are:" in result.output
