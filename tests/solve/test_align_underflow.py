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
