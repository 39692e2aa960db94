"""REINFORCE (policy-gradient) quantities: discounted returns, advantages, the surrogate loss.

Reference: R. J. Williams (1992), "Simple statistical gradient-following algorithms for
connectionist reinforcement learning", Machine Learning 8, 229-256.

Conventions: natural logarithms; one episode has shape (T,) (per-step quantities) or
(T, A) (policy logits over A actions), a batch of episodes (N, T) or (N, T, A). Padding is
given by ``lengths`` (N,) or a 0/1 ``mask`` (N, T), as in :mod:`rnnloss_cli.engine.sequence`
(see :func:`~rnnloss_cli.engine.sequence.step_mask`); padded steps contribute nothing.
Sign: the handout's objective J = sum_t R_t ln pi(y_t | s_t) is *maximised*; the functions
here return the loss L = -J that gradient descent minimises, with advantages A_t in place
of R_t. Advantages are constants: no gradient flows through them.
"""

from __future__ import annotations

import numpy as np

from rnnloss_cli.engine._numerics import (
    all_finite,
    as_float_array,
    as_real_array,
    check_real_option,
    check_reduction,
    keeps_float32,
    log_softmax,
)
from rnnloss_cli.engine.errors import EngineError
from rnnloss_cli.engine.sequence import (
    _class_indices,
    _dims,
    _reduce_steps,
    _step_scale,
    _where,
    real_logits,
    real_steps,
    step_mask,
    steps_array,
)
from rnnloss_cli.limits import ENGINE_MAX_RETURN_STEPS

_REINFORCE_REDUCTIONS = ("sum", "mean", "mean_sequences", "none")


def _steps_array(x, name: str) -> np.ndarray:
    # values are checked at the real steps only, once the padding is known (real_steps)
    return steps_array(x, name, "(T,) for one episode or (N, T)", (1, 2))


def _same_steps(arr: np.ndarray, shape: tuple[int, ...], name: str, like: str) -> None:
    if arr.shape != shape:
        raise EngineError(
            f"{name}: expected shape {shape} {_dims(shape)} like {like}, got {arr.shape}"
        )


# ---------------------------------------------------------------------------- returns
def discounted_returns(rewards, gamma: float, *, lengths=None, mask=None) -> np.ndarray:
    """Reward-to-go of every step: R_t = sum_{k >= t} gamma^(k - t) r_k.

    Computed backwards, R_t = r_t + gamma R_{t+1} with R_T = 0. Rewards at padded steps are
    treated as 0 and the returns there are set to 0; the discount exponent counts array
    positions, so with ``lengths`` (padding at the end) an episode ends at its last real step.

    Args:
      rewards: r_t, shape (T,) or (N, T).
      gamma: discount factor in [0, 1] (0: R = r; 1: undiscounted reward-to-go).
      lengths: optional (N,) real steps per episode (a scalar for one episode).
      mask: optional 0/1 mask of ``rewards``' shape; not together with ``lengths``.

    Returns:
      R of ``rewards``' shape, 0 at padded steps.

    >>> discounted_returns([1.0, 0.0, 1.0], 0.99).round(4).tolist()
    [1.9801, 0.99, 1.0]
    """
    r = _steps_array(rewards, "rewards")
    if r.shape[-1] > ENGINE_MAX_RETURN_STEPS:  # one Python step each, about 1 µs
        raise EngineError(
            f"rewards: {r.shape[-1]:,} steps, more than the engine's limit "
            f"ENGINE_MAX_RETURN_STEPS = {ENGINE_MAX_RETURN_STEPS:,} (about a minute); "
            "split the episodes"
        )
    g = check_real_option(gamma, "gamma", 0.0, 1.0, "a discount factor")  # also rejects NaN
    m = step_mask(lengths, mask, r.shape)
    r = real_steps(r, m, "rewards", 0.0)
    out = np.empty_like(r)
    running = np.zeros(r.shape[:-1])
    # One backward pass over T, vectorised across the N episodes.
    # A return past the float range is inf (its rounded value), without a warning: callers
    # that need finite returns check them.
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(r.shape[-1] - 1, -1, -1):
            running = r[..., t] + g * running
            out[..., t] = running
    return np.where(m, out, 0.0)


def advantages(
    returns, baseline: float | str | np.ndarray | None = None, *, lengths=None, mask=None
) -> np.ndarray:
    """Advantages A_t = R_t - b_t used to weight the log-probabilities in REINFORCE.

    Subtracting a baseline that does not depend on the actions (a constant, or a state value
    V(s_t)) leaves the expected gradient unchanged and can lower its variance (Williams 1992,
    reinforcement comparison). The episode-mean baseline ``"mean"`` is not of that kind: it is
    computed from the episode's own returns, so it depends on the sampled actions and biases
    the gradient (with one step it cancels the return: A_1 = R_1 - R_1 = 0 for any reward).

    Baseline conventions:

    - ``None``: A_t = R_t (plain REINFORCE);
    - a number b: A_t = R_t - b;
    - ``"mean"``: A_t = R_t - mean of R over the real steps *of the same episode* (one
      constant per episode, the time-average of its returns; not a batch average across
      episodes);
    - an array of ``returns``' shape (e.g. a critic's V(s_t)): A_t = R_t - b_t.

    Args:
      returns: R_t, shape (T,) or (N, T) (e.g. from :func:`discounted_returns`).
      baseline: see above.
      lengths: optional (N,) real steps per episode (a scalar for one episode).
      mask: optional 0/1 mask of ``returns``' shape; not together with ``lengths``.

    Returns:
      A of ``returns``' shape, 0 at padded steps (and for an episode with no real step).

    >>> advantages([3.0, 2.0, 1.0], "mean").tolist()
    [1.0, 0.0, -1.0]
    """
    ret = _steps_array(returns, "returns")
    m = step_mask(lengths, mask, ret.shape)
    ret = real_steps(ret, m, "returns", 0.0)
    if baseline is None:
        b = 0.0
    elif isinstance(baseline, str):
        if baseline != "mean":
            raise EngineError(
                f"baseline: expected None, a number, 'mean' or an array, got {baseline!r}"
            )
        count = np.maximum(np.sum(m, axis=-1, keepdims=True), 1)  # an empty episode: 0
        real = np.where(m, ret, 0.0)
        with np.errstate(over="ignore", invalid="ignore"):
            b = np.sum(real, axis=-1, keepdims=True) / count
        over = np.isinf(b) & np.all(np.isfinite(real), axis=-1, keepdims=True)
        if np.any(over):  # finite returns whose sum overflows: their mean still fits
            top = np.max(np.abs(real), axis=-1, keepdims=True)
            top = np.where(over, top, 1.0)
            with np.errstate(under="ignore"):
                scaled = top * (np.sum(real / top, axis=-1, keepdims=True) / count)
            b = np.where(over, scaled, b)
    else:
        b = as_real_array(baseline, "baseline")
        if b.ndim:
            _same_steps(b, ret.shape, "baseline", "returns")
            b = real_steps(b, m, "baseline", 0.0)
        else:
            b = as_float_array(b, "baseline")
    with np.errstate(over="ignore", invalid="ignore"):  # past the float range: ±inf
        return np.where(m, ret - b, 0.0)


# ---------------------------------------------------------------------------- loss
def _loss_parts(action_log_probs, advantages_, lengths, mask):
    lp = _steps_array(action_log_probs, "action_log_probs")
    adv = as_real_array(advantages_, "advantages")
    _same_steps(adv, lp.shape, "advantages", "action_log_probs")
    m = step_mask(lengths, mask, lp.shape)
    lp = real_steps(lp, m, "action_log_probs", 0.0)
    adv = real_steps(adv, m, "advantages", 0.0)
    bad = m & (lp > 0)
    if np.any(bad):
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        raise EngineError(
            f"action_log_probs: expected log-probabilities ln pi <= 0, got {lp[idx]:g} at "
            f"{_where(idx)}; if these are probabilities take their natural log first"
        )
    return np.where(m, lp, 0.0), np.where(m, adv, 0.0), m


@keeps_float32("advantages")
def reinforce_loss(
    action_log_probs,
    advantages,
    *,
    lengths=None,
    mask=None,
    reduction: str = "sum",
) -> np.ndarray | float:
    """REINFORCE surrogate loss L = -sum_t A_t ln pi(y_t | s_t) (Williams 1992).

    The handout's objective J = sum_t R_t ln pi(y_t | s_t) is maximised; this returns
    L = -J (with advantages A_t, which may be R_t itself), the quantity gradient descent
    minimises. A_t is a constant: dL/d ln pi_t = -A_t.

    Args:
      action_log_probs: ln pi(y_t | s_t) of the actions taken, shape (T,) or (N, T).
      advantages: A_t, same shape (e.g. from :func:`advantages`).
      lengths: optional (N,) real steps per episode (a scalar for one episode).
      mask: optional 0/1 mask of the same shape; not together with ``lengths``.
      reduction: "sum" (default), "mean" (over real steps), "mean_sequences" (sum / N, the
        batch average of per-episode losses) or "none" (per-step -A_t ln pi_t, 0 at padding).

    Returns:
      The reduced loss as a float (numpy float32 for float32 input), or the per-step losses
      for ``reduction="none"``.

    >>> round(reinforce_loss([np.log(0.5), np.log(0.25)], [1.0, 2.0]), 4)  # ln2 + 2 ln4
    3.4657
    """
    check_reduction(reduction, _REINFORCE_REDUCTIONS)
    lp, adv, m = _loss_parts(action_log_probs, advantages, lengths, mask)
    with np.errstate(over="ignore"):  # a product past the float range is ±inf, its value
        per_step = 0.0 - adv * lp  # 0 - x, not -x: -A ln 1 is +0, never -0
    if reduction == "none" or all_finite(per_step):
        return _reduce_steps(per_step, m, reduction)
    # A and ln pi are finite (checked), but a product overflowed, and products of both
    # signs would meet as inf - inf: the sum is taken over (A / a) ln pi, a = max |A|, and
    # multiplied back (inf only when the loss itself passes the float range).
    top = float(np.max(np.abs(adv)))
    with np.errstate(under="ignore"):
        scaled = _reduce_steps(0.0 - (adv / top) * lp, m, reduction)
    return top * scaled


@keeps_float32("advantages")
def reinforce_loss_grad(
    action_log_probs,
    advantages,
    *,
    lengths=None,
    mask=None,
    reduction: str = "sum",
) -> np.ndarray:
    """Gradient of :func:`reinforce_loss` w.r.t. ``action_log_probs``: -A_t times the scale.

    The scale is 1 for "sum"/"none", 1 / (real steps) for "mean", 1 / N for
    "mean_sequences"; 0 at padded steps.

    Args:
      action_log_probs, advantages, lengths, mask, reduction: as :func:`reinforce_loss`.

    Returns:
      Array of ``action_log_probs``' shape.
    """
    check_reduction(reduction, _REINFORCE_REDUCTIONS)
    _, adv, m = _loss_parts(action_log_probs, advantages, lengths, mask)
    return 0.0 - adv * _step_scale(m, reduction)  # +0 where A = 0, never -0


# ---------------------------------------------------------------------------- full policy
def _policy_parts(logits, actions, lengths, mask):
    z = steps_array(logits, "logits", "(T, A) for one episode or (N, T, A)", (2, 3))
    m = step_mask(lengths, mask, z.shape[:-1])
    # -inf is a legal logit, an action of probability 0 (the ln of a policy's zero), as in
    # cross_entropy; NaN and +inf are not, nor a step where every action is -inf.
    z = real_logits(z, m, "logits", "action")
    act = _class_indices(actions, z.shape[:-1], z.shape[-1], m, "actions")
    return log_softmax(z, axis=-1), act, m


def policy_log_probs(logits, actions, *, lengths=None, mask=None) -> np.ndarray:
    """ln pi(y_t | s_t) = log_softmax(z_t)[y_t] of the actions taken, 0 at padded steps.

    Args:
      logits: policy logits z, shape (T, A) or (N, T, A); pi = softmax(z) over A.
      actions: indices y_t of the actions taken, shape (T,) or (N, T).
      lengths: optional (N,) real steps per episode (a scalar for one episode).
      mask: optional 0/1 (T,) / (N, T) mask; not together with ``lengths``.

    Returns:
      Array of shape (T,) or (N, T).
    """
    lp, act, m = _policy_parts(logits, actions, lengths, mask)
    return np.where(m, np.take_along_axis(lp, act[..., None], axis=-1)[..., 0], 0.0)


@keeps_float32("advantages")
def reinforce_loss_from_logits(
    logits,
    actions,
    advantages,
    *,
    lengths=None,
    mask=None,
    reduction: str = "sum",
) -> np.ndarray | float:
    """REINFORCE loss from full policy logits: -sum_t A_t log_softmax(z_t)[y_t].

    Equal to ``reinforce_loss(policy_log_probs(logits, actions), advantages)``, except where
    an action taken has probability 0 (a -inf logit, as PyTorch allows, or finite logits
    more than 1.8e308 apart): there ln pi = -inf and the step's loss -A ln pi is +inf for
    A > 0 and -inf for A < 0, as in PyTorch; a step with A = 0 counts 0 (it carries no
    weight; PyTorch's 0 * -inf is NaN), as padded steps and 0 ln 0 do in this engine.

    Args:
      logits: policy logits z, shape (T, A) or (N, T, A).
      actions: indices y_t of the actions taken, shape (T,) or (N, T).
      advantages: A_t, shape (T,) or (N, T) (constants).
      lengths, mask, reduction: as :func:`reinforce_loss`.

    Returns:
      The reduced loss as a float (numpy float32 for float32 input), or the per-step losses
      for ``reduction="none"``.
    """
    check_reduction(reduction, _REINFORCE_REDUCTIONS)
    lp_taken = policy_log_probs(logits, actions, lengths=lengths, mask=mask)
    m = step_mask(lengths, mask, lp_taken.shape)
    adv = as_real_array(advantages, "advantages")
    _same_steps(adv, m.shape, "advantages", "actions")
    adv = real_steps(adv, m, "advantages", 0.0)
    if all_finite(lp_taken):
        return reinforce_loss(lp_taken, adv, mask=m, reduction=reduction)
    # some action taken has probability 0: its ln pi is -inf, which reinforce_loss (whose
    # caller passes log-probabilities) refuses; here it is the logits' own answer, ±inf
    with np.errstate(invalid="ignore", over="ignore"):
        per_step = np.where(m & (adv != 0), 0.0 - adv * lp_taken, 0.0)
    return _reduce_steps(per_step, m, reduction)


@keeps_float32("advantages")
def reinforce_policy_logits_grad(
    logits,
    actions,
    advantages,
    *,
    lengths=None,
    mask=None,
    reduction: str = "sum",
) -> np.ndarray:
    """Gradient of :func:`reinforce_loss_from_logits` w.r.t. the policy logits.

    dL/dz_t = A_t (softmax(z_t) - onehot(y_t)), times the reduction scale, 0 at padded steps.
    Gradient descent along it raises ln pi(y_t) where A_t > 0 and lowers it where A_t < 0.

    Args:
      logits, actions, advantages, lengths, mask, reduction: as
        :func:`reinforce_loss_from_logits`.

    Returns:
      Array of ``logits``' shape, (T, A) or (N, T, A).
    """
    check_reduction(reduction, _REINFORCE_REDUCTIONS)
    lp, act, m = _policy_parts(logits, actions, lengths, mask)
    adv = as_real_array(advantages, "advantages")
    _same_steps(adv, m.shape, "advantages", "actions")
    adv = real_steps(adv, m, "advantages", 0.0) * _step_scale(m, reduction)
    grad = np.exp(lp) * adv[..., None]
    # minus A_t at the action taken: softmax - onehot without building the one-hot array
    taken = np.take_along_axis(grad, act[..., None], axis=-1)
    np.put_along_axis(grad, act[..., None], taken - adv[..., None], axis=-1)
    grad += 0.0  # a probability 0 times A < 0 is -0: -0 + 0 = +0
    return grad
