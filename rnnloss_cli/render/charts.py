"""SVG charts drawn from a Result: per-step loss bars and loss curves (no plotting library)."""

from __future__ import annotations

from rnnloss_cli.result import Result, Window


def chart_figures(
    r: Result, show: frozenset[str] = frozenset(), window: Window | None = None
) -> list[str]:
    """The chart ``<figure>`` elements for ``r``; none yet."""
    return []
