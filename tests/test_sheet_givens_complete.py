"""Every question says what its givens mean, where their names alone do not: a student with
the question sheet alone, and a pencil, can work the key's numbers.

Read on the shipped problems' question sheet (each line below was missing):
- cce-logits: ``y: 0``, one true class given as a number, and no word of whether classes
  count from 0 or 1 (the list form ``y: [1, 0]`` had it).
- seq-padded-batch: ``lengths: [3, 2]`` and a third step of ``yhat[2]`` all zeros: nothing
  said the steps past a length are padding, left out of every term (ln 0 would be −∞);
  nor that its integer targets count the classes from 0.
- reinforce-episode: what R_t is (the discounted reward-to-go from rewards and gamma) and
  the loss's sign (L = −J): the key, −0.196, is negative.
- ctc-decode-lexicon: ``lexicon: [ab, b]`` and not a word of what it does to the search.
- bptt-two-steps: ``x_t`` and ``y_t`` in the model, but the givens are ``x`` and
  ``targets``.
- rnnt-ab-two-frames: the lattice's moves (a blank reads the next frame, a label moves to the
  next node) and the final blank, which p(y|x) ends on.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnloss_cli.sheet import collect, conventions_text

PROBLEMS = Path(__file__).resolve().parent.parent / "problems"


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("cce-logits.yaml", ["y holds each row's true class, numbered from 0"]),
        (
            "seq-padded-batch.yaml",
            [
                "the steps after a sequence's length are padding",
                "targets hold each step's true class, numbered from 0",
            ],
        ),
        (
            "reinforce-episode.yaml",
            [
                "R_t = r_t + γ r_{t+1} + γ² r_{t+2} + …",
                "A_t = R_t − b",
                "−A_t ln π(y_t|s_t)",
                "L = −J",
            ],
        ),
        ("ctc-decode-lexicon.yaml", ["only prefixes of the lexicon's words", "complete word"]),
        ("bptt-two-steps.yaml", ["x_t is row t of x", "y_t is row t of targets"]),
        (
            "rnnt-ab-two-frames.yaml",
            ["a blank moves from (t, u) to (t+1, u)", "ends with the blank out of (T−1, U)"],
        ),
    ],
)
def test_the_question_says_what_its_givens_mean(name: str, words: list[str]) -> None:
    (p,) = collect([str(PROBLEMS / name)], solutions=False)
    said = conventions_text(p) or ""
    for w in words:
        assert w in said, (w, said)
