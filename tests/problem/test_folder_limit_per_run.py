"""MAX_FOLDER_FILES: a folder is refused for its own files, a run for all it names once each.
`check A A` (A under the limit) was refused as "more than the limit ... under this folder",
and `check A B` blamed A for B's files. Provenance: helper audit 2 of the CLI, F4."""

from __future__ import annotations

import pytest

from rnnloss_cli import limits
from rnnloss_cli.errors import ProblemError
from rnnloss_cli.problem import problem_files


@pytest.fixture
def two_folders(tmp_path, monkeypatch):
    monkeypatch.setattr(limits, "MAX_FOLDER_FILES", 3)
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        for i in range(2):
            (tmp_path / name / f"p{i}.yaml").write_text("kind: mse\ny: [1]\nyhat: [1]\n")
    return tmp_path


def test_a_folder_named_twice_is_walked_once(two_folders):
    a = str(two_folders / "a")
    assert len(problem_files([a, a])) == 2


def test_the_run_is_refused_for_all_its_files_not_one_folder(two_folders):
    with pytest.raises(ProblemError) as info:
        problem_files([str(two_folders / "a"), str(two_folders / "b")])
    assert "the 4 problem files named are more than the limit MAX_FOLDER_FILES = 3" in str(
        info.value
    )
    assert "under this folder" not in str(info.value)


def test_one_folder_over_the_limit_is_still_named(two_folders):
    for i in range(2, 4):
        (two_folders / "a" / f"p{i}.yaml").write_text("kind: mse\ny: [1]\nyhat: [1]\n")
    with pytest.raises(ProblemError, match="under this folder"):
        problem_files([str(two_folders / "b"), str(two_folders / "a")])
