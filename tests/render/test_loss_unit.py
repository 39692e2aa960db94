"""A unit after the loss is singular after exactly one: "1 bit", "1 nat" (before: "Loss = 1
bits" for problems/bce-bits.yaml, −log2 0.5 = 1). Worked by hand:
- bce-bits: y = 1, ŷ = 0.5, log base 2: −log2 0.5 = 1 bit.
- ŷ = 0.25 for y = 1: −log2 0.25 = 2 bits.
- nll with ŷ = e^−1 on the true class: −ln e^−1 = 1 nat.
"""

from __future__ import annotations

import math
import re

import pytest

from rnnloss_cli import solve_file, solve_problem
from rnnloss_cli.render.html import render_html
from rnnloss_cli.result import unit_after


def _loss_line(page: str) -> str:
    line = re.search(r'<p class="loss">(.*?)</p>', page).group(1)
    return re.sub(r"<[^>]+>", "", line)


@pytest.mark.parametrize(
    ("number", "unit", "want"),
    [
        ("1", "bits", "bit"),
        ("1", "nats", "nat"),
        ("−1", "nats", "nat"),
        ("1", "bans (hartleys)", "ban (hartley)"),
        ("2", "bits", "bits"),
        ("1.5", "nats", "nats"),
        ("0", "bits", "bits"),
        ("1e+03", "nats", "nats"),
        ("11", "bits", "bits"),
        ("1", "", ""),
    ],
)
def test_unit_after_a_number(number, unit, want):
    assert unit_after(number, unit) == want


def test_html_loss_line_says_1_bit_and_2_bits():
    assert _loss_line(render_html([solve_file("problems/bce-bits.yaml")])) == "Loss = 1 bit"
    two = solve_problem({"kind": "bce", "y": [1], "yhat": [0.25], "log_base": 2})
    assert _loss_line(render_html([two])) == "Loss = 2 bits"
    one_nat = solve_problem({"kind": "nll", "y": [0], "yhat": [[math.exp(-1), 1 - math.exp(-1)]]})
    assert _loss_line(render_html([one_nat])) == "Loss = 1 nat"


def test_result_docstring_examples_run():
    import doctest

    import rnnloss_cli.result

    assert doctest.testmod(rnnloss_cli.result).failed == 0


def test_every_format_says_1_bit_and_the_change_of_base_names_its_unit_first():
    # bce-bits: the rich panel and markdown said "loss = 1 bits", the change-of-base step
    # "0.693 nats / ln 2 = 1 bits"
    from rnnloss_cli.render.markdown import render_markdown
    from rnnloss_cli.render.rich import final_panel
    from rnnloss_cli.render.text import step_text

    r = solve_file("problems/bce-bits.yaml")
    panel = final_panel(r, 3).renderable
    assert str(getattr(panel, "plain", panel)).splitlines()[0] == "loss = 1 bit"
    assert "**Loss = $1$ bit**" in render_markdown([r], 3)
    step = next(s for s in r.steps if s.label.startswith("change of base"))
    assert step.label == "change of base to bits: divide by ln 2"
    assert step_text(step, 3) == "0.693 nats / ln 2 = 1"
