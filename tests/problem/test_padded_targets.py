"""A padded target (past a sequence's length) counts for nothing, but it is still read: a
``!!binary`` value there was an internal error (exit 4, "could not convert string to float:
b'hello'"), found by scripts/fuzz_problems.py from problems/seq-padded-batch.yaml, and
``.nan`` / ``.inf`` there were internal errors too (int() of them)."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnloss_cli.errors import ProblemError
from rnnloss_cli.problem import load_problem

# Two sequences padded to T = 2; sequence 2 has 1 real step, its second target is padding.
TEXT = """\
kind: sequence
yhat:
  - - [0.5, 0.5]
    - [0.5, 0.5]
  - - [0.5, 0.5]
    - [0.5, 0.5]
targets:
  - [0, 1]
  - [0, {pad}]
lengths: [2, 1]
"""


def _load(tmp_path: Path, pad: str):
    path = tmp_path / "p.yaml"
    path.write_text(TEXT.format(pad=pad), encoding="utf-8")
    return load_problem(str(path))


@pytest.mark.parametrize("pad", [".nan", ".inf", "-.inf", "1.5", "7"])
def test_a_padded_number_is_read_and_ignored(tmp_path, pad):
    problem = _load(tmp_path, pad)
    assert problem.targets.shape == (2, 2)


@pytest.mark.parametrize("pad", ["!!binary aGVsbG8=", "[1]", "{a: 1}", "true", "null"])
def test_a_padded_non_number_is_refused_naming_it(tmp_path, pad):
    with pytest.raises(ProblemError) as info:
        _load(tmp_path, pad)
    err = info.value
    assert err.field == "targets[1][1]" and err.line == 9, str(err)
    assert "expected a class index or a symbol" in err.message
