"""Per-step loss bars on the HTML page: the numbers read back out of the SVG, against hand values.

Hand values (from the problem files' comments):
  problems/seq-translation.yaml   −ln 0.7 = 0.356675, −ln 0.5 = 0.693147, −ln 0.6 = 0.510826;
                                  sum 1.560648, mean over 3 tokens 0.520216
  problems/hinge-seq.yaml         max(0, 1 − y·ŷ): 1 − 0.8 = 0.2, 1 − 0.5 = 0.5, 1 − 0.3 = 0.7;
                                  sum 1.4, mean 1.4 / 3 = 0.466667
  problems/seq-padded-batch.yaml  sequence 1: −ln 0.8 = 0.223144, −ln 0.6 = 0.510826,
                                  −ln 0.5 = 0.693147; sequence 2: −ln 0.5 = 0.693147,
                                  −ln 0.7 = 0.356675, step 3 padding; sum 2.476939
  problems/reinforce-episode.yaml A_t · ln π = −0.060407, 0.171978, 0.084413; J = 0.195984
Long input, closed form: y_t = 1, ŷ_t = t / 1000 for t = 1..1000, so the hinge term at step t
is 1 − t/1000. At most CHART_MAX_BARS = 20 bars: by the window rule (tests/render/test_window.py)
the first 10 and the last 10 steps, 1-10 and 991-1000.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import pytest

import rnnloss_cli
from rnnloss_cli.limits import CHART_MAX_BARS
from rnnloss_cli.render.charts import chart_figures, nice_ticks
from rnnloss_cli.render.html import render_html
from rnnloss_cli.result import Window

HAND = {
    "problems/seq-translation.yaml": {(1, 1): 0.356675, (1, 2): 0.693147, (1, 3): 0.510826},
    "problems/hinge-seq.yaml": {(1, 1): 0.2, (1, 2): 0.5, (1, 3): 0.7},
    "problems/seq-padded-batch.yaml": {
        (1, 1): 0.223144,
        (1, 2): 0.510826,
        (1, 3): 0.693147,
        (2, 1): 0.693147,
        (2, 2): 0.356675,
    },
    "problems/reinforce-episode.yaml": {(1, 1): -0.060407, (1, 2): 0.171978, (1, 3): 0.084413},
}
#: The sum (J for REINFORCE) and the mean the loss is made of, by hand (see above).
HAND_SUM = {
    "problems/seq-translation.yaml": ("sum", 1.560648, "mean_tokens", 0.520216),
    "problems/hinge-seq.yaml": ("sum", 1.4, "mean", 1.4 / 3),
    "problems/seq-padded-batch.yaml": ("sum", 2.476939, "mean_tokens", 2.476939 / 5),
    "problems/reinforce-episode.yaml": ("objective", 0.195984, None, None),
}


def svg_of(r, window=None) -> ET.Element:
    figs = chart_figures(r, window=window)
    assert len(figs) == 1, figs
    root = ET.fromstring(figs[0])  # the <figure>: well-formed XML
    svg = root.find("svg")
    assert svg is not None and svg.find("title").text and svg.find("desc").text
    return svg


def bars(svg: ET.Element) -> dict[tuple[int, int], ET.Element]:
    return {
        (int(b.get("data-sequence")), int(b.get("data-step"))): b
        for b in svg.iter("rect")
        if b.get("class") == "bar"
    }


@pytest.mark.parametrize("path", sorted(HAND))
def test_one_bar_per_step_with_the_hand_values(path):
    r = rnnloss_cli.solve_file(path)
    got = bars(svg_of(r))
    assert set(got) == set(HAND[path])
    for key, want in HAND[path].items():
        assert float(got[key].get("data-value")) == pytest.approx(want, abs=1e-6), key


@pytest.mark.parametrize("path", sorted(HAND))
def test_the_bars_add_up_to_the_loss(path):
    r = rnnloss_cli.solve_file(path)
    values = [float(b.get("data-value")) for b in bars(svg_of(r)).values()]
    total_name, total, mean_name, mean = HAND_SUM[path]
    assert sum(values) == pytest.approx(total, abs=1e-5)
    assert r.figures[total_name] == pytest.approx(total, abs=1e-5)
    if mean_name:
        assert sum(values) / len(values) == pytest.approx(mean, abs=1e-5)
        assert r.figures[mean_name] == pytest.approx(mean, abs=1e-5)


def test_value_labels_and_axis_labels():
    svg = svg_of(rnnloss_cli.solve_file("problems/hinge-seq.yaml"))
    labels = [t.text for t in svg.iter("text") if t.get("class") == "value"]
    assert labels == ["0.2", "0.5", "0.7"]
    titles = [t.text for t in svg.iter("text") if t.get("class") == "axis-title"]
    assert "time step t" in titles and "max(0, 1 − y·ŷ)" in titles


def test_bar_heights_are_proportional_to_the_values():
    got = bars(svg_of(rnnloss_cli.solve_file("problems/seq-translation.yaml")))
    ratios = [float(b.get("height")) / float(b.get("data-value")) for b in got.values()]
    assert max(ratios) == pytest.approx(min(ratios), rel=1e-3)
    # and they stand on one baseline
    bottoms = [float(b.get("y")) + float(b.get("height")) for b in got.values()]
    assert max(bottoms) - min(bottoms) < 0.01  # px: coordinates are written to 6 digits


def test_padded_step_is_marked_without_a_bar():
    svg = svg_of(rnnloss_cli.solve_file("problems/seq-padded-batch.yaml"))
    pads = [b for b in svg.iter("rect") if b.get("class") == "pad"]
    assert [(p.get("data-sequence"), p.get("data-step")) for p in pads] == [("2", "3")]
    assert pads[0].get("data-value") is None
    assert {t.text for t in svg.iter("text")} >= {"seq 1", "seq 2", "pad"}


def test_negative_terms_hang_below_a_zero_line():
    svg = svg_of(rnnloss_cli.solve_file("problems/reinforce-episode.yaml"))
    zero = [ln for ln in svg.iter("line") if ln.get("class") == "zero"]
    assert len(zero) == 1
    y0 = float(zero[0].get("y1"))
    got = bars(svg)
    neg, pos = got[(1, 1)], got[(1, 2)]  # −0.060407 and 0.171978
    assert float(neg.get("y")) == pytest.approx(y0, abs=0.01)  # hangs from the line
    assert float(pos.get("y")) + float(pos.get("height")) == pytest.approx(y0, abs=0.01)
    # all-positive terms get a plain baseline, no zero line
    svg = svg_of(rnnloss_cli.solve_file("problems/hinge-seq.yaml"))
    assert not [ln for ln in svg.iter("line") if ln.get("class") == "zero"]


def long_hinge(n: int = 1000):
    return rnnloss_cli.solve_problem(
        {
            "kind": "sequence_hinge",
            "title": "long",
            "y": [1] * n,
            "yhat": [t / n for t in range(1, n + 1)],
        }
    )


def test_long_input_keeps_the_first_and_last_steps_with_a_gap():
    r = long_hinge()
    svg = svg_of(r)
    got = bars(svg)
    assert CHART_MAX_BARS == 20
    assert sorted(t for _, t in got) == [*range(1, 11), *range(991, 1001)]
    for (_, t), b in got.items():
        assert float(b.get("data-value")) == pytest.approx(1 - t / 1000, abs=1e-12), t
    gaps = [t for t in svg.iter("text") if t.get("class") == "gap"]
    assert len(gaps) == 1
    # the gap sits between step 10 and step 991
    assert float(got[(1, 10)].get("x")) < float(gaps[0].get("x")) < float(got[(1, 991)].get("x"))
    assert "20 of the 1,000 steps" in svg.find("desc").text


def test_a_smaller_window_shows_fewer_bars():
    # --window 6: window_indices(1000, 6) keeps 3 first and 3 last steps
    got = bars(svg_of(long_hinge(), window=Window(rows=6)))
    assert sorted(t for _, t in got) == [1, 2, 3, 998, 999, 1000]


def test_width_grows_with_the_number_of_bars():
    short = svg_of(long_hinge(3))
    long = svg_of(long_hinge(12))
    assert float(long.get("width")) > float(short.get("width"))


def test_an_infinite_term_is_drawn_to_the_top_and_labelled():
    r = rnnloss_cli.solve_problem(
        {"kind": "sequence", "title": "zero", "yhat": [[1.0, 0.0], [0.5, 0.5]], "targets": [1, 0]}
    )
    got = bars(svg_of(r))
    assert got[(1, 1)].get("data-value") == "inf"
    assert float(got[(1, 2)].get("data-value")) == pytest.approx(math.log(2))
    labels = [t.text for t in svg_of(r).iter("text") if t.get("class") == "value"]
    assert labels[0] == "∞"


@pytest.mark.parametrize(
    "path", ["problems/ctc-exact-ab.yaml", "problems/mse-forecast.yaml", "problems/hello.yaml"]
)
def test_other_kinds_get_no_bars(path):
    assert chart_figures(rnnloss_cli.solve_file(path)) == []


def test_the_page_holds_the_chart_and_stays_self_contained():
    text = render_html([rnnloss_cli.solve_file("problems/seq-padded-batch.yaml")])
    root = ET.fromstring(text.split("\n", 1)[1])
    assert len([f for f in root.iter("figure") if "per-step" in f.get("class", "")]) == 1
    assert "http" not in text


@pytest.mark.parametrize(
    "lo, hi", [(0, 0.53), (-0.0604, 0.172), (0, 1), (0, 999.5), (-3, -1), (0.0004, 0.0009)]
)
def test_ticks_cover_the_range_in_round_steps(lo, hi):
    ticks = nice_ticks(lo, hi)
    assert ticks[0] <= lo and ticks[-1] >= hi
    steps = {round(b - a, 9) for a, b in zip(ticks, ticks[1:], strict=False)}
    assert len(steps) == 1
    step = steps.pop()
    mantissa = step / 10 ** math.floor(math.log10(step))
    assert round(mantissa, 6) in (1, 2, 5)
    assert 3 <= len(ticks) <= 8


def test_ticks_by_hand():
    # 0..0.53 in about 4 steps of 0.1325 -> step 0.2: 0, 0.2, 0.4, 0.6
    assert nice_ticks(0, 0.53) == [0, 0.2, 0.4, 0.6]
