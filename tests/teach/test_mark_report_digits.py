"""mark's report line keeps the digits that decide it: a loss of 2196.7969 was "expected
2197" and an answer 2196.7979 (0.001 off, outside ±0.0005) was printed "2196.8", the same
text as the right answer 2196.797 ("loss = 2196.8: right (2197)").

Hand arithmetic: MSE of y = 0 against ŷ = 46.87, one term: 46.87² = 2196.7969 (46.87 ×
46.87 = 2196.7969 exactly). Within ±0.0005 a student needs the value to 3 decimals
(a rounding error of at most 0.0005): 2196.797.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnloss_cli.teach.mark import mark_answers, report_text

MSE = "kind: mse\ntitle: one far forecast\ny: [0]\nyhat: [46.87]\n"


@pytest.fixture
def mse(tmp_path: Path) -> str:
    f = tmp_path / "mse.yaml"
    f.write_text(MSE)
    return str(f)


def test_a_wrong_answer_and_its_expected_value_show_the_digits_that_differ(mse: str):
    text = report_text(mark_answers(mse, {"loss": 2196.7979}))
    assert "loss = 2196.7979: wrong, expected 2196.797 (±0.0005)" in text, text


def test_a_right_answer_is_printed_as_written(mse: str):
    text = report_text(mark_answers(mse, {"loss": 2196.797}))
    assert "loss = 2196.797: right (2196.797)" in text, text


def test_short_values_keep_four_significant_digits(tmp_path: Path):
    # MSE of y = 0 against ŷ = 0.6: 0.36; answered 0.4 (wrong)
    f = tmp_path / "small.yaml"
    f.write_text("kind: mse\ntitle: small\ny: [0]\nyhat: [0.6]\n")
    text = report_text(mark_answers(str(f), {"loss": 0.4}))
    assert "loss = 0.4: wrong, expected 0.36 (±0.0005)" in text, text
