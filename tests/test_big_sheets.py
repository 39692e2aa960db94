"""Sheets and the Moodle bank of huge problems: every given and table is windowed and says so.

A question must stay a readable size whatever the problem holds: a 10^6-number list, a batch
of thousands of sequences, a solution table of a million rows. Sizes here run in well under a
second; the assertions are on the caps and on the notes that tell the reader what was left
out, never on timing.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

from rnnloss_cli.limits import TABLE_MAX_COLUMNS, TABLE_MAX_ROWS
from rnnloss_cli.sheet import build_sheet, givens_of
from rnnloss_cli.teach.moodle import html_value, moodle_bank

HALF = TABLE_MAX_ROWS // 2  # 30: the window keeps the first 30 and the last 30 of anything


def _write(tmp_path: Path, name: str, data: dict) -> str:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, default_flow_style=True, width=10**9))
    return str(path)


def _mse(tmp_path: Path, n: int) -> str:
    # y_i = 1, ŷ_i = 0.5 for every i: each squared error is 0.25, so the mean is 0.25.
    data = {"kind": "mse", "title": f"mse of {n}", "y": [1.0] * n, "yhat": [0.5] * n}
    data["answer"] = {"loss": 0.25}
    return _write(tmp_path, f"mse-{n}.yaml", data)


def _questions(text: str) -> list[ET.Element]:
    return ET.fromstring(text).findall("question[@type='numerical']")


# ------------------------------------------------------------------------------ moodle
def test_a_long_list_given_in_a_moodle_question_is_windowed_with_a_note(tmp_path: Path):
    """10,000 numbers: the question shows the first 30 and last 30 (as the sheet does) and
    says so, instead of all 10,000 (a 10^6-number file made a 15 MB bank)."""
    (q,) = _questions(moodle_bank([_mse(tmp_path, 10_000)]).text)
    text = q.find("questiontext/text").text
    assert text.count("0.5") == TABLE_MAX_ROWS  # yhat: 30 + 30 of its 10,000 values
    assert "…" in text
    assert f"showing the first {HALF} and last {HALF} of 10,000 items" in text


def test_moodle_bank_size_does_not_grow_with_the_givens(tmp_path: Path):
    small = moodle_bank([_mse(tmp_path, 1_000)]).text
    big = moodle_bank([_mse(tmp_path, 50_000)]).text
    # The only differences: "1,000" -> "50,000" in notes, the title and the row numbers.
    assert len(big) - len(small) < 1_000, (len(small), len(big))


def test_a_long_matrix_given_keeps_its_first_and_last_rows_and_columns():
    """1,000 rows of 40 columns: 30 + 30 rows with a "…" row, 8 + 8 columns with a "…"
    column (TABLE_MAX_COLUMNS = 16), and a note naming both full sizes."""
    matrix = [[float(j) for j in range(40)] for _ in range(1_000)]
    out = html_value(matrix)
    assert out.count("<tr>") == TABLE_MAX_ROWS + 1  # 60 rows and the "…" row
    first_row = out.split("</tr>")[0]
    assert first_row.count("<td>") == TABLE_MAX_COLUMNS + 1  # 16 columns and the "…" one
    assert "<td>39.0</td>" in first_row and "<td>20.0</td>" not in first_row
    assert (
        f"showing the first {HALF} and last {HALF} of 1,000 rows "
        f"and the first 8 and last 8 of 40 columns"
    ) in out


def test_a_batch_of_many_matrices_keeps_the_first_and_last_ones():
    """2,000 sequences (a 3-D given): the first 30 and the last 30 matrices are shown, and a
    line says how many are left out, instead of 2,000 tables."""
    batch = [[[0.5, 0.5]] * 2 for _ in range(2_000)]
    out = html_value(batch)
    assert out.count("<table") == TABLE_MAX_ROWS
    assert "[1]" in out and "[30]" in out and "[1971]" in out and "[2000]" in out
    assert "[31]" not in out and "[1970]" not in out
    assert "1,940 more matrices" in out


def test_moodle_feedback_tables_show_their_elision_and_note(tmp_path: Path):
    """The worked solution's per-element table holds rows 1-30 and 9,971-10,000: the feedback
    marks the gap with a "…" row and says which rows it shows (it listed the 60 rows as if
    they were the whole table)."""
    (q,) = _questions(moodle_bank([_mse(tmp_path, 10_000)]).text)
    feedback = q.find("generalfeedback/text").text
    assert "<td>…</td>" in feedback
    assert "showing rows 1–30 and 9,971–10,000 of 10,000" in feedback


# ------------------------------------------------------------------------------ sheets
def _batch(tmp_path: Path, n: int) -> str:
    # n sequences of 2 steps over classes a, b, each step predicting (0.5, 0.5): every step
    # costs ln 2, so the summed loss is 2n ln 2.
    data = {
        "kind": "sequence",
        "title": f"{n} sequences",
        "vocabulary": ["a", "b"],
        "yhat": [[[0.5, 0.5], [0.5, 0.5]] for _ in range(n)],
        "targets": [["a", "b"] for _ in range(n)],
    }
    return _write(tmp_path, f"batch-{n}.yaml", data)


def test_sheet_givens_window_a_batch_of_matrices(tmp_path: Path):
    """A batch given of 500 sequences: 60 matrices shown (first 30, last 30), one line
    between saying 440 are left out, instead of 500 tables."""
    data = yaml.safe_load(Path(_batch(tmp_path, 500)).read_text())
    givens = givens_of(data)
    matrices = [g for g in givens if g.shape == "matrix" and g.name.startswith("yhat[")]
    assert len(matrices) == TABLE_MAX_ROWS
    assert [g.name for g in matrices][HALF - 1 : HALF + 1] == ["yhat[30]", "yhat[471]"]
    gap = [g for g in givens if "more matrices" in str(g.value)]
    assert len(gap) == 1 and "440 more matrices" in gap[0].value
    # the batch of targets is a 500 x 2 matrix of symbols: windowed like any matrix
    (targets,) = [g for g in givens if g.name == "targets"]
    assert targets.note == f"showing the first {HALF} and last {HALF} of 500 rows"


def test_sheet_of_a_big_batch_stays_small_in_every_format(tmp_path: Path):
    small, big = _batch(tmp_path, 100), _batch(tmp_path, 2_000)
    for fmt in ("markdown", "latex", "html"):
        for solutions in (False, True):
            a = build_sheet([small], fmt, solutions=solutions)
            b = build_sheet([big], fmt, solutions=solutions)
            assert len(b) - len(a) < 2_000, (fmt, solutions, len(a), len(b))
            assert "more matrices" in b


@pytest.mark.parametrize("name", ["nll-two-words.yaml", "cce-three-classes.yaml"])
def test_class_columns_on_a_sheet_are_numbered_as_the_class_indices(name):
    """nll-two-words: y = [1, 0] are 0-based class indices; its yhat table was headed 1 2 3,
    so a student read class 1 as the first column (−ln 0.2 − ln 0.3 = 2.813, not the key
    −ln 0.7 − ln 0.5 = 1.050). The columns are c0, c1, c2, as in solve's tables."""
    from pathlib import Path

    from rnnloss_cli.problem._yaml import load_yaml
    from rnnloss_cli.sheet import givens_of

    path = Path(__file__).resolve().parents[1] / "problems" / name
    data, _ = load_yaml(path.read_text(), str(path))
    matrices = [g for g in givens_of(data) if g.shape == "matrix"]
    assert matrices and all(g.columns[:2] == ["c0", "c1"] for g in matrices), [
        g.columns for g in matrices
    ]


def test_a_batchs_target_matrix_keeps_step_columns():
    """seq-padded-batch: targets is (sequences, steps) of class indices; its columns are the
    steps 1, 2, 3, not classes (only yhat, logits and one-hot y hold class columns)."""
    from rnnloss_cli.problem._yaml import load_yaml

    path = Path(__file__).resolve().parents[1] / "problems" / "seq-padded-batch.yaml"
    data, _ = load_yaml(path.read_text(), str(path))
    givens = {g.name: g for g in givens_of(data) if g.shape == "matrix"}
    assert givens["targets"].columns == ["1", "2", "3"]
    assert givens["yhat[1]"].columns == ["c0", "c1", "c2"]
