"""Solvers of kinds rnnt, bptt and ctc_align on hostile but valid problems: numbers at the
edge of float64, infeasible targets with answer keys. Each gives the right figures (worked
by hand in the comments), an infinite loss with its reason, or a one-line ProblemError naming
the key; never a numpy warning (every test turns warnings into errors)."""

from __future__ import annotations

import math

import pytest

from rnnloss_cli.errors import ProblemError
from rnnloss_cli.problem import parse_problem
from rnnloss_cli.render.json import render_json
from rnnloss_cli.solve import solve
from tests.solve.test_beyond_kinds import BPTT_SQUARED as SQUARED

pytestmark = pytest.mark.filterwarnings("error")

BIG = 1.7e308


def _solve(data: dict):
    return solve(parse_problem(data, {"answer": 9}, "t.yaml"))


# ------------------------------------------------------------------------------ bptt
def test_bptt_gradient_norm_of_huge_finite_gradients_is_finite():
    # T = 1, x = 1, W_xh = 0.5, W_hh = 0, W_hy = (1e200, -1e200), target class 1:
    # h = tanh(0.5), softmax(o) = (1, 0), g = (1, -1), dL/dh = 2e200,
    # delta = 2e200 (1 - tanh(0.5)^2) = 1.5729e200 = dW_xh = db_h; dW_hy = h g, db_y = g:
    # ‖∇L‖ = sqrt(2 delta^2 + 2 h^2 + 2) = sqrt(2) delta to 1e-190 (squares overflow)
    r = _solve(
        {
            "kind": "bptt",
            "x": [[1.0]],
            "targets": [1],
            "W_xh": [[0.5]],
            "W_hh": [[0.0]],
            "W_hy": [[1e200, -1e200]],
        }
    )
    delta = 2e200 * (1 - math.tanh(0.5) ** 2)
    assert r.figures["grad_norm"] == pytest.approx(math.sqrt(2) * delta)
    # L = logsumexp(o) - o_1 = o_0 - o_1 = 2e200 tanh(0.5), finite
    assert r.loss == pytest.approx(2e200 * math.tanh(0.5))


@pytest.mark.parametrize(
    "change",
    [
        {"targets": [[BIG], [-BIG]]},  # o_t - y_t = ∓1.7e308: its square overflows
        {"W_hy": [[BIG]]},  # o_1 = 1.7e308 tanh(0.5) = 7.9e307: its square overflows
        {"b_y": [BIG]},
    ],
)
def test_bptt_loss_past_the_float_range_is_infinite_with_its_reason(change):
    r = _solve({**SQUARED, **change})
    assert r.loss == math.inf
    assert any("1.8e308" in w for w in r.warnings), r.warnings
    render_json([r])  # inf and NaN cells are written without a warning


def test_bptt_reach_between_infinite_norms_is_not_tabled():
    # W_hh = W_hy = 1e200 with squared error: the deltas overflow to ±inf going back, so
    # the last loss's reach norms are inf and their ratio inf / inf is no number; the loss
    # (1e200)^2 is infinite too, and the reach table is left out with the gradients'
    r = _solve({**SQUARED, "W_hh": [[1e200]], "W_hy": [[1e200]]})
    assert r.loss == math.inf
    assert not any(t.title.startswith("how far back") for t in r.tables)
    assert any("reach back in time are not shown" in n for n in r.notes)


# ------------------------------------------------------------------------------ rnnt
def test_rnnt_log_probability_past_the_float_range_is_infinite_with_its_reason():
    # target ab over two frames; every label move has logit -1.7e308 against 0, 0: each
    # move's ln y = -1.7e308 - ln 2 is finite, but every path takes both label moves and
    # ln p(y|x) = -3.4e308 - ... is below -1.8e308: p(y|x) = 0 in float64
    node = [0.0, 0.0, 0.0]
    logits = [[list(node) for _ in range(3)] for _ in range(2)]
    for frame in logits:
        frame[0][1] = -BIG
        frame[1][2] = -BIG
    r = _solve({"kind": "rnnt", "symbols": ["-", "a", "b"], "target": "ab", "logits": logits})
    assert r.loss == math.inf
    assert any("p(y|x) = 0" in w and "float" in w for w in r.warnings), r.warnings
    render_json([r])


# ------------------------------------------------------------------------------ ctc_align
INFEASIBLE = {
    "kind": "ctc_align",
    "symbols": ["-", "A", "B"],
    "target": "ABAB",  # S = 4 labels over T = 3 frames: no alignment fits
    "emissions": [[0.2, 0.7, 0.1], [0.5, 0.3, 0.2], [0.3, 0.2, 0.5]],
}


@pytest.mark.parametrize("figure", ["gap", "share"])
def test_align_infeasible_key_for_the_gap_says_why_it_is_undefined(figure):
    with pytest.raises(ProblemError) as info:
        _solve({**INFEASIBLE, "answer": {figure: 0.5}})
    message = str(info.value)
    assert f"answer.{figure}" in message
    assert "T = 3 frames < S + repeats = 4 + 0 = 4" in message
    assert "no figure named" not in message


def test_align_infeasible_keys_for_loss_and_probabilities_are_checked():
    # p(l|x) = p(best) = 0 and the loss is infinite: a key of 0 for best and total agrees
    r = _solve({**INFEASIBLE, "answer": {"best": 0, "total": 0, "loss": 1.0}})
    verdicts = {c.figure: c.ok for c in r.checks}
    assert verdicts == {"best": True, "total": True, "loss": False}
