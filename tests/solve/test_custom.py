"""kind: custom — weighted sums of independently solved terms, nesting, cycles, missing files."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from rnnloss_cli.errors import ProblemError
from rnnloss_cli.problem import load_problem, parse_problem
from rnnloss_cli.solve import solve

PROBLEMS = Path(__file__).resolve().parents[2] / "problems"

HINGE = "kind: sequence_hinge\ny: [1, -1, 1]\nyhat: [0.8, -0.5, 0.3]\n"
SEQ = "kind: sequence\nyhat: [[0.7, 0.3], [0.5, 0.5]]\ntargets: [0, 1]\n"


def _write(folder: Path, name: str, text: str) -> str:
    path = folder / name
    path.write_text(text)
    return str(path)


def test_shipped_combo_equals_weighted_children():
    combo = solve(load_problem(str(PROBLEMS / "custom-combo.yaml")))
    seq = solve(load_problem(str(PROBLEMS / "seq-translation.yaml")))
    hinge = solve(load_problem(str(PROBLEMS / "hinge-seq.yaml")))
    assert combo.loss == pytest.approx(0.7 * seq.loss + 0.3 * hinge.loss, abs=1e-12)
    # by hand: 0.7 x 1.560648 + 0.3 x 0.466667 = 1.232454
    assert combo.loss == pytest.approx(1.232454, abs=1e-6)
    assert [label for label, _ in combo.children] == [
        "summed sequence cross-entropy",
        "mean sequence hinge",
    ]
    assert all(child.checks is None for _, child in combo.children)
    assert combo.tables[0].columns == ["term", "kind", "value L_i", "weight w_i", "w_i · L_i"]


def test_inline_terms_and_nesting(tmp_path):
    inner = _write(
        tmp_path,
        "inner.yaml",
        "kind: custom\nterms:\n  - weight: 2\n    problem:\n"
        + "".join("      " + line + "\n" for line in HINGE.splitlines()),
    )
    outer = _write(
        tmp_path,
        "outer.yaml",
        "kind: custom\nterms:\n  - weight: 0.5\n    file: inner.yaml\n"
        "  - weight: 1\n    name: ce\n    problem:\n"
        + "".join("      " + line + "\n" for line in SEQ.splitlines()),
    )
    r = solve(load_problem(outer))
    inner_r = solve(load_problem(inner))
    seq_only = solve(load_problem(_write(tmp_path, "seq.yaml", SEQ)))
    assert inner_r.loss == pytest.approx(2 * 1.4 / 3)
    assert r.loss == pytest.approx(0.5 * inner_r.loss + seq_only.loss)
    assert r.children[0][1].children, "the nested custom term keeps its own children"
    assert r.figures["ce"] == pytest.approx(seq_only.loss)


def test_inline_problem_errors_keep_their_line(tmp_path):
    path = _write(
        tmp_path,
        "c.yaml",
        "kind: custom\nterms:\n  - weight: 1\n    problem:\n      kind: sequence_hinge\n"
        "      y: [1, 0, 1]\n      yhat: [0.8, -0.5, 0.3]\n",
    )
    with pytest.raises(ProblemError) as info:
        load_problem(path)
    assert info.value.line == 6 and info.value.field == "terms[0].problem.y"


def test_cycle_is_an_error_naming_the_chain(tmp_path):
    _write(tmp_path, "a.yaml", "kind: custom\nterms:\n  - weight: 1\n    file: b.yaml\n")
    _write(tmp_path, "b.yaml", "kind: custom\nterms:\n  - weight: 1\n    file: a.yaml\n")
    with pytest.raises(ProblemError) as info:
        load_problem(str(tmp_path / "a.yaml"))
    err = info.value
    assert err.file.endswith("b.yaml") and err.line == 4 and err.field == "terms[0].file"
    assert "a.yaml -> b.yaml -> a.yaml" in err.message


def test_self_reference_is_a_cycle(tmp_path):
    path = _write(tmp_path, "s.yaml", "kind: custom\nterms:\n  - weight: 1\n    file: s.yaml\n")
    with pytest.raises(ProblemError, match="s.yaml -> s.yaml"):
        load_problem(path)


def test_missing_file_names_the_referencing_field(tmp_path):
    path = _write(
        tmp_path,
        "m.yaml",
        "kind: custom\nterms:\n  - weight: 1\n    problem:\n      kind: sequence_hinge\n"
        "      y: [1]\n      yhat: [0.5]\n  - weight: 1\n    file: nope.yaml\n",
    )
    with pytest.raises(ProblemError) as info:
        load_problem(path)
    err = info.value
    assert (err.file, err.line, err.field) == (path, 9, "terms[1].file")
    assert "no such file" in err.message


def test_only_the_custom_key_is_checked(tmp_path):
    _write(tmp_path, "h.yaml", HINGE + "answer: 99\n")  # a wrong key in the child
    path = _write(
        tmp_path, "k.yaml", "kind: custom\nterms:\n  - weight: 3\n    file: h.yaml\nanswer: 1.4\n"
    )
    r = solve(load_problem(path))
    assert r.ok and [c.figure for c in r.checks] == ["loss"]


@pytest.mark.parametrize(
    "terms, field, words",
    [
        ("terms: []\n", "terms", "list of terms"),
        ("terms:\n  - weight: 1\n", "terms[0]", "problem, file"),
        ("terms:\n  - weight: x\n    file: a.yaml\n", "terms[0].weight", "number"),
        ("terms:\n  - weigth: 1\n", "terms[0].weigth", "did you mean 'weight'"),
    ],
)
def test_bad_terms(tmp_path, terms, field, words):
    with pytest.raises(ProblemError) as info:
        load_problem(_write(tmp_path, "t.yaml", "kind: custom\n" + terms))
    assert info.value.field == field and words in info.value.message


@pytest.mark.filterwarnings("error")
def test_weighted_sum_past_the_float_range():
    # 1e308 · 1 + 1e308 · 1 = 2e308: infinite, with the reason
    mse = {"kind": "mse", "y": [1], "yhat": [0]}
    terms = [{"weight": 1e308, "problem": mse}, {"weight": 1e308, "problem": mse}]
    r = solve(parse_problem({"kind": "custom", "terms": terms}, {}, "<test>"))
    assert r.loss == math.inf
    assert any("1.8e308" in w for w in r.warnings), r.warnings
    # (1e200)² = inf twice, weighted +1 and −1: inf − inf has no value, NaN with the reason
    big = {"kind": "mse", "y": [1e200], "yhat": [0]}
    terms = [{"weight": 1, "problem": big}, {"weight": -1, "problem": big}]
    r = solve(parse_problem({"kind": "custom", "terms": terms}, {}, "<test>"))
    assert math.isnan(r.loss)
    assert any("inf − inf" in w for w in r.warnings), r.warnings


def _custom(weights: list[float]) -> dict:
    """A custom loss of mse terms, each (1 − 1.5)² = 0.25, with the given weights."""
    mse = {"kind": "mse", "y": [1.0], "yhat": [1.5]}
    return {"kind": "custom", "terms": [{"weight": w, "problem": mse} for w in weights]}


def _lines(r) -> list[str]:
    from rnnloss_cli.render.text import digits_plan, step_text

    plan = digits_plan(r, 3)
    return [step_text(s, 3, plan) for s in r.steps]


def test_negative_weights_are_written_in_parentheses():
    # 0.5 × 0.25 + (−2) × 0.25 = 0.125 − 0.5 = −0.375; it printed "0.5 × 0.25 + -2 × 0.25"
    # and "0.125 + -0.5"
    r = solve(parse_problem(_custom([0.5, -2]), {}, "<test>"))
    assert r.loss == pytest.approx(-0.375)
    assert _lines(r) == ["0.5 × 0.25 + (−2) × 0.25 = −0.375", "0.125 + (−0.5) = −0.375"]


def test_one_term_does_not_add_itself_up():
    # 3 × 0.25 = 0.75; "the weighted terms: 0.75 = 0.75" said nothing
    r = solve(parse_problem(_custom([3]), {}, "<test>"))
    assert _lines(r) == ["3 × 0.25 = 0.75"]


def test_many_terms_are_shown_cut():
    # 1,000 terms of weight 1: L = 1,000 × 0.25 = 250. The weighted sum wrote all 1,000
    # products on one line (about 12 KB); it keeps the first and last, as a long sum does
    from rnnloss_cli.limits import STEP_MAX_TERMS

    r = solve(parse_problem(_custom([1.0] * 1000), {}, "<test>"))
    assert r.loss == pytest.approx(250.0)
    first = _lines(r)[0]
    assert "…" in first and first.endswith(" = 250"), first
    assert first.count("×") == STEP_MAX_TERMS, first


def test_an_inline_terms_own_key_is_said_to_be_unchecked():
    # Found by hand: an inline term with its own key (answer: 5 for an MSE of 1) solved with
    # exit 0 and not a word: the key is never checked, here or anywhere (a referenced file's
    # key gets a note saying so, and it can be checked on its own; an inline one cannot).
    import yaml

    from rnnloss_cli.result import student_notes

    term = "{weight: 1, problem: {kind: mse, y: [1], yhat: [2], answer: 5}}"
    text = f"kind: custom\nterms:\n  - {term}\n"
    r = solve(parse_problem(yaml.safe_load(text), {}, "<t>"))
    assert r.ok  # the problem itself has no key
    notes = [n for n in r.notes if "inline" in n]
    assert len(notes) == 1 and "1: mse" in notes[0] and "not checked" in notes[0], r.notes
    assert notes[0] not in student_notes(r.notes)  # for whoever checks, not for students
    plain = "kind: custom\nterms:\n  - {weight: 1, problem: {kind: mse, y: [1], yhat: [2]}}\n"
    assert not [
        n for n in solve(parse_problem(yaml.safe_load(plain), {}, "<t>")).notes if "inline" in n
    ]


@pytest.mark.parametrize("name", ["", "   "])
def test_a_term_named_nothing_is_refused(name):
    # Found by hand: `name: ""` was taken: its section was titled "term: " and its figure
    # was named "" (an answer key cannot name it, nor `mark --answer` give it, "=0.47").
    import yaml

    data = yaml.safe_load(
        "kind: custom\nterms:\n  - weight: 1\n    name: '" + name + "'\n    problem:\n"
        "      kind: mse\n      y: [1]\n      yhat: [2]\n"
    )
    with pytest.raises(ProblemError) as info:
        parse_problem(data, {}, "<t>")
    assert info.value.field == "terms[0].name", info.value
