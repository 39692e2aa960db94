"""`rnnloss ctc decode`: the loss −ln p(π*) is worked from the printed p(π*), a long best
path whose product underflows a double keeps its finite loss, and an infinite loss says why.

Hand arithmetic (a calculator, not the engine): frames (- .5, a .4, b .1) twice: π* = --,
p(π*) = .5 × .5 = .25, −ln .25 = 1.386294 (1.4 at -p 1), where −ln .3 (.25 at 1 decimal)
= 1.204 would give 1.2. 2,000 frames of (- .4, a .3, b .3): p(π*) = .4^2000 = 10^-795.88
(below a double), −ln p(π*) = 2000 ln 2.5 = 1832.581464. A frame of zeros: every path has
probability 0 there.
"""

from __future__ import annotations

import math

from typer.testing import CliRunner

from rnnloss_cli.cli.app import app
from rnnloss_cli.solve.ctc_tools import decode_result

runner = CliRunner()


def test_the_loss_is_worked_from_the_printed_best_path_probability():
    argv = ["ctc", "decode", "--emissions", "0.5,0.4,0.1;0.5,0.4,0.1", "--symbols", "-,a,b"]
    done = runner.invoke(app, [*argv, "-p", "1", "-f", "markdown"])
    assert done.exit_code == 0, done.output
    assert "- loss: $-\\ln p(\\pi^*) = -\\ln 0.25 = 1.4$" in done.output, done.output


def test_a_best_path_below_the_doubles_keeps_its_finite_loss():
    r = decode_result([[0.4, 0.3, 0.3]] * 2000, ["-", "a", "b"], "-", from_logits=False,
                      flag="--emissions")  # fmt: skip
    assert math.isclose(r.loss, 2000 * math.log(2.5), rel_tol=1e-12), r.loss


def test_an_infinite_loss_says_why():
    r = decode_result([[0.5, 0.4, 0.1], [0, 0, 0]], ["-", "a", "b"], "-", from_logits=False,
                      flag="--emissions")  # fmt: skip
    assert math.isinf(r.loss)
    assert any("every symbol has probability 0 at frame 2" in w for w in r.warnings), r.warnings
