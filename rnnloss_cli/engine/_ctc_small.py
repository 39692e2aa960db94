"""CTC for short inputs: the plain linear recursion without rescaling, few numpy calls a frame.

Private to :mod:`rnnloss_cli.engine.ctc`. With the emissions shifted per frame and sequence,
``y_t(s) = exp(log y_t(l'_s) - m_t)`` (m_t the largest log-probability among the sequence's own
classes, so every emission is at most 1), the forward and backward recursions are linear::

    alpha_t = M_t alpha_{t-1},    M_t = diag(y_t) A,   alpha_0 = y_0 * [s < 2]
    bhat_{t-1} = M_t^T bhat_t,    bhat_{L-1} = e_last + e_{last-1}

with A the (S' x S') transition matrix (s <- s, s-1, and s-2 when the skip is allowed);
``bhat_t = beta_t / y_t`` (Graves et al. 2006), so ``alpha_t(s) bhat_t(s)`` is the probability
of the paths through state s at frame t, it sums over s to p for every t, and

    ln p = ln(alpha_{L-1}(last) + alpha_{L-1}(last - 1)) + sum_{t < L} m_t,
    gamma_t(k) = (1 / p) sum_{s: l'_s = k} alpha_t(s) bhat_t(s).

No cell is rescaled: every row and column of M_t sums to at most 3, so every alpha and bhat
entry stays below 3^L (L <= ``SMALL_MAX_FRAMES`` keeps that far from overflow), and the only
error beyond ordinary rounding is underflow.

Two forms, chosen by size (both loop over frames in Python):

- dense (R sequences x S' states <= ``DENSE_MAX_STATES``): the block-diagonal M_t of all frames
  built in one call, then one matrix-vector product a frame each way (``ndarray.dot``);
- flat: the sequences end to end in one column with two empty cells in front of each (the
  layout of ``_ctc_scaled``), so the s-1 and s-2 terms are plain slices: three elementwise
  calls a frame each way.

The class occupations come from one product with a one-hot (state x class) map.

Certificate. Under IEEE arithmetic every multiplication loses at most ``_TINY`` (the smallest
normal double, an upper bound on underflow loss even with flush-to-zero) in absolute terms
beyond its relative rounding, and so does each emission's ``exp``; sums of non-negative numbers
lose nothing to underflow. An error injected at frame t reaches p through bhat_t (or alpha_t),
whose entries sum to at most 2 * 3^(L-1-t) (3^t). Adding over cells and frames, the absolute
error on the computed p-hat, and on every frame's sum of alpha * bhat (which the occupations
are divided by), is below ``E = _TINY * 16 L 3^L``. A sequence is accepted when
``E <= 2^-46 p-hat`` (relative error below 1.5e-14); the others go back to the caller (the
rescaled recursions of ``_ctc_scaled``, then log space). Typical short inputs pass: at L = 50
p-hat (the probability with the per-frame shifts taken out) must exceed about 2^-890.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from rnnloss_cli.engine._ctc_checks import _Extended, take_rows

# Longest input (frames) this path takes: the unscaled cells stay below 3^L, and the
# certificate needs p-hat above about 2^(-1022 + 1.585 L + 58); past a few hundred frames most
# inputs would fail it, so longer ones go straight to the rescaled recursion.
SMALL_MAX_FRAMES = 256
# Largest R * S' (sequences x extended states) of the dense form: its (T, R S', R S') matrices
# cost T (R S')^2 to build, which pays against three numpy calls a frame below about this.
DENSE_MAX_STATES = 48
# Bits of relative margin the certificate asks for (2^-46 ~ 1.4e-14).
_MARGIN_BITS = 46
_TINY_LOG2 = -1022  # log2 of the smallest normal double
_LOG2_3 = math.log2(3.0)


def _emissions(
    lp: NDArray[np.float64], ext: _Extended, width: int, lead: int
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """(y, m): y = exp(log y_t(l'_s) - m_t) on the (T, R * width) layout (``lead`` empty cells
    before each row's S' states, 0 there and at padding states); m (T, R)."""
    n_frames, n_rows, n_classes = lp.shape
    idx = np.zeros((n_rows, width), dtype=np.int64)
    idx[:, lead:] = np.arange(n_rows)[:, None] * n_classes + ext.labels_ext
    mask = np.full((n_rows, width), -np.inf)
    mask[:, lead:][ext.valid] = 0.0
    g = lp.reshape(n_frames, n_rows * n_classes).take(idx.reshape(-1), axis=1)
    g += mask.reshape(-1)
    g3 = g.reshape(n_frames, n_rows, width)
    m = g3[:, :, lead:].max(axis=2) if lead else g3.max(axis=2)
    m[m == -np.inf] = 0.0  # every own class impossible at this frame: p is 0 (not certified)
    g3 -= m[:, :, None]
    return np.exp(g, out=g), m


def _dense(
    y: NDArray[np.float64],
    ext: _Extended,
    lengths: NDArray[np.int64],
    need_grad: bool,
) -> tuple[NDArray[np.float64], NDArray[np.float64] | None]:
    """(alpha, bhat) on the (T, R * S') dense layout; bhat None without the gradient."""
    n_frames, k = y.shape
    n_ext = ext.labels_ext.shape[1]
    trans = np.eye(k)
    step = np.ones(k - 1)
    step[n_ext - 1 :: n_ext] = 0.0  # no move from one sequence's last state to the next
    trans[np.arange(1, k), np.arange(k - 1)] = step
    trans[np.arange(2, k), np.arange(k - 2)] = ext.skip.reshape(-1)[2:]
    mats = y[:, :, None] * trans
    a = y[0] * (np.arange(k) % n_ext < 2)
    alphas = [a]
    for mat in mats[1:]:
        a = mat.dot(a)
        alphas.append(a)
    alpha = np.array(alphas)
    if not need_grad:
        return alpha, None
    inject = _injections(ext, lengths, n_ext, 0)
    b = inject.pop(n_frames - 1)
    betas = [b]
    for t in range(n_frames - 1, 0, -1):
        b = b.dot(mats[t])
        if t - 1 in inject:
            b = b + inject[t - 1]
        betas.append(b)
    betas.reverse()
    return alpha, np.array(betas)


def _flat(
    y: NDArray[np.float64],
    ext: _Extended,
    lengths: NDArray[np.int64],
    need_grad: bool,
) -> tuple[NDArray[np.float64], NDArray[np.float64] | None]:
    """(alpha, bhat) on the (T, R * (S' + 2)) flat layout (two empty cells before each
    sequence's states); without the gradient, alpha only at each row's last frame (R, K)."""
    n_frames, k = y.shape
    n_rows, n_ext = ext.labels_ext.shape
    width = n_ext + 2
    skip = np.zeros((n_rows, width))
    skip[:, 2:] = ext.skip
    skip = skip.reshape(-1)
    tmp = np.empty(k)
    first = np.zeros((n_rows, width))
    first[:, 2:4] = 1.0
    # alpha_t sits at col[2:]; the two leading zeros make s-1 and s-2 plain slices.
    if need_grad:
        store = np.empty((n_frames, k + 2))
        store[:, :2] = 0.0
        cols = store
    else:
        ends = {}
        for n, t in enumerate(lengths.tolist()):
            ends.setdefault(t - 1, []).append(n)
        at_end = np.empty((n_rows, k))
        cols = np.zeros((2, k + 2))
    np.multiply(y[0], first.reshape(-1), out=cols[0, 2:])
    for t in range(1, n_frames):
        prev = cols[t - 1] if need_grad else cols[(t - 1) % 2]
        c = cols[t, 2:] if need_grad else cols[t % 2, 2:]
        np.add(prev[2:], prev[1:-1], out=c)
        np.multiply(prev[:-2], skip, out=tmp)
        c += tmp
        c *= y[t]
        if not need_grad and t in ends:
            at_end[ends[t]] = c
    if not need_grad:
        if 0 in ends:
            at_end[ends[0]] = cols[0, 2:]
        return at_end, None
    alpha = store[:, 2:]
    # bhat_t sits at back[t]; z (two trailing zeros) makes s+1 and s+2 plain slices.
    skip_next = np.zeros(k)
    skip_next[:-2] = skip[2:]
    back = np.empty((n_frames, k))
    z = np.zeros(k + 2)
    zk = z[:k]
    inject = _injections(ext, lengths, width, 2)
    back[n_frames - 1] = inject.pop(n_frames - 1)
    for t in range(n_frames - 1, 0, -1):
        np.multiply(back[t], y[t], out=zk)
        b = back[t - 1]
        np.add(z[:-2], z[1:-1], out=b)
        np.multiply(z[2:], skip_next, out=tmp)
        b += tmp
        if t - 1 in inject:
            b += inject[t - 1]
    return alpha, back


def _injections(
    ext: _Extended, lengths: NDArray[np.int64], width: int, lead: int
) -> dict[int, NDArray[np.float64]]:
    """{t: vector}: bhat_{L_n - 1} = e_last + e_{last-1} for the rows n ending at frame t."""
    n_rows = lengths.shape[0]
    out: dict[int, NDArray[np.float64]] = {}
    last = ext.n_states - 1
    for n, t in enumerate((lengths - 1).tolist()):
        vec = out.setdefault(t, np.zeros(n_rows * width))
        base = n * width + lead
        vec[base + last[n]] = 1.0
        if last[n] >= 1:
            vec[base + last[n] - 1] = 1.0
    return out


def small_pass(
    lp: NDArray[np.float64],
    ext: _Extended,
    eff: NDArray[np.int64],
    todo: NDArray[np.int64],
    log_p: NDArray[np.float64],
    gamma: NDArray[np.float64] | None,
) -> NDArray[np.int64]:
    """Certified ln p (and class occupations) for the rows ``todo`` (all with eff >= 1).

    Writes ln p into ``log_p[n]`` and, if ``gamma`` (T, N, C) is given, the occupations
    gamma_t(k) into ``gamma[:, n]`` for every certified row n; returns the rows left to do
    (not certified, or inputs longer than ``SMALL_MAX_FRAMES``).
    """
    if todo.size == 0:
        return todo
    lengths = eff[todo]
    t_max = int(lengths.max())
    if t_max > SMALL_MAX_FRAMES:
        return todo
    n_batch = lp.shape[1]
    whole = todo.size == n_batch
    sub = ext if whole else take_rows(ext, todo)
    lp_sub = lp[:t_max] if whole else lp[:t_max, todo]
    n_rows, n_ext = sub.labels_ext.shape
    dense = n_rows * n_ext <= DENSE_MAX_STATES
    width, lead = (n_ext, 0) if dense else (n_ext + 2, 2)
    y, m = _emissions(lp_sub, sub, width, lead)
    need_grad = gamma is not None
    alpha, bhat = (_dense if dense else _flat)(y, sub, lengths, need_grad)
    rows = np.arange(n_rows)
    last = sub.n_states - 1
    at_end = alpha[lengths - 1, :] if (need_grad or dense) else alpha  # (R, K) at L_n - 1
    base = rows * width + lead
    p_hat = at_end[rows, base + last] + np.where(
        last >= 1, at_end[rows, base + np.maximum(last - 1, 0)], 0.0
    )
    # E = _TINY * 16 L 3^L <= 2^-46 p_hat, as powers of two.
    need = _TINY_LOG2 + np.log2(16.0 * lengths) + _LOG2_3 * lengths + _MARGIN_BITS
    ok = p_hat >= np.exp2(need)
    safe = np.where(ok, p_hat, 1.0)
    shifts = np.cumsum(m, axis=0)[lengths - 1, rows]
    done = todo[ok]
    log_p[done] = (np.log(safe) + shifts)[ok]
    if gamma is not None and done.size:
        n_classes = lp.shape[2]
        occ = (alpha * bhat).reshape(t_max, n_rows, width)
        onehot = np.zeros((n_rows, width, n_classes))
        onehot[rows[:, None], np.arange(n_ext)[None, :] + lead, sub.labels_ext] = sub.valid
        if n_rows == 1:
            gam = occ[:, 0].dot(onehot[0])[:, None, :]
        else:
            gam = np.matmul(occ.transpose(1, 0, 2), onehot).transpose(1, 0, 2)
        gam /= safe[None, :, None]
        if ok.all() and whole and t_max == gamma.shape[0]:
            gamma[...] = gam
        else:
            gamma[:t_max, done] = gam[:, ok]
    return todo[~ok]
