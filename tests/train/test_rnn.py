"""BPTT gradients of the Elman RNN against central finite differences."""

from __future__ import annotations

import numpy as np
import pytest

from rnnloss_cli.train import optim, rnn
from rnnloss_cli.train.tasks import TASKS


def _numeric_grad(f, params: rnn.Params, eps: float = 1e-6) -> rnn.Params:
    """Central differences (f(p + ε) − f(p − ε)) / 2ε, one entry at a time."""
    out = {}
    for k, p in params.items():
        g = np.zeros_like(p)
        for idx in np.ndindex(p.shape):
            old = p[idx]
            p[idx] = old + eps
            up = f()
            p[idx] = old - eps
            down = f()
            p[idx] = old
            g[idx] = (up - down) / (2 * eps)
        out[k] = g
    return out


def test_bptt_matches_finite_differences_for_a_quadratic_readout():
    """L = Σ_t,n,o c_tno · y_tno²/2 (so dL/dy = c·y): every parameter, T = 5, H = 4."""
    rng = np.random.default_rng(1)
    params = rnn.init_params(3, 4, 2, rng, recurrent_scale=1.2)
    x = rng.standard_normal((5, 2, 3))
    c = rng.standard_normal((5, 2, 2))

    def loss() -> float:
        y, _ = rnn.forward(params, x)
        return float(np.sum(c * y**2) / 2)

    y, cache = rnn.forward(params, x)
    analytic = rnn.backward(params, cache, c * y)
    numeric = _numeric_grad(loss, params)
    for k in params:
        np.testing.assert_allclose(analytic[k], numeric[k], rtol=1e-5, atol=1e-8, err_msg=k)


@pytest.mark.parametrize("name", sorted(set(TASKS) - {"reinforce"}))
def test_bptt_through_each_task_loss_matches_finite_differences(name: str):
    """The engine's loss gradient chained through BPTT, on a small instance of each task."""
    task = TASKS[name]()
    task.hidden = 3
    rng = np.random.default_rng(2)
    params = rnn.init_params(task.n_in, task.hidden, task.n_out, rng)
    batch = task.make(2, rng)

    def loss() -> float:
        y, _ = rnn.forward(params, batch.x)
        return task.loss_and_grad(y, batch, rng)[0]

    y, cache = rnn.forward(params, batch.x)
    analytic = rnn.backward(params, cache, task.loss_and_grad(y, batch, rng)[1])
    numeric = _numeric_grad(loss, params)
    for k in params:
        # hinge has kinks; away from them the derivative is exact, so a tight tolerance holds.
        np.testing.assert_allclose(analytic[k], numeric[k], rtol=1e-4, atol=1e-7, err_msg=k)


def test_forward_shapes_and_zero_initial_state():
    rng = np.random.default_rng(0)
    params = rnn.init_params(2, 5, 3, rng)
    x = np.zeros((4, 6, 2))
    y, cache = rnn.forward(params, x)
    assert y.shape == (4, 6, 3) and cache.h.shape == (5, 6, 5)
    np.testing.assert_array_equal(cache.h[0], 0.0)


def test_clip_grad_norm_rescales_to_max_norm_and_keeps_direction():
    grads = {"a": np.array([3.0, 0.0]), "b": np.array([[4.0]])}  # global norm 5
    clipped, norm = optim.clip_grad_norm(grads, 1.0)
    assert norm == pytest.approx(5.0)
    assert optim.global_norm(clipped) == pytest.approx(1.0)
    np.testing.assert_allclose(clipped["a"], [0.6, 0.0])
    same, _ = optim.clip_grad_norm(grads, 10.0)
    assert same is grads


def test_adam_first_step_moves_each_parameter_by_lr():
    """With bias correction, Adam's first step is lr · g/|g| (up to ε)."""
    params = {"w": np.array([1.0, -2.0])}
    optim.Adam(lr=0.1).step(params, {"w": np.array([0.5, -3.0])})
    np.testing.assert_allclose(params["w"], [0.9, -1.9], atol=1e-6)


def test_sgd_momentum_accumulates():
    params = {"w": np.array([0.0])}
    opt = optim.SGD(lr=0.1, momentum=0.5)
    opt.step(params, {"w": np.array([1.0])})  # v = 1, w = -0.1
    opt.step(params, {"w": np.array([1.0])})  # v = 1.5, w = -0.25
    np.testing.assert_allclose(params["w"], [-0.25])
