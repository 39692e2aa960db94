"""The teaching commands through the CLI: new, sheet, explain, train."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rnnloss_cli.cli import app
from rnnloss_cli.problem import load_problem
from rnnloss_cli.solve import solve
from rnnloss_cli.templates import TEMPLATES, render_template

runner = CliRunner()


# ------------------------------------------------------------------------------------ new
@pytest.mark.parametrize("kind", sorted(TEMPLATES))
def test_every_template_loads_solves_and_its_key_checks(kind: str, tmp_path: Path):
    out = tmp_path / f"{kind}.yaml"
    result = runner.invoke(app, ["new", kind, "-o", str(out)])
    assert result.exit_code == 0, result.output
    solved = solve(load_problem(str(out)))
    assert solved.checks, "a template carries a worked key"
    assert all(c.ok for c in solved.checks), [(c.figure, c.expected, c.got) for c in solved.checks]


@pytest.mark.parametrize("kind", sorted(TEMPLATES))
def test_every_field_of_a_template_is_explained(kind: str):
    text = render_template(kind)
    import yaml

    data = yaml.safe_load(text)
    for field in data:
        assert f"# {field}:" in text or f"#   {field}:" in text, f"field {field!r} not explained"


def test_new_prints_to_stdout():
    result = runner.invoke(app, ["new", "mse"])
    assert result.exit_code == 0, result.output
    assert "kind: mse" in result.output and "# y:" in result.output


def test_new_unknown_kind_exits_2_with_a_hint():
    result = runner.invoke(app, ["new", "hinj"])
    assert result.exit_code == 2
    assert "did you mean 'hinge'" in result.output


def test_new_refuses_to_overwrite_without_force(tmp_path: Path):
    out = tmp_path / "p.yaml"
    out.write_text("keep me")
    result = runner.invoke(app, ["new", "mse", "-o", str(out)])
    assert result.exit_code == 2
    assert out.read_text() == "keep me"
    result = runner.invoke(app, ["new", "mse", "-o", str(out), "--force"])
    assert result.exit_code == 0, result.output
    assert "kind: mse" in out.read_text()


# ------------------------------------------------------------------------------------ train
@pytest.mark.parametrize("loss", ["mse", "cross-entropy", "hinge-seq", "reinforce", "ctc"])
def test_cli_train_prints_chart_and_held_out_predictions(loss: str):
    result = runner.invoke(app, ["train", "--loss", loss, "--epochs", "3", "--seed", "1"])
    assert result.exit_code == 0, result.output
    assert "held-out examples" in result.output
    assert any(ch in result.output for ch in "▁▂▃▄▅▆▇█")
    assert "seed 1, 3 epochs" in result.output


def test_cli_train_sgd_without_clipping():
    result = runner.invoke(
        app, ["train", "--loss", "mse", "--epochs", "2", "--optimizer", "sgd", "--clip", "0"]
    )
    assert result.exit_code == 0, result.output
    assert "sgd, clip off" in result.output


def test_cli_train_rich_follows_precision_and_window():
    """--precision sets the digits of the losses (as on the pages: 2 decimals, 2 significant
    digits below 0.1; this run's ratio needs no guard digits); --window 2 keeps the first and
    last held-out rows (the mse task holds out more than two) and says how many were left out."""
    result = runner.invoke(
        app, ["train", "--loss", "mse", "--epochs", "2", "--precision", "2", "--window", "2"]
    )
    assert result.exit_code == 0, result.output
    before = re.search(r"before training (\S+);", result.output)[1]
    first, final = re.search(r"per epoch: (\S+) → (\S+)\n", result.output).groups()
    for number in (before, first, final):
        assert len(number.replace(".", "").lstrip("0")) <= 2, result.output
    assert re.search(r"… \d+ more rows? …", result.output), result.output
    table_rows = [line for line in result.output.splitlines() if line.startswith("│ s = ")]
    assert len(table_rows) == 2


def test_cli_train_rich_rejects_a_bad_window():
    result = runner.invoke(app, ["train", "--loss", "mse", "--epochs", "1", "--window", "1"])
    assert result.exit_code == 2
    assert "--window" in result.output


def test_cli_train_rejects_unknown_loss():
    result = runner.invoke(app, ["train", "--loss", "mae"])
    assert result.exit_code == 2


def test_every_teaching_command_has_help():
    for cmd in ("new", "sheet", "explain", "train"):
        result = runner.invoke(app, [cmd, "--help"])
        assert result.exit_code == 0, result.output
        assert "Example:" in result.output or "Usage" in result.output


def test_every_problem_kind_has_a_template():
    from rnnloss_cli.problem import PARSERS

    assert set(PARSERS) == set(TEMPLATES)


@pytest.mark.parametrize("fmt", ["markdown", "latex", "html"])
def test_sheet_title_of_only_spaces_is_the_default_as_an_empty_one(fmt):
    # Found by hand: `sheet --title ''` gave "Problem sheet" but `--title '   '` an empty
    # heading ("# ", \title{}, <h1></h1>): a title of blanks is no title either.
    blank = runner.invoke(app, ["sheet", "problems/hello.yaml", "-f", fmt, "--title", "   "])
    empty = runner.invoke(app, ["sheet", "problems/hello.yaml", "-f", fmt, "--title", ""])
    assert blank.exit_code == empty.exit_code == 0, blank.output
    assert blank.stdout == empty.stdout
    assert "Problem sheet" in blank.stdout


@pytest.mark.parametrize("args", [[], ["-f", "html", "-o", "{out}"]])
def test_sheet_of_a_piped_problem_reads_it_once(tmp_path, args):
    # Checking the -o path before the sheet is built must not read the inputs (a pipe such
    # as <(cat p.yaml) would then be empty for the sheet: "the file is empty").
    import subprocess
    import sys

    out = tmp_path / "s.html"
    argv = " ".join(a.format(out=out) for a in args)
    done = subprocess.run(
        ["bash", "-c", f"{sys.executable} -m rnnloss_cli sheet <(cat problems/hello.yaml) {argv}"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert "HELLO" in (out.read_text(encoding="utf-8") if args else done.stdout)
