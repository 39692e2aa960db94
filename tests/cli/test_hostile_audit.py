"""Hardening audit of the CLI plumbing: each test was seen failing before its fix."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from rnnloss_cli.cli import app

runner = CliRunner()


def run(*args: str, input: str | None = None):
    return runner.invoke(app, list(args), input=input)


# Errors y - yhat: 1 - 0.5 = 0.5, 2 - 2 = 0; squares 0.25, 0; mean 0.25 / 2 = 0.125
MSE = "kind: mse\ny: [1, 2]\nyhat: [0.5, 2]\nanswer: 0.125\n"


def test_solve_to_file_parses_each_problem_once(tmp_path: Path, monkeypatch):
    """``solve big.yaml -o x.json`` parsed its inputs again to list the custom terms' files
    (about twice the time on a big file); the terms come from the problems already loaded."""
    import rnnloss_cli.problem as problem_module
    from rnnloss_cli.problem import _yaml

    (tmp_path / "a.yaml").write_text(MSE)
    (tmp_path / "c.yaml").write_text(
        "kind: custom\nterms:\n  - {weight: 2, file: a.yaml}\n"
        "  - {weight: 1, problem: {kind: mse, y: [1], yhat: [1]}}\n"
        # 2 x 0.125 + 1 x 0 = 0.25
        "answer: 0.25\n"
    )
    calls: list[str] = []
    real = _yaml.load_yaml

    def counting(text, name):
        calls.append(name)
        return real(text, name)

    monkeypatch.setattr(problem_module, "load_yaml", counting)
    monkeypatch.setattr(_yaml, "load_yaml", counting)
    out = tmp_path / "x.json"
    result = run("solve", str(tmp_path / "c.yaml"), "--format", "json", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["loss"] == 0.25
    # c.yaml once and a.yaml once (its term), nothing parsed twice
    assert sorted(Path(c).name for c in calls) == ["a.yaml", "c.yaml"]
    # the referenced file is still one of the inputs: never written over
    result = run(
        "solve",
        str(tmp_path / "c.yaml"),
        "--format",
        "json",
        "-o",
        str(tmp_path / "a.yaml"),
        "--force",
    )
    assert result.exit_code == 2
    assert "inputs" in result.output
