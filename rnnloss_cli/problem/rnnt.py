"""Problem files for the RNN-Transducer loss (kind: rnnt).

Fields: ``symbols`` (the blank among them; ``blank`` defaults to the first symbol, where
torchaudio's default is the last), ``target`` (U labels; ``""`` or ``[]`` for U = 0, whose
only path is all blanks), and the joiner's output at every lattice node, T x (U+1)
distributions over the symbols: ``probs[t][u]`` is y(t, u, ·) after t frames and u labels
(each row sums to 1; a 0 is ln 0 = −inf, a move no path may take), or ``logits`` of the same
shape (log-softmax over the symbols).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from rnnloss_cli.errors import ProblemError
from rnnloss_cli.limits import MAX_RNNT_NODES, MAX_RNNT_VALUES
from rnnloss_cli.problem._keys import ExtraKeys, split_answer
from rnnloss_cli.problem.base import COMMON_FIELDS, Meta
from rnnloss_cli.problem.ctc import _symbol_seq, distinct_symbols
from rnnloss_cli.problem.fields import LOGITS_HINT, Fields, counted, named

RNNT_FIELDS = ("symbols", "blank", "target", "probs", "logits")


@dataclass(frozen=True)
class RNNTProblem:
    """kind: rnnt, validated; ``logits`` (T, U+1, V) are log-probabilities when from probs."""

    meta: Meta
    keys: ExtraKeys
    symbols: tuple[str, ...]
    blank: str
    target: tuple[str, ...]
    logits: np.ndarray
    from_probs: bool


def probabilities(f: Fields, raw: Any, name: str, *, ndims: tuple[int, ...]) -> np.ndarray:
    """An array of numbers in [0, 1]; one outside is named with the hint to give logits.

    A number outside [0, 1] where probabilities are asked for is most often a logit (or a
    log-probability), so the message says how to give those.
    """
    try:
        return f.check_array(raw, name, ndims=ndims, low=0.0, high=1.0)
    except ProblemError as err:
        if "expected a number in" not in err.message:
            raise
        raise ProblemError(
            err.message + LOGITS_HINT, file=err.file, line=err.line, field=err.field
        ) from None


def _check_node_widths(f: Fields, raw: Any, source: str) -> None:
    """Every node of a T x (U+1) x V list must hold V values, V from node (t=0, u=0).

    ``Fields.check_array`` compares the rows of one frame with each other only, so frames
    of 2-value and of 3-value nodes passed it and failed numpy's conversion (an internal
    error); anything else wrong in the list is left to it.
    """
    if not (isinstance(raw, list) and raw and isinstance(raw[0], list) and raw[0]):
        return
    if not isinstance(raw[0][0], list):
        return
    width = len(raw[0][0])
    for t, frame in enumerate(raw):
        for u, node in enumerate(frame if isinstance(frame, list) else ()):
            if isinstance(node, list) and len(node) != width:
                raise f.error(
                    f"node (t={t}, u={u}) holds {len(node)} values but node (t=0, u=0) holds "
                    f"{width}: every node needs one value per symbol",
                    source,
                    t,
                    u,
                )


def parse_rnnt(f: Fields, kind: str) -> RNNTProblem:
    """kind: rnnt (see the module docstring)."""
    f.check_keys((*COMMON_FIELDS, *RNNT_FIELDS), kind=kind)
    meta, keys = split_answer(f, kind)
    symbols = _symbol_seq(f, f.raw("symbols"), "symbols")
    distinct_symbols(f, symbols, "symbols")
    blank = f.text("blank", symbols[0])
    if blank not in symbols:
        raise f.error(f"the blank {blank!r} is missing from symbols", "blank")
    target = _symbol_seq(f, f.raw("target"), "target", allow_empty=True)
    for s in target:
        if s == blank:
            raise f.error(f"the blank {s!r} cannot be part of the target", "target")
        if s not in symbols:
            raise f.error(f"target symbol {s!r} is missing from symbols", "target")
    source = f.require_one("probs", "logits")
    raw = f.raw(source)
    _check_node_widths(f, raw, source)
    if source == "probs":
        arr = probabilities(f, raw, source, ndims=(3,))
    else:
        arr = f.check_array(raw, source, ndims=(3,))
    n_frames, n_nodes, n_classes = arr.shape
    if n_nodes != len(target) + 1:
        raise f.error(
            f"each frame of {source} needs U+1 = {counted(len(target) + 1, 'node')} (target "
            f"{''.join(target)!r} has U = {counted(len(target), 'label')}), got {n_nodes}",
            source,
        )
    if n_classes != len(symbols):
        raise f.error(
            f"{source} has {counted(n_classes, 'value')} per node but {named(len(symbols))}",
            source,
        )
    nodes = n_frames * n_nodes
    if nodes > MAX_RNNT_NODES:
        raise f.error(
            f"the lattice has T x (U+1) = {n_frames:,} x {n_nodes:,} = {nodes:,} nodes, more "
            f"than the limit MAX_RNNT_NODES = {MAX_RNNT_NODES:,}",
            source,
        )
    if arr.size > MAX_RNNT_VALUES:
        raise f.error(
            f"{arr.size:,} joiner values, more than the limit MAX_RNNT_VALUES = "
            f"{MAX_RNNT_VALUES:,} (the trace holds four float64 arrays of that size)",
            source,
        )
    if source == "probs":
        f.check_distribution_rows(arr, "probs", where=lambda idx: f"node (t={idx[0]}, u={idx[1]})")
        with np.errstate(divide="ignore"):  # a probability 0 is ln 0 = -inf: no path uses it
            arr = np.log(arr)
    return RNNTProblem(meta, keys, symbols, blank, target, arr, source == "probs")
