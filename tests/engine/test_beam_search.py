"""Tests for CTC prefix beam search, its n-gram LM and lexicon, against references written here.

References: brute force over all C^T label sequences grouped by their collapse (the exact
probability of every labelling, and of every prefix split by its last symbol at every frame),
an LM score computed here from the n-gram table by hand, and hand-worked cases.
"""

from __future__ import annotations

import doctest
import itertools
import math
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest
import yaml

import rnnloss_cli.engine.beam_search as bs
from rnnloss_cli.engine.beam_search import CharNgramLM, ctc_beam_search
from rnnloss_cli.engine.errors import EngineError

WIDE = 100_000


def collapse_ref(seq, blank):
    return tuple(k for k, _ in itertools.groupby(seq) if k != blank)


def exact_labellings(probs: np.ndarray, blank: int) -> dict[tuple, float]:
    """p(l|x) for every labelling l, by summing the C^T paths grouped by collapse."""
    out: dict[tuple, float] = defaultdict(float)
    n_frames, n_classes = probs.shape
    for path in itertools.product(range(n_classes), repeat=n_frames):
        out[collapse_ref(path, blank)] += math.prod(probs[t, k] for t, k in enumerate(path))
    return dict(out)


def random_probs(seed: int, n_frames: int, n_classes: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((n_frames, n_classes)) * 1.5
    return np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)


@pytest.mark.parametrize(("seed", "n_frames", "n_classes", "blank"), [
    (0, 1, 3, 0), (1, 3, 3, 0), (2, 4, 3, 2), (3, 5, 3, 1), (4, 4, 4, 0), (5, 6, 2, 0),
])  # fmt: skip
def test_wide_beam_gives_every_exact_labelling_probability(seed, n_frames, n_classes, blank):
    probs = random_probs(seed, n_frames, n_classes)
    exact = exact_labellings(probs, blank)
    hyps = ctc_beam_search(np.log(probs), WIDE, blank)
    assert {h.labels for h in hyps} == set(exact)
    for labels, log_prob in hyps:
        assert log_prob == pytest.approx(math.log(exact[labels]), abs=1e-12), labels
    scores = [h.log_prob for h in hyps]
    assert scores == sorted(scores, reverse=True)


def test_blank_and_nonblank_splits_match_brute_force_at_every_frame():
    probs = random_probs(7, 4, 3)
    blank = 0
    tr = ctc_beam_search(np.log(probs), WIDE, blank, return_trace=True)
    for t in range(4):
        ends_blank: dict[tuple, float] = defaultdict(float)
        ends_label: dict[tuple, float] = defaultdict(float)
        for path in itertools.product(range(3), repeat=t + 1):
            p = math.prod(probs[i, k] for i, k in enumerate(path))
            (ends_blank if path[-1] == blank else ends_label)[collapse_ref(path, blank)] += p
        seen = {e.prefix for e in tr.frames[t]}
        assert seen == set(ends_blank) | set(ends_label)
        for e in tr.frames[t]:
            assert math.exp(e.log_p_blank) == pytest.approx(
                ends_blank.get(e.prefix, 0.0), abs=1e-15
            )
            assert math.exp(e.log_p_nonblank) == pytest.approx(
                ends_label.get(e.prefix, 0.0), abs=1e-15
            )
        assert tr.candidates[t] == len(seen)


def test_best_path_collapse_is_not_the_best_labelling():
    # Classes (-, a), y = (.6, .4) at both frames. Best path "- -" (.36) collapses to "", but
    # p(a) = a a .16 + a - .24 + - a .24 = .64.
    lp = np.log([[0.6, 0.4], [0.6, 0.4]])
    tr = ctc_beam_search(lp, 2, return_trace=True)
    assert tr.greedy_path.tolist() == [0, 0]
    assert tr.greedy_labels == ()
    assert math.exp(tr.greedy_path_log_prob) == pytest.approx(0.36)
    assert math.exp(tr.greedy_labels_log_prob) == pytest.approx(0.36)
    assert [h.labels for h in tr.hypotheses] == [(1,), ()]
    assert math.exp(tr.hypotheses[0].log_prob) == pytest.approx(0.64)

    # Frame 0: "" has p_b = .6; "a" has p_nb = .4.
    # Frame 1: "a": p_b = .4 * .6 = .24, p_nb = .4 * .4 + .6 * .4 = .40; "": p_b = .36.
    def table(frame):
        return [(e.prefix, math.exp(e.log_p_blank), math.exp(e.log_p_nonblank)) for e in frame]

    assert table(tr.frames[0]) == [((), 0.6, 0.0), ((1,), 0.0, pytest.approx(0.4))]
    assert table(tr.frames[1]) == [
        ((1,), pytest.approx(0.24), pytest.approx(0.40)),
        ((), pytest.approx(0.36), 0.0),
    ]


def test_narrow_beam_prunes_to_the_best_prefixes():
    # Classes (-, a, b). Frame 0: (.5, .3, .2); frame 1: (.1, .1, .8).
    # After frame 0 with width 2: "" (.5) and "a" (.3); "b" (.2) is pruned.
    # Frame 1 from "": "b" gets .5 * .8 = .40, "a" gets .5 * .1 = .05, "" keeps .05;
    # from "a": "ab" .3 * .8 = .24, "a" .3 * (.1 + .1) = .06. Totals: b .40, ab .24, a .11,
    # "" .05. (Exact p(b) would add the pruned b b = .2 * .8 and b - = .2 * .1: .58.)
    lp = np.log([[0.5, 0.3, 0.2], [0.1, 0.1, 0.8]])
    tr = ctc_beam_search(lp, 2, return_trace=True)
    assert [e.prefix for e in tr.frames[0]] == [(), (1,)]
    # Candidates: frame 0 "", a, b; frame 1 "", a, b, ab ("aa" would need "a" to end in blank
    # after frame 0, which has probability 0).
    assert tr.candidates == (3, 4)
    hyps = [(h.labels, round(math.exp(h.log_prob), 10)) for h in tr.hypotheses]
    assert hyps == [((2,), 0.40), ((1, 2), 0.24)]


def test_one_frame_beam_is_the_classes_sorted():
    lp = np.log([[0.2, 0.5, 0.3]])
    hyps = ctc_beam_search(lp, 3)
    assert [h.labels for h in hyps] == [(1,), (2,), ()]
    np.testing.assert_allclose([math.exp(h.log_prob) for h in hyps], [0.5, 0.3, 0.2])


# ---------------------------------------------------------------------------------------------
# Language model
# ---------------------------------------------------------------------------------------------


def test_lm_from_counts_is_conditional_maximum_likelihood():
    # Unigrams a: 3, b: 1 -> P(a) = 3/4; bigrams a b: 2, a a: 1 -> P(b | a) = 2/3.
    lm = CharNgramLM.from_counts({(1,): 3, (2,): 1, (1, 2): 2, (1, 1): 1})
    assert math.exp(lm.log_prob((), 1)) == pytest.approx(0.75)
    assert math.exp(lm.log_prob((1,), 2)) == pytest.approx(2 / 3)
    # No bigram starting with b: back off to the unigram P(a) = 3/4.
    assert math.exp(lm.log_prob((2,), 1)) == pytest.approx(0.75)
    # Unlisted token: the floor.
    assert lm.log_prob((), 3) == bs.UNKNOWN_LOG_PROB
    assert lm.score((1, 2)) == pytest.approx(math.log(0.75) + math.log(2 / 3))


def test_lm_from_corpus_counts_every_ngram():
    # "aab": unigrams a 2, b 1; bigrams aa 1, ab 1 -> P(b | a) = 1/2, P(b) = 1/3.
    lm = CharNgramLM.from_corpus([(1, 1, 2)], order=2)
    assert math.exp(lm.log_prob((1,), 2)) == pytest.approx(0.5)
    assert math.exp(lm.log_prob((), 2)) == pytest.approx(1 / 3)


def test_lm_from_text():
    text = "# a comment\n\na\t-0.5\nab\t-0.25\n b\t-2\n"
    lm = CharNgramLM.from_text(text, ["-", "a", "b", " "])
    assert lm.log_prob((), 1) == -0.5
    assert lm.log_prob((2, 1), 2) == -0.25  # longest match: "ab"
    assert lm.log_prob((3,), 2) == -2.0
    assert lm.order == 2


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("a -0.5\n", "line 1: expected 'ngram<TAB>logprob'"),
        ("a\t-0.5\nz\t-1\n", "line 2: 'z' is not one of the symbols"),
        ("a\tx\n", "line 1: logprob must be a number"),
        ("a\t0.5\n", "line 1: logprob must be <= 0"),
        ("# only a comment\n", "no 'ngram<TAB>logprob' line"),
    ],
)
def test_lm_text_errors_name_the_line(text, match):
    with pytest.raises(EngineError, match=match):
        CharNgramLM.from_text(text, ["-", "a", "b"])


def test_shallow_fusion_scores_every_labelling_exactly():
    probs = random_probs(11, 4, 3)
    exact = exact_labellings(probs, 0)
    table = {(1,): math.log(0.7), (2,): math.log(0.3), (1, 2): math.log(0.9), (2, 2): -3.0}
    lm = CharNgramLM(table)

    def lm_ref(labels):  # longest listed n-gram, else the floor, summed over positions
        total = 0.0
        for i, k in enumerate(labels):
            if i > 0 and (labels[i - 1], k) in table:
                total += table[(labels[i - 1], k)]
            else:
                total += table.get((k,), bs.UNKNOWN_LOG_PROB)
        return total

    hyps = ctc_beam_search(np.log(probs), WIDE, 0, lm=lm, lm_weight=0.5)
    assert {h.labels for h in hyps} == set(exact)
    for labels, score in hyps:
        assert score == pytest.approx(math.log(exact[labels]) + 0.5 * lm_ref(labels), abs=1e-12)


def test_lm_can_overturn_the_acoustic_choice():
    # The classic case: p(a) = .64 > p("") = .36. An LM with P(a) = 1/4 and weight 1 gives
    # a: ln .64 + ln .25 = ln .16 < ln .36: "" wins.
    lp = np.log([[0.6, 0.4], [0.6, 0.4]])
    lm = CharNgramLM({(1,): math.log(0.25)})
    hyps = ctc_beam_search(lp, 4, lm=lm, lm_weight=1.0)
    assert [h.labels for h in hyps] == [(), (1,)]
    assert math.exp(hyps[1].log_prob) == pytest.approx(0.16)


# ---------------------------------------------------------------------------------------------
# Lexicon
# ---------------------------------------------------------------------------------------------


def test_lexicon_keeps_exact_probabilities_of_whole_words():
    probs = random_probs(13, 4, 3)
    exact = exact_labellings(probs, 0)
    words = [(1, 2), (2,), (2, 1, 1)]
    hyps = ctc_beam_search(np.log(probs), WIDE, 0, lexicon=words)
    allowed = {w for w in words if w in exact} | {()}
    assert {h.labels for h in hyps} == allowed
    for labels, log_prob in hyps:
        assert log_prob == pytest.approx(math.log(exact[labels]), abs=1e-12)


def test_lexicon_with_separator_allows_word_sequences_only():
    # Classes (-, a, b, space=3); words a, ba.
    probs = random_probs(17, 5, 4)
    exact = exact_labellings(probs, 0)
    words = {(1,), (2, 1)}

    def ok(labels):  # words joined by single spaces, an optional trailing space
        parts, cur = [], []
        for k in labels:
            if k == 3:
                parts.append(tuple(cur))
                cur = []
            else:
                cur.append(k)
        return all(p in words for p in parts) and (not cur or tuple(cur) in words)

    hyps = ctc_beam_search(np.log(probs), WIDE, 0, lexicon=words, separator=3)
    assert {h.labels for h in hyps} == {lab for lab in exact if ok(lab)}
    for labels, log_prob in hyps:
        assert log_prob == pytest.approx(math.log(exact[labels]), abs=1e-12)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"beam_width": 0}, "beam_width must be an integer >= 1"),
        ({"beam_width": 2.5}, "beam_width must be an integer"),
        ({"blank": 5}, "blank"),
        ({"separator": 2}, "separator needs a lexicon"),
        ({"separator": 0, "lexicon": [(1,)]}, "other than blank"),
        ({"lexicon": []}, "at least one non-empty word"),
        ({"lm": {"a": 1}}, "lm must be a CharNgramLM"),
        ({"lm_weight": float("nan")}, "lm_weight must be a finite"),
    ],
)
def test_bad_arguments_are_engine_errors(kwargs, match):
    with pytest.raises(EngineError, match=match):
        ctc_beam_search(np.log([[0.5, 0.25, 0.25]]), **kwargs)


def test_bad_log_probs_are_engine_errors():
    with pytest.raises(EngineError, match=r"shape \(T, C\)"):
        ctc_beam_search(np.zeros(3))
    with pytest.raises(EngineError, match="finite or -inf"):
        ctc_beam_search(np.array([[np.inf, 0.0]]))


def test_docstring_examples():
    assert doctest.testmod(bs, optionflags=doctest.ELLIPSIS).failed == 0


PENDING = Path(__file__).resolve().parents[2] / "problems"


def test_pending_problem_key_holds():
    # The hand-worked key of problems/ctc-decode-beam-vs-greedy.yaml.
    doc = yaml.safe_load(
        (
            Path(__file__).resolve().parents[2] / "problems" / "ctc-decode-beam-vs-greedy.yaml"
        ).read_text()
    )
    symbols = doc["symbols"]
    lp = np.log(np.array(doc["emissions"], dtype=float))
    tr = ctc_beam_search(lp, doc["beam"], symbols.index(doc["blank"]), return_trace=True)
    answer = doc["answer"]
    assert "".join(symbols[k] for k in tr.greedy_labels) == answer["greedy"]
    assert math.exp(tr.greedy_labels_log_prob) == pytest.approx(answer["greedy_prob"], abs=5e-5)
    best = tr.hypotheses[0]
    assert "".join(symbols[k] for k in best.labels) == answer["beam"]
    assert math.exp(best.log_prob) == pytest.approx(answer["beam_prob"], abs=5e-5)


def reference_beam(probs, width, blank, lm_table=None, weight=0.0, *, lm_score=None, allowed=None):
    """A plain prefix beam search in probability space: every extension, then sort and cut.

    ``lm_score(labels)`` replaces the bigram table's score; ``allowed(labels)`` (a lexicon)
    says which extensions may be made.
    """
    n_frames, n_classes = probs.shape

    def ok(labels):
        return allowed is None or allowed(labels)

    def lm(labels):
        if lm_score is not None:
            return lm_score(labels)
        if lm_table is None:
            return 0.0
        total = 0.0
        for i, k in enumerate(labels):
            if i > 0 and (labels[i - 1], k) in lm_table:
                total += lm_table[(labels[i - 1], k)]
            else:
                total += lm_table.get((k,), bs.UNKNOWN_LOG_PROB)
        return total

    beam = {(): (1.0, 0.0)}
    frames = []
    for t in range(n_frames):
        nxt = defaultdict(lambda: [0.0, 0.0])
        for prefix, (pb, pnb) in beam.items():
            nxt[prefix][0] += (pb + pnb) * probs[t, blank]
            for k in range(n_classes):
                if k == blank:
                    continue
                if prefix and k == prefix[-1]:
                    nxt[prefix][1] += pnb * probs[t, k]
                    if ok(prefix + (k,)):
                        nxt[prefix + (k,)][1] += pb * probs[t, k]
                elif ok(prefix + (k,)):
                    nxt[prefix + (k,)][1] += (pb + pnb) * probs[t, k]
        scored = [
            (math.log(pb + pnb) + weight * lm(p), p, pb, pnb)
            for p, (pb, pnb) in nxt.items()
            if pb + pnb > 0
        ]
        scored.sort(key=lambda e: (-e[0], e[1]))
        frames.append((len(scored), [(p, s) for s, p, _, _ in scored[:width]]))
        beam = {p: (pb, pnb) for _, p, pb, pnb in scored[:width]}
    return frames


@pytest.mark.parametrize("seed", range(12))
def test_narrow_beams_match_a_plain_reference(seed):
    # The engine skips extensions that cannot enter the beam; the reference tries them all.
    rng = np.random.default_rng(seed)
    n_classes = int(rng.integers(3, 6))
    probs = random_probs(100 + seed, int(rng.integers(2, 7)), n_classes)
    width = int(rng.integers(1, 6))
    table, weight = None, 0.0
    if seed % 3 == 1:
        table = {(1,): -0.2, (2,): -1.5, (1, 2): -0.1, (2, 1): -3.0}
        weight = 0.7
    elif seed % 3 == 2:
        table = {(1,): -0.2, (2,): -1.5}
        weight = -0.4  # a negative weight: no pruning bound, same answer
    ref = reference_beam(probs, width, 0, table, weight)
    lm = CharNgramLM(table) if table else None
    tr = ctc_beam_search(np.log(probs), width, 0, lm=lm, lm_weight=weight, return_trace=True)
    for t, (count, kept) in enumerate(ref):
        assert tr.candidates[t] == count
        assert [e.prefix for e in tr.frames[t]] == [p for p, _ in kept]
        np.testing.assert_allclose(
            [e.score for e in tr.frames[t]], [s for _, s in kept], atol=1e-12
        )
