"""A number reads the same in every line and table cell that prints it: the line that
produces a number prints it with the digits the next line uses it with.

Hand arithmetic (a calculator, not the engine):
- digits-123: P = 0.02016 + 0.1008 + 0.1008 = 0.22176; the loss line needs 0.2218
  (−ln 0.222 = 1.50507 would print 1.505, −ln 0.2218 = 1.50598 prints 1.506), so the sum
  line must print P as 0.2218 too, and 0.0202 + 0.101 + 0.101 = 0.2222 does not give it:
  its terms print 0.02016 + 0.1008 + 0.1008 = 0.22176 -> 0.2218.
- reinforce-episode: b = (1.81 + 0.9 + 1) / 3 = 1.236667; the table needs A_1 = 0.5733
  (0.5733 × (−0.1054) = −0.06043 -> −0.0604), so b is 1.2367 in the table
  (1.81 − 1.2367 = 0.5733) and in the baseline line alike.
- custom-combo: L_1 = 1.560648 prints 1.5606 in the weighted sum (0.7 × 1.5606 +
  0.3 × 0.4667 = 1.23243 -> 1.232) and so in the terms table and in its own derivation.
"""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from rnnloss_cli.cli import app

ROOT = Path(__file__).resolve().parents[2]


def _solve(name: str) -> str:
    done = CliRunner().invoke(app, ["solve", str(ROOT / "problems" / f"{name}.yaml")])
    assert done.exit_code == 0, done.output
    return re.sub(r"\s*\n\s*", " ", done.output)  # lines folded at the terminal's width


def test_the_sum_prints_p_as_the_loss_line_uses_it():
    out = _solve("digits-123")
    produced = re.search(r"sum over the listed alignments: P = [^;]*? = ([\d.]+)", out)
    used = re.search(r"listed loss: −ln P = −ln ([\d.]+) =", out)
    assert produced and used, out
    assert produced.group(1) == used.group(1) == "0.2218"
    assert "P = 0.02016 + 0.1008 + 0.1008 = 0.2218" in out


def test_the_baseline_reads_the_same_in_its_line_and_the_table():
    out = _solve("reinforce-episode")
    assert "(1.81 + 0.9 + 1) / 3 = 1.2367" in out
    assert re.search(r"│ +1\.81 │ +1\.2367 │ +0\.5733 │ +−0\.0604 │", out), out


def test_a_custom_term_reads_the_same_in_the_sum_the_table_and_its_derivation():
    out = _solve("custom-combo")
    assert "weighted sum: 0.7 × 1.5606 + 0.3 × 0.4667 = 1.232" in out
    assert re.search(r"│ +sequence │ +1\.5606 │", out), out
    # the term's own sum: −ln 0.7 + −ln 0.5 + −ln 0.6 = 0.35667 + 0.69315 + 0.51083 = 1.56065
    assert "0.3567 + 0.6931 + 0.5108 = 1.5606" in out
