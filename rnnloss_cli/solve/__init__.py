"""Solve a validated Problem: SOLVERS maps each kind to its solver (an explicit registry).

Entries are "module:function" below rnnloss_cli.solve, imported on first use.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from rnnloss_cli.result import Result

SOLVERS: dict[str, str] = {
    "mse": "pointwise:solve_mse",
    "bce": "pointwise:solve_bce",
    "nll": "pointwise:solve_categorical",
    "cce": "pointwise:solve_categorical",
    "hinge": "pointwise:solve_hinge",
    "ctc": "ctc:solve_ctc",
    "sequence": "sequence:solve_sequence",
    "sequence_hinge": "sequence:solve_sequence_hinge",
    "reinforce": "sequence:solve_reinforce",
    "custom": "custom:solve_custom",
}


def solve(problem: Any) -> Result:
    """Run the solver registered for the problem's kind."""
    return solver_for(problem.meta.kind)(problem)


def solver_for(kind: str) -> Callable[[Any], Result]:
    """The solver registered for ``kind``, importing its module now."""
    module, name = SOLVERS[kind].split(":")
    return getattr(importlib.import_module(f"rnnloss_cli.solve.{module}"), name)
