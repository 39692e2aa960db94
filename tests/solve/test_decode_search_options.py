"""search_options: the problem's lexicon, LM and separator as the engine's label indices.

ctc-decode-lexicon: symbols -, a, b, c (indices 0..3), lexicon [ab, b] -> [(1, 2), (2,)].
"""

from __future__ import annotations

from rnnloss_cli.problem import load_problem
from rnnloss_cli.solve.decode import search_options


def test_search_options_is_public_and_maps_symbols_to_indices():
    lm, lexicon, separator = search_options(load_problem("problems/ctc-decode-lexicon.yaml"))
    assert lm is None and separator is None
    assert lexicon == [(1, 2), (2,)]


def test_search_options_without_options():
    p = load_problem("problems/ctc-decode-beam-vs-greedy.yaml")
    assert search_options(p) == (None, None, None)
