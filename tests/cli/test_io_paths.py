"""Output paths: a trailing slash names a folder; only descriptors, devices and FIFOs are
streams. Each test was seen failing before its fix."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rnnloss_cli.cli import app
from rnnloss_cli.cli import io as cli_io

runner = CliRunner()
PROBLEMS = Path(__file__).resolve().parents[2] / "problems"

# Errors y - yhat: 1 - 0.5 = 0.5, 2 - 2 = 0; squares 0.25, 0; mean 0.25 / 2 = 0.125
MSE = "kind: mse\ny: [1, 2]\nyhat: [0.5, 2]\nanswer: 0.125\n"
SHM = Path("/dev/shm")
needs_shm = pytest.mark.skipif(
    not (SHM.is_dir() and os.access(SHM, os.W_OK)), reason="no writable /dev/shm"
)


def run(*args: str):
    return runner.invoke(app, list(args))


# ------------------------------------------------------------------ what is a stream
@pytest.mark.parametrize(
    "path", ["/dev/stdout", "/dev/stderr", "/dev/fd/3", "/proc/self/fd/1", "/dev/null"]
)
def test_descriptor_names_and_devices_are_streams(path):
    assert cli_io.is_stream_path(Path(path)), path


def test_a_fifo_is_a_stream(tmp_path: Path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    assert cli_io.is_stream_path(fifo)


@needs_shm
def test_a_regular_file_under_dev_shm_is_a_file(tmp_path: Path):
    """Every path under /dev counted as a stream: /dev/shm holds ordinary files (tmpfs)."""
    keep = SHM / f"rnnloss-test-{os.getpid()}.json"
    try:
        keep.write_text("keep me\n")
        assert not cli_io.is_stream_path(keep)
        assert not cli_io.is_stream_path(SHM / f"rnnloss-missing-{os.getpid()}.json")
    finally:
        keep.unlink(missing_ok=True)


@needs_shm
def test_an_existing_file_under_dev_shm_needs_force(tmp_path: Path):
    """``-o /dev/shm/existing`` was written over (not atomically) without --force."""
    a = tmp_path / "a.yaml"
    a.write_text(MSE)
    keep = SHM / f"rnnloss-test-{os.getpid()}.json"
    try:
        keep.write_text("keep me\n")
        result = run("solve", str(a), "--format", "json", "-o", str(keep))
        assert result.exit_code == 2 and "--force" in result.output, result.output
        assert keep.read_text() == "keep me\n"
        result = run("solve", str(a), "--format", "json", "-o", str(keep), "--force")
        assert result.exit_code == 0, result.output
        assert json.loads(keep.read_text())["loss"] == 0.125
    finally:
        keep.unlink(missing_ok=True)


@needs_shm
def test_an_input_under_dev_shm_is_never_written_over(tmp_path: Path):
    a = SHM / f"rnnloss-test-{os.getpid()}.yaml"
    try:
        a.write_text(MSE)
        result = run("solve", str(a), "--format", "json", "-o", str(a), "--force")
        assert result.exit_code == 2 and "inputs" in result.output, result.output
        assert a.read_text() == MSE
    finally:
        a.unlink(missing_ok=True)
