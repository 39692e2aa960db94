"""Derivation lines of the pointwise and sequence problems a student redoes end to end with
pencil and calculator: every number of a line comes from the lines (or the table) above it.

Each expected text is worked by hand in its comment (a calculator, not the engine). The
problems are the shipped ones (problems/*.yaml), run through the CLI as a student runs them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from rnnloss_cli.cli import app

PROBLEMS = Path(__file__).resolve().parents[2] / "problems"
runner = CliRunner()


def _solve(name: str, *args: str) -> str:
    r = runner.invoke(
        app,
        ["solve", str(PROBLEMS / f"{name}.yaml"), *args],
        env={"COLUMNS": "250", "NO_COLOR": "1"},
    )
    assert r.exit_code == 0, r.output
    return r.output


def _markdown_lines(name: str) -> list[str]:
    return [line for line in _solve(name, "--format", "markdown").splitlines() if line]


def _flat(name: str) -> str:
    """The rich output with its wrapping undone."""
    return " ".join(_solve(name).split())


# 1. cce-logits: softmax of z = (2, 1, 0); by hand e^2 = 7.3890561 (7.389 at 3 decimals),
# e^1 = 2.7182818 (2.718), e^0 = 1; the fraction 7.389 / (7.389 + 2.718 + 1) = 7.389 / 11.107
# = 0.66525 (0.665). The line showed 7.389 with nothing saying it is e^2.
def test_cce_logits_says_where_each_exponential_comes_from():
    flat = _flat("cce-logits")
    assert "e^2 = 7.389, e^1 = 2.718, e^0 = 1" in flat, flat
    # it comes before the fraction that uses those numbers
    assert flat.index("e^2 = 7.389") < flat.index("7.389 / (7.389 + 2.718 + 1) = 0.665")
    md = "\n".join(_markdown_lines("cce-logits"))
    assert r"e^{2} = 7.389,\quad e^{1} = 2.718,\quad e^{0} = 1" in md, md


def test_a_negative_logit_is_bracketed_and_its_exponential_judged():
    # z = (0, −1): e^0 = 1, e^(−1) = 0.3678794 (0.368); ŷ(c0) = 1 / 1.3678794 = 0.731059
    # (0.731); and z = (1.23456, 0) at -p 3: e^1.235 = 3.43839 would print 3.438, not the
    # 3.437 of e^1.23456 = 3.436873, so the line takes more digits of z (never "e^1.235 =
    # 3.437"): e^1.23456 = 3.43687
    text = runner.invoke(
        app,
        ["solve", "-"],
        input="kind: cce\ny: [0]\nlogits: [[0, -1]]\n",
        env={"COLUMNS": "250", "NO_COLOR": "1"},
    ).output
    assert "e^0 = 1, e^(−1) = 0.368" in " ".join(text.split()), text
    text = runner.invoke(
        app,
        ["solve", "-"],
        input="kind: cce\ny: [0]\nlogits: [[1.23456, 0]]\n",
        env={"COLUMNS": "250", "NO_COLOR": "1"},
    ).output
    flat = " ".join(text.split())
    assert "e^1.235 = 3.437" not in flat and "e^1.23456 = 3.43687" in flat, flat


# 2. mse-forecast: the table's error column is y − ŷ (1 − 1.5 = −0.5) and its gradient column
# 2 · (ŷ − y) / n (2 · 0.5 / 4 = 0.25): the sign flips, by the chain rule d/dŷ (y − ŷ)² =
# 2 (y − ŷ) · (−1) = 2 (ŷ − y). Nothing said so.
def test_mse_says_why_its_gradient_has_yhat_minus_y():
    md = _markdown_lines("mse-forecast")
    table_end = max(i for i, line in enumerate(md) if line.startswith("| 4 |"))
    why = [i for i, line in enumerate(md) if "d/dŷ (y − ŷ)² = −2 (y − ŷ) = 2 (ŷ − y)" in line]
    # at the table, where the two columns meet (its caption, before the worked lines)
    assert why and why[0] == table_end + 1, md
    assert "d/dŷ (y − ŷ)² = −2 (y − ŷ) = 2 (ŷ − y)" in _flat("mse-forecast")


# 3. nll-two-words: −ln 0.7 = 0.356675 (0.357) and −ln 0.5 = 0.693147 (0.693); their sum
# 0.357 + 0.693 = 1.05. Only the first term had a line.
def test_nll_works_every_observation_term():
    flat = _flat("nll-two-words")
    assert "term of observation 1 (true class 1): −ln ŷ_1(c1) = −ln 0.7 = 0.357" in flat, flat
    assert "term of observation 2 (true class 0): −ln ŷ_2(c0) = −ln 0.5 = 0.693" in flat, flat
    assert flat.index("−ln 0.5 = 0.693") < flat.index("0.357 + 0.693 = 1.05")


def test_a_long_input_works_the_first_and_last_terms_and_counts_the_rest():
    # 20 observations, each ŷ[true] = 0.5 (−ln 0.5 = 0.693): STEP_MAX_TERMS = 16 lines
    # (observations 1-8 and 13-20) and one line for the 20 − 16 = 4 left out
    yaml = "kind: nll\ny: [" + ", ".join(["0"] * 20) + "]\nyhat:\n" + "  - [0.5, 0.5]\n" * 20
    r = runner.invoke(app, ["solve", "-"], input=yaml, env={"COLUMNS": "250", "NO_COLOR": "1"})
    flat = " ".join(r.output.split())
    shown = [i for i in range(1, 21) if f"term of observation {i} (true class 0)" in flat]
    assert shown == [*range(1, 9), *range(13, 21)], flat
    assert "4 more observation terms, worked the same way" in flat, flat


# 4. bce-bits: the table's term is −ln 0.5 = 0.693147 nats; the loss is asked in bits,
# 0.693147 / ln 2 = 1 bit. The change of base (log_2 x = ln x / ln 2, ln 2 = 0.693147: 0.693)
# came on the last line, after the nats table and the bits gradient column.
def test_bce_bits_explains_the_change_of_base_before_the_table():
    md = _markdown_lines("bce-bits")
    table = md.index("**per element**")
    base = [i for i, line in enumerate(md) if r"\log_{2} x = \frac{\ln x}{\ln 2}" in line]
    assert base and base[0] < table, md
    assert r"\ln 2 = 0.693" in md[base[0]] and "in nats" in md[base[0]], md[base[0]]
    flat = _flat("bce-bits")
    assert flat.index("log_2 x = ln x / ln 2, ln 2 = 0.693") < flat.index("per element"), flat


# 5. seq-padded-batch: terms −ln 0.8 = 0.223144, −ln 0.6 = 0.510826, −ln 0.5 = 0.693147
# (twice), −ln 0.7 = 0.356675; sum 2.476939, / 2 sequences = 1.2384695 (1.238). Printed
# "2.477 / 2 = 1.238": but 2.477 / 2 = 1.2385 exactly, which a student rounds half up to
# 1.239. With one more digit, 2.4769 / 2 = 1.23845, which gives 1.238; the sum line then
# needs its terms at 5 decimals: 0.22314 + 0.51083 + 0.69315 + 0.69315 + 0.35667 = 2.47694,
# 2.4769 at 4 (at 4 decimals 0.2231 + 0.5108 + 0.6931 + 0.6931 + 0.3567 = 2.4768, not 2.4769).
def test_seq_padded_batch_mean_is_no_tie_read_down():
    md = "\n".join(_markdown_lines("seq-padded-batch"))
    assert r"\frac{2.477}{2} = 1.238" not in md, md
    assert r"mean over the 2 sequences: $\frac{2.4769}{2} = 1.238$" in md, md
    assert "0.22314 + 0.51083 + 0.69315 + 0.69315 + 0.35667 = 2.4769" in md, md


@pytest.mark.parametrize("name", ["bce-bits", "cce-logits", "mse-forecast", "nll-two-words"])
def test_the_shipped_keys_still_agree(name):
    r = runner.invoke(app, ["check", str(PROBLEMS / f"{name}.yaml")])
    assert r.exit_code == 0, r.output


# seq-padded-batch's gradient table (mean_tokens): −1 / 0.8 / 5 = −0.25, −1 / 0.6 / 5 = −0.333;
# its caption said "times the reduction scale", leaving the student to find the 5
def test_sequence_gradient_caption_names_its_divisor():
    flat = _flat("seq-padded-batch")
    assert "0 elsewhere, divided by n = 5 (the unpadded steps; reduction: mean_tokens)" in flat
    # seq-translation sums: its entries are −1 / 0.7 = −1.429 as they are
    assert "0 elsewhere (reduction: sum, not divided)" in _flat("seq-translation")


# custom-combo: the terms table gives L_1 = 1.5606 and L_2 = 0.4667 and the weighted sum
# 0.7 × 1.5606 + 0.3 × 0.4667 = 1.09242 + 0.14001 = 1.23243 (1.232) before the sections that
# work those values out (the sum of −ln 0.7, −ln 0.5, −ln 0.6 = 1.5606; (0.2 + 0.5 + 0.7) / 3
# = 0.4667): the table says where they come from
def test_custom_terms_table_points_to_the_sections_below():
    md = _markdown_lines("custom-combo")
    caption = md.index("_each value L_i is worked out in its own section below (term: its name)_")
    assert caption < md.index("### term: summed sequence cross-entropy")
    assert md[caption - 1].startswith("| mean sequence hinge |"), md[caption - 1]
