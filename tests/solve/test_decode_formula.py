"""The beam search formula's LaTeX subscripts p_b and p_nb whole (p_nb(l) set the n alone as
the subscript, and the b as a letter beside it)."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from rnnloss_cli.cli import app

ROOT = Path(__file__).resolve().parents[2]


def test_beam_formula_subscripts_are_whole():
    done = CliRunner().invoke(
        app, ["solve", str(ROOT / "problems" / "ctc-decode-beam-vs-greedy.yaml"), "-f", "markdown"]
    )
    assert done.exit_code == 0, done.output
    maths = [line for line in done.output.splitlines() if line.startswith("$$")]
    assert maths and r"p_{\mathrm{nb}}(l)" in maths[0] and "p_nb" not in maths[0]
