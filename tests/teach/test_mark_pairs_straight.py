"""A pair of slips with the wrong logarithm base in it: the correct step is one straight
path to the asked value, not a detour through the base the student pressed.

BCE, y = [1, 0], ŷ = [0.8, 0.4], ln: terms −ln 0.8 = 0.223144, −ln 0.6 = 0.510826;
sum 0.733969, mean 0.733969 / 2 = 0.366985. In log2: the mean 0.366985 / ln 2 = 0.529447,
the sum 0.733969 / ln 2 = 1.058894.
- sum asked, 0.5294 given (the mean in log2): the step said "sum … = 0.734; then change of
  base to bits … = 1.0589; then 1.059 is what log2 gives; use ln …: 0.734".
- mean asked, 1.0589 given (the sum in log2): it said "1.059 is what log2 gives; use ln as
  the problem asks: 0.734; then mean …".
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnloss_cli.teach.mark import mark_answers

BCE = """kind: bce
title: two predictions
y: [1, 0]
yhat: [0.8, 0.4]
reduction: {reduction}
"""


@pytest.mark.parametrize(
    ("reduction", "given", "pair", "path"),
    [
        # the sum of the terms in ln: 0.22314 + 0.51083 = 0.73397 -> 0.734
        ("sum", 0.5294, "mean_for_sum+wrong_log_base", "0.22314 + 0.51083 = 0.734"),
        # their mean: (0.2231 + 0.5108) / 2 = 0.36699 -> 0.367
        ("mean", 1.0589, "sum_for_mean+wrong_log_base", "(0.2231 + 0.5108) / 2 = 0.367"),
    ],
)
def test_a_pair_with_the_base_slip_steps_straight_to_the_asked_value(
    tmp_path: Path, reduction: str, given: float, pair: str, path: str
):
    f = tmp_path / "bce.yaml"
    f.write_text(BCE.format(reduction=reduction))
    m = mark_answers(str(f), {"loss": given}).marks[0]
    assert m.slip == pair, (m.slip, m.also)
    step = m.correct_step
    # it ends on the asked value, in ln, and names the base pressed without working it
    assert step.endswith(f"{path} (in ln as the problem asks, not log2)"), step
    # no detour: neither the bits value nor the base change back
    for detour in ("bits", "1.059", "0.5294", "then", "gives"):
        assert detour not in step, step


def test_a_pair_asked_in_bits_changes_base_once_at_the_end(tmp_path: Path):
    # sum asked in bits (1.058894); the mean in nats 0.366985 given: mean_for_sum with the
    # wrong base. Straight: the sum in nats 0.734, then to bits: 0.734 / ln 2 = 1.0589
    f = tmp_path / "bits.yaml"
    f.write_text(BCE.format(reduction="sum") + "log_base: 2\n")
    m = mark_answers(str(f), {"loss": 0.3670}).marks[0]
    assert m.slip == "mean_for_sum+wrong_log_base", (m.slip, m.also)
    assert m.correct_step.startswith("sum of the 2 terms: 0.22314 + 0.51083 = 0.734")
    assert m.correct_step.endswith("= 1.0589 (in log2 as the problem asks, not ln)")
    assert m.correct_step.count("change of base") == 1, m.correct_step
    assert "gives; use" not in m.correct_step, m.correct_step
