"""Empty targets solved end to end: RNN-T (U = 0), exact and listed CTC, forced alignment.

The labelling with no labels has one alignment, all blanks, so with the blank's probability
y_t(-) = .2, .5, .1 over three frames (every problem below):
    p("" | x) = .2 × .5 × .1 = .01,  loss = −ln .01 = ln 100 = 4.605170.
For RNN-T the same numbers sit at the nodes (t, 0): the one path takes the blank move out of
(0, 0), (1, 0) and finally (2, 0). The derivation says so in a sentence, shows no empty
table, and renders in every format. Torch's ctc_loss with target_lengths 0 is the
independent check where it is installed.
"""

from __future__ import annotations

import io
import json
import math

import numpy as np
import pytest
from rich.console import Console

from rnnloss_cli import solve_problem
from rnnloss_cli.render.html import render_html
from rnnloss_cli.render.json import render_json
from rnnloss_cli.render.markdown import render_markdown
from rnnloss_cli.render.rich import render_rich
from rnnloss_cli.render.text import step_text
from rnnloss_cli.result import LogNumber
from tests.render.test_big_outputs import _words

EMISSIONS = [[0.2, 0.6, 0.2], [0.5, 0.25, 0.25], [0.1, 0.8, 0.1]]  # columns -, a, b
SYMBOLS = ["-", "a", "b"]
RNNT = {"kind": "rnnt", "symbols": SYMBOLS, "target": "", "probs": [[row] for row in EMISSIONS]}
CTC = {"kind": "ctc", "symbols": SYMBOLS, "target": "", "emissions": EMISSIONS}
ALIGN = {**CTC, "kind": "ctc_align"}
LN_100 = math.log(100.0)


def _step(r, label: str) -> str:
    return step_text(next(s for s in r.steps if s.label == label), 3)


def _table(r, start: str):
    return next(t for t in r.tables if t.title.startswith(start))


def _value(cell) -> float:
    return math.exp(cell.ln) if isinstance(cell, LogNumber) else float(cell)


def test_rnnt_empty_target_by_hand():
    r = solve_problem({**RNNT, "answer": {"probability": 0.01, "loss": 4.6052}})
    assert r.loss == pytest.approx(LN_100, abs=1e-12)
    assert r.figures["probability"] == pytest.approx(0.01, abs=1e-15)
    assert all(c.ok for c in r.checks) and len(r.checks) == 2
    # alpha(0,0) = 1, alpha(1,0) = .2, alpha(2,0) = .2 × .5 = .1
    alpha = _table(r, "forward lattice")
    assert [_value(row[1]) for row in alpha.rows] == pytest.approx([1, 0.2, 0.1])
    # no label move anywhere: the node table has no label columns
    nodes = _table(r, "given: the moves")
    assert nodes.columns == ["t", "u", "emitted", "y(t,u,∅) blank"]
    assert "only path is all blanks" in _step(r, "empty target")
    assert "C(T−1+U, U) = C(2, 0) = 1 path" in _step(r, "givens")
    assert _step(r, "p(y|x): the all-blank path, the only one") == (
        "Π_t y(t, 0, ∅) = 0.2 × 0.5 × 0.1 = 0.01"
    )


def test_rnnt_empty_target_gradient_by_hand():
    # Each node (t, 0) is left by its blank with occupation 1: d loss / d logits = y − [k = -]
    r = solve_problem(RNNT)
    grad = _table(r, "gradient")
    got = [[float(x) for x in row[2:]] for row in grad.rows]
    want = [[-0.8, 0.6, 0.2], [-0.5, 0.25, 0.25], [-0.9, 0.8, 0.1]]
    np.testing.assert_allclose(got, want, atol=1e-12)


def test_ctc_exact_empty_target_by_hand():
    r = solve_problem(CTC)
    assert r.loss == pytest.approx(LN_100, abs=1e-12)
    assert "only alignment is all blanks" in _step(r, "empty target")
    assert _step(r, "exact p(l|x), the all-blank alignment") == (
        "α_T(1) = Π_t y_t(blank) = 0.2 × 0.5 × 0.1 = 0.01"
    )
    assert "l_1" not in _step(r, "forward recursion")  # there is no first label
    alpha = _table(r, "forward trellis")
    assert alpha.legend["highlight"] == "the final cell, p(l|x)"
    # alpha_t(1) = .2, .2 × .5, .2 × .5 × .1
    assert [_value(c) for c in alpha.rows[0][2:]] == pytest.approx([0.2, 0.1, 0.01])


def test_ctc_exact_empty_target_over_many_frames():
    # 200,000 frames x S' = 1 state is past FULL_TRELLIS_MAX_CELLS (100,000): the loss-only
    # pass and windowed tables (an IndexError before: the window took one label that is not
    # there). p = .9^200000, loss = −200000 ln .9 = 21072.1...
    r = solve_problem(
        {"kind": "ctc", "target": "", "probs": {"-": 0.9, "a": 0.1}, "frames": 200_000}
    )
    assert r.loss == pytest.approx(-200_000 * math.log(0.9), rel=1e-9)
    beta = _table(r, "backward trellis")
    # β over the last frames: β_T = .9, β_{T−1} = .81 (the last two columns)
    assert [_value(c) for c in beta.rows[0][-2:]] == pytest.approx([0.81, 0.9])


def test_ctc_listed_empty_target_names_the_empty_labelling():
    # "---": .5³ = .125, valid; "-a-": .5 × .3 × .5 = .075, collapses to "a", not "".
    # listed P = .2 (loss ln 5), valid only .125 (loss ln 8), exact = .125 (one alignment)
    r = solve_problem(
        {
            "kind": "ctc",
            "target": "",
            "probs": {"-": 0.5, "a": 0.3, "b": 0.2},
            "alignments": ["---", "-a-"],
        }
    )
    assert r.figures["listed"] == pytest.approx(math.log(5))
    assert r.figures["valid_only"] == pytest.approx(math.log(8))
    assert r.figures["exact"] == pytest.approx(math.log(8))
    assert "valid for ε?" in _table(r, "listed alignments").columns
    warning = next(w for w in r.warnings if w.startswith("alignment 2"))
    assert "collapses to a, not ε" in warning and "alignment of ε;" in warning
    assert any("the only alignment of ε over 3 frames" in n for n in r.notes), r.notes


def test_ctc_align_empty_target_by_hand():
    r = solve_problem({**ALIGN, "answer": {"path": "---", "best": 0.01, "total": 0.01}})
    assert r.loss == pytest.approx(LN_100, abs=1e-12)
    assert r.figures["gap"] == pytest.approx(0, abs=1e-12)
    assert all(c.ok for c in r.checks) and len(r.checks) == 3
    assert not any(t.title.startswith("token spans") for t in r.tables)
    assert "all blanks" in _step(r, "token spans on π*")
    assert _step(r, "end") == "δ_T(1) = 0.01, the one final state"
    assert "l_1" not in _step(r, "Viterbi recursion")
    assert "only alignment" in _step(r, "empty target")


def test_ctc_decode_to_the_empty_labelling():
    # blank .8 then .7: greedy "--" collapses to "", p("") = .8 × .7 = .56 (its one alignment)
    r = solve_problem(
        {
            "kind": "ctc_decode",
            "symbols": SYMBOLS,
            "beam": 2,
            "emissions": [[0.8, 0.1, 0.1], [0.7, 0.2, 0.1]],
            "answer": {"greedy": "", "beam": "", "beam_prob": 0.56},
        }
    )
    assert all(c.ok for c in r.checks) and len(r.checks) == 3
    assert r.loss == pytest.approx(-math.log(0.56))


@pytest.mark.parametrize(
    ("problem", "words"),
    [
        (RNNT, "only path is all blanks"),
        (CTC, "only alignment is all blanks"),
        (ALIGN, "π* is all blanks"),
    ],
    ids=["rnnt", "ctc", "align"],
)
def test_empty_targets_render_in_every_format(problem, words):
    r = solve_problem(problem)
    show = frozenset({"beta", "grad", "posterior"})
    console = Console(file=io.StringIO(), width=100, highlight=False, emoji=False)
    render_rich([r], console, 3, show)
    outputs = {
        "rich": console.file.getvalue(),
        "markdown": render_markdown([r], 3, show),
        "json": render_json([r]),
        "html": render_html([r], 3, show),
    }
    for fmt, text in outputs.items():
        # rich wraps lines, markdown escapes *, a page cuts a long step into several <math>
        flat = _words(text.replace("\\", ""), fmt)
        assert words in flat, fmt
        assert "nan" not in text.lower().replace("nats", ""), fmt
    doc = json.loads(outputs["json"])
    assert all(t["rows"] for t in doc["tables"]), [t["title"] for t in doc["tables"]]
    assert doc["loss"] == pytest.approx(LN_100)


def test_ctc_empty_target_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(7)
    logits = rng.normal(size=(6, 4)) * 2
    r = solve_problem(
        {"kind": "ctc", "target": [], "symbols": ["-", "a", "b", "c"], "logits": logits}
    )
    z = torch.tensor(logits, dtype=torch.float64, requires_grad=True)
    loss = torch.nn.functional.ctc_loss(
        torch.log_softmax(z, dim=1)[:, None, :],
        torch.zeros((1, 0), dtype=torch.long),
        torch.tensor([6]),
        torch.tensor([0]),
        blank=0,
        reduction="sum",
    )
    loss.backward()
    assert r.loss == pytest.approx(float(loss.detach()), rel=1e-12)
    grad = _table(r, "gradient")
    np.testing.assert_allclose([row[1:] for row in grad.rows], z.grad.numpy(), atol=1e-12)
