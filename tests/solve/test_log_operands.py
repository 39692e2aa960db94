"""A log (or −ln) line of forced alignment and RNN-T prints the probability it takes the log
of, so the digits plan gives that probability the digits the log needs: a student redoing
"−ln p(l|x) = 0.72" from the printed p(l|x) = 0.49 gets 0.71.

Hand arithmetic (a calculator, not the engine):

ctc-align-ab.yaml (its comment): p(l|x) = .32 + .1688 = .4888, p(π*) = .7 × .5 × .5 × .5
= .0875. At -p 2: ln .4888 = −0.71581 (−0.72), but ln .49 = −0.71335 (−0.71), so p(l|x)
needs 3 digits: ln .489 = −0.71539 (−0.72) and −ln .489 = 0.72; ln .0875 = −2.43612
(−2.44); share .0875 / .489 = 0.17894 (0.18).

rnnt-ab-two-frames.yaml: p(y|x) = α(1, 2) · y(1, 2, ∅) = .35 × .7 = .245; −ln .245 =
1.40650 (1.41 at -p 2), but −ln .25 (.245 at 2 digits) = 1.38629 (1.39).
"""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from rnnloss_cli.cli.app import app

PROBLEMS = Path(__file__).resolve().parents[2] / "problems"
runner = CliRunner()


def _plain(name: str, *args: str) -> list[str]:
    done = runner.invoke(app, ["solve", str(PROBLEMS / name), "-f", "markdown", *args])
    assert done.exit_code == 0, done.output
    return done.output.splitlines()


def test_forced_alignment_logs_share_and_loss_print_their_probabilities():
    lines = _plain("ctc-align-ab.yaml", "-p", "2")
    assert "- ln p(l\\|x): ln 0.489 = −0.72" in lines, lines
    assert "- ln p(π\\*): ln 0.0875 = −2.44" in lines, lines
    assert "- share of the best alignment: p(π\\*) / p(l\\|x) = 0.0875 / 0.489 = 0.18" in lines
    assert "- CTC loss: −ln p(l\\|x) = −ln 0.489 = 0.72" in lines, lines


def test_rnnt_loss_prints_the_probability_it_takes_the_log_of():
    lines = _plain("rnnt-ab-two-frames.yaml", "-p", "2")
    assert "- RNN-T loss: −ln p(y\\|x) = −ln 0.245 = 1.41" in lines, lines
