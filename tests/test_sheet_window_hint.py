"""A sheet is read on paper and a Moodle question in a browser: neither can "rerun with
--window". A long table's note still says which rows and columns are shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnloss_cli.sheet import build_sheet
from rnnloss_cli.teach.moodle import moodle_bank


def _long_ctc(tmp_path: Path) -> Path:
    # 200 frames of a uniform two-symbol distribution: the trellis has 200 columns, cut
    f = tmp_path / "long.yaml"
    rows = "\n".join("  - [0.5, 0.5]" for _ in range(200))
    f.write_text(
        f"kind: ctc\nmethod: exact\ntarget: A\nsymbols: ['-', A]\nemissions:\n{rows}\n",
        encoding="utf-8",
    )
    return f


@pytest.mark.parametrize("fmt", ["markdown", "latex", "html"])
def test_a_solution_sheet_names_the_window_without_a_flag_to_rerun(tmp_path, fmt):
    text = build_sheet([str(_long_ctc(tmp_path))], fmt, solutions=True)
    assert "showing" in text
    assert "--window" not in text and "rerun" not in text


def test_a_moodle_question_names_the_window_without_a_flag_to_rerun(tmp_path):
    f = _long_ctc(tmp_path)
    with open(f, "a", encoding="utf-8") as out:
        # every path has probability 0.5^200; B(π) = A for the paths with one run of A's:
        # 200·201/2 = 20100 of them; loss = 200 ln 2 − ln 20100 = 138.62944 − 9.90848 = 128.72096
        out.write("answer: {exact: 128.721}\n")
    xml = moodle_bank([str(f)]).text
    assert "showing" in xml
    assert "--window" not in xml and "rerun" not in xml
