"""Tracks (paths over the CTC trellis) and the posterior table the exact solver attaches.

States are 0-based rows of l'. For target AB, l' = - A - B - (rows 0..4):
  A-B: A is row 1, the blank after it row 2, B row 3             -> [1, 2, 3]
  AB-: A row 1, B skips the blank to row 3, the final blank row 4 -> [1, 3, 4]
  AAB: A stays in row 1, then B skips to row 3                   -> [1, 1, 3]
For HELLO, l' = - H - E - L - L - O - (rows 0..10); H-E-LL-O walks H 1, - 2, E 3, - 4, L 5,
the second L stays in 5 (equal to the state it is in: the repeat merges), - 6, and O is not
the next label (row 7 holds the second L), so it jumps to row 9, a move the recursion forbids.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import rnnloss_cli
from rnnloss_cli.solve.ctc_tracks import extended, first_bad_move, path_states
from tests.numeric import brute_max

AB = ["-", "A", "-", "B", "-"]
HELLO = extended("HELLO", "-")


@pytest.mark.parametrize(
    "path, states",
    [("A-B", [1, 2, 3]), ("AB-", [1, 3, 4]), ("AAB", [1, 1, 3]), ("-AB", [0, 1, 3]),
     ("ABB", [1, 3, 3]), ("A--B", [1, 2, 2, 3])],
)  # fmt: skip
def test_valid_paths_take_their_one_walk_through_the_trellis(path, states):
    assert path_states(path, AB, "-") == states
    assert first_bad_move(AB, states) is None


def test_hello_paths_by_hand():
    assert HELLO == list("-H-E-L-L-O-")
    assert path_states("H-E-L-L-O", HELLO, "-") == [1, 2, 3, 4, 5, 6, 7, 8, 9]
    assert path_states("HE-L-L-O", HELLO, "-") == [1, 3, 4, 5, 6, 7, 8, 9]
    bad = path_states("H-E-LL-O", HELLO, "-")
    assert bad == [1, 2, 3, 4, 5, 5, 6, 9]
    assert first_bad_move(HELLO, bad) == 7  # 0-based frame 7 (frame 8): the jump 6 -> 9


def test_invalid_paths_are_still_placed():
    # BA-: B is row 3 (the next label, A, is not it: jump ahead to B); A then lies behind
    # (back to row 1), the blank after it row 2; the path starts outside rows 0-1
    assert path_states("BA-", AB, "-") == [3, 1, 2]
    assert first_bad_move(AB, [3, 1, 2]) == 0
    # AB ending in B is fine; A alone ends in row 1, not a final row (3 or 4)
    assert first_bad_move(AB, [1, 1]) == 1
    # a symbol that is not in l' at all has no row
    assert path_states("AXB", AB, "-") == [1, None, 3]


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("target", ["AB", "AA", "ABA", "B"])
def test_viterbi_track_is_the_brute_force_best(seed, target):
    rng = np.random.default_rng(seed)
    n_frames = int(rng.integers(3, 7))
    y = rng.dirichlet(np.ones(3), size=n_frames).tolist()
    symbols = ["-", "A", "B"]
    r = rnnloss_cli.solve_problem(
        {"kind": "ctc", "method": "exact", "target": target, "symbols": symbols, "emissions": y}
    )
    (track,) = [t for t in r.tracks if t.best]
    want = brute_max(y, symbols, target)
    assert want > 0
    assert track.probability == pytest.approx(want, rel=1e-12)
    # and the states drawn are a path of that probability which collapses to the target
    ext = extended(target, "-")
    assert track.frames == list(range(n_frames)) and first_bad_move(ext, track.states) is None
    got = math.prod(y[t][symbols.index(ext[s])] for t, s in enumerate(track.states))
    assert got == pytest.approx(want, rel=1e-12)


def test_posterior_table_columns_sum_to_one():
    # Each alignment is in exactly one state at each frame, so Σ_s γ_t(s) = 1.
    # Hand check, ctc-exact-listed (y(A) = .5, y(B) = .3, y(-) = .2, T = 3, p = .21): at t = 1
    # the paths in state 2 (A) are AAB .075, ABB .045, AB- .03, A-B .03 -> .18 / .21 = 6/7,
    # and in state 1 (-) only -AB .03 -> 1/7.
    r = rnnloss_cli.solve_file("problems/ctc-exact-listed.yaml")
    (gamma,) = [t for t in r.tables if t.optional == "posterior"]
    cols = list(zip(*[row[2:] for row in gamma.rows], strict=True))
    for col in cols:
        assert math.fsum(col) == pytest.approx(1.0, abs=1e-12)
    assert cols[0][0] == pytest.approx(1 / 7) and cols[0][1] == pytest.approx(6 / 7)


def test_hello_has_a_lattice_and_three_tracks_and_no_best_path():
    r = rnnloss_cli.solve_file("problems/hello.yaml")
    assert r.lattice is not None and r.lattice.shape == (11, 2 + 9)
    assert [t.valid for t in r.tracks] == [True, False, True]
    assert r.tracks[1].why.startswith("collapses to HELO")
    assert not any(t.best for t in r.tracks)


def test_no_best_path_when_no_alignment_fits():
    # AA needs 3 frames (A - A); over 2 no path collapses to it (brute force: max of nothing)
    y = [[0.2, 0.5, 0.3], [0.3, 0.3, 0.4]]
    assert brute_max(y, ["-", "A", "B"], "AA") == 0
    r = rnnloss_cli.solve_problem(
        {"kind": "ctc", "method": "exact", "target": "AA", "symbols": ["-", "A", "B"],
         "emissions": y}
    )  # fmt: skip
    assert r.tracks == [] and math.isinf(r.loss)
