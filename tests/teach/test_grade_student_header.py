"""The answers' student column may be headed as a roster's id column is (``vary --ids``):
``Student ID``, ``ID number``, ``username``, ``email``... An LMS export or the roster's own
spreadsheet heads it so, and grade refused the file ("expected a header 'student,...'")
that vary had read."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from rnnloss_cli.cli.app import app

# hinge-sequence: y = [1, -1, 1], yhat = [0.8, -0.5, 0.3] -> terms 0.2, 0.5, 0.7; sum 1.4,
# loss (mean) 1.4 / 3 = 0.4667: both right, 2 of 2 points


@pytest.mark.parametrize("head", ["Student ID", "student_id", "ID number", "Username", "id"])
@pytest.mark.parametrize("form", ["long", "wide"])
def test_a_roster_id_header_names_the_student_column(tmp_path, head: str, form: str):
    answers = tmp_path / "answers.csv"
    if form == "long":
        text = (
            f"{head},problem,figure,value\n"
            "ana,hinge-sequence,loss,0.4667\nana,hinge-sequence,sum,1.4\n"
        )
    else:
        text = f"{head},Problem,Loss,Sum\nana,hinge-sequence,0.4667,1.4\n"
    answers.write_text(text)
    r = CliRunner().invoke(app, ["grade", "problems/hinge-sequence.yaml", str(answers)])
    assert r.exit_code == 0, r.stderr
    assert r.stdout.splitlines()[1].startswith("ana,2,2,100.0,0,")


def test_a_header_of_no_student_column_is_still_refused_naming_the_header(tmp_path):
    answers = tmp_path / "answers.csv"
    answers.write_text("Group,problem,figure,value\n1,hinge-sequence,loss,0.4667\n")
    r = CliRunner().invoke(app, ["grade", "problems/hinge-sequence.yaml", str(answers)])
    assert r.exit_code == 2
    assert len(r.stderr.strip().splitlines()) == 1 and "student,problem" in r.stderr
