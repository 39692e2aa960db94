"""Solvers for mse, bce, nll, cce and hinge: per-element table, reduction, gradient."""

from __future__ import annotations

import math

import numpy as np

from rnnloss_cli import engine
from rnnloss_cli.problem.pointwise import PointwiseProblem
from rnnloss_cli.result import Result, Step, Table, Window
from rnnloss_cli.solve.common import finalize, other_reduction_note, reduction_step

FORMULAS = {
    "mse": Step(
        "formula", "MSE = (1/n) Σ_i (y_i − ŷ_i)²", {}, r"\frac{1}{n}\sum_i (y_i-\hat y_i)^2"
    ),
    "bce": Step(
        "formula",
        "BCE = −(1/n) Σ_i [y_i ln ŷ_i + (1 − y_i) ln(1 − ŷ_i)]",
        {},
        r"-\frac{1}{n}\sum_i [y_i \ln \hat y_i + (1-y_i)\ln(1-\hat y_i)]",
    ),
    "nll": Step("formula", "NLL = −Σ_i y_i ln ŷ_i", {}, r"-\sum_i y_i \ln \hat y_i"),
    "cce": Step(
        "formula",
        "CCE = −Σ_i Σ_c y_ic ln ŷ_ic",
        {},
        r"-\sum_{i=1}^{n}\sum_{c=1}^{C} y_{i,c}\ln \hat y_{i,c}",
    ),
    "hinge": Step(
        "formula", "hinge = Σ_i max(0, 1 − y_i · ŷ_i)", {}, r"\sum_i \max(0, 1 - y_i \hat y_i)"
    ),
}


def _position(shape: tuple[int, ...], flat: int) -> str:
    """1-based position of flat index ``flat`` in an array of ``shape``, e.g. "2,3"."""
    if not shape:
        return "1"
    return ",".join(str(int(i) + 1) for i in np.unravel_index(flat, shape))


def _elementwise_table(
    p: PointwiseProblem, terms, grad, term_name: str, window: Window | None
) -> Table:
    """One row per element, held over the window only (first and last elements)."""
    y, yh, t, g = p.y.ravel(), p.yhat.ravel(), np.ravel(terms), np.ravel(grad)
    return Table.windowed(
        "per element",
        y.size,
        lambda i: [_position(p.y.shape, i), float(y[i]), float(yh[i]), float(t[i]), float(g[i])],
        ["i", "y", "ŷ", term_name, f"∂L/∂ŷ ({p.reduction})"],
        window,
    )


#: Per-element warnings listed one by one before the rest are counted in one line.
_MAX_ELEMENT_WARNINGS = 5


def solve_mse(p: PointwiseProblem, *, window: Window | None = None) -> Result:
    terms = engine.mse_loss(p.yhat, p.y, reduction="none")
    loss = engine.mse_loss(p.yhat, p.y, reduction=p.reduction)
    grad = engine.mse_grad(p.yhat, p.y, reduction=p.reduction)
    r = Result("mse", p.meta.title, loss, unit="", formula=FORMULAS["mse"])
    r.tables.append(_elementwise_table(p, terms, grad, "(y − ŷ)²", window))
    r.steps.append(reduction_step(terms, p.reduction, loss, "squared errors"))
    return finalize(p.meta, r)


def solve_hinge(p: PointwiseProblem, *, window: Window | None = None) -> Result:
    terms = engine.hinge_loss(p.yhat, p.y, reduction="none")
    loss = engine.hinge_loss(p.yhat, p.y, reduction=p.reduction)
    grad = engine.hinge_loss_grad(p.yhat, p.y, reduction=p.reduction)
    r = Result("hinge", p.meta.title, loss, unit="", formula=FORMULAS["hinge"])
    r.tables.append(_elementwise_table(p, terms, grad, "max(0, 1 − y·ŷ)", window))
    r.steps.append(reduction_step(terms, p.reduction, loss, "hinge terms"))
    other, other_value = other_reduction_note(terms, p.reduction)
    r.steps.append(reduction_step(terms, other, other_value, "hinge terms"))
    r.figures = {"loss": loss, other: other_value, p.reduction: loss}
    r.notes.append(
        "The handout's hinge formula is a sum, Σ max(0, 1 − y·ŷ), but its worked example "
        "averages over the time steps; both are shown (reduction: sum in a file, or "
        "--reduction sum, gives the formula's figure as the loss)."
    )
    return finalize(p.meta, r)


def solve_bce(p: PointwiseProblem, *, window: Window | None = None) -> Result:
    terms = engine.binary_cross_entropy(p.yhat, p.y, reduction="none")
    loss = engine.binary_cross_entropy(p.yhat, p.y, reduction=p.reduction)
    grad = engine.binary_cross_entropy_grad(p.yhat, p.y, reduction=p.reduction)
    r = Result("bce", p.meta.title, loss, formula=FORMULAS["bce"])
    r.tables.append(_elementwise_table(p, terms, grad, "−[y ln ŷ + (1−y) ln(1−ŷ)]", window))
    r.steps.append(reduction_step(terms, p.reduction, loss, "terms"))
    _, _, clamp_p, clamp_q = engine.bce_clamped_logs(p.yhat)
    hits = np.flatnonzero(np.ravel((clamp_p & (p.y != 0)) | (clamp_q & (p.y != 1))))
    for i in hits[:_MAX_ELEMENT_WARNINGS]:
        r.warnings.append(
            f"element {_position(p.y.shape, int(i))}: ln of 0 is clamped at -100 (as PyTorch's "
            "binary_cross_entropy does), so this term is 100 rather than infinite"
        )
    if hits.size > _MAX_ELEMENT_WARNINGS:
        r.warnings.append(
            f"and {hits.size - _MAX_ELEMENT_WARNINGS:,} more elements where ln of 0 is clamped "
            "at -100"
        )
    return finalize(p.meta, r)


def solve_categorical(p: PointwiseProblem, *, window: Window | None = None) -> Result:
    """nll and cce share one solver: per-observation table and the double sum."""
    kind = p.meta.kind
    weight = p.weight
    if p.input_name == "yhat":
        terms = engine.categorical_cross_entropy(p.yhat, p.y, reduction="none")
        loss = engine.categorical_cross_entropy(p.yhat, p.y, reduction=p.reduction)
        grad = engine.categorical_cross_entropy_grad(p.yhat, p.y, reduction=p.reduction)
        probs = p.yhat
    elif p.input_name == "log_probs":
        args = {"reduction": p.reduction, "weight": weight}
        terms = engine.nll_loss(p.yhat, p.y_index, reduction="none", weight=weight)
        loss = engine.nll_loss(p.yhat, p.y_index, **args)
        grad = engine.nll_loss_grad(p.yhat, p.y_index, **args)
        probs = np.exp(p.yhat)
    else:
        target = p.y_index if p.y_index is not None else p.y
        args = {"reduction": p.reduction, "weight": weight, "label_smoothing": p.label_smoothing}
        terms = engine.cross_entropy(p.yhat, target, **{**args, "reduction": "none"})
        loss = engine.cross_entropy(p.yhat, target, **args)
        grad = engine.cross_entropy_grad(p.yhat, target, **args)
        probs = engine.softmax(p.yhat)
    r = Result(kind, p.meta.title, loss, formula=FORMULAS[kind])
    if p.input_name == "logits":
        r.tables.append(_matrix_table("softmax of the logits", probs, window))
    y2, p2, t2 = np.atleast_2d(p.y), np.atleast_2d(probs), np.atleast_1d(terms)

    def row(i: int) -> list:
        cls = int(np.argmax(y2[i])) if p.y_index is not None else None
        return [
            i + 1,
            cls if cls is not None else "soft",
            float(p2[i, cls]) if cls is not None else None,
            float(t2[i]),
        ]

    r.tables.append(
        Table.windowed(
            "per observation",
            y2.shape[0],
            row,
            ["i", "true class", "ŷ[true]", "loss term"],
            window,
        )
    )
    wrt = {"yhat": "ŷ", "log_probs": "ln ŷ", "logits": "logits"}[p.input_name]
    r.tables.append(_matrix_table(f"gradient ∂L/∂{wrt} ({p.reduction})", grad, window))
    if weight is not None or p.label_smoothing:
        r.notes.append(
            "class weights / label smoothing follow PyTorch: a weighted mean divides by the "
            "summed weights of the true classes"
        )
        r.steps.append(Step(f"{p.reduction} (PyTorch weighting)", "L = {value}", {"value": loss}))
    else:
        r.steps.append(reduction_step(t2, p.reduction, loss, "observation terms"))
    if not math.isfinite(loss):
        r.warnings.append(
            "the loss is infinite: a true class has predicted probability 0, and ln 0 = -inf "
            "(nothing is clipped)"
        )
    if kind == "nll" and p.input_name == "yhat":
        r.notes.append(
            "The handout's NLL takes probabilities and one-hot y; PyTorch's nll_loss takes "
            "log-probabilities and class indices, and averages by default (reduction='mean')."
        )
    return finalize(p.meta, r)


def _matrix_table(title: str, m: np.ndarray, window: Window | None = None) -> Table:
    """One row per observation, held over the window only."""
    m2 = np.atleast_2d(m)
    cols = ["i", *[f"c{c}" for c in range(m2.shape[1])]]
    return Table.windowed(title, m2.shape[0], lambda i: [i + 1, *map(float, m2[i])], cols, window)
