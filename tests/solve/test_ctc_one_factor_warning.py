"""A one-frame alignment whose given factor is not its symbol's probability is warned about
as one number against another ("0.3 ... 0.5"), not as products of one factor ("0.3 = 0.3 ...
0.5 = 0.5"), whether or not its line is shown.

Hand: P(A) = 0.5, P(-) = 0.5; alignment "A" over one frame given the factor 0.3: the
probability of its symbol is P(A) = 0.5.
"""

from __future__ import annotations

import rnnloss_cli


def _warnings(listed: list[dict]) -> list[str]:
    r = rnnloss_cli.solve_problem(
        {"kind": "ctc", "title": "t", "target": "A", "probs": {"A": 0.5, "-": 0.5},
         "alignments": listed}
    )  # fmt: skip
    return r.warnings


def test_a_shown_one_factor_alignment_is_warned_about_as_a_factor():
    (w,) = [w for w in _warnings([{"path": "A", "factors": [0.3]}]) if "given" in w]
    assert "the factor given for it, 0.3, is not the probability of its symbol, 0.5" in w, w
    assert " = " not in w and "factors" not in w


def test_a_one_factor_alignment_left_out_of_a_long_list_reads_the_same():
    listed = [{"path": "A", "factors": [0.5]} for _ in range(20)]
    listed[9] = {"path": "A", "factors": [0.3]}
    (w,) = [w for w in _warnings(listed) if w.startswith("alignment 10,")]
    assert "the factor given for it, 0.3, is not the probability of its symbol, 0.5" in w, w
    assert "0.3 = 0.3" not in w and "0.5 = 0.5" not in w
