"""Load a problem file: YAML text -> validated, frozen Problem dataclass for its kind.

PARSERS is the explicit registry of kinds: kind -> "module:function" below rnnloss_cli.problem.
Each parser takes the file's Fields and the kind name and returns that kind's Problem (numpy
arrays built, every field checked). Modules are imported on first use, so solving one kind
does not pay for importing the others.
"""

from __future__ import annotations

import difflib
import importlib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rnnloss_cli.errors import ProblemError
from rnnloss_cli.problem._yaml import load_yaml
from rnnloss_cli.problem.fields import Fields

PARSERS: dict[str, str] = {
    "mse": "pointwise:parse_regression",
    "bce": "pointwise:parse_bce",
    "nll": "pointwise:parse_categorical",
    "cce": "pointwise:parse_categorical",
    "hinge": "pointwise:parse_hinge",
    "ctc": "ctc:parse_ctc",
    "sequence": "sequence:parse_sequence",
    "sequence_hinge": "sequence:parse_sequence_hinge",
    "reinforce": "sequence:parse_reinforce",
    "custom": "custom:parse_custom",
}

#: One line per kind, for ``rnnloss list`` and the docs.
KIND_SUMMARIES: dict[str, str] = {
    "mse": "mean squared error between values y and predictions yhat",
    "bce": "binary cross-entropy of probabilities yhat against 0/1 targets y",
    "nll": "negative log-likelihood of the true class (one-hot y or class indices)",
    "cce": "categorical cross-entropy over observations and classes",
    "hinge": "hinge loss max(0, 1 - y*yhat) with labels -1/+1",
    "ctc": "CTC: listed alignments (the handout's method, audited) and exact forward-algorithm CTC",
    "sequence": "sequence cross-entropy -Σ_t Σ_c y ln ŷ over padded batches (sum or means)",
    "sequence_hinge": "hinge loss per time step max(0, 1 - y_t ŷ_t), labels -1/+1, with padding",
    "reinforce": "REINFORCE: loss -Σ_t A_t ln π(y_t|s_t), discounted returns and a baseline",
    "custom": "a weighted sum Σ_i w_i L_i of other problems (inline or files), nested allowed",
}


def parse_problem(data: Any, lines: dict, file: str, path: tuple = ()) -> Any:
    """Validate parsed YAML (a mapping with ``kind``) into that kind's Problem."""
    f = Fields(data, lines, file, path)
    kind = f.text("kind")
    if kind not in PARSERS:
        close = difflib.get_close_matches(kind, list(PARSERS), n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        raise f.error(f"unknown kind {kind!r}; {hint}known kinds: {', '.join(PARSERS)}", "kind")
    return parser_for(kind)(f, kind)


def parser_for(kind: str) -> Callable[[Fields, str], Any]:
    """The parser registered for ``kind``, importing its module now."""
    module, name = PARSERS[kind].split(":")
    return getattr(importlib.import_module(f"rnnloss_cli.problem.{module}"), name)


def read_text(path: str) -> str:
    """Read a problem file (``-`` is standard input) with errors as ProblemError."""
    if path == "-":
        return sys.stdin.read()
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ProblemError("no such file", file=path) from None
    except IsADirectoryError:
        raise ProblemError("is a folder; give a problem file (.yaml)", file=path) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ProblemError(f"cannot read: {exc}", file=path) from None


def load_problem(path: str) -> Any:
    """Read, parse and validate one problem file."""
    name = "<stdin>" if path == "-" else path
    data, lines = load_yaml(read_text(path), name)
    if data is None:
        raise ProblemError("the file is empty; expected a mapping with at least 'kind'", file=name)
    return parse_problem(data, lines, name)


def problem_files(paths: list[str]) -> list[str]:
    """Expand folders to their *.yaml / *.yml files (sorted); keep files as given."""
    out: list[str] = []
    for p in paths:
        pp = Path(p)
        if pp.is_dir():
            found = sorted([*pp.glob("*.yaml"), *pp.glob("*.yml")])
            out.extend(str(x) for x in found)
        else:
            out.append(p)
    return out
