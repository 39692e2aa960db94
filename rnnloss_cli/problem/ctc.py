"""Problem files for CTC (kind: ctc): listed alignments (the handout's method) and exact CTC.

Symbols are strings: ``target: HELLO`` is five one-character symbols, ``target: 123`` (read
by YAML as a number) is "1", "2", "3", and a list gives multi-character symbols; ``""`` or
``[]`` is the empty target (S = 0), whose only alignment is all blanks. Per-frame
probabilities come from ``probs`` (the same mapping for every frame), ``emissions`` (a T x K
probability matrix whose columns ``symbols`` names) or ``logits`` (T x K, softmax per frame).

Methods: ``listed`` sums Π_t y_t(π_t) over the listed ``alignments`` (default when they are
given); ``exact`` sums over every alignment with the forward algorithm and needs T frames of
distributions. Both are computed whenever the data allows.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any

import numpy as np

from rnnloss_cli.engine import softmax
from rnnloss_cli.engine.alignments import min_frames
from rnnloss_cli.limits import MAX_ARRAY_BYTES, MAX_TRELLIS_CELLS
from rnnloss_cli.problem.base import COMMON_FIELDS, Meta, parse_meta
from rnnloss_cli.problem.fields import ROW_SUM_TOLERANCE, Fields, counted, named
from rnnloss_cli.result import EMPTY_NAMES, reads_as_empty

CTC_FIELDS = (
    "target",
    "blank",
    "probs",
    "alignments",
    "method",
    "frames",
    "emissions",
    "logits",
    "symbols",
)


@dataclass(frozen=True)
class CTCProblem:
    """A validated CTC problem.

    ``frame_probs`` is (T, K) with columns ``symbols`` when per-frame distributions are known
    (emissions, softmax of logits, or constant ``probs`` repeated over ``frames``), else None;
    ``exact_reason`` then says why exact CTC is not possible.
    """

    meta: Meta
    target: tuple[str, ...]
    blank: str
    symbols: tuple[str, ...]
    method: str
    probs: dict[str, float] | None
    alignments: tuple[tuple[str, ...], ...]
    factors: tuple[tuple[float, ...] | None, ...]
    frames: int | None
    frame_probs: np.ndarray | None
    logits: np.ndarray | None
    exact_reason: str | None

    @property
    def target_text(self) -> str:
        return _join(self.target)


def _join(symbols: tuple[str, ...] | list[str]) -> str:
    return "".join(symbols) if all(len(s) == 1 for s in symbols) else " ".join(symbols)


def _plain(char: str) -> bool:
    """A character a symbol may hold: printable and not a space (a tab, a newline, a control
    character, or a byte that is not UTF-8 given on the command line, are not)."""
    return char.isprintable() and not char.isspace()


#: Names no symbol may have: how outputs write the empty labelling (ε, ``result.EMPTY``) and
#: how answer sheets wrote it before ("(empty)", which ``mark`` still accepts). A symbol so
#: named would make a labelling of that one symbol read as the empty one.
RESERVED_SYMBOLS = EMPTY_NAMES


def distinct_symbols(f: Fields, symbols: tuple[str, ...], where: str) -> None:
    """Each symbol once, and none spelled by one-character symbols of the same set: a
    labelling or path of one-character symbols is written run together (A B as "AB"), so a
    symbol "AB" beside "A" and "B" would print like the two of them, and a key "AB" would
    match either (a beam answer [A, B] passed as [AB])."""
    if len(set(symbols)) != len(symbols):
        raise f.error("each symbol may appear once", where)
    single = {s for s in symbols if len(s) == 1}
    for s in symbols:
        if len(s) > 1 and all(c in single for c in s):
            parts = ", ".join(repr(c) for c in s)
            raise f.error(
                f"the symbol {s!r} is spelled by the symbols {parts}: a labelling of those "
                f"would print as {s} too; rename one",
                where,
            )


def _reserved(f: Fields, name: str, *parts: Any) -> None:
    """Refuse a symbol named as the empty labelling is written (RESERVED_SYMBOLS), or one
    that reads as it (``result.reads_as_empty``: ϵ, ɛ, a mathematical epsilon)."""
    message = reserved_symbol_message(name, is_target=bool(parts) and parts[0] == "target")
    if message:
        raise f.error(message, *parts)


def reserved_symbol_message(name: str, *, is_target: bool = False) -> str | None:
    """Why ``name`` cannot name a symbol, or None when it can (see :func:`_reserved`)."""
    seen = reads_as_empty(name)
    if seen is None:
        return None
    # a target of ε alone was meant as the empty one: say how a file writes it
    hint = "; the empty target is written ''" if is_target else ""
    if seen == name:
        return f"symbol {name!r} is reserved for the empty labelling{hint}"
    shown = ""
    if len(name) == 1:  # which character it is, as a font may not show the difference
        shown = f" (U+{ord(name):04X} {unicodedata.name(name, '')})".replace(" )", ")")
    return (
        f"symbol {name!r}{shown} reads as {seen!r}, which stands for the empty labelling: "
        f"give the symbol another name{hint}"
    )


def _symbol_seq(f: Fields, value: Any, *parts: Any, allow_empty: bool = False) -> tuple[str, ...]:
    """A string (one symbol per character), a number (its digits) or a list of symbols.

    With ``allow_empty`` (a target: the empty labelling is a valid one), ``""`` and ``[]``
    give the empty tuple; elsewhere (symbols, alignments, words, n-grams) they are refused.
    A symbol of RESERVED_SYMBOLS (ε, "(empty)") is refused everywhere.
    """
    if isinstance(value, bool) or value is None:
        raise f.error("expected text such as HELLO or a list of symbols", *parts)
    if allow_empty and value in ("", []):
        return ()
    if isinstance(value, int):
        value = str(value)
    if isinstance(value, str):
        if not value or not all(_plain(c) for c in value):
            raise f.error(
                "expected symbols without spaces or control characters (one character per "
                f"symbol), got {value!r}",
                *parts,
            )
        for c in value:
            _reserved(f, c, *parts)
        return tuple(value)
    if isinstance(value, list) and value:
        out = []
        for i, item in enumerate(value):
            if isinstance(item, bool) or not isinstance(item, (str, int)) or str(item) == "":
                raise f.error("expected a symbol (text)", *parts, i)
            if not all(_plain(c) for c in str(item)):
                raise f.error(f"expected a symbol without spaces, got {str(item)!r}", *parts, i)
            _reserved(f, str(item), *parts, i)
            out.append(str(item))
        return tuple(out)
    raise f.error("expected text such as HELLO or a non-empty list of symbols", *parts)


def _probs(f: Fields) -> dict[str, float]:
    raw = f.raw("probs")
    if not isinstance(raw, dict) or not raw:
        raise f.error("expected a mapping symbol: probability, e.g. {H: 0.6, '-': 0.2}", "probs")
    out: dict[str, float] = {}
    for key, value in raw.items():
        name = str(key)
        if name in out:
            raise f.error(f"symbol {name!r} appears twice", "probs", key)
        _reserved(f, name, "probs", key)
        out[name] = f.check_number(value, "probs", key, low=0.0, high=1.0)
    return out


def _alignments(
    f: Fields, alphabet: tuple[str, ...]
) -> tuple[tuple[tuple[str, ...], ...], tuple[tuple[float, ...] | None, ...]]:
    raw = f.raw("alignments")
    if not isinstance(raw, list) or not raw:
        raise f.error("expected a list of alignments such as H-E-L-L-O", "alignments")
    paths: list[tuple[str, ...]] = []
    factors: list[tuple[float, ...] | None] = []
    for i, item in enumerate(raw):
        if isinstance(item, dict):
            sub = Fields(item, f.lines, f.file, (*f.path, "alignments", i))
            sub.check_keys(("path", "factors"))
            path = _symbol_seq(sub, sub.raw("path"), "path")
            where: tuple[Any, ...] = ("alignments", i, "path")
            if sub.has("factors"):
                fac = sub.check_array(sub.raw("factors"), "factors", ndims=(1,), low=0, high=1)
                if fac.size != len(path):
                    raise sub.error(
                        f"{fac.size} factors for an alignment of {len(path)} frames "
                        f"({_join(list(path))}); give one probability per frame",
                        "factors",
                    )
                factors.append(tuple(float(x) for x in fac))
            else:
                factors.append(None)
        else:
            path = _symbol_seq(f, item, "alignments", i)
            where = ("alignments", i)
            factors.append(None)
        for t, s in enumerate(path):
            if s not in alphabet:
                raise f.error(
                    f"frame {t + 1} of {_join(list(path))}: unknown symbol {s!r} "
                    f"(known: {', '.join(alphabet)})",
                    *where,
                )
        paths.append(path)
    return tuple(paths), tuple(factors)


def _check_sizes(f: Fields, target: tuple[str, ...], frames: int, n_symbols: int) -> None:
    """Refuse exact CTC whose T x K float64 log-probabilities would exceed MAX_ARRAY_BYTES,
    or whose trellis (T x (2S + 1) cells) exceeds MAX_TRELLIS_CELLS.

    An infeasible target (T < S + adjacent repeats) needs neither: its loss is infinite and
    the solver says so at once, so it is let through.
    """
    need, _ = min_frames(target)
    if frames < need:
        return
    size = frames * n_symbols * 8
    if size > MAX_ARRAY_BYTES:
        raise f.error(
            f"exact CTC over {frames:,} frames needs a {frames:,} x {n_symbols} float64 array "
            f"({size / 2**30:.1f} GiB), more than the limit MAX_ARRAY_BYTES = "
            f"{MAX_ARRAY_BYTES / 2**30:g} GiB; give fewer frames",
            "frames",
        )
    cells = frames * (2 * len(target) + 1)
    if cells > MAX_TRELLIS_CELLS:
        raise f.error(
            f"exact CTC of {len(target):,} labels over {frames:,} frames visits {cells:,} "
            f"trellis cells, more than the limit MAX_TRELLIS_CELLS = {MAX_TRELLIS_CELLS:,}; "
            "give fewer frames or a shorter target",
            "frames" if f.has("frames") else "target",
        )


def parse_ctc(f: Fields, kind: str) -> CTCProblem:
    """kind: ctc. See the module docstring for the fields and methods."""
    f.check_keys((*COMMON_FIELDS, *CTC_FIELDS), kind=kind)
    meta = parse_meta(f, kind, uses_log=True)
    target = _symbol_seq(f, f.raw("target"), "target", allow_empty=True)
    blank = f.text("blank", "-")
    if not blank or not all(_plain(c) for c in blank):  # '' was blamed on probs, a line later
        raise f.error(
            f"expected one symbol without spaces or control characters, got {blank!r}", "blank"
        )
    if blank in target:
        raise f.error(
            f"the blank {blank!r} cannot be part of the target; the blank means 'no label' "
            "(choose another blank symbol with 'blank:')",
            "target",
        )
    source = f.require_one("probs", "emissions", "logits")
    probs: dict[str, float] | None = None
    matrix: np.ndarray | None = None
    logits: np.ndarray | None = None
    if source == "probs":
        probs = _probs(f)
        if f.has("symbols"):
            raise f.error("'symbols' names the columns of emissions or logits", "symbols")
        symbols = tuple(probs)
    else:
        symbols = _symbol_seq(f, f.raw("symbols"), "symbols") if f.has("symbols") else ()
        if not symbols:
            raise f.error(f"{source} needs 'symbols: [...]' naming its columns (blank included)")
        if source == "emissions":
            matrix = f.array("emissions", ndims=(2,), low=0.0, high=1.0)
            f.check_distribution_rows(matrix, "emissions", where=lambda idx: f"frame {idx[0] + 1}")
        else:
            logits = f.array("logits", ndims=(2,))
            matrix = softmax(logits)
        if matrix.shape[1] != len(symbols):
            raise f.error(
                f"{source} has {counted(matrix.shape[1], 'column')} but {named(len(symbols))}",
                source,
            )
    where = "probs" if source == "probs" else "symbols"
    distinct_symbols(f, symbols, where)
    if blank not in symbols:
        raise f.error(f"the blank {blank!r} is missing from {where}", where)
    for s in target:
        if s not in symbols:
            raise f.error(f"target symbol {s!r} is missing from {where}", "target")
    alignments: tuple[tuple[str, ...], ...] = ()
    factors: tuple[tuple[float, ...] | None, ...] = ()
    if f.has("alignments"):
        alignments, factors = _alignments(f, symbols)
    method = f.text("method", "listed" if alignments else "exact", choices=("listed", "exact"))
    if method == "listed" and not alignments:
        raise f.error("method 'listed' needs 'alignments'", "method")
    frames = f.number("frames", None, low=1, integer=True)
    if matrix is not None:
        if frames is not None and frames != matrix.shape[0]:
            rows = f"{matrix.shape[0]} row{'s' if matrix.shape[0] != 1 else ''}"  # not "1 rows"
            raise f.error(f"frames is {frames} but {source} has {rows}", "frames")
        frames = matrix.shape[0]
        _check_sizes(f, target, frames, len(symbols))
    if frames is not None:  # from the matrix, or given with probs: one symbol a frame
        for i, path in enumerate(alignments):
            if len(path) != frames:
                raise f.error(
                    f"{_join(list(path))} has {len(path)} symbols but there are {frames} frames"
                    " (a CTC alignment has one symbol per frame)",
                    "alignments",
                    i,
                )
    exact_reason: str | None = None
    if matrix is None and probs is not None:
        total = sum(probs.values())
        lengths = {len(p) for p in alignments}
        if abs(total - 1.0) > ROW_SUM_TOLERANCE:
            exact_reason = (
                f"the per-frame probabilities sum to {total:.6g}, not 1: they are not a "
                "distribution, so no exact CTC probability exists"
            )
        elif frames is None and len(lengths) == 1:
            frames = lengths.pop()
        elif frames is None:
            exact_reason = "the number of frames is unknown: give 'frames: T'"
        if exact_reason is None:
            _check_sizes(f, target, frames, len(symbols))
            # One row seen T times: a read-only broadcast view, no T x K copy.
            row = np.array([probs[s] for s in symbols], dtype=np.float64)
            matrix = np.broadcast_to(row, (frames, len(symbols)))
    if method == "exact" and exact_reason is not None:
        raise f.error(f"method 'exact' is not possible: {exact_reason}", "method")
    return CTCProblem(
        meta=meta,
        target=target,
        blank=blank,
        symbols=symbols,
        method=method,
        probs=probs,
        alignments=alignments,
        factors=factors,
        frames=frames,
        frame_probs=matrix,
        logits=logits,
        exact_reason=exact_reason,
    )
