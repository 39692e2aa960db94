"""Which SVG figures a result gets on an HTML page: one place that asks each figure module.

Each module returns finished ``<figure>`` elements (SVG plus caption) for the results it knows
how to draw and an empty list for the others: :mod:`render.svg` draws CTC trellises and
emission matrices, :mod:`render.charts` draws bar and line charts (per-step losses, loss
curves), :mod:`render.beam_svg` the CTC prefix beam search as a graph. Imported only when
HTML is asked for.
"""

from __future__ import annotations

from rnnloss_cli.render.text import Digits
from rnnloss_cli.result import Result, Window


def figures_for(
    r: Result,
    show: frozenset[str] = frozenset(),
    window: Window | None = None,
    *,
    precision: int = 3,
    digits: Digits | None = None,
) -> list[str]:
    """Every figure for ``r`` (not its children), as HTML ``<figure>`` strings, in page order.

    A number a figure prints (a bar's label, a cell's tooltip, a path's probability) reads as
    the tables and lines beside it: ``precision`` (``--precision``) raised where ``digits``,
    the derivation's plan (:func:`render.text.digits_plan`), says so."""
    from rnnloss_cli.render.beam_svg import beam_figures
    from rnnloss_cli.render.charts import chart_figures
    from rnnloss_cli.render.lattice_svg import rnnt_figures
    from rnnloss_cli.render.svg import ctc_figures

    nums = {"precision": precision, "digits": digits}
    return (
        ctc_figures(r, show, window, **nums)
        + rnnt_figures(r, show, window, **nums)
        + chart_figures(r, show, window, **nums)
        + beam_figures(r, show, window, **nums)
    )
