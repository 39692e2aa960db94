"""A symbol spelled by one-character symbols of the same set is refused: labellings of
one-character symbols are written run together, so with symbols (-, A, B, AB) the labelling
[A, B] and the labelling [AB] both printed as "AB", and an answer key "beam: AB" passed
whichever the beam returned (p 0.25 for [A, B], 0.57 for [AB]). Provenance: helper audit 2
of the CLI, finding F1."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from rnnloss_cli.cli.app import app

runner = CliRunner()
SPELLED = "the symbol 'AB' is spelled by the symbols 'A', 'B'"

FILES = {
    "ctc_decode": "kind: ctc_decode\nsymbols: ['-', A, B, AB]\nbeam: 8\n"
    "emissions:\n  - [0.1, 0.5, 0.1, 0.3]\n  - [0.1, 0.1, 0.5, 0.3]\nanswer:\n  beam: AB\n",
    "ctc": "kind: ctc\ntarget: [AB]\nprobs: {'-': 0.2, A: 0.3, B: 0.3, AB: 0.2}\nframes: 2\n",
    "rnnt": "kind: rnnt\nsymbols: ['-', A, B, AB]\ntarget: [AB]\n"
    "probs:\n  - - [0.5, 0.2, 0.2, 0.1]\n    - [0.5, 0.2, 0.2, 0.1]\n",
}


@pytest.mark.parametrize("kind", sorted(FILES))
def test_a_spelled_symbol_is_refused_at_its_field(kind, tmp_path):
    path = tmp_path / f"{kind}.yaml"
    path.write_text(FILES[kind], encoding="utf-8")
    result = runner.invoke(app, ["solve", str(path)])
    assert result.exit_code == 2, result.output
    assert SPELLED in result.output, result.output
    assert f"{path}:" in result.output and "field '" in result.output, result.output


def test_the_flags_refuse_it_too():
    args = ["ctc", "decode", "--emissions", "0.1,0.5,0.1,0.3;0.1,0.1,0.5,0.3"]
    result = runner.invoke(app, [*args, "--symbols", "-,A,B,AB", "--beam", "8"])
    assert result.exit_code == 2 and f"--symbols: {SPELLED}" in result.output, result.output


def test_words_of_several_characters_stay_allowed():
    """Symbols WOMEN and WHOM beside one-character ones that do not spell them (W, M but no
    O, E, N, H): labellings with a longer symbol are written with spaces, unambiguous."""
    args = ["ctc", "decode", "--emissions", "0.1,0.5,0.1,0.2,0.1;0.1,0.1,0.5,0.2,0.1"]
    result = runner.invoke(app, [*args, "--symbols", "-,W,M,WOMEN,WHOM", "--beam", "4"])
    assert result.exit_code == 0, result.output
