"""No printed number shows more significant digits than a double holds (15, DBL_DIG), and
the "=" / "≈" check holds a printed number to the digits it can have.

By hand: (0.99999999999995 − 0) / 1e-12 is 999999999999.95 exactly, held as the double
999999999999.9500732421875; at -p 5 it printed 999999999999.95007, its 16th and 17th
significant digits rounding noise. 0.1 is held as 0.1000000000000000055511…: at -p 17 it
printed 0.10000000000000001.
"""

from __future__ import annotations

import pytest

from rnnloss_cli.render.relation import unsupported
from rnnloss_cli.render.text import fmt_number


@pytest.mark.parametrize(
    ("x", "precision", "want"),
    [
        # 12 whole digits leave 3 decimals: 999999999999.950 -> "999999999999.95"
        (999999999999.9500732421875, 5, "999999999999.95"),
        (999999999999.9500732421875, 8, "999999999999.95"),
        # below 1: 15 decimals are 15 significant digits
        (0.1, 17, "0.1"),
        (1 / 3, 17, "0.333333333333333"),
        (-2 / 3, 16, "-0.666666666666667"),
        # 5 whole digits leave 10 decimals: 12345.678901234567 -> 12345.6789012346
        (12345.678901234567, 14, "12345.6789012346"),
        # below 0.1, significant digits: 15 of 2/3000 = 0.000666666666666666666…
        (2 / 3000, 17, "0.000666666666666667"),
        # from 1e16 on, scientific: 15 significant digits of 1.2345678901234567e20
        (1.2345678901234567e20, 20, "1.23456789012346e20"),
        # fewer digits than the cap are as before
        (999999999999.9500732421875, 1, "1000000000000"),
        (0.3125, 3, "0.313"),
    ],
)
def test_printed_digits_stop_at_what_a_double_holds(x, precision, want):
    assert fmt_number(x, precision) == want


@pytest.mark.parametrize(
    ("line", "precision", "flagged"),
    [
        # 1/3 − 0.333333333333333 = 3.3e-16, within half a unit of the 15th decimal (5e-16),
        # the last one printed at -p 17: "="
        ("1 / 3 = 0.333333333333333", 17, []),
        # 1/3 − 0.333333333333334 = −6.7e-16: more than 5e-16 away
        ("1 / 3 = 0.333333333333334", 17, [0]),
        # 1e12 / 3 = 333333333333.3333…, printed with 3 decimals at -p 5 (12 whole digits):
        # 3.3e-4 from 333333333333.333, within 5e-4
        ("1000000000000 / 3 = 333333333333.333", 5, []),
        ("1000000000000 / 3 = 333333333333.334", 5, [0]),
        # the floored BCE gradient: 0.99999999999995 / 1e-12 / 1 = 999999999999.95 exactly
        ("0.99999999999995 / 1e-12 / 1 = 999999999999.95", 5, []),
        # below 0.1, 15 significant digits: 2/3000 − 0.000666666666666667 = −3.3e-19, within
        # half a unit of the 15th significant digit (5e-19)
        ("2 / 3000 = 0.000666666666666667", 17, []),
    ],
)
def test_a_relation_is_judged_at_the_digits_printed(line, precision, flagged):
    assert unsupported(line, precision) == flagged
    assert unsupported(line, precision, as_printed=True) == flagged
