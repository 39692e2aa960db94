"""Problem files for the pointwise losses of the handout (sections 1-5): mse, bce, nll, cce, hinge.

Defaults follow the handout's own formulas: mse mean, bce mean, nll sum, cce sum over
observations and classes, hinge mean (its worked example; its formula is the sum).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rnnloss_cli.problem.base import COMMON_FIELDS, Meta, parse_meta
from rnnloss_cli.problem.fields import Fields, counted

DEFAULT_REDUCTION = {"mse": "mean", "bce": "mean", "nll": "sum", "cce": "sum", "hinge": "mean"}


@dataclass(frozen=True)
class PointwiseProblem:
    """y and yhat as arrays; for nll/cce ``y`` is one-hot rows and ``y_index`` the classes."""

    meta: Meta
    y: np.ndarray
    yhat: np.ndarray
    reduction: str
    input_name: str = "yhat"
    y_index: np.ndarray | None = None
    weight: np.ndarray | None = None
    label_smoothing: float = 0.0


def _reduction(f: Fields, kind: str) -> str:
    return f.text("reduction", DEFAULT_REDUCTION[kind], choices=("mean", "sum"))


def _same_shape(f: Fields, y: np.ndarray, yhat: np.ndarray, yhat_name: str) -> None:
    if y.shape != yhat.shape:
        raise f.error(
            f"y has shape {y.shape} but {yhat_name} has shape {yhat.shape}; they must match", "y"
        )


def parse_regression(f: Fields, kind: str) -> PointwiseProblem:
    """mse: real-valued y and yhat of one shape."""
    f.check_keys((*COMMON_FIELDS, "y", "yhat", "reduction"), kind=kind)
    meta = parse_meta(f, kind, uses_log=False)
    y, yhat = f.array("y"), f.array("yhat")
    _same_shape(f, y, yhat, "yhat")
    return PointwiseProblem(meta, y, yhat, _reduction(f, kind))


def parse_bce(f: Fields, kind: str) -> PointwiseProblem:
    """bce: targets y in [0, 1] (0/1 labels or soft), predicted probabilities yhat in [0, 1]."""
    f.check_keys((*COMMON_FIELDS, "y", "yhat", "reduction"), kind=kind)
    meta = parse_meta(f, kind, uses_log=True)
    y, yhat = f.array("y", low=0.0, high=1.0), f.array("yhat", low=0.0, high=1.0)
    _same_shape(f, y, yhat, "yhat")
    return PointwiseProblem(meta, y, yhat, _reduction(f, kind))


def parse_hinge(f: Fields, kind: str) -> PointwiseProblem:
    """hinge: labels y in {-1, +1} and real scores yhat."""
    f.check_keys((*COMMON_FIELDS, "y", "yhat", "reduction"), kind=kind)
    meta = parse_meta(f, kind, uses_log=False)
    y, yhat = f.array("y"), f.array("yhat")
    _same_shape(f, y, yhat, "yhat")
    check_pm1_labels(f, y, "y")
    return PointwiseProblem(meta, y, yhat, _reduction(f, kind))


def check_pm1_labels(f: Fields, y: np.ndarray, name: str) -> None:
    """Hinge labels are -1/+1; 0/1 labels get the mapping to use in the message."""
    if np.all(np.abs(y) == 1):
        return
    if np.all((y == 0) | (y == 1)):
        mapped = ", ".join(str(int(v)) for v in (2 * y - 1).ravel())
        raise f.error(
            "hinge labels must be -1 or +1, got 0/1 labels; map each label l to 2*l - 1, "
            f"i.e. {name}: [{mapped}]",
            name,
        )
    bad = y.ravel()[np.abs(y.ravel()) != 1][0]
    raise f.error(f"hinge labels must be -1 or +1, got {bad:g}", name)


def _class_targets(f: Fields, n_rows: int, n_classes: int, matrix: bool):
    """y as one-hot/probability rows or as class indices; returns (rows, indices or None)."""
    raw = f.raw("y")
    as_index = not (isinstance(raw, list) and raw and isinstance(raw[0], list)) and matrix
    as_index = as_index or (not matrix and not isinstance(raw, list))
    if as_index:
        idx = f.check_array(raw, "y", ndims=(0, 1), low=0, high=n_classes - 1, integer=True)
        if idx.size != n_rows or (matrix and idx.ndim != 1):
            raise f.error(
                f"expected {n_rows} class ind{'ex' if n_rows == 1 else 'ices'} "
                f"(one per row of predictions), got {idx.size}",
                "y",
            )
        # one-hot rows, as many as the predictions (np.eye(C)[idx] built a C x C identity
        # first: 2 TiB for one row of 2^19 classes)
        index = np.asarray(idx, dtype=np.intp)
        rows = np.zeros((*index.shape, n_classes))
        np.put_along_axis(rows, index[..., None], 1.0, axis=-1)
        return rows, idx
    rows = f.check_array(raw, "y", ndims=(2,) if matrix else (1,), low=0.0, high=1.0)
    expected = (n_rows, n_classes) if matrix else (n_classes,)
    if rows.shape != expected:
        raise f.error(f"y has shape {rows.shape}, expected {expected} like the predictions", "y")
    # a row of [1, 1] counted its observation twice, [0, 0] not at all, without a word
    f.check_distribution_rows(rows, "y", hint="", what="target rows (one-hot or soft)")
    onehot = np.all((rows == 0) | (rows == 1)) and np.all(rows.sum(axis=-1) == 1)
    return rows, (np.argmax(rows, axis=-1) if onehot else None)


def parse_categorical(f: Fields, kind: str) -> PointwiseProblem:
    """nll / cce: predictions as probabilities (``yhat``), ``logits`` or ``log_probs``.

    ``y`` is one-hot (or soft) rows, or class indices. ``weight`` and ``label_smoothing``
    follow PyTorch and need logits (or log_probs for weight).
    """
    f.check_keys(
        (
            *COMMON_FIELDS,
            "y",
            "yhat",
            "logits",
            "log_probs",
            "reduction",
            "weight",
            "label_smoothing",
        ),
        kind=kind,
    )
    meta = parse_meta(f, kind, uses_log=True)
    name = f.require_one("yhat", "logits", "log_probs")
    if name == "yhat":
        pred = f.array(name, low=0.0, high=1.0)
        f.check_distribution_rows(pred, name)
    elif name == "log_probs":
        pred = f.array(name, high=0.0)
    else:
        pred = f.array(name)
    n_classes = pred.shape[-1]
    y, y_index = _class_targets(f, pred.size // n_classes, n_classes, pred.ndim == 2)
    weight = f.array("weight", None, ndims=(1,), low=0.0)
    smoothing = f.number("label_smoothing", 0.0, low=0.0, high=1.0)
    if weight is not None and name == "yhat":
        raise f.error("weight needs 'logits' or 'log_probs' (PyTorch semantics)", "weight")
    if weight is not None and weight.shape != (n_classes,):
        raise f.error(f"expected {counted(n_classes, 'class weight')}, got {weight.size}", "weight")
    if smoothing and name != "logits":
        raise f.error("label_smoothing needs 'logits' (PyTorch semantics)", "label_smoothing")
    if y_index is None and name == "log_probs":
        raise f.error("with log_probs, y must be class indices or one-hot rows", "y")
    reduction = _reduction(f, kind)
    if weight is not None and y_index is not None and reduction == "mean":
        # PyTorch's weighted mean divides by Σ_i w[y_i]; with every true class weighted 0 it is
        # 0/0 (NaN), which no reader wants as a loss.
        if not float(np.sum(weight[np.asarray(y_index).ravel()])) > 0:
            raise f.error(
                "the weights of the true classes sum to 0, so the weighted mean divides 0 by 0; "
                "give a true class a positive weight, or use reduction: sum",
                "weight",
            )
    return PointwiseProblem(meta, y, pred, reduction, name, y_index, weight, smoothing)
