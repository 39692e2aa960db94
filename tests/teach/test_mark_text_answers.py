"""Text answers no catalogue slip gives, explained from the answer itself: an alignment of
the target that is not the best one, and a labelling right but for the case of a symbol.
Both said only "a text is compared exactly".

problems/ctc-align-ab.yaml (its comments): y_t(-, A, B) = (.2 .7 .1), (.5 .3 .2),
(.3 .2 .5), (.4 .1 .5); π* = A-BB, p(π*) = .7 × .5 × .5 × .5 = .0875. By hand:
  A-B-: collapses to AB, p = .7 × .5 × .5 × .4 = .07
  ABBB: collapses to AB, p = .7 × .2 × .5 × .5 = .035
  A-B : three symbols for four frames, not an alignment
"""

from __future__ import annotations

import pytest

from rnnloss_cli.teach.mark import mark_answers, report_text

ALIGN = "problems/ctc-align-ab.yaml"


@pytest.mark.parametrize(
    ("path", "factors", "p"),
    [("A-B-", "0.7 × 0.5 × 0.5 × 0.4", "0.07"), ("ABBB", "0.7 × 0.2 × 0.5 × 0.5", "0.035")],
)
def test_another_alignment_of_the_target_is_named_with_both_probabilities(path, factors, p):
    m = mark_answers(ALIGN, {"path": path}).marks[0]
    assert not m.right
    assert m.slip == "not_the_best_alignment", report_text(mark_answers(ALIGN, {"path": path}))
    assert f"p({path}) = {factors} = {p}" in m.correct_step, m.correct_step
    assert "p(A-BB) = 0.7 × 0.5 × 0.5 × 0.5 = 0.0875" in m.correct_step, m.correct_step


def test_a_path_of_the_wrong_length_is_not_called_an_alignment():
    m = mark_answers(ALIGN, {"path": "A-B"}).marks[0]
    assert m.slip is None


def test_a_labelling_right_but_for_case_is_named():
    m = mark_answers(ALIGN, {"path": "a-bb"}).marks[0]
    assert m.slip == "symbol_case", (m.slip, m.says)
    assert m.correct_step.endswith(": A-BB"), m.correct_step
    m = mark_answers("problems/ctc-decode-lexicon.yaml", {"beam": "zzz"}).marks[0]
    assert m.slip is None  # not the key in any case


def test_pi_star_written_with_spaces_is_named_not_called_another_alignment():
    m = mark_answers(ALIGN, {"path": "A - B B"}).marks[0]
    assert m.slip == "symbols_spaced", (m.slip, m.says)
    assert m.correct_step.endswith(": A-BB")


def test_an_equally_probable_alignment_is_called_a_tie(tmp_path):
    # target a over two frames of y(-) = y(a) = .5: aa, a-, -a each .5 × .5 = .25 by hand
    f = tmp_path / "tie.yaml"
    f.write_text(
        'kind: ctc_align\ntitle: tie\nsymbols: ["-", a]\ntarget: a\n'
        "emissions: [[0.5, 0.5], [0.5, 0.5]]\nanswer: {path: aa}\n"
    )
    key = mark_answers(str(f), {"path": "aa"}).marks[0].expected  # the engine's pick
    other = next(x for x in ("aa", "a-", "-a") if x != key)
    m = mark_answers(str(f), {"path": other}).marks[0]
    assert m.slip == "not_the_best_alignment"
    assert "a tie" in m.says and "not the most probable" not in m.says, m.says
    assert f"p({other}) = 0.5 × 0.5 = 0.25, and p({key}) = 0.5 × 0.5 = 0.25" in m.correct_step
