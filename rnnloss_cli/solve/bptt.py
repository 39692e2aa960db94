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
    r"L = \sum_t L_t(o_t);\ "
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
    # a "row" column only when some matrix has more than one row (else it is blank)
    multi = any(r[2].shape[0] > 1 for r in rows)

    def cells(n: int, js: list[int]) -> list[Any]:
        _, i, m2 = rows[n]
        return [float(m2[i, j]) if j < m2.shape[1] else "" for j in js]

    def head(n: int) -> list[Any]:
        name, i, m2 = rows[n]
        return [name, i + 1 if m2.shape[0] > 1 else ""] if multi else [name]

    return grid_table(
        title,
        len(rows),
        head,
        ["parameter", "row"] if multi else ["parameter"],
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
        "large (the gradients are then infinite or undefined)"
    )


def _sub(name: str, shape: tuple[int, ...], *index: int) -> str:
    """``name`` with its entry's 1-based index, or bare when it has only one entry: W_xh[1,2],
    b_h[1], W_hh."""
    if int(np.prod(shape)) == 1:
        return name
    return f"{name}[{','.join(str(i + 1) for i in index)}]"


def _slot(name: str, value: float, values: dict[str, float]) -> str:
    """The placeholder for ``value`` (kept in ``values`` under ``name``), in parentheses when
    it is negative: "0.5 × (−0.3)", never "0.5 × -0.3" or "+ -0.3"."""
    values[name] = float(value)
    return f"({{{name}}})" if value < 0 else f"{{{name}}}"


def _products(pairs: list[tuple[float, float]], values: dict[str, float]) -> str:
    """ "{a0} × {b0} + {a1} × {b1} …" with the numbers put in ``values`` (keys a0, b0, …)."""
    return " + ".join(
        f"{_slot(f'a{k}', a, values)} × {_slot(f'b{k}', b, values)}"
        for k, (a, b) in enumerate(pairs)
    )


def _sum(terms: list[float], values: dict[str, float]) -> str:
    """ "{s0} + {s1} …" with the numbers put in ``values`` (keys s0, s1, …)."""
    return " + ".join(_slot(f"s{k}", v, values) for k, v in enumerate(terms))


def _finite(values: dict[str, float]) -> bool:
    return all(math.isfinite(v) for v in values.values())


def _entry_formulas(n_in: int, n_hidden: int, n_out: int) -> dict[str, str]:
    """Each gradient's first entry as a sum over the steps, e.g. W_xh[1,1] = Σ_t x_t[1] δ_t[1];
    a parameter with one entry keeps the table's matrix form (W_xh = Σ_t x_tᵀ δ_t)."""
    one = {"W_xh": n_in * n_hidden, "W_hh": n_hidden * n_hidden, "b_h": n_hidden}
    one |= {"W_hy": n_hidden * n_out, "b_y": n_out, "h0": n_hidden}
    entry = {
        "W_xh": "Σ_t x_t[1] δ_t[1]",
        "W_hh": "Σ_t h_{t−1}[1] δ_t[1]",
        "b_h": "Σ_t δ_t[1]",
        "W_hy": "Σ_t h_t[1] g_t[1]",
        "b_y": "Σ_t g_t[1]",
        "h0": "Σ_j δ_1[j] W_hh[1,j]",
    }
    return {k: GRAD_FORMULAS[k] if one[k] == 1 else entry[k] for k in PARAMETERS}


def _constant(v: float) -> str:
    """A given parameter inside a :class:`Derived` text: its shortest repr, in parentheses
    when negative (the text is read by the digits plan, not printed)."""
    return f"({v!r})" if v < 0 else repr(v)


def _affine(n_cells: int, weights: np.ndarray, bias: float) -> str:
    """ "{0} × w_0 + {1} × w_1 + … + b": a cell-weighted sum with the given weights."""
    terms = [f"{{{i}}} × {_constant(float(w))}" for i, w in enumerate(weights[:n_cells])]
    return " + ".join([*terms, _constant(float(bias))])


def _forward_worked(p: BPTTProblem, tr: Any) -> list[Derived]:
    """The forward table's columns worked from their row and the given parameters:
    a[j] = Σ_i x[i] W_xh[i,j] + Σ_k h_{t−1}[k] W_hh[k,j] + b_h[j], h[j] = tanh(a[j]),
    o[k] = Σ_j h[j] W_hy[j,k] + b_y[k] and softmax[k] = e^(o[k]) / Σ_m e^(o[m]); a sum of more
    than STEP_MAX_TERMS terms is not declared (its row would not fit a line)."""
    from rnnloss_cli.limits import STEP_MAX_TERMS

    P = p.params
    n_in, n_hidden = P["W_xh"].shape
    n_out = P["W_hy"].shape[1]
    x_names, _ = _parts([("x", p.x)])
    hp_names, _ = _parts([("h_{t−1}", tr.h_prev)])
    a_names, _ = _parts([("a", tr.a)])
    h_names, _ = _parts([("h", tr.h)])
    o_names, _ = _parts([("o", tr.o)])
    worked: list[Derived] = []
    if n_in + n_hidden + 1 <= STEP_MAX_TERMS:
        ins = tuple(x_names + hp_names)
        for j, a in enumerate(a_names):
            weights = np.concatenate([P["W_xh"][:, j], P["W_hh"][:, j]])
            worked.append(Derived(a, _affine(len(ins), weights, P["b_h"][j]), ins))
    worked += [Derived(h, "tanh({0})", (a,)) for a, h in zip(a_names, h_names, strict=True)]
    if n_hidden + 1 <= STEP_MAX_TERMS:
        for k, o in enumerate(o_names):
            text = _affine(n_hidden, P["W_hy"][:, k], P["b_y"][k])
            worked.append(Derived(o, text, tuple(h_names)))
    if tr.probs is not None and n_out <= STEP_MAX_TERMS:
        s_names, _ = _parts([("softmax", tr.probs)])
        total = " + ".join(f"exp({{{m}}})" for m in range(n_out))
        for k, s in enumerate(s_names):
            worked.append(Derived(s, f"exp({{{k}}}) / ({total})", tuple(o_names)))
    return worked


def _forward_caption(loss: str) -> str:
    """How each worked column of the forward table comes from its row (row-vector
    convention, as the formula)."""
    tail = (
        "softmax = e^o / Σ e^o, p_t = softmax[c_t + 1] (the target's probability), L_t = −ln p_t"
        if loss == "cross_entropy"
        else "L_t = ‖o − y‖²"
    )
    return (
        "a = x W_xh + h_{t−1} W_hh + b_h (the pre-activation), h = tanh(a), "
        f"o = h W_hy + b_y, {tail}"
    )


def _forward_tables(
    forward: list[tuple[str, np.ndarray]], worked: list[Derived], window: Window, loss: str
) -> list[Table]:
    """The forward pass as one table, or as two when one would hold more columns than the
    window keeps (2 inputs, 2 hidden units and 3 classes make 17; the window's 16 hid o[1]):
    "a and h" (x, h_{t−1}, a, h) and "o, …, L_t" (h again, o, softmax or y, L_t), so every
    number a later line uses is printed. Each worked column is declared in the table that
    holds it and its inputs (h = tanh(a) in the first, o = h W_hy + b_y in the second)."""
    names, _ = _parts(forward)
    if 1 + len(names) <= window.columns:
        table = _step_table(
            "forward pass, step by step",
            forward,
            window,
            derived=worked,
            caption=_forward_caption(loss),
        )
        return [table]
    h_at = next(i for i, (name, _) in enumerate(forward) if name == "h")
    parts = (forward[: h_at + 1], forward[h_at:])
    rest = ", ".join(name for name, _ in parts[1][1:])  # o, softmax, c_t, L_t (or o, y, L_t)
    titles = ("forward pass, step by step: a and h", f"forward pass, step by step: {rest}")
    caption = _forward_caption(loss)
    head, tail = caption.split(", o = ", 1)
    tail = tail.replace("b_y", "b_y (h as in the table above)", 1)
    captions = (head, f"o = {tail}")
    tables = []
    for part, title, text in zip(parts, titles, captions, strict=True):
        held = set(_parts(part)[0])
        mine = [d for d in worked if {d.column, *d.inputs} <= held]
        tables.append(_step_table(title, part, window, derived=mine, caption=text))
    return tables


def _worked_steps(p: BPTTProblem, tr: Any) -> list[Step]:
    """The tables' cells worked once each from printed numbers (first unit and entry):
    a_1 and h_1 = tanh(a_1), o_1, g_T, ∂L/∂h_{T−1} (the first that adds δ_{t+1} W_hhᵀ), and
    every parameter's gradient summed over the steps. A line with more than STEP_MAX_TERMS
    products, or a number that is not finite (an overflow), is left out."""
    from rnnloss_cli.limits import STEP_MAX_TERMS

    P = p.params
    n_steps, n_in = p.x.shape
    n_hidden, n_out = P["W_hy"].shape
    steps: list[Step] = []

    def add(label: str, text: str, values: dict[str, float], n_terms: int) -> None:
        if n_terms <= STEP_MAX_TERMS and _finite(values):
            steps.append(Step(label, text, values))

    many_h, many_o = n_hidden > 1, n_out > 1
    unit = " (hidden unit 1)" if many_h else ""
    col_h, col_o = ("[:,1]" if many_h else ""), ("[:,1]" if many_o else "")
    row_h = "[1,:]" if many_h else ""
    at_h, at_o = ("[1]" if many_h else ""), ("[1]" if many_o else "")
    # forward, step 1, unit 1: a_1[1] = Σ_i x_1[i] W_xh[i,1] + Σ_k h_0[k] W_hh[k,1] + b_h[1]
    pairs = [(p.x[0, i], P["W_xh"][i, 0]) for i in range(n_in)]
    pairs += [(tr.h_prev[0, k], P["W_hh"][k, 0]) for k in range(n_hidden)]
    # the engine's a_1, so that h_1 = tanh(a_1) holds of the number printed: the products
    # summed in another order differ in their last bits, which cancellation makes visible
    # (1 + 0.00001 − 1 = 1.0000000000065512e-05). An a_1 past the doubles (inf, while
    # h_1 = tanh(inf) = 1) leaves its lines out (add).
    a_value = float(tr.a[0, 0])
    values: dict[str, float] = {"a": a_value}
    text = (
        f"a_1{at_h} = x_1 W_xh{col_h} + h_0 W_hh{col_h} + b_h{at_h} = "
        + _products(pairs, values)
        + " + "
        + _slot("b", P["b_h"][0], values)
        + " = {a}"
    )
    add(f"worked: pre-activation at t = 1{unit}", text, values, len(pairs))
    values = {"h": float(tr.h[0, 0]), "a": a_value}  # tanh's bracket holds a negative a_1
    text = f"h_1{at_h} = tanh(a_1{at_h}) = tanh({{a}}) = {{h}}"
    add(f"hidden state at t = 1{unit}", text, values, 1)
    # o_1[1] = Σ_j h_1[j] W_hy[j,1] + b_y[1]
    pairs = [(tr.h[0, j], P["W_hy"][j, 0]) for j in range(n_hidden)]
    values = {"o": float(tr.o[0, 0])}
    text = (
        f"o_1{at_o} = h_1 W_hy{col_o} + b_y{at_o} = "
        + _products(pairs, values)
        + " + "
        + _slot("b", P["b_y"][0], values)
        + " = {o}"
    )
    add("output at t = 1" + (" (output 1)" if many_o else ""), text, values, len(pairs))
    if tr.probs is not None:  # L_1 = −ln of the softmax cell of class c_1 (column c_1 + 1)
        c = int(p.targets[0])
        values = {"s": float(tr.probs[0, c]), "L": float(tr.step_loss[0])}
        text = f"L_1 = −ln softmax(o_1)[c_1 + 1] = −ln softmax(o_1)[{c + 1}] = −ln {{s}} = {{L}}"
        if values["s"] > 0:  # a softmax of 0 (an overflow) has no log to take
            add("step loss at t = 1", text, values, 1)
    # g_T[1] = ∂L/∂o_T[1], the last step's (its δ starts the backward pass)
    last, T = n_steps - 1, n_steps
    per = f" / {T}" if p.reduction == "mean" else ""
    values = {"g": float(tr.d_o[last, 0])}
    if tr.probs is None:
        o, y = _slot("o", tr.o[last, 0], values), _slot("y", p.targets[last, 0], values)
        text = f"g_{T}{at_o} = 2 (o_{T}{at_o} − y_{T}{at_o}){per} = 2 × ({o} − {y}){per} = {{g}}"
    else:
        values |= {"s": float(tr.probs[last, 0]), "one": 1.0 if int(p.targets[last]) == 0 else 0.0}
        text = f"g_{T}[1] = (softmax(o_{T})[1] − [c_{T} = 0]){per} = ({{s}} − {{one}}){per} = {{g}}"
    add(f"output gradient at the last step t = {T}", text, values, 1)
    # ∂L/∂h_t[1] = Σ_k g_t[k] W_hy[1,k] + Σ_j δ_{t+1}[j] W_hh[1,j] at t = T − 1
    if n_steps > 1:
        t = n_steps - 2
        pairs = [(tr.d_o[t, k], P["W_hy"][0, k]) for k in range(n_out)]
        pairs += [(tr.delta[t + 1, j], P["W_hh"][0, j]) for j in range(n_hidden)]
        values = {"d": float(tr.d_h[t, 0])}
        text = (
            f"∂L/∂h_{t + 1}{at_h} = g_{t + 1} W_hy{row_h}ᵀ + δ_{t + 2} W_hh{row_h}ᵀ = "
            + _products(pairs, values)
            + " = {d}"
        )
        add(f"backward step t = {t + 1}{unit}", text, values, len(pairs))
    # every gradient's first entry, summed over the steps
    g, d, x, hp, h = tr.d_o, tr.delta, p.x, tr.h_prev, tr.h
    steps_t = range(n_steps)
    products = {
        "W_xh": [(x[t, 0], d[t, 0]) for t in steps_t],
        "W_hh": [(hp[t, 0], d[t, 0]) for t in steps_t],
        "W_hy": [(h[t, 0], g[t, 0]) for t in steps_t],
        "h0": [(d[0, j], P["W_hh"][0, j]) for j in range(n_hidden)],
    }
    sums = {"b_h": [d[t, 0] for t in steps_t], "b_y": [g[t, 0] for t in steps_t]}
    formulas = _entry_formulas(n_in, n_hidden, n_out)
    for name in PARAMETERS:
        grad = tr.grads[name]
        values = {"v": float(np.ravel(grad)[0])}
        if name in products:
            body, n_terms = _products(products[name], values), len(products[name])
        else:
            body, n_terms = _sum(sums[name], values), len(sums[name])
        entry = _sub(name, grad.shape, *([0] * grad.ndim))
        # the gradient, ∂L/∂W_xh, never the parameter's own name (W_xh = 0.5 is a given)
        text = f"∂L/∂{entry} = {formulas[name]} = {body} = {{v}}"
        how = "from the first step's δ" if name == "h0" else "summed over the steps"
        add(f"gradient of {entry}, {how}", text, values, n_terms)
    return steps


def _norm_steps(grads: dict[str, np.ndarray], norm: float) -> list[Step]:
    """‖∇L‖ worked out: the Euclidean norm of every gradient entry taken together, its square
    written as the sum of the squared entries (with more than STEP_MAX_TERMS entries, as the
    sum of each parameter's ‖∂L/∂θ‖², the squares of its rows in the gradient table), then
    the root; none when the squares are not finite (gradients of 1e200)."""
    from rnnloss_cli.limits import STEP_MAX_TERMS

    entries = np.concatenate([np.ravel(grads[k]) for k in PARAMETERS]).astype(float)
    square = norm * norm
    if not math.isfinite(square):
        return []
    if entries.size > STEP_MAX_TERMS:  # ‖θ‖² = Σ of its entries' squares, per parameter
        names = [f"‖∂L/∂{k}‖²" for k in PARAMETERS]
        squares = [float(np.sum(np.square(grads[k], dtype=float))) for k in PARAMETERS]
    else:
        names = [
            f"(∂L/∂{_sub(k, grads[k].shape, *idx)})²"
            for k in PARAMETERS
            for idx in np.ndindex(grads[k].shape)
        ]
        squares = []
    if squares:  # per parameter: its ‖θ‖², worked in no line of its own
        values = {f"e{k}": v for k, v in enumerate(squares)}
        body = " + ".join(f"{{e{k}}}" for k in range(len(squares)))
    else:
        # each entry squared as printed in its own line (1.279², not a square 1.6369 that
        # the printed 1.279 does not give: 1.279² = 1.6358); a negative one in brackets
        values = {f"e{k}": float(v) for k, v in enumerate(entries)}
        shown = [f"({{e{k}}})" if v < 0 else f"{{e{k}}}" for k, v in enumerate(entries)]
        body = " + ".join(f"{e}²" for e in shown)
    values["s"] = square
    text = f"‖∇L‖² = {' + '.join(names)} = {{body}} = {{s}}"
    return [
        Step("squared gradient norm", text.format(body=body, s="{s}"), values),
        Step(
            "gradient norm, worked",
            "‖∇L‖ = √(the sum of the squares above) = √{s} = {n}",
            {"s": square, "n": norm},
        ),
    ]


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
    forward += [("a", tr.a), ("h", tr.h), ("o", tr.o)]
    if tr.probs is not None:
        forward.append(("softmax", tr.probs))
        forward.append(("c_t", p.targets.reshape(-1, 1).astype(float)))
        # the target's probability, the one softmax cell L_t is worked from
        rows = np.arange(tr.probs.shape[0])
        forward.append(("p_t", tr.probs[rows, p.targets.reshape(-1)].reshape(-1, 1)))
    else:
        forward.append(("y", p.targets))
    forward.append(("L_t", tr.step_loss.reshape(-1, 1)))
    worked = _forward_worked(p, tr)
    if tr.probs is not None:
        worked.append(Derived("L_t", "−ln {0}", ("p_t",)))
    if tr.probs is None:  # L_t = Σ_k (o_k − y_k)², from the printed o and y of the row
        o_names, _ = _parts([("o", tr.o)])
        y_names, _ = _parts([("y", p.targets)])
        text = " + ".join(f"({{{2 * k}}} − {{{2 * k + 1}}})^2" for k in range(n_out))
        pairs = tuple(name for pair in zip(o_names, y_names, strict=True) for name in pair)
        worked.append(Derived("L_t", text, pairs))
    r.tables += _forward_tables(forward, worked, window, p.loss)
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
    if tr.loss == math.inf:  # every gradient inf or NaN: the tables printed NaN cells
        r.warnings.append(_overflow_reason(tr.step_loss, p.loss))
        r.notes.append(
            "the backward pass, the gradients and their reach back in time are not shown: with "
            "an infinite loss every gradient is infinite or undefined"
        )
        r.figures = {"loss": tr.loss}
        lead(r, "givens")
        finalize(p.meta, r)
        add_key_checks(
            r, p.keys, p.meta.tolerance, {}, {f"grads.{k}": v for k, v in tr.grads.items()}
        )
        return r
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
            {f"∂L/∂{k} = {GRAD_FORMULAS[k]}": tr.grads[k] for k in PARAMETERS},
            window,
        )
    )
    ratios = _reach_ratios(tr.last_loss_delta_norms)
    reach = tr.last_loss_delta_norms
    # the row above's norm is ‖∂L_T/∂a_{T−k+1}‖: named short, so the table fits 80 columns
    now, above = "‖∂L_T/∂a_{T−k}‖", "row above's"
    r.tables.append(
        Table.windowed(
            "how far back the gradient reaches",
            n_steps,
            lambda k: [
                k,
                n_steps - k,
                float(tr.lag_norms[k]),
                float(reach[k]),
                # the row above's norm beside this row's, so the ratio is worked in its row
                float(reach[k - 1]) if ratios[k] is not None else "",
                ratios[k] if ratios[k] is not None else "",
            ],
            ["k", "t = T − k", "‖dW_hh part k‖", now, above, "ratio"],
            window,
            caption="k: steps back from the last step T; "
            "a_t = x_t W_xh + h_{t−1} W_hh + b_h, the pre-activation (δ_t = ∂L/∂a_t); "
            "part k of dW_hh (dW_hh = ∂L/∂W_hh): Σ_t h_{t−k−1}ᵀ times the delta L_t sends k "
            "steps back "
            f"(the parts sum to dW_hh); ratio = {now} / ‖∂L_T/∂a_{{T−k+1}}‖ (the row above's): "
            "< 1 every step: vanishing, > 1: exploding",
            derived=[Derived("ratio", "{0} / {1}", (now, above))],
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
    # then the tables' numbers worked once each, and the norm from the gradients
    r.steps += _worked_steps(p, tr) + _norm_steps(tr.grads, norm)
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
