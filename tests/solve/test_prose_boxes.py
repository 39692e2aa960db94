"""Result boxes and prose of the CTC, RNN-T and sequence solvers: a probability too small for
a double is printed from its log, not as 0, beside the finite loss it gives.

Hand arithmetic (RNN-T, T = 1, the empty target, symbols (-, a, b), logits (0, 1e9, 1e9)):
the only path is the one blank, so ln p(y|x) = 0 − ln(e^0 + e^1e9 + e^1e9)
= −(1e9 + ln 2) and the loss is 1e9 + ln 2 = 1000000000.693. In base 10,
p = 10^(−L / ln 10) = 10^(−434294482.20428…) = 10^0.79572 × 10^(−434294483)
= 6.2477e-434294483 (50-digit decimals: ln 2 = 0.69314718…, ln 10 = 2.30258509…).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rnnloss_cli.cli import app

runner = CliRunner()


def run(*args: str, input: str | None = None):
    return runner.invoke(app, list(args), input=input, env={"COLUMNS": "200", "NO_COLOR": "1"})


RNNT_TINY = """\
kind: rnnt
title: a blank of probability e^(-1e9 - ln 2)
symbols: ["-", a, b]
target: ""
logits: [[[0, 1e9, 1e9]]]
"""


def test_rnnt_box_prints_an_underflowing_probability_from_its_log():
    r = run("solve", "-", input=RNNT_TINY)
    assert r.exit_code == 0, r.output
    assert "loss = 1000000000.693 nats" in r.output
    assert "probability = 0\n" not in r.output and "probability = 0 " not in r.output
    assert "probability = 6.25e-434294483" in r.output, r.output


def test_rnnt_probability_figure_stays_a_number_for_keys_and_json():
    # the key compares the float (0 in float64: within any tolerance of 0)
    r = run("solve", "-", input=RNNT_TINY + "answer:\n  probability: 0\n")
    assert r.exit_code == 0, r.output
    r = run("solve", "-", "--format", "json", input=RNNT_TINY)
    assert r.exit_code == 0, r.output
    assert '"probability": 0.0' in r.output


# A sequence target logit 1.8e308 below its step's largest: max z − z_target =
# 1.2345678e308 − (−1.5e308) = 2.7345678e308, above the largest double (1.7976931e308), so
# −ln ŷ ≥ that is infinite. The warning printed both logits with Python's ".6g" ("-1.5e+308",
# "1.23457e+308") whatever -p asked; the bound is now a derivation line at -p's digits.
SEQ_FAR = """\
kind: sequence
title: a target logit 1.8e308 below the largest
logits:
  - - [1.2345678e308, -1.5e308, 0.5]
    - [1, 2, 3]
targets:
  - [1, 2]
"""


# (from 1e16 on a number prints with max(precision, 6) significant digits, the table's rule)
@pytest.mark.parametrize(("precision", "top"), [(2, "1.23457e308"), (8, "1.2345678e308")])
def test_sequence_infinite_bound_follows_precision(precision, top):
    r = run("solve", "-", "-p", str(precision), input=SEQ_FAR)
    assert r.exit_code == 0, r.output
    out = r.output
    assert "e+" not in out, out
    assert set(re.findall(r"1\.23\d*e308", out)) == {top}, out  # the table's, the line's
    line = next(x for x in out.splitlines() if "max z − z_target =" in x)
    assert f"= {top} − (−1.5e308) = inf" in line, line
    warning = next(x for x in out.splitlines() if x.startswith("⚠ the loss is infinite"))
    assert "e308" not in warning, warning


# A load error quotes the file's numbers as written: Python's ":g" printed the taken action's
# logit -1.5e308 as "-1.5e+308" and the step's largest, 1.2345678e308, as "1.23457e+308" (6
# digits: not the number in the file), and a gamma of 1.0000001 as "got 1", inside [0, 1].
RF_FAR = """\
kind: reinforce
title: far logit
logits: [[1.2345678e308, -1.5e308], [0, 1]]
actions: [1, 0]
rewards: [1, 1]
gamma: 0.9
"""


def test_reinforce_far_logit_error_quotes_the_logits_as_written():
    r = run("solve", "-", input=RF_FAR)
    assert r.exit_code == 2, r.output
    assert "e+" not in r.output, r.output
    assert "has logit -1.5e308," in r.output and "(1.2345678e308)" in r.output, r.output


def test_reinforce_gamma_error_quotes_gamma_as_written():
    bad = RF_FAR.replace("gamma: 0.9", "gamma: 1.0000001").replace(
        "1.2345678e308, -1.5e308", "0, 1"
    )
    r = run("solve", "-", input=bad)
    assert r.exit_code == 2, r.output
    assert "got 1.0000001" in r.output, r.output


# hello.yaml, alignment 1 (H-E-L-L-O): its symbols' probabilities frame by frame (P(H) = 0.6,
# P(-) = 0.2, P(E) = 0.5, P(L) = 0.7, P(O) = 0.8 at every frame) multiply to
# 0.6·0.2·0.5·0.2·0.7·0.2·0.7·0.2·0.8: 0.12, 0.06, 0.012, 0.0084, 0.00168, 0.001176,
# 0.0002352, 0.00018816: 0.00019 at -p 2, 0.00018816 at -p 8. The mismatch warning printed
# it as 0.0001882 (4 digits of its own) at every -p; it is a derivation line now.
SYMBOLS_1 = "0.6 × 0.2 × 0.5 × 0.2 × 0.7 × 0.2 × 0.7 × 0.2 × 0.8"


@pytest.mark.parametrize(("precision", "product"), [(2, "0.00019"), (8, "0.00018816")])
def test_mismatch_symbol_product_is_a_line_at_precision(precision, product):
    r = run("solve", "problems/hello.yaml", "-p", str(precision))
    assert r.exit_code == 0, r.output
    flat = " ".join(r.output.split())  # rich wraps at 200 columns only; join anyway
    assert f"alignment 1 by its symbols: {SYMBOLS_1} = {product} " in flat, flat
    assert "0.0001882" not in flat
    warning = flat[flat.index("⚠ alignment 1, H-E-L-L-O") :].split("⚠")[1]
    assert 'multiplied out on the line "alignment 1 by its symbols"' in warning, warning
    assert not re.search(r"= \d", warning), warning  # no number of its own


# 20 listed alignments A- (factors 0.5 × 0.5): the lines show 1-8 and 13-20; alignment 10 has
# factors 0.3 × 0.5 = 0.15 (given) where P(A) × P(-) = 0.5 × 0.5 = 0.25; its given product
# was restated in the warning at 4 digits of its own; both products are lines now.
def test_mismatch_of_an_alignment_left_out_gets_its_lines():
    from rnnloss_cli import solve_problem
    from rnnloss_cli.render.text import step_text

    listed = [{"path": "A-", "factors": [0.5, 0.5]} for _ in range(20)]
    listed[9] = {"path": "A-", "factors": [0.3, 0.5]}
    r = solve_problem(
        {"kind": "ctc", "title": "t", "target": "A", "probs": {"A": 0.5, "-": 0.5},
         "alignments": listed}
    )  # fmt: skip
    lines = {s.label: step_text(s, 3) for s in r.steps}
    assert lines["alignment 10: A- (given)"].endswith("0.3 × 0.5 = 0.15"), lines
    assert lines["alignment 10 by its symbols"].endswith("0.5 × 0.5 = 0.25"), lines
    (warning,) = [w for w in r.warnings if w.startswith("alignment 10,")]
    assert 'the line "alignment 10: A- (given)"' in warning, warning
    assert not re.search(r"= \d", warning), warning


# The givens line of a constant-probability CTC problem writes the frame probability as every
# other line does, y_t(k), not P(k) (ctc solve and ctc paths alike).
def test_ctc_givens_line_writes_y_t():
    r = run("solve", "problems/hello.yaml", "-f", "markdown")
    assert r.exit_code == 0, r.output
    given = "- given, at every frame: y_t(H) = 0.6, y_t(E) = 0.5, y_t(L) = 0.7, y_t(O) = 0.8, "
    assert given + "y_t(-) = 0.2" in r.output.splitlines(), r.output
    assert "P(H)" not in r.output
    r = run("ctc", "paths", "AB", "--frames", "3", "--probs", "A=0.5,B=0.3,-=0.2", "-f", "markdown")
    assert r.exit_code == 0, r.output
    assert "- given, at every frame: y_t(A) = 0.5, y_t(B) = 0.3, y_t(-) = 0.2" in r.output
    assert "P(A)" not in r.output, r.output
    # the infinite loss's reason names the zero the same way
    r = run("ctc", "paths", "AB", "--frames", "2", "--probs", "A=0,B=0.3,-=0.2")
    assert r.exit_code == 0, r.output
    assert "(y_t(A) = 0)" in r.output and "P(A)" not in r.output, r.output


# Probabilities given at every frame that are no distribution: their sum, by hand in
# decimals, 0.1234567 + 0.2345678 + 0.3 = 0.6580245 (exactly: the file's numbers as written);
# Python's ".6g" printed 0.658025 and ":g" the givens as 0.123457 and 0.234568.
def test_ctc_non_distribution_warning_gives_the_exact_sum_of_the_givens():
    from rnnloss_cli import solve_problem

    probs = {"A": 0.1234567, "B": 0.2345678, "-": 0.3}
    r = solve_problem(
        {"kind": "ctc", "title": "t", "target": "AB", "probs": probs, "alignments": ["AB"]}
    )
    (w,) = [w for w in r.warnings if "not a distribution" in w]
    assert "y_t(A) = 0.1234567, y_t(B) = 0.2345678, y_t(-) = 0.3 sum to 0.6580245, not 1" in w, w


def test_common_docstring_examples_run():
    import doctest

    from rnnloss_cli.solve import common

    failed, tried = doctest.testmod(common)
    assert tried >= 2 and failed == 0


def test_listed_probs_is_public():
    # teach/mark.py imports it: no private solver helper is used outside solve/
    from rnnloss_cli import solve_problem  # noqa: F401  (the package imports first)
    from rnnloss_cli.problem import parse_problem
    from rnnloss_cli.solve import ctc

    assert not hasattr(ctc, "_listed_probs")
    constant = parse_problem(
        {"kind": "ctc", "target": "A", "probs": {"A": 0.5, "-": 0.5}, "alignments": ["A"]},
        {},
        "t.yaml",
    )
    assert ctc.listed_probs(constant) == {"A": 0.5, "-": 0.5}
    # per frame: one mapping a frame, the file's rows by symbol
    framed = parse_problem(
        {"kind": "ctc", "target": "A", "symbols": ["-", "A"], "emissions": [[0.2, 0.8], [0.6, 0.4]],
         "alignments": ["A-"]},
        {},
        "t.yaml",
    )  # fmt: skip
    assert ctc.listed_probs(framed) == [{"-": 0.2, "A": 0.8}, {"-": 0.6, "A": 0.4}]


# The listed table's factors are the file's numbers: shown as written (0.1234567), as the
# givens line shows them, not at Python's ":g" 6 digits (0.123457) beside the line
# "alignment 1: … 0.1234567 × …" at -p 8.
CTC_DIGITS = """\
kind: ctc
title: digits of the factors
target: AB
probs: {A: 0.1234567, B: 0.2345678, "-": 0.6419755}
alignments:
  - path: A-B
    factors: [0.1234567, 0.6419755, 0.2345678]
  - AB-
"""


def test_listed_factors_column_shows_the_factors_as_written():
    r = run("solve", "-", "-p", "8", "-f", "markdown", input=CTC_DIGITS)
    assert r.exit_code == 0, r.output
    assert "0.123457 " not in r.output and "0.641976" not in r.output, r.output
    assert "| 0.1234567 × 0.6419755 × 0.2345678 |" in r.output, r.output


def test_givens_line_writes_a_zero_as_the_file_does():
    # ctc paths --probs A=0: "y_t(A) = 0", not Python's repr "0.0"
    r = run("ctc", "paths", "AB", "--frames", "2", "--probs", "A=0,B=0.3,-=0.2", "-f", "markdown")
    assert r.exit_code == 0, r.output
    assert "- given, at every frame: y_t(A) = 0, y_t(B) = 0.3, y_t(-) = 0.2" in r.output, r.output


def test_ctc_gradient_entry_comes_after_the_p_it_divides_by():
    # ∂loss/∂z_1(A) = y_1(A) − α_1(2)·β_1(2) / (y_1(A) · p(l|x)) divides by p(l|x): a student
    # reads p(l|x) = α_T(S') + α_T(S'−1) on its line before the line that uses it
    from rnnloss_cli import solve_file

    for name in ("ctc-exact-ab", "ctc-exact-repeat", "ctc-exact-listed"):
        labels = [s.label for s in solve_file(f"problems/{name}.yaml").shown_steps]
        grad = next(i for i, x in enumerate(labels) if x.startswith("worked gradient entry"))
        assert labels.index("exact p(l|x)") < grad, (name, labels)


def test_check_prints_the_tolerance_as_written(tmp_path):
    # a tolerance of 0.00012345678 was printed with ":g" as 0.000123457 (not the file's number)
    path = tmp_path / "tol.yaml"
    path.write_text(
        "kind: mse\ny: [1, 2]\nyhat: [1, 2.5]\ntolerance: 0.00012345678\nanswer:\n  loss: 0.125\n"
    )
    r = run("check", str(path))
    assert r.exit_code == 0, r.output
    assert " 0.00012345678 " in r.output and "0.000123457 " not in r.output, r.output


def test_sequence_infinite_bound_has_latex_maths(tmp_path):
    # the bound line in a LaTeX solution sheet is maths (10^{308}, \infty), not "e308 … inf"
    from rnnloss_cli import solve_file
    from rnnloss_cli.render.text import step_latex

    path = tmp_path / "far.yaml"
    path.write_text(SEQ_FAR)
    r = solve_file(path)
    (step,) = [s for s in r.steps if s.label.startswith("why the term")]
    tex = step_latex(step, 3)
    assert r"1.23457 \times 10^{308} - (-1.5 \times 10^{308})" in tex and r"\infty" in tex, tex


def test_rnnt_all_blank_product_prints_an_underflowing_factor_from_its_log():
    # U = 0, T = 2: y(0, 0, ∅) = e^(−1e9 − ln 2) = 6.2477e-434294483 (the module docstring's
    # arithmetic), y(1, 0, ∅) = e^0 / (e^0 + e^1 + e^2) = 1 / 11.107 = 0.090031; the product
    # line printed the first factor as 0 ("0 × 0.09 ≈ 5.62e-434294484"). The product
    # 6.2477 × 0.090031 = 0.56248 prints 5.62e-434294484, but the printed factors give
    # 6.25 × 0.09 = 0.5625 exactly, a tie a student rounds half up to 5.63: the line says ≈
    # (it said "=", a tie being taken either way; render/relation.py rounds it half up)
    text = RNNT_TINY.replace("[[[0, 1e9, 1e9]]]", "[[[0, 1e9, 1e9]], [[0, 1, 2]]]")
    r = run("solve", "-", input=text)
    assert r.exit_code == 0, r.output
    flat = " ".join(r.output.split())
    assert "Π_t y(t, 0, ∅) = 6.25e-434294483 × 0.09 ≈ 5.62e-434294484" in flat, flat


def test_rnnt_all_blank_product_of_a_long_input_is_windowed():
    # U = 0, T = 20 frames of logits (0, 1): y(t, 0, ∅) = 1 / (1 + e) = 0.268941 each;
    # p = 0.268941^20 = e^(20 × −1.3132617) = e^(−26.265) = 3.92e-12 (e^−26 = 5.109e-12,
    # e^−0.265 = 0.7672); the line keeps the first 13 and last 2 factors (terms(): 16 at
    # most) and says how many it leaves out, 20 − 15 = 5
    text = RNNT_TINY.replace("[[[0, 1e9, 1e9]]]", "[" + ", ".join(["[[0, 1]]"] * 20) + "]")
    r = run("solve", "-", input=text.replace('"-", a, b', '"-", a'))
    assert r.exit_code == 0, r.output
    flat = " ".join(r.output.split())
    assert "× … (5 more) … ×" in flat and "= 3.92e-12 RNN-T loss" in flat, flat


def test_the_reinforce_loss_has_no_unit_of_nats():
    """L = −Σ_t A_t ln π(y_t|s_t) weighs nats by advantages (rewards): its unit is reward times
    nats, so the result names none, as MSE's and the hinge's do (it said "−0.196 nats")."""
    problem = Path(__file__).resolve().parents[2] / "problems" / "reinforce-episode.yaml"
    out = CliRunner().invoke(app, ["solve", str(problem)], env={"COLUMNS": "200"})
    assert out.exit_code == 0, out.output
    assert "nats" not in out.output.split("result")[-1], out.output
    js = CliRunner().invoke(app, ["solve", str(problem), "-f", "json"])
    assert '"unit": ""' in js.output
