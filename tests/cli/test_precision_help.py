"""--precision says what it counts: decimals from 0.1 up, significant digits below 0.1.

The help said "Digits printed after the point", yet 0.0065869 prints as 0.00659 at -p 3 (three
significant digits, five after the point), as render.text.fmt_number documents.
"""

from typer.testing import CliRunner

from rnnloss_cli.cli.app import app
from rnnloss_cli.render.text import fmt_number


def test_precision_help_names_both_rules():
    result = CliRunner().invoke(app, ["solve", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    line = next(s for s in result.output.splitlines() if "--precision" in s)
    assert "significant" in line and "0.1" in line, line


def test_the_two_rules_the_help_names():
    # 3.67294 at 3 decimals; 0.0065869 at 3 significant digits (not 0.007)
    assert fmt_number(3.67294, 3) == "3.673"
    assert fmt_number(0.0065869, 3) == "0.00659"


def test_every_command_with_precision_names_both_rules():
    # sheet kept its own option, "Digits after the point.", though -p 2 writes HELLO's
    # 0.0065869 as 0.0066 there too (the sheet prints what solve prints).
    for command in (["sheet"], ["check"], ["train"], ["mse"], ["ctc", "paths"]):
        result = CliRunner().invoke(app, [*command, "--help"], env={"COLUMNS": "200"})
        assert result.exit_code == 0, result.output
        line = next(s for s in result.output.splitlines() if "--precision" in s)
        assert "significant" in line and "0.1" in line, (command, line)
