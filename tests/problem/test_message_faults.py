"""One-line errors name the real fault. Provenance: helper audit 2 of the CLI, F7: a full-width
comma was "digits other than 0-9" (the digits were ASCII) or, in --probs, "no probability for
symbol 'A'"; an empty custom `file: ""` was "<folder> is a folder"."""

from __future__ import annotations

from typer.testing import CliRunner

from rnnloss_cli.cli.app import app

runner = CliRunner()


def _error(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 2, result.output
    return result.output


def test_a_full_width_comma_between_numbers_is_named():
    out = _error("hinge", "--y", "1,-1,1", "--yhat", "0.8，-0.5，0.3")
    assert "U+FF0C FULLWIDTH COMMA is not the separator ','" in out, out
    assert "digits other than 0-9" not in out
    # a digit that is not 0-9 is still named as one
    assert "digits other than 0-9" in _error("hinge", "--y", "1,-1,1", "--yhat", "0.8,-0.5,٣")


def test_a_full_width_comma_between_probs_pairs_is_named():
    out = _error("ctc", "paths", "AB", "-T", "3", "--probs", "A=0.5，B=0.3,-=0.2")
    assert "U+FF0C is not the separator ','" in out and "no probability" not in out, out


def test_an_empty_custom_file_name_is_named(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text('kind: custom\nterms:\n  - {file: "", weight: 1}\n', encoding="utf-8")
    out = _error("solve", str(path))
    assert "got an empty name" in out and "is a folder" not in out, out
