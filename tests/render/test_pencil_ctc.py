"""Issue 13 items 1 and 4, issue 9 item 5: a CTC derivation a student can follow by hand."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from rnnloss_cli.cli import app

PROBLEMS = Path(__file__).resolve().parents[2] / "problems"
runner = CliRunner()


def solve(*args: str) -> str:
    result = runner.invoke(app, ["solve", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_exact_ab_givens_rule_tables_worked_cell_then_sums(monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    out = solve(str(PROBLEMS / "ctc-exact-ab.yaml"))
    # the emissions of ctc-exact-ab.yaml, row t=2: 0.3 0.3 0.4
    order = [
        out.index("frames needed"),
        out.index("forward recursion"),
        out.index("emissions y_t(k)"),
        out.index("forward trellis"),
        out.index("α_2(2) = (α_1(2) + α_1(1)) · y_2(A) = (0.7 + 0.2) · 0.3 = 0.27"),
        out.index("exact p(l|x)"),
    ]
    assert order == sorted(order), order
    assert "│ 2 │ 0.3 │ 0.3 │ 0.4 │" in out
    # the skip transition worked too: α_2(4) = (0 + 0 + 0.7) · y_2(B) = 0.7 · 0.4 = 0.28
    assert "(0 + 0 + 0.7) · 0.4 = 0.28" in out
    # T ≥ S + repeats: AB has 2 labels, no repeats, 3 frames
    assert "T ≥ S + repeats = 2 + 0 = 2" in out and "here T = 3" in out
    # −ln 0.588 = 0.5310 (hand: ln 0.588 = −0.53103)
    assert "−ln p(l|x) = −ln 0.588 = 0.531" in out


def test_dead_end_cells_keep_their_value_and_their_caption_is_true():
    # α_2(1) = α_1(1) · y_2(-) = 0.2 · 0.3 = 0.06 is reached but cannot reach the end
    # (from s=1 at t=2 the last frame cannot reach state 4 or 5): a dead end, not 0.
    out = solve(str(PROBLEMS / "ctc-exact-ab.yaml"), "--format", "markdown")
    # α_1(1) = 0.2 is on the path - A B, so it is not marked
    assert "| 1 | - | 0.2 | 0.06† |" in out
    assert "†: dead end" in out
    assert "dim" not in out and "highlighted" not in out  # nothing is dimmed in markdown


def test_infeasible_ctc_states_the_rule_and_what_zero_infinity_hides(tmp_path):
    # AA needs 2 labels + 1 blank between the repeated As = 3 frames; 2 are given
    f = tmp_path / "short.yaml"
    f.write_text(
        "kind: ctc\nmethod: exact\ntarget: AA\nsymbols: ['-', A]\n"
        "emissions:\n  - [0.5, 0.5]\n  - [0.5, 0.5]\n"
    )
    out = runner.invoke(app, ["solve", str(f)], env={"COLUMNS": "200"}).output
    assert "T ≥ S + repeats = 2 + 1 = 3" in out and "here T = 2, too few" in out
    assert "zero_infinity=True it returns 0" in out
