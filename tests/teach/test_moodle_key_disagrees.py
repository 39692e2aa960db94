"""Exporting a file whose answer key disagrees with the computed value: the bank is written
(with the computed value, as the worked solution shows it) and the run names the file and
exits 1, as ``sheet --solutions`` and ``solve`` do. It exited 0 in silence: the instructor's
typo in the key never surfaced, and the quiz graded against a number their key does not say."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from typer.testing import CliRunner

from rnnloss_cli.cli import app
from rnnloss_cli.teach.moodle import moodle_bank

# MSE of one pair: (1 − 0.5)² = 0.25; the key says 0.3 (a typo).
_WRONG_KEY = "kind: mse\ny: [1]\nyhat: [0.5]\nanswer: {loss: 0.3}\n"


def test_the_bank_names_a_file_whose_key_disagrees(tmp_path: Path):
    f = tmp_path / "typo.yaml"
    f.write_text(_WRONG_KEY)
    bank = moodle_bank([str(f), "problems/hinge-sequence.yaml"])
    assert bank.disagree == [str(f)]


def test_export_writes_the_bank_and_exits_1_naming_the_file(tmp_path: Path):
    f, out = tmp_path / "typo.yaml", tmp_path / "quiz.xml"
    f.write_text(_WRONG_KEY)
    r = CliRunner().invoke(app, ["export", str(f), "-o", str(out)])
    assert r.exit_code == 1, r.output
    assert f"answer key disagrees: {f}" in r.output and "Traceback" not in r.output
    root = ET.parse(out).getroot()
    (answer,) = root.findall("question[@type='numerical']/answer/text")
    assert float(answer.text) == 0.25


def test_export_of_right_keys_exits_0(tmp_path: Path):
    out = tmp_path / "quiz.xml"
    r = CliRunner().invoke(app, ["export", "problems/hinge-sequence.yaml", "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert "disagrees" not in r.output
