"""Every size is bounded: long CTC, infeasible targets, underflow, ctc paths, long sequences.

Closed forms used below (worked by hand):
- Alignments of "AB" (two distinct labels) over T frames: blanks^a A^b blanks^c B^d blanks^e
  with b, d >= 1 and a + b + c + d + e = T, i.e. C(T - 2 + 4, 4) = C(T + 2, 4) of them
  (T = 3: C(5, 4) = 5, the five paths of problems/ctc-exact-ab.yaml).
- With every symbol at probability 1/3 in every frame, each path has probability 3^-T, so
  p(AB|x) = C(T + 2, 4) * 3^-T and loss = T ln 3 - ln C(T + 2, 4).
- α_T(S') (ending in the final blank) = p(AB | first T - 1 frames) * 1/3 = C(T + 1, 4) * 3^-T.
"""

from __future__ import annotations

import json
import math
import re

import pytest

from rnnloss_cli.engine.alignments import ctc_path_count
from rnnloss_cli.errors import ProblemError
from rnnloss_cli.problem import parse_problem
from rnnloss_cli.render.json import render_json
from rnnloss_cli.render.markdown import render_markdown
from rnnloss_cli.render.text import step_text
from rnnloss_cli.solve import solve
from rnnloss_cli.solve.ctc_tools import paths_result

THIRD = 1 / 3


def _table(r, title_start: str):
    """The table whose title starts so (the givens tables come before the trellises)."""
    return next(t for t in r.tables if t.title.startswith(title_start))


def _ctc(frames: int, target: str = "AB", probs: dict | None = None):
    data = {
        "kind": "ctc",
        "title": "long",
        "target": target,
        "probs": probs or {"-": THIRD, "A": THIRD, "B": THIRD},
        "frames": frames,
    }
    return parse_problem(data, {}, "t.yaml")


def _uniform_loss(frames: int) -> float:
    return frames * math.log(3) - math.log(math.comb(frames + 2, 4))


def _sci(ln: float) -> tuple[float, int]:
    """(mantissa, base-10 exponent) of e^ln, from the log."""
    e10 = ln / math.log(10)
    return 10 ** (e10 - math.floor(e10)), math.floor(e10)


# ------------------------------------------------------------------ ctc paths
def test_path_count_stops_early_at_a_lower_bound() -> None:
    # C(T + 2, 4) first exceeds 10,000 at T = 22: C(23, 4) = 8855, C(24, 4) = 10626.
    assert ctc_path_count("AB", 10**18, stop_above=10_000) == 10_626
    assert ctc_path_count("AB", 10, stop_above=10_000) == math.comb(12, 4)  # exact below it
    assert ctc_path_count("AB", 1) == 0  # infeasible: 0 without counting
    assert ctc_path_count("", 10**18) == 1  # only the all-blank path


def test_ctc_paths_with_huge_frames_is_refused_naming_the_limit() -> None:
    # AB over 1000 frames: C(1002, 4) > 10^10 alignments
    with pytest.raises(ProblemError, match="more than 10,000 alignments.*MAX_LISTED_PATHS"):
        paths_result("AB", 1000, None, "-", max_paths=10_000)
    # 10^18 frames: not one alignment (a line of T symbols) could be listed
    with pytest.raises(ProblemError, match="MAX_LISTED_SYMBOLS.*got a 19-digit number"):
        paths_result("AB", 10**18, None, "-", max_paths=10_000)


def test_ctc_paths_window_and_sum() -> None:
    # AB over 12 frames: C(14, 4) = 1001 alignments, each 3^-12 with uniform probabilities.
    r = paths_result("AB", 12, {"-": THIRD, "A": THIRD, "B": THIRD}, "-", max_paths=10_000)
    assert r.figures["alignments"] == 1001
    table = r.tables[0]
    assert len(table.rows) == 60 and table.shape[0] == 1001
    assert r.loss == pytest.approx(12 * math.log(3) - math.log(1001), rel=1e-12)
    assert "(986 more)" in step_text(r.steps[1], 3)  # 1001 - 13 - 2 left out of the sum


# ------------------------------------------------------------------ exact CTC sizes
def test_frames_1e9_is_refused_by_the_array_limit() -> None:
    # 10^9 frames x 3 symbols x 8 bytes = 24e9 bytes (22.4 GiB) > 2 GiB
    with pytest.raises(ProblemError, match=r"22\.4 GiB.*MAX_ARRAY_BYTES = 2 GiB") as err:
        _ctc(10**9)
    assert "frames" in str(err.value)


def test_infeasible_100000_label_target_answered_infinite_with_reason() -> None:
    target = "AB" * 50_000  # no adjacent repeats: needs 100,000 frames
    r = solve(_ctc(10, target=target))
    assert r.loss == math.inf
    assert any("needs at least 100000 frames" in w and "got 10" in w for w in r.warnings)
    out = render_json([r])
    assert len(out) < 20_000  # no 200,001-row table, no 100,000-symbol message
    assert all(len(t.rows) <= 60 for t in r.tables)


def test_long_ctc_loss_from_the_loss_only_path() -> None:
    frames = 100_000
    r = solve(_ctc(frames))
    assert r.loss == pytest.approx(_uniform_loss(frames), rel=1e-12)
    alpha, beta = _table(r, "forward"), _table(r, "backward")
    # the tables' window: frames 1-7 and T-6..T, of α and of β alike
    held = [f"t={t}" for t in (*range(1, 8), *range(frames - 6, frames + 1))]
    assert alpha.columns[2:] == beta.columns[2:] == held
    assert alpha.shape == (5, frames + 2)
    # at t = 1, α_1(1) = α_1(2) = 1/3 (blank or A); β_T(S') = β_T(S'-1) = 1/3 (blank or B)
    assert _ln(alpha.rows[0][2]) == pytest.approx(-math.log(3), rel=1e-12)
    assert _ln(beta.rows[-1][-1]) == pytest.approx(-math.log(3), rel=1e-12)
    # the two final cells (module docstring): α_T(S') = C(T + 1, 4) 3^-T, and α_T(S'-1) =
    # p - α_T(S') = (C(T + 2, 4) - C(T + 1, 4)) 3^-T = C(T + 1, 3) 3^-T; by the mirror
    # image, β_1(1) (paths that start with a blank) = C(T + 1, 4) 3^-T, β_1(2) = C(T + 1, 3)
    # 3^-T. Compared as logs (e^-109,000 underflows).
    ln3 = frames * math.log(3)
    four, three = math.log(math.comb(frames + 1, 4)) - ln3, math.log(math.comb(frames + 1, 3)) - ln3
    assert _ln(alpha.rows[4][-1]) == pytest.approx(four, rel=1e-12)
    assert _ln(alpha.rows[3][-1]) == pytest.approx(three, rel=1e-12)
    assert _ln(beta.rows[0][2]) == pytest.approx(four, rel=1e-12)
    assert _ln(beta.rows[1][2]) == pytest.approx(three, rel=1e-12)
    doc = render_json([r])
    assert "α and β at the frames shown come from one forward and one backward pass" in doc


def _ln(cell) -> float:
    """A trellis cell's natural log: a probability, or one held as its log (LogNumber)."""
    if hasattr(cell, "ln"):
        return cell.ln
    return math.log(cell) if cell > 0 else -math.inf


def test_json_does_not_grow_with_frames() -> None:
    small = render_json([solve(_ctc(2_000))])  # whole trellis (10,005 cells)
    large = render_json([solve(_ctc(50_000))])  # loss-only pass + windows
    assert len(large) < 2 * len(small) and len(large) < 40_000
    docs = [json.loads(doc)["tables"] for doc in (small, large)]
    n_cells = [sum(len(row) for t in tables for row in t["rows"]) for tables in docs]
    assert n_cells[1] <= n_cells[0]


def test_underflowing_trellis_is_printed_from_logs() -> None:
    frames = 5000
    r = solve(_ctc(frames))
    md = render_markdown([r])
    want_ln = -_uniform_loss(frames)  # ln p(l|x) = ln C(5002, 4) - 5000 ln 3 ≈ -5460.7
    mant, exp = _sci(want_ln)
    line = next(ln for ln in md.splitlines() if ln.startswith(r"- exact p(l\|x)"))
    # a plain-text step: markdown keeps it as text, scientific notation from the log
    got = re.findall(r"= ([0-9.]+)e(-?\d+)$", line)
    assert got, line
    assert int(got[0][1]) == exp and float(got[0][0]) == pytest.approx(mant, abs=0.006)
    assert not line.endswith("= 0") and "+ 0 " not in line
    # the final-blank cell α_T(S') = C(5001, 4) * 3^-5000, read back from the table
    alpha = _table(r, "forward")
    cell = alpha.rows[-1][-1]
    assert cell.ln == pytest.approx(math.log(math.comb(frames + 1, 4)) - frames * math.log(3))
    m2, e2 = _sci(cell.ln)
    assert f"{m2:.2f}e{e2}" in md.replace(" \\times 10^{", "e").replace("}", "")


# ------------------------------------------------------------------ other kinds
def test_mse_json_does_not_grow_with_elements() -> None:
    def mse(n: int) -> str:
        y = [float(i % 7) for i in range(n)]
        p = parse_problem({"kind": "mse", "title": "t", "y": y, "yhat": [0.0] * n}, {}, "t")
        return render_json([solve(p)])

    small, large = mse(100), mse(100_000)
    # 1000 times the elements: same cells, only longer indices and counts
    assert len(large) < 1.2 * len(small)
    rows = [json.loads(doc)["tables"][0]["rows"] for doc in (small, large)]
    assert len(rows[0]) == len(rows[1]) == 61


def test_reinforce_returns_steps_are_bounded() -> None:
    # 2000 steps, reward 1 each, gamma 1: R_t = number of steps from t on = 2001 - t.
    n = 2000
    data = {"kind": "reinforce", "title": "t", "probs": [0.5] * n, "rewards": [1] * n}
    data["gamma"] = 1.0
    r = solve(parse_problem(data, {}, "t"))
    returns = [s for s in r.steps if s.label.startswith("R_")]
    assert len(returns) == 16
    assert returns[0].values["value"] == 2000 and returns[-1].values["value"] == 1
    # J: 16 products and J; the side sums: 16 weight × ln π pairs (32 numbers) and the total
    assert all(len(s.values) <= 33 for s in r.steps)
    assert "(1,984 more returns" in " ".join(s.text for s in r.steps)
    assert len(render_json([r])) < 30_000


def _ref_counts(ext: list[str], frames: int, backward: bool) -> list[list[int]]:
    """Path counts per frame and state, by the plain recursion (a test-only reference).

    Forward: a_1 = [1, 1, 0, ...]; a_{t+1}(s) = a_t(s) + a_t(s-1) + [skip into s] a_t(s-2),
    skip into s allowed when l'_s is a label unlike l'_{s-2}. Backward mirrors it from the end
    (b over the last frame = 1 at the two final states).
    """
    n = len(ext)
    skip = [s >= 2 and ext[s] != "-" and ext[s] != ext[s - 2] for s in range(n)]
    if not backward:
        col = [1, 1] + [0] * (n - 2)
        out = [col]
        for _ in range(frames - 1):
            col = [
                col[s] + (col[s - 1] if s else 0) + (col[s - 2] if skip[s] else 0) for s in range(n)
            ]
            out.append(col)
        return out
    col = [0] * (n - 2) + [1, 1]
    out = [col]
    for _ in range(frames - 1):
        col = [
            col[s]
            + (col[s + 1] if s + 1 < n else 0)
            + (col[s + 2] if s + 2 < n and skip[s + 2] else 0)
            for s in range(n)
        ]
        out.insert(0, col)
    return out


def test_windowed_trellis_columns_match_path_counts() -> None:
    # ABBA x 4 (16 labels, 7 repeats: needs 23 frames, more than the 7 first ones shown) over
    # 3,100 frames: 33 x 3,100 = 102,300 cells > FULL_TRELLIS_MAX_CELLS, so α and β come from
    # a pass that keeps only the tables' frames (1-7 and 3,094-3,100). With every symbol 1/3,
    # α_t(s) = (prefix paths of t frames ending in s) * 3^-t and β_t(s) = (suffix paths from
    # s) * 3^-(T-t+1), the counts as exact integers, compared as logs (3^-3100 underflows).
    frames, target = 3_100, "ABBA" * 4
    r = solve(_ctc(frames, target=target))
    ext = ["-"] * 33
    ext[1::2] = target
    alpha, beta = _table(r, "forward"), _table(r, "backward")
    held = [*range(1, 8), *range(frames - 6, frames + 1)]
    assert alpha.columns[2:] == beta.columns[2:] == [f"t={t}" for t in held]
    fwd = _ref_counts(ext, frames, backward=False)
    bwd = _ref_counts(ext, frames, backward=True)

    def ln(count: int, n: int) -> float:
        return math.log(count) - n * math.log(3) if count else -math.inf

    assert len(alpha.rows) == len(beta.rows) == 33
    for s in range(33):
        for j, t in enumerate(held):  # frame t (1-based)
            want_a, want_b = ln(fwd[t - 1][s], t), ln(bwd[t - 1][s], frames - t + 1)
            got_a, got_b = _ln(alpha.rows[s][2 + j]), _ln(beta.rows[s][2 + j])
            assert got_a == pytest.approx(want_a, rel=1e-12), (s + 1, t)
            assert got_b == pytest.approx(want_b, rel=1e-12), (s + 1, t)


def test_reinforce_returns_steps_are_bounded_over_episodes() -> None:
    # 2,000 episodes of 3 steps: only the first and last episodes' returns are written out
    # (the rest in one line), so the steps do not grow with the episodes. R_t by hand with
    # gamma 1 and rewards 1: R_1 = 3, R_2 = 2, R_3 = 1 in every episode.
    n = 2000
    data = {"kind": "reinforce", "title": "t", "probs": [[0.5] * 3] * n, "rewards": [[1] * 3] * n}
    data["gamma"] = 1.0
    r = solve(parse_problem(data, {}, "t"))
    returns = [s for s in r.steps if "R_" in s.label]
    assert len(returns) <= 3 * 8, len(returns)
    assert returns[0].values["value"] == 3 and returns[-1].values["value"] == 1
    assert "1,994 more episodes" in " ".join(s.text for s in r.steps)


def test_reinforce_baseline_steps_are_bounded_over_episodes() -> None:
    # 2,000 episodes, baseline mean: b = (3 + 2 + 1) / 3 = 2 in every episode (gamma 1,
    # rewards 1); a line for the first and last episodes only
    n = 2000
    data = {"kind": "reinforce", "title": "t", "probs": [[0.5] * 3] * n, "rewards": [[1] * 3] * n}
    data.update(gamma=1.0, baseline="mean")
    r = solve(parse_problem(data, {}, "t"))
    base = [s for s in r.steps if s.label.startswith("baseline b")]
    assert 1 <= len(base) <= 8 and all(s.values["b"] == 2 for s in base), len(base)
    assert "1,994 more episodes' baselines" in " ".join(s.text for s in r.steps)
