"""The HTML page prints every number with the digits planned for the whole derivation (as the
terminal, markdown and JSON do), so a number reads the same on the page as in the terminal.

Hand arithmetic (a calculator, not the engine):

custom-combo: L_1 = −ln 0.7 − ln 0.5 − ln 0.6 = 0.356675 + 0.693147 + 0.510826 = 1.560648,
L_2 = 1.4 / 3 = 0.466667, L = 0.7 × 1.560648 + 0.3 × 0.466667 = 1.232454 (prints 1.232). At 3
decimals 0.7 × 1.561 + 0.3 × 0.467 = 1.2328 (1.233): the weighted sum needs L_1 = 1.5606 and
L_2 = 0.4667 (0.7 × 1.5606 + 0.3 × 0.4667 = 1.23243, 1.232). The term's sum line then reads
"… = 1.5606", which 0.357 + 0.693 + 0.511 = 1.561 does not give: its terms are printed
0.3567 + 0.6931 + 0.5108 = 1.5606, and the per-step table's −ln ŷ cells with them.

reinforce-episode: b = (1.81 + 0.9 + 1) / 3 = 1.236667; A_1 = 1.81 − b = 0.573333,
ln 0.9 = −0.105361, A_1 · ln π = −0.060407 (prints −0.0604). At 3 decimals
0.573 × (−0.105) = −0.060165 (−0.0602): the row needs 0.5733 × (−0.1054) = −0.060426, and
A_1 = 1.81 − b at 4 decimals needs b = 1.2367 (1.81 − 1.2367 = 0.5733): the baseline line
prints 1.2367, where on its own it would print 3.71 / 3 = 1.237.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from rnnloss_cli.problem import load_problem
from rnnloss_cli.render.html import render_html, table_html
from rnnloss_cli.render.markdown import render_markdown
from rnnloss_cli.result import Derived, Table
from rnnloss_cli.solve import solve


def _page(path: str) -> ET.Element:
    text = render_html([solve(load_problem(path))])
    return ET.fromstring(text.split("\n", 1)[1])  # past <!DOCTYPE html>


def _column(root: ET.Element, caption: str, head: str) -> list[str]:
    """The cells of the column headed ``head`` in the table captioned ``caption``."""
    for t in root.iter("table"):
        if t.find("caption").text != caption:
            continue
        heads = ["".join(th.itertext()) for th in t.iter("th")]
        j = heads.index(head)
        return ["".join(tr.findall("td")[j].itertext()) for tr in t.find("tbody")]
    raise AssertionError(f"no table {caption!r}")


def _step(root: ET.Element, label: str) -> str:
    """The alttexts of the step labelled ``label`` (the words the maths reads as)."""
    for li in root.iter("li"):
        spans = [s for s in li.iter("span") if s.get("class") == "label"]
        if spans and "".join(spans[0].itertext()) == label:
            return " ".join(m.get("alttext", "") for m in li.iter("math"))
    raise AssertionError(f"no step {label!r}")


def test_table_cells_take_the_digits_the_derivation_needs():
    root = _page("problems/custom-combo.yaml")
    assert _column(root, "terms", "value Li") == ["1.5606", "0.4667"]  # L_i: L<sub>i</sub>
    assert _column(root, "per step", "−ln ŷ(target)") == ["0.3567", "0.6931", "0.5108"]


def test_a_step_prints_a_number_as_the_table_beside_it_does():
    root = _page("problems/reinforce-episode.yaml")
    assert "1.2367" in _step(root, "baseline b = mean of the returns")
    assert _column(root, "per step", "b") == ["1.2367"] * 3
    assert _column(root, "per step", "ln π")[0] == "−0.1054"  # ln 0.9, U+2212 as the lines


def test_a_derived_cell_no_digits_mend_is_marked():
    # 1 + 1 is 2 at any digits: the printed 3 is marked "≈3"; 1 + 2 = 3 is not marked
    t = Table("sums", ["a", "b", "a + b"], [[1.0, 1.0, 3.0], [1.0, 2.0, 3.0]])
    t.derived.append(Derived("a + b", "{0} + {1}", ("a", "b")))
    html = "\n".join(table_html(t, 3))
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", html)
    assert cells == ["1", "1", "≈3", "1", "2", "3"]


_NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?:e-?\d+)?")


def _numbers(text: str) -> set[str]:
    return set(_NUMBER.findall(text.replace("−", "-")))


def _page_numbers(root: ET.Element) -> set[str]:
    """Numbers a reader sees on the page: its text and its maths' alttexts (not the CSS, not
    the MathML inside, which spells the alttext out, nor the drawings)."""
    out: set[str] = set()

    def walk(el: ET.Element) -> None:
        if el.tag in ("style", "svg", "figure", "title"):
            return
        if el.tag == "math":
            out.update(_numbers(el.get("alttext", "")))
            return
        out.update(_numbers(el.text or ""))
        for child in el:
            walk(child)
            out.update(_numbers(child.tail or ""))

    walk(root)
    return out


@pytest.mark.parametrize(
    "name", ["reinforce-episode", "bptt-two-steps", "custom-combo", "digits-123"]
)
def test_the_page_and_markdown_print_the_same_numbers(name):
    path = f"problems/{name}.yaml"
    markdown = render_markdown([solve(load_problem(path))])
    shown = _page_numbers(_page(path))
    written = _numbers(markdown.replace(r"\times", " "))
    assert shown - written == set()
    assert written - shown == set()
