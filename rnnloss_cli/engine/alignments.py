"""CTC by listing alignments: the handout's method, with the facts needed to audit it.

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
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

from rnnloss_cli.engine.ctc import ctc_collapse

#: Per-frame probabilities further than this from 1 do not form a distribution.
SUM_TOLERANCE = 1e-6


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


def _neg_log(p: float) -> float:
    return math.inf if p <= 0.0 else -math.log(p)


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
    target = tuple(target)
    per_frame = not isinstance(probs, Mapping)
    frames: Sequence[Mapping[Hashable, float]] = probs if per_frame else [probs]  # type: ignore[assignment]
    if factors is not None and len(factors) != len(alignments):
        raise ValueError(f"expected {len(alignments)} factor lists, got {len(factors)}")
    out: list[ListedAlignment] = []
    for n, raw in enumerate(alignments):
        path = tuple(raw)
        if per_frame and len(path) != len(frames):
            raise ValueError(
                f"alignment {n + 1} has {len(path)} frames but probabilities are given for "
                f"{len(frames)}"
            )
        sym: list[float] = []
        for t, s in enumerate(path):
            table = frames[t] if per_frame else frames[0]
            if s not in table:
                raise ValueError(f"alignment {n + 1}, frame {t + 1}: unknown symbol {s!r}")
            sym.append(float(table[s]))
        given = None if factors is None else factors[n]
        if given is not None and len(given) != len(path):
            raise ValueError(f"alignment {n + 1} has {len(path)} frames but {len(given)} factors")
        used = [float(x) for x in given] if given is not None else sym
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
            )
        )
    total = math.fsum(a.product for a in out)
    valid_total = math.fsum(a.product for a in out if a.valid)
    return ListedCTC(
        target=target,
        blank=blank,
        alignments=tuple(out),
        total=total,
        loss=_neg_log(total),
        valid_total=valid_total,
        valid_loss=_neg_log(valid_total),
        lengths=tuple(len(a.path) for a in out),
        frame_sums=tuple(math.fsum(float(v) for v in f.values()) for f in frames),
    )


def min_frames(target: Sequence[Hashable]) -> tuple[int, int]:
    """Fewest frames an alignment of ``target`` needs: (L + repeats, repeats).

    Every label takes a frame, and each pair of equal neighbours needs a blank between them.
    """
    t = tuple(target)
    repeats = sum(1 for i in range(len(t) - 1) if t[i] == t[i + 1])
    return len(t) + repeats, repeats
