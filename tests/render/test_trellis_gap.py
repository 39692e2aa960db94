"""A long input's trellis figure: its first and last frames, a break mark between them.

The numbers are read back out of the SVG (``data-s``, ``data-t``, ``data-value``, the paths'
points, the gap's ``data-after``/``data-before``) and compared with a log-space forward and
Viterbi pass written here, loop by loop (ln α_t(s) = ln y_t(l'_s) + ln Σ of the allowed
predecessors; δ the same with max, the best path read back from the end).

Before: above FULL_TRELLIS_MAX_CELLS the α table and figure held frames 1-14 only (the end
of the trellis, where the two final cells are summed, was never drawn), and a gap in a
figure was a bare 8 px space with nothing in it.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from rnnloss_cli.problem import parse_problem
from rnnloss_cli.render.svg import AXIS_GAP, CHAR_W, MARK_COLOUR, VIRIDIS, axis_font, ctc_figures
from rnnloss_cli.solve import solve
from tests.render.test_svg import luminance
from tests.render.test_trellis_paths import cells_of, rects, tracks

SYMBOLS = ["-", "A", "B", "C"]


def _log_probs(frames: int, seed: int) -> tuple[list[list[float]], np.ndarray]:
    """Seeded random logits and their log-softmax (by hand: z − max − ln Σ e^(z − max))."""
    z = np.random.default_rng(seed).normal(size=(frames, len(SYMBOLS))) * 2.0
    m = z.max(axis=1, keepdims=True)
    return z.tolist(), z - m - np.log(np.exp(z - m).sum(axis=1, keepdims=True))


def _ext(target: str) -> list[int]:
    ext = [0] * (2 * len(target) + 1)
    ext[1::2] = [SYMBOLS.index(c) for c in target]
    return ext


def _preds(ext: list[int], s: int) -> list[int]:
    """States a path may be in before state s: s, s − 1, and s − 2 into a label that differs
    from l'_{s−2}."""
    out = [s] + ([s - 1] if s >= 1 else [])
    if s >= 2 and ext[s] != 0 and ext[s] != ext[s - 2]:
        out.append(s - 2)
    return out


def _forward(lp: np.ndarray, ext: list[int], best: bool) -> np.ndarray:
    """ln α (best=False: log-sum-exp) or ln δ (best=True: max) over every frame, (T, S')."""
    n_frames, n_ext = lp.shape[0], len(ext)
    out = np.full((n_frames, n_ext), -math.inf)
    out[0, : min(2, n_ext)] = [lp[0, ext[s]] for s in range(min(2, n_ext))]
    for t in range(1, n_frames):
        for s in range(n_ext):
            terms = [out[t - 1, q] for q in _preds(ext, s)]
            top = max(terms)
            if top == -math.inf:
                continue
            total = top if best else top + math.log(sum(math.exp(x - top) for x in terms))
            out[t, s] = total + lp[t, ext[s]]
    return out


def _viterbi_states(lp: np.ndarray, ext: list[int]) -> list[int]:
    """The best path's 0-based state at every frame, read back from the better final cell."""
    delta = _forward(lp, ext, best=True)
    s = max(range(len(ext) - 2, len(ext)), key=lambda q: delta[-1, q])
    states = [s]
    for t in range(lp.shape[0] - 1, 0, -1):
        s = max(_preds(ext, s), key=lambda q: delta[t - 1, q])
        states.append(s)
    return states[::-1]


def _alpha_svg(mapping: dict) -> ET.Element:
    r = solve(parse_problem(mapping, {}, "t.yaml"))
    for fig in ctc_figures(r):
        root = ET.fromstring(fig).find("svg")
        if "forward" in root.find("title").text:
            return root
    raise AssertionError("no α figure")


def _ln_value(rect: ET.Element) -> float:
    v = rect.get("data-value")
    return float(v[2:]) if v.startswith("e^") else (math.log(float(v)) if float(v) else -math.inf)


def _gap(root: ET.Element, axis: str) -> list[ET.Element]:
    return [g for g in root.iter("g") if g.get("class") == "gap" and g.get("data-axis") == axis]


def _frame_numbers(root: ET.Element) -> dict[int, float]:
    """The frame numbers written over the grid, with their x (centre)."""
    axes = next(g for g in root.iter("g") if g.get("class") == "axes")
    return {
        int(t.text): float(t.get("x"))
        for t in axes.iter("text")
        if t.get("class") is None and (t.text or "").isdigit()
    }


def test_above_the_full_trellis_limit_the_figure_draws_the_first_and_last_frames():
    # 2,000 frames x S' = 59 (29 labels) = 118,000 cells > FULL_TRELLIS_MAX_CELLS: the
    # solver keeps columns only. One listed alignment: the 29 labels on frames 1-29, then
    # blanks; on the drawn frames it is in states 2, 4, ..., 14 (frames 1-7) and in the
    # final blank, state 59, at frames 1,994-2,000.
    n, target = 2_000, "ABC" * 9 + "AB"
    logits, lp = _log_probs(n, seed=7)
    path = target + "-" * (n - len(target))
    root = _alpha_svg(
        {"kind": "ctc", "title": "long", "target": target, "symbols": SYMBOLS,
         "logits": logits, "alignments": [path], "method": "exact"}
    )  # fmt: skip
    grid = rects(root)
    shown = [*range(1, 8), *range(n - 6, n + 1)]
    assert set(grid) == {(s, t) for s in range(1, 60) for t in shown}
    want = _forward(lp, _ext(target), best=False)
    for (s, t), rect in grid.items():
        ref, got = want[t - 1, s - 1], _ln_value(rect)
        if ref == -math.inf:
            assert got == -math.inf, (s, t)
        else:
            assert got == pytest.approx(ref, rel=1e-9), (s, t)

    # a break mark between frames 7 and 1,994, its "…" between their numbers
    (gap,) = _gap(root, "t")
    assert (gap.get("data-after"), gap.get("data-before")) == ("7", "1994")
    assert "1,986" in gap.find("title").text  # frames 8-1,993 left out
    xs = [float(v.split(",")[0]) for v in gap.find("polyline").get("points").split()]
    left_edge = float(grid[(1, 7)].get("x")) + float(grid[(1, 7)].get("width"))
    assert left_edge < min(xs) and max(xs) < float(grid[(1, n - 6)].get("x"))
    numbers = _frame_numbers(root)
    assert {1, 7, n - 6, n} <= set(numbers)
    dots = float(gap.find("text").get("x"))
    assert gap.find("text").text == "…" and numbers[7] < dots < numbers[n - 6]
    font = axis_font(float(grid[(1, 1)].get("width")))
    placed = sorted((x - len(str(k)) * CHAR_W * font / 24, k) for k, x in numbers.items())
    for (a, ka), (b, _) in zip(placed, placed[1:], strict=False):  # no two numbers overlap
        assert a + len(str(ka)) * CHAR_W * font / 12 + AXIS_GAP <= b + 0.5, (ka, a, b)

    # the path: two polylines, broken at the gap, through the cells worked out above
    (track,) = [tr for tr in tracks(root) if not tr["best"]]
    assert track["valid"] and len(track["points"]) == 2
    assert cells_of(track["points"], grid) == [
        *[(2 * t, t) for t in range(1, 8)],
        *[(59, t) for t in range(n - 6, n + 1)],
    ]
    # the best (Viterbi) path too (before: not drawn above the limit), through the cells of
    # the Viterbi pass written here, at the drawn frames
    (best,) = [tr for tr in tracks(root) if tr["best"]]
    states = _viterbi_states(lp, _ext(target))
    assert cells_of(best["points"], grid) == [(states[t - 1] + 1, t) for t in shown]
    # the two final cells, summed for p(l|x), are outlined
    marked = {k for k, r in grid.items() if r.get("data-mark") == "true"}
    assert marked == {(58, n), (59, n)}
    assert all(grid[k].get("stroke") == MARK_COLOUR for k in marked)

    # each frame on its own log scale: its largest cell brightest, its smallest non-zero one
    # darkest, and a larger value never darker (to the rounding of 8-bit colours)
    for t in shown:
        column = [(_ln_value(r), r.get("fill")) for (s, f), r in grid.items() if f == t]
        finite = sorted((v, luminance(c), c) for v, c in column if v > -math.inf)
        assert finite[-1][2] == VIRIDIS[-1] and finite[0][2] == VIRIDIS[0], t
        lums = [lum for _, lum, _ in finite]
        assert all(a <= b + 1e-3 for a, b in zip(lums, lums[1:], strict=False)), t


def test_a_full_trellis_with_a_gap_breaks_the_best_path_there():
    # 2,000 frames x S' = 11 = 22,000 cells: the whole trellis, windowed for the table. The
    # best path drawn at frames 1-7 and 1,994-2,000 is the one a Viterbi pass written here
    # reads back (random logits: no ties), in two pieces.
    n, target = 2_000, "ABCAB"
    logits, lp = _log_probs(n, seed=11)
    root = _alpha_svg(
        {"kind": "ctc", "title": "t", "target": target, "symbols": SYMBOLS, "logits": logits}
    )
    grid = rects(root)
    (best,) = [t for t in tracks(root) if t["best"]]
    states = _viterbi_states(lp, _ext(target))
    shown = [*range(1, 8), *range(n - 6, n + 1)]
    assert len(best["points"]) == 2
    assert cells_of(best["points"], grid) == [(states[t - 1] + 1, t) for t in shown]
    (gap,) = _gap(root, "t")
    assert (gap.get("data-after"), gap.get("data-before")) == ("7", "1994")
