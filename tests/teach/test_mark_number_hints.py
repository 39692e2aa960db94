"""An answer written as a percentage, a fraction or with a typographic minus is refused (a
number is a plain decimal) with the one line saying what to write instead; the line said
only "(e.g. 1.4, -2e-3, inf)", so a student's "8.75%" or an exported "−0.196" (U+2212, as
the sheets print a minus) left the instructor guessing what was wrong."""

from __future__ import annotations

import pytest

from rnnloss_cli.teach.mark import parse_value


@pytest.mark.parametrize(
    ("answer", "hint"),
    [
        ("8.75%", "8.75% is 0.0875"),  # 8.75 / 100 = 0.0875
        ("50 %", "50% is 0.5"),
        ("1/2", "1/2 is 0.5"),
        ("-3/4", "-3/4 is -0.75"),
        ("½", "½ is 0.5"),
        ("\u22120.196", "U+2212 MINUS SIGN is not the minus sign '-'"),
        ("\u20130.196", "U+2013 EN DASH"),
        # Arabic-Indic and full-width digits: a problem file and a flag said so, an answer
        # said only "(e.g. 1.4, -2e-3, inf)"
        ("\u0660.\u0664", "digits other than 0-9"),
        ("\uff10.5", "digits other than 0-9"),
    ],
)
def test_the_refusal_says_what_to_write(answer: str, hint: str):
    with pytest.raises(ValueError, match="is not a number") as err:
        parse_value(answer)
    assert hint in str(err.value), str(err.value)


def test_a_decimal_comma_keeps_its_hint():
    with pytest.raises(ValueError, match=r"write the decimal point as a dot \(1\.5\)"):
        parse_value("1,5")
