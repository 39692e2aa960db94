"""The beam table declares p_b + p_nb as worked from its row (the LM score is not: see
decode.BEAM_DERIVED), so the printed cells add up with a pencil.

Hand arithmetic: y_1 = (- .2, a .5, b .3), y_2 = (- .28, a .2, b .52), beam 10 (nothing
pruned). At t = 2 the prefix a has p_b = .5 × .28 = .14 (a, then blank) and p_nb = .5 × .2
(aa, a repeat merges) + .2 × .2 (-a) = .14: total .28; b has p_b = .3 × .28 = .084 and
p_nb = .3 × .52 + .2 × .52 = .26: total .344. At -p 1 the cells printed alone were
0.1 + 0.1 against 0.3 and 0.08 + 0.3 against 0.3, which do not add up; 0.14 + 0.14 = 0.28
(0.3, or 0.28 where y_2(-) = 0.28 is printed so) and 0.084 + 0.26 = 0.344 (0.34) do.
"""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from rnnloss_cli import solve_file
from rnnloss_cli.cli.app import app

PROBLEMS = Path(__file__).resolve().parents[2] / "problems"
runner = CliRunner()


def test_the_beam_total_adds_up_from_its_printed_cells(tmp_path):
    path = tmp_path / "beam.yaml"
    path.write_text(
        "kind: ctc_decode\nsymbols: ['-', a, b]\nbeam: 10\n"
        "emissions: [[0.2, 0.5, 0.3], [0.28, 0.2, 0.52]]\n"
    )
    done = runner.invoke(app, ["solve", str(path), "-f", "markdown", "-p", "1"])
    assert done.exit_code == 0, done.output
    assert "| 2 | 1 | b | 0.084 | 0.26 | 0.34 | 5 |" in done.output, done.output
    # 0.28 is also y_2(-), which the worked beam entry (0.3 × 0.28 = 0.084) prints with its
    # second digit: a number reads the same wherever it is printed
    assert "| 2 | 2 | a | 0.14 | 0.14 | 0.28 |  |" in done.output, done.output


def test_only_the_total_column_is_declared_worked():
    # the score, ln(p_b + p_nb) + λ·ln P_LM, is not declared: its total can print as 0 at
    # -p 0 (ln 0 is no line to redo)
    r = solve_file(PROBLEMS / "ctc-decode-lm.yaml")
    (beam,) = [t for t in r.tables if t.title.startswith("the beam")]
    assert [(d.column, d.text, d.inputs) for d in beam.derived] == [
        ("p_b + p_nb", "{0} + {1}", ("p_b(l)", "p_nb(l)"))
    ]
