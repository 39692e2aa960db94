"""A step that is a long product, sum or sentence wraps on a phone, as a list step does.

Before: only list steps (", " between items) and steps cut before their relations wrapped; a
piece between two relations was one ``<math>``, so hello's "alignment 1: H-E-L-L-O" (a
product of nine factors) and the exact-CTC pages' "extended labels", "frames needed" and
worked cells (prose in brackets, one unbreakable run of words) scrolled sideways in their
own boxes at 390 px, by 42 to 232 px (measured in Chromium on every problem in problems/).
Now a piece too long for a phone's line is cut again, before its top-level × · + − and
between the words of its prose, each part its own ``<math>``; on a desktop they still sit
on one line.
"""

from __future__ import annotations

import re
import shutil
import xml.etree.ElementTree as ET

import pytest

import rnnloss_cli
from rnnloss_cli.render.html import render_html, step_html
from rnnloss_cli.render.text import step_latex, step_text
from tests.render.test_step_wrap import STEPS

#: Steps that scrolled at 390 px, by page.
NARROW = {
    "hello": ["alignment 1: H-E-L-L-O", "sum over the listed alignments"],
    "ctc-exact-ab": ["extended labels", "frames needed", "worked cell α2(2)",
                     "worked cell β2(4)", "worked gradient entry ∂loss/∂z1(A)", "exact p(l|x)"],
}  # fmt: skip


@pytest.mark.skipif(shutil.which("chromium") is None, reason="chromium is not installed")
def test_products_sums_and_prose_wrap_on_a_phone_and_stay_one_line_on_a_desktop(tmp_path):
    from tests.render.test_browser_reader import probe

    pages = {n: render_html([rnnloss_cli.solve_file(f"problems/{n}.yaml")]) for n in NARROW}
    phone = probe(pages, STEPS, tmp_path, width=390, flags=["--hide-scrollbars"])
    desk = probe(pages, STEPS, tmp_path, width=1280)
    for name, labels in NARROW.items():
        for label in labels:
            (on_phone,) = [s for s in phone[name] if s[0] == label]
            assert not on_phone[1], (name, label, "scrolls at 390 px")
    for label in NARROW["hello"]:  # a product, a sum: one line on a desktop, as before
        (on_desk,) = [s for s in desk["hello"] if s[0] == label]
        assert not on_desk[1] and on_desk[2] == 1, (label, on_desk)


def _maths(html: str) -> list[ET.Element]:
    return list(ET.fromstring(f"<div>{html}</div>").iter("math"))


@pytest.mark.parametrize("name", ["hello", "ctc-exact-ab", "ctc-align-ab", "reinforce-episode"])
def test_every_cut_keeps_the_steps_text_and_valid_mathml(name):
    # the pieces' texts, read back out of their MathML, give the step's plain text again
    # (less spaces and the marks of scripts), and no step falls back to plain text that
    # translated before
    r = rnnloss_cli.solve_file(f"problems/{name}.yaml")
    for step in r.steps:
        html = step_html(step, 3)
        maths = _maths(html)
        if not maths:
            continue
        shown = "".join("".join(m.itertext()) for m in maths)
        plain = step_text(step, 3)

        def squash(s: str) -> str:
            s = s.replace("\\times", "×").translate(str.maketrans("′⋅−∗", "'·-*"))
            return re.sub(r"[\s\u00a0\u2061\u2062_{}]", "", s)

        if "\\" not in step_latex(step, 3):  # read from its plain text: every character
            assert squash(shown) == squash(plain), (step.label, shown, plain)


def test_a_long_product_is_cut_before_its_times_signs_into_several_maths():
    r = rnnloss_cli.solve_file("problems/hello.yaml")
    (step,) = [s for s in r.steps if s.label == "alignment 1: H-E-L-L-O"]
    maths = _maths(step_html(step, 3))
    assert len(maths) >= 3
    # each later piece of the product starts with its × (the operator that joins it)
    texts = ["".join(m.itertext()).strip() for m in maths]
    assert all(t.startswith("×") for t in texts[1:-1]), texts
    assert texts[-1].startswith("="), texts
