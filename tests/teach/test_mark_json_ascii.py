"""``mark --format json`` on a standard output that cannot encode Unicode: the JSON stays
valid and exact (JSON's own escapes), not the derivations' ASCII stand-ins."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.streams import run_encoded

PROBLEM = """\
kind: mse
title: "α😀 test"
y: [1.0]
yhat: [0.5]
answer:
  loss: 0.25
"""
# (1.0 - 0.5)^2 = 0.25: the answer is right, exit 0.


def test_mark_json_to_an_ascii_standard_output_is_exact(tmp_path: Path, monkeypatch):
    # the title was written "a\\U0001f600 test": α as a, and an escape JSON does not read
    f = tmp_path / "p.yaml"
    f.write_text(PROBLEM, encoding="utf-8")
    code, out, _ = run_encoded(
        ["mark", str(f), "-a", "loss=0.25", "-f", "json"], monkeypatch, "ascii"
    )
    assert code == 0, out
    assert out.isascii()
    assert json.loads(out)["title"] == "α😀 test"
