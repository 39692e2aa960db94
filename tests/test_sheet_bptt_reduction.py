"""The BPTT question states its reduction as the key uses it.

The sheet said "L = Σ_t L_t (mean: divided by T)" whatever the file's reduction: under
``reduction: sum`` (bptt-two-steps.yaml) a student could divide by T, and under
``reduction: mean`` read L as the plain sum.
"""

from __future__ import annotations

from pathlib import Path

from rnnloss_cli.sheet import build_sheet

PROBLEMS = Path(__file__).resolve().parent.parent / "problems"


def _question(tmp_path: Path, reduction: str) -> str:
    text = (PROBLEMS / "bptt-two-steps.yaml").read_text(encoding="utf-8")
    text = text.replace("reduction: sum", f"reduction: {reduction}").split("\nanswer:")[0]
    (tmp_path / "b.yaml").write_text(text, encoding="utf-8")
    return build_sheet([str(tmp_path / "b.yaml")], "markdown", solutions=False)


def test_reduction_sum_is_the_plain_sum(tmp_path: Path) -> None:
    # the file's comment: L = L1 + L2 = 0.213552 + 0.186458 = 0.400011, no division by T = 2
    sheet = _question(tmp_path, "sum")
    assert "L = $\\sum _t$ $L_t$ (reduction sum)" in sheet, sheet
    assert "divided by T" not in sheet


def test_reduction_mean_divides_by_the_steps(tmp_path: Path) -> None:
    # L = (L1 + L2) / 2 = 0.400011 / 2 = 0.200006 with T = 2 steps (rows of x)
    sheet = _question(tmp_path, "mean")
    assert "L = (1/T) $\\sum _t$ $L_t$, T the number of steps (rows of x) (reduction mean)" in (
        sheet
    ), sheet
