"""The relation check reads tanh, √ and e^(…) (exp): BPTT's ``h_1 = tanh(a_1) = tanh(0.893)
= 0.71287`` and ``‖∇L‖ = √1.87 = 1.367`` were never checked and never got guard digits.

Values by hand (e = 2.718281828, tanh x = (1 − e^(−2x)) / (1 + e^(−2x))):
  tanh(0.5) = (e − 1) / (e + 1) = 1.718282 / 3.718282 = 0.462117
  tanh(0.5)^2 = 0.462117² = 0.213552 (not tanh(0.25) = 0.244919: the bracket binds first)
  e^(−0.5) = 1 / 1.648721 = 0.606531;  exp(1) = 2.718282
  1.367² = 1.868689, 1.3675² = 1.87005625, 1.368² = 1.871424: √1.87 is 1.367 at 3
  decimals (1.87 < 1.87005625), √1.8704 is 1.368 (1.8704 > 1.87005625); √2.25 = 1.5
"""

from __future__ import annotations

import math

import pytest

from rnnloss_cli.render.relation import evaluate, undefined, unsupported
from rnnloss_cli.render.text import step_text
from rnnloss_cli.result import Step


@pytest.mark.parametrize(
    ("line", "flagged"),
    [
        ("h_1 = tanh(a_1) = tanh(0.5) = 0.462", []),
        ("h_1 = tanh(a_1) = tanh(0.5) = 0.463", [2]),
        ("tanh(−0.5) = -0.462", []),
        ("h² = tanh(0.5)^2 = 0.214", []),
        ("h² = tanh(0.5)^2 = 0.245", [1]),
        ("‖∇L‖ = √(sum of the squares) = √1.87 = 1.367", []),
        ("‖∇L‖ = √(sum of the squares) = √1.87 = 1.368", [2]),
        ("n = √(2.25) = 1.5", []),
        ("n = √2.25 + 1 = 2.5", []),
        ("p = e^(−0.5) = 0.607", []),
        ("p = e^(−0.5) = 0.606", [1]),
        ("e = exp(1) = 2.718", []),
        ("e = exp(1) = 2.719", [1]),
    ],
)
def test_tanh_sqrt_and_exp_are_read(line, flagged):
    assert unsupported(line, 3) == flagged


def test_a_square_root_of_a_negative_number_has_no_value():
    assert undefined("r = √(0 − 1) = 1") == [1]


def test_words_that_hold_the_letters_are_not_functions():
    # "tanhx" or "2√2" are not read as functions applied to numbers (nothing is judged)
    assert evaluate("2sqrt2") is None
    assert unsupported("exponent = 2√2 = 9", 3) == []


def test_a_tanh_line_gets_guard_digits():
    # a_1 = 0.8924 prints as 0.892 at -p 3. tanh(x) > 0.7125 exactly when
    # e^(−2x) < 0.2875 / 1.7125 = 0.167883; e^(−1.785) = 0.167797 (calculator), so
    # e^(−1.784) = 0.167797 · e^0.001 = 0.167965 (tanh(0.892) < 0.7125: 0.712) and
    # e^(−1.7848) = 0.167797 · e^0.0002 = 0.167831 (tanh(0.8924) > 0.7125: 0.713).
    # h_1 = tanh(0.8924) prints 0.713, which tanh(0.892) does not give: a_1 gets a digit.
    a = 0.8924
    step = Step("h", "h_1 = tanh(a_1) = tanh({a}) = {h}", {"a": a, "h": math.tanh(a)})
    assert step_text(step, 3) == "h_1 = tanh(a_1) = tanh(0.8924) = 0.713"


def test_a_square_root_line_gets_guard_digits():
    # s = 1.8704 prints 1.87 at -p 3: √1.87 is 1.367, the printed result √1.8704 is 1.368
    s = 1.8704
    step = Step("n", "‖∇L‖ = √{s} = {n}", {"s": s, "n": math.sqrt(s)})
    assert step_text(step, 3) == "‖∇L‖ = √1.8704 = 1.368"
