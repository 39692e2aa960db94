"""Parsing and validation of kinds sequence, sequence_hinge and reinforce (errors name the line)."""

from __future__ import annotations

import numpy as np
import pytest

from rnnloss_cli.errors import ProblemError
from rnnloss_cli.problem import load_problem


def _load(tmp_path, text: str):
    p = tmp_path / "p.yaml"
    p.write_text(text)
    return load_problem(str(p))


def _error(tmp_path, text: str) -> ProblemError:
    with pytest.raises(ProblemError) as info:
        _load(tmp_path, text)
    return info.value


SEQ = "kind: sequence\nyhat:\n  - [0.7, 0.2, 0.1]\n  - [0.1, 0.5, 0.4]\n"


def test_targets_as_indices_one_hot_and_symbols_agree(tmp_path):
    a = _load(tmp_path, SEQ + "targets: [0, 1]\n")
    b = _load(tmp_path, SEQ + "targets: [[1, 0, 0], [0, 1, 0]]\n")
    c = _load(tmp_path, SEQ + "vocabulary: [x, y, z]\ntargets: [x, y]\n")
    for p in (a, b, c):
        assert p.targets.tolist() == [0, 1]
        assert p.mask.all() and p.reduction == "sum"
    assert c.labels == ("x", "y")


def test_lengths_give_the_mask(tmp_path):
    p = _load(tmp_path, SEQ + "targets: [0, 7]\nlengths: 1\n")  # padded target ignored
    assert p.mask.tolist() == [True, False]


@pytest.mark.parametrize(
    "extra, line, field, words",
    [
        ("targets: [0, 3]\n", 5, "targets[1]", "integer between 0 and 2"),
        ("vocabulary: [x, y, z]\ntargets: [x, w]\n", 6, "targets[1]", "(x, y, z)"),
        ("targets: [0, 1]\nlengths: 3\n", 6, "lengths", "longer than the T = 2"),
        ("targets: [0, 1]\nmask: [1, 1, 0]\n", 6, "mask", "expected (2,)"),
        ("targets: [0, 1]\nreduction: mean\n", 6, "reduction", "mean_tokens"),
        ("vocabulary: [x, y]\ntargets: [x, y]\n", 5, "vocabulary", "3 columns"),
        ("targets: [a, b]\n", 5, "targets[0]", "vocabulary"),
        ("vocabulary: [x, '', z]\ntargets: [x, z]\n", 5, "vocabulary[1]", "not empty"),
    ],
)
def test_sequence_errors_name_line_and_field(tmp_path, extra, line, field, words):
    err = _error(tmp_path, SEQ + extra)
    assert (err.line, err.field) == (line, field), str(err)
    assert words in err.message


def test_row_not_summing_to_one_names_the_row_and_its_sum(tmp_path):
    text = "kind: sequence\nyhat:\n  - [0.7, 0.2, 0.1]\n  - [0.1, 0.5, 0.5]\ntargets: [0, 1]\n"
    err = _error(tmp_path, text)
    assert (err.line, err.field) == (4, "yhat[1]")
    assert "row t=2" in err.message and "sums to 1.1" in err.message and "logits" in err.message


def test_padded_rows_need_not_sum_to_one(tmp_path):
    text = (
        "kind: sequence\nyhat:\n  - - [0.5, 0.5]\n    - [0.5, 0.5]\n"
        "  - - [0.5, 0.5]\n    - [0, 0]\ntargets: [[0, 1], [1, 0]]\nlengths: [2, 1]\n"
    )
    p = _load(tmp_path, text)
    assert p.mask.tolist() == [[True, True], [True, False]]


def test_batch_row_error_names_sequence_and_step(tmp_path):
    text = (
        "kind: sequence\nyhat:\n  - - [0.5, 0.5]\n    - [0.5, 0.5]\n"
        "  - - [0.5, 0.5]\n    - [0.9, 0.5]\ntargets: [[0, 1], [1, 0]]\n"
    )
    err = _error(tmp_path, text)
    assert err.field == "yhat[1][1]" and "sequence 2, t=2" in err.message


def test_logits_skip_the_row_check(tmp_path):
    p = _load(tmp_path, "kind: sequence\nlogits: [[2, 1, 0], [0, 0, 5]]\ntargets: [0, 2]\n")
    assert p.from_logits


HINGE = "kind: sequence_hinge\nyhat: [0.8, -0.5, 0.3]\n"


def test_hinge_zero_one_labels_show_the_mapping(tmp_path):
    err = _error(tmp_path, HINGE + "y: [1, 0, 1]\n")
    assert err.field == "y" and err.line == 3
    assert "y: [1, -1, 1]" in err.message and "2*l - 1" in err.message


def test_hinge_padded_labels_may_be_zero(tmp_path):
    p = _load(tmp_path, HINGE + "y: [1, -1, 0]\nlengths: 2\n")
    assert p.mask.tolist() == [True, True, False] and p.reduction == "mean"


REIN = "kind: reinforce\nprobs: [0.9, 0.6, 0.7]\nrewards: [1, 0, 1]\n"


@pytest.mark.parametrize("gamma", ["1.5", "-0.1"])
def test_gamma_outside_unit_interval(tmp_path, gamma):
    err = _error(tmp_path, REIN + f"gamma: {gamma}\n")
    assert (err.line, err.field) == (4, "gamma") and "[0, 1]" in err.message


@pytest.mark.parametrize(
    "text, field, words",
    [
        (REIN, None, "gamma"),
        (REIN + "gamma: 0.9\nreturns: [1, 1, 1]\n", "gamma", "not both"),
        (REIN + "gamma: 0.9\nbaseline: median\n", "baseline", "mean"),
        ("kind: reinforce\nprobs: [0.9, 0]\nrewards: [1, 0]\ngamma: 1\n", "probs[1]", "ln 0"),
        ("kind: reinforce\npolicy: [[0.5, 0.5]]\nrewards: [1]\ngamma: 1\n", None, "actions"),
        (
            "kind: reinforce\nlogits: [[1, 0]]\nactions: [2]\nrewards: [1]\ngamma: 1\n",
            "actions[0]",
            "integer between 0 and 1",
        ),
        (REIN + "gamma: 0.9\nrewards2: 1\n", "rewards2", "did you mean 'rewards'"),
    ],
)
def test_reinforce_errors(tmp_path, text, field, words):
    err = _error(tmp_path, text)
    assert err.field == field, str(err)
    assert words in err.message, str(err)


def test_policy_is_read_as_log_probability_logits(tmp_path):
    p = _load(
        tmp_path,
        "kind: reinforce\npolicy: [[0.25, 0.75], [0.5, 0.5]]\nactions: [1, 0]\nreturns: [2, 1]\n",
    )
    assert p.given == "policy" and p.gamma is None
    np.testing.assert_allclose(p.logits, np.log([[0.25, 0.75], [0.5, 0.5]]))


def test_reinforce_action_taken_with_a_logit_past_the_float_range(tmp_path):
    # logits (1e308, −1e308), action 1: ln π = −1e308 − 1e308 − ln(1 + e^−2e308) = −2e308,
    # past the float range (π = 0 in float64), as a zero of a policy at the action taken
    err = _error(
        tmp_path,
        "kind: reinforce\nlogits: [[1e308, -1e308], [0, 0]]\nactions: [1, 0]\n"
        "rewards: [1, 1]\ngamma: 1\n",
    )
    assert err.field == "actions[0]" and err.line == 3, err
    assert "probability is 0" in err.message and "1.8e308" in err.message, err.message


@pytest.mark.parametrize(
    "text, line, field",
    [
        (SEQ + "targets: [0, 1]\nlengths: 0\nreduction: mean_tokens\n", 7, "reduction"),
        (REIN + "gamma: 1\nlengths: 0\nreduction: mean\n", 6, "reduction"),
        # sequence_hinge averages by default: the padding is then what the line names
        ("kind: sequence_hinge\ny: [1, -1]\nyhat: [0.5, 0.5]\nmask: [0, 0]\n", 4, "mask"),
    ],
)
def test_a_mean_over_no_unpadded_step_names_the_file_line_and_field(tmp_path, text, line, field):
    # Every step is padding, so the mean over the unpadded steps is 0 / 0: no value. It was
    # the engine's one line, "reduction='mean' needs at least one unpadded step", without
    # the file, line or field.
    err = _error(tmp_path, text)
    assert err.file.endswith("p.yaml") and (err.line, err.field) == (line, field), str(err)
    assert "every step is padding" in err.message and "reduction: sum" in err.message, str(err)
