"""Huge problems give bounded output in every format, and a cut says so to the reader.

A derivation whose solver writes a line per episode (reinforce over a batch: a return R_t per
step and a baseline per episode) printed every line: 2,000 episodes of 5 steps made 3.7 MB of
JSON and HTML, 10^5 episodes ran for minutes. The steps a result lays out are windowed like a
table's rows (first and last ones, one line saying how many are left out), in rich, markdown,
JSON, HTML, the sheets and the Moodle feedback. Sizes here run in well under a second; the
assertions are on the caps and the messages, never on timing.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
import yaml
from rich.console import Console

from rnnloss_cli import solve_problem
from rnnloss_cli.limits import DERIVATION_MAX_STEPS
from rnnloss_cli.render.html import render_html
from rnnloss_cli.render.json import render_json
from rnnloss_cli.render.markdown import render_markdown
from rnnloss_cli.render.rich import render_rich
from rnnloss_cli.result import Step, window_steps
from rnnloss_cli.sheet import build_sheet
from rnnloss_cli.teach.moodle import moodle_bank

HALF = DERIVATION_MAX_STEPS // 2


@pytest.fixture
def every_episode(monkeypatch):
    """The reinforce solver writes the returns and baseline of every episode, as it did
    before it kept the first and last episodes only: the long derivation these tests need
    to see the renderers' own window (DERIVATION_MAX_STEPS) at work."""
    from rnnloss_cli.solve import sequence

    monkeypatch.setattr(sequence, "_RETURN_EPISODES", 10**9)


def _batch(n: int) -> dict:
    """n episodes of 2 steps, π = 0.5 and reward 1 at each, γ = 1, mean baseline.

    Lines the solver writes before its tables (hand count): the rule for R_t (1), then per
    episode R_1 and R_2 (2) and its baseline (1): 3n + 1 in all. Each episode has
    R_1 = 1 + 1 = 2, R_2 = 1, b = 1.5, A = (0.5, -0.5), so J = Σ A ln 0.5 = 0 per episode.
    """
    return {
        "kind": "reinforce",
        "title": f"{n} episodes",
        "probs": [[0.5, 0.5]] * n,
        "rewards": [[1, 1]] * n,
        "gamma": 1,
        "baseline": "mean",
    }


def _gap(n_lines: int) -> str:
    """The elision line's text for n_lines lines windowed to DERIVATION_MAX_STEPS."""
    left = n_lines - DERIVATION_MAX_STEPS
    return (
        f"{left:,} more lines of the derivation left out: showing the first {HALF} "
        f"and last {HALF} of {n_lines:,}"
    )


def _rich(result) -> str:
    console = Console(file=io.StringIO(), width=100, no_color=True, color_system=None)
    render_rich([result], console)
    return console.file.getvalue()


def _returns_shown(text: str) -> int:
    return len(re.findall(r"episode \d+, R_[12]", text))


def test_window_steps_keeps_the_first_and_last_of_each_part_in_order():
    lead = [Step(f"L{i}", "x", lead=True) for i in range(100)]
    work = [Step(f"W{i}", "x") for i in range(100)]
    shown = window_steps([*lead, *work], 4)
    labels = [s.label for s in shown]
    assert labels == ["L0", "L1", "…", "L98", "L99", "W0", "W1", "…", "W98", "W99"]
    assert shown[2].lead and not shown[7].lead
    assert "96 more lines of the derivation left out" in shown[2].text
    assert window_steps(lead[:4], 4) == lead[:4]  # nothing cut: the same steps


def _words(out: str, fmt: str) -> str:
    """``out``'s words, one space between; a page's, the texts of its maths as well (their
    ``alttext``): a page sets a long step as several <math>, each carrying its own part, so
    that a phone wraps it."""
    if fmt == "html":
        out += " " + " ".join(re.findall(r'<math alttext="([^"]*)"', out))
    return " ".join(out.split())


def test_a_long_derivation_is_windowed_in_every_format(every_episode):
    n = 400
    result = solve_problem(_batch(n))
    assert len(result.steps) > 3 * n  # the solver's own steps stay whole (mark reads them)
    gap = _gap(3 * n + 1)
    outputs = {
        "rich": _rich(result),
        "markdown": render_markdown([result]),
        "json": render_json([result]),
        "html": render_html([result]),
    }
    for fmt, out in outputs.items():
        assert _returns_shown(out) <= DERIVATION_MAX_STEPS, fmt
        # rich wraps the line: compare words (a page's too: see _words)
        assert gap in _words(out, fmt), fmt
        assert "loss L = −J" in out or "loss L = \\u2212J" in out, fmt  # the end is kept
    doc = json.loads(outputs["json"])
    assert len(doc["steps"]) <= 2 * (DERIVATION_MAX_STEPS + 1)
    assert doc["loss"] == 0.0  # J = 0 in every episode (see _batch)


def test_output_does_not_grow_with_the_number_of_episodes(every_episode):
    small, big = solve_problem(_batch(200)), solve_problem(_batch(1_600))
    for render in (_rich, lambda r: render_markdown([r]), lambda r: render_json([r])):
        a, b = render(small), render(big)
        assert len(b) - len(a) < 3_000, (len(a), len(b))
    a, b = render_html([small]), render_html([big])
    assert len(b) - len(a) < 3_000, (len(a), len(b))


def test_solution_sheets_and_moodle_feedback_window_the_derivation(tmp_path: Path, every_episode):
    path = tmp_path / "episodes.yaml"
    path.write_text(yaml.safe_dump(_batch(400)))
    gap = _gap(3 * 400 + 1)
    for fmt in ("markdown", "latex", "html"):
        sheet = build_sheet([str(path)], fmt, solutions=True)
        assert _returns_shown(sheet) <= DERIVATION_MAX_STEPS, fmt
        assert gap in _words(sheet, fmt), fmt
    bank = moodle_bank([str(path)]).text
    assert _returns_shown(bank) <= 2 * DERIVATION_MAX_STEPS  # one question per figure
    assert gap in bank


# ------------------------------------------------------------------------------ custom terms
def _custom(n: int) -> dict:
    """n inline terms, each an mse of y = [1], ŷ = [0.5] (loss 0.25) at weight 1: L = n/4."""
    term = {"weight": 1, "problem": {"kind": "mse", "y": [1.0], "yhat": [0.5]}}
    return {"kind": "custom", "title": f"{n} terms", "terms": [term] * n}


def test_a_custom_loss_of_many_terms_shows_the_first_and_last_derivations():
    """40 terms: the derivations of terms 1-8 and 33-40 (STEP_MAX_TERMS = 16, the window of
    the weighted sum's own list) and a line saying 24 are left out, in every format; each
    term's derivation printed in full made 8-12 MB for 1,000 terms."""
    from rnnloss_cli.limits import STEP_MAX_TERMS

    result = solve_problem(_custom(40))
    assert result.loss == 10.0  # 40 x 0.25
    note = "term derivations: showing the first 8 and last 8 of 40 (24 left out)"
    outputs = {
        "rich": _rich(result),
        "markdown": render_markdown([result]),
        "html": render_html([result]),
        "json": render_json([result]),
    }
    for fmt, out in outputs.items():
        assert note in " ".join(out.split()), fmt
    assert outputs["markdown"].count("### term:") == STEP_MAX_TERMS
    assert outputs["html"].count("<h2>term:") == STEP_MAX_TERMS
    doc = json.loads(outputs["json"])
    assert len(doc["children"]) == STEP_MAX_TERMS and doc["children_count"] == 40


def test_a_custom_solution_sheet_windows_its_terms(tmp_path: Path):
    path = tmp_path / "terms.yaml"
    path.write_text(yaml.safe_dump(_custom(40)))
    note = "term derivations: showing the first 8 and last 8 of 40 (24 left out)"
    for fmt in ("markdown", "latex", "html"):
        sheet = build_sheet([str(path)], fmt, solutions=True)
        assert note in " ".join(sheet.split()), fmt


# ------------------------------------------------------------------------------ CTC figures
def _figcaptions(page: str) -> list[str]:
    return re.findall(r"<figcaption>(.*?)</figcaption>", page, flags=re.S)


def test_a_cut_trellis_figure_says_which_states_and_frames_it_draws():
    """AB over 1,000 frames: the α table holds frames 1-7 and 994-1,000 (16 columns less the
    two key columns s and l'_s: 7 + 7), all 5 states; the figure draws that window and its
    caption says so (the visible caption said nothing; only the SVG <desc> had "14 of
    1000"). The emission matrix draws frames 1-30 and 971-1,000 of its 1,000 rows."""
    ctc = {
        "kind": "ctc",
        "method": "exact",
        "target": "AB",
        "probs": {"A": 0.3, "B": 0.3, "-": 0.4},
        "frames": 1000,
    }
    page = render_html([solve_problem(ctc)])
    trellis, *rest = _figcaptions(page)
    assert "Drawn: frames 1–7 and 994–1,000 of 1,000 (all 5 states)." in trellis
    small = render_html([solve_problem({**ctc, "frames": 3})])
    assert all("Drawn:" not in c for c in _figcaptions(small))  # nothing cut, nothing said
    for caption in rest:  # the emission matrix, when the solver holds one
        assert "Drawn: frames 1–30 and 971–1,000 of 1,000" in caption
