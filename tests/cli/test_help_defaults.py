"""Every --reduction help names the default the command really uses (help vs behaviour)."""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

from rnnloss_cli.cli import app

runner = CliRunner()

#: command, flags of a small problem (the examples of the commands' help)
COMMANDS = [
    ("mse", ["--y", "1,2,3", "--yhat", "1.5,2,2"]),
    ("bce", ["--y", "1,0,1", "--yhat", "0.9,0.2,0.6"]),
    ("hinge", ["--y", "1,-1,1", "--yhat", "0.8,-0.5,0.3"]),
    ("nll", ["--y", "0,1", "--yhat", "0.7,0.2,0.1;0.1,0.8,0.1"]),
    ("cce", ["--y", "1,0,0;0,1,0", "--yhat", "0.7,0.2,0.1;0.1,0.8,0.1"]),
    ("sequence", ["--yhat", "0.7,0.2,0.1;0.1,0.5,0.4", "--targets", "0,1"]),
    ("hinge-seq", ["--y", "1,-1,1", "--yhat", "0.8,-0.5,0.3"]),
    ("reinforce", ["--probs", "0.9,0.6,0.7", "--rewards", "1,0,1", "--gamma", "0.99"]),
]
_DEFAULT = re.compile(r"(\w+) \((?:the )?default")


def _help_default(command: str) -> str:
    out = runner.invoke(app, [command, "--help"], env={"COLUMNS": "200"}).output
    line = next(ln for ln in out.splitlines() if "--reduction" in ln)
    m = _DEFAULT.search(line)
    assert m, f"{command} --reduction help names no default: {line!r}"
    return m.group(1)


def _loss(args: list[str]) -> float:
    r = runner.invoke(app, [*args, "--format", "json"])
    assert r.exit_code == 0, r.output
    return json.loads(r.output)["loss"]


@pytest.mark.parametrize("command, flags", COMMANDS, ids=[c for c, _ in COMMANDS])
def test_reduction_help_states_the_default_the_command_uses(command, flags):
    default = _help_default(command)
    implicit = _loss([command, *flags])
    assert implicit == _loss([command, *flags, "--reduction", default])
    others = {"mean", "sum", "mean_tokens", "mean_sequences"} - {default}
    # The default is told apart: some other reduction gives another number here.
    assert any(
        runner.invoke(app, [command, *flags, "--reduction", o, "--format", "json"]).exit_code == 0
        and _loss([command, *flags, "--reduction", o]) != implicit
        for o in others
    )


def test_pointwise_help_defaults_match_the_problem_files():
    from rnnloss_cli.cli.pointwise import DEFAULT_REDUCTION as CLI
    from rnnloss_cli.problem.pointwise import DEFAULT_REDUCTION as FILES

    assert CLI == FILES
