"""Back-propagation through time (BPTT) for a one-layer Elman RNN, with a step-by-step trace.

Row-vector convention, steps t = 1..T, x_t (D,), h_t (H,), o_t (K,)::

    a_t = x_t W_xh + h_{t-1} W_hh + b_h,     h_t = tanh(a_t),     o_t = h_t W_hy + b_y

with W_xh (D, H), W_hh (H, H), b_h (H,), W_hy (H, K), b_y (K,) and the initial state h_0 (H,).
Per-step losses, summed over steps (reduction "sum") or averaged over the T steps ("mean")::

    cross_entropy:  L_t = -ln softmax(o_t)[c_t] = logsumexp(o_t) - o_t[c_t]   (class targets c_t)
    squared_error:  L_t = ||o_t - y_t||^2 = sum_k (o_t[k] - y_t[k])^2          (no 1/2 factor)

so "sum" with squared error equals ``torch.nn.MSELoss(reduction="sum")`` over all entries, and
"mean" divides by T (not by T K as MSELoss's "mean" would).

Backward pass, with s = 1 ("sum") or 1/T ("mean") and g_t = dL/do_t::

    g_t = s (softmax(o_t) - onehot(c_t))    or    g_t = 2 s (o_t - y_t)
    dh_t = g_t W_hy^T + delta_{t+1} W_hh^T      (delta_{T+1} = 0): dL/dh_t, all later steps
    delta_t = dh_t * (1 - h_t^2)                  dL/da_t (tanh' = 1 - tanh^2)
    dW_hy = sum_t h_t^T g_t      db_y = sum_t g_t
    dW_xh = sum_t x_t^T delta_t  dW_hh = sum_t h_{t-1}^T delta_t  db_h = sum_t delta_t
    dh_0 = delta_1 W_hh^T

Vanishing and exploding gradients: the contribution of loss L_t to delta at an earlier step
t - k is delta^{(t)}_t W_hh^T D_{t-1} ... W_hh^T D_{t-k} with D_j = diag(1 - h_j^2), a
product of k Jacobians. ``elman_bptt_trace`` splits dW_hh by that lag k (the gradient reaching
back exactly k steps, summed over t), so the norms per lag show how fast it shrinks or grows;
the parts sum to dW_hh.

References:
    Elman 1990, "Finding Structure in Time", Cognitive Science 14.
    Werbos 1990, "Backpropagation Through Time: What It Does and How to Do It", Proc. IEEE.
    Pascanu, Mikolov, Bengio 2013, "On the difficulty of training recurrent neural
    networks", ICML (vanishing and exploding gradients).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from rnnloss_cli.engine._numerics import (
    all_finite,
    as_array,
    check_array_bytes,
    log_softmax,
    scaled_sum,
)
from rnnloss_cli.engine.errors import EngineError, shown
from rnnloss_cli.limits import ENGINE_MAX_BPTT_WORK

__all__ = ["BPTTTrace", "elman_bptt", "elman_bptt_trace"]

LOSSES = ("cross_entropy", "squared_error")
_REDUCTIONS = ("sum", "mean")
PARAMETERS = ("W_xh", "W_hh", "b_h", "W_hy", "b_y", "h0")


def _real(x: ArrayLike, name: str, shape: tuple[int, ...], shape_text: str) -> NDArray[np.float64]:
    arr = as_array(x, name)
    if arr.shape != shape:
        raise EngineError(f"{name} must have shape {shape_text} = {shape}; got shape {arr.shape}")
    arr = np.array(arr, dtype=np.float64)
    if not np.all(np.isfinite(arr)):
        raise EngineError(f"{name}: expected finite numbers, got NaN or infinity")
    return arr


@dataclass(frozen=True)
class _Net:
    x: NDArray[np.float64]
    targets: NDArray  # (T,) int64 classes or (T, K) float64
    params: dict[str, NDArray[np.float64]]
    loss: str
    scale: float


def _prepare(x, targets, params: dict, loss: str, reduction: str) -> _Net:
    if not isinstance(loss, str) or loss not in LOSSES:
        raise EngineError(f"loss: expected one of {LOSSES}, got {shown(loss)}")
    if not isinstance(reduction, str) or reduction not in _REDUCTIONS:
        raise EngineError(f"reduction: expected one of {_REDUCTIONS}, got {shown(reduction)}")
    if not isinstance(params, dict):
        raise EngineError(f"params: expected a dict of arrays, got {type(params).__name__}")
    x_arr = as_array(x, "x")
    if x_arr.ndim != 2 or 0 in x_arr.shape:
        raise EngineError(f"x must have shape (T, D) with T, D >= 1; got shape {x_arr.shape}")
    n_steps, n_in = x_arr.shape
    x_arr = _real(x_arr, "x", (n_steps, n_in), "(T, D)")
    w_hh = as_array(params["W_hh"], "W_hh")
    w_hy = as_array(params["W_hy"], "W_hy")
    if w_hh.ndim != 2 or w_hh.shape[0] != w_hh.shape[1] or w_hh.shape[0] < 1:
        raise EngineError(f"W_hh must have shape (H, H) with H >= 1; got shape {w_hh.shape}")
    n_hidden = w_hh.shape[0]
    if w_hy.ndim != 2 or w_hy.shape[0] != n_hidden or w_hy.shape[1] < 1:
        raise EngineError(f"W_hy must have shape (H, K) with H = {n_hidden}; got {w_hy.shape}")
    n_out = w_hy.shape[1]
    work = n_steps * (n_hidden * n_hidden + 10_000)
    if work > ENGINE_MAX_BPTT_WORK:  # before any pass (a broadcast x costs nothing to check)
        raise EngineError(
            f"x: {n_steps:,} steps of {n_hidden:,} hidden units would take {work:.3g} units of "
            f"work (steps x (H² + 10,000)), more than the engine's limit ENGINE_MAX_BPTT_WORK = "
            f"{ENGINE_MAX_BPTT_WORK:.0e} (about a minute); split the sequence"
        )
    # the passes keep (T, H) and (T, K) arrays
    check_array_bytes((n_steps, n_hidden), "hidden states (T, H)")
    check_array_bytes((n_steps, n_out), "outputs (T, K)")
    shapes = {
        "W_xh": ((n_in, n_hidden), "(D, H)"),
        "W_hh": ((n_hidden, n_hidden), "(H, H)"),
        "b_h": ((n_hidden,), "(H,)"),
        "W_hy": ((n_hidden, n_out), "(H, K)"),
        "b_y": ((n_out,), "(K,)"),
        "h0": ((n_hidden,), "(H,)"),
    }
    checked = {}
    for name, (shape, text) in shapes.items():
        value = params[name]
        checked[name] = np.zeros(shape) if value is None else _real(value, name, shape, text)
    if loss == "cross_entropy":
        tg = as_array(targets, "targets")
        if tg.shape != (n_steps,):
            raise EngineError(
                f"targets must have shape (T,) = ({n_steps},) of class indices for "
                f"cross_entropy; got shape {tg.shape}"
            )
        if tg.dtype.kind not in "iu":
            raise EngineError(f"targets must be class indices (integers); got dtype {tg.dtype}")
        bad = (tg < 0) | (tg >= n_out)
        if bad.any():
            t = int(np.argmax(bad))
            raise EngineError(
                f"targets must be classes in [0, {n_out}) (K = {n_out} outputs); "
                f"got {int(tg[t])} at step {t}"
            )
        tg = tg.astype(np.int64)
    else:
        tg = _real(targets, "targets", (n_steps, n_out), "(T, K)")
    return _Net(x_arr, tg, checked, loss, 1.0 if reduction == "sum" else 1.0 / n_steps)


@dataclass(frozen=True)
class _Pass:
    h_prev: NDArray[np.float64]  # (T, H) h_{t-1}
    a: NDArray[np.float64]  # (T, H) a_t = x_t W_xh + b_h + h_{t-1} W_hh
    h: NDArray[np.float64]  # (T, H)
    o: NDArray[np.float64]  # (T, K)
    step_loss: NDArray[np.float64]  # (T,) unscaled L_t
    d_o: NDArray[np.float64]  # (T, K) dL/do_t (scaled)
    d_h: NDArray[np.float64]  # (T, H) dL/dh_t
    delta: NDArray[np.float64]  # (T, H) dL/da_t
    grads: dict[str, NDArray[np.float64]]


def _forward_backward(net: _Net) -> _Pass:
    p = net.params
    n_steps = net.x.shape[0]
    n_hidden = p["W_hh"].shape[0]
    h = np.empty((n_steps, n_hidden))
    h_prev = np.empty((n_steps, n_hidden))
    a = np.empty((n_steps, n_hidden))
    state = p["h0"]
    # Weights past ~1e308 / H overflow the products: the forward pass is then not finite,
    # which is refused below (no warning escapes on the way).
    with np.errstate(over="ignore", invalid="ignore"):
        xw = net.x @ p["W_xh"] + p["b_h"]
        for t in range(n_steps):
            h_prev[t] = state
            a[t] = xw[t] + state @ p["W_hh"]
            state = np.tanh(a[t])
            h[t] = state
        o = h @ p["W_hy"] + p["b_y"]
    if not (all_finite(h) and all_finite(o)):
        raise EngineError(
            "the forward pass overflowed float64 (h_t or o_t is not finite): the inputs or "
            "weights are too large"
        )
    # A loss or gradient past the float range is ±inf (or NaN where infinities meet), as
    # PyTorch's: no warning on the way.
    with np.errstate(over="ignore", invalid="ignore"):
        if net.loss == "cross_entropy":
            logp = log_softmax(o, axis=1)
            rows = np.arange(n_steps)
            step_loss = -logp[rows, net.targets]
            d_o = np.exp(logp)
            d_o[rows, net.targets] -= 1.0
        else:
            diff = o - net.targets
            step_loss = np.sum(diff * diff, axis=1)
            d_o = 2.0 * diff
        d_o *= net.scale
        local = d_o @ p["W_hy"].T  # dL_t/dh_t through o_t only
        d_h = np.empty_like(h)
        delta = np.empty_like(h)
        carry = np.zeros(n_hidden)  # delta_{t+1} W_hh^T
        for t in range(n_steps - 1, -1, -1):
            d_h[t] = local[t] + carry
            delta[t] = d_h[t] * (1.0 - h[t] * h[t])
            carry = delta[t] @ p["W_hh"].T
        grads = {
            "W_xh": net.x.T @ delta,
            "W_hh": h_prev.T @ delta,
            "b_h": delta.sum(axis=0),
            "W_hy": h.T @ d_o,
            "b_y": d_o.sum(axis=0),
            "h0": carry,
        }
    return _Pass(h_prev, a, h, o, step_loss, d_o, d_h, delta, grads)


def elman_bptt(
    x: ArrayLike,
    targets: ArrayLike,
    *,
    W_xh: ArrayLike,
    W_hh: ArrayLike,
    b_h: ArrayLike | None = None,
    W_hy: ArrayLike,
    b_y: ArrayLike | None = None,
    h0: ArrayLike | None = None,
    loss: str = "cross_entropy",
    reduction: str = "sum",
) -> tuple[float, dict[str, NDArray[np.float64]]]:
    """Loss of an Elman RNN over a sequence and its gradient for every parameter, by BPTT.

    h_t = tanh(x_t W_xh + h_{t-1} W_hh + b_h), o_t = h_t W_hy + b_y, L = sum_t L_t (or the
    mean over steps), L_t cross-entropy of softmax(o_t) against class c_t or ||o_t - y_t||^2;
    the gradient by the backward recursion delta_t = (g_t W_hy^T + delta_{t+1} W_hh^T) *
    (1 - h_t^2) of the module docstring.

    Args:
        x: (T, D) inputs, one row per step.
        targets: (T,) class indices in [0, K) for cross_entropy; (T, K) for squared_error.
        W_xh: (D, H) input-to-hidden weights.
        W_hh: (H, H) hidden-to-hidden weights.
        b_h: (H,) hidden bias (None: zeros).
        W_hy: (H, K) hidden-to-output weights.
        b_y: (K,) output bias (None: zeros).
        h0: (H,) initial state (None: zeros).
        loss: "cross_entropy" or "squared_error".
        reduction: "sum" over steps or "mean" over steps.

    Returns:
        (loss, grads): loss a float; grads a dict of float64 arrays keyed "W_xh", "W_hh",
        "b_h", "W_hy", "b_y", "h0", each shaped like its parameter.

    Raises:
        EngineError: on a bad shape, dtype, non-finite value, target, loss or reduction.

    Example:
        One hidden unit, T = 2, x = (1, 0), W_xh = 0.5, W_hh = 1, W_hy = 1, biases and h_0 0,
        squared error against y = (0, 0). Forward: h_1 = tanh(0.5) = 0.462117,
        h_2 = tanh(0.462117) = 0.431808, L = h_1^2 + h_2^2 = 0.213552 + 0.186458 = 0.400011.
        Backward: g_2 = 2 h_2 = 0.863616, delta_2 = g_2 (1 - h_2^2) = 0.702588;
        dh_1 = 2 h_1 + delta_2 * 1 = 1.626822, delta_1 = dh_1 (1 - h_1^2) = 1.279411; so
        dW_hh = h_0 delta_1 + h_1 delta_2 = 0.462117 * 0.702588 = 0.324678 and
        dW_xh = x_1 delta_1 + x_2 delta_2 = 1.279411:

        >>> loss, g = elman_bptt([[1.0], [0.0]], [[0.0], [0.0]], W_xh=[[0.5]], W_hh=[[1.0]],
        ...                      W_hy=[[1.0]], loss="squared_error")
        >>> round(loss, 6), round(float(g["W_hh"][0, 0]), 6), round(float(g["W_xh"][0, 0]), 6)
        (0.400011, 0.324678, 1.279411)

    References:
        Elman 1990; Werbos 1990.
    """
    params = {"W_xh": W_xh, "W_hh": W_hh, "b_h": b_h, "W_hy": W_hy, "b_y": b_y, "h0": h0}
    net = _prepare(x, targets, params, loss, reduction)
    run = _forward_backward(net)
    return _reduced_loss(net, run), run.grads


def _reduced_loss(net: _Net, run: _Pass) -> float:
    """s * sum_t L_t, without a warning: a sum past the float range is inf, but a mean of
    finite step losses is finite even when their sum overflows (``scaled_sum``)."""
    return scaled_sum(run.step_loss, net.scale)


def norms(arr: NDArray[np.float64], axis: int | tuple[int, ...] | None = None) -> NDArray:
    """Euclidean (Frobenius) norms over ``axis``, sqrt(sum x^2), without overflowing.

    Each is computed as m * sqrt(sum (x / m)^2) with m = max |x|, so entries of 1e200 give a
    norm of about 1e200, not the inf that squaring them first would give; a norm past the
    float range is inf and a NaN entry gives NaN, without a warning.
    """
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        big = np.max(np.abs(arr), axis=axis, keepdims=True)
        safe = np.where((big > 0) & np.isfinite(big), big, 1.0)
        scaled = arr / safe
        out = safe * np.sqrt(np.sum(scaled * scaled, axis=axis, keepdims=True))
        out = np.where(np.isinf(big), np.inf, out)
        out = np.where(np.isnan(big), np.nan, out)
    return np.squeeze(out, axis=axis) if axis is not None else out.reshape(())


@dataclass(frozen=True, eq=False)
class BPTTTrace:
    """Forward and backward passes of an Elman RNN, step by step.

    Attributes:
        h_prev: (T, H) h_{t-1} (row 0 is h_0).
        a: (T, H) the pre-activation a_t = (x_t W_xh + b_h) + h_{t-1} W_hh, added in that
            order (h_t = tanh(a_t) holds of these numbers); +-inf past the float range, where
            h_t = tanh(a_t) is still +-1.
        h: (T, H) h_t.
        o: (T, K) o_t.
        probs: (T, K) softmax(o_t) for cross_entropy, None for squared_error.
        step_loss: (T,) L_t, before the reduction.
        loss: the reduced loss.
        d_o: (T, K) dL/do_t (reduction scale included).
        d_h: (T, H) dL/dh_t, from step t's output and every later step.
        delta: (T, H) dL/da_t = d_h * (1 - h_t^2), the delta back-propagated through time.
        grads: the gradients, as :func:`elman_bptt` returns them.
        grad_W_hh_by_lag: (T, H, H) part k of dW_hh: sum over t of h_{t-k-1}^T times the
            delta at step t-k caused by L_t alone; the parts sum to grads["W_hh"].
        lag_norms: (T,) Frobenius norm of each part, k = 0 (no step back) .. T-1.
        last_loss_delta_norms: (T,) ||dL_T / da_{T-k}||, k = 0..T-1: how the last step's loss
            reaches back (scale included).
        grad_norm: ||grad L||, the Euclidean norm over every parameter's gradient together.
    """

    h_prev: NDArray[np.float64]
    a: NDArray[np.float64]
    h: NDArray[np.float64]
    o: NDArray[np.float64]
    probs: NDArray[np.float64] | None
    step_loss: NDArray[np.float64]
    loss: float
    d_o: NDArray[np.float64]
    d_h: NDArray[np.float64]
    delta: NDArray[np.float64]
    grads: dict[str, NDArray[np.float64]]
    grad_W_hh_by_lag: NDArray[np.float64]
    lag_norms: NDArray[np.float64]
    last_loss_delta_norms: NDArray[np.float64]
    grad_norm: float


def _by_lag(net: _Net, run: _Pass) -> tuple[NDArray, NDArray]:
    """dW_hh split by how many steps back the gradient travelled, and the last loss's reach."""
    w_hh = net.params["W_hh"]
    n_steps, n_hidden = run.h.shape
    check_array_bytes((n_steps, n_hidden, n_hidden), "grad_W_hh_by_lag (T, H, H)")
    deriv = 1.0 - run.h * run.h
    # cur[j]: the delta at step j caused by the loss at step j + k (k = the current lag).
    parts = np.empty((n_steps, n_hidden, n_hidden))
    last = np.empty(n_steps)
    # Products of (T, 1) columns are broadcast and summed: as BLAS calls each is split over
    # threads, and on busy cores 20,000 steps of one unit took 27 s instead of 2.
    thin = n_hidden <= _THIN_HIDDEN
    with np.errstate(over="ignore", invalid="ignore"):  # ±inf / NaN past the float range
        cur = (run.d_o @ net.params["W_hy"].T) * deriv
        for k in range(n_steps):
            h_prev = run.h_prev[: n_steps - k]
            parts[k] = _outer_sum(h_prev, cur) if thin else h_prev.T @ cur
            last[k] = norms(cur[-1])
            back = _rows_times_transpose(cur[1:], w_hh) if thin else cur[1:] @ w_hh.T
            cur = back * deriv[: n_steps - k - 1]
    return parts, last


#: Hidden sizes up to this use broadcasting, not BLAS, for the lag split's (T, H) products
#: (measured on two busy cores: better for H = 1, worse from H = 2 on).
_THIN_HIDDEN = 1


def _outer_sum(a: NDArray, b: NDArray) -> NDArray:
    """a^T b = sum_t a_t^T b_t for (T, H) a and b, by broadcasting (a (T, H, H) temporary)."""
    return np.sum(a[:, :, None] * b[:, None, :], axis=0)


def _rows_times_transpose(a: NDArray, w: NDArray) -> NDArray:
    """a w^T for (T, H) a and (H, H) w: row t is sum_j a_t[j] w[i, j], by broadcasting."""
    return np.sum(a[:, None, :] * w[None, :, :], axis=2)


def elman_bptt_trace(
    x: ArrayLike,
    targets: ArrayLike,
    *,
    W_xh: ArrayLike,
    W_hh: ArrayLike,
    b_h: ArrayLike | None = None,
    W_hy: ArrayLike,
    b_y: ArrayLike | None = None,
    h0: ArrayLike | None = None,
    loss: str = "cross_entropy",
    reduction: str = "sum",
) -> BPTTTrace:
    """Every step of :func:`elman_bptt`: forward states, per-step losses, deltas, gradients.

    Same formulas and arguments as :func:`elman_bptt`; in addition dW_hh is split by lag k,
    part_k = sum_t h_{t-k-1}^T delta^{(t)}_{t-k}, where delta^{(t)}_{t-k} =
    delta^{(t)}_{t-k+1} W_hh^T * (1 - h_{t-k}^2) is the delta that loss L_t alone sends k
    steps back; sum_k part_k = dW_hh.

    Returns:
        A :class:`BPTTTrace` (arrays are read-only).

    Raises:
        EngineError: as :func:`elman_bptt`.

    Example:
        The example of :func:`elman_bptt`: part 0 is h_1 * (delta from L_2 at step 2) =
        0.462117 * 0.702588 = 0.324678 (h_0 = 0 makes every other part 0); the last loss
        reaches step 2 with |delta| = 0.702588 and step 1 with 0.702588 * 1 * (1 - h_1^2) =
        0.552549:

        >>> tr = elman_bptt_trace([[1.0], [0.0]], [[0.0], [0.0]], W_xh=[[0.5]], W_hh=[[1.0]],
        ...                       W_hy=[[1.0]], loss="squared_error")
        >>> tr.lag_norms.round(6).tolist(), tr.last_loss_delta_norms.round(6).tolist()
        ([0.324678, 0.0], [0.702588, 0.552549])

    References:
        Werbos 1990; Pascanu, Mikolov, Bengio 2013.
    """
    params = {"W_xh": W_xh, "W_hh": W_hh, "b_h": b_h, "W_hy": W_hy, "b_y": b_y, "h0": h0}
    net = _prepare(x, targets, params, loss, reduction)
    n_steps, n_hidden = len(net.x), net.params["W_hh"].shape[0]
    # the split is refused before the passes it would follow (_by_lag checks it again)
    check_array_bytes((n_steps, n_hidden, n_hidden), "grad_W_hh_by_lag (T, H, H)")
    run = _forward_backward(net)
    parts, last = _by_lag(net, run)
    probs = None
    if loss == "cross_entropy":
        probs = np.exp(log_softmax(run.o, axis=1))
    lag_norms = norms(parts, axis=(1, 2))
    grad_norm = float(norms(np.concatenate([g.ravel() for g in run.grads.values()])))
    arrays = [run.h_prev, run.a, run.h, run.o, run.step_loss, run.d_o, run.d_h, run.delta, parts]
    arrays += [lag_norms, last, *run.grads.values()] + ([probs] if probs is not None else [])
    for arr in arrays:
        arr.setflags(write=False)
    return BPTTTrace(
        h_prev=run.h_prev,
        a=run.a,
        h=run.h,
        o=run.o,
        probs=probs,
        step_loss=run.step_loss,
        loss=_reduced_loss(net, run),
        d_o=run.d_o,
        d_h=run.d_h,
        delta=run.delta,
        grads=run.grads,
        grad_W_hh_by_lag=parts,
        lag_norms=lag_norms,
        last_loss_delta_norms=last,
        grad_norm=grad_norm,
    )
