"""The HTML page as a reader sees it at a given window width: which CSS declaration wins
(rule order and media queries, read from the page's own ``<style>``), how a long answer key
and a wide trellis behave on a phone, and the fonts a page falls back to.

These tests read the page's HTML/CSS text, not pixels: :func:`winning` applies the page's
rules in order (a later rule of the same selector overrides an earlier one, as the cascade
does for equal specificity), keeping the ``@media`` blocks that match a screen ``width`` px
wide (1rem = 16 px).
"""

from __future__ import annotations

import re
import shutil

import pytest
import yaml

from rnnloss_cli.problem import parse_problem
from rnnloss_cli.render.html import render_html
from rnnloss_cli.solve import solve

_SIDES = ("top", "right", "bottom", "left")


def css_rules(css: str) -> list[tuple[str, str, dict[str, str]]]:
    """(media condition or "", selector, declarations) for each selector of each rule, in
    the order they are written; one level of ``@media`` nesting, as the page has."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    out: list[tuple[str, str, dict[str, str]]] = []

    def rules(text: str, media: str) -> None:
        for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", text):
            decls = {
                k.strip(): v.strip()
                for k, _, v in (d.partition(":") for d in body.split(";"))
                if k.strip()
            }
            for sel in selectors.split(","):
                out.append((media, " ".join(sel.split()), decls))

    i = 0
    while i < len(css):
        m = re.compile(r"@media([^{]*)\{").search(css, i)
        if m is None:
            rules(css[i:], "")
            break
        rules(css[i : m.start()], "")
        depth, j = 1, m.end()
        while depth:
            depth += {"{": 1, "}": -1}.get(css[j], 0)
            j += 1
        rules(css[m.end() : j - 1], " ".join(m[1].split()))
        i = j
    return out


def applies(media: str, width: float, *, dark: bool = False, printed: bool = False) -> bool:
    """Whether a rule under ``@media media`` applies to a ``width`` px screen (or paper)."""
    if not media:
        return True
    if media == "print":
        return printed
    if printed or not media.startswith("screen"):
        return False
    for feature, value in re.findall(r"\(([\w-]+):\s*([^)]+)\)", media):
        if feature == "max-width" and width > float(value.removesuffix("rem")) * 16:
            return False
        if feature == "prefers-color-scheme" and (value == "dark") != dark:
            return False
    return True


def winning(css: str, selector: str, prop: str, width: float, **kw) -> str | None:
    """The value of ``prop`` the last applying rule for ``selector`` sets (a ``padding``
    shorthand sets its four sides: 1 to 4 values, as CSS reads them)."""
    value = None
    for media, sel, decls in css_rules(css):
        if sel != selector or not applies(media, width, **kw):
            continue
        for name, v in decls.items():
            if name == prop:
                value = v
            elif name in ("padding", "margin") and prop.startswith(name + "-"):
                parts = v.split()
                four = {1: parts * 4, 2: parts * 2, 3: [*parts, parts[1]], 4: parts}[len(parts)]
                value = four[_SIDES.index(prop.split("-", 1)[1])]
    return value


def page_css(text: str) -> str:
    return text.split("<style>", 1)[1].split("</style>", 1)[0]


def test_the_helper_reads_the_cascade_as_a_browser_does():
    """The helper itself, on a hand-written sheet: a later rule wins; a media block that does
    not match is skipped; a shorthand sets each side."""
    css = (
        ".a { padding: 1rem 2rem; }\n"
        "@media screen and (max-width: 40rem) { .a { padding-left: 3rem; } }\n"
        "@media print { .a { padding-left: 9rem; } }\n"
    )
    assert winning(css, ".a", "padding-left", 1280) == "2rem"
    assert winning(css, ".a", "padding-left", 640) == "3rem"  # 40rem = 640 px: matches
    assert winning(css, ".a", "padding-top", 390) == "1rem"
    assert winning(css, ".a", "padding-left", 390, printed=True) == "9rem"


def test_the_result_box_keeps_its_phone_padding_at_390_px():
    """At 390 px (a phone: max-width 40rem) the result box's sides are the phone rule's
    0.6rem, at 320 px the small phone's 0.3rem, at 1280 px the desktop's 1rem. Before, the
    box's own rule (padding: 0.6rem 1rem) came after the 40rem block and set 1rem back."""
    css = page_css(render_html([solve(parse_problem(_MSE, {}, "mse.yaml"))]))
    for side in ("padding-left", "padding-right"):
        assert winning(css, ".result", side, 390) == "0.6rem", side
        assert winning(css, ".result", side, 320) == "0.3rem", side
        assert winning(css, ".result", side, 1280) == "1rem", side
        assert winning(css, ".result", side, 1280, printed=True) == "1rem", side


#: MSE of (1, 2, 3, 4) against (1.5, 1.8, 3.4, 3.9): squares 0.25, 0.04, 0.16, 0.01, sum
#: 0.46, mean 0.115 (problems/mse-forecast.yaml's own arithmetic).
_MSE = {
    "kind": "mse",
    "title": "four-step forecast",
    "y": [1.0, 2.0, 3.0, 4.0],
    "yhat": [1.5, 1.8, 3.4, 3.9],
    "answer": 0.115,
}


def _key_cells(text: str) -> list[tuple[str, str]]:
    """(class, text) of each number cell of the page's answer key (or answers) table."""
    key = text.split('<table class="checks">', 1)[1].split("</table>", 1)[0]
    return re.findall(r'<td class="([^"]*num[^"]*)">([^<]*)</td>', key)


def test_a_long_wrong_key_wraps_in_its_box_on_a_phone():
    """A key that disagrees shows digits until the two numbers differ: key 0.1150000000000003
    against the computed 0.46 / 4 = 0.115 (float64: 0.11499999999999999) is 18 characters,
    and with "MISMATCH" in bold the key was wider than its box at 320 px, so it scrolled.
    Such a long number's cell may wrap on a phone (class ``long``: wraps anywhere, between
    digits); a short one (0.115) stays whole, and on a wide screen every number keeps one
    line."""
    mapping = {**_MSE, "answer": 0.1150000000000003, "tolerance": 1e-18}
    text = render_html([solve(parse_problem(mapping, {}, "mse.yaml"))])
    cells = {t: c.split() for c, t in _key_cells(text)}
    assert "long" in cells["0.1150000000000003"], cells
    assert "long" not in cells["0.115"], cells
    css = page_css(text)
    for width in (320, 390):
        assert winning(css, ".checks td.long", "white-space", width) == "normal", width
        assert winning(css, ".checks td.long", "overflow-wrap", width) == "anywhere", width
    assert winning(css, ".checks td.long", "white-space", 1280) is None  # .num: nowrap
    assert winning(css, ".checks td.long", "white-space", 320, printed=True) is None


def test_a_solution_sheet_answer_with_a_long_wrong_key_wraps_on_a_phone(tmp_path):
    """On a solution sheet a disagreeing key is written beside the answer, "0.115 (the key
    says 0.1150000000000003)", 35 characters in one number cell: it wraps on a phone too."""
    from rnnloss_cli.sheet import build_sheet

    path = tmp_path / "long-key.yaml"
    mapping = {**_MSE, "answer": 0.1150000000000003, "tolerance": 1e-18}
    path.write_text(yaml.safe_dump(mapping), encoding="utf-8")
    text = build_sheet([str(path)], "html", solutions=True)
    (cls, answer), *_ = _key_cells(text)
    assert answer == "0.115 (the key says 0.1150000000000003)"
    assert "long" in cls.split()


def _hello_page() -> str:
    import rnnloss_cli

    return render_html([rnnloss_cli.solve_file("problems/hello.yaml")])


def test_a_trellis_figure_carries_a_scroll_hint_shown_only_when_it_scrolls():
    """hello's trellis is 436 px wide and shrinks to 80 % (349 px) at most: in a 320 px
    phone's 304 px column it scrolls in its figure, and nothing said so (no scrollbar shows
    on a phone until touched). Each trellis figure now carries a hint, "scroll →", before
    its drawing, with the drawing's width (--w); on screen the hint's height is
    ``clamp(0px, (0.8 × --w − 100 %) × 1000, …)``: zero when the drawing fits its column
    (100 % is the column's width, as a padding's percentage is), a line when it does not;
    on paper it is never shown (a printed drawing shrinks to the page)."""
    text = _hello_page()
    figure = text.split('<figure class="trellis"', 1)[1].split("</figure>", 1)[0]
    hint = re.search(r'<p class="scroll-hint" aria-hidden="true" style="--w: ([\d.]+)px">', figure)
    assert hint and hint[1] == "436", figure[:300]
    assert "scroll →" in figure.split("<svg", 1)[0]  # above the drawing
    css = page_css(text)
    height = winning(css, ".scroll-hint", "padding-top", 320)
    assert height and "0.8 * var(--w" in height and "100%" in height, height
    assert winning(css, ".scroll-hint", "display", 320, printed=True) == "none"


#: Each trellis figure: whether it scrolls sideways, and whether its hint takes any room.
_HINTS = """[...document.querySelectorAll('figure.trellis')].map(f => [
  f.scrollWidth > f.clientWidth + 1, f.querySelector('.scroll-hint').offsetHeight > 0])"""


@pytest.mark.skipif(shutil.which("chromium") is None, reason="chromium is not installed")
def test_the_scroll_hint_shows_exactly_when_its_figure_scrolls(tmp_path):
    """Laid out by Chromium at 320, 390 and 1280 px: hello's trellis (436 px) scrolls at 320
    px only, and its hint shows then and only then; every other trellis figure (344 to 364
    px drawings, which fit at 80 %) neither scrolls nor shows a hint."""
    import rnnloss_cli
    from tests.render.test_browser_reader import probe

    names = ["hello", "ctc-exact-ab", "deep", "digits-123"]
    pages = {n: render_html([rnnloss_cli.solve_file(f"problems/{n}.yaml")]) for n in names}
    for width in (320, 390, 1280):
        got = probe(pages, _HINTS, tmp_path, width=width, flags=["--hide-scrollbars"])
        for name, figures in got.items():
            assert figures, name
            for scrolls, hinted in figures:
                assert scrolls == hinted, (width, name, figures)
            assert any(s for s, _ in figures) == (name == "hello" and width == 320), (
                width,
                name,
                figures,
            )


#: A family for each of Chinese (simplified, traditional), Japanese and Korean on the systems
#: a reader uses: Noto/Source Han (Linux, Android), PingFang/Hiragino/Apple SD Gothic
#: (Apple), Microsoft YaHei/JhengHei, Yu Gothic, Malgun Gothic (Windows).
_CJK = {
    "zh-Hans": ("Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei"),
    "zh-Hant": ("Noto Sans CJK TC", "PingFang TC", "Microsoft JhengHei"),
    "ja": ("Noto Sans CJK JP", "Hiragino Sans", "Yu Gothic"),
    "ko": ("Noto Sans CJK KR", "Apple SD Gothic Neo", "Malgun Gothic"),
}


def test_every_font_stack_falls_back_to_cjk_families_then_a_generic_one():
    """A symbol, title or figure label in Chinese, Japanese or Korean (a CTC over 漢字, a
    title in 한국어) has families to fall back to in the text's, the maths', the plain
    steps' and the drawings' font stacks, after their Latin faces, with a generic family
    (before, only ``system-ui, sans-serif``, and the drawings' ``sans-serif``: what those
    lacked was left to the system's own fallback; on this machine, with no Hangul font at
    all, 한 shows as a box whatever the page lists)."""
    css = page_css(_hello_page())
    for selector, latin, generic in (
        ("body", "system-ui", "sans-serif"),
        ("math", "Latin Modern Math", "math"),
        (".plain", "ui-monospace", "monospace"),
        (".givens th", "ui-monospace", "monospace"),
        ("svg", "sans-serif", "sans-serif"),
    ):
        stack = winning(css, selector, "font-family", 1280)
        assert stack, selector
        families = [f.strip().strip('"') for f in stack.split(",")]
        for lang, names in _CJK.items():
            assert set(names) <= set(families), (selector, lang, families)
        # a Latin face comes first (a CJK face has Latin glyphs too, in another design)
        assert families[0] == latin and generic in families, (selector, families)


def test_on_paper_a_short_table_and_the_result_box_are_not_cut_across_pages():
    """Printed (Chromium's print preview of problems/custom-combo.yaml), the last result box
    was cut after "Loss = 1.232", its answer key alone on the next page; hello's 3-row
    "listed alignments" table was cut after its second row. A table short enough for a page
    (at most SHORT_TABLE_ROWS rows, class ``short``) and the result box are kept whole;
    a long one (100 rows here, windowed to 61) still breaks between its rows."""
    from rnnloss_cli.render.html import SHORT_TABLE_ROWS, table_html
    from rnnloss_cli.result import Table

    def wrapper(n: int) -> list[str]:
        t = Table("t", ["i", "x"], [[i, 0.5] for i in range(1, n + 1)], key_columns=1)
        div = next(line for line in table_html(t, 3) if line.startswith("<div"))
        return re.match(r'<div class="([^"]*)"', div)[1].split()

    assert wrapper(3) == ["wide", "short"]
    assert wrapper(SHORT_TABLE_ROWS) == ["wide", "short"]
    assert wrapper(100) == ["wide"]
    css = page_css(_hello_page())
    assert winning(css, ".wide.short", "break-inside", 1000, printed=True) == "avoid"
    assert winning(css, ".result", "break-inside", 1000, printed=True) == "avoid"
    assert winning(css, ".wide.short", "break-inside", 1000) is None  # the screen: no pages


def test_a_gradient_table_formula_cell_sets_its_subscripts():
    """BPTT's gradient table says how each gradient is summed: h_{t−1} with its braces
    printed was TeX source on the page; the formula cell gets <sub> as step labels do."""
    import re

    from rnnloss_cli import solve_file
    from rnnloss_cli.render.html import render_html

    page = render_html([solve_file("problems/bptt-two-steps.yaml")])
    assert not [td for td in re.findall(r"<td[^>]*>.*?</td>", page) if "_{" in td]
    assert "h<sub>t−1</sub>ᵀ δ<sub>t</sub>" in page
