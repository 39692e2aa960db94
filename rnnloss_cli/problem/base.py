"""Fields every problem file shares, and the dataclass holding them."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from rnnloss_cli import limits
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


#: An explicit tolerance above this share of |key| is warned about (``rnnloss check``, one
#: stderr line, exit code unchanged): it accepts answers off in the key's first digit, as a
#: typo does (``tolerance: 11`` for 0.011 and a key of 99 passes 88 to 110). A grader's
#: deliberate 5% stays quiet.
SUSPICIOUS_TOLERANCE_SHARE = 0.1
#: A mismatch at most this many float64 steps (ulps) from the key is float rounding, not
#: arithmetic: (0.1² + 0.2²) / 2 computes as 0.025000000000000005, one step above 0.025.
ROUNDING_STEPS = 64


def tolerance_warning(
    tolerance: float, expected: float, got: float, figure: str, *, given: bool
) -> str | None:
    """Why a figure's check deserves a warning (not an error), or None.

    - the default tolerance (not ``given``) above a key's size, 0 < |expected| < tolerance:
      it passes 0 and any answer of the key's size (a key of 1e-6 under 5e-4);
    - ``given`` (the file wrote ``tolerance:``) and ``tolerance > 0.1 |expected|``: the key
      passes answers that differ in its first digit (a key of 0 has no size: no warning);
    - ``|got - expected| > tolerance`` but within ``ROUNDING_STEPS`` float64 steps of the
      key: the tolerance is under float rounding, so only a bit-exact result could pass.

    Non-finite figures are compared exactly and never warned about.
    """
    numbers = (expected, got)
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in numbers):
        return None  # a text figure (a decoded path) or a figure not computed
    if not (math.isfinite(expected) and math.isfinite(got)):
        return None
    share = SUSPICIOUS_TOLERANCE_SHARE
    if not given and 0 < abs(expected) < tolerance:
        # read from its decimal: 5 * 10.0 ** -324 was 0 (10^-324 underflows), "0e+00"
        digits3 = float(f"5e{math.floor(math.log10(abs(expected))) - 3}")
        suggest = (
            f"{digits3:.0e} checks 3 significant digits"
            if digits3
            else "0 checks it exactly: no float64 tolerance is finer than 5e-324"
        )
        return (
            f"the default tolerance {tolerance:g} is larger than the key {figure} = "
            f"{expected:g}: it passes any answer from {expected - tolerance:g} to "
            f"{expected + tolerance:g}, 0 too; write a tolerance ({suggest})"
        )
    if given and expected != 0 and tolerance > share * abs(expected):
        return (
            f"{tolerance:g} is more than {share:.0%} of the key {figure} = {expected:g}: it "
            f"passes any answer from {expected - tolerance:g} to {expected + tolerance:g} "
            "(a typo? a key to 3 decimals takes 5e-4)"
        )
    gap = abs(got - expected)
    step = math.ulp(max(abs(got), abs(expected)))
    if tolerance < gap <= ROUNDING_STEPS * step:
        suggest = 10.0 ** math.ceil(math.log10(max(abs(expected) * 1e-12, 1e-300)))
        return (
            f"{tolerance:g} is under float64 rounding: {figure} = {expected!r} was computed "
            f"as {got!r}, {round(gap / step)} float64 step(s) away, so only a bit-exact "
            f"result passes; a tolerance of {suggest:g} checks it to 12 digits"
        )
    return None


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
    #: Whether the file wrote ``tolerance:`` (else DEFAULT_TOLERANCE), and on which line.
    tolerance_given: bool = False
    tolerance_line: int | None = None


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
        whole = isinstance(raw, (int, float)) and math.isfinite(raw) and raw == int(raw)
        log_base = str(int(raw)) if whole else str(raw)  # .nan / .inf: int() raised
        if log_base not in LOG_BASES:
            raise f.error(f"expected e, 2 or 10, got {raw!r}", "log_base")
    tolerance = f.number("tolerance", DEFAULT_TOLERANCE, low=0.0)
    for name, value in (answer or {}).items():
        if (trouble := loose_tolerance(tolerance, value, name)) is not None:
            raise f.error(trouble, "tolerance")
    for name in ("title", "source", "notes"):
        text = f.text(name, None)
        if text is not None and len(text) > limits.MAX_META_CHARS:
            raise f.error(
                f"{len(text):,} characters, more than the limit MAX_META_CHARS = "
                f"{limits.MAX_META_CHARS:,}; every page prints it whole",
                name,
            )
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
        tolerance_given=f.has("tolerance"),
        tolerance_line=f.line("tolerance") if f.has("tolerance") else None,
    )


def _figure_with_points(f: Fields, value: dict, name: str) -> tuple[object, float]:
    """An answer figure written ``{value: 3.673, points: 2}``: its value and its points."""
    sub = f.sub("answer").sub(name)
    sub.check_keys(("value", "points"))
    points = sub.number("points", 1.0, low=0.0)
    if points > limits.MAX_POINTS:
        raise sub.error(
            f"{points:g} points, more than the limit MAX_POINTS = {limits.MAX_POINTS:,} a "
            "figure (totals must stay numbers)",
            "points",
        )
    return sub.raw("value"), points
