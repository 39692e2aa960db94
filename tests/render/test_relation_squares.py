"""The relation check reads a square as a student writes it (1.279²), and a name's digit (h0²)
as part of the name, not as the number 0.

Hand arithmetic: 1.28² + 0.32² = 1.6384 + 0.1024 = 1.7408 (1.74 at 2 decimals, not 1.75);
3² = 9; "W_xh² + h0² = 1.28²…": names on the left, no number to judge.
"""

from __future__ import annotations

import pytest

from rnnloss_cli.render.relation import unsupported


@pytest.mark.parametrize(
    ("line", "precision", "bad"),
    [
        ("1.28² + 0.32² = 1.74", 2, []),  # 1.7408
        ("1.28² + 0.32² = 1.75", 2, [0]),  # 1.7408 is not 1.75
        ("x = 3² = 8", 0, [1]),  # 9
        ("W_xh² + h0² = 1.28² + 0.32² = 1.74", 2, []),  # h0² is no 0²; the sum holds
    ],
)
def test_squares_are_read(line, precision, bad):
    assert unsupported(line, precision, as_printed=True) == bad
