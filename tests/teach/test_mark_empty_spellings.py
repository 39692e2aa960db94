"""The spellings of the empty labelling that a symbol's name can spell (``""``, ``''`` with a
symbol ``"`` or ``'``, ``(empty)`` with the symbols ( e m p t y )) are that labelling when
the problem's symbols spell them: a decoding to two apostrophes is not the empty one.

Before, mark read the engine's ``''`` (two apostrophes, worked by hand below) as the empty
labelling: the answer ε was marked right and the key's own text too, whatever the truth.
"""

from __future__ import annotations

from rnnloss_cli.problem import parse_problem
from rnnloss_cli.teach.mark import mark_problem


def _decode(symbols: list[str], frames: list[list[float]], key: str) -> dict:
    return {"kind": "ctc_decode", "title": "quotes", "symbols": symbols, "blank": "-",
            "beam": 2, "emissions": frames, "answer": {"greedy": key, "beam": key}}  # fmt: skip


#: Three frames over (-, '): ' .9, - .9, ' .9: the best path ' - ' (.729) collapses to ''
#: (two apostrophes; the blank between keeps both), the beam's best the same labelling.
APOSTROPHES = _decode(["-", "'"], [[0.1, 0.9], [0.9, 0.1], [0.1, 0.9]], "''")
#: One frame, the blank .9: the empty labelling, with ' among the symbols.
BLANK = _decode(["-", "'"], [[0.9, 0.1]], "")


def _marks(problem: dict, answer: str) -> dict[str, bool]:
    p = parse_problem(problem, {}, "<test>")
    report = mark_problem(p, {"greedy": answer, "beam": answer})
    return {m.figure: m.right for m in report.marks}


def test_two_apostrophes_are_not_the_empty_labelling():
    for empty in ("ε", "(empty)", ""):
        assert _marks(APOSTROPHES, empty) == {"greedy": False, "beam": False}, empty
    assert _marks(APOSTROPHES, "''") == {"greedy": True, "beam": True}


def test_with_an_apostrophe_symbol_two_apostrophes_answer_no_empty_labelling():
    assert _marks(BLANK, "''") == {"greedy": False, "beam": False}
    for empty in ("ε", '""', "(empty)", ""):
        assert _marks(BLANK, empty) == {"greedy": True, "beam": True}, empty


def test_parentheses_and_letters_spell_the_word_not_the_empty_labelling():
    symbols = ["-", "(", ")", "e", "m", "p", "t", "y"]
    word = [[0.0] * 8 for _ in range(7)]
    for t, c in enumerate("(empty)"):
        word[t][symbols.index(c)] = 1.0
    problem = _decode(symbols, word, "(empty)")
    assert _marks(problem, "(empty)") == {"greedy": True, "beam": True}
    assert _marks(problem, "ε") == {"greedy": False, "beam": False}


def test_two_blanks_are_the_empty_labelling_still():
    """A blank named ' : '' spells no labelling (a labelling holds no blank)."""
    problem = _decode(["'", "a"], [[0.9, 0.1]], "")
    problem["blank"] = "'"
    assert _marks(problem, "''") == {"greedy": True, "beam": True}
