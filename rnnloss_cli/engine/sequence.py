"""Sequence losses for recurrent networks: per-step cross-entropy and hinge over padded batches.

Conventions: natural logarithms (nats); a single sequence has shape (T, ...) and a batch
(N, T, ...). Padding is given either by ``lengths`` (N,) (steps t >= length are padding) or by
a 0/1 ``mask`` (N, T) (1 = real step), never both; :func:`step_mask` turns either into a
boolean mask. Padded steps contribute exactly nothing: their values may be anything (NaN
included) and are never read (finiteness and row sums are checked at real steps only, and
padded entries are replaced before any computation), their per-step loss is 0 and their
gradient is 0. Reductions:

- "sum": add the per-step losses over the unpadded steps of every sequence (the handout's
  formulas are sums);
- "mean_tokens" (cross-entropy) / "mean" (hinge): divide that sum by the number of unpadded
  steps, i.e. PyTorch's "mean" with ``ignore_index`` on the padded positions;
- "mean_sequences": divide the sum by the number of sequences N (1 for a single sequence),
  i.e. the per-sequence sums averaged over the batch;

  either mean with nothing to divide by (no unpadded step; N = 0) raises EngineError, where
  PyTorch's mean gives 0/0 = NaN (and ``cross_entropy`` here, with every target ignored, too);
- "none": the per-step losses, shape (T,) or (N, T), 0 at padded steps.

Each loss has a ``*_grad`` giving the gradient of the reduced loss w.r.t. ``input``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from rnnloss_cli.engine._numerics import (
    ROW_SUM_TOL,
    all_finite,
    as_array,
    as_float_array,
    as_real_array,
    check_array_bytes,
    check_bool_option,
    check_reduction,
    describe_row_sum,
    keeps_float32,
    log_softmax,
    scaled_sum,
)
from rnnloss_cli.engine.classification import hinge_loss, hinge_loss_grad
from rnnloss_cli.engine.errors import EngineError

_CE_REDUCTIONS = ("sum", "mean_tokens", "mean_sequences", "none")
_HINGE_REDUCTIONS = ("mean", "sum", "mean_sequences", "none")
_CE_MEAN_HINT = (
    "; use 'mean_tokens' (PyTorch's mean with ignore_index) or 'mean_sequences' "
    "(per-sequence sums averaged)"
)


# ---------------------------------------------------------------------------- padding
def step_mask(lengths, mask, shape: tuple[int, ...]) -> np.ndarray:
    """Boolean mask of the real (unpadded) steps for sequences of ``shape`` (T,) or (N, T).

    Exactly one of ``lengths`` and ``mask`` may be given; with neither every step is real.

    Args:
      lengths: steps per sequence, integers in [0, T], shape (N,) (a scalar for shape (T,));
        step t of sequence n is real when t < lengths[n].
      mask: 0/1 (or boolean) array of ``shape``; 1 marks a real step.
      shape: (T,) for one sequence or (N, T) for a batch.

    Returns:
      Boolean array of ``shape``, True at real steps.

    >>> step_mask([2, 1], None, (2, 3)).astype(int).tolist()
    [[1, 1, 0], [1, 0, 0]]
    """
    if not isinstance(shape, tuple) or not all(
        isinstance(d, (int, np.integer)) and not isinstance(d, (bool, np.bool_)) and d >= 0
        for d in shape
    ):
        raise EngineError(
            f"shape: expected a tuple of non-negative integers (T,) or (N, T), got {shape!r}"
        )
    shape = tuple(int(s) for s in shape)
    if len(shape) not in (1, 2):
        raise EngineError(f"step_mask: expected shape (T,) or (N, T), got {shape}")
    check_array_bytes(shape, "shape", itemsize=1)
    if lengths is not None and mask is not None:
        raise EngineError("give either lengths or mask, not both")
    if mask is not None:
        m = as_array(mask, "mask", kinds="fiub")
        if m.shape != shape:
            raise EngineError(f"mask: expected shape {shape} {_dims(shape)}, got {m.shape}")
        if m.dtype != bool:
            m = as_float_array(m, "mask")
            if not np.all((m == 0) | (m == 1)):
                raise EngineError("mask: expected 0/1 values (1 = real step, 0 = padding)")
        return m.astype(bool)
    if lengths is None:
        return np.ones(shape, dtype=bool)
    n_steps = shape[-1]
    lens = as_array(lengths, "lengths")
    if lens.shape != shape[:-1]:
        want = "a single integer" if len(shape) == 1 else f"shape ({shape[0]},) (N,)"
        raise EngineError(
            f"lengths: expected {want} for sequences of shape {shape}, got shape {lens.shape}"
        )
    lens_f = as_float_array(lens, "lengths")
    if not np.all(lens_f == np.round(lens_f)):
        raise EngineError("lengths: expected integers")
    for n, length in np.ndenumerate(lens_f):
        if not 0 <= length <= n_steps:
            where = f"sequence {n[0]} has" if n else "the sequence has"
            raise EngineError(
                f"lengths: {where} length {int(length)}, expected 0 <= length <= T = {n_steps}"
            )
    return np.arange(n_steps) < lens_f.astype(np.int64)[..., None]


def _dims(shape: tuple[int, ...]) -> str:
    return "(T,)" if len(shape) == 1 else "(N, T)"


def _dims_c(steps_shape: tuple[int, ...]) -> str:
    return "(T, C)" if len(steps_shape) == 1 else "(N, T, C)"


def _where(index: tuple[int, ...]) -> str:
    """Name a step for error messages: (n=.., t=..) in a batch, t=.. for one sequence."""
    if len(index) == 1:
        return f"t={index[0]}"
    return f"(n={index[0]}, t={index[1]})"


def steps_array(x, name: str, shapes: str, ndims: tuple[int, ...]) -> np.ndarray:
    """``x`` as float64 with one of the ``ndims`` numbers of axes; values are not checked yet.

    Finiteness is checked by :func:`real_steps` once the padding is known, since padded
    steps may hold anything (NaN included).
    """
    arr = as_real_array(x, name)
    if arr.ndim not in ndims:
        raise EngineError(f"{name}: expected shape {shapes}, got {arr.shape}")
    return arr


def real_steps(x: np.ndarray, m: np.ndarray, name: str, fill: float) -> np.ndarray:
    """``x`` with every padded step replaced by ``fill``, after checking the real ones.

    ``x`` has the steps' shape ``m.shape`` or that plus trailing axes (e.g. classes). A NaN
    or infinity at a real step is an error naming the step; whatever a padded step holds is
    never read again, so no result depends on it.
    """
    mm = m.reshape(m.shape + (1,) * (x.ndim - m.ndim))
    bad = mm & ~np.isfinite(x)
    if np.any(bad):
        idx = tuple(int(i) for i in np.argwhere(bad)[0][: m.ndim])
        raise EngineError(
            f"{name}: expected finite numbers at the real (unpadded) steps, got NaN or "
            f"infinity at {_where(idx)}"
        )
    return np.where(mm, x, fill)


# ---------------------------------------------------------------------------- reductions
def _step_scale(mask: np.ndarray, reduction: str) -> float:
    """d(reduced loss) / d(per-step loss) at a real step."""
    if reduction in ("sum", "none"):
        return 1.0
    if reduction == "mean_sequences":
        count = 1 if mask.ndim == 1 else mask.shape[0]
        what = "sequence"
    else:  # "mean" / "mean_tokens": over the real steps
        count = int(np.sum(mask))
        what = "unpadded step"
    if count == 0:
        raise EngineError(f"reduction={reduction!r} needs at least one {what}, got none")
    return 1.0 / count


def _reduce_steps(per_step: np.ndarray, mask: np.ndarray, reduction: str) -> np.ndarray | float:
    """Reduce per-step losses that are already 0 at padded steps."""
    if reduction == "none":
        return per_step
    return scaled_sum(per_step, _step_scale(mask, reduction))


def _class_indices(target, shape: tuple[int, ...], n_classes: int, m: np.ndarray, name: str):
    """Validate integer class indices of ``shape`` at real steps; padded entries become 0."""
    t = as_array(target, name)
    if t.shape != shape:
        raise EngineError(f"{name}: expected shape {shape} {_dims(shape)}, got {t.shape}")
    # Padded entries may hold anything (e.g. -100), so only real steps are checked.
    t = np.where(m, t, 0)
    if t.dtype.kind == "f":  # whole numbers in range, checked before the cast to int
        if not all_finite(t):
            raise EngineError(f"{name}: expected integer class indices, got NaN or infinity")
        if not np.all(t == np.round(t)):
            raise EngineError(f"{name}: expected integer class indices")
    bad = (t < 0) | (t >= n_classes)
    if np.any(bad):
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        raise EngineError(
            f"{name}: class index {t[idx]:g} at {_where(idx)} outside [0, {n_classes - 1}]"
        )
    return t.astype(np.int64)


# ---------------------------------------------------------------------------- cross-entropy
def _check_rows_sum_to_one(p: np.ndarray, m: np.ndarray, name: str, hint: str) -> None:
    if np.any(m[..., None] & (p < 0)):
        idx = tuple(int(i) for i in np.argwhere(m[..., None] & (p < 0))[0][:-1])
        raise EngineError(f"{name}: negative probability in row {_where(idx)}{hint}")
    with np.errstate(over="ignore"):  # a row of huge values sums to inf: not 1, named below
        sums = np.sum(p, axis=-1)
    bad = m & (np.abs(sums - 1.0) > ROW_SUM_TOL)
    if np.any(bad):
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        raise EngineError(f"{name}: row {_where(idx)} {describe_row_sum(sums[idx])}{hint}")


def _ce_parts(input, target, lengths, mask, from_logits: bool):
    """Validate; return (log-probs (..., C), target coefficients y (..., C), real-step mask)."""
    from_logits = check_bool_option(from_logits, "from_logits")
    x = steps_array(input, "input", "(T, C) for one sequence or (N, T, C) for a batch", (2, 3))
    steps_shape, n_classes = x.shape[:-1], x.shape[-1]
    if n_classes == 0:
        raise EngineError(f"input: expected at least one class (C >= 1), got shape {x.shape}")
    m = step_mask(lengths, mask, steps_shape)
    if from_logits:
        # Padded rows become logits 0 (uniform), never read again. -inf is a legal logit at a
        # real step, a class of probability 0, as in PyTorch's cross_entropy.
        lp = log_softmax(real_logits(x, m), axis=-1)
    else:
        # Padded rows become uniform probabilities 1/C, never read again.
        x = real_steps(x, m, "input", 1.0 / n_classes)
        _check_rows_sum_to_one(
            x, m, "input", "; if these are logits (unnormalised scores) pass from_logits=True"
        )
        # p = 0 gives -inf on purpose (no clipping).
        with np.errstate(divide="ignore"):
            lp = np.log(x)
    t = as_array(target, "target")
    if t.shape == x.shape:
        y = real_steps(as_real_array(t, "target"), m, "target", 0.0)
        _check_rows_sum_to_one(y, m, "target", " (expected one-hot or probability rows)")
    elif t.shape == steps_shape:
        idx = _class_indices(t, steps_shape, n_classes, m, "target")
        y = np.zeros_like(x)
        np.put_along_axis(y, idx[..., None], 1.0, axis=-1)
    else:
        raise EngineError(
            f"target: expected class indices of shape {steps_shape} {_dims(steps_shape)} or "
            f"probability rows of shape {x.shape} {_dims_c(steps_shape)}, got {t.shape}"
        )
    y = np.where(m[..., None], y, 0.0)  # padded steps carry no target mass
    return lp, y, m


def real_logits(
    z: np.ndarray, m: np.ndarray, field: str = "input", item: str = "logit"
) -> np.ndarray:
    """Logits (..., C) with padded steps set to 0, after checking the real ones: each finite
    or -inf (probability 0), and at least one finite per step (a step of only -inf has no
    possible class: PyTorch's loss is NaN there). Errors name ``field``, ``item`` (what a
    logit scores: "logit", "action") and the first bad step."""
    z = np.where(m[..., None], z, 0.0)  # padded steps may hold anything
    if all_finite(z):
        return z
    bad = np.isnan(z) | (z == np.inf)
    if np.any(bad):
        idx = tuple(int(i) for i in np.argwhere(bad)[0][:-1])
        raise EngineError(
            f"{field}: expected finite numbers or -inf (probability 0) at the real (unpadded) "
            f"steps, got NaN or +inf at {_where(idx)}"
        )
    empty = np.all(z == -np.inf, axis=-1)
    if np.any(empty):
        idx = tuple(int(i) for i in np.argwhere(empty)[0])
        raise EngineError(
            f"{field}: every {item} is -inf (probability 0) at the real step {_where(idx)}"
        )
    return z


def _ce_per_step(lp: np.ndarray, y: np.ndarray) -> np.ndarray:
    """-sum_c y_c ln p_c with 0 * ln 0 counted as 0 (a class the target does not use)."""
    with np.errstate(invalid="ignore"):
        # 0 - x, not -x: -ln 1 (and a padded step's empty sum) is +0, never -0
        return 0.0 - np.sum(np.where(y > 0, y * lp, 0.0), axis=-1)


@keeps_float32("target")
def sequence_cross_entropy(
    input,
    target,
    *,
    lengths=None,
    mask=None,
    reduction: str = "sum",
    from_logits: bool = False,
) -> np.ndarray | float:
    """Cross-entropy of a predicted distribution at every step of a sequence.

    L = -sum_n sum_t m_{n,t} sum_c y_{n,t,c} ln yhat_{n,t,c} with natural logs and m the
    real-step mask; with class-index targets the inner sum is -ln yhat_{n,t,target}. A target
    class with probability 0 gives ``inf`` (nothing is clipped); 0 * ln 0 counts as 0.

    With ``from_logits=True`` yhat = softmax(input) over C and ``reduction="mean_tokens"``
    equals ``torch.nn.functional.cross_entropy(..., ignore_index=-100)`` (mean) with -100 at
    the padded positions. A probability target's 0 on a class of logit -inf counts 0 here
    (0 ln 0); PyTorch's cross_entropy gives NaN for it (0 * -inf).

    Args:
      input: probabilities yhat (each real row sums to 1 within 1e-6), or logits when
        ``from_logits``; shape (T, C) or (N, T, C).
      target: class indices, shape (T,) / (N, T), or one-hot / probability rows of
        ``input``'s shape. Values at padded steps are ignored (e.g. -100 is fine).
      lengths: optional (N,) real steps per sequence (a scalar for one sequence).
      mask: optional 0/1 (N, T) or (T,) mask, 1 = real step; not together with ``lengths``.
      reduction: "sum" (the handout's formula, default), "mean_tokens" (sum / number of real
        steps), "mean_sequences" (sum / N) or "none" (per-step losses (T,) / (N, T), 0 at
        padded steps).
      from_logits: treat ``input`` as logits and apply log_softmax over C. A logit may be
        -inf (a class of probability 0, as in PyTorch) if its step has a finite one.

    Returns:
      The reduced loss as a float (numpy float32 for float32 input), or the per-step losses
      for ``reduction="none"``.

    >>> p = [[0.7, 0.3], [0.5, 0.5], [0.1, 0.9]]
    >>> round(sequence_cross_entropy(p, [0, 1, 1]), 5)
    1.15518
    """
    check_reduction(reduction, _CE_REDUCTIONS, _CE_MEAN_HINT if reduction == "mean" else "")
    lp, y, m = _ce_parts(input, target, lengths, mask, from_logits)
    return _reduce_steps(_ce_per_step(lp, y), m, reduction)


@keeps_float32("target")
def sequence_cross_entropy_grad(
    input,
    target,
    *,
    lengths=None,
    mask=None,
    reduction: str = "sum",
    from_logits: bool = False,
) -> np.ndarray:
    """Gradient of :func:`sequence_cross_entropy` (reduced) w.r.t. ``input``.

    w.r.t. probabilities: dL/dyhat_c = -y_c / yhat_c (each entry treated as a free variable,
    0 where y_c = 0); w.r.t. logits: dL/dz_c = (sum_k y_k) softmax(z)_c - y_c, which is
    softmax(z) - y for a one-hot / probability target. Both are multiplied by the reduction
    scale (1 for "sum"/"none", 1/tokens for "mean_tokens", 1/N for "mean_sequences") and are 0
    at padded steps. For "none" this is the gradient of the sum of the per-step losses.

    Args:
      input, target, lengths, mask, reduction, from_logits: as :func:`sequence_cross_entropy`.

    Returns:
      Array of ``input``'s shape, (T, C) or (N, T, C).
    """
    check_reduction(reduction, _CE_REDUCTIONS, _CE_MEAN_HINT if reduction == "mean" else "")
    lp, y, m = _ce_parts(input, target, lengths, mask, from_logits)
    if from_logits:
        grad = np.sum(y, axis=-1, keepdims=True) * np.exp(lp) - y
    else:
        p = np.exp(lp)
        # −y/ŷ past the float range (ŷ = 1e-320) is −inf, its correctly rounded value
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            grad = np.where(y > 0, -y / p, 0.0)
    return grad * _step_scale(m, reduction)


class SequenceCETerms(NamedTuple):
    """Per-step quantities for a derivation table of the sequence cross-entropy.

    Each field has shape (T,) or (N, T). At padded steps: target = -1, prob = NaN,
    neg_log_prob = 0 and mask = False, so ``neg_log_prob.sum()`` is the "sum" loss.
    """

    target: np.ndarray  #: class index of the target (int64)
    prob: np.ndarray  #: yhat[target], the predicted probability of the target class
    neg_log_prob: np.ndarray  #: -ln yhat[target], the step's loss
    mask: np.ndarray  #: True at real steps


def sequence_cross_entropy_terms(
    input, target, *, lengths=None, mask=None, from_logits: bool = False
) -> SequenceCETerms:
    """Per-step target index, yhat[target], -ln yhat[target] and mask, for a worked table.

    Needs class-index or one-hot targets (a soft target has no single target class; use
    ``sequence_cross_entropy(..., reduction="none")`` for its per-step losses).

    Args:
      input, target, lengths, mask, from_logits: as :func:`sequence_cross_entropy`.

    Returns:
      A :class:`SequenceCETerms` of (T,) or (N, T) arrays.

    >>> terms = sequence_cross_entropy_terms([[0.7, 0.3], [0.5, 0.5]], [0, 1])
    >>> terms.prob.tolist(), terms.neg_log_prob.round(5).tolist()
    ([0.7, 0.5], [0.35667, 0.69315])
    """
    lp, y, m = _ce_parts(input, target, lengths, mask, from_logits)
    one_hot = np.all((y == 0) | (y == 1), axis=-1) & (np.sum(y, axis=-1) == 1)
    if np.any(m & ~one_hot):
        idx = tuple(int(i) for i in np.argwhere(m & ~one_hot)[0])
        raise EngineError(
            f"target: row {_where(idx)} is not one-hot; a terms table needs class-index or "
            "one-hot targets (use reduction='none' for per-step losses of soft targets)"
        )
    idx = np.argmax(y, axis=-1)
    lp_t = np.take_along_axis(lp, idx[..., None], axis=-1)[..., 0]
    return SequenceCETerms(
        target=np.where(m, idx, -1),
        prob=np.where(m, np.exp(lp_t), np.nan),
        neg_log_prob=np.where(m, 0.0 - lp_t, 0.0),  # +0 for ln 1, never -0
        mask=m,
    )


# ---------------------------------------------------------------------------- hinge
def _hinge_parts(input, target, lengths, mask):
    """Validate; return (scores, labels with padded entries set to +1, real-step mask)."""
    yhat = steps_array(input, "input", "(T,) or (N, T) (scores)", (1, 2))
    y = as_real_array(target, "target")
    if y.shape != yhat.shape:
        raise EngineError(
            f"target: expected shape {yhat.shape} {_dims(yhat.shape)} like input, got {y.shape}"
        )
    m = step_mask(lengths, mask, yhat.shape)
    yhat = real_steps(yhat, m, "input", 0.0)
    y = real_steps(y, m, "target", 1.0)
    bad = m & (np.abs(y) != 1)
    if np.any(bad):
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        msg = f"target: expected labels -1 or +1, got {y[idx]:g} at {_where(idx)}"
        if np.all((y[m] == 0) | (y[m] == 1)):
            msg += "; the labels look like 0/1: map them with y = 2*label - 1"
        raise EngineError(msg)
    # Padded labels may be anything (often 0); +1 keeps classification's label check happy
    # and the mask removes their terms afterwards.
    return yhat, y, m


@keeps_float32("target")
def sequence_hinge(
    input, target, *, lengths=None, mask=None, reduction: str = "mean"
) -> np.ndarray | float:
    """Binary hinge loss at every step: max(0, 1 - y_t * yhat_t) with labels y_t in {-1, +1}.

    L = sum_n sum_t m_{n,t} max(0, 1 - y_{n,t} yhat_{n,t}), then reduced. The default "mean"
    (over real steps) is the handout's worked example; its formula is the "sum".

    Args:
      input: scores yhat, shape (T,) or (N, T).
      target: labels -1 / +1, same shape (padded entries are ignored).
      lengths: optional (N,) real steps per sequence (a scalar for one sequence).
      mask: optional 0/1 mask of ``input``'s shape; not together with ``lengths``.
      reduction: "mean" (sum / number of real steps, default), "sum", "mean_sequences"
        (sum / N) or "none" (per-step losses, 0 at padded steps).

    Returns:
      The reduced loss as a float (numpy float32 for float32 input), or the per-step losses
      for ``reduction="none"``.

    >>> round(sequence_hinge([0.8, -0.5, 0.3], [1, -1, 1]), 4)
    0.4667
    >>> round(sequence_hinge([0.8, -0.5, 0.3], [1, -1, 1], reduction="sum"), 4)
    1.4
    """
    check_reduction(reduction, _HINGE_REDUCTIONS)
    yhat, y, m = _hinge_parts(input, target, lengths, mask)
    per_step = np.where(m, hinge_loss(yhat, y, reduction="none"), 0.0)
    return _reduce_steps(per_step, m, reduction)


@keeps_float32("target")
def sequence_hinge_grad(
    input, target, *, lengths=None, mask=None, reduction: str = "mean"
) -> np.ndarray:
    """Subgradient of :func:`sequence_hinge` w.r.t. ``input``.

    dL/dyhat_t = -y_t where the margin 1 - y_t yhat_t > 0, else 0 (0 is taken at the kink;
    autograd of ``torch.clamp(1 - y * yhat, min=0)`` takes -y_t there),
    times the reduction scale, and 0 at padded steps.

    Args:
      input, target, lengths, mask, reduction: as :func:`sequence_hinge`.

    Returns:
      Array of ``input``'s shape.
    """
    check_reduction(reduction, _HINGE_REDUCTIONS)
    yhat, y, m = _hinge_parts(input, target, lengths, mask)
    grad = np.where(m, hinge_loss_grad(yhat, y, reduction="none"), 0.0)
    return grad * _step_scale(m, reduction)
