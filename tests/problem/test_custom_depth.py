"""kind: custom: a long chain of files referring to files is refused at a stated depth."""

from __future__ import annotations

import pytest

from rnnloss_cli import limits
from rnnloss_cli.errors import ProblemError
from rnnloss_cli.problem import load_problem


def _chain(tmp_path, n: int) -> str:
    """f0.yaml -> f1.yaml -> ... -> f{n}.yaml, an mse problem."""
    (tmp_path / f"f{n}.yaml").write_text("kind: mse\ny: [1]\nyhat: [3]\n")
    for i in range(n):
        (tmp_path / f"f{i}.yaml").write_text(
            f"kind: custom\nterms:\n  - weight: 1\n    file: f{i + 1}.yaml\n"
        )
    return str(tmp_path / "f0.yaml")


def test_chain_deeper_than_the_limit_is_one_error(tmp_path):
    # 1500 files deep exhausted Python's recursion before the limit (RecursionError)
    with pytest.raises(ProblemError) as info:
        load_problem(_chain(tmp_path, 1500))
    assert "MAX_NESTING" in info.value.message and info.value.line == 4


def test_chain_within_the_limit_loads(tmp_path):
    problem = load_problem(_chain(tmp_path, 5))
    for _ in range(5):
        problem = problem.terms[0].problem
    assert problem.y.tolist() == [1.0]
    assert limits.MAX_NESTING > 5


@pytest.mark.parametrize(
    ("ref", "words"),
    [
        ("/dev/null", "not a regular file"),  # a device: it exists, it is not "no such file"
        ("sub", "is a folder"),
        ("missing.yaml", "no such file"),
    ],
)
def test_a_term_file_that_is_not_a_file_says_what_it_is(tmp_path, ref, words):
    (tmp_path / "sub").mkdir()
    f = tmp_path / "c.yaml"
    f.write_text(f"kind: custom\nterms:\n  - {{weight: 1, file: {ref}}}\n")
    with pytest.raises(ProblemError) as info:
        load_problem(str(f))
    assert (info.value.line, info.value.field) == (3, "terms[0].file"), info.value
    assert words in info.value.message, info.value.message
