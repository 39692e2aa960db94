"""The HTML a notebook shows (``Result._repr_html_``) and the HTML written with ``-o``.

Jupyter shows ``_repr_html_`` inline, without the page's <head>, so the section carries its own
stylesheet, every rule of it scoped to ``section.result-block`` (an unscoped ``table`` or ``h2``
would restyle all of Jupyter), and, since an untrusted notebook may drop <style>, the content
reads right with no CSS at all: no "scroll →" hint over a drawing that fits, the final cells of
the α table in bold (<b>), its unreachable cells grey by an inline colour, the loss in <strong>.

problems/ctc-exact-ab.yaml (target AB, T = 3): by the hand arithmetic of its header, the α
table's final cells are α_3(4) = 0.532 and α_3(5) = 0.056 (bold), and α_1(3) = α_1(4) = α_1(5)
= α_2(5) = 0 are unreachable from the start (a path at t = 1 is in state 1 or 2; at t = 2 it is
at most in state 4), so grey: five states by three frames, 4 zero cells.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from typer.testing import CliRunner

import rnnloss_cli
from rnnloss_cli.cli.app import app
from rnnloss_cli.render.html import CSS

runner = CliRunner()
SCOPE = "section.result-block"


def _rules(css: str) -> list[tuple[str, str, str]]:
    """(media condition or "", selector list, declarations) of each rule, comments removed:
    a small parser of its own (one level of @media, no nesting), not the renderer's."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    out, pos = [], 0
    while True:
        m = re.compile(r"\s*([^{}]+?)\s*\{").match(css, pos)
        if not m:
            assert not css[pos:].strip(), css[pos : pos + 80]
            return out
        head, pos = m.group(1), m.end()
        if head.startswith("@"):
            end = css.index("}", pos)
            while (inner := re.compile(r"\s*([^{}]+?)\s*\{([^{}]*)\}").match(css, pos)) and (
                inner.start() < end
            ):
                out.append((head, inner.group(1), inner.group(2).strip()))
                pos = inner.end()
                end = css.index("}", pos)
            pos = end + 1
        else:
            end = css.index("}", pos)
            out.append(("", head, css[pos:end].strip()))
            pos = end + 1


def _notebook(path: str = "problems/ctc-exact-ab.yaml") -> tuple[str, ET.Element]:
    html = rnnloss_cli.solve_file(path)._repr_html_()
    return html, ET.fromstring(html)


def test_notebook_html_carries_its_own_stylesheet_every_rule_scoped_to_the_section():
    _, root = _notebook()
    styles = list(root.iter("style"))
    assert len(styles) == 1, "one <style> in the section"
    rules = _rules(styles[0].text)
    assert rules
    for media, selectors, _ in rules:
        assert "print" not in media and "prefers-color-scheme" not in media, media
        for sel in selectors.split(","):
            assert sel.strip().startswith(SCOPE), f"unscoped selector {sel.strip()!r}"
            assert not re.search(r"\b(body|html)\b|:root", sel), sel
    # the page's own rules that matter here, carried over (scoped)
    by_selector: dict[str, str] = {}  # every declaration of a selector, outside @media blocks
    for media, sels, decl in rules:
        for sel in sels.split(",") if not media else []:
            by_selector[sel.strip()] = by_selector.get(sel.strip(), "") + decl
    assert "font-weight: bold" in by_selector[f"{SCOPE} td.hl"]
    assert "border" in by_selector[f"{SCOPE} .result"]
    assert "font-weight: bold" in by_selector[f"{SCOPE} .result .loss"]
    assert "border-left" in by_selector[f"{SCOPE} .callout"]
    assert "background" in by_selector[f"{SCOPE} .warning"]
    assert "border" in by_selector[f"{SCOPE} th"]
    # every page rule outside body / :root / print / dark theme is there, scoped
    page = {
        (media, sel.strip())
        for media, sels, _ in _rules(CSS)
        if "print" not in media and "prefers-color-scheme" not in media
        for sel in sels.split(",")
        if not re.search(r"\bbody\b|:root", sel)
    }
    scoped = {(media, sel.strip()) for media, sels, _ in rules for sel in sels.split(",")}
    missing = [
        (media, sel)
        for media, sel in page
        if (media, f"{SCOPE} {sel}") not in scoped
        and (media, SCOPE + sel.removeprefix("section")) not in scoped
    ]
    assert not missing


def test_notebook_html_reads_right_with_no_css():
    _, root = _notebook()
    for style in root.iter("style"):
        style.text = ""
    text = "".join(root.itertext())
    assert "scroll →" not in text  # the page's CSS hides it under a drawing that fits
    alpha = next(
        t for t in root.iter("table") if "".join(t.find("caption").itertext()).startswith("forward")
    )
    bold = ["".join(b.itertext()) for td in alpha.iter("td") for b in td.iter("b")]
    assert bold == ["0.532", "0.056"]  # the two final cells, α_3(4) and α_3(5)
    grey = [td for td in alpha.iter("td") if "color:" in (td.get("style") or "")]
    assert ["".join(td.itertext()) for td in grey] == ["0", "0", "0", "0"]
    legend = "".join(p.text or "" for p in root.iter("p") if p.get("class") == "legend")
    assert "grey" in legend and "bold" in legend
    loss = next(p for p in root.iter("p") if p.get("class") == "loss")
    assert "".join(loss.find("strong").itertext()).startswith("Loss = 0.531")
    # the drawing marks its cells with attributes, not classes: grey fill, black outline
    svg = next(root.iter("svg"))
    cells = [r for r in svg.iter("rect") if r.get("data-s")]
    zero = {(c.get("data-t"), c.get("data-s")) for c in cells if c.get("fill") == "#bdbdbd"}
    assert zero == {("1", "3"), ("1", "4"), ("1", "5"), ("2", "5")}
    marked = {(c.get("data-t"), c.get("data-s")) for c in cells if c.get("stroke") == "#000000"}
    assert marked == {("3", "4"), ("3", "5")}


def test_the_page_keeps_its_scroll_hint():
    """(the page's CSS shows the hint only when the drawing does not fit: it stays there)"""
    from rnnloss_cli.render.html import render_html

    page = render_html([rnnloss_cli.solve_file("problems/ctc-exact-ab.yaml")])
    assert "scroll →" in page


HOSTILE = """\
kind: ctc
title: "red \\e[31m title \\u202e reversed"
method: exact
target: AB
symbols: ["-", A, B]
emissions:
  - [0.2, 0.7, 0.1]
  - [0.3, 0.3, 0.4]
  - [0.2, 0.1, 0.7]
"""


def test_html_written_with_o_shows_control_characters_as_stdout_does(tmp_path):
    src = tmp_path / "hostile.yaml"
    src.write_text(HOSTILE, encoding="utf-8")
    out = tmp_path / "page.html"
    res = runner.invoke(app, ["solve", str(src), "--format", "html", "-o", str(out)])
    assert res.exit_code == 0, res.output
    written = out.read_text(encoding="utf-8")
    assert "\x1b" not in written and "\u202e" not in written
    assert "red \\u001b[31m title \\u202e reversed" in written
    shown = runner.invoke(app, ["solve", str(src), "--format", "html"])
    assert shown.exit_code == 0, shown.output
    assert shown.stdout == written  # both paths agree


def test_notebook_html_shows_control_characters_as_escapes(tmp_path):
    src = tmp_path / "hostile.yaml"
    src.write_text(HOSTILE, encoding="utf-8")
    html = rnnloss_cli.solve_file(src)._repr_html_()
    assert "\x1b" not in html and "\u202e" not in html
    assert ET.fromstring(html).find("h2").text == "red \\u001b[31m title \\u202e reversed"


def test_notebook_markdown_shows_control_characters_as_escapes(tmp_path):
    """(as ``solve --format markdown`` does on standard output: a U+202E in a title would
    reverse the text after it in the notebook)"""
    src = tmp_path / "hostile.yaml"
    src.write_text(HOSTILE, encoding="utf-8")
    md = rnnloss_cli.solve_file(src)._repr_markdown_()
    assert "\x1b" not in md and "\u202e" not in md
    assert md.startswith("## red \\u001b\\[31m title \\u202e reversed\n")  # (its [ escaped)
