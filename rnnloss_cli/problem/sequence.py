"""Problem files for the handout's sequence losses: kinds sequence, sequence_hinge, reinforce.

Shapes: one sequence has T steps, a batch N sequences of T steps (rows are padded to T).
Padding is given by ``lengths`` (steps per sequence; steps t > length are padding) or by a 0/1
``mask`` (1 = real step), never both; padded steps contribute nothing to the loss.

- ``sequence``: L = -sum_t sum_c y_{t,c} ln yhat_{t,c} (the handout's "Sequence Loss"), with
  ``yhat`` (T x C or N x T x C probabilities) or ``logits`` (softmax per step) and ``targets``
  as class indices, one-hot rows, or symbols of a ``vocabulary`` naming the C columns.
- ``sequence_hinge``: L = sum_t max(0, 1 - y_t yhat_t) with labels -1/+1 (mean by default,
  the handout's worked example).
- ``reinforce``: L = -sum_t A_t ln pi(y_t|s_t), A_t = R_t - b, R_t the discounted reward-to-go
  (or ``returns`` given); the handout's sum_t R_t log pi is the objective J = -L.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from rnnloss_cli.problem.base import COMMON_FIELDS, Meta, parse_meta
from rnnloss_cli.problem.fields import Fields, counted
from rnnloss_cli.problem.pointwise import check_pm1_labels

PADDING_FIELDS = ("lengths", "mask")
SEQUENCE_REDUCTIONS = ("sum", "mean_tokens", "mean_sequences")
HINGE_REDUCTIONS = ("mean", "sum", "mean_sequences")
REINFORCE_REDUCTIONS = ("sum", "mean", "mean_sequences")


@dataclass(frozen=True)
class SequenceProblem:
    """kind: sequence. ``input`` is (T, C) or (N, T, C); ``targets`` class indices (T,)/(N, T).

    ``labels`` holds the target as written (symbol or index) per step; ``mask`` is True at
    real steps; ``vocabulary`` names the C columns when given.
    """

    meta: Meta
    input: np.ndarray
    from_logits: bool
    targets: np.ndarray
    labels: tuple[str, ...]
    mask: np.ndarray
    reduction: str
    vocabulary: tuple[str, ...] | None = None


@dataclass(frozen=True)
class SequenceHingeProblem:
    """kind: sequence_hinge. Labels ``y`` in {-1, +1} and scores ``yhat``, (T,) or (N, T)."""

    meta: Meta
    y: np.ndarray
    yhat: np.ndarray
    mask: np.ndarray
    reduction: str


@dataclass(frozen=True)
class ReinforceProblem:
    """kind: reinforce, per step (T,) or (N, T).

    ``given`` says where pi comes from: "probs" (pi(y_t|s_t) of the action taken), "policy"
    (full distributions, ``logits`` = ln policy) or "logits". ``returns`` is None when they
    are to be computed from ``rewards`` with ``gamma``. ``baseline``: None, a number, "mean"
    (per-episode mean of R over its real steps) or an array of the steps' shape.
    """

    meta: Meta
    given: str
    action_probs: np.ndarray | None
    logits: np.ndarray | None
    actions: np.ndarray | None
    rewards: np.ndarray | None
    returns: np.ndarray | None
    gamma: float | None
    baseline: float | str | np.ndarray | None
    mask: np.ndarray
    reduction: str


# ---------------------------------------------------------------------------- helpers
def where_step(index: tuple[int, ...]) -> str:
    """A 1-based name for a step: ``t=2`` in one sequence, ``sequence 2, t=3`` in a batch."""
    if len(index) == 1:
        return f"t={index[0] + 1}"
    return f"sequence {index[0] + 1}, t={index[1] + 1}"


def _as_written(x: float) -> str:
    """A number from the file for an error message, as the file writes it (its shortest
    round-trip digits, no "+" in the exponent): 1.2345678e308, -1.5e308, 1.0000001, 3. Python's
    ``:g`` gave 1.23457e+308 and, for a gamma of 1.0000001 refused as past 1, "got 1"."""
    text = repr(float(x)).replace("e+", "e")
    return text[:-2] if text.endswith(".0") else text


def _depth(value: Any) -> int:
    depth = 0
    while isinstance(value, list) and value:
        depth += 1
        value = value[0]
    return depth


def parse_padding(f: Fields, steps_shape: tuple[int, ...], like: str) -> np.ndarray:
    """The real-step mask from ``lengths`` or ``mask`` (all steps real when neither is given).

    ``lengths`` is one integer per sequence in [0, T] (a number or a one-entry list for a
    single sequence); ``mask`` is 0/1 of the steps' shape (T,) or (N, T).
    """
    if f.has("lengths") and f.has("mask"):
        raise f.error("give either lengths or mask, not both", "mask")
    n_steps = steps_shape[-1]
    if f.has("mask"):
        m = f.array("mask", ndims=(1, 2), low=0, high=1, integer=True)
        if m.shape != steps_shape:
            want = "T" if len(steps_shape) == 1 else "N x T"
            raise f.error(
                f"mask has shape {m.shape}, expected {steps_shape} ({want}, one 0/1 per step "
                f"of {like})",
                "mask",
            )
        return m.astype(bool)
    if not f.has("lengths"):
        return np.ones(steps_shape, dtype=bool)
    lens = f.array("lengths", ndims=(0, 1), low=0, integer=True)
    n_seq = 1 if len(steps_shape) == 1 else steps_shape[0]
    if lens.size != n_seq:
        raise f.error(
            f"expected {n_seq} length{'s' if n_seq > 1 else ''} (one per sequence of {like}), "
            f"got {lens.size}",
            "lengths",
        )
    for i, length in enumerate(lens.ravel()):
        if length > n_steps:
            parts = ("lengths", i) if lens.ndim else ("lengths",)
            raise f.error(
                f"sequence {i + 1} has length {int(length)}, longer than the T = "
                f"{counted(n_steps, 'step')} of {like}",
                *parts,
            )
    m = np.arange(n_steps) < lens.reshape(-1)[:, None]
    return m[0] if len(steps_shape) == 1 else m


def check_some_real_step(f: Fields, mask: np.ndarray, reduction: str) -> None:
    """Refuse a mean over the unpadded steps when every step is padding: 0 / 0 has no value
    (the engine refuses it too, but without the file, line or field). The line named is the
    reduction's, or the padding's when the mean is the kind's default."""
    if reduction not in ("mean", "mean_tokens") or mask.any():
        return
    pad = "lengths" if f.has("lengths") else "mask"
    raise f.error(
        f"reduction {reduction} divides by the number of unpadded steps, but every step is "
        f"padding ({pad}): 0 / 0 has no value; give at least one real step, or reduction: sum",
        "reduction" if f.has("reduction") else pad,
    )


def _vocabulary(f: Fields, n_classes: int, columns_of: str) -> tuple[str, ...] | None:
    if not f.has("vocabulary"):
        return None
    raw = f.raw("vocabulary")
    if not isinstance(raw, list) or not raw:
        raise f.error("expected a list of symbols, e.g. [the, cat, <eos>]", "vocabulary")
    vocab: list[str] = []
    for i, item in enumerate(raw):
        if isinstance(item, (bool, dict, list)) or item is None or not str(item).strip():
            raise f.error("expected a symbol (text or number, not empty)", "vocabulary", i)
        if str(item) in vocab:
            raise f.error(f"symbol {str(item)!r} is listed twice", "vocabulary", i)
        vocab.append(str(item))
    if len(vocab) != n_classes:
        raise f.error(
            f"{counted(len(vocab), 'symbol')} but {columns_of} has {counted(n_classes, 'column')}; "
            "the vocabulary "
            "names the columns in order",
            "vocabulary",
        )
    return tuple(vocab)


def _targets(
    f: Fields,
    steps_shape: tuple[int, ...],
    n_classes: int,
    mask: np.ndarray,
    vocab: tuple[str, ...] | None,
    like: str,
) -> tuple[np.ndarray, tuple[str, ...]]:
    """Class indices (steps_shape) and their labels from indices, one-hot rows or symbols."""
    raw = f.raw("targets")
    depth = _depth(raw)
    if depth == len(steps_shape) + 1 and vocab is None:  # one-hot rows
        rows = f.check_array(raw, "targets", ndims=(depth,), low=0.0, high=1.0)
        if rows.shape != (*steps_shape, n_classes):
            raise f.error(
                f"targets has shape {rows.shape}, expected {(*steps_shape, n_classes)} like {like}",
                "targets",
            )
        one_hot = np.all((rows == 0) | (rows == 1), axis=-1) & (rows.sum(axis=-1) == 1)
        bad = mask & ~one_hot
        if np.any(bad):
            idx = tuple(int(i) for i in np.argwhere(bad)[0])
            raise f.error(
                f"row {where_step(idx)} is not one-hot (one 1, the rest 0); give class indices "
                "or one-hot rows",
                "targets",
                *idx,
            )
        idx_arr = np.where(mask, rows.argmax(axis=-1), 0)
        return idx_arr, tuple(str(int(i)) for i in idx_arr.ravel())
    if depth != len(steps_shape):
        want = "one per step" if len(steps_shape) == 1 else "one row per sequence"
        raise f.error(
            f"expected {counted(steps_shape[-1], 'target')} {want} (class indices"
            f"{', symbols' if vocab else ''} or one-hot rows) for {like} of shape "
            f"{(*steps_shape, n_classes)}",
            "targets",
        )
    flat: list[tuple[tuple[int, ...], Any]] = []

    def walk(node: Any, idx: tuple[int, ...]) -> None:
        if len(idx) == len(steps_shape):
            flat.append((idx, node))
            return
        if not isinstance(node, list) or len(node) != steps_shape[len(idx)]:
            got = len(node) if isinstance(node, list) else "not a list"
            raise f.error(
                f"expected {counted(steps_shape[len(idx)], 'entry', 'entries')} (like {like}), "
                f"got {got}",
                "targets",
                *idx,
            )
        for i, item in enumerate(node):
            walk(item, (*idx, i))

    walk(raw, ())
    out = np.zeros(steps_shape, dtype=np.int64)
    labels: list[str] = []
    for idx, value in flat:
        real = bool(mask[idx])
        if isinstance(value, (list, dict, bool)) or value is None:
            raise f.error("expected a class index or a symbol", "targets", *idx)
        if vocab is not None:
            label = str(value)
            if real:
                if label not in vocab:
                    raise f.error(
                        f"{label!r} is not in the vocabulary ({', '.join(vocab)})",
                        "targets",
                        *idx,
                    )
                out[idx] = vocab.index(label)
        else:
            if isinstance(value, str):
                raise f.error(
                    f"{value!r} is a symbol: give a vocabulary list naming the "
                    f"{counted(n_classes, 'column')}, or class indices",
                    "targets",
                    *idx,
                )
            if not isinstance(value, (int, float)):  # a padded one too: !!binary was a crash
                raise f.error("expected a class index or a symbol", "targets", *idx)
            if real:
                out[idx] = f.check_number(
                    value, "targets", *idx, low=0, high=n_classes - 1, integer=True
                )
            # a padded target counts for nothing: .nan or .inf there is shown, not converted
            whole = math.isfinite(value) and float(value) == int(value)
            label = str(int(value)) if whole else str(value)
        labels.append(label)
    return out, tuple(labels)


# ---------------------------------------------------------------------------- sequence
def parse_sequence(f: Fields, kind: str) -> SequenceProblem:
    """kind: sequence — per-step cross-entropy with padding and a sum / mean reduction."""
    f.check_keys(
        (*COMMON_FIELDS, "yhat", "logits", "targets", "vocabulary", *PADDING_FIELDS, "reduction"),
        kind=kind,
    )
    meta = parse_meta(f, kind, uses_log=True)
    name = f.require_one("yhat", "logits")
    if name == "yhat":
        x = f.array(name, ndims=(2, 3), low=0.0, high=1.0)
    else:
        x = f.array(name, ndims=(2, 3))
    steps_shape = x.shape[:-1]
    mask = parse_padding(f, steps_shape, name)
    if name == "yhat":
        f.check_distribution_rows(
            x, name, mask=mask, where=lambda idx: f"row {where_step(idx)} of {name}"
        )
    vocab = _vocabulary(f, x.shape[-1], name)
    targets, labels = _targets(f, steps_shape, x.shape[-1], mask, vocab, name)
    reduction = f.text("reduction", "sum", choices=SEQUENCE_REDUCTIONS)
    check_some_real_step(f, mask, reduction)
    return SequenceProblem(meta, x, name == "logits", targets, labels, mask, reduction, vocab)


# ---------------------------------------------------------------------------- hinge
def parse_sequence_hinge(f: Fields, kind: str) -> SequenceHingeProblem:
    """kind: sequence_hinge — labels y in {-1, +1}, scores yhat, optional padding."""
    f.check_keys((*COMMON_FIELDS, "y", "yhat", *PADDING_FIELDS, "reduction"), kind=kind)
    meta = parse_meta(f, kind, uses_log=False)
    y, yhat = f.array("y"), f.array("yhat")
    if y.shape != yhat.shape:
        raise f.error(
            f"y has shape {y.shape} but yhat has shape {yhat.shape}; they must match", "y"
        )
    mask = parse_padding(f, yhat.shape, "yhat")
    # Padded labels may hold anything (often 0): only the real steps' labels are checked.
    check_pm1_labels(f, y if mask.all() else np.where(mask, y, 1.0), "y")
    reduction = f.text("reduction", "mean", choices=HINGE_REDUCTIONS)
    check_some_real_step(f, mask, reduction)
    return SequenceHingeProblem(meta, y, yhat, mask, reduction)


# ---------------------------------------------------------------------------- reinforce
def _steps(f: Fields, name: str, shape: tuple[int, ...] | None, **kw: Any) -> np.ndarray:
    arr = f.array(name, ndims=(1, 2), **kw)
    if shape is not None and arr.shape != shape:
        raise f.error(f"{name} has shape {arr.shape}, expected {shape} (one per step)", name)
    return arr


def parse_reinforce(f: Fields, kind: str) -> ReinforceProblem:
    """kind: reinforce — pi of the actions taken, rewards or returns, gamma, baseline."""
    f.check_keys(
        (
            *COMMON_FIELDS,
            "probs",
            "policy",
            "logits",
            "actions",
            "rewards",
            "returns",
            "gamma",
            "baseline",
            *PADDING_FIELDS,
            "reduction",
        ),
        kind=kind,
    )
    meta = parse_meta(f, kind, uses_log=True)
    given = f.require_one("probs", "policy", "logits")
    action_probs = logits = actions = None
    if given == "probs":
        if f.has("actions"):
            raise f.error(
                "actions go with policy or logits; probs are already pi(y_t|s_t)", "actions"
            )
        action_probs = f.array("probs", ndims=(1, 2), low=0.0, high=1.0)
        shape = action_probs.shape
    else:
        full = f.array(
            given, ndims=(2, 3), **({"low": 0.0, "high": 1.0} if given == "policy" else {})
        )
        shape = full.shape[:-1]
        if not f.has("actions"):
            raise f.error(
                f"missing field 'actions': the action taken at each step ({given} "
                f"gives pi over {full.shape[-1]} actions)"
            )
        actions = _steps(f, "actions", shape, low=0, high=full.shape[-1] - 1, integer=True)
    mask = parse_padding(f, shape, given)
    if given == "probs":
        zero = mask & (action_probs == 0)
        if np.any(zero):
            idx = tuple(int(i) for i in np.argwhere(zero)[0])
            raise f.error(
                f"pi = 0 at {where_step(idx)}: ln 0 = -inf, the action could not have been taken",
                "probs",
                *idx,
            )
    elif given == "policy":
        f.check_distribution_rows(
            full,
            "policy",
            mask=mask,
            where=lambda idx: f"row {where_step(idx)} of policy",
            hint=" (give 'logits' for scores)",
        )
        taken = np.take_along_axis(full, actions[..., None], axis=-1)[..., 0]
        zero = mask & (taken == 0)
        if np.any(zero):
            idx = tuple(int(i) for i in np.argwhere(zero)[0])
            raise f.error(
                f"the action taken at {where_step(idx)} has probability 0 (ln 0 = -inf)",
                "actions",
                *idx,
            )
        with np.errstate(divide="ignore"):
            logits = np.log(full)  # softmax(ln p) = p for rows that sum to 1
    else:
        logits = full
        from rnnloss_cli.engine import log_softmax

        # ln π = z − max z − ln Σ e^(z − max z): a logit 1.8e308 or more below its step's
        # largest gives −inf, a probability 0 in float64, as a zero of a policy does
        taken = np.take_along_axis(log_softmax(full, axis=-1), actions[..., None], axis=-1)
        zero = mask & (taken[..., 0] == -np.inf)
        if np.any(zero):
            idx = tuple(int(i) for i in np.argwhere(zero)[0])
            z = full[idx]
            raise f.error(
                f"the action taken at {where_step(idx)} has logit "
                f"{_as_written(z[actions[idx]])}, more than the largest double (1.8e308) "
                "below the step's largest logit "
                f"({_as_written(np.max(z))}): its probability is 0 in float64 (ln 0 = -inf)",
                "actions",
                *idx,
            )
    if f.has("returns") and f.has("gamma"):
        raise f.error(
            "give either returns or gamma (to compute them from rewards), not both", "gamma"
        )
    returns = gamma = rewards = None
    if f.has("returns"):
        returns = _steps(f, "returns", shape)
        rewards = _steps(f, "rewards", shape) if f.has("rewards") else None
    else:
        if not f.has("gamma"):
            raise f.error(
                "missing field: give gamma (discount in [0, 1]) with rewards, or "
                "the returns R_t directly"
            )
        gamma = f.check_number(f.raw("gamma"), "gamma")
        if not 0.0 <= gamma <= 1.0:
            raise f.error(
                f"gamma is a discount factor in [0, 1], got {_as_written(gamma)}", "gamma"
            )
        rewards = _steps(f, "rewards", shape)
    baseline: float | str | np.ndarray | None = None
    if f.has("baseline"):
        raw = f.raw("baseline")
        if isinstance(raw, str):
            baseline = f.text("baseline", choices=("mean",))
        elif isinstance(raw, list):
            baseline = _steps(f, "baseline", shape)
        else:
            baseline = f.number("baseline")
    reduction = f.text("reduction", "sum", choices=REINFORCE_REDUCTIONS)
    check_some_real_step(f, mask, reduction)
    _check_returns_fit(f, rewards, returns, gamma, baseline, mask)
    return ReinforceProblem(
        meta,
        given,
        action_probs,
        logits,
        actions,
        rewards,
        returns,
        gamma,
        baseline,
        mask,
        reduction,
    )


def _check_returns_fit(
    f: Fields,
    rewards: np.ndarray | None,
    returns: np.ndarray | None,
    gamma: float | None,
    baseline: float | str | np.ndarray | None,
    mask: np.ndarray,
) -> None:
    """Refuse rewards whose discounted returns R_t, or returns and a baseline whose
    advantages A_t = R_t − b, pass the largest double: every later figure is worked from
    them (no number is clipped to fit)."""
    from rnnloss_cli.engine.reinforce import advantages, discounted_returns

    def first_overflow(values: np.ndarray) -> tuple[int, ...] | None:
        bad = mask & ~np.isfinite(values)
        return tuple(int(i) for i in np.argwhere(bad)[0]) if np.any(bad) else None

    if returns is None:
        assert rewards is not None and gamma is not None
        returns = discounted_returns(rewards, gamma, mask=mask)
        idx = first_overflow(returns)
        if idx is not None:
            raise f.error(
                f"the discounted return at {where_step(idx)}, R_{idx[-1] + 1} = "
                "Σ_{k≥t} γ^(k−t) r_k, passes the largest double (1.8e308): rewards this "
                "large cannot be worked in float64",
                "rewards",
            )
    idx = first_overflow(advantages(returns, baseline, mask=mask))
    if idx is not None:
        raise f.error(
            f"the advantage at {where_step(idx)}, A_{idx[-1] + 1} = R_{idx[-1] + 1} − b, "
            "passes the largest double (1.8e308): returns and baseline this far apart "
            "cannot be worked in float64",
            "baseline",
        )
