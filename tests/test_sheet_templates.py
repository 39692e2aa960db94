"""A template from ``rnnloss new`` makes a question sheet that gives no answer away.

The title is the question's heading; a title that says what the decoder outputs (the
ctc_decode template's 'Greedy says nothing, beam search says "a"') hands the student the key.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from rnnloss_cli.sheet import build_sheet
from rnnloss_cli.templates import render_template, template_kinds


def _text_answers(data: dict) -> list[str]:
    """The key's text figures (a labelling, an alignment), each as a title would quote it."""
    answer = data.get("answer")
    if not isinstance(answer, dict):
        return []
    return [f'"{v}"' for v in answer.values() if isinstance(v, str)]


@pytest.mark.parametrize("kind", template_kinds())
def test_a_template_question_sheet_quotes_no_text_answer(kind: str, tmp_path: Path) -> None:
    path = tmp_path / f"{kind}.yaml"
    path.write_text(render_template(kind), encoding="utf-8")
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for fmt in ("markdown", "html"):
        sheet = build_sheet([str(path)], fmt, solutions=False).replace("&quot;", '"')
        for quoted in _text_answers(data):
            assert quoted not in sheet, (kind, fmt, quoted, data["title"])
    if kind == "ctc_decode":  # an empty greedy labelling, in words
        assert "nothing" not in str(data["title"]).lower(), data["title"]


PROBLEMS = Path(__file__).resolve().parents[1] / "problems"


@pytest.mark.parametrize("path", sorted(PROBLEMS.glob("*.yaml")), ids=lambda p: p.name)
def test_a_shipped_problem_question_sheet_quotes_no_text_answer(path: Path) -> None:
    # A decoding problem titled 'A lexicon turns the greedy "ac" into the word "ab"' put its
    # key in the question's heading.
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    sheet = build_sheet([str(path)], "markdown", solutions=False)
    for quoted in _text_answers(data):
        assert quoted not in sheet, (path.name, quoted, data["title"])
