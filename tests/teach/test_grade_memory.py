"""What a graded answer holds: memory per answer, counted by tracemalloc (bytes, the same on
every machine and under any load; no timing). A class of a million answers (MAX_GRADE_ROWS)
is held whole while its reports are written."""

from __future__ import annotations

import gc
import tracemalloc
from collections import deque
from pathlib import Path

from rnnloss_cli.teach.grade import grade_class, report_json_pieces

#: Bytes a graded answer may hold, the reports written: its Answer (12 fields in slots: 16
#: header + 16 GC + 12 x 8 = 128), its place in two lists (16), the (student, problem,
#: figure) key of the seen set (a 3-tuple of 64 and a set slot), a student id of 2-7
#: characters (about 56) shared by the student's answers, and the answers file's text
#: (about 29 bytes a row); a repeated given value's float is shared. Measured: 543 before
#: (600 once the JSON was written: each answer's __dict__ made by vars()), 326 after.
MAX_BYTES_PER_ANSWER = 420


def test_a_graded_answer_holds_a_bounded_number_of_bytes(tmp_path: Path):
    n = 20_000  # students, two answers each (both right)
    rows = "".join(f"s{i},hello,listed,3.673\ns{i},hello,valid_only,4.136\n" for i in range(n))
    answers = tmp_path / "answers.csv"
    answers.write_text("student,problem,figure,value\n" + rows, encoding="utf-8")
    grade_class(["problems/hello.yaml"], str(answers))  # imports and caches first
    gc.collect()
    tracemalloc.start()
    try:
        report = grade_class(["problems/hello.yaml"], str(answers))
        deque(report_json_pieces(report), maxlen=0)  # written and let go, as the CLI does
        gc.collect()
        held = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert len(report.answers) == 2 * n
    assert held / (2 * n) < MAX_BYTES_PER_ANSWER, held / (2 * n)
