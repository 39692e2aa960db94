"""A text figure (an alignment's path, a decoding's labellings) can be marked when the file's
key leaves it out, as a number figure can: `mark nopath.yaml --answer path=A-BB` said "no
figure named 'path'" while the unkeyed `loss` and `best` were marked. The engine's text is
what the keyed file's key says (problems/ctc-align-ab.yaml: path A-BB; ctc-decode-lm.yaml:
greedy ac, beam ab), so these answers are checked against the handout-side keys."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnloss_cli.teach.mark import mark_answers

PROBLEMS = Path(__file__).resolve().parents[2] / "problems"


def _without_key(tmp_path: Path, name: str, drop: tuple[str, ...]) -> str:
    lines = (PROBLEMS / name).read_text().splitlines()
    kept = [ln for ln in lines if not any(ln.startswith(f"  {d}:") for d in drop)]
    out = tmp_path / name
    out.write_text("\n".join(kept) + "\n")
    return str(out)


@pytest.mark.parametrize(
    ("name", "drop", "answers", "right"),
    [
        ("ctc-align-ab.yaml", ("path",), {"path": "A-BB"}, True),
        ("ctc-align-ab.yaml", ("path",), {"path": "AB--"}, False),
        ("ctc-decode-lm.yaml", ("greedy", "beam"), {"beam": "ab", "greedy": "ac"}, True),
        ("ctc-decode-lm.yaml", ("greedy", "beam"), {"beam": "ac"}, False),
    ],
)
def test_an_unkeyed_text_figure_is_marked(tmp_path, name, drop, answers, right):
    report = mark_answers(_without_key(tmp_path, name, drop), answers)
    assert [m.right for m in report.marks] == [right] * len(answers)


def test_json_gives_the_text_figures_keyed_or_not(tmp_path):
    import json

    from typer.testing import CliRunner

    from rnnloss_cli.cli import app

    path = _without_key(tmp_path, "ctc-align-ab.yaml", ("path",))
    doc = json.loads(CliRunner().invoke(app, ["solve", path, "-f", "json"]).output)
    assert doc["text_figures"] == {"path": "A-BB"}
    mse = json.loads(
        CliRunner().invoke(app, ["solve", str(PROBLEMS / "mse-forecast.yaml"), "-f", "json"]).output
    )
    assert mse["text_figures"] == {}


def test_grade_still_grades_the_loss_of_a_file_with_no_key(tmp_path):
    """A ctc_align file with no answer key grades its loss, as before text figures could be
    marked without a key (then grade saw the unkeyed path and graded that alone, skipping the
    loss: 'figure loss is not in graded for ...'). The loss of ctc-align-ab is 0.7158 (its
    key)."""
    from typer.testing import CliRunner

    from rnnloss_cli.cli import app

    folder = tmp_path / "tg"
    folder.mkdir()
    text = (PROBLEMS / "ctc-align-ab.yaml").read_text().split("\nanswer:")[0] + "\n"
    (folder / "align-nokey.yaml").write_text(text)
    answers = tmp_path / "a.csv"
    answers.write_text("student,problem,figure,value\ns1,align-nokey,loss,0.7158\n")
    r = CliRunner().invoke(app, ["grade", str(folder), str(answers)])
    assert r.exit_code == 0, r.output
    assert "warning" not in r.output, r.output
    assert "1 answer graded" in r.output and "mean 100.0% of 1 point" in r.output, r.output
