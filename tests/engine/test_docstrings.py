"""The examples in the engine's docstrings run, so the formulas we document cannot go stale."""

from __future__ import annotations

import doctest
import importlib

import pytest

from rnnloss_cli import engine
from rnnloss_cli.engine import ctc

MODULES = sorted({f"rnnloss_cli.engine.{m}" for m in engine._EXPORTS.values()})
# Public functions whose docstring must carry a runnable, hand-worked example.
MUST_HAVE_EXAMPLES = [
    ctc.ctc_loss,
    ctc.ctc_loss_and_grad,
    ctc.ctc_trace,
    # the gradients and helpers an engineer calls beside the losses (their values worked by
    # hand in the docstring, with the sign and the reduction's scale)
    engine.binary_cross_entropy_grad,
    engine.hinge_loss_grad,
    engine.mse_grad,
    engine.nll_loss_grad,
    engine.categorical_cross_entropy_grad,
    engine.bce_clamped_logs,
    engine.softmax,
    engine.log_softmax,
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0


@pytest.mark.parametrize("func", MUST_HAVE_EXAMPLES, ids=lambda f: f.__name__)
def test_function_has_examples_that_run(func):
    tests = doctest.DocTestFinder().find(func, globs={func.__name__: func})
    examples = [ex for t in tests for ex in t.examples if ex.want]
    assert examples, f"{func.__name__} has no example with an expected output"
    runner = doctest.DocTestRunner()
    for t in tests:
        runner.run(t)
    assert runner.summarize(verbose=False).failed == 0


@pytest.mark.parametrize("func", MUST_HAVE_EXAMPLES, ids=lambda f: f.__name__)
def test_a_wrong_number_in_an_example_fails(func):
    """The checker really compares: change the last digit of every expected output."""
    doc = func.__doc__
    parser = doctest.DocTestParser()
    n_examples = len(parser.get_examples(doc))
    changed = 0
    for k in range(n_examples):
        test = parser.get_doctest(doc, {func.__name__: func}, func.__name__, None, 0)
        ex = test.examples[k]
        if not any(ch.isdigit() for ch in ex.want):
            continue
        i = max(j for j, ch in enumerate(ex.want) if ch.isdigit())
        ex.want = ex.want[:i] + str((int(ex.want[i]) + 1) % 10) + ex.want[i + 1 :]
        runner = doctest.DocTestRunner()
        runner.run(test, out=lambda _: None)
        assert runner.summarize(verbose=False).failed == 1, ex.source
        changed += 1
    assert changed


def test_every_public_name_resolves():
    for name in engine.__all__:
        assert callable(getattr(engine, name)), name
