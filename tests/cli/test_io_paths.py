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


# ------------------------------------------------------------------ a trailing slash
def _answers(tmp_path: Path) -> Path:
    answers = tmp_path / "answers.csv"
    answers.write_text("student,problem,figure,value\ns1,a,loss,0.125\n")
    return answers


def _file_commands(tmp_path: Path) -> dict[str, list[str]]:
    """Every command whose -o names one file, with the arguments before -o."""
    a = tmp_path / "a.yaml"
    a.write_text(MSE)
    return {
        "solve": ["solve", str(a), "--format", "json"],
        "sheet": ["sheet", str(a)],
        "export": ["export", str(a)],
        "grade": ["grade", str(a), str(_answers(tmp_path))],
        "train": ["train", "--loss", "mse", "--epochs", "1", "--format", "json"],
        "new": ["new", "mse"],
    }


COMMANDS = ["solve", "sheet", "export", "grade", "train", "new"]


@pytest.mark.parametrize("command", COMMANDS)
def test_a_trailing_slash_names_a_missing_folder_and_is_refused(tmp_path: Path, command):
    """``-o newdir/`` (newdir missing) wrote a FILE named newdir: pathlib drops the slash."""
    args = _file_commands(tmp_path)[command]
    target = tmp_path / "newdir"
    result = run(*args, "-o", f"{target}/")
    assert result.exit_code == 2, result.output
    assert "no such folder" in result.output and f"{target}/:" in result.output, result.output
    assert len(result.output.strip().splitlines()) == 1, result.output
    assert not os.path.lexists(target)


@pytest.mark.parametrize("command", COMMANDS)
def test_a_trailing_slash_after_a_file_is_refused_even_with_force(tmp_path: Path, command):
    """``-o f.txt/ --force`` wrote over the file f.txt."""
    args = _file_commands(tmp_path)[command]
    keep = tmp_path / "f.txt"
    keep.write_text("keep me\n")
    result = run(*args, "-o", f"{keep}/", "--force")
    assert result.exit_code == 2 and "is not a folder" in result.output, result.output
    assert keep.read_text() == "keep me\n"


@pytest.mark.parametrize("command", COMMANDS)
def test_a_trailing_slash_dot_names_a_folder_too(tmp_path: Path, command):
    args = _file_commands(tmp_path)[command]
    target = tmp_path / "newdir"
    result = run(*args, "-o", f"{target}/.")
    assert result.exit_code == 2 and "no such folder" in result.output, result.output
    assert not os.path.lexists(target)


def test_an_existing_folder_with_a_slash_is_still_a_folder(tmp_path: Path):
    args = _file_commands(tmp_path)["solve"]
    result = run(*args, "-o", f"{tmp_path}/")
    assert result.exit_code == 2 and "is a folder" in result.output, result.output


def test_without_a_slash_the_file_is_written(tmp_path: Path):
    args = _file_commands(tmp_path)["solve"]
    result = run(*args, "-o", str(tmp_path / "newdir" / "x.json"))
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "newdir" / "x.json").read_text())["loss"] == 0.125


def test_vary_writes_into_a_folder_named_with_a_slash(tmp_path: Path):
    """vary writes into folders: ``-o out/`` (missing) is created and filled."""
    result = run("vary", str(PROBLEMS / "hello.yaml"), "--count", "2", "-o", f"{tmp_path}/out/")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["hello-1.yaml", "hello-2.yaml"]


@pytest.mark.parametrize(
    "args",
    [
        ["solve", "problems/hello.yaml", "-o", ""],
        ["sheet", "problems/hello.yaml", "-o", " "],
        ["vary", "problems/hello-variants.yaml", "--count", "1", "-o", ""],
        ["grade", "problems/hinge-sequence.yaml", "a.csv", "--json", ""],
    ],
)
def test_an_empty_output_name_is_refused(tmp_path, monkeypatch, args):
    """-o "" (an unset shell variable) was Path(""), the current folder: sheet said ".: is a
    folder", vary wrote its variants there."""
    monkeypatch.chdir(tmp_path)
    for name in ("problems/hello.yaml", "problems/hello-variants.yaml"):
        (tmp_path / "problems").mkdir(exist_ok=True)
        (tmp_path / name).write_text((Path(__file__).parents[2] / name).read_text())
    r = run(*args)
    assert r.exit_code == 2, r.output
    assert "expected a file or folder name" in r.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["problems"]


@pytest.mark.skipif(not Path("/proc/version").is_file(), reason="no /proc/version")
def test_a_kernel_file_under_proc_is_refused_with_the_real_reason():
    """/proc/version exists, so --force is asked for; with it, the temporary file beside it
    cannot be made (/proc takes no new files) and the error said "No such file or
    directory", of a file that exists."""
    r = run("solve", str(PROBLEMS / "hello.yaml"), "-f", "json", "-o", "/proc/version", "--force")
    assert r.exit_code == 2, r.output
    assert r.output.count("\n") == 1, r.output
    assert "/proc takes no new files" in r.output, r.output
    assert "No such file or directory" not in r.output
