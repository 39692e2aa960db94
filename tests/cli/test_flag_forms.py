"""Issue 13 item 9: every documented form of a flag works."""

from __future__ import annotations

import math

import pytest
from typer.testing import CliRunner

from rnnloss_cli.cli import app

runner = CliRunner()


def test_cce_one_observation_class_index_with_logits():
    result = runner.invoke(app, ["cce", "--y", "0", "--logits", "2,1,0", "-f", "json"])
    assert result.exit_code == 0, result.output
    import json

    # −ln softmax([2, 1, 0])[0] = ln(e^2 + e + 1) − 2 = 0.407606
    want = math.log(math.exp(2) + math.e + 1) - 2
    assert json.loads(result.output)["loss"] == pytest.approx(want, abs=1e-12)


def test_cce_lone_non_number_is_bad_input():
    result = runner.invoke(app, ["cce", "--y", "x", "--logits", "2,1,0"])
    assert result.exit_code == 2 and "expected a number" in result.output


@pytest.mark.parametrize(
    ("args", "words"),
    [
        # click's float() read 1_0 as 10 and 1e-400 as 0 (--clip 0: no clipping at all)
        (["train", "--clip", "1e-400"], "too small for a float64"),
        (["train", "--clip", "1_0"], "'_' between digits"),
        (["train", "--clip", "-1"], "expected a number >= 0"),
        (["train", "--lr", "1e-400"], "too small for a float64"),
        (["ctc", "decode", "--emissions", "0.1,0.9;0.8,0.2", "--symbols", "-,a",
          "--lm-weight", "1_0"], "'_' between digits"),
    ],
)  # fmt: skip
def test_float_options_read_numbers_as_the_list_flags_do(args, words):
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    assert words in result.output
