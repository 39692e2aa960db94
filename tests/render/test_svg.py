"""The CTC trellis SVG: the numbers read back out of it, against α worked by hand.

problems/ctc-exact-ab.yaml (target AB, l' = - A - B -, emissions in the file's comment):
  α_1 = (0.2, 0.7, 0, 0, 0)                      y_1(-), y_1(A); states 3-5 unreachable
  α_2(1) = 0.2·0.3 = 0.06         α_2(2) = (0.7 + 0.2)·0.3 = 0.27
  α_2(3) = (0 + 0.7)·0.3 = 0.21   α_2(4) = (0 + 0 + 0.7)·0.4 = 0.28   α_2(5) = 0
  α_3(1) = 0.06·0.2 = 0.012       α_3(2) = (0.27 + 0.06)·0.1 = 0.033
  α_3(3) = (0.21 + 0.27)·0.2 = 0.096
  α_3(4) = (0.28 + 0.21 + 0.27)·0.7 = 0.532      α_3(5) = (0 + 0.28)·0.2 = 0.056
  (0.532 + 0.056 = 0.588, the file's p(AB|x) from its five paths.)
Long input, closed form: target A, symbols (-, A), y = 0.5 everywhere, T = 100. The paths of
t frames ending in state 1 (-), 2 (A), 3 (-) are -^t, -^i A^j (t of them), -^i A^j -^k
(t(t−1)/2 of them), each of probability 0.5^t.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET

import pytest

import rnnloss_cli
from rnnloss_cli.render.html import render_html
from rnnloss_cli.render.svg import UNREACHABLE, VIRIDIS, alpha_table, trellis_svg

HAND_AB = {
    (1, 1): 0.2,
    (2, 1): 0.7,
    (3, 1): 0.0,
    (4, 1): 0.0,
    (5, 1): 0.0,
    (1, 2): 0.06,
    (2, 2): 0.27,
    (3, 2): 0.21,
    (4, 2): 0.28,
    (5, 2): 0.0,
    (1, 3): 0.012,
    (2, 3): 0.033,
    (3, 3): 0.096,
    (4, 3): 0.532,
    (5, 3): 0.056,
}  # fmt: skip  (state s, frame t) -> α_t(s)


def cells(svg: str) -> dict[tuple[int, int], ET.Element]:
    root = ET.fromstring(svg)
    return {
        (int(r.get("data-s")), int(r.get("data-t"))): r
        for r in root.iter("rect")
        if r.get("data-s")
    }


def luminance(hex_colour: str) -> float:
    """Relative luminance (WCAG) of an sRGB colour."""

    def lin(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (lin(int(hex_colour[k : k + 2], 16) / 255) for k in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def ab_svg() -> str:
    return trellis_svg(alpha_table(rnnloss_cli.solve_file("problems/ctc-exact-ab.yaml")))


def test_one_cell_per_state_and_frame_with_the_hand_values():
    got = cells(ab_svg())
    assert set(got) == set(HAND_AB)
    for key, want in HAND_AB.items():
        assert float(got[key].get("data-value")) == pytest.approx(want, abs=1e-12), key


def test_colours_follow_the_values_and_unreachable_is_grey():
    got = cells(ab_svg())
    zero = [k for k, v in HAND_AB.items() if v == 0]
    assert zero and all(got[k].get("fill") == UNREACHABLE for k in zero)
    live = sorted((v, k) for k, v in HAND_AB.items() if v > 0)
    lum = [luminance(got[k].get("fill")) for _, k in live]
    assert lum == sorted(lum) and lum[0] < lum[-1]
    # the extremes are the palette's ends: smallest α darkest stop, largest brightest
    assert got[live[0][1]].get("fill") == VIRIDIS[0]
    assert got[live[-1][1]].get("fill") == VIRIDIS[-1]


def test_svg_has_title_desc_and_a_size_from_the_data():
    root = ET.fromstring(ab_svg())
    assert root.find("title").text and "α" in root.find("desc").text
    w, h = float(root.get("width")), float(root.get("height"))
    assert 100 < w < 1000 and 100 < h < 1000
    rects = [r for r in root.iter("rect") if r.get("data-s")]
    xs = sorted({float(r.get("x")) for r in rects})
    ys = sorted({float(r.get("y")) for r in rects})
    assert len(xs) == 3 and len(ys) == 5  # 3 frame columns, 5 state rows
    assert max(xs) < w and max(ys) < h


def test_which_pages_get_which_figures():
    # exact CTC: the α trellis and the emission matrix; β and γ only when asked for
    exact = rnnloss_cli.solve_file("problems/ctc-exact-ab.yaml")
    page = render_html([exact])
    assert page.count('<svg role="img" class="trellis"') == 1
    assert page.count('<svg role="img" class="emissions"') == 1
    both = render_html([exact], show=frozenset({"beta", "posterior"}))
    assert both.count('<svg role="img" class="trellis"') == 3
    only_beta = render_html([exact], show=frozenset({"beta"}))
    assert only_beta.count('<svg role="img" class="trellis"') == 2
    # HELLO (listed alignments, no per-frame distribution): the bare lattice, one figure
    hello = render_html([rnnloss_cli.solve_file("problems/hello.yaml")])
    assert hello.count("<svg") == 1 and "not heat-mapped" in hello
    # a loss that is not CTC: none
    assert "<svg" not in render_html([rnnloss_cli.solve_file("problems/mse-forecast.yaml")])


def test_long_input_is_windowed_like_the_tables():
    n = 100
    r = rnnloss_cli.solve_problem(
        {"kind": "ctc", "method": "exact", "target": "A", "symbols": ["-", "A"],
         "emissions": [[0.5, 0.5]] * n}
    )  # fmt: skip
    svg = trellis_svg(alpha_table(r))
    got = cells(svg)
    # default window 16 columns: 2 key + 14 frames, the first 7 and the last 7
    frames = [*range(1, 8), *range(n - 6, n + 1)]
    assert set(got) == {(s, t) for s in (1, 2, 3) for t in frames}
    for t in frames:
        want = {1: 1, 2: t, 3: t * (t - 1) // 2}
        for s, count in want.items():
            value = float(got[(s, t)].get("data-value"))
            assert value == pytest.approx(count * 0.5**t, rel=1e-9), (s, t)
    x = {t: float(got[(1, t)].get("x")) for t in frames}
    step = x[2] - x[1]
    assert x[n - 6] - x[7] > step  # a gap where the elision sits
    assert re.search(r"frames 14 of 100", ET.fromstring(svg).find("desc").text)
    assert math.isclose(r.loss, -math.log(n * (n + 1) / 2) + n * math.log(2))


def test_values_held_as_logs_are_read_back_from_their_logs():
    # y(-) = 1e-200, y(A) = 1 over 3 frames, target A: α_t(1) = 1e-200^t underflows a double
    # at t = 2, so the table holds logs: ln α_t(1) = −460.517·t (ln 1e-200 = −200·ln 10);
    # α_t(2) = 1 (the path A^t, plus terms of 1e-200 lost to rounding); α_1(3) = 0;
    # α_2(3) = α_1(2)·1e-200 and α_3(3) = (α_2(3) + α_2(2))·1e-200 ≈ 1e-200.
    r = rnnloss_cli.solve_problem(
        {"kind": "ctc", "method": "exact", "target": "A", "symbols": ["-", "A"],
         "emissions": [[1e-200, 1.0]] * 3}
    )  # fmt: skip
    got = cells(trellis_svg(alpha_table(r)))
    ln10 = math.log(10)

    def ln_of(key):
        v = got[key].get("data-value")
        return float(v[2:]) if v.startswith("e^") else -math.inf

    for t in (1, 2, 3):
        assert ln_of((1, t)) == pytest.approx(-200 * ln10 * t, rel=1e-12)
        assert ln_of((2, t)) == pytest.approx(0.0, abs=1e-12)
    assert ln_of((3, 1)) == -math.inf and got[(3, 1)].get("fill") == UNREACHABLE
    assert ln_of((3, 2)) == ln_of((3, 3)) == pytest.approx(-200 * ln10, rel=1e-12)
    assert got[(1, 3)].get("fill") == VIRIDIS[0] and got[(2, 1)].get("fill") == VIRIDIS[-1]


@pytest.mark.parametrize("problem", ["problems/hello.yaml", "problems/deep.yaml"])
def test_a_long_legend_line_wraps_instead_of_widening_the_drawing(problem):
    """The legend's words wrap to the grid's width (at least LEGEND_MIN_ROOM px), so the SVG
    is as wide as its grid, not as its longest legend line (before: hello's lattice was
    818.8 px wide for a 9-frame grid, because of one alignment's words)."""
    from rnnloss_cli.render.svg import CHAR_W, LEFT, LEGEND_MIN_ROOM, RIGHT, ctc_figures

    for fig in ctc_figures(rnnloss_cli.solve_file(problem)):
        root = ET.fromstring(fig).find("svg")
        grid = [r for r in root.iter("rect") if r.get("data-s")]
        if not grid:
            continue
        grid_right = max(float(r.get("x")) + float(r.get("width")) for r in grid)
        width = float(root.get("width"))
        # (+ 8: the grid's last column ends a cell gap past its last square)
        assert width <= max(grid_right + RIGHT + 8, LEFT + 42 + LEGEND_MIN_ROOM), (width, fig[:99])
        for text in root.iter("text"):
            x = float(text.get("x"))
            if text.get("text-anchor") is None:  # starts at x, runs right
                assert x + len(text.text or "") * CHAR_W <= width + 1, text.text
    words = " ".join(t.text or "" for t in ET.fromstring(fig).find("svg").iter("text"))
    assert "valid" in words


def test_row_numbers_and_labels_read_back_in_two_columns():
    """The trellis' rows name the state s (grey) and its extended label l'_s apart, so a
    digit label is not read as part of the number (digits-123: l' = - 1 - 2 - 3 -, before
    written "2 1", "4 2"); a long label is cut with its whole name in a <title>."""
    from rnnloss_cli.render.svg import LABEL_MAX_CHARS

    lattice = rnnloss_cli.solve_file("problems/digits-123.yaml").lattice
    root = ET.fromstring(trellis_svg(lattice, quantity=None))
    numbers = [t for t in root.iter("text") if t.get("class") == "row-number"]
    labels = [t for t in root.iter("text") if t.get("class") == "row-label"]
    assert [t.text for t in numbers] == [str(s) for s in range(1, 8)]
    assert [t.text for t in labels] == ["-", "1", "-", "2", "-", "3", "-"]
    # one column each, right-aligned; a number ends well left of where a label could start
    label_x = {float(t.get("x")) for t in labels}
    number_x = {float(t.get("x")) for t in numbers}
    assert len(label_x) == len(number_x) == 1 and number_x.pop() < label_x.pop() - 6

    long = "x" * (LABEL_MAX_CHARS + 5)
    r = rnnloss_cli.solve_problem(
        {"kind": "ctc", "title": "t", "method": "exact", "target": [long],
         "symbols": ["-", long], "emissions": [[0.5, 0.5]] * 2}
    )  # fmt: skip
    root = ET.fromstring(trellis_svg(alpha_table(r)))
    cut = [t for t in root.iter("text") if t.find("title") is not None]
    assert [t.find("title").text for t in cut] == [long]
    shown = cut[0].find("title").tail
    assert shown == "x" * (LABEL_MAX_CHARS - 1) + "…"


def test_each_cell_names_its_value_and_label_when_pointed_at():
    """A cell's tooltip (<title>) gives its value, as the tables print it, and its extended
    label: a reader pointing at a cell of the heat map reads the number, not only its colour
    (before: "α_2(4)" alone). The numbers are HAND_AB's, read back from the titles."""
    for (s, t), rect in cells(ab_svg()).items():
        title = rect.find("title").text
        name, value = title.split(" = ", 1)[0], title.split(" = ", 1)[1].split(",")[0]
        assert name == f"α_{t}({s})"
        assert float(value) == pytest.approx(HAND_AB[(s, t)], abs=5e-4), title
        assert title.endswith(f"l'_s = {'-AB'[(s % 2 == 0) * (1 + (s == 4))]}"), title
    # the emission matrix's cells: y_t(k) from the file (rows t = 1..3, columns -, A, B)
    from rnnloss_cli.render.svg import ctc_figures

    given = {("-", 1): 0.2, ("A", 1): 0.7, ("B", 1): 0.1, ("-", 2): 0.3, ("A", 2): 0.3,
             ("B", 2): 0.4, ("-", 3): 0.2, ("A", 3): 0.1, ("B", 3): 0.7}  # fmt: skip
    figs = ctc_figures(rnnloss_cli.solve_file("problems/ctc-exact-ab.yaml"))
    root = ET.fromstring(figs[-1]).find("svg")
    titles = {
        (r.get("data-k"), int(r.get("data-t"))): r.find("title").text
        for r in root.iter("rect")
        if r.get("data-k")
    }
    assert titles == {(k, t): f"y_{t}({k}) = {v:g}" for (k, t), v in given.items()}


def test_a_path_drawn_with_the_handouts_factors_says_whose_product_it_shows():
    """HELLO's legend read "H-E-L-L-O (valid, p = 0.006586)" beside warnings that 0.006586 is
    the handout's factor list, not the path's probability: by its symbols H-E-L-L-O is
    0.6 · 0.2 · 0.5 · 0.2 · 0.7 · 0.2 · 0.7 · 0.2 · 0.8 = 0.000188 (P(-) = 0.2)."""
    page = render_html([rnnloss_cli.solve_file("problems/hello.yaml")], 3)
    said = "H-E-L-L-O (valid, p = 0.006586 as given; its symbols give 0.000188)"
    assert said in page, re.findall(r"H-E-L-L-O \(valid[^)]*\)", page)
    # a path with no factors of its own is its symbols' product, said once
    ab = render_html([rnnloss_cli.solve_file("problems/ctc-align-ab.yaml")], 4)
    assert "as given" not in ab


def test_factors_that_multiply_to_the_symbols_product_are_not_contrasted(tmp_path):
    """Factors 0.3, 0.7, 0.1 for A-B with P(A) = 0.7, P(B) = 0.3, P(-) = 0.1: the given
    product 0.3 x 0.7 x 0.1 = 0.021 and the symbols' 0.7 x 0.1 x 0.3 = 0.021 differ only in
    the last bit as doubles (0.021 against 0.020999999999999998); the legend said "p = 0.021
    as given; its symbols give 0.021"."""
    f = tmp_path / "f.yaml"
    f.write_text(
        'kind: ctc\ntarget: AB\nprobs: {A: 0.7, B: 0.3, "-": 0.1}\n'
        "alignments: [{path: A-B, factors: [0.3, 0.7, 0.1]}]\n"
    )
    page = render_html([rnnloss_cli.solve_file(str(f))], 3)
    assert "A-B (valid, p = 0.021)" in page, re.findall(r"A-B \(valid[^)]*\)", page)
