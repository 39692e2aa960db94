"""Problem files for CTC forced alignment (kind: ctc_align) and decoding (kind: ctc_decode).

Both read T frames of per-symbol probabilities: ``emissions`` (a T x K matrix, rows summing
to 1) or ``logits`` (T x K, softmax per frame), whose columns ``symbols`` names (the blank
among them; ``blank`` defaults to the first symbol). ctc_align adds the ``target`` to align;
ctc_decode the ``beam`` width (default 4), and optionally a ``lexicon`` (words the output
must be made of, with a ``separator`` symbol between words) and a character n-gram ``lm``
(n-gram: natural-log probability of its last symbol given the others; ``lm_weight`` λ, default
1) for shallow fusion, score(l) = ln p(l|x) + λ ln P_LM(l).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from rnnloss_cli.flags import DECIMAL
from rnnloss_cli.limits import (
    MAX_BEAM_EXTENSIONS,
    MAX_BEAM_WIDTH,
    MAX_LEXICON_WORDS,
    MAX_LM_NGRAMS,
    MAX_VITERBI_CELLS,
)
from rnnloss_cli.problem._keys import ExtraKeys, split_answer
from rnnloss_cli.problem.base import COMMON_FIELDS, Meta
from rnnloss_cli.problem.ctc import _plain, _symbol_seq, distinct_symbols
from rnnloss_cli.problem.fields import Fields, counted, named, plain_list, text_number_hint
from rnnloss_cli.problem.rnnt import probabilities

FRAME_FIELDS = ("symbols", "blank", "emissions", "logits")
DECODE_FIELDS = ("beam", "lexicon", "separator", "lm", "lm_weight")
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
    #: words as symbol tuples, or None for no lexicon
    lexicon: tuple[tuple[str, ...], ...] | None = None
    separator: str | None = None
    #: n-gram (symbol tuple) -> ln P(last | the others), or None for no language model
    lm: dict[tuple[str, ...], float] | None = None
    lm_weight: float = 1.0
    #: the file lines of the fields a later refusal names (lm_weight, emissions / logits, ...)
    lines: dict[str, int | None] = field(default_factory=dict)


def read_frames(f: Fields) -> Frames:
    """symbols, blank and emissions or logits (see the module docstring)."""
    from rnnloss_cli.engine import log_softmax

    symbols = _symbol_seq(f, f.raw("symbols"), "symbols")
    distinct_symbols(f, symbols, "symbols")
    blank = f.text("blank", symbols[0])
    if blank not in symbols:
        raise f.error(f"the blank {blank!r} is missing from symbols", "blank")
    source = f.require_one("emissions", "logits")
    if source == "emissions":
        probs = probabilities(f, f.raw_array("emissions"), "emissions", ndims=(2,))
        f.check_distribution_rows(probs, "emissions", where=lambda idx: f"frame {idx[0] + 1}")
        with np.errstate(divide="ignore"):
            logs = np.log(probs)
    else:
        logs = log_softmax(f.array("logits", ndims=(2,)), axis=1)
        probs = np.exp(logs)
    if probs.shape[1] != len(symbols):
        raise f.error(
            f"{source} has {counted(probs.shape[1], 'column')} but {named(len(symbols))}", source
        )
    return Frames(symbols, blank, probs, logs, source == "logits")


def parse_align(f: Fields, kind: str) -> AlignProblem:
    """kind: ctc_align: the Viterbi alignment of ``target`` over the frames."""
    f.check_keys((*COMMON_FIELDS, *FRAME_FIELDS, "target"), kind=kind)
    meta, keys = split_answer(f, kind, text=("path",))
    frames = read_frames(f)
    target = _symbol_seq(f, f.raw("target"), "target", allow_empty=True)
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
    f.check_keys((*COMMON_FIELDS, *FRAME_FIELDS, *DECODE_FIELDS), kind=kind)
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
        # with no beam: in the file, the frames are what the file can change
        given = f.has("beam")
        which = f"a beam of {beam:,}" if given else f"the default beam of {beam:,} (no beam: given)"
        raise f.error(
            f"{which} over {counted(n_frames, 'frame')} of "
            f"{counted(n_symbols, 'symbol')} tries {work:,} prefix extensions, more than the "
            "limit MAX_BEAM_EXTENSIONS = "
            f"{MAX_BEAM_EXTENSIONS:,}; give a narrower beam or fewer frames",
            "beam" if given else ("emissions" if f.has("emissions") else "logits"),
        )
    lexicon, separator = _lexicon(f, frames)
    lm = _lm(f, frames)
    lm_weight = f.number("lm_weight", 1.0, low=0.0)
    if f.has("lm_weight") and lm is None:
        raise f.error("lm_weight needs an lm (n-gram: ln probability)", "lm_weight")
    lines = {
        n: f.line(n) for n in ("emissions", "logits", "lm", "lm_weight", "lexicon") if f.has(n)
    }
    return DecodeProblem(meta, keys, frames, beam, lexicon, separator, lm, float(lm_weight), lines)


def _known_symbol(f: Fields, frames: Frames, s: str, *parts: Any) -> None:
    """A symbol of a word or n-gram must be a named symbol other than the blank."""
    if s == frames.blank:
        raise f.error(f"the blank {s!r} cannot be part of a word or n-gram", *parts)
    if s not in frames.symbols:
        raise f.error(f"{s!r} is not one of the symbols {plain_list(frames.symbols)}", *parts)


def _lexicon(f: Fields, frames: Frames) -> tuple[tuple[tuple[str, ...], ...] | None, str | None]:
    """``lexicon``: a list of words (text, one symbol per character, or lists of symbols)."""
    separator = f.text("separator", None)
    if not f.has("lexicon"):
        if separator is not None:
            raise f.error("separator needs a lexicon (the words it separates)", "separator")
        return None, None
    raw = f.raw("lexicon")
    if not isinstance(raw, list) or not raw:
        raise f.error("expected a non-empty list of words, e.g. [cat, cab]", "lexicon")
    if len(raw) > MAX_LEXICON_WORDS:
        raise f.error(
            f"{len(raw):,} words are more than the limit MAX_LEXICON_WORDS = {MAX_LEXICON_WORDS:,}",
            "lexicon",
        )
    words = []
    for i, item in enumerate(raw):
        word = _symbol_seq(f, item, "lexicon", i)
        for s in word:
            _known_symbol(f, frames, s, "lexicon", i)
            if s == separator:
                raise f.error(f"a word cannot hold the separator {s!r}", "lexicon", i)
        words.append(word)
    if separator is not None:
        _known_symbol(f, frames, separator, "separator")
    return tuple(words), separator


def _lm(f: Fields, frames: Frames) -> dict[tuple[str, ...], float] | None:
    """``lm``: a mapping n-gram (text, one symbol per character) -> ln P(last | the others)."""
    if not f.has("lm"):
        return None
    raw = f.raw("lm")
    if not isinstance(raw, dict) or not raw:
        raise f.error(
            "expected a mapping n-gram: natural-log probability of its last symbol given the "
            "others, e.g. {a: -0.7, ab: -0.2}",
            "lm",
        )
    if len(raw) > MAX_LM_NGRAMS:
        raise f.error(
            f"{len(raw):,} n-grams are more than the limit MAX_LM_NGRAMS = {MAX_LM_NGRAMS:,}",
            "lm",
        )
    out: dict[tuple[str, ...], float] = {}
    for key, value in raw.items():
        gram = _symbol_seq(f, key, "lm", key)
        for s in gram:
            _known_symbol(f, frames, s, "lm", key)
        out[gram] = float(f.check_number(value, "lm", key, high=0.0))
    return out


#: A number of an LM file: ASCII digits, an optional sign, point and exponent. Python's
#: float() also reads "-1_0" (-10), "nan", "inf", and digits of other scripts ("-٣" is -3).
_LM_NUMBER = re.compile(DECIMAL)


def read_lm_file(
    path: str, *, symbols: Sequence[str] | None = None, blank: str | None = None
) -> dict[str, float]:
    """An n-gram LM file: lines ``ngram<TAB>ln-probability`` ("#" comments, blank lines skip).

    The same mapping a problem file gives as ``lm``: an n-gram is one symbol a character (no
    spaces or control characters; a line starting with "#" is a comment, so no n-gram can
    start with "#"), the number a decimal ln P(last symbol | the others) in [-1.8e308, 0].
    With ``symbols`` every symbol of an n-gram must be one of them; none may be the ``blank``.
    Every bad line is a ProblemError naming the file and the line (an unknown symbol also
    names the field ``lm.<ngram>``); so is a file past MAX_LM_NGRAMS n-grams.
    """
    from rnnloss_cli.errors import ProblemError
    from rnnloss_cli.problem import read_text

    out: dict[str, float] = {}
    for number, line in enumerate(
        read_text(path, what="language model file").splitlines(), start=1
    ):
        if not line.strip() or line.startswith("#"):
            continue
        try:
            gram, value = _lm_line(line, symbols, blank)
            if gram in out:
                raise ProblemError(f"the n-gram {gram!r} is listed twice")
            if len(out) == MAX_LM_NGRAMS:
                raise ProblemError(f"more than the limit MAX_LM_NGRAMS = {MAX_LM_NGRAMS:,} n-grams")
        except ProblemError as err:
            raise ProblemError(err.message, file=path, line=number, field=err.field) from None
        out[gram] = value
    if not out:
        raise ProblemError("no 'ngram<TAB>ln probability' line found", file=path)
    return out


def _lm_line(line: str, symbols: Sequence[str] | None, blank: str | None) -> tuple[str, float]:
    """One line ``ngram<TAB>number`` of an LM file; ProblemError (no file, no line) if bad."""
    from rnnloss_cli.errors import ProblemError

    parts = line.split("\t")
    if len(parts) != 2 or not parts[0]:
        raise ProblemError(
            f"expected 'ngram<TAB>ln probability' (an n-gram, one tab, a number); got {line[:40]!r}"
        )
    gram, text = parts[0], parts[1].strip()
    bad = next((c for c in gram if not _plain(c)), None)
    if bad is not None:
        raise ProblemError(
            f"the n-gram {gram[:40]!r} holds {bad!r}, a space or control character "
            "(an n-gram is one symbol a character)"
        )
    if not _LM_NUMBER.fullmatch(text):
        raise ProblemError(
            "expected a decimal number after the tab (digits 0-9, an optional sign, point and "
            f"exponent, e.g. -0.7 or -1e-3; no '_', nan or inf), got {text[:40]!r}"
            # the hint a file's or a flag's number gets (a U+2212 minus copied from a PDF)
            + text_number_hint(text)
        )
    value = float(text)
    if not math.isfinite(value):
        raise ProblemError(
            f"expected a finite ln probability, got {text[:40]!r}, past float64's range "
            "(about ±1.8e308)"
        )
    if value > 0.0:
        raise ProblemError(
            f"expected a ln probability <= 0 (a probability is at most 1), got {text[:40]!r}"
        )
    for c in gram:
        if c == blank:
            raise ProblemError(f"the blank {c!r} cannot be part of an n-gram", field=f"lm.{gram}")
        if symbols is not None and c not in symbols:
            raise ProblemError(
                f"{c!r} is not one of the symbols {plain_list(symbols)}", field=f"lm.{gram}"
            )
    return gram, value
