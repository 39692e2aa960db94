"""Running the real entry point on in-memory stdout and stderr of a chosen encoding."""

from __future__ import annotations

import io
import sys

from rnnloss_cli.cli import io as cli_io
from rnnloss_cli.cli.app import app_for


def run_encoded(argv: list[str], monkeypatch, encoding: str) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of ``rnnloss ARGV`` with both streams in ``encoding``
    (not a terminal: no colour codes)."""
    out = io.TextIOWrapper(io.BytesIO(), encoding=encoding)
    err = io.TextIOWrapper(io.BytesIO(), encoding=encoding)
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)
    code = cli_io.run(app_for(argv), argv)
    text = []
    for stream in (out, err):
        stream.flush()
        stream.buffer.seek(0)
        text.append(stream.buffer.read().decode(encoding))
    return code, text[0], text[1]
