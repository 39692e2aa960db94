"""Problem files for kind: custom — a weighted sum of other problems, L = sum_i w_i L_i.

The handout's "Custom Sequence Loss" combines several losses. Each entry of ``terms`` is
``{weight: w, problem: {...}}`` (an inline problem of any kind, line numbers kept) or
``{weight: w, file: other.yaml}`` (relative to this file's folder), with an optional ``name``.
Terms may themselves be custom; a reference cycle (a.yaml -> b.yaml -> a.yaml) is an error.
"""

from __future__ import annotations

import contextvars
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rnnloss_cli import limits
from rnnloss_cli.errors import ProblemError
from rnnloss_cli.problem.base import COMMON_FIELDS, Meta, parse_meta
from rnnloss_cli.problem.fields import Fields, _type_name

TERM_FIELDS = ("weight", "problem", "file", "name")
TERM_WORDS = "a term {weight: w, problem: {...}} or {weight: w, file: other.yaml}"

#: The files whose custom terms are being parsed, outermost first (for cycle detection).
_LOADING: contextvars.ContextVar[tuple[Path, ...]] = contextvars.ContextVar(
    "rnnloss_custom_loading", default=()
)
#: Terms parsed so far under the outermost custom problem being parsed (None outside one).
_TERMS: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar(
    "rnnloss_custom_terms", default=None
)

#: Referenced files parsed so far under the outermost custom problem, by (resolved path, path
#: as shown): a file many terms name is read and parsed once (None outside one).
_PARSED: contextvars.ContextVar[dict[tuple[Path, str], Any] | None] = contextvars.ContextVar(
    "rnnloss_custom_parsed", default=None
)


@dataclass(frozen=True)
class CustomTerm:
    """One weighted term: its display name, weight, parsed problem and where it came from."""

    name: str
    weight: float
    problem: Any
    origin: str  #: "inline" or the referenced file's path


@dataclass(frozen=True)
class CustomProblem:
    """kind: custom — the weighted terms in file order."""

    meta: Meta
    terms: tuple[CustomTerm, ...]


def _real_path(file: str) -> Path | None:
    """The resolved path of a problem file, or None for stdin / the command line."""
    if file.startswith("<"):
        return None
    return Path(file).resolve()


def _load_referenced(tf: Fields, stack: tuple[Path, ...]) -> tuple[Any, str]:
    from rnnloss_cli.problem import parse_problem, read_text
    from rnnloss_cli.problem._yaml import load_yaml

    rel = tf.text("file")
    if not rel.strip():  # "" or "  " named the folder itself: "<folder> is a folder"
        raise tf.error("expected the name of a problem file, got an empty name", "file")
    base = Path(tf.file).parent if _real_path(tf.file) else Path.cwd()
    shown = str(base / rel)
    try:
        target = (base / rel).resolve()
        is_file = target.is_file()
    except (OSError, RuntimeError) as exc:  # RuntimeError: a loop of symbolic links
        reason = exc.strerror if isinstance(exc, OSError) else "a loop of symbolic links"
        raise tf.error(f"cannot open {shown}: {reason}", "file") from None
    if len(stack) >= limits.MAX_NESTING:
        raise tf.error(
            f"custom problems refer to files more than {limits.MAX_NESTING} deep "
            f"(limit MAX_NESTING = {limits.MAX_NESTING})",
            "file",
        )
    if target in stack:
        chain = " -> ".join(p.name for p in (*stack[stack.index(target) :], target))
        raise tf.error(f"reference cycle: {chain}", "file")
    if not is_file:
        if target.is_dir():
            what = f"{shown} is a folder; expected a problem file"
        elif target.exists():  # a device, FIFO or socket: never opened (a FIFO would wait)
            what = f"{shown} is not a regular file (a device, FIFO or socket)"
        else:
            what = f"no such file: {shown}"
        raise tf.error(f"{what} (paths are relative to the folder of {tf.file})", "file")
    parsed = _PARSED.get()
    if parsed is not None and (target, shown) in parsed:
        problem = parsed[(target, shown)]
        counted = _TERMS.get()
        if counted is not None:  # its nested terms count again, as if parsed again
            counted[0] += _nested_terms(problem)
            if counted[0] > limits.MAX_CUSTOM_TERMS:
                raise _too_many(tf)
        return problem, shown
    try:
        text = read_text(str(target))
    except ProblemError as err:
        raise tf.error(f"{shown}: {err.message}", "file") from None
    data, lines = load_yaml(text, shown)
    if data is None:
        raise tf.error(f"{shown} is empty; expected a problem with at least 'kind'", "file")
    problem = parse_problem(data, lines, shown)
    if parsed is not None:
        parsed[(target, shown)] = problem
    return problem, shown


def _nested_terms(problem: Any) -> int:
    """Terms a parsed problem holds, nested custom terms included (0 for other kinds)."""
    if not isinstance(problem, CustomProblem):
        return 0
    return sum(1 + _nested_terms(t.problem) for t in problem.terms)


def _too_many(tf: Fields) -> ProblemError:
    return tf.error(
        f"more than {limits.MAX_CUSTOM_TERMS:,} terms in all, nested custom terms "
        f"and referenced files included (limit MAX_CUSTOM_TERMS = "
        f"{limits.MAX_CUSTOM_TERMS:,}; a term used twice is counted twice)"
    )


def _require_mapping(f: Fields, value: Any, what: str, *parts: Any) -> None:
    """Refuse a non-mapping at ``parts`` below ``f`` with its line and its field written as
    everywhere else (``terms[1]``; ``Fields`` itself would say ``terms.1``)."""
    if not isinstance(value, dict):
        raise f.error(f"expected {what}, got {_type_name(value)}", *parts)


def _check_name(f: Fields, tf: Fields, name: str, earlier: list[str]) -> None:
    """Term names are the figures an answer key checks besides ``loss`` (the total): a term
    named ``loss`` or like an earlier term would have its figure dropped without a word."""
    parts = ("name",) if tf.has("name") else ()
    if not name.strip():  # "term: " titled its section, and no key or answer could name it
        raise tf.error(
            "a term's name cannot be empty: it is the figure an answer key checks; give it "
            "a name, or leave name out for the default ('1: mse')",
            *parts,
        )
    if "=" in name:  # mark -a 'a=b=0.25' read the figure 'a'; grade and check took it
        raise tf.error(
            f"a term's name cannot hold '=' (got {name!r}): it is the figure an answer "
            "gives as NAME=VALUE (rnnloss mark --answer); give it another name",
            *parts,
        )
    if name == "loss":
        raise tf.error(
            "a term cannot be named 'loss': that is the total's figure; give it another name",
            *parts,
        )
    if name in earlier:
        j = earlier.index(name)
        where = ("terms", j, "name") if "name" in f.raw("terms")[j] else ("terms", j)
        which = f"'{name}'" if parts else f"this term's default name '{name}'"
        raise tf.error(
            f"{which} already names term {j + 1} (line {f.line(*where)}); each term's name "
            "is a figure of the answer key, so the names must differ",
            *parts,
        )


def parse_custom(f: Fields, kind: str) -> CustomProblem:
    """kind: custom — ``terms``: a list of {weight, problem | file, name?}."""
    from rnnloss_cli.problem import parse_problem

    f.check_keys((*COMMON_FIELDS, "terms"), kind=kind)
    meta = parse_meta(f, kind, uses_log=False)
    raw = f.raw("terms")
    if not isinstance(raw, list) or not raw:
        raise f.error(
            "expected a list of terms, each {weight: w, problem: {...}} or "
            "{weight: w, file: other.yaml}",
            "terms",
        )
    stack = _LOADING.get()
    here = _real_path(f.file)
    if here is not None and (not stack or stack[-1] != here):
        stack = (*stack, here)
    token = _LOADING.set(stack)
    counted = _TERMS.get()
    count_token = _TERMS.set([0]) if counted is None else None
    parsed_token = _PARSED.set({}) if counted is None else None
    counted = _TERMS.get()
    try:
        terms = []
        for i, item in enumerate(raw):
            _require_mapping(f, item, TERM_WORDS, "terms", i)
            tf = Fields(item, f.lines, f.file, (*f.path, "terms", i))
            counted[0] += 1
            if counted[0] > limits.MAX_CUSTOM_TERMS:
                raise _too_many(tf)
            tf.check_keys(TERM_FIELDS)
            weight = tf.number("weight")
            source = tf.require_one("problem", "file")
            if source == "problem":
                _require_mapping(tf, tf.raw("problem"), "a problem {kind: ...}", "problem")
                problem = parse_problem(tf.raw("problem"), f.lines, f.file, (*tf.path, "problem"))
                origin = "inline"
            else:
                problem, origin = _load_referenced(tf, stack)
            default = f"{i + 1}: {problem.meta.kind}"
            name = str(tf.text("name", default))
            _check_name(f, tf, name, [t.name for t in terms])
            terms.append(CustomTerm(name, weight, problem, origin))
    finally:
        _LOADING.reset(token)
        if count_token is not None:
            _TERMS.reset(count_token)
        if parsed_token is not None:
            _PARSED.reset(parsed_token)
    return CustomProblem(meta, tuple(terms))
