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
    # the correct step is the sum in ln, naming the base actually used (not the other one)
    assert m.correct_step == (
        f"sum of the 2 terms: 0.22314 + 0.51083 = 0.734 (in ln as the problem asks, not {log})"
    )


def test_each_slip_alone_is_still_named_alone(bce_sum: str):
    assert mark_answers(bce_sum, {"loss": 0.3670}).marks[0].slip == "mean_for_sum"
    assert mark_answers(bce_sum, {"loss": 1.0589}).marks[0].slip == "wrong_log_base"
    assert mark_answers(bce_sum, {"loss": 0.3188}).marks[0].slip == "wrong_log_base"


BCE_MEAN_BITS = """kind: bce
title: two predictions, mean in bits
y: [1, 0]
yhat: [0.8, 0.4]
reduction: mean
log_base: 2
answer: {loss: 0.529447}
"""


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_a_reduction_step_ends_on_the_value_in_the_asked_base(tmp_path: Path, reduction: str):
    # Same terms in bits: the mean 0.366985 / ln 2 = 0.529447, the sum 0.733969 / ln 2 =
    # 1.058894. The correct step was the solver's reduction line alone, in nats: "= 0.367"
    # for a mean asked in bits (0.5294), "= 0.734" for a sum asked in bits (1.059).
    f = tmp_path / "bits.yaml"
    text = BCE_MEAN_BITS
    if reduction == "sum":
        text = text.replace("reduction: mean", "reduction: sum").replace("0.529447", "1.058894")
    f.write_text(text)
    given, expected = (1.0589, "0.5294") if reduction == "mean" else (0.5294, "1.0589")
    m = mark_answers(str(f), {"loss": given}).marks[0]
    assert m.slip == ("sum_for_mean" if reduction == "mean" else "mean_for_sum")
    assert m.correct_step.endswith(expected), m.correct_step
    assert "change of base to bits" in m.correct_step


@pytest.mark.parametrize(("given", "log"), [(1.7867, "log2"), (0.5379, "log10")])
def test_sequences_mean_in_another_base(given: float, log: str):
    # problems/seq-padded-batch.yaml (its comments): mean_tokens 2.476939 / 5 = 0.495388 is
    # asked; mean_sequences 2.476939 / 2 = 1.238470, in log2 1.238470 / 0.693147 = 1.786735,
    # in log10 1.238470 / 2.302585 = 0.537861: two slips, no single one gives them.
    m = mark_answers("problems/seq-padded-batch.yaml", {"loss": given}).marks[0]
    assert m.slip == "tokens_vs_sequences+wrong_log_base", (m.slip, m.also)
    # straight to the mean over tokens in ln (0.4954), naming the base used
    assert m.correct_step.endswith(f"= 0.4954 (in ln as the problem asks, not {log})")
    assert "gives" not in m.correct_step, m.correct_step
