"""CTC loss and gradient with a compiled (numba) kernel: an optional extra, same API as ``ctc``.

``ctc_loss`` and ``ctc_loss_and_grad`` here take exactly the arguments of
:mod:`rnnloss_cli.engine.ctc` and give the same results (losses, reductions, ``zero_infinity``,
``wrt``, ``blank``, float32 in -> float32 out), validated by the same ``_prepare`` / ``_extend``.
Only the recursion differs: ``@numba.njit(cache=True)`` kernels loop over the batch, the
frames and the extended states ``labels_ext = (b, l_1, b, ..., l_S, b)`` (skip(s): state s may
be entered from s - 2), one sequence at a time, in two passes.

Scaled pass (``_scaled_sequence``, tried first). Emissions y_t(s) = exp(ln y_t(l'_s) - m_t),
m_t the frame's largest log-probability among the sequence's own classes (one exp per class
and frame); alpha_t(s) = y_t(s) (alpha_{t-1}(s) + alpha_{t-1}(s-1) + [skip(s)] alpha_{t-1}(s-2)),
each column multiplied by an exact power of two 2^-e_t that brings its largest cell into
[0.5, 1); ln p = sum_t m_t + ln 2 sum_t e_t + ln(alpha_T(S'-1) + alpha_T(S'-2)). It runs twice
side by side: an "upper" recursion raises every cell and emission that is positive in truth
but below 4x the smallest normal double to that floor (it can only over-estimate), a "lower" one
lets them vanish (it can only under-estimate); the loss is certified when the two agree to
1e-13. The backward pass does the same for beta / y, and the occupations are certified when,
at every frame, sum_s alpha beta / y of the two agree to 1e-13 (each cell is then bracketed).

Windowed scaled pass (``_wsequence``): the same two recursions and certificates, with the
column cut into windows of at most ``WINDOW`` = 64 states, each with its own power-of-two
unit, ghosts carried across window edges (as the numpy engine's ``_ctc_scaled``), so a column
may span any range, only a window must fit a double. Long inputs (at least ``LONG_FRAMES``
frames and ``LONG_STATES`` states, whose columns span far more than a double: every sequence
of (20000, 4, 30, 1000) failed the single-window pass) start with it; other sequences of more
than ``WINDOW`` states try it when the single-window pass cannot certify.

Extended-exponent pass (``_xsequence``), for a sequence the scaled passes cannot certify
(probability more than ~700 nats below a column's largest cell, as in long inputs or logits
1e3 apart): the same linear recursion, but every cell carries its own power-of-two exponent
and each sum is taken on its largest term's exponent, so nothing underflows (a term 2^-1100
below its sum's largest is dropped). A log-space pass (``_sequence``)::

    log_alpha_t(s) = e_t(s) + logsumexp(log_alpha_{t-1}(s), log_alpha_{t-1}(s-1),
                                        log_alpha_{t-1}(s-2) if skip(s))

with every column shifted by its maximum, is kept as a slower, independent reference for
the tests.

In every pass, the occupation gamma_t(k) = (1/p) sum_{s: l'_s = k} alpha_t(s) beta_t(s) / y_t(k) is
normalised per frame by Z_t = sum_s alpha_t(s) beta_t(s) / y_t(l'_s), which equals p at every
frame, so its column sums are 1 to rounding. The gradient is then written directly (c_n the
reduction scale)::

    wrt="logits":    c_n * (y_t(k) - gamma_t(k))      wrt="log_probs":  -c_n * gamma_t(k)

0 past input_lengths[n]; for an infinite loss 0 with zero_infinity, NaN otherwise.

Memory: loss only, two columns per sequence; loss + gradient, two T x S' forward trellises and a
T x C emission table (or two, for the fallback) and a T x (S' / WINDOW) table of window units
shared by the sequences, and the gradient.

numba is imported here only, never by the CLI; without it importing this module raises an
ImportError that says how to install it (``pip install 'rnnloss[fast]'``). The first call
compiles the kernels (2-3.5 s here; about 0.15 s once cached on disk, beside the module).

References:
    Graves et al. 2006, "Connectionist Temporal Classification: Labelling Unsegmented Sequence
    Data with Recurrent Neural Networks", ICML.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

try:
    import numba
except ImportError as exc:  # the optional extra is not installed
    raise ImportError(
        "rnnloss_cli.engine.ctc_numba needs numba: pip install 'rnnloss[fast]'"
    ) from exc

from rnnloss_cli.engine._ctc_checks import _extend, _prepare, check_work
from rnnloss_cli.engine._parallel import split_rows
from rnnloss_cli.engine.ctc import _check_options, _reduce

__all__ = ["ctc_loss", "ctc_loss_and_grad"]

_NEG_INF = -np.inf
# Trellis cells (frames x (extended states + 2), summed over a part's sequences) below which
# a part is not worth its own thread: starting numba's threads costs tens of microseconds.
PARALLEL_MIN_CELLS = 1 << 16
_LN2 = math.log(2.0)


@numba.njit(cache=True, inline="always")
def _lse3(a: float, b: float, c: float) -> float:
    """ln(e^a + e^b + e^c), -inf when all three are -inf (no exp for a -inf term: c is -inf
    for every state the skip cannot enter)."""
    if a < b:
        a, b = b, a
    if a < c:
        a, c = c, a
    if a == _NEG_INF:
        return _NEG_INF
    rest = 0.0
    if b != _NEG_INF:
        rest += np.exp(b - a)
    if c != _NEG_INF:
        rest += np.exp(c - a)
    return a + np.log1p(rest)


@numba.njit(cache=True)
def _sequence(lp, n, length, labels, skip, n_states, need_grad, grad, scale, wrt_logits):
    """ln p(l|x) of sequence n (length >= 1 frames, feasible) and, if need_grad, its gradient
    written into grad[:length, n] (scaled by ``scale``); -inf when p = 0 (grad left untouched)."""
    n_s = n_states
    shift = np.empty(length)  # m_t
    emis = np.empty((length, n_s)) if need_grad else np.empty((1, n_s))
    alpha = np.empty((length, n_s)) if need_grad else np.empty((2, n_s))
    total = 0.0  # sum_t (m_t + c_t), Neumaier-compensated
    comp = 0.0
    for t in range(length):
        m = _NEG_INF
        for s in range(n_s):
            v = lp[t, n, labels[s]]
            if v > m:
                m = v
        if m == _NEG_INF:
            return _NEG_INF  # every class of the sequence has probability 0 at this frame
        shift[t] = m
        row = t if need_grad else 0
        for s in range(n_s):
            emis[row, s] = lp[t, n, labels[s]] - m
        cur = t if need_grad else t % 2
        prv = t - 1 if need_grad else (t - 1) % 2
        c = _NEG_INF
        for s in range(n_s):
            if t == 0:
                a = emis[row, s] if s < 2 else _NEG_INF
            else:
                x1 = alpha[prv, s - 1] if s >= 1 else _NEG_INF
                x2 = alpha[prv, s - 2] if skip[s] else _NEG_INF
                a = emis[row, s] + _lse3(alpha[prv, s], x1, x2)
            alpha[cur, s] = a
            if a > c:
                c = a
        if c == _NEG_INF:
            return _NEG_INF  # no alignment survives this frame
        for s in range(n_s):
            alpha[cur, s] -= c
        for v in (m, c):  # Neumaier summation of the shifts
            new = total + v
            if abs(total) >= abs(v):
                comp += (total - new) + v
            else:
                comp += (v - new) + total
            total = new
    last = length - 1 if need_grad else (length - 1) % 2
    end = alpha[last, n_s - 1]
    before = alpha[last, n_s - 2] if n_s >= 2 else _NEG_INF
    log_p = (total + comp) + _lse3(end, before, _NEG_INF)
    if log_p == _NEG_INF or not need_grad:
        return log_p
    # Backward pass, one column at a time, combined with the stored alpha as it goes.
    beta = np.full(n_s + 2, _NEG_INF)
    nxt = np.full(n_s + 2, _NEG_INF)
    x = np.empty(n_s)
    for t in range(length - 1, -1, -1):
        d = _NEG_INF
        for s in range(n_s):
            if t == length - 1:
                b = emis[t, s] if s >= n_s - 2 else _NEG_INF
            else:
                x2 = nxt[s + 2] if s + 2 < n_s and skip[s + 2] else _NEG_INF
                b = emis[t, s] + _lse3(nxt[s], nxt[s + 1], x2)
            beta[s] = b
            if b > d:
                d = b
        z = _NEG_INF
        for s in range(n_s):
            beta[s] -= d
            a = alpha[t, s]
            if a == _NEG_INF or beta[s] == _NEG_INF:
                x[s] = _NEG_INF
            else:
                x[s] = a + beta[s] - emis[t, s]
                if x[s] > z:
                    z = x[s]
        acc = 0.0
        for s in range(n_s):
            x[s] = np.exp(x[s] - z) if x[s] != _NEG_INF else 0.0
            acc += x[s]
        if wrt_logits:
            for k in range(grad.shape[2]):
                grad[t, n, k] = scale * np.exp(lp[t, n, k])
        for s in range(n_s):
            if x[s] > 0.0:
                grad[t, n, labels[s]] -= scale * (x[s] / acc)
        nxt, beta = beta, nxt
    return log_p


# Cells (and emissions) below this are raised to it by the "upper" recursion and dropped by the
# "lower" one; 4x the smallest normal double leaves room for the rounding of one product.
_FLOOR = 4.0 * 2.2250738585072014e-308
# The two recursions must agree to this (relative) for a result to be certified.
_CERTIFY = 1e-13
# A frame's (a window's) occupation sum below this, in its own units, is recomputed with both
# factors of every product raised by 2^_RAISE (exactly), so no product loses bits to underflow.
_TINY_SUM = 2.0**-900
_RAISE = 520
_RAISE_F = 2.0**_RAISE


@numba.njit(cache=True)
def _scaled_sequence(
    lp, n, length, labels, skip, n_s, need_grad, grad, scale, wrt_logits, classes, a_up, a_lo, yc
):
    """Scaled-probability pass of sequence n: (ln p, certified); grad written when certified.

    Per frame, emissions y_t(s) = exp(ln y_t(l'_s) - m_t), and the forward columns are multiplied
    by an exact power of two 2^-e_t that brings their largest cell into [0.5, 1); ln p =
    sum_t m_t + ln 2 * sum_t e_t + ln(alpha_T(S'-1) + alpha_T(S'-2)). Two recursions run side by
    side: "upper" raises every cell and emission that is positive in truth but below _FLOOR to
    _FLOOR (it can only over-estimate), "lower" lets them vanish (it can only under-estimate). The
    loss is certified when the two final sums agree to _CERTIFY; the occupations when, at every
    frame, sum_s alpha beta / y of the two agree to _CERTIFY (each cell is then bracketed and
    normalised by its frame's sum). Otherwise the caller redoes the sequence in log space.
    classes: the sequence's distinct classes (exp is taken once per class and frame).
    a_up, a_lo: (>= T, >= S') scratch for the two forward trellises (>= (2, S') loss only);
    yc: (>= T, C) scratch for the emissions per class ((>= 1, C) loss only).
    """
    total = 0.0  # sum_t m_t, Neumaier-compensated
    comp = 0.0
    exps = 0  # sum_t e_t, exact
    for t in range(length):
        m = _NEG_INF
        for k in classes:
            v = lp[t, n, k]
            if v > m:
                m = v
        if m == _NEG_INF:
            return _NEG_INF, True  # every class of the sequence has probability 0 here: exact
        row = t if need_grad else 0
        for k in classes:
            v = lp[t, n, k]
            y = np.exp(v - m)
            if y < _FLOOR and v != _NEG_INF:
                y = _FLOOR  # upper emission; the lower one is 0 (see below)
            yc[row, k] = y
        cur = t if need_grad else t % 2
        prv = t - 1 if need_grad else (t - 1) % 2
        top = 0.0
        for s in range(n_s):
            yu = yc[row, labels[s]]
            yl = yu if yu > _FLOOR else 0.0
            if t == 0:
                su = 1.0 if s < 2 else 0.0
                sl = su
            else:
                su = a_up[prv, s]
                sl = a_lo[prv, s]
                if s >= 1:
                    su += a_up[prv, s - 1]
                    sl += a_lo[prv, s - 1]
                if skip[s]:
                    su += a_up[prv, s - 2]
                    sl += a_lo[prv, s - 2]
            cu = su * yu
            if cu < _FLOOR and su > 0.0 and yu > 0.0:
                cu = _FLOOR
            a_up[cur, s] = cu
            a_lo[cur, s] = sl * yl
            if cu > top:
                top = cu
        if top == 0.0:
            return _NEG_INF, True  # the upper recursion is 0 only where the truth is 0
        _, e = math.frexp(top)
        f = math.ldexp(1.0, -e)
        for s in range(n_s):
            a_up[cur, s] *= f
            a_lo[cur, s] *= f
        exps += e
        new = total + m  # Neumaier summation of the shifts
        if abs(total) >= abs(m):
            comp += (total - new) + m
        else:
            comp += (m - new) + total
        total = new
    last = length - 1 if need_grad else (length - 1) % 2
    p_up = a_up[last, n_s - 1] + (a_up[last, n_s - 2] if n_s >= 2 else 0.0)
    p_lo = a_lo[last, n_s - 1] + (a_lo[last, n_s - 2] if n_s >= 2 else 0.0)
    if p_up == 0.0:
        return _NEG_INF, True
    if not p_lo >= p_up * (1.0 - _CERTIFY):
        return _NEG_INF, False
    log_p = (total + comp) + exps * _LN2 + np.log(p_lo)
    if not need_grad:
        return log_p, True
    # Backward: upper and lower beta / y (the emission of frame t is applied when the column is
    # used), scaled per frame by a power of two; occupations per frame from both, normalised.
    b_up = np.zeros(n_s + 2)
    b_lo = np.zeros(n_s + 2)
    n_up = np.zeros(n_s + 2)  # the next frame's beta (with its emission)
    n_lo = np.zeros(n_s + 2)
    x = np.empty(n_s)
    for t in range(length - 1, -1, -1):
        top = 0.0
        for s in range(n_s):
            if t == length - 1:
                bu = 1.0 if s >= n_s - 2 else 0.0
                bl = bu
            else:
                bu = n_up[s] + n_up[s + 1]
                bl = n_lo[s] + n_lo[s + 1]
                if s + 2 < n_s and skip[s + 2]:
                    bu += n_up[s + 2]
                    bl += n_lo[s + 2]
            # bu = beta_t(s) / y_t(s) (scaled); it multiplies alpha_t(s) directly.
            b_up[s] = bu
            b_lo[s] = bl
            if bu > top:
                top = bu
        if top == 0.0:
            return log_p, False  # cannot happen for p > 0; leave it to the log-space pass
        _, e = math.frexp(top)
        f = math.ldexp(1.0, -e)
        z_up = 0.0
        z_lo = 0.0
        for s in range(n_s):
            b_up[s] *= f
            b_lo[s] *= f
            x[s] = a_lo[t, s] * b_lo[s]
            z_up += a_up[t, s] * b_up[s]
            z_lo += x[s]
        if z_up < _TINY_SUM:
            # alpha's and beta's largest cells sit at different states: the products are (near)
            # subnormal, 1 / z_lo may overflow; redone with both factors raised by 2^_RAISE
            # (every product < 2^-900 here, so < 2^140 then). x * inv does not depend on it.
            z_up = 0.0
            z_lo = 0.0
            for s in range(n_s):
                x[s] = (a_lo[t, s] * _RAISE_F) * (b_lo[s] * _RAISE_F)
                z_up += (a_up[t, s] * _RAISE_F) * (b_up[s] * _RAISE_F)
                z_lo += x[s]
        if not (z_lo > 0.0 and z_lo >= z_up * (1.0 - _CERTIFY)):
            return log_p, False
        inv = 1.0 / z_lo
        if wrt_logits:
            for k in range(grad.shape[2]):
                grad[t, n, k] = scale * np.exp(lp[t, n, k])
        for s in range(n_s):
            if x[s] > 0.0:
                grad[t, n, labels[s]] -= scale * (x[s] * inv)
        # This frame's beta with its emission, for frame t - 1 (floored in the upper one).
        for s in range(n_s):
            yu = yc[t, labels[s]]
            yl = yu if yu > _FLOOR else 0.0
            cu = b_up[s] * yu
            if cu < _FLOOR and b_up[s] > 0.0 and yu > 0.0:
                cu = _FLOOR
            n_up[s] = cu
            n_lo[s] = b_lo[s] * yl
    return log_p, True


# States per window of the windowed pass: a window must fit a double (about 1400 nats between
# its largest and smallest cell that matter), a whole column need not.
WINDOW = 64
# Sequences of at least LONG_FRAMES frames and LONG_STATES extended states go to the windowed
# pass first: their columns span more than a double, and the single-window attempt (0.55-0.75
# of the windowed pass's time) would be wasted. Measured on benchmarks/ctc.py's inputs (C = 30,
# 8 sequences a cell): the single-window pass failed 6-8 of 8 at T >= 4000 with S' >= 101 (and
# at T = 8000, S' = 101), 0-1 of 8 at T <= 3500 with S' <= 201 and at T <= 8000 with S' = 71;
# narrower or shorter sequences keep the faster single-window pass (T = 10^5, S' = 11 included).
LONG_FRAMES = 4000
LONG_STATES = 96
# Largest gap (binades) between a window's unit and its predecessor's (successor's, backward):
# a ghost (a cell <= _HI) times 2^_GAP, summed three times, stays far below 2^1024.
_GAP = 900
# A window is rescaled (by an exact power of two, into [0.5, 1)) only when its largest cell
# leaves [_LO, _HI]: most frames skip the rescaling loop, at the cost of 32 binades of headroom.
_LO = 2.0**-32
_HI = 2.0**32
# Unit of a window with no probability yet: the clamp then puts it _GAP below its neighbour.
_EMPTY = -(1 << 40)


@numba.njit(cache=True, inline="always")
def _pow2(d: int) -> float:
    """2^d as a double for any integer d (0 below 2^-1100; d is never large here)."""
    if d < -1100:
        return 0.0
    return math.ldexp(1.0, d)


@numba.njit(cache=True, inline="always")
def _up(c: float, f: float) -> float:
    """c * f in the "upper" recursion: a positive cell never drops below _FLOOR."""
    v = c * f
    if v < _FLOOR and c > 0.0:
        v = _FLOOR
    return v


@numba.njit(cache=True)
def _wsequence(
    lp,
    n,
    length,
    labels,
    skip,
    n_s,
    need_grad,
    grad,
    scale,
    wrt_logits,
    classes,
    a_up,
    a_lo,
    yc,
    units,
    window,
):
    """Windowed scaled pass of sequence n: (ln p, certified); grad written when certified.

    The scaled pass with the column cut into n_win = ceil(S' / window) windows of at most
    ``window`` states, window w holding its cells as mantissas times its own power of two
    2^units[t, w], so a column may span any range, only a window must fit a double. Per frame,
    window w is computed in the unit u = max(units_{t-1}(w), units_{t-1}(w-1) - _GAP) (its own
    cells re-expressed first when its predecessor is far ahead); the s-1 and s-2 terms that
    cross into it are the predecessor's last two cells times 2^(units_{t-1}(w-1) - u) <= 2^_GAP
    (ghosts). A window is brought back into [0.5, 1) when its largest cell leaves [_LO, _HI].
    ln p = sum_t m_t + ln 2 * units_T(w_end) + ln(alpha_T(S'-1) + alpha_T(S'-2)) (the two
    aligned on the larger unit). The "upper" and "lower" recursions, their floors and the
    certificates are those of :func:`_scaled_sequence`; every rescaling by a factor below 1 is
    floored in the upper one. Occupations: per window, sum_s alpha beta / y in the unit
    units_t(w) + units^beta_t(w), aligned on the heaviest window (ldexp on the sums).
    units: (>= T, >= n_win) int64 scratch ((>= 2, n_win) loss only); the others as
    :func:`_scaled_sequence`. window >= 2.
    """
    n_win = (n_s + window - 1) // window
    span = (n_s + n_win - 1) // n_win
    sk = np.zeros(n_s + 2)  # skip as 0 / 1 (a product, not a branch, in the inner loops)
    for s in range(n_s):
        sk[s] = 1.0 if skip[s] else 0.0
    total = 0.0  # sum_t m_t, Neumaier-compensated
    comp = 0.0
    for t in range(length):
        m = _NEG_INF
        for k in classes:
            v = lp[t, n, k]
            if v > m:
                m = v
        if m == _NEG_INF:
            return _NEG_INF, True
        row = t if need_grad else 0
        for k in classes:
            v = lp[t, n, k]
            y = np.exp(v - m)
            if y < _FLOOR and v != _NEG_INF:
                y = _FLOOR
            yc[row, k] = y
        cur = t if need_grad else t % 2
        prv = t - 1 if need_grad else (t - 1) % 2
        alive = False
        for w in range(n_win):
            s0 = w * span
            s1 = min(s0 + span, n_s)
            top = 0.0
            if t == 0:
                u = 0
                for s in range(s0, s1):
                    yu = yc[row, labels[s]] if s < 2 else 0.0
                    a_up[cur, s] = yu
                    a_lo[cur, s] = yu if yu > _FLOOR else 0.0
                    if yu > top:
                        top = yu
            else:
                u = units[prv, w]
                gu1 = 0.0
                gl1 = 0.0
                gu2 = 0.0
                gl2 = 0.0
                if w > 0:
                    og = units[prv, w - 1]
                    if og - _GAP > u:
                        if u != _EMPTY:  # own cells re-expressed in the larger unit
                            f = _pow2(u - (og - _GAP))
                            for s in range(s0, s1):
                                a_up[prv, s] = _up(a_up[prv, s], f)
                                a_lo[prv, s] *= f
                        u = og - _GAP
                        units[prv, w] = u
                    fg = _pow2(max(og - u, -2000))
                    gu1 = _up(a_up[prv, s0 - 1], fg)
                    gl1 = a_lo[prv, s0 - 1] * fg
                    gu2 = _up(a_up[prv, s0 - 2], fg)
                    gl2 = a_lo[prv, s0 - 2] * fg
                # The window's first two cells read the ghosts; the rest, the window itself.
                for s in range(s0, min(s0 + 2, s1)):
                    if s == s0:
                        su = a_up[prv, s] + gu1 + sk[s] * gu2
                        sl = a_lo[prv, s] + gl1 + sk[s] * gl2
                    else:
                        su = a_up[prv, s] + a_up[prv, s - 1] + sk[s] * gu1
                        sl = a_lo[prv, s] + a_lo[prv, s - 1] + sk[s] * gl1
                    yu = yc[row, labels[s]]
                    yl = yu if yu > _FLOOR else 0.0
                    cu = su * yu
                    if cu < _FLOOR and su > 0.0 and yu > 0.0:
                        cu = _FLOOR
                    a_up[cur, s] = cu
                    a_lo[cur, s] = sl * yl
                    if cu > top:
                        top = cu
                for s in range(s0 + 2, s1):
                    su = a_up[prv, s] + a_up[prv, s - 1]
                    sl = a_lo[prv, s] + a_lo[prv, s - 1]
                    if skip[s]:
                        su += a_up[prv, s - 2]
                        sl += a_lo[prv, s - 2]
                    yu = yc[row, labels[s]]
                    yl = yu if yu > _FLOOR else 0.0
                    cu = su * yu
                    if cu < _FLOOR and su > 0.0 and yu > 0.0:
                        cu = _FLOOR
                    a_up[cur, s] = cu
                    a_lo[cur, s] = sl * yl
                    if cu > top:
                        top = cu
            if top == 0.0:
                units[cur, w] = _EMPTY  # the upper cells are 0, so are the lower ones
                continue
            alive = True
            if top < _LO or top > _HI:
                _, e = math.frexp(top)
                f = math.ldexp(1.0, -e)
                for s in range(s0, s1):
                    a_up[cur, s] = _up(a_up[cur, s], f)
                    a_lo[cur, s] *= f
                u += e
            units[cur, w] = u
        if not alive:
            return _NEG_INF, True  # the upper recursion is 0 only where the truth is 0
        new = total + m
        if abs(total) >= abs(m):
            comp += (total - new) + m
        else:
            comp += (m - new) + total
        total = new
    last = length - 1 if need_grad else (length - 1) % 2
    # The last two states, aligned on the larger unit of their windows.
    w1 = (n_s - 1) // span
    w2 = (n_s - 2) // span if n_s >= 2 else w1
    c1u = a_up[last, n_s - 1]
    c2u = a_up[last, n_s - 2] if n_s >= 2 else 0.0
    if c1u == 0.0 and c2u == 0.0:
        return _NEG_INF, True
    o1 = units[last, w1]
    o2 = units[last, w2]
    top_u = o1 if c1u > 0.0 else o2
    if c2u > 0.0 and o2 > top_u:
        top_u = o2
    f1 = _pow2(max(o1 - top_u, -2000))
    f2 = _pow2(max(o2 - top_u, -2000))
    p_up = _up(c1u, f1) + (_up(c2u, f2) if n_s >= 2 else 0.0)
    p_lo = a_lo[last, n_s - 1] * f1 + (a_lo[last, n_s - 2] * f2 if n_s >= 2 else 0.0)
    if not p_lo >= p_up * (1.0 - _CERTIFY):
        return _NEG_INF, False
    log_p = (total + comp) + top_u * _LN2 + np.log(p_lo)
    if not need_grad:
        return log_p, True
    # Backward: beta / y per window in its own unit (bu_w), the next frame's beta (with its
    # emission) in n_up / n_lo with units nu_w; ghosts from window w + 1.
    b_up = np.zeros(n_s + 2)
    b_lo = np.zeros(n_s + 2)
    n_up = np.zeros(n_s + 2)
    n_lo = np.zeros(n_s + 2)
    bu = np.zeros(n_win, dtype=np.int64)
    nu = np.zeros(n_win, dtype=np.int64)
    x = np.empty(n_s)
    zu = np.empty(n_win)
    zl = np.empty(n_win)
    zo = np.empty(n_win, dtype=np.int64)
    for t in range(length - 1, -1, -1):
        for w in range(n_win):
            s0 = w * span
            s1 = min(s0 + span, n_s)
            top = 0.0
            if t == length - 1:
                u = 0
                for s in range(s0, s1):
                    v = 1.0 if s >= n_s - 2 else 0.0
                    b_up[s] = v
                    b_lo[s] = v
                    if v > top:
                        top = v
            else:
                u = nu[w]
                gu1 = 0.0
                gl1 = 0.0
                gu2 = 0.0
                gl2 = 0.0
                if w < n_win - 1:
                    og = nu[w + 1]
                    if og - _GAP > u:
                        if u != _EMPTY:
                            f = _pow2(u - (og - _GAP))
                            for s in range(s0, s1):
                                n_up[s] = _up(n_up[s], f)
                                n_lo[s] *= f
                        u = og - _GAP
                        nu[w] = u
                    fg = _pow2(max(og - u, -2000))
                    gu1 = _up(n_up[s1], fg)
                    gl1 = n_lo[s1] * fg
                    gu2 = _up(n_up[s1 + 1], fg)
                    gl2 = n_lo[s1 + 1] * fg
                # All but the window's last two cells read the window itself (sk[s + 2] is 0
                # past S'); the last two read the ghosts.
                for s in range(s0, s1 - 2):
                    su = n_up[s] + n_up[s + 1] + sk[s + 2] * n_up[s + 2]
                    sl = n_lo[s] + n_lo[s + 1] + sk[s + 2] * n_lo[s + 2]
                    b_up[s] = su
                    b_lo[s] = sl
                    if su > top:
                        top = su
                for s in range(max(s0, s1 - 2), s1):
                    if s == s1 - 1:
                        su = n_up[s] + gu1 + sk[s + 2] * gu2
                        sl = n_lo[s] + gl1 + sk[s + 2] * gl2
                    else:
                        su = n_up[s] + n_up[s + 1] + sk[s + 2] * gu1
                        sl = n_lo[s] + n_lo[s + 1] + sk[s + 2] * gl1
                    b_up[s] = su
                    b_lo[s] = sl
                    if su > top:
                        top = su
            zu[w] = 0.0
            zl[w] = 0.0
            if top == 0.0:
                bu[w] = _EMPTY
                for s in range(s0, s1):
                    x[s] = 0.0
                continue
            if top < _LO or top > _HI:
                _, e = math.frexp(top)
                f = math.ldexp(1.0, -e)
                for s in range(s0, s1):
                    b_up[s] = _up(b_up[s], f)
                    b_lo[s] *= f
                u += e
            bu[w] = u
            z_u = 0.0
            z_l = 0.0
            for s in range(s0, s1):
                x[s] = a_lo[t, s] * b_lo[s]
                z_u += a_up[t, s] * b_up[s]
                z_l += x[s]
            zo[w] = units[t, w] + u
            if z_u < _TINY_SUM:
                # alpha's and beta's largest cells sit at different states: the products are
                # (near) subnormal, so they are redone with both factors raised by 2^_RAISE (the
                # cells are <= 3 _HI, the products then below 2^140), keeping every bit of a
                # window that may hold most of p. Dropped below that: under 2^-1000 of this sum.
                f = _RAISE_F
                z_u = 0.0
                z_l = 0.0
                for s in range(s0, s1):
                    x[s] = (a_lo[t, s] * f) * (b_lo[s] * f)
                    z_u += (a_up[t, s] * f) * (b_up[s] * f)
                    z_l += x[s]
                zo[w] -= 2 * _RAISE
            zu[w] = z_u
            zl[w] = z_l
        # Align the windows' sums on the heaviest one (ldexp on the sums, never 2^d alone).
        key = _EMPTY
        for w in range(n_win):
            if zu[w] > 0.0:
                _, e = math.frexp(zu[w])
                if zo[w] + e > key:
                    key = zo[w] + e
        if key == _EMPTY:
            return log_p, False  # cannot happen for p > 0; leave it to the fallback
        z_up = 0.0
        z_lo = 0.0
        for w in range(n_win):
            if zu[w] > 0.0:
                d = max(zo[w] - key, -2000)
                v = math.ldexp(zu[w], d) if d >= -1100 else 0.0
                z_up += v if v >= _FLOOR else _FLOOR
                if d >= -1100:
                    z_lo += math.ldexp(zl[w], d)
        if not (z_lo > 0.0 and z_lo >= z_up * (1.0 - _CERTIFY)):
            return log_p, False
        if wrt_logits:
            for k in range(grad.shape[2]):
                grad[t, n, k] = scale * np.exp(lp[t, n, k])
        c = scale / z_lo
        for w in range(n_win):
            if zl[w] > 0.0:
                d = max(zo[w] - key, -2000)
                s0 = w * span
                if d <= 1000:
                    # A factor that underflows drops occupations below 2^-900: a window's sum
                    # is below 2^80 in its own unit, and 2^d <= 2^-1000 here.
                    f = c * _pow2(d)
                    for s in range(s0, min(s0 + span, n_s)):
                        if x[s] > 0.0:
                            grad[t, n, labels[s]] -= x[s] * f
                else:  # a subnormal sum in its own unit: 2^d alone would overflow
                    for s in range(s0, min(s0 + span, n_s)):
                        if x[s] > 0.0:
                            grad[t, n, labels[s]] -= math.ldexp(x[s], d) * c
        # This frame's beta with its emission, for frame t - 1 (floored in the upper one).
        for w in range(n_win):
            nu[w] = bu[w]
        for s in range(n_s):
            yu = yc[t, labels[s]]
            yl = yu if yu > _FLOOR else 0.0
            cu = b_up[s] * yu
            if cu < _FLOOR and b_up[s] > 0.0 and yu > 0.0:
                cu = _FLOOR
            n_up[s] = cu
            n_lo[s] = b_lo[s] * yl
    return log_p, True


# 2^-d for the exponent gaps d of the extended-exponent pass; a term more than 1100 binades
# below the largest one of its sum is dropped (relative 2^-1100 of it).
_POW2 = np.array([2.0**-d for d in range(1100)])
_BIG_MANT = 2.0**100
_SMALL_MANT = 2.0**-500


@numba.njit(cache=True, inline="always")
def _norm(f: float, e: float) -> tuple[float, float]:
    """f 2^e with f brought back into [0.5, 1) when it left [2^-500, 2^100] (0 stays 0)."""
    if f != 0.0 and (f < _SMALL_MANT or f > _BIG_MANT):
        fr, k = math.frexp(f)
        return fr, e + k
    return f, e


@numba.njit(cache=True, inline="always")
def _add3(f1, e1, f2, e2, f3, e3):
    """f1 2^e1 + f2 2^e2 + f3 2^e3 as (mantissa, exponent), on the largest term's exponent."""
    top = -1e300
    if f1 != 0.0:
        top = e1
    if f2 != 0.0 and e2 > top:
        top = e2
    if f3 != 0.0 and e3 > top:
        top = e3
    if top == -1e300:
        return 0.0, 0.0
    acc = 0.0
    if f1 != 0.0 and top - e1 < 1100:
        acc += f1 * _POW2[int(top - e1)]
    if f2 != 0.0 and top - e2 < 1100:
        acc += f2 * _POW2[int(top - e2)]
    if f3 != 0.0 and top - e3 < 1100:
        acc += f3 * _POW2[int(top - e3)]
    return acc, top


@numba.njit(cache=True)
def _xsequence(
    lp, n, length, labels, skip, n_s, need_grad, grad, scale, wrt_logits, classes, af, ae
):
    """Extended-exponent pass of sequence n: ln p, and the gradient if need_grad (exact, no
    certificate: the fallback of the scaled pass).

    Every cell is a mantissa and its own (integer, stored as float) power-of-two exponent, and a
    sum of three cells is taken on the largest one's exponent, so nothing underflows however
    far apart the cells of a column are (long inputs, logits 1e3 apart); only a term 2^-1100
    below its sum's largest is dropped. Emissions y_t(k) = exp(ln y_t(k) - m_t) are split as
    exp(r) 2^q when below e^-300. Occupations are normalised per frame, as in the scaled pass.
    af, ae: (>= T, >= S') scratch for the forward mantissas and exponents ((>= 2, S') loss only).
    """
    n_classes = lp.shape[2]
    rows = length if need_grad else 1
    ym = np.zeros((rows, n_classes))
    ye = np.zeros((rows, n_classes))
    total = 0.0
    comp = 0.0
    for t in range(length):
        m = _NEG_INF
        for k in classes:
            if lp[t, n, k] > m:
                m = lp[t, n, k]
        if m == _NEG_INF:
            return _NEG_INF
        row = t if need_grad else 0
        for k in classes:
            d = lp[t, n, k] - m
            if d == _NEG_INF:
                ym[row, k] = 0.0
                ye[row, k] = 0.0
            elif d > -300.0:
                ym[row, k] = np.exp(d)
                ye[row, k] = 0.0
            else:
                q = math.floor(d / _LN2)
                ym[row, k] = np.exp(d - q * _LN2)
                ye[row, k] = q
        cur = t if need_grad else t % 2
        prv = t - 1 if need_grad else (t - 1) % 2
        alive = False
        for s in range(n_s):
            k = labels[s]
            if t == 0:
                f, e = (1.0, 0.0) if s < 2 else (0.0, 0.0)
            else:
                f1 = af[prv, s - 1] if s >= 1 else 0.0
                e1 = ae[prv, s - 1] if s >= 1 else 0.0
                f2 = af[prv, s - 2] if skip[s] else 0.0
                e2 = ae[prv, s - 2] if skip[s] else 0.0
                f, e = _add3(af[prv, s], ae[prv, s], f1, e1, f2, e2)
            f, e = _norm(f * ym[row, k], e + ye[row, k])
            if f == 0.0:
                e = 0.0
            else:
                alive = True
            af[cur, s] = f
            ae[cur, s] = e
        if not alive:
            return _NEG_INF
        new = total + m
        if abs(total) >= abs(m):
            comp += (total - new) + m
        else:
            comp += (m - new) + total
        total = new
    last = length - 1 if need_grad else (length - 1) % 2
    end = _NEG_INF
    if af[last, n_s - 1] > 0.0:
        end = np.log(af[last, n_s - 1]) + ae[last, n_s - 1] * _LN2
    before = _NEG_INF
    if n_s >= 2 and af[last, n_s - 2] > 0.0:
        before = np.log(af[last, n_s - 2]) + ae[last, n_s - 2] * _LN2
    log_p = (total + comp) + _lse3(end, before, _NEG_INF)
    if log_p == _NEG_INF or not need_grad:
        return log_p
    bf = np.zeros(n_s + 2)  # beta_t / y_t, this frame
    be = np.zeros(n_s + 2)
    nf = np.zeros(n_s + 2)  # beta_{t+1} (emission included)
    ne = np.zeros(n_s + 2)
    xf = np.empty(n_s)
    xe = np.empty(n_s)
    for t in range(length - 1, -1, -1):
        top = -1e300
        for s in range(n_s):
            if t == length - 1:
                f, e = (1.0, 0.0) if s >= n_s - 2 else (0.0, 0.0)
            else:
                f3 = nf[s + 2] if s + 2 < n_s and skip[s + 2] else 0.0
                f, e = _add3(nf[s], ne[s], nf[s + 1], ne[s + 1], f3, ne[s + 2])
            f, e = _norm(f, e)
            bf[s] = f
            be[s] = e
            xf[s] = af[t, s] * f
            xe[s] = ae[t, s] + e
            if xf[s] != 0.0 and xe[s] > top:
                top = xe[s]
        acc = 0.0
        for s in range(n_s):
            if xf[s] != 0.0 and top - xe[s] < 1100:
                xf[s] *= _POW2[int(top - xe[s])]
            else:
                xf[s] = 0.0
            acc += xf[s]
        if wrt_logits:
            for k in range(grad.shape[2]):
                grad[t, n, k] = scale * np.exp(lp[t, n, k])
        for s in range(n_s):
            if xf[s] > 0.0:
                grad[t, n, labels[s]] -= scale * (xf[s] / acc)
        for s in range(n_s):
            k = labels[s]
            f, e = _norm(bf[s] * ym[t, k], be[s] + ye[t, k])
            nf[s] = f
            ne[s] = e if f != 0.0 else 0.0
    return log_p


@numba.njit(cache=True)
def _rows(
    lp,
    labels_ext,
    skip,
    n_states,
    eff,
    input_lengths,
    scale,
    dead,
    need_grad,
    wrt_logits,
    lo,
    hi,
    log_p,
    grad,
):
    """Sequences lo..hi-1 of the batch: ln p into log_p[n], the gradient into grad[:, n] (when
    need_grad; grad is zero there on entry). eff[n] = 0 for a sequence with no frames or too
    few for its target (log p then 0 for an empty target, else -inf). Each sequence goes
    through the scaled pass (the windowed one first for long, wide sequences; the windowed one
    next for a wide sequence the single-window pass cannot certify), and through the
    extended-exponent one if no scaled pass can certify it. Scratch is this call's own, so
    calls on disjoint ranges may run at the same time."""
    n_classes = lp.shape[2]
    longest = 0
    widest = 0
    for n in range(lo, hi):
        longest = max(longest, eff[n])
        widest = max(widest, n_states[n])
    if need_grad:
        a_up = np.empty((longest, widest))
        a_lo = np.empty((longest, widest))
        yc = np.empty((longest, n_classes))
    else:
        a_up = np.empty((2, widest))
        a_lo = np.empty((2, widest))
        yc = np.empty((1, n_classes))
    n_win = (widest + WINDOW - 1) // WINDOW
    units = np.empty((longest if need_grad else 2, n_win), dtype=np.int64)
    used = np.zeros(n_classes, dtype=np.bool_)
    for n in range(lo, hi):
        if eff[n] == 0:
            log_p[n] = 0.0 if n_states[n] == 1 else _NEG_INF
        else:
            used[:] = False
            for s in range(n_states[n]):
                used[labels_ext[n, s]] = True
            classes = np.nonzero(used)[0]
            args = (lp, n, eff[n], labels_ext[n], skip[n], n_states[n], need_grad, grad, scale[n])
            wide = n_states[n] > WINDOW
            if n_states[n] >= LONG_STATES and eff[n] >= LONG_FRAMES:
                value, ok = _wsequence(*args, wrt_logits, classes, a_up, a_lo, yc, units, WINDOW)
            else:
                value, ok = _scaled_sequence(*args, wrt_logits, classes, a_up, a_lo, yc)
                if not ok and wide:
                    if need_grad:
                        grad[:, n, :] = 0.0
                    value, ok = _wsequence(
                        *args, wrt_logits, classes, a_up, a_lo, yc, units, WINDOW
                    )
            if not ok:
                if need_grad:
                    grad[:, n, :] = 0.0
                value = _xsequence(*args, wrt_logits, classes, a_up, a_lo)
            log_p[n] = value
        if need_grad and log_p[n] == _NEG_INF:
            for t in range(input_lengths[n]):
                for k in range(n_classes):
                    grad[t, n, k] = dead


@numba.njit(cache=True)
def _batch(lp, labels_ext, skip, n_states, eff, input_lengths, scale, dead, need_grad, wrt_logits):
    """(log_p (N,), grad (T, N, C) or (0, 0, 0)) for the whole batch, on this thread."""
    n_frames, n_batch, n_classes = lp.shape
    log_p = np.empty(n_batch)
    if need_grad:
        grad = np.zeros((n_frames, n_batch, n_classes))
    else:
        grad = np.zeros((0, 0, 0))
    args = (lp, labels_ext, skip, n_states, eff, input_lengths, scale, dead, need_grad)
    _rows(*args, wrt_logits, 0, n_batch, log_p, grad)
    return log_p, grad


@numba.njit(cache=True, parallel=True)
def _batch_parallel(
    lp, labels_ext, skip, n_states, eff, input_lengths, scale, dead, need_grad, wrt_logits, bounds
):
    """As :func:`_batch`, with the sequences bounds[i]..bounds[i+1]-1 of each part on their own
    thread (numba's pool). The sequences are independent and each part has its own scratch,
    so the numbers are those of ``_batch``, bit for bit."""
    n_frames, n_batch, n_classes = lp.shape
    log_p = np.empty(n_batch)
    if need_grad:
        grad = np.zeros((n_frames, n_batch, n_classes))
    else:
        grad = np.zeros((0, 0, 0))
    args = (lp, labels_ext, skip, n_states, eff, input_lengths, scale, dead, need_grad)
    for i in numba.prange(bounds.shape[0] - 1):
        _rows(*args, wrt_logits, bounds[i], bounds[i + 1], log_p, grad)
    return log_p, grad


def _parts(cost: NDArray[np.int64]) -> NDArray[np.int64] | None:
    """Bounds of contiguous sequence ranges of about equal cost, one per numba thread, or None
    when the batch is too small for threads to pay (under ``PARALLEL_MIN_CELLS`` a thread)."""
    parts = split_rows(cost, threads=numba.get_num_threads(), min_cost=PARALLEL_MIN_CELLS)
    if len(parts) == 1:
        return None
    return np.array([p.start for p in parts] + [parts[-1].stop], dtype=np.int64)


def _run(
    batch, need_grad: bool, reduction: str, zero_infinity: bool, wrt_logits: bool
) -> tuple[np.ndarray | float, NDArray[np.float64]]:
    ext = _extend(batch.targets, batch.target_lengths, batch.blank)
    eff = np.where(batch.input_lengths >= ext.min_frames, batch.input_lengths, 0)
    n_batch = eff.shape[0]
    # The reduction's per-sequence scale does not depend on the losses (only which ones are
    # infinite, handled in the kernel), so the kernel can write the finished gradient.
    if reduction == "mean":
        scale = 1.0 / (np.maximum(batch.target_lengths, 1) * n_batch)
    else:
        scale = np.ones(n_batch)
    args = (
        batch.log_probs,
        ext.labels_ext,
        ext.skip,
        ext.n_states,
        eff,
        batch.input_lengths,
        scale.astype(np.float64),
        0.0 if zero_infinity else np.nan,
        need_grad,
        wrt_logits,
    )
    bounds = _parts(eff * (ext.n_states + 2))
    log_p, grad = _batch(*args) if bounds is None else _batch_parallel(*args, bounds)
    loss, _, _ = _reduce(batch, log_p, reduction, zero_infinity)
    return loss, grad


def ctc_loss(
    log_probs: ArrayLike,
    targets: ArrayLike,
    input_lengths: ArrayLike,
    target_lengths: ArrayLike,
    *,
    blank: int = 0,
    reduction: str = "mean",
    zero_infinity: bool = False,
) -> np.ndarray | float:
    """CTC loss, as :func:`rnnloss_cli.engine.ctc.ctc_loss` (same arguments, checks, results),
    computed by the compiled log-space kernel; memory O(S') per sequence.

    loss_n = -ln p(l_n|x_n), p(l|x) = sum over alignments pi in B^{-1}(l) of prod_t y_t(pi_t).

    Args:
        log_probs: (T, N, C) per-frame class log-probabilities, or (T, C) for one sequence.
        targets: (N, S) padded or (sum(target_lengths),) concatenated labels; (S,) unbatched.
        input_lengths: (N,) frames per sequence (a scalar when unbatched).
        target_lengths: (N,) labels per sequence (a scalar when unbatched).
        blank: index of the blank class.
        reduction: "none", "sum" or "mean".
        zero_infinity: replace infinite losses by 0.

    Returns:
        As :func:`rnnloss_cli.engine.ctc.ctc_loss`.

    Example:
        Classes (blank, "a"), target "a", y = (0.4, 0.6), (0.5, 0.5): p = 0.6*0.5 + 0.6*0.5 +
        0.4*0.5 = 0.8:

        >>> import numpy as np
        >>> lp = np.log([[0.4, 0.6], [0.5, 0.5]])
        >>> round(float(ctc_loss(lp, [1], 2, 1, reduction="none")), 12)
        0.223143551314
    """
    _check_options(reduction, zero_infinity=zero_infinity)
    batch = _prepare(log_probs, targets, input_lengths, target_lengths, blank)
    check_work(batch, grad=False)
    loss, _ = _run(batch, False, reduction, zero_infinity, False)
    return loss


def ctc_loss_and_grad(
    log_probs: ArrayLike,
    targets: ArrayLike,
    input_lengths: ArrayLike,
    target_lengths: ArrayLike,
    *,
    blank: int = 0,
    reduction: str = "mean",
    zero_infinity: bool = False,
    wrt: str = "logits",
) -> tuple[np.ndarray | float, NDArray[np.float64]]:
    """CTC loss and gradient, as :func:`rnnloss_cli.engine.ctc.ctc_loss_and_grad`.

    wrt="logits": c_n (y_t(k) - gamma_t(k)); wrt="log_probs": -c_n gamma_t(k), with gamma the
    class occupations and c_n the reduction scale (1, or 1 / (N max(S_n, 1)) for "mean").

    Args:
        log_probs: (T, N, C) or (T, C).
        targets: (N, S) padded or (sum(target_lengths),) concatenated; (S,) unbatched.
        input_lengths: (N,) (a scalar when unbatched).
        target_lengths: (N,) (a scalar when unbatched).
        blank: index of the blank class.
        reduction: "none", "sum" or "mean".
        zero_infinity: replace infinite losses (and their gradients) by 0.
        wrt: "logits" (default, PyTorch's convention) or "log_probs".

    Returns:
        (loss, grad) as :func:`rnnloss_cli.engine.ctc.ctc_loss_and_grad`.

    Example:
        The case of :func:`ctc_loss`: gamma_1 = (0.25, 0.75), gamma_2 = (0.375, 0.625):

        >>> import numpy as np
        >>> lp = np.log([[0.4, 0.6], [0.5, 0.5]])
        >>> loss, grad = ctc_loss_and_grad(lp, [1], 2, 1, reduction="none", wrt="log_probs")
        >>> grad.round(12).tolist()
        [[-0.25, -0.75], [-0.375, -0.625]]
    """
    _check_options(reduction, wrt, zero_infinity, grad=True)
    batch = _prepare(log_probs, targets, input_lengths, target_lengths, blank)
    check_work(batch, grad=True)
    loss, grad = _run(batch, True, reduction, zero_infinity, wrt == "logits")
    if batch.unbatched:
        grad = grad[:, 0, :]
    if batch.dtype != np.float64:
        grad = grad.astype(batch.dtype)  # rounded once; a tiny negative would round to -0,
        grad += 0.0  # and -0 + 0 = +0: no negative zeros in printed tables (as ctc.py)
    return loss, grad
