"""LaTeX -> MathML (render/mathml.py): structure of each construct, the fallback, coverage.

The expected trees are written from the MathML spec's element meanings (mfrac: numerator,
denominator; msubsup: base, subscript, superscript; munderover: base, under, over), not
copied from the translator's output.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rnnloss_cli.problem import load_problem
from rnnloss_cli.render.mathml import MATHML_NS, to_mathml, wrap_points
from rnnloss_cli.render.text import step_latex
from rnnloss_cli.solve import solve

NS = "{" + MATHML_NS + "}"
PROBLEMS = Path(__file__).resolve().parents[2] / "problems"


def tree(latex: str) -> ET.Element:
    """The <math> element, namespace stripped from the tags for short assertions."""
    text = to_mathml(latex)
    assert text is not None, latex
    root = ET.fromstring(text)
    assert root.tag == NS + "math"
    for el in root.iter():
        el.tag = el.tag.removeprefix(NS)
    return root


def shape(el: ET.Element) -> tuple:
    """(tag, text or child shapes), ignoring attributes."""
    kids = list(el)
    return (el.tag, tuple(shape(k) for k in kids)) if kids else (el.tag, el.text)


def test_frac_is_an_mfrac_of_numerator_and_denominator():
    root = tree(r"\frac{a}{b}")
    assert [shape(k) for k in root] == [("mfrac", (("mi", "a"), ("mi", "b")))]
    # a multi-token numerator is one mrow: 0.2 + 0.5 over 2
    (frac,) = tree(r"\frac{0.2 + 0.5}{2}")
    assert shape(frac) == (
        "mfrac",
        (("mrow", (("mn", "0.2"), ("mo", "+"), ("mn", "0.5"))), ("mn", "2")),
    )


def test_sub_and_superscript_together_is_msubsup():
    (el,) = tree(r"x_{t}^{2}")
    assert shape(el) == ("msubsup", (("mi", "x"), ("mi", "t"), ("mn", "2")))
    (el,) = tree(r"x^{2}_{t}")  # either order: base, sub, sup
    assert shape(el) == ("msubsup", (("mi", "x"), ("mi", "t"), ("mn", "2")))
    (el,) = tree("h_t²")  # the plain-text form of a step
    assert shape(el) == ("msubsup", (("mi", "h"), ("mi", "t"), ("mn", "2")))


def test_text_is_mtext_and_escaped():
    text = to_mathml(r"\text{a<b & c}")
    assert "&lt;" in text and "&amp;" in text and "<b" not in text
    (el,) = tree(r"\text{a<b & c}")
    assert (el.tag, el.text) == ("mtext", "a<b & c")


@pytest.mark.parametrize(
    ("symbol", "shown"),
    [("_", "_"), ("&", "&"), ("%", "%"), ("#", "#"), ("$", "$"), ("{", "{"), ("}", "}"),
     ("~", "~"), ("^", "^"), ("\\", "\\"), ("`", "`"), ("--", "--"), ("é", "é")],
)  # fmt: skip
def test_a_symbol_escaped_for_latex_is_shown_as_itself(symbol: str, shown: str):
    """A file's symbol in a step's LaTeX (render.latex.latex_symbol: \\text{} with text-mode
    escapes, e.g. y_1(\\text{\\_})) reads back as the symbol itself."""
    from rnnloss_cli.render.latex import latex_symbol

    root = tree(f"y_1({latex_symbol(symbol)}) = 0.2")
    texts = [el.text for el in root.iter() if el.tag in ("mtext", "mi")]
    assert shown in texts, (latex_symbol(symbol), texts)


def test_operators_identifiers_and_functions():
    root = tree(r"\alpha \times 2 \cdot \infty \approx \ln x")
    assert [shape(k) for k in root if k.tag != "mspace"] == [
        ("mi", "α"),
        ("mo", "×"),
        ("mn", "2"),
        ("mo", "⋅"),
        ("mi", "∞"),
        ("mo", "≈"),
        ("mi", "ln"),
        ("mi", "x"),
    ]
    # the operator name is set off from its argument by a thin space, as TeX does
    assert [k.tag for k in tree(r"\ln x")] == ["mi", "mspace", "mi"]


def test_sum_with_limits_is_munderover_and_sqrt_is_msqrt():
    sigma, term = list(tree(r"\sum_{i=1}^{n} y_i"))
    assert sigma.tag == "munderover"
    base, under, over = list(sigma)
    assert (base.tag, base.text) == ("mo", "∑")
    assert shape(under) == ("mrow", (("mi", "i"), ("mo", "="), ("mn", "1")))
    assert shape(over) == ("mi", "n")
    assert shape(term) == ("msub", (("mi", "y"), ("mi", "i")))
    (root_el,) = tree(r"\sqrt{2}")
    assert shape(root_el) == ("msqrt", (("mn", "2"),))


def test_left_right_fences_stretch_and_plain_brackets_do_not():
    (row,) = tree(r"\left( \frac{1}{2} \right)")
    opening, frac, closing = list(row)
    assert (opening.text, opening.get("stretchy")) == ("(", "true")
    assert (closing.text, closing.get("stretchy")) == (")", "true")
    assert frac.tag == "mfrac"
    plain = [k for k in tree("(1 + 2)") if k.text in "()"]
    assert [k.get("stretchy") for k in plain] == ["false", "false"]


def test_primes_dots_spacing_and_minus():
    # a prime follows its letter (a superscript ′ is a speck in Chromium), the subscript
    # goes on both
    (el,) = tree(r"l'_s")
    assert shape(el) == ("msub", (("mrow", (("mi", "l"), ("mo", "′"))), ("mi", "s")))
    assert shape(tree("l'")) == ("math", (("mrow", (("mi", "l"), ("mo", "′"))),))
    (el,) = tree("f'^2")
    assert shape(el) == ("msup", (("mi", "f"), ("mrow", (("mo", "′"), ("mn", "2")))))
    root = tree(r"a\,\dots\quad -1")
    assert [k.tag for k in root] == ["mi", "mspace", "mi", "mspace", "mo", "mn"]
    assert root[2].text == "…" and root[4].text == "−"  # U+2212, not a hyphen


def test_plain_text_words_become_one_mtext():
    root = tree("T = 4: some alignment fits")
    assert [shape(k) for k in root][-1] == ("mtext", "some alignment fits")
    # a two-letter script is two identifiers, never prose
    (el,) = tree(r"W_{hh}")
    assert shape(el) == ("msub", (("mi", "W"), ("mrow", (("mi", "h"), ("mi", "h")))))


@pytest.mark.parametrize(
    "latex",
    [
        r"\frac{a}{b",  # unbalanced
        r"a}",
        r"\unknown{x}",
        r"a & b",  # alignment tab: not in the subset
        r"50\% of x %comment",
        r"a \\ b",
        r"x^",
        r"x_1_2",
        "",
        r"\left( x",
        "⊗",
    ],
)
def test_outside_the_subset_is_none(latex: str):
    assert to_mathml(latex) is None


_PIECES = [*"ab12 _^{}()[]\\=+-'*,;:|&%$#~<>αΣ²", r"\frac", r"\text", r"\left", r"\right", r"\sqrt"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=30).map("".join))
def test_never_raises_and_output_is_well_formed(latex: str):
    out = to_mathml(latex)
    if out is not None:
        assert ET.fromstring(out).tag == NS + "math"


def test_wrap_points_cut_before_top_level_relations_only():
    short = r"\frac{1}{2} = 0.5"
    assert wrap_points(short) == [short]
    long = "α_2(4) = (α_1(4) + α_1(3) + α_1(2)) · y_2(B) = (0 + 0 + 0.7) · 0.4 = 0.28"
    pieces = wrap_points(long, limit=40)
    assert " ".join(pieces) == long
    assert all(p.startswith("=") for p in pieces[1:])
    assert not any("= (0" in p[1:] for p in pieces)  # never inside a parenthesis
    # a relation inside braces or parentheses is not a cut: \sum_{i=1} stays whole
    assert wrap_points(r"L = \sum_{i=1}^{n} x_i + f(a = b) + 1 + 1 + 1 + 1", limit=10) == [
        r"L = \sum_{i=1}^{n} x_i + f(a = b) + 1 + 1 + 1 + 1"
    ]


def _steps(r):
    if r.formula:
        yield r.formula
    yield from r.steps
    for _, child in r.children:
        yield from _steps(child)


def test_every_step_of_every_problem_translates_or_falls_back():
    """Each step's LaTeX gives well-formed MathML or None (never an exception), and the
    share translated is reported; all of today's steps translate, allow a little slack."""
    total, failed = 0, []
    for path in sorted(PROBLEMS.glob("*.yaml")):
        for step in _steps(solve(load_problem(str(path)))):
            latex = step_latex(step, 3)
            total += 1
            out = to_mathml(latex)
            if out is None:
                failed.append((path.name, latex))
            else:
                ET.fromstring(out)
    share = 1 - len(failed) / total
    print(f"MathML: {total - len(failed)} of {total} steps translated ({share:.1%})")
    assert total > 100
    assert share >= 0.95, failed


def test_display_style_and_norm_bars():
    """display=True asks for display style (limits under and over the sum); "||x||" in a
    plain-text step is a norm, one ‖ each side, not two bars with operator spacing."""
    root = ET.fromstring(to_mathml(r"\sum_{i=1}^{n} x", display=True))
    assert root.get("displaystyle") == "true"
    assert ET.fromstring(to_mathml("x")).get("displaystyle") is None
    bars = [k.text for k in tree("||o_t||") if k.tag == "mo"]
    assert bars == ["‖", "‖"]


def test_the_blank_symbol_in_parentheses_is_an_identifier():
    """y_1(-) is "y at frame 1 of the blank" (the problem files write the blank as "-"), not a
    minus sign with operator spacing; (1-x) keeps its minus."""
    blank = [k for k in tree("y_1(-) = 0.2") if k.tag == "mi"]
    assert [k.text for k in blank] == ["-"]
    assert [k.text for k in tree("(1-x)") if k.tag == "mo"] == ["(", "−", ")"]


@pytest.mark.parametrize(
    "plain",
    [
        "l' = - A - B -  (blank between labels and at both ends: S' = 2·2 + 1 = 5)",
        "states 2 3 4 4: π* = A-BB",
        "π* = --,  P(π*) = 0.5 × 0.5 = 0.25",
        # symbols that are not capitals: a run "- x - y -" that ends in a "-" with nothing
        # after it cannot be a difference (before: "l′ = − s37 − s30 − … s1 −")
        "l' = - s37 - s30 - s27 - … s1 -  (blank between labels and at both ends: S' = 401)",
        "l' = - gamma-ray - δέλτα - gamma-ray -  (blank between labels: S' = 7)",
        "l' = - 1 - 2 - 3 -  (blank between labels and at both ends: S' = 2·3 + 1 = 7)",
    ],
)
def test_the_blank_in_a_label_string_is_a_symbol_not_a_minus(plain: str):
    """The extended labels "- A - B -" and an alignment "A-BB" spell the CTC blank "-": an
    identifier, never the subtraction operator "−" (before: "l′ = − A − B −")."""
    root = tree(plain)
    assert "−" not in [el.text for el in root.iter("mo")], plain
    assert [el.text for el in root.iter("mi") if el.text and "-" in el.text]


def test_a_minus_before_a_number_or_after_an_operand_stays_a_minus():
    for plain in ("(1-x)", "= -0.335", r"\alpha_{t-1}(s-2)", "x - 1"):
        assert "−" in [el.text for el in tree(plain).iter("mo")], plain


def test_a_hyphenated_word_and_a_comparison_in_a_subscript():
    """ "n-gram" is one word (before: "n − gram"); "l_<i" puts "<i" in the subscript (before:
    only "<"); a number's exponent stays in its <mn> (before: 5.49, e, −, 121)."""
    root = tree("Σ_i ln P(l_i | l_<i) from the longest listed n-gram")
    assert any("n-gram" in (el.text or "") for el in root.iter("mtext"))
    assert "−" not in [el.text for el in root.iter("mo")]
    subs = [el for el in root.iter("msub") if el[0].text == "l"]
    assert shape(subs[-1][1]) == ("mrow", (("mo", "<"), ("mi", "i")))
    assert [el.text for el in tree("−ln 5.49e-121 = 276.9").iter("mn")] == ["5.49e-121", "276.9"]


def test_the_symbols_of_a_label_run_are_whole_identifiers():
    """In "- s37 - gamma-ray - … -" each symbol is one identifier, as the tables write it
    (before: s, 37 and gamma − ray)."""
    root = tree("l' = - s37 - gamma-ray - … s1 -  (blank between labels)")
    names = [el.text for el in root.iter("mi")]
    assert names[:1] == ["l"]
    assert ["-", "s37", "-", "gamma-ray", "-", "…", "s1", "-"] == [
        n for n in names[1:] if n not in ("S",)
    ]


def test_a_command_line_option_and_an_angled_symbol_stay_text():
    """ "--show beta" names an option (before: "− −show beta"), and a symbol spelt
    "<b>" (a common name for the blank) is one identifier, not "< b >"."""
    root = tree("β_1 is in --show beta")
    assert "−" not in [el.text for el in root.iter("mo")]
    assert any("--show" in (el.text or "") for el in root.iter("mtext"))
    root = tree("α_1(2) = y_1(<b>) = 0.5")
    assert "<b>" in [el.text for el in root.iter("mi")]
    assert [el.text for el in root.iter("mo") if el.text in "<>"] == []
    # a comparison keeps its operator
    assert "<" in [el.text for el in tree("l_<i").iter("mo")]


def test_in_latex_a_minus_before_a_capital_is_a_minus():
    """REINFORCE's formula, LaTeX, "L = -J": the loss is minus the objective, a sign and J
    (before: one identifier "-J", read as a CTC label string "blank, J"). Label strings are
    a plain-text reading; real LaTeX writes a symbol as \\text{}."""
    root = tree(r"J = \sum_{t=1}^{T} A_t \ln \pi(y_t|s_t),\quad L = -J,\quad A_t = R_t - b")
    assert "-J" not in [el.text for el in root.iter("mi")]
    assert "J" in [el.text for el in root.iter("mi")]
    assert [el.text for el in root.iter("mo")].count("−") == 2
    # the plain-text steps keep their label strings, \\times from a number or not
    assert "--" in [el.text for el in tree(r"π* = --,  P(π*) = 0.5 \times 0.5 = 0.25").iter("mi")]


def test_wrap_points_cut_after_a_comma_and_a_backslash_space():
    """BPTT's formula joins its equations with ",\\ " (a comma and a control space):
    h_t = tanh(…),\\ o_t = h_t W_hy + b_y,\\ δ_t = …; each equation is a piece of its own
    (before: the control space before a letter was not an item's end, so the line was cut
    between o_t and its "=", "+ b_h),\\ o_t" one piece). "\\quadx" is still no \\quad."""
    latex = r"h_t = \tanh(x_t + b_h),\ o_t = h_t W_{hy} + b_y,\ \delta_t = g_t"
    assert wrap_points(latex) == [r"h_t = \tanh(x_t + b_h),", r"o_t = h_t W_{hy} + b_y,",
                                  r"\delta_t = g_t"]  # fmt: skip
    assert wrap_points(r"a,\quadx") == [r"a,\quadx"]
