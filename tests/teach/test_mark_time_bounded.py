"""mark's search for a slip is bounded in time: each re-solve of a changed problem costs a
whole solve, so on a large problem (a 99,000-frame CTC file solved in 8 s) marking one wrong
answer took 53 s; the search stops at MAX_MARK_SECONDS and the report says so, instead of
"no known slip" as if none had been tried."""

from __future__ import annotations

from pathlib import Path

import rnnloss_cli.teach.mark as mark
from rnnloss_cli.teach.mark import mark_answers, report_text


class _Clock:
    """A fake ``mark._now``: every reading ``step`` seconds after the one before."""

    def __init__(self, step: float):
        self.t, self.step = 0.0, step

    def __call__(self) -> float:
        self.t += self.step
        return self.t


def test_the_slip_search_stops_at_the_limit_and_says_so(monkeypatch):
    # the handout's hinge: the sum 1.4 where the mean is asked is the slip sum_for_mean, found
    # without the limit (test_mark.py); with every re-solve reading 100 s later, none is made
    monkeypatch.setattr(mark, "MAX_MARK_SECONDS", 10)
    monkeypatch.setattr(mark, "_now", _Clock(100.0))
    m = mark_answers("problems/hinge-sequence.yaml", {"loss": 1.4}).marks[0]
    assert not m.right and m.slip is None and m.search_cut
    text = report_text(mark_answers("problems/hinge-sequence.yaml", {"loss": 1.4}))
    assert "the search for a slip stopped after 10 s (MAX_MARK_SECONDS)" in text, text
    assert "no known slip" not in text


def test_a_search_within_the_limit_names_the_slip(monkeypatch):
    monkeypatch.setattr(mark, "_now", _Clock(0.001))
    m = mark_answers("problems/hinge-sequence.yaml", {"loss": 1.4}).marks[0]
    assert (m.slip, m.search_cut) == ("sum_for_mean", False)


def test_a_cut_search_is_reported_for_every_answer_that_reuses_it(monkeypatch):
    """grade marks every student's answers on one solved problem and keeps each figure's slip
    values: a search cut for the first student was kept, so the second one's wrong answer
    read "no known slip in the catalogue" although the catalogue was never all tried."""
    from rnnloss_cli.problem import load_problem
    from rnnloss_cli.solve import solve
    from rnnloss_cli.teach.mark import Ctx, mark_ctx

    monkeypatch.setattr(mark, "MAX_MARK_SECONDS", 10)
    monkeypatch.setattr(mark, "_now", _Clock(100.0))
    problem = load_problem("problems/hinge-sequence.yaml")
    ctx = Ctx(problem, solve(problem))
    first = mark_ctx(ctx, {"loss": 1.4}).marks[0]
    again = mark_ctx(ctx, {"loss": 1.4}).marks[0]
    assert first.search_cut and again.search_cut
    assert "stopped after 10 s" in report_text(mark_ctx(ctx, {"loss": 1.4}))


def test_grade_says_why_a_wrong_answer_is_unexplained(monkeypatch, tmp_path):
    from rnnloss_cli.teach.grade import _slip_words
    from rnnloss_cli.teach.mark import mark_answers

    monkeypatch.setattr(mark, "MAX_MARK_SECONDS", 10)
    monkeypatch.setattr(mark, "_now", _Clock(100.0))
    m = mark_answers("problems/hinge-sequence.yaml", {"loss": 1.4}).marks[0]

    class A:  # the fields of grade's Answer that _slip_words reads
        slip, says = m.slip, m.says

    assert _slip_words(A()).startswith("unexplained (the search for a slip stopped after 10 s")


def test_grade_json_carries_search_cut(monkeypatch, tmp_path):
    """mark -f json has search_cut; grade --json's answers did not (only says held it)."""
    import json

    from typer.testing import CliRunner

    from rnnloss_cli.cli import app

    monkeypatch.setattr(mark, "MAX_MARK_SECONDS", 10)
    monkeypatch.setattr(mark, "_now", _Clock(100.0))
    folder = tmp_path / "g"
    folder.mkdir()
    root = Path(__file__).resolve().parents[2]
    (folder / "hinge-sequence.yaml").write_text((root / "problems/hinge-sequence.yaml").read_text())
    answers = tmp_path / "a.csv"
    answers.write_text("student,problem,figure,value\ns1,hinge-sequence,loss,1.4\n")
    out = tmp_path / "r.json"
    r = CliRunner().invoke(app, ["grade", str(folder), str(answers), "--json", str(out)])
    assert r.exit_code == 0, r.output
    doc = json.loads(out.read_text())
    found = json.dumps(doc)
    assert '"search_cut": true' in found, found[:2000]
