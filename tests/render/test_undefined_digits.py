"""A line undefined at its printed numbers (ln 0, a division by 0) is not given by them:
the digits plan gives its operands the digits that define it (at most those the number is
written with), and where that is not enough the line says "≈".

Hand arithmetic for each case is in its comment (a calculator, not the engine).
"""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from rnnloss_cli.cli import app
from rnnloss_cli.render import relation

runner = CliRunner()


def test_a_division_by_a_printed_zero_is_not_given():
    # (1 · (1 − 1)) = 0, so the whole left side divides by 0; its tail "(1 · (1 − 1)) + 2"
    # = 2 is not the left side and must not be read as it
    assert relation.unsupported("(1 − 0) / (1 · (1 − 1)) + 2 = 2", 3, as_printed=True) == [0]
    assert relation.unsupported("(1 − 0) / (1 · (1 − 1)) + 2 = 2", 3) == [0]


def test_a_log_of_a_printed_zero_is_not_given():
    # ln(1 − (1)) = ln 0: no value, so "= 16.118" is not given by the printed numbers
    line = "−((0) × ln (1) + (1 − (0)) × ln(1 − (1))) = 16.118"
    assert relation.unsupported(line, 3, as_printed=True) == [0]


def test_an_expression_that_is_not_arithmetic_is_still_left_alone():
    # "max(…)" is not read: the line is not judged (no "≈" put on it)
    assert relation.unsupported("(1 − 0) / max(1 · (1 − 1), 1e-12) = 1e12", 3) == []


def _bce(precision: int) -> str:
    args = ["bce", "--y", "0,1", "--yhat", "0.9999999,0.5", "-p", str(precision)]
    out = runner.invoke(app, args, env={"COLUMNS": "200"})
    assert out.exit_code == 0, out.output
    return out.output


@pytest.mark.parametrize("precision", [0, 1, 3, 6])
def test_bce_near_one_prints_the_digits_that_define_its_lines(precision):
    """ŷ = 0.9999999 prints "1" at 0-6 decimals, which made the worked gradient
    (1 − 0) / (1 · (1 − 1)) / 2, a division by 0, and the term ln(1 − 1) = ln 0. It needs its
    7 decimals: 1 − 0.9999999 = 1e-7, and −ln 1e-7 = 7 ln 10 = 16.118."""
    out = _bce(precision)
    worked = next(line for line in out.splitlines() if "worked gradient" in line)
    assert "(0.9999999 − 0) / (0.9999999 · (1 − 0.9999999)) / 2" in worked, worked
    assert "(1 − 1)" not in out
    assert re.search(r"│\s+0\.9999999 │", out), out  # the table's ŷ, the same digits


@pytest.mark.parametrize(("precision", "sign"), [(1, "="), (3, "≈")])
def test_bce_near_one_gradient_says_approx_where_only_float_noise_differs(precision, sign):
    # 0.9999999 / (0.9999999 · 1e-7) / 2 = 1e7 / 2 = 5000000 exactly; the double 0.9999999
    # is 1 − 9.99999994e-8, whose gradient is 5000000.003: "=" at 1 decimal, "≈" at 3
    worked = next(line for line in _bce(precision).splitlines() if "worked gradient" in line)
    assert f") / 2 {sign} 5000000" in worked, worked


def test_a_y_hat_beyond_twelve_digits_still_gets_the_digits_it_is_written_with():
    """ŷ = 0.9999999999999 (13 decimals) is 1 to the 12 significant digits that key a
    number's digits: its term −(1 × ln ŷ + 0 × ln(1 − ŷ)) printed "ln(1 − (1))", ln 0. Its
    13 written decimals define it: ln 0.9999999999999 = −1.0e-13 (the double holds
    1 − 9.992e-14, hence the "≈" on the cell)."""
    args = ["bce", "--y", "1,0", "--yhat", "0.9999999999999,0.2", "-p", "2"]
    out = runner.invoke(app, args, env={"COLUMNS": "200"})
    assert out.exit_code == 0, out.output
    assert re.search(r"│\s+0\.9999999999999 │", out.output), out.output
