"""An answers file saved with ';' or tabs between cells (a decimal-comma locale's "CSV") is
refused in one line that says so, not only that the header is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from rnnloss_cli.cli import app


@pytest.mark.parametrize(("sep", "named"), [(";", "';'"), ("\t", "'\\t'")])
def test_other_separator_is_named(tmp_path: Path, sep: str, named: str):
    f = tmp_path / "answers.csv"
    f.write_text(sep.join(["student", "problem", "figure", "value"]) + "\nana;hello;listed;3,673\n")
    r = CliRunner().invoke(app, ["grade", "problems/hello.yaml", str(f)])
    assert r.exit_code == 2, r.output
    lines = r.output.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in r.output
    assert f"separated by {named}" in lines[0] and "comma-separated" in lines[0]
