"""Side-by-side audit of the engine against torch.nn.functional (needs torch; never a dependency).

Run from the repository root:

    PYTHONPATH=$PWD /work/venv-torch/bin/python scripts/check_torch.py [-v]

Every case computes the loss and its gradient both ways (ours: the engine's ``*_grad`` or
``ctc_loss_and_grad``; theirs: autograd of ``loss.sum()``) and compares values, gradients, the
places of NaN and ±inf, and the output dtypes. Float64 cases must agree to 1e-6 relative (1e-12
absolute; CTC gradients 1e-14 x the loss, see ``case``); float32 ones to 1e-5 relative and
1e-5 x the array's largest entry absolute (the engine computes in float64 and rounds once, torch
in float32). Where they agree the largest differences are printed.

The corners: reductions none/sum/mean; class weights; ignore_index (some and every target
ignored, -1 too); label smoothing and probability targets; 0-d, unbatched and K-dimensional
(N, C, d1, d2) inputs; empty batches (N = 0); float32 inputs; non-contiguous and
negative-stride inputs; int8 to uint64 targets (bool refused by both); extreme values (logits
±1e308, -inf logits, probabilities 0 and 1, denormals, p just below 1); chunked (threaded)
inputs of 2^19 elements and more. CTC: blank not 0, padded and concatenated targets, target
length 0, input lengths < T and 0, targets longer than their frames (inf), repeats needing a
blank, zero_infinity, float32, "mean"'s division by max(target length, 1), one full-length
sequence (its own fast path), unnormalised log_probs, long and wide batches, wrt="log_probs"
(torch's gradient minus c_n exp(log_probs) on valid frames). Sequence
cross-entropy (logits and probabilities, lengths with 0), sequence hinge and categorical
cross-entropy (against autograd of -sum_c y_c ln yhat_c). Arguments either
side refuses (the refusals must agree).

1050 cases (the count is printed at the end, with every disagreement; documented departures
from torch are listed as "known" and do not count as disagreements).
"""

from __future__ import annotations

import itertools
import sys
import warnings

import numpy as np
import torch

from rnnloss_cli import engine
from rnnloss_cli.engine.errors import EngineError

F = torch.nn.functional
RED = ("none", "sum", "mean")
VERBOSE = "-v" in sys.argv


class Result:
    def __init__(self) -> None:
        self.cases = 0
        self.bad: list[str] = []
        self.known: list[str] = []
        #: (dtype, "loss" | "grad") -> largest difference where they agree: relative for the
        #: loss, as a fraction of the array's largest entry for the gradient
        self.worst = {(d, w): 0.0 for d in ("float64", "float32") for w in ("loss", "grad")}


R = Result()

#: documented departures (README "Where the engine departs from torch"): (name prefix, text in
#: the problem, reason)
KNOWN: list[tuple[str, str, str]] = [
    ("ce prob extreme", "loss: NaN places", "q_c = 0 on ln softmax_c = -inf counts 0, torch NaN"),
    ("hinge kink", "grad: values differ", "hinge subgradient 0 at the kink, torch's clamp -y"),
    ("hinge extreme", "grad: values differ", "hinge subgradient 0 at the kink, torch's clamp -y"),
    ("seq ", "ours EngineError: reduction=", "a sequence mean over no real step is refused"),
    (
        "ctc label",
        "ours EngineError",
        "a CTC label equal to blank or >= C is refused (torch's CPU"
        " kernel does not check, and reads past the class axis for >= C)",
    ),
]


def _close(a, b, dtype: str, what: str, atol: float) -> str | None:
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        return f"shape {a.shape} vs {b.shape}"
    if not np.array_equal(np.isnan(a), np.isnan(b)):
        return f"NaN places differ: ours {a.ravel()[:6]} torch {b.ravel()[:6]}"
    if not np.array_equal(np.isposinf(a), np.isposinf(b)) or not np.array_equal(
        np.isneginf(a), np.isneginf(b)
    ):
        return f"inf places differ: ours {a.ravel()[:6]} torch {b.ravel()[:6]}"
    fin = np.isfinite(a)
    a64, b64 = a[fin].astype(np.float64), b[fin].astype(np.float64)
    scale = float(np.max(np.abs(b64))) if b64.size else 0.0
    # float32: torch computes in float32, so entries much smaller than the array's largest
    # carry its rounding error (~1e-6 of the largest), not their own
    rtol, atol = (1e-6, max(atol, 1e-12)) if dtype == "float64" else (1e-5, max(atol, 1e-5 * scale))
    if not np.allclose(a64, b64, rtol=rtol, atol=atol):
        i = int(np.argmax(np.abs(a64 - b64) - rtol * np.abs(b64)))
        return f"values differ: ours {a64[i]!r} torch {b64[i]!r}"
    if b64.size and scale:
        diff = np.abs(a64 - b64)
        worst = np.max(diff / np.maximum(np.abs(b64), 1e-300)) if what == "loss" else np.max(diff)
        if what == "grad":
            worst /= scale
        R.worst[dtype, what] = max(R.worst[dtype, what], float(worst))
        if VERBOSE and worst > 1e-9:
            print("  worst", what, float(worst), a64.ravel()[:4], b64.ravel()[:4])
    return None


def case(name: str, ours, theirs, *, dtype: str = "float64", check_dtype: bool = True) -> None:
    """ours/theirs: callables returning (value, grad); torch's raising is a 'refused' result.

    CTC cases (named "ctc ..."): torch's log-space CTC gradient carries an absolute error of about
    1e-16 x the loss in nats (exp of a sum of that size), 2-4e-12 at 2000 nats where ours
    agrees with an extended-precision (np.longdouble) forward-backward to 1e-15: its gradient
    is compared to 1e-14 x the largest finite loss absolute, or 1e-12, whichever is larger.
    In float32 torch's error is 1-2e-6 x the loss (2.7e-3 at 3590 nats, T = 1000, where ours is
    torch's float64 gradient rounded to float32, 3e-8 from it): 3e-6 x the loss, or 1e-5 x the
    largest entry."""
    R.cases += 1
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            tv, tg = theirs()
        t_err = None
    except Exception as e:  # noqa: BLE001 - torch's refusal is a result
        t_err = f"{type(e).__name__}: {str(e).splitlines()[0][:90]}"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            ov, og = ours()
        o_err = None
    except EngineError as e:
        o_err = f"EngineError: {str(e)[:90]}"
    except Exception as e:  # noqa: BLE001
        o_err = f"CRASH {type(e).__name__}: {str(e)[:90]}"
    problems = []
    if t_err or o_err:
        if o_err and o_err.startswith("CRASH") or (o_err is None) != (t_err is None):
            problems.append(f"ours {o_err or 'ok'} / torch {t_err or 'ok'}")
    else:
        fin = np.abs(np.asarray(tv, dtype=np.float64))
        fin = fin[np.isfinite(fin)]
        per_nat = 1e-14 if dtype == "float64" else 3e-6
        gatol = per_nat * float(fin.max()) if name.startswith("ctc ") and fin.size else 0.0
        for what, a, b in (("loss", ov, tv), ("grad", og, tg)):
            msg = _close(a, b, dtype, what, 0.0 if what == "loss" else gatol)
            if msg:
                problems.append(f"{what}: {msg}")
            if check_dtype and np.asarray(a).dtype != np.asarray(b).dtype:
                problems.append(f"{what} dtype {np.asarray(a).dtype} vs {np.asarray(b).dtype}")
    if problems:
        line = f"{name}: " + "; ".join(problems)
        why = {
            next((w for k, text, w in KNOWN if name.startswith(k) and text in p), None)
            for p in problems
        }
        known = None if None in why else "; ".join(sorted(why))
        (R.known if known else R.bad).append(line + (f"  [known: {known}]" if known else ""))
    elif VERBOSE:
        print("ok", name)


def tgrad(fn, x, *args, dtype=torch.float64, **kw):
    """torch (value, grad of the sum) for float input x (numpy, any layout)."""

    def run():
        xt = torch.tensor(np.array(x), dtype=dtype, requires_grad=True)
        out = fn(xt, *args, **kw)
        out.sum().backward()
        g = xt.grad
        return out.detach().numpy(), (g.numpy() if g is not None else np.zeros(x.shape))

    return run


def ogrid(loss, grad, *args, **kw):
    return lambda: (np.asarray(loss(*args, **kw)), np.asarray(grad(*args, **kw)))


def tt(a):
    return torch.tensor(np.array(a))  # a C-contiguous copy (0-d stays 0-d)


# ------------------------------------------------------------------------------------------
# pointwise: mse, bce, hinge
# ------------------------------------------------------------------------------------------


def pointwise() -> None:
    rng = np.random.default_rng(0)
    shapes = {"0-d": (), "(5,)": (5,), "(2,3,4)": (2, 3, 4), "N=0": (0,), "(0,3)": (0, 3)}
    for (sname, shape), red in itertools.product(shapes.items(), RED):
        x, y = rng.normal(size=shape), rng.normal(size=shape)
        case(
            f"mse {sname} {red}",
            ogrid(engine.mse_loss, engine.mse_grad, x, y, red),
            tgrad(F.mse_loss, x, tt(y), reduction=red),
        )
        p, q = rng.uniform(0.01, 0.99, size=shape), rng.uniform(size=shape)
        case(
            f"bce {sname} {red}",
            ogrid(engine.binary_cross_entropy, engine.binary_cross_entropy_grad, p, q, red),
            tgrad(F.binary_cross_entropy, p, tt(q), reduction=red),
        )
        s = np.sign(rng.normal(size=shape)) + (rng.normal(size=shape) == 0)
        case(
            f"hinge {sname} {red}",
            ogrid(engine.hinge_loss, engine.hinge_loss_grad, x, s, red),
            tgrad(
                lambda a, b, reduction: _red(torch.clamp(1 - b * a, min=0), reduction),
                x,
                tt(s),
                reduction=red,
            ),
        )
    # float32 in
    for red in RED:
        x, y = (
            rng.normal(size=(4, 5)).astype(np.float32),
            rng.normal(size=(4, 5)).astype(np.float32),
        )
        case(
            f"mse float32 {red}",
            ogrid(engine.mse_loss, engine.mse_grad, x, y, red),
            tgrad(F.mse_loss, x, tt(y), reduction=red, dtype=torch.float32),
            dtype="float32",
        )
        p = rng.uniform(0.01, 0.99, size=(4, 5)).astype(np.float32)
        q = rng.uniform(size=(4, 5)).astype(np.float32)
        case(
            f"bce float32 {red}",
            ogrid(engine.binary_cross_entropy, engine.binary_cross_entropy_grad, p, q, red),
            tgrad(F.binary_cross_entropy, p, tt(q), reduction=red, dtype=torch.float32),
            dtype="float32",
        )
        s = np.where(rng.normal(size=(4, 5)) > 0, 1.0, -1.0).astype(np.float32)
        case(
            f"hinge float32 {red}",
            ogrid(engine.hinge_loss, engine.hinge_loss_grad, x, s, red),
            tgrad(
                lambda a, b, reduction: _red(torch.clamp(1 - b * a, min=0), reduction),
                x,
                tt(s),
                reduction=red,
                dtype=torch.float32,
            ),
            dtype="float32",
        )
    # layouts: transposed, negative strides
    base = rng.normal(size=(6, 4))
    bp = rng.uniform(0.01, 0.99, size=(6, 4))
    for lname, f in {"transposed": lambda a: a.T, "reversed": lambda a: a[::-1, ::-2]}.items():
        for red in RED:
            x, y = f(base), f(base[::-1].copy())
            case(
                f"mse {lname} {red}",
                ogrid(engine.mse_loss, engine.mse_grad, x, y, red),
                tgrad(F.mse_loss, x, tt(y), reduction=red),
            )
            p, q = f(bp), f(bp[::-1].copy())
            case(
                f"bce {lname} {red}",
                ogrid(engine.binary_cross_entropy, engine.binary_cross_entropy_grad, p, q, red),
                tgrad(F.binary_cross_entropy, p, tt(q), reduction=red),
            )
    # extremes
    ext = {
        "p 0 and 1 exact": (np.array([0.0, 1.0, 0.0, 1.0]), np.array([0.0, 1.0, 1.0, 0.0])),
        "p denormal": (np.array([5e-324, 1e-310, 1 - 1e-16, 0.5]), np.array([1.0, 0.0, 1.0, 0.3])),
        "soft y at p 0/1": (np.array([0.0, 1.0]), np.array([0.3, 0.7])),
    }
    for (ename, (p, q)), red in itertools.product(ext.items(), RED):
        case(
            f"bce {ename} {red}",
            ogrid(engine.binary_cross_entropy, engine.binary_cross_entropy_grad, p, q, red),
            tgrad(F.binary_cross_entropy, p, tt(q), reduction=red),
        )
    for red in RED:
        x, y = np.array([1e154, -1e308, 5e-324, 1e200]), np.array([-1e154, 1e308, 0.0, 0.0])
        case(
            f"mse overflow {red}",
            ogrid(engine.mse_loss, engine.mse_grad, x, y, red),
            tgrad(F.mse_loss, x, tt(y), reduction=red),
        )
        x, s = np.array([1e308, -1e308, 5e-324, 1.0]), np.array([1.0, 1.0, -1.0, 1.0])
        case(
            f"hinge extreme {red}",
            ogrid(engine.hinge_loss, engine.hinge_loss_grad, x, s, red),
            tgrad(
                lambda a, b, reduction: _red(torch.clamp(1 - b * a, min=0), reduction),
                x,
                tt(s),
                reduction=red,
            ),
        )
        # the kink: margin 1 - y yhat exactly 0
        x, s = np.array([1.0, -1.0, 0.5]), np.array([1.0, -1.0, 1.0])
        case(
            f"hinge kink {red}",
            ogrid(engine.hinge_loss, engine.hinge_loss_grad, x, s, red),
            tgrad(
                lambda a, b, reduction: _red(torch.clamp(1 - b * a, min=0), reduction),
                x,
                tt(s),
                reduction=red,
            ),
        )
        # integer targets for the float losses
        x = rng.normal(size=5)
        yi = np.array([0, 1, 1, 0, 1], dtype=np.int32)
        case(
            f"mse int32 target {red}",
            ogrid(engine.mse_loss, engine.mse_grad, x, yi, red),
            tgrad(F.mse_loss, x, tt(yi.astype(np.float64)), reduction=red),
        )


def _red(v, reduction):
    return {"none": v, "sum": v.sum(), "mean": v.mean()}[reduction]


# ------------------------------------------------------------------------------------------
# nll / cross_entropy
# ------------------------------------------------------------------------------------------


def classification() -> None:
    rng = np.random.default_rng(1)
    C = 4
    shapes = {
        "(N,C)": ((5, C), (5,)),
        "(C,)": ((C,), ()),
        "(N,C,d1,d2)": ((2, C, 3, 2), (2, 3, 2)),
        "N=0": ((0, C), (0,)),
        "(0,C,3)": ((0, C, 3), (0, 3)),
    }
    w = rng.uniform(0.2, 2.0, size=C)
    for (sname, (xs, ts)), red in itertools.product(shapes.items(), RED):
        z = rng.normal(size=xs) * 2
        t = rng.integers(0, C, size=ts)
        lp = z - np.log(np.exp(z).sum(axis=0 if len(xs) == 1 else 1, keepdims=True))
        for wname, ww in (("", None), (" weighted", w)):
            wt = None if ww is None else tt(ww)
            case(
                f"nll {sname}{wname} {red}",
                ogrid(engine.nll_loss, engine.nll_loss_grad, lp, t, red, ww),
                tgrad(F.nll_loss, lp, tt(t), wt, reduction=red),
            )
            case(
                f"ce {sname}{wname} {red}",
                ogrid(engine.cross_entropy, engine.cross_entropy_grad, z, t, red, ww),
                tgrad(F.cross_entropy, z, tt(t), wt, reduction=red),
            )
            for eps in (0.1, 1.0):
                case(
                    f"ce {sname}{wname} ls={eps} {red}",
                    ogrid(
                        engine.cross_entropy,
                        engine.cross_entropy_grad,
                        z,
                        t,
                        red,
                        ww,
                        label_smoothing=eps,
                    ),
                    tgrad(F.cross_entropy, z, tt(t), wt, reduction=red, label_smoothing=eps),
                )
            # probability targets
            q = rng.dirichlet(np.ones(C), size=int(np.prod(ts, dtype=int)))
            q = np.moveaxis(q.reshape(ts + (C,)), -1, 0 if len(xs) == 1 else 1)
            for eps in (0.0, 0.2):
                case(
                    f"ce prob {sname}{wname} ls={eps} {red}",
                    ogrid(
                        engine.cross_entropy,
                        engine.cross_entropy_grad,
                        z,
                        q,
                        red,
                        ww,
                        label_smoothing=eps,
                    ),
                    tgrad(F.cross_entropy, z, tt(q), wt, reduction=red, label_smoothing=eps),
                )
            # ignore_index: some, every
            if t.size:
                ti = t.copy()
                ti.reshape(-1)[::2] = -100
                ta = np.full_like(t, 2)
                for iname, tgt, ii in (("some ignored", ti, -100), ("all ignored", ta, 2)):
                    case(
                        f"nll {sname}{wname} {iname} {red}",
                        ogrid(engine.nll_loss, engine.nll_loss_grad, lp, tgt, red, ww, ii),
                        tgrad(F.nll_loss, lp, tt(tgt), wt, reduction=red, ignore_index=ii),
                    )
                    for eps in (0.0, 0.3):
                        case(
                            f"ce {sname}{wname} {iname} ls={eps} {red}",
                            ogrid(
                                engine.cross_entropy,
                                engine.cross_entropy_grad,
                                z,
                                tgt,
                                red,
                                ww,
                                ii,
                                eps,
                            ),
                            tgrad(
                                F.cross_entropy,
                                z,
                                tt(tgt),
                                wt,
                                reduction=red,
                                ignore_index=ii,
                                label_smoothing=eps,
                            ),
                        )
    # weight 0 everywhere read
    z = rng.normal(size=(3, C))
    t = np.array([1, 1, 3])
    w0 = np.array([1.0, 0.0, 1.0, 0.0])
    for red in RED:
        case(
            f"ce zero weights {red}",
            ogrid(engine.cross_entropy, engine.cross_entropy_grad, z, t, red, w0),
            tgrad(F.cross_entropy, z, tt(t), tt(w0), reduction=red),
        )
        case(
            f"nll zero weights {red}",
            ogrid(engine.nll_loss, engine.nll_loss_grad, z, t, red, w0),
            tgrad(F.nll_loss, z, tt(t), tt(w0), reduction=red),
        )
    # target dtypes
    z = rng.normal(size=(5, C))
    t = np.array([0, 3, 1, 2, 1])
    for dt, red in itertools.product(("int32", "int16", "uint8", "int8", "uint64"), RED):
        td = t.astype(dt)
        case(
            f"ce target {dt} {red}",
            ogrid(engine.cross_entropy, engine.cross_entropy_grad, z, td, red),
            tgrad(F.cross_entropy, z, tt(t), reduction=red),
        )
        case(
            f"nll target {dt} {red}",
            ogrid(engine.nll_loss, engine.nll_loss_grad, z, td, red),
            tgrad(F.nll_loss, z, tt(t), reduction=red),
        )
    # bool targets: both refuse
    for red in RED:
        tb = np.array([True, False, True, True, False])
        case(
            f"ce target bool {red}",
            ogrid(engine.cross_entropy, engine.cross_entropy_grad, z, tb, red),
            tgrad(F.cross_entropy, z, tt(tb), reduction=red),
        )
        case(
            f"nll target bool {red}",
            ogrid(engine.nll_loss, engine.nll_loss_grad, z, tb, red),
            tgrad(F.nll_loss, z, tt(tb), reduction=red),
        )
    # float32
    z32 = rng.normal(size=(5, C)).astype(np.float32)
    w32 = w.astype(np.float32)
    for red, ww in itertools.product(RED, (None, w32)):
        wn = "" if ww is None else " weighted"
        wt = None if ww is None else tt(ww)
        case(
            f"ce float32{wn} {red}",
            ogrid(engine.cross_entropy, engine.cross_entropy_grad, z32, t, red, ww),
            tgrad(F.cross_entropy, z32, tt(t), wt, reduction=red, dtype=torch.float32),
            dtype="float32",
        )
        case(
            f"ce float32 ls{wn} {red}",
            ogrid(
                engine.cross_entropy,
                engine.cross_entropy_grad,
                z32,
                t,
                red,
                ww,
                label_smoothing=0.1,
            ),
            tgrad(
                F.cross_entropy,
                z32,
                tt(t),
                wt,
                reduction=red,
                label_smoothing=0.1,
                dtype=torch.float32,
            ),
            dtype="float32",
        )
        case(
            f"nll float32{wn} {red}",
            ogrid(engine.nll_loss, engine.nll_loss_grad, z32, t, red, ww),
            tgrad(F.nll_loss, z32, tt(t), wt, reduction=red, dtype=torch.float32),
            dtype="float32",
        )
        q32 = rng.dirichlet(np.ones(C), size=5).astype(np.float32)
        case(
            f"ce prob float32{wn} {red}",
            ogrid(engine.cross_entropy, engine.cross_entropy_grad, z32, q32, red, ww),
            tgrad(F.cross_entropy, z32, tt(q32), wt, reduction=red, dtype=torch.float32),
            dtype="float32",
        )
    # layouts
    zb = rng.normal(size=(C, 6))
    tb = rng.integers(0, C, size=12)[::-2]
    for red in RED:
        for lname, zz in (("transposed", zb.T), ("reversed", zb.T[::-1, ::-1])):
            case(
                f"ce {lname} {red}",
                ogrid(
                    engine.cross_entropy,
                    engine.cross_entropy_grad,
                    zz,
                    tb,
                    red,
                    w,
                    label_smoothing=0.1,
                ),
                tgrad(F.cross_entropy, zz, tt(tb), tt(w), reduction=red, label_smoothing=0.1),
            )
            case(
                f"nll {lname} {red}",
                ogrid(engine.nll_loss, engine.nll_loss_grad, zz, tb, red, w),
                tgrad(F.nll_loss, zz, tt(tb), tt(w), reduction=red),
            )
    # extremes
    ext = {
        "±1e308": np.array([[1e308, -1e308, 0.0, 1.0], [-1e308, 1e308, 1e308, 0.0]]),
        "-inf logit": np.array([[0.0, -np.inf, 1.0, 2.0], [-np.inf, 0.0, 0.0, 0.0]]),
        "denormal": np.array([[5e-324, -5e-324, 0.0, 1e-310], [0.0, 0.0, 0.0, 0.0]]),
    }
    t2 = np.array([0, 1])
    for (ename, z), red in itertools.product(ext.items(), RED):
        for eps in (0.0, 0.1):
            case(
                f"ce extreme {ename} ls={eps} {red}",
                ogrid(
                    engine.cross_entropy, engine.cross_entropy_grad, z, t2, red, label_smoothing=eps
                ),
                tgrad(F.cross_entropy, z, tt(t2), reduction=red, label_smoothing=eps),
            )
        q = np.array([[0.5, 0.0, 0.25, 0.25], [0.0, 0.5, 0.5, 0.0]])
        case(
            f"ce prob extreme {ename} {red}",
            ogrid(engine.cross_entropy, engine.cross_entropy_grad, z, q, red),
            tgrad(F.cross_entropy, z, tt(q), reduction=red),
        )


# ------------------------------------------------------------------------------------------
# CTC
# ------------------------------------------------------------------------------------------


def _ctc_torch(lp, targets, il, tl, blank, red, zi, dtype=torch.float64):
    def run():
        x = torch.tensor(np.array(lp), dtype=dtype, requires_grad=True)
        loss = F.ctc_loss(
            x, tt(targets), tt(il), tt(tl), blank=blank, reduction=red, zero_infinity=zi
        )
        loss.sum().backward()
        return loss.detach().numpy(), x.grad.numpy()

    return run


def _ctc_ours(lp, targets, il, tl, blank, red, zi):
    return lambda: tuple(
        np.asarray(v)
        for v in engine.ctc_loss_and_grad(
            lp, targets, il, tl, blank=blank, reduction=red, zero_infinity=zi
        )
    )


def _log_softmax(z):
    m = z.max(axis=-1, keepdims=True)
    return z - m - np.log(np.exp(z - m).sum(axis=-1, keepdims=True))


def ctc() -> None:
    rng = np.random.default_rng(2)
    T, N, C, S = 8, 4, 5, 3
    configs = {
        "plain": {"tl": [3, 2, 1, 3], "il": [8, 8, 8, 8]},
        "il<T": {"tl": [3, 2, 1, 3], "il": [8, 5, 3, 7]},
        "tl 0": {"tl": [0, 2, 0, 3], "il": [8, 6, 0, 7]},
        "too long": {"tl": [3, 3, 1, 2], "il": [8, 2, 0, 1]},
        "repeats": {"tl": [3, 3, 2, 2], "il": [8, 5, 3, 4], "rep": True},
        "all tl 0": {"tl": [0, 0, 0, 0], "il": [8, 3, 0, 1]},
    }
    for (cname, cfg), blank, red, zi, layout in itertools.product(
        configs.items(), (0, C - 1, 2), RED, (False, True), ("padded", "concat")
    ):
        labels = [k for k in range(C) if k != blank]
        tg = rng.choice(labels, size=(N, S))
        if cfg.get("rep"):
            tg[:, 1] = tg[:, 0]
            tg[:, 2] = tg[:, 1]
        tl, il = np.array(cfg["tl"]), np.array(cfg["il"])
        targets = tg if layout == "padded" else np.concatenate([tg[n, : tl[n]] for n in range(N)])
        lp = _log_softmax(rng.normal(size=(T, N, C)) * 2)
        case(
            f"ctc {cname} blank={blank} {layout} zi={zi} {red}",
            _ctc_ours(lp, targets, il, tl, blank, red, zi),
            _ctc_torch(lp, targets, il, tl, blank, red, zi),
        )
    # float32, target/length dtypes, unbatched, layouts, N=0
    tg = np.array([[1, 2, 2], [3, 1, 0], [4, 4, 0], [2, 0, 0]])
    tl, il = np.array([3, 2, 2, 1]), np.array([8, 6, 5, 2])
    for red, zi in itertools.product(RED, (False, True)):
        lp = _log_softmax(rng.normal(size=(T, N, C)) * 2)
        case(
            f"ctc float32 zi={zi} {red}",
            _ctc_ours(lp.astype(np.float32), tg, il, tl, 0, red, zi),
            _ctc_torch(lp.astype(np.float32), tg, il, tl, 0, red, zi, dtype=torch.float32),
            dtype="float32",
        )
        for dt in ("int32", "int16", "uint8"):
            case(
                f"ctc targets/lengths {dt} zi={zi} {red}",
                _ctc_ours(lp, tg.astype(dt), il.astype(dt), tl.astype(dt), 0, red, zi),
                _ctc_torch(lp, tg, il, tl, 0, red, zi),
            )
        case(
            f"ctc unbatched zi={zi} {red}",
            _ctc_ours(lp[:, 0], tg[0], 7, 3, 0, red, zi),
            _ctc_torch(lp[:, 0], tg[0], np.array(7), np.array(3), 0, red, zi),
        )
        case(
            f"ctc unbatched too long zi={zi} {red}",
            _ctc_ours(lp[:2, 0], tg[0], 2, 3, 0, red, zi),
            _ctc_torch(lp[:2, 0], tg[0], np.array(2), np.array(3), 0, red, zi),
        )
        big = _log_softmax(rng.normal(size=(N, C, T))).transpose(2, 0, 1)  # non-contiguous
        case(
            f"ctc transposed zi={zi} {red}",
            _ctc_ours(big, tg, il, tl, 0, red, zi),
            _ctc_torch(big, tg, il, tl, 0, red, zi),
        )
        rev = lp[::-1, ::-1]
        case(
            f"ctc reversed zi={zi} {red}",
            _ctc_ours(rev, tg, il, tl, 0, red, zi),
            _ctc_torch(rev, tg, il, tl, 0, red, zi),
        )
        case(
            f"ctc N=0 zi={zi} {red}",
            _ctc_ours(lp[:, :0], tg[:0], il[:0], tl[:0], 0, red, zi),
            _ctc_torch(lp[:, :0], tg[:0], il[:0], tl[:0], 0, red, zi),
        )
        # -inf log-probabilities on a feasible target; blank never possible
        lpi = lp.copy()
        lpi[:, :, 3] = -np.inf
        case(
            f"ctc -inf class zi={zi} {red}",
            _ctc_ours(lpi, tg[[0, 3]], il[[0, 3]], tl[[0, 3]], 0, red, zi),
            _ctc_torch(lpi, tg[[0, 3]], il[[0, 3]], tl[[0, 3]], 0, red, zi),
        )


def more() -> None:
    """Fast paths and big inputs: one full-length CTC sequence (its own recursion), long and
    wide CTC batches (windows, threads, transfer matrices), unnormalised log_probs, blank
    padding past a target's length, chunked pointwise losses (2^19 elements and more)."""
    rng = np.random.default_rng(3)
    for red, zi, dt in itertools.product(RED, (False, True), ("float64", "float32")):
        tdt = torch.float64 if dt == "float64" else torch.float32
        for tl, il, name in (
            (3, 8, "full"),
            (0, 8, "empty target"),
            (3, 4, "tight"),
            (5, 4, "impossible"),
        ):
            lp = _log_softmax(rng.normal(size=(8, 1, 5)) * 2).astype(dt)
            tg = np.array([[1, 1, 3, 2, 4]])
            case(
                f"ctc N=1 {name} {dt} zi={zi} {red}",
                _ctc_ours(lp, tg[:, : max(tl, 1)], [il], [tl], 0, red, zi),
                _ctc_torch(
                    lp, tg[:, : max(tl, 1)], np.array([il]), np.array([tl]), 0, red, zi, dtype=tdt
                ),
                dtype=dt,
            )
        # unnormalised log_probs (torch accepts any values)
        lp = rng.normal(size=(6, 2, 4)).astype(dt)
        tg = np.array([[1, 2], [3, 3]])
        case(
            f"ctc unnormalised {dt} zi={zi} {red}",
            _ctc_ours(lp, tg, [6, 5], [2, 2], 0, red, zi),
            _ctc_torch(lp, tg, np.array([6, 5]), np.array([2, 2]), 0, red, zi, dtype=tdt),
            dtype=dt,
        )
        # padding holding the blank (and out-of-range values) past each target's length
        lp = _log_softmax(rng.normal(size=(7, 3, 4))).astype(dt)
        tg = np.array([[1, 2, 0, 0], [3, 0, 0, 0], [2, 2, 1, 3]])
        case(
            f"ctc blank padding {dt} zi={zi} {red}",
            _ctc_ours(lp, tg, [7, 6, 7], [2, 1, 3], 0, red, zi),
            _ctc_torch(lp, tg, np.array([7, 6, 7]), np.array([2, 1, 3]), 0, red, zi, dtype=tdt),
            dtype=dt,
        )
    for red in RED:
        for T, N, C, S, scale in (
            (300, 3, 6, 40, 3.0),
            (3000, 1, 5, 4, 1.0),
            (40, 64, 20, 130, 1.0),
            (400, 2, 10, 50, 6.0),
        ):
            z = rng.normal(size=(T, N, C)) * scale
            lp = _log_softmax(z)
            tg = rng.integers(1, C, size=(N, S))
            il = np.full(N, T)
            il[-1] = T - 1 if N > 1 else T
            tl = np.full(N, S)
            case(
                f"ctc big {(T, N, C, S)} x{scale} {red}",
                _ctc_ours(lp, tg, il, tl, 0, red, False),
                _ctc_torch(lp, tg, il, tl, 0, red, False),
            )
        n = (1 << 19) + 7
        for dt in ("float64", "float32"):
            tdt = torch.float64 if dt == "float64" else torch.float32
            x = rng.normal(size=2 * n).astype(dt)[::-2]
            y = rng.normal(size=n).astype(dt)
            p = rng.uniform(0.001, 0.999, size=n).astype(dt)
            sg = np.where(rng.normal(size=n) > 0, 1.0, -1.0).astype(dt)
            case(
                f"mse chunked reversed {dt} {red}",
                ogrid(engine.mse_loss, engine.mse_grad, x, y, red),
                tgrad(F.mse_loss, x, tt(y), reduction=red, dtype=tdt),
                dtype=dt,
            )
            case(
                f"bce chunked {dt} {red}",
                ogrid(
                    engine.binary_cross_entropy,
                    engine.binary_cross_entropy_grad,
                    p,
                    y * 0 + p[::-1],
                    red,
                ),
                tgrad(F.binary_cross_entropy, p, tt(p[::-1]), reduction=red, dtype=tdt),
                dtype=dt,
            )
            case(
                f"hinge chunked {dt} {red}",
                ogrid(engine.hinge_loss, engine.hinge_loss_grad, x, sg, red),
                tgrad(
                    lambda a, b, reduction: _red(torch.clamp(1 - b * a, min=0), reduction),
                    x,
                    tt(sg),
                    reduction=red,
                    dtype=tdt,
                ),
                dtype=dt,
            )
            z = rng.normal(size=(n // 16 * 2, 16)).astype(dt)[::2]
            t = rng.integers(0, 16, size=z.shape[0]).astype(np.int32)
            t[::5] = -100
            case(
                f"ce chunked {dt} ls {red}",
                ogrid(
                    engine.cross_entropy, engine.cross_entropy_grad, z, t, red, label_smoothing=0.1
                ),
                tgrad(
                    F.cross_entropy,
                    z,
                    tt(t.astype(np.int64)),
                    reduction=red,
                    label_smoothing=0.1,
                    dtype=tdt,
                ),
                dtype=dt,
            )


def odd() -> None:
    """Arguments at the edge of what each side takes: refusals must agree too."""
    rng = np.random.default_rng(4)
    lp = _log_softmax(rng.normal(size=(5, 2, 4)))
    for red in RED:
        for name, tg, il, tl, blank in (
            ("padding -1 past length", [[1, 2, -1], [3, -1, -1]], [5, 5], [2, 1], 0),
            ("padding 99 past length", [[1, 2, 99], [3, 99, 99]], [5, 5], [2, 1], 0),
            ("input length > T", [[1, 2], [3, 1]], [6, 5], [2, 2], 0),
            ("negative input length", [[1, 2], [3, 1]], [-1, 5], [2, 2], 0),
            ("target length > S", [[1, 2], [3, 1]], [5, 5], [3, 2], 0),
            ("blank -1", [[1, 2], [0, 1]], [5, 5], [2, 2], -1),
            ("blank C", [[1, 2], [0, 1]], [5, 5], [2, 2], 4),
            ("label = blank", [[1, 0], [3, 1]], [5, 5], [2, 2], 0),
            ("label >= C", [[1, 4], [3, 1]], [5, 5], [2, 2], 0),
        ):
            tg, il, tl = np.array(tg), np.array(il), np.array(tl)
            case(
                f"ctc {name} {red}",
                _ctc_ours(lp, tg, il, tl, blank, red, False),
                _ctc_torch(lp, tg, il, tl, blank, red, False),
            )
        z = rng.normal(size=(3, 4))
        zi = z.copy()
        zi[1, 2] = -np.inf
        for name, zz, t in (
            ("target logit -inf", zi, np.array([0, 2, 1])),
            ("other logit -inf", zi, np.array([0, 1, 1])),
            ("target -1", z, np.array([0, -1, 1])),
            ("target C", z, np.array([0, 4, 1])),
            ("ignore_index -1", z, np.array([0, -1, 1])),
        ):
            ii = -1 if "ignore_index -1" in name else -100
            case(
                f"nll {name} {red}",
                ogrid(engine.nll_loss, engine.nll_loss_grad, zz, t, red, None, ii),
                tgrad(F.nll_loss, zz, tt(t), reduction=red, ignore_index=ii),
            )
            case(
                f"ce {name} {red}",
                ogrid(engine.cross_entropy, engine.cross_entropy_grad, zz, t, red, None, ii),
                tgrad(F.cross_entropy, zz, tt(t), reduction=red, ignore_index=ii),
            )
        q = rng.dirichlet(np.ones(4), size=3)
        case(
            f"ce prob with ignore_index 1 {red}",
            ogrid(engine.cross_entropy, engine.cross_entropy_grad, z, q, red, None, 1),
            tgrad(F.cross_entropy, z, tt(q), reduction=red, ignore_index=1),
        )
        case(
            f"ce prob target rows not summing to 1 {red}",
            ogrid(engine.cross_entropy, engine.cross_entropy_grad, z, 3 * q, red),
            tgrad(F.cross_entropy, z, tt(3 * q), reduction=red),
        )
        case(
            f"ce label_smoothing 1.5 {red}",
            ogrid(
                engine.cross_entropy,
                engine.cross_entropy_grad,
                z,
                np.array([0, 1, 2]),
                red,
                label_smoothing=1.5,
            ),
            tgrad(F.cross_entropy, z, tt(np.array([0, 1, 2])), reduction=red, label_smoothing=1.5),
        )
        case(
            f"ce weight float32 input float64 {red}",
            ogrid(
                engine.cross_entropy,
                engine.cross_entropy_grad,
                z,
                np.array([0, 1, 2]),
                red,
                np.array([1, 2, 3, 4], dtype=np.float32),
            ),
            tgrad(
                F.cross_entropy,
                z,
                tt(np.array([0, 1, 2])),
                tt(np.array([1.0, 2, 3, 4])),
                reduction=red,
            ),
        )
        for c_name, zc, tc, wc in (
            ("C=1", rng.normal(size=(3, 1)), np.array([0, 0, 0]), np.array([2.0])),
            (
                "C=1000",
                rng.normal(size=(4, 1000)) * 5,
                rng.integers(0, 1000, 4),
                rng.uniform(0.1, 3, 1000),
            ),
        ):
            for eps, ww in itertools.product((0.0, 0.25), (None, wc)):
                case(
                    f"ce {c_name} ls={eps} w={ww is not None} {red}",
                    ogrid(
                        engine.cross_entropy,
                        engine.cross_entropy_grad,
                        zc,
                        tc,
                        red,
                        ww,
                        label_smoothing=eps,
                    ),
                    tgrad(
                        F.cross_entropy,
                        zc,
                        tt(tc),
                        None if ww is None else tt(ww),
                        reduction=red,
                        label_smoothing=eps,
                    ),
                )
        zero_w = np.zeros(4)
        case(
            f"ce all weights 0 ls=0.2 {red}",
            ogrid(
                engine.cross_entropy,
                engine.cross_entropy_grad,
                z,
                np.array([0, 1, 2]),
                red,
                zero_w,
                label_smoothing=0.2,
            ),
            tgrad(
                F.cross_entropy,
                z,
                tt(np.array([0, 1, 2])),
                tt(zero_w),
                reduction=red,
                label_smoothing=0.2,
            ),
        )
        lp32 = _log_softmax(rng.normal(size=(1000, 2, 8)) * 3).astype(np.float32)
        tg = rng.integers(1, 8, size=(2, 60))
        case(
            f"ctc T=1000 float32 {red}",
            _ctc_ours(lp32, tg, [1000, 900], [60, 45], 0, red, False),
            _ctc_torch(
                lp32,
                tg,
                np.array([1000, 900]),
                np.array([60, 45]),
                0,
                red,
                False,
                dtype=torch.float32,
            ),
            dtype="float32",
        )
        case(
            f"ctc T=1000 float32 vs torch float64 {red}",
            _ctc_ours(lp32, tg, [1000, 900], [60, 45], 0, red, False),
            _ctc_torch(lp32, tg, np.array([1000, 900]), np.array([60, 45]), 0, red, False),
            dtype="float32",
            check_dtype=False,
        )
        p = np.array([0.2, 0.7, 0.5])
        case(
            f"bce target outside [0, 1] {red}",
            ogrid(
                engine.binary_cross_entropy,
                engine.binary_cross_entropy_grad,
                p,
                np.array([1.5, 0.0, -0.5]),
                red,
            ),
            tgrad(F.binary_cross_entropy, p, tt(np.array([1.5, 0.0, -0.5])), reduction=red),
        )
        case(
            f"mse shapes differ {red}",
            ogrid(engine.mse_loss, engine.mse_grad, np.ones((3, 1)), np.ones(3), red),
            tgrad(F.mse_loss, np.ones((3, 1)), tt(np.ones(3)), reduction=red),
        )


def _torch_seq(z, t, lengths, reduction, from_logits, dtype=torch.float64):
    """F.cross_entropy (logits) or F.nll_loss of ln yhat over the real steps, -100 elsewhere."""

    def run():
        n_seq, n_steps, n_classes = z.shape
        x = torch.tensor(np.array(z), dtype=dtype, requires_grad=True)
        tg = np.where(np.arange(n_steps)[None, :] < np.asarray(lengths)[:, None], t, -100)
        rows, tt_ = x.reshape(-1, n_classes), tt(tg.reshape(-1))
        fn = (
            F.cross_entropy if from_logits else (lambda r, y, **k: F.nll_loss(torch.log(r), y, **k))
        )
        per = fn(rows, tt_, ignore_index=-100, reduction="none").reshape(n_seq, n_steps)
        loss = {
            "none": per,
            "sum": per.sum(),
            "mean_sequences": per.sum() / n_seq,
            "mean_tokens": fn(rows, tt_, ignore_index=-100, reduction="mean"),
        }[reduction]
        loss.sum().backward()
        return loss.detach().numpy(), x.grad.numpy()

    return run


def sequences() -> None:
    """sequence_cross_entropy (indices; logits or probabilities) and sequence_hinge."""
    rng = np.random.default_rng(5)
    reds = ("none", "sum", "mean_tokens", "mean_sequences")
    for red, from_logits, dt, (lname, lengths) in itertools.product(
        reds,
        (True, False),
        ("float64", "float32"),
        (("some 0", [5, 0, 3]), ("full", [5, 5, 5]), ("all 0", [0, 0, 0])),
    ):
        tdt = torch.float64 if dt == "float64" else torch.float32
        z = rng.normal(size=(3, 5, 4)) * 2
        x = (z if from_logits else np.exp(_log_softmax(z))).astype(dt)
        t = rng.integers(0, 4, size=(3, 5))

        def ours(x=x, t=t, lengths=lengths, red=red, from_logits=from_logits):
            kw = {"lengths": lengths, "reduction": red, "from_logits": from_logits}
            return (
                np.asarray(engine.sequence_cross_entropy(x, t, **kw)),
                np.asarray(engine.sequence_cross_entropy_grad(x, t, **kw)),
            )

        case(
            f"seq ce {lname} logits={from_logits} {dt} {red}",
            ours,
            _torch_seq(x, t, lengths, red, from_logits, tdt),
            dtype=dt,
        )
    for red, (lname, lengths) in itertools.product(
        ("none", "sum", "mean"), (("some 0", [4, 0, 2]), ("all 0", [0, 0, 0]))
    ):
        x = rng.normal(size=(3, 4))
        y = np.where(rng.normal(size=(3, 4)) > 0, 1.0, -1.0)
        m = np.arange(4)[None, :] < np.array(lengths)[:, None]

        def theirs(x=x, y=y, m=m, red=red):
            xt = torch.tensor(x, requires_grad=True)
            per = torch.clamp(1 - tt(y) * xt, min=0) * tt(m.astype(float))
            loss = {"none": per, "sum": per.sum(), "mean": per.sum() / m.sum()}[red]
            loss.sum().backward()
            return loss.detach().numpy(), xt.grad.numpy()

        case(
            f"seq hinge {lname} {red}",
            lambda x=x, y=y, lengths=lengths, red=red: (
                np.asarray(engine.sequence_hinge(x, y, lengths=lengths, reduction=red)),
                np.asarray(engine.sequence_hinge_grad(x, y, lengths=lengths, reduction=red)),
            ),
            theirs,
        )


def categorical() -> None:
    """categorical_cross_entropy against autograd of -sum_c y_c ln yhat_c (no torch function)."""
    rng = np.random.default_rng(6)

    def theirs_of(p, y, red, dtype=torch.float64):
        def run():
            x = torch.tensor(np.array(p), dtype=dtype, requires_grad=True)
            per = -(tt(y).to(dtype) * torch.log(x)).sum(-1)
            loss = {"none": per, "sum": per.sum(), "mean": per.mean()}[red]
            loss.sum().backward()
            return loss.detach().numpy(), x.grad.numpy()

        return run

    for red, (name, shape), dt in itertools.product(
        RED, (("(N,C)", (5, 4)), ("(C,)", (4,)), ("N=0", (0, 4))), ("float64", "float32")
    ):
        tdt = torch.float64 if dt == "float64" else torch.float32
        p = np.exp(_log_softmax(rng.normal(size=shape))).astype(dt)
        y = (
            rng.dirichlet(np.ones(4), size=shape[:-1]).astype(dt)
            if shape[:-1]
            else (rng.dirichlet(np.ones(4)).astype(dt))
        )
        case(
            f"cce {name} {dt} {red}",
            ogrid(
                engine.categorical_cross_entropy, engine.categorical_cross_entropy_grad, p, y, red
            ),
            theirs_of(p, y, red, tdt),
            dtype=dt,
        )


def ctc_wrt_log_probs() -> None:
    """wrt="log_probs" against torch's gradient minus c_n exp(log_probs) on valid frames (the
    documented relation; torch reports the logits gradient)."""
    rng = np.random.default_rng(7)
    tg = np.array([[1, 2, 2], [3, 1, 0], [0, 0, 0]])
    tl, il = np.array([3, 2, 0]), np.array([8, 6, 3])
    for red, zi in itertools.product(RED, (False, True)):
        lp = _log_softmax(rng.normal(size=(8, 3, 4)) * 2)

        def theirs(lp=lp, red=red, zi=zi):
            loss, g = _ctc_torch(lp, tg, il, tl, 0, red, zi)()
            c = {"none": np.ones(3), "sum": np.ones(3), "mean": 1.0 / (3 * np.maximum(tl, 1))}[red]
            valid = np.arange(8)[:, None] < il[None, :]
            return loss, g - np.where(valid, c, 0.0)[:, :, None] * np.exp(lp)

        def ours(lp=lp, red=red, zi=zi):
            loss, g = engine.ctc_loss_and_grad(
                lp, tg, il, tl, reduction=red, zero_infinity=zi, wrt="log_probs"
            )
            return np.asarray(loss), g

        case(f"ctc wrt=log_probs zi={zi} {red}", ours, theirs)


def main() -> int:
    torch.set_num_threads(2)
    pointwise()
    classification()
    ctc()
    more()
    odd()
    sequences()
    categorical()
    ctc_wrt_log_probs()
    for line in R.known:
        print("KNOWN", line)
    for line in R.bad:
        print("DIFF ", line)
    print(
        f"{R.cases} cases; {len(R.bad)} disagree, {len(R.known)} documented departures; "
        "where they agree, largest difference: loss (relative) float64 "
        f"{R.worst['float64', 'loss']:.1e}, float32 {R.worst['float32', 'loss']:.1e}; gradient "
        f"(of its largest entry) float64 {R.worst['float64', 'grad']:.1e}, float32 "
        f"{R.worst['float32', 'grad']:.1e}"
    )
    return 1 if R.bad else 0


if __name__ == "__main__":
    sys.exit(main())
