"""grade's CSV report says each slip in words a teacher reads: the catalogue's name, then its
sentence, in one properly quoted cell (the JSON report keeps ``slip`` and ``says`` apart).

ben's answers (hand-checked, as in test_grade.py): hinge-sequence's loss 1.4 is the sum of
the terms 0.2 + 0.5 + 0.7 where the mean 0.467 is asked (sum_for_mean); hello-variants' exact
0.12 is the probability itself, where its −ln, 2.120, is asked (probability_for_log). The
sentences are the slip catalogue's (teach/mark.py, ``SLIPS``), written there by hand.
"""

from __future__ import annotations

import csv
import io
import json

from rnnloss_cli.teach.grade import grade_class, report_csv, report_json

PROBLEMS = ["problems/hinge-sequence.yaml", "problems/hello-variants.yaml"]
ANSWERS = """student,problem,figure,value
ana,hinge-sequence,loss,0.467
ben,hinge-sequence,loss,1.4
ben,hello-variants,exact,0.12
cy,hinge-sequence,loss,99
"""
SUM_FOR_MEAN = "it is the sum of the terms; the problem asks for the mean"
PROBABILITY_FOR_LOG = "it is the probability, not its −log (the loss)"


def _rows(tmp_path) -> dict[str, dict[str, str]]:
    f = tmp_path / "answers.csv"
    f.write_text(ANSWERS, encoding="utf-8")
    report = grade_class(PROBLEMS, str(f))
    text = report_csv(report)
    return {r["student"]: r for r in csv.DictReader(io.StringIO(text, newline=""))}, report


def test_the_slips_cell_names_each_slip_and_says_it(tmp_path):
    rows, report = _rows(tmp_path)
    assert rows["ben"]["slips"] == (
        f"hinge-sequence/loss: sum_for_mean ({SUM_FOR_MEAN}); "
        f"hello-variants/exact: probability_for_log ({PROBABILITY_FOR_LOG})"
    )
    # 99 matches no slip: said so, with no sentence to add
    assert rows["cy"]["slips"] == "hinge-sequence/loss: unexplained"
    assert rows["ana"]["slips"] == ""
    # one cell however the sentences are punctuated: every row has the header's six cells
    table = list(csv.reader(io.StringIO(report_csv(report), newline="")))
    assert {len(row) for row in table} == {6}
    # the JSON report is as it was: the name and the sentence apart
    answers = json.dumps(json.loads(report_json(report)), ensure_ascii=False)
    assert '"slip": "sum_for_mean"' in answers and f'"says": "{SUM_FOR_MEAN}"' in answers
