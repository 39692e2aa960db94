"""BCE's clamped logs are worked out as derivation lines at --precision: the warning printed
ŷ and its log with a fixed 4 significant digits (ŷ = 1.23456789e-300 read "1e-300" in the
table at -p 1, "1.235e-300" in the warning), and the term it replaced as "690.6".

Hand arithmetic: ln 1.23456789e-300 = ln 1.23456789 − 300 ln 10 = 0.210721 − 690.775528
= −690.564807, below −100, so PyTorch takes −100: y = 1 gives −(1 × (−100) + 0 × ln(1 − ŷ))
= 100. ŷ = 0 with y = 0.5: ln 0 = −inf, clamped: −(0.5 × (−100) + 0.5 × ln 1) = 50.
"""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from rnnloss_cli.cli import app

runner = CliRunner()
ARGS = ["bce", "--y", "1,0.5,0", "--yhat", "1.23456789e-300,0,0.4", "--reduction", "sum"]


def _out(precision: int) -> str:
    done = runner.invoke(app, [*ARGS, "-p", str(precision)], env={"COLUMNS": "200"})
    assert done.exit_code == 0, done.output
    return done.output


@pytest.mark.parametrize("precision", [1, 3, 6])
def test_the_clamped_y_hat_reads_the_same_everywhere(precision):
    out = _out(precision)
    spellings = set(re.findall(r"1(?:\.\d+)?e-300", out))
    assert len(spellings) == 1, spellings  # the table's ŷ, its line, the warning


@pytest.mark.parametrize("precision", [1, 3, 6])
def test_the_clamp_is_a_line_redone_from_its_printed_numbers(precision):
    out = _out(precision)
    lines = [x for x in out.splitlines() if x.startswith("element")]
    # ln ŷ as printed: −690.564807 to its digits
    value = f"{-690.564807:.{precision}f}".rstrip("0").rstrip(".").replace("-", "−")
    assert f"= {value} < −100" in lines[0], lines
    # the term from the clamped log, y = 1 (its (1 − y) part is 0): −(1 × (−100)) = 100
    assert lines[1].endswith(": −(1 × (−100)) = 100"), lines
    assert "ln 0 = −inf" in lines[2], lines
    assert lines[3].endswith(": −(0.5 × (−100) + (1 − 0.5) × (0)) = 50"), lines
    # the warnings say what happened without numbers of their own digits
    warnings = [x for x in out.splitlines() if x.startswith("⚠")]
    assert warnings and not any(re.search(r"\d\.\d", w) for w in warnings), warnings
