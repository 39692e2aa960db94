"""Defects a hostile review found in this stop's display code, each with its repro.

Hand values are in the comments; nothing here is pasted from the engine's output.
"""

from __future__ import annotations

import math
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from rnnloss_cli import solve_problem
from rnnloss_cli.render.latex import latex_title
from rnnloss_cli.render.text import fmt_key, step_text
from rnnloss_cli.result import Check, Step

PROBLEMS = Path(__file__).resolve().parents[2] / "problems"


# 1. a double subscript inside a name's parentheses broke pdflatex
@pytest.mark.parametrize("title", ["y_t(a_b_c) here", "x_1(__) there"])
def test_a_name_with_two_subscripts_stays_text(title):
    maths = re.split(r"(?<!\\)\$", latex_title(title))[1::2]
    assert all(m.count("_") <= 2 and "__" not in m for m in maths), maths
    assert not any(re.search(r"_[^{]*_", m.replace("_{", "{")) for m in maths), maths


# 2. escaped braces in \text{...} were counted as groups when a display was split
def test_a_display_is_never_split_inside_a_text_group():
    from rnnloss_cli.sheet import _top_level_split

    math_ = r"\pi = \text{\}; \\ \{; a \_},\ y; z"
    assert _top_level_split(math_, ";") == [r"\pi = \text{\}; \\ \{; a \_},\ y;", "z"]


# 3. guard digits kept the result at --precision only when nothing followed it
def test_the_result_keeps_its_precision_when_a_note_follows():
    # 0.7 − 0.546 / 0.588 = −0.228571: at 1 decimal −0.2 (the operands may get digits)
    step = Step(
        "g",
        "{y} − ({a} × {b}) / ({y} × {p}) = {grad}  (z_t: the logits, y_t = softmax(z_t))",
        {"y": 0.7, "a": 0.7, "b": 0.546, "p": 0.588, "grad": 0.7 - 0.546 / 0.588},
    )
    assert step_text(step, 1).split(" = ")[1].startswith("-0.2 "), step_text(step, 1)


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


# 7. the LM-sum note cut its context
def test_the_lm_sum_note_cuts_a_long_context():
    problem = {
        "kind": "ctc_decode",
        "symbols": ["-", "a", "b"],
        "beam": 2,
        "lm": {"a" * 2000 + "a": 0.0, "a" * 2000 + "b": 0.0, "a": -0.1},
        "logits": [[0, 10, 0], [10, 0, 0], [0, 0, 10]],
    }
    notes = [n for n in solve_problem(problem).notes if "not a distribution" in n]
    assert notes and all(len(n) < 500 for n in notes), [len(n) for n in notes]


# 8. an LM whose log probabilities sum past the float range is refused, not scored -inf
def test_an_lm_sum_past_the_float_range_is_refused():
    from rnnloss_cli.errors import ProblemError

    problem = {
        "kind": "ctc_decode",
        "symbols": ["-", "a", "b"],
        "beam": 1,
        "lm": {"a": -1e308, "b": -1e308},
        "lm_weight": 1e-300,
        "logits": [[0, 1000, 0], [1000, 0, 0], [0, 0, 1000]],
    }
    with pytest.raises(ProblemError, match="lm"):
        solve_problem(problem)


# 9. a half-way rounding the printed numbers give exactly is "=", not "≈"
def test_a_half_way_rounding_is_equal():
    # (0.5 + 0.2) · 0.5 = 0.35 exactly, which prints 0.4 at 1 decimal (round half up on the
    # decimal value); binary 0.7 × 0.5 = 0.34999999999999998 must not make it "≈"
    # the figure as computed in logs, exp(ln 0.35), one ulp above the binary 0.35: 0.4 printed
    v = math.nextafter(0.35, 1.0)
    step = Step("c", "({a} + {b}) · {y} = {v}", {"a": 0.5, "b": 0.2, "y": 0.5, "v": v})
    assert step_text(step, 1) == "(0.5 + 0.2) · 0.5 = 0.4"


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed")
def test_sheets_of_hostile_symbols_compile(tmp_path):
    from rnnloss_cli.sheet import build_sheet

    (tmp_path / "d.yaml").write_text(
        "kind: sequence\nvocabulary: ['y_t(a_b_c)', 'x_1(__)', zz]\n"
        "targets: ['y_t(a_b_c)', 'x_1(__)']\nyhat: [[0.5, 0.3, 0.2], [0.2, 0.6, 0.2]]\n"
    )
    (tmp_path / "e.yaml").write_text(
        'kind: ctc_decode\nsymbols: ["_", "};", "{;", a]\nblank: "_"\nbeam: 2\nemissions:\n'
        "  - [.1, .5, .3, .1]\n  - [.1, .3, .5, .1]\n  - [.2, .2, .2, .4]\n  - [.5, .2, .2, .1]\n"
    )
    for name in ("d", "e"):
        tex = tmp_path / f"{name}.tex"
        tex.write_text(build_sheet([str(tmp_path / f"{name}.yaml")], "latex", solutions=True))
        done = subprocess.run(
            ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", tex.name],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stdout[-2000:]


def test_check_objects_still_compare_by_tolerance():
    assert Check("loss", 0.01, 0.1 * 0.1, 0.0).ok is False
    assert math.isclose(0.1 * 0.1, 0.01)


def test_an_lm_turned_off_by_weight_zero_is_not_refused_for_its_size():
    # lm_weight 0: the LM is off (0 × −inf would be NaN), so its size cannot overflow a score;
    # three uniform frames over (-, a, b): the best labelling is a single label or empty
    from rnnloss_cli.engine import CharNgramLM, ctc_beam_search

    lp = [[math.log(1 / 3)] * 3] * 3
    hyps = ctc_beam_search(lp, 2, lm=CharNgramLM({(1,): -1e308}), lm_weight=0.0)
    assert hyps
