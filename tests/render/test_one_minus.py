"""A derivation line writes every minus one way: U+2212, for its operators and its negative
numbers alike ("loss L = −J: −(0.196) = −0.196", not "−(0.196) = -0.196").

Provenance (hand arithmetic): problems/reinforce-episode.yaml has J = 0.196, so L = −J =
−0.196; problems/hinge-sequence.yaml's first step has y·ŷ = 1 · 0.8 < 1, so its gradient
entry is −y / n = −1 / 3 = −0.333 (the mean over its 3 steps).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rnnloss_cli.cli import app

PROBLEMS = Path(__file__).resolve().parents[2] / "problems"
runner = CliRunner()

#: an ASCII hyphen used as a number's sign: before a digit, not inside a word, a number's
#: exponent (1e-12) or a flag (-p)
ASCII_SIGN = re.compile(r"(?<![\w.\-])-(?=\d)")
NON_CTC = [
    "bce-bits", "bce-tokens", "bptt-two-steps", "cce-logits", "cce-three-classes",
    "custom-combo", "hinge-seq", "hinge-sequence", "mse-forecast", "nll-two-words",
    "reinforce-episode", "rnnt-ab-two-frames", "seq-padded-batch", "seq-translation",
]  # fmt: skip


def _out(name: str, fmt: str) -> str:
    done = runner.invoke(app, ["solve", str(PROBLEMS / f"{name}.yaml"), "-f", fmt])
    assert done.exit_code == 0, done.output
    return done.output


@pytest.mark.parametrize(
    ("problem", "line"),
    [
        ("reinforce-episode", "loss L = −J: −(0.196) = −0.196"),  # L = −J, J = 0.196
        ("hinge-sequence", "so −(1) / 3 = −0.333"),  # −1 / 3 = −0.333
    ],
)
@pytest.mark.parametrize("fmt", ["rich", "markdown"])
def test_a_negative_result_has_the_minus_of_its_line(problem, line, fmt):
    assert line in _out(problem, fmt)


@pytest.mark.parametrize("problem", NON_CTC)
def test_no_derivation_line_signs_a_number_with_a_hyphen(problem):
    # markdown's derivation lines are its bullets ("- "), the formula and prose aside
    lines = [x[2:] for x in _out(problem, "markdown").splitlines() if x.startswith("- ")]
    assert lines
    assert [x for x in lines if ASCII_SIGN.search(x)] == []
