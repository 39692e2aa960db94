"""The paths, β, γ and emission figures: numbers and cells read back out of the SVG.

Cells are (s, t), 1-based, as the SVG writes them. By hand:
- problems/ctc-exact-listed.yaml: target AB, l' = - A - B - (s = 1..5), T = 3, every frame
  y(A) = .5, y(B) = .3, y(-) = .2. A-B visits A (2,1), - (3,2), B (4,3); AB- visits A (2,1),
  B (4,2), - (5,3). The five alignments (the file's comment) have products AAB .075,
  ABB .045, AB- .03, A-B .03, -AB .03, so the best path is AAB: (2,1), (2,2), (4,3), p = .075.
- problems/hello.yaml: l' = - H - E - L - L - O - (s = 1..11), frames 1..9 (the longest
  alignment). H-E-L-L-O is the diagonal (2,1) ... (10,9); HE-L-L-O skips from H (2,1) to
  E (4,2), then one state a frame to O (10,8); H-E-LL-O merges LL (its second L stays in
  (6,6)), the blank goes to (7,7), and its O jumps to (10,8), past the second L.
- problems/ctc-exact-ab.yaml (emissions rows t = 1..3, columns -, A, B):
  (.2, .7, .1), (.3, .3, .4), (.2, .1, .7). β_3(s) = y_3(l'_s): β_3(4) = y_3(B) = .7,
  β_3(5) = y_3(-) = .2, β_3(1..3) = 0 (the end is out of reach); β_2(4) = (β_3(4) + β_3(5))
  · y_2(B) = .9 · .4 = .36.
"""

from __future__ import annotations

import itertools
import math
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import rnnloss_cli
from rnnloss_cli.problem import parse_problem
from rnnloss_cli.render.svg import (
    INVALID_DASH,
    MAX_WIDTH,
    MIN_CELL,
    NEUTRAL,
    TRACK_COLOURS,
    UNREACHABLE,
    VIRIDIS,
    ctc_figures,
)
from rnnloss_cli.result import Window
from rnnloss_cli.solve import solve
from tests.numeric import brute_max
from tests.render.test_svg import luminance

ALL = frozenset({"beta", "posterior"})


def svgs(r, show=frozenset()) -> dict[str, ET.Element]:
    """The figures' SVG roots by the start of their title (α, lattice, β, γ, emissions)."""
    out = {}
    for fig in ctc_figures(r, show):
        root = ET.fromstring(fig).find("svg")
        title = root.find("title").text
        for key in ("forward", "lattice", "Backward", "Posterior", "Emissions"):
            if key in title:
                out[key] = root
    return out


def rects(root) -> dict[tuple, ET.Element]:
    return {
        (int(r.get("data-s")), int(r.get("data-t"))): r
        for r in root.iter("rect")
        if r.get("data-s")
    }


def tracks(root) -> list[dict]:
    """Each drawn path: its attributes and its polylines' points."""
    out = []
    for g in root.iter("g"):
        if g.get("class") != "track":
            continue
        lines = [p for p in g.iter("polyline") if p.get("class") == "path"]
        out.append(
            {
                "label": g.get("data-label"),
                "valid": g.get("data-valid") == "true",
                "best": g.get("data-best") == "true",
                "probability": g.get("data-probability"),
                "dash": {p.get("stroke-dasharray") for p in lines},
                "colour": {p.get("stroke") for p in lines},
                "points": [
                    [tuple(map(float, xy.split(","))) for xy in p.get("points").split()]
                    for p in lines
                ],
            }
        )
    return out


def assert_colours_follow(pairs) -> None:
    """(value, fill) pairs: a larger value never has a darker fill, and one more than 20%
    larger a strictly brighter fill (closer ones may round to the same 8-bit colour)."""
    pairs = sorted((v, luminance(fill)) for v, fill in pairs)
    for k, (v1, l1) in enumerate(pairs):
        for v2, l2 in pairs[k + 1 :]:
            assert l1 < l2 if v2 > 1.2 * v1 else l1 <= l2, (v1, l1, v2, l2)


def cells_of(points: list[list[tuple]], grid: dict) -> list[tuple]:
    """The cell (s, t) each point lies in (exactly one), in order, over all polylines."""
    out = []
    for line in points:
        for x, y in line:
            inside = [
                key
                for key, r in grid.items()
                if float(r.get("x")) <= x <= float(r.get("x")) + float(r.get("width"))
                and float(r.get("y")) <= y <= float(r.get("y")) + float(r.get("height"))
            ]
            assert len(inside) == 1, (x, y, inside)
            out.append(inside[0])
    return out


def test_listed_alignments_and_the_best_path_pass_through_their_cells():
    root = svgs(rnnloss_cli.solve_file("problems/ctc-exact-listed.yaml"))["forward"]
    grid = rects(root)
    got = {t["label"]: t for t in tracks(root)}
    assert cells_of(got["alignment 1: A-B"]["points"], grid) == [(2, 1), (3, 2), (4, 3)]
    assert cells_of(got["alignment 2: AB-"]["points"], grid) == [(2, 1), (4, 2), (5, 3)]
    (best,) = [t for t in got.values() if t["best"]]
    assert cells_of(best["points"], grid) == [(2, 1), (2, 2), (4, 3)]
    assert float(best["probability"]) == pytest.approx(0.075, rel=1e-12)
    # valid ones are solid; each has its own colour, none of them a heat-map colour
    assert all(t["valid"] and t["dash"] == {None} for t in got.values())
    colours = [c for t in got.values() for c in t["colour"]]
    assert len(set(colours)) == 3 and not set(colours) & set(VIRIDIS)
    desc = root.find("desc").text
    assert "alignment 1: A-B (valid" in desc and "best path (Viterbi): AAB (valid" in desc


HELLO_CELLS = {
    "alignment 1: H-E-L-L-O": [(t + 1, t) for t in range(1, 10)],
    "alignment 2: H-E-LL-O": [(2, 1), (3, 2), (4, 3), (5, 4), (6, 5), (6, 6), (7, 7), (10, 8)],
    "alignment 3: HE-L-L-O": [(2, 1), (4, 2), (5, 3), (6, 4), (7, 5), (8, 6), (9, 7), (10, 8)],
}


def test_hello_lattice_has_its_three_alignments_and_says_which_is_not_valid():
    root = svgs(rnnloss_cli.solve_file("problems/hello.yaml"))["lattice"]
    grid = rects(root)
    assert set(grid) == {(s, t) for s in range(1, 12) for t in range(1, 10)}
    assert all(r.get("fill") == NEUTRAL and r.get("data-value") is None for r in grid.values())
    got = {t["label"]: t for t in tracks(root)}
    assert set(got) == set(HELLO_CELLS)
    for label, want in HELLO_CELLS.items():
        assert cells_of(got[label]["points"], grid) == want, label
    bad = got["alignment 2: H-E-LL-O"]
    assert not bad["valid"] and bad["dash"] == {INVALID_DASH}
    assert got["alignment 1: H-E-L-L-O"]["dash"] == {None}
    assert [t["colour"] for t in got.values()] == [{c} for c in TRACK_COLOURS[:3]]
    words = " ".join(x.text or "" for x in root.iter("text"))
    assert "not valid: collapses to HELO" in words and "cells not heat-mapped" in words
    assert "alignment 2: H-E-LL-O (not valid: collapses to HELO" in root.find("desc").text


@pytest.mark.parametrize("seed", range(5))
def test_drawn_best_path_has_the_brute_force_best_probability(seed):
    rng = np.random.default_rng(100 + seed)
    n_frames = int(rng.integers(4, 7))
    target = ["AB", "ABA", "AA", "BAB", "A"][seed]
    symbols = ["-", "A", "B"]
    y = rng.dirichlet(np.ones(3), size=n_frames).tolist()
    r = rnnloss_cli.solve_problem(
        {"kind": "ctc", "method": "exact", "target": target, "symbols": symbols, "emissions": y}
    )
    root = svgs(r)["forward"]
    grid = rects(root)
    (best,) = [t for t in tracks(root) if t["best"]]
    visited = cells_of(best["points"], grid)
    assert [t for _, t in visited] == list(range(1, n_frames + 1))
    ext = ["-"] + [c for label in target for c in (label, "-")]
    product = math.prod(y[t - 1][symbols.index(ext[s - 1])] for s, t in visited)
    want = brute_max(y, symbols, target)
    assert product == pytest.approx(want, rel=1e-12)
    assert float(best["probability"]) == pytest.approx(want, rel=1e-12)


def test_posterior_columns_sum_to_one_and_colours_follow_values():
    root = svgs(rnnloss_cli.solve_file("problems/ctc-exact-ab.yaml"), ALL)["Posterior"]
    grid = rects(root)
    assert set(grid) == {(s, t) for s in range(1, 6) for t in range(1, 4)}
    value = {k: float(r.get("data-value")) for k, r in grid.items()}
    for t in (1, 2, 3):  # every alignment is in one state per frame: Σ_s γ_t(s) = 1
        assert math.fsum(value[(s, t)] for s in range(1, 6)) == pytest.approx(1.0, abs=1e-12)
    assert_colours_follow((v, grid[k].get("fill")) for k, v in value.items() if v > 0)
    assert all(grid[k].get("fill") == UNREACHABLE for k, v in value.items() if v == 0)


def test_beta_figure_by_hand_and_only_when_shown():
    r = rnnloss_cli.solve_file("problems/ctc-exact-ab.yaml")
    assert "Backward" not in svgs(r) and "Posterior" not in svgs(r)
    grid = rects(svgs(r, ALL)["Backward"])
    value = {k: float(x.get("data-value")) for k, x in grid.items()}
    assert value[(4, 3)] == pytest.approx(0.7) and value[(5, 3)] == pytest.approx(0.2)
    assert value[(4, 2)] == pytest.approx(0.36)
    assert all(value[(s, 3)] == 0 and grid[(s, 3)].get("fill") == UNREACHABLE for s in (1, 2, 3))
    assert_colours_follow((v, grid[k].get("fill")) for k, v in value.items() if v > 0)


def test_emission_matrix_has_one_cell_per_class_and_frame():
    root = svgs(rnnloss_cli.solve_file("problems/ctc-exact-ab.yaml"))["Emissions"]
    given = [[0.2, 0.7, 0.1], [0.3, 0.3, 0.4], [0.2, 0.1, 0.7]]  # the file, columns -, A, B
    got = {(r.get("data-k"), int(r.get("data-t"))): r for r in root.iter("rect") if r.get("data-k")}
    assert set(got) == {(k, t) for k in "-AB" for t in (1, 2, 3)}
    for (k, t), r in got.items():
        assert float(r.get("data-value")) == given[t - 1]["-AB".index(k)]
    # frames are columns (x grows with t), classes rows (y grows down the list)
    assert float(got[("-", 1)].get("x")) < float(got[("-", 2)].get("x"))
    assert float(got[("-", 1)].get("y")) < float(got[("A", 1)].get("y"))
    assert_colours_follow((float(r.get("data-value")), r.get("fill")) for r in got.values())
    assert "emission" in root.find("desc").text


def big(n_labels: int, n_frames: int, window: Window | None = None):
    target = ("AB" * n_labels)[:n_labels]
    y = [[0.2, 0.5, 0.3]] * n_frames
    p = parse_problem(
        {"kind": "ctc", "method": "exact", "target": target, "symbols": ["-", "A", "B"],
         "emissions": y},
        {}, "<big>",
    )  # fmt: skip
    return solve(p, window=window)


def size(root) -> tuple[float, float]:
    return float(root.get("width")), float(root.get("height"))


def test_a_sixty_row_window_fits_a_page():
    # 29 labels: l' has 59 states, all held (the table keeps 60 rows); 14 of 200 frames
    root = svgs(big(29, 200), ALL)["forward"]
    grid = rects(root)
    assert len(grid) == 59 * 14
    side = float(next(iter(grid.values())).get("height"))
    assert MIN_CELL - 2 <= side < 12
    w, h = size(root)
    assert w <= MAX_WIDTH and h <= 900, (w, h)
    xs = sorted({float(r.get("x")) for r in grid.values()})
    steps = {round(b - a, 6) for a, b in itertools.pairwise(xs)}
    assert len(steps) == 2  # the cell pitch, and one wider step: the gap at the elision
    # frame numbers: 1, the first after the gap (194) and the last (200) written, and no two
    # overlap (a digit is about 0.55 em wide in a sans-serif face)
    axes = next(g for g in root.iter("g") if g.get("class") == "axes")
    font = float(axes.get("font-size"))
    top = sorted(
        (float(t.get("x")), t.text) for t in axes.iter("text") if t.get("text-anchor") == "middle"
    )
    assert {"1", "194", "200"} <= {text for _, text in top}
    for (x1, a), (x2, b) in itertools.pairwise(top):
        assert x2 - x1 >= (len(a) + len(b)) / 2 * 0.55 * font, (a, b)


def test_the_biggest_window_is_thinned_and_bounded():
    # a window larger than any figure: 201 states by 300 frames held, the figure keeps at
    # most 60 by 80 of them (first and last), with the gaps, and stays page-sized
    r = big(100, 300, Window(500, 500))
    for name, root in svgs(r, ALL).items():
        w, h = size(root)
        assert w <= MAX_WIDTH and h <= 900, (name, w, h)
    root = svgs(r)["forward"]
    grid = rects(root)
    states = sorted({s for s, _ in grid})
    frames = sorted({t for _, t in grid})
    assert len(states) == 60 and states[:3] == [1, 2, 3] and states[-1] == 201
    assert len(frames) == 80 and frames[0] == 1 and frames[-1] == 300
    # the best path is drawn only through drawn cells, each the one its track says
    (track,) = [t for t in r.tracks if t.best]
    (best,) = [t for t in tracks(root) if t["best"]]
    want = {(s + 1, f + 1) for f, s in zip(track.frames, track.states, strict=True)}
    drawn = cells_of(best["points"], grid)
    assert drawn and set(drawn) <= want
    assert len(drawn) == len(want & set(grid))


def test_every_figure_has_a_title_and_a_desc():
    for problem in ("problems/hello.yaml", "problems/ctc-exact-listed.yaml"):
        r = rnnloss_cli.solve_file(problem)
        for root in svgs(r, ALL if r.lattice is None else frozenset()).values():
            assert root.find("title").text and len(root.find("desc").text) > 40


def test_json_carries_the_tracks_one_based():
    from rnnloss_cli.render.json import to_dict

    doc = to_dict(rnnloss_cli.solve_file("problems/hello.yaml"))
    assert [t["valid"] for t in doc["tracks"]] == [True, False, True]
    bad = doc["tracks"][1]
    assert bad["frames"] == list(range(1, 9)) and bad["length"] == 8
    assert list(zip(bad["states"], bad["frames"], strict=True)) == HELLO_CELLS[bad["label"]]
    assert bad["why"].startswith("collapses to HELO") and bad["probability"] == pytest.approx(
        0.009408
    )  # the file's comment


def test_forced_alignment_draws_its_best_path_over_the_viterbi_trellis():
    """problems/ctc-align-ab.yaml (y rows t = 1..4, columns -, A, B: (.2, .7, .1), (.5, .3, .2),
    (.3, .2, .5), (.4, .1, .5)): the best alignment is A - B B, states A (2,1), - (3,2),
    B (4,3), B (4,4), p = .7 · .5 · .5 · .5 = .0875 (the file's hand-worked key)."""
    r = rnnloss_cli.solve_file("problems/ctc-align-ab.yaml")
    figs = [ET.fromstring(f).find("svg") for f in ctc_figures(r)]
    titles = [f.find("title").text for f in figs]
    assert titles[0].startswith("Viterbi trellis δ") and titles[1].startswith("Emissions")
    root = figs[0]
    grid = rects(root)
    assert set(grid) == {(s, t) for s in range(1, 6) for t in range(1, 5)}
    (best,) = tracks(root)
    assert best["best"] and best["valid"]
    assert cells_of(best["points"], grid) == [(2, 1), (3, 2), (4, 3), (4, 4)]
    assert float(best["probability"]) == pytest.approx(0.0875, rel=1e-12)
    # the cells are coloured by δ: δ_3(4) = .7 · .5 · .5 = .175 is brighter than δ_3(3) = .105
    assert luminance(grid[(4, 3)].get("fill")) > luminance(grid[(3, 3)].get("fill"))
