"""The printed-arithmetic check reads max(a, b, ...) and min(...): hinge's
``max(0, 1 − 0.8) = 0.2`` and PyTorch's floored BCE gradient
``(ŷ − y) / max(ŷ · (1 − ŷ), 1e-12) = ...`` were never judged (a wrong right side kept "=")."""

from __future__ import annotations

from decimal import Decimal

import pytest

from rnnloss_cli.render import relation
from rnnloss_cli.render.text import step_text
from rnnloss_cli.result import Step


@pytest.mark.parametrize(
    "line",
    [
        # 1 − 0.8 = 0.2; max(0, 0.2) = 0.2
        "max(0, 1 − 0.8) = 0.2",
        # 1 − 1.3 = −0.3; max(0, −0.3) = 0
        "max(0, 1 − 1.3) = 0",
        # 0.25 × 3 = 0.75; min(0.5, 0.75) = 0.5
        "min(0.5, 0.25 × 3) = 0.5",
        # three arguments: max(0.1, 0.3, 0.2) = 0.3
        "max(0.1, 0.3, 0.2) = 0.3",
        # nested: 0.3 + 0.4 = 0.7; min(1, 0.7) = 0.7; max(0, 0.7) = 0.7
        "max(0, min(1, 0.3 + 0.4)) = 0.7",
        # in an expression: 2 · max(0.1, 0.2) = 0.4; max(0.2, 0.1)^2 = 0.04; −ln max(0.5, 0.25)
        # = −ln 0.5 = 0.693
        "2 · max(0.1, 0.2) = 0.4",
        "max(0.2, 0.1)^2 = 0.04",
        "−ln max(0.5, 0.25) = 0.693",
        # BCE floored, unfloored at these numbers: 0.9 · (1 − 0.9) = 0.09; max(0.09, 1e-12)
        # = 0.09; (0.9 − 1) / 0.09 = −1.1111; / 2 = −0.5556 → −0.556 at -p 3
        "(0.9 − 1) / max(0.9 · (1 − 0.9), 1e-12) / 2 = -0.556",
        # floor hit: 1 · (1 − 1) = 0; max(0, 1e-12) = 1e-12; (1 − 0) / 1e-12 = 1e12
        "(1 − 0) / max(1 · (1 − 1), 1e-12) = 1000000000000",
        # with a prefix: the longest arithmetic tail is read
        "hinge term: max(0, 1 − 0.8) = 0.2",
    ],
)
def test_a_true_max_min_line_is_supported(line):
    assert relation.unsupported(line, 3) == []
    assert relation.unsupported(line, 3, as_printed=True) == []
    assert relation.undefined(line) == []


@pytest.mark.parametrize(
    "line",
    [
        # max(0, 0.2) is 0.2, not 0.3
        "max(0, 1 − 0.8) = 0.3",
        # max(0, −0.3) is 0, not −0.3 (the max ignored)
        "max(0, 1 − 1.3) = -0.3",
        # min(0.5, 0.75) is 0.5, not 0.75 (max taken for min)
        "min(0.5, 0.25 × 3) = 0.75",
        # max(0.1, 0.3, 0.2) is 0.3: the third argument is read, max(0.1, 0.2) = 0.2 is wrong
        "max(0.1, 0.3, 0.2) = 0.2",
        # min(1, 0.7) = 0.7 inside: max(0, 0.7) is 0.7, not 1
        "max(0, min(1, 0.3 + 0.4)) = 1",
        # −1.1111 / 2 = −0.5556, not −0.5
        "(0.9 − 1) / max(0.9 · (1 − 0.9), 1e-12) / 2 = -0.5",
        # the floor: 1 / 1e-12 = 1e12, not 1e11
        "(1 − 0) / max(1 · (1 − 1), 1e-12) = 100000000000",
        "hinge term: max(0, 1 − 0.8) = 0.3",
    ],
)
def test_a_wrong_max_min_line_is_caught(line):
    assert relation.unsupported(line, 3) == [0]
    assert relation.unsupported(line, 3, as_printed=True) == [0]


def test_max_min_values():
    # hand: max(0, 0.2) = 0.2; min(0.5, 0.75) = 0.5; max(0.1, 0.3, 0.2) = 0.3
    assert relation.evaluate("max(0, 1 − 0.8)") == Decimal("0.2")
    assert relation.evaluate("min(0.5, 0.25 × 3)") == Decimal("0.5")
    assert relation.evaluate("max(0.1, 0.3, 0.2)") == Decimal("0.3")
    # a bare max is an operation: max(0, 0.2) = 0.2 is judged
    assert relation.evaluate("max(0, 0.2)") == Decimal("0.2")
    # ln 0 inside max has no value at the printed numbers
    assert relation.evaluate("max(ln 0, 1)") == relation.UNDEFINED


@pytest.mark.parametrize(
    "expr",
    [
        "max(0.1 0.2)",  # no comma
        "max(0.1, )",  # an empty argument
        "max(0.1, 0.2",  # unbalanced
        "max 0.1",  # no bracket
        "max()",
        "(0.1, 0.2)",  # a comma outside max/min
        "0.1, 0.2",
        "mx(0.1, 0.2)",
    ],
)
def test_what_is_not_max_is_not_read(expr):
    assert relation.evaluate(expr) is None


def test_a_comma_before_an_expression_is_not_read_across():
    # "y = 0.2, 0.3 · 2 = 0.6": 0.3 · 2 = 0.6 holds and is judged alone; "= 0.5" is wrong
    assert relation.unsupported("y = 0.2, 0.3 · 2 = 0.6", 3) == []
    assert relation.unsupported("y = 0.2, 0.3 · 2 = 0.5", 3) == [1]


def test_a_max_line_gets_guard_digits():
    # at -p 1: 0.26 and 0.0676 print as 0.3 and 0.07; 0.3 × 0.3 = 0.09 is not 0.07 (more
    # than half a unit, 0.005, away), so the line is printed again with one more digit on
    # the operands: 0.26 × 0.26 = 0.0676, within 0.005 of 0.07 — the same as without max
    step = Step("s", "max(0, {a} × {b}) = {c}", {"a": 0.26, "b": 0.26, "c": 0.0676})
    assert step_text(step, 1) == "max(0, 0.26 × 0.26) = 0.07"
    # a hinge term that no digits mend keeps its "≈": max(0, 1 − 0.8) is not 0.5
    wrong = Step("s", "max(0, 1 − {a}) = {c}", {"a": 0.8, "c": 0.5})
    assert step_text(wrong, 3) == "max(0, 1 − 0.8) ≈ 0.5"


def test_the_floored_bce_gradient_line_is_judged(monkeypatch):
    # ŷ = 0.99999999999995, y = 0 at -p 5: 1 − ŷ = 5e-14, ŷ · (1 − ŷ) ≈ 5e-14 < 1e-12, so the
    # floor 1e-12 is taken and the printed operands give 0.99999999999995 / 1e-12 / 1 =
    # 999999999999.95 exactly; the double result (999999999999.9500732…) is printed with 15
    # significant digits, 999999999999.95, which the line gives: "=" (the independent
    # checker of tests/solve/pencil.py reads max too)
    from typer.testing import CliRunner

    from rnnloss_cli.cli import app
    from tests.render.arith import bad_lines

    monkeypatch.setenv("COLUMNS", "2000")
    args = ["bce", "--y", "0", "--yhat", "0.99999999999995", "-p", "5"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    line = next(x for x in result.output.splitlines() if "max(0.99999999999995" in x)
    assert line.endswith("1e-12) / 1 = 999999999999.95"), line
    assert bad_lines(result.output, 5) == []


@pytest.mark.parametrize(
    "line",
    [
        # argmax gives a position, not the largest value: "argmax(0.1, 0.7, 0.2) = 2" is not
        # max(0.1, 0.7, 0.2) = 0.7 and is not judged
        "argmax(0.1, 0.7, 0.2) = 2",
        # softmax(2, 0)'s first entry e^2 / (e^2 + 1) = 0.881, not max(2, 0) = 2
        "softmax(2, 0) = 0.881",
        "y_min(0.1, 0.2) = 0.3",
    ],
)
def test_a_word_ending_in_max_or_min_is_not_read_as_max(line):
    assert relation.unsupported(line, 3) == []


@pytest.mark.parametrize(
    "line",
    [
        "max(" * 250 + "1, 2" + ")" * 250 + " = 2",  # max(max(…(1, 2)…)) = 2
        "(" * 250 + "1 + 1" + ")" * 250 + " = 2",
        "− " * 1200 + "1 = 1",
    ],
)
def test_a_deeply_nested_line_is_left_unread_not_an_error(line):
    # nested past Python's recursion limit: the line is not judged (RecursionError escaped)
    assert relation.unsupported(line, 3) == []
    assert relation.undefined(line) == []
