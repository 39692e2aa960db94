"""Short, seeded training runs: each loss falls by a stated factor; runs are reproducible."""

from __future__ import annotations

import pytest

from rnnloss_cli.train.run import sparkline, train


@pytest.mark.parametrize(
    "loss, epochs, factor",
    [
        ("mse", 15, 0.2),  # final epoch loss < 0.2 × the loss before training
        ("cross-entropy", 15, 0.2),
        ("hinge-seq", 15, 0.5),
        ("reinforce", 15, 0.3),  # regret (1 − mean reward)
        ("ctc", 10, 0.2),
    ],
)
def test_loss_falls_by_a_stated_factor(loss: str, epochs: int, factor: float):
    """final loss < factor × initial loss (factor in the parameters) after a short Adam run."""
    res = train(loss, epochs=epochs, seed=0, optimizer="adam", clip=1.0)
    assert res.history[-1] < factor * res.initial, (res.initial, res.history)


def test_sgd_also_trains_mse_to_a_fifth():
    """final loss < 0.2 × initial with SGD + momentum."""
    res = train("mse", epochs=15, seed=0, optimizer="sgd", clip=1.0)
    assert res.history[-1] < 0.2 * res.initial


def test_ctc_decodes_most_held_out_words():
    res = train("ctc", seed=0)
    right = sum(r[2] == r[1] for r in res.report.rows)
    assert right >= 6, res.report.rows


def test_runs_are_deterministic_for_a_seed():
    a = train("hinge-seq", epochs=3, seed=7)
    b = train("hinge-seq", epochs=3, seed=7)
    c = train("hinge-seq", epochs=3, seed=8)
    assert a.history == b.history and a.report.rows == b.report.rows
    assert a.history != c.history


def test_sparkline_bins_and_scales():
    assert sparkline([3.0, 2.0, 1.0]) == "█▅▁"
    assert len(sparkline(list(range(200)), width=50)) == 50
    assert sparkline([1.0, 1.0]) == "▁▁"


def test_unknown_loss_is_a_problem_error_naming_the_flag():
    from rnnloss_cli.errors import ProblemError

    with pytest.raises(ProblemError, match="expected one of mse, ") as info:
        train("nope")
    assert (info.value.file, info.value.field) == ("<command line>", "--loss")


def test_a_narrow_terminal_folds_the_held_out_table_instead_of_cutting_it():
    """At COLUMNS=20 the held-out examples' cells were cut with '…' (best paths as '-a…')."""
    from typer.testing import CliRunner

    from rnnloss_cli.cli import app

    result = CliRunner().invoke(
        app, ["train", "--loss", "ctc", "--epochs", "3"], env={"COLUMNS": "20", "NO_COLOR": "1"}
    )
    assert result.exit_code == 0, result.output
    table = result.stdout.split("held-out examples", 1)[1]
    assert "…" not in table
