"""Mark answers figure by figure, and name the slip that explains a wrong one.

A figure is right when it is within the problem's tolerance of the engine's value. A wrong one
is compared with the alternatives of every slip in ``SLIPS``: each slip recomputes, with the
engine, the number that mistake gives (the problem re-solved with the sum instead of the mean,
another log base, the padding unmasked, the discount reversed, ...). The first slip whose
number matches (within the tolerance, and distinct from the right value) is named with the
correct step; other matching slips are listed as "also consistent with". When no slip
matches, pairs are tried: a slip that is a change of the givens (``Slip.changes``: the sum
for the mean, a label −1 read as +1, another log base) is made, and every other slip is tried
on the changed problem; a match is named ``first+second`` (at most MAX_PAIR_SOLVES re-solves
a figure).

A text figure of the key (a decoding's ``greedy``/``beam`` labelling, an alignment's
``path``) is right when the answer, spaces around trimmed, equals the engine's text exactly
(case counts); the empty labelling may be written ``ε`` as the solver prints it, ``(empty)``
as older answer sheets and solver output wrote it, ``""`` as a key writes it, or left empty
(``EMPTY_TEXTS``; no symbol may be named ``ε`` or ``(empty)``, so neither is a labelling of
one symbol; ``""``, ``''`` and ``(empty)`` that the problem's symbols spell, such as two
apostrophes, are that labelling). It earns 1 point; a wrong one is compared with the labellings of
``teach.textslips.TEXT_SLIPS`` (the greedy answer for the beam's, the collapse rule applied
wrong, ...). A number for a text figure, or text that is not a number for a number figure, is
a ProblemError.

Adding a slip is adding one ``Slip`` entry: a name, what it says, and a function
``(ctx, figure) -> [(wrong value, correct step), ...]``.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from rnnloss_cli.errors import ProblemError
from rnnloss_cli.flags import DECIMAL, TINY_WORDS, shown_text, underflows
from rnnloss_cli.limits import MAX_MARK_SECONDS, MAX_PAIR_SOLVES
from rnnloss_cli.result import EMPTY, EMPTY_NAMES, LogNumber

#: Kinds whose loss is a logarithm (log_base applies, a probability can stand for it).
LOG_KINDS = frozenset({"bce", "nll", "cce", "ctc", "sequence", "reinforce"})
#: Figures that name a reduction; ``loss`` means the problem's own ``reduction``.
REDUCTION_FIGURES = ("sum", "mean", "mean_tokens", "mean_sequences")
#: Reductions that are means (over tokens / items, or over sequences).
MEANS = ("mean", "mean_tokens", "mean_sequences")


@dataclass
class Ctx:
    """What a slip may use: the problem, its solved Result, and re-solving a changed copy."""

    problem: Any
    result: Any
    _cache: dict = field(default_factory=dict)
    #: figure -> every slip's wrong numbers for it (see ``slip_values``).
    _slip_values: dict = field(default_factory=dict)
    #: Re-solves left to a search for two slips together (None: no limit), shared by the
    #: problems it changes (see ``pair_values``).
    _budget: list[int] | None = None
    #: [the time past which no re-solve is made, 1.0 once one was refused for it], shared by
    #: the contexts a search for one figure's slip makes (None: no limit; see ``mark_ctx``)
    _until: list[float] | None = None
    #: Figures whose slip search was cut by the time limit: their kept slip values are
    #: incomplete, and every answer marked from them says so.
    _cut: set[str] = field(default_factory=set)

    @property
    def meta(self) -> Any:
        return self.problem.meta

    def value(self, figure: str) -> float:
        if figure in self.result.figures:
            return float(self.result.figures[figure])
        return self.entries[figure]

    def shown(self, figure: str) -> float:
        """The figure as a report prints it: ``value``, but a probability figure held with
        its log (``ProbabilityFigure``) kept whole, so ``_g`` prints an underflowing one
        from its log (5.721e-955, as the result box does), never 0."""
        held = self.result.figures.get(figure)
        return (
            held if isinstance(held, LogNumber) and isinstance(held, float) else self.value(figure)
        )

    @property
    def entries(self) -> dict[str, float]:
        """The entries of the key's arrays (BPTT's ``grads.W_hh[0][1]``) as the engine computed
        them, read from the result's checks (one per entry)."""
        if "entries" not in self._cache:
            self._cache["entries"] = {
                c.figure: float(c.got)
                for c in self.result.checks or []
                if "[" in c.figure and isinstance(c.got, (int, float))
            }
        return self._cache["entries"]

    @property
    def texts(self) -> dict[str, str]:
        """The text figures (a decoding's ``greedy``/``beam``, an alignment's ``path``) as
        the engine found them, the empty labelling as "", keyed or not."""
        return self.result.text_figures

    def resolve(self, figure: str, **changes: Any) -> float | None:
        """The figure after re-solving the problem with ``changes`` (None if that fails)."""
        from rnnloss_cli.engine.errors import EngineError
        from rnnloss_cli.solve import solve

        key = tuple(sorted((k, repr(v)) for k, v in changes.items()))
        if key not in self._cache:
            if self._past_time():
                return None  # not kept: the time is spent, the figure not unknown
            if self._budget is not None:
                if self._budget[0] <= 0:
                    return None  # not kept: the budget is spent, the figure not unknown
                self._budget[0] -= 1
            try:
                self._cache[key] = solve(dataclasses.replace(self.problem, **changes)).figures
            except (ProblemError, EngineError, ValueError, TypeError):
                self._cache[key] = {}
        got = self._cache[key].get(figure)
        return None if got is None else float(got)

    def changed(self, budget: list[int], **changes: Any) -> Ctx | None:
        """The problem with ``changes`` (a slip made), solved, as a context of its own whose
        re-solves draw on ``budget``; None when that fails or the budget is spent."""
        from rnnloss_cli.engine.errors import EngineError
        from rnnloss_cli.solve import solve

        if budget[0] <= 0 or self._past_time():
            return None
        budget[0] -= 1
        try:
            problem = dataclasses.replace(self.problem, **changes)
            return Ctx(problem, solve(problem), _budget=budget, _until=self._until)
        except (ProblemError, EngineError, ValueError, TypeError):
            return None

    def _past_time(self) -> bool:
        """True (and noted in ``_until``) when the search's time is spent."""
        if self._until is None or _now() <= self._until[0]:
            return False
        self._until[1] = 1.0
        return True

    def step(self, prefix: str) -> str | None:
        """The text of the result's first step whose label starts with ``prefix``."""
        from rnnloss_cli.render.text import step_text

        for s in self.result.steps:
            if s.label.startswith(prefix):
                return f"{s.label}: {step_text(s, 4)}"
        return None


def asked_reduction(ctx: Ctx, figure: str) -> str | None:
    """The reduction a figure asks for: its name, or the problem's own for ``loss``."""
    if figure in REDUCTION_FIGURES:
        return figure
    if figure == "loss":
        return getattr(ctx.problem, "reduction", None)
    return None


#: ln of the smallest normal double (2.2e-308): below it a probability's float is 0 or has
#: lost digits, and a report prints it from its log.
_NORMAL_LN = math.log(sys.float_info.min)


def _g(x: float) -> str:
    """A number as a report line writes it: 4 significant digits; a probability figure
    below the normal doubles (a LogNumber whose float is 0 or subnormal) from its log, as
    the result box prints it: (1/3)^2000 is 5.721e-955, not 0."""
    if isinstance(x, LogNumber) and x.ln < _NORMAL_LN:
        from rnnloss_cli.render.text import fmt_log

        return fmt_log(x.ln, 4)
    return f"{x:.4g}"


Alternatives = list[tuple[float, str]]


@dataclass(frozen=True)
class Slip:
    """A known mistake: its name, what it says about the answer, and its recomputation."""

    name: str
    says: str
    alternatives: Callable[[Ctx, str], Alternatives]
    #: The slip as changes to the problem (``{"reduction": "sum"}``), for trying it together
    #: with another slip; None for a slip that is not a change of the givens.
    changes: Callable[[Ctx, str], list[dict[str, Any]]] | None = None


# ------------------------------------------------------------------ the slips
def _reduction_figure(ctx: Ctx, figure: str, reduction: str) -> float | None:
    if reduction in ctx.result.figures and figure in REDUCTION_FIGURES + ("loss",):
        return ctx.value(reduction)
    return ctx.resolve(figure if figure != "loss" else "loss", reduction=reduction)


def _to_base(ctx: Ctx, step: str) -> str:
    """A reduction step (worked in nats, as the solver works it) followed by the change of
    base when the problem asks for bits or bans, so the step ends on the asked value (a mean
    in bits was told "= 0.367", its value in nats)."""
    change = ctx.step("change of base")
    return step if change is None else f"{step}; then {change}"


def sum_for_mean(ctx: Ctx, figure: str) -> Alternatives:
    """The sum where a mean is asked: re-solve with reduction sum."""
    asked = asked_reduction(ctx, figure)
    if asked not in MEANS:
        return []
    alt = ctx.resolve("loss", reduction="sum")
    step = _to_base(ctx, ctx.step("mean") or f"divide the sum by the number of terms ({asked})")
    return [] if alt is None else [(alt, step)]


def mean_for_sum(ctx: Ctx, figure: str) -> Alternatives:
    """A mean where the sum is asked: re-solve with each mean reduction the kind has."""
    if asked_reduction(ctx, figure) != "sum":
        return []
    out = []
    for red in MEANS:
        alt = ctx.resolve("loss", reduction=red)
        if alt is not None:
            step = ctx.step("sum") or "add the terms; do not divide by their number"
            out.append((alt, _to_base(ctx, step)))
    return out


def tokens_vs_sequences(ctx: Ctx, figure: str) -> Alternatives:
    """Averaged over tokens where the mean over sequences is asked, or the other way."""
    asked = asked_reduction(ctx, figure)
    if asked == "mean_sequences":
        others = ["mean_tokens", "mean"]
        why = "the sum over all tokens divided by the number of sequences"
    elif asked in ("mean_tokens", "mean") and ctx.meta.kind in (
        "sequence",
        "sequence_hinge",
        "reinforce",
    ):
        others = ["mean_sequences"]
        why = "the sum over all (unpadded) tokens divided by the number of tokens"
    else:
        return []
    out = []
    for red in others:
        alt = ctx.resolve("loss", reduction=red)
        if alt is not None:
            out.append((alt, f"{why} = {_asked(ctx, figure)}"))
    return out


def _log_name(base: str) -> str:
    """A log base as a step names it: ln, log2, log10."""
    return "ln" if base == "e" else f"log{base}"


#: The base a wrong_log_base step says was pressed ("1.059 is what log2 gives; ...").
_BASE_USED = re.compile(r"is what (ln|log\d+) gives; use")


def wrong_log_base(ctx: Ctx, figure: str) -> Alternatives:
    """log2 or log10 where ln is asked (or ln where bits are): re-solve with that base."""
    if ctx.meta.kind not in LOG_KINDS:
        return []
    out = []
    asked = ctx.meta.log_base
    for base in ("e", "2", "10"):
        if base == asked:
            continue
        alt = ctx.resolve(figure, meta=dataclasses.replace(ctx.meta, log_base=base))
        if alt is not None:
            name, used = _log_name(asked), _log_name(base)
            # which logarithm gave the number, so the student sees the key they pressed
            out.append(
                (
                    alt,
                    f"{_g(alt)} is what {used} gives; use {name} as the problem asks: "
                    f"{_asked(ctx, figure)}",
                )
            )
    return out


def objective_for_loss(ctx: Ctx, figure: str) -> Alternatives:
    """The objective (log-likelihood, expected return) where the loss is asked: the sign."""
    value = ctx.value(figure)
    if ctx.meta.kind not in LOG_KINDS | {"custom"} or value == 0:
        return []
    if ctx.meta.kind == "reinforce":
        what = "J = −loss" if figure.startswith("objective") else "the loss L = −J"
    else:
        what = "the loss −Σ ln p (minus the log-likelihood)"
    return [(-value, f"{what} = {_asked(ctx, figure)}")]


def _asked(ctx: Ctx, figure: str) -> str:
    """The asked value as a correct step ends on it: with the digits the report's
    "expected" gives it (769.029, where ``_g`` wrote 769), from its log if below a double."""
    return _expected_text(ctx.shown(figure), ctx.meta.tolerance)


def _probability_of(ctx: Ctx, loss: float) -> float:
    """base^(−loss), the probability a loss stands for, held with its log: a loss of 769
    nats is p = 1.035e-334, 0 as a double (a step wrote "−ln 0 = 769")."""
    from rnnloss_cli.solve.common import ProbabilityFigure

    return ProbabilityFigure(-loss * math.log(_base(ctx)))


def _base(ctx: Ctx) -> float:
    return math.e if ctx.meta.log_base == "e" else float(ctx.meta.log_base)


def probability_for_log(ctx: Ctx, figure: str) -> Alternatives:
    """The probability p where its −log is asked: base ** −loss."""
    if ctx.meta.kind not in LOG_KINDS or ctx.meta.kind == "reinforce":
        return []
    value = ctx.value(figure)
    p = _base(ctx) ** -value
    shown = _g(_probability_of(ctx, value))
    return [(p, f"take −ln of the probability: −ln {shown} = {_asked(ctx, figure)}")]


def percent_for_probability(ctx: Ctx, figure: str) -> Alternatives:
    """A probability written as a percent: 100 p, or −ln(100 p) = loss − ln 100."""
    if ctx.meta.kind not in LOG_KINDS or ctx.meta.kind == "reinforce":
        return []
    value = ctx.value(figure)
    p = _base(ctx) ** -value
    shift = math.log(100) / math.log(_base(ctx))
    prob, percent = _g(_probability_of(ctx, value)), _g(_probability_of(ctx, value - shift))
    step = f"use the probability {prob}, not {percent}%: −ln {prob} = {_asked(ctx, figure)}"
    return [(100 * p, step), (value - shift, step)]


def _listed(ctx: Ctx) -> Any:
    from rnnloss_cli.engine.alignments import ctc_listed
    from rnnloss_cli.solve.ctc import listed_probs

    p = ctx.problem
    return ctc_listed(p.target, p.alignments, listed_probs(p), blank=p.blank, factors=p.factors)


def _neg_log(total: float, ctx: Ctx) -> float:
    return math.inf if total <= 0 else -math.log(total) / math.log(_base(ctx))


def _in_base(neg_ln: float, ctx: Ctx) -> float:
    """A loss in nats (−ln p, the engine's) in the problem's log base."""
    return neg_ln / math.log(_base(ctx))


def _listed_loss(alignments: list, ctx: Ctx) -> float:
    """−ln of the sum of these listed alignments' products, from their logs (a long
    alignment's product is 0 as a double), in the problem's log base."""
    logs = [a.log_product for a in alignments]
    top = max(logs, default=-math.inf)
    if top == -math.inf:
        return math.inf
    return _in_base(-(top + math.log(math.fsum(math.exp(x - top) for x in logs))), ctx)


def _is_repeat_reason(reason: str | None) -> bool:
    return bool(reason) and reason.startswith("a repeated label needs a blank")


def invalid_alignment_included(ctx: Ctx, figure: str) -> Alternatives:
    """Listed CTC: an alignment that does not collapse to the target kept in the sum."""
    p = ctx.problem
    if ctx.meta.kind != "ctc" or figure not in ("valid_only", "exact") or not p.alignments:
        return []
    lc = _listed(ctx)
    if not lc.invalid:
        return []
    names = ", ".join(
        "".join(map(str, lc.alignments[i].path)) + f" ({lc.alignments[i].reason})"
        for i in lc.invalid
    )
    step = f"drop the alignments that do not collapse to the target: {names}"
    return [(_in_base(lc.loss, ctx), step)]


def listed_for_exact(ctx: Ctx, figure: str) -> Alternatives:
    """The listed alignments' sum where exact CTC (all alignments) is asked."""
    if ctx.meta.kind != "ctc" or figure != "exact" or not ctx.problem.alignments:
        return []
    lc = _listed(ctx)
    step = (
        f"exact CTC sums over every alignment of T frames (forward algorithm), not only the "
        f"{len(lc.alignments)} listed: {_asked(ctx, figure)}"
    )
    return [(_in_base(lc.loss, ctx), step), (_in_base(lc.valid_loss, ctx), step)]


def _summed_alignments(ctx: Ctx, figure: str) -> list | None:
    """The listed alignments a listed-CTC figure sums (all for ``listed``, the valid ones for
    ``valid_only``), or None for any other figure or problem."""
    p = ctx.problem
    if ctx.meta.kind != "ctc" or not getattr(p, "alignments", None):
        return None
    if figure not in ("listed", "valid_only") and not (figure == "loss" and p.frame_probs is None):
        return None
    lc = _listed(ctx)
    kept = [a for a in lc.alignments if a.valid or figure != "valid_only"]
    return kept if len(kept) > 1 else None


def _sum_step(kept: list, ctx: Ctx, figure: str, instead: str) -> str:
    """The right step for a listed-CTC figure: the alignments' probabilities added, then −log
    of the sum (its numbers written out when they are not 0 as doubles)."""
    paths = ", ".join("".join(map(str, a.path)) for a in kept)
    terms = " + ".join(_g(math.exp(a.log_product)) for a in kept)
    value = ctx.value(figure)
    log = "ln" if ctx.meta.log_base == "e" else f"log{ctx.meta.log_base}"
    total = _base(ctx) ** -value
    if total > 0:
        tail = f"= {_g(total)}, {instead}; then −{log} {_g(total)} = {_asked(ctx, figure)}"
    else:
        tail = f", {instead}; then −{log} of that sum: {_asked(ctx, figure)}"
    return f"p(l|x) adds the probabilities of the alignments {paths}: {terms} {tail}"


def largest_alignment_only(ctx: Ctx, figure: str) -> Alternatives:
    """Listed CTC: only the most probable alignment kept (the best path, not the sum)."""
    kept = _summed_alignments(ctx, figure)
    if kept is None:
        return []
    best = max(kept, key=lambda a: a.log_product)
    instead = (
        f"not the largest one alone ({''.join(map(str, best.path))}, "
        f"{_g(math.exp(best.log_product))})"
    )
    return [(_in_base(-best.log_product, ctx), _sum_step(kept, ctx, figure, instead))]


def alignments_multiplied(ctx: Ctx, figure: str) -> Alternatives:
    """Listed CTC: the alignments' probabilities multiplied (or their losses added)."""
    kept = _summed_alignments(ctx, figure)
    if kept is None:
        return []
    total = -math.fsum(a.log_product for a in kept)  # −ln Π p = Σ (−ln p)
    return [(_in_base(total, ctx), _sum_step(kept, ctx, figure, "not their product"))]


def _forward_without_repeat_rule(ctx: Ctx) -> float | None:
    """p(l|x) by the forward algorithm with the skip s-2 -> s allowed between equal labels.

    The correct recursion allows the skip only when l'_s is not a blank and l'_s != l'_{s-2};
    dropping the second condition counts paths that run a repeated label's copies together
    with no blank between them (they really collapse to one copy).
    """
    import numpy as np

    p = ctx.problem
    if p.frame_probs is None:
        return None
    col = {s: i for i, s in enumerate(p.symbols)}
    ext = [p.blank]
    for s in p.target:
        ext += [s, p.blank]
    y = np.asarray(p.frame_probs, dtype=float)[:, [col[s] for s in ext]]
    T, S = y.shape
    alpha = np.zeros(S)
    alpha[0] = y[0, 0]
    alpha[1] = y[0, 1] if S > 1 else 0.0
    for t in range(1, T):
        new = alpha.copy()
        new[1:] += alpha[:-1]
        skip = np.zeros(S)
        skip[2:] = alpha[:-2]
        skip[[s for s in range(S) if ext[s] == p.blank]] = 0.0  # never skip into a blank
        new = (new + skip) * y[t]
        alpha = new
    return float(alpha[-1] + (alpha[-2] if S > 1 else 0.0))


def repeat_without_blank(ctx: Ctx, figure: str) -> Alternatives:
    """CTC: a repeated label (LL) counted without a blank between its copies."""
    p = ctx.problem
    if ctx.meta.kind != "ctc":
        return []
    if not any(a == b for a, b in zip(p.target, p.target[1:], strict=False)):
        return []
    word = "".join(map(str, p.target))
    if figure == "exact":
        total = _forward_without_repeat_rule(ctx)
        if total is None:
            return []
        step = (
            f"in the forward recursion the skip α_(t-1)(s-2) is allowed only when l'_s is not "
            f"the blank and differs from l'_(s-2): the copies of a repeated label in {word} "
            f"need a blank between them: {_asked(ctx, figure)}"
        )
        return [(_neg_log(total, ctx), step)]
    if figure != "valid_only" or not p.alignments:
        return []
    lc = _listed(ctx)
    repeats = [i for i in lc.invalid if _is_repeat_reason(lc.alignments[i].reason)]
    if not repeats:
        return []
    kept = [a for i, a in enumerate(lc.alignments) if a.valid or i in repeats]
    names = ", ".join("".join(map(str, lc.alignments[i].path)) for i in repeats)
    step = (
        f"{names} merges the repeated label into one and does not collapse to {word}; "
        f"leave it out: {_asked(ctx, figure)}"
    )
    return [(_listed_loss(kept, ctx), step)]


def padding_not_masked(ctx: Ctx, figure: str) -> Alternatives:
    """Padded steps counted: re-solved with every step real, or divided by all positions."""
    import numpy as np

    p = ctx.problem
    mask = getattr(p, "mask", None)
    if mask is None or bool(np.all(mask)):
        return []
    step = f"ignore the padded steps (mask, lengths): {_asked(ctx, figure)}"
    out = []
    alt = ctx.resolve(figure, mask=np.ones_like(mask, dtype=bool))
    if alt is not None and math.isfinite(alt):
        out.append((alt, step))
    asked = asked_reduction(ctx, figure)
    if asked in ("mean_tokens", "mean") and "sum" in ctx.result.figures:
        out.append((ctx.value("sum") / mask.size, step))
    elif asked in ("mean_tokens", "mean"):
        total = ctx.resolve("loss", reduction="sum")
        if total is not None:
            out.append((total / mask.size, step))
    return out


def negative_label_sign(ctx: Ctx, figure: str) -> Alternatives:
    """Hinge: a label y = −1 taken as +1, i.e. 1 − (−1)(ŷ) worked as 1 − ŷ (the sign of a
    product of two negatives lost): re-solved with every label made +1."""
    import numpy as np

    labels = _negative_labels(ctx)
    if labels is None:
        return []
    y, yhat = labels
    alt = ctx.resolve(figure, y=np.abs(ctx.problem.y))
    if alt is None:
        return []
    i = tuple(int(k) for k in np.argwhere(y < 0)[0])  # the first step with a label −1
    where = "step " + ", ".join(str(k + 1) for k in i)
    yh = float(yhat[i])

    def n(x: float) -> str:  # a number as the steps print it, with a true minus sign
        return f"{x:.4g}".replace("-", "−")

    def paren(x: float) -> str:
        return f"({n(x)})" if x < 0 else n(x)

    step = (
        f"at {where}, y·ŷ = (−1)·{paren(yh)} = {n(-yh)} and the term is "
        f"max(0, 1 − {paren(-yh)}) = {n(max(0.0, 1 + yh))}, not max(0, 1 − {paren(yh)}) = "
        f"{n(max(0.0, 1 - yh))} (y taken as +1); with each label's sign kept: "
        f"{_asked(ctx, figure)}"
    )
    return [(alt, step)]


def _returns_forward(rewards: Any, gamma: float, mask: Any) -> Any:
    """Returns accumulated forwards in time: G_t = Σ_{k<=t} γ^(t-k) r_k."""
    import numpy as np

    from rnnloss_cli.engine.reinforce import discounted_returns

    r = np.where(mask, rewards, 0.0)
    return discounted_returns(r[..., ::-1], gamma)[..., ::-1]


def _returns_absolute(rewards: Any, gamma: float, mask: Any) -> Any:
    """Discount counted from the episode's start: G_t = Σ_{k>=t} γ^k r_k."""
    import numpy as np

    r = np.where(mask, rewards, 0.0)
    weighted = r * gamma ** np.arange(r.shape[-1])
    return np.cumsum(weighted[..., ::-1], axis=-1)[..., ::-1]


def discount_wrong_way(ctx: Ctx, figure: str) -> Alternatives:
    """REINFORCE: γ applied to past rewards, or counted from the episode's start."""
    p = ctx.problem
    if ctx.meta.kind != "reinforce" or p.gamma is None or p.rewards is None:
        return []
    step = (
        f"discount the rewards still to come from step t: R_t = Σ_(k≥t) γ^(k−t) r_k "
        f"(γ = {p.gamma:g}): {_asked(ctx, figure)}"
    )
    out = []
    for make in (_returns_forward, _returns_absolute):
        wrong = make(p.rewards, p.gamma, p.mask)
        alt = ctx.resolve(figure, returns=wrong, gamma=None)
        if alt is not None:
            out.append((alt, step))
    return out


def _base_changes(ctx: Ctx, figure: str) -> list[dict[str, Any]]:
    """The problem in each other log base (the wrong key pressed), for a logarithmic kind."""
    if ctx.meta.kind not in LOG_KINDS:
        return []
    return [
        {"meta": dataclasses.replace(ctx.meta, log_base=base)}
        for base in ("e", "2", "10")
        if base != ctx.meta.log_base
    ]


def _sum_changes(ctx: Ctx, figure: str) -> list[dict[str, Any]]:
    return [{"reduction": "sum"}] if asked_reduction(ctx, figure) in MEANS else []


def _negative_labels(ctx: Ctx) -> tuple[Any, Any] | None:
    """(y, ŷ) as float arrays of a hinge problem with a label −1, else None (the sign slip
    cannot apply)."""
    import numpy as np

    p = ctx.problem
    if ctx.meta.kind not in ("hinge", "sequence_hinge"):
        return None
    y, yhat = np.asarray(p.y, dtype=float), np.asarray(p.yhat, dtype=float)
    if y.shape != yhat.shape or not bool(np.any(y < 0)):
        return None
    return y, yhat


def _label_changes(ctx: Ctx, figure: str) -> list[dict[str, Any]]:
    import numpy as np

    return [] if _negative_labels(ctx) is None else [{"y": np.abs(ctx.problem.y)}]


#: The catalogue, most specific first (the first match is the one named).
SLIPS: tuple[Slip, ...] = (
    Slip(
        "sum_for_mean",
        "it is the sum of the terms; the problem asks for the mean",
        sum_for_mean,
        _sum_changes,
    ),
    Slip("mean_for_sum", "it is a mean; the problem asks for the sum", mean_for_sum),
    Slip(
        "tokens_vs_sequences",
        "it averages over tokens where sequences are asked (or the other way)",
        tokens_vs_sequences,
    ),
    Slip("padding_not_masked", "the padded steps were counted (not masked)", padding_not_masked),
    Slip("discount_wrong_way", "the discount γ is applied the wrong way", discount_wrong_way),
    Slip(
        "negative_label_sign",
        "a label −1 was used as +1 (the sign of (−1)·ŷ was lost)",
        negative_label_sign,
        _label_changes,
    ),
    Slip(
        "repeat_without_blank",
        "a repeated label was counted without a blank between its copies",
        repeat_without_blank,
    ),
    Slip(
        "invalid_alignment_included",
        "it includes an alignment that does not collapse to the target",
        invalid_alignment_included,
    ),
    Slip(
        "listed_for_exact",
        "it sums only the listed alignments; exact CTC sums over all of them",
        listed_for_exact,
    ),
    Slip(
        "largest_alignment_only",
        "it keeps only the most probable alignment; CTC adds the probabilities of all of them",
        largest_alignment_only,
    ),
    Slip(
        "alignments_multiplied",
        "it multiplies the alignments' probabilities (or adds their losses); CTC adds the "
        "probabilities",
        alignments_multiplied,
    ),
    Slip("wrong_log_base", "it uses the wrong logarithm base", wrong_log_base, _base_changes),
    Slip(
        "objective_for_loss",
        "it has the wrong sign: the objective (log-likelihood) instead of the loss",
        objective_for_loss,
    ),
    Slip(
        "probability_for_log",
        "it is the probability, not its −log (the loss)",
        probability_for_log,
    ),
    Slip(
        "percent_for_probability",
        "it uses a percentage where a probability belongs",
        percent_for_probability,
    ),
)
SLIP_NAMES = tuple(s.name for s in SLIPS)
#: The slip that only changes the log base: in a pair, it adds no step to the correct path.
BASE_SLIP = "wrong_log_base"


# ------------------------------------------------------------------ marking
@dataclass
class FigureMark:
    """One answered figure: right or wrong, its points, and the slip that explains it."""

    figure: str
    #: A number, or for a text figure the text (the empty labelling as "").
    given: float | str
    expected: float | str
    tolerance: float
    right: bool
    points: float
    earned: float
    slip: str | None = None
    says: str | None = None
    #: The slip's number, or for a text figure its labelling.
    slip_value: float | str | None = None
    correct_step: str | None = None
    also: list[str] = field(default_factory=list)
    #: No slip found, and the search stopped at MAX_MARK_SECONDS before trying them all.
    search_cut: bool = False


@dataclass
class MarkReport:
    file: str
    title: str
    marks: list[FigureMark]
    #: The file's answer key disagrees with the computed value (which answers are marked
    #: against): the CLI names the file and exits 1.
    key_disagrees: bool = False

    @property
    def ok(self) -> bool:
        return all(m.right for m in self.marks)

    @property
    def earned(self) -> float:
        return sum(m.earned for m in self.marks)

    @property
    def possible(self) -> float:
        return sum(m.points for m in self.marks)


#: Float rounding allowed on top of a tolerance, relative to max(1, |value|): Moodle's own
#: (``teach.moodle.MOODLE_SLACK``), so that an answer at the tolerance's edge (0.123 for a key
#: of 0.1235 at ±0.0005, 0.000500000000000056 apart in float64) is right in mark and grade as
#: in the exported quiz, and as "within ±0.0005" says.
ROUNDING_SLACK = 1e-14


def _close(a: float, b: float, tol: float) -> bool:
    """|a − b| ≤ tol, the edge included (up to float rounding, ROUNDING_SLACK); infinities
    only equal themselves."""
    if math.isinf(a) or math.isinf(b):
        return a == b
    return abs(a - b) <= tol + ROUNDING_SLACK * max(1.0, abs(a), abs(b))


def slip_values(ctx: Ctx, figure: str) -> list[tuple[Slip, Alternatives]]:
    """Each slip of ``SLIPS`` with the wrong numbers it gives for ``figure`` (finite, and not
    within the tolerance of the right value).

    They depend on the problem and the figure, never on the answer, so they are computed once
    per figure and kept in ``ctx``: ``grade`` marks a class with one computation a figure.
    """
    if figure not in ctx._slip_values:
        expected, tol = ctx.value(figure), ctx.meta.tolerance
        ctx._slip_values[figure] = [
            (
                slip,
                [
                    (alt, step)
                    for alt, step in slip.alternatives(ctx, figure)
                    if math.isfinite(alt) and not _close(alt, expected, tol)
                ],
            )
            for slip in SLIPS
        ]
    return ctx._slip_values[figure]


@dataclass(frozen=True)
class Pair:
    """Two slips made together: ``first`` changed the givens, ``second`` was made on them."""

    first: Slip
    second: Slip

    @property
    def name(self) -> str:
        a, b = sorted((self.first, self.second), key=lambda s: SLIP_NAMES.index(s.name))
        return f"{a.name}+{b.name}"

    @property
    def says(self) -> str:
        a, b = sorted((self.first, self.second), key=lambda s: SLIP_NAMES.index(s.name))
        return f"two slips together: {a.says}; and {b.says}"


def pair_values(ctx: Ctx, figure: str) -> list[tuple[Pair, Alternatives]]:
    """Pairs of slips with the wrong numbers they give together for ``figure``: a number
    that neither gives alone, nor the right one. Computed once a figure (as ``slip_values``),
    with at most MAX_PAIR_SOLVES re-solves; each pair once, in the catalogue's order (tried
    from the first of its slips that is a change, with each of that slip's changes).

    The correct step is one path from the givens to the asked value: the second slip's
    step on the changed problem, then the first slip's. Where one of the two is the wrong
    log base, that slip is no step at all (the base is what the problem asks), so the step
    is the other slip's, worked on the problem as asked: "sum of the 2 terms: … = 0.734",
    not "… = 0.734; then change of base to bits … = 1.0589; then 1.059 is what log2 gives;
    use ln …: 0.734".
    """
    key = ("pairs", figure)
    if key in ctx._slip_values:
        return ctx._slip_values[key]
    expected, tol = ctx.value(figure), ctx.meta.tolerance
    singles = slip_values(ctx, figure)
    alone = [alt for _, alts in singles for alt, _ in alts]
    first_alts = {slip.name: alts for slip, alts in singles if alts}
    budget = [MAX_PAIR_SOLVES]
    out: list[tuple[Pair, Alternatives]] = []
    #: pair name -> (the slip that made the change, the pair's place in ``out``): a pair is
    #: tried from one of its slips only, but with each of that slip's changes (log2, log10)
    seen: dict[str, tuple[str, int]] = {}
    for first in SLIPS:
        if first.changes is None or first.name not in first_alts:
            continue
        for changes in first.changes(ctx, figure):
            sub = ctx.changed(budget, **changes)
            if sub is None or figure not in sub.result.figures:
                continue
            # the step that undoes this change: the first slip's alternative it gives (a slip
            # with several changes, log2 or log10, has a step for each)
            made = sub.value(figure)
            first_step = next(
                (st for a, st in first_alts[first.name] if _close(a, made, tol)),
                first_alts[first.name][0][1],
            )
            for second in SLIPS:
                pair = Pair(first, second)
                if second is first or seen.get(pair.name, (first.name,))[0] != first.name:
                    continue
                found = [
                    (alt, _pair_step(ctx, sub, first, second, (step, first_step), first_alts))
                    for alt, step in second.alternatives(sub, figure)
                    if math.isfinite(alt)
                    and not _close(alt, expected, tol)
                    and not any(_close(alt, a, tol) for a in alone)
                ]
                if found and pair.name in seen:
                    out[seen[pair.name][1]][1].extend(found)
                elif found:
                    seen[pair.name] = (first.name, len(out))
                    out.append((pair, found))
    ctx._slip_values[key] = out
    return out


def _pair_step(
    ctx: Ctx, sub: Ctx, first: Slip, second: Slip, steps: tuple[str, str], alone: dict
) -> str:
    """A pair's correct step (see ``pair_values``): ``steps`` = (the second slip's step on
    the changed problem ``sub``, the first slip's step), chained; or where one slip is the
    log base, the other's step alone on the problem as asked (``alone``: each slip's
    alternatives there, the first slip's step among them), naming the base pressed."""
    second_step, first_step = steps
    path, used = None, None
    if second.name == BASE_SLIP:
        path, found = first_step, _BASE_USED.search(second_step)
        used = found.group(1) if found else None
    elif first.name == BASE_SLIP and alone.get(second.name):
        path, used = alone[second.name][0][1], _log_name(sub.meta.log_base)
    if path is None:
        return f"{second_step}; then {first_step}"
    asked = _log_name(ctx.meta.log_base)
    return f"{path} (in {asked} as the problem asks" + (f", not {used})" if used else ")")


def _matching(candidates: Any, given: float, tol: float) -> list[tuple[Any, float, str]]:
    """(slip, its number, its step) for each slip whose first number within ``tol`` of
    ``given`` is found among its (number, step) alternatives."""
    found = []
    for slip, alternatives in candidates:
        for alt, step in alternatives:
            if _close(given, alt, tol):
                found.append((slip, alt, step))
                break
    return found


def diagnose(ctx: Ctx, figure: str, given: float) -> list[tuple[Slip, float, str]]:
    """Every slip whose recomputed number matches ``given`` (and is not the right one)."""
    return _matching(slip_values(ctx, figure), given, ctx.meta.tolerance)


def diagnose_pair(ctx: Ctx, figure: str, given: float) -> list[tuple[Any, float, str]]:
    """Every pair of slips whose number together matches ``given`` (see ``pair_values``)."""
    return _matching(pair_values(ctx, figure), given, ctx.meta.tolerance)


#: The clock of the slip search's time limit (a test gives a fake one).
_now = time.perf_counter


def mark_problem(problem: Any, answers: dict[str, float | str]) -> MarkReport:
    """Mark ``answers`` (figure -> value) against the engine's figures for ``problem``."""
    from rnnloss_cli.solve import solve

    return mark_ctx(Ctx(problem, solve(problem)), answers)


#: An entry of an array figure: ``grads.W_hh[0][1]``, ``grads.W_hh[0,1]`` or, as the Moodle
#: bank names it, ``dL/dW_hh[0,1]`` (indices from 0).
_ENTRY = re.compile(r"(?:dL/d|grads\.)(\w+)((?:\[\s*\d+(?:\s*,\s*\d+)*\s*\])+)", re.IGNORECASE)


def entry_name(asked: str, entries: Any) -> str | None:
    """The entry of ``entries`` (names as the key's, ``grads.W_hh[0][1]``) that ``asked``
    names: ``grads.W_hh[0][1]``, ``grads.W_hh[0,1]`` or ``dL/dW_hh[0,1]``, in any case when
    only one entry has that name so folded (a wide CSV's header is read in any case)."""
    m = _ENTRY.fullmatch(asked.strip())
    if m is None:
        return None
    index = re.findall(r"\d+", m.group(2))
    name = f"grads.{m.group(1)}" + "".join(f"[{int(i)}]" for i in index)
    if name in entries:
        return name
    folded = [e for e in entries if e.casefold() == name.casefold()]
    return folded[0] if len(folded) == 1 else None


def _figure_named(ctx: Ctx, asked: str) -> str:
    """The problem's figure ``asked`` names: exactly, else in another case (``LOSS``) when
    only one figure has that name so folded (as ``grade`` reads figure names); an entry of
    an array key (BPTT's ``dL/dW_hh[0,1]``, ``grads.W_hh[0][1]``) is a figure too."""
    figures = [*ctx.result.figures, *ctx.texts]
    if asked in figures:
        return asked
    entry = entry_name(asked, ctx.entries)
    if entry is not None:
        return entry
    folded = [f for f in figures if f.casefold() == asked.casefold()]
    if len(folded) == 1:
        return folded[0]
    if folded:
        why = f"could be {' or '.join(map(repr, folded))}, which differ only by case"
    else:
        why = (
            f"no figure named {shown_text(asked)} for this problem; it gives: {', '.join(figures)}"
        )
        if ctx.entries:
            first, last = next(iter(ctx.entries)), list(ctx.entries)[-1]
            why += f", and the key's array entries {first} ... {last}"
    raise ProblemError(why, file=ctx.meta.file, field=_answer_field(asked))


def _answer_field(asked: str) -> str:
    """The field a message names for the answer to ``asked``: ``--answer loss``; a name
    past 40 characters cut (``--answer xxx... (5,000 characters)``), never echoed whole."""
    if len(asked) <= 40:
        return f"--answer {asked}"
    return f"--answer {asked[:40]}... ({len(asked):,} characters)"


def mark_ctx(ctx: Ctx, answers: dict[str, float | str]) -> MarkReport:
    """Mark ``answers`` with an already solved problem (``grade`` solves each problem once).

    A value is a number, or text as written: read by ``parse_value`` for a number figure,
    compared by ``mark_text`` for a text figure (a number there, or text that is not a number
    for a number figure, is a ProblemError).
    """
    meta = ctx.meta
    marks = []
    named: dict[str, str] = {}
    for asked, given in answers.items():
        figure = _figure_named(ctx, asked)
        if figure in named:
            raise ProblemError(
                f"{named[figure]!r} and {asked!r} are one figure, {figure!r}, given twice",
                file=meta.file,
                field=_answer_field(asked),
            )
        named[figure] = asked
        if figure in ctx.texts:
            marks.append(mark_text(ctx, asked, figure, given))
            continue
        if isinstance(given, str):
            try:
                given = parse_value(given)
            except ValueError as err:
                raise ProblemError(str(err), file=meta.file, field=_answer_field(asked)) from None
        expected = ctx.shown(figure)  # a float: compared as one, printed by _g
        if math.isnan(expected):  # 0 x an infinite term: every answer would be wrong
            raise ProblemError(
                f"{figure} is NaN (not a number), so no answer can be marked against it",
                file=meta.file,
                field=_answer_field(asked),
            )
        points = meta.points.get(figure, 1.0)
        right = _close(given, expected, meta.tolerance)
        m = FigureMark(figure, given, expected, meta.tolerance, right, points, points * right)
        if not right:
            ctx._until, found = [_now() + MAX_MARK_SECONDS, 0.0], []
            try:
                found = diagnose(ctx, figure, given)
                if not found:  # no single slip: two together (the first pair that matches)
                    found = diagnose_pair(ctx, figure, given)
            finally:
                if ctx._until[1]:
                    ctx._cut.add(figure)
                m.search_cut, ctx._until = figure in ctx._cut and not found, None
            if m.search_cut:
                m.says = (
                    f"the search for a slip stopped after {MAX_MARK_SECONDS:g} s "
                    "(MAX_MARK_SECONDS), each slip tried being a whole solve of this problem"
                )
            if found:
                slip, alt, step = found[0]
                m.slip, m.says, m.slip_value, m.correct_step = slip.name, slip.says, alt, step
                m.also = [s.name for s, _, _ in found[1:]]
        marks.append(m)
    return MarkReport(meta.file, meta.title, marks, key_disagrees=not ctx.result.ok)


#: How an answer may write the empty labelling (a decoding to nothing, ``greedy: ""`` in a
#: key): as the solver prints it, ``ε`` (``result.EMPTY``); as older answer sheets and
#: the solver before it wrote it, ``(empty)``; as YAML writes it, ``""`` or ``''``; or nothing
#: at all (``-a beam=``; not in a wide CSV, where an empty cell is not answered).
EMPTY_TEXTS = (*EMPTY_NAMES, '""', "''", "")


def text_value(text: str, symbols: list[str] | tuple[str, ...] = ()) -> str:
    """A text answer as compared: spaces around trimmed, a spelling of EMPTY_TEXTS as "",
    but one that ``symbols`` spell (``''`` with a symbol ``'``: two apostrophes) as itself."""
    s = text.strip()
    if s in (EMPTY, "") or (s in EMPTY_TEXTS and not spells(s, symbols)):
        return ""
    return s


def spells(text: str, symbols: list[str] | tuple[str, ...]) -> bool:
    """Whether ``text`` is a labelling of ``symbols`` as outputs write one: the symbols run
    together when each is one character, separated by spaces otherwise."""
    names = set(symbols)
    if not names:
        return False
    if all(len(x) == 1 for x in names):
        return all(c in names for c in text)
    return all(tok in names for tok in text.split(" "))


def _symbols(ctx: Ctx) -> list[str]:
    """The problem's symbols (its own, or its frames' for a decoding or an alignment)."""
    p = ctx.problem
    found = getattr(p, "symbols", None) or getattr(getattr(p, "frames", None), "symbols", None)
    return [str(x) for x in found or []]


def _symbols_hint(ctx: Ctx) -> str:
    symbols = _symbols(ctx)
    if not symbols:
        return ""
    listed = ", ".join(symbols[:12]) + (", ..." if len(symbols) > 12 else "")
    return f" of the symbols ({listed})"


def mark_text(ctx: Ctx, asked: str, figure: str, given: float | str) -> FigureMark:
    """Mark a text figure: right when the text, trimmed, equals the engine's exactly (case
    counts; the empty labelling in any spelling of EMPTY_TEXTS); 1 point, as keyed.

    A number (a float, or text that reads as one but is not made of the problem's symbols'
    characters, so ``12`` stays a labelling over symbols 1, 2) is a ProblemError.
    """
    symbol_chars = set("".join(_symbols(ctx)))
    names = _symbols(ctx)
    if ctx.meta.kind == "ctc_decode":  # a labelling holds no blank: '' is no labelling of '
        blank = ctx.problem.frames.blank  # type: ignore[attr-defined]
        names = [s for s in names if s != blank]
    text = None if not isinstance(given, str) else text_value(given, names)
    if text is None or (_NUMBER.fullmatch(text) and not set(text) <= symbol_chars):
        raise ProblemError(
            f"{str(given).strip()[:40]!r} is a number, but {figure} is text: a labelling"
            f"{_symbols_hint(ctx)}; the empty one is written {EMPTY}",
            file=ctx.meta.file,
            field=_answer_field(asked),
        )
    expected = ctx.texts[figure]
    right = text == expected
    points = ctx.meta.points.get(figure, 1.0)
    m = FigureMark(figure, text, expected, 0.0, right, points, points * right)
    if not right:
        from rnnloss_cli.teach.textslips import diagnose_text

        found = diagnose_text(ctx, figure, text)
        if found:
            slip, alt, step = found[0]
            m.slip, m.says, m.slip_value, m.correct_step = slip.name, slip.says, alt, step
            m.also = [s.name for s, _, _ in found[1:]]
        else:  # read from the answer itself: another alignment, the case of a symbol
            from rnnloss_cli.teach.textslips import answer_slip

            read = answer_slip(ctx, figure, text)
            if read is not None:
                m.slip, m.says, m.correct_step = read
                m.slip_value = text
    return m


def mark_answers(path: str, answers: dict[str, float | str]) -> MarkReport:
    """Load the problem file ``path`` and mark ``answers``."""
    from rnnloss_cli.problem import load_problem

    return mark_problem(load_problem(path), answers)


#: An answer's value: ASCII digits with an optional sign, point and exponent, or an infinity.
_NUMBER = re.compile(rf"{DECIMAL}|[+-]?(?:inf|infinity)", re.I)


def parse_value(text: str) -> float:
    """The number an answer gives, for ``mark --answer`` and ``grade`` alike.

    ``1.4``, ``-2e-3``, ``.5`` (spaces around are ignored). ``inf``/``infinity`` (any case,
    signed) and a number past float64 (``1e400``) are infinite, as an impossible loss is.
    A number that float64 would read as 0 (``1e-400``) is a ValueError, as in a problem file.
    Anything else is a ValueError: ``0_4667`` (Python's float() reads 4667), ``0,4667``,
    ``nan``, non-ASCII digits, hexadecimal, an empty cell.
    """
    s = text.strip()
    if not _NUMBER.fullmatch(s):
        raise ValueError(f"{s[:40]!r} is not a number{number_hint(s)}")
    value = float(s)
    if underflows(s, value):  # 1e-400: refused, as in a problem file and a flag
        raise ValueError(f"{s[:40]!r} {TINY_WORDS}")
    return value


#: A decimal comma, as a spreadsheet in many locales writes 1.5: 1,5 (one comma, digits after).
_DECIMAL_COMMA = re.compile(r"[+-]?\d*,\d+")


#: Thousands grouped as a spreadsheet writes them: 1,234.5 (English), 1.234,5 (German),
#: 1 234,5 (French, a space or a no-break space): group separator, decimal mark.
_GROUPED = (
    (re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?"), ",", "."),
    (re.compile(r"[+-]?\d{1,3}(?:\.\d{3})+(?:,\d+)?"), ".", ","),
    (re.compile(r"[+-]?\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?:[,.]\d+)?"), None, None),
)


def _ungrouped(s: str) -> str | None:
    """``s`` without its thousands separators and with a dot for its decimal mark (None: not
    a grouped number). A single group (1,500) is left to the decimal comma's hint, and a
    number (1.500 is one and a half) is no grouped one."""
    if _NUMBER.fullmatch(s):
        return None
    for pattern, group, point in _GROUPED:
        if not pattern.fullmatch(s):
            continue
        if group is None:  # spaces group; the decimal mark is whichever of , . follows
            return re.sub(r"[ \u00a0\u202f]", "", s).replace(",", ".")
        if group == "," and s.count(",") == 1 and "." not in s:
            return None  # 1,500: a decimal comma or a thousand; the decimal comma's hint
        return s.replace(group, "").replace(point, ".")
    return None


#: A percentage (8.75%) and a fraction (1/2, -3/4): refused, their decimal named.
_PERCENT = re.compile(rf"({DECIMAL})\s*%")
_FRACTION = re.compile(r"([+-]?\d+)\s*/\s*(\d+)")


def number_hint(text: str, examples: str = "1.4, -2e-3, inf") -> str:
    """What to write instead of ``text``, an answer that is not a number: a decimal comma
    (refused: 1,500 may be a thousand) gets its dotted form; a percentage, a fraction (1/2,
    ½) their decimal; a dash for a minus (−0.5 copied from a sheet) its name; digits other
    than 0-9 (٤, ４) say so, as in a problem file; anything else ``examples``."""
    import unicodedata

    from rnnloss_cli.problem.fields import _DASHES, text_number_hint

    s = text.strip()
    if _DECIMAL_COMMA.fullmatch(s):
        return f": write the decimal point as a dot ({s.replace(',', '.')})"
    plain = _ungrouped(s)
    if plain is not None:
        return f": write it without thousands separators, with a decimal point ({plain})"
    value: float | None = None
    if m := _PERCENT.fullmatch(s):
        shown, value = f"{m.group(1)}%", float(m.group(1)) / 100
    elif (m := _FRACTION.fullmatch(s)) and int(m.group(2)) != 0 and len(s) <= 40:
        shown, value = f"{m.group(1)}/{m.group(2)}", int(m.group(1)) / int(m.group(2))
    elif len(s) == 1 and unicodedata.category(s) == "No":  # ½, ¾
        shown, value = s, unicodedata.numeric(s, None)
    if value is not None and math.isfinite(value):
        return f": write it as a decimal number ({shown} is {value:.10g})"
    if any(c in _DASHES for c in s) or (not s.isascii() and any(c.isdigit() for c in s)):
        return text_number_hint(s)  # a dash for a minus, or digits other than 0-9
    return f" (e.g. {examples})"


def read_answer_flags(flags: list[str]) -> dict[str, str]:
    """``["loss=1.4", "beam=ab"]`` -> {"loss": "1.4", "beam": "ab"}: the values as written,
    read by ``mark_ctx`` once the figure is known (a number, or a text figure's text); a
    flag without ``=`` or a name given twice is a ProblemError."""
    out: dict[str, str] = {}
    for flag in flags:
        name, sep, text = flag.partition("=")
        name = name.strip()
        if not sep or not name:
            raise ProblemError(f"--answer {shown_text(flag)}: expected FIGURE=VALUE, e.g. loss=1.4")
        if name in out:
            raise ProblemError(f"{_answer_field(name)} given twice")
        out[name] = text
    return out


#: Control characters (C0 but tab and newline, DEL, C1: NEL ends a line) a terminal obeys:
#: a title with ESC [2J cleared the screen of whoever ran mark.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


#: Characters of a text answer a report repeats; longer ones are cut with "…".
TEXT_SHOWN_CHARS = 60


def _text_shown(text: str) -> str:
    """A text figure as a report line shows it: the empty one as EMPTY (ε), control
    characters as U+FFFD, a long one cut."""
    if not text:
        return EMPTY
    cut = text[:TEXT_SHOWN_CHARS] + ("…" if len(text) > TEXT_SHOWN_CHARS else "")
    # a line break too: a typed answer holding one split its report line in two
    return _CONTROL.sub("\ufffd", cut).replace("\n", "\ufffd")


def _answer_text(x: float) -> str:
    """An answer as the student wrote it (its shortest round-trip digits): 2196.7979, where
    ``:g`` printed 2196.8, the same text as the right 2196.797."""
    if not math.isfinite(x):
        return f"{x:g}"
    text = repr(float(x))
    return text[:-2] if text.endswith(".0") else text


def _expected_text(x: float, tol: float) -> str:
    """The expected value with the decimals its tolerance needs (a rounding error of at
    most ``tol``: 3 decimals at ±0.0005, 2196.797), never fewer than ``_g``'s 4 significant
    digits (0.367, 5.721e-955 from its log); ``:.4g`` printed 2196.7969 as 2197."""
    shown = _g(x)
    if isinstance(x, LogNumber) and x.ln < _NORMAL_LN or not math.isfinite(x) or x == 0:
        return shown
    if not tol > 0:
        return f"{x:.15g}"
    decimals = max(0, math.ceil(-math.log10(2 * tol) - 1e-9))  # 0.5·10^-d ≤ tol
    sig = math.floor(math.log10(abs(x))) + 1 + decimals
    return shown if sig <= 4 else f"{x:.{min(sig, 17)}g}"


def _slip_lines(m: FigureMark, correct_step: str) -> list[str]:
    """The lines under a wrong answer that a slip explains: the slip, the correct step (as
    shown), and the other slips that give the same answer."""
    out = [f"    slip [{m.slip}]: {m.says}", f"    correct step: {correct_step}"]
    if m.also:
        out.append(f"    also consistent with: {', '.join(m.also)}")
    return out


def report_text(report: MarkReport) -> str:
    """Plain lines: one per figure, with the slip and the correct step when wrong; the path's
    control characters and line breaks are written as escapes (``a\\nb.yaml``, as error lines
    write it: a name split over two lines read as two), the title's as U+FFFD."""
    from rnnloss_cli.render.controls import visible_controls

    path = visible_controls(str(report.file), keep_lines=False)
    lines = [f"{path}: " + _CONTROL.sub("\ufffd", str(report.title))]
    for m in report.marks:
        if isinstance(m.expected, str):
            given, expected = _text_shown(str(m.given)), _text_shown(m.expected)
            if m.right:
                lines.append(f"  {m.figure} = {given}: right")
            else:
                lines.append(f"  {m.figure} = {given}: wrong, expected {expected}")
                if m.slip:
                    lines += _slip_lines(m, _CONTROL.sub(chr(0xFFFD), m.correct_step))
                else:
                    lines.append("    a text is compared exactly (spaces around ignored)")
            continue
        given, expected = _answer_text(m.given), _expected_text(m.expected, m.tolerance)
        if m.right:
            lines.append(f"  {m.figure} = {given}: right ({expected})")
            continue
        lines.append(f"  {m.figure} = {given}: wrong, expected {expected} (±{m.tolerance:g})")
        if m.slip:
            lines += _slip_lines(m, m.correct_step)
        elif m.search_cut:
            lines.append(f"    no slip named: {m.says}")
        else:
            lines.append("    no known slip in the catalogue gives this number")
    lines.append(f"score: {report.earned:g} / {report.possible:g}")
    return "\n".join(lines)


#: FigureMark fields that may hold an infinite number (an impossible loss, ``1e400``).
FLOAT_FIELDS = ("given", "expected", "slip_value")


def json_marks(marks: list[Any], prefix: str, warnings: list[str]) -> list[dict[str, Any]]:
    """Marks (or graded answers) as JSON objects: an infinite value is null, with a warning
    naming it (``render.json``'s rule: JSON has no infinity)."""
    out = []
    for i, m in enumerate(marks):
        # A shallow copy of the instance's fields (scalars, or a list of text), ten times
        # faster than getattr per field; dataclasses.asdict deep-copies every value (40 s for
        # the 300,000 answers of a class of 100,000).
        out.append(null_infinities(vars(m).copy(), f"{prefix}[{i}]", warnings))
    return out


def null_infinities(d: dict, where: str, warnings: list[str]) -> dict:
    """``d`` (a mark's fields) with each infinite float of FLOAT_FIELDS made null and named
    in ``warnings`` as ``where.key`` (``render.json``'s rule: JSON has no infinity)."""
    from rnnloss_cli.render.json import finite_or_null

    for key in FLOAT_FIELDS:
        value = d.get(key)
        if isinstance(value, float) and not math.isfinite(value):
            d[key] = finite_or_null(value, f"{where}.{key}", warnings)
    return d


def report_json(report: MarkReport) -> str:
    """The report as standard JSON (stable keys, for scripts); infinities as null."""
    warnings: list[str] = []
    marks = json_marks(report.marks, "marks", warnings)
    if report.key_disagrees:
        warnings.append(
            "answer key disagrees: the file's key is not the computed value, which the "
            "answers are marked against"
        )
    return json.dumps(
        {
            "file": report.file,
            "title": report.title,
            "ok": report.ok,
            "earned": report.earned,
            "possible": report.possible,
            "marks": marks,
            "warnings": warnings,
        },
        indent=2,
        ensure_ascii=False,
        allow_nan=False,
    )
