"""A printed result exactly half-way between two roundings is given only when it is the one a
student gets rounding half away from zero, as the numbers are printed (render.text.fmt_number,
tests/render/test_ties.py): a tie read down is no "=".

Hand arithmetic in each comment.
"""

from __future__ import annotations

import pytest

from rnnloss_cli.render.relation import unsupported
from rnnloss_cli.render.text import step_text
from rnnloss_cli.result import Step


@pytest.mark.parametrize(
    ("line", "precision", "bad"),
    [
        # 2.477 / 2 = 1.2385 exactly: half up 1.239, so 1.238 is not given
        ("m = 2.477 / 2 = 1.238", 3, [1]),
        ("m = 2.477 / 2 = 1.239", 3, []),
        # away from zero: −2.477 / 2 = −1.2385 rounds to −1.239
        ("m = -2.477 / 2 = -1.238", 3, [1]),
        ("m = -2.477 / 2 = -1.239", 3, []),
        # bce-tokens: 0.2 / 0.16 / 4 = 0.3125, printed half up 0.313 (given, as before)
        ("g = 0.2 / 0.16 / 4 = 0.313", 3, []),
        ("g = 0.2 / 0.16 / 4 = 0.312", 3, [1]),
        # 0.7 × 0.5 = 0.35 at one decimal: 0.4
        ("p = 0.7 × 0.5 = 0.4", 1, []),
        ("p = 0.7 × 0.5 = 0.3", 1, [1]),
        # not ties: 2.4769 / 2 = 1.23845 is within half a unit of 1.238
        ("m = 2.4769 / 2 = 1.238", 3, []),
        # below 0.1, significant digits: 0.25 × 0.05 = 0.0125, 2 significant digits: 0.013
        ("q = 0.25 × 0.05 = 0.013", 2, []),
        ("q = 0.25 × 0.05 = 0.012", 2, [1]),
    ],
)
def test_a_tie_gives_only_its_half_up_rounding(line, precision, bad):
    # the index counts the " = " signs: the first is the name's
    assert unsupported(line, precision, as_printed=True) == bad
    assert unsupported(line, precision) == bad


def test_a_line_whose_printed_operands_tie_takes_a_guard_digit():
    # seq-padded-batch: sum 2.476939, / 2 = 1.2384695 (1.238 at 3 decimals); 2.477 / 2 =
    # 1.2385 would round to 1.239, 2.4769 / 2 = 1.23845 gives 1.238
    total = 0.223144 + 0.510826 + 0.693147 + 0.693147 + 0.356675
    step = Step("mean", "{s} / 2 = {m}", {"s": total, "m": total / 2})
    assert step_text(step, 3) == "2.4769 / 2 = 1.238"
