"""JSON writes no negative zero: -0.0 (a gradient entry -y/p with y = 0, kept by the engine as
PyTorch's) reads as a sign where there is none; 0.0 is the same number."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from rnnloss_cli.cli import app

runner = CliRunner()


def _floats(x):
    if isinstance(x, float):
        yield x
    elif isinstance(x, dict):
        for v in x.values():
            yield from _floats(v)
    elif isinstance(x, list):
        for v in x:
            yield from _floats(v)


def test_cce_gradient_zeros_are_written_as_zero():
    # d/dyhat of -(1 ln 0.5 + 0 ln 0.5): -1/0.5 = -2 and -0/0.5 = 0
    result = runner.invoke(app, ["cce", "--y", "1,0", "--yhat", "0.5,0.5", "-f", "json"])
    assert result.exit_code == 0, result.output
    assert "-0.0" not in result.output
    values = list(_floats(json.loads(result.output)))
    assert -2.0 in values and 0.0 in values
