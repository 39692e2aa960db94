"""RNN-Transducer loss (Graves 2012): the (T x U+1) lattice, its gradient, and a trace.

A transducer's joiner gives, at every lattice node (t, u) (t frames read, u labels emitted), a
distribution y(t, u, k) over V classes, one of them the blank. From (t, u) a path either emits
blank and moves to (t+1, u), or emits the next label y_{u+1} and moves to (t, u+1); it starts at
(0, 0) and ends with a blank from (T-1, U). So p(y|x) sums over the C(T-1+U, U) monotone paths::

    alpha(0, 0) = 0
    alpha(t, u) = logaddexp(alpha(t-1, u) + ln y(t-1, u, blank),  alpha(t, u-1) + ln y(t, u-1, y_u))
    ln p(y|x)   = alpha(T-1, U) + ln y(T-1, U, blank),        loss = -ln p(y|x)
    beta(T-1, U) = ln y(T-1, U, blank)
    beta(t, u)  = logaddexp(beta(t+1, u) + ln y(t, u, blank),  beta(t, u+1) + ln y(t, u, y_{u+1}))

An empty target (U = 0) is a lattice of one column with no label move: its one path is T
blanks, p(y|x) = prod_t y(t, 0, blank), and the gradient puts occupation 1 on each blank.

alpha(t, u) excludes the emissions at (t, u), beta(t, u) includes them, so
alpha(t, u) + beta(t, u) - ln p is the log of the probability that a path visits (t, u).
Compared with CTC: no collapse (every emitted label is a move, repeats need no blank between
them), one label per move with the frame held, several labels may share a frame, and every path
ends with a blank.

Gradient (the transition occupations, divided by p)::

    Bl(t, u) = exp(alpha(t, u) + ln y(t, u, blank) + beta(t+1, u) - ln p)   (beta(T, U) := 0 at
               the final blank; 0 for t = T-1, u < U)
    La(t, u) = exp(alpha(t, u) + ln y(t, u, y_{u+1}) + beta(t, u+1) - ln p)   (u < U)
    d loss / d ln y(t, u, k) = -[k = blank] Bl(t, u) - [k = y_{u+1}] La(t, u)
    d loss / d logits(t, u, k) = y(t, u, k) (Bl + La)(t, u) - [k = blank] Bl - [k = y_{u+1}] La

The first is the gradient when ``fused_log_softmax=False`` (the logits are taken to be log
probabilities already, as torchaudio does), the second when the log-softmax is fused in.

Conventions follow ``torchaudio.functional.rnnt_loss``: logits (N, T, U+1, V), targets (N, U),
blank=-1 meaning V-1 (any negative blank counts from the end), reduction "mean" the plain
batch mean of the per-sequence losses, "sum" their sum, "none" the (N,) vector (its gradient
is that of the sum), and ``clamp > 0`` clips each sequence's logits gradient (before the
reduction's scale) to [-clamp, clamp] (the loss is not affected). Differences: torchaudio
computes in float32 (it accepts only float32 and float16 logits), float64 here (float32
logits give float32 results, the float64 ones rounded once); it wants
max(logit_lengths) = T and max(target_lengths) = U, here lengths may be shorter than the padded
sizes (padding cells get gradient 0); targets equal to blank are refused here. A logit of
-inf is a move of probability 0 (its gradient 0; a node whose logits are all -inf, NaN and
+inf are refused).

References:
    Graves 2012, "Sequence Transduction with Recurrent Neural Networks", arXiv:1211.3711.
    torchaudio.functional.rnnt_loss.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from rnnloss_cli.engine._numerics import (
    all_finite,
    as_array,
    check_array_bytes,
    check_bool_option,
    keeps_float32,
    log_softmax,
    not_integers,
)
from rnnloss_cli.engine.errors import EngineError, shown
from rnnloss_cli.engine.forced_align import to_int64
from rnnloss_cli.limits import ENGINE_MAX_RNNT_STEPS, MAX_ARRAY_BYTES, MAX_RNNT_VALUES

__all__ = ["RNNTTrace", "rnnt_loss", "rnnt_loss_and_grad", "rnnt_trace"]

_REDUCTIONS = ("none", "sum", "mean")


# --------------------------------------------------------------------------------------------
# Checks
# --------------------------------------------------------------------------------------------


def _as_ints(x: ArrayLike, name: str) -> NDArray[np.int64]:
    arr = as_array(x, name)
    if arr.size and arr.dtype.kind not in "iu":
        raise not_integers(x, arr, name, f"{name} must contain integers; got dtype {arr.dtype}")
    return to_int64(arr, name)


def _check_logits(logits: ArrayLike, ndim: int, shape: str) -> NDArray[np.float64]:
    arr = as_array(logits, "logits")  # real numbers, at most MAX_ARRAY_BYTES as float64
    if arr.ndim != ndim:
        raise EngineError(f"logits must have shape {shape}; got shape {arr.shape}")
    if 0 in arr.shape:
        raise EngineError(f"logits must have every dimension >= 1 {shape}; got shape {arr.shape}")
    if arr.size > MAX_RNNT_VALUES:  # before any pass over them (a broadcast view costs nothing)
        raise EngineError(
            f"logits: {arr.size:,} numbers (shape {arr.shape}), more than the engine's limit "
            f"MAX_RNNT_VALUES = {MAX_RNNT_VALUES:,}: a call holds up to four float64 arrays "
            f"of that size (logits, log-probabilities, gradients), under MAX_ARRAY_BYTES = "
            f"{MAX_ARRAY_BYTES / 2**30:g} GiB"
        )
    arr = np.asarray(arr, dtype=np.float64)
    if not all_finite(arr):
        # -inf is a probability 0 (a hand-worked lattice's unused label); NaN and +inf are none
        bad = np.isnan(arr) | (arr == np.inf)
        if bad.any():
            where = tuple(int(i) for i in np.argwhere(bad)[0])
            raise EngineError(f"logits must be finite or -inf; got {arr[where]} at index {where}")
        empty = np.all(arr == -np.inf, axis=-1)
        if empty.any():
            where = tuple(int(i) for i in np.argwhere(empty)[0])
            raise EngineError(
                f"logits at node {where} are all -inf: every move there has probability 0"
            )
    return arr


def _check_blank(blank: int, n_classes: int) -> int:
    if isinstance(blank, (bool, np.bool_)) or not isinstance(blank, (int, np.integer)):
        raise EngineError(f"blank must be an integer class index; got {shown(blank)}")
    if not -n_classes <= blank < n_classes:
        raise EngineError(
            f"blank must be in [-{n_classes}, {n_classes}) for V={n_classes} "
            f"(negative counts from the end, -1 is V-1); got {shown(blank)}"
        )
    return int(blank) % n_classes


def _check_options(reduction: str, clamp: float, fused: bool) -> float:
    if not isinstance(reduction, str) or reduction not in _REDUCTIONS:
        raise EngineError(f"reduction: expected one of {_REDUCTIONS}, got {shown(reduction)}")
    check_bool_option(fused, "fused_log_softmax")
    if isinstance(clamp, (bool, np.bool_, np.ndarray, str, bytes)):
        raise EngineError(f"clamp must be a number (<= 0: no clamping); got {shown(clamp)}")
    try:
        clamp = float(clamp)
    except (TypeError, ValueError, OverflowError):
        raise EngineError(
            f"clamp must be a number (<= 0: no clamping); got {shown(clamp)}"
        ) from None
    if math.isnan(clamp):
        raise EngineError("clamp must be a number (<= 0: no clamping); got nan")
    return clamp


@dataclass(frozen=True)
class _Batch:
    log_probs: NDArray[np.float64]  # (N, T, U+1, V)
    targets: NDArray[np.int64]  # (N, U)
    logit_lengths: NDArray[np.int64]
    target_lengths: NDArray[np.int64]
    blank: int


def _prepare(logits, targets, logit_lengths, target_lengths, blank, fused) -> _Batch:
    lg = _check_logits(logits, 4, "(N, T, U+1, V)")
    n_batch, n_frames, n_nodes, n_classes = lg.shape
    blank = _check_blank(blank, n_classes)
    tg = _as_ints(targets, "targets")
    if tg.shape != (n_batch, n_nodes - 1):
        raise EngineError(
            f"targets must have shape (N, U) = ({n_batch}, {n_nodes - 1}) for logits of shape "
            f"{lg.shape}; got shape {tg.shape}"
        )
    lengths = []
    for arr, name, low, high in (
        (logit_lengths, "logit_lengths", 1, n_frames),
        (target_lengths, "target_lengths", 0, n_nodes - 1),
    ):
        arr = _as_ints(arr, name)
        if arr.shape != (n_batch,):
            raise EngineError(f"{name} must have shape (N,) = ({n_batch},); got shape {arr.shape}")
        bad = (arr < low) | (arr > high)
        if bad.any():
            i = int(np.argmax(bad))
            raise EngineError(
                f"{name} must lie in [{low}, {high}]; got {int(arr[i])} at batch index {i}"
            )
        lengths.append(arr)
    # Python steps of the recursions: each sequence's T + U anti-diagonals, plus ten for the
    # sequence itself (see ENGINE_MAX_RNNT_STEPS), counted before any lattice is computed
    steps = int(lengths[0].sum()) + int(lengths[1].sum()) + 10 * n_batch
    if steps > ENGINE_MAX_RNNT_STEPS:
        raise EngineError(
            f"logits: {n_batch:,} sequence(s) of {int(lengths[0].sum()):,} frames and "
            f"{int(lengths[1].sum()):,} labels in all take {steps:,} steps of the lattice "
            f"recursions (T + U + 10 a sequence), more than the engine's limit "
            f"ENGINE_MAX_RNNT_STEPS = {ENGINE_MAX_RNNT_STEPS:,}"
        )
    used = np.arange(n_nodes - 1)[None, :] < lengths[1][:, None]
    bad = used & ((tg < 0) | (tg >= n_classes) | (tg == blank))
    if bad.any():
        n, j = (int(i) for i in np.argwhere(bad)[0])
        raise EngineError(
            f"targets must be class indices in [0, {n_classes}) other than blank={blank}; "
            f"got {int(tg[n, j])} at position {j} of sequence {n}"
        )
    lp = log_softmax(lg, axis=-1) if fused else lg
    return _Batch(lp, np.where(used, tg, 0), lengths[0], lengths[1], blank)


# --------------------------------------------------------------------------------------------
# One sequence: lattice, likelihood and occupations
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Lattice:
    log_blank: NDArray[np.float64]  # (T, U+1) ln y(t, u, blank)
    log_label: NDArray[np.float64]  # (T, U) ln y(t, u, y_{u+1})
    log_alpha: NDArray[np.float64]  # (T, U+1)
    log_beta: NDArray[np.float64]  # (T, U+1)
    log_likelihood: float
    blank_occ: NDArray[np.float64]  # (T, U+1) Bl(t, u)
    label_occ: NDArray[np.float64]  # (T, U) La(t, u)


def _lattice(lp: NDArray[np.float64], target: NDArray[np.int64], blank: int) -> _Lattice:
    """Alpha, beta and transition occupations of one sequence; lp (T, U+1, V), target (U,)."""
    n_frames, n_nodes, _ = lp.shape
    n_labels = n_nodes - 1
    log_blank = lp[:, :, blank]
    log_label = lp[:, np.arange(n_labels), target] if n_labels else np.zeros((n_frames, 0))
    alpha = np.full((n_frames, n_nodes), -np.inf)
    beta = np.full((n_frames, n_nodes), -np.inf)
    alpha[0, 0] = 0.0
    # A path's log-probability past -1.8e308 (moves whose logits are that far apart) is -inf,
    # the probability 0 it is in float64; unfused logits past +9e307 make it +inf. Neither
    # warns on the way.
    with np.errstate(over="ignore", invalid="ignore"):
        _alpha_beta(alpha, beta, log_blank, log_label)
        log_p = float(alpha[-1, -1] + log_blank[-1, -1])
    blank_occ = np.zeros((n_frames, n_nodes))
    # p(y|x) = 0 (every path has a move of probability 0, e.g. a logit 1.8e308 below its
    # node's largest): the loss is inf and the occupations 0/0, NaN, as CTC's are then
    with np.errstate(over="ignore", invalid="ignore"):
        blank_occ[:-1] = np.exp(alpha[:-1] + log_blank[:-1] + beta[1:] - log_p)
        blank_occ[-1, -1] = np.exp(alpha[-1, -1] + log_blank[-1, -1] - log_p)
        label_occ = np.exp(alpha[:, :-1] + log_label + beta[:, 1:] - log_p)
    return _Lattice(log_blank, log_label, alpha, beta, log_p, blank_occ, label_occ)


def _alpha_beta(alpha, beta, log_blank, log_label) -> None:
    """Fill alpha and beta: the lattice recursion forwards, then on the reversed lattice.

    beta(t, u) = logaddexp(beta(t+1, u) + ln y(t, u, blank), beta(t, u+1) + ln y(t, u, y_{u+1}))
    is alpha's recursion with both axes reversed, starting from ln y(T-1, U, blank).
    """
    down, right = log_blank[:-1], log_label  # the blank and the label moves
    alpha[:] = _lattice_forward(down, right, 0.0)
    beta[:] = _lattice_forward(down[::-1, ::-1], right[::-1, ::-1], log_blank[-1, -1])[::-1, ::-1]


def _lattice_forward(down: NDArray, right: NDArray, start: float) -> NDArray[np.float64]:
    """F(i, j) = logaddexp(F(i-1, j) + down(i-1, j), F(i, j-1) + right(i, j-1)), F(0, 0) = start.

    down (n_i - 1, n_j) and right (n_i, n_j - 1) are the log-probabilities of the moves; F is
    (n_i, n_j). The cells of one anti-diagonal d = i + j depend only on the one before, so
    the tables are skewed (row d holds that diagonal, indexed by j along the shorter side)
    and each of the n_i + n_j - 1 steps is three whole-row operations: a lattice of one row
    or one column costs about a microsecond a node, not the tens that per-diagonal index
    arrays cost. Cells off the lattice hold -inf and never reach a cell on it.
    """
    n_i, n_j = down.shape[0] + 1, right.shape[1] + 1
    if n_j > n_i:  # skew along the shorter side: the transposed lattice swaps the moves
        return _lattice_forward(right.T, down.T, start).T
    n_d = n_i + n_j - 1
    check_array_bytes((3 * n_d, n_j), "RNN-T lattice diagonals (3 x (T + U) x min(T, U+1))")
    skew_down = np.full((n_d, n_j), -np.inf)
    skew_right = np.full((n_d, n_j), -np.inf)
    for j in range(n_j):  # cell (i, j) goes to row i + j
        skew_down[j : j + n_i - 1, j] = down[:, j]
        if j < n_j - 1:
            skew_right[j : j + n_i, j] = right[:, j]
    f = np.full((n_d, n_j), -np.inf)
    f[0, 0] = start
    blank_in = np.empty(n_j)
    label_in = np.full(n_j, -np.inf)  # column 0 has no label move in
    for d in range(1, n_d):
        np.add(f[d - 1], skew_down[d - 1], out=blank_in)
        np.add(f[d - 1, :-1], skew_right[d - 1, :-1], out=label_in[1:])
        np.logaddexp(blank_in, label_in, out=f[d])
    out = np.empty((n_i, n_j))
    for j in range(n_j):
        out[:, j] = f[j : j + n_i, j]
    return out


def _grad(
    lp: NDArray[np.float64], target, blank: int, lat: _Lattice, fused: bool, clamp: float
) -> NDArray[np.float64]:
    """d(-ln p)/d logits of one sequence, (T, U+1, V), clamped when clamp > 0."""
    n_frames, n_nodes, _ = lp.shape
    if fused:  # y(t, u, k) x the node's occupation, built in place: no temporary of lp's size
        node = lat.blank_occ.copy()
        node[:, :-1] += lat.label_occ
        with np.errstate(over="ignore", invalid="ignore"):  # NaN occupations when p = 0
            grad = np.exp(lp)
            grad *= node[:, :, None]
    else:
        grad = np.zeros_like(lp)
    # minus the moves' occupations (blank and label cells differ: targets are not blank);
    # e - occ is the same double as the former (0 - occ) + e
    grad[:, :, blank] -= lat.blank_occ
    if n_nodes > 1:
        rows = np.arange(n_frames)[:, None]
        cols = np.arange(n_nodes - 1)[None, :]
        grad[rows, cols, target[None, :]] -= lat.label_occ
    if clamp > 0:
        np.clip(grad, -clamp, clamp, out=grad)
    return grad


def _run(batch: _Batch, need_grad: bool, fused: bool, clamp: float):
    n_batch = batch.log_probs.shape[0]
    costs = np.empty(n_batch)
    grad = np.zeros_like(batch.log_probs) if need_grad else None
    for n in range(n_batch):
        t_n, u_n = int(batch.logit_lengths[n]), int(batch.target_lengths[n])
        lp = batch.log_probs[n, :t_n, : u_n + 1]
        target = batch.targets[n, :u_n]
        lat = _lattice(lp, target, batch.blank)
        costs[n] = 0.0 - lat.log_likelihood  # 0 - x, not -x: -ln 1 is +0, never -0
        if need_grad:
            grad[n, :t_n, : u_n + 1] = _grad(lp, target, batch.blank, lat, fused, clamp)
    return costs, grad


def _reduce(costs: NDArray[np.float64], reduction: str) -> tuple[np.ndarray | float, float]:
    if reduction == "none":
        return costs, 1.0
    if reduction == "sum":
        return float(costs.sum()), 1.0
    return float(costs.mean()), 1.0 / costs.size


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------


@keeps_float32()
def rnnt_loss(
    logits: ArrayLike,
    targets: ArrayLike,
    logit_lengths: ArrayLike,
    target_lengths: ArrayLike,
    blank: int = -1,
    clamp: float = -1,
    reduction: str = "mean",
    fused_log_softmax: bool = True,
) -> np.ndarray | float:
    """RNN-T loss -ln p(y|x) per sequence, reduced like ``torchaudio.functional.rnnt_loss``.

    p(y|x) = sum over the monotone lattice paths from (0, 0) to a final blank at (T-1, U) of
    the product of their moves' probabilities, computed with the forward variables
    alpha(t, u) = logaddexp(alpha(t-1, u) + ln y(t-1, u, blank), alpha(t, u-1) +
    ln y(t, u-1, y_u)) in log space, ln p = alpha(T-1, U) + ln y(T-1, U, blank).

    Args:
        logits: (N, T, U+1, V) joiner outputs; ln y = log_softmax(logits) over V when
            ``fused_log_softmax`` (default), else the logits are used as ln y directly.
        targets: (N, U) label indices in [0, V), none equal to blank (padding past
            target_lengths is ignored).
        logit_lengths: (N,) frames per sequence, 1 <= T_n <= T.
        target_lengths: (N,) labels per sequence, 0 <= U_n <= U.
        blank: blank index; negative counts from the end (-1 is V-1).
        clamp: ignored by the loss (it clips gradients, see :func:`rnnt_loss_and_grad`).
        reduction: "none" (the (N,) losses), "sum", or "mean" (the batch mean).
        fused_log_softmax: apply log_softmax to the logits first.

    Returns:
        (N,) float64 for reduction="none", else a float.

    Raises:
        EngineError: on a bad shape, dtype, length, blank, target label or option; on
            logits of more than MAX_RNNT_VALUES numbers, or a batch of more than
            ENGINE_MAX_RNNT_STEPS steps (T_n + U_n + 10 a sequence), before computing.

    Example:
        T = 2 frames, U = 1 label (class 0), V = 2 (blank = 1), every logit 0 so every move has
        probability 1/2. The C(T-1+U, U) = 2 paths are "a, blank, blank" and "blank, a, blank",
        each (1/2)^3, so p = 1/4 and the loss is ln 4 = 1.386294...:

        >>> import numpy as np
        >>> round(rnnt_loss(np.zeros((1, 2, 2, 2)), [[0]], [2], [1]), 6)
        1.386294

    References:
        Graves 2012, arXiv:1211.3711; torchaudio.functional.rnnt_loss.
    """
    _check_options(reduction, clamp, fused_log_softmax)
    batch = _prepare(logits, targets, logit_lengths, target_lengths, blank, fused_log_softmax)
    costs, _ = _run(batch, False, bool(fused_log_softmax), -1.0)
    return _reduce(costs, reduction)[0]


@keeps_float32()
def rnnt_loss_and_grad(
    logits: ArrayLike,
    targets: ArrayLike,
    logit_lengths: ArrayLike,
    target_lengths: ArrayLike,
    blank: int = -1,
    clamp: float = -1,
    reduction: str = "mean",
    fused_log_softmax: bool = True,
) -> tuple[np.ndarray | float, NDArray[np.float64]]:
    """RNN-T loss (as :func:`rnnt_loss`) and its gradient with respect to the logits.

    With Bl(t, u) and La(t, u) the probabilities that a path takes the blank and the label
    move out of (t, u) (module docstring), per sequence:
    fused: d/d logits(t, u, k) = y(t, u, k) (Bl + La)(t, u) - [k = blank] Bl - [k = y_{u+1}] La;
    not fused: d/d logits(t, u, k) = -[k = blank] Bl - [k = y_{u+1}] La. Then, if clamp > 0,
    clipped to [-clamp, clamp], and scaled by 1/N for "mean" (1 for "sum" and "none", whose
    gradient is that of the sum). Cells past a sequence's lengths get 0.

    Args:
        logits, targets, logit_lengths, target_lengths, blank, reduction, fused_log_softmax:
            as :func:`rnnt_loss`.
        clamp: if > 0, clip each per-sequence gradient entry to [-clamp, clamp].

    Returns:
        (loss, grad): loss as :func:`rnnt_loss`, grad float64 (N, T, U+1, V).

    Raises:
        EngineError: as :func:`rnnt_loss`.

    Example:
        The uniform example of :func:`rnnt_loss`: at (0, 0) each move has occupation 1/2 and
        probability 1/2, so both gradients there are 1/2 * 1 - 1/2 = 0; at (1, 0) only the label
        move (occupation 1/2) is allowed: label 1/2 * 1/2 - 1/2 = -1/4, blank +1/4.

        >>> import numpy as np
        >>> loss, grad = rnnt_loss_and_grad(np.zeros((1, 2, 2, 2)), [[0]], [2], [1])
        >>> grad[0, 0, 0].round(12).tolist(), grad[0, 1, 0].round(12).tolist()
        ([0.0, 0.0], [-0.25, 0.25])

    References:
        Graves 2012, arXiv:1211.3711 (eq. 20); torchaudio.functional.rnnt_loss.
    """
    clamp = _check_options(reduction, clamp, fused_log_softmax)
    batch = _prepare(logits, targets, logit_lengths, target_lengths, blank, fused_log_softmax)
    costs, grad = _run(batch, True, bool(fused_log_softmax), clamp)
    loss, scale = _reduce(costs, reduction)
    if scale != 1.0:
        grad *= scale
    return loss, grad


@dataclass(frozen=True, eq=False)
class RNNTTrace:
    """Every intermediate quantity of the RNN-T loss of one sequence.

    Attributes:
        blank: the blank index used (non-negative).
        log_probs: (T, U+1, V) ln y(t, u, k).
        log_blank: (T, U+1) ln y(t, u, blank), the blank move's log-probability at each node.
        log_label: (T, U) ln y(t, u, y_{u+1}), the label move's.
        log_alpha: (T, U+1) alpha(t, u), ln of the probability of reaching (t, u) (emissions
            at (t, u) excluded).
        log_beta: (T, U+1) beta(t, u), ln of the probability of finishing from (t, u) (its
            emissions and the final blank included).
        log_likelihood: ln p(y|x) = alpha(T-1, U) + ln y(T-1, U, blank) = beta(0, 0).
        loss: -ln p(y|x).
        node_occupation: (T, U+1) the probability that a path visits (t, u).
        blank_occupation: (T, U+1) Bl(t, u), that it takes the blank move out of (t, u).
        label_occupation: (T, U) La(t, u), that it takes the label move out of (t, u).
        grad_logits: (T, U+1, V) d loss / d logits (fused or not, as requested).
        n_paths: C(T-1+U, U), the number of lattice paths.
    """

    blank: int
    log_probs: NDArray[np.float64]
    log_blank: NDArray[np.float64]
    log_label: NDArray[np.float64]
    log_alpha: NDArray[np.float64]
    log_beta: NDArray[np.float64]
    log_likelihood: float
    loss: float
    node_occupation: NDArray[np.float64]
    blank_occupation: NDArray[np.float64]
    label_occupation: NDArray[np.float64]
    grad_logits: NDArray[np.float64]
    n_paths: int


def rnnt_trace(
    logits: ArrayLike,
    target: ArrayLike,
    *,
    blank: int = -1,
    fused_log_softmax: bool = True,
) -> RNNTTrace:
    """The alpha and beta lattices, occupations, likelihood and gradient of one sequence.

    alpha(t, u) = logaddexp(alpha(t-1, u) + ln y(t-1, u, blank), alpha(t, u-1) +
    ln y(t, u-1, y_u)), beta the mirror image, ln p(y|x) = alpha(T-1, U) + ln y(T-1, U, blank)
    = beta(0, 0) (module docstring for the gradient).

    Args:
        logits: (T, U+1, V) joiner outputs of one sequence (ln y itself when not fused).
        target: (U,) label indices in [0, V), none equal to blank; U = 0 (an empty target)
            is allowed, with logits (T, 1, V).
        blank: blank index; negative counts from the end (-1 is V-1).
        fused_log_softmax: apply log_softmax over V first.

    Returns:
        An :class:`RNNTTrace` (arrays are read-only).

    Raises:
        EngineError: on a bad shape, dtype, blank or target label; on logits of more than
            MAX_RNNT_VALUES numbers or more than ENGINE_MAX_RNNT_STEPS steps (T + U + 10).

    Example:
        T = 2, U = 1, all moves 1/2 (the :func:`rnnt_loss` example): alpha(1, 1) sums the two
        ways in, 1/2 * 1/2 + 1/2 * 1/2 = 1/2; beta(0, 0) = p = 1/4:

        >>> import numpy as np
        >>> tr = rnnt_trace(np.zeros((2, 2, 2)), [0])
        >>> np.exp(tr.log_alpha).tolist(), round(float(np.exp(tr.log_beta[0, 0])), 6)
        ([[1.0, 0.5], [0.5, 0.5]], 0.25)
        >>> tr.n_paths, tr.node_occupation.round(12).tolist()
        (2, [[1.0, 0.5], [0.5, 1.0]])

    References:
        Graves 2012, arXiv:1211.3711.
    """
    _check_options("none", -1, fused_log_softmax)
    lg = _check_logits(logits, 3, "(T, U+1, V)")
    tg = _as_ints(target, "target")
    if tg.shape != (lg.shape[1] - 1,):
        raise EngineError(
            f"target must have shape (U,) = ({lg.shape[1] - 1},) for logits of shape "
            f"{lg.shape}; got shape {tg.shape}"
        )
    batch = _prepare(lg[None], tg[None], [lg.shape[0]], [tg.size], blank, fused_log_softmax)
    lp = batch.log_probs[0]
    lat = _lattice(lp, batch.targets[0], batch.blank)
    grad = _grad(lp, batch.targets[0], batch.blank, lat, bool(fused_log_softmax), -1.0)
    with np.errstate(over="ignore", invalid="ignore"):  # NaN when p(y|x) = 0 (occupations)
        node = np.exp(lat.log_alpha + lat.log_beta - lat.log_likelihood)
    arrays = (lp, lat.log_blank, lat.log_label, lat.log_alpha, lat.log_beta, node)
    arrays += (lat.blank_occ, lat.label_occ, grad)
    for arr in arrays:
        arr.setflags(write=False)
    n_frames, n_labels = lg.shape[0], tg.size
    return RNNTTrace(
        blank=batch.blank,
        log_probs=lp,
        log_blank=lat.log_blank,
        log_label=lat.log_label,
        log_alpha=lat.log_alpha,
        log_beta=lat.log_beta,
        log_likelihood=lat.log_likelihood,
        loss=0.0 - lat.log_likelihood,
        node_occupation=node,
        blank_occupation=lat.blank_occ,
        label_occupation=lat.label_occ,
        grad_logits=grad,
        n_paths=math.comb(n_frames - 1 + n_labels, n_labels),
    )
