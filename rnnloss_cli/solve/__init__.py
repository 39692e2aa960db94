"""Solve a validated Problem: SOLVERS maps each kind to its solver (an explicit registry).

Entries are "module:function" below rnnloss_cli.solve, imported on first use.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from rnnloss_cli.result import Result, Window

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
    "ctc_align": "align:solve_align",
    "ctc_decode": "decode:solve_decode",
    "rnnt": "rnnt:solve_rnnt",
    "bptt": "bptt:solve_bptt",
}


def solve(problem: Any, *, window: Window | None = None) -> Result:
    """Run the solver registered for the problem's kind.

    Every solver takes ``window`` (keyword): its tables hold at most that many rows and
    columns (default: limits.TABLE_MAX_ROWS / TABLE_MAX_COLUMNS), so a Result never grows with
    the input beyond it. Give the renderers the same window (``--window ROWS[xCOLS]``).
    """
    return solver_for(problem.meta.kind)(problem, window=window)


def solver_for(kind: str) -> Callable[..., Result]:
    """The solver registered for ``kind``, importing its module now."""
    module, name = SOLVERS[kind].split(":")
    return getattr(importlib.import_module(f"rnnloss_cli.solve.{module}"), name)
