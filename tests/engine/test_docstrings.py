"""The examples in the engine's docstrings run, so the formulas we document cannot go stale."""

from __future__ import annotations

import doctest
import importlib

import pytest

from rnnloss_cli import engine

MODULES = sorted({f"rnnloss_cli.engine.{m}" for m in engine._EXPORTS.values()})


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0


def test_every_public_name_resolves():
    for name in engine.__all__:
        assert callable(getattr(engine, name)), name
