"""A line whose result the digits plan raises (it is an operand of a later line) can raise
its own operands past precision + GUARD_DIGITS, so that it still holds at those digits.

BPTT, mean cross-entropy, T = 5: g_5 = (softmax(o_5)[1] − 1) / 5 is an operand of the Σ_t
lines (∂L/∂W_hy = Σ_t h_t g_t, …) and gets 5 significant digits at -p 3, -0.019539; its
own operand softmax(o_5)[1] = 0.9023040… could get at most 4 decimals: by hand
(0.9023 − 1) / 5 = -0.0977 / 5 = -0.01954, 1e-6 from -0.019539, more than half a unit of
its 5th significant digit (5e-7): the line said "≈". With 6 decimals,
(0.902304 − 1) / 5 = -0.097696 / 5 = -0.0195392, which rounds to -0.019539: "=".
"""

from __future__ import annotations

import re

from rnnloss_cli import solve_problem
from rnnloss_cli.render.text import digits_plan, step_text
from tests.solve.pencil import audit_line

BPTT = {
    "kind": "bptt",
    "title": "five steps, mean cross-entropy",
    "source": "written for this test",
    "loss": "cross_entropy",
    "reduction": "mean",
    "x": [[-0.5, 0.89], [-0.62, -0.64], [-0.3, -0.54], [0.34, -0.77], [0.79, 0.72]],
    "targets": [1, 0, 0, 1, 0],
    "W_xh": [[-0.48, -0.17], [-0.09, -0.06]],
    "W_hh": [[0.86, -0.48], [-0.62, 0.34]],
    "b_h": [0.89, 0.85],
    "W_hy": [[0.76, -0.87], [0.87, 0.3]],
    "b_y": [0.74, -0.18],
    "h0": [-0.56, 0.59],
}


def test_the_last_output_gradient_holds_at_the_digits_it_is_printed_with():
    r = solve_problem(BPTT)
    plan = digits_plan(r, 3)
    lines = [step_text(s, 3, plan) for s in r.shown_steps]
    line = next(x for x in lines if x.startswith("g_5[1] = "))
    # the printed softmax gives the printed g_5: "=", and a pencil agrees
    m = re.search(r"\(([\d.]+) − 1\) / 5 (=|≈) (−[\d.]+)$", line)
    assert m and m[2] == "=", line
    assert not audit_line(line, 3).defects, line
