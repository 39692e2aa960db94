"""``rnnloss explain``: content for every loss, 80-column terminal output, markdown."""

from __future__ import annotations

import io

import pytest
from rich.console import Console
from typer.testing import CliRunner

from rnnloss_cli.cli import app
from rnnloss_cli.explain import EXPLANATIONS, explain_markdown, explain_rich, find, sections

runner = CliRunner()
LOSSES = [
    "mse",
    "bce",
    "nll",
    "cce",
    "hinge",
    "ctc",
    "sequence",
    "sequence_hinge",
    "reinforce",
    "custom",
]


def _render(key: str | None, width: int = 80) -> str:
    buf = io.StringIO()
    console = Console(file=buf, width=width, color_system=None, highlight=False)
    explain_rich(console, key)
    return buf.getvalue()


def test_every_loss_is_explained():
    assert set(LOSSES) <= set(EXPLANATIONS)
    for key in LOSSES:
        e = EXPLANATIONS[key]
        assert e.definition and e.formula and e.formula_latex and e.when and e.use_for
        assert e.conventions and e.pitfalls


def test_every_problem_kind_has_an_explanation():
    from rnnloss_cli.problem import PARSERS

    assert set(PARSERS) <= set(EXPLANATIONS)


@pytest.mark.parametrize("key", [None, *LOSSES])
def test_terminal_output_fits_80_columns(key):
    text = _render(key)
    too_long = [line for line in text.splitlines() if len(line.rstrip()) > 80]
    assert not too_long, too_long
    assert text.strip()


@pytest.mark.parametrize("key", LOSSES)
def test_cli_explain_at_80_columns(key):
    result = runner.invoke(app, ["explain", key], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    assert all(len(line.rstrip()) <= 80 for line in result.output.splitlines())
    assert EXPLANATIONS[key].name in result.output
    assert "Pitfalls" in result.output and "Conventions" in result.output


def test_overview_table_lists_every_loss_with_use_it_for():
    result = runner.invoke(app, ["explain"], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    for key in LOSSES:
        assert key in result.output
    assert "use it for" in result.output


def test_markdown_uses_latex_formulas_and_headings():
    result = runner.invoke(app, ["explain", "ctc", "--format", "markdown"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("# Connectionist temporal classification")
    assert r"$$-\ln p(l\mid x)" in result.output
    assert "## Where the handout departs from the standard" in result.output
    overview = explain_markdown(None)
    assert "| `ctc` |" in overview and "| loss | name | use it for |" in overview


def test_terminal_formulas_are_plain_unicode():
    text = _render("mse")
    assert "MSE = (1/n) Σᵢ (yᵢ − ŷᵢ)²" in text
    assert "\\frac" not in text


@pytest.mark.parametrize(
    "key, facts",
    [
        (
            "ctc",
            [
                "blank=0",
                "zero_infinity",
                "target length",
                "T ≥ S + r",
                "HELO",
                "2.8",
                "logit_paddings",
            ],
        ),
        ("bce", ["BCEWithLogitsLoss", "from_logits", "−100"]),
        ("hinge", ["0/1", "1.4", "0.467"]),
        ("reinforce", ["minus sign", "maximise"]),
        ("nll", ["log-probabilities", "one-hot"]),
        ("mse", ["reduction='mean'", "unreduced"]),
    ],
)
def test_key_facts_are_stated(key, facts):
    text = " ".join(
        " ".join([*s.paragraphs, s.formula or "", s.note or "", *s.bullets])
        for s in sections(find(key))
    )
    for fact in facts:
        assert fact in text, fact


def test_aliases_and_unknown_loss():
    assert find("hinge-seq").key == "sequence_hinge"
    assert find("cross-entropy").key == "cce"
    result = runner.invoke(app, ["explain", "nope"])
    assert result.exit_code == 2
    assert "unknown loss" in result.output


def test_reinforce_names_the_action_as_solve_and_the_handout_do():
    # the handout writes π(y_t|s_t) and `rnnloss solve` prints J = Σ_t A_t ln π(y_t|s_t):
    # explain must not call the same action a_t
    from rnnloss_cli.problem import parse_problem
    from rnnloss_cli.solve import solve

    out = _render("reinforce")
    assert "π(yₜ|sₜ)" in out and "aₜ" not in out
    r = solve(parse_problem({"kind": "reinforce", "probs": [0.5], "returns": [1]}, {}, "<t>"))
    assert "π(y_t|s_t)" in r.formula.text
