"""The pointwise losses' fast paths keep their edge cases: checks fused into results still
name bad input, overflow from finite input is inf (not an error), tiny probabilities keep
full precision, and zero probabilities take the careful path. No torch needed."""

from __future__ import annotations

import math

import numpy as np
import pytest

from rnnloss_cli import engine


def test_mse_overflow_from_finite_input_is_inf_not_an_error():
    # (1e200 - 0)^2 = 1e400 overflows float64: the true answer is inf
    assert engine.mse_loss([1e200], [0.0]) == math.inf
    # d/dyhat = 2 * 1e200 is representable
    np.testing.assert_array_equal(engine.mse_grad([1e200], [0.0]), [2e200])


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
@pytest.mark.parametrize("which", ["input", "target"])
def test_mse_non_finite_input_is_named(bad, which):
    args = {"input": [1.0, 2.0], "target": [1.0, 2.0]}
    args[which] = [1.0, bad]
    for fn in (engine.mse_loss, engine.mse_grad):
        with pytest.raises(ValueError, match=f"{which}: expected finite numbers"):
            fn(args["input"], args["target"])


def test_mse_of_nothing_is_nan_like_pytorch():
    assert math.isnan(engine.mse_loss([], [])) and engine.mse_loss([], [], "sum") == 0.0


def test_bce_tiny_probability_keeps_full_precision():
    # -ln(1 - p) = p + p^2/2 + ... = 1e-10 + 5e-21 for p = 1e-10 (ln(1 - p) computed as
    # ln of the rounded 1 - p would be off by 8e-8 relative)
    got = engine.binary_cross_entropy([1e-10], [0.0], reduction="sum")
    assert got == pytest.approx(1e-10 + 5e-21, rel=1e-13, abs=0)
    # and a mid-range p, where ln(1 - p) is used: -ln(0.75) for p = 0.25
    got = engine.binary_cross_entropy([0.25], [0.0], reduction="sum")
    assert got == pytest.approx(math.log(4 / 3), rel=1e-15)


@pytest.mark.parametrize("bad, match", [([1.5], r"\[0, 1\]"), ([math.nan], "finite")])
def test_bce_bad_probability_is_named(bad, match):
    with pytest.raises(ValueError, match=match):
        engine.binary_cross_entropy(bad, [1.0])


def test_categorical_zero_probability_where_the_target_is_zero():
    # yhat = (0, 1), y = (0, 1): -(0 ln 0 + 1 ln 1) = 0, and d/dyhat = (0, -1/1) = (0, -1)
    assert engine.categorical_cross_entropy([[0.0, 1.0]], [[0.0, 1.0]]) == 0.0
    np.testing.assert_array_equal(
        engine.categorical_cross_entropy_grad([[0.0, 1.0]], [[0.0, 1.0]]), [[0.0, -1.0]]
    )


@pytest.mark.parametrize("labels", [[1.0, 0.0], [1.0, 2.0], [1.0, math.nan], [-0.5, 1.0]])
def test_hinge_labels_must_be_plus_or_minus_one(labels):
    for fn in (engine.hinge_loss, engine.hinge_loss_grad):
        with pytest.raises(ValueError, match="-1 or \\+1"):
            fn([0.3, 0.2], labels)


def test_hinge_grad_is_zero_at_the_kink_and_beyond():
    # margins 1 - y yhat: 1 - 1 = 0 (kink: subgradient 0), 1 - 2 = -1 (0), 1 - 0.5 = 0.5 (-y)
    np.testing.assert_array_equal(
        engine.hinge_loss_grad([1.0, -2.0, 0.5], [1.0, -1.0, 1.0], reduction="sum"),
        [0.0, 0.0, -1.0],
    )


def test_nll_target_checks_on_the_fast_path():
    lp = np.log([[0.5, 0.5], [0.25, 0.75]])
    with pytest.raises(ValueError, match=r"class index 2 outside \[0, 1\]"):
        engine.nll_loss(lp, [0, 2])
    with pytest.raises(ValueError, match=r"class index -1 outside"):
        engine.nll_loss(lp, [-1, 0])
    with pytest.raises(ValueError, match="integer class indices"):
        engine.nll_loss(lp, [0.5, 1.0])
    # ignore_index inside [0, C) is honoured: class 1 targets are left out of the mean
    assert engine.nll_loss(lp, [0, 1], ignore_index=1) == pytest.approx(math.log(2.0))


def test_cce_on_one_row_past_the_chunk_size_is_computed_not_recursed():
    # One row of 2^19 classes reached the chunked path, whose one chunk was the whole row:
    # the call recursed until Python's limit. Uniform p = 2^-19 and a one-hot target give
    # -ln 2^-19 = 19 ln 2 exactly as a closed form.
    n_classes = 2**19
    p = np.full((1, n_classes), 2.0**-19)
    y = np.zeros((1, n_classes))
    y[0, 12345] = 1.0
    for reduction in ("sum", "mean"):
        loss = engine.categorical_cross_entropy(p, y, reduction)
        assert loss == pytest.approx(19 * math.log(2), rel=1e-15)
