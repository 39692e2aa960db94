"""``input_files``: every file a command reads, the files custom terms name too, so that no
output is written over one. It parses a problem only when its text could name a file (the
letters ``file``, or a backslash: an escape in a quoted key): sheet -o, export -o and grade -o
parsed a 64 MiB problem of numbers a second time, 5 s, to learn that it names no file."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

import rnnloss_cli.problem as problem
from rnnloss_cli.problem import input_files
from tests.test_robustness import rnnloss

CUSTOM = """\
kind: custom
title: two terms
terms:
  - {weight: 0.5, KEY: hinge.yaml}
  - {weight: 0.5, problem: {kind: mse, y: [1.0], yhat: [0.5]}}
"""
ROOT = Path(__file__).resolve().parents[2]
HINGE = "kind: hinge\ny: [1, -1]\nyhat: [0.5, 0.5]\n"


@pytest.fixture
def no_parse(monkeypatch):
    def refuse(text, name, *, arrays=False):
        raise AssertionError(f"parsed {name}")

    monkeypatch.setattr(problem, "load_yaml", refuse)


def test_a_problem_that_cannot_name_a_file_is_listed_without_being_parsed(tmp_path: Path, no_parse):
    f = tmp_path / "numbers.yaml"
    f.write_text("kind: mse\ntitle: forecast\ny: [1.5, 2.0]\nyhat: [1.0, 2.5]\n")
    assert set(input_files([str(tmp_path)])) == {str(tmp_path), str(f)}


@pytest.mark.parametrize("key", ["file", '"fil\\x65"', '"\\u0066ile"', "'file'"])
def test_a_custom_problem_names_its_files_however_its_key_is_written(tmp_path: Path, key):
    (tmp_path / "hinge.yaml").write_text(HINGE)
    f = tmp_path / "custom.yaml"
    f.write_text(CUSTOM.replace("KEY", key))
    assert set(input_files([str(f)])) == {str(f), str(tmp_path / "hinge.yaml")}


def test_the_word_file_anywhere_means_the_problem_is_parsed(tmp_path: Path, monkeypatch):
    parsed = []
    real = problem.load_yaml

    def counting(text, name, *, arrays=False):
        parsed.append(name)
        return real(text, name, arrays=arrays)

    monkeypatch.setattr(problem, "load_yaml", counting)
    f = tmp_path / "p.yaml"
    f.write_text("kind: mse\ntitle: a profile\ny: [1.5]\nyhat: [1.0]\n")
    assert set(input_files([str(f)])) == {str(f)}
    assert parsed == [str(f)]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_pipe_is_listed_and_not_opened_again(tmp_path: Path):
    # the command read the pipe's text already; opening it again waited for a writer forever
    # (sheet -o, export -o and vary of a FIFO hung)
    fifo = tmp_path / "p.yaml"
    os.mkfifo(fifo)
    done: list[list[str]] = []
    worker = threading.Thread(target=lambda: done.append(input_files([str(fifo)])), daemon=True)
    worker.start()
    worker.join(timeout=10)
    assert done and set(done[0]) == {str(fifo)}, "input_files waited on the pipe"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
@pytest.mark.parametrize(
    "args",
    [
        ["sheet", "FIFO", "-o", "OUT/sheet.md"],
        ["export", "FIFO", "-o", "OUT/bank.xml"],
        ["vary", "FIFO", "-n", "2", "-o", "OUT"],
        # grade listed the inputs before grading: the pipe was read then, and grading
        # opened it again
        ["grade", "FIFO", "ANSWERS", "-o", "OUT/report.csv"],
    ],
)
def test_commands_writing_files_read_a_piped_problem_once(tmp_path: Path, args):
    fifo = tmp_path / "hinge.yaml"
    os.mkfifo(fifo)
    text = (ROOT / "problems/hinge-sequence.yaml").read_bytes()

    def feed() -> None:  # a pipe gives its text once: a second open waits for a writer
        with open(fifo, "wb") as w:
            w.write(text)

    threading.Thread(target=feed, daemon=True).start()
    answers = tmp_path / "answers.csv"
    # hinge-sequence's handout key: loss 0.467 (the mean of 0.2, 0.5 and 0.7)
    answers.write_text("student,problem,figure,value\ns1,hinge,loss,0.467\n")
    out = tmp_path / "out"
    out.mkdir()
    argv = [
        a.replace("FIFO", str(fifo)).replace("OUT", str(out)).replace("ANSWERS", str(answers))
        for a in args
    ]
    code, _, err = rnnloss(*argv, cwd=ROOT, timeout=30)
    assert code == 0, err
    assert any(out.iterdir())
    if args[0] == "grade":  # 1 of its 2 points (loss right, sum not answered)
        assert (out / "report.csv").read_text().splitlines()[1].startswith("s1,1,2,")
