"""The page on the smallest phones still sold (320 px wide: iPhone SE 1st gen., small
Androids), measured by headless Chromium (the probe of
:mod:`tests.render.test_browser_reader`). Skipped when ``chromium`` is not installed.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

import rnnloss_cli
from rnnloss_cli.problem import parse_problem
from rnnloss_cli.render.html import render_html
from rnnloss_cli.solve import solve
from tests.render.test_browser_phone import ANSWER_KEYS
from tests.render.test_browser_reader import probe

CHROMIUM = shutil.which("chromium")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")

ROOT = Path(rnnloss_cli.__file__).resolve().parents[1]
PROBLEMS = sorted(ROOT.glob("problems/*.yaml"))


def _mismatching(name: str, figure: str, key: float) -> str:
    """The page of problems/``name``.yaml with its key for ``figure`` set to ``key`` (wrong),
    so its answer key shows MISMATCH (bold, wider than "ok") and the distinct digits."""
    mapping = yaml.safe_load((ROOT / "problems" / f"{name}.yaml").read_text(encoding="utf-8"))
    mapping["answer"][figure] = key
    return render_html([solve(parse_problem(mapping, {}, f"{name}.yaml"))])


@pytest.fixture(scope="module")
def keys_320(tmp_path_factory) -> dict[str, list]:
    pages = {p.stem: render_html([rnnloss_cli.solve_file(str(p))]) for p in PROBLEMS}
    # hello's listed loss is 3.673 (its file's hand arithmetic): 3.675 disagrees
    pages["hello-mismatch"] = _mismatching("hello", "listed", 3.675)
    # bptt-two-steps' loss is 0.400011 (its file's key): 0.400511 disagrees
    pages["bptt-mismatch"] = _mismatching("bptt-two-steps", "loss", 0.400511)
    tmp = tmp_path_factory.mktemp("keys320")
    return probe(pages, ANSWER_KEYS, tmp, width=320, flags=["--hide-scrollbars"])


@pytest.mark.parametrize("page", [p.stem for p in PROBLEMS] + ["hello-mismatch", "bptt-mismatch"])
def test_the_answer_key_fits_a_320_px_phone(page, keys_320):
    """At 320 px the answer key (figure, expected, got, verdict) fits its result box, every
    verdict on the screen (before: its four one-word heads and numbers, at the page's size
    and padding, hid 21 to 67 px of every page's key, most of the verdict column, behind
    the box's scrollbar: bptt-two-steps 67 px, reinforce-episode 53 px, hello 37 px; with a
    MISMATCH, 92 px wide in bold, hello 70 px and bptt-two-steps 101 px)."""
    got = keys_320[page]
    assert got, page  # every page here has a key
    for hidden, verdicts in got:
        assert hidden <= 1 and verdicts and all(verdicts), (page, got)


#: Each formula or step box wider than its line: how many px of it are hidden to the right,
#: and the alttexts of its maths (which step it is).
HIDDEN_STEPS = """Array.from(document.querySelectorAll(".formula, .step"))
  .filter(f => f.scrollWidth - f.clientWidth > 1).map(f => [f.scrollWidth - f.clientWidth,
    Array.from(f.querySelectorAll("math"), m => m.getAttribute("alttext")).join(" ")])"""


def test_every_step_reads_without_scrolling_sideways_at_320_px(tmp_path):
    """At 320 px every page's formula and steps wrap inside the page (before: bce-tokens'
    mean "(0.105 + 0.223 + 0.511 + 0.105) / 4 = 0.236", a fraction with its result, hid
    27 px; ctc-align-ab's "p(π*) / p(l|x) = 0.0875 / 0.4888 = 0.179" 47 px; a line of
    rnnt-ab-two-frames' lattice 4 px: each one <math> as wide as the whole 264 px line the
    list's 40 px indent left)."""
    pages = {p.stem: render_html([rnnloss_cli.solve_file(str(p))]) for p in PROBLEMS}
    got = probe(pages, HIDDEN_STEPS, tmp_path, width=320, flags=["--hide-scrollbars"])
    assert {name: boxes for name, boxes in got.items() if boxes} == {}
