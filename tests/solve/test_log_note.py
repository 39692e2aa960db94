"""The handout writes log for the natural log; a solved handout problem says so once.

A student who presses the calculator's log key on the HELLO answer gets
-log10(0.0254) = 1.595, not 3.673 (= -ln 0.0254): 3.673 / ln 10 = 3.673 / 2.302585 = 1.595.
"""

from pathlib import Path

from rnnloss_cli import solve_file, solve_problem

PROBLEMS = Path(__file__).resolve().parents[2] / "problems"


def _log_notes(result):
    return [n for n in result.notes if "natural log" in n]


def test_handout_problem_names_the_log():
    notes = _log_notes(solve_file(PROBLEMS / "hello.yaml"))
    assert len(notes) == 1, notes
    assert "log10" in notes[0] and "1.595" in notes[0], notes[0]


def test_problems_not_from_the_handout_say_nothing():
    problem = {"kind": "nll", "y": [1, 0], "yhat": [0.5, 0.5], "source": "my own"}
    assert _log_notes(solve_problem(problem)) == []


def test_bits_are_not_nats():
    problem = {"kind": "nll", "y": [1, 0], "yhat": [0.5, 0.5], "source": "handout", "log_base": 2}
    assert _log_notes(solve_problem(problem)) == []


def test_bits_problem_names_the_unit_of_every_column():
    """bce-bits: the per-element term, -ln 0.5 = 0.693, is in nats (the loss is converted at
    the end: 0.693 / ln 2 = 1 bit); the gradient, (0.5 - 1) / (0.5 x 0.5) / ln 2 = -2.885, is
    in bits, and its header says how it was converted."""
    r = solve_file(PROBLEMS / "bce-bits.yaml")
    headers = [c for t in r.tables for c in t.columns]
    term = [c for c in headers if " ln " in c and not c.startswith("∂")]
    grad = [c for c in headers if c.startswith("∂")]
    assert term and all(c.endswith("(nats)") for c in term), term
    assert grad and all(c.endswith("(in bits: nats / ln 2)") for c in grad), grad


def test_a_loss_with_no_value_is_not_called_infinite():
    """finalize labelled any non-finite loss 'the loss is infinite'; NaN (0 × inf in a custom
    total: no value) is not infinite."""
    from rnnloss_cli.result import Result
    from rnnloss_cli.solve.common import finalize

    class Meta:
        title, source, file, notes, log_base, answer = "t", None, None, None, "e", None

    nan = finalize(Meta(), Result("custom", "t", float("nan"), unit=""))
    assert not any("infinite" in w for w in nan.warnings), nan.warnings
    assert any("no value" in w for w in nan.warnings), nan.warnings
    inf = finalize(Meta(), Result("custom", "t", float("inf"), unit=""))
    assert inf.warnings == ["the loss is infinite"]
