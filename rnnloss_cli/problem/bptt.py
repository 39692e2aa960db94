"""Problem files for back-propagation through time in a tiny Elman RNN (kind: bptt).

Row-vector convention, h_t = tanh(x_t W_xh + h_{t-1} W_hh + b_h), o_t = h_t W_hy + b_y.
Fields: ``loss`` (cross_entropy, the default, with ``targets`` a list of T class indices;
or squared_error, L_t = ||o_t - y_t||², with ``targets`` T rows of K numbers), ``reduction``
(sum over steps, the default, or mean), ``x`` (T rows of D inputs), ``W_xh`` (D x H),
``W_hh`` (H x H), ``W_hy`` (H x K) and optional ``b_h`` (H), ``b_y`` (K), ``h0`` (H), zero
when left out. Answer: ``loss`` and ``grads`` (any of the parameters, each shaped like it).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rnnloss_cli.limits import MAX_BPTT_LAG_WORK, MAX_BPTT_TRACE, MAX_KEY_FIGURES
from rnnloss_cli.problem._keys import ExtraKeys, split_answer
from rnnloss_cli.problem.base import COMMON_FIELDS, Meta
from rnnloss_cli.problem.fields import Fields, counted

PARAMETERS = ("W_xh", "W_hh", "b_h", "W_hy", "b_y", "h0")
BPTT_FIELDS = ("loss", "reduction", "x", "targets", *PARAMETERS)


@dataclass(frozen=True)
class BPTTProblem:
    """kind: bptt, validated: arrays shaped for ``engine.elman_bptt``."""

    meta: Meta
    keys: ExtraKeys
    loss: str
    reduction: str
    x: np.ndarray
    targets: np.ndarray
    params: dict[str, np.ndarray]


def _matrix(f: Fields, name: str, rows: int | None, cols: int | None, what: str) -> np.ndarray:
    arr = f.array(name, ndims=(2,))
    want = (rows if rows is not None else arr.shape[0], cols if cols is not None else arr.shape[1])
    if arr.shape != want:
        raise f.error(
            f"expected {what} = {want[0]} x {want[1]}, got {arr.shape[0]} x {arr.shape[1]}", name
        )
    return arr


def _vector(f: Fields, name: str, size: int, what: str) -> np.ndarray:
    if not f.has(name):
        return np.zeros(size)
    arr = f.array(name, ndims=(1,))
    if arr.size != size:
        raise f.error(f"expected {what} = {counted(size, 'number')}, got {arr.size}", name)
    return arr


def _class_targets(f: Fields, n_out: int) -> np.ndarray:
    """cross_entropy's targets: one class index in [0, K) per step. Rows of numbers are
    squared_error's targets: the message names the loss and how to choose the other."""
    raw = f.raw("targets")
    if isinstance(raw, list) and raw and all(isinstance(row, list) for row in raw):
        default = "" if f.has("loss") else ", the default"
        raise f.error(
            f"loss cross_entropy{default} wants one class index per step, e.g. [0, 2, 1]; "
            "got rows of numbers: for vector targets give loss: squared_error",
            "targets",
        )
    return f.array("targets", ndims=(1,), low=0, high=n_out - 1, integer=True)


def parse_bptt(f: Fields, kind: str) -> BPTTProblem:
    """kind: bptt (see the module docstring)."""
    f.check_keys((*COMMON_FIELDS, *BPTT_FIELDS), kind=kind)
    meta, keys = split_answer(f, kind, arrays=("grads",))
    loss = f.text("loss", "cross_entropy", choices=("cross_entropy", "squared_error"))
    reduction = f.text("reduction", "sum", choices=("sum", "mean"))
    x = f.array("x", ndims=(2,))
    n_steps, n_in = x.shape
    w_hh = _matrix(f, "W_hh", None, None, "H x H")
    n_hidden = w_hh.shape[0]
    if w_hh.shape[1] != n_hidden:
        raise f.error(f"W_hh must be square (H x H), got {n_hidden} x {w_hh.shape[1]}", "W_hh")
    trace = n_steps * n_hidden * n_hidden
    if trace > MAX_BPTT_TRACE:
        raise f.error(
            f"T x H² = {n_steps:,} x {n_hidden:,}² = {trace:,}, more than the limit "
            f"MAX_BPTT_TRACE = {MAX_BPTT_TRACE:,} (dW_hh is split into T matrices of H x H)",
            "W_hh",
        )
    work = n_steps * n_steps * n_hidden * n_hidden
    if work > MAX_BPTT_LAG_WORK:
        raise f.error(
            f"T² x H² = {n_steps:,}² x {n_hidden:,}² = {work:,}, more than the limit "
            f"MAX_BPTT_LAG_WORK = {MAX_BPTT_LAG_WORK:,} (the gradient's reach is traced from "
            "every step back to every earlier one); give fewer steps",
            "x",
        )
    w_xh = _matrix(f, "W_xh", n_in, n_hidden, "D x H (D inputs from x, H from W_hh)")
    w_hy = _matrix(f, "W_hy", n_hidden, None, "H x K")
    n_out = w_hy.shape[1]
    params = {
        "W_xh": w_xh,
        "W_hh": w_hh,
        "b_h": _vector(f, "b_h", n_hidden, "H"),
        "W_hy": w_hy,
        "b_y": _vector(f, "b_y", n_out, "K"),
        "h0": _vector(f, "h0", n_hidden, "H"),
    }
    if loss == "cross_entropy":
        targets = _class_targets(f, n_out)
        if targets.size != n_steps:
            raise f.error(
                f"expected T = {counted(n_steps, 'class index', 'class indices')} (one per row "
                f"of x), got {targets.size}",
                "targets",
            )
    else:
        targets = _matrix(f, "targets", n_steps, n_out, "T x K (T rows of x, K from W_hy)")
    figures = 0
    for name, (arr, _) in keys.arrays.items():
        param = name.split(".", 1)[1]
        figures += arr.size
        if figures > MAX_KEY_FIGURES:
            raise f.error(
                f"the gradient keys hold {figures:,} numbers up to this one, more than the "
                f"limit MAX_KEY_FIGURES = {MAX_KEY_FIGURES:,} (each is a checked figure and a "
                "line of output); key the loss and grad_norm instead, or a smaller network",
                "answer",
                "grads",
                param,
            )
        if not name.startswith("grads.") or param not in params:
            raise f.error(
                f"no gradient named {param!r}; expected some of {', '.join(PARAMETERS)}",
                "answer",
                "grads",
                param,
            )
        if arr.shape != params[param].shape:
            raise f.error(
                f"the key's gradient has shape {arr.shape}, the parameter {params[param].shape}",
                "answer",
                "grads",
                param,
            )
    return BPTTProblem(meta, keys, loss, reduction, x, np.asarray(targets), params)
