"""Tests for Elman-RNN BPTT and its trace, against references written here.

References: central finite differences of the loss (every parameter, h0 included), a
hand-worked two-step example, a scalar RNN whose lag decomposition has a closed form, and
PyTorch autograd through torch.nn.RNN when torch is installed (skipped otherwise).
"""

from __future__ import annotations

import doctest
import math
from pathlib import Path

import numpy as np
import pytest
import yaml

import rnnloss_cli.engine.bptt as bptt
from rnnloss_cli.engine.bptt import elman_bptt, elman_bptt_trace
from rnnloss_cli.engine.errors import EngineError
from tests.numeric import central_diff

NAMES = ("W_xh", "W_hh", "b_h", "W_hy", "b_y", "h0")


def random_net(seed: int, n_steps: int, n_in: int, n_hidden: int, n_out: int, loss: str):
    rng = np.random.default_rng(seed)
    params = {
        "W_xh": rng.standard_normal((n_in, n_hidden)) * 0.8,
        "W_hh": rng.standard_normal((n_hidden, n_hidden)) * 0.8,
        "b_h": rng.standard_normal(n_hidden) * 0.3,
        "W_hy": rng.standard_normal((n_hidden, n_out)),
        "b_y": rng.standard_normal(n_out) * 0.3,
        "h0": rng.standard_normal(n_hidden) * 0.5,
    }
    x = rng.standard_normal((n_steps, n_in))
    if loss == "cross_entropy":
        targets = rng.integers(0, n_out, size=n_steps)
    else:
        targets = rng.standard_normal((n_steps, n_out))
    return x, targets, params


CASES = [(0, 1, 1, 1, 1), (1, 3, 2, 3, 2), (2, 6, 3, 4, 3), (3, 10, 2, 2, 4)]


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("loss", ["cross_entropy", "squared_error"])
@pytest.mark.parametrize("reduction", ["sum", "mean"])
def test_gradients_match_finite_differences(case, loss, reduction):
    x, targets, params = random_net(*case, loss)
    value, grads = elman_bptt(x, targets, **params, loss=loss, reduction=reduction)
    assert set(grads) == set(NAMES)
    for name in NAMES:

        def f(p, name=name):
            return elman_bptt(x, targets, **{**params, name: p}, loss=loss, reduction=reduction)[0]

        np.testing.assert_allclose(
            grads[name], central_diff(f, params[name]), atol=1e-6, rtol=0, err_msg=name
        )
        assert grads[name].shape == params[name].shape


def test_loss_value_forward_by_hand():
    # One unit, T = 2, x = (1, 0), W_xh = .5, W_hh = 1, W_hy = 1, biases and h0 zero, squared
    # error against 0: h1 = tanh(.5), h2 = tanh(h1), L = h1^2 + h2^2 (math.tanh as calculator).
    h1 = math.tanh(0.5)
    h2 = math.tanh(h1)
    loss, grads = elman_bptt(
        [[1.0], [0.0]],
        [[0.0], [0.0]],
        W_xh=[[0.5]],
        W_hh=[[1.0]],
        W_hy=[[1.0]],
        loss="squared_error",
    )
    assert loss == pytest.approx(h1**2 + h2**2, rel=1e-14)
    # Backward: delta2 = 2 h2 (1 - h2^2); delta1 = (2 h1 + delta2 W_hh) (1 - h1^2).
    d2 = 2 * h2 * (1 - h2**2)
    d1 = (2 * h1 + d2) * (1 - h1**2)
    assert grads["W_hh"][0, 0] == pytest.approx(h1 * d2, rel=1e-14)  # h0 = 0
    assert grads["W_xh"][0, 0] == pytest.approx(d1, rel=1e-14)  # x2 = 0
    assert grads["b_h"][0] == pytest.approx(d1 + d2, rel=1e-14)
    assert grads["W_hy"][0, 0] == pytest.approx(2 * h1 * h1 + 2 * h2 * h2, rel=1e-14)
    assert grads["b_y"][0] == pytest.approx(2 * h1 + 2 * h2, rel=1e-14)
    assert grads["h0"][0] == pytest.approx(d1, rel=1e-14)  # W_hh = 1


@pytest.mark.parametrize("case", CASES)
def test_trace_pre_activation_is_the_sum_whose_tanh_is_h(case):
    # a_t[j] = Σ_i x_t[i] W_xh[i,j] + b_h[j] + Σ_k h_{t-1}[k] W_hh[k,j], summed term by term
    # here (math.fsum, exact rounding of the true sum), and h_t = tanh(a_t) of those numbers
    x, targets, params = random_net(*case, "squared_error")
    tr = elman_bptt_trace(x, targets, **params, loss="squared_error")
    n_steps, n_hidden = tr.h.shape
    for t in range(n_steps):
        for j in range(n_hidden):
            terms = [x[t, i] * params["W_xh"][i, j] for i in range(x.shape[1])]
            terms += [tr.h_prev[t, k] * params["W_hh"][k, j] for k in range(n_hidden)]
            want = math.fsum([*terms, params["b_h"][j]])
            assert tr.a[t, j] == pytest.approx(want, rel=1e-12, abs=1e-15)
            assert tr.h[t, j] == np.tanh(tr.a[t, j])


def test_cross_entropy_one_step_closed_form():
    # h0 = 0, W_xh = 0: h = 0, o = b_y = (0, ln 3): softmax (1/4, 3/4); target 0:
    # L = ln 4, dL/db_y = (1/4 - 1, 3/4) = (-3/4, 3/4); every other gradient 0 (h = 0 and
    # dL/dh = g W_hy^T = 0 for W_hy = 0).
    loss, grads = elman_bptt(
        [[1.0]], [0], W_xh=[[0.0]], W_hh=[[0.0]], W_hy=[[0.0, 0.0]], b_y=[0.0, math.log(3)]
    )
    assert loss == pytest.approx(math.log(4))
    np.testing.assert_allclose(grads["b_y"], [-0.75, 0.75])
    for name in ("W_xh", "W_hh", "b_h", "W_hy", "h0"):
        assert np.all(grads[name] == 0), name


def test_trace_lag_parts_sum_and_closed_form_for_one_unit():
    # One unit: the delta L_t sends k steps back is g_t w_hy (1-h_t^2) prod_{j=t-k}^{t-1}
    # [w_hh (1-h_j^2)], and part_k = sum_t h_{t-k-1} * that delta at step t-k.
    x, targets, params = random_net(4, 7, 1, 1, 1, "squared_error")
    tr = elman_bptt_trace(x, targets, **params, loss="squared_error")
    h = np.concatenate([params["h0"], tr.h[:, 0]])  # h[0] = h0, h[t] = h_t (1-based)
    o = h[1:] * params["W_hy"][0, 0] + params["b_y"][0]
    g = 2 * (o - targets[:, 0])
    w, v = params["W_hh"][0, 0], params["W_hy"][0, 0]
    n = len(g)
    parts = np.zeros(n)
    last = np.zeros(n)
    for t in range(1, n + 1):
        d = g[t - 1] * v * (1 - h[t] ** 2)
        for k in range(t):
            parts[k] += h[t - k - 1] * d
            if t == n:
                last[k] = abs(d)
            d = d * w * (1 - h[t - k - 1] ** 2)
    np.testing.assert_allclose(tr.grad_W_hh_by_lag[:, 0, 0], parts, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(tr.lag_norms, np.abs(parts), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(tr.last_loss_delta_norms, last, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("loss", ["cross_entropy", "squared_error"])
def test_trace_lag_parts_sum_to_the_gradient(loss):
    x, targets, params = random_net(5, 8, 3, 4, 3, loss)
    tr = elman_bptt_trace(x, targets, **params, loss=loss, reduction="mean")
    _, grads = elman_bptt(x, targets, **params, loss=loss, reduction="mean")
    np.testing.assert_allclose(tr.grad_W_hh_by_lag.sum(axis=0), grads["W_hh"], atol=1e-14)
    assert tr.loss == pytest.approx(tr.step_loss.mean())
    np.testing.assert_allclose(tr.delta, tr.d_h * (1 - tr.h**2))
    if loss == "cross_entropy":
        np.testing.assert_allclose(tr.probs.sum(axis=1), 1.0)
    else:
        assert tr.probs is None


def test_small_recurrent_weights_make_the_gradient_vanish():
    # |w_hh (1 - h^2)| <= |w_hh| = 0.1: each step back shrinks the last loss's delta >= 10x.
    x, targets, params = random_net(6, 8, 1, 1, 1, "squared_error")
    params["W_hh"] = np.array([[0.1]])
    tr = elman_bptt_trace(x, targets, **params, loss="squared_error")
    ratios = tr.last_loss_delta_norms[1:] / tr.last_loss_delta_norms[:-1]
    assert np.all(ratios <= 0.1 + 1e-15)


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"x": np.zeros(3)}, r"x must have shape \(T, D\)"),
        ({"W_xh": np.zeros((3, 2))}, r"W_xh must have shape \(D, H\) = \(2, 2\)"),
        ({"W_hh": np.zeros((2, 3))}, r"W_hh must have shape \(H, H\)"),
        ({"W_hy": np.zeros((3, 2))}, r"W_hy must have shape \(H, K\)"),
        ({"b_y": np.zeros(3)}, r"b_y must have shape \(K,\)"),
        ({"h0": np.zeros(3)}, r"h0 must have shape \(H,\)"),
        ({"targets": np.array([0, 2, 1])}, r"classes in \[0, 2\)"),
        ({"targets": np.array([0.0, 1.0, 1.0])}, "integers"),
        ({"targets": np.array([0, 1])}, r"targets must have shape \(T,\) = \(3,\)"),
        ({"loss": "mse"}, "loss: expected one of"),
        ({"reduction": "none"}, "reduction: expected one of"),
        ({"b_h": np.array([np.nan, 0.0])}, "finite"),
    ],
)
def test_bad_input_is_an_engine_error(change, match):
    args = {
        "x": np.zeros((3, 2)),
        "targets": np.array([0, 1, 1]),
        "W_xh": np.zeros((2, 2)),
        "W_hh": np.zeros((2, 2)),
        "b_h": np.zeros(2),
        "W_hy": np.zeros((2, 2)),
        "b_y": np.zeros(2),
        "h0": None,
    }
    args.update(change)
    x, targets = args.pop("x"), args.pop("targets")
    with pytest.raises(EngineError, match=match):
        elman_bptt(x, targets, **args)


def test_squared_error_targets_shape():
    with pytest.raises(EngineError, match=r"targets must have shape \(T, K\) = \(3, 2\)"):
        elman_bptt(
            np.zeros((3, 2)),
            np.zeros(3),
            W_xh=np.zeros((2, 2)),
            W_hh=np.zeros((2, 2)),
            W_hy=np.zeros((2, 2)),
            loss="squared_error",
        )


def test_docstring_examples():
    assert doctest.testmod(bptt, optionflags=doctest.ELLIPSIS).failed == 0


# ---------------------------------------------------------------------------------------------
# PyTorch autograd through torch.nn.RNN (optional)
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("loss", ["cross_entropy", "squared_error"])
@pytest.mark.parametrize("reduction", ["sum", "mean"])
def test_matches_torch_autograd(case, loss, reduction):
    torch = pytest.importorskip("torch")
    x, targets, params = random_net(*case, loss)
    n_in, n_hidden = params["W_xh"].shape
    rnn = torch.nn.RNN(n_in, n_hidden, nonlinearity="tanh", batch_first=True).double()
    with torch.no_grad():  # torch: h_t = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)
        rnn.weight_ih_l0.copy_(torch.tensor(params["W_xh"].T))
        rnn.weight_hh_l0.copy_(torch.tensor(params["W_hh"].T))
        rnn.bias_ih_l0.copy_(torch.tensor(params["b_h"]))
        rnn.bias_hh_l0.zero_()
    w_hy = torch.tensor(params["W_hy"], requires_grad=True)
    b_y = torch.tensor(params["b_y"], requires_grad=True)
    h0 = torch.tensor(params["h0"], requires_grad=True)
    hs, _ = rnn(torch.tensor(x)[None], h0[None, None])
    o = hs[0] @ w_hy + b_y
    if loss == "cross_entropy":
        total = torch.nn.functional.cross_entropy(o, torch.tensor(targets), reduction=reduction)
    else:
        per_step = ((o - torch.tensor(targets)) ** 2).sum(dim=1)
        total = per_step.sum() if reduction == "sum" else per_step.mean()
    total.backward()
    value, grads = elman_bptt(x, targets, **params, loss=loss, reduction=reduction)
    assert value == pytest.approx(total.item(), rel=1e-12)
    ref = {
        "W_xh": rnn.weight_ih_l0.grad.numpy().T,
        "W_hh": rnn.weight_hh_l0.grad.numpy().T,
        "b_h": rnn.bias_ih_l0.grad.numpy(),
        "W_hy": w_hy.grad.numpy(),
        "b_y": b_y.grad.numpy(),
        "h0": h0.grad.numpy(),
    }
    for name in NAMES:
        np.testing.assert_allclose(grads[name], ref[name], rtol=1e-10, atol=1e-13, err_msg=name)


PENDING = Path(__file__).resolve().parents[2] / "problems"


@pytest.mark.parametrize("name", ["bptt-two-steps.yaml", "bptt-three-steps-cross-entropy.yaml"])
def test_hand_worked_problem_keys_hold(name):
    # The keys of these problem files are worked by hand in their comments (6 decimals).
    doc = yaml.safe_load((PENDING / name).read_text(encoding="utf-8"))
    params = {p: np.array(doc[p], dtype=float) for p in NAMES}
    targets = np.array(doc["targets"], dtype=int if doc["loss"] == "cross_entropy" else float)
    loss, grads = elman_bptt(
        np.array(doc["x"], dtype=float),
        targets,
        **params,
        loss=doc["loss"],
        reduction=doc["reduction"],
    )
    assert loss == pytest.approx(doc["answer"]["loss"], abs=5e-7)
    for param, value in doc["answer"]["grads"].items():
        np.testing.assert_allclose(grads[param], value, atol=5e-7, rtol=0, err_msg=param)
