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


# MSE of y = [10], yhat = [0]: (10 - 0)² / 1 = 100. A key of 99 is wrong by 1.
HUNDRED = "kind: mse\ny: [10]\nyhat: [0]\ntolerance: {tol}\nanswer: {{loss: {key}}}\n"


@pytest.mark.parametrize(
    ("tol", "key", "code"),
    [
        # 11 > 9.9 = 10% of |99|: |100 - 99| = 1 ≤ 11, the wrong key passed silently
        ("11", "99", 0),
        # 0.9 > 0.025 = 10% of |0.25|: |100 - 0.25| = 99.75 > 0.9, a mismatch as before
        ("0.9", "0.25", 1),
    ],
)
def test_a_tolerance_over_a_tenth_of_the_key_is_warned_on_one_line(
    tmp_path: Path, tol: str, key: str, code: int
):
    f = tmp_path / "typo.yaml"
    f.write_text(HUNDRED.format(tol=tol, key=key))
    result = runner.invoke(app, ["check", str(f)])
    assert result.exit_code == code, result.output  # the exit code is unchanged
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1, result.stderr
    assert warnings[0].startswith(f"warning: {f}:4: field 'tolerance': {tol} "), warnings
    assert "10%" in warnings[0], warnings


@pytest.mark.parametrize(
    ("text", "code"),
    [
        (HUNDRED.format(tol="9", key="99"), 0),  # 9 ≤ 9.9 = 10% of 99: no warning
        (HUNDRED.format(tol="0", key="100"), 0),  # exact, and exactly met
        ("kind: mse\ny: [10]\nyhat: [0]\nanswer: {loss: 100}\n", 0),  # default tolerance
        ("kind: mse\ny: [10]\nyhat: [0]\ntolerance: 0.5\nanswer: {loss: 0}\n", 1),  # key 0
    ],
)
def test_a_usual_tolerance_gives_no_warning(tmp_path: Path, text: str, code: int):
    f = tmp_path / "fine.yaml"
    f.write_text(text)
    result = runner.invoke(app, ["check", str(f)])
    assert result.exit_code == code, result.output
    assert "warning" not in result.stderr, result.stderr


def test_a_mismatch_only_from_float_rounding_under_a_zero_tolerance_is_explained(
    tmp_path: Path,
):
    # (0.1² + 0.2²) / 2 = (0.01 + 0.04) / 2 = 0.025 by hand, but float64 rounds 0.1 and 0.2,
    # so the computed MSE is a step or two of float64 away from 0.025:
    assert (0.1**2 + 0.2**2) / 2 != 0.025
    f = tmp_path / "exact.yaml"
    for tol in ("0", "1e-20"):
        f.write_text(
            f"kind: mse\ny: [0, 0]\nyhat: [0.1, 0.2]\ntolerance: {tol}\nanswer: {{loss: 0.025}}\n"
        )
        result = runner.invoke(app, ["check", str(f)])
        assert result.exit_code == 1, result.output  # still a mismatch: the exit code stays
        warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
        assert len(warnings) == 1, result.stderr
        assert warnings[0].startswith(f"warning: {f}:4: field 'tolerance': {tol} "), warnings
        assert "rounding" in warnings[0], warnings


def test_text_figures_beside_an_explicit_tolerance_are_not_warned_about(tmp_path: Path):
    # greedy: the best symbol is '-' (0.5) at both frames, path '--' -> "", p = 0.5 · 0.5 =
    # 0.25; beam 2 finds "a": 'a-' + '-a' + 'aa' = 0.4·0.5 + 0.5·0.4 + 0.4·0.4 = 0.56.
    # The text figures ("", a) once reached the tolerance rule and crashed check (exit 4).
    f = tmp_path / "decode.yaml"
    f.write_text(
        'kind: ctc_decode\nsymbols: ["-", a, b]\nblank: "-"\nbeam: 2\n'
        "emissions: [[0.5, 0.4, 0.1], [0.5, 0.4, 0.1]]\ntolerance: 0.001\n"
        'answer: {greedy: "", greedy_prob: 0.25, beam: a, beam_prob: 0.56}\n'
    )
    result = runner.invoke(app, ["check", str(f)])
    assert result.exit_code == 0, result.output + result.stderr
    assert result.stderr == "", result.stderr


def test_solve_warns_about_a_suspicious_tolerance_as_check_does(tmp_path: Path):
    # solve checks the key too: tolerance 11 passed the wrong key 99 against 100 silently
    f = tmp_path / "typo.yaml"
    f.write_text(HUNDRED.format(tol="11", key="99"))
    for args in (["solve", str(f)], ["solve", str(f), "--format", "json"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
        assert result.stderr.count("\n") == 1, result.stderr
        assert result.stderr.startswith(f"warning: {f}:4: field 'tolerance': 11 "), result.stderr


def test_a_key_smaller_than_the_default_tolerance_is_warned_about(tmp_path: Path):
    # (0.002 − 0.001)² = 1e-6 by hand: under the default tolerance 5e-4 the key passes any
    # answer from −0.0005 to 0.0005, 0 and a wrong 2e-6 too, so the check checks nothing.
    f = tmp_path / "tiny.yaml"
    f.write_text("kind: mse\ny: [0.001]\nyhat: [0.002]\nanswer: {loss: 1e-6}\n")
    result = runner.invoke(app, ["check", str(f)])
    assert result.exit_code == 0, result.output  # the exit code is unchanged
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1, result.stderr
    assert "default tolerance 0.0005" in warnings[0] and "loss = 1e-06" in warnings[0], warnings
    # a tolerance written for it quiets the warning
    f.write_text("kind: mse\ny: [0.001]\nyhat: [0.002]\ntolerance: 5e-9\nanswer: {loss: 1e-6}\n")
    result = runner.invoke(app, ["check", str(f)])
    assert (result.exit_code, result.stderr) == (0, ""), result.output


@pytest.mark.parametrize(
    ("key", "hint"),
    [
        (2.5e-6, "5e-09 checks 3 significant digits"),
        (1e-320, "5e-324 checks 3 significant digits"),  # 5e-324: the finest double
        (1e-323, "0 checks it exactly"),  # 5e-326 is no double: it read as 0e+00
    ],
)
def test_the_default_tolerance_warning_suggests_a_tolerance_that_exists(key, hint):
    # Found by hand: `answer: 1e-320` was told "write a tolerance (0e+00 checks 3
    # significant digits)": 5 x 10^(-321-3) underflowed to 0, and 0 checks bit for bit.
    from rnnloss_cli.problem.base import tolerance_warning

    warning = tolerance_warning(5e-4, key, key, "loss", given=False)
    assert warning is not None and hint in warning, warning
    assert "0e+00" not in warning
