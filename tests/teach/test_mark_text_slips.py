"""Slips for text figures (a decoding's labellings, an alignment's path), each worked by hand.

The wrong labellings are written out from the problems' numbers, and the collapse variants
come from a tiny collapse written here (not from the solver).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from rnnloss_cli.cli import app
from rnnloss_cli.teach.grade import grade_class
from rnnloss_cli.teach.mark import mark_answers, report_json, report_text

BEAM_VS_GREEDY = "problems/ctc-decode-beam-vs-greedy.yaml"  # greedy "" (path - -), beam a
LM = "problems/ctc-decode-lm.yaml"  # greedy ac, beam ab; without the LM the beam ends on ac
LEXICON = "problems/ctc-decode-lexicon.yaml"  # greedy ac, beam ab; no lexicon: ac .36 > ab .28

# Best path, by the argmax of each row: t1 a .6, t2 a .6, t3 - .6, t4 a .6, t5 b .6
# -> π* = a a - a b; B(π*): merge runs (a - a b), then drop blanks: aab.
COLLAPSE = """kind: ctc_decode
title: collapse rule
symbols: ["-", a, b]
blank: "-"
beam: 2
emissions:
  - [0.2, 0.6, 0.2]
  - [0.2, 0.6, 0.2]
  - [0.6, 0.2, 0.2]
  - [0.2, 0.6, 0.2]
  - [0.2, 0.2, 0.6]
answer:
  greedy: aab
"""
BEST_PATH = ["a", "a", "-", "a", "b"]

# Target AB over 3 frames (rows -, A, B). Per-frame argmax: A A A (collapses to A, not AB).
# Alignments of AB: AAB .7*.6*.3 = .126, ABB .7*.3*.3 = .063, A-B .7*.1*.3 = .021,
# -AB .2*.6*.3 = .036, AB- .7*.3*.2 = .042: the best is AAB.
FORCED = """kind: ctc_align
title: forced
target: AB
symbols: ["-", A, B]
blank: "-"
emissions:
  - [0.2, 0.7, 0.1]
  - [0.1, 0.6, 0.3]
  - [0.2, 0.5, 0.3]
answer:
  path: AAB
"""


def merge(path: list[str]) -> list[str]:
    out: list[str] = []
    for s in path:
        if not out or out[-1] != s:
            out.append(s)
    return out


def unblank(path: list[str]) -> list[str]:
    return [s for s in path if s != "-"]


def slips(m) -> list[str]:
    return [m.slip, *m.also]


@pytest.fixture
def collapse(tmp_path: Path) -> str:
    f = tmp_path / "collapse.yaml"
    f.write_text(COLLAPSE)
    return str(f)


@pytest.fixture
def forced(tmp_path: Path) -> str:
    f = tmp_path / "forced.yaml"
    f.write_text(FORCED)
    return str(f)


def test_collapse_by_hand_is_the_key():
    assert "".join(unblank(merge(BEST_PATH))) == "aab"


@pytest.mark.parametrize(
    ("wrong", "slip"),
    [
        ("".join(merge(BEST_PATH)), "blanks_not_removed"),  # a-ab
        ("".join(unblank(BEST_PATH)), "repeats_not_merged"),  # aaab
        ("".join(merge(unblank(BEST_PATH))), "merged_across_blank"),  # ab
        ("".join(BEST_PATH), "path_not_collapsed"),  # aa-ab
    ],
)
def test_collapse_slips(collapse: str, wrong: str, slip: str):
    m = mark_answers(collapse, {"greedy": wrong}).marks[0]
    assert not m.right and m.earned == 0
    assert m.slip == slip, (wrong, m.slip, m.also)
    assert m.slip_value == wrong
    assert "aa-ab" in m.correct_step and "aab" in m.correct_step


def test_unknown_labelling_stays_unexplained(collapse: str):
    m = mark_answers(collapse, {"greedy": "abab"}).marks[0]
    assert not m.right and m.slip is None
    assert "compared exactly" in report_text(mark_answers(collapse, {"greedy": "abab"}))


def test_greedy_for_beam_and_beam_for_greedy():
    # the greedy answer "" (written ε) where the beam's a is asked, and the other way
    m = mark_answers(BEAM_VS_GREEDY, {"beam": "ε"}).marks[0]
    assert m.slip == "greedy_for_beam"
    m = mark_answers(BEAM_VS_GREEDY, {"greedy": "a"}).marks[0]
    assert m.slip == "beam_for_greedy"
    # the best path "- -" written whole, or with its run merged to one blank
    assert mark_answers(BEAM_VS_GREEDY, {"greedy": "--"}).marks[0].slip == "path_not_collapsed"
    assert mark_answers(BEAM_VS_GREEDY, {"greedy": "-"}).marks[0].slip == "blanks_not_removed"


@pytest.mark.parametrize(("path", "option"), [(LM, "lm_ignored"), (LEXICON, "lexicon_ignored")])
def test_beam_without_its_option(path: str, option: str):
    m = mark_answers(path, {"beam": "ac"}).marks[0]
    assert not m.right
    assert "greedy_for_beam" in slips(m) and option in slips(m)


def test_alignment_slips(forced: str):
    m = mark_answers(forced, {"path": "AAA"}).marks[0]
    assert m.slip == "greedy_path_for_forced"
    m = mark_answers(forced, {"path": "AB"}).marks[0]
    assert m.slip == "labelling_for_path"
    assert mark_answers(forced, {"path": "AAB"}).marks[0].right


def test_report_names_the_text_slip(collapse: str):
    report = mark_answers(collapse, {"greedy": "ab"})
    text = report_text(report)
    assert "slip [merged_across_blank]" in text and "correct step:" in text
    assert '"slip_value": "ab"' in report_json(report)


def test_cli_mark_and_grade_name_text_slips(collapse: str, tmp_path: Path):
    r = CliRunner().invoke(app, ["mark", collapse, "-a", "greedy=aaab"])
    assert r.exit_code == 1, r.output
    assert "repeats_not_merged" in r.output
    answers = tmp_path / "a.csv"
    answers.write_text("student,problem,figure,value\nana,collapse,greedy,a-ab\n")
    report = grade_class([collapse], str(answers))
    assert [a.slip for a in report.answers] == ["blanks_not_removed"]
