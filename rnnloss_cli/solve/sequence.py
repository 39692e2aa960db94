"""Solvers for kinds sequence, sequence_hinge and reinforce: per-step tables, reductions, gradients.

Every number comes from the engine (:mod:`rnnloss_cli.engine.sequence`,
:mod:`rnnloss_cli.engine.reinforce`); this module lays the derivation out as Steps and Tables.
Padded steps are listed (marked) but contribute nothing.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from rnnloss_cli.engine._numerics import reduce as engine_reduce
from rnnloss_cli.engine._numerics import scaled_sum, softmax
from rnnloss_cli.engine.reinforce import (
    advantages,
    discounted_returns,
    policy_log_probs,
    reinforce_loss,
    reinforce_loss_grad,
    reinforce_policy_logits_grad,
)
from rnnloss_cli.engine.sequence import (
    sequence_cross_entropy,
    sequence_cross_entropy_grad,
    sequence_cross_entropy_terms,
    sequence_hinge,
    sequence_hinge_grad,
)
from rnnloss_cli.limits import STEP_MAX_TERMS
from rnnloss_cli.problem.sequence import (
    ReinforceProblem,
    SequenceHingeProblem,
    SequenceProblem,
    where_step,
)
from rnnloss_cli.result import Derived, Result, Step, Table, Window, terms, window_indices
from rnnloss_cli.solve.common import (
    FLOAT_MAX_TEXT,
    closing_latex,
    finalize,
    overflow_warning,
    reduction_step,
)

HINGE_FORMULA = Step(
    "formula",
    "L = Σ_t max(0, 1 − y_t · ŷ_t)  (padded steps left out)",
    {},
    r"L = \sum_{t=1}^{T} \max(0, 1 - y_t \hat y_t)" + closing_latex("padded steps left out"),
)
#: How each reduction scales a sum over the steps: (plain, LaTeX, what it divides by), as the
#: formula names it; "n" for the unpadded steps, "N" for the sequences (episodes).
_SCALES = {
    "sum": ("", "", None),
    "mean_tokens": ("(1/n) ", r"\frac{1}{n}", "n = the unpadded steps"),
    "mean_sequences": ("(1/N) ", r"\frac{1}{N}", "N = the sequences"),
}


def _sequence_formula(reduction: str) -> Step:
    """The sequence cross-entropy with the reduction used, so the formula is the loss: −Σ_t
    for a sum, −(1/n) Σ_t for a mean over the unpadded steps, −(1/N) Σ_t over the sequences."""
    scale, latex_scale, over = _SCALES[reduction]
    return Step(
        "formula",
        f"L = −{scale}Σ_t Σ_{{c=0}}^{{C−1}} y_{{t,c}} ln ŷ_{{t,c}} = −{scale}Σ_t ln ŷ_t(target_t)"
        + (f", {over}" if over else "")
        + f"  (reduction: {reduction}; classes numbered from 0, as targets give them; padded "
        "steps left out)",
        {},
        f"L = -{latex_scale}"
        + r"\sum_{t=1}^{T}\sum_{c=0}^{C-1} y_{t,c}\ln \hat y_{t,c} = "
        + f"-{latex_scale}"
        + r"\sum_t \ln \hat y_t(\text{target}_t)"
        + (rf",\ {over[0]} = \text{{{over[4:]}}}" if over else "")
        + closing_latex(
            f"reduction: {reduction}; classes numbered from 0, as targets give them; padded "
            "steps left out"
        ),
    )


def _reinforce_formula(reduction: str) -> Step:
    """REINFORCE's objective J (maximised) and loss L with the reduction used: L = −J for a
    sum, −J / n (the unpadded steps) or −J / N (the episodes) for a mean, as the loss line
    divides (Williams 1992)."""
    if reduction == "sum":
        loss, latex, how = "L = −J", "L = -J", "reduction: sum"
    else:
        over = "N = the episodes" if reduction == "mean_sequences" else "n = the unpadded steps"
        n = over[0]
        loss, latex, how = f"L = −J / {n}", f"L = -J / {n}", f"reduction: {reduction}, {over}"
        latex += rf",\ {n} = \text{{{over[4:]}}}"
    return Step(
        "formula",
        f"J = Σ_t A_t ln π(y_t|s_t) (maximised),  {loss} (minimised),  A_t = R_t − b  ({how})",
        {},
        r"J = \sum_{t=1}^{T} A_t \ln \pi(y_t|s_t) \text{ (maximised)},\quad "
        + latex
        + r" \text{ (minimised)},\quad A_t = R_t - b"
        + closing_latex(how.split(",")[0]),
    )


# ---------------------------------------------------------------------------- helpers
def _position(shape: tuple[int, ...], flat: int) -> tuple[int, ...]:
    """The index tuple of row ``flat`` (row-major) of the steps of ``shape``."""
    return tuple(int(i) for i in np.unravel_index(flat, shape))


def _n_positions(shape: tuple[int, ...]) -> int:
    return int(np.prod(shape)) if shape else 1


def _seq_t(idx: tuple[int, ...]) -> list[int]:
    """(sequence, t), both 1-based; a single sequence is sequence 1."""
    return [1, idx[0] + 1] if len(idx) == 1 else [idx[0] + 1, idx[1] + 1]


def signed_sum(name: str, values: Any) -> tuple[str, dict[str, float]]:
    """A template writing ``a − b + c`` for values [a, -b, c] (signs outside the numbers).

    A long list keeps its first and last values and says how many it leaves out.
    """
    parts: list[str] = []
    out: dict[str, float] = {}
    kept, split = window_indices(len(values), STEP_MAX_TERMS)
    for n, i in enumerate(kept):
        v = float(values[i])
        key = f"{name}{i}"
        if n == split:
            parts.append(f" + … ({len(values) - len(kept):,} more) …")
        if n == 0:
            parts.append("{" + key + "}")
            out[key] = v
        else:
            parts.append((" − " if v < 0 else " + ") + "{" + key + "}")
            out[key] = abs(v)
    return "".join(parts) if parts else "0", out


def product_sum(name: str, weights: Any, logs: Any) -> tuple[str, dict[str, float]]:
    """A template writing ``a × (b) + c × (d)`` for weights [a, c] and values [b, d]: every
    product of a weighted sum written out (a negative value, and a negative weight after the
    first, in parentheses).

    A long list keeps its first and last products and says how many it leaves out.
    """
    parts: list[str] = []
    out: dict[str, float] = {}
    kept, split = window_indices(len(weights), STEP_MAX_TERMS)
    for n, i in enumerate(kept):
        w, v = f"{name}w{i}", f"{name}v{i}"
        out[w], out[v] = float(weights[i]), float(logs[i])
        if n == split:
            parts.append(f" + … ({len(weights) - len(kept):,} more) …")
        value = "({" + v + "})" if out[v] < 0 else "{" + v + "}"
        weight = "({" + w + "})" if out[w] < 0 and n > 0 else "{" + w + "}"
        parts.append(("" if n == 0 else " + ") + weight + " × " + value)
    return "".join(parts) if parts else "0", out


def _mean_step(label: str, total: float, n: int, value: float) -> Step:
    return Step(
        label,
        "{total} / {n} = {value}",
        {"total": total, "n": n, "value": value},
        r"\frac{{total}}{{n}} = {value}",
    )


def _matrix_table(
    title: str,
    columns: list[str],
    m: np.ndarray,
    mask: np.ndarray,
    steps_shape: tuple[int, ...],
    window: Window | None,
    *,
    seq_column: bool = True,
    **kwargs: Any,
) -> Table:
    """One row per step (sequence, t, then m's last axis), padded ones dimmed; window only."""

    def row(i: int) -> list[Any]:
        idx = _position(steps_shape, i)
        key = _seq_t(idx) if seq_column else _seq_t(idx)[1:]
        return [*key, *map(float, m[idx])]

    return Table.windowed(
        title,
        _n_positions(steps_shape),
        row,
        columns,
        window,
        row_style=lambda i: None if mask[_position(steps_shape, i)] else "dim",
        key_columns=2 if seq_column else 1,  # (sequence, t) name a row
        **kwargs,
    )


def _n_sequences(mask: np.ndarray) -> int:
    return 1 if mask.ndim == 1 else mask.shape[0]


#: Said of a mean over the unpadded steps when every step is padding (its value is NaN).
NO_STEP_WARNING = (
    "the {figure} figure has no value (NaN): every step is padding, and a mean over no "
    "unpadded step is 0 / 0"
)


# ---------------------------------------------------------------------------- sequence
def solve_sequence(p: SequenceProblem, *, window: Window | None = None) -> Result:
    """Sequence cross-entropy: per-step -ln ŷ[target], the reduction, the gradient table.

    Figures: loss (the chosen reduction), sum, mean_tokens (sum / unpadded steps) and
    mean_sequences (sum / N).
    """
    kw: dict[str, Any] = {"mask": p.mask, "from_logits": p.from_logits}
    terms = sequence_cross_entropy_terms(p.input, p.targets, **kw)
    loss = float(sequence_cross_entropy(p.input, p.targets, reduction=p.reduction, **kw))
    grad = sequence_cross_entropy_grad(p.input, p.targets, reduction=p.reduction, **kw)
    steps_shape = p.targets.shape
    classes = list(p.vocabulary) if p.vocabulary else [f"c{c}" for c in range(p.input.shape[-1])]
    r = Result("sequence", p.meta.title, loss, formula=_sequence_formula(p.reduction))
    if p.from_logits:
        r.tables.append(
            _matrix_table(
                "ŷ = softmax of the logits",
                ["sequence", "t", *classes],
                softmax(p.input, axis=-1),
                p.mask,
                steps_shape,
                window,
            )
        )

    def step_row(i: int) -> list[Any]:
        idx = _position(steps_shape, i)
        real = bool(p.mask[idx])
        return [
            *_seq_t(idx),
            # a class index stays a number (JSON too); a vocabulary word is text
            p.labels[i] if p.vocabulary else int(p.targets[idx]),
            float(terms.prob[idx]) if real else None,
            float(terms.neg_log_prob[idx]) if real else None,
            "no" if real else "yes (padding)",
        ]

    r.tables.append(
        Table.windowed(
            "per step",
            _n_positions(steps_shape),
            step_row,
            ["sequence", "t", "target", "ŷ(target)", "−ln ŷ(target)", "masked?"],
            window,
            row_style=lambda i: None if p.mask[_position(steps_shape, i)] else "dim",
            key_columns=2,
            derived=[Derived("−ln ŷ(target)", "−ln {0}", ("ŷ(target)",))],
        )
    )
    real_terms = terms.neg_log_prob[p.mask]
    total = scaled_sum(real_terms)  # inf past the float range, without a warning
    n_tokens, n_seq = int(p.mask.sum()), _n_sequences(p.mask)
    figures = {  # the means of huge terms can fit when their sum does not
        "sum": total,
        "mean_tokens": scaled_sum(real_terms, 1.0 / n_tokens) if n_tokens else math.nan,
        "mean_sequences": scaled_sum(real_terms, 1.0 / n_seq),
    }
    chosen = f" (reduction: {p.reduction})"
    r.steps.append(reduction_step(real_terms, "sum", total, "per-step terms −ln ŷ(target)"))
    if p.reduction == "sum":
        r.steps[-1].label += chosen
    r.steps.append(
        _mean_step(
            f"mean over the {n_tokens:,} unpadded tokens"
            + (chosen if p.reduction == "mean_tokens" else ""),
            total,
            n_tokens,
            figures["mean_tokens"],
        )
    )
    r.steps.append(
        _mean_step(
            f"mean over the {n_seq:,} sequence{'s' if n_seq > 1 else ''}"
            + (chosen if p.reduction == "mean_sequences" else ""),
            total,
            n_seq,
            figures["mean_sequences"],
        )
    )
    wrt = "logits" if p.from_logits else "ŷ"
    r.tables.append(
        _matrix_table(
            f"gradient ∂L/∂{wrt} ({p.reduction})",
            ["sequence", "t", *classes],
            grad,
            p.mask,
            steps_shape,
            window,
            caption=(
                "softmax(z) − y per step"
                if p.from_logits
                else "−y/ŷ at the target class, 0 elsewhere"
            )
            + _scale_words(p.reduction, n_tokens, n_seq),
        )
    )
    if p.mask.any():  # one entry worked out: the first real step's target class
        idx = _position(steps_shape, int(np.flatnonzero(np.ravel(p.mask))[0]))
        cls = int(p.targets[idx])
        prob, g = float(terms.prob[idx]), float(grad[(*idx, cls)])
        scale = {"sum": 1, "mean_tokens": n_tokens, "mean_sequences": n_seq}.get(p.reduction, 1)
        per_n = f" / {scale}" if scale != 1 else ""
        where = f"∂L/∂{wrt}_{idx[-1] + 1}({classes[cls]})"
        text = ("({p} − 1)" if p.from_logits else "−1 / {p}") + per_n + " = {g}"
        r.steps.append(Step(f"worked gradient {where}", text, {"p": prob, "g": g}))
    r.figures = {"loss": loss, **figures}
    if not n_tokens:
        r.warnings.append(NO_STEP_WARNING.format(figure="mean_tokens"))
    if not p.mask.all():
        r.notes.append(
            "Padded steps are listed but contribute nothing: no loss term and zero gradient. "
            "mean_tokens divides by the unpadded steps (PyTorch's mean with ignore_index); "
            "mean_sequences by the number of sequences."
        )
    if not math.isfinite(loss):
        reason, bound = _infinite_reason(p, terms.neg_log_prob, loss)
        r.warnings.append(reason)
        if bound is not None:
            r.steps.append(bound)
    return finalize(p.meta, r)


def _scale_words(reduction: str, n_tokens: int, n_seq: int) -> str:
    """How the reduction scales each gradient entry, with its number, so that an entry can be
    redone from the table: mean_tokens divides by the unpadded steps (−1 / 0.8 / 5 = −0.25),
    mean_sequences by the sequences, a sum leaves it as it is."""
    if reduction == "mean_tokens":
        return f", divided by n = {n_tokens:,} (the unpadded steps; reduction: mean_tokens)"
    if reduction == "mean_sequences":
        return f", divided by N = {n_seq:,} (the sequences; reduction: mean_sequences)"
    return " (reduction: sum, not divided)"


def _infinite_reason(
    p: SequenceProblem, neg_log_prob: np.ndarray, loss: float
) -> tuple[str, Step | None]:
    """Why the sequence loss is infinite: a target of probability 0 (−ln 0 = inf), a target
    logit so far below the step's largest that −ln ŷ passes the largest double, or finite
    terms whose sum does. For the far logit also the bound −ln ŷ ≥ max z − z_target as a
    derivation line, so that its logits print at ``--precision`` (the table's digits), not
    at digits of the warning's own."""
    bad = np.flatnonzero(np.ravel(p.mask & ~np.isfinite(neg_log_prob)))
    if not bad.size:
        why = overflow_warning(neg_log_prob[p.mask], loss, "loss", "term −ln ŷ(target)", str)
        return why or "the loss is infinite", None
    idx = _position(p.targets.shape, int(bad[0]))
    where = where_step(idx)
    z_t = float(p.input[(*idx, int(p.targets[idx]))])
    if p.from_logits and math.isfinite(z_t):
        top = float(np.max(p.input[idx]))
        bound = Step(
            f"why the term at {where} is infinite",
            "−ln ŷ(target) ≥ max z − z_target = {m} − ({zt}) = {d}",
            {"m": top, "zt": z_t, "d": math.inf},
            r"-\ln \hat{y}(\text{target}) \ge \max z - z_{\text{target}} = {m} - ({zt}) = {d}",
        )
        return (
            f"the loss is infinite: at {where} the target's logit is so far below the step's "
            "largest that −ln ŷ = max z − z_target + ln Σ e^(z − max z) ≥ max z − z_target "
            f"passes the largest double ({FLOAT_MAX_TEXT}; worked out on its line) "
            "(nothing is clipped)",
            bound,
        )
    return (
        f"the loss is infinite: at {where} the target class has predicted probability 0, "
        "and −ln 0 = inf (nothing is clipped)",
        None,
    )


# ---------------------------------------------------------------------------- hinge
def solve_sequence_hinge(p: SequenceHingeProblem, *, window: Window | None = None) -> Result:
    """Hinge per step: margin table, the mean (the handout's example) and the sum (its formula)."""
    kw: dict[str, Any] = {"mask": p.mask}
    per_step = sequence_hinge(p.yhat, p.y, reduction="none", **kw)
    loss = float(sequence_hinge(p.yhat, p.y, reduction=p.reduction, **kw))
    grad = sequence_hinge_grad(p.yhat, p.y, reduction=p.reduction, **kw)
    formula = HINGE_FORMULA
    if p.reduction != "sum":
        over = "the unpadded steps" if p.reduction == "mean" else "the sequences"
        formula = Step(
            "formula",
            f"L = (1/n) Σ_t max(0, 1 − y_t · ŷ_t), n = {over} (reduction: {p.reduction}; "
            "padded steps left out)",
            {},
            r"L = \frac{1}{n}\sum_{t=1}^{T} \max(0, 1 - y_t \hat y_t),\ n = \text{"
            + over
            + "}"
            + closing_latex(f"reduction: {p.reduction}; padded steps left out"),
        )
    r = Result("sequence_hinge", p.meta.title, loss, unit="", formula=formula)
    per_n = "" if p.reduction == "sum" else " / n"

    def step_row(i: int) -> list[Any]:
        idx = _position(p.y.shape, i)
        real = bool(p.mask[idx])
        y, yh = float(p.y[idx]), float(p.yhat[idx])
        return [
            *_seq_t(idx),
            y if real else None,
            yh,
            y * yh if real else None,
            1.0 - y * yh if real else None,
            float(per_step[idx]) if real else None,
            float(grad[idx]),
            "no" if real else "yes (padding)",
        ]

    r.tables.append(
        Table.windowed(
            "per step",
            _n_positions(p.y.shape),
            step_row,
            [
                "sequence",
                "t",
                "y",
                "ŷ",
                "y·ŷ",
                "1 − y·ŷ",
                "max(0, 1 − y·ŷ)",
                f"∂L/∂ŷ = −y{per_n} if 1 − y·ŷ > 0, else 0",
                "masked?",
            ],
            window,
            row_style=lambda i: None if p.mask[_position(p.y.shape, i)] else "dim",
            key_columns=2,
            derived=[
                Derived("y·ŷ", "{0} × {1}", ("y", "ŷ")),
                Derived("1 − y·ŷ", "1 − {0}", ("y·ŷ",)),
                Derived("max(0, 1 − y·ŷ)", "max(0, {0})", ("1 − y·ŷ",)),
            ],
        )
    )
    real_terms = per_step[p.mask]
    total = float(engine_reduce(real_terms, "sum"))  # inf past the float range, no warning
    n_seq = _n_sequences(p.mask)
    # the mean of huge terms can fit when their sum does not: the engine's mean keeps it
    figures = {"mean": float(engine_reduce(real_terms, "mean")), "sum": total}
    r.steps.append(reduction_step(real_terms, "mean", figures["mean"], "hinge terms"))
    r.steps.append(reduction_step(real_terms, "sum", total, "hinge terms"))
    if n_seq > 1 or p.reduction == "mean_sequences":  # the reduction asked for is a figure
        figures["mean_sequences"] = scaled_sum(real_terms, 1.0 / n_seq)
        r.steps.append(
            _mean_step(
                f"mean over the {n_seq:,} sequence{'s' if n_seq > 1 else ''}",
                total,
                n_seq,
                figures["mean_sequences"],
            )
        )
    for s in r.steps:
        if s.label.startswith(p.reduction) or (
            p.reduction == "mean_sequences" and "sequence" in s.label
        ):
            s.label += f" (reduction: {p.reduction})"
    first = _position(p.y.shape, int(np.flatnonzero(np.ravel(p.mask))[0])) if p.mask.any() else None
    if first is not None:
        y0, yh0, g0 = float(p.y[first]), float(p.yhat[first]), float(grad[first])
        n = int(round(-y0 / g0)) if g0 and per_n else None
        if 1 - y0 * yh0 > 0:
            text = "1 − {y} · {yh} > 0, so −({y})" + (" / {n}" if n else "") + " = {g}"
        else:
            text = "1 − {y} · {yh} ≤ 0, so 0"
        r.steps.append(
            Step(
                "worked gradient ∂L/∂ŷ at the first step",
                text,
                {"y": y0, "yh": yh0, "n": n, "g": g0},
            )
        )
    r.figures = {"loss": loss, **figures}
    if not p.mask.any():
        r.warnings.append(NO_STEP_WARNING.format(figure="mean"))
    for name, value in figures.items():
        why = overflow_warning(
            real_terms, value, f"{name} figure", "hinge term", lambda i: f"real step {i + 1}"
        )
        if why:
            r.warnings.append(why)
    r.notes.append(
        "The handout's hinge formula is a sum, Σ_t max(0, 1 − y_t·ŷ_t), but its worked example "
        "averages over the time steps; both are shown (reduction: sum makes the formula's sum the "
        "headline loss)."
    )
    return finalize(p.meta, r)


# ---------------------------------------------------------------------------- reinforce
#: Terms of one return R_t written out before the rest are elided (first ones, last one).
_RETURN_TERMS = 8
#: Episodes of a batch whose returns are written out (the first and last ones): a line per
#: return of every episode made 10^5 episodes take 97 s and 1.5 GB for lines never shown.
_RETURN_EPISODES = 6


def _returns_steps(p: ReinforceProblem, rewards: np.ndarray, returns: np.ndarray) -> list[Step]:
    """R_t = r_t + γ r_{t+1} + γ² r_{t+2} + … written out for the first and last real steps
    of each episode (STEP_MAX_TERMS of them), each with at most _RETURN_TERMS terms."""
    out: list[Step] = []
    rew2, ret2 = np.atleast_2d(rewards), np.atleast_2d(returns)
    m2 = np.atleast_2d(p.mask)
    episodes, gap_at = window_indices(rew2.shape[0], _RETURN_EPISODES)
    for e, n in enumerate(episodes):
        if e == gap_at:
            left = rew2.shape[0] - len(episodes)
            out.append(Step("…", f"({left:,} more episodes, their returns computed the same way)"))
        real = np.flatnonzero(m2[n])
        shown, split = window_indices(len(real), STEP_MAX_TERMS)
        for j, pos in enumerate(shown):
            t = int(real[pos])
            if j == split:
                out.append(
                    Step(
                        "…",
                        f"({len(real) - len(shown):,} more returns R_t, computed the same way)",
                    )
                )
            later = real[pos:]
            kept, gap = window_indices(len(later), _RETURN_TERMS)
            plain, latex, values = [], [], {"g": float(p.gamma or 0.0)}
            for m, i in enumerate(kept):
                k = int(later[i])
                if m == gap:
                    more = f"… ({len(later) - len(kept):,} more terms) …"
                    plain.append(more)
                    latex.append(r"\dots")
                key = f"r{k}"
                values[key] = float(rew2[n, k])
                power = k - t
                # a negative factor in parentheses: 0.5 × (−1), not 0.5 × −1
                factor = f"({{{key}}})" if values[key] < 0 else f"{{{key}}}"
                if power == 0:
                    plain.append("{" + key + "}")
                    latex.append("{" + key + "}")
                elif power == 1:
                    plain.append("{g} × " + factor)
                    latex.append(r"{g} \times " + factor)
                else:
                    plain.append(f"{{g}}^{power} × {factor}")
                    latex.append(f"{{g}}^{{{power}}} \\times {factor}")
            values["value"] = float(ret2[n, t])  # the engine's backward recursion
            who = f"episode {n + 1}, " if rew2.shape[0] > 1 else ""
            out.append(
                Step(
                    f"{who}R_{t + 1}",
                    " + ".join(plain) + " = {value}",
                    values,
                    " + ".join(latex) + " = {value}",
                )
            )
    return out


def solve_reinforce(p: ReinforceProblem, *, window: Window | None = None) -> Result:
    """REINFORCE: returns, baseline, advantages, ln π, the objective J and the loss −J.

    Figures: loss (L = −J under the reduction) and objective (J = −loss).
    """
    shape = p.mask.shape
    batch = len(shape) == 2
    if p.given == "probs":
        with np.errstate(divide="ignore"):
            log_pi = np.where(p.mask, np.log(np.where(p.mask, p.action_probs, 1.0)), 0.0)
        pi = np.where(p.mask, p.action_probs, np.nan)
    else:
        log_pi = policy_log_probs(p.logits, p.actions, mask=p.mask)
        pi = np.where(p.mask, np.exp(log_pi), np.nan)
    if p.returns is None:
        returns = discounted_returns(p.rewards, p.gamma, mask=p.mask)
    else:
        returns = np.where(p.mask, p.returns, 0.0)
    adv = advantages(returns, p.baseline, mask=p.mask)
    loss = float(reinforce_loss(log_pi, adv, mask=p.mask, reduction=p.reduction))
    dl_dlogpi = reinforce_loss_grad(log_pi, adv, mask=p.mask, reduction=p.reduction)
    # advantages (rewards) times nats: no unit to name, as MSE and the hinge
    r = Result("reinforce", p.meta.title, loss, unit="", formula=_reinforce_formula(p.reduction))
    if not batch:
        real = p.mask.astype(bool)
        given = {"pi": terms(pi[real].astype(float))}
        text = "π(y_t|s_t) = ({pi|,})"
        if p.returns is None:
            given["r"] = terms(np.asarray(p.rewards, dtype=float)[real])
            text += ";  rewards r_t = ({r|,})"
        r.steps.append(Step("given, step by step", text, given, lead=True))
    first_worked = len(r.steps)

    # R_t
    if p.returns is None:
        r.steps.append(
            Step(
                "discounted reward-to-go",
                "R_t = Σ_{k≥t} γ^(k−t) r_k with γ = {g}",
                {"g": float(p.gamma)},
                r"R_t = \sum_{k \ge t} \gamma^{k-t} r_k \text{ with } \gamma = {g}",
            )
        )
        r.steps += _returns_steps(p, p.rewards, returns)
    # baseline
    b_values: np.ndarray = returns - adv  # b_t at real steps
    if p.baseline is None:
        r.steps.append(Step("baseline", "none: A_t = R_t", {}))
    elif isinstance(p.baseline, str):
        r2, m2 = np.atleast_2d(returns), np.atleast_2d(p.mask)
        episodes, gap_at = window_indices(r2.shape[0], _RETURN_EPISODES)
        for e, n in enumerate(episodes):
            if e == gap_at:
                left = r2.shape[0] - len(episodes)
                r.steps.append(Step("…", f"({left:,} more episodes' baselines, the same way)"))
            real = r2[n][m2[n]]
            if not real.size:
                continue
            who = f" (episode {n + 1})" if batch else ""
            r.steps.append(
                Step(
                    f"baseline b = mean of the returns{who}",
                    "({R|+}) / {n} = {b}",
                    {
                        "R": terms(real.astype(float)),
                        "n": int(real.size),
                        "b": float(np.mean(real)),
                    },
                    r"\frac{{R|+}}{{n}} = {b}",
                )
            )
        r.notes.append(
            "the mean-of-returns baseline is computed from this episode's own returns, so it "
            "depends on the sampled actions and biases the gradient estimate (with one step, "
            "b = R_1 and A_1 = 0: loss and gradient are 0 for any reward); a constant or a "
            "state-value baseline b(s_t) leaves the expected gradient unchanged"
        )
    elif isinstance(p.baseline, np.ndarray):
        r.steps.append(Step("baseline", "b_t given per step", {}))
    else:
        r.steps.append(Step("baseline", "b = {b} (given)", {"b": float(p.baseline)}))
    for step in r.steps[first_worked:]:  # R_t and b come before the table that uses them
        step.lead = True

    # the table; a product past the float range shows as ±inf, its rounded value (the sums
    # below come from the engine, which works them without overflowing on the way)
    with np.errstate(over="ignore"):
        products = np.where(p.mask, adv * log_pi, 0.0)
    cols = ["episode", "t"] if batch else ["t"]
    if p.actions is not None:
        cols.append("action y_t")
    cols += ["π(y_t|s_t)", "ln π"]
    if p.rewards is not None:
        cols.append("r_t")
    padded = not p.mask.all()
    grad_name = "∂L/∂ln π = −A_t" + ("" if p.reduction == "sum" else " / n")
    # n of a mean: the unpadded steps, or the episodes (as the loss line below divides J)
    n_mean = int(p.mask.sum()) if p.reduction == "mean" else (shape[0] if batch else 1)
    cols += [
        "R_t",
        *(["b"] if p.baseline is not None else []),
        "A_t",
        "A_t · ln π",
        grad_name,
        *(["masked?"] if padded else []),
    ]

    def step_row(i: int) -> list[Any]:
        idx = _position(shape, i)
        real = bool(p.mask[idx])
        row: list[Any] = [idx[0] + 1, idx[1] + 1] if batch else [idx[0] + 1]
        if p.actions is not None:
            row.append(int(p.actions[idx]))
        row += [float(pi[idx]) if real else None, float(log_pi[idx]) if real else None]
        if p.rewards is not None:
            row.append(float(p.rewards[idx]))
        row.append(float(returns[idx]) if real else None)
        if p.baseline is not None:
            row.append(float(b_values[idx]) if real else None)
        row += [
            float(adv[idx]) if real else None,
            float(products[idx]) if real else None,
            float(dl_dlogpi[idx]),
        ]
        if padded:
            row.append("no" if real else "yes (padding)")
        return row

    r.tables.append(
        Table.windowed(
            "per step",
            _n_positions(shape),
            step_row,
            cols,
            window,
            row_style=lambda i: None if p.mask[_position(shape, i)] else "dim",
            key_columns=2 if batch else 1,  # (episode, t) name a row
            derived=[
                Derived("ln π", "ln {0}", ("π(y_t|s_t)",)),
                *([Derived("A_t", "{0} − {1}", ("R_t", "b"))] if p.baseline is not None else []),
                Derived("A_t · ln π", "{0} × {1}", ("A_t", "ln π")),
                Derived(
                    grad_name,
                    "−1 × {0}" + ("" if p.reduction == "sum" else f" / {n_mean}"),
                    ("A_t",),
                ),
            ],
        )
    )

    # J and L
    real_products = products[p.mask]
    j_sum = -float(reinforce_loss(log_pi, adv, mask=p.mask, reduction="sum"))
    template, values = signed_sum("p", real_products)
    r.steps.append(
        Step("objective J = Σ_t A_t ln π(y_t|s_t)", template + " = {J}", {**values, "J": j_sum})
    )
    if p.reduction == "sum":
        r.steps.append(Step("loss L = −J", "−({J}) = {L}", {"J": j_sum, "L": loss}))
    else:
        n = n_mean
        what = "unpadded steps" if p.reduction == "mean" else "episodes"
        r.steps.append(
            Step(
                f"loss L = −J / {n} ({p.reduction} over the {what})",
                "−({J}) / {n} = {L}",
                {"J": j_sum, "n": n, "L": loss},
                r"-\frac{{J}}{{n}} = {L}",
            )
        )
    figures = {"loss": loss, "objective": j_sum}  # J as its line prints it (a mean: L = −J / n)
    if p.baseline is not None:
        handout = -float(reinforce_loss(log_pi, returns, mask=p.mask, reduction="sum"))
        template, values = product_sum("q", returns[p.mask], log_pi[p.mask])
        returns_are = "the discounted returns R_t" if p.returns is None else "the returns R_t"
        r.steps.append(
            Step(
                f"without the baseline, with {returns_are}: Σ_t R_t ln π",
                template + " = {v}",
                {**values, "v": handout},
            )
        )
        figures["objective_no_baseline"] = handout
    if p.rewards is not None:
        rewards = np.where(p.mask, p.rewards, 0.0)
        weighted = -float(reinforce_loss(log_pi, rewards, mask=p.mask, reduction="sum"))
        template, values = product_sum("w", rewards[p.mask], log_pi[p.mask])
        r.steps.append(
            Step(
                "the handout's formula, each step weighted by its own reward: Σ_t r_t ln π",
                template + " = {v}",
                {**values, "v": weighted},
            )
        )
        figures["objective_per_step_rewards"] = weighted
    if p.logits is not None:
        grad = reinforce_policy_logits_grad(
            p.logits, p.actions, adv, mask=p.mask, reduction=p.reduction
        )
        actions = [f"a{a}" for a in range(p.logits.shape[-1])]
        r.tables.append(
            _matrix_table(
                f"gradient ∂L/∂z w.r.t. the policy logits ({p.reduction})",
                [*(["episode", "t"] if batch else ["t"]), *actions],
                grad,
                p.mask,
                shape,
                window,
                seq_column=batch,
                caption="A_t (softmax(z_t) − onehot(y_t))"
                + ("" if p.reduction == "sum" else f" / {n_mean}")
                + " per step",
            )
        )
    r.figures = figures
    if not math.isfinite(loss):
        r.warnings.append(
            overflow_warning(
                -real_products, loss, "loss", "term −A_t ln π", lambda i: f"real step {i + 1}"
            )
            or "the loss is infinite"
        )
    r.notes.append(
        "The handout writes Σ_t R_t log π(y_t|s_t) without a minus sign: that is the objective "
        "J to maximise. Gradient descent minimises the loss L = −J, i.e. it ascends J: "
        "∂L/∂ln π_t = −A_t, so actions with A_t > 0 become more likely."
    )
    return finalize(p.meta, r)
