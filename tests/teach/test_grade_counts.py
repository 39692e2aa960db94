"""The class summary writes its counts in full: ``:g`` kept 6 significant digits, so a
million skipped rows read "1e+06 rows" and 1,234,567 points would read "1.23457e+06"."""

from __future__ import annotations

from rnnloss_cli.teach.grade import _count


def test_whole_counts_are_written_in_full():
    assert _count(1_000_000, "row") == "1000000 rows"
    assert _count(1_234_567, "point") == "1234567 points"
    assert _count(1, "student") == "1 student"
    assert _count(0, "answer") == "0 answers"


def test_a_fraction_of_points_keeps_its_decimals():
    # points come from the key ({value: ..., points: 1.5}); 1.5 + 0.25 = 1.75
    assert _count(1.75, "point") == "1.75 points"
