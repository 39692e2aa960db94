"""grade -o with a problem file that is a pipe (a FIFO named on the command line, or
``<(cat p.yaml)``, as the README allows): the problems are read once. The check that -o is
not an input parsed every problem before grading, so the pipe was empty when grading read it
("the file is empty", exit 2)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_piped_problem_is_graded_into_a_file(tmp_path: Path):
    fifo = tmp_path / "hinge.yaml"
    os.mkfifo(fifo)
    text = (ROOT / "problems/hinge-sequence.yaml").read_bytes()

    def feed() -> None:  # a pipe gives its text once: a second open would wait for a writer
        with open(fifo, "wb") as w:
            w.write(text)

    threading.Thread(target=feed, daemon=True).start()
    answers = tmp_path / "answers.csv"
    # hinge-sequence's handout key: loss 0.467 (mean of 0.2, 0.5, 0.7)
    answers.write_text("student,problem,figure,value\ns1,hinge,loss,0.467\n")
    report = tmp_path / "report.csv"
    r = subprocess.run(
        [sys.executable, "-m", "rnnloss_cli", "grade", str(fifo), str(answers), "-o", str(report)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=30,
    )
    assert r.returncode == 0, r.stderr
    row = report.read_text().splitlines()[1]
    assert row.startswith("s1,1,2,"), report.read_text()  # 1 of 2 points (loss; not sum)
