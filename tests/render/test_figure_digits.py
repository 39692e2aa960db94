"""A number a figure prints reads as the tables and lines beside it: ``--precision`` and the
derivation's digits plan reach the charts and trellises (before, they printed 3 digits).

Hand arithmetic (a calculator, not the engine):

reinforce-episode (tests/render/test_html_digits.py): A_t · ln π = −0.060407, 0.171978,
0.084413 (b = 3.71 / 3 = 1.236667; A_1 = 0.573333, ln 0.9 = −0.105361, product −0.060407;
A_2 = 0.9 − b = −0.336667, ln 0.6 = −0.510826, product 0.171978; A_3 = −0.236667,
ln 0.7 = −0.356675, product 0.084413); J = their sum = 0.195984, 0.19598 at 5 decimals.
At 3 digits the first bar read −0.0604 beside the table's −0.0604067 at ``-p 5``.

Two frames, target A, symbols (-, A), y_1 = (0.123, 0.877), y_2 = (0.456, 0.544):
α_1 = (0.123, 0.877, 0); α_2(1) = 0.123 · 0.456 = 0.056088,
α_2(2) = (0.877 + 0.123) · 0.544 = 0.544, α_2(3) = 0.877 · 0.456 = 0.399912.
Paths: A- = 0.877 · 0.456 = 0.399912, -A = 0.123 · 0.544 = 0.066912,
AA = 0.877 · 0.544 = 0.477088 (the best); 0.399912 + 0.066912 + 0.477088 = 0.943912 = α_2(2)
+ α_2(3). At 3 digits the figure read 0.0561 and 0.4 where the table prints 0.056088 and
0.399912 at ``-p 5``.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

import rnnloss_cli
from rnnloss_cli.render.html import render_html

TWO_FRAMES = {
    "kind": "ctc",
    "title": "two frames",
    "method": "exact",
    "target": "A",
    "symbols": ["-", "A"],
    "emissions": [[0.123, 0.877], [0.456, 0.544]],
    "alignments": ["A-", "-A"],
}
HAND_ALPHA = {(1, 1): 0.123, (2, 1): 0.877, (3, 1): 0.0,
              (1, 2): 0.056088, (2, 2): 0.544, (3, 2): 0.399912}  # fmt: skip
HAND_PATHS = {"1": 0.399912, "2": 0.066912, "best": 0.477088}


def _page(r, precision: int) -> ET.Element:
    return ET.fromstring(render_html([r], precision).split("\n", 1)[1])  # past <!DOCTYPE>


def _table(root: ET.Element, caption: str) -> list[list[str]]:
    """The body cells of the table whose caption starts with ``caption`` (marks † ≈ off)."""
    for t in root.iter("table"):
        if "".join(t.find("caption").itertext()).startswith(caption):
            return [
                ["".join(td.itertext()).strip("≈†") for td in tr.findall("td")]
                for tr in t.find("tbody")
            ]
    raise AssertionError(f"no table {caption!r}")


@pytest.mark.parametrize("precision", [3, 5])
def test_a_bar_label_reads_as_the_table_cell_beside_it(precision):
    r = rnnloss_cli.solve_file("problems/reinforce-episode.yaml")
    root = _page(r, precision)
    svg = next(s for s in root.iter("svg") if s.get("class") == "bars")
    labels = [t.text for t in svg.iter("text") if t.get("class") == "value"]
    rows = _table(root, "per step")
    heads = [
        "".join(th.itertext())
        for t in root.iter("table")
        if "".join(t.find("caption").itertext()) == "per step"
        for th in t.iter("th")
    ]
    column = [row[heads.index("At · ln π")] for row in rows]  # A<sub>t</sub> · ln π
    assert labels == column
    for label, want in zip(labels, (-0.060407, 0.171978, 0.084413), strict=True):
        assert float(label.replace("\u2212", "-")) == pytest.approx(want, abs=10.0**-precision)
    if precision == 5:
        assert labels[0] != "\u22120.0604"  # the 3 digits it printed before
        caption = "".join(root.find(".//figure[@class='chart per-step']/figcaption").itertext())
        assert "J = Σ_t of the bars = 0.19598;" in caption


@pytest.mark.parametrize("precision", [3, 5])
def test_a_trellis_tooltip_reads_as_the_alpha_table(precision):
    r = rnnloss_cli.solve_problem(TWO_FRAMES)
    root = _page(r, precision)
    svg = next(s for s in root.iter("svg") if s.get("class") == "trellis")
    tips = {
        (int(c.get("data-s")), int(c.get("data-t"))): c.find("title").text
        for c in svg.iter("rect")
        if c.get("data-s")
    }
    alpha = _table(root, "forward trellis α")
    assert set(tips) == set(HAND_ALPHA)
    for (s, t), tip in tips.items():
        value = re.match(rf"α_{t}\({s}\) = ([^,]+),", tip).group(1)
        assert value == alpha[s - 1][1 + t], tip  # columns s, l'_s, t=1, t=2
        assert float(value) == pytest.approx(HAND_ALPHA[(s, t)], rel=10.0**-precision)
    if precision == 5:
        assert tips[(1, 2)].startswith("α_2(1) = 0.056088,")
        assert tips[(3, 2)].startswith("α_2(3) = 0.399912,")


def test_a_path_probability_reads_as_the_listed_table():
    r = rnnloss_cli.solve_problem(TWO_FRAMES)
    root = _page(r, 5)
    svg = next(s for s in root.iter("svg") if s.get("class") == "trellis")
    listed = {row[0]: row[-1] for row in _table(root, "listed alignments")}
    for g in svg.iter("g"):
        if g.get("class") != "track":
            continue
        # data-label "alignment 1: A-" (the listed table's row 1), "best path (Viterbi): AA"
        label = "best" if g.get("data-best") == "true" else g.get("data-label").split(":")[0][-1]
        p = re.search(r"p = ([0-9.e-]+)\)", g.find("title").text).group(1)
        assert float(p) == pytest.approx(HAND_PATHS[label], rel=1e-5)
        if label in listed:
            assert p == listed[label]
    assert "p = 0.399912" in ET.tostring(svg, encoding="unicode")  # 0.4 at 3 digits


@pytest.mark.parametrize("precision", [3, 5])
def test_a_curve_point_reads_as_the_epochs_table(precision):
    # the point's value is the run's own loss (a second seeded run, tests/train/test_page.py);
    # its tooltip printed 4 digits whatever the table beside it printed
    from rnnloss_cli.train.run import train
    from rnnloss_cli.train.summary import train_result

    res = train("mse", epochs=5, seed=0)
    root = _page(train_result(res, loss="mse", seed=0), precision)
    svg = next(s for s in root.iter("svg") if s.get("class") == "curve")
    tips = {
        int(c.get("data-epoch")): c.find("title").text.split(": ", 1)[1] for c in svg.iter("circle")
    }
    table = {int(row[0]): row[1] for row in _table(root, "loss per epoch")}
    assert tips == table
    for e, v in enumerate([res.initial, *res.history]):
        assert float(tips[e]) == pytest.approx(v, abs=10.0**-precision)
