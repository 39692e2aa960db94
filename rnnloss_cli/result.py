"""What a solver returns and a renderer lays out: tables, steps, figures, warnings.

Numbers stay numbers here; renderers format them (``--precision``). A Step's text is a
template whose ``{name}`` placeholders are filled from ``values``: ``{name|+}`` joins a list
with " + ", ``{name|*}`` with " × " (``\\times`` in LaTeX), ``{name|,}`` with ", ".
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Table:
    """A titled table; cells are numbers, text or None. ``styles`` marks (row, col) cells."""

    title: str
    columns: list[str]
    rows: list[list[Any]]
    styles: dict[tuple[int, int], str] = field(default_factory=dict)
    caption: str | None = None
    #: None: always shown; a name such as "beta" or "grad": shown only with ``--show NAME``.
    optional: str | None = None


@dataclass
class Step:
    """One line of the derivation, e.g. ``({terms|+}) / {n} = {value}``, plain and LaTeX."""

    label: str
    text: str
    values: dict[str, Any] = field(default_factory=dict)
    latex: str | None = None


@dataclass
class Check:
    """One answer-key figure compared with what the engine computed."""

    figure: str
    expected: float
    got: float | None
    tolerance: float

    @property
    def ok(self) -> bool:
        if self.got is None:
            return False
        if math.isinf(self.expected) or math.isinf(self.got):
            return self.expected == self.got
        return abs(self.got - self.expected) <= self.tolerance


@dataclass
class Result:
    """A solved problem: everything a renderer shows, nothing it must compute."""

    kind: str
    title: str
    #: None for commands that list or decode without computing a loss
    loss: float | None
    unit: str = "nats"
    source: str | None = None
    file: str | None = None
    formula: Step | None = None
    tables: list[Table] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    figures: dict[str, float] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    checks: list[Check] | None = None
    children: list[tuple[str, Result]] = field(default_factory=list)

    def visible_tables(self, show: frozenset[str] = frozenset()) -> list[Table]:
        """The tables to lay out: the always-shown ones and those asked for by name."""
        return [t for t in self.tables if t.optional is None or t.optional in show]

    @property
    def ok(self) -> bool:
        """True unless an answer-key figure disagrees."""
        return all(c.ok for c in self.checks or [])
