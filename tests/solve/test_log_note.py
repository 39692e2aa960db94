"""The handout writes log for the natural log; a solved handout problem says so once.

A student who presses the calculator's log key on the HELLO answer gets
-log10(0.0254) = 1.595, not 3.673 (= -ln 0.0254): 3.673 / ln 10 = 3.673 / 2.302585 = 1.595.
"""

import math
import re
from pathlib import Path

import pytest

from rnnloss_cli import solve_file, solve_problem
from rnnloss_cli.render.text import digits_plan, step_text

PROBLEMS = Path(__file__).resolve().parents[2] / "problems"


def _log_notes(result):
    return [n for n in result.notes if "natural log" in n]


def test_handout_problem_names_the_log():
    notes = _log_notes(solve_file(PROBLEMS / "hello.yaml"))
    assert len(notes) == 1, notes
    assert "log10" in notes[0], notes[0]


@pytest.mark.parametrize(
    ("precision", "line"),
    [
        # the loss −ln 0.0254016 = 3.672943 prints 3.7 at 1 decimal; 3.7 / ln 10 =
        # 3.7 / 2.302585 = 1.6069, which prints 1.6 (not 1.595, a fixed 4 digits)
        (1, "3.7 nats / ln 10 = 1.6"),
        (3, "3.673 nats / ln 10 = 1.595"),
        # −log10 0.0254016 = 2 − log10 2.54016 = 1.595138 (the loss to 6 decimals, 3.672943)
        (6, f"3.672943 nats / ln 10 = {-math.log10(0.0254016):.6f}"),
    ],
)
def test_the_log10_figure_is_a_line_at_the_precision(precision, line):
    """The log10 figure was a note's "1.595" at every --precision; it is a derivation line,
    redone from the printed loss and printed with the derivation's digits."""
    r = solve_file(PROBLEMS / "hello.yaml")
    digits = digits_plan(r, precision)
    shown = [step_text(s, precision, digits) for s in r.shown_steps]
    assert line in shown, shown[-3:]
    assert not any(re.search(r"\d\.\d{4}\)", n) for n in _log_notes(r)), r.notes


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
