"""The best (Viterbi) path of a CTC input above FULL_TRELLIS_MAX_CELLS, at the frames shown.

Before: above the limit the solver drew no best path at all and said so only in a note
("the gradient table and the best (Viterbi) path are not computed ..."); the α figure of a
3,000-frame input had no path and its caption no word of why. Now the path's states at the
held frames come from one Viterbi pass with one-byte back-pointers, up to
BEST_PATH_MAX_CELLS; above that the note and the figure's caption say it is not drawn and why.
The reference is the engine's whole-table ``ctc_viterbi_trace`` on the same log-probabilities.
"""

from __future__ import annotations

import numpy as np

from rnnloss_cli import limits
from rnnloss_cli.engine import ctc_viterbi_trace
from rnnloss_cli.limits import FULL_TRELLIS_MAX_CELLS
from rnnloss_cli.render.html import render_html
from rnnloss_cli.solve import ctc as ctc_solver
from tests.solve.test_long_trellis import SYMBOLS, _problem


def test_the_best_path_is_drawn_at_the_held_frames_of_a_long_input():
    frames, target = 12_000, "ABCAB"  # S' = 11: 132,000 cells > FULL_TRELLIS_MAX_CELLS
    assert frames * 11 > FULL_TRELLIS_MAX_CELLS
    p, lp = _problem(frames, target, seed=7)
    from rnnloss_cli.solve import solve

    r = solve(p)
    ref = ctc_viterbi_trace(lp, [SYMBOLS.index(c) for c in target], blank=0)
    (best,) = [tr for tr in r.tracks if tr.best]
    held = [*range(7), *range(frames - 7, frames)]  # the tables' window, 0-based
    assert best.frames == held
    assert best.states == [int(ref.states[t]) for t in held]
    assert best.length == frames and best.valid
    assert not any("Viterbi" in n for n in r.notes) and r.best_path_missing is None
    page = render_html([r])
    assert page.count('data-best="true"') == 1


def test_above_its_own_limit_the_page_says_why_the_best_path_is_not_drawn(monkeypatch):
    monkeypatch.setattr(ctc_solver, "BEST_PATH_MAX_CELLS", 100_000)
    monkeypatch.setattr(limits, "BEST_PATH_MAX_CELLS", 100_000)
    p, _ = _problem(12_000, "ABCAB", seed=7)
    from rnnloss_cli.solve import solve

    r = solve(p)
    assert not any(tr.best for tr in r.tracks)
    (note,) = [n for n in r.notes if "best (Viterbi) path" in n]
    assert "BEST_PATH_MAX_CELLS = 100,000" in note and "132,000" in note
    page = render_html([r])
    start = page.index('<figure class="trellis">')
    caption = page[page.index("<figcaption>", start) : page.index("</figcaption>", start)]
    assert "best (Viterbi) path is not drawn" in caption
    assert "BEST_PATH_MAX_CELLS" in caption
    assert np.isfinite(r.loss)
