"""kind: ctc solved: listed figures and audit, exact CTC against brute-force enumeration."""

from __future__ import annotations

import itertools
import math
import textwrap
from pathlib import Path

import numpy as np
import pytest

from rnnloss_cli.problem import load_problem, parse_problem
from rnnloss_cli.problem._yaml import load_yaml
from rnnloss_cli.render.text import step_text
from rnnloss_cli.solve import solve


def solve_text(text: str):
    data, lines = load_yaml(textwrap.dedent(text), "t.yaml")
    return solve(parse_problem(data, lines, "t.yaml"))


def brute_force(emissions: np.ndarray, symbols: list[str], target: str, blank: str = "-"):
    """p(l|x) by enumerating all K**T paths; written here, independent of the engine."""

    def collapse(path):
        out, prev = [], None
        for s in path:
            if s != prev and s != blank:
                out.append(s)
            prev = s
        return tuple(out)

    total = 0.0
    for idx in itertools.product(range(len(symbols)), repeat=emissions.shape[0]):
        if collapse([symbols[k] for k in idx]) == tuple(target):
            total += math.prod(emissions[t, k] for t, k in enumerate(idx))
    return total


# (file, hand-worked exact loss written in the file's comments)
EXACT_FILES = [
    ("problems/ctc-exact-ab.yaml", -math.log(0.588)),
    ("problems/ctc-exact-repeat.yaml", -math.log(0.21)),
    ("problems/ctc-exact-listed.yaml", -math.log(0.21)),
]


@pytest.mark.parametrize("path, hand", EXACT_FILES)
def test_exact_files_against_brute_force(path, hand):
    p = load_problem(path)
    r = solve(p)
    bf = brute_force(p.frame_probs, list(p.symbols), "".join(p.target), p.blank)
    assert r.figures["exact"] == pytest.approx(-math.log(bf), rel=1e-9)
    assert r.figures["exact"] == pytest.approx(hand, rel=1e-9)
    assert r.ok


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("target", ["A", "AB", "AA", "ABA", "BB"])
def test_random_logits_against_brute_force(seed, target):
    rng = np.random.default_rng(seed)
    frames = 4
    logits = rng.normal(size=(frames, 3))
    rows = "\n".join(f"  - [{', '.join(repr(float(x)) for x in row)}]" for row in logits)
    r = solve_text(f'kind: ctc\ntarget: {target}\nsymbols: ["-", A, B]\nlogits:\n{rows}\n')
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    y = e / e.sum(axis=1, keepdims=True)
    bf = brute_force(y, ["-", "A", "B"], target)
    assert r.loss == pytest.approx(-math.log(bf), rel=1e-9)


def test_listed_figures_for_handout_problems():
    # hello: 3.672943 (sum 0.0254016); valid only 4.135566 (0.0159936); see hello.yaml.
    r = solve(load_problem("problems/hello.yaml"))
    assert r.loss == pytest.approx(3.672943, abs=1e-6)
    assert r.figures["listed"] == pytest.approx(3.672943, abs=1e-6)
    assert r.figures["valid_only"] == pytest.approx(4.135566, abs=1e-6)
    assert "exact" not in r.figures and r.ok
    deep = solve(load_problem("problems/deep.yaml"))
    assert deep.figures["listed"] == pytest.approx(2.6169, abs=1e-4)
    assert deep.figures["valid_only"] == pytest.approx(3.1874, abs=1e-4)
    digits = solve(load_problem("problems/digits-123.yaml"))
    assert digits.figures["listed"] == pytest.approx(1.5062, abs=1e-4)


def test_hello_audit_warnings():
    w = "\n".join(solve(load_problem("problems/hello.yaml")).warnings)
    assert "H-E-LL-O, collapses to HELO, not HELLO" in w
    assert "a repeated label needs a blank between its copies" in w
    # the mismatch names both products by the lines that print them at --precision (the
    # given factors' 0.006586 and the symbols' 0.0001882 at 4 digits of its own disagreed
    # with them: 0.0066 and 0.00019 at -p 2)
    assert "the factors given for it, 0.6 × 0.2 × 0.5 × 0.7 × 0.7 × 0.8 × 0.5 × 0.7 × 0.8 " in w
    assert '(multiplied out on the line "alignment 1: H-E-L-L-O")' in w
    assert '(multiplied out on the line "alignment 1 by its symbols")' in w
    assert "unequal lengths (9, 8, 8 frames)" in w
    assert "sum to 2.8" in w and "no exact CTC probability" in w


def test_digits_warns_unequal_lengths_only_once_and_no_invalid():
    r = solve(load_problem("problems/digits-123.yaml"))
    assert any("unequal lengths (5, 4, 4 frames)" in w for w in r.warnings)
    assert not any("collapses to" in w for w in r.warnings)


def test_listed_table_marks_invalid_row():
    r = solve(load_problem("problems/hello.yaml"))
    table = r.tables[0]
    assert [row[2] for row in table.rows] == ["HELLO", "HELO", "HELLO"]
    assert table.styles[(1, 3)] == "bad" and table.styles[(0, 3)] == "good"


def test_trellis_styles():
    r = solve(load_problem("problems/ctc-exact-repeat.yaml"))
    assert r.tables[0].title.startswith("emissions")  # the givens come first
    alpha = r.tables[1]
    assert alpha.optional is None and alpha.title.startswith("forward")
    assert [row[1] for row in alpha.rows] == ["-", "A", "-", "A", "-"]
    # T = 3, AA: the only path is A - A, i.e. states 2, 3, 4 (1-based) at t = 1, 2, 3.
    # Every other cell is either 0 (unreachable: "dim") or a dead end: reached from the start
    # but not on a full path ("dead"), e.g. α_1(1) = y_1(-) = 0.1 (issue 13: these were
    # wrongly shown as 0 and called unreachable).
    on_path = {(1, 2), (2, 3), (3, 4)}  # (row, column); columns 0-1 are s and l'_s
    for row in range(5):
        for col in (2, 3, 4):
            if (row, col) not in on_path and (row, col) not in {(3, 4), (4, 4)}:
                want = "dim" if alpha.rows[row][col] == 0 else "dead"
                assert alpha.styles.get((row, col)) == want, (row, col)
    assert alpha.rows[0][2] == pytest.approx(0.1) and alpha.styles[(0, 2)] == "dead"
    assert alpha.styles[(3, 4)] == "highlight" and alpha.styles[(4, 4)] == "highlight"
    assert alpha.rows[3][4] == pytest.approx(0.21)
    assert alpha.rows[4][4] == 0


def test_optional_tables():
    r = solve(load_problem("problems/ctc-exact-ab.yaml"))
    names = [t.optional for t in r.tables]
    assert names == [None, None, "beta", "grad", "posterior"]
    assert len(r.visible_tables()) == 2
    assert len(r.visible_tables(frozenset({"beta", "grad"}))) == 4
    grad = r.tables[3]
    assert grad.columns == ["t", "-", "A", "B"]
    # d loss / d logits sums to 0 over the classes of each frame (softmax)
    for row in grad.rows:
        assert sum(row[1:]) == pytest.approx(0.0, abs=1e-12)


def test_coverage_share():
    r = solve(load_problem("problems/ctc-exact-listed.yaml"))
    step = next(s for s in r.steps if s.label.startswith("share"))
    # 0.06 / 0.21 (hand-worked in the file)
    assert step.values["share"] == pytest.approx(0.06 / 0.21)
    assert any("2 of the 5 alignments" in n for n in r.notes)


def test_too_few_frames_is_infinite_with_reason():
    r = solve_text(
        'kind: ctc\ntarget: HELLO\nprobs: {H: 0.2, E: 0.2, L: 0.2, O: 0.2, "-": 0.2}\nframes: 5\n'
    )
    assert math.isinf(r.loss)
    assert any(
        "HELLO needs at least 6 frames (5 labels + 1 blank between the two Ls), got 5" in w
        for w in r.warnings
    )


def test_zero_probability_is_infinite_with_reason():
    r = solve_text(
        'kind: ctc\ntarget: AB\nsymbols: ["-", A, B]\n'
        "emissions: [[0.5, 0.5, 0.0], [0.5, 0.5, 0.0]]\n"
    )
    assert math.isinf(r.loss)
    assert any("probability 0" in w for w in r.warnings)


def test_log_base_converts_every_figure():
    r = solve_text(
        'kind: ctc\ntarget: AB\nprobs: {A: 0.5, B: 0.3, "-": 0.2}\nalignments: [A-B, AB-]\n'
        "log_base: 2\n"
    )
    assert r.figures["listed"] == pytest.approx(-math.log2(0.06))
    assert r.figures["exact"] == pytest.approx(-math.log2(0.21))


def test_exact_ctc_works_a_beta_cell_and_a_gradient_entry():
    # problems/ctc-exact-ab.yaml: y_2(B) = 0.4, y_3(B) = 0.7, y_3(-) = 0.2, so
    # β_2(4) = (β_3(4) + β_3(5)) · y_2(B) = (0.7 + 0.2) · 0.4 = 0.36; and
    # β_1(2) = (β_2(2) + β_2(3) + β_2(4)) · y_1(A) = (0.21 + 0.21 + 0.36) · 0.7 = 0.546,
    # ∂loss/∂z_1(A) = 0.7 − 0.7·0.546 / (0.7 · 0.588) = 0.7 − 0.928571 = −0.228571
    from rnnloss_cli.problem import load_problem
    from rnnloss_cli.solve import solve

    root = Path(__file__).resolve().parents[2]
    r = solve(load_problem(str(root / "problems" / "ctc-exact-ab.yaml")))
    steps = {s.label: s for s in r.steps}
    beta = steps["worked cell β_2(4)"]
    assert beta.values["terms"] == pytest.approx([0.7, 0.2])
    assert beta.values["y"] == pytest.approx(0.4)
    assert beta.values["value"] == pytest.approx(0.36)
    grad = steps["worked gradient entry ∂loss/∂z_1(A)"]
    # the factors α_1(2) = 0.7 and β_1(2) = 0.546 are shown, not only their product
    assert [grad.values["a0"], grad.values["b0"]] == pytest.approx([0.7, 0.546])
    text = step_text(grad, 3)
    assert "0.7 − (0.7 × 0.546) / (0.7 × 0.588) = −0.229" in text, text
    assert "z_t: the logits, y_t = softmax(z_t)" in text, text
    assert grad.values["p"] == pytest.approx(0.588)
    assert grad.values["grad"] == pytest.approx(0.7 - 0.546 / 0.588)


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize(
    "frames",
    [
        "emissions: [[1, 0], [0, 1]]",
        "logits: [[800, 0], [0, 800]]",
        "logits: [[1000, 0], [0, 1000]]",
        "logits: [[1e300, 0], [0, 1e300]]",
        "logits: [[1e308, -1e308], [-1e308, 1e308]]",
    ],
)
def test_exact_ctc_worked_gradient_with_a_label_of_probability_zero(frames):
    # Target A over 2 frames: the alignments AA, A-, -A. Here y_1(A) = 0 (or e^-800 and
    # less, below the smallest double) and y_1(-) = y_2(A) = 1 (to within e^-800), so
    # p(l|x) = y_1(A) y_2(A) + y_1(A) y_2(-) + y_1(-) y_2(A) = 1 and the loss is 0.
    # The worked entry: α_1(2) = y_1(A), β_1(2) = y_1(A) (y_2(A) + y_2(-)) = y_1(A), so
    # ∂loss/∂z_1(A) = y_1(A) − α_1(2) β_1(2) / (y_1(A) p) = y_1(A) − y_1(A) / p = 0:
    # the division by y_1(A) = 0 is done in logs, where the y_1(A) factors cancel.
    r = solve_text(f'kind: ctc\nmethod: exact\ntarget: A\nsymbols: ["-", A]\n{frames}\n')
    assert r.loss == pytest.approx(0.0, abs=1e-300)
    grad = {s.label: s for s in r.steps}["worked gradient entry ∂loss/∂z_1(A)"]
    assert grad.values["grad"] == pytest.approx(0.0, abs=1e-300)


def test_listed_against_exact_headlines_the_exact_loss():
    """problems/ctc-exact-listed.yaml compares two listed paths with exact CTC; its headline
    (the bold "Loss =" of a solution sheet) is the CTC loss, -ln 0.21 = 1.560648 (the five
    paths of AB over 3 frames: 0.075 + 0.045 + 3 x 0.03 = 0.21), not the listed 2.813."""
    from pathlib import Path

    from rnnloss_cli import solve_file

    r = solve_file(Path(__file__).resolve().parents[2] / "problems" / "ctc-exact-listed.yaml")
    assert abs(r.loss - 1.560648) < 1e-6
    assert abs(r.figures["listed"] - 2.813411) < 1e-6


@pytest.mark.parametrize(
    "frames", ["emissions: [[1, 0], [0, 1]]", "logits: [[1e308, -1e308], [-1e308, 1e308]]"]
)
def test_the_worked_gradient_entry_of_a_zero_probability_prints_no_division_by_zero(frames):
    # Found by hand: with y_1(A) = 0 the worked entry printed "0 − (0 × 0) / (0 × 1) ≈ 0",
    # a 0/0 no pencil can redo. Target A over 2 frames (see the test above): the entry is
    # y_1(A) − γ_1(A) = 0 − 0 = 0, γ being 0 for a label of probability 0.
    r = solve_text(f'kind: ctc\nmethod: exact\ntarget: A\nsymbols: ["-", A]\n{frames}\n')
    grad = {s.label: s for s in r.steps}["worked gradient entry ∂loss/∂z_1(A)"]
    text = step_text(grad, 3)
    assert "/ (0 ×" not in text and "≈" not in text, text
    assert "= y_1(A) − γ_1(A) = 0 − 0 = 0" in text, text


def test_one_listed_alignment_is_its_product_not_a_sum_of_one_term():
    # Found by hand: `ctc --target AB --probs A=0.5,B=0.3,-=0.2 --alignment A-B` printed
    # "sum over the listed alignments: P = 0.03 = 0.03"; `ctc paths` says of one alignment
    # "the one alignment's product". A-B: 0.5 × 0.2 × 0.3 = 0.03.
    r = solve_text("kind: ctc\ntarget: AB\nprobs: {A: 0.5, B: 0.3, '-': 0.2}\nalignments: [A-B]\n")
    step = {s.label: s for s in r.steps}["sum over the listed alignments"]
    assert step_text(step, 3) == "P = 0.03, the one listed alignment's product"
