"""Issue 13 item 5: one name per loss (sequence_hinge / sequence-hinge), the others aliases."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from rnnloss_cli.cli import app

runner = CliRunner()
FLAGS = ["--y", "1,-1,1", "--yhat", "0.8,-0.5,0.3", "-f", "json"]


@pytest.mark.parametrize("name", ["sequence_hinge", "sequence-hinge", "hinge-seq", "hinge_seq"])
def test_new_and_explain_take_every_spelling(name, tmp_path):
    out = tmp_path / "p.yaml"
    result = runner.invoke(app, ["new", name, "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "kind: sequence_hinge" in out.read_text()
    result = runner.invoke(app, ["explain", name])
    assert result.exit_code == 0 and "sequence_hinge" in result.output


@pytest.mark.parametrize("command", ["sequence-hinge", "hinge-seq"])
def test_command_and_its_alias_agree(command):
    import json

    result = runner.invoke(app, [command, *FLAGS])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    # (0.2 + 0.5 + 0.7) / 3 by hand
    assert doc["kind"] == "sequence_hinge" and doc["loss"] == pytest.approx(1.4 / 3)


def test_top_level_help_lists_one_name():
    out = runner.invoke(app, ["--help"], env={"COLUMNS": "120"}).output
    assert "sequence-hinge" in out and "hinge-seq" not in out


def test_train_accepts_the_canonical_name():
    result = runner.invoke(app, ["train", "--loss", "sequence-hinge", "--epochs", "1"])
    assert result.exit_code == 0, result.output
