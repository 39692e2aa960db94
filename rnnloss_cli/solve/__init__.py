"""Solve a validated Problem: SOLVERS maps each kind to its solver (an explicit registry)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rnnloss_cli.result import Result
from rnnloss_cli.solve import ctc, custom, pointwise, sequence

SOLVERS: dict[str, Callable[[Any], Result]] = {
    "mse": pointwise.solve_mse,
    "bce": pointwise.solve_bce,
    "nll": pointwise.solve_categorical,
    "cce": pointwise.solve_categorical,
    "hinge": pointwise.solve_hinge,
    "ctc": ctc.solve_ctc,
    "sequence": sequence.solve_sequence,
    "sequence_hinge": sequence.solve_sequence_hinge,
    "reinforce": sequence.solve_reinforce,
    "custom": custom.solve_custom,
}


def solve(problem: Any) -> Result:
    """Run the solver registered for the problem's kind."""
    return SOLVERS[problem.meta.kind](problem)
