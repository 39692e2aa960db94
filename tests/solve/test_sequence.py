"""Solvers for sequence, sequence_hinge and reinforce against hand-worked values."""

from __future__ import annotations

import math

import pytest

from rnnloss_cli.problem import parse_problem
from rnnloss_cli.solve import solve


def _solve(data: dict):
    return solve(parse_problem(data, {}, "<test>"))


YHAT = [[0.7, 0.1, 0.1, 0.1], [0.2, 0.5, 0.2, 0.1], [0.1, 0.1, 0.2, 0.6]]


def test_sequence_sum_is_the_handout_formula():
    # -ln 0.7 - ln 0.5 - ln 0.6 = 0.356675 + 0.693147 + 0.510826 = 1.560648
    r = _solve({"kind": "sequence", "yhat": YHAT, "targets": [0, 1, 3]})
    assert r.loss == pytest.approx(1.560648, abs=1e-6)
    assert r.figures["mean_tokens"] == pytest.approx(1.560648 / 3, abs=1e-6)
    assert r.figures["mean_sequences"] == pytest.approx(1.560648, abs=1e-6)
    per_step = r.tables[0]
    assert [row[3] for row in per_step.rows] == [0.7, 0.5, 0.6]
    assert "0.357 + 0.693 + 0.511 = 1.561" in _step(r, 0)


def _step(r, i: int) -> str:
    from rnnloss_cli.render.text import step_text

    return step_text(r.steps[i], 3)


def test_sequence_padded_batch_reductions():
    # seq 1: 0.223144 + 0.510826 + 0.693147 = 1.427117; seq 2: 0.693147 + 0.356675 = 1.049822
    yhat = [
        [[0.8, 0.1, 0.1], [0.2, 0.6, 0.2], [0.25, 0.25, 0.5]],
        [[0.5, 0.4, 0.1], [0.1, 0.2, 0.7], [0.0, 0.0, 0.0]],
    ]
    data = {"kind": "sequence", "yhat": yhat, "targets": [[0, 1, 2], [0, 2, 0]], "lengths": [3, 2]}
    r = _solve({**data, "reduction": "mean_tokens"})
    assert r.figures["sum"] == pytest.approx(2.476939, abs=1e-6)
    assert r.loss == pytest.approx(2.476939 / 5, abs=1e-6)
    assert r.figures["mean_sequences"] == pytest.approx(2.476939 / 2, abs=1e-6)
    assert r.tables[0].rows[-1][-1] == "yes (padding)"
    grad = r.tables[-1].rows
    assert grad[-1][2:] == [0.0, 0.0, 0.0]  # padded step: zero gradient
    assert grad[0][2] == pytest.approx(-1 / 0.8 / 5)
    del data["lengths"]
    mask_form = _solve({**data, "mask": [[1, 1, 1], [1, 1, 0]]})
    assert mask_form.loss == pytest.approx(2.476939, abs=1e-6)


def test_sequence_logits_and_log_base():
    # softmax([2, 1, 0])[0] = e^2 / (e^2 + e + 1) -> -ln = 0.407606; twice, in bits / ln 2
    r = _solve(
        {"kind": "sequence", "logits": [[2, 1, 0], [0, 1, 2]], "targets": [0, 2], "log_base": 2}
    )
    assert r.loss == pytest.approx(2 * 0.407606 / math.log(2), abs=1e-6)
    assert r.unit == "bits"
    assert r.tables[0].title.startswith("ŷ = softmax")


def test_sequence_hinge_mean_and_sum():
    r = _solve({"kind": "sequence_hinge", "y": [1, -1, 1], "yhat": [0.8, -0.5, 0.3]})
    assert r.loss == pytest.approx(1.4 / 3)
    assert r.figures["sum"] == pytest.approx(1.4)
    assert "(0.2 + 0.5 + 0.7) / 3 = 0.467" in _step(r, 0)
    s = _solve(
        {"kind": "sequence_hinge", "y": [1, -1, 1], "yhat": [0.8, -0.5, 0.3], "reduction": "sum"}
    )
    assert s.loss == pytest.approx(1.4) and s.figures["mean"] == pytest.approx(1.4 / 3)


def test_sequence_hinge_padding_drops_the_step():
    # real steps 0.2 and 0.5 (the 0.7 step is padding): mean 0.35, sum 0.7
    r = _solve(
        {"kind": "sequence_hinge", "y": [1, -1, 0], "yhat": [0.8, -0.5, 0.3], "mask": [1, 1, 0]}
    )
    assert r.loss == pytest.approx(0.35) and r.figures["sum"] == pytest.approx(0.7)


EPISODE = {"kind": "reinforce", "probs": [0.9, 0.6, 0.7], "rewards": [1, 0, 1], "gamma": 0.9}


def test_reinforce_discounted_with_mean_baseline():
    # R = 1.81, 0.9, 1; b = 3.71 / 3; A = 0.573333, -0.336667, -0.236667
    # J = 0.573333 ln 0.9 - 0.336667 ln 0.6 - 0.236667 ln 0.7 = 0.195984
    r = _solve({**EPISODE, "baseline": "mean"})
    assert r.figures["objective"] == pytest.approx(0.195984, abs=1e-6)
    assert r.loss == pytest.approx(-0.195984, abs=1e-6)
    assert r.figures["objective_no_baseline"] == pytest.approx(-1.007121, abs=1e-6)
    texts = [_step(r, i) for i in range(len(r.steps))]
    assert "1 + 0.9 × 0 + 0.9^2 × 1 = 1.81" in texts
    assert "(1.81 + 0.9 + 1) / 3 = 1.237" in texts
    assert any("gradient descent minimises the loss l = −j" in n.lower() for n in r.notes)


def test_reinforce_negative_factors_are_in_parentheses():
    # R_1 = 1 + 0.5 (-1) + 0.25 (-2) = 0, R_2 = -1 + 0.5 (-2) = -2, R_3 = -2;
    # Σ r_t ln π = ln 0.9 - ln 0.6 - 2 ln 0.5 = -0.105 + 0.511 + 1.386 = 1.792
    r = _solve(
        {"kind": "reinforce", "probs": [0.9, 0.6, 0.5], "rewards": [1, -1, -2], "gamma": 0.5}
    )
    texts = [_step(r, i) for i in range(len(r.steps))]
    assert "1 + 0.5 × (−1) + 0.5^2 × (−2) = 0" in texts
    assert "−1 + 0.5 × (−2) = −2" in texts
    assert "1 × (−0.105) + (−1) × (−0.511) + (−2) × (−0.693) = 1.792" in texts


def test_reinforce_no_baseline_undiscounted():
    # gamma 1: R = 2, 1, 1; L = -(2 ln 0.9 + ln 0.6 + ln 0.7) = 0.210721 + 0.510826 + 0.356675
    r = _solve({**EPISODE, "gamma": 1})
    assert r.loss == pytest.approx(1.078222, abs=1e-6)
    assert r.figures["objective"] == pytest.approx(-1.078222, abs=1e-6)


def test_reinforce_policy_matches_probs_and_has_logit_gradient():
    policy = [[0.9, 0.1], [0.4, 0.6], [0.3, 0.7]]
    r = _solve(
        {"kind": "reinforce", "policy": policy, "actions": [0, 1, 1], "returns": [2.0, 1.0, 1.0]}
    )
    q = _solve({"kind": "reinforce", "probs": [0.9, 0.6, 0.7], "returns": [2.0, 1.0, 1.0]})
    assert r.loss == pytest.approx(q.loss)
    grad = r.tables[-1]
    assert grad.title.startswith("gradient ∂L/∂z")
    # A_1 (softmax - onehot) = 2 * (0.9 - 1, 0.1) = (-0.2, 0.2)
    assert grad.rows[0][1:] == pytest.approx([-0.2, 0.2])


def test_reinforce_mean_reduction_divides_by_steps():
    r = _solve({**EPISODE, "gamma": 1, "reduction": "mean"})
    assert r.loss == pytest.approx(1.078222 / 3, abs=1e-6)


def test_reinforce_shows_givens_returns_and_baseline_before_the_table():
    # reinforce-episode.yaml: π = (0.9, 0.6, 0.7), r = (1, 0, 1), γ = 0.9:
    # R = (1 + 0.81, 0.9, 1) = (1.81, 0.9, 1), b = 3.71 / 3 = 1.2367
    from pathlib import Path

    from rnnloss_cli.problem import load_problem
    from rnnloss_cli.solve import solve

    path = Path(__file__).resolve().parents[2] / "problems" / "reinforce-episode.yaml"
    r = solve(load_problem(str(path)))
    lead = [s.label for s in r.lead_steps]
    assert lead[0] == "given, step by step"
    assert r.lead_steps[0].values["pi"] == pytest.approx([0.9, 0.6, 0.7])
    assert r.lead_steps[0].values["r"] == pytest.approx([1, 0, 1])
    assert "discounted reward-to-go" in lead and "R_1" in lead
    assert any(label.startswith("baseline b = mean") for label in lead)
    base = next(s for s in r.lead_steps if s.label.startswith("baseline b = mean"))
    assert base.values["b"] == pytest.approx(3.71 / 3)


@pytest.mark.filterwarnings("error")
def test_reinforce_policy_with_zero_on_an_action_not_taken():
    # π(y_1) = 1 and π(y_2) = 0.5 (the 0 is on action 1 at step 1, not taken).
    # R_2 = 2, R_1 = 1 + 0.5·2 = 2; L = −(2 ln 1 + 2 ln 0.5) = 2 ln 2.
    # ∂L/∂z_t = A_t (π_t − onehot(y_t)): step 1: 2 ((1, 0) − (1, 0)) = (0, 0);
    # step 2: 2 ((0.5, 0.5) − (0, 1)) = (1, −1).
    data = {"kind": "reinforce", "policy": [[1, 0], [0.5, 0.5]], "actions": [0, 1]}
    r = _solve({**data, "rewards": [1, 2], "gamma": 0.5})
    assert r.loss == pytest.approx(2 * math.log(2), rel=1e-15)
    grad = r.tables[-1]
    assert grad.title.startswith("gradient ∂L/∂z")
    assert [row[1:] for row in grad.rows] == [[0.0, 0.0], [1.0, -1.0]]


@pytest.mark.filterwarnings("error")
def test_sequence_logit_past_the_float_range_is_infinite_with_reason():
    # step 1: −ln softmax(1e308, −1e308)[1] = 2e308 + ln(1 + e^−2e308): above the largest
    # double, so infinite; step 2: −ln 0.5. The gradient softmax − onehot stays finite.
    r = _solve({"kind": "sequence", "logits": [[1e308, -1e308], [0, 0]], "targets": [1, 0]})
    assert r.loss == math.inf
    assert any("1.8e308" in w for w in r.warnings), r.warnings


@pytest.mark.filterwarnings("error")
def test_reinforce_returns_past_the_float_range_are_refused_naming_the_field():
    # R_1 = 1e308 + 1 · 1e308 = 2e308 does not fit a double
    from rnnloss_cli.errors import ProblemError

    data = {"kind": "reinforce", "probs": [0.5, 0.5], "rewards": [1e308, 1e308], "gamma": 1}
    with pytest.raises(ProblemError, match="R_1") as err:
        _solve(data)
    assert err.value.field == "rewards"
    # A_1 = R_1 − b = 1e308 − (−1e308) = 2e308 does not either
    data = {"kind": "reinforce", "probs": [0.5], "returns": [1e308], "baseline": -1e308}
    with pytest.raises(ProblemError, match="A_1") as err:
        _solve(data)
    assert err.value.field == "baseline"


@pytest.mark.filterwarnings("error")
def test_reinforce_products_past_the_float_range():
    # A = R = (1e308, −1e308), π = (e^−10, e^−10): J = 1e308·(−10) + (−1e308)·(−10) = 0,
    # though each product (∓1e309) is past the float range.
    p = math.exp(-10)
    r = _solve({"kind": "reinforce", "probs": [p, p], "returns": [1e308, -1e308]})
    assert r.loss == 0.0
    assert r.figures["objective"] == 0.0
    # A ln π = 1e308 · ln 1e−300 = −6.9e310: L = +inf, with the reason
    r = _solve({"kind": "reinforce", "probs": [1e-300], "returns": [1e308]})
    assert r.loss == math.inf
    assert any("1.8e308" in w for w in r.warnings), r.warnings


@pytest.mark.filterwarnings("error")
def test_sequence_hinge_mean_of_huge_terms_is_finite_and_the_sum_infinite():
    # max(0, 1 − 1·(−1e308)) = 1e308 = max(0, 1 − (−1)·1e308) (the 1 is rounded away):
    # mean (1e308 + 1e308) / 2 = 1e308, sum 2e308 = inf
    r = _solve({"kind": "sequence_hinge", "y": [1, -1], "yhat": [-1e308, 1e308]})
    assert r.loss == 1e308
    assert r.figures["mean"] == 1e308
    assert r.figures["sum"] == math.inf
    assert any("sum" in w and "1.8e308" in w for w in r.warnings), r.warnings


def test_reinforce_side_sums_write_out_their_products():
    """The no-baseline and per-step-reward sums show each weight times ln π, so a student can
    redo them: R = (1.81, 0.9, 1), ln π = (ln 0.9, ln 0.6, ln 0.7) = (-0.105, -0.511, -0.357)."""
    from rnnloss_cli.render.text import step_text

    r = _solve({**EPISODE, "baseline": "mean"})
    lines = {s.label: step_text(s, 3) for s in r.steps}
    no_base = next(v for k, v in lines.items() if k.startswith("without the baseline"))
    assert "1.81 × (−0.105) + 0.9 × (−0.511) + 1 × (−0.357)" in no_base, no_base
    own = next(v for k, v in lines.items() if k.startswith("the handout's formula"))
    # r = (1, 0, 1): 1 × (-0.105) + 0 × (-0.511) + 1 × (-0.357) = -0.462
    assert "1 × (−0.105) + 0 × (−0.511) + 1 × (−0.357) = −0.462" in own, own


@pytest.mark.parametrize(
    "data, figure",
    [
        (
            {"kind": "sequence", "yhat": YHAT, "targets": [0, 1, 3], "lengths": 0},
            "mean_tokens",
        ),
        (
            {"kind": "sequence_hinge", "y": [1, -1], "yhat": [0.5, 0.5], "mask": [0, 0]}
            | {"reduction": "sum"},
            "mean",
        ),
    ],
)
def test_a_mean_over_no_step_is_no_value_not_infinite(data, figure):
    # Every step is padding: the sum of no terms is 0, and their mean 0 / 0 has no value
    # (NaN). The warning said "the mean figure is infinite: ... their sum passes the largest
    # double", the sequence solver said nothing, and the steps read "() / 0 = NaN" and " = 0".
    r = _solve(data)
    assert r.figures["sum"] == 0.0 and math.isnan(r.figures[figure])
    assert not any("infinite" in w for w in r.warnings), r.warnings
    assert any(figure in w and "no value" in w and "padding" in w for w in r.warnings), r.warnings
    texts = [_step(r, i) for i in range(len(r.steps))]
    assert any(t == "no terms: the empty sum is 0" for t in texts), texts
    assert not any("()" in t or t.startswith(" =") for t in texts), texts


def test_sequence_hinge_mean_sequences_of_one_sequence_is_a_figure():
    # max(0, 1 − 1·0.5) = 0.5, max(0, 1 − (−1)·0.5) = 1.5; one sequence: sum / 1 = 2. The
    # reduction asked for had no figure of its name ("no figure named 'mean_sequences'")
    # and no step saying it was the reduction, though two sequences had both.
    r = _solve(
        {"kind": "sequence_hinge", "y": [1, -1], "yhat": [0.5, 0.5]}
        | {"reduction": "mean_sequences", "answer": {"mean_sequences": 2}}
    )
    assert r.loss == 2.0 and r.figures["mean_sequences"] == 2.0 and r.ok
    assert any("(reduction: mean_sequences)" in s.label for s in r.steps), r.steps


def test_step_counts_are_written_with_thousands_separators_alike():
    # 1,000 steps of ŷ = (0.5, 0.5): sum 1000 ln 2; the sum's label said "1,000 per-step
    # terms" and the mean's "1000 unpadded tokens"
    r = _solve({"kind": "sequence", "yhat": [[0.5, 0.5]] * 1000, "targets": [0] * 1000})
    assert r.loss == pytest.approx(1000 * math.log(2), rel=1e-12)
    labels = [s.label for s in r.steps]
    assert any("1,000 per-step terms" in x for x in labels), labels
    assert any("1,000 unpadded tokens" in x for x in labels), labels


@pytest.mark.parametrize(
    "reduction, scale",
    [("sum", "L = −Σ_t"), ("mean_tokens", "L = −(1/n) Σ_t"), ("mean_sequences", "L = −(1/N) Σ_t")],
)
def test_sequence_formula_names_its_reduction(reduction, scale):
    # seq-padded-batch's mean_tokens loss is 2.477 / 5 = 0.495, yet its formula read
    # L = −Σ_t ln ŷ_t(target_t) (the sum, 2.477) and named no reduction
    r = _solve({"kind": "sequence", "yhat": YHAT, "targets": [0, 1, 3], "reduction": reduction})
    assert f"reduction: {reduction}" in r.formula.text
    assert scale in r.formula.text


@pytest.mark.parametrize(
    "reduction, scale",
    [("sum", "L = −J "), ("mean", "L = −J / n"), ("mean_sequences", "L = −J / N")],
)
def test_reinforce_formula_names_its_reduction(reduction, scale):
    # a mean's loss is −J / n (the loss line says so), but the formula read L = −J
    data = {"kind": "reinforce", "probs": [0.9, 0.6], "rewards": [1, 0], "gamma": 0.9}
    r = _solve({**data, "reduction": reduction})
    assert f"reduction: {reduction}" in r.formula.text
    assert scale in r.formula.text


def test_reinforce_objective_figure_is_the_printed_j_under_a_mean():
    # hand: R = (1 + 0.9 × 0, 0) = (1, 0), b = 0.5, A = (0.5, −0.5), ln π = (−0.105361,
    # −0.510826): J = 0.5 × (−0.105361) + (−0.5) × (−0.510826) = −0.052680 + 0.255413
    # = 0.202733, and the mean over the 2 steps gives L = −J / 2 = −0.101366. The line
    # "objective J = … = 0.203" stood beside a figure objective = 0.101 (−L, not J).
    data = {"kind": "reinforce", "probs": [0.9, 0.6], "rewards": [1, 0], "gamma": 0.9}
    r = _solve({**data, "baseline": 0.5, "reduction": "mean"})
    assert r.loss == pytest.approx(-0.101366, abs=1e-6)
    assert r.figures["objective"] == pytest.approx(0.202733, abs=1e-6)


def test_reinforce_logits_gradient_caption_divides_as_the_mean_does():
    # hand: π_1 = softmax(ln 0.9, ln 0.1) = (0.9, 0.1), action 0, A_1 = 1 − 0.5 = 0.5:
    # A_1 (π_1 − onehot) = (−0.05, 0.05), over the 2 steps of the mean: (−0.025, 0.025);
    # the caption said A_t (softmax(z_t) − onehot(y_t)), which gives −0.05
    logits = [[math.log(0.9), math.log(0.1)], [math.log(0.4), math.log(0.6)]]
    data = {"kind": "reinforce", "logits": logits, "actions": [0, 1], "rewards": [1, 0]}
    r = _solve({**data, "gamma": 0.9, "baseline": 0.5, "reduction": "mean"})
    table = next(t for t in r.tables if t.title.startswith("gradient ∂L/∂z"))
    assert table.rows[0][1:] == [pytest.approx(-0.025), pytest.approx(0.025)]
    assert table.caption == "A_t (softmax(z_t) − onehot(y_t)) / 2 per step"
