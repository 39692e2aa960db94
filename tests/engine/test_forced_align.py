"""Tests for CTC forced alignment (Viterbi), against references written here.

References: brute force over all C^T label sequences (the best alignment is the max over those
that collapse to the target; p(l|x) their sum), hand-worked cases with the arithmetic in
comments, and torchaudio.functional.forced_align when installed (skipped otherwise).
"""

from __future__ import annotations

import doctest
import itertools
import math
from pathlib import Path

import numpy as np
import pytest
import yaml

import rnnloss_cli.engine.forced_align as fa
from rnnloss_cli.engine.errors import EngineError
from rnnloss_cli.engine.forced_align import ctc_forced_align, ctc_viterbi_trace


def collapse_ref(seq, blank):
    return tuple(k for k, _ in itertools.groupby(seq) if k != blank)


def brute_force(lp: np.ndarray, target, blank: int):
    """(best path, its log-prob, log of the sum over all paths) by enumerating C^T paths."""
    n_frames, n_classes = lp.shape
    target = tuple(int(k) for k in target)
    best, best_lp, total = None, -math.inf, 0.0
    for path in itertools.product(range(n_classes), repeat=n_frames):
        if collapse_ref(path, blank) != target:
            continue
        score = sum(lp[t, k] for t, k in enumerate(path))
        total += math.exp(score)
        if score > best_lp:
            best, best_lp = path, score
    return best, best_lp, (math.log(total) if total > 0 else -math.inf)


def random_case(seed: int):
    rng = np.random.default_rng(seed)
    n_classes = int(rng.integers(2, 5))
    n_frames = int(rng.integers(1, 7))
    blank = int(rng.integers(0, n_classes))
    labels = [k for k in range(n_classes) if k != blank]
    size = int(rng.integers(0, min(4, n_frames) + 1))
    target = [labels[int(i)] for i in rng.integers(0, len(labels), size=size)]
    logits = rng.standard_normal((n_frames, n_classes)) * 2
    lp = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    return lp, target, blank


@pytest.mark.parametrize("seed", range(60))
def test_matches_brute_force(seed):
    lp, target, blank = random_case(seed)
    best, best_lp, log_total = brute_force(lp, target, blank)
    path, scores = ctc_forced_align(lp, target, blank)
    tr = ctc_viterbi_trace(lp, target, blank)
    if best is None:  # infeasible: fewer frames than S + repeats
        assert not tr.feasible and tr.reason
        np.testing.assert_array_equal(path, -1)
        assert np.all(scores == -np.inf)
        assert tr.log_likelihood == -math.inf
        return
    # Continuous random values: no ties, so the path itself is unique.
    assert tuple(path.tolist()) == best
    np.testing.assert_allclose(scores, [lp[t, k] for t, k in enumerate(best)], rtol=0, atol=0)
    assert tr.best_log_prob == pytest.approx(best_lp, abs=1e-12)
    assert tr.log_likelihood == pytest.approx(log_total, abs=1e-10)
    assert tr.gap == pytest.approx(log_total - best_lp, abs=1e-10)
    assert tuple(tr.path.tolist()) == best
    assert collapse_ref(tr.path.tolist(), blank) == tuple(target)
    # The spans partition the non-blank frames of the path, one span per target label.
    assert [s.label for s in tr.spans] == list(target)
    covered = [t for s in tr.spans for t in range(s.first, s.last + 1)]
    assert covered == [t for t, k in enumerate(best) if k != blank]


def test_final_deltas_are_maxima_over_paths_ending_there():
    # delta_{T-1}(S'-1): best path ending in blank; delta_{T-1}(S'-2): ending in the last label.
    lp = np.log(np.full((5, 3), 1 / 3)) + np.arange(15).reshape(5, 3) * 0.01
    target, blank = [1, 2], 0
    tr = ctc_viterbi_trace(lp, target, blank)
    ends = {blank: -math.inf, 2: -math.inf}
    for path in itertools.product(range(3), repeat=5):
        if collapse_ref(path, blank) == (1, 2):
            score = sum(lp[t, k] for t, k in enumerate(path))
            ends[path[-1]] = max(ends[path[-1]], score)
    assert tr.log_delta[-1, 4] == pytest.approx(ends[blank], abs=1e-12)
    assert tr.log_delta[-1, 3] == pytest.approx(ends[2], abs=1e-12)


def test_hand_worked_ab():
    # Classes (-, A, B). Paths of AB over 3 frames: A A B = .7*.3*.7 = .147,
    # A B B = .7*.4*.7 = .196, A B - = .7*.4*.2 = .056, A - B = .7*.3*.7 = .147,
    # - A B = .2*.3*.7 = .042; sum .588. The best is A B B, a third of the sum.
    lp = np.log([[0.2, 0.7, 0.1], [0.3, 0.3, 0.4], [0.2, 0.1, 0.7]])
    path, scores = ctc_forced_align(lp, [1, 2])
    assert path.tolist() == [1, 2, 2]
    np.testing.assert_allclose(np.exp(scores), [0.7, 0.4, 0.7])
    tr = ctc_viterbi_trace(lp, [1, 2])
    assert math.exp(tr.best_log_prob) == pytest.approx(0.196)
    assert math.exp(tr.log_likelihood) == pytest.approx(0.588)
    assert tr.best_share == pytest.approx(1 / 3)
    assert tr.gap == pytest.approx(math.log(3))
    # delta_1 over states (-, A, -, B, -): t=0: .2, .7, 0, 0, 0; t=1: - stays .2*.3 = .06,
    # A from max(A .7, - .2) * .3 = .21, - from A .7 * .3 = .21, B skips from A .7 * .4 = .28.
    np.testing.assert_allclose(np.exp(tr.log_delta[1]), [0.06, 0.21, 0.21, 0.28, 0.0])
    assert tr.back_pointers[1].tolist() == [0, 0, 1, 2, -1]
    assert [(s.position, s.label, s.first, s.last) for s in tr.spans] == [
        (0, 1, 0, 0),
        (1, 2, 1, 2),
    ]
    assert tr.spans[1].mean_prob == pytest.approx((0.4 + 0.7) / 2)
    assert tr.spans[1].mean_log_prob == pytest.approx((math.log(0.4) + math.log(0.7)) / 2)
    assert (tr.min_frames, tr.repeats, tr.feasible, tr.reason) == (2, 0, True, None)


def test_ties_prefer_staying_and_end_on_the_last_label():
    # Uniform (1/2, 1/2), target "a" over 3 frames: the six alignments -- a, -a-, -aa, a--,
    # aa-, aaa all have 1/8. Ties go to "stay" and, at the end, to the last label: a a a.
    lp = np.log(np.full((3, 2), 0.5))
    path, _ = ctc_forced_align(lp, [1])
    assert path.tolist() == [1, 1, 1]


def test_repeats_need_a_blank_and_count_in_min_frames():
    # Target a a over 3 frames has exactly one alignment, a - a.
    lp = np.log([[0.1, 0.9], [0.1, 0.9], [0.1, 0.9]])
    path, scores = ctc_forced_align(lp, [1, 1])
    assert path.tolist() == [1, 0, 1]
    tr = ctc_viterbi_trace(lp, [1, 1])
    assert (tr.min_frames, tr.repeats) == (3, 1)
    assert tr.best_share == pytest.approx(1.0)


def test_infeasible_length_gives_minus_one_and_a_reason():
    # a a needs 2 + 1 repeat = 3 frames; two are not enough.
    lp = np.log(np.full((2, 2), 0.5))
    path, scores = ctc_forced_align(lp, [1, 1])
    assert path.tolist() == [-1, -1] and np.all(scores == -np.inf)
    tr = ctc_viterbi_trace(lp, [1, 1])
    assert not tr.feasible and tr.log_likelihood == -math.inf and tr.gap == math.inf
    assert "T = 2 frames < S + repeats = 2 + 1 = 3" in tr.reason


def test_zero_probability_on_every_alignment():
    # Label 1 never possible: every alignment of "1" has a -inf frame.
    lp = np.array([[0.0, -np.inf], [0.0, -np.inf]])
    path, _ = ctc_forced_align(lp, [1])
    assert path.tolist() == [-1, -1]
    tr = ctc_viterbi_trace(lp, [1])
    assert not tr.feasible and "probability 0" in tr.reason


def test_empty_target_is_all_blank():
    lp = np.log([[0.5, 0.5], [0.25, 0.75]])
    path, scores = ctc_forced_align(lp, [], blank=0)
    assert path.tolist() == [0, 0]
    np.testing.assert_allclose(scores, np.log([0.5, 0.25]))


@pytest.mark.parametrize(
    ("log_probs", "target", "blank", "match"),
    [
        (np.zeros((2, 3, 4)), [1], 0, r"shape \(T, C\)"),
        (np.zeros((3, 3)), [0], 0, "other than blank=0"),
        (np.zeros((3, 3)), [3], 0, r"in \[0, 3\)"),
        (np.zeros((3, 3)), [[1]], 0, r"shape \(S,\)"),
        (np.zeros((3, 3)), [1.5], 0, "integers"),
        (np.array([[0.0, np.nan]]), [1], 0, "finite or -inf"),
        (np.zeros((3, 3)), [1], 3, "blank"),
    ],
)
def test_bad_input_is_an_engine_error(log_probs, target, blank, match):
    with pytest.raises(EngineError, match=match):
        ctc_forced_align(log_probs, target, blank)


def test_docstring_examples():
    assert doctest.testmod(fa, optionflags=doctest.ELLIPSIS).failed == 0


# ---------------------------------------------------------------------------------------------
# torchaudio (optional)
# ---------------------------------------------------------------------------------------------


def torchaudio_align(lp: np.ndarray, target, blank: int):
    torch = pytest.importorskip("torch")
    functional = pytest.importorskip("torchaudio.functional")
    x = torch.tensor(lp[None], dtype=torch.float32)
    tg = torch.tensor([list(target)], dtype=torch.int32)
    path, scores = functional.forced_align(x, tg, blank=blank)
    return path[0].numpy(), scores[0].numpy()


@pytest.mark.parametrize("seed", range(40))
def test_matches_torchaudio(seed):
    lp, target, blank = random_case(seed)
    if not target or len(lp) < len(target) + sum(
        a == b for a, b in zip(target[:-1], target[1:], strict=True)
    ):
        pytest.skip("torchaudio raises on infeasible and empty targets")
    lp = lp.astype(np.float32).astype(np.float64)  # the same numbers in both
    ref_path, ref_scores = torchaudio_align(lp, target, blank)
    path, scores = ctc_forced_align(lp, target, blank)
    np.testing.assert_array_equal(path, ref_path)
    np.testing.assert_allclose(scores, ref_scores, rtol=1e-6)


def test_long_random_matches_torchaudio():
    rng = np.random.default_rng(5)
    logits = rng.standard_normal((300, 12)) * 3
    lp = (logits - np.log(np.exp(logits).sum(1, keepdims=True))).astype(np.float32)
    target = [int(k) for k in rng.integers(1, 12, size=60)]
    ref_path, _ = torchaudio_align(lp.astype(np.float64), target, 0)
    path, _ = ctc_forced_align(lp.astype(np.float64), target, 0)
    np.testing.assert_array_equal(path, ref_path)


def test_uniform_ties_match_torchaudio():
    lp = np.log(np.full((6, 3), 1 / 3))
    for target in ([1], [1, 2], [1, 1], [2, 1, 2]):
        ref_path, _ = torchaudio_align(lp, target, 0)
        path, _ = ctc_forced_align(lp, target, 0)
        np.testing.assert_array_equal(path, ref_path, err_msg=str(target))


def test_tie_between_the_two_advancing_moves_keeps_the_best_path():
    # Classes (-, A, B), target AB. t=0: (.25, .5, .25); t=1: (.4, .4, .2); t=2: (.1, .1, .8).
    # delta_1: A = max(.5, .25) * .4 = .2, - (after A) = .5 * .4 = .2, B = .5 * .2 = .1.
    # Into B at t=2: stay .1, from - .2, from A (skip) .2: the advancing moves tie at .2 > .1,
    # so the best is A - B (or A A B) = .5 * .4 * .8 = .16. torchaudio's comparison chain falls
    # through to "stay" here and returns A B B = .5 * .2 * .8 = .08 (documented difference).
    lp = np.log([[0.25, 0.5, 0.25], [0.4, 0.4, 0.2], [0.1, 0.1, 0.8]])
    path, scores = ctc_forced_align(lp, [1, 2])
    assert path.tolist() == [1, 0, 2]
    assert math.exp(scores.sum()) == pytest.approx(0.16)
    ref_path, ref_scores = torchaudio_align(lp, [1, 2], 0)
    assert ref_path.tolist() == [1, 2, 2]
    assert math.exp(float(ref_scores.sum())) == pytest.approx(0.08, rel=1e-6)


PENDING = Path(__file__).resolve().parents[2] / "problems"


def test_pending_problem_key_holds():
    # The hand-worked key of problems/ctc-align-ab.yaml (arithmetic in its comments).
    doc = yaml.safe_load((PENDING / "ctc-align-ab.yaml").read_text())
    symbols = doc["symbols"]
    lp = np.log(np.array(doc["emissions"], dtype=float))
    target = [symbols.index(c) for c in doc["target"]]
    tr = ctc_viterbi_trace(lp, target, symbols.index(doc["blank"]))
    answer = doc["answer"]
    assert "".join(symbols[k] for k in tr.path) == answer["path"]
    assert math.exp(tr.best_log_prob) == pytest.approx(answer["best"], abs=5e-5)
    assert math.exp(tr.log_likelihood) == pytest.approx(answer["total"], abs=5e-5)
    assert -tr.log_likelihood == pytest.approx(answer["loss"], abs=5e-5)
