"""The handout's exercises marked with the slips a student makes on them (HELLO, DEEP, the
hinge over a sequence), and the correct step worded so the student can follow it. Every
wrong number is worked by hand here (products of the handout's factors), not read from the
engine."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import yaml

from rnnloss_cli.problem import parse_problem
from rnnloss_cli.teach.mark import mark_problem

_ROOT = Path(__file__).resolve().parents[2]


def _load(name: str):
    path = _ROOT / "problems" / name
    return parse_problem(yaml.safe_load(path.read_text()), {}, str(path))


def _mark(name: str, figure: str, value: float):
    m = mark_problem(_load(name), {figure: round(value, 4)}).marks[0]
    assert not m.right, m
    return m


# HELLO, the handout's factors: H-E-L-L-O 0.6·0.2·0.5·0.7·0.7·0.8·0.5·0.7·0.8 = 0.0065856,
# H-E-LL-O 0.6·0.5·0.2·0.7·0.7·0.8·0.5·0.8 = 0.009408, HE-L-L-O 0.6·0.2·0.5·0.7·0.5·0.7·0.8·0.8
# = 0.009408; listed sum 0.0254016, −ln = 3.6730.
HELLO = (0.6 * 0.2 * 0.5 * 0.7 * 0.7 * 0.8 * 0.5 * 0.7 * 0.8, 0.009408, 0.009408)
# DEEP: D-E-E-P 0.8·0.3·0.7·0.3·0.7·0.3·0.9 = 0.0095256 (valid), D-EE-P 0.8·0.3·0.7·0.7·0.3·0.9
# = 0.031752 (collapses to DEP), DE-E-P 0.8·0.7·0.3·0.7·0.3·0.9 = 0.031752 (valid).
DEEP_VALID = (0.0095256, 0.031752)


def test_the_largest_alignment_alone_is_named():
    # −ln 0.009408 = 4.6662: the best alignment, not the sum
    m = _mark("hello.yaml", "listed", -math.log(max(HELLO)))
    assert m.slip == "largest_alignment_only"
    assert "0.0254" in m.correct_step and "H-E-LL-O" in m.correct_step
    assert "adds the probabilities" in m.correct_step and "−ln 0.0254 = 3.673" in m.correct_step
    # DEEP, valid alignments only: −ln 0.031752 = 3.4498 (DE-E-P alone) where
    # −ln(0.0095256 + 0.031752) = −ln 0.0412776 = 3.1874 is asked
    m = _mark("deep.yaml", "valid_only", -math.log(max(DEEP_VALID)))
    assert m.slip == "largest_alignment_only"
    assert "D-E-E-P, DE-E-P" in m.correct_step and "D-EE-P" not in m.correct_step


def test_the_alignments_multiplied_is_named():
    # −ln(0.0065856 · 0.009408 · 0.009408) = 5.0228 + 4.6662 + 4.6662 = 14.3552
    m = _mark("hello.yaml", "listed", -sum(math.log(p) for p in HELLO))
    assert m.slip == "alignments_multiplied"
    assert "not their product" in m.correct_step


def test_the_log_base_used_is_named():
    # −log10 0.0254016 = 1.5951 where −ln = 3.6730 is asked; −log2 = 5.2989
    m = _mark("hello.yaml", "listed", -math.log10(sum(HELLO)))
    assert m.slip == "wrong_log_base" and "log10 gives" in m.correct_step
    m = _mark("deep.yaml", "valid_only", -math.log2(sum(DEEP_VALID)))
    assert m.slip == "wrong_log_base" and "log2 gives" in m.correct_step


@pytest.mark.parametrize("name", ["hinge-sequence.yaml", "hinge-seq.yaml"])
def test_a_negative_label_taken_as_positive_is_named(name):
    # y = [1, −1, 1], ŷ = [0.8, −0.5, 0.3]: with y_2 taken as +1 the terms are
    # max(0, 1 − 0.8) = 0.2, max(0, 1 − (−0.5)) = 1.5, max(0, 1 − 0.3) = 0.7: mean 2.4 / 3 = 0.8
    # (the right terms 0.2, 0.5, 0.7 give 1.4 / 3 = 0.4667)
    m = _mark(name, "loss", (0.2 + 1.5 + 0.7) / 3)
    assert m.slip == "negative_label_sign"
    assert "step 2" in m.correct_step and "(−1)·(−0.5) = 0.5" in m.correct_step
    assert "1.5" in m.correct_step  # the student's own term, to find on their page
    # the sum 2.4 where the sum 1.4 is asked
    assert _mark(name, "sum", 0.2 + 1.5 + 0.7).slip == "negative_label_sign"


def test_the_handouts_own_slips_keep_their_names():
    # HELLO valid only: −ln(0.0065856 + 0.009408 + 0.009408) = 3.6730 keeps H-E-LL-O
    m = _mark("hello.yaml", "valid_only", -math.log(sum(HELLO)))
    assert m.slip == "repeat_without_blank"
    # the hinge's sum 1.4 where the mean is asked
    assert _mark("hinge-sequence.yaml", "loss", 1.4).slip == "sum_for_mean"
