"""Text figures in the Moodle bank: one shortanswer question each, read back from the XML.

The answers come from the problem files' hand-worked comments: ctc-decode-beam-vs-greedy's
best path is "- -" (.5 · .5), so greedy is the empty labelling, and the beam keeps a (.56);
ctc-align-ab's Viterbi path is A-BB (.7 · .5 · .5 · .5 = .0875).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from typer.testing import CliRunner

from rnnloss_cli.cli import app
from rnnloss_cli.teach.mark import mark_answers
from rnnloss_cli.teach.moodle import moodle_bank

PROBLEMS = Path(__file__).resolve().parents[2] / "problems"
DECODE = str(PROBLEMS / "ctc-decode-beam-vs-greedy.yaml")
ALIGN = str(PROBLEMS / "ctc-align-ab.yaml")

# One frame: the argmax is the symbol with .7; one frame's labelling is that symbol alone.
ONE_FRAME = """kind: ctc_decode
title: one frame
symbols: {symbols}
blank: "-"
beam: 1
emissions:
  - [0.1, 0.2, 0.7]
answer:
  greedy: {answer}
"""


def short_answers(text: str) -> dict[str, ET.Element]:
    root = ET.fromstring(text)
    return {q.find("name/text").text: q for q in root.findall("question[@type='shortanswer']")}


def test_text_figures_are_shortanswer_questions():
    bank = moodle_bank([DECODE, ALIGN])
    assert not bank.warnings, bank.warnings
    qs = short_answers(bank.text)
    assert sorted(qs) == [
        "ctc-align-ab: path",
        "ctc-decode-beam-vs-greedy: beam",
        "ctc-decode-beam-vs-greedy: greedy",
    ]
    answers = {name: q.findall("answer") for name, q in qs.items()}
    assert all(x.get("fraction") == "100" for a in answers.values() for x in a)
    got = {name: [x.find("text").text for x in a] for name, a in answers.items()}
    # the empty labelling is asked as ε (Moodle takes an empty response for no answer), and
    # the older (empty) is a second answer worth as much
    assert got == {
        "ctc-align-ab: path": ["A-BB"],
        "ctc-decode-beam-vs-greedy: beam": ["a"],
        "ctc-decode-beam-vs-greedy: greedy": ["ε", "(empty)"],
    }
    # no two symbols differ only by case: Moodle may ignore case
    assert {q.find("usecase").text for q in qs.values()} == {"0"}
    greedy = qs["ctc-decode-beam-vs-greedy: greedy"]
    assert "the empty labelling as ε" in greedy.find("questiontext/text").text
    assert "<ol>" in greedy.find("generalfeedback/text").text
    assert greedy.find("defaultgrade").text == "1"
    # the numbers still have their numerical questions, each figure in its own category
    root = ET.fromstring(bank.text)
    assert len(root.findall("question[@type='numerical']")) == 5
    cats = [c.text for c in root.findall("question[@type='category']/category/text")]
    assert "$course$/rnnloss/ctc-decode-beam-vs-greedy/greedy" in cats
    # ε and (empty), as the bank takes them, are what mark takes for the empty labelling
    assert mark_answers(DECODE, {"greedy": "ε"}).marks[0].right
    assert mark_answers(DECODE, {"greedy": "(empty)"}).marks[0].right


def test_case_matters_when_two_symbols_differ_only_by_case(tmp_path: Path):
    f = tmp_path / "case.yaml"
    f.write_text(ONE_FRAME.format(symbols='["-", a, A]', answer="A"))
    (q,) = short_answers(moodle_bank([str(f)]).text).values()
    assert q.find("usecase").text == "1"
    assert q.find("answer/text").text == "A"
    assert "case counts" in q.find("questiontext/text").text


def test_a_star_symbol_is_no_wildcard(tmp_path: Path):
    # Moodle reads * in a shortanswer's answer as "anything": the symbol * is written \*
    f = tmp_path / "star.yaml"
    f.write_text(ONE_FRAME.format(symbols='["-", a, "*"]', answer='"*"'))
    (q,) = short_answers(moodle_bank([str(f)]).text).values()
    assert q.find("answer/text").text == "\\*"


def test_cli_exports_a_bank_of_text_figures_only(tmp_path: Path):
    f = tmp_path / "only-text.yaml"
    f.write_text(ONE_FRAME.format(symbols='["-", a, b]', answer="b"))
    out = tmp_path / "bank.xml"
    r = CliRunner().invoke(app, ["export", str(f), "--format", "moodle", "-o", str(out)])
    assert r.exit_code == 0, r.output
    (q,) = short_answers(out.read_text()).values()
    assert q.find("answer/text").text == "b"


def test_the_empty_labelling_is_not_accepted_as_a_word_the_symbols_spell(tmp_path):
    """Symbols ( ) e m p t y and a frame where the blank wins: the answer is ε; "(empty)"
    is a labelling of seven of its symbols, so the bank does not take it for ε (as mark
    does not); with other symbols it still does."""
    spelled = tmp_path / "parens.yaml"
    spelled.write_text(
        "kind: ctc_decode\ntitle: parens\n"
        'symbols: ["-", "(", ")", e, m, p, t, y]\nblank: "-"\nbeam: 1\n'
        "emissions:\n  - [0.9, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.1]\n"
        'answer:\n  greedy: ""\n'
    )
    plain = tmp_path / "plain.yaml"
    plain.write_text(ONE_FRAME.format(symbols='["-", a, b]', answer='"a"').replace(
        "[0.1, 0.2, 0.7]", "[0.7, 0.2, 0.1]").replace('greedy: "a"', 'greedy: ""'))  # fmt: skip
    for path, accepted in ((spelled, ["ε"]), (plain, ["ε", "(empty)"])):
        bank = moodle_bank([str(path)])
        assert not bank.warnings, bank.warnings
        (q,) = short_answers(bank.text).values()
        assert [a.find("text").text for a in q.findall("answer")] == accepted, path.name
