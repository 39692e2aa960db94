"""An "=" whose right side is an expression, not a number, is not judged against the first
number of that expression ("0.1 + 0.2 = 0.2 + 0.1" read as 0.3 = 0.2 and got "≈")."""

from __future__ import annotations

import pytest

from rnnloss_cli.render.text import step_text
from rnnloss_cli.result import Step


@pytest.mark.parametrize(
    "template, values, shown",
    [
        # 0.1 + 0.2 = 0.3 and 0.2 + 0.1 = 0.3: both "=" hold
        (
            "{a|+} = {b|+} = {c}",
            {"a": [0.1, 0.2], "b": [0.2, 0.1], "c": 0.3},
            "0.1 + 0.2 = 0.2 + 0.1 = 0.3",
        ),
        # 2 × 3 = 6 = 3 × 2
        (
            "{x} × {y} = {z} × {w} = {c}",
            {"x": 2, "y": 3, "z": 3, "w": 2, "c": 6},
            "2 × 3 = 3 × 2 = 6",
        ),
        # a wrong number is still caught: 0.1 + 0.2 is not 0.4
        ("{a|+} = {c}", {"a": [0.1, 0.2], "c": 0.4}, "0.1 + 0.2 ≈ 0.4"),
        (
            "{a|+} = {b|+} = {c}",
            {"a": [0.1, 0.2], "b": [0.2, 0.1], "c": 0.4},
            "0.1 + 0.2 = 0.2 + 0.1 ≈ 0.4",
        ),
    ],
)
def test_an_expression_on_the_right_is_not_read_as_its_first_number(template, values, shown):
    assert step_text(Step("s", template, values), 3) == shown
