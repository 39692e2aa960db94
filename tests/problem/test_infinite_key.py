"""An answer key may state an infinite loss (``.inf``): a target too long for its frames.

Hand reasoning for the file below: target AA needs a blank between its two A's, so at least
3 frames (S + repeats = 2 + 1); over 2 frames no alignment exists, p = 0, loss = +inf.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from rnnloss_cli.cli import app

runner = CliRunner()

TOO_SHORT = (
    "kind: ctc\ntarget: AA\nprobs: {A: 0.5, '-': 0.5}\nframes: 2\nmethod: exact\nanswer: {KEY}\n"
)


@pytest.mark.parametrize(
    ("key", "code"),
    [(".inf", 0), ("{exact: .inf}", 0), ("3.0", 1), ("-.inf", 1)],
)
def test_an_infinite_key_is_checked_like_any_other(tmp_path: Path, key: str, code: int):
    f = tmp_path / "short.yaml"
    f.write_text(TOO_SHORT.replace("{KEY}", key))
    result = runner.invoke(app, ["check", str(f)])
    assert result.exit_code == code, result.output


def test_a_nan_key_is_still_refused_with_its_line(tmp_path: Path):
    f = tmp_path / "short.yaml"
    f.write_text(TOO_SHORT.replace("{KEY}", ".nan"))
    result = runner.invoke(app, ["check", str(f)])
    assert result.exit_code == 2, result.output
    assert f"{f}:6: field 'answer'" in result.stderr
