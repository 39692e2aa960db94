"""Solvers for mse, bce, nll, cce and hinge at the edges of the float range: finite logits
of any size work (a max-shifted softmax, shown as such), sums that overflow are reported
infinite with the reason, and no numpy RuntimeWarning escapes."""

from __future__ import annotations

import math

import pytest

from rnnloss_cli.problem import parse_problem
from rnnloss_cli.solve import solve

pytestmark = pytest.mark.filterwarnings("error")  # a RuntimeWarning fails the test


def _solve(data: dict):
    return solve(parse_problem(data, {}, "<test>"))


def _steps(r) -> dict:
    return {s.label: s for s in r.steps}


@pytest.mark.parametrize("kind", ["cce", "nll"])
def test_logits_past_exp_range_use_the_shifted_softmax(kind):
    # z = (710, 0): e^710 overflows a double, so the softmax is shifted by m = max z = 710:
    # ŷ(c0) = e^0 / (e^0 + e^-710) = 1 / (1 + e^-710); loss = ln(1 + e^-710) ≈ e^-710
    # = 4.47e-309 (a subnormal; ln(1 + x) rounds it to 0 once 1 + x rounds to 1).
    r = _solve({"kind": kind, "y": [0], "logits": [[710, 0]]})
    assert r.loss == pytest.approx(0.0, abs=1e-300)
    worked = next(s for s in r.steps if s.label.startswith("softmax, worked"))
    assert worked.values["m"] == 710.0
    assert worked.values["e"] == [1.0, pytest.approx(math.exp(-710), rel=1e-12)]
    assert worked.values["p"] == 1.0


def test_cce_logits_of_1e3_give_ln_2():
    # z - max z = (0, -2000, 0): ŷ = (1/2, e^-2000 / 2 = 0, 1/2), loss = -ln(1/2) = ln 2;
    # gradient ŷ - y = (1/2 - 1, 0, 1/2)
    r = _solve({"kind": "cce", "y": [0], "logits": [[1e3, -1e3, 1e3]]})
    assert r.loss == pytest.approx(math.log(2), rel=1e-15)
    grad = next(t for t in r.tables if t.title.startswith("gradient"))
    assert grad.rows[0][1:] == [-0.5, 0.0, 0.5]


def test_cce_true_class_past_the_float_range_is_infinite_with_reason():
    # z = (1e308, -1e308), true class 1: loss = 2e308 + ln(1 + e^-2e308), above the largest
    # double (1.8e308): infinite. The gradient ŷ - y = (1, 0) - (0, 1) = (1, -1) is finite.
    r = _solve({"kind": "cce", "y": [1], "logits": [[1e308, -1e308]]})
    assert r.loss == math.inf
    assert any("infinite" in w and "1.8e308" in w for w in r.warnings), r.warnings
    grad = next(t for t in r.tables if t.title.startswith("gradient"))
    assert grad.rows[0][1:] == [1.0, -1.0]


def test_hinge_mean_of_huge_terms_is_finite_and_the_sum_infinite():
    # max(0, 1 - 1·(-1e308)) = 1e308 and max(0, 1 - (-1)·1e308) = 1e308 (1 is lost in the
    # rounding): mean (1e308 + 1e308) / 2 = 1e308, computed as 2 · (1e308 / 2) / 2 without the
    # overflowing sum; the sum 2e308 is infinite.
    r = _solve({"kind": "hinge", "y": [1, -1], "yhat": [-1e308, 1e308]})
    assert r.loss == 1e308
    assert r.figures["sum"] == math.inf
    assert any("sum" in w and "1.8e308" in w for w in r.warnings), r.warnings


def test_mse_square_past_the_float_range_is_infinite_with_reason():
    # (y - ŷ)² = (1e308 - (-1e308))² = 4e616: infinite, and so is the gradient 2(ŷ - y)
    r = _solve({"kind": "mse", "y": [1e308], "yhat": [-1e308]})
    assert r.loss == math.inf
    assert any("1.8e308" in w for w in r.warnings), r.warnings


def test_small_logits_keep_the_softmax_as_written_on_paper():
    # z = (2, 1, 0): e^2 = 7.389, e^1 = 2.718, e^0 = 1; ŷ(c0) = 7.389 / 11.107 = 0.665
    r = _solve({"kind": "cce", "y": [0], "logits": [[2, 1, 0]]})
    worked = _steps(r)["softmax, worked for observation 1, class c0"]
    assert worked.values["e"] == pytest.approx([math.e**2, math.e, 1.0])
    assert worked.values["p"] == pytest.approx(math.e**2 / (math.e**2 + math.e + 1))


def _worked(r):
    from rnnloss_cli.render.text import step_text

    return step_text(next(s for s in r.steps if s.label.startswith("worked gradient")), 4)


def test_bce_clamp_warning_gives_the_log_and_the_term_it_replaces():
    # y = 1, ŷ = 1e-300: ln ŷ = -300 · ln 10 = -690.7755, below -100, so PyTorch clamps it:
    # the term is 100 instead of 690.8 (not "ln of 0", not "rather than infinite").
    # y = 0.5, ŷ = 0: -(0.5 · max(ln 0, -100) + 0.5 · ln 1) = 0.5 · 100 = 50, in place of
    # an infinite term (the warning said "this term is 100").
    r = _solve({"kind": "bce", "y": [1, 0.5], "yhat": [1e-300, 0.0], "reduction": "sum"})
    assert r.loss == pytest.approx(150.0, rel=1e-15)
    first, second = (w for w in r.warnings if w.startswith("element"))
    assert first.startswith("element 1: ln ŷ is below -100") and "infinite" not in first, first
    assert second.startswith("element 2: ln ŷ is below -100") and "infinite" in second, second
    # the numbers are derivation lines, at --precision (they were the warning's 4 digits)
    from rnnloss_cli.render.text import step_text

    lines = [step_text(s, 1) for s in r.steps if s.label.startswith("element")]
    assert lines == [
        "ln 1e-300 = −690.8 < −100, clamped at −100 (PyTorch)",
        "−(1 × (−100)) = 100",
        "ln 0 = −inf < −100, clamped at −100 (PyTorch)",
        "−(0.5 × (−100) + (1 − 0.5) × (0)) = 50",
    ], lines


def test_bce_worked_gradient_shows_the_denominator_floor_when_it_is_hit():
    # PyTorch's backward: (ŷ − y) / max(ŷ (1 − ŷ), 1e-12). For ŷ = 1e-300, y = 1:
    # ŷ (1 − ŷ) = 1e-300 < 1e-12, so the gradient is (1e-300 − 1) / 1e-12 = -1e12, not
    # (1e-300 − 1) / 1e-300 = -1e300: the line must show the max, or it states a falsehood.
    r = _solve({"kind": "bce", "y": [1], "yhat": [1e-300]})
    text = _worked(r)
    assert "max(1e-300 · (1 − 1e-300), 1e-12)" in text and text.endswith("= −1000000000000"), text
    assert "max(ŷ · (1 − ŷ), 1e-12)" in r.tables[0].columns[-1], r.tables[0].columns
    # away from the floor the line and the header stay as the handout writes them:
    # (0.9 − 1) / (0.9 · 0.1) = -0.1 / 0.09 = -1.1111
    r = _solve({"kind": "bce", "y": [1], "yhat": [0.9]})
    assert _worked(r) == "(0.9 − 1) / (0.9 · (1 − 0.9)) / 1 = −1.1111", _worked(r)
    assert "max" not in r.tables[0].columns[-1]


def test_worked_columns_keep_their_arithmetic_in_bits():
    # In bits the gradient column is divided by ln 2 and the BCE term column is renamed
    # "… (nats)": the declared worked columns follow, so the term's row still reads
    # −(1 × ln 0.5 + 0 × ln 0.5) = 0.693 and the gradient's 2 · (ŷ − y) / n / ln 2.
    r = _solve({"kind": "bce", "y": [1], "yhat": [0.5], "log_base": 2})
    (table,) = r.tables
    term, grad = table.derived
    assert term.column == "−[y ln ŷ + (1−y) ln(1−ŷ)] (nats)"
    assert grad.column.endswith("(in bits: nats / ln 2)"), grad.column
    # BCE's gradient row: (0.5 − 1) / (0.5 × (1 − 0.5)) / 1 / ln 2 = −2 / 0.6931 = −2.885
    assert grad.text == "({1} − {0}) / ({1} × (1 − {1})) / 1 / ln 2", grad.text
    assert all(d.column in table.columns for d in table.derived)
    r = _solve({"kind": "mse", "y": [1.0, 2.0], "yhat": [1.5, 1.0]})
    cols = {d.column: d for d in r.tables[0].derived}
    # hand: y − ŷ = 1 − 1.5 = −0.5, (−0.5)² = 0.25; gradient 2 · (1.5 − 1) / 2 = 0.5
    assert set(cols) == {"y − ŷ", "(y − ŷ)²", "∂L/∂ŷ = 2 · (ŷ − y) / n"}
    assert r.tables[0].rows[0][1:] == [1.0, 1.5, -0.5, 0.25, 0.5]
    assert cols["∂L/∂ŷ = 2 · (ŷ − y) / n"].text == "2 × ({1} − {0}) / 2"
    # REINFORCE in bits: ∂L/∂ln π = −A_t / ln 2, one step without a baseline: A_1 = R_1 = 1,
    # so −1 × 1 / ln 2 = −1.4427
    r = _solve({"kind": "reinforce", "probs": [0.5], "rewards": [1], "gamma": 1, "log_base": 2})
    grad = next(d for d in r.tables[-1].derived if d.column.startswith("∂"))
    assert grad.column in r.tables[-1].columns and grad.text == "−1 × {0} / ln 2"
    assert r.tables[-1].rows[0][r.tables[-1].columns.index(grad.column)] == pytest.approx(
        -1 / math.log(2)
    )


@pytest.mark.parametrize("reduction, other", [("mean", "sum"), ("sum", "mean")])
def test_hinge_marks_which_reduction_is_the_loss(reduction, other):
    # both the mean (0.2 + 0.5 + 0.7) / 3 = 0.467 and the sum 1.4 are worked out; the line
    # of the loss says so, as sequence_hinge's does
    r = _solve({"kind": "hinge", "y": [1, -1, 1], "yhat": [0.8, -0.5, 0.3], "reduction": reduction})
    labels = [s.label for s in r.steps]
    assert f"{reduction} of the 3 hinge terms (reduction: {reduction})" in labels
    assert f"{other} of the 3 hinge terms" in labels


def test_cce_soft_target_term_is_worked_from_its_printed_numbers():
    # a soft target has no true class, so the table shows no ŷ[true] beside the term, and
    # nothing showed how 1.3589 arose; hand: −(0.2 ln 0.7 + 0.8 ln 0.2) = 0.2 × 0.356675
    # + 0.8 × 1.609438 = 0.071335 + 1.287550 = 1.358885 (the class with y = 0 adds 0)
    from rnnloss_cli.render.text import step_text

    r = _solve({"kind": "cce", "y": [[0.2, 0.8, 0.0]], "yhat": [[0.7, 0.2, 0.1]]})
    lines = [step_text(s, 4) for s in r.steps]
    assert "−(0.2 × ln 0.7 + 0.8 × ln 0.2) = 1.3589" in "\n".join(lines)
    # from logits (1000, −1000) ŷ_c1 = e^−2000 / (…) is 0 in float64, but the term is
    # 0.5 × 0 + 0.5 × 2000 = 1000: "−(0.5 × ln 1 + 0.5 × ln 0) = 1000" would be false
    r = _solve({"kind": "cce", "y": [[0.5, 0.5]], "logits": [[1000.0, -1000.0]]})
    assert r.loss == pytest.approx(1000.0)
    assert not any("ln 0" in step_text(s, 4) for s in r.steps)


@pytest.mark.parametrize("kind", ["cce", "nll"])
def test_class_weighted_mean_is_worked_from_its_printed_numbers(kind):
    # hand: ŷ_1(c0) = e² / (e² + e + 1) = 7.389056 / 11.107338 = 0.665241, −ln = 0.407606;
    # ŷ_2(c1) = e / (1 + e + 1) = 2.718282 / 4.718282 = 0.576117, −ln = 0.551445; with
    # w = (1, 2, 1) the terms are 1 × 0.407606 and 2 × 0.551445 = 1.102890, and PyTorch's
    # weighted mean divides by the true classes' weights: 1.510496 / (1 + 2) = 0.503499.
    # It printed only "mean (PyTorch weighting): L = 0.503". At -p 3 (0.408 + 1.103) / 3 =
    # 0.50367 would not give 0.503, and the guard digits do not either: 0.4076 + 1.1029 =
    # 1.5105 and 0.40761 + 1.10289 = 1.5105, / 3 = 0.5035 exactly, a tie a student rounds half
    # up to 0.504 (it was taken as giving 0.503 while ties counted either way): "≈".
    from rnnloss_cli.render.text import step_text

    data = {"kind": kind, "y": [0, 1], "logits": [[2, 1, 0], [0, 1, 0]], "weight": [1, 2, 1]}
    r = _solve({**data, "reduction": "mean"})
    assert r.loss == pytest.approx(0.503499, abs=1e-6)
    text = "\n".join(step_text(s, 3) for s in r.steps)
    assert "(0.408 + 1.103) / (1 + 2) ≈ 0.503" in text
    table = next(t for t in r.tables if t.title == "per observation")
    assert [row[table.columns.index("w[true]")] for row in table.rows] == [1.0, 2.0]
    assert [d.column for d in table.derived] == ["loss term"]


def test_label_smoothing_term_and_reduction_are_worked_out():
    # hand: ŷ_1 = softmax(2, 1, 0) = (0.665241, 0.244728, 0.090031), −ln ŷ_1 = (0.407606,
    # 1.407606, 2.407606); PyTorch's smoothed term (1 − ε)(−ln ŷ_true) + (ε / C) Σ_c (−ln ŷ_c)
    # = 0.9 × 0.407606 + 0.1 / 3 × 4.222818 = 0.366845 + 0.140761 = 0.507606; observation 2
    # (logits (0, 1, 0), class 1): ŷ = (0.211942, 0.576117, 0.211942), −ln = (1.551445,
    # 0.551445, 1.551445): 0.9 × 0.551445 + 0.1 / 3 × 3.654335 = 0.618112; mean 0.562859.
    # It printed only "mean (PyTorch weighting): L = 0.563".
    from rnnloss_cli.render.text import digits_plan, step_text

    data = {"kind": "cce", "y": [0, 1], "logits": [[2, 1, 0], [0, 1, 0]], "label_smoothing": 0.1}
    r = _solve({**data, "reduction": "mean"})
    assert r.loss == pytest.approx(0.562859, abs=1e-6)
    # as printed at -p 3 (0.9 × 0.407968 + 0.1 / 3 × 4.222411 = 0.507918 from the rounded ŷ)
    text = "\n".join(step_text(s, 3, digits_plan(r, 3)) for s in r.steps)
    assert "(1 − 0.1) × (−ln 0.665) + 0.1 / 3 × (−(ln 0.665 + ln 0.245 + ln 0.09)) = 0.508" in text
    assert "(0.508 + 0.618) / 2 = 0.563" in text


# ŷ_1 = softmax(2, 1, 0) = (0.665241, 0.244728, 0.090031), −ln ŷ_1 = (0.407606, 1.407606,
# 2.407606); ŷ_2 = softmax(0, 1, 0) = (0.211942, 0.576117, 0.211942), −ln ŷ_2 = (1.551445,
# 0.551445, 1.551445); class weights w = (1, 2, 0.5). PyTorch (CrossEntropyLoss docs):
# index targets l_i = (1 − ε) w[y_i] (−ln ŷ_i(y_i)) + (ε / C) Σ_c w_c (−ln ŷ_ic), a mean
# divides by Σ_i w[y_i]; probability targets q' = (1 − ε) q + ε / C, l_i = −Σ_c w_c q'_c
# ln ŷ_ic, a mean divides by n.
_WEIGHTED = {"kind": "cce", "logits": [[2, 1, 0], [0, 1, 0]], "weight": [1, 2, 0.5]}
_P1 = [0.665241, 0.244728, 0.090031]


def _worked_line(r, start: str):
    """The step whose label starts with ``start``, and its text at -p 6 (the derivation's
    digits), which must not need "≈" (a student redoes it from the printed numbers)."""
    from rnnloss_cli.render.text import digits_plan, step_text

    step = next(s for s in r.steps if s.label.startswith(start))
    line = step_text(step, 6, digits_plan(r, 6))
    assert "≈" not in line, line
    return step, line


def test_class_weights_with_label_smoothing_work_the_term_out():
    # l_1 = 0.9 × 1 × 0.407606 + 0.1 / 3 × (1 × 0.407606 + 2 × 1.407606 + 0.5 × 2.407606)
    #     = 0.366845 + 0.1 / 3 × 4.426621 = 0.366845 + 0.147554 = 0.514399
    # l_2 = 0.9 × 2 × 0.551445 + 0.1 / 3 × (1.551445 + 1.102890 + 0.775723)
    #     = 0.992601 + 0.114335 = 1.106936;  mean = (0.514399 + 1.106936) / (1 + 2) = 0.540445
    # It printed only "mean (PyTorch weighting): L = 0.54".
    r = _solve({**_WEIGHTED, "y": [0, 1], "label_smoothing": 0.1, "reduction": "mean"})
    assert r.loss == pytest.approx(0.540445, abs=1e-6)
    step, line = _worked_line(r, "term of observation 1, class weights w and label smoothing")
    assert step.text == (
        "(1 − {e}) × {wt} × (−ln {pt}) + {e} / {C} × (−({w0} × ln {p0} + {w1} × ln {p1} + "
        "{w2} × ln {p2})) = {t}"
    )
    v = step.values
    assert (v["e"], v["C"], v["wt"], v["w0"], v["w1"], v["w2"]) == (0.1, 3, 1, 1, 2, 0.5)
    assert [v["p0"], v["p1"], v["p2"]] == pytest.approx(_P1, abs=1e-6)
    assert v["pt"] == pytest.approx(_P1[0], abs=1e-6)
    assert line.endswith(" = 0.514399")
    _, mean = _worked_line(r, "weighted mean of the 2 observation terms")
    assert mean == "(0.514399 + 1.106936) / (1 + 2) = 0.540445"
    assert not any(s.text == "L = {value}" for s in r.steps)


@pytest.mark.parametrize(
    ("eps", "term", "loss", "template"),
    [
        # l_1 = −(1 × 0.7 × ln 0.665241 + 2 × 0.2 × ln 0.244728 + 0.5 × 0.1 × ln 0.090031)
        #     = 0.285324 + 0.563042 + 0.120380 = 0.968747; l_2 = 2 × 1 × 0.551445 = 1.102889
        # mean = (0.968747 + 1.102889) / 2 = 1.035818
        (
            0.0,
            0.968747,
            1.035818,
            "−({w0} × {y0} × ln {p0} + {w1} × {y1} × ln {p1} + {w2} × {y2} × ln {p2}) = {t}",
        ),
        # q'_1 = 0.9 × (0.7, 0.2, 0.1) + 0.1 / 3 = (0.663333, 0.213333, 0.123333)
        # l_1 = 0.663333 × 0.407606 + 2 × 0.213333 × 1.407606 + 0.5 × 0.123333 × 2.407606
        #     = 0.270379 + 0.600579 + 0.148469 = 1.019426; q'_2 = (0.033333, 0.933333,
        # 0.033333): l_2 = 0.051715 + 1.029364 + 0.025857 = 1.106936; mean 1.063181
        (
            0.1,
            1.019426,
            1.063181,
            "−("
            + " + ".join(
                f"{{w{c}}} × ((1 − {{e}}) × {{y{c}}} + {{e}} / {{C}}) × ln {{p{c}}}"
                for c in range(3)
            )
            + ") = {t}",
        ),
    ],
)
def test_class_weights_with_soft_targets_work_the_term_out(eps, term, loss, template):
    # It printed only "mean (PyTorch weighting): L = 1.036" (and a note that the mean divides
    # by the true classes' weights, which soft targets do not have: it divides by n = 2).
    y = [[0.7, 0.2, 0.1], [0, 1, 0]]
    r = _solve({**_WEIGHTED, "y": y, "label_smoothing": eps, "reduction": "mean"})
    assert r.loss == pytest.approx(loss, abs=2e-6)
    step, line = _worked_line(r, "term of observation 1 (soft target, PyTorch")
    assert step.text == template
    v = step.values
    assert [v["w0"], v["w1"], v["w2"], v["y0"], v["y1"], v["y2"]] == [1, 2, 0.5, 0.7, 0.2, 0.1]
    assert [v["p0"], v["p1"], v["p2"]] == pytest.approx(_P1, abs=1e-6)
    assert line.endswith(f" = {term:.6f}")
    _, mean = _worked_line(r, "mean of the 2 observation terms")
    assert mean.startswith(f"({term:.6f} + ") and mean.endswith(f") / 2 = {loss:.6f}")
    assert not any("summed weights of the true classes" in n for n in r.notes)


def test_bce_says_when_1_minus_y_hat_is_not_the_decimal_one():
    # ŷ = 0.99999999999995 is stored as the double 0.99999999999995003996…, so the term for
    # y = 0 is −ln(1 − ŷ) with 1 − ŷ = 4.99600361e-14 (exact in binary), not the decimal
    # 5e-14: −ln 4.99600361e-14 = 30.627553 where −ln 5e-14 = 30.626753. The table printed
    # "≈30.628" and nothing said why a calculator gives 30.627.
    from decimal import Decimal

    from rnnloss_cli.render.text import digits_plan, step_text

    stored = Decimal(0.99999999999995)
    q = float(1 - stored)  # 4.996003610813204e-14, independent of the engine
    assert q == pytest.approx(4.99600361e-14, rel=1e-8)
    r = _solve({"kind": "bce", "y": [0], "yhat": [0.99999999999995]})
    assert r.loss == pytest.approx(-math.log(q), rel=1e-12)  # 30.627553
    plan = digits_plan(r, 3)
    text = "\n".join(step_text(s, 3, plan) for s in r.steps)
    assert "0.99999999999995003996" in text  # the stored double, written out
    assert "−ln(1 − ŷ) = −ln 4.996e-14 = 30.628" in text, text


@pytest.mark.parametrize(
    ("extra", "reduce", "term"),
    [
        # class weights and smoothing, index targets: the mean divides by Σ_i w[y_i]
        (
            {"y": [0, 1], "label_smoothing": 0.1},
            "L = Σ_i l_i / Σ_i w[y_i]",
            "l_i = (1 − ε) w[y_i] (−ln ŷ_i(y_i)) + (ε / C) Σ_c w_c (−ln ŷ_ic)",
        ),
        # soft targets: the mean divides by n
        (
            {"y": [[0.7, 0.2, 0.1], [0, 1, 0]]},
            "L = (1/n) Σ_i l_i",
            "l_i = −Σ_c w_c y_ic ln ŷ_ic",
        ),
    ],
)
def test_weighted_heading_states_the_loss_it_computes(extra, reduce, term):
    # The heading said "CCE = −(1/n) Σ_i Σ_c y_ic ln ŷ_ic" while the loss was PyTorch's
    # weighted one: (0.514399 + 1.106936) / (1 + 2) = 0.540445, not a mean over n = 2.
    r = _solve({**_WEIGHTED, **extra, "reduction": "mean"})
    assert reduce in r.formula.text and term in r.formula.text, r.formula.text
    assert "(1/n) Σ_i Σ_{c=0}" not in r.formula.text


def test_weighted_smoothed_gradient_entry_is_worked():
    # PyTorch: ∂L/∂z_ic = ((Σ_k a_ik) ŷ_ic − a_ic) / Σ_i w[y_i] (mean), with the coefficients
    # a_ik = (1 − ε) w[y_i] [k = y_i] + (ε / C) w_k. Observation 1 (class 0), w = (1, 2, 0.5),
    # ε = 0.1: Σ_k a_1k = 0.9 × 1 + 0.1 / 3 × 3.5 = 0.9 + 0.116667 = 1.016667;
    # a_10 = 0.9 × 1 + 0.1 / 3 × 1 = 0.933333; ŷ_1(c0) = 0.665241;
    # (1.016667 × 0.665241 − 0.933333) / (1 + 2) = (0.676328 − 0.933333) / 3 = −0.085668
    # (to 7 digits, as -p 6 prints a number below 0.1: (0.6763283 − 0.9333333) / 3 = −0.0856683).
    # The gradient table printed −0.0857 with no caption and no line to redo it.
    r = _solve({**_WEIGHTED, "y": [0, 1], "label_smoothing": 0.1, "reduction": "mean"})
    step, line = _worked_line(r, "worked gradient ∂L/∂z_1(c0)")
    assert step.values["A"] == pytest.approx(1.016667, abs=1e-6)
    assert step.values["g"] == pytest.approx(-0.085668, abs=1e-6)
    assert line.endswith(" = −0.0856683"), line
    assert "Σ_k a_1k" in step.label
    grad = next(t for t in r.tables if t.title.startswith("gradient"))
    assert grad.caption and "a_ik = (1 − ε) w[y_i] [k = y_i] + (ε / C) w_k" in grad.caption


def test_weighted_nll_from_log_probs_names_its_terms_one_way():
    # log-probs (ln 0.7, ln 0.5) of the true classes 1 and 0, w = (2, 1, 1): the terms are
    # l_1 = 1 × 0.356675 and l_2 = 2 × 0.693147 = 1.386294 (the table's "loss term"), and the
    # mean (0.356675 + 1.386294) / (1 + 2) = 0.580990. The heading defined l_i = w[y_i]
    # (−ln ŷ_i(y_i)) while the mean's label said Σ_i w[y_i] l_i (weighting twice), named
    # PyTorch's cross_entropy for nll_loss, and the gradient table (−w[y_i] / 3 at the true
    # class: −1/3, −2/3) had no caption.
    import numpy as np

    data = {"kind": "nll", "log_probs": np.log([[0.2, 0.7, 0.1], [0.5, 0.3, 0.2]]).tolist()}
    r = _solve({**data, "y": [1, 0], "weight": [2, 1, 1], "reduction": "mean"})
    assert r.loss == pytest.approx(0.580990, abs=1e-6)
    assert "nll_loss" in r.formula.text and "l_i = w[y_i]" in r.formula.text
    mean = next(s for s in r.steps if s.label.startswith("weighted mean"))
    assert "Σ_i l_i / Σ_i w[y_i]" in mean.label
    grad = next(t for t in r.tables if t.title.startswith("gradient"))
    assert grad.caption == "−w[y_i] at the true class, 0 elsewhere, divided by Σ_i w[y_i]"


def test_worked_gradients_put_negative_operands_in_parentheses():
    # hinge, y = −1, ŷ = 0.8: 1 − (−1)(0.8) = 1.8 > 0, so the gradient is −(−1) / 2 = 0.5;
    # mse, y = −1, ŷ = −0.5: 2 (−0.5 − (−1)) / 2 = 0.5. They printed "1 − -1 · 0.8" and
    # "2 · (-0.5 − -1)".
    from rnnloss_cli.render.text import step_text

    def worked(data):
        r = _solve({**data, "reduction": "mean"})
        return step_text(next(s for s in r.steps if s.label.startswith("worked gradient")), 3)

    hinge = worked({"kind": "hinge", "y": [-1, 1], "yhat": [0.8, -0.3]})
    assert hinge == "1 − (−1) · 0.8 > 0, so −(−1) / 2 = 0.5"
    hinge = worked({"kind": "hinge", "y": [1, 1], "yhat": [-0.3, 2]})  # 1 − (1)(−0.3) = 1.3
    assert hinge == "1 − 1 · (−0.3) > 0, so −(1) / 2 = −0.5"
    mse = worked({"kind": "mse", "y": [-1, 2], "yhat": [-0.5, 1]})
    assert mse == "2 · (−0.5 − (−1)) / 2 = 0.5"


def test_log_probs_that_are_no_distribution_are_solved_with_a_warning():
    # exp(-1) x 3 = 1.10364: refused as yhat, taken as given by PyTorch's nll_loss (loss
    # -(-1) = 1 a row, sum 2); said, not silent
    r = _solve({"kind": "nll", "y": [1, 0], "log_probs": [[-1, -1, -1]] * 2, "reduction": "sum"})
    assert r.loss == 2
    assert r.warnings == [
        "the exponentials of row 1 of log_probs sum to 1.10364, not 1 (and 1 more row): they "
        "are not the log-probabilities of a distribution; the loss takes them as given, as "
        "PyTorch's nll_loss does (give 'logits' to have log-softmax applied)"
    ]
    # ln 0.7, ln 0.2, ln 0.1 to 4 decimals: exp sums to 0.99999..., within 1e-3
    ok = _solve({"kind": "nll", "y": [0], "log_probs": [[-0.3567, -1.6094, -2.3026]]})
    assert ok.warnings == []
