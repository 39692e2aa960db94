"""Hostile input, run as a user would: ``python -m rnnloss_cli ...`` in a subprocess.

Each case must end with exit 2 and exactly one stderr line starting "error:" (no traceback,
no crash of the interpreter, no hang), or, for a folder holding a FIFO, finish at all.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from rnnloss_cli import limits

DEEP = 100_000
MSE_HEAD = "kind: mse\nyhat: [1, 2]\n"
ALIAS_BOMB = "y: &a0 [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n" + "".join(
    f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]\n" for i in range(1, 10)
)


def _run(*args: str, stdin_bytes: bytes | None = None, close_stdin: bool = False, **kw):
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "100"}
    return subprocess.run(
        [sys.executable, "-m", "rnnloss_cli", *args],
        input=stdin_bytes,
        stdin=None if stdin_bytes is not None or close_stdin else subprocess.DEVNULL,
        capture_output=True,
        env=env,
        timeout=60,
        preexec_fn=(lambda: os.close(0)) if close_stdin else None,
        **kw,
    )


def _one_error_line(result, *words: str) -> str:
    err = result.stderr.decode("utf-8", "replace")
    assert result.returncode == 2, (result.returncode, err[-2000:])
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:"), err[-2000:]
    for w in words:
        assert w in lines[0], lines[0]
    return lines[0]


FILES = {
    "nested flow list": ("y: " + "[" * DEEP + "]" * DEEP + "\n", ["MAX_NESTING"]),
    "nested flow map": ("y: " + "{a: " * DEEP + "1" + "}" * DEEP + "\n", ["MAX_NESTING"]),
    "nested block list": ("y:\n  " + "- " * DEEP + "1\n", ["MAX_NESTING"]),
    "integer beyond float64": (
        "y: [1, 1" + "0" * 400 + "]\n",
        [":3:", "field 'y[1]'", "does not fit a float64 number (max about 1.8e308)"],
    ),
    "float beyond float64": ("y: [1, 1e400]\n", [":3:", "field 'y[1]'", "float64"]),
    "alias bomb": (ALIAS_BOMB, ["MAX_YAML_VALUES"]),
    "nan": ("y: [1, .nan]\n", [":3:", "field 'y[1]'", "finite"]),
}


@pytest.mark.parametrize("name", list(FILES))
def test_hostile_file(tmp_path, name):
    text, words = FILES[name]
    p = tmp_path / "p.yaml"
    p.write_text(MSE_HEAD + text)
    _one_error_line(_run("solve", str(p)), f"error: {p}", *words)


def test_non_utf8_file(tmp_path):
    p = tmp_path / "p.yaml"
    p.write_bytes(b"kind: mse\ntitle: caf\xe9\ny: [1]\nyhat: [1]\n")
    _one_error_line(_run("solve", str(p)), f"error: {p}:2:", "not UTF-8")


def test_file_over_the_size_limit(tmp_path):
    p = tmp_path / "huge.yaml"
    with open(p, "wb") as f:  # sparse: takes no disk space
        f.truncate(limits.MAX_FILE_BYTES + 1)
    _one_error_line(_run("solve", str(p)), f"error: {p}:", "MAX_FILE_BYTES")


def test_integer_beyond_float64_in_a_flag():
    result = _run("mse", "--y", "1,1" + "0" * 400, "--yhat", "1,2")
    _one_error_line(result, "error: --y, item 2:", "float64")


def test_non_utf8_stdin():
    result = _run("solve", "-", stdin_bytes=b"kind: mse\ny: [1]\nyhat: [1]\ntitle: \xff\n")
    _one_error_line(result, "error: <stdin>:4:", "not UTF-8")


def test_closed_stdin():
    _one_error_line(_run("solve", "-", close_stdin=True), "error: <stdin>:", "closed")


def test_stdin_is_read_as_utf8_bytes():
    text = "kind: mse\ntitle: \u0394 test\ny: [1]\nyhat: [3]\n"
    result = _run("solve", "-", "--format", "json", stdin_bytes=text.encode())
    assert result.returncode == 0, result.stderr.decode()
    assert "\\u0394 test" in result.stdout.decode() or "\u0394 test" in result.stdout.decode()


def test_check_on_a_folder_holding_a_fifo_does_not_block(tmp_path):
    (tmp_path / "ok.yaml").write_text("kind: mse\ny: [1]\nyhat: [3]\nanswer: 4\n")
    os.mkfifo(tmp_path / "blocked.yaml")
    result = _run("check", str(tmp_path), cwd=Path(tmp_path))
    assert result.returncode == 0, result.stderr.decode()
    assert "1 ok" in result.stdout.decode()
