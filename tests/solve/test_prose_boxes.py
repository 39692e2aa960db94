"""Result boxes and prose of the CTC, RNN-T and sequence solvers: a probability too small for
a double is printed from its log, not as 0, beside the finite loss it gives.

Hand arithmetic (RNN-T, T = 1, the empty target, symbols (-, a, b), logits (0, 1e9, 1e9)):
the only path is the one blank, so ln p(y|x) = 0 − ln(e^0 + e^1e9 + e^1e9)
= −(1e9 + ln 2) and the loss is 1e9 + ln 2 = 1000000000.693. In base 10,
p = 10^(−L / ln 10) = 10^(−434294482.20428…) = 10^0.79572 × 10^(−434294483)
= 6.2477e-434294483 (50-digit decimals: ln 2 = 0.69314718…, ln 10 = 2.30258509…).
"""

from __future__ import annotations

from typer.testing import CliRunner

from rnnloss_cli.cli import app

runner = CliRunner()


def run(*args: str, input: str | None = None):
    return runner.invoke(app, list(args), input=input, env={"COLUMNS": "200", "NO_COLOR": "1"})


RNNT_TINY = """\
kind: rnnt
title: a blank of probability e^(-1e9 - ln 2)
symbols: ["-", a, b]
target: ""
logits: [[[0, 1e9, 1e9]]]
"""


def test_rnnt_box_prints_an_underflowing_probability_from_its_log():
    r = run("solve", "-", input=RNNT_TINY)
    assert r.exit_code == 0, r.output
    assert "loss = 1000000000.693 nats" in r.output
    assert "probability = 0\n" not in r.output and "probability = 0 " not in r.output
    assert "probability = 6.25e-434294483" in r.output, r.output


def test_rnnt_probability_figure_stays_a_number_for_keys_and_json():
    # the key compares the float (0 in float64: within any tolerance of 0)
    r = run("solve", "-", input=RNNT_TINY + "answer:\n  probability: 0\n")
    assert r.exit_code == 0, r.output
    r = run("solve", "-", "--format", "json", input=RNNT_TINY)
    assert r.exit_code == 0, r.output
    assert '"probability": 0.0' in r.output
