"""Text figures (a decoding's labellings, an alignment's path) marked and graded as text.

The right texts come from the problem files' hand-worked comments:
- problems/ctc-decode-lm.yaml: greedy path "ac" (argmax a at t=1 .80, c at t=2 .45), collapse
  ac; the beam with the unigram LM keeps ab (score -1.972966 beats a -2.071957, ac -3.321651);
  beam_prob p(ab|x) = .8 * .35 = .28; loss -ln .28 = 1.272966; greedy_prob .36.
- problems/ctc-align-ab.yaml: the Viterbi path A-BB (.7 * .5 * .5 * .5 = .0875).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from rnnloss_cli.cli import app
from rnnloss_cli.errors import ProblemError
from rnnloss_cli.teach.grade import grade_class
from rnnloss_cli.teach.mark import mark_answers, report_text

LM = "problems/ctc-decode-lm.yaml"
ALIGN = "problems/ctc-align-ab.yaml"
runner = CliRunner()

# One frame, blank .6 and a .4: greedy takes the blank -> the empty labelling; the beam
# compares p("") = .6 with p(a) = .4 -> the empty labelling too.
EMPTY = """kind: ctc_decode
title: blank wins
symbols: ["-", a]
blank: "-"
beam: 2
emissions:
  - [0.6, 0.4]
answer:
  greedy: ""
  beam:
"""


def run(*args: str):
    return runner.invoke(app, list(args))


def test_mark_right_text_and_spaces_trimmed():
    report = mark_answers(LM, {"beam": " ab ", "greedy": "ac"})
    assert [m.right for m in report.marks] == [True, True]
    assert report.earned == 2 and report.possible == 2


def test_mark_wrong_text_names_the_expected():
    report = mark_answers(LM, {"beam": "ac"})  # the network alone prefers ac; the LM turns it
    m = report.marks[0]
    assert not m.right and m.earned == 0 and m.points == 1
    assert "beam = ac: wrong, expected ab" in report_text(report)


def test_mark_text_is_case_sensitive_and_exact():
    assert not mark_answers(LM, {"beam": "AB"}).marks[0].right
    assert not mark_answers(ALIGN, {"path": "A-B"}).marks[0].right
    assert mark_answers(ALIGN, {"path": "A-BB"}).marks[0].right


@pytest.mark.parametrize("written", ["ε", " ε ", "(empty)", "", '""', "''", " (empty) "])
def test_mark_empty_labelling(tmp_path: Path, written: str):
    f = tmp_path / "empty.yaml"
    f.write_text(EMPTY)
    report = mark_answers(str(f), {"greedy": written, "beam": written})
    assert [m.right for m in report.marks] == [True, True]


def test_mark_empty_expected_shown_when_wrong(tmp_path: Path):
    f = tmp_path / "empty.yaml"
    f.write_text(EMPTY)
    text = report_text(mark_answers(str(f), {"beam": "a"}))
    assert "beam = a: wrong, expected ε" in text


def test_mark_numbers_unchanged_beside_text():
    report = mark_answers(LM, {"beam_prob": 0.28, "loss": "1.273", "beam": "ab"})
    assert all(m.right for m in report.marks)


def test_number_for_a_text_figure_is_one_clear_error():
    with pytest.raises(ProblemError, match="beam.*text"):
        mark_answers(LM, {"beam": "1.5"})


def test_text_for_a_number_figure_is_one_clear_error():
    with pytest.raises(ProblemError, match="'ab' is not a number"):
        mark_answers(LM, {"beam_prob": "ab"})


def test_cli_mark_text_exit_codes():
    r = run("mark", LM, "-a", "beam=ab", "-a", "greedy=ac")
    assert r.exit_code == 0, r.output
    r = run("mark", LM, "-a", "beam=ac")
    assert r.exit_code == 1, r.output
    assert "expected ab" in r.output
    r = run("mark", LM, "-a", "beam=1.5")
    assert r.exit_code == 2
    assert len(r.output.strip().splitlines()) == 1 and "Traceback" not in r.output
    r = run("mark", LM, "-a", "beam_prob=ab")
    assert r.exit_code == 2 and "not a number" in r.output


def test_grade_long_csv_mixing_numbers_and_text(tmp_path: Path):
    answers = tmp_path / "a.csv"
    answers.write_text(
        "student,problem,figure,value\n"
        "ana,ctc-decode-lm,greedy,ac\n"
        "ana,ctc-decode-lm,beam,ab\n"
        "ana,ctc-decode-lm,beam_prob,0.28\n"
        "ana,ctc-decode-lm,loss,1.273\n"
        "ana,ctc-decode-lm,greedy_prob,0.36\n"
        "ben,ctc-decode-lm,beam,ac\n"  # wrong: that is the network alone's best
        "ben,ctc-decode-lm,beam_prob,0.36\n"  # wrong
        "ben,ctc-decode-lm,greedy, ac \n"  # right (spaces trimmed)
        "ben,ctc-decode-lm,loss,1.5\n"  # row 10: not a text
        "cy,ctc-decode-lm,beam,2\n"  # row 11: a number for the labelling: skipped
        "cy,ctc-decode-lm,loss,ab\n"  # row 12: text for a number: skipped
        "cy,ctc-align-ab,path,A-BB\n"  # right
    )
    report = grade_class([LM, ALIGN], str(answers))
    totals = report.totals()
    # ctc-decode-lm keys: greedy, greedy_prob, beam, beam_prob, loss -> 5 points;
    # ctc-align-ab: path, best, total, loss -> 4 points; every problem given counts: 9.
    assert totals["ana"] == (5, 9)
    assert totals["ben"] == (1, 9)
    assert totals["cy"] == (1, 9)
    assert any("row 11" in i and "text" in i for i in report.issues), report.issues
    assert any("row 12" in i and "not a number" in i for i in report.issues), report.issues
    wrong = [a for a in report.answers if a.student == "ben" and a.figure == "beam"][0]
    assert not wrong.right and wrong.expected == "ab"


def test_grade_wide_csv_with_text_columns(tmp_path: Path):
    answers = tmp_path / "w.csv"
    answers.write_text(
        "student,problem,greedy,beam,loss,path\n"
        "ana,ctc-decode-lm,ac,ab,1.273,\n"  # 3 right of 5
        "ana,ctc-align-ab,,,0.7158,A-BB\n"  # loss -ln .4888 = 0.715802, path: 2 of 4
        # (9 possible: 5 + 4 points, every problem given)
        "ben,ctc-decode-lm,ab,ac,,\n"  # greedy and beam swapped: 0 of 5
    )
    report = grade_class([LM, ALIGN], str(answers))
    totals = report.totals()
    assert totals["ana"] == (5, 9)
    assert totals["ben"] == (0, 9)
    assert not report.issues, report.issues


def test_grade_wide_csv_empty_labelling(tmp_path: Path):
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "blank.yaml").write_text(EMPTY)
    answers = tmp_path / "w.csv"
    # an empty cell is "not answered" in the wide form: the empty labelling is ε (or the
    # older (empty))
    answers.write_text("student,problem,greedy,beam\nana,blank,ε,\nben,blank,a,(empty)\n")
    report = grade_class([str(tmp_path / "p")], str(answers))
    assert report.totals()["ana"] == (1, 2)
    assert report.totals()["ben"] == (1, 2)


def test_a_text_answer_with_a_line_break_stays_on_its_report_line():
    # Found by hand: `mark ctc-decode-beam-vs-greedy.yaml --answer $'beam=a\nb'` printed
    # "beam = a" and "b: wrong, expected a" on two lines (other control characters were
    # already shown as U+FFFD): one line a figure, as a report is read.
    report = mark_answers("problems/ctc-decode-beam-vs-greedy.yaml", {"beam": "a\nb"})
    lines = report_text(report).splitlines()
    assert lines[1] == "  beam = a\ufffdb: wrong, expected a", lines
