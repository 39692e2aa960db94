"""CTC alignments one by one: collapse, every valid path, best path, and the handout's method.

``ctc_collapse`` (B), ``ctc_path_count`` / ``ctc_paths`` (every alignment of a target over T
frames), ``ctc_greedy_decode`` (best path), and ``ctc_listed``, the handout's listing method
with the facts needed to audit it. The summed forward-backward CTC is in ``ctc.py``.

The handout computes a CTC loss by writing down a few alignments (one symbol per input
frame), multiplying one probability per frame for each, and summing:

    P(l|x) ≈ Σ_{π listed} Π_t y_t(π_t),        loss = −ln P(l|x)

Real CTC sums over *every* alignment π of length T with B(π) = l, where B (``ctc_collapse``)
first merges repeated symbols and then drops blanks (Graves et al. 2006). Listing is exact
only when the list holds all of them, each has T symbols, and every y_t is a distribution.
This module computes the listed sum and records, as data, where the exercise departs from
CTC: alignments that do not collapse to the target, explicit factors that differ from the
symbols' probabilities, unequal lengths, and per-frame probabilities that do not sum to 1.

References:
    Graves, Fernández, Gomez, Schmidhuber (2006). Connectionist Temporal Classification:
    labelling unsegmented sequence data with recurrent neural networks. ICML.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from rnnloss_cli.engine._numerics import (
    as_real_array,
    check_blank,
    check_bool_option,
    check_int_option,
)
from rnnloss_cli.engine.errors import EngineError, shown
from rnnloss_cli.limits import ENGINE_MAX_COUNT_BITS, MAX_ARRAY_BYTES

#: Per-frame probabilities further than this from 1 do not form a distribution.
SUM_TOLERANCE = 1e-6

#: Bytes :func:`ctc_paths` holds a frame while it walks: the walk's state, the list of untried
#: states and the yielded tuple's slot (113 measured at T = 10^6, 186 at 10^5).
PATH_WALK_BYTES_PER_FRAME = 120


@dataclass(frozen=True)
class ListedAlignment:
    """One listed alignment: its frames, the factors used, and what it collapses to.

    ``symbol_factors`` are y_t(π_t) read from the probabilities; ``factors`` are the ones
    multiplied (the explicit numbers when given, else the symbol factors).
    """

    path: tuple[Hashable, ...]
    factors: tuple[float, ...]
    symbol_factors: tuple[float, ...]
    explicit: bool
    product: float
    symbol_product: float
    collapsed: tuple[Hashable, ...]
    valid: bool
    #: Why it does not collapse to the target (None when valid).
    reason: str | None = None
    #: ln of ``product``, summed factor by factor (−inf with a zero factor): the product of
    #: a long alignment underflows a double (0.2^60000), its log does not.
    log_product: float = 0.0

    @property
    def factors_differ(self) -> bool:
        """True when explicit factors were given and differ from the symbols' probabilities."""
        return self.explicit and any(
            not math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
            for a, b in zip(self.factors, self.symbol_factors, strict=True)
        )


@dataclass(frozen=True)
class ListedCTC:
    """The listed sum, its loss, the valid-only variant, and the audit facts.

    Attributes:
        alignments: one ListedAlignment per listed path, in order.
        total: Σ of the products (every listed alignment, as the exercise poses it).
        loss: −ln total.
        valid_total: Σ over the alignments that collapse to the target only.
        valid_loss: −ln valid_total (inf when none is valid).
        lengths: the number of frames of each alignment.
        frame_sums: per distinct frame, the sum of the probabilities given for that frame
            (one entry when the probabilities are the same for every frame).
    """

    target: tuple[Hashable, ...]
    blank: Hashable
    alignments: tuple[ListedAlignment, ...]
    total: float
    loss: float
    valid_total: float
    valid_loss: float
    lengths: tuple[int, ...]
    frame_sums: tuple[float, ...]
    #: ln of ``total`` and of ``valid_total``, from the alignments' log products (the
    #: losses are their negatives: finite even where the totals underflow to 0).
    log_total: float = 0.0
    log_valid_total: float = 0.0

    @property
    def equal_lengths(self) -> bool:
        return len(set(self.lengths)) <= 1

    @property
    def distributions(self) -> bool:
        """True when the probabilities of every frame sum to 1 (within SUM_TOLERANCE)."""
        return all(abs(s - 1.0) <= SUM_TOLERANCE for s in self.frame_sums)

    @property
    def invalid(self) -> tuple[int, ...]:
        """Indices of the alignments that do not collapse to the target."""
        return tuple(i for i, a in enumerate(self.alignments) if not a.valid)

    @property
    def mismatched(self) -> tuple[int, ...]:
        """Indices of the alignments whose explicit factors differ from the symbols'."""
        return tuple(i for i, a in enumerate(self.alignments) if a.factors_differ)


def _neg_log(p: float, log_p: float) -> float:
    """−ln p: from p itself when it is a normal double (rounded once), else from its log
    (a sum that underflowed to 0 or a subnormal)."""
    return -math.log(p) if p >= sys.float_info.min else -log_p


def _log_product(factors: Sequence[float]) -> float:
    """ln Π factors (factors in [0, 1]), −inf when one is 0."""
    if any(f <= 0.0 for f in factors):
        return -math.inf
    return math.fsum(math.log(f) for f in factors)


def _log_sum(logs: list[float]) -> float:
    """ln Σ e^x over ``logs``, −inf for none (or all −inf), shifted by the largest."""
    top = max(logs, default=-math.inf)
    if top == -math.inf:
        return -math.inf
    return top + math.log(math.fsum(math.exp(x - top) for x in logs))


def collapse_reason(
    path: Sequence[Hashable], target: Sequence[Hashable], blank: Hashable
) -> str | None:
    """Why ``path`` does not collapse to ``target`` (None if it does).

    The rule it names most often: B merges repeated symbols *before* dropping blanks, so a
    label that appears twice in a row in the target needs a blank between its copies.
    """
    collapsed = tuple(ctc_collapse(list(path), blank))
    if collapsed == tuple(target):
        return None
    doubled = {target[i] for i in range(len(target) - 1) if target[i] == target[i + 1]}
    runs: list[str] = []
    i = 0
    while i < len(path):
        j = i
        while j + 1 < len(path) and path[j + 1] == path[i]:
            j += 1
        if j > i and path[i] != blank and path[i] in doubled:
            copies = "".join(map(str, path[i : j + 1]))
            runs.append(f"'{copies}' at frames {i + 1}-{j + 1} merges into one {path[i]}")
        i = j + 1
    if runs:
        return "a repeated label needs a blank between its copies: " + "; ".join(runs)
    return "repeats merge and blanks drop, which leaves a different label sequence"


def ctc_listed(
    target: Sequence[Hashable],
    alignments: Sequence[Sequence[Hashable]],
    probs: Mapping[Hashable, float] | Sequence[Mapping[Hashable, float]],
    *,
    blank: Hashable = "-",
    factors: Sequence[Sequence[float] | None] | None = None,
) -> ListedCTC:
    """Sum the listed alignments' probabilities: P = Σ_π Π_t y_t(π_t), loss = −ln P.

    Args:
        target: the label sequence l, shape (L,), without blanks.
        alignments: N paths π, each a sequence of symbols, one per frame.
        probs: y(symbol) for every frame (one mapping), or one mapping per frame (a list of
            T mappings, e.g. rows of an emission matrix).
        blank: the blank symbol.
        factors: optional explicit factors per alignment (None for an entry: use ``probs``).

    Returns:
        A ListedCTC with the per-alignment products, the total, the loss and audit facts.

    Example:
        >>> r = ctc_listed("AB", ["A-B", "AB-"], {"A": 0.5, "B": 0.3, "-": 0.2})
        >>> round(r.total, 6), r.invalid
        (0.06, ())
    """
    target = tuple(_symbols(target, "target"))
    paths = _listed_paths(alignments)
    per_frame = not isinstance(probs, Mapping)
    frames = _probability_tables(probs)
    factors = _factor_lists(factors, len(paths))
    out: list[ListedAlignment] = []
    for n, path in enumerate(paths):
        if per_frame and len(path) != len(frames):
            raise EngineError(
                f"alignment {n + 1} has {len(path)} frames but probabilities are given for "
                f"{len(frames)}"
            )
        sym: list[float] = []
        for t, s in enumerate(path):
            table = frames[t] if per_frame else frames[0]
            if s not in table:
                raise EngineError(f"alignment {n + 1}, frame {t + 1}: unknown symbol {s!r}")
            sym.append(float(table[s]))
        given = None if factors is None else factors[n]
        if given is not None and len(given) != len(path):
            raise EngineError(f"alignment {n + 1} has {len(path)} frames but {len(given)} factors")
        used = list(given) if given is not None else sym
        collapsed = tuple(ctc_collapse(list(path), blank))
        reason = collapse_reason(path, target, blank)
        out.append(
            ListedAlignment(
                path=path,
                factors=tuple(used),
                symbol_factors=tuple(sym),
                explicit=given is not None,
                product=math.prod(used),
                symbol_product=math.prod(sym),
                collapsed=collapsed,
                valid=reason is None,
                reason=reason,
                log_product=_log_product(used),
            )
        )
    # products of probabilities in [0, 1] are in [0, 1]: their sums cannot overflow
    total = math.fsum(a.product for a in out)
    valid_total = math.fsum(a.product for a in out if a.valid)
    log_total = _log_sum([a.log_product for a in out])
    log_valid = _log_sum([a.log_product for a in out if a.valid])
    return ListedCTC(
        target=target,
        blank=blank,
        alignments=tuple(out),
        total=total,
        loss=_neg_log(total, log_total),
        valid_total=valid_total,
        valid_loss=_neg_log(valid_total, log_valid),
        lengths=tuple(len(a.path) for a in out),
        frame_sums=tuple(math.fsum(float(v) for v in f.values()) for f in frames),
        log_total=log_total,
        log_valid_total=log_valid,
    )


def _listed_paths(alignments) -> list[tuple[Hashable, ...]]:
    """The listed alignments as tuples of hashable symbols, or an EngineError naming one."""
    try:
        raw_paths = list(alignments)
    except TypeError:
        raise EngineError(
            "alignments: expected a sequence of alignments (each a sequence of symbols), "
            f"got {type(alignments).__name__}"
        ) from None
    return [tuple(_symbols(raw, f"alignments[{n}]")) for n, raw in enumerate(raw_paths)]


def _probability(value, where: str) -> float:
    """A probability: a real number in [0, 1] (not a bool, not NaN)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.number)):
        raise EngineError(f"{where}: expected a probability in [0, 1], got {shown(value)}")
    try:
        v = float(value)
    except OverflowError:  # an integer past float64's range
        raise EngineError(
            f"{where}: expected a probability in [0, 1], got {shown(value)}"
        ) from None
    if not 0.0 <= v <= 1.0:  # also NaN
        raise EngineError(f"{where}: expected a probability in [0, 1], got {v:g}")
    return v


def _probability_tables(probs) -> list[dict[Hashable, float]]:
    """``probs`` (one mapping, or one mapping per frame) as checked tables of floats."""
    if isinstance(probs, Mapping):
        tables = [probs]
    elif isinstance(probs, Sequence) and not isinstance(probs, (str, bytes)):
        tables = list(probs)
    else:
        tables = [None]
    if not all(isinstance(t, Mapping) for t in tables):
        raise EngineError(
            "probs: expected a mapping symbol -> probability, or a list of one such mapping "
            f"per frame, got {type(probs).__name__}"
        )
    per_frame = not isinstance(probs, Mapping)
    return [
        {
            _plain(k): _probability(v, f"probs[{t}][{k!r}]" if per_frame else f"probs[{k!r}]")
            for k, v in table.items()
        }
        for t, table in enumerate(tables)
    ]


def _factor_lists(factors, n_paths: int) -> list[tuple[float, ...] | None] | None:
    """Explicit factors (None, or one entry per alignment: None or its probabilities)."""
    if factors is None:
        return None
    if isinstance(factors, (str, bytes)) or not isinstance(factors, Sequence):
        raise EngineError(
            f"factors: expected a list of factor lists (or None), got {type(factors).__name__}"
        )
    if len(factors) != n_paths:
        raise EngineError(f"expected {n_paths} factor lists, got {len(factors)}")
    out: list[tuple[float, ...] | None] = []
    for n, given in enumerate(factors):
        if given is None:
            out.append(None)
        elif isinstance(given, (str, bytes)) or not isinstance(given, Sequence):
            raise EngineError(
                f"factors[{n}]: expected a list of numbers (or None), got {type(given).__name__}"
            )
        else:
            out.append(tuple(_probability(x, f"factors[{n}][{i}]") for i, x in enumerate(given)))
    return out


def min_frames(target: Sequence[Hashable]) -> tuple[int, int]:
    """Fewest frames an alignment of ``target`` needs: (L + repeats, repeats).

    Every label takes a frame, and each pair of equal neighbours needs a blank between them.
    """
    t = tuple(target)
    repeats = sum(1 for i in range(len(t) - 1) if t[i] == t[i + 1])
    return len(t) + repeats, repeats


# ---------------------------------------------------------------- paths and collapse
def _plain(x: Hashable) -> Hashable:
    return x.item() if isinstance(x, np.generic) else x


def ctc_collapse(sequence: Iterable[Hashable], blank: Hashable) -> tuple:
    """The CTC collapse B: merge runs of repeated symbols, then drop blanks.

    B("aa-ab-") = ("a", "a", "b") with blank "-". Works on any hashable symbols (characters,
    ints, numpy integers, which come back as Python ints).

    Args:
        sequence: the alignment pi, any iterable of hashable symbols (a string iterates its
            characters).
        blank: the blank symbol.

    Returns:
        The collapsed label sequence B(pi) as a tuple.

    References:
        Graves et al. 2006, "Connectionist Temporal Classification: Labelling Unsegmented
        Sequence Data with Recurrent Neural Networks", ICML.
    """
    blank = _plain(blank)
    if not isinstance(blank, Hashable) or isinstance(blank, np.ndarray):
        raise EngineError(
            f"blank: expected one symbol (a hashable value), got {type(blank).__name__}"
        )
    out = []
    prev = object()
    for sym in _symbols(sequence, "sequence"):
        if sym != prev and sym != blank:
            out.append(sym)
        prev = sym
    return tuple(out)


def _symbols(sequence: Iterable[Hashable], name: str) -> Iterator[Hashable]:
    """The symbols of ``sequence`` (numpy scalars as Python values), each checked to be
    hashable; an EngineError naming ``name`` for a non-iterable (a number, None, a 0-d
    array) or an unhashable symbol (a list, an array)."""
    try:
        symbols = iter(sequence)
    except TypeError:
        raise EngineError(
            f"{name}: expected an iterable of symbols, got {type(sequence).__name__}"
        ) from None
    for sym in symbols:
        sym = _plain(sym)
        if not isinstance(sym, Hashable) or isinstance(sym, np.ndarray):
            raise EngineError(
                f"{name}: expected symbols (hashable values), got a {type(sym).__name__}"
            )
        yield sym


def _check_frames(n_frames: int) -> int:
    if isinstance(n_frames, (bool, np.bool_)) or not isinstance(n_frames, (int, np.integer)):
        raise EngineError(f"T must be a non-negative integer; got {shown(n_frames)}")
    if n_frames < 0:
        raise EngineError(f"T must be a non-negative integer; got {shown(n_frames)}")
    return int(n_frames)


def ctc_path_count_log10(target: Sequence[Hashable], T: int) -> float:
    """log10 of :func:`ctc_path_count` (CTC alignments of ``target`` over ``T`` frames),
    C(T + S − r, 2S), from log-gamma: immediate for any T, where the count itself can have
    thousands of digits; −inf when there is none (T < S + r).

    >>> round(ctc_path_count_log10("AB", 4), 6)  # C(6, 4) = 15
    1.176091

    Raises:
        EngineError: naming ``T`` when it is not an integer >= 0 (a bool, a float, -1), or
            naming ``target`` when it is not a sequence of symbols, as ``ctc_path_count``.
    """
    T = _check_frames(T)
    target = list(_symbols(target, "target"))
    need, _ = min_frames(target)
    if T < need:
        return -math.inf
    return _log2_comb(T + 2 * len(target) - need, 2 * len(target)) * math.log10(2)


def _log2_comb(n: int, k: int) -> float:
    """log2 C(n, k) for 0 <= k <= n, without building it: from log-gamma while n is below
    10^12, else from ln C(n, k) = k ln n + Σ_{i<k} ln(1 − i/n) − ln k! with the sum taken as
    −k(k − 1)/(2n) (k, at most a target's length, is then below n/1000: the rest is tiny).
    A float of n would overflow past 1.8 x 10^308 and cancel digits past 10^12."""
    k = min(k, n - k)
    if k <= 0:
        return 0.0
    if n < 10**12:
        nats = math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)
    else:
        nats = k * math.log(n) - k * (k - 1) / (2 * n) - math.lgamma(k + 1)
    return nats / math.log(2)


def _bounded_comb(n: int, k: int, n_frames: int, n_labels: int) -> int:
    """math.comb(n, k), refused first (an EngineError naming T and ENGINE_MAX_COUNT_BITS)
    when the number would have more bits than the limit: its time grows with them."""
    bits = _log2_comb(n, k)
    if bits > ENGINE_MAX_COUNT_BITS:
        raise EngineError(
            f"T: the alignment count of a {n_labels:,}-label target over "
            f"{f'{n_frames:,}' if n_frames < 10**15 else shown(n_frames)} frames has about "
            f"{bits:,.0f} bits, more than the engine's limit ENGINE_MAX_COUNT_BITS = "
            f"{ENGINE_MAX_COUNT_BITS:,} (ctc_path_count_log10 gives its size at once)"
        )
    return math.comb(n, k)


def ctc_path_count(
    target: Sequence[Hashable],
    T: int,
    *,
    blank_distinct: bool = True,
    stop_above: int | None = None,
) -> int:
    """Number of length-T alignments that collapse to ``target``, as an exact integer.

    With blank_distinct=True (CTC) the alignments use the target's symbols plus a blank symbol
    distinct from all of them: the count is |B^{-1}(l) restricted to length T| (with a constant
    log-probability v in every cell, p(l|x) = count * exp(T v)). An alignment is S label runs
    of at least one frame and S + 1 blank runs of at least zero, the r blank runs between equal
    neighbours (adjacent repeats) of at least one: taking the required frame off each run
    leaves T - S - r frames spread over 2S + 1 runs, so the count is C(T + S - r, 2S), exact
    and immediate however large T is; 0 when T < S + r. (It equals the forward recursion over
    the extended labels with y = 1; the tests check it against brute-force enumeration.)
    With blank_distinct=False there is no blank symbol at all: each label is held for one or
    more frames, so the count is C(T-1, S-1), and 0 if the target has adjacent repeats
    (nothing could separate them).

    Args:
        target: (S,) label sequence, any hashable symbols (only their equality matters).
        T: number of frames, >= 0.
        blank_distinct: count CTC alignments (True) or blank-free ones (False).
        stop_above: when the count exceeds this, return instead the count over the first t
            frames, for the first t >= 2 where that exceeds it (a lower bound above
            ``stop_above``, and a smaller number to handle than the count for a huge T). For a
            non-empty target the count never decreases with T (repeating an alignment's last
            symbol lengthens it by one frame, and that map is one-to-one), so t is found by
            bisection on the closed form.

    Returns:
        The count as a Python int (no overflow); with ``stop_above``, min-bounded as above.

    Raises:
        EngineError: if a count it would build has more than ENGINE_MAX_COUNT_BITS bits
            (its size is found first; ``ctc_path_count_log10`` gives it for any T). With
            ``stop_above`` only counts up to a little past it are built, however large T is.

    References:
        Graves et al. 2006, "Connectionist Temporal Classification: Labelling Unsegmented
        Sequence Data with Recurrent Neural Networks", ICML.
    """
    n_frames = _check_frames(T)
    labels = list(_symbols(target, "target"))
    check_bool_option(blank_distinct, "blank_distinct")
    if stop_above is not None:
        stop_above = check_int_option(stop_above, "stop_above")
    n_labels = len(labels)
    if not blank_distinct:
        if any(a == b for a, b in zip(labels[:-1], labels[1:], strict=True)):
            return 0
        if n_labels == 0:
            return 1 if n_frames == 0 else 0
        if n_frames < n_labels:
            return 0
        return _bounded_comb(n_frames - 1, n_labels - 1, n_frames, n_labels)
    if n_labels == 0:  # only the all-blank path, whatever T is
        return 1
    need, repeats = min_frames(labels)

    def count(t: int) -> int:  # T - S - r free frames over 2S + 1 runs (see above)
        if t < need:
            return 0
        return _bounded_comb(t + n_labels - repeats, 2 * n_labels, t, n_labels)

    if stop_above is None or n_frames < 2:
        return count(n_frames)
    # count(T) is built only when it could be at most stop_above (its size first, with a
    # bit to spare for the estimate's rounding); else it is certainly above, and uncounted
    if n_frames < need or _log2_comb(n_frames + n_labels - repeats, 2 * n_labels) <= (
        stop_above.bit_length() + 1
    ):
        total = count(n_frames)
        if total <= stop_above:
            return total
    if stop_above < 0:  # every count (0 included) is above it: the first t is 2
        return count(2)
    # count(t) > stop_above >= 0 needs t >= need: probe need, need + 1, need + 3, need + 7,
    # ... (the counts, hence their size, grow with t) until one is above, then bisect below
    # it, so no count is built much past stop_above however large T is
    lo, hi = max(2, need), max(2, need)
    while hi < n_frames and count(hi) <= stop_above:
        lo, hi = hi + 1, min(n_frames, need + 2 * (hi - need) + 1)
    while lo < hi:
        mid = (lo + hi) // 2
        if count(mid) > stop_above:
            hi = mid
        else:
            lo = mid + 1
    return count(lo)


def ctc_paths(target: Sequence[Hashable], T: int, *, blank: Hashable = 0) -> Iterator[tuple]:
    """Every length-T alignment that collapses to ``target``, one tuple of symbols each.

    Paths come in lexicographic order of their extended-state walks (at each frame: stay, then
    advance one state, then skip a blank). len(list(ctc_paths(l, T))) == ctc_path_count(l, T).
    Generated lazily without recursion, so islice works for long T.

    Args:
        target: (S,) label sequence of hashable symbols, none equal to ``blank``.
        T: number of frames, >= 0.
        blank: the blank symbol (0 for class indices, e.g. "-" for characters).

    Yields:
        Alignments pi as tuples of length T with B(pi) == tuple(target).

    Raises:
        EngineError: if the target contains the blank, T is negative, or an alignment exists
            and walking one would hold more than MAX_ARRAY_BYTES (about 120 bytes a frame:
            T past 1.8 x 10^7), raised at the call, not at the first ``next``.

    References:
        Graves et al. 2006, "Connectionist Temporal Classification: Labelling Unsegmented
        Sequence Data with Recurrent Neural Networks", ICML.
    """
    n_frames = _check_frames(T)
    blank = _plain(blank)
    labels = list(_symbols(target, "target"))
    if blank in labels:
        raise EngineError(f"target must not contain the blank {blank!r}; got {tuple(labels)!r}")
    walk_bytes = n_frames * PATH_WALK_BYTES_PER_FRAME
    if n_frames >= min_frames(labels)[0] and walk_bytes > MAX_ARRAY_BYTES:
        raise EngineError(
            f"T: an alignment of {n_frames:,} frames would take about "
            f"{walk_bytes / 2**30:.3g} GiB to walk ({PATH_WALK_BYTES_PER_FRAME} bytes a frame), "
            f"more than the engine's limit MAX_ARRAY_BYTES = {MAX_ARRAY_BYTES / 2**30:g} GiB"
        )
    return _walk_paths(labels, n_frames, blank)


def _walk_paths(labels: list, n_frames: int, blank: Hashable) -> Iterator[tuple]:
    if n_frames == 0:
        if not labels:
            yield ()
        return
    n_ext = 2 * len(labels) + 1
    ext = [blank if s % 2 == 0 else labels[s // 2] for s in range(n_ext)]
    skip = [s % 2 == 1 and s >= 3 and ext[s] != ext[s - 2] for s in range(n_ext)]
    # Fewest further frames needed after being in state s to finish (0 in a final state).
    need = [0] * n_ext
    for s in range(n_ext - 3, -1, -1):
        options = [need[s + 1] + 1]
        if s + 2 < n_ext and skip[s + 2]:
            options.append(need[s + 2] + 1)
        need[s] = min(options)

    def moves(s: int, frames_left: int) -> list[int]:
        out = [s]
        if s + 1 < n_ext:
            out.append(s + 1)
        if s + 2 < n_ext and skip[s + 2]:
            out.append(s + 2)
        return [x for x in out if need[x] <= frames_left]

    walk: list[int] = []
    # One list of untried next states per frame of the current partial walk.
    stack = [[s for s in (0, 1) if s < n_ext and need[s] <= n_frames - 1]]
    while stack:
        if not stack[-1]:
            stack.pop()
            if walk:
                walk.pop()
            continue
        s = stack[-1].pop(0)
        walk.append(s)
        if len(walk) == n_frames:
            yield tuple(ext[x] for x in walk)
            walk.pop()
            continue
        stack.append(moves(s, n_frames - len(walk) - 1))


def ctc_greedy_decode(
    log_probs_or_probs: ArrayLike, *, blank: int = 0
) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Best-path decoding: the most likely class per frame, then the CTC collapse.

    pi*_t = argmax_k y_t(k) (first index on ties; the same for probabilities or
    log-probabilities since log is increasing), and the decoded labelling is B(pi*). This is
    the most likely *alignment*, not necessarily the most likely labelling.

    Args:
        log_probs_or_probs: (T, C) per-frame scores (log-probabilities or probabilities).
        blank: index of the blank class.

    Returns:
        (best_path, collapsed): tuples of Python ints of lengths T and <= T.

    Raises:
        EngineError: on a shape other than (T, C), NaN, or a blank outside [0, C).

    References:
        Graves et al. 2006, "Connectionist Temporal Classification: Labelling Unsegmented
        Sequence Data with Recurrent Neural Networks", ICML.
    """
    name = "log_probs_or_probs"
    arr = as_real_array(log_probs_or_probs, name)
    if arr.ndim != 2 or arr.shape[1] < 1:
        raise EngineError(f"{name} must have shape (T, C) with C >= 1; got shape {arr.shape}")
    if np.isnan(arr).any():
        raise EngineError(f"{name} must not contain NaN")
    blank = check_blank(blank, arr.shape[1])
    best = tuple(int(k) for k in arr.argmax(axis=1))
    return best, ctc_collapse(best, blank)
