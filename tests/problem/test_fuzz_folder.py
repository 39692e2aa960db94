"""``rnnloss check`` on a folder of hostile entries: a FIFO, a symlink loop, a folder named
x.yaml, an unreadable file, a 0-byte file and a file that is not UTF-8, beside a good one.

The folder run finishes (the FIFO is never opened), reports each bad file as bad input with
one ``error:`` line naming it, still checks the good file, and exits 2. Each entry named on
its own (the FIFO excepted: a named FIFO is read like ``<(cat p.yaml)``, waiting for its
writer) is one ``error:`` line naming it, exit 2.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rnnloss_cli.cli import app

HELLO = Path(__file__).resolve().parents[2] / "problems" / "hello.yaml"
runner = CliRunner()
ROOT_USER = hasattr(os, "geteuid") and os.geteuid() == 0


@pytest.fixture
def hostile(tmp_path):
    d = tmp_path / "d"
    d.mkdir()
    (d / "ok.yaml").write_bytes(HELLO.read_bytes())
    (d / "empty.yaml").write_bytes(b"")
    (d / "latin.yaml").write_bytes(b"kind: mse\ny: [1]\nyhat: [\xff]\n")
    (d / "x.yaml").mkdir()
    (d / "loop.yaml").symlink_to("loop.yaml")
    if hasattr(os, "mkfifo"):
        os.mkfifo(d / "fifo.yaml")
    locked = d / "locked.yaml"
    locked.write_bytes(HELLO.read_bytes())
    locked.chmod(0)
    yield d
    locked.chmod(0o644)


def test_check_a_hostile_folder_finishes_and_checks_the_good_file(hostile):
    result = runner.invoke(app, ["check", str(hostile)])
    assert result.exit_code == 2, (result.stdout, result.stderr)
    errors = result.stderr.strip().splitlines()
    assert all(line.startswith("error: ") for line in errors), result.stderr
    assert any(str(hostile / "empty.yaml") in line for line in errors), errors
    assert any(str(hostile / "latin.yaml") + ":3:" in line for line in errors), errors
    if not ROOT_USER:
        assert any(str(hostile / "locked.yaml") in line for line in errors), errors
    assert "Traceback" not in result.stdout + result.stderr
    ok_rows = [row for row in result.stdout.splitlines() if row.startswith(str(hostile / "ok"))]
    assert ok_rows and all(row.endswith(" ok") for row in ok_rows), result.stdout


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("empty.yaml", ["empty"]),
        ("latin.yaml", [":3:", "UTF-8"]),
        ("x.yaml", ["no problem files"]),
        ("loop.yaml", ["symbolic links"]),
        pytest.param(
            "locked.yaml",
            ["ermission"],
            marks=pytest.mark.skipif(ROOT_USER, reason="root reads a chmod 000 file"),
        ),
    ],
)
def test_check_a_hostile_file_named_alone_is_one_error_line(hostile, name, words):
    path = str(hostile / name)
    result = runner.invoke(app, ["check", path])
    assert result.exit_code == 2, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert path in lines[0]
    for w in words:
        assert w in lines[0], lines[0]
