"""The summary lines of ``rnnloss train`` read with a pencil: what a ratio divides, and which
held-out examples a score covers (the table shows a few of them, the score all of them)."""

from __future__ import annotations

import re

import numpy as np
import pytest
from typer.testing import CliRunner

from rnnloss_cli.cli.app import app
from rnnloss_cli.train.tasks import TASKS, Batch, SignOfSum, SineForecast

runner = CliRunner()


def _sine_batch(n: int, errors: list[float]) -> tuple[np.ndarray, Batch]:
    """n examples of len(errors) steps, true next values 0, predictions off by errors[t]."""
    steps = len(errors)
    target = np.zeros((steps, n, 1))
    y = np.array(errors, dtype=float)[:, None, None] * np.ones((steps, n, 1))
    return y, Batch(np.zeros((steps, n, 1)), target, {"target_time_major": True})


def test_mse_score_names_the_examples_and_steps_its_rmse_covers():
    # 5 held-out examples of 2 steps: off by 0.3 at step 1, exact at step 2 (the step the
    # table shows). RMSE over all 10 predictions = √((5 × 0.09 + 5 × 0) / 10) = √0.045
    # = 0.2121; over the rows shown (the last step) it would be 0. The score said "RMSE 0.212"
    # beside a table of 4 exact rows.
    y, batch = _sine_batch(5, [0.3, 0.0])
    rep = SineForecast().report(y, batch)
    assert len(rep.rows) == 4
    assert all(float(pred) == float(true) for _, pred, true in rep.rows)
    assert "over the 5 held-out examples" in rep.score
    assert "2 steps" in rep.score and "10 predictions" in rep.score
    assert rep.score.endswith("0.212")


def test_hinge_score_names_the_examples_and_steps_its_accuracy_covers():
    # 5 examples of 2 steps, all labelled +1; the scores are + at step 1 and − at step 2:
    # accuracy = 5 right of 10 signs = 50%.
    task = SignOfSum()
    y = np.stack([np.ones((5, 1)), -np.ones((5, 1))])  # (T=2, N=5, 1)
    batch = Batch(np.zeros((2, 5, 1)), np.ones((5, 2)))
    rep = task.report(y, batch)
    assert "over the 5 held-out examples" in rep.score
    assert "10 signs" in rep.score and rep.score.endswith("50%")


@pytest.mark.parametrize("loss", list(TASKS))
def test_every_score_says_how_many_held_out_examples_it_covers(loss: str):
    """Each task holds out 8 examples; the table shows 4 of them (all 8 for ctc)."""
    result = runner.invoke(app, ["train", "--loss", loss, "--epochs", "1"])
    assert result.exit_code == 0, result.output
    assert "8 held-out" in result.output.splitlines()[-1], result.output


def test_terminal_ratio_line_says_what_it_divides_and_redoes_with_a_pencil():
    # It printed "loss per epoch: 0.2613 → 0.0105" then "before training 0.5258;
    # final/initial = 0.02": the ratio divides by the loss before training, not by the first
    # number shown. The line must name both and give numbers that redo from the screen.
    result = runner.invoke(app, ["train", "--loss", "mse", "--epochs", "3"])
    assert result.exit_code == 0, result.output
    out = result.output
    final = re.search(r"per epoch: [\d.]+ → ([\d.]+)\n", out).group(1)
    before = re.search(r"before training ([\d.]+);", out).group(1)
    m = re.search(r"final / before training = ([\d.]+) / ([\d.]+) = ([\d.e+-]+)", out)
    assert m, out
    assert (m.group(1), m.group(2)) == (final, before)
    # the quotient of the two printed numbers, to the digits the ratio is printed with
    shown = m.group(3)
    digits = len(shown.split(".")[1]) if "." in shown else 0
    assert round(float(final) / float(before), digits) == pytest.approx(float(shown))


@pytest.mark.parametrize("loss", ["mse", "ctc"])
def test_page_ratio_line_names_the_loss_before_training(loss: str):
    result = runner.invoke(app, ["train", "--loss", loss, "--epochs", "2", "--format", "markdown"])
    assert result.exit_code == 0, result.output
    assert "final / before training = " in result.output
    assert "final / initial" not in result.output


@pytest.mark.parametrize("loss", ["ctc", "mse"])
def test_terminal_numbers_read_as_on_the_page(loss: str):
    """The terminal printed "final / before training = 0.0027 / 5.3222 = 0.000507" for the
    seeded ctc run, the page "0.0027415 / 5.32225 = 0.0005151" (true ratio 0.000515): the
    terminal divided numbers rounded to 4 decimals. Both now print the page's digits."""
    term = runner.invoke(app, ["train", "--loss", loss])
    page = runner.invoke(app, ["train", "--loss", loss, "--format", "markdown"])
    assert term.exit_code == 0 and page.exit_code == 0, term.output + page.output
    ratio = re.search(r"final / before training = (\S+) / (\S+) = (\S+)\n", term.output)
    assert ratio, term.output
    assert f"final / before training = {ratio[1]} / {ratio[2]} = {ratio[3]}" in page.output
    cells = dict(re.findall(r"^\| (\d+) \| (\S+) \|$", page.output, re.M))
    first, final = re.search(r"per epoch: (\S+) → (\S+)\n", term.output).groups()
    before = re.search(r"before training (\S+);", term.output)[1]
    last = max(cells, key=int)
    assert (first, final, before) == (cells["1"], cells[last], cells["0"])
    assert (ratio[1], ratio[2]) == (final, before)
