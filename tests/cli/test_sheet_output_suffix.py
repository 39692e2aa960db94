"""`sheet -o NAME` with a suffix that names a format a sheet is never written in (.pdf, .json)
and no --format is refused (exit 2) before anything is written: it wrote markdown into
sheet.pdf and sheet.json with no word. Another suffix (.txt) still gives markdown, as the
README says. Provenance: helper audit 2 of the CLI, F8."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from rnnloss_cli.cli.app import app

runner = CliRunner()


@pytest.mark.parametrize("name", ["sheet.pdf", "sheet.json", "SHEET.PDF"])
def test_a_format_a_sheet_is_never_written_in_is_refused(name, tmp_path):
    out = tmp_path / name
    result = runner.invoke(app, ["sheet", "problems/hello.yaml", "-o", str(out)])
    assert result.exit_code == 2, result.output
    assert "a sheet is markdown, latex or html" in result.output, result.output
    assert not out.exists()


def test_an_asked_format_or_another_suffix_still_writes(tmp_path):
    txt = tmp_path / "sheet.txt"
    assert runner.invoke(app, ["sheet", "problems/hello.yaml", "-o", str(txt)]).exit_code == 0
    assert txt.read_text(encoding="utf-8").startswith("#")  # markdown
    pdf = tmp_path / "sheet.pdf"
    result = runner.invoke(app, ["sheet", "problems/hello.yaml", "-f", "html", "-o", str(pdf)])
    assert result.exit_code == 0 and "<html" in pdf.read_text(encoding="utf-8"), result.output
