"""Fields every problem file shares, and the dataclass holding them."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from rnnloss_cli.problem.fields import Fields

COMMON_FIELDS = ("kind", "title", "source", "answer", "tolerance", "log_base", "notes", "vary")
#: The handout prints three decimals, so a key is right within half a unit of the last one.
DEFAULT_TOLERANCE = 5e-4
LOG_BASES = {"e": "nats", "2": "bits", "10": "bans (hartleys)"}


def loose_tolerance(tolerance: float, value: float, figure: str) -> str | None:
    """Why ``tolerance`` is too loose to check the key ``figure = value``, or None.

    Rule: a tolerance must be under ``max(1, |value|)``. One of ``|value|`` or more accepts 0
    and answers of the other sign (3.673 ± 5 takes -1.327 to 8.673), so the key passes
    whatever was computed; a typo (``tolerance: 5`` for 5e-4) would pass every key. Keys
    under 1 (probabilities) may still have tolerances up to 1. Non-finite keys are compared
    exactly, so any tolerance does. ``rnnloss check`` (through :func:`parse_meta`), ``vary``
    and the Moodle export all use this one rule.
    """
    if not math.isfinite(value):
        return None
    scale = max(1.0, abs(value))
    if tolerance < scale:
        return None
    return (
        f"{tolerance:g} accepts any answer from {value - tolerance:g} to "
        f"{value + tolerance:g} for {figure} = {value:g}; expected less than {scale:g} "
        "(the answer's size, or 1)"
    )


@dataclass(frozen=True)
class Meta:
    """Common fields: what the problem is, where it comes from, and its answer key."""

    file: str
    kind: str
    title: str
    source: str | None
    answer: dict[str, float] | None
    answer_lines: dict[str, int | None]
    tolerance: float
    log_base: str
    notes: str | None
    #: Points per answer figure (``answer: {loss: {value: 3.673, points: 2}}``); 1 by default.
    points: dict[str, float] = field(default_factory=dict)


def parse_meta(f: Fields, kind: str, *, uses_log: bool) -> Meta:
    """Read the common fields; ``log_base`` is refused for losses without a logarithm."""
    answer_raw = f.raw("answer", None)
    answer: dict[str, float] | None
    answer_lines: dict[str, int | None] = {}
    points: dict[str, float] = {}
    if answer_raw is None:
        answer = None
    elif isinstance(answer_raw, dict):
        answer = {}
        for name, value in answer_raw.items():
            points[str(name)] = 1.0
            if isinstance(value, dict):
                value, points[str(name)] = _figure_with_points(f, value, name)
            answer[str(name)] = f.check_number(value, "answer", name, infinite=True)
            answer_lines[str(name)] = f.line("answer", name)
    else:
        # .inf: a key may state an infinite loss (a target too long for its frames)
        answer = {"loss": f.check_number(answer_raw, "answer", infinite=True)}
        answer_lines["loss"] = f.line("answer")
        points["loss"] = 1.0
    log_base = "e"
    if f.has("log_base"):
        if not uses_log:
            raise f.error(f"kind '{kind}' has no logarithm, so log_base does not apply", "log_base")
        raw = f.raw("log_base")
        log_base = str(int(raw)) if isinstance(raw, (int, float)) and raw == int(raw) else str(raw)
        if log_base not in LOG_BASES:
            raise f.error(f"expected e, 2 or 10, got {raw!r}", "log_base")
    tolerance = f.number("tolerance", DEFAULT_TOLERANCE, low=0.0)
    for name, value in (answer or {}).items():
        if (trouble := loose_tolerance(tolerance, value, name)) is not None:
            raise f.error(trouble, "tolerance")
    return Meta(
        file=f.file,
        kind=kind,
        title=f.text("title", kind),
        source=f.text("source", None),
        answer=answer,
        answer_lines=answer_lines,
        tolerance=tolerance,
        log_base=log_base,
        notes=f.text("notes", None),
        points=points,
    )


def _figure_with_points(f: Fields, value: dict, name: str) -> tuple[object, float]:
    """An answer figure written ``{value: 3.673, points: 2}``: its value and its points."""
    sub = f.sub("answer").sub(name)
    sub.check_keys(("value", "points"))
    return sub.raw("value"), sub.number("points", 1.0, low=0.0)
