"""Forced alignment's probability figures printed from their logs: p(l|x) = (1/3)^700 is 0
as a double, and the result box said "best = 0", "total = 0" beside the finite loss 769.029.

Hand arithmetic: logits (0, 0, 0) on every one of T = 700 frames give y_t(k) = 1/3. The
empty target has one extended state (the blank), so its only alignment is "-" × 700:
p(π*) = p(l|x) = (1/3)^700, loss = 700 ln 3 = 700 × 1.0986122887 = 769.0286021,
log10 p = −700 × 0.4771212547 = −333.98487830 = 0.01512170 − 334, and
10^0.01512170 = 1.03543: 1.04e-334 at three significant digits (below 4.9e-324).
"""

from __future__ import annotations

import json

from typer.testing import CliRunner

from rnnloss_cli.cli import app

UNIFORM_700 = (
    "kind: ctc_align\n"
    "title: uniform over 700 frames\n"
    'symbols: ["-", a, b]\n'
    'target: ""\n'
    "logits:\n" + "".join("  - [0, 0, 0]\n" for _ in range(700))
)


def run(*args: str, text: str = UNIFORM_700):
    return CliRunner().invoke(
        app, ["solve", "-", *args], input=text, env={"COLUMNS": "200", "NO_COLOR": "1"}
    )


def test_the_align_box_prints_underflowing_probabilities_from_their_logs():
    r = run()
    assert r.exit_code == 0, r.output
    assert "loss = 769.029 nats" in r.output, r.output
    assert "best = 0\n" not in r.output and "best = 0 " not in r.output, r.output
    assert "best = 1.04e-334" in r.output, r.output
    assert "total = 1.04e-334" in r.output, r.output


def test_the_align_figures_stay_floats_for_keys_and_json():
    # keys compare the float: (1/3)^700 is 0 in float64, within any tolerance of 0
    r = run(text=UNIFORM_700 + "answer:\n  best: 0\n  total: 0\n")
    assert r.exit_code == 0, r.output
    r = run("--format", "json")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.output)
    assert doc["figures"]["best"] == 0.0 and doc["figures"]["total"] == 0.0


def test_the_one_final_state_is_not_summed_with_itself():
    # the empty target has one state (the blank): p(l|x) = α_T(1) = 0.5 × 0.4 = 0.2 by hand,
    # and the line read "p(l|x) = α_T(1) = 0.2 = 0.2" (a sum of one term, written twice)
    from rnnloss_cli import solve_problem
    from rnnloss_cli.render.text import step_text

    r = solve_problem(
        {
            "kind": "ctc_align",
            "symbols": ["-", "a", "b"],
            "target": "",
            "emissions": [[0.5, 0.25, 0.25], [0.4, 0.3, 0.3]],
        }
    )
    line = next(step_text(s, 3) for s in r.steps if s.label.startswith("p(l|x), every"))
    assert line == "p(l|x) = α_T(1) = 0.2", line


def test_one_alignment_has_no_gap_to_the_sum():
    # the empty target has one alignment (the blank at every frame), so p(π*) = p(l|x)
    # exactly: gap = 0 and share = 1 (by definition, not by arithmetic). The table sums
    # and the path's product round differently over 700 frames, and the line read
    # "-769.029 − (-769.029) ≈ 1.18e-11 nats".
    from rnnloss_cli import solve_problem
    from rnnloss_cli.render.text import step_text

    r = solve_problem(
        {"kind": "ctc_align", "symbols": ["-", "a", "b"], "target": "", "logits": [[0, 0, 0]] * 700}
    )
    assert r.figures["gap"] == 0.0 and r.figures["share"] == 1.0
    gap = next(step_text(s, 3) for s in r.steps if s.label.startswith("gap"))
    assert gap.endswith("= 0 nats"), gap
    assert "one alignment" in gap, gap
    frames = next(step_text(s, 3) for s in r.steps if s.label == "frames needed")
    assert frames.endswith(": exactly one alignment fits (every frame forced)"), frames


def test_a_target_with_just_enough_frames_has_one_alignment():
    # AB over T = 2 = S + repeats frames: only "AB" fits, p = y_1(A) · y_2(B) = .7 × .2 = .14
    from rnnloss_cli import solve_problem
    from rnnloss_cli.render.text import step_text

    r = solve_problem(
        {
            "kind": "ctc_align",
            "symbols": ["-", "A", "B"],
            "target": "AB",
            "emissions": [[0.2, 0.7, 0.1], [0.5, 0.3, 0.2]],
        }
    )
    lines = {s.label: step_text(s, 3) for s in r.steps}
    assert lines["frames needed"].endswith(": exactly one alignment fits (every frame forced)")
    assert lines["gap between the best alignment and the sum"].startswith("one alignment fits")
    assert abs(r.figures["total"] - 0.14) < 1e-12 and r.figures["gap"] == 0.0
