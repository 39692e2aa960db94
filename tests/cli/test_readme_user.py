"""A new user's first hour: what README.md shows must be what rnnloss does.

The console excerpts are checked by tests/test_readme_excerpts.py; these tests cover the
README's other examples (written by hand, not generated) and the bare ``rnnloss`` a new user
types first.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from typer.testing import CliRunner

from rnnloss_cli.cli import app
from tests.cli.streams import run_encoded

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
runner = CliRunner()


def _block_after(heading: str, fence: str) -> str:
    """The first ```FENCE block after the line ``heading`` in the README."""
    start = README.index(f"\n{heading}\n")
    match = re.compile(rf"```{fence}\n(.*?)```", re.S).search(README, start)
    assert match is not None, f"no ```{fence} block under {heading!r}"
    return match.group(1)


def _shown_run(command: str) -> str:
    """The output the README shows under the indented ``$ COMMAND`` line (up to the next ``$``
    line or the end of the indented block), without its 4-space indent."""
    lines = README.split("\n")
    i = lines.index(f"    $ {command}")
    out = []
    for line in lines[i + 1 :]:
        if not line.startswith("    ") or line.startswith("    $ "):
            break
        out.append(line[4:])
    return "\n".join(out) + "\n"


def test_problem_file_format_example_solves(tmp_path, monkeypatch):
    # The README's sample file under "The problem-file format", copied as a user would:
    # hinge of y = (1, -1, 1), yhat = (0.8, -0.5, 0.3): terms 0.2, 0.5, 0.7 (by hand:
    # 1 - 0.8, 1 - 0.5, 1 - 0.3); mean 1.4 / 3 = 0.4667, sum 1.4 -- the key it gives.
    text = _block_after("## The problem-file format", "yaml")
    monkeypatch.chdir(tmp_path)
    Path("sample.yaml").write_text(text, encoding="utf-8")
    result = runner.invoke(app, ["solve", "sample.yaml", "--format", "json"])
    assert result.exit_code == 0, result.output


def test_mark_output_is_the_one_shown(monkeypatch):
    # "Output below is real, from the commands shown": the README's mark of loss=1.4 on
    # problems/hinge-sequence.yaml (1.4 is the sum 0.2 + 0.5 + 0.7, the key the mean 0.4667).
    command = "rnnloss mark problems/hinge-sequence.yaml --answer loss=1.4"
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("COLUMNS", "80")
    result = runner.invoke(app, command.split()[1:])
    assert result.exit_code == 1, result.output
    assert result.stdout == _shown_run(command)


def test_bare_rnnloss_shows_help_without_an_empty_error_line(monkeypatch):
    # `rnnloss` alone, as a new user first types it: the help, exit 2 as for `rnnloss ctc`
    # alone ("usage shown, nothing done"), and no blank "error:  (see: rnnloss --help)".
    monkeypatch.setitem(os.environ, "COLUMNS", "80")
    code, out, err = run_encoded([], monkeypatch, "utf-8")
    assert code == 2
    assert "Usage: rnnloss" in out and "solve" in out
    assert "error:" not in err, err
    ctc_code, _, ctc_err = run_encoded(["ctc"], monkeypatch, "utf-8")
    assert (ctc_code, ctc_err) == (code, err)


def test_show_help_is_not_cut_at_60_columns():
    # At COLUMNS=60 the --show help's unbreakable "beta,grad,posterior" was cut to
    # "beta,grad,poster…": the help must read whole on a narrow terminal.
    result = runner.invoke(app, ["solve", "--help"], env={"COLUMNS": "60", "NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    assert "…" not in result.output, result.output
    assert "posterior" in result.output
