"""A table folded for a narrow terminal repeats every column that names a row: the beam's
t, rank and prefix; a batch's sequence and t (only the first column was repeated, so the
continued table's rows could be matched to their prefixes only by counting)."""

from pathlib import Path

import pytest

from rnnloss_cli import solve_file

PROBLEMS = Path(__file__).resolve().parents[2] / "problems"


@pytest.mark.parametrize(
    ("name", "title", "keys"),
    [
        ("ctc-decode-lm.yaml", "the beam after every frame", ["t", "rank", "prefix l"]),
        ("seq-padded-batch.yaml", "per step", ["sequence", "t"]),
        ("seq-padded-batch.yaml", "gradient", ["sequence", "t"]),
        ("hinge-seq.yaml", "per step", ["sequence", "t"]),
    ],
)
def test_row_naming_columns_are_key_columns(name, title, keys):
    r = solve_file(PROBLEMS / name)
    table = next(t for t in r.tables if t.title.startswith(title))
    assert table.columns[: table.key_columns] == keys, (table.columns, table.key_columns)
