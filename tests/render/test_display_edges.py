"""Edges of the derivations' display found by a hostile review: guard digits with a note after
the result, half-way roundings, key rows (digits, disagreement, long text keys), and TeX
subscripts in titles. Hand values are in the comments.
"""

from __future__ import annotations

import math
import re

import pytest

from rnnloss_cli.render.latex import latex_title
from rnnloss_cli.render.text import fmt_key, step_text
from rnnloss_cli.result import Step


# 1. a double subscript inside a name's parentheses broke pdflatex
@pytest.mark.parametrize("title", ["y_t(a_b_c) here", "x_1(__) there"])
def test_a_name_with_two_subscripts_stays_text(title):
    maths = re.split(r"(?<!\\)\$", latex_title(title))[1::2]
    assert all(m.count("_") <= 2 and "__" not in m for m in maths), maths
    assert not any(re.search(r"_[^{]*_", m.replace("_{", "{")) for m in maths), maths


# 3. guard digits kept the result at --precision only when nothing followed it
def test_the_result_keeps_its_precision_when_a_note_follows():
    # 0.7 − 0.546 / 0.588 = −0.228571: at 1 decimal −0.2 (the operands may get digits)
    step = Step(
        "g",
        "{y} − ({a} × {b}) / ({y} × {p}) = {grad}  (z_t: the logits, y_t = softmax(z_t))",
        {"y": 0.7, "a": 0.7, "b": 0.546, "p": 0.588, "grad": 0.7 - 0.546 / 0.588},
    )
    assert step_text(step, 1).split(" = ")[1].startswith("−0.2 "), step_text(step, 1)


# 4. key rows never show fewer digits than --precision
def test_key_digits_are_at_least_the_precision():
    # 0.715801871123 at 12 decimals is 0.715801871123 (the cap of 10 had cut it to 0.7158018711)
    expected, got = fmt_key(0.716, 0.715801871123, 12)
    assert got == "0.715801871123", got


# 5. a key that disagrees never prints like the figure it disagrees with
def test_a_mismatching_key_and_figure_print_differently():
    # 0.1² = 0.010000000000000002 against a key of 0.01 with tolerance 0
    expected, got = fmt_key(0.01, 0.1 * 0.1, 3, distinct=True)
    assert expected != got, (expected, got)


# 6. a long text key is cut like the derivation's labellings
def test_a_long_text_key_is_cut():
    path = "A" * 20_000
    expected, got = fmt_key(path, path[:-1] + "B", 3, distinct=True)
    assert len(expected) < 200 and len(got) < 200 and expected != got, (expected, got)


# 9. a half-way rounding the printed numbers give exactly is "=", not "≈"
def test_a_half_way_rounding_is_equal():
    # (0.5 + 0.2) · 0.5 = 0.35 exactly, which prints 0.4 at 1 decimal (round half up on the
    # decimal value); binary 0.7 × 0.5 = 0.34999999999999998 must not make it "≈"
    # the figure as computed in logs, exp(ln 0.35), one ulp above the binary 0.35: 0.4 printed
    v = math.nextafter(0.35, 1.0)
    step = Step("c", "({a} + {b}) · {y} = {v}", {"a": 0.5, "b": 0.2, "y": 0.5, "v": v})
    assert step_text(step, 1) == "(0.5 + 0.2) · 0.5 = 0.4"
