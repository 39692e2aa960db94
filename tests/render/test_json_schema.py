"""Issue 13 item 7: JSON carries a schema version; ctc paths/decode report their own kind."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from rnnloss_cli.cli import app

PROBLEMS = Path(__file__).resolve().parents[2] / "problems"
runner = CliRunner()


def test_one_file_one_object_several_an_array_each_versioned():
    one = json.loads(
        runner.invoke(app, ["solve", str(PROBLEMS / "mse-forecast.yaml"), "-f", "json"]).output
    )
    assert isinstance(one, dict) and one["schema_version"] == 1
    two = json.loads(
        runner.invoke(
            app,
            [
                "solve",
                str(PROBLEMS / "mse-forecast.yaml"),
                str(PROBLEMS / "hello.yaml"),
                "-f",
                "json",
            ],
        ).output
    )
    assert isinstance(two, list) and [d["schema_version"] for d in two] == [1, 1]


def test_ctc_tools_report_their_own_kind():
    paths = runner.invoke(
        app, ["ctc", "paths", "AB", "--frames", "3", "--probs", "A=0.5,B=0.3,-=0.2", "-f", "json"]
    )
    assert json.loads(paths.output)["kind"] == "ctc_paths"
    decode = runner.invoke(
        app,
        [
            "ctc",
            "decode",
            "--emissions",
            "0.1,0.8,0.1;0.6,0.3,0.1",
            "--symbols",
            "-,A,B",
            "-f",
            "json",
        ],
    )
    assert json.loads(decode.output)["kind"] == "ctc_decode_greedy"


def test_one_frame_grammar():
    out = runner.invoke(app, ["ctc", "paths", "A", "--frames", "1", "--probs", "A=0.5,-=0.5"])
    assert "over 1 frame" in out.output and "1 frames" not in out.output


def test_class_targets_stay_numbers():
    out = runner.invoke(app, ["solve", str(PROBLEMS / "seq-padded-batch.yaml"), "-f", "json"])
    rows = json.loads(out.output)["tables"][0]["rows"]
    assert all(isinstance(row[2], int) for row in rows), rows
