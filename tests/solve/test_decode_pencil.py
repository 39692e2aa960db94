"""CTC decoding read with a pencil: the greedy labelling's LM score is shown when the LM
turns the beam away from it, and the pruning note says whether l*'s total is exact."""

from pathlib import Path

import pytest

from rnnloss_cli import solve_file, solve_problem
from rnnloss_cli.render.text import step_text

PROBLEMS = Path(__file__).resolve().parents[2] / "problems"


def test_the_lm_score_of_the_greedy_labelling_is_worked():
    # ctc-decode-lm.yaml: score(ac) = ln .36 + 1 × (−2.3) = −1.021651 − 2.3 = −3.321651,
    # against score(ab) = ln .28 − .7 = −1.972966
    r = solve_file(PROBLEMS / "ctc-decode-lm.yaml")
    lines = [step_text(s, 3) for s in r.steps]
    assert any("score(ac) = " in s and "ln 0.36 + 1 × (−2.3) = −3.322" in s for s in lines), lines
    assert any("score(ac)" in s and "−1.973" in s for s in lines), lines


def test_pruned_beam_whose_total_is_exact_says_so():
    # ctc-decode-lm.yaml: the beam pruned (8 candidates > 3) but both alignments of ab
    # (a then b: .8 × .35 = .28; the only ones) stayed: p(ab|x) = .28 exactly
    r = solve_file(PROBLEMS / "ctc-decode-lm.yaml")
    assert not any("lower bound" in n for n in r.notes), r.notes
    assert any("is exact" in n and '"beam search result"' in n for n in r.notes), r.notes
    assert any("p(l*|x) = 0.28" in step_text(s, 3) for s in r.steps)


def test_pruned_beam_whose_total_misses_alignments_gives_the_exact_value():
    # beam 1 over y_1 = (- .4, a .6), y_2 = (- .6, a .4): "" is pruned at t = 1, so the beam
    # counts a for aa (.6 × .4 = .24) and a- (.6 × .6 = .36): .6; exact p(a|x) adds -a
    # (.4 × .4 = .16): .76
    problem = {
        "kind": "ctc_decode",
        "symbols": ["-", "a"],
        "beam": 1,
        "emissions": [[0.4, 0.6], [0.6, 0.4]],
    }
    r = solve_problem(problem)
    assert any("lower bound" in n for n in r.notes), r.notes
    (line,) = [step_text(s, 3) for s in r.steps if s.label == "exact CTC of l*"]
    assert "= 0.76" in line and "0.76 − 0.6 = 0.16" in line, line


def test_an_lm_whose_next_symbol_probabilities_sum_past_one_is_noted():
    # ctc-decode-lm.yaml: P(a) + P(b) + P(c) = e^-0.3 + e^-0.4 + e^-2
    # = 0.740818 + 0.670320 + 0.135335 = 1.546473
    r = solve_file(PROBLEMS / "ctc-decode-lm.yaml")
    assert any("sum past 1" in n and "not a distribution" in n for n in r.notes), r.notes
    (line,) = [step_text(s, 3) for s in r.steps if s.label.startswith("next-symbol")]
    assert line.endswith("= 0.741 + 0.67 + 0.135 = 1.546, more than 1"), line


def test_a_normalised_lm_gets_no_such_note():
    # ln P(a) = ln 0.5, ln P(b) = ln 0.5: the sum is 1
    problem = {
        "kind": "ctc_decode",
        "symbols": ["-", "a", "b"],
        "beam": 2,
        "lm": {"a": -0.6931471805599453, "b": -0.6931471805599453},
        "emissions": [[0.2, 0.5, 0.3], [0.3, 0.3, 0.4]],
    }
    assert not any("not a distribution" in n for n in solve_problem(problem).notes)


# 7. the LM-sum note cut its context
def test_the_lm_sum_note_cuts_a_long_context():
    problem = {
        "kind": "ctc_decode",
        "symbols": ["-", "a", "b"],
        "beam": 2,
        "lm": {"a" * 2000 + "a": 0.0, "a" * 2000 + "b": 0.0, "a": -0.1},
        "logits": [[0, 10, 0], [10, 0, 0], [0, 0, 10]],
    }
    notes = [n for n in solve_problem(problem).notes if "not a distribution" in n]
    assert notes and all(len(n) < 500 for n in notes), [len(n) for n in notes]


# 8. an LM whose log probabilities sum past the float range is refused, not scored -inf
def test_an_lm_sum_past_the_float_range_is_refused():
    from rnnloss_cli.errors import ProblemError

    problem = {
        "kind": "ctc_decode",
        "symbols": ["-", "a", "b"],
        "beam": 1,
        "lm": {"a": -1e308, "b": -1e308},
        "lm_weight": 1e-300,
        "logits": [[0, 1000, 0], [1000, 0, 0], [0, 0, 1000]],
    }
    with pytest.raises(ProblemError, match="lm"):
        solve_problem(problem)


def test_the_top_entry_of_the_second_beam_is_worked_from_the_first():
    # ctc-decode-beam-vs-greedy.yaml, y_1 = y_2 = (- .5, a .4, b .1). After frame 1 the beam
    # holds ε (the empty prefix): p_b .5, p_nb 0 and a: p_b 0, p_nb .4. No line showed how
    # frame 2's rows come from frame 1's; by the lead line's rules, for a at t = 2:
    # p_b'(a) = (p_b + p_nb)(a) · y_2(-) = .4 × .5 = .2
    # p_nb'(a) = p_nb(a) · y_2(a) [a again] + (p_b + p_nb)(ε) · y_2(a) [a added]
    #          = .4 × .4 + .5 × .4 = .16 + .2 = .36
    from tests.solve.pencil import audit_line

    r = solve_file(PROBLEMS / "ctc-decode-beam-vs-greedy.yaml")
    step = next(s for s in r.steps if s.label.startswith("worked beam entry"))
    text = step_text(step, 3)
    assert text == (
        "p_b'(a) = (p_b + p_nb)(a) · y_2(-) = 0.4 × 0.5 = 0.2;  "
        "p_nb'(a) = p_nb(a) · y_2(a) + (p_b + p_nb)(ε) · y_2(a) = 0.4 × 0.4 + 0.5 × 0.4 "
        "= 0.36"
    ), text
    assert "t = 2" in step.label and "t = 1" in step.label
    audit = audit_line(text, 3)
    assert [r.status for r in audit.relations if r.status != "given"] == ["ok", "ok"]


def test_an_empty_top_entry_has_no_label_ending_alignments(tmp_path):
    # y_1 = y_2 = (- .9, a .1), beam 2: after frame 2 ε (the empty prefix) tops the beam
    # with p_b' = (p_b + p_nb)(ε) · y_2(-) = .9 × .9 = .81 (above a: .1 × .9 + .1 × .1 +
    # .9 × .1 = .19), and p_nb' = 0: the empty prefix ends in no label
    f = tmp_path / "empty.yaml"
    f.write_text(
        "kind: ctc_decode\nsymbols: ['-', a]\nemissions:\n  - [0.9, 0.1]\n  - [0.9, 0.1]\nbeam: 2\n"
    )
    r = solve_file(f)
    step = next(s for s in r.steps if s.label.startswith("worked beam entry"))
    assert step_text(step, 3) == (
        "p_b'(ε) = (p_b + p_nb)(ε) · y_2(-) = 0.9 × 0.9 = 0.81;  "
        "p_nb'(ε) = 0 (the empty prefix ends in no label)"
    )


def test_a_top_entry_new_at_frame_two_has_no_blank_ending_alignments():
    # ctc-decode-lexicon.yaml: ab tops the beam after frame 2 but was not in it after
    # frame 1, so no alignment of ab ends in a blank yet: p_b'(ab) = 0, and
    # p_nb'(ab) = (p_b + p_nb)(a) · y_2(b) = .8 × .35 = .28 (b added to a)
    r = solve_file(PROBLEMS / "ctc-decode-lexicon.yaml")
    step = next(s for s in r.steps if s.label.startswith("worked beam entry"))
    assert step_text(step, 3) == (
        "p_b'(ab) = 0 (ab is not in the beam after frame 1);  "
        "p_nb'(ab) = (p_b + p_nb)(a) · y_2(b) = 0.8 × 0.35 = 0.28"
    )


def test_a_negative_lm_term_is_bracketed_as_every_other_negative_operand():
    # "ln 0.28 + 1 × -0.7" read as a subtraction typo; the other kinds bracket a negative
    # operand ("1.81 × (-0.1054)"). Hand: ln .28 + 1 × (−.7) = −1.272966 − .7 = −1.972966,
    # ln .36 + 1 × (−2.3) = −1.021651 − 2.3 = −3.321651
    r = solve_file(PROBLEMS / "ctc-decode-lm.yaml")
    lines = [step_text(s, 3) for s in r.steps]
    assert any(s.endswith("= ln 0.28 + 1 × (−0.7) = −1.973") for s in lines), lines
    assert any("= ln 0.36 + 1 × (−2.3) = −3.322" in s for s in lines), lines
    assert not any("× -" in s for s in lines), lines
