"""A derivation line is redone from its printed numbers: operands get up to two more digits
when the rounded ones would not give the printed result, and "≈" is left for lines that even
then do not.

Hand arithmetic for each case is in its comment (a calculator, not the engine).
"""

from __future__ import annotations

import math

import pytest

from rnnloss_cli.render.text import step_latex, step_text
from rnnloss_cli.result import LogNumber, Step


def _ln_step() -> Step:
    # digits-123: P = 0.22184; −ln 0.222 = 1.50507 (prints 1.505), −ln 0.2218 = 1.50598
    # (prints 1.506 = the loss, −ln 0.22184 = 1.50580)
    p = 0.22184
    return Step("listed loss", "−ln P = −ln {p} = {loss}", {"p": p, "loss": -math.log(p)})


def test_an_operand_gets_a_digit_when_its_rounding_breaks_the_line():
    assert step_text(_ln_step(), 3) == "−ln P = −ln 0.2218 = 1.506"


def test_latex_shows_the_same_digits_and_no_approx():
    latex = step_latex(_ln_step(), 3)
    assert "0.2218" in latex and r"\approx" not in latex


def test_a_sum_whose_rounded_terms_miss_the_total():
    # DEEP: 0.0095256 + 0.031752 + 0.031752 = 0.0730296 (prints 0.073); at 3 significant
    # digits 0.00953 + 0.0318 + 0.0318 = 0.07313 (0.0731); at 4, 0.009526 + 0.03175 + 0.03175
    # = 0.073026 (0.073)
    terms = [0.0095256, 0.031752, 0.031752]
    step = Step("sum", "P = {terms|+} = {value}", {"terms": terms, "value": sum(terms)})
    assert step_text(step, 3) == "P = 0.009526 + 0.03175 + 0.03175 = 0.073"


def test_weighted_sum_of_a_custom_problem():
    # 0.7 × 1.560648 + 0.3 × 0.466667 = 1.232454: at 3 decimals 0.7 × 1.561 + 0.3 × 0.467 =
    # 1.2328 (1.233); at 4, 0.7 × 1.5606 + 0.3 × 0.4667 = 1.23243 (1.232)
    step = Step(
        "weighted sum",
        "{a} × {x} + {b} × {y} = {total}",
        {"a": 0.7, "x": 1.560648, "b": 0.3, "y": 0.466667, "total": 1.232454},
    )
    assert step_text(step, 3) == "0.7 × 1.5606 + 0.3 × 0.4667 = 1.232"


def test_lines_that_hold_at_the_precision_are_left_alone():
    # 0.2 + 0.5 + 0.7 = 1.4
    step = Step("sum", "{terms|+} = {value}", {"terms": [0.2, 0.5, 0.7], "value": 1.4})
    assert step_text(step, 3) == "0.2 + 0.5 + 0.7 = 1.4"


@pytest.mark.parametrize("precision", [0, 1, 3])
def test_a_line_no_digit_can_mend_keeps_its_approx(precision):
    # 1 + 1 is 2 at every precision, never 3
    step = Step("wrong", "{a} + {b} = {c}", {"a": 1.0, "b": 1.0, "c": 3.0})
    assert step_text(step, precision) == "1 + 1 ≈ 3"
    assert r"\approx" in step_latex(step, precision)


@pytest.mark.parametrize("latex", [False, True])
def test_a_probability_whose_exponent_is_itself_huge_prints_short(latex):
    """exp(-1.7e308): its base-10 exponent is -1.7e308 / ln 10 = -7.383e307, a 308-digit
    integer that was printed in full; past 10^15 the mantissa has no digits left, so it reads
    10^(-7.38e307)."""
    from rnnloss_cli.render.text import fmt_log

    out = fmt_log(-1.7e308, 3, latex)
    assert len(out) < 40, out
    assert ("-7.38" in out) and ("307" in out), out
    assert fmt_log(-2100 * math.log(10), 3, latex).startswith("1.00")  # 1e-2100 as before


@pytest.mark.parametrize(
    ("expected", "got", "shown"),
    [
        # rnnt-ab-two-frames: key 1.4065, −ln 0.245 = 1.406497: at 3 decimals the key read
        # 1.407 and the result 1.406 ("expected 1.407, got 1.406 ok"); at the key's own 4
        # decimals both read 1.4065
        (1.4065, -math.log(0.245), ("1.4065", "1.4065")),
        # a key with fewer digits than --precision keeps the precision: 0.4 and 0.4
        (0.4, 0.4000000001, ("0.4", "0.4")),
        # below 0.1, significant digits: 0.0875 has 3
        (0.0875, 0.0875, ("0.0875", "0.0875")),
        (math.inf, math.inf, ("inf", "inf")),
    ],
)
def test_a_key_is_shown_with_its_own_digits(expected, got, shown):
    from rnnloss_cli.render.text import fmt_key

    assert fmt_key(expected, got, 3) == shown


def test_a_text_key_is_shown_as_it_is():
    # ctc_align's path key: text, not a number
    from rnnloss_cli.render.text import fmt_key

    assert fmt_key("A-BB", "A-BB", 3) == ("A-BB", "A-BB")


def test_a_line_is_judged_to_its_last_digit_at_high_precision():
    """-p 12: the printed operands were read in binary with a 1e-12 relative slack, which
    at 12 decimals is two units of the last digit: a wrong "=" passed."""
    # x = ln 0.7 = -0.35667494393873245; 2x = -0.7133498878774649 (-0.713349887877 at 12)
    # at 12 decimals x prints -0.356674943939: -0.356674943939 × 2 = -0.713349887878, one unit
    # off; at 13, -0.3566749439387 × 2 = -0.7133498878774 (-0.713349887877): mended
    x = math.log(0.7)
    step = Step("sum", "{terms|+} = {value}", {"terms": [x, x], "value": 2 * x})
    assert step_text(step, 12) == "−0.3566749439387 + −0.3566749439387 = −0.713349887877"


def test_a_line_with_more_digits_than_a_double_says_approx():
    # -p 17 prints at most 15 significant digits (a double's): ln 2 / ln 2 reads
    # 0.693147180559945 nats / ln 2, and 0.693147180559945 / 0.693147180559945309417... =
    # 1 − 3.09e-16 / 0.693 = 1 − 4.5e-16, within half a unit (5e-15) of the 14th decimal of
    # 1, its 15th significant digit: "=". (It printed 0.69314718055994529, held to 17
    # decimals: 0.99999999999999997 is not 1 there, and the line said "≈".)
    step = Step("bits", "{nats} nats / ln 2 = {bits} bits", {"nats": math.log(2), "bits": 1.0})
    assert step_text(step, 17) == "0.693147180559945 nats / ln 2 = 1 bits"
    assert step_text(step, 3) == "0.693 nats / ln 2 = 1 bits"


def test_numbers_printed_from_their_logs_are_judged_too():
    # a = 1.1342e-446 (a LogNumber: below a double): 1.13e-446 × 0.5 = 5.65e-447 misses the
    # printed 5.67e-447 (a / 2 = 5.671e-447); at 4 digits 1.134e-446 × 0.5 = 5.67e-447
    ln_a = math.log(1.1342) - 446 * math.log(10)
    values = {"a": LogNumber(ln_a), "b": 0.5, "c": LogNumber(ln_a - math.log(2))}
    step = Step("p", "p = {a} × {b} = {c}", values)
    assert step_text(step, 3) == "p = 1.134e-446 × 0.5 = 5.67e-447"


def test_a_number_printed_from_its_log_shows_only_the_digits_the_log_carries():
    # ln(1.1325e-446) as a double is off by ~2e-13 absolute, so exp of it is known to ~12
    # significant digits: at -p 17 the mantissa printed 1.1325000000003598 (noise past the
    # 12th digit); now 1.13250000000 (12 digits, all of them right)
    from rnnloss_cli.render.text import fmt_log

    ln = math.log(1.1325) - 446 * math.log(10)
    assert fmt_log(ln, 17) == "1.13250000000e-446"
    assert fmt_log(ln, 3) == "1.13e-446"
