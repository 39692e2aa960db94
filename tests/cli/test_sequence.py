"""The sequence commands through CliRunner: flag forms, help, and one-line errors (exit 2)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rnnloss_cli.cli import app

runner = CliRunner()
PROBLEMS = Path(__file__).resolve().parents[2] / "problems"


def run(*args: str):
    return runner.invoke(app, list(args))


def _json(result) -> dict:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_sequence_flags():
    # -ln 0.7 - ln 0.5 = 0.356675 + 0.693147 = 1.049822
    doc = _json(
        run("sequence", "--yhat", "0.7,0.2,0.1;0.1,0.5,0.4", "--targets", "0,1", "--format", "json")
    )
    assert doc["loss"] == pytest.approx(1.049822, abs=1e-6)


def test_sequence_flags_lengths_vocabulary_and_reduction():
    doc = _json(
        run(
            "sequence",
            "--yhat",
            "0.7,0.2,0.1;0.1,0.5,0.4",
            "--targets",
            "a,b",
            "--vocabulary",
            "a,b,c",
            "--lengths",
            "1",
            "--reduction",
            "mean_sequences",
            "--format",
            "json",
        )
    )
    assert doc["loss"] == pytest.approx(0.356675, abs=1e-6)


def test_hinge_seq_flags():
    result = run("hinge-seq", "--y", "1,-1,1", "--yhat", "0.8,-0.5,0.3")
    assert result.exit_code == 0, result.output
    assert "(0.2 + 0.5 + 0.7) / 3 = 0.467" in result.output
    assert "sum = 1.4" in result.output


def test_reinforce_flags():
    # gamma 0.99: R = 1.9801, 0.99, 1; b = 3.9701 / 3 = 1.323367
    # A = 0.656733, -0.333367, -0.323367
    # J = 0.656733 ln 0.9 - 0.333367 ln 0.6 - 0.323367 ln 0.7
    #   = -0.069193 + 0.170293 + 0.115336 = 0.216436
    doc = _json(
        run(
            "reinforce",
            "--probs",
            "0.9,0.6,0.7",
            "--rewards",
            "1,0,1",
            "--gamma",
            "0.99",
            "--baseline",
            "mean",
            "--format",
            "json",
        )
    )
    assert doc["figures"]["objective"] == pytest.approx(0.216436, abs=1e-5)
    assert doc["loss"] == pytest.approx(-0.216436, abs=1e-5)


def test_reinforce_markdown_precision():
    result = run(
        "reinforce", "--probs", "0.5", "--returns", "2", "--format", "markdown", "--precision", "5"
    )
    assert result.exit_code == 0, result.output
    assert "1.38629" in result.output  # -2 ln 0.5


@pytest.mark.parametrize("name", ["sequence", "sequence-hinge", "reinforce"])
def test_help_has_an_example(name):
    result = run(name, "--help")
    assert result.exit_code == 0
    assert f"Example: rnnloss {name}" in result.output


@pytest.mark.parametrize(
    "args, field, words",
    [
        (("sequence", "--yhat", "0.7,0.2,0.2", "--targets", "0"), "--yhat:", "sums to 1.1"),
        (
            ("sequence", "--yhat", "0.7,0.3", "--targets", "0", "--lengths", "2"),
            "--lengths, item 1:",
            "longer",
        ),
        (
            ("sequence", "--yhat", "0.7,0.3", "--targets", "z", "--vocabulary", "a,b"),
            "--targets, item 1:",
            "(a, b)",
        ),
        (("hinge-seq", "--y", "1,0", "--yhat", "0.1,0.2"), "--y:", "i.e. --y 1,-1"),  # as typed
        (("reinforce", "--probs", "0.9", "--rewards", "1", "--gamma", "2"), "--gamma:", "[0, 1]"),
        (
            ("reinforce", "--probs", "0.9", "--rewards", "x", "--gamma", "1"),
            "--rewards, item 1:",
            "'x'",
        ),
    ],
)
def test_flag_errors_exit_2_one_line(args, field, words):
    result = run(*args)
    assert result.exit_code == 2, result.output
    err = result.stderr.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in result.output
    assert err.startswith(f"error: {field}"), err  # the flag typed, not a YAML field
    assert words in err, err


FILES = {
    "rows": (
        "kind: sequence\nyhat:\n  - [0.7, 0.2, 0.1]\n  - [0.1, 0.5, 0.5]\ntargets: [0, 1]\n",
        4,
        "yhat[1]",
        "sums to 1.1",
    ),
    "lengths": (
        "kind: sequence\nyhat: [[0.5, 0.5]]\ntargets: [0]\nlengths: [4]\n",
        4,
        "lengths[0]",
        "longer than the T = 1",
    ),
    "vocabulary": (
        "kind: sequence\nvocabulary: [a, b]\nyhat: [[0.5, 0.5]]\ntargets: [c]\n",
        4,
        "targets[0]",
        "(a, b)",
    ),
    "gamma": ("kind: reinforce\nprobs: [0.5]\nrewards: [1]\ngamma: 1.2\n", 4, "gamma", "[0, 1]"),
    "mask": (
        "kind: sequence_hinge\ny: [1, -1]\nyhat: [0.1, 0.2]\nmask: [[1, 1]]\n",
        4,
        "mask",
        "expected (2,)",
    ),
}


@pytest.mark.parametrize("name", list(FILES))
def test_bad_files_exit_2_naming_file_line_field(tmp_path, name):
    text, line, field, words = FILES[name]
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    result = run("solve", str(path))
    assert result.exit_code == 2, result.output
    err = result.stderr.strip()
    assert len(err.splitlines()) == 1, err
    assert err.startswith(f"error: {path}:{line}: field '{field}':"), err
    assert words in err


def test_custom_cycle_and_missing_file_exit_2(tmp_path):
    (tmp_path / "a.yaml").write_text("kind: custom\nterms:\n  - weight: 1\n    file: b.yaml\n")
    (tmp_path / "b.yaml").write_text("kind: custom\nterms:\n  - weight: 1\n    file: a.yaml\n")
    result = run("solve", str(tmp_path / "a.yaml"))
    assert result.exit_code == 2
    err = result.stderr.strip()
    assert len(err.splitlines()) == 1
    assert "b.yaml:4: field 'terms[0].file': reference cycle: a.yaml -> b.yaml -> a.yaml" in err
    (tmp_path / "m.yaml").write_text("kind: custom\nterms:\n  - weight: 1\n    file: gone.yaml\n")
    result = run("solve", str(tmp_path / "m.yaml"))
    assert result.exit_code == 2
    assert "m.yaml:4: field 'terms[0].file': no such file" in result.stderr


def test_custom_json_has_children():
    doc = _json(run("solve", str(PROBLEMS / "custom-combo.yaml"), "--format", "json"))
    assert [c["term"] for c in doc["children"]] == [
        "summed sequence cross-entropy",
        "mean sequence hinge",
    ]
    assert doc["loss"] == pytest.approx(1.232454, abs=1e-6)


def test_check_passes_on_the_problems_folder():
    result = run("check", str(PROBLEMS))
    assert result.exit_code == 0, result.output + result.stderr


def test_reinforce_baseline_flag_takes_a_number():
    # R = (1 + 0.99·0 + 0.99²·1, 0 + 0.99·1, 1) = (1.9801, 0.99, 1); A = R − 0.5;
    # L = −(1.4801 ln 0.9 + 0.49 ln 0.6 + 0.5 ln 0.7)
    #   = −(1.4801·(−0.1053605) + 0.49·(−0.5108256) + 0.5·(−0.3566749)) = 0.5845861
    r = runner.invoke(
        app,
        ["reinforce", "--probs", "0.9,0.6,0.7", "--rewards", "1,0,1", "--gamma", "0.99"]
        + ["--baseline", "0.5", "--format", "json"],
    )
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["loss"] == pytest.approx(0.5845861, abs=1e-6)
