"""CLI behaviour through Typer's CliRunner: outputs, exit codes, errors on bad input."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rnnloss_cli import __version__
from rnnloss_cli.cli import app

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[2]
PROBLEMS = ROOT / "problems"


def run(*args: str, input: str | None = None):
    return runner.invoke(app, list(args), input=input)


def test_hinge_flags_shows_terms_and_mean():
    result = run("hinge", "--y", "1,-1,1", "--yhat", "0.8,-0.5,0.3")
    assert result.exit_code == 0, result.output
    assert "(0.2 + 0.5 + 0.7) / 3 = 0.467" in result.output
    assert "loss = 0.467" in result.output


def test_hinge_flags_json_loss_is_full_precision():
    result = run("hinge", "--y", "1,-1,1", "--yhat", "0.8,-0.5,0.3", "--format", "json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["loss"] == pytest.approx(1.4 / 3, abs=1e-12)
    assert {"kind", "loss", "figures", "steps", "warnings", "answer"} <= set(doc)


def test_solve_hinge_sequence_agrees_with_flags():
    result = run("solve", str(PROBLEMS / "hinge-sequence.yaml"), "--format", "json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["loss"] == pytest.approx(1.4 / 3, abs=1e-12)
    assert all(a["ok"] for a in doc["answer"])


def test_markdown_has_latex_math():
    result = run("solve", str(PROBLEMS / "hinge-sequence.yaml"), "--format", "markdown")
    assert result.exit_code == 0, result.output
    assert r"$\frac{0.2 + 0.5 + 0.7}{3} = 0.467$" in result.output


def test_precision_changes_printed_digits():
    result = run("hinge", "--y", "1,-1,1", "--yhat", "0.8,-0.5,0.3", "--precision", "5")
    assert "0.46667" in result.output


def test_stdin_problem():
    text = (PROBLEMS / "mse-forecast.yaml").read_text()
    result = run("solve", "-", input=text)
    assert result.exit_code == 0, result.output
    assert "0.115" in result.output


def test_check_passes_on_shipped_problems():
    result = run("check", str(PROBLEMS))
    assert result.exit_code == 0, result.output


def test_check_fails_and_names_the_problem_with_a_wrong_key(tmp_path):
    shutil.copy(PROBLEMS / "mse-forecast.yaml", tmp_path / "good.yaml")
    text = (PROBLEMS / "hinge-sequence.yaml").read_text().replace("loss: 0.467", "loss: 0.5")
    (tmp_path / "wrong.yaml").write_text(text)
    result = run("check", str(tmp_path))
    assert result.exit_code == 1, result.output
    assert "answer key disagrees" in result.output and "wrong.yaml" in result.output
    assert "good.yaml" not in result.output.split("answer key disagrees")[1]


def test_solve_exits_1_on_wrong_key(tmp_path):
    p = tmp_path / "w.yaml"
    p.write_text((PROBLEMS / "mse-forecast.yaml").read_text().replace("0.115", "0.2"))
    result = run("solve", str(p))
    assert result.exit_code == 1
    assert "MISMATCH" in result.output


def test_list_shows_kinds_and_problems():
    result = run("list", str(PROBLEMS))
    assert result.exit_code == 0, result.output
    assert "hinge" in result.output and "hinge-sequence.yaml" in result.output


def test_version():
    result = run("--version")
    assert result.exit_code == 0 and __version__ in result.output


def test_python_dash_m():
    out = subprocess.run(
        [sys.executable, "-m", "rnnloss_cli", "--version"], capture_output=True, text=True
    )
    assert out.returncode == 0 and __version__ in out.stdout


def _commands(group=None):
    import typer.main

    cmd = typer.main.get_command(app)
    return sorted(cmd.commands)


@pytest.mark.parametrize("name", _commands())
def test_every_command_help_has_an_example(name):
    result = run(name, "--help")
    assert result.exit_code == 0, result.output
    assert "Example" in result.output and "rnnloss" in result.output


# -------------------------------------------------------------- bad input: exit 2, one line
BAD = [
    ("wrong type", "kind: mse\ny: hello\nyhat: [1]\n", 2, "y", "expected a list of numbers"),
    ("missing field", "kind: mse\ny: [1, 2]\n", 1, None, "missing required field 'yhat'"),
    ("NaN", "kind: mse\ny: [1, .nan]\nyhat: [1, 2]\n", 2, "y[1]", "finite"),
    ("prob > 1", "kind: bce\ny: [1, 0]\nyhat:\n  - 0.5\n  - 1.2\n", 5, "yhat[1]", "[0.0, 1.0]"),
    ("ragged", "kind: mse\ny:\n  - [1, 2]\n  - [3]\nyhat: [[1, 2], [3, 4]]\n", 4, "y[1]", "ragged"),
    ("unknown kind", "kind: msee\ny: [1]\nyhat: [1]\n", 1, "kind", "did you mean 'mse'"),
    ("not YAML", "kind: [mse\n", 2, None, "not valid YAML"),
    ("python tag", "kind: !!python/object/apply:os.system ['true']\n", 1, None, "safe_load"),
    ("unknown key", "kind: mse\ny: [1]\nyhat: [1]\nreduce: sum\n", 4, "reduce", "'reduction'"),
    ("not a mapping", "- 1\n- 2\n", 1, None, "expected a mapping"),
    ("hinge 0/1", "kind: hinge\ny: [1, 0]\nyhat: [0.5, 0.2]\n", 2, "y", "2*l - 1"),
    (
        "bad reduction",
        "kind: mse\ny: [1]\nyhat: [1]\nreduction: avg\n",
        4,
        "reduction",
        "mean, sum",
    ),
    ("shape", "kind: mse\ny: [1, 2]\nyhat: [1]\n", 2, "y", "must match"),
    ("row sum", "kind: cce\ny: [0]\nyhat: [0.5, 0.4]\n", 3, "yhat", "sums to 0.9"),
    ("duplicate", "kind: mse\ny: [1]\ny: [2]\nyhat: [1]\n", 3, "y", "duplicate"),
    ("empty", "", None, None, "empty"),
    ("answer name", "kind: mse\ny: [1]\nyhat: [1]\nanswer:\n  los: 0\n", 5, "answer.los", "los"),
    ("log_base mse", "kind: mse\ny: [1]\nyhat: [1]\nlog_base: 2\n", 4, "log_base", "logarithm"),
]


@pytest.mark.parametrize("name, text, line, field, message", BAD, ids=[b[0] for b in BAD])
def test_bad_problem_file_exit_2_one_line(tmp_path, name, text, line, field, message):
    p = tmp_path / "bad.yaml"
    p.write_text(text)
    result = run("solve", str(p))
    assert result.exit_code == 2, result.output
    err = result.stderr.strip()
    assert "Traceback" not in result.output
    assert len(err.splitlines()) == 1, err
    where = f"{p}:{line}:" if line is not None else f"{p}:"
    assert err.startswith(f"error: {where}"), err
    if field:
        assert f"field '{field}'" in err, err
    assert message in err, err


def test_missing_file_exit_2():
    result = run("solve", "no/such/file.yaml")
    assert result.exit_code == 2
    assert "no such file" in result.stderr


def test_bad_flag_value_exit_2():
    result = run("hinge", "--y", "1,x", "--yhat", "0.1,0.2")
    assert result.exit_code == 2
    assert "error: --y, item 2:" in result.stderr and "'x'" in result.stderr


def test_usage_error_exit_2():
    assert run("hinge", "--y", "1").exit_code == 2


def test_main_runs_a_command_through_a_slim_app_with_the_same_output():
    # main() builds only the named command (start-up); its output must equal the full app's.
    args = ["solve", str(PROBLEMS / "hinge-sequence.yaml"), "--format", "json"]
    out = subprocess.run(
        [sys.executable, "-m", "rnnloss_cli", *args], capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == json.loads(run(*args).output)


def test_app_for_keeps_the_full_app_for_help_typos_and_groups():
    from rnnloss_cli.cli import app, app_for

    assert app_for(["solve", "x.yaml"]) is not app
    for argv in (["--help"], ["solv"], ["ctc", "paths", "AB"], []):
        assert app_for(argv) is app


def test_show_rejects_unknown_tables_and_splits_commas():
    exact = str(PROBLEMS / "ctc-exact-ab.yaml")
    r = run("solve", exact, "--show", "betta")
    assert r.exit_code == 2
    assert "betta" in r.output and "beta, grad" in r.output
    r = run("solve", exact, "--show", "beta,grad")
    assert r.exit_code == 0, r.output
    assert "backward trellis" in r.output and "gradient" in r.output
    assert run("solve", str(PROBLEMS / "hinge-sequence.yaml"), "--show", "beta").exit_code == 2


def test_solve_takes_folders_and_reports_bad_files_after_the_good(tmp_path):
    (tmp_path / "a.yaml").write_text(
        (PROBLEMS / "hinge-sequence.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    (tmp_path / "b.yaml").write_text("kind: msee\n", encoding="utf-8")
    r = run("solve", str(tmp_path), "--format", "json")
    assert r.exit_code == 2
    assert "unknown kind 'msee'" in r.output
    assert '"kind": "hinge"' in r.output


def _long_mse(n: int, *extra: str):
    ones, twos = ",".join(["1"] * n), ",".join(["2"] * n)
    return run("mse", "--y", ones, "--yhat", twos, "--format", "markdown", *extra)


def test_window_option_shows_more_of_a_long_table():
    # 100 elements: the default window (60 rows) elides the middle and says how to see more.
    r = _long_mse(100)
    assert r.exit_code == 0, r.output
    assert "| … |" in r.output and "--window 100" in r.output
    r = _long_mse(100, "--window", "100")
    assert r.exit_code == 0, r.output
    assert "…" not in r.output
    # each of the 100 rows is shown: (1 − 2)² = 1 per element
    assert sum(1 for ln in r.output.splitlines() if ln.startswith("| ") and "| 1 |" in ln) >= 100


@pytest.mark.parametrize("bad", ["0", "x", "10xa", "1x10"])
def test_window_option_rejects_bad_values(bad):
    r = run("solve", str(PROBLEMS / "hello.yaml"), "--window", bad)
    assert r.exit_code == 2
    assert "--window" in r.output
