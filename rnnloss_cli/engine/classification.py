"""Classification losses: binary cross-entropy, NLL, cross-entropy and hinge.

Conventions follow ``torch.nn.functional``: natural logarithms (nats), ``reduction`` is
"none" | "sum" | "mean" with PyTorch's meaning (a weighted "mean" divides by the summed
weights of the targets), class axis 1 for batched input and 0 for unbatched ``(C,)`` input.
Each loss has a ``*_grad`` beside it giving the gradient of the reduced loss w.r.t. ``input``.
"""

from __future__ import annotations

import numpy as np

from rnnloss_cli.engine._numerics import (
    as_float_array,
    check_reduction,
    check_same_shape,
    log_softmax,
    reduce,
    reduction_scale,
)
from rnnloss_cli.engine.errors import EngineError

#: PyTorch clamps each log in binary_cross_entropy at -100 so that log(0) stays finite.
BCE_LOG_CLAMP = -100.0
#: PyTorch's lower bound on p(1 - p) in the binary_cross_entropy backward pass.
BCE_GRAD_EPS = 1e-12


# ---------------------------------------------------------------------------- binary CE
def _bce_inputs(input, target) -> tuple[np.ndarray, np.ndarray]:
    p, y = as_float_array(input, "input"), as_float_array(target, "target")
    check_same_shape(p, y, "input", "target")
    if np.any((p < 0) | (p > 1)):
        raise EngineError("input: expected probabilities in [0, 1]")
    return p, y


def bce_clamped_logs(input) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return (log p, log(1-p)) each clamped at -100 as PyTorch does, and where each clamped."""
    p = as_float_array(input, "input")
    with np.errstate(divide="ignore"):
        log_p, log_q = np.log(p), np.log1p(-p)
    return (
        np.maximum(log_p, BCE_LOG_CLAMP),
        np.maximum(log_q, BCE_LOG_CLAMP),
        log_p < BCE_LOG_CLAMP,
        log_q < BCE_LOG_CLAMP,
    )


def binary_cross_entropy(input, target, reduction: str = "mean") -> np.ndarray | float:
    """Binary cross-entropy on probabilities: -[y ln p + (1 - y) ln(1 - p)] per element.

    Each log is clamped at -100 exactly as ``torch.nn.functional.binary_cross_entropy``
    does, so p = 0 or 1 gives a finite (large) loss. Default reduction "mean" is the
    handout's -(1/n) sum.

    >>> round(binary_cross_entropy([0.9, 0.2], [1.0, 0.0]), 6)
    0.164252
    """
    p, y = _bce_inputs(input, target)
    check_reduction(reduction)
    log_p, log_q, _, _ = bce_clamped_logs(p)
    return reduce(-(y * log_p + (1.0 - y) * log_q), reduction)


def binary_cross_entropy_grad(input, target, reduction: str = "mean") -> np.ndarray:
    """d loss / d p = (p - y) / max(p (1 - p), 1e-12), PyTorch's backward, times 1/n for mean."""
    p, y = _bce_inputs(input, target)
    check_reduction(reduction)
    return (p - y) / np.maximum(p * (1.0 - p), BCE_GRAD_EPS) * reduction_scale(p, reduction)


# ---------------------------------------------------------------------------- NLL / CE
def _class_last(input: np.ndarray) -> np.ndarray:
    """Move the class axis (1 when batched, 0 when unbatched) to the end."""
    return np.moveaxis(input, 0 if input.ndim == 1 else 1, -1)


def _class_back(grad_last: np.ndarray, ndim: int) -> np.ndarray:
    return np.moveaxis(grad_last, -1, 0 if ndim == 1 else 1)


def _index_targets(target, lp: np.ndarray, ignore_index: int) -> tuple[np.ndarray, np.ndarray]:
    """Validate integer class targets against class-last ``lp``; return (targets, valid mask)."""
    t = np.asarray(target)
    if t.shape != lp.shape[:-1]:
        raise EngineError(
            f"target: expected shape {lp.shape[:-1]} for input of shape "
            f"{lp.shape} (class axis last here), got {t.shape}"
        )
    if t.size and not np.all(np.equal(np.mod(t, 1), 0)):
        raise EngineError("target: expected integer class indices")
    t = t.astype(np.int64)
    valid = t != ignore_index
    n_classes = lp.shape[-1]
    bad = valid & ((t < 0) | (t >= n_classes))
    if np.any(bad):
        raise EngineError(f"target: class index {t[bad][0]} outside [0, {n_classes - 1}]")
    return np.where(valid, t, 0), valid


def _class_weight(weight, n_classes: int) -> np.ndarray:
    if weight is None:
        return np.ones(n_classes)
    w = as_float_array(weight, "weight")
    if w.shape != (n_classes,):
        raise EngineError(f"weight: expected shape ({n_classes},), got {w.shape}")
    return w


def _nll_coefficients(
    lp: np.ndarray, target, weight, ignore_index: int, reduction: str
) -> tuple[np.ndarray, float]:
    """Coefficients a[..., c] with per-element loss -sum_c a[..., c] lp[..., c], and the scale."""
    t, valid = _index_targets(target, lp, ignore_index)
    w = _class_weight(weight, lp.shape[-1])
    wt = np.where(valid, w[t], 0.0)
    coef = np.zeros_like(lp)
    np.put_along_axis(coef, t[..., None], wt[..., None], axis=-1)
    scale = 1.0 / np.sum(wt) if reduction == "mean" else 1.0
    return coef, scale


def _weighted_log_terms(coef: np.ndarray, lp: np.ndarray) -> np.ndarray:
    """-sum_c coef*lp, treating 0 * (-inf) as 0 (an unused class with probability 0)."""
    with np.errstate(invalid="ignore"):
        prod = np.where(coef == 0, 0.0, coef * lp)
    return -np.sum(prod, axis=-1)


def _check_log_probs(input) -> np.ndarray:
    lp = np.asarray(input, dtype=np.float64)
    if np.any(np.isnan(lp) | (lp == np.inf)):
        raise EngineError("input: expected log-probabilities (finite or -inf), got NaN or +inf")
    if lp.ndim == 0:
        raise EngineError("input: expected shape (C,), (N, C) or (N, C, d1, ...), got a scalar")
    return lp


def nll_loss(
    input, target, reduction: str = "mean", weight=None, ignore_index: int = -100
) -> np.ndarray | float:
    """Negative log-likelihood of integer targets given log-probabilities.

    loss_i = -w[y_i] * input[i, y_i]; "mean" divides the sum by sum_i w[y_i] (ignored
    targets excluded), as ``torch.nn.functional.nll_loss``. Input is ln p (natural log).

    Args:
      input: log-probabilities, shape (C,), (N, C) or (N, C, d1, ...).
      target: class indices, shape (), (N,) or (N, d1, ...).
      weight: optional per-class weights, shape (C,).
      ignore_index: target value that contributes nothing (not to the mean's denominator).
    """
    lp = _check_log_probs(input)
    check_reduction(reduction)
    lpl = _class_last(lp)
    coef, scale = _nll_coefficients(lpl, target, weight, ignore_index, reduction)
    per = _weighted_log_terms(coef, lpl)
    return per if reduction == "none" else float(np.sum(per) * scale)


def nll_loss_grad(
    input, target, reduction: str = "mean", weight=None, ignore_index: int = -100
) -> np.ndarray:
    """Gradient of :func:`nll_loss` w.r.t. its log-probability input: -w[y] at the target."""
    lp = _check_log_probs(input)
    check_reduction(reduction)
    coef, scale = _nll_coefficients(_class_last(lp), target, weight, ignore_index, reduction)
    return _class_back(-coef * scale, lp.ndim)


def _ce_coefficients(
    lp: np.ndarray, target, weight, ignore_index: int, label_smoothing: float, reduction: str
) -> tuple[np.ndarray, float]:
    n_classes = lp.shape[-1]
    if not 0.0 <= label_smoothing <= 1.0:
        raise EngineError(f"label_smoothing: expected a value in [0, 1], got {label_smoothing}")
    t = np.asarray(target)
    if t.shape == lp.shape and np.issubdtype(t.dtype, np.floating):
        # Probability targets: smoothed towards uniform, weights per class, mean over elements.
        q = as_float_array(t, "target") * (1.0 - label_smoothing) + label_smoothing / n_classes
        coef = q * _class_weight(weight, n_classes)
        n = int(np.prod(lp.shape[:-1]))
        return coef, (1.0 / n if reduction == "mean" and n else 1.0)
    coef, scale = _nll_coefficients(lp, target, weight, ignore_index, reduction)
    if label_smoothing:
        _, valid = _index_targets(target, lp, ignore_index)
        smooth = valid[..., None] * _class_weight(weight, n_classes) / n_classes
        coef = (1.0 - label_smoothing) * coef + label_smoothing * smooth
    return coef, scale


def _check_logits(input) -> np.ndarray:
    # -inf is a legal logit (a class with probability 0), as in PyTorch; NaN and +inf are not.
    z = _check_log_probs(input)
    if np.any(np.all(z == -np.inf, axis=0 if z.ndim == 1 else 1)):
        raise EngineError("input: every logit of an observation is -inf (no class possible)")
    return z


def _ce_parts(
    input, target, reduction, weight, ignore_index, label_smoothing
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Validated logits, class-last log-probabilities, their coefficients and the scale."""
    z = _check_logits(input)
    check_reduction(reduction)
    lp = log_softmax(_class_last(z))
    coef, scale = _ce_coefficients(lp, target, weight, ignore_index, label_smoothing, reduction)
    return z, lp, coef, scale


def cross_entropy(
    input,
    target,
    reduction: str = "mean",
    weight=None,
    ignore_index: int = -100,
    label_smoothing: float = 0.0,
) -> np.ndarray | float:
    """Cross-entropy of logits: nll_loss(log_softmax(input), target), as PyTorch.

    Integer targets are class indices; a float target of the input's shape holds class
    probabilities (loss_i = -sum_c w_c q_ic ln softmax(z_i)_c, "mean" divides by N).
    With ``label_smoothing`` eps the target becomes (1 - eps) q + eps / C.
    """
    _, lp, coef, scale = _ce_parts(input, target, reduction, weight, ignore_index, label_smoothing)
    per = _weighted_log_terms(coef, lp)
    return per if reduction == "none" else float(np.sum(per) * scale)


def cross_entropy_grad(
    input,
    target,
    reduction: str = "mean",
    weight=None,
    ignore_index: int = -100,
    label_smoothing: float = 0.0,
) -> np.ndarray:
    """Gradient of :func:`cross_entropy` w.r.t. the logits: (sum_c a_c) softmax(z) - a.

    Here a are the per-class coefficients of the log-probabilities (the one-hot target times
    its weight, smoothed); for an unweighted one-hot target this is softmax(z) - onehot(y).
    """
    z, lp, coef, scale = _ce_parts(input, target, reduction, weight, ignore_index, label_smoothing)
    grad = np.sum(coef, axis=-1, keepdims=True) * np.exp(lp) - coef
    return _class_back(grad * scale, z.ndim)


def _probability_rows(input, target) -> tuple[np.ndarray, np.ndarray]:
    p, y = as_float_array(input, "input"), as_float_array(target, "target")
    check_same_shape(p, y, "input", "target")
    if np.any((p < 0) | (p > 1)):
        raise EngineError("input: expected probabilities in [0, 1]")
    return p, y


def categorical_cross_entropy(input, target, reduction: str = "sum") -> np.ndarray | float:
    """The handout's categorical cross-entropy on probabilities: -sum_c y_c ln yhat_c per row.

    ``input`` holds predicted probabilities and ``target`` one-hot (or soft) rows, both
    (C,) or (N, C), class axis last. A term with y_c = 0 counts 0 even where yhat_c = 0;
    a correct class with yhat_c = 0 gives an infinite loss (nothing is clipped). Default
    reduction "sum" is the handout's double sum; "mean" divides by the N rows. With one-hot
    rows this equals ``nll_loss(log(input), argmax(target))``.
    """
    p, y = _probability_rows(input, target)
    check_reduction(reduction)
    with np.errstate(divide="ignore"):
        per = _weighted_log_terms(y, np.log(p))
    if reduction == "none":
        return per
    return float(np.sum(per) / (per.size if reduction == "mean" and per.size else 1))


def categorical_cross_entropy_grad(input, target, reduction: str = "sum") -> np.ndarray:
    """d loss / d yhat_c = -y_c / yhat_c (0 where y_c = 0), times 1/N for "mean"."""
    p, y = _probability_rows(input, target)
    check_reduction(reduction)
    with np.errstate(divide="ignore", invalid="ignore"):
        grad = np.where(y == 0, 0.0, -y / p)
    rows = p.size // p.shape[-1] if p.ndim else 1
    return grad / (rows if reduction == "mean" and rows else 1)


# ---------------------------------------------------------------------------- hinge
def _hinge_inputs(input, target) -> tuple[np.ndarray, np.ndarray]:
    yhat, y = as_float_array(input, "input"), as_float_array(target, "target")
    check_same_shape(yhat, y, "input", "target")
    if not np.all(np.abs(y) == 1):
        raise EngineError("target: expected labels -1 or +1")
    return yhat, y


def hinge_loss(input, target, reduction: str = "mean") -> np.ndarray | float:
    """Binary hinge loss, per element max(0, 1 - y * yhat) with labels y in {-1, +1}.

    Default "mean" matches the handout's worked example ((0.2 + 0.5 + 0.7) / 3); its formula
    is the "sum". PyTorch has no single function for this; it equals
    ``torch.clamp(1 - y * yhat, min=0)`` reduced.

    >>> round(hinge_loss([0.8, -0.5, 0.3], [1, -1, 1]), 6)
    0.466667
    """
    yhat, y = _hinge_inputs(input, target)
    check_reduction(reduction)
    return reduce(np.maximum(0.0, 1.0 - y * yhat), reduction)


def hinge_loss_grad(input, target, reduction: str = "mean") -> np.ndarray:
    """Subgradient w.r.t. yhat: -y where the margin 1 - y*yhat is positive, else 0."""
    yhat, y = _hinge_inputs(input, target)
    check_reduction(reduction)
    return np.where(1.0 - y * yhat > 0, -y, 0.0) * reduction_scale(yhat, reduction)
