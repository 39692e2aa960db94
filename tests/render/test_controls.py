"""Control characters reach no output: the one table of escapes (render/controls.py), used by
standard output, error lines, HTML and markdown, with -o or without."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from rnnloss_cli.cli import app
from rnnloss_cli.render.controls import visible_controls

HOSTILE = (
    'kind: mse\ntitle: "bad \\e[31m red \\u202eevil\\u202c"\n'
    "y: [1.0]\nyhat: [0.5]\nanswer: 0.25\n"  # (1 - 0.5)^2 = 0.25
)


def test_visible_controls_escapes_and_keeps_lines():
    assert visible_controls("a\x1b[0mb\u202ec\nd\te") == "a\\u001b[0mb\\u202ec\nd\te"
    assert visible_controls("a\nb\r", keep_lines=False) == "a\\nb\\r"
    assert visible_controls("plain ŷ −") == "plain ŷ −"


@pytest.mark.parametrize("fmt", ["markdown", "html"])
def test_a_file_written_with_o_holds_no_control_character(tmp_path: Path, fmt: str):
    f = tmp_path / "bad.yaml"
    f.write_text(HOSTILE, encoding="utf-8")
    out = tmp_path / "out.txt"
    r = CliRunner().invoke(app, ["solve", str(f), "--format", fmt, "-o", str(out)])
    assert r.exit_code == 0, r.output
    text = out.read_text(encoding="utf-8")
    assert "\x1b" not in text and "\u202e" not in text
    assert "\\u001b" in text and "\\u202e" in text
    stdout = CliRunner().invoke(app, ["solve", str(f), "--format", fmt]).stdout
    assert stdout == text
