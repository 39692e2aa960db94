"""A file that many custom terms refer to is read and parsed once per load (1,000 terms
naming one file read it 1,000 times: 12 of 16 s), and the nested terms it brings still count
toward MAX_CUSTOM_TERMS every time it is used."""

from __future__ import annotations

import pytest

from rnnloss_cli import problem as problem_module
from rnnloss_cli.errors import ProblemError
from rnnloss_cli.problem import load_problem


def _write(tmp_path, name, text):
    (tmp_path / name).write_text(text)
    return str(tmp_path / name)


def test_a_file_named_by_many_terms_is_read_once(tmp_path, monkeypatch):
    _write(tmp_path, "one.yaml", "kind: mse\ny: [1]\nyhat: [0.5]\n")
    terms = "".join("  - {weight: 1, file: one.yaml}\n" for _ in range(50))
    top = _write(tmp_path, "top.yaml", "kind: custom\nterms:\n" + terms)
    reads: list[str] = []
    real = problem_module.read_text

    def counting(path: str) -> str:
        reads.append(path)
        return real(path)

    monkeypatch.setattr(problem_module, "read_text", counting)
    p = load_problem(top)
    assert len(p.terms) == 50
    assert sum(r.endswith("one.yaml") for r in reads) == 1, reads


def test_nested_terms_of_a_cached_file_still_count(tmp_path):
    # inner.yaml has 30 terms; 40 references: 40 + 40 x 30 = 1,240 > MAX_CUSTOM_TERMS (1,000)
    inner_terms = "".join("  - {weight: 1, problem: {kind: mse, y: [1], yhat: [0.5]}}\n" * 30)
    _write(tmp_path, "inner.yaml", "kind: custom\nterms:\n" + inner_terms)
    terms = "".join("  - {weight: 1, file: inner.yaml}\n" for _ in range(40))
    top = _write(tmp_path, "top.yaml", "kind: custom\nterms:\n" + terms)
    with pytest.raises(ProblemError, match="MAX_CUSTOM_TERMS"):
        load_problem(top)
