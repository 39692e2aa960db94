"""Subscripts on the Markdown and HTML sheets read as subscripts, never as TeX source.

BPTT's question sheet said, in its Conventions, "h\\_{t−1}" (Markdown) and "h_{t−1}" (HTML),
and its gradient table's text cells "∂L/∂W_hh = Σ_t h\\_{t−1}ᵀ δ_t": literal braces a student
does not write. Markdown sets such names as inline maths (``$h_{t-1}$``, as its steps are
written); HTML as ``h<sub>t−1</sub>``, as its step labels are.
"""

from __future__ import annotations

import re
from pathlib import Path

from rnnloss_cli.sheet import build_sheet

BPTT = str(Path(__file__).resolve().parent.parent / "problems" / "bptt-two-steps.yaml")


def _outside_maths(line: str) -> str:
    """The line with its inline maths spans ($…$, not escaped \\$) left out."""
    return re.sub(r"(?<!\\)\$[^$]*(?<!\\)\$", "", line)


def _line(text: str, start: str) -> str:
    return next(line for line in text.splitlines() if line.startswith(start))


def test_markdown_conventions_set_h_t_minus_1_as_maths():
    md = build_sheet([BPTT], "markdown", solutions=False)
    said = _line(md, "**Conventions.**")
    assert "$h_{t-1}$" in said, said
    assert "_{" not in _outside_maths(said), said


def test_markdown_gradient_table_cell_sets_its_formula_as_maths():
    md = build_sheet([BPTT], "markdown", solutions=True)
    cell = _line(md, "| ∂L/∂$W_{hh}$")  # the ∂L/∂W_hh row of the gradient table
    assert "$h_{t-1}^{\\top}$" in cell, cell  # hᵀ_{t−1}: the transpose in the maths
    assert "_{" not in _outside_maths(cell), cell


def test_html_conventions_set_subscripts_as_sub():
    html = build_sheet([BPTT], "html", solutions=False)
    said = _line(html.replace("<p", "\n<p"), '<p class="task"><strong>Conventions')
    assert "h<sub>t−1</sub>" in said, said
    assert "_{" not in said, said


#: ctc-exact-ab with its blank named "x_1": a file's symbol, which the conventions quote.
BLANK_X1 = """kind: ctc
method: exact
target: AB
symbols: [x_1, A, B]
blank: x_1
emissions:
  - [0.2, 0.7, 0.1]
  - [0.3, 0.3, 0.4]
  - [0.2, 0.1, 0.7]
"""


def test_a_symbol_the_conventions_quote_is_shown_as_the_file_writes_it(tmp_path):
    """The conventions' names are set as subscripts, but not the blank they quote from the
    file: "x_1" read "$x_1$" (Markdown), "x<sub>1</sub>" (HTML), x₁ (LaTeX), not the symbol
    the givens list."""
    path = tmp_path / "b.yaml"
    path.write_text(BLANK_X1, encoding="utf-8")
    md = build_sheet([str(path)], "markdown", solutions=False)
    assert "The blank is the symbol 'x_1'" in _line(md, "**Conventions.**")
    html = build_sheet([str(path)], "html", solutions=False)
    assert "The blank is the symbol &#x27;x_1&#x27;" in html
    tex = build_sheet([str(path)], "latex", solutions=False)
    assert r"The blank is the symbol 'x\_1'" in tex
