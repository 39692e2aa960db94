"""`rnnloss ctc paths ""`: the empty target has one alignment, all blanks.

Hand arithmetic: over T = 3 frames with y(-) = 0.5 the only path is "---", p = 0.5^3 = 0.125,
loss = -ln 0.125 = 3 ln 2 = 2.0794415.
"""

from __future__ import annotations

import math

import pytest

from rnnloss_cli.solve.ctc_tools import paths_result


def test_empty_target_lists_the_all_blank_path() -> None:
    r = paths_result("", 3, {"-": 0.5, "a": 0.5}, "-")
    assert r.figures["alignments"] == 1
    assert r.loss == pytest.approx(3 * math.log(2), rel=1e-12)
    rows = [row for table in r.tables for row in table.rows]
    assert [row[1] for row in rows] == ["---"]
    forward = next(s for s in r.steps if s.label == "forward algorithm")
    assert "S'−1" not in forward.text  # one final state when S' = 1


def test_empty_target_without_probabilities_counts_one() -> None:
    r = paths_result("", 5, None, "-")
    assert r.figures["alignments"] == 1
    assert "empty" in r.title
