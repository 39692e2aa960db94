"""Messages name lists and counts as a reader writes them: no Python list (``['-', 'a']``)
and no "1 symbols". Each case: a problem file and the words its one error line must hold
(and, for the old wording, what it must not)."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnloss_cli.errors import ProblemError
from rnnloss_cli.problem import load_problem

BPTT = (
    "kind: bptt\nloss: cross_entropy\nx: [[1.0]]\ntargets: [0, 1]\nW_xh: [[1.0, 0.0]]\n"
    "W_hh: [[0.5, 0.0], [0.0, 0.5]]\nW_hy: [[1.0, 0.0], [0.0, 1.0]]\n"
)
CASES = {
    # the lexicon's word 'b' is not a symbol; the symbols are written as the file lists them
    "lexicon symbols": (
        'kind: ctc_decode\nsymbols: ["-", a]\nbeam: 2\nemissions:\n  - [0.6, 0.4]\n'
        "lexicon: [a, b]\n",
        "'b' is not one of the symbols -, a",
        "['-', 'a']",
    ),
    # one vocabulary symbol for two columns of yhat
    "vocabulary of one": (
        "kind: sequence\ntargets: [a]\nvocabulary: [a]\nyhat: [[0.5, 0.5]]\n",
        "1 symbol but yhat has 2 columns",
        "1 symbols",
    ),
    # one symbol named for three columns
    "align one symbol": (
        'kind: ctc_align\ntarget: AB\nsymbols: ["-"]\nemissions:\n  - [0.2, 0.7, 0.1]\n',
        "emissions has 3 columns but 1 symbol is named",
        "1 symbols",
    ),
    # kind: ctc, one symbol named for two columns (problem/ctc.py said "1 symbols are named")
    "ctc one symbol": (
        'kind: ctc\ntarget: A\nsymbols: ["-"]\nemissions: [[0.5, 0.5]]\n',
        "emissions has 2 columns but 1 symbol is named",
        "1 symbols",
    ),
    # one column for two symbols
    "ctc one column": (
        'kind: ctc\ntarget: A\nsymbols: ["-", A]\nemissions: [[1.0]]\n',
        "emissions has 1 column but 2 symbols are named",
        "1 columns",
    ),
    # the empty target has U = 0 labels, so each frame needs U + 1 = 1 node, not 2
    "rnnt one node": (
        'kind: rnnt\nsymbols: ["-", a]\ntarget: ""\nprobs:\n  - [[0.5, 0.5], [0.5, 0.5]]\n',
        "needs U+1 = 1 node (target '' has U = 0 labels), got 2",
        "1 nodes",
    ),
    # x has T = 1 row, so one class index, not two
    "bptt one index": (BPTT, "expected T = 1 class index (one per row of x), got 2", "indices ("),
    # logits of one class, two weights
    "cce one weight": (
        "kind: cce\ny: [0]\nlogits: [[1.0]]\nweight: [1, 2]\n",
        "expected 1 class weight, got 2",
        "1 class weights",
    ),
    # yhat has T = 1 step, the length says 2
    "sequence one step": (
        "kind: sequence\ntargets: [0]\nyhat: [[0.5, 0.5]]\nlengths: 2\n",
        "longer than the T = 1 step of yhat",
        "1 steps",
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_message_words(case, tmp_path: Path):
    text, words, old = CASES[case]
    path = tmp_path / "p.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ProblemError) as info:
        load_problem(str(path))
    message = str(info.value)
    assert words in message and old not in message, message
