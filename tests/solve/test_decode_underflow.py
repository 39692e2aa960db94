"""CTC decoding's probability figures printed from their logs: a greedy labelling of
probability (1/3)^700 is 0 as a double, and the result box said "greedy_prob = 0" beside
a finite loss.

Hand arithmetic: logits (0, 0, 0) on every one of T = 700 frames give y_t(k) = 1/3. The
argmax takes the first of tied symbols, the blank, on every frame, so π* = "-" × 700 and
B(π*) is the empty labelling, whose only alignment is π* itself:
p("") = P(π*) = (1/3)^700, ln = −700 ln 3 = −769.0286…, log10 = −700 × 0.4771212547…
= −333.98487830… = 0.01512169… − 334, and 10^0.01512169… = 1.03543…: 1.04e-334 at
three significant digits (below the smallest double, 4.9e-324).
"""

from __future__ import annotations

import json
import math
import re
from decimal import Decimal, getcontext

from typer.testing import CliRunner

from rnnloss_cli.cli import app

UNIFORM_700 = (
    "kind: ctc_decode\n"
    "title: uniform over 700 frames\n"
    'symbols: ["-", a, b]\n'
    "beam: 2\n"
    "logits:\n" + "".join("  - [0, 0, 0]\n" for _ in range(700))
)


def run(*args: str):
    return CliRunner().invoke(
        app, ["solve", "-", *args], input=UNIFORM_700, env={"COLUMNS": "200", "NO_COLOR": "1"}
    )


def test_the_decode_box_prints_underflowing_probabilities_from_their_logs():
    r = run()
    assert r.exit_code == 0, r.output
    assert re.search(r"greedy_prob = 0\b", r.output) is None, r.output
    assert "greedy_prob = 1.04e-334" in r.output, r.output
    assert "greedy_path_prob = 1.04e-334" in r.output, r.output
    # the beam's figure is e^(−loss), the loss printed beside it (worked in decimal)
    loss = Decimal(re.search(r"loss = ([0-9.]+) nats", r.output).group(1))
    getcontext().prec = 30
    ten = -loss / Decimal(10).ln()
    exponent = math.floor(ten)
    mantissa = Decimal(10) ** (ten - exponent)
    printed = re.search(r"beam_prob = ([0-9.]+)e-(\d+)", r.output)
    assert printed is not None, r.output
    assert -int(printed.group(2)) == exponent
    assert abs(Decimal(printed.group(1)) - mantissa) < Decimal("0.006")


def test_the_decode_figures_stay_floats_in_json():
    r = run("--format", "json")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.output)
    # (1/3)^700 is 0 as a double: JSON and keys read the float
    assert doc["figures"]["greedy_prob"] == 0.0
    assert doc["figures"]["greedy_path_prob"] == 0.0
