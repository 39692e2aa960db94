"""Every shipped problem file loads, solves, and its answer key holds."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnloss_cli.problem import load_problem, problem_files
from rnnloss_cli.solve import solve

FILES = problem_files([str(Path(__file__).resolve().parents[1] / "problems")])


def test_problems_are_shipped():
    assert FILES


@pytest.mark.parametrize("path", FILES, ids=[Path(f).name for f in FILES])
def test_answer_key_holds(path):
    result = solve(load_problem(path))
    assert result.checks, f"{path} has no answer key"
    for check in result.checks:
        assert check.ok, f"{path}: {check.figure} expected {check.expected}, got {check.got}"
