"""A categorical loss infinite from logits 1.8e308 apart: its bound is a derivation line at
the derivation's digits. The warning printed the logits with Python's own ".6g"
("-1.5e+308", "1.23457e+308" beside the table's "-1.5e308", "1.23457e308") at every -p.

Hand: max z − z_true = 1.2345678e308 − (−1.5e308) = 2.7345678e308, above the largest double
(1.7976931e308), so −ln ŷ_1(c1) ≥ that is infinite.
"""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from rnnloss_cli.cli import app

runner = CliRunner()
ARGS = ["cce", "--y", "1,0", "--logits", "1.2345678e308,-1.5e308,0.5;1,2,3"]


@pytest.mark.parametrize("precision", [1, 3, 6])
def test_the_logits_read_the_same_in_the_table_and_the_reason(precision):
    done = runner.invoke(app, [*ARGS, "-p", str(precision)], env={"COLUMNS": "200"})
    assert done.exit_code == 0, done.output
    out = done.output
    assert "e+" not in out, out
    assert len(set(re.findall(r"1\.23\d*e308", out))) == 1, out
    line = next(x for x in out.splitlines() if "max z − z_true =" in x)
    assert re.search(r"= 1\.23\d*e308 − \(−1\.5e308\) = inf", line), line
    warning = next(x for x in out.splitlines() if x.startswith("⚠ the loss is infinite"))
    assert "e308 −" not in warning, warning
