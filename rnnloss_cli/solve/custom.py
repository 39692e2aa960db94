"""Solver for kind: custom — the weighted sum L = Σ_i w_i L_i of independently solved terms.

Each term is solved by the solver of its own kind and kept whole as a child Result (its own
derivation); this problem's table lists term | kind | value | weight | weighted and writes the
sum out. Only this problem's answer key is checked; the children's keys are not.
"""

from __future__ import annotations

import math

from rnnloss_cli.errors import ProblemError
from rnnloss_cli.limits import STEP_MAX_TERMS
from rnnloss_cli.problem.custom import CustomProblem
from rnnloss_cli.result import (
    INLINE_KEY_NOTE,
    KEY_CHECKING_NOTE,
    Derived,
    Result,
    Step,
    Table,
    Window,
    window_indices,
)
from rnnloss_cli.solve.common import FLOAT_MAX_TEXT, finalize

FORMULA = Step("formula", "L = Σ_i w_i L_i", {}, r"L = \sum_i w_i L_i")
#: Where each L_i of the terms table comes from: a reader meets the values (and the weighted
#: sum of them) before the terms' own derivations, which follow as sections of their own.
TERMS_CAPTION = "each value L_i is worked out in its own section below (term: its name)"


def solve_custom(p: CustomProblem, *, window: Window | None = None) -> Result:
    """Solve every term, weight it and add; figures: loss and each term's value by name."""
    children: list[tuple[str, Result]] = []
    rows = []
    weighted: list[float] = []
    for i, term in enumerate(p.terms):
        child = _solve_term(p, i, window)
        child.checks = None  # a referenced file's own key is not this problem's business
        children.append((term.name, child))
        # Python floats, not numpy scalars: 0 × inf is NaN here without a RuntimeWarning.
        w_l = float(term.weight) * float(child.loss)
        weighted.append(w_l)
        rows.append([term.name, child.kind, child.loss, term.weight, w_l])
    total, why = _weighted_sum(weighted)
    if not math.isfinite(total):
        why = _why_not_finite(p, children, weighted, total) or why
    r = Result("custom", p.meta.title, total, formula=FORMULA)
    if why:
        r.warnings.append(why)
    units = {c.unit for _, c in children}
    r.unit = units.pop() if len(units) == 1 else ""
    r.tables.append(
        Table(
            "terms",
            ["term", "kind", "value L_i", "weight w_i", "w_i · L_i"],
            rows,
            derived=[Derived("w_i · L_i", "{0} × {1}", ("weight w_i", "value L_i"))],
            caption=TERMS_CAPTION,
        )
    )
    r.steps += _sum_steps(
        [t.weight for t in p.terms], [c.loss for _, c in children], weighted, total
    )
    r.children = children
    r.figures = {"loss": total}
    for term, (_, child) in zip(p.terms, children, strict=True):
        if term.name not in r.figures:
            r.figures[term.name] = child.loss
    if len(units) > 1 or (r.unit == "" and any(c.unit for _, c in children)):
        r.notes.append("the terms are in different units; the total simply adds the numbers")
    files = [t.origin for t in p.terms if t.origin != "inline"]
    if files:
        r.notes.append(
            f"{KEY_CHECKING_NOTE}; only this problem's "
            f"key is ({', '.join(files)}: "
            + ("each can" if len(files) > 1 else "it can")
            + " be checked on its own)"
        )
    keyed = [t.name for t in p.terms if t.origin == "inline" and t.problem.meta.answer]
    if keyed:  # dropped above with the files' keys, but nothing else can check them: said
        r.notes.append(
            f"{INLINE_KEY_NOTE} ({', '.join(keyed)}): give each in this problem's answer, "
            "under the term's name"
        )
    return finalize(p.meta, r)


def _sum_steps(
    weights: list[float], losses: list[float], weighted: list[float], total: float
) -> list[Step]:
    """The weighted sum written out, w_1 × L_1 + w_2 × L_2 + … = L, then the weighted terms
    added (left out for one term: "0.75 = 0.75" says nothing). A negative number is written
    in parentheses ("0.5 × 0.25 + (-2) × 0.25"); past STEP_MAX_TERMS terms the first and last
    are shown with "…" between them, as a long sum is."""
    kept, split = window_indices(len(weights), STEP_MAX_TERMS)
    # each line its own numbers: the digits plan reads every value of a step as its operand
    values: dict[str, float] = {"total": total}
    added: dict[str, float] = {"total": total}

    def slot(name: str, v: float, into: dict[str, float] = values) -> str:
        into[name] = v
        return f"({{{name}}})" if v < 0 else f"{{{name}}}"

    products, parts = [], []
    for k, i in enumerate(kept):
        if k == split:
            gap = f"… ({len(weights) - len(kept):,} more terms) …"
            products.append(gap)
            parts.append(gap)
        products.append(f"{slot(f'w{i}', float(weights[i]))} × {slot(f'l{i}', float(losses[i]))}")
        parts.append(slot(f"t{i}", float(weighted[i]), added))
    text = " + ".join(products) + " = {total}"
    steps = [Step("weighted sum", text, values, _latex(text))]
    if len(weights) > 1:
        steps.append(Step("the weighted terms", " + ".join(parts) + " = {total}", added))
    return steps


def _latex(text: str) -> str:
    """A plain sum's × and … as LaTeX (its placeholders are kept)."""
    return text.replace("×", r"\times").replace("…", r"\dots")


def _weighted_sum(weighted: list[float]) -> tuple[float, str | None]:
    """Σ_i w_i L_i, exactly rounded (fsum), and why it is not finite when it is not.

    fsum raises where a plain sum gives inf or NaN: finite terms whose exact sum passes the
    float range (its rounded value is ±inf, the sign that of the sum of the terms scaled by
    2^-60, which cannot overflow), and +inf with -inf (no value: NaN).
    """
    try:
        total = math.fsum(weighted)
    except OverflowError:
        total = math.copysign(math.inf, math.fsum(v * 2.0**-60 for v in weighted))
        return total, (
            f"the loss is infinite: every weighted term w_i · L_i is finite, but their sum "
            f"passes the largest double ({FLOAT_MAX_TEXT}) (nothing is clipped)"
        )
    except ValueError:
        signs = [i + 1 for i, v in enumerate(weighted) if math.isinf(v)]
        return math.nan, (
            f"the loss is undefined (NaN): the weighted terms {', '.join(map(str, signs))} are "
            "infinite with opposite signs, and inf − inf has no value"
        )
    if math.isinf(total):  # fsum of finite terms raises instead: one term is infinite
        first = next(i + 1 for i, v in enumerate(weighted) if math.isinf(v))
        return total, f"the loss is infinite: the weighted term {first} (w_i · L_i) is infinite"
    return total, None


def _solve_term(p: CustomProblem, i: int, window: Window | None) -> Result:
    """Solve term ``i``; an error inside an inline term names its field from this file's root
    (``terms[0].problem.answer.foo``, not ``answer.foo``), its line already being right."""
    from rnnloss_cli.solve import solve

    term = p.terms[i]
    try:
        return solve(term.problem, window=window)
    except ProblemError as err:
        if term.origin == "inline" and err.file == p.meta.file and err.field:
            err.field = f"terms[{i}].problem.{err.field}"
        raise


def _label(p: CustomProblem, i: int) -> str:
    """``term 2 (hinge)``: the term's number and its name (its kind when it has no name)."""
    term = p.terms[i]
    default = f"{i + 1}: {term.problem.meta.kind}"
    return f"term {i + 1} ({term.problem.meta.kind if term.name == default else term.name})"


def _why_not_finite(
    p: CustomProblem, children: list[tuple[str, Result]], weighted: list[float], total: float
) -> str | None:
    """Why Σ_i w_i L_i is NaN or ±inf, naming the term(s) responsible; None to keep the
    generic reason of ``_weighted_sum`` (finite terms whose sum overflows).

    In the order the value is lost: a term that is itself undefined (NaN); a weight of 0 on
    an infinite term (0 × ∞ is an indeterminate form: IEEE, NumPy and PyTorch give NaN, and
    picking the measure-theory 0 would hide the NaN a framework computes); weighted terms of
    +∞ and −∞ (∞ − ∞); one infinite weighted term (an infinite L_i, or w_i · L_i past the
    float range).
    """
    losses = [float(child.loss) for _, child in children]
    undefined = "the loss is undefined (NaN), neither finite nor infinite"
    for i, loss in enumerate(losses):
        if math.isnan(loss):
            inner = next((w for w in children[i][1].warnings if "undefined" in w), "")
            because = f" ({inner})" if inner else ""
            return f"{undefined}: {_label(p, i)} is itself undefined{because}"
    for i, (term, loss) in enumerate(zip(p.terms, losses, strict=True)):
        if term.weight == 0 and math.isinf(loss):
            return (
                f"{undefined}: {_label(p, i)} has weight 0 and an infinite loss, and 0 × inf has "
                "no value (NumPy and PyTorch give nan too); to leave the term out, delete it"
            )
    plus = [i for i, v in enumerate(weighted) if v == math.inf]
    minus = [i for i, v in enumerate(weighted) if v == -math.inf]
    if plus and minus:
        return (
            f"{undefined}: {_label(p, plus[0])} is +inf and {_label(p, minus[0])} is -inf once "
            "weighted, and inf − inf has no value"
        )
    for i, (term, loss) in enumerate(zip(p.terms, losses, strict=True)):
        if math.isinf(weighted[i]):
            if math.isinf(loss):
                return f"the loss is infinite: {_label(p, i)} is infinite (weight {term.weight:g})"
            return (
                f"the loss is infinite: {_label(p, i)}, w_i · L_i = {term.weight:g} × {loss:g}, "
                f"passes the largest double ({FLOAT_MAX_TEXT}) (nothing is clipped)"
            )
    return None
