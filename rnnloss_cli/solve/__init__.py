"""Solve a validated Problem: SOLVERS maps each kind to its solver (an explicit registry)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rnnloss_cli.result import Result
from rnnloss_cli.solve import pointwise

SOLVERS: dict[str, Callable[[Any], Result]] = {
    "mse": pointwise.solve_mse,
    "bce": pointwise.solve_bce,
    "nll": pointwise.solve_categorical,
    "cce": pointwise.solve_categorical,
    "hinge": pointwise.solve_hinge,
}


def solve(problem: Any) -> Result:
    """Run the solver registered for the problem's kind."""
    return SOLVERS[problem.meta.kind](problem)
