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


def test_points_past_the_limit_are_refused_and_grade_never_sums_to_inf(tmp_path):
    # Found by hand: two problems of `points: 1e308` made grade's possible total inf, its
    # percentages NaN and its summary an internal error (exit 4: int(NaN) in the histogram).
    from typer.testing import CliRunner

    from rnnloss_cli.cli import app
    from rnnloss_cli.limits import MAX_POINTS

    assert meta(f"answer: {{loss: {{value: 0.467, points: {MAX_POINTS}}}}}").points == {
        "loss": float(MAX_POINTS)
    }
    with pytest.raises(ProblemError) as info:
        meta("answer: {loss: {value: 0.467, points: 1.0e+308}}")  # YAML 1.1, as safe_load
    assert info.value.field == "answer.loss.points"
    assert "MAX_POINTS" in info.value.message
    for name in ("p1", "p2"):
        (tmp_path / f"{name}.yaml").write_text(
            BASE + "answer: {loss: {value: 0.467, points: 1e308}}\n", encoding="utf-8"
        )
    answers = tmp_path / "a.csv"
    answers.write_text("student,problem,figure,value\ns1,p1,loss,0.467\n", encoding="utf-8")
    r = CliRunner().invoke(app, ["grade", str(tmp_path), str(answers)])
    assert r.exit_code == 2, r.output
    assert r.output.count("\n") == 1 and "MAX_POINTS" in r.output, r.output
