"""Pieces the beyond-the-handout solvers share: a table windowed in rows and columns,
probability cells that survive underflow, words of symbols, and the text and array keys."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from rnnloss_cli.problem._keys import ExtraKeys
from rnnloss_cli.result import EMPTY, Check, LogNumber, Result, Table, Window, window_indices

#: Below this natural log a probability is printed from its log (a double underflows ~ -745).
UNDERFLOW_LN = -700.0


def word(symbols: Sequence[Any]) -> str:
    """Symbols as one word (AB-B), or space-separated when one is longer than a character."""
    items = [str(s) for s in symbols]
    return "".join(items) if all(len(s) == 1 for s in items) else " ".join(items)


#: Symbols of a labelling, path, lexicon word or n-gram a derivation writes out: a longer one
#: is cut to its first and last SHOWN_SYMBOLS // 2 with its length between, so that a path of
#: a million frames is not echoed whole (7,000 frames of decoding printed 851 KB).
SHOWN_SYMBOLS = 40


def cut_word(symbols: Sequence[Any]) -> str:
    """:func:`word` for prose, its middle left out past SHOWN_SYMBOLS symbols."""
    if len(symbols) <= SHOWN_SYMBOLS:
        return word(symbols)
    half = SHOWN_SYMBOLS // 2
    return cut_ends(symbols[:half], symbols[-half:], len(symbols))


def cut_ends(first: Sequence[Any], last: Sequence[Any], n: int) -> str:
    """:func:`cut_word` of ``n`` > SHOWN_SYMBOLS symbols from its first and last
    SHOWN_SYMBOLS // 2 alone (a caller that has not got the whole labelling)."""
    return f"{word(first)}…({n:,} symbols)…{word(last)}"


def lead(r: Any, *labels: str) -> None:
    """Lay the steps named out before the tables: the givens and the rules the tables follow."""
    for step in r.steps:
        if step.label in labels:
            step.lead = True


def shown(text: str) -> str:
    """A labelling for prose: the empty one as EMPTY (ε)."""
    return text if text else EMPTY


def prob_cell(log_value: float) -> Any:
    """exp(log_value) as a float, or a LogNumber when it would underflow."""
    if math.isfinite(log_value) and log_value < UNDERFLOW_LN:
        return LogNumber(float(log_value))
    return math.exp(log_value) if log_value > -math.inf else 0.0


def grid_table(
    title: str,
    n_rows: int,
    keys: Callable[[int], list[Any]],
    key_names: list[str],
    n_cols: int,
    cells: Callable[[int, list[int]], list[Any]],
    col_name: Callable[[int], str],
    window: Window,
    *,
    styles: Callable[[int, int], str | None] | None = None,
    **kwargs: Any,
) -> Table:
    """A table of n_rows x (key columns + n_cols value columns) built over its window only.

    ``keys(i)`` gives row i's key cells (always kept), ``cells(i, cols)`` its values at the
    held value columns (full indices), ``styles(i, j)`` an optional style per value cell.
    """
    rows, split_r = window_indices(n_rows, window.rows)
    room = max(window.columns - len(key_names), 2)
    cols, split_c = window_indices(n_cols, room)
    held_rows, held_styles = [], {}
    for r, i in enumerate(rows):
        held_rows.append([*keys(i), *cells(i, cols)])
        if styles is not None:
            for c, j in enumerate(cols):
                style = styles(i, j)
                if style:
                    held_styles[(r, len(key_names) + c)] = style
    return Table(
        title,
        [*key_names, *(col_name(j) for j in cols)],
        held_rows,
        held_styles,
        n_rows=n_rows if split_r is not None else None,
        head_rows=split_r,
        n_columns=len(key_names) + n_cols if split_c is not None else None,
        head_columns=len(key_names) + split_c if split_c is not None else None,
        key_columns=len(key_names),
        **kwargs,
    )


@dataclass
class TextCheck(Check):
    """An answer-key figure that is text (an alignment, a decoded labelling): equal or not."""

    @property
    def ok(self) -> bool:
        return self.got is not None and str(self.got) == str(self.expected)


def add_key_checks(
    r: Result,
    keys: ExtraKeys,
    tolerance: float,
    texts: dict[str, str],
    arrays: dict[str, np.ndarray] | None = None,
) -> None:
    """Compare the text keys with ``texts`` and every element of the array keys with ``arrays``
    (one check per element, named like ``grads.W_xh[1][2]``); call after ``finalize``.
    ``texts`` become the result's text figures whether or not the key names them."""
    r.text_figures = dict(texts)
    if not keys.text and not keys.arrays:
        return
    if r.checks is None:
        r.checks = []
    for name, (expected, _) in keys.text.items():
        got = texts.get(name)
        # the empty labelling is shown as EMPTY (ε) on both sides
        r.checks.append(
            TextCheck(name, shown(expected), None if got is None else shown(got), 0.0)  # type: ignore[arg-type]
        )
    for name, (expected, _) in keys.arrays.items():
        got = (arrays or {})[name]
        for idx in np.ndindex(expected.shape):
            where = "".join(f"[{i}]" for i in idx)
            r.checks.append(
                Check(f"{name}{where}", float(expected[idx]), float(got[idx]), tolerance)
            )
