"""Solvers for mse, bce, nll, cce and hinge: per-element table, reduction, gradient."""

from __future__ import annotations

import math

import numpy as np

from rnnloss_cli import engine
from rnnloss_cli.limits import STEP_MAX_TERMS
from rnnloss_cli.problem.pointwise import PointwiseProblem
from rnnloss_cli.result import Derived, Result, Step, Table, Window, window_indices
from rnnloss_cli.result import terms as held_terms
from rnnloss_cli.solve.common import (
    closing_latex,
    finalize,
    other_reduction_note,
    overflow_warning,
    reduction_step,
)

FORMULAS = {
    "mse": Step(
        "formula",
        "MSE = (1/n) Σ_i (y_i − ŷ_i)²",
        {},
        r"\mathrm{MSE} = \frac{1}{n}\sum_i (y_i-\hat y_i)^2",
    ),
    "bce": Step(
        "formula",
        "BCE = −(1/n) Σ_i [y_i ln ŷ_i + (1 − y_i) ln(1 − ŷ_i)]",
        {},
        r"\mathrm{BCE} = -\frac{1}{n}\sum_i [y_i \ln \hat y_i + (1-y_i)\ln(1-\hat y_i)]",
    ),
    # i numbers the observations and y_i is the true class of observation i, as in `explain
    # nll` (the handout's −Σ_i y_i log ŷ_i runs i over the classes of one observation).
    # Classes are numbered from 0, as a problem file's class indices (and PyTorch) give them
    # and as the tables label them (c0 first): the formulas say so.
    "nll": Step(
        "formula",
        "NLL = −Σ_i ln ŷ_i(y_i),  classes y_i numbered from 0 to C−1",
        {},
        r"\mathrm{NLL} = -\sum_i \ln \hat y_i(y_i),\ \text{classes } y_i"
        r"\text{ numbered from } 0 \text{ to } C-1",
    ),
    "cce": Step(
        "formula",
        "CCE = −Σ_i Σ_{c=0}^{C−1} y_ic ln ŷ_ic  (classes numbered from 0: c0 is the first)",
        {},
        r"\mathrm{CCE} = -\sum_{i=1}^{n}\sum_{c=0}^{C-1} y_{i,c}\ln \hat y_{i,c}"
        r"\quad \text{(classes numbered from 0: } c_0 \text{ is the first)}",
    ),
    "hinge": Step(
        "formula",
        "hinge = Σ_i max(0, 1 − y_i · ŷ_i)",
        {},
        r"\mathrm{hinge} = \sum_i \max(0, 1 - y_i \hat y_i)",
    ),
}


def _position(shape: tuple[int, ...], flat: int) -> str:
    """1-based position of flat index ``flat`` in an array of ``shape``, e.g. "2,3"."""
    if not shape:
        return "1"
    return ",".join(str(int(i) + 1) for i in np.unravel_index(flat, shape))


#: Each loss's gradient per element, in words a student can apply: (plain, LaTeX) with
#: "{n}" the count for a mean ("" for a sum), and the names of the numbers it reads.
GRADIENTS = {
    "mse": "2 · (ŷ − y){n}",
    "bce": "(ŷ − y) / (ŷ · (1 − ŷ)){n}",
    "hinge": "−y{n} if 1 − y·ŷ > 0, else 0",
}
#: BCE's gradient as PyTorch's backward computes it when the floor of its denominator is hit
#: (ŷ within 1e-12 of 0 or 1): without the max the line would state a false equality.
BCE_FLOORED_GRADIENT = "(ŷ − y) / max(ŷ · (1 − ŷ), 1e-12){n}"
#: PyTorch's floor for ŷ (1 − ŷ) in binary_cross_entropy's backward.
BCE_GRAD_FLOOR = 1e-12


def _grad_header(kind: str, reduction: str, floored: bool = False) -> str:
    n = " / n" if reduction == "mean" else ""
    return "∂L/∂ŷ = " + (BCE_FLOORED_GRADIENT if floored else GRADIENTS[kind]).format(n=n)


def _bce_floored(yhat) -> np.ndarray:
    """Where BCE's gradient denominator ŷ (1 − ŷ) is below PyTorch's floor of 1e-12."""
    yh = np.asarray(yhat, dtype=float)
    return yh * (1.0 - yh) < BCE_GRAD_FLOOR


#: The columns worked on the way to each loss's term, each from cells of its row: (header,
#: arithmetic with {0}, {1}… for the inputs, inputs, value from y and ŷ). MSE's difference
#: y − ŷ (squared next); hinge's margin y·ŷ and 1 − y·ŷ (then max(0, 1 − y·ŷ)).
_WORK_COLUMNS = {
    "mse": [("y − ŷ", "{0} − {1}", ("y", "ŷ"), lambda y, yh: y - yh)],
    "hinge": [
        ("y·ŷ", "{0} × {1}", ("y", "ŷ"), lambda y, yh: y * yh),
        ("1 − y·ŷ", "1 − {0}", ("y·ŷ",), lambda y, yh: 1.0 - y * yh),
    ],
}
#: Each term worked from its row's cells: the inputs and the arithmetic (:class:`Derived`).
#: BCE's term from y and ŷ in nats (ln); a clamped log (below −100) is not declared.
_TERM_WORK = {
    "mse": (("y − ŷ",), "{0}^2"),
    "hinge": (("1 − y·ŷ",), "max(0, {0})"),
    "bce": (("y", "ŷ"), "−({0} × ln {1} + (1 − {0}) × ln(1 − {1}))"),
}
#: Each gradient worked from its row's y ({0}) and ŷ ({1}), before any "/ n" of a mean.
#: Hinge's (−y where the margin is active, else 0) is a choice, not arithmetic on the row.
#: BCE's divides by ŷ (1 − ŷ): a ŷ printed as 1 or 0 would make that 0 (ŷ = 1 − 1e-7 at
#: -p 5), so the digits plan gives such a ŷ the digits that define it (up to its written
#: ones); a table whose denominators hit PyTorch's floor (max(…, 1e-12)) does not declare it.
_GRAD_WORK = {"mse": "2 × ({1} − {0})", "bce": "({1} − {0}) / ({1} × (1 − {1}))"}


def _elementwise_table(
    p: PointwiseProblem, terms, grad, term_name: str, window: Window | None, clamped: bool = False
) -> Table:
    """One row per element, held over the window only (first and last elements): y, ŷ, the
    columns worked on the way (MSE: y − ŷ; hinge: y·ŷ, 1 − y·ŷ), the term and the gradient,
    each worked cell declared (``Table.derived``) with the arithmetic that gives it from its
    row. ``clamped``: some BCE log is clamped at −100, so the terms are not all the formula's."""
    kind = p.meta.kind
    y, yh, t, g = p.y.ravel(), p.yhat.ravel(), np.ravel(terms), np.ravel(grad)
    floored = kind == "bce" and bool(np.any(_bce_floored(yh)))
    work = _WORK_COLUMNS.get(kind, [])
    grad_name = _grad_header(kind, p.reduction, floored)
    derived = [Derived(name, text, inputs) for name, text, inputs, _ in work]
    if kind in _TERM_WORK and not clamped:
        inputs, text = _TERM_WORK[kind]
        derived.append(Derived(term_name, text, inputs))
    if kind in _GRAD_WORK and not floored:
        per_n = f" / {y.size}" if p.reduction == "mean" else ""
        derived.append(Derived(grad_name, _GRAD_WORK[kind] + per_n, ("y", "ŷ")))

    def row(i: int) -> list:
        y_i, yh_i = float(y[i]), float(yh[i])
        shown = [value(y_i, yh_i) for *_, value in work]
        return [_position(p.y.shape, i), y_i, yh_i, *shown, float(t[i]), float(g[i])]

    return Table.windowed(
        "per element",
        y.size,
        row,
        ["i", "y", "ŷ", *(name for name, *_ in work), term_name, grad_name],
        window,
        derived=derived,
    )


def _base_division(p: PointwiseProblem) -> tuple[str, float]:
    """The text " / ln 2" and factor 1/ln 2 that put a gradient in the loss's unit."""
    if p.meta.log_base == "e":
        return "", 1.0
    return f" / ln {p.meta.log_base}", 1.0 / math.log(float(p.meta.log_base))


def _worked_gradient(p: PointwiseProblem, grad: np.ndarray) -> Step | None:
    """The gradient of the first element, worked from its formula and printed numbers."""
    kind, y, yh = p.meta.kind, float(p.y.ravel()[0]), float(p.yhat.ravel()[0])
    n = int(p.y.size)
    mean = p.reduction == "mean"
    per_n = " / {n}" if mean else ""
    base, factor = _base_division(p)
    g = float(np.ravel(grad)[0]) * factor
    values = {"y": y, "yh": yh, "n": n, "g": g}
    where = f"∂L/∂ŷ_{_position(p.y.shape, 0)}"
    # a negative number after an operator in parentheses: "1 − (-1) · 0.8", not "1 − -1 · 0.8"
    y_, yh_ = ("({y})" if y < 0 else "{y}"), ("({yh})" if yh < 0 else "{yh}")
    if kind == "mse":
        text = "2 · ({yh} − " + y_ + ")" + per_n + base + " = {g}"
    elif kind == "bce" and bool(_bce_floored(yh)):
        text = "({yh} − {y}) / max({yh} · (1 − {yh}), 1e-12)" + per_n + base + " = {g}"
    elif kind == "bce":
        text = "({yh} − {y}) / ({yh} · (1 − {yh}))" + per_n + base + " = {g}"
    elif kind == "hinge":
        active = 1 - y * yh > 0
        text = (
            f"1 − {y_} · {yh_} > 0, so −({{y}}){per_n} = {{g}}"
            if active
            else f"1 − {y_} · {yh_} ≤ 0, so 0"
        )
    else:
        return None
    return Step(f"worked gradient {where}", text, values)


def _formula(kind: str, reduction: str) -> Step:
    """The loss's formula with the reduction actually used (Σ_i for a sum, (1/n) Σ_i for a
    mean), so the heading never says Σ while the printed loss is a mean."""
    f = FORMULAS[kind]
    mean_first = kind in ("mse", "bce")  # written with 1/n in the handout
    if reduction == "mean" and not mean_first:
        text = f.text.replace("= Σ_i", "= (1/n) Σ_i").replace("= −Σ_i", "= −(1/n) Σ_i")
        latex = (f.latex or "").replace(r"\sum_i", r"\frac{1}{n}\sum_i", 1)
        latex = latex.replace(r"\sum_{i=1}^{n}", r"\frac{1}{n}\sum_{i=1}^{n}", 1)
        return Step(
            f.label, text + "  (reduction: mean)", {}, latex + closing_latex("reduction: mean")
        )
    if reduction == "sum" and mean_first:
        text = f.text.replace("(1/n) ", "").replace("−(1/n)", "−")
        latex = (f.latex or "").replace(r"\frac{1}{n}", "")
        return Step(
            f.label, text + "  (reduction: sum)", {}, latex + closing_latex("reduction: sum")
        )
    return Step(
        f.label,
        f.text + f"  (reduction: {reduction})",
        {},
        f.latex + closing_latex(f"reduction: {reduction}"),
    )


#: Per-element warnings listed one by one before the rest are counted in one line.
_MAX_ELEMENT_WARNINGS = 5


#: Why the MSE table's error column is y − ŷ while its gradient has ŷ − y: the chain rule
#: through the square, where the reader meets both (the table's caption).
MSE_GRADIENT_SIGN = (
    "the gradient has ŷ − y, the error column's sign flipped: d/dŷ (y − ŷ)² = −2 (y − ŷ) "
    "= 2 (ŷ − y)"
)


def solve_mse(p: PointwiseProblem, *, window: Window | None = None) -> Result:
    terms = engine.mse_loss(p.yhat, p.y, reduction="none")
    loss = engine.mse_loss(p.yhat, p.y, reduction=p.reduction)
    grad = engine.mse_grad(p.yhat, p.y, reduction=p.reduction)
    r = Result("mse", p.meta.title, loss, unit="", formula=_formula("mse", p.reduction))
    table = _elementwise_table(p, terms, grad, "(y − ŷ)²", window)
    table.caption = MSE_GRADIENT_SIGN
    r.tables.append(table)
    r.steps.append(reduction_step(terms, p.reduction, loss, "squared errors"))
    r.steps.append(_worked_gradient(p, grad))
    _warn_overflow(r, p, terms, {"loss": loss}, "squared error (y − ŷ)²")
    return finalize(p.meta, r)


def _warn_overflow(
    r: Result, p: PointwiseProblem, terms, figures: dict[str, float], term: str
) -> None:
    """A warning for each figure that overflowed to infinity from finite inputs."""
    for name, value in figures.items():
        figure = "loss" if name == "loss" else f"{name} figure"
        why = overflow_warning(
            terms, value, figure, term, lambda i: f"element {_position(p.y.shape, i)}"
        )
        if why:
            r.warnings.append(why)


def solve_hinge(p: PointwiseProblem, *, window: Window | None = None) -> Result:
    terms = engine.hinge_loss(p.yhat, p.y, reduction="none")
    loss = engine.hinge_loss(p.yhat, p.y, reduction=p.reduction)
    grad = engine.hinge_loss_grad(p.yhat, p.y, reduction=p.reduction)
    r = Result("hinge", p.meta.title, loss, unit="", formula=_formula("hinge", p.reduction))
    r.tables.append(_elementwise_table(p, terms, grad, "max(0, 1 − y·ŷ)", window))
    r.steps.append(reduction_step(terms, p.reduction, loss, "hinge terms"))
    r.steps[-1].label += f" (reduction: {p.reduction})"  # the loss, of the two worked out
    other, other_value = other_reduction_note(terms, p.reduction)
    r.steps.append(reduction_step(terms, other, other_value, "hinge terms"))
    r.steps.append(_worked_gradient(p, grad))
    r.figures = {"loss": loss, other: other_value, p.reduction: loss}
    _warn_overflow(r, p, terms, {"loss": loss, other: other_value}, "hinge term")
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
    r = Result("bce", p.meta.title, loss, formula=_formula("bce", p.reduction))
    _, _, clamp_p, clamp_q = engine.bce_clamped_logs(p.yhat)
    hits = np.flatnonzero(np.ravel((clamp_p & (p.y != 0)) | (clamp_q & (p.y != 1))))
    term_name = "−[y ln ŷ + (1−y) ln(1−ŷ)]"
    r.tables.append(_elementwise_table(p, terms, grad, term_name, window, bool(hits.size)))
    for i in hits[:_MAX_ELEMENT_WARNINGS]:
        y, yh = float(p.y.ravel()[i]), float(p.yhat.ravel()[i])
        where = f"element {_position(p.y.shape, int(i))}"
        r.steps += _clamped_term(where, y, yh, float(np.ravel(terms)[i]))
        r.warnings.append(
            f"{where}: {_bce_clamp_words(y, yh)} is below -100, so it is clamped at -100 (as "
            "PyTorch's binary_cross_entropy does): this term, worked out on its line, is "
            f"smaller than the formula's{_bce_unclamped_words(y, yh)}"
        )
    r.steps += _stored_one_minus(p, hits)
    r.steps.append(reduction_step(terms, p.reduction, loss, "terms"))
    r.steps.append(_worked_gradient(p, grad))
    if hits.size > _MAX_ELEMENT_WARNINGS:
        r.warnings.append(
            f"and {hits.size - _MAX_ELEMENT_WARNINGS:,} more elements where ln ŷ or ln(1 − ŷ) "
            "is clamped at -100"
        )
    return finalize(p.meta, r)


#: Relative gap between 1 − ŷ as computed (from the stored double) and as written (the
#: decimal) above which it is worked out: 1e-9 moves ln(1 − ŷ) by 1e-9, its 9th decimal.
_STORED_GAP = 1e-9


def _stored_one_minus(p: PointwiseProblem, clamped: np.ndarray) -> list[Step]:
    """For the first element whose ln(1 − ŷ) counts (y ≠ 1, not clamped) and whose 1 − ŷ,
    computed from the double ŷ is stored as, is not the written decimal's (ŷ = 0.99999999999995
    is 0.99999999999995003996…: 1 − ŷ = 4.996e-14, not 5e-14; −ln of it 30.62755, not
    30.62675), two lines: where 1 − ŷ comes from, and −ln(1 − ŷ) worked from it."""
    from decimal import Decimal

    y, yh = np.ravel(p.y), np.ravel(p.yhat)
    skip = set(clamped.tolist())
    # a double's spacing near 1 is 1.1e-16, so only 1 − ŷ below 1e-6 can be off by 1e-9
    # relative; below 0.5 the subtraction loses nothing. A few candidates are looked at.
    near_one = np.flatnonzero((y != 1) & (yh > 0.5) & (yh < 1) & (1.0 - yh < 1e-6))
    for i in (int(k) for k in near_one[:1000]):
        if i in skip:
            continue
        q = 1.0 - float(yh[i])  # exact for ŷ ≥ 0.5 (Sterbenz)
        written = 1 - Decimal(repr(float(yh[i])))
        if written <= 0 or abs(Decimal(q) - written) <= written * Decimal(_STORED_GAP):
            continue
        where = f"element {_position(p.y.shape, i)}"
        stored = f"{Decimal(float(yh[i])):.25f}".rstrip("0")
        values = {"yh": float(yh[i]), "q": q, "t": -math.log(q)}
        return [
            Step(
                f"{where}: 1 − ŷ from the stored ŷ",
                f"ŷ = {{yh}} is stored as the nearest double, {stored[:24]}…, so 1 − ŷ is "
                f"{{q}} (the decimal 1 − ŷ would be {written:.6g})",
                values,
            ),
            Step(f"{where}: the log the term takes", "−ln(1 − ŷ) = −ln {q} = {t}", values),
        ]
    return []


def _bce_logs(yh: float) -> tuple[float, float]:
    """ln ŷ and ln(1 − ŷ) unclamped (−inf at 0)."""
    log_p = math.log(yh) if yh > 0 else -math.inf
    log_q = math.log1p(-yh) if yh < 1 else -math.inf
    return log_p, log_q


def _bce_clamp_words(y: float, yh: float) -> str:
    """Which log passes -100: "ln ŷ" or "ln(1 − ŷ)" (its number is on the element's line,
    :func:`_clamped_term`, at --precision)."""
    log_p, _ = _bce_logs(yh)
    return "ln ŷ" if y != 0 and log_p < BCE_LOG_CLAMP else "ln(1 − ŷ)"


def _bce_unclamped_words(y: float, yh: float) -> str:
    """ ", which is infinite" where the unclamped term −[y ln ŷ + (1 − y) ln(1 − ŷ)] is (a log
    of 0), else "" (the finite one is larger than the clamped term)."""
    log_p, log_q = _bce_logs(yh)
    term = (-y * log_p if y != 0 else 0.0) + (-(1 - y) * log_q if y != 1 else 0.0)
    return "" if math.isfinite(term) else ", which is infinite"


#: PyTorch's floor for ln ŷ and ln(1 − ŷ) in binary_cross_entropy.
BCE_LOG_CLAMP = -100.0


def _clamped_term(where: str, y: float, yh: float, term: float) -> list[Step]:
    """A BCE term whose log is clamped at −100, worked from its printed numbers, in two lines
    (each with one result): ln ŷ = ln 1e-300 = −690.776 < −100, then the term −(1 × (−100))
    = 100 (a part weighted 0 is left out: y = 1 has no (1 − y) ln(1 − ŷ))."""
    log_p, log_q = _bce_logs(yh)
    on_p = y != 0 and log_p < BCE_LOG_CLAMP
    values = {"y": y, "yh": yh, "t": term, "lp": log_p, "lq": log_q}
    if on_p:
        log = "ln {yh} = {lp} < −100"
        parts = ["{y} × (−100)"] + (["(1 − {y}) × ({lq})"] if y != 1 else [])
    else:
        log = "ln(1 − {yh}) = {lq} < −100"
        parts = (["{y} × ({lp})"] if y != 0 else []) + ["(1 − {y}) × (−100)"]
    name = "ln ŷ" if on_p else "ln(1 − ŷ)"
    term = "−(" + " + ".join(parts) + ") = {t}"
    return [
        Step(
            f"{where}: {name} below −100",
            log + ", clamped at −100 (PyTorch)",
            values,
            _plain_to_latex(log) + r",\ \text{clamped at } -100\ \text{(PyTorch)}",
        ),
        Step(f"{where}: term with {name} taken as −100", term, values, _plain_to_latex(term)),
    ]


def _plain_to_latex(text: str) -> str:
    """A plain-text template's ln, × and − as LaTeX (its placeholders are kept)."""
    for plain, latex in (("ln", r"\ln"), ("×", r"\times"), ("−", "-")):
        text = text.replace(plain, latex)
    return text


#: How far from 1 the exponentials of a row of log_probs may sum before a warning: a
#: logarithm written to 4 decimals moves its probability by up to 5e-5 relative.
LOG_PROBS_SUM_TOLERANCE = 1e-3


def _not_a_distribution(probs: np.ndarray) -> str | None:
    """A warning for log_probs whose exponentials do not sum to 1 along a row (the first such
    row named), None when they all do within LOG_PROBS_SUM_TOLERANCE: yhat rows are refused
    for it, but PyTorch's nll_loss takes any numbers, and so does the loss here."""
    sums = np.atleast_1d(probs.sum(axis=-1))
    bad = np.flatnonzero(np.abs(sums.ravel() - 1.0) > LOG_PROBS_SUM_TOLERANCE)
    if not bad.size:
        return None
    idx = np.unravel_index(int(bad[0]), sums.shape)
    row = ", ".join(str(int(i) + 1) for i in idx)
    rest = bad.size - 1
    more = f" (and {rest:,} more row{'' if rest == 1 else 's'})" if rest else ""
    return (
        f"the exponentials of row {row} of log_probs sum to {float(sums[idx]):.6g}, not 1"
        f"{more}: they are not the log-probabilities of a distribution; the loss takes them "
        "as given, as PyTorch's nll_loss does (give 'logits' to have log-softmax applied)"
    )


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
        off = _not_a_distribution(probs)
    else:
        target = p.y_index if p.y_index is not None else p.y
        args = {"reduction": p.reduction, "weight": weight, "label_smoothing": p.label_smoothing}
        terms = engine.cross_entropy(p.yhat, target, **{**args, "reduction": "none"})
        loss = engine.cross_entropy(p.yhat, target, **args)
        grad = engine.cross_entropy_grad(p.yhat, target, **args)
        probs = engine.softmax(p.yhat)
    formula = _formula(kind, p.reduction)
    if weight is not None or p.label_smoothing:
        formula = _pytorch_formula(
            kind, p.reduction, weight is not None, p.label_smoothing, p.y_index is not None
        )
        if p.input_name == "log_probs":  # PyTorch's nll_loss takes log-probabilities
            formula.text = formula.text.replace("PyTorch's cross_entropy", "PyTorch's nll_loss")
    r = Result(kind, p.meta.title, loss, formula=formula)
    if p.input_name == "log_probs" and off is not None:
        r.warnings.append(off)
    if p.input_name == "logits":
        r.tables.append(_matrix_table("logits z (given)", p.yhat, window))
        r.tables.append(_matrix_table("ŷ = softmax of the logits", probs, window))
        r.steps += _worked_softmax(p.yhat, probs)
    y2, p2, t2 = np.atleast_2d(p.y), np.atleast_2d(probs), np.atleast_1d(terms)

    given_logs = p.input_name == "log_probs"  # the file gives ln ŷ: show it, not e^(ln ŷ)
    shown = np.atleast_2d(p.yhat) if given_logs else p2

    # class weights alone (true classes given): each term is w[y_i] · (−ln ŷ_i(y_i)), and the
    # table shows the weight beside it
    class_weighted = weight is not None and not p.label_smoothing and p.y_index is not None
    w_vec = np.ravel(np.asarray(weight, dtype=float)) if class_weighted else None

    def row(i: int) -> list:
        cls = int(np.argmax(y2[i])) if p.y_index is not None else None
        return [
            i + 1,
            cls if cls is not None else "soft",
            float(shown[i, cls]) if cls is not None else None,
            *([float(w_vec[cls])] if w_vec is not None and cls is not None else []),
            float(t2[i]),
        ]

    true_name = "ln ŷ[true] (given)" if given_logs else "ŷ[true]"
    # the term is −ln ŷ[true] (−ln ŷ[true] given as a log is minus that number), times the
    # true class's weight; label smoothing reweighs it otherwise (not declared); a soft
    # target has no true class (a text cell)
    neg_log = "(−{0})" if given_logs else "(−ln {0})"
    if class_weighted:
        derived = [Derived("loss term", "{1} × " + neg_log, (true_name, "w[true]"))]
    elif weight is None and not p.label_smoothing:
        derived = [Derived("loss term", neg_log.strip("()"), (true_name,))]
    else:
        derived = []
    r.tables.append(
        Table.windowed(
            "per observation",
            y2.shape[0],
            row,
            ["i", "true class", true_name, *(["w[true]"] if class_weighted else []), "loss term"],
            window,
            derived=derived,
        )
    )
    wrt = {"yhat": "ŷ", "log_probs": "ln ŷ", "logits": "logits"}[p.input_name]
    plain = weight is None and not p.label_smoothing
    grad_table = _matrix_table(f"gradient ∂L/∂{wrt} ({p.reduction})", grad, window)
    if plain:
        grad_table.caption = _gradient_caption(p.input_name, p.y_index is not None, p.reduction)
    elif p.input_name == "logits":
        grad_table.caption = _pytorch_gradient_caption(
            weight is not None, p.label_smoothing, p.y_index is not None, p.reduction
        )
    elif p.input_name == "log_probs" and p.y_index is not None:  # class weights alone
        scale = ", divided by Σ_i w[y_i]" if p.reduction == "mean" else ""
        grad_table.caption = f"−w[y_i] at the true class, 0 elsewhere{scale}"
    r.tables.append(grad_table)
    if weight is not None or p.label_smoothing:
        r.notes.append(
            "class weights / label smoothing follow PyTorch: a weighted mean divides by the "
            "summed weights of the true classes"
            if p.y_index is not None
            else "class weights / label smoothing follow PyTorch: with probability targets a "
            "mean divides by the number of observations n, weighted or not"
        )
        if class_weighted:
            w_true = w_vec[np.argmax(y2, axis=1)]
            r.steps.append(_weighted_reduction_step(t2, w_true, p.reduction, loss))
        elif p.y_index is not None:  # label smoothing, with or without class weights
            cls = int(np.argmax(y2[0]))
            w_all = None if weight is None else np.ravel(np.asarray(weight, dtype=float))
            smoothed = _worked_smoothed_term(
                p.label_smoothing, cls, p2[0], float(t2[0]), weight=w_all
            )
            if smoothed is not None:
                r.steps.append(smoothed)
            if w_all is None:
                r.steps.append(reduction_step(t2, p.reduction, loss, "observation terms"))
            else:
                w_true = w_all[np.argmax(y2, axis=1)]
                r.steps.append(
                    _weighted_reduction_step(t2, w_true, p.reduction, loss, per_term="l_i")
                )
        else:  # probability targets, class weights and/or label smoothing
            w_all = None if weight is None else np.ravel(np.asarray(weight, dtype=float))
            soft = _worked_soft_term(
                y2[0], p2[0], float(t2[0]), weight=w_all, eps=p.label_smoothing
            )
            if soft is not None:
                r.steps.append(soft)
            r.steps.append(reduction_step(t2, p.reduction, loss, "observation terms"))
        if p.input_name == "logits":
            r.steps += _worked_pytorch_gradient(p, y2[0], p2[0], np.atleast_2d(grad)[0])
    else:
        if p.y_index is not None and not p.label_smoothing:
            r.steps += _observation_terms(y2, shown, t2, given_logs)
        elif p.y_index is None and p.input_name != "log_probs":
            soft = _worked_soft_term(y2[0], p2[0], float(t2[0]))
            if soft is not None:
                r.steps.append(soft)
        r.steps.append(reduction_step(t2, p.reduction, loss, "observation terms"))
        if p.input_name != "logits" and p.y_index is not None:
            r.steps.append(_worked_categorical_gradient(p, shown, grad, int(np.argmax(y2[0]))))
        if p.input_name == "logits" and p.y_index is not None:
            cls = int(np.argmax(y2[0]))
            mean = p.reduction == "mean"
            r.steps.append(
                Step(
                    f"worked gradient ∂L/∂z_1(c{cls}) = " + ("(ŷ − y) / n" if mean else "ŷ − y"),
                    ("({p} − 1) / {n}" if mean else "{p} − 1") + " = {g}",
                    {
                        "p": float(p2[0, cls]),
                        "n": int(y2.shape[0]),
                        "g": float(np.atleast_2d(grad)[0, cls]),
                    },
                )
            )
    if not math.isfinite(loss):
        reason, bound = _infinite_reason(p, t2)
        r.warnings.append(reason)
        if bound is not None:
            r.steps.append(bound)
    if kind == "nll" and p.input_name == "yhat":
        r.notes.append(
            "The handout's NLL takes probabilities and one-hot y: its −Σ_i y_i log ŷ_i runs i "
            "over the classes of one observation and keeps only the true class's term; here i "
            "numbers the observations and y_i is the true class of observation i. PyTorch's "
            "nll_loss takes log-probabilities and class indices, and averages by default "
            "(reduction='mean')."
        )
    return finalize(p.meta, r)


def _observation_terms(
    y2: np.ndarray, shown: np.ndarray, t2: np.ndarray, given_logs: bool
) -> list[Step]:
    """Each observation's term −ln ŷ_i(y_i) worked from its printed ŷ (from log-probabilities
    minus the given number: no log to take), one line each; past STEP_MAX_TERMS observations
    the first and last, and a line saying how many more are worked the same way (their
    terms are in the table)."""
    kept, split = window_indices(y2.shape[0], STEP_MAX_TERMS)
    take = ("−({p})", "-({p})") if given_logs else ("−ln {p}", r"-\ln {p}")
    steps = []
    for j, i in enumerate(kept):
        if j == split:
            left = y2.shape[0] - len(kept)
            steps.append(
                Step("…", f"({left:,} more observation terms, worked the same way: see the table)")
            )
        cls = int(np.argmax(y2[i]))
        where = f"{i + 1}(c{cls})"
        steps.append(
            Step(
                f"term of observation {i + 1} (true class {cls})",
                f"−ln ŷ_{where} = {take[0]} = {{t}}",
                {"p": float(shown[i, cls]), "t": float(t2[i])},
                rf"-\ln \hat y_{{{i + 1}}}(c_{{{cls}}}) = {take[1]} = {{t}}",
            )
        )
    return steps


def _pytorch_formula(kind: str, reduction: str, weighted: bool, eps: float, index: bool) -> Step:
    """The heading for class weights w and/or label smoothing ε, as PyTorch's cross_entropy
    computes them: observation i's term l_i, then the reduction (a weighted mean of index
    targets divides by Σ_i w[y_i]; of probability targets, by n)."""
    w_true, w_c = ("w[y_i] ", "w_c ") if weighted else ("", "")
    if index and eps:
        term = f"(1 − ε) {w_true}(−ln ŷ_i(y_i)) + (ε / C) Σ_c {w_c}(−ln ŷ_ic)"
        latex = (
            rf"(1-\varepsilon) {'w_{y_i}' if weighted else ''}(-\ln \hat y_{{i,y_i}}) + "
            rf"\frac{{\varepsilon}}{{C}}\sum_c {'w_c' if weighted else ''}(-\ln \hat y_{{i,c}})"
        )
    elif index:
        term, latex = "w[y_i] (−ln ŷ_i(y_i))", r"w_{y_i}(-\ln \hat y_{i,y_i})"
    else:
        q = "q_ic" if eps else "y_ic"
        term = f"−Σ_c {w_c}{q} ln ŷ_ic" + (", q_ic = (1 − ε) y_ic + ε / C" if eps else "")
        latex = (
            rf"-\sum_c {'w_c ' if weighted else ''}{q.replace('_ic', '_{i,c}')} \ln \hat y_{{i,c}}"
        )
        if eps:
            latex += r",\ q_{i,c} = (1-\varepsilon) y_{i,c} + \frac{\varepsilon}{C}"
    if reduction == "mean" and index and weighted:
        reduce, reduce_latex = "Σ_i l_i / Σ_i w[y_i]", r"\frac{\sum_i l_i}{\sum_i w_{y_i}}"
    elif reduction == "mean":
        reduce, reduce_latex = "(1/n) Σ_i l_i", r"\frac{1}{n}\sum_i l_i"
    else:
        reduce, reduce_latex = "Σ_i l_i", r"\sum_i l_i"
    what = " and ".join(
        x for x, on in (("class weights w", weighted), ("label smoothing ε", eps)) if on
    )
    return Step(
        "formula",
        f"{kind.upper()} = L = {reduce},  l_i = {term}  (PyTorch's cross_entropy with {what}; "
        f"reduction: {reduction}; classes numbered from 0)",
        {},
        rf"L = {reduce_latex},\quad l_i = {latex}",
    )


def _pytorch_gradient_caption(weighted: bool, eps: float, index: bool, reduction: str) -> str:
    """How the gradient table's entries follow from softmax(z) under class weights and/or
    label smoothing: ∂L/∂z_ic = (Σ_k a_ik) ŷ_ic − a_ic with PyTorch's coefficients a_ik."""
    w_y, w_k = ("w[y_i] ", " w_k") if weighted else ("", "")
    if index:
        a = f"(1 − ε) {w_y}[k = y_i] + (ε / C){w_k}" if eps else f"{w_y}[k = y_i]"
    else:
        q = "((1 − ε) y_ik + ε / C)" if eps else "y_ik"
        a = f"{'w_k ' if weighted else ''}{q}"
    if reduction != "mean":
        scale = ""
    elif index and weighted:
        scale = ", divided by Σ_i w[y_i]"
    else:
        scale = ", divided by n"
    return f"(Σ_k a_ik) ŷ_ic − a_ic per observation, a_ik = {a.strip()}{scale}"


def _worked_pytorch_gradient(
    p: PointwiseProblem, y: np.ndarray, probs: np.ndarray, grad: np.ndarray
) -> list[Step]:
    """Observation 1's gradient entry ∂L/∂z_1(c) under class weights and/or label smoothing
    (c its true class, or class 0 for a probability target), from its coefficients
    a_1k (see :func:`_pytorch_gradient_caption`): Σ_k a_1k, then ((Σ_k a_1k) ŷ_1c − a_1c) /
    divisor; none past STEP_MAX_TERMS classes or where a number is not finite."""
    n_classes = len(probs)
    if n_classes > STEP_MAX_TERMS:
        return []
    eps = p.label_smoothing
    w = None if p.weight is None else np.ravel(np.asarray(p.weight, dtype=float))
    index = p.y_index is not None
    cls = int(np.argmax(y)) if index else 0
    values: dict[str, float] = {"e": eps, "C": n_classes}
    if index:
        wy = 1.0 if w is None else float(w[cls])
        values["wy"] = wy
        a_vec = (1.0 - eps) * wy * (np.arange(n_classes) == cls) + eps / n_classes * (
            np.ones(n_classes) if w is None else w
        )
        true = "(1 − {e}) × {wy}" if eps or w is not None else "1"
        if eps:
            ws = " + ".join(f"{{w{k}}}" for k in range(n_classes))
            sum_text = f"{true} + {{e}} / {{C}} × ({ws})"
            a_text = f"({true} + {{e}} / {{C}} × {{w{cls}}})"
            for k in range(n_classes):
                values[f"w{k}"] = 1.0 if w is None else float(w[k])
        else:
            sum_text, a_text = "{wy}", "{wy}"
            values["A"] = wy
    else:
        q = (1.0 - eps) * y + eps / n_classes
        a_vec = q * (1.0 if w is None else w)
        parts = []
        for k in range(n_classes):
            values[f"y{k}"] = float(y[k])
            qk = f"((1 − {{e}}) × {{y{k}}} + {{e}} / {{C}})" if eps else f"{{y{k}}}"
            if w is not None:
                values[f"w{k}"] = float(w[k])
                qk = f"{{w{k}}} × {qk}"
            parts.append(qk)
        sum_text, a_text = " + ".join(parts), parts[cls]
    if p.reduction != "mean":
        per, divisor = "", ""
    elif index and w is not None:
        values["W"] = float(np.sum(w[np.ravel(p.y_index)]))
        per, divisor = " / Σ_i w[y_i]", " / {W}"
    else:
        values["n"] = int(np.atleast_2d(p.y).shape[0])
        per, divisor = " / n", " / {n}"
    values |= {"A": float(np.sum(a_vec)), "p": float(probs[cls]), "g": float(grad[cls])}
    if not _finite_values(values):
        return []
    # class weights alone on an index target: a_1k is w[y_1] at the true class, 0 elsewhere,
    # so Σ_k a_1k is w[y_1] itself ("Σ_k a_1k = 2 = 2" would say nothing)
    coefficients = (
        []
        if index and not eps
        else [
            Step(
                "coefficients of observation 1 (the gradient table's caption): Σ_k a_1k",
                f"Σ_k a_1k = {sum_text} = {{A}}",
                values,
            )
        ]
    )
    return coefficients + [
        Step(
            f"worked gradient ∂L/∂z_1(c{cls}) = ((Σ_k a_1k) · ŷ_1(c{cls}) − a_1,c{cls}){per}",
            ("({wy} × {p} − {wy})" if index and not eps else f"({{A}} × {{p}} − {a_text})")
            + divisor
            + " = {g}",
            values,
        ),
    ]


def _finite_values(values: dict[str, float]) -> bool:
    return all(math.isfinite(float(v)) for v in values.values())


def _weighted_reduction_step(
    terms: np.ndarray,
    weights: np.ndarray,
    reduction: str,
    value: float,
    *,
    per_term: str = "l_i",
) -> Step:
    """A class-weighted reduction written out: the sum of the weighted terms, or PyTorch's
    weighted mean Σ_i l_i / Σ_i w[y_i] = (0.408 + 1.103) / (1 + 2) = 0.503, l_i the weighted
    terms as the heading defines them (w[y_i] (−ln ŷ_i(y_i)), smoothed or not).

    ``per_term`` names the summed terms in the label."""
    if reduction != "mean":
        return reduction_step(terms, reduction, value, "weighted observation terms")
    return Step(
        f"weighted mean of the {terms.size:,} observation terms (PyTorch): Σ_i {per_term} / "
        "Σ_i w[y_i]",
        "({terms|+}) / ({weights|+}) = {value}",
        {"terms": held_terms(terms.astype(float)), "weights": held_terms(weights), "value": value},
        r"\frac{{terms|+}}{{weights|+}} = {value}",
    )


def _worked_smoothed_term(
    eps: float, cls: int, probs: np.ndarray, term: float, *, weight: np.ndarray | None = None
) -> Step | None:
    """Observation 1's term under label smoothing ε, as PyTorch's cross_entropy takes it:
    (1 − ε) · (−ln ŷ_true) + (ε / C) · Σ_c (−ln ŷ_c), from the printed softmax; with class
    weights w, (1 − ε) · w[true] · (−ln ŷ_true) + (ε / C) · Σ_c w_c · (−ln ŷ_c). None when C
    is above STEP_MAX_TERMS or a ŷ_c underflowed to 0 while the term is finite."""
    n_classes = len(probs)
    if n_classes > STEP_MAX_TERMS or (math.isfinite(term) and bool(np.any(probs == 0))):
        return None
    values: dict[str, float] = {"e": eps, "C": n_classes, "pt": float(probs[cls]), "t": term}
    logs, latex_logs = [], []
    for c in range(n_classes):
        values[f"p{c}"] = float(probs[c])
        w = ""
        if weight is not None:
            values[f"w{c}"] = float(weight[c])
            w = f"{{w{c}}} × "
        logs.append(f"{w}ln {{p{c}}}")
        latex_logs.append(w.replace(" × ", " ") + f"\\ln {{p{c}}}")
    if weight is None:
        label = (
            f"term of observation 1, label smoothing ε (PyTorch): (1 − ε) · (−ln ŷ_1(c{cls})) "
            "+ (ε / C) · Σ_c (−ln ŷ_1c)"
        )
        w_true = ""
    else:
        values["wt"] = float(weight[cls])
        label = (
            f"term of observation 1, class weights w and label smoothing ε (PyTorch): (1 − ε) "
            f"· w[c{cls}] · (−ln ŷ_1(c{cls})) + (ε / C) · Σ_c w_c · (−ln ŷ_1c)"
        )
        w_true = "{wt} × "
    return Step(
        label,
        "(1 − {e}) × " + w_true + "(−ln {pt}) + {e} / {C} × (−(" + " + ".join(logs) + ")) = {t}",
        values,
        r"(1 - {e}) "
        + ("" if weight is None else r"\cdot {wt} \cdot ")
        + r"(-\ln {pt}) + \frac{{e}}{{C}} \left(-("
        + " + ".join(latex_logs)
        + r")\right) = {t}",
    )


def _worked_soft_term(
    y: np.ndarray,
    probs: np.ndarray,
    term: float,
    *,
    weight: np.ndarray | None = None,
    eps: float = 0.0,
) -> Step | None:
    """Observation 1's term for a soft (probability) target, from the printed y and ŷ:
    −Σ_c y_c ln ŷ_c, written over the classes with y_c ≠ 0 (the others add 0 · ln ŷ_c = 0);
    None when those are more than STEP_MAX_TERMS (the line would not fit a page), or when
    a ŷ_c underflowed to 0 from logits whose term is finite (ln 0 would not give it: z =
    (1000, −1000) has ŷ_c1 = 0 in float64 but −ln ŷ_c1 = 2000).

    As PyTorch's cross_entropy: class weights w make it −Σ_c w_c y_c ln ŷ_c, and label
    smoothing ε replaces y_c by (1 − ε) y_c + ε / C (so every class is written out)."""
    n_classes = len(y)
    used = np.arange(n_classes) if eps else np.flatnonzero(np.asarray(y) != 0)
    if used.size == 0 or used.size > STEP_MAX_TERMS:
        return None
    if math.isfinite(term) and bool(np.any(np.asarray(probs)[used] == 0)):
        return None
    values: dict[str, float] = {"t": term}
    if eps:
        values["e"], values["C"] = eps, n_classes
    plain, latex = [], []
    for k, c in enumerate(used):
        values[f"y{k}"], values[f"p{k}"] = float(y[c]), float(probs[c])
        w_plain = w_latex = ""
        if weight is not None:
            values[f"w{k}"] = float(weight[c])
            w_plain, w_latex = f"{{w{k}}} × ", f"{{w{k}}} \\cdot "
        if eps:
            q_plain = f"((1 − {{e}}) × {{y{k}}} + {{e}} / {{C}})"
            q_latex = f"((1 - {{e}}) \\cdot {{y{k}}} + \\frac{{{{e}}}}{{{{C}}}})"
        else:
            q_plain = q_latex = f"{{y{k}}}"
        plain.append(f"{w_plain}{q_plain} × ln {{p{k}}}")
        latex.append(f"{w_latex}{q_latex} \\ln {{p{k}}}")
    zeros = "" if used.size == n_classes else "; classes with y = 0 add 0"
    w_sym = " w_c" if weight is not None else ""
    if eps:
        what = (
            f"soft target, PyTorch: −Σ_c{w_sym} q_1c ln ŷ_1c with the smoothed target "
            "q_1c = (1 − ε) y_1c + ε / C"
        )
    elif weight is not None:
        what = "soft target, PyTorch: −Σ_c w_c y_1c ln ŷ_1c"
    else:
        what = "soft target: −Σ_c y_1c ln ŷ_1c"
    return Step(
        f"term of observation 1 ({what}{zeros})",
        "−(" + " + ".join(plain) + ") = {t}",
        values,
        "-(" + " + ".join(latex) + ") = {t}",
    )


def _gradient_caption(input_name: str, one_hot: bool, reduction: str) -> str:
    """How each entry of the categorical gradient table is obtained, in the words of the
    sequence loss's table: ∂(−Σ_c y_c ln ŷ_c)/∂ŷ_c = −y_c/ŷ_c; from log-probabilities
    ∂/∂(ln ŷ_c) = −y_c; from logits softmax(z) − y."""
    scale = " / n" if reduction == "mean" else ""
    if input_name == "logits":
        return f"(softmax(z) − y){scale} per observation"
    if input_name == "log_probs":
        what = "−y"
    else:
        what = "−y/ŷ"
    where = " at the true class, 0 elsewhere" if one_hot else " for every class"
    return what + scale + where


def _worked_categorical_gradient(
    p: PointwiseProblem, shown: np.ndarray, grad: np.ndarray, cls: int
) -> Step:
    """The first observation's true-class gradient worked from the printed numbers: −1 / ŷ
    (probabilities) or −1 (log-probabilities), divided by n for a mean."""
    n = int(np.atleast_2d(shown).shape[0])
    per_n = " / {n}" if p.reduction == "mean" else ""
    g = float(np.atleast_2d(grad)[0, cls])
    values = {"p": float(shown[0, cls]), "n": n, "g": g}
    if p.input_name == "log_probs":
        label = f"worked gradient ∂L/∂ln ŷ_1(c{cls})"
        text = ("−1" + per_n + " = {g}") if per_n else "{g}"
    else:
        label = f"worked gradient ∂L/∂ŷ_1(c{cls})"
        text = "−1 / {p}" + per_n + " = {g}"
    return Step(label, text, values)


def _infinite_reason(p: PointwiseProblem, terms: np.ndarray) -> tuple[str, Step | None]:
    """Why a categorical loss is infinite: a true class of probability 0 (ln 0 = −inf), or,
    from logits, a true class so far below the largest logit that −ln ŷ = (max z − z_true)
    + ln Σ_k e^(z_k − max z) passes the largest double; then also that bound as a
    derivation line, so that its logits print with the derivation's digits (the table's)."""
    zero = "a true class has predicted probability 0, and ln 0 = -inf"
    bound = None
    if p.input_name == "logits" and p.y_index is None:  # probability targets
        zero = (
            "a class with a target probability above 0 has a logit 1.8e308 or more below its "
            "row's largest, so its predicted probability is 0 in float64 and −ln 0 = inf"
        )
    elif p.input_name == "logits":
        i = int(np.flatnonzero(~np.isfinite(np.ravel(terms)))[0])
        z = np.atleast_2d(p.yhat)[i]
        true = int(np.argmax(np.atleast_2d(p.y)[i]))
        if math.isfinite(float(z[true])):
            zero = (
                f"observation {i + 1}: its true class c{true} has a logit so far below its "
                "row's largest that −ln ŷ = max z − z_true + ln Σ e^(z − max z) ≥ "
                "max z − z_true passes the largest double (1.8e308; worked out on its line)"
            )
            bound = Step(
                f"why the term of observation {i + 1} is infinite (true class c{true})",
                f"−ln ŷ_{i + 1}(c{true}) ≥ max z − z_true = {{m}} − ({{zt}}) = {{d}}",
                {"m": float(np.max(z)), "zt": float(z[true]), "d": math.inf},
                rf"-\ln \hat y_{{{i + 1}}}(c_{{{true}}}) \ge \max z - z_{{\text{{true}}}}"
                " = {m} - ({zt}) = {d}",
            )
    return f"the loss is infinite: {zero} (nothing is clipped)", bound


#: Logits within ±this have e^z well inside the normal doubles, so the softmax is worked as
#: written on paper, e^z / Σ e^z; beyond it (e^710 overflows), shifted by the largest logit.
_PLAIN_SOFTMAX_MAX_LOGIT = 700.0


def _worked_softmax(logits: np.ndarray, probs: np.ndarray) -> list[Step]:
    """The first softmax entry worked out: first the exponentials of observation 1's logits,
    each as e^z = value (e^2 = 7.389, e^(−1) = 0.368: where the fraction's numbers come
    from), then ŷ_1(c0) = e^z / Σ_k e^z_k with those numbers.

    When an e^z would overflow or underflow (|z| > 700), or their sum would, it is worked as
    the engine computes it, shifted by the row's largest logit m: e^(z − m) / Σ_k e^(z_k − m)
    is the same fraction, and every exponent z − m is ≤ 0 (its exponentials are written
    e^(z − m) = value).
    """
    z = np.atleast_2d(logits)[0].astype(float)
    p = float(np.atleast_2d(probs)[0, 0])
    with np.errstate(over="ignore", under="ignore"):
        if float(np.max(np.abs(z))) <= _PLAIN_SOFTMAX_MAX_LOGIT:
            e = np.exp(z)
            if math.isfinite(float(np.sum(e))):
                return [
                    _exponentials(z, e, None),
                    Step(
                        "softmax, worked for observation 1, class c0",
                        "ŷ_1(c0) = e^(z_c0) / Σ_k e^(z_k) = {e0} / ({e|+}) = {p}",
                        {"e0": float(e[0]), "e": held_terms(e), "p": p},
                        r"\hat y_1(c_0) = \frac{e^{z_{c_0}}}{\sum_k e^{z_k}}"
                        r" = \frac{{e0}}{{e|+}} = {p}",
                    ),
                ]
        m = float(np.max(z))
        e = np.exp(z - m)  # z − m < −1.8e308 is −inf, and e^−inf = 0
    return [
        _exponentials(z, e, m),
        Step(
            "softmax, worked for observation 1, class c0 (shifted by the largest logit m)",
            "m = max_k z_k = {m};  ŷ_1(c0) = e^(z_c0 − m) / Σ_k e^(z_k − m) = {e0} / ({e|+}) = {p}",
            {"m": m, "e0": float(e[0]), "e": held_terms(e), "p": p},
            r"m = \max_k z_k = {m};\ \hat y_1(c_0) = \frac{e^{z_{c_0} - m}}{\sum_k e^{z_k - m}}"
            r" = \frac{{e0}}{{e|+}} = {p}",
        ),
    ]


def _exponentials(z: np.ndarray, e: np.ndarray, m: float | None) -> Step:
    """Observation 1's exponentials, one relation per class: e^2 = 7.389, e^(−1) = 0.368
    (a negative exponent in brackets); shifted by the largest logit m (``m`` not None),
    e^(z − m): e^(999 − 1000) = 0.368. Past STEP_MAX_TERMS classes the first and last are
    written, and how many are left out (their values are in the softmax table's row)."""
    kept, split = window_indices(len(z), STEP_MAX_TERMS)
    values: dict[str, float] = {} if m is None else {"m": m}
    plain, latex = [], []
    for j, k in enumerate(kept):
        if j == split:
            plain.append(f"… ({len(z) - len(kept):,} more classes) …")
            latex.append(r"\dots")
        values[f"z{k}"], values[f"e{k}"] = float(z[k]), float(e[k])
        if m is not None:
            power, power_latex = f"({{z{k}}} − {{m}})", f"{{{{z{k}}} - {{m}}}}"
        elif z[k] < 0:
            power, power_latex = f"({{z{k}}})", f"{{{{z{k}}}}}"
        else:
            power, power_latex = f"{{z{k}}}", f"{{{{z{k}}}}}"
        plain.append(f"e^{power} = {{e{k}}}")
        latex.append(f"e^{power_latex} = {{e{k}}}")
    shifted = " shifted by m" if m is not None else ""
    return Step(
        f"exponentials of observation 1's logits{shifted}",
        ", ".join(plain),
        values,
        r",\quad ".join(latex),
    )


def _matrix_table(title: str, m: np.ndarray, window: Window | None = None) -> Table:
    """One row per observation, held over the window only."""
    m2 = np.atleast_2d(m)
    cols = ["i", *[f"c{c}" for c in range(m2.shape[1])]]
    return Table.windowed(title, m2.shape[0], lambda i: [i + 1, *map(float, m2[i])], cols, window)
