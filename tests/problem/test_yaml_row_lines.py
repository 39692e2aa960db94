"""The lines of a list's rows (problem._yaml.Lines): a row whose items all sit on one line
(``- [0.1, 0.2, ...]``, a big file's every row) is kept as its line and length in two
arrays of its list, not as a key tuple, a dict slot and a list of lines each (about 260
bytes a row: 265 of the 456 MB a 10^6-frame, 22 MB CTC file held after reading). Every
item's line reads as before, by either reader, and errors still name the right line."""

from __future__ import annotations

import pytest

from rnnloss_cli.errors import ProblemError
from rnnloss_cli.problem import _fastlist, load_problem
from rnnloss_cli.problem._yaml import load_yaml

TEXT = "e:\n  - [0.1, 0.2]\n  - [0.3,\n     0.4]\n  - []\n  - 7\n"


@pytest.mark.parametrize("fast", [True, False])
def test_every_items_line_reads_as_written(fast, monkeypatch):
    monkeypatch.setattr(_fastlist, "MIN_REGION_CHARS", 0)
    _, lines = load_yaml(TEXT, "f.yaml", _fast=fast)
    expected = {("e", 0, 0): 2, ("e", 0, 1): 2, ("e", 1, 0): 3, ("e", 1, 1): 4}
    for path, line in expected.items():
        assert lines.get(path) == line and path in lines, path
    for missing in [("e", 0, 2), ("e", 2, 0), ("e", 3, 0), ("e", 9, 0), ("e", -1, 0)]:
        assert lines.get(missing) is None and missing not in lines, missing
    assert [lines.get(("e", i)) for i in range(4)] == [2, 3, 5, 6]


def _rows(n: int) -> str:
    return "kind: ctc\ntarget: A\nsymbols: ['-', A]\nemissions:\n" + "".join(
        "  - [0.5, 0.5]\n" for _ in range(n)
    )


def test_a_big_files_rows_take_no_entry_each():
    _, lines = load_yaml(_rows(5000), "f.yaml")
    assert len(lines.items_of) < 10
    at, counts = lines.row_lines[("emissions",)]
    assert len(at) == 5000 and set(counts) == {2}
    assert lines.get(("emissions", 4999, 1)) == 5 + 4999


def test_an_error_in_a_late_row_names_its_line(tmp_path):
    text = _rows(5000).replace("  - [0.5, 0.5]\n", "  - [0.5, -0.5]\n", 1)  # row 0, line 5
    lines = text.splitlines()
    lines[4], lines[4 + 3000] = lines[4 + 3000], lines[4]  # the bad row is now row 3000
    f = tmp_path / "late.yaml"
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ProblemError) as info:
        load_problem(str(f))
    assert info.value.line == 5 + 3000, str(info.value)
