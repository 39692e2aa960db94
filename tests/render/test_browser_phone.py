"""The page's top formula as a reader sees it on a phone (390 px) and on a wide screen, measured
by headless Chromium (the probe of :mod:`tests.render.test_browser_reader`). Skipped when
``chromium`` is not installed (.ci/run installs it).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

import rnnloss_cli
from rnnloss_cli.cli.app import app
from rnnloss_cli.render.html import render_html
from tests.render.test_browser_reader import probe

CHROMIUM = shutil.which("chromium")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")

PROBLEMS = sorted(Path(rnnloss_cli.__file__).resolve().parents[1].glob("problems/*.yaml"))

#: The page's defining formula (the ``.formula`` under its title): how many px of it are hidden
#: to the right (its box's scroll width over its width), the smallest font size (px) of its
#: maths over the page's text size, and on how many lines its pieces lie (a piece starting
#: below the bottom of the one before it opens a new line).
FORMULA = """Array.from(document.querySelectorAll(".formula")).map(f => {
  const maths = Array.from(f.querySelectorAll("math"));
  const body = parseFloat(getComputedStyle(document.body).fontSize);
  const boxes = maths.map(m => m.getBoundingClientRect());
  const lines = 1 + boxes.slice(1).filter((b, k) => b.top >= boxes[k].bottom - 1).length;
  return {hidden: f.scrollWidth - f.clientWidth, lines: lines,
          size: Math.min(...maths.map(m => parseFloat(getComputedStyle(m).fontSize))) / body};
})"""


@pytest.fixture(scope="module")
def phone_formulas(tmp_path_factory) -> dict[str, list[dict]]:
    pages = {p.stem: render_html([rnnloss_cli.solve_file(str(p))]) for p in PROBLEMS}
    tmp = tmp_path_factory.mktemp("formula")
    return probe(pages, FORMULA, tmp, width=390, flags=["--hide-scrollbars"])


@pytest.mark.parametrize("problem", PROBLEMS, ids=lambda p: p.stem)
def test_the_top_formula_reads_without_scrolling_sideways_on_a_phone(problem, phone_formulas):
    """At 390 px every page's defining formula wraps between its clauses, relations and
    terms, each piece at the formula's full size (before: bptt-two-steps hid 403 px of its
    three equations, rnnt-ab-two-frames 592 px of its recursion, ctc-align-ab 323 px,
    the decoders 186 px and reinforce-episode 61 px behind a scrollbar in the formula's box)."""
    got = phone_formulas[problem.stem]
    for formula in got:
        assert formula["hidden"] <= 1, (problem.stem, got)
        assert formula["size"] >= 1.2, (problem.stem, got)  # 1.1em maths, 1.2em in a formula


def test_a_wide_window_keeps_a_short_formula_on_one_line(tmp_path):
    """At 1200 px the CTC formula, −ln p(l|x), p(l|x) = Σ Π y, stays on one line; on a phone
    the long recursions of rnnt-ab-two-frames take several."""
    pages = {
        p: render_html([rnnloss_cli.solve_file(f"problems/{p}.yaml")])
        for p in ("ctc-exact-ab", "rnnt-ab-two-frames")
    }
    wide = probe(pages, FORMULA, tmp_path, width=1200)
    assert [f["lines"] for f in wide["ctc-exact-ab"]] == [1], wide
    assert all(f["hidden"] <= 1 for got in wide.values() for f in got), wide
    phone = probe(pages, FORMULA, tmp_path, width=390, flags=["--hide-scrollbars"])
    assert phone["rnnt-ab-two-frames"][0]["lines"] >= 3, phone


#: Each table's box: its caption, whether it scrolls sideways, and the most lines any cell of
#: numbers or symbols (no word of two letters: 0.6 × 0.2, H-E-L-L-O, 2.49e-5) runs over.
TABLES = """Array.from(document.querySelectorAll(".wide")).map(w => {
  const lines = el => { const r = document.createRange(); r.selectNodeContents(el);
    return new Set(Array.from(r.getClientRects(), b => Math.round(b.top))).size; };
  const cells = Array.from(w.querySelectorAll("td")).filter(td => td.textContent.trim() &&
    !/[A-Za-z]{2}/.test(td.textContent));
  return [(w.querySelector("caption") || {}).textContent, w.scrollWidth > w.clientWidth + 1,
          Math.max(0, ...cells.map(lines))];
})"""


def test_a_table_of_settings_wraps_its_words_on_a_phone(tmp_path):
    """``rnnloss train --format html`` on a phone: the settings table (setting, value) wraps
    its prose values ("spelling 2-3 letter words from noisy frames (…)") and shows whole
    (before: the one-line task pushed the value column 565 px past the phone's edge, so
    every number of it, learning rate, seed, epochs, was out of sight); hello's listed
    alignments still keep each product and alignment on one line, and scroll."""
    out = tmp_path / "run.html"
    args = ["train", "--loss", "ctc", "--epochs", "2", "--format", "html", "-o", str(out)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    pages = {
        "train": out.read_text(encoding="utf-8"),
        "hello": render_html([rnnloss_cli.solve_file("problems/hello.yaml")]),
    }
    got = probe(pages, TABLES, tmp_path, width=390, flags=["--hide-scrollbars"])
    settings = [t for t in got["train"] if t[0] == "settings"]
    assert settings and not settings[0][1], got["train"]
    assert all(t[2] <= 1 for tables in got.values() for t in tables), got
    assert any(t[1] for t in got["hello"] if t[0].startswith("listed alignments")), got["hello"]


#: Each answer key (the table in the result panel): how many px of it are hidden to the right
#: of its box, and whether each verdict cell lies inside the window.
ANSWER_KEYS = """Array.from(document.querySelectorAll(".result .wide")).map(w => [
  w.scrollWidth - w.clientWidth,
  Array.from(w.querySelectorAll("td.ok, td.bad"), td =>
    td.getBoundingClientRect().right <= innerWidth)])"""


@pytest.fixture(scope="module")
def phone_keys(tmp_path_factory) -> dict[str, list]:
    pages = {p.stem: render_html([rnnloss_cli.solve_file(str(p))]) for p in PROBLEMS}
    tmp = tmp_path_factory.mktemp("keys")
    return probe(pages, ANSWER_KEYS, tmp, width=390, flags=["--hide-scrollbars"])


@pytest.mark.parametrize("problem", PROBLEMS, ids=lambda p: p.stem)
def test_the_answer_key_shows_its_verdicts_on_a_phone(problem, phone_keys):
    """At 390 px the answer key fits its result box: a long figure name
    (objective_no_baseline, grads.W_xh[0][0]) wraps in its cell, so every verdict, ok or
    MISMATCH, is on the screen (before: reinforce-episode hid 192 px of its key, the whole
    verdict column, behind the box's scrollbar; bptt-two-steps 124 px)."""
    got = phone_keys[problem.stem]
    for hidden, verdicts in got:
        assert hidden <= 1 and all(verdicts), (problem.stem, got)


#: Each table's box: its caption, and how many px of it are hidden to the right.
HIDDEN = """Array.from(document.querySelectorAll(".wide")).map(w =>
  [(w.querySelector("caption") || {}).textContent, w.scrollWidth - w.clientWidth])"""


def test_a_table_headed_by_formulas_wraps_its_heads_on_a_phone(tmp_path):
    """At 390 px the per-element tables of bce-bits, hinge-sequence and mse-forecast, headed
    by their formulas ("−[y ln ŷ + (1−y) ln(1−ŷ)] (nats)"), wrap those heads between words
    and show whole (before: the one-line heads pushed the terms and gradients 512, 231 and
    26 px past the phone's edge: bce-bits showed "0." of its only term)."""
    pages = {
        p: render_html([rnnloss_cli.solve_file(f"problems/{p}.yaml")])
        for p in ("bce-bits", "hinge-sequence", "mse-forecast")
    }
    got = probe(pages, HIDDEN, tmp_path, width=390, flags=["--hide-scrollbars"])
    for name, tables in got.items():
        per = [hidden for caption, hidden in tables if caption == "per element"]
        assert per and all(hidden <= 1 for hidden in per), (name, tables)


#: The text a reader sees (``innerText``) of every column head and table legend that still
#: shows TeX's subscript marks ("_{", "'_"), and the heads set as l′ with a subscript.
RAW_SUBSCRIPTS = """({raw: Array.from(document.querySelectorAll("th, .legend"), el => el.innerText)
  .filter(t => /_\\{|'_/.test(t)),
  primed: Array.from(document.querySelectorAll("th"), th => th.innerHTML)
  .filter(h => h.includes("l′<sub>s</sub>")).length})"""


def test_heads_and_legends_set_their_subscripts(tmp_path):
    """ctc-align-ab's forward table legend reads α<sub>t</sub>(s) = y<sub>t</sub>(l′<sub>s</sub>)
    · (α<sub>t−1</sub>(s) + …), and the trellis tables' head l′<sub>s</sub>, as the steps
    set them (before: "α_{t−1}(s)" and "l'_s", TeX's marks printed as they are);
    bptt-two-steps' "h_{t−k−1}" likewise."""
    pages = {
        p: render_html([rnnloss_cli.solve_file(f"problems/{p}.yaml")])
        for p in ("ctc-align-ab", "ctc-exact-ab", "bptt-two-steps")
    }
    got = probe(pages, RAW_SUBSCRIPTS, tmp_path)
    assert all(v["raw"] == [] for v in got.values()), got
    assert got["ctc-align-ab"]["primed"] >= 2 and got["ctc-exact-ab"]["primed"] >= 1, got


#: The px between each two neighbouring pieces (<math>) of a page's formula on one line.
PIECE_GAPS = """Array.from(document.querySelectorAll(".formula")).flatMap(f => {
  const b = Array.from(f.querySelectorAll("math"), m => m.getBoundingClientRect());
  return b.slice(1).map((x, k) => [x, b[k]]).filter(([x, prev]) => x.top < prev.bottom - 1)
    .map(([x, prev]) => Math.round(x.left - prev.right));
})"""


def test_a_cut_formula_keeps_its_own_spacing_on_a_wide_line(tmp_path):
    """A formula cut into pieces to wrap on a phone reads as before on a wide screen: a
    \\quad between clauses (reinforce-episode's J = …,\\quad L = −J) stays an em wide, a cut
    before a relation sets only the relation's own space, and nll-two-words' clauses cut after
    their commas keep a plain space (before: an em space, "{0,   …,   C − 1}")."""
    pages = {
        p: render_html([rnnloss_cli.solve_file(f"problems/{p}.yaml")])
        for p in ("nll-two-words", "reinforce-episode")
    }
    got = probe(pages, PIECE_GAPS, tmp_path, width=1200)
    # the page's maths are 1.1 × 1.2 × 16 = 21 px: an em space is 21 px, a space about 5
    assert got["nll-two-words"] and max(got["nll-two-words"]) <= 8, got
    # its two \\quad cuts an em; the cut before the "=" after its name J, the relation's own
    # space (nothing between the two <math>)
    gaps = sorted(got["reinforce-episode"])
    assert len(gaps) >= 2 and gaps[-2] >= 15 and gaps[0] <= 8, got
