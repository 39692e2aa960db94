"""Variants of a problem: a ``vary:`` block (or a default) -> ordinary problem files with keys.

A variant is a pure function of (template, seed, id): the random generator is seeded with
``sha256("rnnloss-vary:<seed>:<id>")``, so a student's variant can be regenerated from the seed
and the student's id alone, and the same seed gives the same bytes. Each variant is drawn, then
validated by the problem's own parser and the ``constraints``; a draw that fails is drawn again
(at most ``MAX_VARY_TRIES`` times). Its answer key is computed by the engine, for the figures
the template's key names (points kept; an array key such as BPTT's ``grads`` entry by entry,
in the template's shape; a text key, such as a decoding's labelling or an alignment's path, as
the engine finds it for the variant's givens; a draw where two answers would be right, a
frame's two most probable symbols tied, two best alignments or two best labellings in the
beam, is drawn again, and so is one whose number key is within the tolerance of 0 where the
template's is not: 0 would be marked right), and its ``source`` says so.

The ``vary:`` block maps a field (``probs``, ``yhat``, ``alignments[0].factors``) to a rule:

==========================================  ====================================================
``{range: [0.1, 0.9], step: 0.1}``          a number on the grid lo, lo+step, ..., hi (every
``{range: [0.1, 0.9], decimals: 2}``        number of a list or matrix gets its own draw; at
                                            most ``MAX_VARY_STEPS`` steps; ``decimals: 0``
                                            draws whole numbers, written as integers)
``{choice: [mean, sum]}``                   one of the listed values
``{distribution: [H, E, "-"],               a mapping symbol -> probability whose values sum
decimals: 2}``                              to exactly 1: integer units (hundredths) that add
                                            up to 100, each at least 1 (no probability 0)
``{distribution: rows, decimals: 1}``       the same for every row of the field's matrix
``{alphabet: HELO, length: [2, 4]}``        a random word over the alphabet (a target)
``constraints: [target_fits_frames]``       checks on the whole draw (see ``CONSTRAINTS``)
==========================================  ====================================================

Without a ``vary:`` block every decimal given is varied (``default_variation``): a number with
d decimals is redrawn on the 10^-d grid within ±50% of itself (probabilities within ±0.25 and
inside (0, 1)), keeping its sign; a list or mapping of numbers that sums to 1 is redrawn as a
distribution with as many decimals; whole numbers, 0, 1 and -1 (labels, indices, one-hot
entries, lengths) and the common fields (answer, tolerance, ...) stay as they are.

A ``custom`` template's ``file:`` terms name files relative to the template's folder; the
key is computed against those files, and a variant refers to the same files by a path
relative to the folder it is written to (``out_dir``), or by an absolute path when that
folder is not given.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import hashlib
import math
import os
import random
import re
import time
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rnnloss_cli.errors import ProblemError
from rnnloss_cli.limits import (
    MAX_VARY_LENGTH,
    MAX_VARY_NUMBERS,
    MAX_VARY_SECONDS,
    MAX_VARY_STEPS,
    MAX_VARY_TRIES,
)
from rnnloss_cli.problem.base import COMMON_FIELDS, loose_tolerance
from rnnloss_cli.problem.fields import counted

#: Decimals a varied number keeps at most (a key is checked to 5e-4; more is noise).
MAX_DECIMALS = 6
RULES = ("range", "choice", "distribution", "alphabet")


def variant_seed(seed: int, ident: str) -> int:
    """The generator seed of the variant ``ident`` (a number or a student id) of ``seed``."""
    digest = hashlib.sha256(f"rnnloss-vary:{seed}:{ident}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


# ------------------------------------------------------------------ drawing numbers
@functools.lru_cache(maxsize=4096)
def decimals_of(x: float) -> int:
    """Decimals written in ``x`` (0.25 -> 2, 3.0 -> 0), at most MAX_DECIMALS."""
    text = repr(float(x))
    if "e" in text or "E" in text:
        return MAX_DECIMALS
    return min(MAX_DECIMALS, len(text.split(".")[1].rstrip("0")))


def grid_steps(lo: float, hi: float, step: float) -> float:
    """Steps of the grid lo, lo+step, ..., <= hi (inf when they overflow a float)."""
    q = (hi - lo) / step + 1e-9
    return float(math.floor(q)) if math.isfinite(q) else math.inf


def draw_grid(rng: random.Random, lo: float, hi: float, step: float) -> float | int:
    """A uniform draw from lo, lo+step, ..., <= hi, written with the decimals of lo and step.

    Rounded to the decimals of ``lo`` and ``step`` (0.15 + k * 0.1 keeps two, 2.5 * k one), so
    the value is the grid's decimal, not its float sum; a grid of whole numbers gives ints.
    """
    n = int(grid_steps(lo, hi, step))
    value = lo + rng.randint(0, max(n, 0)) * step
    digits = max(decimals_of(lo), decimals_of(step))
    return int(round(value)) if digits == 0 else round(value, digits)


def draw_distribution(rng: random.Random, n: int, decimals: int) -> list[float]:
    """n probabilities with ``decimals`` decimals that sum to exactly 1.

    Drawn as integer units (10^decimals of them): n-1 distinct cut points in 1..units-1 split
    the units into n positive parts, so each probability is at least one unit and the parts add
    up to the whole exactly (in decimal; each float is within half an ulp of its decimal).
    """
    units = 10**decimals
    if n > units:
        raise ValueError(f"{n} probabilities of at least 1/{units} cannot sum to 1")
    cuts = sorted(rng.sample(range(1, units), n - 1))
    parts = [b - a for a, b in zip([0, *cuts], [*cuts, units], strict=False)]
    return [round(p / units, decimals) for p in parts]


def _distribution_decimals(n: int, decimals: int) -> int:
    d = max(decimals, 1)
    while 10**d < n:
        d += 1
    return d


# ------------------------------------------------------------------ field paths
_PATH_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def parse_path(text: str) -> list[str | int]:
    """``alignments[0].factors`` -> ["alignments", 0, "factors"]."""
    parts: list[str | int] = []
    pos = 0
    for m in _PATH_PART.finditer(text):
        if m.start() != pos and text[pos : m.start()] != ".":
            raise ValueError(text)
        parts.append(m.group(1) if m.group(1) is not None else int(m.group(2)))
        pos = m.end()
    if not parts or pos != len(text):
        raise ValueError(text)
    return parts


# ------------------------------------------------------------------ rules
#: Draws in a row refused alike (the same message, at a rule's own field) after which the
#: rule is named at its line: an unknown field, a distribution without the blank or a range
#: over a mapping is refused by every draw, and was said after MAX_VARY_TRIES (200) of them
#: at the vary: line as "no valid variant". A drawn value that the problem refuses by chance
#: is named in its message, which then differs from draw to draw.
SAME_REFUSALS = 20


def _rule_of(err: Exception, rules: list[Rule]) -> Rule | None:
    """The rule whose field a draw's error names (the field or one of its entries)."""
    field = getattr(err, "field", None)
    if not isinstance(field, str):
        return None
    for rule in rules:
        if field == rule.field or field.startswith((rule.field + "[", rule.field + ".")):
            return rule
    return None


@dataclass(frozen=True)
class Rule:
    """One entry of a vary block: the field it changes and how."""

    field: str
    path: tuple[str | int, ...]
    spec: dict[str, Any]
    line: int | None


def _map_numbers(value: Any, fn: Callable[[], Any]) -> Any:
    if isinstance(value, list):
        return [_map_numbers(v, fn) for v in value]
    return fn()


def apply_rule(rule: Rule, current: Any, rng: random.Random) -> Any:
    """The new value of the rule's field (``current`` is the template's value or None)."""
    spec = rule.spec
    if "range" in spec:
        lo, hi = spec["range"]
        step = spec.get("step", 10.0 ** -spec.get("decimals", 0))
        one = lambda: draw_grid(rng, lo, hi, step)  # noqa: E731
        return _map_numbers(current, one) if isinstance(current, list) else one()
    if "choice" in spec:
        return copy.deepcopy(rng.choice(spec["choice"]))
    if "alphabet" in spec:
        alphabet = spec["alphabet"]
        symbols = list(alphabet) if isinstance(alphabet, str) else [str(a) for a in alphabet]
        lo, hi = spec.get("length", [1, 4])
        word = [rng.choice(symbols) for _ in range(rng.randint(lo, hi))]
        return "".join(word) if isinstance(alphabet, str) else word
    # distribution
    dist = spec["distribution"]
    decimals = spec.get("decimals", 2)
    if isinstance(dist, list):
        probs = draw_distribution(rng, len(dist), decimals)
        return {str(s): p for s, p in zip(dist, probs, strict=False)}
    rows = current if isinstance(current[0], list) else [current]
    new = [draw_distribution(rng, len(row), decimals) for row in rows]
    return new if isinstance(current[0], list) else new[0]


def _rule_error(file: str, line: int | None, name: str, message: str) -> ProblemError:
    return ProblemError(message, file=file, line=line, field=f"vary.{name}")


def _check_spec(name: str, spec: Any, file: str, line: int | None) -> None:
    def bad(msg: str) -> ProblemError:
        return _rule_error(file, line, name, msg)

    if not isinstance(spec, dict):
        raise bad(f"expected a rule such as {{range: [0.1, 0.9], step: 0.1}}; rules: {RULES}")
    kinds = [k for k in RULES if k in spec]
    if len(kinds) != 1:
        raise bad(f"give exactly one of {', '.join(RULES)}")
    allowed = {
        "range": {"range", "step", "decimals"},
        "choice": {"choice"},
        "distribution": {"distribution", "decimals"},
        "alphabet": {"alphabet", "length"},
    }[kinds[0]]
    extra = sorted(set(spec) - allowed)
    if extra:
        raise bad(f"unknown key {extra[0]!r} for a {kinds[0]} rule (known: {sorted(allowed)})")

    def number(x: Any) -> bool:
        return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)

    if "decimals" in spec:
        d = spec["decimals"]
        if not (isinstance(d, int) and not isinstance(d, bool) and 0 <= d <= MAX_DECIMALS):
            raise bad(f"decimals: expected a whole number in [0, {MAX_DECIMALS}], got {d!r}")
    if kinds[0] == "range":
        r = spec["range"]
        if not (isinstance(r, list) and len(r) == 2 and all(map(number, r)) and r[0] <= r[1]):
            raise bad(f"range: expected [low, high] with low <= high, got {r!r}")
        if "step" in spec and "decimals" in spec:
            raise bad("give step or decimals, not both")
        if "step" in spec and not (number(spec["step"]) and spec["step"] > 0):
            raise bad(f"step: expected a positive number, got {spec['step']!r}")
        step = spec.get("step", 10.0 ** -spec.get("decimals", 0))
        steps = grid_steps(r[0], r[1], step)
        if not steps <= MAX_VARY_STEPS:
            shown = "more than 10^308" if math.isinf(steps) else f"{steps:.3g}"
            raise bad(
                f"range: {shown} steps of {step:g} from {r[0]:g} to {r[1]:g}; at most "
                f"{MAX_VARY_STEPS:,} (MAX_VARY_STEPS): take a larger step or a narrower range"
            )
        if step < 10.0**-MAX_DECIMALS or round(step, MAX_DECIMALS) != step:
            raise bad(
                f"step: at most {MAX_DECIMALS} decimals (MAX_DECIMALS; a key is checked to "
                f"5e-4), got {step!r}"
            )
    if kinds[0] == "choice" and not (isinstance(spec["choice"], list) and spec["choice"]):
        raise bad("choice: expected a non-empty list of values")
    if kinds[0] == "distribution":
        dist = spec["distribution"]
        if dist != "rows" and not (isinstance(dist, list) and len(dist) >= 2):
            raise bad("distribution: expected a list of two or more symbols, or 'rows'")
        n = len(dist) if isinstance(dist, list) else 0
        if n > 10 ** spec.get("decimals", 2):
            raise bad(f"{n} symbols need more decimals to each get at least one unit")
    if kinds[0] == "alphabet":
        a, length = spec["alphabet"], spec.get("length", [1, 4])
        if not (isinstance(a, (str, list)) and len(a) > 0):
            raise bad("alphabet: expected symbols such as HELO or a list")
        ok = isinstance(length, list) and len(length) == 2
        ok = ok and all(isinstance(x, int) and not isinstance(x, bool) for x in length)
        if not (ok and 1 <= length[0] <= length[1]):
            raise bad(f"length: expected [shortest, longest] with 1 <= shortest, got {length!r}")
        if length[1] > MAX_VARY_LENGTH:
            raise bad(
                f"length: at most {MAX_VARY_LENGTH} symbols (MAX_VARY_LENGTH), got {length[1]}"
            )


def _frames(data: dict) -> int | None:
    if isinstance(data.get("frames"), int):
        return data["frames"]
    for name in ("emissions", "logits"):
        if isinstance(data.get(name), list):
            return len(data[name])
    aligns = data.get("alignments")
    if isinstance(aligns, list) and aligns:
        first = aligns[0]["path"] if isinstance(aligns[0], dict) else aligns[0]
        return len(str(first)) if not isinstance(first, list) else len(first)
    return None


def target_fits_frames(data: dict) -> str | None:
    """CTC: T >= |target| + (adjacent repeats), the frames a path needs (a blank per repeat)."""
    target = data.get("target")
    symbols = list(str(target)) if not isinstance(target, list) else target
    frames = _frames(data)
    need = len(symbols) + sum(a == b for a, b in zip(symbols, symbols[1:], strict=False))
    if frames is not None and frames < need:
        return f"target {target} needs {need} frames, there are {frames}"
    return None


#: Named checks on a whole draw: None if it holds, else why not (the draw is redrawn).
CONSTRAINTS: dict[str, Callable[[dict], str | None]] = {
    "target_fits_frames": target_fits_frames,
}


def read_rules(data: dict, lines: dict, file: str) -> tuple[list[Rule], list[str]] | None:
    """The template's vary block as rules and constraint names (None without a block)."""
    block = data.get("vary")
    if block is None:
        return None
    if not isinstance(block, dict) or not block:
        raise ProblemError(
            "expected a mapping of fields to rules", file=file, line=lines.get(("vary",))
        )
    rules, constraints = [], []
    for name, spec in block.items():
        line = lines.get(("vary", name))
        if name == "constraints":
            items = spec if isinstance(spec, list) else [spec]
            for c in items:
                if not isinstance(c, str) or c not in CONSTRAINTS:  # [[1]]: not hashable
                    raise _rule_error(
                        file, line, name, f"unknown constraint {c!r} (known: {list(CONSTRAINTS)})"
                    )
                constraints.append(c)
            continue
        try:
            path = tuple(parse_path(str(name)))
        except ValueError:
            raise _rule_error(
                file, line, str(name), "expected a field such as probs or alignments[0].factors"
            ) from None
        if path[0] in COMMON_FIELDS:
            raise _rule_error(file, line, str(name), f"'{path[0]}' is not a given; it cannot vary")
        _check_spec(str(name), spec, file, line)
        if "alphabet" in spec and path == ("target",) and "blank" in _ctc_symbols(data):
            blank = _ctc_symbols(data)["blank"]
            if blank in (
                list(spec["alphabet"])
                if isinstance(spec["alphabet"], str)
                else [str(a) for a in spec["alphabet"]]
            ):
                raise _rule_error(
                    file,
                    line,
                    str(name),
                    f"the alphabet holds the blank {blank!r}, which a target cannot (every "
                    "draw using it would be refused); leave it out",
                )
        if spec.get("distribution") == "rows" or (
            "range" in spec and isinstance(_get(data, path), list)
        ):
            current = _get(data, path)
            if not isinstance(current, list) or not current:
                raise _rule_error(file, line, str(name), "the template has no list here to vary")
            if spec.get("distribution") == "rows":
                _check_rows(current, spec.get("decimals", 2), file, line, str(name))
        rules.append(Rule(str(name), path, spec, line))
    return rules, constraints


def _ctc_symbols(data: dict) -> dict[str, str]:
    """``{"blank": b}`` for a kind whose target is over symbols with a blank, as its parser
    reads it (ctc: '-', ctc_align and rnnt: the first of ``symbols``, unless the template
    says), else {}."""
    kind, symbols = data.get("kind"), data.get("symbols")
    if kind == "ctc":
        return {"blank": str(data.get("blank", "-"))}
    if kind in ("ctc_align", "rnnt") and (isinstance(symbols, list) and symbols or "blank" in data):
        return {"blank": str(data["blank"] if "blank" in data else symbols[0])}
    return {}


def _check_rows(current: list, decimals: int, file: str, line: int | None, name: str) -> None:
    """A ``distribution: rows`` field: one row of numbers, or a matrix of non-empty rows each
    narrow enough that every entry gets at least one unit (1/10^decimals)."""
    rows = current if isinstance(current[0], list) else [current]
    units = 10**decimals
    for i, row in enumerate(rows, 1):
        if not isinstance(row, list) or not row or any(isinstance(x, (list, dict)) for x in row):
            raise _rule_error(
                file, line, name, f"row {i}: expected a non-empty row of numbers to redraw"
            )
        if len(row) > units:
            need = math.ceil(math.log10(len(row)))
            more = (
                f"give decimals: {need} or more"
                if need <= MAX_DECIMALS
                else f"at most {10**MAX_DECIMALS:,} columns (MAX_DECIMALS = {MAX_DECIMALS})"
            )
            raise _rule_error(
                file,
                line,
                name,
                f"row {i} has {len(row)} entries: {len(row)} probabilities of at least "
                f"1/{units} (decimals: {decimals}) cannot sum to 1; {more}",
            )


_NOT_GIVENS = ("answer", "source", "vary")


def _get(data: Any, path: tuple) -> Any:
    node = data
    for part in path:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return None
    return node


def _set(data: Any, path: tuple, value: Any, rule: Rule, file: str) -> None:
    node = data
    for part in path[:-1]:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            raise _rule_error(
                file, rule.line, rule.field, "no such field in the template"
            ) from None
    try:
        node[path[-1]] = value
    except (IndexError, TypeError):
        raise _rule_error(file, rule.line, rule.field, "no such field in the template") from None


# ------------------------------------------------------------------ the default variation
def _is_float(x: Any) -> bool:
    return isinstance(x, float) and math.isfinite(x)


def _vary_number(x: float, rng: random.Random) -> float:
    if x in (0.0, 1.0, -1.0) or x == int(x):
        return x
    d = max(1, decimals_of(x))
    unit = 10.0**-d
    if 0.0 < x < 1.0:
        lo, hi = max(unit, x - 0.25), min(1.0 - unit, x + 0.25)
    else:
        spread = max(0.5 * abs(x), 2 * unit)
        lo, hi = x - spread, x + spread
        if x > 0:
            lo = max(lo, unit)
        else:
            hi = min(hi, -unit)
    lo = round(math.ceil(lo / unit - 1e-9) * unit, d)
    return draw_grid(rng, lo, hi, unit) if hi >= lo else x


def _sums_to_one(values: list[Any]) -> bool:
    return (
        len(values) >= 2
        and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)
        and any(_is_float(v) and v not in (0.0, 1.0) for v in values)
        and abs(sum(values) - 1.0) <= 1e-6
    )


def default_variation(value: Any, rng: random.Random, *, top: bool = True) -> Any:
    """Vary every decimal given (see the module docstring); whole numbers stay."""
    if isinstance(value, dict):
        if _sums_to_one(list(value.values())):
            d = _distribution_decimals(len(value), max(decimals_of(v) for v in value.values()))
            return dict(zip(value, draw_distribution(rng, len(value), d), strict=False))
        return {
            k: (v if k in COMMON_FIELDS else default_variation(v, rng, top=False))
            for k, v in value.items()
        }
    if isinstance(value, list):
        if _sums_to_one(value):
            d = _distribution_decimals(len(value), max(decimals_of(v) for v in value))
            return draw_distribution(rng, len(value), d)
        return [default_variation(v, rng, top=False) for v in value]
    if _is_float(value):
        return _vary_number(value, rng)
    return value


# ------------------------------------------------------------------ one variant
@dataclass(frozen=True)
class Variant:
    """One generated problem: its id, the YAML text of its file and its data."""

    ident: str
    text: str
    data: dict
    #: True when no given changed (a template without decimals and without a vary block, or
    #: a vary block whose every draw is the template's value or refused).
    unchanged: bool = False
    #: True when the template's vary: block drew it (False: the default variation).
    ruled: bool = False
    #: True when the template's own answer key disagrees with its computed value (the
    #: variant's key is computed for its own givens): the CLI names the template, exit 1.
    template_key_disagrees: bool = False


#: What a variant's ``source`` says: which template and seed it was drawn from, and that its
#: key is the engine's. ``grade`` and ``export`` read the template back (``variant_template``).
_SOURCE = "{label} of {name}, seed {seed}; key computed by rnnloss"
_VARIANT_SOURCE = re.compile(
    r"^variant (?:for (?P<owner>.+)|\d+) of (?P<template>.+?), seed -?\d+;"
)


#: Characters that end a line for YAML (C0 controls, NEL, the Unicode line and paragraph
#: separators) or control a terminal: none may stand in a comment line or a student id.
_CONTROL_CHARS = "\x00-\x1f\x7f-\x9f\u2028\u2029"
_CONTROL = re.compile(f"[{_CONTROL_CHARS}]")
#: What a comment line escapes: _CONTROL, and a lone surrogate (a byte of a file name that
#: is not UTF-8, as Python reads it: b"\\xff" is U+DCFF), which UTF-8 cannot write.
_NOT_IN_COMMENT = re.compile(f"[{_CONTROL_CHARS}\ud800-\udfff]")


def comment_line(text: str) -> str:
    """``text`` as one comment line: each control character or line break as its escape
    (``\\n``, ``\\x1b``, ``\\u2028``), so that no part of it is read as YAML, and a lone
    surrogate too (``\\udcff``; a template named b"bad\\xffname.yaml" was an internal error)."""
    return _NOT_IN_COMMENT.sub(lambda m: repr(m.group())[1:-1], text)


def variant_origin(source: str | None, stem: str | None = None) -> tuple[str, str | None] | None:
    """(template file name, student id or None for a numbered variant) that a variant's
    ``source`` names; None for a problem vary did not write.

    "variant for s1 of loss of x.yaml" reads two ways, as either the id or the template's
    name may hold " of ": the variant's file ``stem`` (``loss of x-s1``, as
    :func:`file_names` writes it) tells which; without it, or for a file renamed since, the
    id is the longest reading."""
    m = _VARIANT_SOURCE.match(source or "")
    if not m:
        return None
    if m["owner"] is not None and stem is not None:
        words = f"{m['owner']} of {m['template']}".split(" of ")
        for k in range(1, len(words)):
            owner, template = " of ".join(words[:k]), " of ".join(words[k:])
            if stem == f"{Path(template).stem}-{file_tag(owner)}":
                return template, owner
    return m["template"], m["owner"]


def variant_template(source: str | None, stem: str | None = None) -> str | None:
    """The template file name a variant's ``source`` names (None: not written by vary)."""
    origin = variant_origin(source, stem)
    return origin[0] if origin else None


def _is_custom(data: Any) -> bool:
    from rnnloss_cli.templates import canonical_kind

    return isinstance(data, dict) and canonical_kind(str(data.get("kind"))) == "custom"


def _file_terms(data: Any) -> Iterator[dict]:
    """The terms of a custom problem that name a ``file``, inline custom terms' included."""
    if not _is_custom(data) or not isinstance(data.get("terms"), list):
        return
    for term in data["terms"]:
        if isinstance(term, dict):
            if isinstance(term.get("file"), str):
                yield term
            yield from _file_terms(term.get("problem"))


def _resolved(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # RuntimeError: a loop of symbolic links
        return Path(os.path.abspath(path))


def _reference(target: Path, out_dir: str | None) -> str:
    """``target`` as a variant in ``out_dir`` names it: relative to that folder if given."""
    if out_dir is not None:
        try:
            return Path(os.path.relpath(target, _resolved(Path(out_dir)))).as_posix()
        except ValueError:  # another drive (Windows): no relative path
            pass
    return str(target)


def _key_digits(tolerance: float) -> int:
    # Rounding must stay well inside the tolerance: 4 decimals for the default 5e-4.
    return max(4, math.ceil(-math.log10(tolerance)) + 1) if tolerance > 0 else 10


@dataclass(frozen=True)
class _Prepared:
    """What every variant of one template shares, worked out once a run: the template parsed
    (it must be a valid problem), its rules, the folder its custom terms' files are in, and
    the array and text keys kept in each draw while it is solved."""

    template: Any
    folder: Path
    rules: tuple[list[Rule], list[str]] | None
    arrays: dict[str, Any]
    array_answer: dict[str, dict[str, Any]]
    texts: dict[str, str]


def _prepare(data: dict, lines: dict, file: str) -> _Prepared:
    from rnnloss_cli.problem import parse_problem

    template = parse_problem(data, lines, file)  # the template itself must be a valid problem
    # A custom term's file is relative to the template's folder (the working folder for
    # standard input), as the template's parser read it.
    folder = Path.cwd() if file.startswith("<") or file == "-" else Path(file).parent
    rules = read_rules(data, lines, file)
    # The template's array keys (BPTT's grads: {W_hh: [[...]]}), as written: kept in the draw
    # while it is solved, so that the result holds a check (the engine's value) per entry.
    keys = getattr(template, "keys", None)
    arrays = {} if keys is None else keys.arrays
    array_answer: dict[str, dict[str, Any]] = {}
    for entry in arrays:
        group, sub = entry.split(".", 1)
        array_answer.setdefault(group, {})[sub] = data["answer"][group][sub]
    # The template's text keys (a decoding's labellings, an alignment's path), kept in the
    # draw too: the result then holds a text check whose value is the engine's labelling.
    texts = {} if keys is None else {fig: text for fig, (text, _) in keys.text.items()}
    return _Prepared(template, folder, rules, arrays, array_answer, texts)


def make_variant(
    data: dict,
    lines: dict,
    file: str,
    name: str,
    *,
    seed: int,
    ident: str,
    label: str,
    out_dir: str | None = None,
    prepared: _Prepared | None = None,
    deadline: tuple[float, float] | None = None,
) -> Variant:
    """Draw variant ``ident`` of the template ``data`` (parsed YAML of ``file``).

    ``out_dir``: the folder the variant will be written to, for the ``file:`` paths of a
    custom template's terms (absolute paths without it). ``prepared``: the template's
    ``_prepare(data, lines, file)``, worked out once for a run of many variants.
    ``deadline``: (the run's start, the time past which no draw is made), by ``_now``.
    """
    from rnnloss_cli.problem import parse_problem
    from rnnloss_cli.solve import solve

    prep = _prepare(data, lines, file) if prepared is None else prepared
    template, folder, rules = prep.template, prep.folder, prep.rules
    arrays, array_answer, texts = prep.arrays, prep.array_answer, prep.texts
    rng = random.Random(variant_seed(seed, ident))
    last = "no draw"
    refused: tuple[Rule, str | None] | None = None  # the last draw's refusal at a rule's field
    repeats = 0
    for _ in range(MAX_VARY_TRIES):
        if deadline is not None and (now := _now()) > deadline[1]:
            raise ProblemError(
                f"stopped at {label} after {_seconds(now - deadline[0])} s, past twice "
                f"MAX_VARY_SECONDS ({MAX_VARY_SECONDS:g} s): its draws take longer to make and "
                "solve than the template and the first variants did (larger draws, or draws "
                "refused and made again); make fewer variants a run, or vary a smaller problem",
                file=file,
            )
        draw = {k: copy.deepcopy(v) for k, v in data.items() if k != "vary"}
        if rules is None:
            draw = default_variation(draw, rng)
        else:
            for rule in rules[0]:
                _set(draw, rule.path, apply_rule(rule, _get(draw, rule.path), rng), rule, file)
            broken = [why for c in rules[1] if (why := CONSTRAINTS[c](draw))]
            if broken:
                last = broken[0]
                continue
        draw.pop("answer", None)
        if array_answer or texts:
            draw["answer"] = {**texts, **copy.deepcopy(array_answer)}
        draw["source"] = _SOURCE.format(label=label, name=name, seed=seed)
        givens = {k: v for k, v in draw.items() if k not in ("answer", "source")}
        same = givens == {k: v for k, v in data.items() if k not in _NOT_GIVENS}
        targets = [(t, _resolved(folder / t["file"])) for t in _file_terms(draw)]
        for term, target in targets:  # the key: solved against the template's files
            term["file"] = str(target)
        try:
            problem = parse_problem(draw, {}, f"{label} of {name}")
            result = solve(problem)
        except (ProblemError, ValueError) as err:
            last = str(err)
            rule = _rule_of(err, rules[0] if rules is not None else [])
            seen = (rule, getattr(err, "message", None)) if rule is not None else None
            repeats = repeats + 1 if seen is not None and seen == refused else 1
            refused = seen
            if rule is not None and repeats == SAME_REFUSALS:  # not chance: the rule itself
                raise _rule_error(
                    file,
                    rule.line,
                    rule.field,
                    f"{SAME_REFUSALS} draws in a row were refused alike: {err.message}",
                ) from None
            continue
        if texts and (tie := _tied_text_key(problem, texts)) is not None:
            last = tie  # two answers would be right: the key could name only one
            continue
        for term, target in targets:  # the file: found from the variant's folder
            term["file"] = _reference(target, out_dir)
        figures = template.meta.answer or ({} if texts else {"loss": 0.0})
        digits = _key_digits(template.meta.tolerance)
        key: dict[str, Any] = {}
        labels, trouble = _text_keys(result, texts)
        if trouble is not None:
            last = trouble
            continue
        for fig in _in_template_order(data.get("answer"), [*labels, *figures]):
            if fig in labels:
                key[fig] = labels[fig]
                continue
            value = result.figures.get(fig)
            if value is None or not math.isfinite(value):
                last = f"figure {fig} is {'missing' if value is None else value}"
                break
            value = round(value, digits)
            # the variant's file must pass `check` too: its key under the template's tolerance
            if (loose := loose_tolerance(template.meta.tolerance, value, fig)) is not None:
                last = f"tolerance {loose}"
                break
            if (zero := _zero_key(figures.get(fig), value, template.meta.tolerance)) is not None:
                last = f"figure {fig} {zero}"
                break
            pts = template.meta.points.get(fig, 1.0)
            key[fig] = value if pts == 1.0 else {"value": value, "points": _plain(pts)}
        else:
            entries, trouble = _array_keys(result, arrays, digits, template.meta.tolerance)
            if trouble is not None:
                last = trouble
                continue
            for entry, value in entries.items():
                group, sub = entry.split(".", 1)
                key.setdefault(group, {})[sub] = value
            draw["answer"] = key
            text = f"# {comment_line(draw['source'])}\n" + _dump(draw)
            return Variant(ident, text, draw, unchanged=same, ruled=rules is not None)
    raise ProblemError(
        f"no valid variant in {MAX_VARY_TRIES} draws (MAX_VARY_TRIES); last draw: {last}",
        file=file,
        line=lines.get(("vary",)),
        field="vary" if rules is not None else None,
    )


def _zero_key(template_key: float | None, value: float, tolerance: float) -> str | None:
    """Why a variant's key ``value`` is unfit, or None: within ``tolerance`` of 0
    (|value| ≤ tolerance), so that 0 or an answer of the wrong sign is marked right, where
    the template's own key is not (``check`` warns about such a file). A template keyed 0
    (or near it) asks for that: its variants keep such keys."""
    if template_key is None or not math.isfinite(template_key):
        return None
    if abs(template_key) > tolerance >= abs(value):
        return f"is {value:g}, within the tolerance ±{tolerance:g} of 0 (0 would be right)"
    return None


#: Log-probabilities this close (relative) are a tie: 0.1·0.5·0.5 and 0.5·0.1·0.5 differ
#: in the last bits of their logarithms.
TIE_RTOL = 1e-9


def _tied(a: Any, b: Any) -> Any:
    import numpy as np

    return np.isclose(a, b, rtol=TIE_RTOL, atol=TIE_RTOL) & np.isfinite(a)


def _tied_text_key(problem: Any, texts: dict[str, str]) -> str | None:
    """Why a text key of the draw would not be unique, or None: a frame whose two most
    probable symbols tie (two greedy paths), two best alignments (ctc_align's path), or
    two best labellings in the final beam (its order would be the search's tie-break)."""
    import numpy as np

    frames = getattr(problem, "frames", None)
    if frames is None:
        return None
    logs = np.asarray(frames.log_probs, dtype=float)
    if "greedy" in texts and logs.shape[1] > 1:
        top2 = np.sort(logs, axis=1)[:, -2:]
        tied = np.flatnonzero(_tied(top2[:, 0], top2[:, 1]))
        if tied.size:
            return f"frame {tied[0] + 1} has two most probable symbols (greedy is not unique)"
    if "path" in texts and getattr(problem, "target", None):
        from rnnloss_cli.engine.forced_align import best_alignment_count

        target = [frames.symbols.index(s) for s in problem.target]
        blank = frames.symbols.index(frames.blank)
        if best_alignment_count(logs, target, blank, TIE_RTOL) > 1:
            return "two alignments are the most probable (path is not unique)"
    if "beam" in texts:
        hyps = _beam_hypotheses(problem)
        if len(hyps) > 1 and bool(_tied(hyps[0].log_prob, hyps[1].log_prob)):
            return "the beam's two best labellings tie (beam is not unique)"
    return None


def _beam_hypotheses(problem: Any) -> list:
    """The final beam of a ctc_decode problem, best first, as its solver searches it."""
    from rnnloss_cli.engine import ctc_beam_search
    from rnnloss_cli.solve.decode import search_options

    fr = problem.frames
    lm, lexicon, separator = search_options(problem)
    return list(
        ctc_beam_search(
            fr.log_probs,
            problem.beam,
            fr.symbols.index(fr.blank),
            lm=lm,
            lm_weight=problem.lm_weight,
            lexicon=lexicon,
            separator=separator,
        )
    )


def _text_keys(result: Any, texts: dict[str, str]) -> tuple[dict[str, str], str | None]:
    """The variant's text keys (name -> the engine's labelling) from the result's text
    checks, the empty labelling (shown as ``result.EMPTY``, ε: no symbol may be named so)
    as ""; or why the draw cannot be keyed (a check missing)."""
    from rnnloss_cli.result import EMPTY

    got = {c.figure: c.got for c in result.checks or []}
    out: dict[str, str] = {}
    for name in texts:
        value = got.get(name)
        if value is None:
            return {}, f"figure {name} is missing"
        value = str(value)
        out[name] = "" if value == EMPTY else value
    return out, None


def _in_template_order(answer: Any, names: list[str]) -> list[str]:
    """``names`` in the order the template's ``answer`` lists them (any it lacks last)."""
    order = list(map(str, answer)) if isinstance(answer, dict) else []
    return sorted(names, key=lambda n: order.index(n) if n in order else len(order))


def _dump(draw: dict) -> str:
    """A variant's YAML: block style at the top, flow style for lists and mappings of
    scalars, keys in order, Unicode as it is, lines of at most 100 characters."""
    import yaml

    return yaml.dump(
        draw,
        Dumper=_dumper(),
        sort_keys=False,
        default_flow_style=None,
        allow_unicode=True,
        width=100,
    )


@functools.cache
def _dumper() -> type:
    """``yaml.SafeDumper`` whose scalar analysis is remembered: a variant's numbers repeat
    from file to file (0.5, 0.25), and the analysis, which decides how a scalar is quoted,
    depends only on its text (and ``allow_unicode``, the same for every variant), so the
    bytes written are the same. The pure-Python emitter is kept: libyaml's (CSafeDumper)
    writes other bytes for some texts (an emoji escaped, a long key as ``? key``)."""
    import yaml

    @functools.lru_cache(maxsize=SCALAR_CACHE)
    def analysis(scalar: str, allow_unicode: bool) -> Any:
        return yaml.SafeDumper.analyze_scalar(_Probe(allow_unicode), scalar)  # type: ignore[arg-type]

    class VariantDumper(yaml.SafeDumper):
        def analyze_scalar(self, scalar: str) -> Any:
            return analysis(scalar, bool(self.allow_unicode))

    return VariantDumper


@dataclass(frozen=True)
class _Probe:
    """The one attribute ``Emitter.analyze_scalar`` reads of its emitter."""

    allow_unicode: bool


#: Scalar texts whose YAML analysis is remembered (a run's distinct numbers and names).
SCALAR_CACHE = 4096


def _array_keys(
    result: Any, arrays: dict[str, Any], digits: int, tolerance: float
) -> tuple[dict[str, Any], str | None]:
    """The variant's array keys (``grads.W_hh`` -> nested lists, rounded to ``digits``) from
    the result's checks, one per entry; or why the draw cannot be keyed (an entry that is
    not finite, or that the tolerance cannot check)."""
    import numpy as np

    got = {c.figure: c.got for c in result.checks or []}
    out: dict[str, Any] = {}
    for name, (template_array, _) in arrays.items():
        shape = np.shape(template_array)
        values = np.empty(shape, dtype=float)
        for index in np.ndindex(shape):
            where = name + "".join(f"[{i}]" for i in index)
            value = got.get(where)
            if value is None or not math.isfinite(value):
                return {}, f"figure {where} is {'missing' if value is None else value}"
            value = round(float(value), digits)
            if (loose := loose_tolerance(tolerance, value, where)) is not None:
                return {}, f"tolerance {loose}"
            values[index] = value
        out[name] = values.tolist()
    return out, None


def _plain(x: float) -> float | int:
    return int(x) if x == int(x) else x


def make_variants(
    path: str,
    *,
    seed: int,
    count: int | None = None,
    ids: list[str] | None = None,
    out_dir: str | None = None,
) -> list[Variant]:
    """Variants 1..count (or one per student id) of the problem file ``path``.

    ``out_dir``: the folder they will be written to (see :func:`make_variant`).
    """
    from rnnloss_cli.problem import read_text
    from rnnloss_cli.problem._yaml import load_yaml

    data, lines = load_yaml(read_text(path), path)
    if not isinstance(data, dict):
        raise ProblemError("expected a problem (a mapping with 'kind')", file=path)
    # as text: a byte of the name that is not UTF-8 (U+DCFF for b"\xff") as its escape, which
    # the variant's source can hold and YAML read back
    name = comment_line(template_name(path))
    if ids is None:
        idents = [str(i) for i in range(1, (count or 0) + 1)]
        labels = [f"variant {i}" for i in idents]
    else:
        idents, labels = list(ids), [f"variant for {i}" for i in ids]
    _check_work(len(idents), given_numbers(data), path)
    from dataclasses import replace

    from rnnloss_cli.solve import solve

    prepared = _prepare(data, lines, path)
    start = _now()
    try:  # the template's own key; one it cannot solve is the draws' business, as before
        disagrees = not solve(prepared.template).ok
    except (ProblemError, ValueError):
        disagrees = False
    seconds = _now() - start
    if len(idents) * seconds > MAX_VARY_SECONDS and seconds < _RETIME_BELOW:
        # the first solve imports the solver's modules (hello: 37 ms, then 2 ms): time it
        # again, unless it is too slow for that to matter (a second 8 s solve only to refuse)
        again = _now()
        with contextlib.suppress(ProblemError, ValueError):
            solve(prepared.template)
        seconds = min(seconds, _now() - again)
    _check_time(len(idents), seconds, path)
    deadline = (start, start + 2 * MAX_VARY_SECONDS)
    variants: list[Variant] = []
    took: list[float] = []  # the first two variants' times
    for i, lab in zip(idents, labels, strict=False):
        begun = _now()
        variants.append(
            make_variant(
                data,
                lines,
                path,
                name,
                seed=seed,
                ident=i,
                label=lab,
                out_dir=out_dir,
                prepared=prepared,
                deadline=deadline,
            )
        )
        if len(took) < 2:
            # a variant may be far bigger than its template (a rule drawing 50,000 frames for
            # its 3): the faster of the first two (the first may pay one-time costs) decides
            took.append(_now() - begun)
            if len(took) == 2:
                _check_time(len(idents), min(took), path, "drawing and solving a variant")
    return [replace(v, template_key_disagrees=True) for v in variants] if disagrees else variants


def given_numbers(data: dict) -> int:
    """How many numbers the givens of a parsed problem file hold (the fields every problem
    has, such as answer and tolerance, left out; booleans are not numbers)."""
    count, todo = 0, [v for k, v in data.items() if k not in COMMON_FIELDS]
    while todo:
        value = todo.pop()
        if isinstance(value, dict):
            todo.extend(value.values())
        elif isinstance(value, list):
            todo.extend(value)
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            count += 1
    return count


#: The clock of vary's time limit (a test gives a fake one).
_now = time.perf_counter
#: A template's first solve is timed again when it took less than this (seconds): its
#: one-time costs (importing the solver, 35 ms for hello) matter only to a fast solve.
_RETIME_BELOW = 0.5


def _seconds(x: float) -> str:
    """Seconds as a reader says them: 0.0042, 8.1, 41, 1234."""
    return f"{x:.0f}" if x >= 10 else f"{x:.2g}"


def _check_time(
    n_variants: int, seconds: float, path: str, what: str = "solving the template"
) -> None:
    """Refuse a run whose variants, each taking at least ``seconds`` (the template's solve,
    before any draw; the faster of the first two variants' draws and solves, after them),
    would take more than ``MAX_VARY_SECONDS``."""
    if n_variants * seconds > MAX_VARY_SECONDS:
        fit = max(1, int(MAX_VARY_SECONDS // seconds))
        raise ProblemError(
            f"{what} took {_seconds(seconds)} s: {counted(n_variants, 'variant')} "
            f"would take about {_seconds(n_variants * seconds)} s, past {MAX_VARY_SECONDS:g} s "
            f"a run (MAX_VARY_SECONDS); make fewer variants a run (at most {fit} at this size), or "
            "vary a smaller problem",
            file=path,
        )


def _check_work(n_variants: int, numbers: int, path: str) -> None:
    """Refuse a run that would draw more than ``MAX_VARY_NUMBERS`` numbers, before any draw."""
    if n_variants * numbers > MAX_VARY_NUMBERS:
        raise ProblemError(
            f"{counted(n_variants, 'variant')} of a template giving {numbers:,} numbers would draw "
            f"{n_variants * numbers:,}, at most {MAX_VARY_NUMBERS:,} a run (MAX_VARY_NUMBERS): "
            "vary is for hand-sized problems; make fewer variants a run, or vary a smaller "
            "problem",
            file=path,
        )


#: ASCII characters a student id keeps in its file name; any other ASCII character is ``_``.
_SAFE = re.compile(r"[^A-Za-z0-9._@-]")


def file_tag(ident: str) -> str:
    """A student id as its variant's file name writes it (``hello-<tag>.yaml``).

    The id is composed first (NFC: ``e`` + a combining diaeresis is ``ë``). ASCII letters and
    digits and ``. _ @ -`` are kept, as they always were (``a b`` -> ``a_b``: an existing
    folder of variants keeps its names); a character beyond ASCII is kept when it is a letter
    or a digit (``str.isalnum``: ``日本``, ``Zoë``, ``١٢٣``); anything else is ``_``. Every id
    was once ASCII-only, so ``日本`` and ``中国`` were both ``_``, one file for two students.

    Different ids can still share a tag (``a b`` and ``a_b``), or tags one file on a
    case-insensitive file system (``S1``, ``s1``): :func:`read_roster` refuses such a roster,
    naming both ids and their rows, rather than renaming one (a name a student could not
    guess from their id); see :func:`file_key`.
    """
    if ident.isascii():
        return _SAFE.sub("_", ident)
    return "".join(
        ch if (ch.isalnum() if not ch.isascii() else not _SAFE.match(ch)) else "_"
        for ch in unicodedata.normalize("NFC", ident)
    )


def file_key(ident: str) -> str:
    """What two ids' files are compared by: their tags, case folded and composed (on macOS and
    Windows ``S1`` and ``s1`` name one file, and ``Ä`` in either form is one letter)."""
    return unicodedata.normalize("NFC", file_tag(ident).casefold())


#: The template name of standard input (``-``): its variants are ``stdin-1.yaml``, ...; a
#: name ``--1.yaml`` would read as an option to the next command.
STDIN_STEM = "stdin"


def template_name(path: str) -> str:
    """The template's file name as its variants name it (``hello.yaml``): ``stdin`` for
    standard input and for any other stream, such as ``<(cat hello.yaml)``, which is
    ``/dev/fd/63`` (its variants were ``63-1.yaml``, "variant 1 of 63")."""
    if path == "-":
        return STDIN_STEM
    try:
        regular = os.path.isfile(path)
    except (OSError, ValueError):
        regular = True
    return Path(path).name if regular or not os.path.exists(path) else STDIN_STEM


def file_names(stem: str, variants: list[Variant], numbered: bool) -> list[str]:
    """``hello-07.yaml`` for numbered variants, ``hello-<id>.yaml`` for student ids (the id
    as :func:`file_tag` writes it)."""
    width = len(str(len(variants)))
    out = []
    for v in variants:
        tag = f"{int(v.ident):0{width}d}" if numbered else file_tag(v.ident)
        out.append(f"{stem}-{tag}.yaml")
    return out


#: Header names of a roster's id column, first found first, as compared: lower case, without
#: spaces, ``_`` or ``-`` (a spreadsheet's "Student ID" was read as a student named so).
ROSTER_ID_COLUMNS = (
    "id",
    "student",
    "studentid",
    "idnumber",
    "studentnumber",
    "username",
    "email",
    "emailaddress",
    # a column of names, when no column of ids is found: the names are the ids
    "name",
    "fullname",
    "studentname",
)
#: The header a roster of several columns needs, as a message says it.
ROSTER_HEADER_HINT = (
    "head the column of ids 'id' (or student, Student ID, ID number, student number, username, "
    "email, name), or give one id a line with no header"
)
_HEADER_SPACES = re.compile(r"[\s_-]+")


def _refuse_other_separator(cells: list[str], path: str, line: int) -> None:
    """Refuse a roster whose first row is one cell holding ';' or a tab: a spreadsheet in a
    decimal-comma locale saves "CSV" so, and read as one column its ids were whole rows
    ('s1;Ana'), each variant keyed to a student who does not exist (``grade`` refuses such
    an answers file the same way)."""
    sep = next((c for c in (";", "\t") if len(cells) == 1 and c in cells[0]), None)
    if sep is not None:
        from rnnloss_cli.teach.csvfile import shown

        raise ProblemError(
            f"the first row {shown(cells[0])} is one cell; its columns are separated by "
            f"{sep!r}: save the roster as comma-separated values",
            file=path,
            line=line,
        )


def read_roster(path: str) -> list[str]:
    """Student ids from a CSV: the column named as in ROSTER_ID_COLUMNS (any case, spaces,
    ``_`` and ``-`` ignored: ``Student ID``, ``student_id``, ``ID number``, ``Name``), its
    header row skipped; else, in a roster of one column, every row (no header: one id a line).

    A first row of several cells none of which names an id column is refused (ROSTER_HEADER_HINT):
    a header such as ``Group,Mark`` was read as a student, and which column of a roster with no
    header holds the ids cannot be told.

    Read as ``grade`` reads answers (``teach.csvfile``): any line ending, at most
    MAX_ROSTER_ROWS rows (blank ones included) and MAX_CSV_FIELD_CHARS characters a cell.
    """
    from rnnloss_cli.limits import MAX_ROSTER_ROWS
    from rnnloss_cli.teach.csvfile import csv_records_at, read_csv_text

    records = csv_records_at(
        read_csv_text(path), path, max_rows=MAX_ROSTER_ROWS, limit="MAX_ROSTER_ROWS"
    )
    # row numbers and lines are the file's own (a blank row counts, as in a spreadsheet)
    rows = [(n, line, r) for n, line, r in records if any(c.strip() for c in r)]
    if not rows:
        raise ProblemError("no student ids (expected a CSV with a column 'id')", file=path)
    _refuse_other_separator(rows[0][2], path, rows[0][1])
    header = [c.strip().lower() for c in rows[0][2]]
    names = [_HEADER_SPACES.sub("", c) for c in header]
    col, start = 0, 0
    for name in ROSTER_ID_COLUMNS:
        if name in names:
            col, start = names.index(name), 1
            break
    else:
        if len(rows[0][2]) > 1:
            from rnnloss_cli.teach.csvfile import shown

            cells = ", ".join(shown(c.strip()) for c in rows[0][2][:4])
            more = ", ..." if len(rows[0][2]) > 4 else ""
            raise ProblemError(
                f"the first row ({cells}{more}) names no id column; {ROSTER_HEADER_HINT}",
                file=path,
                line=rows[0][1],
            )
    if start >= len(rows):  # a header and nothing under it: 0 variants, exit 0, said nothing
        raise ProblemError(
            f"no student ids under the header (column {header[col]!r} is empty)",
            file=path,
            line=rows[0][1],
        )
    ids: list[str] = []
    seen: dict[str, tuple[int, str]] = {}
    for n, line, row in rows[start:]:
        ident = row[col].strip() if col < len(row) else ""
        if not ident:
            raise ProblemError(f"row {n}: empty student id", file=path, line=line)
        bad = _CONTROL.search(ident)
        if bad:  # a line break would end the variant's first line, a comment, early
            raise ProblemError(
                f"row {n}: student id {ident!r} holds a control character or line break "
                f"({bad.group()!r}); ids are one line of text",
                file=path,
                line=line,
            )
        # file names are compared in any case: S1 and s1 are one file on a case-insensitive
        # file system (macOS, Windows), where the second variant would replace the first
        key = file_key(ident)
        if key in seen:
            first_row, first = seen[key]
            if first == ident:
                raise ProblemError(
                    f"row {n}: id {ident!r} repeats the id of row {first_row}",
                    file=path,
                    line=line,
                )
            raise ProblemError(
                f"row {n}: id {ident!r} and the id {first!r} of row {first_row} name one "
                f"variant file, {file_tag(ident)!r} (letters, digits and . _ @ - are kept, "
                "the rest is _, and names are compared in any case); make them differ",
                file=path,
                line=line,
            )
        seen[key] = (n, ident)
        ids.append(ident)
    return ids
