"""Marking against a file whose answer key disagrees with the computed value: answers are
marked against the computed value (as before), and the run names the file and exits 1, as
``solve``, ``grade`` and ``export`` do; a right answer exited 0 with the key's typo unsaid."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from rnnloss_cli.cli import app
from rnnloss_cli.teach.mark import mark_answers

# MSE of one pair: (1 − 0.5)² = 0.25; the key says 0.3 (a typo).
_WRONG_KEY = "kind: mse\ny: [1]\nyhat: [0.5]\nanswer: {loss: 0.3}\n"


def test_the_report_says_the_key_disagrees(tmp_path: Path):
    f = tmp_path / "typo.yaml"
    f.write_text(_WRONG_KEY)
    report = mark_answers(str(f), {"loss": "0.25"})
    assert report.ok and report.key_disagrees
    assert not mark_answers("problems/hinge-sequence.yaml", {"loss": "0.4667"}).key_disagrees


def test_mark_names_the_file_and_exits_1(tmp_path: Path):
    f = tmp_path / "typo.yaml"
    f.write_text(_WRONG_KEY)
    r = CliRunner().invoke(app, ["mark", str(f), "--answer", "loss=0.25"])
    assert r.exit_code == 1, r.output
    assert "loss = 0.25: right" in r.output
    assert f"answer key disagrees: {f}" in r.output and "Traceback" not in r.output


def test_the_json_report_says_so_in_its_warnings(tmp_path: Path):
    import json

    f = tmp_path / "typo.yaml"
    f.write_text(_WRONG_KEY)
    r = CliRunner().invoke(app, ["mark", str(f), "--answer", "loss=0.25", "-f", "json"])
    assert r.exit_code == 1, r.output
    data = json.loads(r.stdout)
    assert data["ok"] is True
    assert any("answer key disagrees" in w for w in data["warnings"]), data["warnings"]
