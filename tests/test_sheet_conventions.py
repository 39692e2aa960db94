"""A question sheet states the conventions a student needs to reach the key's number.

Without them a question has two defensible answers: categorical cross-entropy summed over
the observations or averaged (PyTorch's default), a natural or a base-10 log, a blank that is
just another symbol. Each expected number below is worked by hand from the file's givens.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnloss_cli.sheet import build_sheet

PROBLEMS = Path(__file__).resolve().parent.parent / "problems"


def _question(name: str) -> str:
    sheet = build_sheet([str(PROBLEMS / name)], "markdown", solutions=False)
    return sheet.replace("\\", "")  # markdown escapes


@pytest.mark.parametrize(
    ("name", "words"),
    [
        # cce-three-classes: terms −ln 0.7, −ln 0.6, −ln 0.5 = 0.357 + 0.511 + 0.693; the key
        # 1.561 is their sum (the mean, 0.520, is what PyTorch's default would give)
        ("cce-three-classes.yaml", ["the sum of the per-row terms", "natural log"]),
        # nll-two-words: −ln 0.7 − ln 0.5 = 0.357 + 0.693 = 1.050, a sum; y holds class numbers
        ("nll-two-words.yaml", ["the sum of the per-row terms", "numbered from 0"]),
        # bce-tokens: (0.105 + 0.223 + 0.511 + 0.105) / 4 = 0.236, a mean
        ("bce-tokens.yaml", ["the mean of the per-element terms", "natural log"]),
        # mse-forecast: (0.25 + 0.04 + 0.16 + 0.01) / 4 = 0.115, a mean, no factor 1/2
        ("mse-forecast.yaml", ["the mean of the per-element terms"]),
        # cce-logits: softmax(2, 1, 0)[0] = e²/(e² + e + 1) = 0.665, −ln 0.665 = 0.408
        ("cce-logits.yaml", ["softmax"]),
        # seq-translation: −ln 0.7 − ln 0.5 − ln 0.6 = 1.561, the sum over the steps
        ("seq-translation.yaml", ["the sum of the per-step terms", "natural log"]),
        # reinforce-episode: L = −Σ_t A_t ln π_t = −(0.5733 × −0.1054 + −0.3367 × −0.5108
        # + −0.2367 × −0.3567) = −0.196, summed over the 3 steps with natural logs
        ("reinforce-episode.yaml", ["the sum of the per-step terms", "natural log"]),
        # deep: D-E-E-P needs the blank '-' between the two Es; probs are per frame
        ("deep.yaml", ["the blank is the symbol '-'", "drop the blanks", "at every frame"]),
        ("ctc-exact-ab.yaml", ["the blank is the symbol '-'", "drop the blanks"]),
        # forced alignment and decoding read paths by the same rule: A-BB is "AB", a-a is "aa"
        ("ctc-align-ab.yaml", ["the blank is the symbol '-'", "drop the blanks"]),
        ("ctc-decode-beam-vs-greedy.yaml", ["the blank is the symbol '-'", "drop the blanks"]),
    ],
)
def test_question_sheets_state_reduction_log_and_blank(name: str, words: list[str]) -> None:
    sheet = _question(name)
    said = next((line for line in sheet.splitlines() if line.startswith("**Conventions.**")), "")
    for w in words:
        assert w.lower() in said.lower(), (w, sheet)


@pytest.mark.parametrize("fmt", ["html", "latex"])
def test_every_format_states_the_reduction(fmt: str) -> None:
    sheet = build_sheet([str(PROBLEMS / "cce-three-classes.yaml")], fmt, solutions=False)
    assert "the sum of the per-row terms" in sheet, sheet


def test_a_custom_loss_states_each_terms_conventions() -> None:
    """custom-combo: term 1 is a sequence cross-entropy whose file leaves the reduction to the
    default, the sum: −ln 0.7 − ln 0.5 − ln 0.6 = 1.561 (not the mean 0.520); term 2 is a
    sequence hinge averaged over its 3 steps: (0.2 + 0.5 + 0.7) / 3 = 0.467."""
    said = next(
        line
        for line in _question("custom-combo.yaml").splitlines()
        if line.startswith("**Conventions.**")
    )
    first, second = said.index("term 1"), said.index("term 2")
    assert "the sum of the per-step terms" in said[first:second], said
    assert "natural log" in said[first:second], said
    assert "the mean of the per-step terms" in said[second:], said
