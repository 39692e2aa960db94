"""Answer figures with points: ``answer: {loss: {value: 3.673, points: 2}}``."""

from __future__ import annotations

import pytest
import yaml

from rnnloss_cli.errors import ProblemError
from rnnloss_cli.problem import parse_problem

BASE = "kind: hinge\ny: [1, -1, 1]\nyhat: [0.8, -0.5, 0.3]\n"


def meta(answer: str):
    return parse_problem(yaml.safe_load(BASE + answer), {}, "<t>").meta


def test_points_default_to_one():
    m = meta("answer: {loss: 0.467, sum: 1.4}")
    assert m.answer == {"loss": 0.467, "sum": 1.4}
    assert m.points == {"loss": 1.0, "sum": 1.0}
    assert meta("answer: 0.467").points == {"loss": 1.0}


def test_a_figure_with_points():
    m = meta("answer: {loss: {value: 0.467, points: 2}, sum: 1.4}")
    assert m.answer == {"loss": 0.467, "sum": 1.4}
    assert m.points == {"loss": 2.0, "sum": 1.0}


@pytest.mark.parametrize(
    "answer,message",
    [
        ("answer: {loss: {value: 0.467, pts: 2}}", "unknown field"),
        ("answer: {loss: {points: 2}}", "missing required field 'value'"),
        ("answer: {loss: {value: 0.467, points: -1}}", "expected a number in"),
        ("answer: {loss: {value: x}}", "expected a number"),
    ],
)
def test_bad_points_name_the_field(answer: str, message: str):
    with pytest.raises(ProblemError, match=message) as err:
        meta(answer)
    assert "answer.loss" in str(err.value)
