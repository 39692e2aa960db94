"""BCE's gradient at PyTorch's floor: ŷ = 0.99999999999995, y = 0 has ŷ (1 − ŷ) ≈ 5e-14
below 1e-12, so ∂L/∂ŷ = (ŷ − y) / 1e-12 / n. By hand from the printed numbers:
(0.99999999999995 − 0) / 1e-12 / 1 = 999999999999.95 exactly; the double quotient is
999999999999.9500732421875, whose 16th and 17th significant digits are rounding noise.
At -p 5 the line printed "≈ 999999999999.95007": a number a student cannot get.

The fix is in render/text.py: fmt_number printed fixed notation with ``precision`` decimals
whatever the integer part, 17 significant digits here; it now caps them at 15 significant
digits (DBL_DIG, ``MAX_SIGNIFICANT``), prints 999999999999.95, and the line reads "=".
"""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from rnnloss_cli.cli import app

runner = CliRunner()


@pytest.mark.parametrize("precision", ["5", "8"])
def test_floored_gradient_prints_a_value_a_student_can_check(precision):
    args = ["bce", "--y", "0", "--yhat", "0.99999999999995", "-p", precision]
    done = runner.invoke(app, args, env={"COLUMNS": "300"})
    assert done.exit_code == 0, done.output
    line = next(x for x in done.output.splitlines() if x.startswith("worked gradient"))
    assert line.endswith(" / 1 = 999999999999.95"), line
