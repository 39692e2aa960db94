"""`explain cross-entropy` opens categorical cross-entropy (PyTorch's cross_entropy), but the
handout's section 2 "Cross-Entropy Loss" is the binary formula: the page says which it shows
and where the other is."""

import pytest
from typer.testing import CliRunner

from rnnloss_cli.cli.app import app


@pytest.mark.parametrize("fmt", [[], ["--format", "markdown"]])
@pytest.mark.parametrize("name", ["cross-entropy", "ce", "Cross_Entropy"])
def test_ambiguous_name_points_to_the_handouts_binary_loss(name, fmt):
    result = CliRunner().invoke(app, ["explain", name, *fmt], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "rnnloss explain bce" in result.output
    assert "section 2" in result.output


@pytest.mark.parametrize("name", ["cce", "bce"])
def test_unambiguous_names_carry_no_such_line(name):
    result = CliRunner().invoke(app, ["explain", name], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "rnnloss explain bce" not in result.output


def test_reinforce_uses_the_derivations_name_for_the_return():
    """solve and `reinforce --help` write the return R_t = Σ γ^(k−t) r_k and the reward r_t;
    explain wrote the return G_t. One name: R_t, and the handout's R_t (a reward) is r_t."""
    out = CliRunner().invoke(app, ["explain", "reinforce"], env={"COLUMNS": "200"}).output
    assert "G" not in out.replace("Gradient", "").replace("gradient", ""), out
    assert "Rₜ = Σ_{k≥t} γ^{k−t} rₖ" in out
    assert "the handout's Rₜ is the reward" in out


@pytest.mark.parametrize("name", ["log-loss", "binary_cross_entropy"])
def test_the_handouts_log_loss_opens_binary_cross_entropy(name):
    """The handout and the bce page call it "log loss": `explain log-loss` was "unknown loss"."""
    result = CliRunner().invoke(app, ["explain", name], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "Binary cross-entropy (log loss)" in result.output


def test_bptt_says_how_pytorchs_weights_differ():
    """nn.RNN computes x W_ihᵀ with row vectors, as rnnloss does; what differs is the layout
    (W_ih is H × D). The page said "nn.RNN writes column vectors" beside a row-vector formula."""
    out = CliRunner().invoke(app, ["explain", "bptt"], env={"COLUMNS": "200"}).output
    assert "column vectors" not in out
    assert "H × D" in " ".join(out.split())
