"""A spreadsheet's thousands separators in an answer: refused (never read as another number),
with the plain decimal named, as a decimal comma's hint names its dotted form."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from rnnloss_cli.cli.app import app
from rnnloss_cli.teach.mark import parse_value


@pytest.mark.parametrize(
    ("text", "plain"),
    [
        ("1,234.5", "1234.5"),  # English grouping
        ("-12,345,678.25", "-12345678.25"),
        ("1.234,5", "1234.5"),  # German grouping with a decimal comma
        ("1 234,5", "1234.5"),  # French: a space groups thousands
    ],
)
def test_grouped_thousands_are_refused_with_the_plain_number(text: str, plain: str):
    with pytest.raises(ValueError, match=rf"thousands.*\({plain}\)"):
        parse_value(text)


def test_grade_names_the_plain_number_of_a_grouped_value(tmp_path):
    answers = tmp_path / "answers.csv"
    answers.write_text('student,problem,figure,value\nana,hinge-sequence,sum,"1,234.5"\n')
    r = CliRunner().invoke(app, ["grade", "problems/hinge-sequence.yaml", str(answers)])
    assert r.exit_code == 0
    assert "(1234.5)" in r.stderr and "skipped" in r.stderr
