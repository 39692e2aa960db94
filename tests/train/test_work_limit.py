"""The work of one training run is bounded (limits.MAX_TRAIN_WORK), defaults untouched."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from rnnloss_cli.cli import app
from rnnloss_cli.errors import ProblemError
from rnnloss_cli.limits import MAX_TRAIN_WORK
from rnnloss_cli.train import tasks
from rnnloss_cli.train.run import check_settings

ADAM = {"seed": 0, "optimizer": "adam", "clip": 1.0, "lr": None}


@pytest.mark.parametrize("loss", list(tasks.TASKS))
def test_every_default_run_is_within_the_limit(loss: str):
    check_settings(loss, epochs=None, hidden=None, **ADAM)


def test_ctc_epochs_are_capped_by_the_work_they_cost():
    """ctc: 256 examples x 12 frames x (32² + 32²) = 256 x 12 x 2048 = 6,291,456 units an
    epoch; 10^10 / 6,291,456 = 1589.5, so 1589 epochs pass and 1590 do not. 10000 epochs
    ran for 5.5 minutes (MAX_EPOCHS alone allowed them)."""
    assert MAX_TRAIN_WORK == 10**10
    check_settings("ctc", epochs=1589, hidden=None, **ADAM)
    for epochs in (1590, 10_000):
        with pytest.raises(ProblemError) as info:
            check_settings("ctc", epochs=epochs, hidden=None, **ADAM)
        assert info.value.field == "--epochs"
        message = str(info.value)
        assert "MAX_TRAIN_WORK" in message and "at most 1589 epochs" in message
        assert "\n" not in message


def test_hidden_size_counts_in_the_work():
    """ctc with hidden 512: 256 x 12 x (512² + 32²) = 3072 x 263,168 = 808,452,096 units an
    epoch, so its default 25 epochs (2.0 x 10^10) are refused naming --hidden; 12 pass
    (9.7 x 10^9) and 13 (1.05 x 10^10) do not."""
    with pytest.raises(ProblemError) as info:
        check_settings("ctc", epochs=None, hidden=512, **ADAM)
    assert info.value.field == "--hidden" and "at most 12 epochs" in str(info.value)
    check_settings("ctc", epochs=12, hidden=512, **ADAM)
    with pytest.raises(ProblemError, match="MAX_TRAIN_WORK"):
        check_settings("ctc", epochs=13, hidden=512, **ADAM)


def test_cli_train_ctc_10000_epochs_is_one_line_before_any_work(monkeypatch):
    def no_work(self, n, rng):
        raise AssertionError("training started")

    monkeypatch.setattr(tasks.SpellWords, "make", no_work)
    result = CliRunner().invoke(app, ["train", "--loss", "ctc", "--epochs", "10000"])
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "--epochs" in lines[0] and "MAX_TRAIN_WORK" in lines[0]
