"""HTML renderer: one self-contained page (inline CSS, no external URL, no JavaScript).

The page is XHTML-like (every element closed, every text through :func:`html.escape`), so it
parses with ``xml.etree``. Tables are windowed as in the other formats and carry their legend
as a caption; steps are MathML translated from their LaTeX (:mod:`render.mathml`), or their
plain text where the translation gives up; warnings and notes are call-outs; the loss and
the answer-key verdicts sit in a result panel.
An exact CTC result also shows its forward trellis as an SVG heat map (:mod:`render.svg`).
"""

from __future__ import annotations

import re
from dataclasses import replace
from html import escape

from rnnloss_cli.render.controls import visible_controls
from rnnloss_cli.render.latex import FORMULA_CELL, closing_words
from rnnloss_cli.render.text import (
    LEGEND_TEXT,
    MINUS,
    Digits,
    answer_rows,
    digits_plan,
    fmt_key,
    fmt_number,
    lay_out,
    legend_line,
    signed,
    signed_cells,
    step_latex,
    step_text,
    table_cells,
)
from rnnloss_cli.result import Result, Table, Window, student_notes, unit_after

#: How a styled cell is marked on the page (class, and a text mark where colour alone would
#: not do), and how the caption names the mark.
CELL_CLASS = {"dim": "dim", "dead": "dead", "highlight": "hl"}
LEGEND_HTML = {**LEGEND_TEXT, "dim": "grey", "dead": "†", "highlight": "bold"}
TEXT_CLASS = ' class="text"'

#: Families with Chinese (simplified, traditional), Japanese and Korean glyphs on the systems
#: readers use (Noto/Source Han on Linux and Android, Apple's, Windows', then older Linux
#: ones), listed after the Latin faces so that only what those lack is taken from them.
CJK_FONTS = ", ".join(
    f'"{name}"'
    for name in (
        "Noto Sans CJK SC", "Noto Sans CJK TC", "Noto Sans CJK JP", "Noto Sans CJK KR",
        "Source Han Sans SC", "Source Han Sans KR", "PingFang SC", "PingFang TC",
        "Hiragino Sans", "Apple SD Gothic Neo", "Microsoft YaHei", "Microsoft JhengHei",
        "Yu Gothic", "Malgun Gothic", "WenQuanYi Micro Hei", "Droid Sans Fallback",
    )
)  # fmt: skip

CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans",
  Arial, CJK_FONTS, sans-serif; max-width: 60rem; margin: 2rem auto;
  padding: 0 1rem; color: #1a1a1a; background: #fff; line-height: 1.45; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.25rem; border-bottom: 1px solid #ccc; }
/* a sheet nests a custom problem's terms down to h5/h6: never smaller than the text */
h3 { font-size: 1.1rem; } h4, h5, h6 { font-size: 1rem; } h6 { font-style: italic; }
/* prose wraps even a long unbroken word rather than widening the page */
h1, h2, h3, h4, h5, h6, p, li, .callout, caption, figcaption { overflow-wrap: anywhere; }
.meta { color: #555; }
/* (a CJK symbol in maths falls back from the math fonts to the text's CJK families) */
math { font-size: 1.1em;
  font-family: "Latin Modern Math", "STIX Two Math", "Cambria Math", math, CJK_FONTS, serif; }
/* a drawing's labels (a CTC symbol 漢, 한) fall back to them too; its Latin text keeps the
   sans-serif of its own font-family attribute, which its label widths are sized for */
svg { font-family: sans-serif, CJK_FONTS; }
.formula { margin: 0.6rem 0; } .formula math { font-size: 1.2em; }
/* a worked fraction's numbers are as large as the rest of its line (an inline fraction's
   rows would be set at 70 %); its scripts still shrink */
.step mfrac { math-style: normal; }
.steps li { margin: 0.25rem 0; }
.givens th { text-align: left; font-weight: normal; }
.aside { color: #444; }  /* a formula's closing words: "(reduction: mean)" */
.plain, .givens th { font-family: ui-monospace, "SF Mono", Menlo, Consolas, "DejaVu Sans Mono",
  "Liberation Mono", CJK_FONTS, monospace; }
.givens td { text-align: left; }
.task { margin: 0.8rem 0; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; }
caption { caption-side: top; text-align: left; font-weight: bold; padding: 0.3rem 0;
  width: max-content; max-width: min(44rem, calc(100vw - 2rem)); }
/* a table, formula or step wider than the page scrolls by itself; the page never does */
.wide, .formula, .step, figure.trellis { overflow-x: auto; overflow-y: hidden; }
/* the space under a table is the box's, not the table's: a scrollbar sits right under the
   table and the legend (its negative top margin) starts below the box, not over its bar */
.wide { margin-bottom: 1rem; } .wide > table { margin-bottom: 0.2rem; }
/* a table wider than its box says so at the edge it scrolls past: a shadow (fixed to the box)
   that a cover in the page's colour (scrolling with the table) hides at either end */
.wide { background: linear-gradient(to right, #fff 40%, #fff0) left / 1.5rem 100% local,
  linear-gradient(to left, #fff 40%, #fff0) right / 1.5rem 100% local,
  radial-gradient(farthest-side at 0 50%, #0005, #0000) left / 0.75rem 100% scroll,
  radial-gradient(farthest-side at 100% 50%, #0005, #0000) right / 0.75rem 100% scroll;
  background-repeat: no-repeat; }
/* a result's table wider than the 60rem text column may run on into the free margin on its
   right, up to 1rem from the window's edge (the column's left edge is 50vw − 30rem on a wide
   window, 1rem on a narrow one), before it scrolls */
section > .wide { width: max-content; max-width: min(50vw + 29rem, calc(100vw - 2rem)); }
/* in a box that scrolls, a cell keeps its text on one line (no column squeezed to a sliver);
   a number never breaks, not even at its exponent's minus (2.49e-5) */
.wide th, .wide td, .num { white-space: nowrap; }
/* ... but on a phone a cell of prose (a setting's value, a term's name) and a column's head
   (a formula: −[y ln ŷ + (1−y) ln(1−ŷ)]) wrap between their words, so a table shows its
   values instead of pushing them off the screen; numbers, products and label strings still
   keep to one line */
@media screen and (max-width: 40rem) {
  .wide td.prose, .wide th { white-space: normal; }
  /* ... and the cells narrow their padding (a minus sign U+2212 is wider than a hyphen:
     hinge-sequence's seven columns were 10 px past a 390 px screen) */
  .wide th, .wide td { padding-left: 0.35rem; padding-right: 0.35rem; }
}
.legend { font-size: 0.9rem; color: #444; margin-top: -0.6rem; }
th, td { border: 1px solid #bbb; padding: 0.2rem 0.5rem; text-align: right; }
td.text, th.text, .checks th:first-child { text-align: left; }
th { background: #f0f0f0; }
td.dim { color: #6b6b6b; } td.hl { font-weight: bold; } td.dead { color: #8a5a00; }
.callout { border-left: 4px solid; padding: 0.4rem 0.8rem; margin: 0.8rem 0; }
.warning { border-color: #d08000; background: #fff6e5; }
.note { border-color: #3070c0; background: #eef4fc; }
.result { border: 2px solid #333; border-radius: 6px; padding: 0.6rem 1rem; margin: 1rem 0; }
.result .loss { font-size: 1.2rem; font-weight: bold; }
.ok { color: #1a7a1a; } .bad { color: #b00020; font-weight: bold; }
/* on a phone an answer key fits its result box: a long figure name (objective_no_baseline)
   wraps in its cell, so its last column, whether each key agrees, stays on the screen (these
   rules follow the box's own, which they override) */
@media screen and (max-width: 40rem) {
  .result { padding-left: 0.6rem; padding-right: 0.6rem; }
  .checks th, .checks td { padding-left: 0.2rem; padding-right: 0.2rem; }
  .checks td.text { white-space: normal; overflow-wrap: anywhere; min-width: 3em; }
  /* ... and so does a long number in it (a disagreeing key's 0.1150000000000003, or an
     answer with the key beside it): between its words first, between its digits if need be */
  .checks td.long { white-space: normal; overflow-wrap: anywhere; }
}
/* on the smallest phones (320 px) an answer key's four columns at the text's size are 20
   to 100 px wider than its box (a disagreeing key's bold word alone is 92 px): the page's
   margins, the box's padding and the key's cells narrow (these rules follow the ones they
   override), a figure's name wraps down to 2.5em, and the key is set at 13.6 px, so its
   last column stays on the screen (a solution sheet carries this CSS: never name the
   instructor's key columns in it, test_sheet checks) */
@media screen and (max-width: 22.5rem) {
  body { padding: 0 0.5rem; }
  /* a list's 40 px indent would leave a step 264 px of the 320 */
  .steps { padding-left: 1.25rem; }
  .result { padding-left: 0.3rem; padding-right: 0.3rem; }
  .checks { font-size: 0.85rem; }
  .checks th, .checks td { padding-left: 0.15rem; padding-right: 0.15rem; }
  .checks td.text { white-space: normal; overflow-wrap: anywhere; min-width: 2.5em; }
}
figure { margin: 1rem 0; } figcaption { font-size: 0.9rem; color: #444; }
/* a trellis drawing a little wider than the column (a phone) shrinks to fit it, to 80 % of
   its width at most (12 px labels stay 9.6 px); a wider one then scrolls in its figure */
figure.trellis svg { max-width: 100%; height: auto; min-width: calc(0.8 * var(--w, 0px)); }
/* ... and says so above it: its hint's height is a line when the drawing at 80 % is wider
   than the figure (a padding's 100 % is the figure's width), zero when it fits; the text
   sits in that padding */
.scroll-hint { position: relative; height: 0; margin: 0; overflow: hidden; font-size: 0.85rem;
  color: #444; padding-top: clamp(0px, calc((0.8 * var(--w, 0px) - 100%) * 1000), 1.5em); }
.scroll-hint span { position: absolute; top: 0; left: 0; white-space: nowrap; }
/* the reader's dark theme: light text on a dark page; each drawing keeps its white plate
   (palette.PLATE), its black text on it */
:root { color-scheme: light dark; }
@media screen and (prefers-color-scheme: dark) {
  body { color: #e4e4e4; background: #16181c; }
  h2 { border-bottom-color: #4a4a4a; }
  .meta { color: #a8a8a8; } .legend, figcaption, .scroll-hint, .aside { color: #b8b8b8; }
  th, td { border-color: #555; } th { background: #2a2d33; }
  .wide { background: linear-gradient(to right, #16181c 40%, #16181c00) left / 1.5rem 100% local,
    linear-gradient(to left, #16181c 40%, #16181c00) right / 1.5rem 100% local,
    radial-gradient(farthest-side at 0 50%, #fff6, #fff0) left / 0.75rem 100% scroll,
    radial-gradient(farthest-side at 100% 50%, #fff6, #fff0) right / 0.75rem 100% scroll;
    background-repeat: no-repeat; }
  td.dim { color: #9a9a9a; } td.dead { color: #e0a040; }
  .warning { border-color: #d08000; background: #3a2c10; }
  .note { border-color: #5a9ae0; background: #132a40; }
  .result { border-color: #aaa; }
  .ok { color: #6fd46f; } .bad { color: #ff7a8a; }
  figure svg { border-radius: 4px; }
}
@media print {
  body { max-width: none; margin: 0; padding: 0; font-size: 11pt; }
  /* keep the call-out, header-cell and result-panel backgrounds on paper */
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  /* a solution (its derivation) starts a page; a question sheet's short questions share
     pages, each kept whole on one when it fits */
  section.problem + section.problem:not(.question),
  body > section.result-block + section.result-block { break-before: page; }
  section.problem.question { break-inside: avoid; }
  /* ... unless a given table is taller than about a third of a page (its rows then break) */
  section.problem.question.long { break-inside: auto; }
  figure, .callout, li, tr { break-inside: avoid; }
  /* a short table (its caption with it) and the result box (the loss and its key) are
     never cut across two pages; a long table breaks between its rows */
  .wide.short, .result { break-inside: avoid; }
  thead { display: table-header-group; }  /* a table broken across pages repeats its head */
  .wide, .formula, .step, figure.trellis { overflow: visible; }  /* paper cannot scroll */
  .wide { background: none; }  /* ... so no table has an edge to scroll past */
  section > .wide { width: auto; max-width: none; }
  /* ... so nothing may be wider than the paper: drawings shrink to the page, a wide table
     is set in the smaller size its box names (--print-size, from its widest cells), and
     its text cells wrap; numbers still never break */
  svg { max-width: 100%; height: auto; } figure.trellis svg { min-width: 0; }
  .scroll-hint { display: none; }
  .wide table { font-size: var(--print-size, 9pt); }
  .wide th, .wide td { padding: 0.1em 0.3em; }
  .wide th, .wide td.text { white-space: normal; overflow-wrap: break-word; }
  /* ... between words: a word breaks only when it is longer than a line could be (its
     cell "long-word"): "anywhere" let the table squeeze HELLO's listed alignments to
     "HELL|O" and "frame|s" */
  .wide th.long-word, .wide td.long-word { overflow-wrap: anywhere; }
  .num { white-space: nowrap; }
  h1, h2, h3, h4 { break-after: avoid; }
  .wide + .legend { break-before: avoid; }  /* a table's key stays on its page */
}
"""


CSS = CSS.replace("CJK_FONTS", CJK_FONTS)

#: Paper, for a page of its own (never a notebook's): ``@page { size }`` (a browser's print to
#: PDF otherwise took its own default, Letter in Chromium's, and a handout printed in Europe
#: came out with its pages scaled), A4 unless ``rnnloss sheet --paper letter`` says Letter;
#: margins that leave both the PRINT_WIDTH_PT of text width the print sizes count on (186 mm
#: and 192 mm: 527 pt and 544 pt); and "page n of m" at the foot of every page, so that the
#: loose pages of a handout go back in order.
PAPERS = {"a4": "A4", "letter": "letter"}


def page_css(paper: str = "a4") -> str:
    """The ``@page`` rule of a page of its own printed on ``paper`` (a key of PAPERS)."""
    return f"""
@page {{
  size: {PAPERS[paper]};
  margin: 12mm 12mm 14mm;
  @bottom-center {{ content: "page " counter(page) " of " counter(pages);
                   font: 8pt sans-serif; color: #555; }}
}}
"""


PAGE_CSS = page_css()

#: The class of a result's ``<section>``: a notebook's stylesheet is scoped to it.
SECTION_SCOPE = "section.result-block"
#: A notebook's output is a light card, as the page is (its call-outs', header cells' and
#: drawings' light backgrounds need dark text, whatever the notebook's theme).
#: JupyterLab's dark theme colours tables itself (light heads, striped rows): inside the white
#: card they take the card's text colour and no theme stripe (the page's own rules, scoped
#: below, still apply after these).
_NOTEBOOK_OWN = (
    f"{SECTION_SCOPE} {{ color: #1a1a1a; background: #fff; line-height: 1.45; }}\n"
    f"{SECTION_SCOPE} table {{ color: inherit; }}\n"
    f"{SECTION_SCOPE} tbody tr:nth-child(n) {{ background: transparent; }}"
)
#: The text colour of an unreachable (α = 0) table cell, as ``td.dim`` sets it: a notebook
#: that drops <style> still shows it grey, as the table's legend says.
DIM_COLOUR = "#6b6b6b"
_COMMENT = re.compile(r"/\*.*?\*/", re.S)
_RULE = re.compile(r"\s*([^{}]+?)\s*\{([^{}]*)\}")
_MEDIA = re.compile(r"\s*(@media[^{}]*?)\s*\{")
#: Selectors a notebook never gets: the page's own (body, html, :root, *) would restyle the
#: notebook around the result.
_PAGE_SELECTOR = re.compile(r"^(?:body|html)\b|:root|^\*")


def _scoped(selectors: str, scope: str) -> str | None:
    """``selectors`` (a comma list) each prefixed by ``scope`` (``section > .wide`` becomes
    ``scope > .wide``); the page's own selectors left out; None when none is left."""
    out = []
    for sel in (x.strip() for x in selectors.split(",")):
        if _PAGE_SELECTOR.search(sel):
            continue
        out.append(scope + sel[7:] if re.match(r"section(?![\w.-])", sel) else f"{scope} {sel}")
    return ", ".join(out) or None


def scoped_css(css: str, scope: str = SECTION_SCOPE) -> str:
    """The page's stylesheet ``css`` for a page that is not ours (a notebook): its comments,
    body / :root rules, dark-theme and print blocks left out, every other selector prefixed
    by ``scope``, so that it styles the result's section and nothing around it. Plain CSS
    (no nesting); a ``@media`` block (the phone widths) keeps its condition.

    The stylesheet is parsed as the page's CSS is written: rules ``selectors { declarations }``
    and ``@media condition { rules }`` one level deep."""
    css = _COMMENT.sub("", css)
    out, pos = [], 0
    while pos < len(css.rstrip()):
        media = _MEDIA.match(css, pos)
        if media:
            inner, pos = [], media.end()
            while rule := _RULE.match(css, pos):
                pos = rule.end()
                if (sel := _scoped(rule[1], scope)) is not None:
                    inner.append(f"  {sel} {{ {rule[2].strip()} }}")
            close = re.compile(r"\s*\}").match(css, pos)
            if close is None:
                raise ValueError(f"unclosed @media block at character {pos} of the CSS")
            pos = close.end()
            if inner and not re.search(r"print|prefers-color-scheme", media[1]):
                out += [f"{media[1]} {{", *inner, "}"]
            continue
        rule = _RULE.match(css, pos)
        if rule is None:
            raise ValueError(f"CSS not understood at character {pos}: {css[pos : pos + 40]!r}")
        pos = rule.end()
        if (sel := _scoped(rule[1], scope)) is not None:
            out.append(f"{sel} {{ {rule[2].strip()} }}")
    return "\n".join(out)


#: A notebook's stylesheet: the page's, scoped to the result's section (:func:`scoped_css`);
#: a wide table scrolls inside the notebook's output column (the page lets it run on into
#: the window's right margin, which a notebook's output does not have).
NOTEBOOK_CSS = f"{_NOTEBOOK_OWN}\n{scoped_css(CSS)}\n{SECTION_SCOPE} > .wide {{ max-width: 100%; }}"

#: Printed, a wide table is set small enough for its widest cells to fit the text width of
#: an A4 or Letter page (about 520 pt with the browser's margins): a character of the sans
#: serif is about 0.6 em, a cell's padding about one more. Never above PRINT_PT, never below
#: PRINT_MIN_PT (a table wider even then is the --window's to narrow).
PRINT_WIDTH_PT, PRINT_PT, PRINT_MIN_PT = 520, 9.0, 5.0


def print_size(columns: list[str], rows: list[list[str]], texts: set[int]) -> float:
    """The print font size (pt) for a table of these cell texts: numbers and symbols keep
    their whole width; headers and text columns (``texts``), which wrap on paper, count their
    longest word."""

    def width(cell: str, wraps: bool) -> int:
        return max(map(len, cell.split() or [""])) if wraps else len(cell)

    chars = 0
    for j, head in enumerate(columns):
        cells = [width(row[j], j in texts) for row in rows if j < len(row)]
        chars += max([width(head, True), *cells]) + 1
    return max(PRINT_MIN_PT, min(PRINT_PT, PRINT_WIDTH_PT / (0.6 * max(chars, 1))))


#: A table of at most this many rows is kept on one page when printed (a 9 pt row is about
#: 15 pt high, an A4 page's text about 750 pt); a longer one breaks between its rows, its
#: head repeated.
SHORT_TABLE_ROWS = 40


#: A table cell of prose: two words of letters with a space between them (a phone may wrap
#: it there); a product of numbers or a label string is not. Read chunk by chunk (one
#: regex over the whole cell, r"[^\W\d_]{2,}[^ ]* +[^ ]*[^\W\d_]{2,}", backtracked
#: cubically: 30 s for a 3,000-letter symbol).
_LETTERS = re.compile(r"[^\W\d_]{2}")


def is_prose(text: str) -> bool:
    """Whether two neighbouring space-separated chunks of ``text`` each hold a run of two
    letters."""
    chunks = [bool(_LETTERS.search(c)) for c in text.split(" ") if c]
    return any(a and b for a, b in zip(chunks, chunks[1:], strict=False))


#: A hyphen-minus in shown text that is a minus sign: a number's sign ("-0.5", "labels
#: -1/+1"), an exponent's ("2.5e-7", as the drawings' labels write it), or between two
#: operands after a number ("max(0, 1 - y_t)"); never one inside a word or a name
#: ("ctc-ab.yaml", "H-E-L-L-O", "--window", "x-1").
_MINUS_SIGN = re.compile(r"(?<![\w.\-−/\\])-(?=\.?\d|inf\b)|(?<=\de)-(?=\d)|(?<=[\d)] )-(?= [\w(])")


def html_minus(text: str) -> str:
    """``text`` with each minus sign of its numbers and formulas (:data:`_MINUS_SIGN`) as
    U+2212 (:data:`render.text.MINUS`), as the derivation lines and the drawings write them:
    ``"-0.196"`` -> ``"−0.196"``, ``"3.5e-5"`` -> ``"3.5e−5"``, ``"1 - y"`` -> ``"1 − y"``.
    For numbers and prose the renderers write, never a file's symbol or name."""
    return _MINUS_SIGN.sub(MINUS, text)


#: Characters of a word (no space) past which a printed table's text cell may break inside
#: it (class ``long-word``): a shorter one stays whole, its column at least as wide.
LONG_WORD_PRINT = 24


def _long_word(text: str) -> bool:
    return any(len(w) > LONG_WORD_PRINT for w in str(text).split())


def _head_class(left: bool, text: str) -> str:
    """A column head's class attribute: ``text`` (a column of words) and ``long-word``."""
    names = (["text"] if left else []) + (["long-word"] if _long_word(text) else [])
    return f' class="{" ".join(names)}"' if names else ""


def table_html(
    t: Table,
    precision: int,
    *,
    window: Window | None = None,
    digits: Digits | None = None,
    bare: bool = False,
) -> list[str]:
    """A table windowed like the others ("…" rows/columns), its legend as the caption.
    ``digits``: the derivation's guard digits (:func:`render.text.digits_plan`); a worked
    cell its row's printed inputs do not give reads "≈" in front (:func:`render.text.table_cells`).
    ``bare``: the cells read as the legend says with no CSS at all (a notebook may drop its
    <style>): a highlighted cell's text in <b>, a dim one grey by its own ``style``.
    """
    laid = lay_out(t, window)
    # negative numbers signed U+2212, as the derivation lines beside the table write them
    printed = signed_cells(laid, table_cells(t, laid, precision, digits))
    body, texts, shown = [], set(), []
    words_in, numbers_in = set(), set()  # the columns holding words, and numbers
    for i, row in enumerate(laid.rows):
        cells, words = [], []
        for j, c in enumerate(row):
            text = printed[i][j]
            style = laid.styles.get((i, j))
            if style == "dead" and text:
                text += "†"
            classes = [CELL_CLASS[style]] if style in CELL_CLASS else []
            if isinstance(c, str):  # words and symbol strings read from the left
                classes.append("text")
                if is_prose(c):  # words (not 0.6 × 0.2, H-E-L-L-O) wrap on a phone
                    classes.append("prose")
                if _long_word(c):  # printed, it may break inside its word
                    classes.append("long-word")
                if " " in c:
                    texts.add(j)
                if c.strip():
                    words_in.add(j)
            elif text:  # a number: one unbreakable unit (2.49e−5 never splits at its "−")
                classes.append("num")
                numbers_in.add(j)
                text = html_minus(text)  # its exponent's sign too, as the drawings write it
            attr = f' class="{" ".join(classes)}"' if classes else ""
            # a formula cell (BPTT's "W_hh = Σ_t h_{t−1}ᵀ δ_t") sets its subscripts as a
            # step's label does, not its TeX braces
            formula = isinstance(c, str) and FORMULA_CELL.search(c)
            shown_text = step_label_html(text) if formula else escape(text)
            if bare and style == "highlight" and text:
                shown_text = f"<b>{shown_text}</b>"
            elif bare and style == "dim":
                attr += f' style="color: {DIM_COLOUR}"'
            cells.append(f"<td{attr}>{shown_text}</td>")
            words.append(text)
        body.append("<tr>" + "".join(cells) + "</tr>")
        shown.append(words)
    size = print_size(list(laid.columns), shown, texts)
    style = f' style="--print-size: {size:.1f}pt"' if size < PRINT_PT else ""
    # the wrapper scrolls a table wider than the page instead of widening the page
    short = " short" if len(laid.rows) <= SHORT_TABLE_ROWS else ""  # kept on one page
    out = [
        f'<div class="wide{short}"{style}><table class="data"><caption>{escape(t.title)}</caption>'
    ]
    # a head's subscripts (h_{t−1}, A_t) as <sub>, as a step's label writes them; a column
    # of words only is headed from the left, as its cells read
    left = words_in - numbers_in
    heads = [
        f"<th{_head_class(j in left, c)}>{step_label_html(c)}</th>"
        for j, c in enumerate(laid.columns)
    ]
    out.append("<thead><tr>" + "".join(heads))
    out.append("</tr></thead><tbody>")
    out += body
    out.append("</tbody></table></div>")
    caption = legend_line(t, LEGEND_HTML, laid.styles)
    if caption:
        out.append(f'<p class="legend">{step_label_html(caption)}</p>')
    if laid.note:
        out.append(f'<p class="legend"><em>Note: {escape(laid.note)}</em></p>')
    return out


def step_html(step, precision: int, *, display: bool = False, digits: Digits | None = None) -> str:
    """A step as MathML (from its LaTeX) when :func:`render.mathml.to_mathml` can translate
    it, otherwise its escaped plain text in a ``<span class="plain">``.

    A long step is cut before its top-level relations (:func:`render.mathml.wrap_points`)
    into several ``<math>`` elements, so the line wraps between them (MathML has no line
    breaking of its own). One ``<math>`` carries the plain text as ``alttext``; cut ones
    carry their own piece of LaTeX, hidden from assistive technology (``aria-hidden``), in
    a ``<span role="math">`` whose ``aria-label`` is the whole step's plain text, so a
    screen reader reads the step once, whole. ``display``: display style (sums with their limits
    above and below), as a result's defining formula is shown; it is cut as a step is, so a
    phone wraps it too. A cut at a \\quad (",\\quad" between clauses) keeps an em space, where
    the line may break. ``digits``: the derivation's guard digits
    (:func:`render.text.digits_plan`; without it the line alone decides).
    """
    from rnnloss_cli.render.mathml import RELATION, is_plain, to_mathml, wrap_points

    head_latex, words = closing_words(step.latex or "")
    if words is not None:  # "(reduction: mean)" closing a formula: words after its maths
        shown = step_html(
            replace(step, latex=head_latex), precision, display=display, digits=digits
        )
        if not shown.startswith('<span class="plain">'):  # the plain text holds them already
            words = words.replace("\\_", "_")
            shown += f'{_EM_SPACE}<span class="aside" aria-hidden="true">{escape(words)}</span>'
        return shown
    plain = step_text(step, precision, digits)
    latex = step_latex(step, precision, digits)
    pieces = wrap_points(latex)
    labels = is_plain(latex)  # each piece is read as its whole step is
    maths = [to_mathml(p, namespace=False, display=display, labels=labels) for p in pieces]
    if not maths or any(m is None for m in maths):
        return f'<span class="plain">{escape(plain)}</span>'
    # a piece too long for a phone's line: cut again, if its parts translate
    narrowed, narrow_maths, joins = [], [], []  # joins: what goes before each piece
    end = 0  # where the piece before ends in ``latex``: what lies between is the cut space
    for piece, math in zip(pieces, maths, strict=True):
        start = latex.find(piece, end)
        quad = start > 0 and "quad" in latex[end:start]
        end = start + len(piece) if start >= 0 else end
        parts = narrow_pieces(piece, DISPLAY_NARROW_AT if display else NARROW_AT)
        # a part opening with + or − gets an empty group before it: on its own, MathML
        # would set it as a sign (+0.00941, no space), not as the sum it continues
        more = [
            to_mathml(
                "{}" + x if k and x[:1] in "+−" else x,
                namespace=False,
                display=display,
                labels=labels,
            )
            for k, x in enumerate(parts)
        ]
        if len(parts) == 1 or any(m is None for m in more):
            parts, more = [piece], [math]
        # a part opening with its operator, or a piece with its relation (cut before "="
        # by wrap_points), has the operator's own space before it: nothing is set between
        # (the line may break between two <math>), so a wide line keeps its spacing; a formula's
        # clauses cut at a \quad of its LaTeX keep it as an em space
        joins += [_OPEN_SPACE if RELATION.match(piece) else _EM_SPACE if quad else " "]
        joins += [_OPEN_SPACE if _OPENS.match(x) else " " for x in parts[1:]]
        narrowed += parts
        narrow_maths += more
    pieces, maths = narrowed, narrow_maths
    if len(pieces) == 1:
        return maths[0].replace("<math", f'<math alttext="{escape(plain)}"', 1)
    # cut: a screen reader reads the whole step once, as its plain text (the wrapper's
    # name), not each piece's fragment of LaTeX; the pieces keep theirs, hidden from it
    cut = "".join(
        (join if k else "")
        + m.replace("<math", f'<math alttext="{escape(a)}" aria-hidden="true"', 1)
        for k, (m, a, join) in enumerate(zip(maths, pieces, joins, strict=True))
    )
    return f'<span class="cut" role="math" aria-label="{escape(plain)}">{cut}</span>'


#: A piece of a step longer than this many characters as read (a LaTeX command, \\times or
#: \\alpha, counting one; braces and script marks none) is cut again by
#: :func:`narrow_pieces`: a phone's line (390 px, less the page's margins and the list's
#: indent, about 320 px) holds about 35 characters of 17.6 px maths.
NARROW_AT = 30
#: The same for a result's defining formula, set 1.2 times as large (``.formula math``): a
#: piece of 29 characters, RNN-T's "p(y|x) = α(T−1,U) y(T−1,U,∅),", was 323 px on a 320 px phone.
DISPLAY_NARROW_AT = 25
#: Where a piece may be cut again: before a binary operator or a relation (=, ≈) between
#: spaces (the operator starts the next part, as a relation does), or at a space between two
#: words of prose. (A piece shorter than WRAP_AT is not cut at its "=" by wrap_points: a
#: fraction and its value, (0.105 + 0.223 + 0.511 + 0.105) / 4 = 0.236, is one <math>
#: wider than a 320 px phone's line.)
_OPERATOR = re.compile(r" (?:\\times|\\cdot|[×·+−]|=|\\approx|≈) ")
#: A part that opens with its operator (× · + − = ≈), and what is set before it: nothing. Each
#: part is its own ``<math>``, an atomic inline, and CSS Text 3 (§5.1) puts a soft wrap
#: opportunity before and after every atomic inline, so the line may break there without a
#: character (a zero-width space, once, came along into every copied step).
_OPENS = re.compile(r"\\times|\\cdot|[×·+−]|=|\\approx|≈")
_OPEN_SPACE = ""
#: Between a formula's clauses: an em space (a quad), where a line may break.
_EM_SPACE = "\u2003"
_FUNCTION_WORDS = frozenset({"ln", "log", "exp", "max", "min", "softmax", "argmax"})


def _read_length(latex: str) -> int:
    """Characters of ``latex`` as read: a command one, braces and ``_``/``^`` none."""
    return len(re.sub(r"[{}_^]", "", re.sub(r"\\[A-Za-z]+ ?|\\.", "x", latex)))


def narrow_pieces(piece: str, limit: int = NARROW_AT) -> list[str]:
    """``piece`` (one ``<math>`` of a step, LaTeX or plain text) cut into parts of at most
    about ``limit`` characters as read, so that a phone wraps a long product, sum or
    sentence as it wraps a list: before each ×, ·, + or − set between spaces, after each
    ", " or "; ", and at each space between two words (not after ln, max, ...), outside
    braces; inside a top-level
    ``\\text{...}`` too, closing the group at the cut and opening it again after. Cuts
    outside brackets come first; a part still too long is cut inside its brackets too.
    Neighbouring parts are joined back while they fit, so a piece is cut only where needed.
    """
    if _read_length(piece) <= limit:
        return [piece]
    cuts: dict[int, tuple[bool, int]] = {}  # where a part may start: (inside \text, depth)
    groups: list[bool] = []  # the open braces: True for a \text group
    depth, i = 0, 0  # depth: of brackets ( [
    while i < len(piece):
        ch = piece[i]
        if piece.startswith("\\text{", i):
            groups.append(True)
            i += 6
            continue
        if ch == "\\":
            i += 2
            continue
        if ch == "{":
            groups.append(False)
        elif ch == "}" and groups:
            groups.pop()
        elif ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif ch == " " and i and (not groups or groups == [True]):
            if not groups and _OPERATOR.match(piece, i):
                cuts[i + 1] = (False, depth)
            elif not groups and piece[i - 1] in ",;":  # after an item of a list
                cuts[i + 1] = (False, depth)
            else:
                before = re.search(r"([A-Za-z]+)[,;:]?$", piece[:i])
                after = re.match(r"\(?[A-Za-z]{2}", piece[i + 1 :])  # not "a": a symbol
                if before and after and before.group(1) not in _FUNCTION_WORDS:
                    cuts[i + 1] = (bool(groups), depth)
        i += 1

    def part(a: int, b: int) -> str:
        """piece[a:b], its \\text group closed at a cut inside one and opened again."""
        opened = "\\text{" if cuts.get(a, (False,))[0] else ""
        return opened + piece[a:b].strip() + ("}" if cuts.get(b, (False,))[0] else "")

    def pack(a: int, b: int, outside: bool) -> list[tuple[int, int]]:
        """piece[a:b] as few parts as fit, cut at its cuts (``outside``: brackets' only)."""
        ends = [x for x, (_, d) in sorted(cuts.items()) if a < x < b and (d <= 0 or not outside)]
        spans: list[tuple[int, int]] = []
        for end in [*ends, b]:
            if spans and _read_length(part(spans[-1][0], end)) <= limit:
                spans[-1] = (spans[-1][0], end)  # the part so far and this segment still fit
            else:
                spans.append((spans[-1][1] if spans else a, end))
        return spans

    spans = [
        inner
        for a, b in pack(0, len(piece), True)
        for inner in ([(a, b)] if _read_length(part(a, b)) <= limit else pack(a, b, False))
    ]
    return [part(a, b) for a, b in spans]


#: A subscript in a step's label (solver prose with maths: "worked cell α_2(4)",
#: "∂L/∂ŷ_1", "δ_{t−1}", "l'_s", p_nb, W_xh): after a letter that is not part of a word, and
#: its prime if it has one, a digit run, one or two letters, or a braced group.
#: Word_with_underscores (mean_tokens, log_base) stay as they are.
_LABEL_SUB = re.compile(
    r"(?<![A-Za-z_])([^\W\d_]|[^\x00-\x7f])(['′]?)_(\{[^{}]*\}|[0-9]+|[A-Za-z]{1,2}(?![A-Za-z]))"
)


def step_label_html(label: str) -> str:
    """A step's label (or a table's head or legend) as HTML: escaped text, its subscripts
    (α_2, ŷ_1, δ_{t−1}) as <sub>, a prime before one (l'_s) as ′: l′<sub>s</sub>."""
    out, last = [], 0
    for m in _LABEL_SUB.finditer(label):
        sub = m[3][1:-1] if m[3].startswith("{") else m[3]
        prime = "′" if m[2] else ""
        out += [escape(label[last : m.start(2)]) + prime, f"<sub>{escape(sub)}</sub>"]
        last = m.end()
    return "".join([*out, escape(label[last:])])


def _steps(steps, precision: int, digits: Digits | None = None) -> list[str]:
    if not steps:
        return []
    items = [
        f"<li><div class='step'><span class='label'>{step_label_html(s.label)}</span>: "
        f"{step_html(s, precision, digits=digits)}</div></li>"
        for s in steps
    ]
    return ['<ul class="steps">', *items, "</ul>"]


#: An answer key's number longer than this (a disagreeing key shows digits until the two
#: differ: 0.1150000000000003) may wrap on a phone, between its digits, rather than push the
#: key past its box; "−0.00123" and shorter stay whole.
KEY_WRAP_AT = 9


def _key_cell(text: str, value: object = 0.0) -> str:
    """An answer key's number cell: class ``num``, and ``long`` when it may wrap on a phone;
    a number's minus signs U+2212 (:func:`html_minus`), a symbol ``value`` (a path "-1-2")
    as it is."""
    long = " long" if len(text) > KEY_WRAP_AT else ""
    shown = text if isinstance(value, str) else html_minus(text)
    return f'<td class="num{long}">{escape(shown)}</td>'


def result_html(
    r: Result,
    precision: int = 3,
    level: int = 2,
    show: frozenset[str] = frozenset(),
    *,
    window: Window | None = None,
    heading: bool = True,
    student: bool = False,
    digits: Digits | None = None,
    bare: bool = False,
) -> str:
    """One result as an HTML ``<section>`` (the page body for it; :func:`notebook_html`
    gives it to a notebook).

    ``level`` is the heading level of its title; ``heading=False`` leaves the title and the
    kind/source line out (a solution sheet has them above the section already); ``student``
    (a solution sheet) gives each figure's answer instead of expected / got / verdict.
    ``digits``: the guard digits of the whole derivation, as the other formats print them
    (by default :func:`render.text.digits_plan` of ``r``; term derivations get their
    parent's). ``bare``: for a page without the page's CSS (a notebook): no scroll hint over
    the drawings (the CSS shows it only where a drawing does not fit), marked table cells
    that read right unstyled (:func:`table_html`).
    """
    from rnnloss_cli.render.figures import figures_for
    from rnnloss_cli.render.svg import without_scroll_hint

    if digits is None:
        digits = digits_plan(r, precision)
    h = min(level, 6)
    out = ['<section class="result-block">']
    if heading:
        out.append(f"<h{h}>{escape(r.title)}</h{h}>")
        meta = [f"kind: {r.kind}"] + ([f"source: {r.source}"] if r.source else [])
        if r.file:
            meta.append(f"file: {r.file}")
        out.append(f'<p class="meta">{escape(" · ".join(meta))}</p>')
    if r.formula:
        formula = step_html(r.formula, precision, display=True, digits=digits)
        out.append(f'<div class="formula">{formula}</div>')
    out += _steps(r.lead_steps, precision, digits)
    figures = figures_for(r, show, window, precision=precision, digits=digits)
    out += [without_scroll_hint(f) for f in figures] if bare else figures
    for t in r.visible_tables(show):
        out += table_html(t, precision, window=window, digits=digits, bare=bare)
    out += _steps(r.work_steps, precision, digits)
    for item in r.shown_children:
        if isinstance(item, str):  # term derivations left out: say how many
            out.append(f'<p class="legend"><em>Note: {escape(item)}</em></p>')
            continue
        label, child = item
        out.append(f"<h{min(h + 1, 6)}>term: {escape(label)}</h{min(h + 1, 6)}>")
        child_html = result_html(
            child,
            precision,
            level + 2,
            show,
            window=window,
            student=student,
            digits=digits,
            bare=bare,
        )
        out.append(child_html)
    for w in r.warnings:
        out.append(
            f'<div class="callout warning" role="note"><strong>Warning:</strong> {escape(w)}</div>'
        )
    for n in student_notes(r.notes) if student else r.notes:
        out.append(
            f'<div class="callout note" role="note"><strong>Note:</strong> {escape(n)}</div>'
        )
    panel = []
    if r.loss is not None:
        loss = fmt_number(r.loss, precision)
        unit = f" {unit_after(loss, r.unit)}" if r.unit else ""  # 1 bit, 2 bits
        line = f'Loss = <span class="num">{escape(signed(r.loss, loss))}</span>{escape(unit)}'
        if bare:  # bold with no CSS too
            line = f"<strong>{line}</strong>"
        panel.append(f'<p class="loss">{line}</p>')
    if r.checks and student:
        panel.append(
            '<div class="wide"><table class="checks"><caption>answers</caption>'
            "<thead><tr><th>figure</th><th>answer</th></tr></thead><tbody>"
        )
        for c, (figure, answer) in zip(r.checks, answer_rows(r.checks, precision), strict=True):
            cell = _key_cell(answer, c.got)
            panel.append(f'<tr><td class="text">{escape(figure)}</td>{cell}</tr>')
        panel.append("</tbody></table></div>")
    elif r.checks:
        # the answer key scrolls inside the result box, as wide tables do, on a narrow page
        panel.append(
            '<div class="wide"><table class="checks"><caption>answer key</caption>'
            "<thead><tr><th>figure</th><th>expected</th><th>got</th><th>verdict</th></tr>"
            "</thead><tbody>"
        )
        for c in r.checks:
            expected, got = fmt_key(c.expected, c.got, precision, distinct=not c.ok)
            expected, got = signed(c.expected, expected), signed(c.got, got)
            verdict = '<td class="ok">ok</td>' if c.ok else '<td class="bad">MISMATCH</td>'
            panel.append(
                f'<tr><td class="text">{escape(c.figure)}</td>'
                f"{_key_cell(expected, c.expected)}{_key_cell(got, c.got)}{verdict}</tr>"
            )
        panel.append("</tbody></table></div>")
    if panel:
        out += ['<div class="result">', *panel, "</div>"]
    out.append("</section>")
    return "\n".join(out)


def notebook_html(r: Result, precision: int = 3) -> str:
    """``r`` as a notebook shows it (``Result._repr_html_``): its ``<section>``, opening with
    its own ``<style>`` (:data:`NOTEBOOK_CSS`, every rule scoped to the section, as Jupyter
    shows it inline in its own page), and readable without it (``bare``: an untrusted
    notebook drops <style>); control characters as escapes, as on every output."""
    section = result_html(r, precision, bare=True)
    head, rest = section.split("\n", 1)
    return visible_controls(f"{head}\n<style>\n{NOTEBOOK_CSS}\n</style>\n{rest}")


def render_html(
    results: list[Result],
    precision: int = 3,
    show: frozenset[str] = frozenset(),
    *,
    window: Window | None = None,
) -> str:
    """A whole page for ``results``: doctype, inline CSS, one section per result; control
    characters (a problem file's ESC, a bidi override) as escapes (:func:`visible_controls`).

    One result is the page: its title is the page's one visible heading (``<h1>``). Several
    get a heading "rnnloss: N problems" and a section (``<h2>``) each.
    """
    if len(results) == 1:
        title = f"rnnloss: {results[0].title}"
        body = result_html(results[0], precision, 1, show, window=window)
    else:
        title = f"rnnloss: {len(results)} problems"
        sections = "\n".join(result_html(r, precision, 2, show, window=window) for r in results)
        body = f"<h1>{escape(title)}</h1>\n{sections}"
    # a title's control characters as escapes, on standard output and in a file alike (a
    # sheet has its own rule: sheet.visible_text)
    return visible_controls(page_html(title, body))


def page_html(title: str, body: str, paper: str = "a4") -> str:
    """The page shell every HTML output shares: doctype, ``<title>``, the inline CSS (with
    its print stylesheet, for ``paper``), ``body`` (already HTML) and the footer."""
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n'
        '<meta charset="utf-8"/>\n'
        '<meta name="color-scheme" content="light dark"/>\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1"/>\n'
        f"<title>{escape(title)}</title>\n<style>{CSS}{page_css(paper)}</style>\n</head>\n<body>\n"
        f"{body}\n"
        '<p class="meta">Made by rnnloss.</p>\n</body>\n</html>\n'
    )
