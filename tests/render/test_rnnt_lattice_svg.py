"""The RNN-T lattice drawn on the HTML page (:mod:`render.lattice_svg`): its nodes, moves and
numbers read back out of the SVG and compared with the Result's tables (not the engine), the
handout arithmetic of problems/rnnt-ab-two-frames.yaml, and its size on a long input."""

from __future__ import annotations

import re
import time
import unicodedata
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from typer.testing import CliRunner

import rnnloss_cli
from rnnloss_cli.cli import app
from rnnloss_cli.problem import parse_problem
from rnnloss_cli.render.html import render_html
from rnnloss_cli.render.svg import text_width
from rnnloss_cli.solve import solve

AB = "problems/rnnt-ab-two-frames.yaml"
LATTICE = re.compile(r'<svg role="img" class="lattice".*?</svg>', re.S)
FIGURE = re.compile(r'<figure class="trellis lattice">.*?</figure>', re.S)


def _svg(page: str) -> ET.Element:
    found = LATTICE.findall(page)
    assert len(found) == 1, f"{len(found)} lattice drawings"
    return ET.fromstring(found[0])  # well-formed XML, or this raises


def _num(text: str) -> float:
    return float(text.replace("\u2212", "-"))


def _table(r, prefix):
    return next(t for t in r.tables if t.title.startswith(prefix))


def _groups(svg: ET.Element, cls: str) -> list[ET.Element]:
    return [g for g in svg.iter("g") if g.get("class", "").split() == cls.split()]


def _text(g: ET.Element) -> str | None:
    t = g.find("text")
    return None if t is None else "".join(t.itertext())


@pytest.fixture(scope="module")
def ab():
    r = rnnloss_cli.solve_file(AB)
    return r, render_html([r])


#: α(t, u) of rnnt-ab-two-frames, worked by hand in the problem file's comments:
#: α(0,0) = 1, α(0,1) = .6 (a at (0,0)), α(0,2) = .6 × .6 = .36,
#: α(1,0) = .2 (blank at (0,0)), α(1,1) = .6 × .3 + .2 × .8 = .34,
#: α(1,2) = .36 × .5 + .34 × .5 = .35.
HANDOUT_ALPHA = {(0, 0): 1.0, (0, 1): 0.6, (0, 2): 0.36, (1, 0): 0.2, (1, 1): 0.34, (1, 2): 0.35}


def test_every_node_shows_its_alpha_cell(ab):
    """T × (U+1) = 2 × 3 = 6 nodes, each with α(t, u) as the α table holds it and as the
    handout works it out."""
    r, page = ab
    svg = _svg(page)
    alpha = _table(r, "forward lattice α(t, u)")
    nodes = _groups(svg, "node")
    assert len(nodes) == 2 * 3
    for g in nodes:
        t, u = int(g.get("data-t")), int(g.get("data-u"))
        cell = alpha.rows[t][1 + u]
        assert float(g.get("data-value")) == cell
        assert _num(_text(g)) == pytest.approx(cell, abs=5e-4)
        assert _num(_text(g)) == pytest.approx(HANDOUT_ALPHA[(t, u)], abs=5e-4)
    # the last node (T−1, U) = (1, 2) is outlined, as its α cell is highlighted
    marked = [g for g in nodes if g.find("rect").get("data-mark") == "true"]
    assert [(g.get("data-t"), g.get("data-u")) for g in marked] == [("1", "2")]


def test_every_move_is_drawn_with_the_given_tables_numbers(ab):
    """Blank moves: T−1 = 1 per row, (T−1)(U+1) = 1 × 3 = 3, plus the final blank out of
    (1, 2); label moves: U = 2 per frame, T·U = 2 × 2 = 4. Each is labelled with the given
    table's cell for its node (the label move with its label too)."""
    r, page = ab
    svg = _svg(page)
    given = _table(r, "given: the moves out of each node")
    rows = {(row[0], row[1]): row for row in given.rows}
    blank, label, final = (_groups(svg, f"move {k}") for k in ("blank", "label", "final"))
    assert (len(blank), len(label), len(final)) == (3, 4, 1)
    for g in [*blank, *final]:
        row = rows[(int(g.get("data-t")), int(g.get("data-u")))]
        assert _num(_text(g)) == pytest.approx(row[3], abs=5e-4)
    assert (final[0].get("data-t"), final[0].get("data-u")) == ("1", "2")
    for g in label:
        row = rows[(int(g.get("data-t")), int(g.get("data-u")))]
        sym, prob = _text(g).split(" ")
        assert (sym, g.get("data-label")) == (row[4], row[4])
        assert _num(prob) == pytest.approx(row[5], abs=5e-4)
    # the handout's path "- a b -": blank .2 at (0,0), a .8 at (1,0), b .5 at (1,1), end .7
    by_node = {(g.get("data-t"), g.get("data-u"), g.get("class")): _text(g)
               for g in [*blank, *label, *final]}  # fmt: skip
    assert by_node[("0", "0", "move blank")] == "0.2"
    assert by_node[("1", "0", "move label")] == "a 0.8"
    assert by_node[("1", "1", "move label")] == "b 0.5"
    assert by_node[("1", "2", "move final")] == "0.7"


def test_rows_are_named_by_the_emitted_prefix_and_u_runs_upward(ab):
    """Rows ε, a, ab (the given table's "emitted" cells), u = 0 at the bottom (Graves' fig. 1)."""
    _, page = ab
    svg = _svg(page)
    labels = [(float(t.get("y")), "".join(t.itertext())) for t in svg.iter("text")
              if t.get("class") == "row-label"]  # fmt: skip
    assert [name for _, name in sorted(labels, reverse=True)] == ["ε", "a", "ab"]


def test_caption_gives_p_as_the_final_product(ab):
    """p(y|x) = α(T−1, U) · y(T−1, U, ∅) = .35 × .7 = .245 (the handout's sum of its three
    paths, .126 + .063 + .056), with U+2212-free plain numbers here."""
    _, page = ab
    fig = FIGURE.search(page)[0]
    cap = re.search(r"<figcaption>(.*?)</figcaption>", fig, re.S)[1]
    assert "p(y|x) = α(T−1, U) · y(T−1, U, ∅) = 0.35 × 0.7 = 0.245." in cap
    assert "Drawn:" not in cap and "no number" not in cap  # nothing left out


def test_every_text_lies_inside_the_viewbox(ab):
    """Each <text>'s approximate box (its advance by :func:`render.svg.text_width`, its
    anchor, a 12 px line) lies inside the viewBox (Chromium measures it for real in
    test_browser_rnnt_lattice.py)."""
    _, page = ab
    svg = _svg(page)
    _, _, width, height = map(float, svg.get("viewBox").split())
    for t in svg.iter("text"):
        words = "".join(t.itertext())
        size = float(t.get("font-size") or 12)
        w = text_width(words, size)
        x, y = float(t.get("x")), float(t.get("y"))
        x0 = {"middle": x - w / 2, "end": x - w}.get(t.get("text-anchor"), x)
        assert 0 <= x0 and x0 + w <= width and y - size >= 0 and y + 4 <= height, words


def test_other_kinds_draw_no_lattice():
    page = render_html([rnnloss_cli.solve_file("problems/ctc-exact-ab.yaml")])
    assert 'class="lattice"' not in page and 'class="trellis"' in page


def _big(n_frames: int, n_labels: int) -> dict:
    """An RNN-T problem of random logits (seeded), target of n_labels over 20 symbols."""
    rng = np.random.default_rng(7)
    symbols = ["-", *"abcdefghijklmnopqrst"]
    return {
        "kind": "rnnt",
        "title": f"{n_frames} frames, {n_labels} labels",
        "symbols": symbols,
        "blank": "-",
        "target": [symbols[1 + k % 20] for k in range(n_labels)],
        "logits": rng.normal(size=(n_frames, n_labels + 1, 21)).round(3).tolist(),
    }


def test_a_long_lattice_draws_a_bounded_window_with_gap_marks():
    """T = 200, U = 50 (10,200 nodes): the SVG is bounded (< 300 kB, drawn in seconds), keeps
    the first and last frames (t = 0 and 199) and rows (u = 0 and 50) with a break mark on
    each axis, and its caption says what is drawn and which moves have no number."""
    start = time.perf_counter()
    r = solve(parse_problem(_big(200, 50), {}, "<test>"))
    page = render_html([r])
    seconds = time.perf_counter() - start
    drawing = LATTICE.search(page)[0]
    assert len(drawing.encode()) < 300_000 and seconds < 30, (len(drawing), seconds)
    svg = ET.fromstring(drawing)
    nodes = _groups(svg, "node")
    ts = sorted({int(g.get("data-t")) for g in nodes})
    us = sorted({int(g.get("data-u")) for g in nodes})
    assert len(nodes) == len(ts) * len(us) <= 12 * 8
    assert (ts[0], ts[-1], us[0], us[-1]) == (0, 199, 0, 50)
    gaps = {(g.get("data-axis"), g.get("data-after"), g.get("data-before"))
            for g in _groups(svg, "gap")}  # fmt: skip
    after_t = max(t for t in ts if t < 100)
    after_u = max(u for u in us if u < 25)
    assert gaps == {("t", str(after_t), str(min(t for t in ts if t > 100))),
                    ("u", str(after_u), str(min(u for u in us if u > 25)))}  # fmt: skip
    # every node's number is the α table's cell (the table holds frames 0–29, 170–199)
    alpha = _table(r, "forward lattice α(t, u)")
    cols = {alpha.column_index(1 + j) - 1: 1 + j for j in range(len(alpha.columns) - 1)}
    rows = {alpha.row_index(i): i for i in range(len(alpha.rows))}
    for g in nodes:
        cell = alpha.rows[rows[int(g.get("data-t"))]][cols[int(g.get("data-u"))]]
        assert g.get("data-value") == (repr(float(cell)) if isinstance(cell, float) else
                                       f"e^{cell.ln!r}")  # fmt: skip
    cap = re.search(r"<figcaption>(.*?)</figcaption>", FIGURE.search(page)[0], re.S)[1]
    assert f"Drawn: frames t = 0–{after_t} and" in cap and "of 200 and rows u = 0–3" in cap
    assert "have no number" in cap


def test_an_empty_target_draws_one_row_of_blank_moves():
    """U = 0: one row u = 0 (ε), T − 1 = 2 blank moves and the final one, no label move."""
    m = {"kind": "rnnt", "title": "empty", "symbols": ["-", "a"], "blank": "-", "target": [],
         "probs": [[[0.5, 0.5]], [[0.25, 0.75]], [[0.5, 0.5]]]}  # fmt: skip
    svg = _svg(render_html([solve(parse_problem(m, {}, "<test>"))]))
    assert len(_groups(svg, "node")) == 3
    counts = [len(_groups(svg, f"move {k}")) for k in ("blank", "label", "final")]
    assert counts == [2, 0, 1]


def test_the_notebook_and_the_solution_sheet_carry_the_lattice(tmp_path):
    """A notebook's ``_repr_html_`` (no scroll hint: it may have no CSS) and an HTML
    solution sheet draw it, as they draw the CTC trellis."""
    nb = rnnloss_cli.solve_file(AB)._repr_html_()
    assert 'class="lattice"' in nb and '<p class="scroll-hint"' not in nb
    out = tmp_path / "sol.html"
    res = CliRunner().invoke(app, ["sheet", AB, "--solutions", "-o", str(out)])
    assert res.exit_code == 0, res.output
    sheet = out.read_text(encoding="utf-8")
    _svg(sheet)
    questions = tmp_path / "q.html"
    res = CliRunner().invoke(app, ["sheet", AB, "-o", str(questions)])
    assert res.exit_code == 0 and 'class="lattice"' not in questions.read_text(encoding="utf-8")


def _long_label(name: str) -> dict:
    return {"kind": "rnnt", "title": "a long label", "symbols": ["-", "a", name],
            "blank": "-", "target": ["a", name],
            "probs": [[[0.2, 0.6, 0.2], [0.3, 0.1, 0.6], [0.5, 0.25, 0.25]],
                      [[0.1, 0.8, 0.1], [0.4, 0.1, 0.5], [0.7, 0.15, 0.15]]]}  # fmt: skip


@pytest.mark.parametrize("name", ["a_rather_long_label_name", "q" * 3000])
def test_a_long_label_stays_inside_a_bounded_drawing(name):
    """A label move's text (its symbol and y) lies inside the drawing in the last frame too,
    the symbol cut with "…" as a row label is (before: the last frame's "a_rather_long_…
    0.6" ran past the right edge, cut off; a 3,000-letter symbol made the drawing 18,494 px
    wide, its text still cut), its whole name in the move's <title>."""
    page = render_html([solve(parse_problem(_long_label(name), {}, "<test>"))])
    svg = _svg(page)
    _, _, width, height = map(float, svg.get("viewBox").split())
    assert width <= 980, width
    for t in svg.iter("text"):
        words = (t.text or "") + "".join(  # what is drawn: not a <title> tooltip
            "".join(c.itertext()) + (c.tail or "") for c in t if c.tag != "title"
        )
        size = float(t.get("font-size") or svg.find("g[@class='moves']").get("font-size"))
        w = text_width(words, size)
        x = float(t.get("x"))
        x0 = {"middle": x - w / 2, "end": x - w}.get(t.get("text-anchor"), x)
        assert 0 <= x0 and x0 + w <= width, (words[:40], x0, x0 + w, width)
    moves = _groups(svg, "move label")
    assert any(name in g.find("title").text for g in moves if g.get("data-u") == "1")


def test_a_cut_row_label_never_starts_on_a_combining_mark():
    """Labels of a letter and two accents (a + U+0301 + U+0302, 4 characters a symbol with
    its space): the emitted prefix cut to its last 13 characters began with an accent, drawn
    on the "…" (13 = 3 × 4 + 1)."""
    sym = "a\u0301\u0302"
    m = {"kind": "rnnt", "title": "accents", "symbols": ["-", sym], "blank": "-",
         "target": [sym] * 6, "logits": np.zeros((2, 7, 2)).tolist()}  # fmt: skip
    svg = _svg(render_html([solve(parse_problem(m, {}, "<test>"))]))
    labels = [  # drawn text: after the whole prefix's <title> where it is cut
        (t.text or "") + "".join(c.tail or "" for c in t)
        for t in svg.iter("text")
        if t.get("class") == "row-label"
    ]
    cut = [s for s in labels if s.startswith("…")]
    assert cut, labels
    assert not any(unicodedata.combining(s[1]) for s in cut), [ascii(s[:3]) for s in cut]


def test_a_cut_label_keeps_a_letter_with_its_accents_or_leaves_it_out():
    """A label move's symbol cut to 13 characters and "…": with "m" + U+0301 at characters
    13–14 the cut kept the m and dropped its accent, a different letter; now it leaves the
    m out (its whole name is in the move's <title>)."""
    sym = "abcdefghijklm\u0301nop"
    m = {"kind": "rnnt", "title": "accent at the cut", "symbols": ["-", sym], "blank": "-",
         "target": [sym], "logits": np.zeros((2, 2, 2)).tolist()}  # fmt: skip
    svg = _svg(render_html([solve(parse_problem(m, {}, "<test>"))]))
    shown = {s.text for s in svg.iter("tspan") if s.get("class") == "symbol"}
    assert shown == {"abcdefghijkl…"}, shown


def test_a_long_label_before_a_break_clears_its_zigzag():
    """T = 40 frames of labels named with 13 letters: the drawing breaks between frames,
    and the words of a label move in the frame before the break ("abcdefghijklm 0.123",
    about 120 px) end left of the break's zigzag (before: they ran 10 px across it, as the
    break sat half a gap past the frame's step, which the label's words fill)."""
    rng = np.random.default_rng(5)
    names = ["abcdefghijklm", "nopqrstuvwxyz"]
    m = {"kind": "rnnt", "title": "long names", "symbols": ["-", *names], "blank": "-",
         "target": [names[k % 2] for k in range(3)],
         "logits": rng.normal(size=(40, 4, 3)).round(3).tolist()}  # fmt: skip
    svg = _svg(render_html([solve(parse_problem(m, {}, "<test>"))]))
    (gap,) = [g for g in _groups(svg, "gap") if g.get("data-axis") == "t"]
    zig = min(float(p.split(",")[0]) for p in gap.find("polyline").get("points").split())
    before = int(gap.get("data-after"))
    ends = []
    for g in _groups(svg, "move label"):
        t = g.find("text")
        if int(g.get("data-t")) == before and t is not None:
            ends.append(float(t.get("x")) + text_width("".join(t.itertext()), 11))
    assert ends and max(ends) <= zig - 2, (max(ends), zig)
