"""nll / cce target rows must form a distribution, as the predicted rows must: [1, 1] counted
its observation twice and [0, 0] not at all, with no word (loss 1.784 and 0.223 for the
predictions below). Provenance: helper audit 2 of the CLI, F6."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from rnnloss_cli.cli.app import app

runner = CliRunner()
YHAT = "0.7,0.3;0.2,0.8"


@pytest.mark.parametrize("kind", ["nll", "cce"])
@pytest.mark.parametrize(("y", "total"), [("1,1;0,1", "2"), ("0,0;0,1", "0")])
def test_flag_target_rows_that_are_not_a_distribution_are_refused(kind, y, total):
    result = runner.invoke(app, [kind, "--y", y, "--yhat", YHAT])
    assert result.exit_code == 2, result.output
    assert f"row 1 of --y sums to {total}, expected 1" in result.output, result.output


def test_a_file_names_its_row_and_line(tmp_path):
    path = tmp_path / "soft.yaml"
    path.write_text(
        "kind: cce\ny:\n  - [0.5, 0.5]\n  - [0.6, 0.6]\nyhat: [[0.7, 0.3], [0.2, 0.8]]\n"
    )
    result = runner.invoke(app, ["solve", str(path)])
    assert result.exit_code == 2, result.output
    assert f"{path}:4:" in result.output and "row 2 of y sums to 1.2" in result.output


def test_soft_and_one_hot_rows_still_solve():
    """Soft row (0.5, 0.5) against (0.7, 0.3): −(0.5 ln 0.7 + 0.5 ln 0.3) = 0.7803; one-hot
    (0, 1) against (0.2, 0.8): −ln 0.8 = 0.2231; sum 1.0034."""
    result = runner.invoke(app, ["cce", "--y", "0.5,0.5;0,1", "--yhat", YHAT, "-f", "json"])
    assert result.exit_code == 0, result.output
    assert '"loss": 1.003' in result.output, result.output
