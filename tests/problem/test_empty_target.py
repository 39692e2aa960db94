"""An empty target (``target: ""`` or ``target: []``) is a valid problem for kinds ctc, ctc_align
and rnnt: the labelling with no labels, whose only alignment is all blanks. Elsewhere an empty
sequence (symbols, an alignment, a word) is still refused, and so is a target left null."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnloss_cli.errors import ProblemError
from rnnloss_cli.problem import load_problem

RNNT = """\
kind: rnnt
symbols: ["-", a]
target: TARGET
probs:
  - [[0.5, 0.5]]
  - [[0.25, 0.75]]
"""
CTC = """\
kind: ctc
target: TARGET
symbols: ["-", a]
emissions:
  - [0.5, 0.5]
  - [0.25, 0.75]
"""
ALIGN = CTC.replace("kind: ctc", "kind: ctc_align")
LISTED = """\
kind: ctc
target: TARGET
probs: {"-": 0.5, a: 0.5}
alignments: ["--"]
"""


def _load(tmp_path: Path, text: str):
    path = tmp_path / "p.yaml"
    path.write_text(text)
    return load_problem(str(path))


@pytest.mark.parametrize(
    "template", [RNNT, CTC, ALIGN, LISTED], ids=["rnnt", "ctc", "align", "listed"]
)
@pytest.mark.parametrize("empty", ['""', "''", "[]"])
def test_an_empty_target_loads(tmp_path: Path, template: str, empty: str):
    p = _load(tmp_path, template.replace("TARGET", empty))
    assert p.target == ()


def test_an_empty_rnnt_target_needs_one_node_a_frame(tmp_path: Path):
    # U = 0: each frame holds U + 1 = 1 node; two nodes are one too many
    text = RNNT.replace("TARGET", '""').replace("[[0.5, 0.5]]", "[[0.5, 0.5], [0.5, 0.5]]")
    text = text.replace("[[0.25, 0.75]]", "[[0.25, 0.75], [0.5, 0.5]]")
    with pytest.raises(ProblemError, match=r"U\+1 = 1 node .*U = 0 labels"):
        _load(tmp_path, text)


@pytest.mark.parametrize(
    ("text", "field"),
    [
        (RNNT.replace("TARGET", "null"), "target"),  # left empty by mistake, not ""
        (CTC.replace("TARGET", "a").replace('["-", a]', '""'), "symbols"),
        (LISTED.replace("TARGET", '""').replace('["--"]', '[""]'), "alignments[0]"),
        (RNNT.replace("TARGET", '[a, ""]'), "target[1]"),
    ],
)
def test_other_empty_sequences_are_still_refused(tmp_path: Path, text: str, field: str):
    with pytest.raises(ProblemError) as info:
        _load(tmp_path, text)
    assert info.value.field == field, str(info.value)
