"""Forced alignment read with a pencil: p(l|x) comes with the forward table it is summed
from (problems/ctc-align-ab.yaml; the alphas are worked by hand in its comment:
t=3: [.03, .074, .186, .38, .042]; t=4: s4 = .32, s5 = .1688; p = .32 + .1688 = .4888)."""

from pathlib import Path

import pytest

from rnnloss_cli import solve_file
from rnnloss_cli.render.text import step_text

PROBLEM = Path(__file__).resolve().parents[2] / "problems" / "ctc-align-ab.yaml"


def test_forward_table_holds_the_hand_worked_alphas():
    r = solve_file(PROBLEM)
    fwd = next(t for t in r.tables if t.title.startswith("forward table α"))
    t3 = fwd.columns.index("t=3")
    assert [row[t3] for row in fwd.rows] == pytest.approx([0.03, 0.074, 0.186, 0.38, 0.042])


def test_p_of_l_is_the_sum_of_the_two_final_cells():
    r = solve_file(PROBLEM)
    step = next(s for s in r.steps if s.label.startswith("p(l|x), every alignment"))
    assert step_text(step, 4) == "p(l|x) = α_T(5) + α_T(4) = 0.1688 + 0.32 = 0.4888"


def test_a_long_best_path_is_shown_cut():
    """20,000 frames: π* was written out whole (20 KB in a step, more in every format)."""
    import numpy as np

    from rnnloss_cli import solve_problem

    n = 20_000
    logits = np.zeros((n, 3))
    logits[:, 1] = 3.0  # A on every frame: π* = AAA…A (target A)
    r = solve_problem(
        {"kind": "ctc_align", "symbols": ["-", "A", "B"], "target": "A", "logits": logits}
    )
    step = next(s for s in r.steps if s.label.startswith("best alignment"))
    text = step_text(step, 3)
    assert "(20,000 symbols)" in text and len(text) < 400, text[:400]


def test_the_gap_writes_out_the_two_logs_it_subtracts():
    # problems/ctc-align-ab.yaml: ln p(l|x) = ln 0.4888 = -0.716, ln p(π*) = ln 0.0875 = -2.436
    # (its comment's hand-worked figures); -0.716 - (-2.436) = 1.72; .0875 / .4888 = 0.179
    r = solve_file(PROBLEM)
    step = next(s for s in r.steps if s.label.startswith("gap"))
    assert step_text(step, 3) == "ln p(l|x) − ln p(π*) = −0.716 − (−2.436) = 1.72 nats"
    share = next(s for s in r.steps if s.label.startswith("share"))
    assert step_text(share, 3) == "p(π*) / p(l|x) = 0.0875 / 0.489 = 0.179"


def test_a_certain_best_alignment_is_not_put_in_parentheses():
    # one-hot emissions A, B, blank: π* = AB- has probability 1 (ln 0), the only alignment
    # with p > 0 though not the only one of 3 frames: "0 − (0) = 0" read as a negative 0
    from rnnloss_cli import solve_problem

    emissions = [[0, 1, 0], [0, 0, 1], [1, 0, 0]]
    r = solve_problem(
        {"kind": "ctc_align", "symbols": ["-", "A", "B"], "target": "AB", "emissions": emissions}
    )
    step = next(s for s in r.steps if s.label.startswith("gap"))
    assert step_text(step, 3) == "ln p(l|x) − ln p(π*) = 0 − 0 = 0 nats"


def test_a_small_share_is_not_rounded_to_zero_percent():
    # target B over 150 frames, each frame (-: 0.001, A: 0.998, B: 0.001): the best path holds
    # a small share; 0.0 % read as "none at all"
    from rnnloss_cli import solve_problem

    row = [0.001, 0.998, 0.001]
    r = solve_problem(
        {"kind": "ctc_align", "target": "B", "symbols": ["-", "A", "B"], "emissions": [row] * 150}
    )
    share = r.figures["share"]
    assert 0 < share < 1e-3
    # the note names the share's line; the line prints it with significant digits
    note = next(n for n in r.notes if "holds" in n)
    assert "0.0%" not in note and '"share of the best alignment"' in note
    line = step_text(next(s for s in r.steps if s.label.startswith("share")), 3)
    assert line.endswith(f" = {share:.3g}".replace("e-0", "e-")), line


def _piped_legend_after(title: str) -> str:
    """Solved through the CLI, piped (no colour): the line after the table titled ``title``
    (after its bottom border), which holds its legend."""
    from typer.testing import CliRunner

    from rnnloss_cli.cli import app

    done = CliRunner().invoke(app, ["solve", str(PROBLEM)], env={"COLUMNS": "200"})
    assert done.exit_code == 0, done.output
    lines = done.output.splitlines()
    start = next(i for i, x in enumerate(lines) if x.startswith(title))
    end = next(i for i in range(start, len(lines)) if lines[i].startswith("└"))
    return lines[end + 1]


def test_the_emissions_table_explains_its_starred_cells():
    """Piped, the emissions table marked π*'s symbol at each frame "*" with no legend. By
    hand (the problem's comment): π* = A-BB, so y_1(A) = 0.7, y_2(-) = 0.5, y_3(B) = 0.5 and
    y_4(B) = 0.5 are the starred cells, one per frame."""
    assert _piped_legend_after("given: per-frame").startswith(
        "*: the symbol the best alignment π* takes at frame t"
    )


def test_the_viterbi_table_names_its_piped_mark():
    """Piped, the Viterbi table marks π*'s cells "*" (0.7*, 0.35*, 0.175*, 0.0875*) but its
    caption says "highlighted: the best alignment; dim: unreachable": no "*" is explained."""
    assert _piped_legend_after("Viterbi table") == "*: the best alignment; 0: unreachable"


def test_the_back_pointer_table_names_its_piped_mark():
    """Piped, the back-pointer table stars π*'s moves (by hand, states 2 3 4 4: start* at
    t=1, s−1* at t=2 and 3, stay* at t=4) with no legend under it at all."""
    assert _piped_legend_after("back-pointers") == "*: the best alignment"


def test_the_final_cells_are_worked_from_the_column_before():
    # hand (the problem's comment): α_3 = (.03, .074, .186, .38, .042);
    # α_4(4) = (α_3(4) + α_3(3) + α_3(2)) · y_4(B) = (.38 + .186 + .074) × .5 = .32,
    # α_4(5) = (α_3(5) + α_3(4)) · y_4(-) = (.042 + .38) × .4 = .1688;
    # δ_4(4) = y_4(B) · max(δ_3(4), δ_3(3), δ_3(2)) = .5 × max(.175, .105, .042) = .0875.
    # At -p 2 the α table printed α_3(3) = 0.19 and α_4(3) = 0.1 with no line to redo them.
    r = solve_file(PROBLEM)
    text = "\n".join(step_text(s, 4) for s in r.steps)
    assert "α_4(4) = (α_3(4) + α_3(3) + α_3(2)) · y_4(B) = (0.38 + 0.186 + 0.074) · 0.5 = 0.32" in (
        text
    )
    assert "α_4(5) = (α_3(5) + α_3(4)) · y_4(-) = (0.042 + 0.38) · 0.4 = 0.1688" in text
    assert (
        "δ_4(4) = y_4(B) · max(δ_3(4), δ_3(3), δ_3(2)) = 0.5 · max(0.175, 0.105, 0.042) = 0.0875"
        in text
    )
