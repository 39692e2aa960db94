"""Helpers of the hostile-input engine tests: run a call with numpy's warnings as errors."""

from __future__ import annotations

import warnings

import pytest

from rnnloss_cli.engine.errors import EngineError


def quiet(fn):
    """Run ``fn`` with warnings as errors and return its result."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return fn()


def engine_error(fn) -> str:
    """Run ``fn`` with warnings as errors; return the one-line EngineError it must raise."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(EngineError) as info:
            fn()
    message = str(info.value)
    assert "\n" not in message
    return message
