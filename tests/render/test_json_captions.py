"""A JSON table says what it is, as rich and markdown do under the table: its caption (what
its columns mean) and the legend of the cell styles it uses; the existing keys stay.

Provenance: the captions are the words rich prints under each table (COLUMNS=80 rnnloss
solve problems/bptt-two-steps.yaml: "a = x W_xh + h_{t−1} W_hh + b_h (the pre-activation),
h = tanh(a), …"), and problems/ctc-align-ab.yaml's best alignment is highlighted in its δ
trellis, which rich words "highlighted: the best alignment".
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rnnloss_cli.cli import app

PROBLEMS = Path(__file__).resolve().parents[2] / "problems"
runner = CliRunner()


def _tables(name: str) -> list[dict]:
    out = runner.invoke(app, ["solve", str(PROBLEMS / name), "-f", "json"])
    assert out.exit_code == 0, out.output
    return json.loads(out.output)["tables"]


@pytest.mark.parametrize(
    ("problem", "title", "caption_start"),
    [
        # the forward table's caption defines a, h, o and L_t (rich prints it under it)
        ("bptt-two-steps.yaml", "forward pass, step by step", "a = x W_xh + h_{t−1} W_hh"),
        # the reach table's caption says what k and the ratio are
        ("bptt-two-steps.yaml", "how far back the gradient reaches", "k: steps back"),
    ],
)
def test_a_json_table_carries_its_caption(problem, title, caption_start):
    table = next(t for t in _tables(problem) if t["title"] == title)
    assert table["caption"].startswith(caption_start)
    # additive: the keys a consumer already reads are all still there
    assert {"title", "columns", "rows", "optional", "shape", "note"} <= table.keys()


def test_a_table_without_caption_says_null_and_no_legend():
    table = next(t for t in _tables("bptt-two-steps.yaml") if t["title"].startswith("given"))
    assert table["caption"] is None and table["legend"] == {}


def test_a_json_table_carries_the_legend_of_the_styles_it_uses():
    legends = [t["legend"] for t in _tables("ctc-align-ab.yaml")]
    assert {"highlight": "the best alignment", "dim": "unreachable"} in legends
