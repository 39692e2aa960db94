"""The answers CSV may name a problem by its path written another way than on the command
line (``./problems/hello.yaml``, an absolute path): the same file is the same problem. They
were "unknown problem" and skipped, where ``problems/hello.yaml`` was graded."""

from __future__ import annotations

from pathlib import Path

from rnnloss_cli.teach.grade import grade_class

# hello.yaml's key: listed = −ln(0.0065856 + 0.009408 + 0.009408) = −ln 0.0254016 = 3.673
_ROOT = Path(__file__).resolve().parents[2]


def test_a_path_written_another_way_names_the_same_problem(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(_ROOT)
    answers = tmp_path / "answers.csv"
    absolute = _ROOT / "problems" / "hello.yaml"
    answers.write_text(
        "student,problem,figure,value\n"
        "a,problems/hello.yaml,listed,3.673\n"
        "b,./problems/hello.yaml,listed,3.673\n"
        f"c,{absolute},listed,3.673\n"
        "d,problems/../problems/hello.yaml,listed,3.673\n"
    )
    report = grade_class(["problems/"], str(answers))
    assert report.issues == []
    assert {s: report.earned(s) for s in report.students} == dict.fromkeys("abcd", 1)


def test_a_path_to_a_file_not_graded_is_still_unknown(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(_ROOT)
    answers = tmp_path / "answers.csv"
    answers.write_text("student,problem,figure,value\na,./problems/hello.yaml,listed,3.673\n")
    report = grade_class(["problems/hinge-sequence.yaml"], str(answers))
    assert len(report.issues) == 1 and "unknown problem" in report.issues[0]
