"""The HTML page for readers who do not see it as drawn: what a screen reader is given for a
formula or step cut into pieces for a phone, and what a reader gets when copying a step.
Measured in headless Chromium (the probe of :mod:`tests.render.test_browser_reader`); with
``--enable-experimental-web-platform-features`` an element's ``computedName`` is the
accessible name Chromium hands to assistive technology. Skipped without ``chromium``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import rnnloss_cli
from rnnloss_cli.render.html import render_html
from tests.render.test_browser_reader import probe

CHROMIUM = shutil.which("chromium")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")

PROBLEMS = sorted(Path(rnnloss_cli.__file__).resolve().parents[1].glob("problems/*.yaml"))

#: Each formula or step set as several <math> (cut so that a phone wraps it): the accessible
#: names of its elements with role math (the wrapper), how many of its <math> a screen reader
#: still reaches (not inside aria-hidden), and the alttexts of those.
CUT_NAMES = """Array.from(document.querySelectorAll(".formula, .step")).filter(box =>
  box.querySelectorAll("math").length > 1).map(box => {
  const exposed = Array.from(box.querySelectorAll("math"))
    .filter(m => !m.closest('[aria-hidden="true"]'));
  return {named: Array.from(box.querySelectorAll('[role="math"]'), el => el.computedName),
          exposed: exposed.length, alts: exposed.map(m => m.getAttribute("alttext"))};
})"""


@pytest.fixture(scope="module")
def cut_names(tmp_path_factory) -> dict[str, list[dict]]:
    pages = {p.stem: render_html([rnnloss_cli.solve_file(str(p))]) for p in PROBLEMS}
    tmp = tmp_path_factory.mktemp("names")
    flags = ["--enable-experimental-web-platform-features", "--hide-scrollbars"]
    return probe(pages, CUT_NAMES, tmp, width=390, flags=flags)


def test_a_cut_formula_is_read_once_as_its_plain_text(cut_names):
    """ctc-exact-ab's defining formula, cut before its "=" into two <math>, is one element
    of role math whose accessible name is the line the terminal prints (README's excerpt:
    "CTC loss = −ln p(l|x),  p(l|x) = Σ_{π : B(π) = l} Π_t y_t(π_t)"), its pieces hidden
    (before: a screen reader read two alttexts of LaTeX, "-\\ln p(l|x),\\quad p(l|x)" and
    "= \\sum_{\\pi:\\,\\mathcal{B}(\\pi)=l}\\ \\prod_t y^t_{\\pi_t}")."""
    formula = cut_names["ctc-exact-ab"][0]
    said = "CTC loss = −ln p(l|x), p(l|x) = Σ_{π : B(π) = l} Π_t y_t(π_t)"
    assert [" ".join(n.split()) for n in formula["named"]] == [said], formula
    assert formula["exposed"] == 0, formula


@pytest.mark.parametrize("problem", PROBLEMS, ids=lambda p: p.stem)
def test_every_cut_step_has_one_plain_text_name(problem, cut_names):
    """Every formula or step cut into several <math> has exactly one accessible name, plain
    text (no LaTeX command, no \\quad), and no piece a screen reader reads on its own."""
    for box in cut_names[problem.stem]:
        assert len(box["named"]) == 1 and box["exposed"] == 0, (problem.stem, box)
        name = box["named"][0]
        assert name.strip() and "\\" not in name, (problem.stem, box)


def test_the_pages_cut_some_steps(cut_names):
    """The two tests above have something to look at: pages cut formulas and steps."""
    assert sum(len(boxes) for boxes in cut_names.values()) >= 20, cut_names


#: Whether the page's text, as ``innerText`` gives it and as a reader copies it (a selection
#: of the whole body), holds a zero-width space; and how many steps are cut into pieces.
COPIED = """(() => {
  const s = getSelection(); s.selectAllChildren(document.body);
  const copied = s.toString();
  return {inner: document.body.innerText.includes("\\u200b"),
          copied: copied.includes("\\u200b"),
          cut: Array.from(document.querySelectorAll(".formula, .step"))
            .filter(b => b.querySelectorAll("math").length > 1).length};
})()"""


def test_copying_a_wrapped_step_picks_up_no_zero_width_space(tmp_path):
    """On a 320 px phone the long steps of bptt-two-steps, rnnt-ab-two-frames and
    reinforce-episode wrap between their pieces; copying the page gives clean text (before:
    a U+200B was set before each piece opening with "=", ×, + or −, and came along into
    every copied step, a character a calculator or a search does not take)."""
    names = ("bptt-two-steps", "rnnt-ab-two-frames", "reinforce-episode", "ctc-exact-ab")
    pages = {n: render_html([rnnloss_cli.solve_file(f"problems/{n}.yaml")]) for n in names}
    got = probe(pages, COPIED, tmp_path, width=320, flags=["--hide-scrollbars"])
    assert sum(g["cut"] for g in got.values()) >= 10, got
    for name, g in got.items():
        assert not g["inner"] and not g["copied"], (name, g)
