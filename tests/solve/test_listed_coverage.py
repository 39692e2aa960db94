"""Listed alignments over long inputs.

- Target AB over T frames has C(T + 2, 4) alignments (S = 2, no repeats: C(T + S - r, 2S)).
  At T = 60,000 that is 60002·60001·60000·59999 / 24 ≈ 5.4e17 = 10^17.7 (it said "many").
- The listed product A, B, then blanks: 0.4² · 0.2^59998 is 0 as a double. Its loss is
  −2 ln 0.4 − 59998 ln 0.2 = 1.8325815 + 96563.0559 = 96564.888 (it was reported infinite).
"""

from __future__ import annotations

import pytest

from rnnloss_cli import solve_problem

T = 60_000


def _listed(probs: dict, frames: int, alignment: str):
    return solve_problem(
        {"kind": "ctc", "target": "AB", "probs": probs, "frames": frames,
         "alignments": [alignment], "method": "listed"}
    )  # fmt: skip


def test_a_listed_product_below_the_doubles_gives_a_finite_loss():
    r = _listed({"A": 0.4, "B": 0.4, "-": 0.2}, T, "AB" + "-" * (T - 2))
    assert r.loss == pytest.approx(96564.888, abs=1e-3)
    assert not any("infinite" in w for w in r.warnings), r.warnings


def test_a_long_listed_problem_counts_its_alignments_and_keeps_a_small_share():
    # y(-) = 0.99998: p(l|x) stays a normal double (about C(T, 2) alignments with one A frame
    # and one B frame, each 1e-10 · 0.99998^59998 = 3e-11); the one listed holds ~5e-10 of it
    r = _listed({"A": 0.00001, "B": 0.00001, "-": 0.99998}, T, "AB" + "-" * (T - 2))
    note = next(n for n in r.notes if "distinct valid listed" in n)
    assert "1 of the about 10^18 alignments of AB" in note, note
    assert "0.0%" not in note, note


def test_a_short_one_is_counted_exactly():
    # AB over 4 frames: C(6, 4) = 15 alignments
    r = _listed({"A": 0.4, "B": 0.4, "-": 0.2}, 4, "AB--")
    note = next(n for n in r.notes if "distinct valid listed" in n)
    assert "1 of the 15 alignments of AB" in note, note
