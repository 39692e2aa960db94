"""The handout's listing method (engine/alignments.py) against hand-worked numbers."""

from __future__ import annotations

import itertools
import math

import pytest

from rnnloss_cli.engine.alignments import collapse_reason, ctc_listed, min_frames

HELLO = {"H": 0.6, "E": 0.5, "L": 0.7, "O": 0.8, "-": 0.2}
HELLO_FACTORS = [
    [0.6, 0.2, 0.5, 0.7, 0.7, 0.8, 0.5, 0.7, 0.8],
    [0.6, 0.5, 0.2, 0.7, 0.7, 0.8, 0.5, 0.8],
    [0.6, 0.2, 0.5, 0.7, 0.5, 0.7, 0.8, 0.8],
]

# (provenance, target, probs, alignments, factors, products, total, loss)
CASES = [
    (
        "handout HELLO solution: printed 0.00659, 0.00941, 0.00941, sum 0.0254, loss 3.673",
        "HELLO",
        HELLO,
        ["H-E-L-L-O", "H-E-LL-O", "HE-L-L-O"],
        HELLO_FACTORS,
        [0.0065856, 0.009408, 0.009408],
        0.0254016,
        3.673,
    ),
    (
        "handout DEEP, worked by hand: 0.8*0.3*0.7*0.3*0.7*0.3*0.9 etc.",
        "DEEP",
        {"D": 0.8, "E": 0.7, "P": 0.9, "-": 0.3},
        ["D-E-E-P", "D-EE-P", "DE-E-P"],
        None,
        [0.0095256, 0.031752, 0.031752],
        0.0730296,
        2.6169,
    ),
    (
        "handout 123, worked by hand: 0.9*0.2*0.7*0.2*0.8 = 0.02016, 0.1008, 0.1008",
        "123",
        {"1": 0.9, "2": 0.7, "3": 0.8, "-": 0.2},
        ["1-2-3", "1-23", "12-3"],
        None,
        [0.02016, 0.1008, 0.1008],
        0.22176,
        1.5062,
    ),
]


@pytest.mark.parametrize(
    "provenance, target, probs, alignments, factors, products, total, loss",
    CASES,
    ids=["hello", "deep", "digits-123"],
)
def test_listed_matches_hand_numbers(
    provenance, target, probs, alignments, factors, products, total, loss
):
    r = ctc_listed(target, alignments, probs, blank="-", factors=factors)
    assert [a.product for a in r.alignments] == pytest.approx(products, rel=1e-9), provenance
    assert r.total == pytest.approx(total, rel=1e-9), provenance
    assert r.loss == pytest.approx(loss, abs=5e-4), provenance


def test_hello_audit_facts():
    r = ctc_listed("HELLO", ["H-E-L-L-O", "H-E-LL-O", "HE-L-L-O"], HELLO, factors=HELLO_FACTORS)
    assert r.invalid == (1,)
    assert r.alignments[1].collapsed == tuple("HELO")
    assert "LL" in r.alignments[1].reason and "blank between its copies" in r.alignments[1].reason
    assert r.mismatched == (0, 1, 2)
    # H-E-L-L-O read from its symbols: 0.6*0.2*0.5*0.2*0.7*0.2*0.7*0.2*0.8 = 0.00018816
    assert r.alignments[0].symbol_product == pytest.approx(0.00018816, rel=1e-9)
    assert r.lengths == (9, 8, 8) and not r.equal_lengths
    assert r.frame_sums == pytest.approx((2.8,)) and not r.distributions
    # valid only: 0.0065856 + 0.009408 = 0.0159936; -ln = 4.135566
    assert r.valid_total == pytest.approx(0.0159936, rel=1e-9)
    assert r.valid_loss == pytest.approx(4.135566, abs=1e-6)


def test_deep_valid_only():
    r = ctc_listed(
        "DEEP", ["D-E-E-P", "D-EE-P", "DE-E-P"], {"D": 0.8, "E": 0.7, "P": 0.9, "-": 0.3}
    )
    assert r.invalid == (1,) and r.alignments[1].collapsed == tuple("DEP")
    assert r.valid_loss == pytest.approx(3.1874, abs=1e-4)
    assert r.mismatched == ()


def test_symbol_factors_used_when_none_given():
    r = ctc_listed("AB", ["A-B", "AB-"], {"A": 0.5, "B": 0.3, "-": 0.2})
    assert r.total == pytest.approx(0.06) and r.distributions and r.equal_lengths


def test_per_frame_probabilities():
    frames = [{"-": 0.2, "A": 0.7, "B": 0.1}, {"-": 0.3, "A": 0.3, "B": 0.4}]
    r = ctc_listed("AB", ["AB"], frames)
    assert r.total == pytest.approx(0.7 * 0.4)
    assert r.frame_sums == pytest.approx((1.0, 1.0))


def test_no_valid_alignment_gives_infinite_valid_loss():
    r = ctc_listed("AA", ["AA-"], {"A": 0.5, "-": 0.5})
    assert r.valid_total == 0 and math.isinf(r.valid_loss)
    assert r.loss == pytest.approx(-math.log(0.125))


def test_reason_without_repeat():
    assert collapse_reason("A-C", "AB", "-") is not None
    assert collapse_reason("A-B", "AB", "-") is None


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"alignments": ["AX"]}, "unknown symbol"),
        ({"alignments": ["AB"], "factors": [[0.5]]}, "factors"),
        ({"alignments": ["AB"], "factors": [None, None]}, "factor lists"),
    ],
)
def test_bad_input_raises(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ctc_listed("AB", probs={"A": 0.5, "B": 0.3, "-": 0.2}, **kwargs)


def test_min_frames():
    assert min_frames("HELLO") == (6, 1)
    assert min_frames("AAA") == (5, 2)
    assert min_frames("AB") == (2, 0)


def test_listing_every_path_is_exact_for_a_distribution():
    """With all length-T paths listed (brute force), the listed sum is p(l|x)."""
    probs = {"A": 0.5, "B": 0.3, "-": 0.2}

    def collapse(p):
        out, prev = [], None
        for s in p:
            if s != prev and s != "-":
                out.append(s)
            prev = s
        return "".join(out)

    paths = ["".join(p) for p in itertools.product("AB-", repeat=3) if collapse(p) == "AB"]
    # Hand count: AAB ABB AB- A-B -AB.
    assert sorted(paths) == sorted(["AAB", "ABB", "AB-", "A-B", "-AB"])
    r = ctc_listed("AB", paths, probs)
    assert r.total == pytest.approx(0.21)


@pytest.mark.parametrize("target", ["A", "AB", "AA", "ABA", "ABBA"])
def test_the_log10_of_the_path_count_agrees_with_the_count(target):
    from rnnloss_cli.engine.alignments import ctc_path_count, ctc_path_count_log10

    for frames in range(1, 40):
        count = ctc_path_count(list(target), frames)
        got = ctc_path_count_log10(list(target), frames)
        if count == 0:  # fewer frames than labels and repeat blanks
            assert got == -math.inf
        else:
            assert got == pytest.approx(math.log10(count), abs=1e-9)
