"""The decoding notes restate no number: the lines print them at ``--precision`` with the
derivation's digits, a note (plain text, built before any renderer) could only give them
digits of its own. The pruned beam's exact total and its shortfall get a line of their own.

Hand arithmetic (a calculator, not the engine):

beam 1 over y_1 = (- .4, a .6), y_2 = (- .6, a .4): "" (.4) is pruned at t = 1, so the
beam's a counts aa (.6 × .4 = .24) and a- (.6 × .6 = .36): .6; exact p(a|x) adds -a
(.4 × .4 = .16): .76, short by .76 − .6 = .16.

ctc-decode-lm.yaml: l* = ab, p(ab|x) = .8 × .35 = .28; −ln .28 = 1.2730, 1.3 at ``-p 1``,
while −ln .3 (the 1-digit .28) = 1.204 would give 1.2: the line prints .28 with a guard digit.
"""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from rnnloss_cli import solve_file, solve_problem
from rnnloss_cli.cli.app import app

PROBLEMS = Path(__file__).resolve().parents[2] / "problems"
SHORT = {"kind": "ctc_decode", "symbols": ["-", "a"], "beam": 1,
         "emissions": [[0.4, 0.6], [0.6, 0.4]]}  # fmt: skip
runner = CliRunner()


def _markdown(path: Path, *args: str) -> str:
    done = runner.invoke(app, ["solve", str(path), "-f", "markdown", *args])
    assert done.exit_code == 0, done.output
    return done.output


def test_an_exact_pruned_total_is_named_by_its_line_not_restated():
    r = solve_file(PROBLEMS / "ctc-decode-lm.yaml")
    (note,) = [n for n in r.notes if "pruned" in n]
    assert re.findall(r"\d", note) == [], note
    assert '"beam search result"' in note and "is exact" in note


def test_a_short_pruned_total_gets_a_line_with_the_exact_value_and_the_shortfall(tmp_path):
    r = solve_problem(SHORT)
    (note,) = [n for n in r.notes if "lower bound" in n]
    assert re.findall(r"\d", note) == [], note
    assert '"exact CTC of l*"' in note
    path = tmp_path / "short.yaml"
    path.write_text(
        "kind: ctc_decode\nsymbols: ['-', a]\nbeam: 1\nemissions: [[0.4, 0.6], [0.6, 0.4]]\n"
    )
    out = _markdown(path, "-p", "2")
    assert "p(a\\|x) over all its alignments = 0.76;  the beam's total falls short by " \
        "0.76 − 0.6 = 0.16" in out, out  # fmt: skip


def test_the_loss_line_prints_the_probability_it_takes_the_log_of():
    out = _markdown(PROBLEMS / "ctc-decode-lm.yaml", "-p", "1")
    assert "−ln p(l\\*\\|x) = −ln 0.28 = 1.3" in out, out


def test_the_lm_score_lines_take_the_log_of_the_printed_probabilities(tmp_path):
    # y_1 = (- .1, a .69, b .11, c .1), y_2 = (- .05, a .05, b .4, c .5); ln P: a −.3, b −.4,
    # c −2; λ = 1. Greedy path ac: p(ac|x) = .69 × .5 = .345 (no other path over 2 frames);
    # ab: .69 × .4 = .276. score(ab) = ln .276 − .7 = −1.98720, score(ac) = ln .345 − 2.3 =
    # −3.36418. At -p 1 the lines printed p(ac|x) = 0.3 and then ln p(ac|x) = -1.1, but
    # ln .3 = −1.204 (−1.2): the score line now takes ln of the printed probability
    path = tmp_path / "lm.yaml"
    path.write_text(
        "kind: ctc_decode\nsymbols: ['-', a, b, c]\nbeam: 3\nlm: {a: -0.3, b: -0.4, c: -2}\n"
        "lm_weight: 1\nemissions: [[0.1, 0.69, 0.11, 0.1], [0.05, 0.05, 0.4, 0.5]]\n"
    )
    out = _markdown(path, "-p", "1")
    assert "= ln 0.345 + 1 × (−2.3) = −3.364" in out, out
    assert "= ln 0.28 + 1 × (−0.7) = −2" in out, out


def test_the_lm_sum_is_a_line_at_the_precision_and_the_note_names_it():
    # ctc-decode-lm.yaml: P(a) + P(b) + P(c) = e^-0.3 + e^-0.4 + e^-2 = 0.740818 + 0.670320
    # + 0.135335 = 1.546473: 0.74 + 0.67 + 0.14 = 1.55 at -p 2 (the note used to say 1.546
    # at 4 digits of its own)
    r = solve_file(PROBLEMS / "ctc-decode-lm.yaml")
    (note,) = [n for n in r.notes if "not a distribution" in n]
    assert re.findall(r"\d", note.replace("sum past 1", "")) == [], note
    assert '"next-symbol probabilities with no context"' in note, note
    out = _markdown(PROBLEMS / "ctc-decode-lm.yaml", "-p", "2")
    assert r"(k)} = 0.74 + 0.67 + 0.14 = 1.55,\ \text{more than } 1$" in out, out
