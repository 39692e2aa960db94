"""Training settings: a bad flag value is a ProblemError naming the flag, before any work."""

from __future__ import annotations

import subprocess
import sys

import pytest

from rnnloss_cli.errors import ProblemError
from rnnloss_cli.limits import MAX_EPOCHS, MAX_HIDDEN
from rnnloss_cli.train.optim import make_optimizer
from rnnloss_cli.train.run import run_and_show, train

NAN, INF = float("nan"), float("inf")


@pytest.mark.parametrize(
    "flag, settings",
    [
        ("--lr", {"lr": NAN}),
        ("--lr", {"lr": INF}),
        ("--lr", {"lr": -INF}),
        ("--lr", {"lr": 0.0}),
        ("--lr", {"lr": -0.1}),
        ("--lr", {"lr": 10**400}),  # an int too large for a float
        ("--clip", {"clip": NAN}),
        ("--clip", {"clip": INF}),
        ("--clip", {"clip": -1.0}),
        ("--epochs", {"epochs": 0}),
        ("--epochs", {"epochs": -3}),
        ("--epochs", {"epochs": 2.5}),
        ("--epochs", {"epochs": MAX_EPOCHS + 1}),  # 10^20 ran for ever before the limit
        ("--epochs", {"epochs": 10**20}),
        ("--hidden", {"hidden": 0}),
        ("--hidden", {"hidden": MAX_HIDDEN + 1}),
        ("--seed", {"seed": -1}),
        ("--optimizer", {"optimizer": "rmsprop"}),
    ],
)
def test_bad_setting_is_a_problem_error_naming_the_flag(flag: str, settings: dict):
    with pytest.raises(ProblemError) as info:
        train("mse", **settings)
    assert (info.value.file, info.value.field) == ("<command line>", flag), str(info.value)
    assert "\n" not in str(info.value)


def test_run_and_show_checks_settings_before_drawing_anything():
    """The display reads TASKS[loss] first: an unknown loss must not be a KeyError there."""
    with pytest.raises(ProblemError, match="--loss"):
        run_and_show("mae", epochs=1, seed=0, optimizer="adam", clip=1.0)
    with pytest.raises(ProblemError, match="--epochs"):
        run_and_show("mse", epochs=0, seed=0, optimizer="adam", clip=1.0)


def test_in_range_edges_are_accepted():
    """epochs 1, hidden 1, clip 0 (off) and a tiny lr all train (one epoch, a number out)."""
    res = train("mse", epochs=1, hidden=1, clip=0, lr=1e-12)
    assert len(res.history) == 1 and res.clip is None and res.task.hidden == 1


def test_unknown_optimizer_name_in_make_optimizer_is_a_problem_error():
    with pytest.raises(ProblemError, match="expected one of sgd, adam, got 'rmsprop'"):
        make_optimizer("rmsprop")


@pytest.mark.parametrize("flags", [["--lr", "nan"], ["--lr", "1e6"], ["--clip", "inf"]])
def test_cli_train_bad_flag_or_divergence_exits_2_with_one_line(flags: list[str]):
    proc = subprocess.run(
        [sys.executable, "-m", "rnnloss_cli", "train", "--loss", "mse", "--epochs", "2", *flags],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2, proc.stderr
    # one line naming the flag (--lr nan: "error: --lr: ..."; a divergence names --lr in it)
    assert proc.stderr.startswith("error: ") and proc.stderr.count("\n") == 1, proc.stderr
    assert flags[0] in proc.stderr and "Traceback" not in proc.stderr
