"""Relations between numbers far outside Python's default Decimal range (exponents beyond
±999,999, as the probability of an RNN-T path through a logit of 10^9) are judged or left
alone, never an internal error: Decimal(5).scaleb(-434294490) raised InvalidOperation."""

from __future__ import annotations

from rnnloss_cli.render import relation


def test_a_relation_with_a_tiny_printed_number_is_judged_without_error():
    # 2 × 3.125e-434294483 = 6.25e-434294483 holds: no "=" is marked
    assert relation.unsupported("2 × 3.125e-434294483 = 6.25e-434294483", 3) == []
    assert relation.unsupported("2 × 3.125e-434294483 = 6.25e-434294483", 3, as_printed=True) == []
    # a right side far below the left side's value is judged wrong, not an error
    assert relation.unsupported("0.5 × 0.5 = 6.25e-434294483", 3, as_printed=True) == [0]
    # and a wrong product is still caught: 2 × 3.125e-434294483 is not 7e-434294483
    assert relation.unsupported("2 × 3.125e-434294483 = 7e-434294483", 3) == [0]


def test_a_huge_printed_number_is_judged_without_error():
    # 2 × 5e434294483 = 1e434294484
    assert relation.unsupported("2 × 5e434294483 = 1e434294484", 3) == []
