"""Training that diverges stops with TrainingDiverged: the epoch, what went wrong, a hint."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from rnnloss_cli.errors import ProblemError
from rnnloss_cli.train import optim, rnn
from rnnloss_cli.train.run import DIVERGENCE_FACTOR, TrainingDiverged, train
from rnnloss_cli.train.tasks import SineForecast


def diverge(loss: str, **settings) -> TrainingDiverged:
    """Run ``train`` and return the TrainingDiverged it must raise (numpy warnings are errors)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # overflow is reported by the message, not by numpy
        with pytest.raises(TrainingDiverged) as info:
            train(loss, **settings)
    return info.value


def test_a_huge_adam_step_stops_at_epoch_1_and_suggests_the_default_lr():
    # Adam moves each weight by about lr per step whatever the gradient, so at lr = 1e6 the
    # output layer reaches ~1e6 and the squared error ~1e12 >> 1e4 x the starting ~0.5.
    err = diverge("mse", epochs=5, optimizer="adam", lr=1e6)
    assert isinstance(err, ProblemError) and err.file == "<command line>"
    assert err.epoch == 1
    assert err.what.startswith("the loss grew to ")
    assert f"more than {DIVERGENCE_FACTOR:g} x its value before training" in err.what
    # The hint is the task's own Adam rate (SineForecast.lr), below the 1e6 that diverged.
    assert SineForecast.lr["adam"] == 0.01
    assert str(err).endswith("try a smaller --lr, e.g. 0.01")
    assert "training diverged at epoch 1 of 5 (adam, --lr 1e+06)" in str(err)


def test_sgd_without_clipping_suggests_clipping_too():
    err = diverge("mse", epochs=5, optimizer="sgd", lr=1e3, clip=None)
    assert err.epoch == 1
    assert str(err).endswith("try a smaller --lr, e.g. 0.05, or clip the gradients (--clip 1)")


def test_outputs_that_overflow_are_named():
    # lr = 1e308 times an unclipped gradient of order 1 puts weights near the float64 maximum
    # (1.8e308); the next output W_hy h + b_y overflows to inf.
    err = diverge("mse", epochs=3, optimizer="sgd", lr=1e308, clip=None)
    assert err.epoch == 1
    assert err.what == "the RNN's outputs became non-finite (inf or NaN)"


def test_a_loss_that_overflows_is_named():
    # Clipped (norm <= 1) the weights stay finite but outputs reach ~1e307: their square is inf.
    err = diverge("mse", epochs=3, optimizer="sgd", lr=1e308, clip=1.0)
    assert err.what == "the loss became non-finite (inf)"


def test_a_gradient_that_is_not_finite_is_named(monkeypatch: pytest.MonkeyPatch):
    real = rnn.backward

    def backward(params, cache, dy):
        grads = real(params, cache, dy)
        grads["b_h"] = np.full_like(grads["b_h"], np.inf)  # as an overflow in BPTT would give
        return grads

    monkeypatch.setattr(rnn, "backward", backward)
    err = diverge("mse", epochs=3)
    assert (err.epoch, err.what) == (1, "the gradient b_h became non-finite (inf or NaN)")


def test_a_parameter_that_is_not_finite_is_named(monkeypatch: pytest.MonkeyPatch):
    calls = []
    real = optim.Adam.step

    def step(self, params, grads):
        real(self, params, grads)
        calls.append(1)
        if len(calls) == 5:  # epoch 2: mse has 128 examples in batches of 32, 4 steps an epoch
            params["W_hh"][0, 0] = np.nan

    monkeypatch.setattr(optim.Adam, "step", step)
    err = diverge("mse", epochs=3)
    assert (err.epoch, err.what) == (2, "the parameter W_hh became non-finite (inf or NaN)")
    assert "training diverged at epoch 2 of 3" in str(err)


def test_a_run_that_learns_is_not_stopped():
    """A large but stable rate: SGD at 0.5 with clipping, loss still falls."""
    res = train("mse", epochs=5, optimizer="sgd", lr=0.5, clip=1.0)
    assert len(res.history) == 5 and res.history[-1] < res.initial


def test_a_first_epoch_spike_is_not_divergence():
    """A wider network at the default Adam rate: the first epoch's loss is several x the start
    (the spike grows with the width: about 130 x at hidden 512, too slow to run here)."""
    res = train("mse", epochs=1, hidden=128)
    assert res.history[0] > 5 * res.initial  # the spike the factor must allow
