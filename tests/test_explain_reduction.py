"""``explain``'s formula is the one ``solve`` computes by default: a mean carries its 1/n,
a sum has none (explain's hinge said Σᵢ max(0, 1 − yᵢŷᵢ) = 1.7 where solve gives 0.85).

Each problem has two terms, worked by hand, so the default reduction shows in the loss.
"""

from __future__ import annotations

import math

import pytest

from rnnloss_cli.explain import EXPLANATIONS
from rnnloss_cli.problem import parse_problem
from rnnloss_cli.solve import solve

CASES = [
    # hinge: max(0, 1 − 1·0.5) = 0.5, max(0, 1 − (−1)(0.2)) = 1.2
    ("hinge", {"y": [1, -1], "yhat": [0.5, 0.2]}, [0.5, 1.2]),
    ("sequence_hinge", {"y": [1, -1], "yhat": [0.5, 0.2]}, [0.5, 1.2]),
    # mse: (1 − 0.5)² = 0.25, (0 − 1)² = 1
    ("mse", {"y": [1, 0], "yhat": [0.5, 1.0]}, [0.25, 1.0]),
    # bce: −ln 0.5, −ln(1 − 0.75) = −ln 0.25
    ("bce", {"y": [1, 0], "yhat": [0.5, 0.75]}, [-math.log(0.5), -math.log(0.25)]),
    # nll / cce: −ln 0.5, −ln 0.25
    ("nll", {"y": [0, 1], "yhat": [[0.5, 0.5], [0.75, 0.25]]}, [-math.log(0.5), -math.log(0.25)]),
    ("cce", {"y": [0, 1], "yhat": [[0.5, 0.5], [0.75, 0.25]]}, [-math.log(0.5), -math.log(0.25)]),
]


@pytest.mark.parametrize(("kind", "fields", "terms"), CASES, ids=[c[0] for c in CASES])
def test_explain_formula_has_1_over_n_exactly_when_solve_averages(kind, fields, terms):
    data = {"kind": kind, **fields}
    loss = solve(parse_problem(data, None, "t.yaml")).loss
    mean = sum(terms) / len(terms)
    total = sum(terms)
    assert math.isclose(loss, mean) or math.isclose(loss, total), (kind, loss)
    averages = math.isclose(loss, mean)
    e = EXPLANATIONS[kind]
    assert ("(1/n)" in e.formula) == averages, (kind, e.formula, loss)
    assert (r"\frac{1}{n}" in e.formula_latex) == averages, (kind, e.formula_latex, loss)


@pytest.mark.parametrize("key", ["ctc", "ctc_align", "ctc_decode"])
def test_ctc_formulas_name_the_frame_probability_as_solve_does(key):
    """solve writes a frame's probability y_t(k) (t the frame, k the symbol); explain wrote
    yᵗ(πₜ) in the terminal and y^t_k in markdown: one quantity, one name."""
    e = EXPLANATIONS[key]
    for text in (e.formula, e.formula_latex, e.where):
        assert "yᵗ" not in text and "y^t" not in text and "y^{t}" not in text, text
    assert "y_t(" in e.formula, e.formula
    assert "y_t(" in e.formula_latex, e.formula_latex


def test_markdown_decoding_formula_keeps_the_repeat_rule():
    """The terminal's formula says a repeated label extends a prefix from p_b only; the
    markdown (LaTeX) formula left that out, and with it the rule that makes 'aa' need a blank."""
    e = EXPLANATIONS["ctc_decode"]
    assert "repeats" in e.formula
    assert "repeats" in e.formula_latex, e.formula_latex


def test_nll_names_the_true_class_probability_as_solve_does():
    """solve writes NLL = −Σ_i ln ŷ_i(y_i); explain wrote ln ŷᵢ,₍yᵢ₎ (a parenthesised
    subscript) in the terminal: one quantity, one name."""
    e = EXPLANATIONS["nll"]
    assert "ŷ_i(y_i)" in e.formula, e.formula
    assert r"\hat y_i(y_i)" in e.formula_latex, e.formula_latex
