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

from rnnloss_cli.engine._numerics import check_blank, check_bool_option
from rnnloss_cli.engine.ctc import ctc_loss
from rnnloss_cli.engine.errors import EngineError, shown
from rnnloss_cli.engine.forced_align import check_log_probs
from rnnloss_cli.limits import ENGINE_MAX_BEAM_EXTENSIONS, MAX_TRELLIS_CELLS

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


def _labels_of(value: object) -> tuple[int, ...] | None:
    """A sequence of integer labels (Python or numpy integers, not bools) as a tuple; None for
    anything else (a string, a float, a number on its own)."""
    if isinstance(value, (str, bytes)) or not isinstance(value, (Sequence, np.ndarray)):
        return None
    out = []
    for k in value:
        if isinstance(k, (bool, np.bool_)) or not isinstance(k, (int, np.integer)):
            return None
        out.append(int(k))
    return tuple(out)


def _real(value: object) -> float | None:
    """A real number (not a bool, not a string) as a float, else None; an integer past
    float64's range (10**400) is ±inf, the float nearest it, not an OverflowError."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(
        value, (int, float, np.integer, np.floating)
    ):
        return None
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


def _checked_labels(value: object, what: str) -> tuple[int, ...]:
    """``value`` (a sequence of integer labels) as a tuple, else an EngineError naming it."""
    labels = _labels_of(value)
    if labels is None:
        raise EngineError(
            f"CharNgramLM: {what} must be a sequence of integer labels; got {shown(value)}"
        )
    return labels


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
    _suffixes: dict = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.log_probs, Mapping):
            raise EngineError(
                f"CharNgramLM: log_probs must be a mapping n-gram -> ln P; got "
                f"{type(self.log_probs).__name__}"
            )
        table: dict[tuple[int, ...], float] = {}
        for key, value in self.log_probs.items():
            gram = _labels_of(key)
            if gram is None:
                raise EngineError(
                    f"CharNgramLM: an n-gram must be a sequence of integer labels; got {shown(key)}"
                )
            if not gram:
                raise EngineError("CharNgramLM: an n-gram must hold at least one token; got ()")
            value = _real(value)
            if value is None or math.isnan(value) or value > 0:
                raise EngineError(
                    f"CharNgramLM: ln P of {gram} must be a log-probability (<= 0); "
                    f"got {self.log_probs[key]!r}"
                )
            table[gram] = value
        longest = max((len(g) for g in table), default=1)
        order = self.order
        if isinstance(order, (bool, np.bool_)) or not isinstance(order, (int, np.integer)):
            raise EngineError(f"CharNgramLM: order must be an integer >= 0; got {shown(order)}")
        if order < 0:
            raise EngineError(f"CharNgramLM: order must be an integer >= 0; got {shown(order)}")
        if order and longest > order:
            raise EngineError(f"CharNgramLM: order is {order} but an n-gram has {longest} tokens")
        unknown = _real(self.unknown_log_prob)
        if unknown is None or not (math.isfinite(unknown) and unknown <= 0):
            raise EngineError(
                "CharNgramLM: unknown_log_prob must be a finite log-probability (<= 0); "
                f"got {self.unknown_log_prob!r}"
            )
        # Reversed n-grams in a trie: token -> [value, {h_-1 -> [value, {h_-2 -> ...}]}], so
        # the longest match is one walk back through the history, linear in its length.
        suffixes: dict[int, list] = {}
        for gram, value in table.items():
            node = suffixes.setdefault(gram[-1], [None, {}])
            for h in reversed(gram[:-1]):
                node = node[1].setdefault(h, [None, {}])
            node[0] = value
        object.__setattr__(self, "_table", table)
        object.__setattr__(self, "_suffixes", suffixes)
        object.__setattr__(self, "order", int(order) or longest)
        object.__setattr__(self, "unknown_log_prob", unknown)

    def log_prob(self, history: Sequence[int], token: int) -> float:
        """ln P(token | history) from the longest listed n-gram ending in ``token``."""
        history = _checked_labels(history, "history")
        if isinstance(token, (bool, np.bool_)) or not isinstance(token, (int, np.integer)):
            raise EngineError(f"CharNgramLM: token must be an integer label; got {shown(token)}")
        return self._log_prob_reversed(int(token), reversed(history))

    def _log_prob_reversed(self, token: int, reversed_history: Iterable[int]) -> float:
        """The same, the history given last token first (read only as far as n-grams go)."""
        node = self._suffixes.get(token)
        if node is None:
            return self.unknown_log_prob
        best = node[0]
        for h in reversed_history:
            node = node[1].get(h)
            if node is None:
                break
            if node[0] is not None:
                best = node[0]
        return self.unknown_log_prob if best is None else best

    def score(self, labels: Sequence[int]) -> float:
        """ln P_LM(labels) = sum_i ln P(l_i | l_<i)."""
        labels = _checked_labels(labels, "labels")
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
        if not isinstance(counts, Mapping):
            raise EngineError(
                "CharNgramLM.from_counts: counts must be a mapping n-gram -> count; got "
                f"{type(counts).__name__}"
            )
        totals: dict[tuple[int, ...], float] = {}
        grams: dict[tuple[int, ...], float] = {}
        for key, raw in counts.items():
            gram = _labels_of(key)
            count = _real(raw)
            # an integer count past the float range is exact (math.log takes any int)
            exact = isinstance(raw, (int, np.integer)) and count is not None and count > 0
            if not gram or count is None or not (math.isfinite(count) or exact) or count < 0:
                raise EngineError(
                    f"CharNgramLM.from_counts: expected a non-empty n-gram of integer labels "
                    f"with a count >= 0; got {shown(key)}: {shown(raw)}"
                )
            grams[gram] = int(raw) if exact else count
        # ln (c / total) = ln c - ln total, the total summed in log space: counts near the
        # float limit (1e308 + 1e308) would overflow a plain sum.
        for gram, count in grams.items():
            if count > 0:
                totals[gram[:-1]] = _lae(totals.get(gram[:-1], _NEG_INF), math.log(count))
        table = {g: math.log(c) - totals[g[:-1]] for g, c in grams.items() if c > 0}
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
        if isinstance(order, (bool, np.bool_)) or not isinstance(order, (int, np.integer)):
            raise EngineError(
                f"CharNgramLM.from_corpus: order must be an integer >= 1; got {order!r}"
            )
        if order < 1:
            raise EngineError(
                f"CharNgramLM.from_corpus: order must be an integer >= 1; got {order!r}"
            )
        if isinstance(sequences, (str, bytes)) or not isinstance(sequences, Iterable):
            raise EngineError(
                "CharNgramLM.from_corpus: sequences must be a collection of label sequences; "
                f"got {shown(sequences)}"
            )
        counts: dict[tuple[int, ...], int] = {}
        for seq in sequences:
            seq = _labels_of(seq)
            if seq is None:
                raise EngineError("CharNgramLM.from_corpus: each sequence must hold integer labels")
            for n in range(1, min(order, len(seq)) + 1):  # no longer n-gram fits
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
        if not isinstance(text, str):
            raise EngineError(
                f"CharNgramLM.from_text: text must be a str; got {type(text).__name__}"
            )
        if not isinstance(symbols, Iterable):
            raise EngineError(
                "CharNgramLM.from_text: symbols must be a sequence of single characters; "
                f"got {shown(symbols)}"
            )
        index = {}
        for k, sym in enumerate(symbols):
            if not isinstance(sym, str) or len(sym) != 1:
                raise EngineError(
                    f"CharNgramLM.from_text: symbols must be single characters; got {shown(sym)}"
                )
            index.setdefault(sym, k)
        table: dict[tuple[int, ...], float] = {}
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip() or line.startswith("#"):
                continue
            parts = line.split("\t")
            if len(parts) != 2 or not parts[0]:
                raise EngineError(
                    f"line {number}: expected 'ngram<TAB>logprob' (one tab); got {shown(line)}"
                )
            gram, value = parts
            unknown = [c for c in gram if c not in index]
            if unknown:
                raise EngineError(
                    f"line {number}: {shown(unknown[0])} is not one of the symbols {list(symbols)}"
                )
            try:
                logp = float(value)
            except ValueError:
                raise EngineError(
                    f"line {number}: logprob must be a number (natural log); got {shown(value)}"
                ) from None
            if math.isnan(logp) or logp > 0:
                raise EngineError(
                    f"line {number}: logprob must be <= 0 (a natural log); got {logp}"
                )
            key = tuple(index[c] for c in gram)
            if key in table:
                raise EngineError(f"line {number}: the n-gram {shown(gram)} is listed twice")
            table[key] = logp
        if not table:
            raise EngineError("CharNgramLM.from_text: no 'ngram<TAB>logprob' line found")
        return cls(table, unknown_log_prob=unknown_log_prob)


# --------------------------------------------------------------------------------------------
# Lexicon
# --------------------------------------------------------------------------------------------


class _Lexicon:
    """The words of a lexicon in a trie, with an optional word separator label.

    A trie node is ``[children, is_word]``, children a dict label -> node; a prefix of the
    search carries the node of its last (unfinished) word, so every test is O(1) and the trie
    is linear in the total length of the words (a set of every prefix would be quadratic).
    """

    def __init__(
        self,
        words: Iterable[Sequence[int]],
        separator: int | None,
        n_classes: int,
        blank: int,
        n_frames: int,
    ) -> None:
        if isinstance(words, (str, bytes)) or not isinstance(words, (Iterable, np.ndarray)):
            raise EngineError(
                f"lexicon: expected a collection of words (sequences of labels); got {shown(words)}"
            )
        self.root: list = [{}, False]
        self.separator = separator
        n_words = 0
        for i, raw in enumerate(words):
            word = _labels_of(raw)
            if word is None:
                seq = isinstance(raw, (Sequence, np.ndarray)) and not isinstance(raw, (str, bytes))
                what = "integer labels" if seq else "a sequence of labels"
                raise EngineError(f"lexicon[{i}]: expected {what}; got {shown(raw)}")
            for k in word:
                if not 0 <= k < n_classes or k == blank:
                    raise EngineError(
                        f"lexicon[{i}]: label {k} is not a class index in [0, {n_classes}) "
                        f"other than blank={blank}"
                    )
                if k == separator:
                    raise EngineError(f"lexicon: a word contains the separator label {separator}")
            if not word:
                continue
            n_words += 1
            # T frames spell at most T labels: deeper letters are never reached, so the trie
            # keeps the first T of each word (a longer word is never whole).
            node = self.root
            for k in word[:n_frames]:
                node = node[0].setdefault(k, [{}, False])
            if len(word) <= n_frames:
                node[1] = True
        if not n_words:
            raise EngineError("lexicon: expected at least one non-empty word")
        self._masks: dict[int, NDArray[np.bool_]] = {}

    def step(self, node: list, label: int) -> list:
        """The trie node after ``label`` (allowed from ``node``): the root after a separator."""
        return self.root if label == self.separator else node[0][label]

    def mask(self, node: list, labels: NDArray[np.int64]) -> NDArray[np.bool_]:
        """Which of ``labels`` may extend a prefix whose last word is at ``node``: the next
        letter of some word, or the separator after a complete word."""
        key = id(node)
        if key not in self._masks:
            self._masks[key] = np.array(
                [int(k) in node[0] or (int(k) == self.separator and node[1]) for k in labels],
                dtype=bool,
            )
        return self._masks[key]

    def complete(self, node: list) -> bool:
        """Does the prefix end on a whole word (or on nothing: empty, or after a separator)?"""
        return node is self.root or node[1]


class _Prefix:
    """A labelling in the trie of prefixes: its parent, its last label, its length.

    Prefixes are interned (one node per labelling: ``child`` returns the existing node), so a
    node is hashed and compared by identity in O(1), and extending a prefix costs O(1) instead
    of copying a tuple of its labels. ``labels()`` builds the tuple on demand.
    """

    __slots__ = ("_children", "depth", "label", "lex", "lm", "parent")

    def __init__(self, parent: _Prefix | None, label: int, lex: list | None) -> None:
        self.parent = parent
        self.label = label
        self.depth = 0 if parent is None else parent.depth + 1
        self.lex = lex
        self.lm: float | None = None if parent is not None else 0.0
        self._children: dict[int, _Prefix] | None = None

    def child(self, label: int, lexicon: _Lexicon | None) -> _Prefix:
        if self._children is None:
            self._children = {}
        node = self._children.get(label)
        if node is None:
            lex = lexicon.step(self.lex, label) if lexicon is not None else None
            node = self._children[label] = _Prefix(self, label, lex)
        return node

    def history(self) -> Iterable[int]:
        """The labels, last first."""
        node: _Prefix | None = self
        while node is not None and node.parent is not None:
            yield node.label
            node = node.parent

    def labels(self) -> tuple[int, ...]:
        return tuple(reversed(list(self.history())))

    def __lt__(self, other: _Prefix) -> bool:
        """Labels in increasing (lexicographic) order: walk both up to their common ancestor."""
        a, b = self, other
        a_longer = a.depth > b.depth
        while a.depth > b.depth:
            a = a.parent  # type: ignore[assignment]
        while b.depth > a.depth:
            b = b.parent  # type: ignore[assignment]
        if a is b:  # one is a prefix of the other: the shorter comes first
            return self.depth < other.depth and not a_longer
        while a.parent is not b.parent:
            a, b = a.parent, b.parent  # type: ignore[assignment]
        return a.label < b.label


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
        prefix: the labels so far (a tuple built on demand from the trie of prefixes, in
            O(length): the trace holds one node per entry, not T tuples of up to T labels).
        log_p_blank: ln p_b, alignments of frames 0..t collapsing to prefix, ending in blank.
        log_p_nonblank: ln p_nb, the same ending in the prefix's last label.
        log_total: ln (p_b + p_nb).
        lm_log_prob: ln P_LM(prefix) (0 without an LM).
        score: log_total + lm_weight * lm_log_prob, the ranking key.
    """

    node: _Prefix = field(repr=False, compare=False)
    log_p_blank: float
    log_p_nonblank: float
    log_total: float
    lm_log_prob: float
    score: float

    @property
    def prefix(self) -> tuple[int, ...]:
        return self.node.labels()


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
    for node, (pb, pnb) in beam.items():
        score = _lae(pb, pnb) + float(y[blank])
        if node.depth:
            score = _lae(score, pnb + float(y[node.label]))
        own.append(_fuse(score, weight, lm_score(node)))
    own.sort(reverse=True)
    return float(own[beam_width - 1])


def _fuse(log_total: float, weight: float, lm_log_prob: float) -> float:
    """score = ln p + weight * ln P_LM; weight 0 turns the LM off (0 x -inf counts as 0)."""
    return log_total if weight == 0 else log_total + weight * lm_log_prob


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


def greedy_decode(
    log_probs: NDArray[np.float64], blank: int
) -> tuple[NDArray[np.int64], tuple[int, ...]]:
    """Best path pi* = argmax_k y_t(k) per frame (lowest index on ties) and its collapse B(pi*).

    Args:
        log_probs: (T, C) checked log-probabilities.
        blank: the blank class.

    Returns:
        The (T,) read-only path and the labels of B(pi*) (repeats merged, blanks dropped).
    """
    path = np.argmax(log_probs, axis=1).astype(np.int64)
    path.setflags(write=False)
    new = np.ones(path.size, dtype=bool)
    new[1:] = path[1:] != path[:-1]
    return path, tuple(path[new & (path != blank)].tolist())


def _check_lm_labels(lm: CharNgramLM, n_classes: int, blank: int) -> None:
    """Every label of the LM's n-grams is a class other than the blank."""
    for gram in lm._table:
        for k in gram:
            if k == blank:
                raise EngineError(f"lm: the n-gram {gram} holds the blank {blank}")
            if not 0 <= k < n_classes:
                raise EngineError(
                    f"lm: the n-gram {gram} holds label {k}, not a class index in [0, {n_classes})"
                )


def _check_lm_scale(lm: CharNgramLM, weight: float, n_frames: int) -> None:
    """|lm_weight| x the largest finite |ln P| x T bounds |lm_weight x ln P_LM(l)| (a prefix
    has at most T labels): past float64's range the fused scores would overflow to +-inf and
    prefixes of different scores would tie. Weight 0 turns the LM off: nothing to bound."""
    if weight == 0:
        return
    worst = max([abs(lm.unknown_log_prob), *(abs(v) for v in lm._table.values() if v > _NEG_INF)])
    bound = abs(weight) * worst * n_frames
    if bound > 1e307:  # leaves room for ln p(l|x) in the sum
        raise EngineError(
            f"lm_weight: {weight:g} x the largest |ln P| of the LM ({worst:g}) x {n_frames:,} "
            f"frames is {bound:g}: the fused scores would overflow float64 (about 1.8e308); "
            "give a smaller lm_weight"
        )
    if worst * n_frames > 1e307:  # ln P_LM(l) itself, before the weight, must be a number
        raise EngineError(
            f"lm: ln P values as large as {worst:g} over {n_frames:,} frames could sum past "
            "float64's range (about 1.8e308), so a prefix's ln P_LM would be -inf; give log "
            "probabilities of a smaller magnitude"
        )


def _check_int(value, name: str, low: int) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise EngineError(f"{name} must be an integer >= {low}; got {shown(value)}")
    if value < low:
        raise EngineError(f"{name} must be an integer >= {low}; got {shown(value)}")
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
        EngineError: on a bad shape, blank, beam width, LM or lexicon (labels outside the
            classes, or the blank); when lm_weight x the largest |ln P| x T would overflow
            float64; with return_trace, when the exact p(B(pi*)|x) of the greedy labelling
            (T x (2L + 1) trellis cells) would pass MAX_TRELLIS_CELLS, before the search.

    Cost: time and memory linear in T x beam_width x C (prefixes are trie nodes, not tuples;
    ``BeamEntry.prefix`` builds its tuple on demand).

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
    return_trace = check_bool_option(return_trace, "return_trace")
    work = _beam_work(n_frames, n_classes, beam_width)
    if work > ENGINE_MAX_BEAM_EXTENSIONS:
        width = f"{beam_width:,}" if beam_width.bit_length() <= 64 else shown(beam_width)
        raise EngineError(
            f"beam_width: a beam of {width} on {n_frames:,} frames of {n_classes:,} "
            f"classes would try more than {ENGINE_MAX_BEAM_EXTENSIONS:,} prefix extensions "
            f"(the limit ENGINE_MAX_BEAM_EXTENSIONS); give a narrower beam or fewer frames"
        )
    if lm is not None and not isinstance(lm, CharNgramLM):
        raise EngineError(f"lm must be a CharNgramLM or None; got {type(lm).__name__}")
    if isinstance(lm_weight, (bool, np.bool_)) or not isinstance(
        lm_weight, (int, float, np.integer, np.floating)
    ):
        raise EngineError(f"lm_weight must be a finite number; got {shown(lm_weight)}")
    try:
        lm_weight = float(lm_weight)
    except OverflowError:  # an integer past float64's range
        raise EngineError(f"lm_weight must be a finite number; got {shown(lm_weight)}") from None
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
                f"got {shown(separator)}"
            )
    greedy, collapsed = greedy_decode(lp, blank)
    cells = n_frames * (2 * len(collapsed) + 1)
    if return_trace and cells > MAX_TRELLIS_CELLS:
        raise EngineError(
            f"the best path collapses to {len(collapsed):,} labels over {n_frames:,} frames: "
            f"its exact probability (the trace's greedy_labels_log_prob) visits {cells:,} "
            f"trellis cells, more than the limit MAX_TRELLIS_CELLS = {MAX_TRELLIS_CELLS:,}; "
            "give fewer frames (or return_trace=False)"
        )
    if lexicon is not None:
        lex = _Lexicon(lexicon, separator, n_classes, blank, n_frames)
    if lm is not None:
        _check_lm_labels(lm, n_classes, blank)
        _check_lm_scale(lm, lm_weight, n_frames)
    weight = lm_weight if lm is not None else 0.0
    labels = [k for k in range(n_classes) if k != blank]

    def lm_score(node: _Prefix) -> float:
        """ln P_LM of a prefix, kept on its node (its parent's is always known by then)."""
        if lm is None:
            return 0.0
        if node.lm is None:
            parent = node.parent
            assert parent is not None  # the root's is 0
            node.lm = lm_score(parent) + lm._log_prob_reversed(node.label, parent.history())
        return node.lm

    # prefix -> [ln p_b, ln p_nb]; before any frame only the empty prefix, with p_b = 1.
    # Prefixes are nodes of a trie (see _Prefix): O(1) to extend, hash and compare.
    root = _Prefix(None, -1, lex.root if lex is not None else None)
    beam: dict[_Prefix, list[float]] = {root: [0.0, _NEG_INF]}
    label_arr = np.array(labels, dtype=np.int64)
    position = {k: j for j, k in enumerate(labels)}
    frames: list[tuple[BeamEntry, ...]] = []
    candidates: list[int] = []
    for t in range(n_frames):
        y = lp[t]
        y_list = y.tolist()
        y_labels = y[label_arr]
        threshold = _threshold(beam, y, blank, beam_width, weight, lm_score)
        children: dict[_Prefix, list[int]] = {}
        for node in beam:
            if node.parent is not None:
                children.setdefault(node.parent, []).append(position[node.label])
        nxt: dict[_Prefix, list[float]] = {}
        n_new = n_kept_new = 0
        for node, (pb, pnb) in beam.items():
            total = _lae(pb, pnb)
            here = nxt.setdefault(node, [_NEG_INF, _NEG_INF])
            here[0] = _lae(here[0], total + y_list[blank])
            source = np.full(label_arr.size, total)
            if node.depth:
                here[1] = _lae(here[1], pnb + y_list[node.label])  # a repeat merges
                source[position[node.label]] = pb  # a new, repeated label needs a blank between
            # ln y near -1e308 may overflow to -inf (a probability of 0 in float64 anyway)
            with np.errstate(invalid="ignore", over="ignore"):
                ext = source + y_labels
            ok = ext > _NEG_INF
            if lex is not None:
                ok &= lex.mask(node.lex, label_arr)
            in_beam = np.zeros(label_arr.size, dtype=bool)
            in_beam[children.get(node, [])] = True
            n_new += int(np.count_nonzero(ok & ~in_beam))
            # A child not in the beam has one parent, so its score is ext + weight * ln P_LM
            # <= ext + weight * ln P_LM(prefix): below the threshold it cannot be kept.
            with np.errstate(invalid="ignore", over="ignore"):
                bound = ext if weight == 0 else ext + weight * lm_score(node)
                keep = ok & (in_beam | (bound >= threshold))
            n_kept_new += int(np.count_nonzero(keep & ~in_beam))
            for j in np.flatnonzero(keep):
                child = nxt.setdefault(node.child(labels[j], lex), [_NEG_INF, _NEG_INF])
                child[1] = _lae(child[1], float(ext[j]))
        entries = []
        for node, (pb, pnb) in nxt.items():
            total = _lae(pb, pnb)
            if total == _NEG_INF:
                continue
            lm_lp = lm_score(node)
            entries.append(BeamEntry(node, pb, pnb, total, lm_lp, _fuse(total, weight, lm_lp)))
        candidates.append(len(entries) - n_kept_new + n_new)
        entries.sort(key=lambda e: (-e.score, e.node))
        kept = tuple(entries[:beam_width])
        frames.append(kept)
        beam = {e.node: [e.log_p_blank, e.log_p_nonblank] for e in kept}
    final = frames[-1]
    if lex is not None:
        final = tuple(e for e in final if lex.complete(e.node.lex))
    hypotheses = [Hypothesis(e.prefix, e.score) for e in final]
    if not return_trace:
        return hypotheses
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
    # log_probs are finite or -inf (any size, as torchaudio takes them): a path's sum past
    # the float range is ±inf, its rounded value
    with np.errstate(over="ignore"):
        greedy_path_lp = float(np.sum(lp[np.arange(n_frames), greedy]))
    return BeamSearchTrace(
        frames=tuple(frames),
        candidates=tuple(candidates),
        hypotheses=tuple(hypotheses),
        greedy_path=greedy,
        greedy_path_log_prob=greedy_path_lp,
        greedy_labels=collapsed,
        greedy_labels_log_prob=greedy_lab_lp,
        beam_width=beam_width,
        lm_weight=weight,
    )
