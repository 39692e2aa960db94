"""The engine's one error type: an argument the engine cannot compute with.

``EngineError`` subclasses ``ValueError`` so that numpy-style callers catching ``ValueError``
keep working; the CLI maps only this (and the problem-file error) to exit 2, so a bug that
raises a plain ``ValueError`` inside numpy or the engine is reported as an internal error.
"""

from __future__ import annotations


class EngineError(ValueError):
    """A bad argument to an engine function: the message names it, the expected and the got."""


def shown(value: object, limit: int = 60) -> str:
    """``value`` as an error message quotes it: its repr on one line, at most ``limit``
    characters. An array is named by its shape (numpy's repr spans lines), an integer past
    64 bits by its size (Python refuses to print one of more than 4300 digits)."""
    shape = getattr(value, "shape", None)
    if isinstance(shape, tuple) and shape:
        return f"an array of shape {shape}"
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 64:
        return f"an integer of {value.bit_length()} bits"
    if isinstance(value, (list, tuple, dict, set, frozenset)) and len(value) > 16:
        return f"a {type(value).__name__} of {len(value)} items"
    try:
        text = repr(value)
    except Exception:  # a failing __repr__, or a huge integer inside a container
        return f"a {type(value).__name__}"
    text = " ".join(line.strip() for line in text.splitlines())
    return text if len(text) <= limit else text[: limit - 3] + "..."
