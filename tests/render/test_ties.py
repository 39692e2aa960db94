"""Decimal ties print half up, as a student rounds with a pencil.

A double that is a decimal tie up to float noise (0.2 / 0.16 / 4 = 0.3125 is held as
0.31249999999999994) counts as the tie once cleaned to 15 significant digits; a number
that is genuinely below or above the tie keeps its nearest rounding.
"""

from __future__ import annotations

import pytest

from rnnloss_cli.render.text import fmt_number


@pytest.mark.parametrize(
    ("x", "precision", "want"),
    [
        # bce-tokens: 0.2 / 0.16 / 4 = 0.3125 exactly; a student writes 0.313
        (0.2 / 0.16 / 4, 3, "0.313"),
        (0.3125, 3, "0.313"),  # the exact tie (Python's round-half-even gives 0.312)
        (-0.3125, 3, "-0.313"),  # half away from zero: the sign does not change the digits
        (0.125, 2, "0.13"),
        (2.5, 0, "3"),
        (0.5, 0, "1"),
        # below 0.1, significant digits: 0.0125 -> 0.013 at 2 significant digits
        (0.0125, 2, "0.013"),
        # 1.5e-5 at 1 significant digit is 2e-5, not 2e-05 and not 1e-5 (half-even on 1.5)
        (1.5e-5, 1, "2e-5"),
        # not ties: 0.31249 is below, 0.31251 above
        (0.31249, 3, "0.312"),
        (0.31251, 3, "0.313"),
        # at 17 digits, 15 significant ones (a double's): 0.100000000000000 -> 0.1
        (0.1, 17, "0.1"),
    ],
)
def test_ties_round_half_up(x, precision, want):
    assert fmt_number(x, precision) == want
