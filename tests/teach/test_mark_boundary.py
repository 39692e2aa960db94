"""An answer exactly at the tolerance's edge is right, as the messages say ("within
±0.0005") and as Moodle grades the exported question (it adds 1e-14 × max(1, |answer|) to
every tolerance): float rounding of the difference put 0.123 for a key of 0.1235 just past
0.0005, so mark and grade called wrong what the Moodle quiz of the same file called right."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from rnnloss_cli.cli import app
from rnnloss_cli.teach.mark import mark_answers

# Hinge of one step, y = 1, ŷ = 0.8765: max(0, 1 − 0.8765) = 0.1235 exactly (in decimals).
# 0.123 and 0.124 are 0.0005 from it, the edge of ±0.0005 (in float64, 1 − 0.8765 − 0.123 =
# 0.000500000000000056); 0.1229 and 0.1241 are 0.0006 from it, outside.
_EDGE = "kind: hinge\ny: [1]\nyhat: [0.8765]\nreduction: mean\nanswer: {loss: 0.1235}\n"


@pytest.mark.parametrize(
    ("answer", "right"), [("0.123", True), ("0.124", True), ("0.1229", False), ("0.1241", False)]
)
def test_an_answer_at_the_tolerance_edge_is_right(tmp_path: Path, answer: str, right: bool):
    f = tmp_path / "edge.yaml"
    f.write_text(_EDGE)
    assert mark_answers(str(f), {"loss": answer}).ok is right


def test_grade_gives_the_point_at_the_edge(tmp_path: Path):
    f, answers = tmp_path / "edge.yaml", tmp_path / "answers.csv"
    f.write_text(_EDGE)
    answers.write_text("student,problem,figure,value\ns1,edge,loss,0.123\n")
    r = CliRunner().invoke(app, ["grade", str(f), str(answers)])
    assert r.exit_code == 0, r.output
    assert "s1,1,1,100.0,0," in r.output
