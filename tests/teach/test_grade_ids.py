"""Student ids that differ only by case or surrounding spaces (``S1``, ``s1 ``)."""

from __future__ import annotations

from rnnloss_cli.teach.grade import grade_class

# hinge-sequence: loss (1 point) is the mean of the terms 0.2, 0.5, 0.7 = 1.4 / 3 = 0.4667;
# sum (1 point) is 1.4.
ANSWERS = """student,problem,figure,value
S1,hinge-sequence,loss,0.4667
s1 ,hinge-sequence,sum,1.4
 S1,hinge-sequence,sum,1.4
Ana,hinge-sequence,loss,0.4667
ana,hinge-sequence,sum,1.4
ANA,hinge-sequence,sum,1.4
bo,hinge-sequence,loss,0.4667
"""


def test_ids_that_differ_only_by_case_are_named_in_one_warning_each(tmp_path):
    f = tmp_path / "answers.csv"
    f.write_text(ANSWERS)
    report = grade_class(["problems/hinge-sequence.yaml"], str(f))
    # spaces around an id are not part of it: " S1" is S1, "s1 " is s1 (row 4 is S1's sum)
    assert report.students == ["S1", "s1", "Ana", "ana", "ANA", "bo"]
    assert report.earned("S1") == 2 and report.earned("s1") == 1
    clashes = [i for i in report.issues if "differ only by case" in i]
    assert len(clashes) == 2, report.issues
    assert "'S1'" in clashes[0] and "'s1'" in clashes[0]
    assert all(f"'{s}'" in clashes[1] for s in ("Ana", "ana", "ANA"))
    assert all("\n" not in i for i in clashes)
    assert not any("'bo'" in i for i in report.issues)
