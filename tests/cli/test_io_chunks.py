"""``write_file`` given an iterable of str pieces: streamed, with the atomic-write rules kept
(a temporary file in the same folder then a rename; streams written directly; a piece that
fails half way keeps the old file and leaves no temporary)."""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

import pytest
import typer

from rnnloss_cli.cli import io as cli_io


def _pieces(*parts: str):
    yield from parts


def test_pieces_to_a_file_are_written_whole_and_atomically(tmp_path: Path):
    out = tmp_path / "r.json"
    cli_io.write_file(_pieces("{", '"a": 1', "}"), out)
    assert out.read_text(encoding="utf-8") == '{"a": 1}'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.json"]  # no temporary left


def test_pieces_are_taken_one_at_a_time_not_joined_first(tmp_path: Path):
    # the temporary file, in the output's folder, is open while the pieces are drawn
    out = tmp_path / "r.json"
    seen: list[list[str]] = []

    def watched():
        for part in ("[", "1", "]"):
            seen.append(sorted(p.name for p in tmp_path.iterdir()))
            yield part

    cli_io.write_file(watched(), out)
    assert all(len(names) == 1 and names[0].startswith(".r.json.") for names in seen), seen
    assert out.read_text(encoding="utf-8") == "[1]"


def test_a_piece_that_fails_keeps_the_old_file_and_leaves_no_temporary(tmp_path: Path):
    out = tmp_path / "r.json"
    out.write_text("old", encoding="utf-8")

    def broken():
        yield "new, half"
        raise RuntimeError("a bug while building the report")

    with pytest.raises(RuntimeError):
        cli_io.write_file(broken(), out, force=True)
    assert out.read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.json"]


def test_a_full_disk_while_streaming_is_exit_3_and_keeps_the_old_file(tmp_path, monkeypatch):
    out = tmp_path / "r.json"
    out.write_text("old", encoding="utf-8")

    def full():
        yield "x" * 10
        raise OSError(28, "No space left on device")

    with pytest.raises(typer.Exit) as exc:
        cli_io.write_file(full(), out, force=True)
    assert exc.value.exit_code == 3
    assert out.read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.json"]


def test_pieces_to_standard_output_end_with_one_newline(monkeypatch):
    raw = io.StringIO()
    monkeypatch.setattr(sys, "stdout", cli_io.StdoutStream(raw, ascii_only=False))
    cli_io.write_file(_pieces("{", "}"), Path("-"))
    assert raw.getvalue() == "{}\n"
    raw2 = io.StringIO()
    monkeypatch.setattr(sys, "stdout", cli_io.StdoutStream(raw2, ascii_only=False))
    cli_io.write_file(_pieces("a\n"), Path("-"))  # ends in a newline already: none added
    assert raw2.getvalue() == "a\n"


def test_big_pieces_to_standard_output_go_whole(monkeypatch):
    # many small pieces, more than DIRECT_WRITE_CHARS in all: every character arrives once
    raw = io.StringIO()
    monkeypatch.setattr(sys, "stdout", cli_io.StdoutStream(raw, ascii_only=False))
    parts = [f"{i:05d}," for i in range(5000)]
    cli_io.write_file(iter(parts), Path("-"))
    assert raw.getvalue() == "".join(parts) + "\n"


def test_pieces_to_a_fifo_are_written_directly(tmp_path: Path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    read = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        cli_io.write_file(_pieces("a", "b", "c"), fifo)
        assert os.read(read, 100) == b"abc"
    finally:
        os.close(read)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipe"]


def test_a_closed_standard_output_while_streaming_is_an_output_error(monkeypatch):
    closed = cli_io.StdoutStream(cli_io._ClosedStdout(), ascii_only=False)
    monkeypatch.setattr(sys, "stdout", closed)
    with pytest.raises(cli_io.OutputError, match="closed"):
        cli_io.write_file(_pieces("{", "}"), Path("-"))
