"""Helpers of the hostile-input engine tests: run a call with numpy's warnings as errors."""

from __future__ import annotations

import warnings

import pytest

from rnnloss_cli import engine
from rnnloss_cli.engine.errors import EngineError

#: The losses (and gradients) that take integer class targets.
CLASS_FNS = [
    engine.nll_loss,
    engine.nll_loss_grad,
    engine.cross_entropy,
    engine.cross_entropy_grad,
]


def quiet(fn):
    """Run ``fn`` with warnings as errors and return its result."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return fn()


def engine_error_of(fn) -> EngineError:
    """Run ``fn`` with warnings as errors; return the EngineError it must raise, whose
    message is one line."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(EngineError) as info:
            fn()
    assert "\n" not in str(info.value)
    return info.value


def engine_error(fn) -> str:
    """The one-line message of the EngineError ``fn`` must raise (see engine_error_of)."""
    return str(engine_error_of(fn))
