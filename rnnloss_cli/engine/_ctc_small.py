"""CTC for short inputs: the plain linear recursion without rescaling, few numpy calls a frame.

Private to :mod:`rnnloss_cli.engine.ctc`. With the emissions shifted per frame and sequence,
``y_t(s) = exp(log y_t(l'_s) - m_t)`` (m_t the largest log-probability among the sequence's own
classes, so every emission is at most 1), the forward and backward recursions are linear::

    alpha_t = M_t alpha_{t-1},    M_t = diag(y_t) A,   alpha_0 = y_0 * [s < 2]
    bhat_{t-1} = M_t^T bhat_t,    bhat_{L-1} = e_last + e_{last-1}

with A the (S' x S') transition matrix (s <- s, s-1, and s-2 when the skip is allowed);
``bhat_t = beta_t / y_t`` (Graves et al. 2006), so ``alpha_t(s) bhat_t(s)`` is the probability
of the paths through state s at frame t, it sums over s to p for every t, and::

    ln p = ln(alpha_{L-1}(last) + alpha_{L-1}(last - 1)) + sum_{t < L} m_t,
    gamma_t(k) = (1 / p) sum_{s: l'_s = k} alpha_t(s) bhat_t(s).

No cell is rescaled: every row and column of M_t sums to at most 3, so every alpha and bhat
entry stays below 3^L (L <= ``SMALL_MAX_FRAMES`` keeps that far from overflow), and the only
error beyond ordinary rounding is underflow.

Two forms, chosen by size (both loop over frames in Python):

- dense (R sequences x S' states <= ``DENSE_MAX_STATES``): the block-diagonal M_t of all frames
  built at once, then one matrix-vector product a frame each way (``ndarray.dot``, the cheapest
  numpy call for it). When every row ends at the last frame, frames go in a tree: pairs
  P_j = M_{2j} M_{2j-1} for all j in one batched product, the same scan over the pairs (half
  the sequential steps), then the odd frames in one batched product each way (``_scan``); the
  loss alone multiplies the M_t pairwise down to a few factors (``_product_apply``);
- flat: the sequences end to end in one column with two empty cells in front of each (the
  layout of ``_ctc_scaled``), so the s-1 and s-2 terms are plain slices: four elementwise
  calls a frame each way.

The class occupations come from one product with a one-hot (state x class) map per sequence.

One full-length sequence (``single_grad``, ``single_loss``, called from the public functions
before any other set-up): every log-probability <= 0 (checked by ``_prepare``'s max) makes
y = exp(log_probs) at most 1 without a shift (m_t = 0, p-hat is p), so the same exp serves the
logits gradient. The gradient runs forward and backward as one recursion on
v_j = (alpha_j, bhat_{T-1-j}) with block-diagonal B_j = blockdiag(M_j, M_{T-j}^T): one
(2 S')-wide matrix-vector product a frame (a product's cost is mostly its call, so one wide
product beats two narrow ones); the loss alone runs alpha only. The frame matrices and the v_j
rows (and the lists of their views) are kept per thread for the last two shapes; only the band
is ever written, always the same cells for one shape, so the rest stays 0. The certificate is
the one below, unchanged (in units of m_t = 0); a sequence that fails it (p below about e^-525
at T = 128, e^-612 at T = 50) is run again on emissions shifted as in ``_emissions``, and
goes to the general path only if that fails too.

Certificate. Every multiplication (and each emission's ``exp``) loses at most ``_TINY`` (the
smallest normal double, a bound on underflow loss even with flush-to-zero) in absolute terms
beyond its relative rounding; sums of non-negative numbers lose nothing to underflow. An entry
of a product of matrices sums at most S' + 2 terms. An error injected at frame t reaches p
through bhat_t and alpha_{t'}, whose entries sum to at most 2 * 3^(L-1-t) and 3^t'. Adding
over entries, products and frames, the absolute error on the computed p-hat, and on every
frame's sum of alpha * bhat (the occupations are divided by p-hat), is below
``E = _TINY * 16 L (S' + 2) 3^L`` (in the shifted units). A sequence is accepted when
``E <= 2^-46 p-hat`` (relative error below 1.5e-14); the others go back to the caller (the
rescaled recursions of ``_ctc_scaled``, then log space). Typical short inputs pass easily: at
L = 50, S' = 21 p-hat must exceed about 2^-882 (e^-611), and a random log-softmax input of
that size has p-hat near e^-120.
"""

from __future__ import annotations

import math
import threading

import numpy as np
from numpy.typing import NDArray

from rnnloss_cli.engine._ctc_checks import _Batch, _Extended, take_rows

# Longest input (frames) this path takes: the unscaled cells stay below 3^L, and the
# certificate needs p-hat above 2^(-976 + log2(16 L (S' + 2)) + 1.585 L); past a few hundred
# frames most inputs would fail it, so longer ones go straight to the rescaled recursion.
SMALL_MAX_FRAMES = 256
# Most trellis cells (frames x sequences x (S' + 2)) this path takes: the gradient holds three
# arrays of that size (emissions, alpha, bhat; the occupations overwrite bhat); 2^22 cells is
# 32 MiB each.
SMALL_MAX_CELLS = 2**22
# Gradient only: the class occupations come from a product with a one-hot (S' + 2) x C map per
# sequence, T (S' + 2) C multiply-adds a sequence; above this (S' + 2) C the rescaled path's
# per-frame gather (T (S' + 2)) costs less. Measured: (256, 64, 100, 100) was 4x slower here.
ONEHOT_MAX = 4096
# Largest R * S' (sequences x extended states) of the dense form: its (T, R S', R S') matrices
# cost T (R S')^2 to build, which pays against four numpy calls a frame below about this.
DENSE_MAX_STATES = 48
# The trees (loss-only product, gradient scan) stop halving below this many factors and go
# step by step; measured at T = 50, S' = 21, depth beyond that saves nothing.
_TREE_MIN = 16
# The one-sequence form (single_grad, single_loss) takes one matrix-vector product a frame
# with no tree, so past this many frames the general dense form's products in a tree do as
# well or better. Measured (interleaved, one sequence): T = 256, S' = 23 even; S' = 41 the
# gradient 2.8x and the loss 1.7x slower here.
SINGLE_MAX_FRAMES = 128
# Most cells of its (T - 1, w, w) frame matrices (w = 2 S' with the gradient, S' without),
# which stay allocated (kept per thread for the last two shapes, 4 MiB each at most).
# Measured with the gradient: 0.47 M cells (T = 50, S' = 49) 1.6x faster than the general
# path, 1.55 M even, 1.7 M (T = 120, S' = 61) 1.4x slower.
SINGLE_MAX_CELLS = 2**19
# Largest C whose identity single_grad keeps (per thread) for its one-hot rows (32 KiB).
_EYE_MAX = 64
# Bits of relative margin the certificate asks for (2^-46 ~ 1.4e-14).
_MARGIN_BITS = 46
_TINY_LOG2 = -1022  # log2 of the smallest normal double
_LOG2_3 = math.log2(3.0)
_SCRATCH = threading.local()


def _emissions(
    lp: NDArray[np.float64], ext: _Extended, width: int, lead: int
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """(y, m): y = exp(log y_t(l'_s) - m_t) on the (T, R * width) layout (``lead`` empty cells
    before each row's S' states, 0 there and at padding states); m (T, R)."""
    n_frames, n_rows, n_classes = lp.shape
    idx = np.zeros((n_rows, width), dtype=np.int64)
    idx[:, lead:] = np.arange(n_rows)[:, None] * n_classes + ext.labels_ext
    g = lp.reshape(n_frames, n_rows * n_classes).take(idx.reshape(-1), axis=1)
    if lead or not ext.valid.all():
        mask = np.full((n_rows, width), -np.inf)
        mask[:, lead:][ext.valid] = 0.0
        g += mask.reshape(-1)
    g3 = g.reshape(n_frames, n_rows, width)
    m = g3.max(axis=2)
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
    # M_t[s, s] = y_t(s), M_t[s, s-1] = y_t(s) (same sequence), M_t[s, s-2] = y_t(s) skip(s):
    # three strided diagonals of the flattened (K, K) matrices.
    mats = np.zeros((n_frames, k, k))
    flat = mats.reshape(n_frames, k * k)
    flat[:, :: k + 1] = y
    if n_ext > 1:
        flat[:, k :: k + 1] = y[:, 1:]
        if n_ext < k:  # several sequences: no move from one's last state to the next's first
            flat[:, k + (n_ext - 1) * (k + 1) :: n_ext * (k + 1)] = 0.0
        skip = ext.skip.reshape(-1)[2:]
        if skip.any():
            flat[:, 2 * k :: k + 1] = y[:, 2:] * skip
    a = y[0] * (np.arange(k) % n_ext < 2)
    if need_grad and (lengths == n_frames).all():
        # Every row ends at the last frame: no injection midway, frames go in a tree.
        return _scan(mats[1:], a, _injections(ext, lengths, n_ext, 0)[n_frames - 1])
    if not need_grad and (lengths == n_frames).all():
        # Loss only, every row ends at the last frame: alpha_{T-1} = M_{T-1} ... M_1 alpha_0,
        # the product taken in a tree. Only the last row of alpha is filled.
        alpha = np.empty((n_frames, k))
        alpha[-1] = _product_apply(mats[1:], a)
        return alpha, None
    alpha = np.array([a] + [a := mat.dot(a) for mat in mats[1:]])
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
    return alpha, np.array(betas[::-1])


def _product_apply(mats: NDArray[np.float64], a: NDArray[np.float64]) -> NDArray[np.float64]:
    """M_n ... M_1 a for mats = (M_1, ..., M_n): pairs multiplied in one batched product a
    level (an odd first factor is applied to the vector first) until few are left."""
    while mats.shape[0] >= _TREE_MIN:
        if mats.shape[0] % 2:
            a = mats[0].dot(a)
            mats = mats[1:]
        mats = np.matmul(mats[1::2], mats[0::2])
    for mat in mats:
        a = mat.dot(a)
    return a


def _scan(
    mats: NDArray[np.float64], a: NDArray[np.float64], u: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Every prefix and suffix of a product of n matrices applied to a vector, in a tree.

    For mats = (F_1, ..., F_n): V_i = F_i ... F_1 a and W_i = u F_n ... F_{i+1}, i = 0..n,
    returned as (n + 1, K) arrays. The pairs G_j = F_{2j} F_{2j-1} (one batched product) give
    V and W at the even positions by the same scan over half as many factors (W starts one step
    down when n is odd); the odd positions follow in one batched product each:
    V_{2j+1} = F_{2j+1} V_{2j}, W_{2j+1} = W_{2j+2} F_{2j+2}. Short inputs go step by step.
    """
    n = mats.shape[0]
    if n < _TREE_MIN:
        v = [a] + [a := mat.dot(a) for mat in mats]
        w = [u] + [u := u.dot(mat) for mat in mats[::-1]]
        return np.array(v), np.array(w[::-1])
    h = n // 2
    pairs = np.matmul(mats[1 : 2 * h : 2], mats[0 : 2 * h : 2])
    top = u.dot(mats[-1]) if n % 2 else u
    v_even, w_even = _scan(pairs, a, top)
    v = np.empty((n + 1, a.shape[0]))
    w = np.empty((n + 1, a.shape[0]))
    v[0 : 2 * h + 1 : 2] = v_even
    w[0 : 2 * h + 1 : 2] = w_even
    if n % 2:
        w[n] = u
    v[1::2] = np.matmul(mats[0::2], v[0:n:2, :, None])[:, :, 0]
    w[1 : 2 * h : 2] = np.matmul(w[2 : 2 * h + 1 : 2, None, :], mats[1 : 2 * h : 2])[:, 0, :]
    return v, w


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
    (not certified, or inputs longer than ``SMALL_MAX_FRAMES`` frames, larger than
    ``SMALL_MAX_CELLS`` cells, or, with the gradient, with (S' + 2) C above ``ONEHOT_MAX``).
    """
    if todo.size == 0:
        return todo
    lengths = eff[todo]
    t_max = int(lengths.max())
    if t_max > SMALL_MAX_FRAMES:
        return todo
    n_batch = lp.shape[1]
    n_ext = ext.labels_ext.shape[1]
    if t_max * todo.size * (n_ext + 2) > SMALL_MAX_CELLS:
        return todo
    if gamma is not None and (n_ext + 2) * lp.shape[2] > ONEHOT_MAX:
        return todo
    whole = todo.size == n_batch
    sub = ext if whole else take_rows(ext, todo)
    lp_sub = lp[:t_max] if whole else lp[:t_max, todo]
    n_rows, n_ext = sub.labels_ext.shape
    dense = n_rows * n_ext <= DENSE_MAX_STATES
    width, lead = (n_ext, 0) if dense else (n_ext + 2, 2)
    y, m = _emissions(lp_sub, sub, width, lead)
    need_grad = gamma is not None
    alpha, bhat = (_dense if dense else _flat)(y, sub, lengths, need_grad)
    if n_rows == 1:
        return _finish_one(alpha, bhat, m, sub, t_max, lead, todo, log_p, gamma, whole)
    rows = np.arange(n_rows)
    last = sub.n_states - 1
    pos = rows * width + lead + last  # each row's last state on the layout
    frame = lengths - 1
    if need_grad or dense:
        p_hat = alpha[frame, pos] + alpha[frame, pos - 1] * (last >= 1)
    else:  # the flat loss-only pass kept each row's alpha at its last frame only
        p_hat = alpha[rows, pos] + alpha[rows, pos - 1] * (last >= 1)
    # E = _TINY * 16 L (S' + 2) 3^L <= 2^-46 p_hat, as powers of two.
    need = _TINY_LOG2 + _MARGIN_BITS + np.log2(16.0 * (n_ext + 2) * lengths) + _LOG2_3 * lengths
    ok = p_hat >= np.exp2(need)
    every = bool(ok.all())
    if every:
        safe = p_hat
        with np.errstate(over="ignore"):  # see _shift_sum
            shifts = (
                m.sum(axis=0) if frame.min() == t_max - 1 else np.cumsum(m, axis=0)[frame, rows]
            )
        log_p[todo] = np.log(p_hat) + shifts
    else:
        safe = np.where(ok, p_hat, 1.0)
        with np.errstate(over="ignore"):  # see _shift_sum
            shifts = np.cumsum(m, axis=0)[frame, rows]
        log_p[todo[ok]] = (np.log(safe) + shifts)[ok]
    if need_grad and ok.any():
        n_classes = lp.shape[2]
        onehot = np.zeros((n_rows, width, n_classes))
        onehot[rows[:, None], np.arange(lead, width)[None, :], sub.labels_ext] = sub.valid
        occ = np.multiply(bhat, alpha, out=bhat)  # in place: fewer trellis-sized arrays
        occ = occ.reshape(t_max, n_rows, width).transpose(1, 0, 2)
        inv = (1.0 / safe)[:, None, None]
        if every and whole and t_max == gamma.shape[0]:
            gam = np.matmul(occ, onehot, out=gamma.transpose(1, 0, 2))  # (R, T, C) view
            gam *= inv
        else:
            gam = np.matmul(occ, onehot)
            gam *= inv
            gamma[:t_max, todo[ok]] = gam[ok].transpose(1, 0, 2)
    return todo if not every and not ok.any() else todo[~ok]


def _finish_one(
    alpha: NDArray[np.float64],
    bhat: NDArray[np.float64] | None,
    m: NDArray[np.float64],
    ext: _Extended,
    n_frames: int,
    lead: int,
    todo: NDArray[np.int64],
    log_p: NDArray[np.float64],
    gamma: NDArray[np.float64] | None,
    whole: bool,
) -> NDArray[np.int64]:
    """small_pass's ending for one row, with Python scalars (fewer numpy calls)."""
    last = int(ext.n_states[0]) - 1
    end = alpha[-1] if bhat is not None or alpha.shape[0] == n_frames else alpha[0]
    p_hat = float(end[lead + last]) + (float(end[lead + last - 1]) if last >= 1 else 0.0)
    # E = _TINY * 16 L (S' + 2) 3^L <= 2^-46 p_hat, as powers of two.
    n_ext = ext.labels_ext.shape[1]
    need = _TINY_LOG2 + _MARGIN_BITS + math.log2(16.0 * (n_ext + 2) * n_frames) + _LOG2_3 * n_frames
    if not p_hat >= 2.0**need:
        return todo
    n = int(todo[0])
    log_p[n] = math.log(p_hat) + _shift_sum(m)
    if gamma is not None:
        n_classes = gamma.shape[2]
        onehot = np.zeros((alpha.shape[1], n_classes))
        onehot[np.arange(lead, alpha.shape[1]), ext.labels_ext[0]] = 1.0
        direct = whole and n_frames == gamma.shape[0]
        out = gamma.reshape(n_frames, n_classes) if direct else None
        gam = np.dot(alpha * bhat, onehot, out=out)
        gam *= 1.0 / p_hat
        if not direct:
            gamma[:n_frames, n] = gam
    return todo[:0]


def single_grad(
    batch: _Batch, reduction: str, wrt: str
) -> tuple[np.ndarray | float, np.ndarray] | None:
    """(loss, gradient) of ``ctc_loss_and_grad`` for a batch of one full-length sequence, or
    None when this form does not apply (see ``_single_labels``) or the certificate fails; the
    caller then takes the general path.

    Forward and backward run as one recursion: v_j = (alpha_j, bhat_{T-1-j}) (2 S',) obeys
    v_j = B_j v_{j-1} with B_j = blockdiag(M_j, M_{T-j}^T), v_0 = (y_0 [s < 2], e_last +
    e_{last-1}), one (2 S')-wide matrix-vector product a frame for both directions. With every
    log-probability <= 0 the emissions y = exp(log_probs) are at most 1 unshifted (m_t = 0), so
    the module's certificate holds as is (p-hat is p) and exp(log_probs) is also the y of the
    logits gradient c (y - gamma), gamma = (alpha * bhat) (one-hot) / p-hat. Only when p is too
    small for the certificate unshifted is the recursion run again on shifted emissions.
    """
    lab = _single_labels(batch, 2)
    n_frames, _, n_classes = batch.log_probs.shape
    if lab is None or (len(lab) + 2) * n_classes > ONEHOT_MAX:
        return None
    k = len(lab)
    lp = batch.log_probs.reshape(n_frames, n_classes)
    e = np.exp(lp)
    ws = _workspace(n_frames, 2 * k)
    shift = 0.0
    p_hat = _single_scan(e.take(lab, axis=1), lab, ws, True)
    if p_hat is None:
        y, shift = _shifted(lp, lab)
        p_hat = None if y is None else _single_scan(y, lab, ws, True)
        if p_hat is None:
            return None
    if not math.isfinite(math.log(p_hat) + shift):  # as in single_loss: the batched path
        return None
    v = ws[2]
    c = 1.0 / max(k // 2, 1) if reduction == "mean" else 1.0
    occ = v[:, :k] * v[::-1, k:]  # alpha_t(s) bhat_t(s)
    g = occ.dot(_onehot(lab, n_classes))  # p-hat gamma
    g *= c / p_hat
    out_shape = (n_frames, n_classes) if batch.unbatched else batch.log_probs.shape
    g = g.reshape(out_shape)
    if wrt == "logits":
        e = e.reshape(out_shape)
        if c != 1.0:
            e *= c
        grad = np.subtract(e, g, out=e)  # +0 when equal
    else:
        grad = np.subtract(0.0, g, out=g)  # 0 - x: no negative zeros
    loss = _single_loss(batch, reduction, -math.log(p_hat) - shift, c)
    if batch.dtype != np.float64:
        grad = grad.astype(batch.dtype)  # rounded once; a tiny negative would round to -0,
        grad += 0.0  # and -0 + 0 = +0: no negative zeros in printed tables
    return loss, grad


def single_loss(batch: _Batch, reduction: str) -> np.ndarray | float | None:
    """``ctc_loss`` for a batch of one full-length sequence (as ``single_grad``), or None: the
    forward recursion alone, alpha_j = M_j alpha_{j-1}, one S'-wide product a frame."""
    lab = _single_labels(batch, 1)
    if lab is None:
        return None
    n_frames, _, n_classes = batch.log_probs.shape
    k = len(lab)
    lp = batch.log_probs.reshape(n_frames, n_classes)
    ws = _workspace(n_frames, k)
    shift = 0.0
    p_hat = _single_scan(np.exp(lp.take(lab, axis=1)), lab, ws, False)
    if p_hat is None:
        y, shift = _shifted(lp, lab)
        p_hat = None if y is None else _single_scan(y, lab, ws, False)
        if p_hat is None:
            return None
    nll = -math.log(p_hat) - shift
    if not math.isfinite(nll):  # ln p past the float range: the batched path reports it
        return None  # (and applies zero_infinity, which this one does not see)
    c = 1.0 / max(k // 2, 1) if reduction == "mean" else 1.0
    return _single_loss(batch, reduction, nll, c)


def _single_scan(y: NDArray[np.float64], lab: list[int], ws: tuple, backward: bool) -> float | None:
    """Run the one-sequence recursion on emissions y (T, S') (every entry at most 1) in the
    workspace ``ws``: alpha alone, or (backward) alpha and bhat in one block-diagonal
    recursion; returns the certified p-hat = alpha_{T-1}(last) + alpha_{T-1}(last - 1), or None
    when E = _TINY * 16 L (S' + 2) 3^L <= 2^-46 p-hat (powers of two) does not hold."""
    big, mats, v, rows = ws
    n_frames, k = y.shape
    w = big.shape[1]
    flat = big.reshape(n_frames - 1, w * w)
    _band(flat, y[1:], lab, w + 1, 0, 1)  # M_j, frames 1 .. T-1 (top left)
    if backward:
        # Bottom right M_{T-j}^T, frames T-1 .. 1: its (s - d, s) entries sit d rows up.
        _band(flat, y[:0:-1], lab, w + 1, k * (w + 1), w)
    v[0, : min(k, 2)] = y[0, :2]  # alpha_0 = y_0 [s < 2] (bhat_{T-1} is set by _workspace)
    for mat, prev, nxt in zip(mats, rows, rows[1:], strict=False):
        mat.dot(prev, out=nxt)
    last = v[-1]
    p_hat = float(last[k - 1]) + (float(last[k - 2]) if k > 1 else 0.0)
    need = _TINY_LOG2 + _MARGIN_BITS + math.log2(16.0 * (k + 2) * n_frames) + _LOG2_3 * n_frames
    return p_hat if p_hat >= 2.0**need else None


def _shifted(lp: NDArray[np.float64], lab: list[int]) -> tuple[NDArray[np.float64] | None, float]:
    """(y, sum of m_t): y_t(s) = exp(log y_t(l'_s) - m_t), m_t the frame's largest own-class
    log-probability (as ``_emissions``); y None when some frame has none above -inf (p = 0)."""
    g = lp.take(lab, axis=1)
    m = g.max(axis=1)
    if m.min() == -np.inf:
        return None, 0.0
    g -= m[:, None]
    return np.exp(g, out=g), _shift_sum(m)


def _shift_sum(m: NDArray[np.float64]) -> float:
    """sum_t m_t, the log-probability the emissions were shifted by. Finite log-probabilities
    (each >= -1.8e308) can sum past the float range: ln p is then below -1.8e308 and -inf is
    its correctly rounded value (the loss is inf, reported as such), not an error."""
    with np.errstate(over="ignore"):
        return float(m.sum())


def _single_labels(batch: _Batch, blocks: int) -> list[int] | None:
    """The extended labels (S' = 2S + 1 entries) when the one-sequence form applies: one
    sequence, input_length = T <= ``SINGLE_MAX_FRAMES`` (and ``SMALL_MAX_FRAMES``), at most
    ``SINGLE_MAX_CELLS`` cells in (T - 1) frame matrices of (blocks S')^2, every
    log-probability <= 0 (emissions at most 1 without a shift); else None."""
    lp = batch.log_probs
    n_frames, n_batch, _ = lp.shape
    if n_batch != 1 or batch.top > 0.0 or n_frames > min(SMALL_MAX_FRAMES, SINGLE_MAX_FRAMES):
        return None
    k = 2 * batch.targets.shape[1] + 1
    if (n_frames - 1) * (blocks * k) ** 2 > SINGLE_MAX_CELLS:
        return None
    if int(batch.input_lengths[0]) != n_frames:
        return None
    lab = [batch.blank] * k
    lab[1::2] = batch.targets[0].tolist()
    return lab


def _band(
    flat: NDArray[np.float64], y: NDArray[np.float64], lab: list[int], step: int, base: int, up: int
) -> None:
    """Write M_t = diag(y_t) A for every row of ``flat`` (one matrix a row, flattened): its
    (s, s) entry sits at base + s step, and (s, s - d), d = 1, 2, ``d up`` before it (up = 1:
    M itself, row-major; up = the row length: M^T). Skips enter label states s = 2j + 1
    (j >= 1) from s - 2 unless label j repeats label j - 1: those cells are written 0, the
    blank states' s - 2 cells never (they stay 0)."""
    k = len(lab)
    flat[:, base : base + k * step : step] = y  # (s, s) = y(s)
    if k > 1:
        first = base + step - up  # (1, 0)
        flat[:, first : first + (k - 1) * step : step] = y[:, 1:]  # (s, s - 1) = y(s)
    if k > 3:
        first = base + 3 * step - 2 * up  # (3, 1)
        flat[:, first : base + (k - 2) * step : 2 * step] = y[:, 3::2]  # (s, s - 2) = y(s)
        repeats = [s for s in range(3, k, 2) if lab[s] == lab[s - 2]]
        if repeats:
            flat[:, [base + s * step - 2 * up for s in repeats]] = 0.0


def _single_loss(batch: _Batch, reduction: str, nll: float, c: float) -> np.ndarray | float:
    """The reduced loss of one sequence in the result dtype (rounded once from float64)."""
    if reduction == "none" and not batch.unbatched:
        return np.array([nll], dtype=batch.dtype)
    return batch.dtype.type(nll * c)


def _workspace(
    n_frames: int, w: int
) -> tuple[NDArray[np.float64], list[NDArray[np.float64]], NDArray[np.float64], list]:
    """The one-sequence form's arrays for T frames and width w (2 S' with the gradient, S'
    without), kept per thread for the last two shapes: the (T - 1, w, w) frame matrices (zero
    off the band: callers write only the band, always the same cells for one S'), their list,
    the (T, w) vectors v_j and the list of their rows. v_0 stays zero but for alpha_0's first
    two entries (written by the caller) and, with the gradient, bhat_{T-1}'s last two."""
    kept = getattr(_SCRATCH, "single", None)
    if kept is None:
        kept = _SCRATCH.single = {}
    ws = kept.get((n_frames, w))
    if ws is None:
        big = np.zeros((n_frames - 1, w, w))
        v = np.zeros((n_frames, w))
        if w % 2 == 0:  # gradient: v_0 = (alpha_0, e_last + e_{last-1})
            v[0, w - min(w // 2, 2) :] = 1.0
        if len(kept) >= 2:
            kept.pop(next(iter(kept)))  # the oldest shape
        ws = kept[n_frames, w] = (big, list(big), v, list(v))
    return ws


def _onehot(lab: list[int], n_classes: int) -> NDArray[np.float64]:
    """The (S', C) map of each state to its class: rows of the C x C identity, kept per
    thread for the last C when C <= ``_EYE_MAX`` (taking rows costs less than writing ones)."""
    if n_classes > _EYE_MAX:
        onehot = np.zeros((len(lab), n_classes))
        onehot[range(len(lab)), lab] = 1.0
        return onehot
    eye = getattr(_SCRATCH, "eye", None)
    if eye is None or eye.shape[0] != n_classes:
        eye = _SCRATCH.eye = np.eye(n_classes)
    return eye.take(lab, axis=0)
