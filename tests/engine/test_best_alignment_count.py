"""best_alignment_count against brute force: every symbol sequence of T frames, collapsed,
the alignments of the target kept, their log-probabilities compared with the best."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from rnnloss_cli.engine import ctc_collapse
from rnnloss_cli.engine.forced_align import best_alignment_count


def brute_force(lp: np.ndarray, target: list[int], blank: int, rtol: float) -> int:
    n_frames, n_classes = lp.shape
    scores = [
        sum(lp[t, k] for t, k in enumerate(path))
        for path in itertools.product(range(n_classes), repeat=n_frames)
        if list(ctc_collapse(path, blank)) == target
    ]
    scores = [s for s in scores if math.isfinite(s)]
    if not scores:
        return 0
    top = max(scores)
    return min(2, sum(math.isclose(s, top, rel_tol=rtol, abs_tol=rtol) for s in scores))


@pytest.mark.parametrize("seed", range(40))
def test_the_count_is_that_of_brute_force(seed):
    rng = np.random.default_rng(seed)
    n_frames, n_classes = int(rng.integers(1, 6)), int(rng.integers(2, 4))
    # probabilities on a coarse grid, so that equal products (ties) are common
    probs = rng.integers(0, 4, (n_frames, n_classes)).astype(float) + rng.integers(0, 2)
    probs = np.where(probs.sum(axis=1, keepdims=True) > 0, probs, 1.0)
    with np.errstate(divide="ignore"):
        lp = np.log(probs / probs.sum(axis=1, keepdims=True))
    target = [int(k) for k in rng.integers(1, n_classes, int(rng.integers(0, 3)))]
    assert best_alignment_count(lp, target, 0, 1e-9) == brute_force(lp, target, 0, 1e-9)


def test_a_target_too_long_for_its_frames_has_no_best_alignment():
    # "AA" needs A - A: 3 frames; with 2 there is no alignment at all
    assert best_alignment_count(np.log(np.full((2, 2), 0.5)), [1, 1]) == 0
