"""A number and its negative print with the same digits (render.text.digit_key keys a
magnitude). problems/bptt-three-steps-cross-entropy.yaml has W_hy = [1, −1], so o_1 =
(tanh 1, −tanh 1) = (0.761594, −0.761594): h_1 = 0.7616 carries a guard digit (an operand
of a printed line), and the forward table printed o_1 as 0.7616 beside −0.762; likewise
g_3 = (0.588924, −0.588924) as 0.5889 beside −0.589."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from rnnloss_cli.cli import app
from rnnloss_cli.render.text import digit_key

PROBLEM = Path(__file__).parents[2] / "problems" / "bptt-three-steps-cross-entropy.yaml"
runner = CliRunner()


def _row(lines: list[str], title: str, first: str) -> list[str]:
    at = lines.index(next(x for x in lines if x.startswith(f"**{title}")))
    for line in lines[at:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        if cells and cells[0] == first:
            return cells
    raise AssertionError(f"no row {first} under {title}")


def test_x_and_minus_x_share_a_key():
    assert digit_key(-0.761594155956) == digit_key(0.761594155956)
    assert digit_key(-1e-300) == digit_key(1e-300)


def test_a_value_and_its_negative_print_alike():
    done = runner.invoke(app, ["solve", str(PROBLEM), "-f", "markdown"])
    assert done.exit_code == 0, done.output
    lines = done.output.splitlines()
    forward = _row(lines, "forward pass", "1")
    assert forward[5:7] == ["0.7616", "−0.7616"], forward
    backward = _row(lines, "backward pass", "3")
    assert backward[1:3] == ["0.5889", "−0.5889"], backward
