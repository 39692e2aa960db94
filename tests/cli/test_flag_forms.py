"""Issue 13 item 9: every documented form of a flag works."""

from __future__ import annotations

import math

import pytest
from typer.testing import CliRunner

from rnnloss_cli.cli import app

runner = CliRunner()


def test_cce_one_observation_class_index_with_logits():
    result = runner.invoke(app, ["cce", "--y", "0", "--logits", "2,1,0", "-f", "json"])
    assert result.exit_code == 0, result.output
    import json

    # −ln softmax([2, 1, 0])[0] = ln(e^2 + e + 1) − 2 = 0.407606
    want = math.log(math.exp(2) + math.e + 1) - 2
    assert json.loads(result.output)["loss"] == pytest.approx(want, abs=1e-12)


def test_cce_lone_non_number_is_bad_input():
    result = runner.invoke(app, ["cce", "--y", "x", "--logits", "2,1,0"])
    assert result.exit_code == 2 and "expected a number" in result.output
