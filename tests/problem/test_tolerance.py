"""A tolerance must be under max(1, |key|): a looser one passes the key whatever is computed.

The rule (``problem.base.loose_tolerance``) is the Moodle export's: a tolerance of |key| or
more accepts 0 and answers of the other sign. Hand arithmetic for the file below:
MSE = ((1 - 1.5)² + (2 - 2.5)²) / 2 = (0.25 + 0.25) / 2 = 0.25; ``tolerance`` is on line 4.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from rnnloss_cli.cli import app

runner = CliRunner()

QUARTER = "kind: mse\ny: [1, 2]\nyhat: [1.5, 2.5]\ntolerance: {tol}\nanswer: {{loss: {key}}}\n"


@pytest.mark.parametrize(
    ("tol", "key", "expected"),
    [
        # 1e300 ≥ max(1, 99) = 99: the wrong key 99 passed against 0.25
        ("1.0e+300", "99", "expected less than 99"),
        # a typo for 5e-4: 5 ≥ max(1, 0.25) = 1 accepts -4.75 .. 5.25
        ("5", "0.25", "expected less than 1"),
        # 3 ± 3 reaches 0: the wrong key 3 passed against 0.25
        ("3", "3", "expected less than 3"),
    ],
)
def test_a_tolerance_that_accepts_anything_is_refused_on_one_line(
    tmp_path: Path, tol: str, key: str, expected: str
):
    f = tmp_path / "loose.yaml"
    f.write_text(QUARTER.format(tol=tol, key=key))
    result = runner.invoke(app, ["check", str(f)])
    assert result.exit_code == 2, result.output
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith(f"error: {f}:4: field 'tolerance': "), result.stderr
    assert expected in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("tol", "key", "code"),
    [
        ("0.9", "0.25", 0),  # 0.9 < max(1, 0.25) = 1: allowed, and |0.25 - 0.25| = 0
        ("98.9", "99", 0),  # 98.9 < 99: allowed; |0.25 - 99| = 98.75 ≤ 98.9, so it passes
        ("0", "0.25", 0),  # exact
        ("0.5", "0.9", 1),  # allowed; |0.25 - 0.9| = 0.65 > 0.5: a mismatch, not bad input
    ],
)
def test_a_tolerance_under_the_key_s_size_is_checked_as_before(
    tmp_path: Path, tol: str, key: str, code: int
):
    f = tmp_path / "ok.yaml"
    f.write_text(QUARTER.format(tol=tol, key=key))
    result = runner.invoke(app, ["check", str(f)])
    assert result.exit_code == code, result.output


def test_an_infinite_key_takes_any_tolerance(tmp_path: Path):
    # target AA needs 3 frames (a blank between the A's); over 2, p = 0 and the loss is +inf
    f = tmp_path / "short.yaml"
    f.write_text(
        "kind: ctc\ntarget: AA\nprobs: {A: 0.5, '-': 0.5}\nframes: 2\nmethod: exact\n"
        "tolerance: 10\nanswer: .inf\n"
    )
    result = runner.invoke(app, ["check", str(f)])
    assert result.exit_code == 0, result.output


# One-unit Elman RNN of problems/bptt-two-steps.yaml; gradients worked by hand there:
# dL/dW_hy = h1 g1 + h2 g2 = 0.800021, dL/db_y = g1 + g2 = 1.787851.
BPTT = (
    "kind: bptt\nloss: squared_error\nreduction: sum\nx: [[1.0], [0.0]]\n"
    "targets: [[0.0], [0.0]]\nW_xh: [[0.5]]\nW_hh: [[1.0]]\nb_h: [0.0]\nW_hy: [[1.0]]\n"
    "b_y: [0.0]\nh0: [0.0]\ntolerance: 1.5\nanswer:\n  grads:\n    {name}: {value}\n"
)


def test_every_entry_of_an_array_key_is_held_to_the_rule(tmp_path: Path):
    f = tmp_path / "grads.yaml"
    f.write_text(BPTT.format(name="W_hy", value="[[0.800021]]"))  # 1.5 ≥ max(1, 0.800021)
    result = runner.invoke(app, ["check", str(f)])
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"error: {f}:12: field 'tolerance': "), result.stderr
    assert "grads.W_hy[0][0] = 0.800021" in result.stderr, result.stderr
    f.write_text(BPTT.format(name="b_y", value="[1.787851]"))  # 1.5 < 1.787851: allowed
    result = runner.invoke(app, ["check", str(f)])
    assert result.exit_code == 0, result.output
