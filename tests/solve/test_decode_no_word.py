"""A lexicon's search that finds no labelling: the warning says a wider beam may find one
only where the beam pruned a prefix; where nothing was pruned no width finds one, and where
the beam empties before the last frame the warning says at which frame.

Before, every such search warned "(a wider beam may)": on frames (.1, .9, 0, 0), (0, 0, 0,
1), (1, 0, 0, 0) over (-, a, b, c) with lexicon [ab] no prefix of positive probability
starts a word after frame 2, whatever the width (worked in the test).
"""

from __future__ import annotations

from rnnloss_cli.problem import parse_problem
from rnnloss_cli.solve import solve


def _solve(emissions: list[list[float]], beam: int) -> str:
    """The warning that the search found no labelling (the loss is infinite, also said)."""
    m = {"kind": "ctc_decode", "title": "no word", "symbols": ["-", "a", "b", "c"],
         "blank": "-", "beam": beam, "lexicon": ["ab"], "emissions": emissions}  # fmt: skip
    warnings = solve(parse_problem(m, {}, "<test>")).warnings
    assert "the loss is infinite" in warnings
    (found,) = [w for w in warnings if "found no labelling" in w]
    return found


def test_an_emptied_beam_says_no_width_finds_a_word():
    """Frame 1 keeps a (.9) and ε (.1), 2 candidates, width 2: nothing pruned. Frame 2 is
    c only: a's and ε's own probability goes to 0 and ac, c start no word: empty."""
    w = _solve([[0.1, 0.9, 0, 0], [0, 0, 0, 1], [1, 0, 0, 0]], beam=2)
    assert "wider beam" not in w, w
    assert "after frame 2 of 3 the beam is empty" in w, w


def test_a_pruned_search_may_find_a_word_with_a_wider_beam():
    """Width 1, one frame (.1, .8, .1, 0): a (.8) is kept, ε (.1) pruned, and no kept
    prefix is a word; a wider beam keeps ε too, still no word, but the search was pruned."""
    w = _solve([[0.1, 0.8, 0.1, 0]], beam=1)
    assert "a wider beam may" in w, w


def test_an_unpruned_search_that_ends_inside_a_word_says_no_width_helps():
    """Width 4, one frame (0, .8, .2, 0): a, b kept (2 candidates, none pruned; ε has
    probability 0), neither a complete word: the last beam holds every prefix of positive
    probability, so no width finds one."""
    w = _solve([[0, 0.8, 0.2, 0]], beam=4)
    assert "wider beam may" not in w and "no width" in w, w
