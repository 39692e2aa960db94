"""A figure name of 5,000 characters in ``mark --answer`` is cut in the message, as every
usage error cuts a value (before: echoed whole, twice, in a 10,000-character line)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from rnnloss_cli.cli import app

runner = CliRunner()
LONG = "x" * 5000


@pytest.mark.parametrize("answer", [f"{LONG}=1", LONG, "loss=1"])
def test_a_long_figure_name_is_cut(answer):
    args = ["mark", "problems/hinge-sequence.yaml", "--answer", answer]
    if answer == "loss=1":  # the same name twice, long
        args = ["mark", "problems/hinge-sequence.yaml", "-a", f"{LONG}=1", "-a", f"{LONG}=2"]
    done = runner.invoke(app, args)
    assert done.exit_code == 2
    assert "(5,000 characters)" in done.output
    assert len(done.output) < 400, done.output[:200]
