"""Two slips together: a wrong number no single slip gives, named by the pair that does."""

from __future__ import annotations

from rnnloss_cli.teach.mark import mark_answers, report_text

HINGE = "problems/hinge-sequence.yaml"
# y = [1, -1, 1], yhat = [0.8, -0.5, 0.3]: terms max(0, 1 - y*yhat) = 0.2, 0.5, 0.7;
# the mean 1.4 / 3 = 0.4667 is asked (loss), the sum is 1.4.
# The label -1 read as +1: step 2 becomes max(0, 1 - (-0.5)) = 1.5, so the terms are
# 0.2, 1.5, 0.7: mean 2.4 / 3 = 0.8 (negative_label_sign alone), sum 2.4 (both slips).


def test_sum_for_mean_and_the_label_sign_together_are_named():
    report = mark_answers(HINGE, {"loss": 2.4})
    m = report.marks[0]
    assert not m.right
    assert m.slip == "sum_for_mean+negative_label_sign"
    assert abs(m.slip_value - 2.4) < 1e-9
    text = report_text(report)
    assert "sum of the terms" in text and "label −1 was used as +1" in text
    # the correct step undoes both: the sign (the sum 1.4), then the mean (/ 3)
    assert "1.4" in m.correct_step and "/ 3" in m.correct_step


def test_a_single_slip_is_still_named_alone():
    assert mark_answers(HINGE, {"loss": 1.4}).marks[0].slip == "sum_for_mean"
    assert mark_answers(HINGE, {"loss": 0.8}).marks[0].slip == "negative_label_sign"


def test_a_number_no_pair_gives_stays_unexplained():
    for value in (0.9, 3.3, -2.4):
        assert mark_answers(HINGE, {"loss": value}).marks[0].slip is None
