"""The invalid-alignment warning does not restate the sum a derivation line prints: the line
prints it at ``--precision`` with the derivation's digits, the warning (plain text, built
before any renderer) could only print it with digits of its own, and the two would disagree.

Hand arithmetic (a calculator, not the engine):

deep.yaml: P(D) = 0.8, P(E) = 0.7, P(P) = 0.9, P(-) = 0.3; the valid alignments are
D-E-E-P = 0.8·0.3·0.7·0.3·0.7·0.3·0.9 = 0.0095256 and DE-E-P = 0.8·0.7·0.3·0.7·0.3·0.9 =
0.031752, so the valid-only sum is 0.0412776: 0.0413 at 3 significant digits (the step),
0.04128 at 4 (what the warning used to say).
"""

from __future__ import annotations

import re

from typer.testing import CliRunner

from rnnloss_cli.cli.app import app
from rnnloss_cli.problem import load_problem
from rnnloss_cli.solve import solve

runner = CliRunner()


def _solve(*args: str) -> str:
    done = runner.invoke(app, ["solve", *args, "-f", "markdown"])
    assert done.exit_code == 0, done.output
    return done.output


def test_an_invalid_alignment_warning_names_the_line_instead_of_its_sum():
    out = _solve("problems/deep.yaml")
    assert "0.009526 + 0.03175 = 0.0413" in out  # the valid-only line
    assert "0.04128" not in out
    (warning,) = [w for w in solve(load_problem("problems/deep.yaml")).warnings if "EE" in w]
    assert re.findall(r"\d+\.\d+", warning) == []  # no sum, no loss: the line gives them
    assert '"valid alignments only"' in warning and "valid_only" in warning
