"""A negative number written in a drawing reads with the true minus sign, U+2212 (−0.0604),
as the page's maths does, not an ASCII hyphen (-0.0604, a shorter dash set at the height of
a hyphen); machine-readable attributes (``data-value``) keep Python's ``repr``.

Hand values: problems/reinforce-episode.yaml's terms A_t · ln π are −0.060407, 0.171978,
0.084413 (its file's arithmetic), so its bar chart has one negative bar, −0.0604 at
``--precision 3`` (3 significant digits below 0.1), and ticks below zero. The forward
trellis of problems/ctc-exact-ab.yaml has ln α from ln(0.3·0.4·0.1) ... up to its largest
cell; both ends of its log colour scale are negative (every α ≤ 1, so ln α ≤ 0).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

import rnnloss_cli
from rnnloss_cli.render.html import render_html
from rnnloss_cli.render.svg import text_minus

SVG = "{http://www.w3.org/2000/svg}"


def svgs(path: str) -> list[ET.Element]:
    text = render_html([rnnloss_cli.solve_file(path)])
    root = ET.fromstring(text.split("\n", 1)[1])
    return [e for e in root.iter() if e.tag in ("svg", f"{SVG}svg")]


def texts(svg: ET.Element) -> list[str]:
    return ["".join(t.itertext()) for t in svg.iter() if t.tag in ("text", f"{SVG}text")]


def test_text_minus_sets_a_number_s_sign_and_exponent_and_nothing_else():
    assert text_minus("-0.06") == "−0.06"
    assert text_minus("-1.2e-5") == "−1.2e−5"
    assert text_minus("1e-3") == "1e−3"
    assert text_minus("-inf") == "−inf"
    assert text_minus("ln α = -4.42") == "ln α = −4.42"
    assert text_minus("t = 1: -0.0604") == "t = 1: −0.0604"
    # a label's hyphens are not minus signs: a CTC blank "-", an alignment 1-2-3, H-E-L-L-O
    for label in ("-", "1-2-3", "H-E-L-L-O", "12-3", "state 3 - 1"):
        assert text_minus(label) == label


def test_a_negative_tick_and_bar_tooltip_use_the_minus_sign():
    """The ticks below zero (−0.1, −0.05), the negative bar's value label and its tooltip use
    U+2212, as the table cell beside the chart does (test_figure_digits compares the two)."""
    (chart,) = svgs("problems/reinforce-episode.yaml")
    values = [t for t in chart.iter() if t.get("class") == "value"]
    ticks = [
        w for t in chart.iter() if t.tag in ("text", f"{SVG}text") and t.get("class") is None
        for w in ["".join(t.itertext())] if w[:1] in "-−" and w[1:2].isdigit()
    ]  # fmt: skip
    assert ticks == ["−0.1", "−0.05"], ticks
    assert ["".join(v.itertext()) for v in values][0] == "−0.0604"
    bar = next(r for r in chart.iter() if r.get("data-step") == "1")
    assert bar.get("data-value") == repr(float(bar.get("data-value")))  # machine-readable
    assert bar.get("data-value").startswith("-0.0604")
    assert "".join(bar.find("title").itertext()) == "t = 1: −0.0604"


def test_a_trellis_colour_scale_writes_its_negative_ends_with_the_minus_sign():
    (trellis, *_) = [s for s in svgs("problems/ctc-exact-ab.yaml") if s.get("class") == "trellis"]
    legend = [w for w in texts(trellis) if w.startswith("ln α = ")]
    assert legend and legend[0].startswith("ln α = −"), legend
    assert not [w for w in texts(trellis) if "-0" in w or "-1" in w or "-2" in w]
