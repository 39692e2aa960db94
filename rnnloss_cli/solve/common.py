"""Pieces every solver shares: the reduction written out, log-base change, answer checks."""

from __future__ import annotations

import math

import numpy as np

from rnnloss_cli.errors import ProblemError
from rnnloss_cli.problem.base import LOG_BASES, Meta
from rnnloss_cli.result import Check, Result, Step
from rnnloss_cli.result import terms as held_terms


def reduction_step(terms: np.ndarray, reduction: str, value: float, what: str = "terms") -> Step:
    """Write a sum or mean out with its numbers, e.g. ``(0.2 + 0.5 + 0.7) / 3 = 0.467``.

    A long list keeps its first and last terms and says how many are left out (``Terms``).
    """
    flat = np.ravel(terms)
    held = held_terms(flat.astype(float))
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
    flat = np.ravel(terms)
    other = "sum" if reduction == "mean" else "mean"
    return other, float(np.sum(flat) if other == "sum" else np.mean(flat))


def finalize(meta: Meta, result: Result) -> Result:
    """Fill the file's metadata, convert to the log base asked for, and check the answer key."""
    result.title, result.source, result.file = meta.title, meta.source, meta.file
    if meta.notes:
        result.notes.append(meta.notes)
    result.figures.setdefault("loss", result.loss)
    if meta.log_base != "e":
        ln_base = math.log(float(meta.log_base))
        result.steps.append(
            Step(
                f"change of base: divide by ln {meta.log_base}",
                "{nats} nats / ln " + meta.log_base + " = {value} " + LOG_BASES[meta.log_base],
                {"nats": result.loss, "value": result.loss / ln_base},
                r"\frac{{nats}}{\ln " + meta.log_base + "} = {value}",
            )
        )
        result.figures = {k: v / ln_base for k, v in result.figures.items()}
        result.loss /= ln_base
        result.unit = LOG_BASES[meta.log_base]
    if not math.isfinite(result.loss) and not any("infinite" in w for w in result.warnings):
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
