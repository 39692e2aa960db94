"""The log base slip starts a pair too: a mean in bits (or bans) where the sum in nats is asked.

BCE, y = [1, 0], ŷ = [0.8, 0.4], reduction sum, ln:
  terms −ln 0.8 = 0.223144, −ln(1 − 0.4) = −ln 0.6 = 0.510826; sum 0.733969 (the key)
  alone: the mean 0.366985 (mean_for_sum); the sum in log2 0.733969 / ln 2 = 1.058894 and
  in log10 0.733969 / ln 10 = 0.318758 (wrong_log_base)
  together: the mean in log2 0.366985 / 0.693147 = 0.529447,
            the mean in log10 0.366985 / 2.302585 = 0.159379
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnloss_cli.teach.mark import mark_answers

BCE_SUM = """kind: bce
title: two predictions, summed
y: [1, 0]
yhat: [0.8, 0.4]
reduction: sum
answer: {loss: 0.733969}
"""


@pytest.fixture
def bce_sum(tmp_path: Path) -> str:
    f = tmp_path / "bce-sum.yaml"
    f.write_text(BCE_SUM)
    return str(f)


@pytest.mark.parametrize(("given", "log"), [(0.5294, "log2"), (0.1594, "log10")])
def test_mean_in_another_base_is_named_as_a_pair(bce_sum: str, given: float, log: str):
    m = mark_answers(bce_sum, {"loss": given}).marks[0]
    assert not m.right
    assert m.slip == "mean_for_sum+wrong_log_base", (m.slip, m.also)
    # the correct step undoes the mean, then the base actually used (not the other one)
    assert "sum of the 2 terms" in m.correct_step
    assert f"is what {log} gives" in m.correct_step, m.correct_step


def test_each_slip_alone_is_still_named_alone(bce_sum: str):
    assert mark_answers(bce_sum, {"loss": 0.3670}).marks[0].slip == "mean_for_sum"
    assert mark_answers(bce_sum, {"loss": 1.0589}).marks[0].slip == "wrong_log_base"
    assert mark_answers(bce_sum, {"loss": 0.3188}).marks[0].slip == "wrong_log_base"
