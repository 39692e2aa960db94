"""Issue 13 item 8: the REINFORCE figures and baselines described for what they are."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rnnloss_cli.cli import app

PROBLEMS = Path(__file__).resolve().parents[2] / "problems"
runner = CliRunner()


def test_per_step_reward_objective_beside_the_discounted_one():
    out = runner.invoke(
        app, ["solve", str(PROBLEMS / "reinforce-episode.yaml"), "--format", "json"]
    ).output
    doc = json.loads(out)
    # the handout's Σ_t r_t ln π with rewards 1, 0, 1: ln 0.9 + 0 + ln 0.7 = −0.462
    assert doc["figures"]["objective_per_step_rewards"] == pytest.approx(
        math.log(0.9) + math.log(0.7), abs=1e-12
    )
    labels = [s["label"] for s in doc["steps"]]
    assert any("discounted returns" in label for label in labels)
    assert not any("handout's Σ_t R_t" in label for label in labels)


def test_mean_baseline_is_not_called_unbiased():
    out = runner.invoke(app, ["explain", "reinforce"], env={"COLUMNS": "200"}).output
    assert "e.g. the mean return" not in out
    assert "biased" in out
    one = runner.invoke(
        app,
        ["solve", "-"],
        input="kind: reinforce\nprobs: [0.9]\nrewards: [5]\ngamma: 1\nbaseline: mean\n",
    ).output
    assert "biases the gradient" in one
