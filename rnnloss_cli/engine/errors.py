"""The engine's one error type: an argument the engine cannot compute with.

``EngineError`` subclasses ``ValueError`` so that numpy-style callers catching ``ValueError``
keep working; the CLI maps only this (and the problem-file error) to exit 2, so a bug that
raises a plain ``ValueError`` inside numpy or the engine is reported as an internal error.
"""

from __future__ import annotations


class EngineError(ValueError):
    """A bad argument to an engine function: the message names it, the expected and the got."""
