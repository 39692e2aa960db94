"""Hostile arguments to the CTC prefix beam search, its n-gram LM and its lexicon.

Every bad argument is an EngineError (never a TypeError, a ValueError or a numpy warning),
every extreme but valid one gives the exact answer (checked by brute force over all C^T
label sequences grouped by their collapse), and long inputs cost time and memory linear in
their length.
"""

from __future__ import annotations

import itertools
import math
import tracemalloc
import warnings
from collections import defaultdict

import numpy as np
import pytest

from rnnloss_cli.engine.beam_search import CharNgramLM, ctc_beam_search
from rnnloss_cli.engine.errors import EngineError
from tests.engine.test_beam_search import reference_beam

LP = np.log([[0.5, 0.3, 0.2], [0.1, 0.1, 0.8]])


def exact_labellings(probs: np.ndarray, blank: int) -> dict[tuple, float]:
    """p(l|x) for every labelling l: the C^T paths summed by their collapse."""
    out: dict[tuple, float] = defaultdict(float)
    n_frames, n_classes = probs.shape
    for path in itertools.product(range(n_classes), repeat=n_frames):
        labels = tuple(k for k, _ in itertools.groupby(path) if k != blank)
        out[labels] += math.prod(probs[t, k] for t, k in enumerate(path))
    return dict(out)


@pytest.fixture(autouse=True)
def _warnings_are_errors():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


# ---------------------------------------------------------------------------------- overflow


def test_log_probs_near_the_float_limit_give_no_warning():
    # ln y = -1e308 for the labels of frame 1, and every class of frame 2: -1e308 + -1e308
    # overflows to -inf (a probability of 0 in float64), which is what it is; no warning.
    lp = np.array([[-1e308, -1e308, 0.0], [-1e308, -1e308, -1e308]])
    hyps = ctc_beam_search(lp, 3)
    # Frame 1 puts all its mass on class 2; every path then has ln p <= -1e308.
    assert hyps[0].labels == (2,)


def test_a_huge_negative_lm_weight_is_refused_not_nan():
    # weight -1e308 times ln P = -1e308 would be +inf (and +inf - inf = nan on the way):
    # refused as an EngineError, with no numpy warning.
    lm = CharNgramLM({(1,): -1e308})
    with pytest.raises(EngineError, match="lm_weight"):
        ctc_beam_search(LP, 3, lm=lm, lm_weight=-1e308)


def test_lm_weight_zero_ignores_an_impossible_ngram():
    # ln P(a) = -inf (a forbidden) with lambda = 0: 0 x -inf must count as 0 (the LM is off),
    # not nan. Frame probabilities (-, a, b) = (.5, .3, .2), (.1, .1, .8):
    #   b: .5*.8 + .2*.8 + .2*.1 = .58;  ab: .3*.8 = .24;  a: .3*.1 + .3*.1 + .5*.1 = .11
    #   "": .5*.1 = .05;  ba: .2*.1 = .02  (sum 1)
    lm = CharNgramLM({(1,): -math.inf})
    hyps = ctc_beam_search(LP, 10, lm=lm, lm_weight=0.0)
    got = [(h.labels, round(math.exp(h.log_prob), 12)) for h in hyps]
    assert got == [((2,), 0.58), ((1, 2), 0.24), ((1,), 0.11), ((), 0.05), ((2, 1), 0.02)]


# ---------------------------------------------------------------------------------- lexicon


@pytest.mark.parametrize(
    ("lexicon", "match"),
    [
        ([(5,)], r"lexicon\[0\]: label 5 is not a class index in \[0, 3\) other than blank"),
        ([(1,), (-1,)], r"lexicon\[1\]: label -1"),
        ([(0, 1)], r"lexicon\[0\]: label 0 .*other than blank=0"),
        ([(1.5,)], r"lexicon\[0\]: expected integer labels"),
        ([(float("nan"),)], r"lexicon\[0\]: expected integer labels"),
        ([(True,)], r"lexicon\[0\]: expected integer labels"),
        ("ab", "lexicon: expected a collection of words"),
        ([1, 2], r"lexicon\[0\]: expected a sequence of labels"),
        ([None], r"lexicon\[0\]: expected a sequence of labels"),
        ([(1,), "b"], r"lexicon\[1\]: expected a sequence of labels"),
    ],
)
def test_bad_lexicon_words_are_engine_errors(lexicon, match):
    with pytest.raises(EngineError, match=match):
        ctc_beam_search(LP, 3, lexicon=lexicon)


def test_a_numpy_lexicon_is_accepted():
    # Rows of an int array are words: (1, 2) = "ab", p(ab|x) = .3 * .8 = .24.
    hyps = ctc_beam_search(LP, 3, lexicon=np.array([[1, 2]]))
    assert [h.labels for h in hyps] == [(1, 2), ()]
    assert math.exp(hyps[0].log_prob) == pytest.approx(0.24)


def test_a_long_lexicon_word_costs_linear_memory():
    # One word of 200,000 labels: a set of its prefixes would hold 2 x 10^10 labels.
    word = (1,) * 200_000
    tracemalloc.start()
    try:
        hyps = ctc_beam_search(LP, 3, lexicon=[word, (2,)])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 200 * 2**20
    assert [h.labels for h in hyps] == [(2,), ()]


# ---------------------------------------------------------------------------------- LM


@pytest.mark.parametrize(
    ("lm", "match"),
    [
        ({(7,): -1.0}, r"lm: the n-gram \(7,\) holds label 7, not a class index in \[0, 3\)"),
        ({(-1,): -1.0}, r"lm: the n-gram \(-1,\) holds label -1"),
        ({(1, 0): -1.0}, r"lm: the n-gram \(1, 0\) holds the blank 0"),
    ],
)
def test_lm_labels_outside_the_classes_are_engine_errors(lm, match):
    with pytest.raises(EngineError, match=match):
        ctc_beam_search(LP, 3, lm=CharNgramLM(lm))


@pytest.mark.parametrize(
    ("build", "match"),
    [
        (lambda: CharNgramLM({"ab": -1.0}), "n-gram must be a sequence of integer labels"),
        (lambda: CharNgramLM({(1.5,): -1.0}), "n-gram must be a sequence of integer labels"),
        (lambda: CharNgramLM({(1,): "x"}), r"ln P of \(1,\) must be a log-probability"),
        (lambda: CharNgramLM(None), "log_probs must be a mapping"),
        (lambda: CharNgramLM({(1,): -1.0}, order=2.5), "order must be an integer"),
        (lambda: CharNgramLM({(1,): -1.0}, order=-3), "order must be an integer"),
        (lambda: CharNgramLM({(1,): -1.0}, unknown_log_prob="x"), "unknown_log_prob must be"),
        (lambda: CharNgramLM.from_counts({(1,): "3"}), "from_counts: expected"),
        (lambda: CharNgramLM.from_text(b"a\t-1", ["-", "a"]), "from_text: text must be a str"),
    ],
)
def test_bad_lm_arguments_are_engine_errors(build, match):
    with pytest.raises(EngineError, match=match):
        build()


def test_from_counts_with_huge_counts_is_exact():
    # Counts 1e308 and 1e308: their sum overflows, but P = 1/2 each.
    lm = CharNgramLM.from_counts({(1,): 1e308, (2,): 1e308})
    assert lm.log_prob((), 1) == pytest.approx(math.log(0.5))


def test_from_corpus_with_a_huge_order_keeps_the_ngrams_that_exist():
    # Order 10^8 over a two-label corpus: only n-grams of length <= 2 exist.
    lm = CharNgramLM.from_corpus([(1, 2)], order=10**8)
    # "ab": unigrams a 1, b 1 -> P(b) = 1/2; bigram ab 1 -> P(b | a) = 1.
    assert lm.order == 2
    assert lm.log_prob((1,), 2) == 0.0


def test_a_long_ngram_lookup():
    # One n-gram of 100,001 a's: looking up P(a | 10^5 a's) must not build 10^5 tuples.
    lm = CharNgramLM({(1,) * 100_001: -0.5, (1,): -1.0})
    for _ in range(20):
        assert lm.log_prob((1,) * 100_000, 1) == -0.5
        assert lm.log_prob((2,) + (1,) * 99_999, 1) == -1.0


# ---------------------------------------------------------------------------------- long inputs


def alternating(n_frames: int) -> np.ndarray:
    """Classes (-, a, b): frames alternate a and b, each at 1 - 2e-9 (the rest 1e-9), so the
    best labelling is abab... of n_frames labels (dropping one of them costs a factor of about
    1e-9 per frame, and there are only n_frames places to drop it)."""
    rows = np.array([[1e-9, 1 - 2e-9, 1e-9], [1e-9, 1e-9, 1 - 2e-9]])
    return np.log(rows[np.arange(n_frames) % 2])


def test_long_prefixes_cost_linear_time_and_memory():
    # 4,000 frames, beam 2: prefixes reach 4,000 labels. Held as whole tuples, the search
    # peaked at 63 MiB here (quadratic: 20,000 frames took 22 s and 1.2 GB); as a tree of
    # shared nodes, 3 MiB (the time is measured, not timed here).
    n_frames = 4_000
    tracemalloc.start()
    try:
        hyps = ctc_beam_search(alternating(n_frames), 2)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 16 * 2**20
    assert hyps[0].labels == (1, 2) * (n_frames // 2)


def test_the_greedy_labelling_too_long_for_exact_ctc_is_refused_at_once():
    # The trace holds p(B(pi*)|x), exact CTC over T x (2L + 1) cells: 20,000 frames and a
    # greedy labelling of 20,000 labels is 8 x 10^8 cells, more than MAX_TRELLIS_CELLS.
    with pytest.raises(EngineError, match="MAX_TRELLIS_CELLS"):
        ctc_beam_search(alternating(20_000), 2, return_trace=True)


@pytest.mark.parametrize("seed", range(6))
def test_ties_are_broken_by_labels_with_the_trie(seed):
    # Uniform frames make many scores equal: the order must still be (score, labels).
    rng = np.random.default_rng(seed)
    n_frames, n_classes = int(rng.integers(2, 5)), int(rng.integers(2, 4))
    lp = np.log(np.full((n_frames, n_classes), 1.0 / n_classes))
    exact = exact_labellings(np.exp(lp), 0)
    hyps = ctc_beam_search(lp, 10_000, 0)
    want = sorted(exact, key=lambda lab: (-round(math.log(exact[lab]), 9), lab))
    got = [h.labels for h in hyps]
    assert sorted(got) == sorted(want)
    # the same scores, then labels in increasing order among equal ones
    for a, b in itertools.pairwise(hyps):
        if abs(a.log_prob - b.log_prob) < 1e-12:
            assert a.labels < b.labels or a.log_prob > b.log_prob
        else:
            assert a.log_prob > b.log_prob


# ---------------------------------------------------------------------------------- reference


def _allowed(labels: tuple, words: set, separator) -> bool:
    """Is labels a prefix of words joined by the separator (checked on the whole tuple)?"""
    cur: list = []
    for k in labels:
        if separator is not None and k == separator:
            if tuple(cur) not in words:
                return False
            cur = []
        else:
            cur.append(k)
    last = tuple(cur)
    return any(w[: len(last)] == last for w in words)


def _complete(labels: tuple, words: set, separator) -> bool:
    if not labels:
        return True
    last = labels
    if separator is not None and separator in labels:
        cut = len(labels) - 1 - labels[::-1].index(separator)
        last = labels[cut + 1 :]
    return not last or last in words


def _reference(probs, width, blank, words=None, separator=None, table=None, weight=0.0):
    """The plain prefix beam search of test_beam_search over whole tuples, with the lexicon
    deciding the extensions and the LM by longest listed n-gram; the last frame's complete
    words."""

    def lm(labels):
        total = 0.0
        for i in range(len(labels)):
            best = -10.0
            for n in range(1, i + 2):
                gram = tuple(labels[i - n + 1 : i + 1])
                if table is not None and gram in table:
                    best = table[gram]
            total += best
        return total if table is not None else 0.0

    def ok(labels):
        return _allowed(labels, words, separator)

    runs = reference_beam(
        probs,
        width,
        blank,
        weight=weight,
        lm_score=lm if table is not None else None,
        allowed=ok if words is not None else None,
    )
    frames = [kept for _, kept in runs]
    final = [(p, s) for p, s in frames[-1] if words is None or _complete(p, words, separator)]
    return frames, final


@pytest.mark.parametrize("seed", range(24))
def test_narrow_beams_with_lexicon_and_lm_match_a_plain_reference(seed):
    rng = np.random.default_rng(1000 + seed)
    n_classes = int(rng.integers(3, 6))
    n_frames = int(rng.integers(1, 7))
    z = rng.standard_normal((n_frames, n_classes)) * 1.5
    probs = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    width = int(rng.integers(1, 6))
    labels = list(range(1, n_classes))
    separator = labels[-1] if seed % 2 and n_classes > 3 else None
    letters = [k for k in labels if k != separator]
    words = {
        tuple(int(k) for k in rng.choice(letters, size=int(rng.integers(1, 4))))
        for _ in range(int(rng.integers(1, 5)))
    }
    table = None
    weight = 0.0
    if seed % 3:
        table = {(k,): -float(rng.uniform(0.1, 3)) for k in labels}
        table[(letters[0], letters[-1])] = -0.05
        weight = float(rng.choice([0.0, 0.5, 1.5]))
    frames, final = _reference(probs, width, 0, words, separator, table, weight)
    lm = CharNgramLM(table) if table else None
    tr = ctc_beam_search(
        np.log(probs), width, 0, lm=lm, lm_weight=weight, lexicon=words, separator=separator,
        return_trace=True,
    )  # fmt: skip
    for t, kept in enumerate(frames):
        assert [e.prefix for e in tr.frames[t]] == [p for p, _ in kept], t
        np.testing.assert_allclose([e.score for e in tr.frames[t]], [s for _, s in kept])
    assert [h.labels for h in tr.hypotheses] == [p for p, _ in final]


def test_an_lm_weight_that_would_overflow_the_scores_is_refused():
    # 1e308 x ln P = -0.1 x 2 frames would be -2e307 for "aa"-like prefixes, but with the
    # unknown floor (-10) the scores of b and ab are -1e309 and -1.01e309: both -inf in
    # float64, so their order would be lost. Refused before the search.
    lm = CharNgramLM({(1,): -0.1})
    with pytest.raises(EngineError, match="lm_weight"):
        ctc_beam_search(LP, 3, lm=lm, lm_weight=1e308)
    # a large weight that cannot overflow still runs: 1e300 x 10 x 2 = 2e301
    assert ctc_beam_search(LP, 3, lm=lm, lm_weight=1e300)[0].labels == ()


def test_from_text_refuses_an_ngram_listed_twice():
    # The second line would silently replace the first: which one the author meant is unknown.
    with pytest.raises(EngineError, match="line 3: the n-gram 'a' is listed twice"):
        CharNgramLM.from_text("a\t-1\n# c\na\t-2\n", ["-", "a"])


def test_an_lm_turned_off_by_weight_zero_is_not_refused_for_its_size():
    # lm_weight 0: the LM is off (0 × −inf would be NaN), so its size cannot overflow a score;
    # three uniform frames over (-, a, b): the best labelling is a single label or empty
    lp = [[math.log(1 / 3)] * 3] * 3
    hyps = ctc_beam_search(lp, 2, lm=CharNgramLM({(1,): -1e308}), lm_weight=0.0)
    assert hyps
