"""Solvers of the beyond-the-handout kinds: hand-worked tables, brute force, windowing.

Expected values come from the arithmetic written in the problem files' comments (repeated
here where used) or from brute-force enumeration of every path / labelling; none is pasted
from the solver's own output.
"""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np
import pytest

from rnnloss_cli.problem import load_problem, parse_problem
from rnnloss_cli.render.text import step_text
from rnnloss_cli.result import LogNumber, Window
from rnnloss_cli.solve import solve

PROBLEMS = Path(__file__).resolve().parents[2] / "problems"


def _solve(data: dict, window: Window | None = None):
    return solve(parse_problem(data, {}, "t.yaml"), window=window)


def _table(result, start: str):
    return next(t for t in result.tables if t.title.startswith(start))


def _value(cell) -> float:
    return math.exp(cell.ln) if isinstance(cell, LogNumber) else float(cell)


# ------------------------------------------------------------------------------ ctc_align
def test_align_problem_viterbi_table_backpointers_and_spans_by_hand():
    r = solve(load_problem(str(PROBLEMS / "ctc-align-ab.yaml")))
    delta = _table(r, "Viterbi table")
    # Hand (file comments): columns t=1..4 of delta_t(s), states - A - B -
    hand = [
        [0.2, 0.1, 0.03, None],
        [0.7, 0.21, 0.042, None],
        [0.0, 0.35, 0.105, None],
        [0.0, 0.14, 0.175, 0.0875],
        [0.0, 0.0, 0.042, 0.07],
    ]
    for row, want in zip(delta.rows, hand, strict=True):
        for cell, w in zip(row[2:], want, strict=True):
            if w is not None:
                assert _value(cell) == pytest.approx(w, abs=1e-12)
    # The best path A - B B visits states 2 3 4 4 (1-based): highlighted cells
    highlighted = sorted((i, j - 2) for (i, j), s in delta.styles.items() if s == "highlight")
    assert highlighted == [(1, 0), (2, 1), (3, 2), (3, 3)]
    back = _table(r, "back-pointers")
    # into t2 s3 from s2 (s-1), t2 s4 from s2 (s-2), t3 s4 from s3 (s-1), t4 s4 stay
    assert back.rows[2][3] == "s−1" and back.rows[3][3] == "s−2"
    assert back.rows[3][4] == "s−1" and back.rows[3][5] == "stay"
    spans = _table(r, "token spans")
    # A frame 1 (mean .7); B frames 3-4 (mean (.5 + .5) / 2)
    assert spans.rows == [["A", 1, 1, 1, pytest.approx(0.7)], ["B", 3, 4, 2, pytest.approx(0.5)]]
    # best .0875, total .4888, gap ln(.4888 / .0875)
    assert r.figures["best"] == pytest.approx(0.0875, abs=1e-12)
    assert r.figures["total"] == pytest.approx(0.4888, abs=1e-12)
    assert r.figures["gap"] == pytest.approx(math.log(0.4888 / 0.0875), abs=1e-12)
    assert r.loss == pytest.approx(-math.log(0.4888), abs=1e-12)
    assert all(c.ok for c in r.checks)
    assert any(c.figure == "path" and c.got == "A-BB" for c in r.checks)


def _collapse(path, blank):
    out = []
    for i, k in enumerate(path):
        if k != blank and (i == 0 or k != path[i - 1]):
            out.append(k)
    return tuple(out)


def _brute(probs: np.ndarray, blank: int = 0) -> dict[tuple, tuple[float, float]]:
    """labelling -> (sum over its paths, best path) by enumerating all C^T paths."""
    n_frames, n_sym = probs.shape
    out: dict[tuple, tuple[float, float]] = {}
    for path in itertools.product(range(n_sym), repeat=n_frames):
        p = float(np.prod(probs[np.arange(n_frames), path]))
        lab = _collapse(path, blank)
        total, best = out.get(lab, (0.0, 0.0))
        out[lab] = (total + p, max(best, p))
    return out


@pytest.mark.parametrize("seed", range(6))
def test_align_best_and_total_match_brute_force(seed):
    rng = np.random.default_rng(seed)
    probs = rng.dirichlet(np.ones(3), size=5)
    target = ["A", "B"] if seed % 2 else ["A", "A"]
    r = _solve(
        {
            "kind": "ctc_align",
            "symbols": ["-", "A", "B"],
            "target": target,
            "emissions": probs.tolist(),
        }
    )
    total, best = _brute(probs)[tuple(1 + "AB".index(s) for s in target)]
    assert r.figures["total"] == pytest.approx(total, rel=1e-9)
    assert r.figures["best"] == pytest.approx(best, rel=1e-9)


def test_align_infeasible_says_why_and_what_zero_infinity_hides():
    # AA needs 3 frames (A - A); 2 are given
    r = _solve(
        {
            "kind": "ctc_align",
            "symbols": ["-", "A"],
            "target": "AA",
            "emissions": [[0.5, 0.5], [0.5, 0.5]],
        }
    )
    assert math.isinf(r.loss)
    assert any("2 + 1 = 3" in w for w in r.warnings)
    assert any("zero_infinity" in n for n in r.notes)
    assert any("T = 2 < S + repeats = 2 + 1 = 3" in s.text for s in r.steps)


def test_align_long_input_is_windowed():
    probs = np.full((3000, 3), 1 / 3)
    r = _solve(
        {
            "kind": "ctc_align",
            "symbols": ["-", "A", "B"],
            "target": "AB" * 20,
            "emissions": probs.tolist(),
        },
        Window(10, 8),
    )
    delta = _table(r, "Viterbi table")
    assert len(delta.rows) <= 10 and len(delta.columns) <= 8
    assert delta.shape == (81, 3002)
    # 3000 frames of 1/3: p(best) = 3^-3000 underflows a double and is held as its log
    step = next(s for s in r.steps if s.label == "p(π*)")
    assert step.values["value"].ln == pytest.approx(-3000 * math.log(3))


# ------------------------------------------------------------------------------ ctc_decode
def test_decode_problem_beam_per_frame_by_hand():
    r = solve(load_problem(str(PROBLEMS / "ctc-decode-beam-vs-greedy.yaml")))
    beam = _table(r, "the beam after every frame")
    rows = [[row[0], row[1], row[2], *map(_value, row[3:6])] for row in beam.rows]
    # Hand (file comments): t=1: "" p_b .5 | a p_nb .4; t=2: a p_b .2 p_nb .36 (.56), "" .25
    want = [
        [1, 1, "ε", 0.5, 0.0, 0.5],
        [1, 2, "a", 0.0, 0.4, 0.4],
        [2, 1, "a", 0.2, 0.36, 0.56],
        [2, 2, "ε", 0.25, 0.0, 0.25],
    ]
    for got, w in zip(rows, want, strict=True):
        assert got[:3] == w[:3]
        assert got[3:] == pytest.approx(w[3:], abs=1e-12)
    assert r.figures["greedy_prob"] == pytest.approx(0.25)
    assert r.figures["beam_prob"] == pytest.approx(0.56)
    texts = {c.figure: (c.expected, c.got) for c in r.checks}
    assert texts["greedy"] == ("ε", "ε") and texts["beam"] == ("a", "a")
    assert any("more probable" in s.text for s in r.steps)


@pytest.mark.parametrize("seed", range(6))
def test_decode_wide_beam_finds_the_most_probable_labelling(seed):
    rng = np.random.default_rng(100 + seed)
    probs = rng.dirichlet(np.ones(3) * 0.7, size=4)
    r = _solve(
        {"kind": "ctc_decode", "symbols": ["-", "a", "b"], "emissions": probs.tolist(), "beam": 81}
    )
    table = _brute(probs)
    best = max(table.values(), key=lambda v: v[0])[0]
    assert r.figures["beam_prob"] == pytest.approx(best, rel=1e-9)
    greedy = _collapse(tuple(np.argmax(probs, axis=1)), 0)
    assert r.figures["greedy_prob"] == pytest.approx(table[greedy][0], rel=1e-9)
    assert any("nothing was pruned" in n for n in r.notes)


@pytest.mark.parametrize("name", ["ctc-decode-lexicon.yaml", "ctc-decode-lm.yaml"])
def test_decode_lexicon_and_lm_problems_by_hand(name):
    # Hand (file comments): greedy ac (p .36); the lexicon {ab, b} or the unigram LM
    # (ln P(c) = -2) makes the beam answer ab, p(ab|x) = .8 x .35 = .28.
    r = solve(load_problem(str(PROBLEMS / name)))
    assert r.figures["beam_prob"] == pytest.approx(0.28, abs=1e-12)
    assert r.figures["greedy_prob"] == pytest.approx(0.36, abs=1e-12)
    assert r.loss == pytest.approx(-math.log(0.28), abs=1e-12)
    assert all(c.ok for c in r.checks)
    assert any("network alone" in s.text for s in r.steps)


def test_decode_lm_beam_table_scores_by_hand():
    r = solve(load_problem(str(PROBLEMS / "ctc-decode-lm.yaml")))
    beam = _table(r, "the beam after every frame")
    assert beam.columns[6:8] == ["ln P_LM(l)", "score"]
    # t=2, rank 1: ab, ln P_LM = -0.3 - 0.4, score ln .28 - .7 = -1.972966 (file comments)
    row = beam.rows[3]
    assert row[2] == "ab" and row[6] == pytest.approx(-0.7)
    assert row[7] == pytest.approx(math.log(0.28) - 0.7, abs=1e-12)


def _lm_score(labels, unigram):
    return sum(unigram.get(k, -10.0) for k in labels)


@pytest.mark.parametrize("seed", range(6))
def test_decode_wide_beam_with_lexicon_and_lm_maximises_the_fused_score(seed):
    # Brute force: with a beam wide enough never to prune, the answer is the labelling l
    # allowed by the lexicon (or empty) that maximises ln p(l|x) + λ ln P_LM(l).
    rng = np.random.default_rng(200 + seed)
    probs = rng.dirichlet(np.ones(3) * 0.7, size=4)
    unigram = {1: float(-rng.uniform(0.1, 3)), 2: float(-rng.uniform(0.1, 3))}
    words = [(1, 2), (2,), (1, 1)]
    weight = 0.5
    r = _solve(
        {
            "kind": "ctc_decode",
            "symbols": ["-", "a", "b"],
            "emissions": probs.tolist(),
            "beam": 81,
            "lexicon": ["ab", "b", ["a", "a"]],
            "lm": {"a": unigram[1], "b": unigram[2]},
            "lm_weight": weight,
        }
    )
    table = _brute(probs)
    allowed = {lab: v for lab, v in table.items() if lab in words or lab == ()}
    best = max(
        allowed, key=lambda lab: math.log(allowed[lab][0]) + weight * _lm_score(lab, unigram)
    )
    assert r.figures["beam_prob"] == pytest.approx(allowed[best][0], rel=1e-9)
    expected = "".join("-ab"[k] for k in best) or "ε"
    assert any(f"l* = {expected}," in step_text(s, 3) for s in r.steps)


# ------------------------------------------------------------------------------ rnnt
def test_rnnt_problem_alpha_lattice_by_hand():
    r = solve(load_problem(str(PROBLEMS / "rnnt-ab-two-frames.yaml")))
    alpha = _table(r, "forward lattice")
    # alpha(0, .) = 1, .6, .36; alpha(1, .) = .2, .34, .35 (file comments)
    got = [[_value(c) for c in row[1:]] for row in alpha.rows]
    assert got == [pytest.approx([1, 0.6, 0.36]), pytest.approx([0.2, 0.34, 0.35])]
    assert r.figures["probability"] == pytest.approx(0.245, abs=1e-12)
    assert r.loss == pytest.approx(-math.log(0.245), abs=1e-12)
    assert any("no collapse" in n for n in r.notes)


def _rnnt_brute(probs: np.ndarray, target: list[int], blank: int) -> float:
    """Sum over every lattice path: orders of T-1 blanks and U labels, then the final blank."""
    n_frames, n_nodes, _ = probs.shape
    total = 0.0
    for labels_at in itertools.combinations(range(n_frames - 1 + len(target)), len(target)):
        t = u = 0
        p = 1.0
        for move in range(n_frames - 1 + len(target)):
            if move in labels_at:
                p *= probs[t, u, target[u]]
                u += 1
            else:
                p *= probs[t, u, blank]
                t += 1
        total += p * probs[t, u, blank]
    return total


@pytest.mark.parametrize("seed", range(5))
def test_rnnt_probability_matches_path_enumeration(seed):
    rng = np.random.default_rng(200 + seed)
    logits = rng.normal(size=(3, 3, 3))
    r = _solve(
        {"kind": "rnnt", "symbols": ["-", "a", "b"], "target": "ba", "logits": logits.tolist()}
    )
    probs = np.exp(logits) / np.exp(logits).sum(axis=-1, keepdims=True)
    assert r.figures["probability"] == pytest.approx(_rnnt_brute(probs, [2, 1], 0), rel=1e-9)


# ------------------------------------------------------------------------------ bptt
def test_bptt_problem_forward_backward_and_reach_by_hand():
    r = solve(load_problem(str(PROBLEMS / "bptt-two-steps.yaml")))
    fwd = _table(r, "forward pass")
    i_h = fwd.columns.index("h")
    i_l = fwd.columns.index("L_t")
    # h1 = tanh(.5) = .462117, h2 = tanh(.462117) = .431808; L1 .213552, L2 .186458
    assert [row[i_h] for row in fwd.rows] == pytest.approx([0.462117, 0.431808], abs=1e-6)
    assert [row[i_l] for row in fwd.rows] == pytest.approx([0.213552, 0.186458], abs=1e-6)
    back = _table(r, "backward pass")
    i_d = back.columns.index("δ")
    # delta2 = .702588, delta1 = 1.279411 (the backward table lists t = 2 first)
    assert [row[i_d] for row in back.rows] == pytest.approx([0.702588, 1.279411], abs=1e-6)
    reach = _table(r, "how far back")
    # the last loss reaches step 2 with .702588 and step 1 with .552549 (ratio .786)
    assert [row[3] for row in reach.rows] == pytest.approx([0.702588, 0.552549], abs=1e-6)
    assert reach.rows[1][reach.columns.index("ratio")] == pytest.approx(0.786448, abs=1e-6)
    assert len([c for c in r.checks if c.figure.startswith("grads.")]) == 6
    assert all(c.ok for c in r.checks)


#: problems/bptt-two-steps.yaml's network as a mapping (W_xh .5, W_hh = W_hy = 1, x = (1, 0))
BPTT_SQUARED = {
    "kind": "bptt",
    "loss": "squared_error",
    "x": [[1.0], [0.0]],
    "targets": [[0.0], [0.0]],
    "W_xh": [[0.5]],
    "W_hh": [[1.0]],
    "W_hy": [[1.0]],
}


def test_bptt_gradient_keys_are_checked_element_by_element():
    # W_hh's hand value is .324678; a key of .3 is wrong
    data = {**BPTT_SQUARED, "answer": {"grads": {"W_hh": [[0.3]], "b_y": [1.787851]}}}
    r = _solve(data)
    verdicts = {c.figure: c.ok for c in r.checks}
    assert verdicts == {"grads.W_hh[0][0]": False, "grads.b_y[0]": True}
    assert not r.ok


@pytest.mark.filterwarnings("error")
def test_rnnt_with_every_label_move_of_probability_zero_is_infinite_with_reason():
    # one frame, target A: the only path takes the label move A out of (0, 0), whose
    # probability is softmax(1e308, −1e308)[1] = e^−2e308 = 0 in float64: p(y|x) = 0
    r = _solve(
        {
            "kind": "rnnt",
            "target": "A",
            "symbols": ["-", "A"],
            "logits": [[[1e308, -1e308], [1e308, -1e308]]],
        }
    )
    assert r.loss == math.inf
    assert any("p(y|x) = 0" in w for w in r.warnings), r.warnings
