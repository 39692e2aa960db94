"""Hand-written problem files of kinds rnnt, bptt and ctc_align that are wrong in ways a
hostile user or a hurried instructor writes them: each is one ProblemError naming the file,
the line and the field (never an internal error), through load_problem and the CLI."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from rnnloss_cli.cli import app
from rnnloss_cli.problem import load_problem
from tests.problem.test_beyond_kinds import _error

RNNT_HEAD = 'kind: rnnt\nsymbols: ["-", a, b]\ntarget: ab\n'


RAGGED_3D = {
    # frame 0's nodes hold 2 numbers each, frame 1's 3: every list is rectangular on its own
    "nodes of different widths in two frames": (
        "probs:\n"
        "  - [[0.5, 0.5], [0.5, 0.5], [0.5, 0.5]]\n"
        "  - [[0.2, 0.3, 0.5], [0.2, 0.3, 0.5], [0.2, 0.3, 0.5]]\n",
        6,  # lines: kind, symbols, target, probs:, frame 0, frame 1
        "probs[1][0]",
    ),
    "logits of different widths": (
        "logits:\n  - [[0, 0, 0], [0, 0, 0], [0, 0, 0]]\n  - [[0, 0], [0, 0], [0, 0]]\n",
        6,
        "logits[1][0]",
    ),
}


@pytest.mark.parametrize("name", list(RAGGED_3D))
def test_rnnt_nodes_of_different_widths_are_one_line(tmp_path, name):
    body, line, field = RAGGED_3D[name]
    err = _error(tmp_path, RNNT_HEAD + body)
    assert err.line == line and err.field == field, str(err)
    assert "3" in str(err) and "2" in str(err)  # both widths named


def test_rnnt_ragged_nodes_through_the_cli_exit_2(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(RNNT_HEAD + RAGGED_3D["nodes of different widths in two frames"][0])
    r = CliRunner().invoke(app, ["check", str(path)])
    assert r.exit_code == 2, r.output
    assert "internal error" not in r.output and "probs[1][0]" in r.output


def _bptt_with_gradient_keys(n_hidden: int, keyed: tuple[str, ...]) -> str:
    zeros = [[0.0] * n_hidden for _ in range(n_hidden)]
    lines = [
        "kind: bptt",
        "loss: squared_error",
        "x: [[1.0]]",
        "targets: [[0.0]]",
        f"W_xh: [{[0.0] * n_hidden}]",
        f"W_hh: {zeros}",
        f"W_hy: {[[0.0]] * n_hidden}",
        "answer:",
        "  grads:",
    ]
    shapes = {"W_hh": zeros, "b_h": [0.0] * n_hidden, "h0": [0.0] * n_hidden}
    lines += [f"    {name}: {shapes[name]}" for name in keyed]
    return "\n".join(lines) + "\n"


def test_bptt_gradient_key_past_the_limit_is_refused(tmp_path):
    from rnnloss_cli.limits import MAX_KEY_FIGURES

    # H = 40: W_hh's key alone holds 1,600 numbers, each a checked figure and a printed line
    err = _error(tmp_path, _bptt_with_gradient_keys(40, ("b_h", "W_hh")))
    assert err.field == "answer.grads.W_hh" and err.line == 11, str(err)
    assert "MAX_KEY_FIGURES" in str(err) and f"{MAX_KEY_FIGURES:,}" in str(err)
    assert "1,640" in str(err)  # 40 (b_h) + 1,600 (W_hh) figures


def test_bptt_gradient_keys_under_the_limit_load(tmp_path):
    path = tmp_path / "ok.yaml"
    path.write_text(_bptt_with_gradient_keys(20, ("W_hh", "b_h", "h0")))  # 440 figures
    problem = load_problem(str(path))
    assert sum(a.size for a, _ in problem.keys.arrays.values()) == 440


LOGITS_GIVEN_AS_PROBABILITIES = {
    # rnnt: a probability of 1.5 (a logit) was read as in [0, inf]; the row sum came later
    "rnnt probs above 1": (
        RNNT_HEAD + "probs:\n  - [[1.5, -0.2, 0.3], [0.2, 0.3, 0.5], [0.2, 0.3, 0.5]]\n",
        "probs[0][0][0]",  # the first number out of [0, 1]
    ),
    "rnnt negative probs": (
        RNNT_HEAD + "probs:\n  - [[0.5, 0.7, -0.2], [0.2, 0.3, 0.5], [0.2, 0.3, 0.5]]\n",
        "probs[0][0][2]",
    ),
    "ctc_align emissions as logits": (
        'kind: ctc_align\ntarget: AB\nsymbols: ["-", A, B]\n'
        "emissions:\n  - [2.0, 1.0, 3.0]\n  - [0.5, 0.3, 0.2]\n",
        "emissions[0][0]",
    ),
}


@pytest.mark.parametrize("name", list(LOGITS_GIVEN_AS_PROBABILITIES))
def test_logits_given_as_probabilities_are_named_with_the_logits_hint(tmp_path, name):
    text, field = LOGITS_GIVEN_AS_PROBABILITIES[name]
    err = _error(tmp_path, text)
    assert err.field == field, str(err)
    assert "[0.0, 1.0]" in str(err) and "give 'logits' instead" in str(err), str(err)


def test_bptt_rows_of_targets_without_a_loss_name_the_default_loss(tmp_path):
    # squared-error targets (rows) with the loss left out: the default is cross_entropy,
    # which wants one class index per step; the message must say so, not only the nesting
    text = (
        "kind: bptt\nx: [[1.0], [0.0]]\ntargets: [[0.0], [0.0]]\n"
        "W_xh: [[0.5]]\nW_hh: [[1.0]]\nW_hy: [[1.0]]\n"
    )
    err = _error(tmp_path, text)
    assert err.field == "targets" and err.line == 3, str(err)
    assert "cross_entropy" in str(err) and "loss: squared_error" in str(err), str(err)
