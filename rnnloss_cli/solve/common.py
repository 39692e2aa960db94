"""Pieces every solver shares: the reduction written out, log-base change, answer checks."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from decimal import Decimal

import numpy as np

from rnnloss_cli.engine._numerics import reduce as engine_reduce
from rnnloss_cli.errors import ProblemError
from rnnloss_cli.problem.base import LOG_BASES, Meta
from rnnloss_cli.result import Check, Derived, LogNumber, Result, Step
from rnnloss_cli.result import terms as held_terms


class ProbabilityFigure(float, LogNumber):
    """A probability figure held both ways: the float e^ln (what answer keys, JSON and
    arithmetic read) and its natural log ``ln`` (what the renderers print it from).

    A path of probability e^(−1e9 − ln 2) is 0 as a double, and a result box that read the
    float said "probability = 0" beside its finite loss 1000000000.693 nats; printed from its
    log it reads 6.25e-434294483 = 10^(−L / ln 10), as the loss line above it does. Where
    the probability is a normal double it prints as the float itself would.

    >>> p = ProbabilityFigure(-1e9)
    >>> float(p), p.ln
    (0.0, -1000000000.0)
    """

    ln: float

    def __new__(cls, ln: float) -> ProbabilityFigure:
        with np.errstate(under="ignore"):
            value = float(np.exp(ln))
        return super().__new__(cls, value)

    def __init__(self, ln: float) -> None:
        object.__setattr__(self, "ln", float(ln))

    def __getnewargs__(self) -> tuple[float]:  # copy and pickle rebuild it from its log
        return (self.ln,)


def as_written(x: float) -> str:
    """A given number as text, as the file writes it: its shortest round-trip digits, no "+"
    in the exponent, no ".0" on a whole number (0.1234567, 1.5e308, 3), where Python's
    ``:g`` cut it to 6 digits (0.123457) whatever ``--precision`` asked.

    >>> as_written(0.1234567), as_written(1.5e308), as_written(3.0), as_written(1e-07)
    ('0.1234567', '1.5e308', '3', '1e-07')
    """
    text = repr(float(x)).replace("e+", "e")
    return text[:-2] if text.endswith(".0") else text


def exact_sum_text(values: Iterable[float]) -> str:
    """The sum of given numbers worked exactly from their decimal forms (the shortest that
    round-trip: the numbers as the file writes them), as text, so that a sentence states it
    without digits of its own: 0.1234567 + 0.2345678 + 0.3 = 0.6580245 (``.6g`` gave
    0.658025 at every ``--precision``), 0.6 + 0.5 + 0.7 + 0.8 + 0.2 = 2.8.

    >>> exact_sum_text([0.1234567, 0.2345678, 0.3]), exact_sum_text([1e-300, 0.0])
    ('0.6580245', '1e-300')
    """
    total = sum((Decimal(repr(float(v))) for v in values), Decimal(0)).normalize()
    if total == 0:
        return "0"
    if -7 < total.adjusted() < 16:
        return format(total, "f")
    return str(total).replace("E+", "e").replace("E", "e")


def closing_latex(words: str) -> str:
    r"""A formula's closing words in parentheses, "(reduction: mean)", as its LaTeX ends:
    ``\quad \text{(...)}`` with underscores escaped (mean\_tokens). The renderers find them
    by that form (:func:`rnnloss_cli.render.latex.closing_words`): a page sets them after the
    maths, a LaTeX sheet on a line under the display."""
    return r"\quad \text{(" + words.replace("_", r"\_") + ")}"


def reduction_step(terms: np.ndarray, reduction: str, value: float, what: str = "terms") -> Step:
    """Write a sum or mean out with its numbers, e.g. ``(0.2 + 0.5 + 0.7) / 3 = 0.467``.

    A long list keeps its first and last terms and says how many are left out (``Terms``).
    """
    flat = np.ravel(terms)
    if flat.size == 0:  # every step padding: "() / 0" and " = 0" said nothing
        if reduction == "mean":
            return Step(f"mean of the 0 {what}", "no terms: 0 / 0 has no value (NaN)")
        return Step(f"sum of the 0 {what}", "no terms: the empty sum is 0")
    held = held_terms(flat.astype(float))
    if flat.size == 1:  # "the 1 term", not "the 1 terms"; a one-term sum is the term itself
        one = what[:-1] if what.endswith("s") else what
        if reduction == "mean":
            return Step(
                f"mean of the only {one}",
                "{terms|+} / 1 = {value}",
                {"terms": held, "value": value},
                r"\frac{{terms|+}}{1} = {value}",
            )
        return Step(f"sum of the only {one}", "L = {value}", {"value": value})
    if reduction == "mean":
        return Step(
            f"mean of the {flat.size:,} {what}",
            "({terms|+}) / {n} = {value}",
            {"terms": held, "n": int(flat.size), "value": value},
            r"\frac{{terms|+}}{{n}} = {value}",
        )
    return Step(
        f"sum of the {flat.size:,} {what}",
        "{terms|+} = {value}",
        {"terms": held, "value": value},
    )


def other_reduction_note(terms: np.ndarray, reduction: str) -> tuple[str, float]:
    """The figure under the other reduction (sum <-> mean), for losses written both ways."""
    other = "sum" if reduction == "mean" else "mean"
    return other, float(engine_reduce(np.ravel(terms), other))


#: The largest float64, as the messages about overflow print it.
FLOAT_MAX_TEXT = "1.8e308"


def overflow_warning(
    terms: np.ndarray, value: float, figure: str, term: str, where: Callable[[int], str]
) -> str | None:
    """Why ``value`` (a sum or mean of ``terms``) is infinite although every input is finite:
    one term already passes the largest double, or the finite terms' sum does. None when
    ``value`` is finite or NaN (a mean of no terms, 0 / 0, is no value, not an infinity).
    ``where(i)`` names flat element i."""
    if not math.isinf(value):
        return None
    flat = np.ravel(terms)
    bad = np.flatnonzero(~np.isfinite(flat))
    if bad.size:
        why = f"{term} at {where(int(bad[0]))} passes the largest double ({FLOAT_MAX_TEXT})"
    else:
        why = f"every {term} is finite, but their sum passes the largest double ({FLOAT_MAX_TEXT})"
    return f"the {figure} is infinite: {why} (nothing is clipped)"


def _gradients_in_unit(result: Result, ln_base: float, unit: str) -> None:
    """Gradient columns (headers "∂…") and tables ("gradient …") divided by ln(base): the
    gradient of a loss in bits is the nats gradient / ln 2, e.g. −2 / ln 2 = −2.885."""
    for t in result.tables:
        whole = t.title.startswith("gradient")
        cols = {
            j
            for j, name in enumerate(t.columns)
            if j >= t.key_columns and (whole or name.startswith("∂"))
        }
        if not cols:
            continue
        nats = "" if whole else " (nats)"  # the other columns' log terms stay in nats
        base = round(math.exp(ln_base))
        for row in t.rows:
            for j in cols:
                if j < len(row) and isinstance(row[j], float):
                    row[j] /= ln_base
        if whole:
            t.title += f" (in {unit}: nats / ln {base})"
        else:
            grads = {t.columns[j] for j in cols}
            renamed = {
                c: f"{c} (in {unit}: nats / ln {base})"
                if j in cols
                else (c + nats if j >= t.key_columns and " ln" in c else c)
                for j, c in enumerate(t.columns)
            }
            t.columns = [renamed[c] for c in t.columns]
            # a worked column keeps its arithmetic under its new name; a gradient's is
            # divided by ln(base) as its cells are
            t.derived = [
                Derived(
                    renamed.get(d.column, d.column),
                    f"{d.text} / ln {base}" if d.column in grads else d.text,
                    tuple(renamed.get(n, n) for n in d.inputs),
                )
                for d in t.derived
            ]


def _name_the_log(meta: Meta, result: Result) -> None:
    """The handout writes log for ln: say so once on a handout problem, and work out the
    log10 figure a calculator's log key would give as the derivation's last line, so that it
    prints with the derivation's digits (HELLO: 3.673 nats / ln 10 = 1.595 = −log10 0.0254)."""
    loss = result.loss
    if "handout" not in (meta.source or "").lower() or loss is None or not math.isfinite(loss):
        return
    if loss <= 0:
        return
    result.notes.append(
        "ln is the natural log, which the handout writes as log, so the loss is in nats "
        "(with log10 it would be the loss / ln 10: the derivation's last line)"
    )
    result.steps.append(
        Step(
            "with log10 (a calculator's log key) instead of ln: divide by ln 10",
            "{nats} nats / ln 10 = {value}",
            {"nats": loss, "value": loss / math.log(10)},
            r"{nats}\text{ nats} / \ln 10 = {value}",
        )
    )


def _base_lead(base: str, ln_base: float) -> Step:
    """Before the tables, where a reader first meets nats beside the unit asked for: the
    change of base, log_2 x = ln x / ln 2 with ln 2 = 0.693, so the tables' log terms (in
    nats) and the loss in bits (the nats loss / ln 2, the last line) read together."""
    unit = LOG_BASES[base]
    short = unit.split(" ")[0]  # "bans (hartleys)": "bans"
    return Step(
        f"the loss is asked in {unit}, the tables' log terms are in nats (ln): a figure in "
        f"{short} is the nats figure / ln {base} (the loss: the last line), by the change of base",
        f"log_{base} x = ln x / ln {base},  ln {base} = {{ln}}",
        {"ln": ln_base},
        rf"\log_{{{base}}} x = \frac{{\ln x}}{{\ln {base}}},\quad \ln {base} = {{ln}}",
        lead=True,
    )


def finalize(meta: Meta, result: Result) -> Result:
    """Fill the file's metadata, convert to the log base asked for, and check the answer key."""
    result.title, result.source, result.file = meta.title, meta.source, meta.file
    if meta.notes:
        result.notes.append(meta.notes)
    result.figures.setdefault("loss", result.loss)
    if meta.log_base != "e":
        ln_base = math.log(float(meta.log_base))
        result.steps.insert(0, _base_lead(meta.log_base, ln_base))
        result.steps.append(
            Step(
                # the unit in the label: after the number it would read "= 1 bits" when the
                # loss prints as 1 (the number is printed at render time)
                f"change of base to {LOG_BASES[meta.log_base]}: divide by ln {meta.log_base}",
                "{nats} nats / ln " + meta.log_base + " = {value}",
                {"nats": result.loss, "value": result.loss / ln_base},
                r"{nats}\text{ nats} / \ln " + meta.log_base + " = {value}",
            )
        )
        result.figures = {k: v / ln_base for k, v in result.figures.items()}
        _gradients_in_unit(result, ln_base, LOG_BASES[meta.log_base])
        result.loss /= ln_base
        result.unit = LOG_BASES[meta.log_base]
    if meta.log_base == "e" and result.unit == "nats":
        _name_the_log(meta, result)
    if math.isnan(result.loss):  # 0 × inf, inf − inf: no value, not an infinity
        if not any("no value" in w or "nan" in w.lower() for w in result.warnings):
            result.warnings.append("the loss has no value (NaN)")
    elif math.isinf(result.loss) and not any("infinite" in w for w in result.warnings):
        result.warnings.append("the loss is infinite")
    if meta.answer is not None:
        result.checks = []
        for name, expected in meta.answer.items():
            if name not in result.figures:
                raise ProblemError(
                    f"no figure named '{name}' for this problem; it gives: "
                    f"{', '.join(result.figures)}",
                    file=meta.file,
                    line=meta.answer_lines.get(name),
                    field=f"answer.{name}",
                )
            result.checks.append(Check(name, expected, result.figures[name], meta.tolerance))
    return result
