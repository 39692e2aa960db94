"""A marked cell's mark is explained in the words of the format that shows it.

Piped (no colour), RNN-T's forward lattice printed its last node "0.35*" under a fixed caption
"highlighted: the last node", and a decode problem's emissions "0.5*" (the greedy symbol of
each frame) with no caption at all. Forced alignment already says "*: the best alignment".
problems/rnnt-ab-two-frames.yaml: α(1, 2) = 0.36 × 0.5 + 0.34 × 0.5 = 0.35, the last node.
problems/ctc-decode-beam-vs-greedy.yaml: y_t(-) = 0.5 > 0.4 > 0.1 at both frames.
"""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from rnnloss_cli.cli import app

PROBLEMS = Path(__file__).parents[2] / "problems"
runner = CliRunner()


def _piped(name: str) -> list[str]:
    done = runner.invoke(app, ["solve", str(PROBLEMS / name)], env={"COLUMNS": "100"})
    assert done.exit_code == 0, done.output
    return done.output.splitlines()


def test_rnnt_last_node_mark_is_explained():
    lines = _piped("rnnt-ab-two-frames.yaml")
    assert any(x.rstrip().endswith("0.35* │") for x in lines), lines
    assert "rows: frames t; columns: labels emitted u; *: the last node" in lines
    assert not [x for x in lines if "highlighted: the last node" in x]


def test_decode_greedy_marks_are_explained():
    lines = _piped("ctc-decode-beam-vs-greedy.yaml")
    assert "│ 1 │ 0.5* │ 0.4 │ 0.1 │" in lines
    assert "*: the most probable symbol of the frame (greedy)" in lines
