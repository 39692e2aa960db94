"""Reading problem files and standard input, and expanding folders (problem/__init__.py)."""

from __future__ import annotations

import io
import os
import socket
import sys
import threading

import pytest

from rnnloss_cli import limits
from rnnloss_cli.errors import ProblemError
from rnnloss_cli.problem import load_problem, problem_files, read_text

MSE = "kind: mse\ny: [1, 2]\nyhat: [1, 3]\n"


def _error(fn, *args) -> ProblemError:
    with pytest.raises(ProblemError) as info:
        fn(*args)
    return info.value


class _Stdin:
    """A stand-in for sys.stdin: bytes underneath, counting the reads."""

    def __init__(self, data: bytes) -> None:
        self.buffer = io.BytesIO(data)
        self.reads = 0
        read = self.buffer.read

        def counting(*args):
            self.reads += 1
            return read(*args)

        self.buffer.read = counting  # type: ignore[method-assign]


# ------------------------------------------------------------------ files
def test_file_larger_than_the_limit_is_refused_before_reading(tmp_path, monkeypatch):
    monkeypatch.setattr(limits, "MAX_FILE_BYTES", 100)
    p = tmp_path / "big.yaml"
    p.write_text(MSE + "#" * 100)
    err = _error(read_text, str(p))
    assert err.file == str(p) and "MAX_FILE_BYTES" in err.message


def test_file_at_the_limit_is_read(tmp_path, monkeypatch):
    monkeypatch.setattr(limits, "MAX_FILE_BYTES", len(MSE))
    p = tmp_path / "p.yaml"
    p.write_text(MSE)
    assert read_text(str(p)) == MSE


def test_non_utf8_file_names_file_and_line(tmp_path):
    p = tmp_path / "latin1.yaml"
    p.write_bytes("kind: mse\ntitle: caf\u00e9\n".encode("latin-1"))  # 0xe9 on line 2
    err = _error(load_problem, str(p))
    assert (err.file, err.line) == (str(p), 2)
    assert "not UTF-8" in err.message and "0xe9" in err.message


def test_byte_order_mark_is_dropped(tmp_path):
    p = tmp_path / "bom.yaml"
    p.write_bytes(b"\xef\xbb\xbf" + MSE.encode())
    assert load_problem(str(p)).y.tolist() == [1.0, 2.0]


def test_a_pipe_named_on_the_command_line_is_read(tmp_path):
    # what bash's <(cat p.yaml) gives: /dev/fd/63, a pipe
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)

    def writer():
        with open(fifo, "w") as f:
            f.write(MSE)

    t = threading.Thread(target=writer)
    t.start()
    try:
        assert load_problem(str(fifo)).yhat.tolist() == [1.0, 3.0]
    finally:
        t.join(5)


# ------------------------------------------------------------------ standard input
def test_stdin_is_read_once_as_utf8_bytes(monkeypatch):
    stdin = _Stdin("kind: mse\ntitle: \u03b1\ny: [1]\nyhat: [2]\n".encode())
    monkeypatch.setattr(sys, "stdin", stdin)
    first = read_text("-")
    assert read_text("-") == first  # a second reader (e.g. sheet) gets the same text
    assert "\u03b1" in first
    assert stdin.reads == 1
    assert load_problem("-").meta.title == "\u03b1"


def test_non_utf8_stdin_names_stdin(monkeypatch):
    monkeypatch.setattr(sys, "stdin", _Stdin(b"kind: mse\n\xff\n"))
    err = _error(load_problem, "-")
    assert (err.file, err.line) == ("<stdin>", 2) and "not UTF-8" in err.message


def test_closed_stdin(monkeypatch):
    monkeypatch.setattr(sys, "stdin", None)  # what Python sets when fd 0 is closed (<&-)
    err = _error(load_problem, "-")
    assert err.file == "<stdin>" and "closed" in err.message


def test_unreadable_stdin(monkeypatch):
    stdin = _Stdin(b"")
    stdin.buffer.close()
    monkeypatch.setattr(sys, "stdin", stdin)
    err = _error(load_problem, "-")
    assert err.file == "<stdin>" and "cannot read standard input" in err.message


def test_stdin_larger_than_the_limit(monkeypatch):
    monkeypatch.setattr(limits, "MAX_FILE_BYTES", 10)
    monkeypatch.setattr(sys, "stdin", _Stdin(MSE.encode()))
    err = _error(load_problem, "-")
    assert err.file == "<stdin>" and "MAX_FILE_BYTES" in err.message


# ------------------------------------------------------------------ folders
def test_folder_lists_regular_yaml_files_only(tmp_path):
    (tmp_path / "b.yaml").write_text(MSE)
    (tmp_path / "a.yml").write_text(MSE)
    (tmp_path / "notes.txt").write_text("x")
    (tmp_path / ".hidden.yaml").write_text(MSE)
    (tmp_path / "sub.yaml").mkdir()
    os.mkfifo(tmp_path / "fifo.yaml")
    (tmp_path / "link.yaml").symlink_to(tmp_path / "b.yaml")
    (tmp_path / "dangling.yaml").symlink_to(tmp_path / "nowhere.yaml")
    sock = socket.socket(socket.AF_UNIX)
    try:
        sock.bind(str(tmp_path / "sock.yaml"))
        got = problem_files([str(tmp_path)])
    finally:
        sock.close()
    assert [os.path.basename(p) for p in got] == ["a.yml", "b.yaml", "link.yaml"]


def test_folders_are_walked_in_order_skipping_hidden_tool_and_linked_folders(tmp_path):
    # A course keeps problems in week folders: check must not silently pass them over.
    for rel in [
        "b.yaml",
        "week1/a.yaml",
        "week1/deeper/z.yaml",
        "week2/c.yaml",
        ".git/x.yaml",
        ".venv/lib/y.yaml",
        "node_modules/pkg/n.yaml",
        "__pycache__/p.yaml",
    ]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(MSE)
    (tmp_path / "loop").symlink_to(tmp_path, target_is_directory=True)
    got = [os.path.relpath(p, tmp_path) for p in problem_files([str(tmp_path)])]
    assert got == ["b.yaml", "week1/a.yaml", "week1/deeper/z.yaml", "week2/c.yaml"]


def test_a_deep_folder_tree_is_walked_without_recursion_errors(tmp_path):
    levels = [tmp_path]
    for _ in range(1100):  # deeper than Python's recursion limit (os.makedirs would recurse)
        levels.append(levels[-1] / "d")
        levels[-1].mkdir()
    (levels[-1] / "p.yaml").write_text(MSE)
    try:
        assert problem_files([str(tmp_path)]) == [str(levels[-1] / "p.yaml")]
    finally:  # shutil.rmtree recurses too: take the tree down from the bottom
        (levels[-1] / "p.yaml").unlink()
        for level in reversed(levels[1:]):
            level.rmdir()


def test_too_many_files_under_a_folder_are_refused(tmp_path, monkeypatch):
    from rnnloss_cli import limits

    monkeypatch.setattr(limits, "MAX_FOLDER_FILES", 3)
    for i in range(5):
        (tmp_path / f"sub{i}").mkdir()
        (tmp_path / f"sub{i}" / "p.yaml").write_text(MSE)
    with pytest.raises(ProblemError, match="MAX_FOLDER_FILES = 3"):
        problem_files([str(tmp_path)])


def test_files_named_explicitly_are_kept_whatever_they_are(tmp_path):
    os.mkfifo(tmp_path / "fifo.yaml")
    named = [str(tmp_path / "fifo.yaml"), "-", "/dev/null"]
    assert problem_files(named) == named


def test_missing_path(tmp_path):
    err = _error(problem_files, [str(tmp_path / "nope")])
    assert err.file == str(tmp_path / "nope") and err.message == "no such file or folder"


def test_unreadable_folder_is_an_error_naming_it(tmp_path, monkeypatch):
    real = os.scandir

    def denied(path="."):
        if os.fspath(path) == str(tmp_path):
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", denied)
    err = _error(problem_files, [str(tmp_path)])
    assert err.file == str(tmp_path) and "cannot read folder: Permission denied" in err.message


def test_a_kind_may_be_written_with_any_accepted_spelling(tmp_path):
    # hinge-seq is an alias of sequence_hinge: max(0, 1 − 1·0.5) = 0.5 either way
    from rnnloss_cli.problem import load_problem

    p = tmp_path / "p.yaml"
    p.write_text("kind: hinge-seq\ny: [1]\nyhat: [0.5]\n", encoding="utf-8")
    assert load_problem(str(p)).meta.kind == "sequence_hinge"
