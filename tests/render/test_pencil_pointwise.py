"""Issue 13 items 1 and 8: pointwise derivations show their givens, formulas, worked
gradients, the reduction used, and gradients in the loss's unit."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from rnnloss_cli.cli import app

PROBLEMS = Path(__file__).resolve().parents[2] / "problems"
runner = CliRunner()


def solve(name: str, *args: str) -> str:
    result = runner.invoke(app, ["solve", str(PROBLEMS / name), *args], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    return result.output


def test_cce_logits_shows_the_logits_and_works_the_softmax():
    out = solve("cce-logits.yaml")
    # logits [2, 1, 0]: e^2 = 7.389, e^1 = 2.718, e^0 = 1, so ŷ(c0) = 7.389 / 11.107 = 0.665
    assert "logits z (given)" in out and "│ 1 │  2 │  1 │  0 │" in out
    assert "= 7.389 / (7.389 + 2.718 + 1) = 0.665" in out
    assert "−ln ŷ_1(c0) = −ln 0.665 = 0.408" in out
    # ∂L/∂z = ŷ − y: 0.665 − 1 = −0.335 (sum: nothing to divide, no brackets)
    assert "worked gradient ∂L/∂z_1(c0) = ŷ − y: 0.665 − 1 = −0.335" in out
    # one observation: no "the 1 observation terms", no "0.408 = 0.408"
    assert "1 observation terms" not in out and "0.408 = 0.408" not in out


def test_hinge_heading_states_the_mean_and_the_gradient_formula():
    out = solve("hinge-sequence.yaml")
    assert "hinge = (1/n) Σ_i max(0, 1 − y_i · ŷ_i)  (reduction: mean)" in out
    assert "∂L/∂ŷ = −y / n if 1 − y·ŷ > 0, else 0" in out
    # element 1: y = 1, ŷ = 0.8, 1 − 0.8 = 0.2 > 0, so −1 / 3 = −0.333
    assert "1 − 1 · 0.8 > 0, so −(1) / 3 = −0.333" in out


def test_mse_gradient_formula_and_worked_entry():
    out = solve("mse-forecast.yaml")
    # 2 · (ŷ_1 − y_1) / n = 2 · (1.5 − 1) / 4 = 0.25
    assert "∂L/∂ŷ = 2 · (ŷ − y) / n" in out
    assert "2 · (1.5 − 1) / 4 = 0.25" in out


def test_bits_gradient_is_in_bits():
    out = solve("bce-bits.yaml")
    # d/dŷ of −log2 ŷ at ŷ = 0.5 is −1 / (0.5 ln 2) = −2 / ln 2 = −2.885 (not the nats −2)
    assert "−2.885" in out and "(in bits: nats / ln 2)" in out
    assert "│ −2 │" not in out


def test_sequence_hinge_heading_and_gradient_formula():
    out = solve("hinge-seq.yaml")
    assert "L = (1/n) Σ_t max(0, 1 − y_t · ŷ_t)" in out and "(reduction: mean" in out
    assert "∂L/∂ŷ = −y / n if 1 − y·ŷ > 0, else 0" in out
    # step 1: y = 1, ŷ = 0.8: 1 − 0.8 = 0.2 > 0, so −1 / 3 = −0.333
    assert "1 − 1 · 0.8 > 0, so −(1) / 3 = −0.333" in out


def test_reinforce_gradient_column_has_its_formula():
    out = solve("reinforce-episode.yaml")
    assert "∂L/∂ln π = −A_t" in out


def test_sequence_gradient_worked_entry():
    # ∂(−ln ŷ)/∂ŷ at the target = −1/ŷ: −1 / 0.7 = −1.429 (sum); padded batch: −1 / 0.8 / 5
    assert "−1 / 0.7 = −1.429" in solve("seq-translation.yaml")
    assert "−1 / 0.8 / 5 = −0.25" in solve("seq-padded-batch.yaml")


def test_cce_probability_gradient_names_its_operation_and_works_one_entry():
    out = solve("cce-three-classes.yaml")
    # ∂(−ln ŷ_true)/∂ŷ = −1/ŷ at the true class, 0 elsewhere (a sum: no 1/n):
    # observation 1, class c0: −1 / 0.7 = −1.4286 (prints -1.429)
    assert "−y/ŷ at the true class, 0 elsewhere" in out
    assert "worked gradient ∂L/∂ŷ_1(c0): −1 / 0.7 = −1.429" in out


def test_nll_mean_gradient_divides_by_n_in_the_worked_entry():
    # y = [1, 0], ŷ rows (0.2, 0.7, 0.1), (0.5, 0.3, 0.2), mean over n = 2:
    # ∂L/∂ŷ_1(c1) = −1 / 0.7 / 2 = −0.7143 (prints -0.714)
    result = runner.invoke(
        app,
        ["nll", "--y", "1,0", "--yhat", "0.2,0.7,0.1;0.5,0.3,0.2", "-r", "mean"],
        env={"COLUMNS": "200"},
    )
    out = result.output
    assert result.exit_code == 0, out
    assert "worked gradient ∂L/∂ŷ_1(c1): −1 / 0.7 / 2 = −0.714" in out


def test_nll_log_probs_gradient_names_its_operation():
    # ∂(−ln ŷ_true)/∂(ln ŷ) = −1 at the true class: observation 1, class c1: −1 (sum)
    runner_out = runner.invoke(
        app,
        ["nll", "--y", "1", "--log-probs", "-1.6094,-0.3567,-2.3026"],
        env={"COLUMNS": "200"},
    )
    out = runner_out.output
    assert runner_out.exit_code == 0, out
    assert "−y at the true class, 0 elsewhere" in out
    assert "worked gradient ∂L/∂ln ŷ_1(c1): −1" in out
    # the given ln ŷ = −0.3567 is shown, and the term is minus it: −(−0.357) = 0.357 (not a
    # ŷ = e^−0.3567 = 0.7 that no line computes)
    assert "ln ŷ[true] (given)" in out and "−ln ŷ_1(c1) = −(−0.357) = 0.357" in out


def test_nll_formula_reads_with_class_indices_as_explain_writes_it():
    # y: [1, 0] are class indices, i the observation: the loss is −ln ŷ_1(1) − ln ŷ_2(0).
    # The handout's −Σ_i y_i ln ŷ_i (i over the classes, y one-hot) read with these y would
    # give −(1 · ln ŷ_1 + 0 · ln ŷ_2): the heading must say the true class of observation i.
    out = solve("nll-two-words.yaml")
    assert "NLL = −Σ_i ln ŷ_i(y_i)" in out
    assert "y_i ln ŷ_i  (reduction" not in out


def test_a_mean_gradient_brackets_the_difference_it_divides():
    """ŷ − y / n reads ŷ − (y / n): 0.665 − 1/2 = 0.165, not the −0.167 printed beside it."""
    r = runner.invoke(
        app,
        ["cce", "--y", "0,2", "--logits", "2,1,0;0.5,0.2,1", "-r", "mean"],
        env={"COLUMNS": "200"},
    )
    assert r.exit_code == 0, r.output
    # softmax(2, 1, 0)[0] = 7.389 / 11.107 = 0.665; (0.665 − 1) / 2 = −0.167
    assert "worked gradient ∂L/∂z_1(c0) = (ŷ − y) / n: (0.665" in r.output, r.output
    assert "ŷ − y / n" not in r.output
