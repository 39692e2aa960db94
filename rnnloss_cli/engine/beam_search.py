"""CTC prefix beam search, with optional character n-gram shallow fusion and a lexicon.

Decoding asks for the most probable *labelling* l* = argmax_l p(l|x), where
p(l|x) = sum over pi in B^{-1}(l) of prod_t y_t(pi_t) sums over every alignment. Greedy (best
path) decoding collapses the single most probable alignment instead, which can be a different
labelling (see the example of :func:`ctc_beam_search`).

Prefix beam search keeps, for every candidate prefix l after frame t, the probability of the
alignments of frames 0..t that collapse to l, split by their last symbol:
``p_b(l)`` (ending in blank) and ``p_nb(l)`` (ending in l's last label). For each frame t,
each prefix l in the beam and each class k::

    k = blank:              p_b'(l)     += (p_b(l) + p_nb(l)) * y_t(blank)
    k = last(l):            p_nb'(l)    += p_nb(l) * y_t(k)           (repeat merges)
                            p_nb'(l + k) += p_b(l) * y_t(k)           (blank between: new label)
    k other label:          p_nb'(l + k) += (p_b(l) + p_nb(l)) * y_t(k)

then the beam keeps the ``beam_width`` prefixes of highest score (below). Without pruning
(a beam at least as wide as the number of prefixes reached) the totals
p_b(l) + p_nb(l) after the last frame are exactly p(l|x) = exp(-ctc_loss(l)) for every l.
All sums are done in log space (np.logaddexp); prefixes of probability 0 are dropped.

Shallow fusion with a language model scores a prefix as::

    score(l) = ln p_ctc(l) + lm_weight * ln P_LM(l),   ln P_LM(l) = sum_i ln P(l_i | l_<i)

(no insertion bonus, no end-of-sentence term). Ties in score are broken by the prefix's
labels in increasing order, so the search is deterministic. A lexicon restricts the beam to
prefixes of its words; with a ``separator`` label (a space), to sequences of lexicon words
separated by it. Finished hypotheses must end on a complete word (or be empty).

References:
    Graves et al. 2006, "Connectionist Temporal Classification", ICML (section 3.2, prefix
    search decoding). Hannun et al. 2014, "First-Pass Large Vocabulary Continuous Speech
    Recognition using Bi-Directional Recurrent DNNs", arXiv:1408.2873 (prefix beam search
    with an LM). Gulcehre et al. 2015, "On Using Monolingual Corpora in Neural Machine
    Translation", arXiv:1503.03535 (shallow fusion).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from rnnloss_cli.engine._numerics import check_blank
from rnnloss_cli.engine.ctc import ctc_loss
from rnnloss_cli.engine.errors import EngineError
from rnnloss_cli.engine.forced_align import check_log_probs
from rnnloss_cli.limits import ENGINE_MAX_BEAM_EXTENSIONS

__all__ = [
    "BeamEntry",
    "BeamSearchTrace",
    "CharNgramLM",
    "Hypothesis",
    "ctc_beam_search",
]

#: ln P of a token none of whose n-grams is listed in a CharNgramLM (e^-10 ~ 4.5e-5).
UNKNOWN_LOG_PROB = -10.0

_NEG_INF = -math.inf


# --------------------------------------------------------------------------------------------
# A character n-gram language model, kept deliberately small
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CharNgramLM:
    """A character (label) n-gram LM: a table of ln P(last | context) with longest-match lookup.

    ``log_probs`` maps an n-gram, a tuple of label indices (c_1, ..., c_n) with n <= order, to
    ln P(c_n | c_1 .. c_{n-1}). The probability of a token given a history is the entry of the
    longest listed n-gram made of the end of the history and the token; no backoff weight is
    applied (a simplification of Katz backoff, enough for worked problems), and a token with
    no listed n-gram at all gets ``unknown_log_prob``. The first token of a sentence is scored
    by the shorter contexts available (no begin-of-sentence symbol), and there is no
    end-of-sentence term. Natural logarithms.

    Build one from explicit entries, from n-gram counts (:meth:`from_counts`), from sequences
    (:meth:`from_corpus`) or from the text of a small "ngram<TAB>logprob" file
    (:meth:`from_text`).

    Example:
        Counts a b: 3, a c: 1, a: 4 give P(b | a) = 3 / (3 + 1) = 0.75:

        >>> lm = CharNgramLM.from_counts({(0,): 4, (0, 1): 3, (0, 2): 1})
        >>> round(math.exp(lm.log_prob((0,), 1)), 2), lm.order
        (0.75, 2)
    """

    log_probs: Mapping[tuple[int, ...], float]
    order: int = 0
    unknown_log_prob: float = UNKNOWN_LOG_PROB
    _table: dict = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        table: dict[tuple[int, ...], float] = {}
        for key, value in self.log_probs.items():
            gram = tuple(int(k) for k in key)
            value = float(value)
            if not gram:
                raise EngineError("CharNgramLM: an n-gram must hold at least one token; got ()")
            if math.isnan(value) or value > 0:
                raise EngineError(
                    f"CharNgramLM: ln P of {gram} must be a log-probability (<= 0); got {value}"
                )
            table[gram] = value
        longest = max((len(g) for g in table), default=1)
        if self.order and longest > self.order:
            raise EngineError(
                f"CharNgramLM: order is {self.order} but an n-gram has {longest} tokens"
            )
        if not (math.isfinite(self.unknown_log_prob) and self.unknown_log_prob <= 0):
            raise EngineError(
                "CharNgramLM: unknown_log_prob must be a finite log-probability (<= 0); "
                f"got {self.unknown_log_prob}"
            )
        object.__setattr__(self, "_table", table)
        object.__setattr__(self, "order", self.order or longest)

    def log_prob(self, history: Sequence[int], token: int) -> float:
        """ln P(token | history) from the longest listed n-gram ending in ``token``."""
        hist = tuple(int(h) for h in history)[max(0, len(history) - self.order + 1) :]
        for start in range(len(hist) + 1):
            value = self._table.get((*hist[start:], int(token)))
            if value is not None:
                return value
        return self.unknown_log_prob

    def score(self, labels: Sequence[int]) -> float:
        """ln P_LM(labels) = sum_i ln P(l_i | l_<i)."""
        return sum(self.log_prob(labels[:i], labels[i]) for i in range(len(labels)))

    @classmethod
    def from_counts(
        cls,
        counts: Mapping[Sequence[int], float],
        *,
        unknown_log_prob: float = UNKNOWN_LOG_PROB,
    ) -> CharNgramLM:
        """Maximum-likelihood estimates: P(c | h) = count(h c) / sum_c' count(h c').

        The sum runs over the listed n-grams of the same length that share the context h (for
        unigrams, over all unigrams). No smoothing: unlisted n-grams fall back to shorter
        contexts, then to ``unknown_log_prob``.
        """
        totals: dict[tuple[int, ...], float] = {}
        grams: dict[tuple[int, ...], float] = {}
        for key, count in counts.items():
            gram = tuple(int(k) for k in key)
            count = float(count)
            if not gram or not math.isfinite(count) or count < 0:
                raise EngineError(
                    f"CharNgramLM.from_counts: expected a non-empty n-gram with a count >= 0; "
                    f"got {gram}: {count}"
                )
            grams[gram] = count
            totals[gram[:-1]] = totals.get(gram[:-1], 0.0) + count
        table = {
            g: math.log(c / totals[g[:-1]]) for g, c in grams.items() if c > 0 and totals[g[:-1]]
        }
        return cls(
            table, order=max((len(g) for g in grams), default=1), unknown_log_prob=unknown_log_prob
        )

    @classmethod
    def from_corpus(
        cls,
        sequences: Iterable[Sequence[int]],
        order: int,
        *,
        unknown_log_prob: float = UNKNOWN_LOG_PROB,
    ) -> CharNgramLM:
        """Count every n-gram of length 1..order inside each sequence, then :meth:`from_counts`."""
        if isinstance(order, bool) or not isinstance(order, int) or order < 1:
            raise EngineError(
                f"CharNgramLM.from_corpus: order must be an integer >= 1; got {order!r}"
            )
        counts: dict[tuple[int, ...], int] = {}
        for seq in sequences:
            seq = tuple(int(k) for k in seq)
            for n in range(1, order + 1):
                for i in range(len(seq) - n + 1):
                    counts[seq[i : i + n]] = counts.get(seq[i : i + n], 0) + 1
        return cls.from_counts(counts, unknown_log_prob=unknown_log_prob)

    @classmethod
    def from_text(
        cls,
        text: str,
        symbols: Sequence[str],
        *,
        unknown_log_prob: float = UNKNOWN_LOG_PROB,
    ) -> CharNgramLM:
        """Parse lines "ngram<TAB>logprob": each character of ngram is one symbol.

        ``symbols[k]`` is the one-character symbol of class k. ``logprob`` is the natural log
        ln P(last char | the chars before it). Blank lines and lines starting with "#" are
        skipped. A bad line raises EngineError naming its 1-based line number.

        Example:
            >>> lm = CharNgramLM.from_text("a\\t-0.5\\nab\\t-0.1\\n", ["-", "a", "b"])
            >>> lm.log_prob([1], 2), lm.log_prob([], 1), lm.order
            (-0.1, -0.5, 2)
        """
        index = {}
        for k, sym in enumerate(symbols):
            if not isinstance(sym, str) or len(sym) != 1:
                raise EngineError(
                    f"CharNgramLM.from_text: symbols must be single characters; got {sym!r}"
                )
            index.setdefault(sym, k)
        table: dict[tuple[int, ...], float] = {}
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip() or line.startswith("#"):
                continue
            parts = line.split("\t")
            if len(parts) != 2 or not parts[0]:
                raise EngineError(
                    f"line {number}: expected 'ngram<TAB>logprob' (one tab); got {line!r}"
                )
            gram, value = parts
            unknown = [c for c in gram if c not in index]
            if unknown:
                raise EngineError(
                    f"line {number}: {unknown[0]!r} is not one of the symbols {list(symbols)}"
                )
            try:
                logp = float(value)
            except ValueError:
                raise EngineError(
                    f"line {number}: logprob must be a number (natural log); got {value!r}"
                ) from None
            if math.isnan(logp) or logp > 0:
                raise EngineError(
                    f"line {number}: logprob must be <= 0 (a natural log); got {logp}"
                )
            table[tuple(index[c] for c in gram)] = logp
        if not table:
            raise EngineError("CharNgramLM.from_text: no 'ngram<TAB>logprob' line found")
        return cls(table, unknown_log_prob=unknown_log_prob)


# --------------------------------------------------------------------------------------------
# Lexicon
# --------------------------------------------------------------------------------------------


class _Lexicon:
    """Word set and prefix set of a lexicon, with an optional word separator label."""

    def __init__(self, words: Iterable[Sequence[int]], separator: int | None) -> None:
        self.words = {tuple(int(k) for k in w) for w in words}
        self.words.discard(())
        if not self.words:
            raise EngineError("lexicon: expected at least one non-empty word")
        if separator is not None and any(separator in w for w in self.words):
            raise EngineError(f"lexicon: a word contains the separator label {separator}")
        self.prefixes = {w[:i] for w in self.words for i in range(len(w) + 1)}
        self.separator = separator
        self._masks: dict[tuple[int, ...], NDArray[np.bool_]] = {}

    def _last_word(self, prefix: tuple[int, ...]) -> tuple[int, ...]:
        if self.separator is None or self.separator not in prefix:
            return prefix
        cut = len(prefix) - 1 - prefix[::-1].index(self.separator)
        return prefix[cut + 1 :]

    def allows(self, prefix: tuple[int, ...], label: int) -> bool:
        """May ``prefix`` (itself allowed) be extended by ``label``?"""
        last = self._last_word(prefix)
        if self.separator is not None and label == self.separator:
            return last in self.words  # a separator ends a complete word
        return (*last, label) in self.prefixes

    def mask(self, prefix: tuple[int, ...], labels: NDArray[np.int64]) -> NDArray[np.bool_]:
        """Which of ``labels`` may extend ``prefix`` (itself allowed)."""
        last = self._last_word(prefix)
        if last not in self._masks:
            self._masks[last] = np.array([self.allows(prefix, int(k)) for k in labels])
        return self._masks[last]

    def complete(self, prefix: tuple[int, ...]) -> bool:
        last = self._last_word(prefix)
        return not last or last in self.words


# --------------------------------------------------------------------------------------------
# The search
# --------------------------------------------------------------------------------------------


class Hypothesis(NamedTuple):
    """A decoded labelling and its score: ln p(l|x) (plus lm_weight * ln P_LM(l) with an LM)."""

    labels: tuple[int, ...]
    log_prob: float


@dataclass(frozen=True)
class BeamEntry:
    """One prefix of the beam after a frame.

    Attributes:
        prefix: the labels so far.
        log_p_blank: ln p_b, alignments of frames 0..t collapsing to prefix, ending in blank.
        log_p_nonblank: ln p_nb, the same ending in the prefix's last label.
        log_total: ln (p_b + p_nb).
        lm_log_prob: ln P_LM(prefix) (0 without an LM).
        score: log_total + lm_weight * lm_log_prob, the ranking key.
    """

    prefix: tuple[int, ...]
    log_p_blank: float
    log_p_nonblank: float
    log_total: float
    lm_log_prob: float
    score: float


@dataclass(frozen=True, eq=False)
class BeamSearchTrace:
    """The beam at every frame, the final hypotheses, and greedy decoding for comparison.

    Attributes:
        frames: frames[t] the beam kept after frame t, best first.
        candidates: candidates[t] the number of prefixes of positive probability before pruning.
        hypotheses: the final hypotheses, best first (as :func:`ctc_beam_search` returns).
        greedy_path: (T,) the best path, argmax_k y_t(k) per frame (lowest index on ties).
        greedy_path_log_prob: ln of its probability, sum_t max_k ln y_t(k).
        greedy_labels: B(greedy_path), its collapse.
        greedy_labels_log_prob: ln p(greedy_labels | x) summed over all alignments.
        beam_width, lm_weight: the settings used.
    """

    frames: tuple[tuple[BeamEntry, ...], ...]
    candidates: tuple[int, ...]
    hypotheses: tuple[Hypothesis, ...]
    greedy_path: NDArray[np.int64]
    greedy_path_log_prob: float
    greedy_labels: tuple[int, ...]
    greedy_labels_log_prob: float
    beam_width: int
    lm_weight: float


def _lae(a: float, b: float) -> float:
    """ln(e^a + e^b) for Python floats (np.logaddexp is slow on scalars); -inf safe."""
    if a < b:
        a, b = b, a
    if b == _NEG_INF:
        return a
    return a + math.log1p(math.exp(b - a))


def _threshold(beam, y, blank: int, beam_width: int, weight: float, lm_score) -> float:
    """A lower bound on the beam_width-th best score after this frame (-inf: prune nothing).

    Every prefix already in the beam stays a candidate with at least its own blank and repeat
    terms; an LM term only lowers a child's score when weight >= 0, so no bound otherwise.
    """
    if len(beam) < beam_width or weight < 0:
        return _NEG_INF
    own = []
    for prefix, (pb, pnb) in beam.items():
        score = _lae(pb, pnb) + float(y[blank])
        if prefix:
            score = _lae(score, pnb + float(y[prefix[-1]]))
        own.append(score + weight * lm_score(prefix))
    own.sort(reverse=True)
    return float(own[beam_width - 1])


def _beam_work(n_frames: int, n_classes: int, beam_width: int) -> int:
    """Prefix extensions of a search, sum over frames of C x min(beam_width, reachable), where
    reachable = labellings of length <= t over the C - 1 labels; stops past the limit.

    Loops only while the beam is not yet full: with C >= 2 each such frame adds at least
    2 (t + 1), so it passes the limit within a few thousand frames; once full (or C = 1) the
    rest is frames x beam_width x C in closed form.
    """
    work, reachable, level = 0, 1, 1
    for t in range(n_frames):
        if reachable >= beam_width or level == 0:  # full, or no labels: constant from here
            return work + (n_frames - t) * min(beam_width, reachable) * n_classes
        work += reachable * n_classes
        if work > ENGINE_MAX_BEAM_EXTENSIONS:
            return work
        level *= n_classes - 1
        reachable += level
    return work


def _check_int(value, name: str, low: int) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise EngineError(f"{name} must be an integer >= {low}; got {value!r}")
    if value < low:
        raise EngineError(f"{name} must be an integer >= {low}; got {value}")
    return int(value)


def ctc_beam_search(
    log_probs: ArrayLike,
    beam_width: int = 10,
    blank: int = 0,
    *,
    lm: CharNgramLM | None = None,
    lm_weight: float = 1.0,
    lexicon: Iterable[Sequence[int]] | None = None,
    separator: int | None = None,
    return_trace: bool = False,
) -> list[Hypothesis] | BeamSearchTrace:
    """CTC prefix beam search: labellings best first with ln p(l|x) (fused with an LM if given).

    Per frame, for each prefix l and class k: blank adds (p_b + p_nb) y_t(b) to p_b(l); the
    prefix's last label adds p_nb y_t(k) to p_nb(l) and p_b y_t(k) to p_nb(l + k); any other
    label adds (p_b + p_nb) y_t(k) to p_nb(l + k). The ``beam_width`` prefixes of highest
    score = ln(p_b + p_nb) + lm_weight * ln P_LM(l) are kept (ties: smaller labels first).
    With a beam that never prunes, the result is every labelling of positive probability with
    its exact ln p(l|x) = -ctc_loss(l).

    Args:
        log_probs: (T, C) per-frame class log-probabilities (finite or -inf), natural log.
        beam_width: prefixes kept after each frame (>= 1); 1 is not greedy decoding (it keeps
            the best prefix, summed over its alignments, not the best path). The work,
            frames x min(beam_width, labellings reachable) x classes prefix extensions, must
            stay within ENGINE_MAX_BEAM_EXTENSIONS (2 x 10^7, about a minute; see
            rnnloss_cli/limits.py): a wider search is refused before it starts.
        blank: index of the blank class.
        lm: a :class:`CharNgramLM` over the same label indices, for shallow fusion.
        lm_weight: the LM's weight lambda (used only with ``lm``).
        lexicon: words (sequences of label indices); every prefix must be a prefix of a word
            (or, with ``separator``, of a sequence of words joined by it), and every finished
            hypothesis must end on a whole word (the empty labelling is allowed).
        separator: a label (e.g. the space) separating lexicon words; needs ``lexicon``.
        return_trace: return a :class:`BeamSearchTrace` instead of the list.

    Returns:
        The final beam as a list of :class:`Hypothesis` (labels tuple, log_prob), best first,
        or the trace (its ``hypotheses`` are the same list as a tuple).

    Raises:
        EngineError: on a bad shape, blank, beam width, LM or lexicon.

    Example:
        Two frames, classes (-, a), y_t = (0.6, 0.4) at both. The best path is "- -"
        (0.36), which collapses to the empty labelling, but p(a) = .4*.4 + .4*.6 + .6*.4 =
        0.64 is larger: greedy decoding says "", beam search says "a".

        >>> import numpy as np
        >>> lp = np.log([[0.6, 0.4], [0.6, 0.4]])
        >>> [(h.labels, round(float(np.exp(h.log_prob)), 2)) for h in ctc_beam_search(lp, 4)]
        [((1,), 0.64), ((), 0.36)]
        >>> tr = ctc_beam_search(lp, 4, return_trace=True)
        >>> tr.greedy_labels, round(float(np.exp(tr.greedy_path_log_prob)), 2)
        ((), 0.36)
        >>> [(e.prefix, round(float(np.exp(e.log_p_blank)), 2),
        ...   round(float(np.exp(e.log_p_nonblank)), 2)) for e in tr.frames[1]]
        [((1,), 0.24, 0.4), ((), 0.36, 0.0)]

    References:
        Graves et al. 2006, ICML; Hannun et al. 2014, arXiv:1408.2873; Gulcehre et al. 2015,
        arXiv:1503.03535.
    """
    lp = check_log_probs(log_probs)
    n_frames, n_classes = lp.shape
    blank = check_blank(blank, n_classes)
    beam_width = _check_int(beam_width, "beam_width", 1)
    work = _beam_work(n_frames, n_classes, beam_width)
    if work > ENGINE_MAX_BEAM_EXTENSIONS:
        raise EngineError(
            f"beam_width: a beam of {beam_width:,} on {n_frames:,} frames of {n_classes:,} "
            f"classes would try more than {ENGINE_MAX_BEAM_EXTENSIONS:,} prefix extensions "
            f"(the limit ENGINE_MAX_BEAM_EXTENSIONS); give a narrower beam or fewer frames"
        )
    if lm is not None and not isinstance(lm, CharNgramLM):
        raise EngineError(f"lm must be a CharNgramLM or None; got {type(lm).__name__}")
    if isinstance(lm_weight, (bool, np.bool_)) or not isinstance(
        lm_weight, (int, float, np.integer, np.floating)
    ):
        raise EngineError(f"lm_weight must be a finite number; got {lm_weight!r}")
    lm_weight = float(lm_weight)
    if not math.isfinite(lm_weight):
        raise EngineError(f"lm_weight must be a finite number; got {lm_weight}")
    lex = None
    if separator is not None:
        separator = _check_int(separator, "separator", 0)
        if lexicon is None:
            raise EngineError("separator needs a lexicon")
        if separator >= n_classes or separator == blank:
            raise EngineError(
                f"separator must be a label in [0, {n_classes}) other than blank={blank}; "
                f"got {separator}"
            )
    if lexicon is not None:
        lex = _Lexicon(lexicon, separator)
    weight = lm_weight if lm is not None else 0.0
    labels = [k for k in range(n_classes) if k != blank]

    lm_cache: dict[tuple[int, ...], float] = {(): 0.0}

    def lm_score(prefix: tuple[int, ...]) -> float:
        if lm is None:
            return 0.0
        if prefix not in lm_cache:
            lm_cache[prefix] = lm_score(prefix[:-1]) + lm.log_prob(prefix[:-1], prefix[-1])
        return lm_cache[prefix]

    # prefix -> [ln p_b, ln p_nb]; before any frame only the empty prefix, with p_b = 1.
    beam: dict[tuple[int, ...], list[float]] = {(): [0.0, _NEG_INF]}
    label_arr = np.array(labels, dtype=np.int64)
    position = {k: j for j, k in enumerate(labels)}
    frames: list[tuple[BeamEntry, ...]] = []
    candidates: list[int] = []
    for t in range(n_frames):
        y = lp[t]
        y_list = y.tolist()
        y_labels = y[label_arr]
        threshold = _threshold(beam, y, blank, beam_width, weight, lm_score)
        children: dict[tuple[int, ...], list[int]] = {}
        for prefix in beam:
            if prefix:
                children.setdefault(prefix[:-1], []).append(position[prefix[-1]])
        nxt: dict[tuple[int, ...], list[float]] = {}
        n_new = n_kept_new = 0
        for prefix, (pb, pnb) in beam.items():
            total = _lae(pb, pnb)
            here = nxt.setdefault(prefix, [_NEG_INF, _NEG_INF])
            here[0] = _lae(here[0], total + y_list[blank])
            source = np.full(label_arr.size, total)
            if prefix:
                here[1] = _lae(here[1], pnb + y_list[prefix[-1]])  # a repeat merges
                source[position[prefix[-1]]] = pb  # a new, repeated label needs a blank between
            with np.errstate(invalid="ignore"):
                ext = source + y_labels
            ok = ext > _NEG_INF
            if lex is not None:
                ok &= lex.mask(prefix, label_arr)
            in_beam = np.zeros(label_arr.size, dtype=bool)
            in_beam[children.get(prefix, [])] = True
            n_new += int(np.count_nonzero(ok & ~in_beam))
            # A child not in the beam has one parent, so its score is ext + weight * ln P_LM
            # <= ext + weight * ln P_LM(prefix): below the threshold it cannot be kept.
            keep = ok & (in_beam | (ext + weight * lm_score(prefix) >= threshold))
            n_kept_new += int(np.count_nonzero(keep & ~in_beam))
            for j in np.flatnonzero(keep):
                child = nxt.setdefault((*prefix, labels[j]), [_NEG_INF, _NEG_INF])
                child[1] = _lae(child[1], float(ext[j]))
        entries = []
        for prefix, (pb, pnb) in nxt.items():
            total = _lae(pb, pnb)
            if total == _NEG_INF:
                continue
            lm_lp = lm_score(prefix)
            entries.append(BeamEntry(prefix, pb, pnb, total, lm_lp, total + weight * lm_lp))
        candidates.append(len(entries) - n_kept_new + n_new)
        entries.sort(key=lambda e: (-e.score, e.prefix))
        kept = tuple(entries[:beam_width])
        frames.append(kept)
        beam = {e.prefix: [e.log_p_blank, e.log_p_nonblank] for e in kept}
    final = frames[-1]
    if lex is not None:
        final = tuple(e for e in final if lex.complete(e.prefix))
    hypotheses = [Hypothesis(e.prefix, e.score) for e in final]
    if not return_trace:
        return hypotheses
    greedy = np.argmax(lp, axis=1).astype(np.int64)
    greedy.setflags(write=False)
    collapsed = tuple(
        int(k) for i, k in enumerate(greedy) if k != blank and (i == 0 or k != greedy[i - 1])
    )
    greedy_lab_lp = -float(
        ctc_loss(
            lp,
            np.array(collapsed, dtype=np.int64),
            n_frames,
            len(collapsed),
            blank=blank,
            reduction="none",
        )
    )
    return BeamSearchTrace(
        frames=tuple(frames),
        candidates=tuple(candidates),
        hypotheses=tuple(hypotheses),
        greedy_path=greedy,
        greedy_path_log_prob=float(np.sum(lp[np.arange(n_frames), greedy])),
        greedy_labels=collapsed,
        greedy_labels_log_prob=greedy_lab_lp,
        beam_width=beam_width,
        lm_weight=weight,
    )
