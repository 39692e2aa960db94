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


def test_an_ngram_spelling_a_placeholder_is_written_as_it_is(tmp_path):
    # Found by hand: the language-model step put each n-gram into its template, so the
    # bigram context "{w}" (symbols {, w, }) printed as λ: "ln P(x|0.7) = −0.5".
    f = tmp_path / "lm.yaml"
    f.write_text(
        'kind: ctc_decode\nsymbols: ["-", "{", "w", "}", "x"]\n'
        "emissions: [[0.2, 0.2, 0.2, 0.2, 0.2], [0.2, 0.2, 0.2, 0.2, 0.2]]\n"
        'beam: 2\nlm: {"{w}x": -0.5, "x": -1.0}\nlm_weight: 0.7\n',
        encoding="utf-8",
    )
    r = CliRunner().invoke(app, ["solve", str(f), "-f", "markdown"])
    assert r.exit_code == 0, r.output
    line = next(x for x in r.output.splitlines() if "language model (shallow fusion)" in x)
    assert "ln P(x\\|{w}) = −0.5" in line and "P(x\\|0.7)" not in line, line
