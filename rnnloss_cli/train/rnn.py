"""Elman RNN forward pass and backpropagation through time (pure numpy).

    h_t = tanh(W_xh x_t + W_hh h_{t-1} + b_h),   h_0 = 0
    y_t = W_hy h_t + b_y

Shapes: x (T, N, D) time-major, h (T, N, H), y (T, N, O). Parameters live in a dict of arrays
(``W_xh`` (H, D), ``W_hh`` (H, H), ``b_h`` (H,), ``W_hy`` (O, H), ``b_y`` (O,)) so optimisers
and gradient checks can treat them uniformly.

BPTT: given dL/dy_t, with a_t the pre-activation and dh_t the gradient reaching h_t from the
output and from step t+1,

    dh_t  = W_hyᵀ dy_t + W_hhᵀ da_{t+1}
    da_t  = dh_t ⊙ (1 − h_t²)                  (tanh' = 1 − tanh²)
    dW_xh += da_t x_tᵀ,  dW_hh += da_t h_{t-1}ᵀ,  db_h += da_t
    dW_hy += dy_t h_tᵀ,  db_y += dy_t
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

Params = dict[str, np.ndarray]


def init_params(
    n_in: int, n_hidden: int, n_out: int, rng: np.random.Generator, *, recurrent_scale: float = 0.9
) -> Params:
    """Small random weights: input/output ~ N(0, 1/fan_in); W_hh a scaled orthogonal matrix."""
    q, _ = np.linalg.qr(rng.standard_normal((n_hidden, n_hidden)))
    return {
        "W_xh": rng.standard_normal((n_hidden, n_in)) / np.sqrt(n_in),
        "W_hh": recurrent_scale * q,
        "b_h": np.zeros(n_hidden),
        "W_hy": rng.standard_normal((n_out, n_hidden)) / np.sqrt(n_hidden),
        "b_y": np.zeros(n_out),
    }


@dataclass
class Cache:
    """What the backward pass needs from the forward pass."""

    x: np.ndarray  # (T, N, D)
    h: np.ndarray  # (T + 1, N, H); h[0] = h_0 = 0


def forward(params: Params, x: np.ndarray) -> tuple[np.ndarray, Cache]:
    """Run the RNN over x (T, N, D); return outputs y (T, N, O) and the cache for BPTT."""
    T, N, _ = x.shape
    H = params["W_hh"].shape[0]
    h = np.zeros((T + 1, N, H))
    # The input projection of every step at once; only the recurrence is sequential.
    xw = x @ params["W_xh"].T + params["b_h"]
    for t in range(T):
        h[t + 1] = np.tanh(xw[t] + h[t] @ params["W_hh"].T)
    y = h[1:] @ params["W_hy"].T + params["b_y"]
    return y, Cache(x, h)


def backward(params: Params, cache: Cache, dy: np.ndarray) -> Params:
    """Gradients of the loss w.r.t. every parameter, given dL/dy (T, N, O)."""
    x, h = cache.x, cache.h
    T = x.shape[0]
    hs = h[1:]
    grads = {
        "W_hy": np.einsum("tno,tnh->oh", dy, hs),
        "b_y": dy.sum(axis=(0, 1)),
    }
    dh_out = dy @ params["W_hy"]  # (T, N, H): the gradient reaching h_t from y_t
    da = np.zeros_like(hs)
    carry = np.zeros_like(hs[0])  # W_hhᵀ da_{t+1}
    for t in range(T - 1, -1, -1):
        da[t] = (dh_out[t] + carry) * (1.0 - hs[t] ** 2)
        carry = da[t] @ params["W_hh"]
    grads["W_xh"] = np.einsum("tnh,tnd->hd", da, x)
    grads["W_hh"] = np.einsum("tnh,tnk->hk", da, h[:-1])
    grads["b_h"] = da.sum(axis=(0, 1))
    return grads
