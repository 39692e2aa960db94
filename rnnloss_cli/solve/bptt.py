"""Solver for kind: bptt — forward and backward passes through time in a tiny Elman RNN.

Forward: a_t = x_t W_xh + h_{t−1} W_hh + b_h, h_t = tanh(a_t), o_t = h_t W_hy + b_y, L_t per
step (cross-entropy of softmax(o_t) with class c_t, or ||o_t − y_t||²), L = Σ_t L_t (or the
mean). Backward: g_t = ∂L/∂o_t, ∂L/∂h_t = g_t W_hyᵀ + δ_{t+1} W_hhᵀ, δ_t = ∂L/∂h_t ⊙ (1 − h_t²),
and every parameter's gradient summed over steps. Numbers from ``engine.elman_bptt_trace``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from rnnloss_cli.problem.bptt import PARAMETERS, BPTTProblem
from rnnloss_cli.result import Derived, Result, Step, Table, Window
from rnnloss_cli.result import terms as held_terms
from rnnloss_cli.solve._beyond import add_key_checks, grid_table, lead
from rnnloss_cli.solve.common import finalize

FORMULA = Step(
    "formula",
    "h_t = tanh(x_t W_xh + h_{t−1} W_hh + b_h),  o_t = h_t W_hy + b_y,  L = Σ_t L_t(o_t);  "
    "δ_t = (g_t W_hyᵀ + δ_{t+1} W_hhᵀ) ⊙ (1 − h_t²)",
    {},
    r"h_t = \tanh(x_t W_{xh} + h_{t-1} W_{hh} + b_h),\ o_t = h_t W_{hy} + b_y,\ "
    r"\delta_t = (g_t W_{hy}^\top + \delta_{t+1} W_{hh}^\top) \odot (1 - h_t^2)",
)

#: How each gradient is summed over the steps (row-vector convention).
GRAD_FORMULAS = {
    "W_xh": "Σ_t x_tᵀ δ_t",
    "W_hh": "Σ_t h_{t−1}ᵀ δ_t",
    "b_h": "Σ_t δ_t",
    "W_hy": "Σ_t h_tᵀ g_t",
    "b_y": "Σ_t g_t",
    "h0": "δ_1 W_hhᵀ",
}


def _parts(named: list[tuple[str, np.ndarray]]) -> tuple[list[str], list[tuple[np.ndarray, int]]]:
    """Column names and (array, column) pairs for T-row arrays laid side by side."""
    names, where = [], []
    for name, arr in named:
        for j in range(arr.shape[1]):
            names.append(f"{name}[{j + 1}]" if arr.shape[1] > 1 else name)
            where.append((arr, j))
    return names, where


def _step_table(
    title: str,
    named: list[tuple[str, np.ndarray]],
    window: Window,
    *,
    backward: bool = False,
    **kw: Any,
) -> Table:
    """A row per step, t = 1 first, or t = T first for the backward pass."""
    names, where = _parts(named)
    n_steps = named[0][1].shape[0]

    def step(i: int) -> int:
        return n_steps - 1 - i if backward else i

    return grid_table(
        title,
        n_steps,
        lambda i: [step(i) + 1],
        ["t"],
        len(names),
        lambda i, js: [float(where[j][0][step(i), where[j][1]]) for j in js],
        lambda j: names[j],
        window,
        **kw,
    )


def _params_table(title: str, mats: dict[str, np.ndarray], window: Window, **kw: Any) -> Table:
    """Every parameter (or gradient) in one table: a row per matrix row, a column per entry."""
    rows = [
        (name, i, m.reshape(1, -1) if m.ndim == 1 else m)
        for name, m in mats.items()
        for i in range((m.reshape(1, -1) if m.ndim == 1 else m).shape[0])
    ]
    width = max(r[2].shape[1] for r in rows)

    def cells(n: int, js: list[int]) -> list[Any]:
        _, i, m2 = rows[n]
        return [float(m2[i, j]) if j < m2.shape[1] else "" for j in js]

    return grid_table(
        title,
        len(rows),
        lambda n: [rows[n][0], rows[n][1] + 1 if rows[n][2].shape[0] > 1 else ""],
        ["parameter", "row"],
        width,
        cells,
        lambda j: f"col {j + 1}",
        window,
        **kw,
    )


def _reach_ratios(reach: np.ndarray) -> list[float | None]:
    """‖∂L_T/∂a_{T−k}‖ / ‖∂L_T/∂a_{T−k+1}‖ for k ≥ 1; None where it is no number (the step
    before is 0, or either norm is inf or NaN after an overflow)."""
    return [
        float(reach[k] / reach[k - 1])
        if k and reach[k - 1] > 0 and np.isfinite(reach[k - 1]) and np.isfinite(reach[k])
        else None
        for k in range(reach.size)
    ]


def _overflow_reason(step_loss: np.ndarray, loss: str) -> str:
    """Why an Elman RNN's loss is infinite: a step's loss (or their sum) passes 1.8e308."""
    finite = np.isfinite(step_loss)
    what = "‖o_t − y_t‖²" if loss == "squared_error" else "−ln softmax(o_t)[c_t]"
    if finite.all():
        where = "the sum of the steps' losses passes the float64 range (1.8e308)"
    else:
        t = int(np.argmin(finite)) + 1
        where = f"the loss of step {t}, {what}, passes the float64 range (1.8e308)"
    return (
        f"the loss is infinite in float64: {where}; the outputs o_t or the targets are too "
        "large (the gradients are then inf or NaN)"
    )


def solve_bptt(p: BPTTProblem, *, window: Window | None = None) -> Result:
    """Forward table, backward table, every gradient, and the gradient's reach back in time."""
    from rnnloss_cli.engine import elman_bptt_trace

    window = window or Window()
    tr = elman_bptt_trace(p.x, p.targets, **p.params, loss=p.loss, reduction=p.reduction)
    n_steps, n_in = p.x.shape
    n_hidden, n_out = p.params["W_hy"].shape
    unit = "nats" if p.loss == "cross_entropy" else ""
    r = Result("bptt", p.meta.title, tr.loss, unit=unit, formula=FORMULA)
    loss_text = (
        # targets are class indices from 0, the o and softmax columns count from [1]
        "L_t = −ln softmax(o_t)[c_t], classes c_t numbered from 0 (c_t = 0 is column [1])"
        if p.loss == "cross_entropy"
        else "L_t = ||o_t − y_t||²"
    )
    scale = "s = 1" if p.reduction == "sum" else f"s = 1/T = 1/{n_steps}"
    r.steps.append(
        Step(
            "givens",
            f"T = {n_steps} steps, D = {n_in} inputs, H = {n_hidden} hidden units, K = {n_out} "
            f"outputs; {loss_text}, L = {'Σ_t L_t' if p.reduction == 'sum' else '(1/T) Σ_t L_t'}",
        )
    )
    r.tables.append(
        _params_table(
            "given: the parameters",
            {f"{k} {'x'.join(map(str, p.params[k].shape))}": p.params[k] for k in PARAMETERS},
            window,
        )
    )
    forward: list[tuple[str, np.ndarray]] = [("x", p.x), ("h_{t−1}", tr.h_prev)]
    forward += [("h", tr.h), ("o", tr.o)]
    if tr.probs is not None:
        forward.append(("softmax", tr.probs))
        forward.append(("c_t", p.targets.reshape(-1, 1).astype(float)))
    else:
        forward.append(("y", p.targets))
    forward.append(("L_t", tr.step_loss.reshape(-1, 1)))
    worked = []
    if tr.probs is None:  # L_t = Σ_k (o_k − y_k)², from the printed o and y of the row
        o_names, _ = _parts([("o", tr.o)])
        y_names, _ = _parts([("y", p.targets)])
        text = " + ".join(f"({{{2 * k}}} − {{{2 * k + 1}}})^2" for k in range(n_out))
        pairs = tuple(name for pair in zip(o_names, y_names, strict=True) for name in pair)
        worked.append(Derived("L_t", text, pairs))
    r.tables.append(_step_table("forward pass, step by step", forward, window, derived=worked))
    # the step losses written out, so the line adds the L_t column's numbers (0.214 + 0.186);
    # one step has nothing to add ("L = 0.214 = 0.214" would say nothing)
    head = "L = Σ_t L_t = " if p.reduction == "sum" else "L = (1/T) Σ_t L_t = "
    if tr.step_loss.size > 1:
        head += "{terms|+}" if p.reduction == "sum" else "({terms|+}) / {T}"
        head += " = "
    r.steps.append(
        Step(
            "loss",
            head + "{value}",
            {
                "terms": held_terms(tr.step_loss.astype(float)),
                "T": int(tr.step_loss.size),
                "value": tr.loss,
            },
        )
    )
    g_text = f"g_t = {scale.split(' = ')[-1] + ' · ' if p.reduction == 'mean' else ''}" + (
        "(softmax(o_t) − onehot(c_t))" if p.loss == "cross_entropy" else "2 (o_t − y_t)"
    )
    r.steps.append(
        Step(
            "backward through time",
            g_text + ";  ∂L/∂h_t = g_t W_hyᵀ + δ_{t+1} W_hhᵀ (δ_{T+1} = 0);  "
            "δ_t = ∂L/∂h_t ⊙ (1 − h_t²)  (t = T down to 1)",
        )
    )
    # h beside 1 − h², so each row is worked from its own cells: 1 − h², δ = ∂L/∂h ⊙ (1 − h²)
    h_names, _ = _parts([("h", tr.h)])
    slope_names, _ = _parts([("1 − h²", tr.h)])
    dh_names, _ = _parts([("∂L/∂h", tr.d_h)])
    delta_names, _ = _parts([("δ", tr.delta)])
    worked = [Derived(s, "1 − {0}^2", (h,)) for h, s in zip(h_names, slope_names, strict=True)]
    worked += [
        Derived(d, "{0} × {1}", (dh, s))
        for d, dh, s in zip(delta_names, dh_names, slope_names, strict=True)
    ]
    r.tables.append(
        _step_table(
            "backward pass (from the last step to the first)",
            [
                ("g = ∂L/∂o", tr.d_o),
                ("∂L/∂h", tr.d_h),
                ("h", tr.h),
                ("1 − h²", 1.0 - tr.h**2),
                ("δ", tr.delta),
            ],
            window,
            backward=True,
            derived=worked,
        )
    )
    r.tables.append(
        _params_table(
            "every parameter's gradient ∂L/∂θ",
            {f"{k} = {GRAD_FORMULAS[k]}": tr.grads[k] for k in PARAMETERS},
            window,
        )
    )
    ratios = _reach_ratios(tr.last_loss_delta_norms)
    r.tables.append(
        Table.windowed(
            "how far back the gradient reaches",
            n_steps,
            lambda k: [
                k,
                n_steps - k,
                float(tr.lag_norms[k]),
                float(tr.last_loss_delta_norms[k]),
                ratios[k] if ratios[k] is not None else "",
            ],
            ["k steps back", "step", "‖dW_hh part k‖", "‖∂L_T/∂a_{T−k}‖", "ratio"],
            window,
            caption="a_t = x_t W_xh + h_{t−1} W_hh + b_h, the pre-activation (δ_t = ∂L/∂a_t); "
            "part k of dW_hh: Σ_t h_{t−k−1}ᵀ times the delta L_t sends k steps back "
            "(the parts sum to dW_hh); ratio < 1 every step: vanishing, > 1: exploding",
        )
    )
    spectral = float(np.linalg.norm(p.params["W_hh"], 2))
    r.notes.append(
        f"each step back multiplies the delta by W_hhᵀ and by 1 − h² ≤ 1; ‖W_hh‖₂ = "
        f"{spectral:.4g}, so the gradient from far steps "
        + (
            "shrinks at least geometrically (vanishing)"
            if spectral < 1
            else "is not bounded to shrink: it vanishes only as far as tanh saturates (1 − h² "
            "small) and can grow (explode) where it does not"
        )
    )
    norm = tr.grad_norm  # scaled: gradients of 1e200 have a finite norm, their squares not
    over = ", ".join(PARAMETERS[:-1]) + f" and {PARAMETERS[-1]}"
    r.steps.append(Step("gradient norm", f"‖∇L‖ over {over} = {{n}}", {"n": norm}))
    if tr.loss == math.inf:
        r.warnings.append(_overflow_reason(tr.step_loss, p.loss))
    r.figures = {"loss": tr.loss, "grad_norm": norm}
    lead(r, "givens", "backward through time")
    finalize(p.meta, r)
    add_key_checks(
        r,
        p.keys,
        p.meta.tolerance,
        {},
        {f"grads.{k}": v for k, v in tr.grads.items()},
    )
    return r
