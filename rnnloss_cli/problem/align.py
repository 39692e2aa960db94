"""Problem files for CTC forced alignment (kind: ctc_align) and decoding (kind: ctc_decode).

Both read T frames of per-symbol probabilities: ``emissions`` (a T x K matrix, rows summing
to 1) or ``logits`` (T x K, softmax per frame), whose columns ``symbols`` names (the blank
among them; ``blank`` defaults to the first symbol). ctc_align adds the ``target`` to align;
ctc_decode the ``beam`` width (default 4).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rnnloss_cli.limits import MAX_BEAM_EXTENSIONS, MAX_BEAM_WIDTH, MAX_VITERBI_CELLS
from rnnloss_cli.problem._keys import ExtraKeys, split_answer
from rnnloss_cli.problem.base import COMMON_FIELDS, Meta
from rnnloss_cli.problem.ctc import _symbol_seq
from rnnloss_cli.problem.fields import Fields

FRAME_FIELDS = ("symbols", "blank", "emissions", "logits")
#: The beam width when a ctc_decode file gives none.
DEFAULT_BEAM = 4


@dataclass(frozen=True)
class Frames:
    """T frames of distributions over named symbols: probs (T, K) and their logs."""

    symbols: tuple[str, ...]
    blank: str
    probs: np.ndarray
    log_probs: np.ndarray
    from_logits: bool


@dataclass(frozen=True)
class AlignProblem:
    """kind: ctc_align, validated."""

    meta: Meta
    keys: ExtraKeys
    frames: Frames
    target: tuple[str, ...]


@dataclass(frozen=True)
class DecodeProblem:
    """kind: ctc_decode, validated."""

    meta: Meta
    keys: ExtraKeys
    frames: Frames
    beam: int


def read_frames(f: Fields) -> Frames:
    """symbols, blank and emissions or logits (see the module docstring)."""
    from rnnloss_cli.engine import log_softmax

    symbols = _symbol_seq(f, f.raw("symbols"), "symbols")
    if len(set(symbols)) != len(symbols):
        raise f.error("each symbol may appear once", "symbols")
    blank = f.text("blank", symbols[0])
    if blank not in symbols:
        raise f.error(f"the blank {blank!r} is missing from symbols", "blank")
    source = f.require_one("emissions", "logits")
    if source == "emissions":
        probs = f.array("emissions", ndims=(2,), low=0.0, high=1.0)
        f.check_distribution_rows(probs, "emissions", where=lambda idx: f"frame {idx[0] + 1}")
        with np.errstate(divide="ignore"):
            logs = np.log(probs)
    else:
        logs = log_softmax(f.array("logits", ndims=(2,)), axis=1)
        probs = np.exp(logs)
    if probs.shape[1] != len(symbols):
        raise f.error(
            f"{source} has {probs.shape[1]} columns but {len(symbols)} symbols are named", source
        )
    return Frames(symbols, blank, probs, logs, source == "logits")


def parse_align(f: Fields, kind: str) -> AlignProblem:
    """kind: ctc_align: the Viterbi alignment of ``target`` over the frames."""
    f.check_keys((*COMMON_FIELDS, *FRAME_FIELDS, "target"), kind=kind)
    meta, keys = split_answer(f, kind, text=("path",))
    frames = read_frames(f)
    target = _symbol_seq(f, f.raw("target"), "target")
    for s in target:
        if s == frames.blank:
            raise f.error(
                f"the blank {s!r} cannot be part of the target; the blank means 'no label'",
                "target",
            )
        if s not in frames.symbols:
            raise f.error(f"target symbol {s!r} is missing from symbols", "target")
    n_frames = frames.probs.shape[0]
    cells = n_frames * (2 * len(target) + 1)
    if cells > MAX_VITERBI_CELLS:
        raise f.error(
            f"the Viterbi table of {len(target):,} labels over {n_frames:,} frames has "
            f"{cells:,} cells, more than the limit MAX_VITERBI_CELLS = {MAX_VITERBI_CELLS:,}; "
            "give fewer frames or a shorter target",
            "target",
        )
    return AlignProblem(meta, keys, frames, target)


def parse_decode(f: Fields, kind: str) -> DecodeProblem:
    """kind: ctc_decode: greedy decoding against prefix beam search of width ``beam``."""
    f.check_keys((*COMMON_FIELDS, *FRAME_FIELDS, "beam"), kind=kind)
    meta, keys = split_answer(f, kind, text=("greedy", "beam"))
    frames = read_frames(f)
    beam = f.number("beam", DEFAULT_BEAM, low=1, integer=True)
    if beam > MAX_BEAM_WIDTH:
        raise f.error(
            f"a beam of {beam:,} is more than the limit MAX_BEAM_WIDTH = {MAX_BEAM_WIDTH:,}",
            "beam",
        )
    n_frames, n_symbols = frames.probs.shape
    work = beam * n_frames * n_symbols
    if work > MAX_BEAM_EXTENSIONS:
        raise f.error(
            f"a beam of {beam:,} over {n_frames:,} frames of {n_symbols} symbols tries "
            f"{work:,} prefix extensions, more than the limit MAX_BEAM_EXTENSIONS = "
            f"{MAX_BEAM_EXTENSIONS:,}; give a narrower beam or fewer frames",
            "beam",
        )
    return DecodeProblem(meta, keys, frames, beam)
