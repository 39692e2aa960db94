"""kind: custom — totals with no value (0 · ∞, ∞ − ∞, a NaN term) and errors in a term's name.

The loss L = Σ_i w_i L_i is reported, never refused, when a term is infinite: every input is
valid, and each term's derivation shows where its infinity came from. A total with no value
is NaN (as PyTorch computes it), said so with the term(s) responsible; no numpy warning.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rnnloss_cli.cli import app
from rnnloss_cli.errors import ProblemError
from rnnloss_cli.problem import load_problem, parse_problem
from rnnloss_cli.solve import solve

runner = CliRunner()

#: nll of class 0 predicted with probability 0: −ln 0 = +∞ (a valid problem, infinite loss).
INF = {"kind": "nll", "y": [0], "yhat": [[0.0, 1.0]]}
#: mse of [1] vs [3]: (1 − 3)² = 4.
FOUR = {"kind": "mse", "y": [1], "yhat": [3]}


def _solve(*terms: dict):
    return solve(parse_problem({"kind": "custom", "terms": list(terms)}, {}, "<test>"))


@pytest.mark.filterwarnings("error")
def test_zero_weight_on_an_infinite_term_is_undefined_with_the_reason():
    # 0 · (+∞) is an indeterminate form: IEEE (and PyTorch's 0 * inf) give NaN. Before the fix
    # the total was NaN but the warning said "the loss is infinite".
    r = _solve({"name": "ce", "weight": 0, "problem": INF}, {"weight": 1, "problem": FOUR})
    assert math.isnan(r.loss)
    assert not any(w == "the loss is infinite" for w in r.warnings), r.warnings
    why = [w for w in r.warnings if "undefined" in w]
    assert len(why) == 1, r.warnings
    assert "0 × inf" in why[0] and "term 1 (ce)" in why[0], why[0]


@pytest.mark.filterwarnings("error")
def test_inf_minus_inf_names_the_terms():
    # (+∞) · 1 + (+∞) · (−1) = ∞ − ∞: no value.
    r = _solve(
        {"name": "a", "weight": 1, "problem": INF}, {"name": "b", "weight": -1, "problem": INF}
    )
    assert math.isnan(r.loss)
    why = [w for w in r.warnings if "undefined" in w]
    assert len(why) == 1 and "term 1 (a)" in why[0] and "term 2 (b)" in why[0], r.warnings


@pytest.mark.filterwarnings("error")
def test_a_nested_undefined_term_makes_the_total_undefined_with_its_reason():
    inner = {
        "kind": "custom",
        "terms": [{"weight": 1, "problem": INF}, {"weight": -1, "problem": INF}],
    }
    r = _solve({"name": "inner", "weight": 2, "problem": inner}, {"weight": 1, "problem": FOUR})
    assert math.isnan(r.loss)
    assert not any(w == "the loss is infinite" for w in r.warnings), r.warnings
    why = [w for w in r.warnings if "undefined" in w]
    assert len(why) == 1 and "term 1 (inner)" in why[0] and "inf − inf" in why[0], r.warnings


@pytest.mark.filterwarnings("error")
def test_a_negative_weight_on_an_infinite_term_is_minus_infinity_named():
    # (+∞) · (−2) + 4 · 1 = −∞
    r = _solve({"name": "ce", "weight": -2, "problem": INF}, {"weight": 1, "problem": FOUR})
    assert r.loss == -math.inf
    assert any("term 1 (ce)" in w and "infinite" in w for w in r.warnings), r.warnings


def test_cli_reports_the_undefined_total_without_numpy_warnings(tmp_path, monkeypatch):
    (tmp_path / "c.yaml").write_text(
        "kind: custom\nterms:\n  - name: ce\n    weight: 0\n    problem:\n"
        "      kind: nll\n      y: [0]\n      yhat: [[0, 1]]\n"
    )
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["solve", "c.yaml", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert "RuntimeWarning" not in result.output
    doc = json.loads(result.stdout)
    assert doc["loss"] is None
    assert any("0 × inf" in w for w in doc["warnings"]), doc["warnings"]


# ------------------------------------------------------------------ errors in a term's name
def _load(tmp_path: Path, text: str):
    path = tmp_path / "t.yaml"
    path.write_text(text)
    with pytest.raises(ProblemError) as info:
        load_problem(str(path))
    return info.value


MSE = "    problem: {kind: mse, y: [1], yhat: [1]}\n"


def test_two_terms_with_one_name_are_refused_at_the_second_name(tmp_path):
    # Names are the figures an answer key checks (answer: {x: 4}); two terms named x made
    # the second one uncheckable, silently.
    err = _load(
        tmp_path,
        "kind: custom\nterms:\n  - name: x\n    weight: 1\n" + MSE + "  - weight: 2\n"
        "    name: x\n" + MSE,
    )
    assert (err.line, err.field) == (7, "terms[1].name"), str(err)
    assert "line 3" in err.message and "term 1" in err.message, err.message


def test_a_term_named_loss_is_refused(tmp_path):
    # 'loss' is the total's figure: the term's own figure was dropped without a word.
    err = _load(tmp_path, "kind: custom\nterms:\n  - weight: 1\n    name: loss\n" + MSE)
    assert (err.line, err.field) == (4, "terms[0].name"), str(err)


@pytest.mark.parametrize("name", ["a=b", "'=x'"])
def test_a_term_name_holding_an_equals_sign_is_refused(tmp_path, name):
    # mark --answer 'a=b=0.25' read the figure 'a' (and '=x=1' was no FIGURE=VALUE), while
    # check and grade took the figure: a name an answer cannot give
    err = _load(tmp_path, f"kind: custom\nterms:\n  - weight: 1\n    name: {name}\n" + MSE)
    assert (err.line, err.field) == (4, "terms[0].name"), str(err)
    assert "cannot hold '='" in err.message and "NAME=VALUE" in err.message


def test_a_term_that_is_not_a_mapping_names_its_line_and_field(tmp_path):
    err = _load(tmp_path, "kind: custom\nterms:\n  - weight: 1\n" + MSE + "  - 5\n")
    assert (err.line, err.field) == (5, "terms[1]"), str(err)


def test_an_inline_terms_bad_answer_key_names_its_full_field(tmp_path):
    (tmp_path / "t.yaml").write_text(
        "kind: custom\nterms:\n  - weight: 1\n    problem:\n      kind: mse\n"
        "      y: [1]\n      yhat: [1]\n      answer: {foo: 1}\n"
    )
    with pytest.raises(ProblemError) as info:
        solve(load_problem(str(tmp_path / "t.yaml")))
    assert (info.value.line, info.value.field) == (8, "terms[0].problem.answer.foo")
