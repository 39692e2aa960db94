"""A LaTeX solution sheet prints the derivation's numbers as the markdown one does: the digits
plan (guard digits so each line and table row can be redone from its printed numbers) reaches
the LaTeX tables and steps too. REINFORCE's row 1: A_t · ln π = 0.5733 × (−0.1054) = −0.0604;
at 3 digits the table showed 0.573 and −0.105, whose product is −0.0602."""

from __future__ import annotations

from pathlib import Path

from rnnloss_cli.sheet import build_sheet

ROOT = Path(__file__).resolve().parents[1]


def test_latex_solutions_print_the_planned_digits():
    tex = build_sheet([str(ROOT / "problems" / "reinforce-episode.yaml")], "latex", solutions=True)
    row = next(line for line in tex.splitlines() if line.startswith("1 & 0.9 &"))
    cells = [c.strip() for c in row.removesuffix(r"\\").split("&")]
    assert "0.5733" in cells and "-0.1054" in cells and "-0.0604" in cells, row
    assert "1.2367" in tex  # the baseline, as its line and the table print it
