"""``--format html``: one self-contained, well-formed page; tables windowed; text escaped.

Expected counts are worked by hand: problems/ctc-exact-ab.yaml has target AB, so the extended
labels are - A - B - (S' = 2*2 + 1 = 5 states) over T = 3 frames, and the α table is 5 rows of
2 key cells + 3 frame cells; its emissions table is 3 rows of t + 3 symbols. The windowed table
(1000 rows, 1 key + 39 data columns) keeps, by the window rule of tests/render/test_window.py,
rows 1-30 and 971-1000 plus one "…" row (61 rows) and 1 key + 15 data + one "…" column (17).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest
from typer.testing import CliRunner

from rnnloss_cli.cli.app import app
from rnnloss_cli.problem import load_problem
from rnnloss_cli.render.html import render_html
from rnnloss_cli.result import Check, Result, Table
from rnnloss_cli.solve import solve

runner = CliRunner()


def page(path: str) -> str:
    return render_html([solve(load_problem(path))])


def parse(text: str) -> ET.Element:
    """The page as XML (every element closed, every entity an XML one)."""
    return ET.fromstring(text.split("\n", 1)[1])  # past <!DOCTYPE html>


def tables(root: ET.Element) -> dict[str, ET.Element]:
    return {t.find("caption").text: t for t in root.iter("table") if t.find("caption") is not None}


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs += attrs


def test_pages_are_well_formed_and_self_contained():
    for path in ("problems/hello.yaml", "problems/ctc-exact-ab.yaml"):
        text = page(path)
        assert text.startswith("<!DOCTYPE html>")
        root = parse(text)
        assert root.tag == "html"
        assert root.find("head/style") is not None  # inline CSS
        assert "http" not in text  # no external URL, not even a namespace
        p = _Tags()
        p.feed(text)
        assert "script" not in p.tags and "link" not in p.tags and "img" not in p.tags
        assert not [a for a, _ in p.attrs if a in ("src", "href")]


def test_ctc_exact_tables_have_one_cell_per_entry():
    root = parse(page("problems/ctc-exact-ab.yaml"))
    t = tables(root)
    alpha = next(v for k, v in t.items() if k.startswith("forward trellis"))
    rows = alpha.findall("tbody/tr")
    assert len(rows) == 5 and all(len(r.findall("td")) == 5 for r in rows)
    heads = alpha.findall("thead/tr/th")
    assert ["".join(th.itertext()) for th in heads] == ["s", "l′s", "t=1", "t=2", "t=3"]
    assert heads[1].find("sub").text == "s"  # l′ with its subscript s, as the steps set it
    # α_3(4) = (0.28 + 0.21 + 0.27) * 0.7 = 0.532, one of the two final cells: bold
    cell = rows[3].findall("td")[4]
    assert cell.text == "0.532" and "hl" in cell.get("class").split()
    # α_2(1) = 0.2 * 0.3 = 0.06 is a dead end: from state 1 one frame reaches state 3 at most,
    # and the path must end in state 4 or 5
    dead = rows[0].findall("td")[3]
    assert dead.text == "0.06†" and "dead" in dead.get("class").split()
    assert "dim" in rows[2].findall("td")[2].get("class").split()  # α_1(3) = 0: unreachable
    # numbers read from the right, the state's label (text) from the left
    assert (
        rows[2].findall("td")[1].get("class") == "text"
        and rows[2].findall("td")[0].get("class") == "num"
    )
    emis = next(v for k, v in t.items() if k.startswith("emissions"))
    assert [[td.text for td in r.findall("td")] for r in emis.findall("tbody/tr")][0] == [
        "1", "0.2", "0.7", "0.1"
    ]  # fmt: skip
    # the optional β table is not shown unless asked for
    assert not any(k.startswith("backward") for k in t)


def test_text_is_escaped_and_warnings_are_callouts():
    r = Result(
        kind="mse",
        title='<b>x & "y"</b>',
        loss=0.25,
        warnings=["p < 1 & q > 0"],
        notes=["a <note>"],
        tables=[Table("t <1>", ["a|b", "<c>"], [["<td>", 1.5]])],
        checks=[Check("loss", 0.25, 0.25, 1e-9), Check("grad", 1.0, 2.0, 1e-9)],
    )
    text = render_html([r])
    root = parse(text)
    assert "<b>" not in text and "<td><td>" not in text
    assert root.find("body/section/h1").text == '<b>x & "y"</b>'
    callouts = [d for d in root.iter("div") if "callout" in (d.get("class") or "")]
    assert [("warning" in d.get("class"), "".join(d.itertext())) for d in callouts] == [
        (True, "Warning: p < 1 & q > 0"),
        (False, "Note: a <note>"),
    ]
    panel = next(d for d in root.iter("div") if d.get("class") == "result")
    assert "Loss = 0.25 nats" in "".join(panel.itertext())
    verdicts = [r.findall("td")[3].text for r in panel.findall(".//table/tbody/tr")]
    assert verdicts == ["ok", "MISMATCH"]


def test_long_tables_are_windowed_with_a_note():
    big = Table(
        "big",
        ["i", *[f"c{j}" for j in range(1, 40)]],
        [[i, *[1000 * i + j for j in range(1, 40)]] for i in range(1, 1001)],
    )
    root = parse(render_html([Result(kind="mse", title="w", loss=None, tables=[big])]))
    t = tables(root)["big"]
    rows = t.findall("tbody/tr")
    assert len(rows) == 61 and all(len(r.findall("td")) == 17 for r in rows)
    assert rows[30].findall("td")[0].text == "…"
    assert rows[31].findall("td")[0].text == "971"
    assert any("rerun with --window" in "".join(p.itertext()) for p in root.iter("p"))


def test_solve_writes_the_page_with_o_and_refuses_to_overwrite(tmp_path):
    out = tmp_path / "ab.html"
    args = ["solve", "problems/ctc-exact-ab.yaml", "--format", "html", "-o", str(out)]
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    parse(out.read_text(encoding="utf-8"))
    again = runner.invoke(app, args)
    assert again.exit_code == 2 and "--force" in again.output
    assert runner.invoke(app, [*args, "--force"]).exit_code == 0
    into_input = runner.invoke(app, [*args[:-1], "problems/ctc-exact-ab.yaml", "--force"])
    assert into_input.exit_code == 2
    rich = runner.invoke(app, ["solve", "problems/hello.yaml", "-o", str(tmp_path / "x")])
    assert rich.exit_code == 2 and "--format html" in rich.output


@pytest.mark.parametrize("fmt", ["markdown", "rich", "json"])
def test_html_modules_are_not_imported_for_other_formats(fmt):
    import subprocess
    import sys

    code = (
        "import sys; from rnnloss_cli.cli.app import main; sys.argv=['rnnloss','solve',"
        f"'problems/ctc-exact-ab.yaml','--format','{fmt}']\n"
        "try: main()\nexcept SystemExit: pass\n"
        "print('HTMLMODS', [m for m in sys.modules if m.startswith('rnnloss_cli.render.')"
        " and m.split('.')[-1] in ('html', 'svg', 'figures', 'charts', 'mathml')])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout
    assert "HTMLMODS []" in out


def test_every_problem_file_renders_a_well_formed_page():
    from pathlib import Path

    files = sorted(Path("problems").glob("*.yaml"))
    assert len(files) > 10
    for f in files:
        text = page(str(f))
        root = parse(text)
        assert "http" not in text, f
        assert root.find("body/section/h1").text, f


def _headings(root: ET.Element) -> list[str]:
    return ["".join(h.itertext()) for h in root.iter() if h.tag in ("h1", "h2", "h3")]


def test_a_one_result_page_shows_its_title_once():
    """The title is the page's one visible top heading (it was an <h1> "rnnloss: T" and an
    <h2> "T"); a page of several results has one <h1> and a heading per result."""
    r = solve(load_problem("problems/hinge-sequence.yaml"))
    root = parse(render_html([r]))
    assert [h for h in _headings(root) if r.title in h] == [r.title]
    assert [h.text for h in root.iter("h1")] == [r.title]
    assert root.find("head/title").text == f"rnnloss: {r.title}"
    two = parse(render_html([r, solve(load_problem("problems/mse-forecast.yaml"))]))
    assert [h.text for h in two.iter("h1")] == ["rnnloss: 2 problems"]
    assert len(list(two.iter("h2"))) == 2


def test_steps_are_mathml_with_the_plain_text_as_alttext():
    """Every step of the hinge page is MathML (no namespace URL inside an HTML page); the mean
    step (0.2 + 0.5 + 0.7) / 3 is an <mfrac> whose numerator holds the three terms."""
    root = parse(page("problems/hinge-sequence.yaml"))
    steps = root.find(".//ul[@class='steps']")
    assert steps is not None and all(li.find(".//math") is not None for li in steps.iter("li"))
    assert not list(root.iter("{http://www.w3.org/1998/Math/MathML}math"))
    frac = next(f for f in root.iter("mfrac") if f[1].text == "3")  # (the formula has 1/n)
    num, den = list(frac)
    assert [m.text for m in num.iter("mn")] == ["0.2", "0.5", "0.7"] and den.text == "3"
    maths = list(root.iter("math"))
    assert any("(0.2 + 0.5 + 0.7) / 3" in (m.get("alttext") or "") for m in maths)
    # the defining formula is in display style (limits under and over Σ), the steps are not
    # (cut before its "=" after the name "hinge", so a phone can wrap it: every piece)
    formula = root.find(".//div[@class='formula']")
    assert formula is not None and list(formula.iter("math"))
    assert all(m.get("displaystyle") == "true" for m in formula.iter("math"))
    # its reduction is words after the maths, hidden from a screen reader (the alttext and
    # the cut's aria-label hold the whole formula)
    (tail,) = [s for s in formula.iter("span") if s.get("class") == "aside"]
    assert tail.text == "(reduction: mean)" and tail.get("aria-hidden") == "true"
    assert all(m.get("displaystyle") is None for m in steps.iter("math"))


def test_a_step_outside_the_subset_falls_back_to_plain_text():
    from rnnloss_cli.result import Step

    r = Result(kind="mse", title="t", loss=1.0, steps=[Step("odd", r"a \unknowncmd b")])
    root = parse(render_html([r]))
    li = root.find(".//ul[@class='steps']/li")
    assert li.find(".//math") is None
    assert li.find(".//span[@class='plain']").text == r"a \unknowncmd b"


def test_a_step_label_sets_its_subscripts():
    """The label "worked gradient ∂L/∂ŷ_1" shows ŷ with a subscript 1, not a literal "_1"."""
    from rnnloss_cli.render.html import step_label_html

    assert step_label_html("worked gradient ∂L/∂ŷ_1") == "worked gradient ∂L/∂ŷ<sub>1</sub>"
    assert step_label_html("worked cell α_2(4)") == "worked cell α<sub>2</sub>(4)"
    assert step_label_html("δ_{t−1} <b>") == "δ<sub>t−1</sub> &lt;b&gt;"
    assert step_label_html("mean_tokens and log_base") == "mean_tokens and log_base"
    # two letters are a subscript too: the beam table headed "p_b(l)" with a subscript beside
    # a literal "p_nb(l)", under maths that writes p_nb with one
    assert step_label_html("p_b + p_nb") == "p<sub>b</sub> + p<sub>nb</sub>"
    assert step_label_html("∂L/∂W_xh") == "∂L/∂W<sub>xh</sub>"
    assert step_label_html("x_abc") == "x_abc"


def style_rules(text: str, *, media: str = "screen") -> dict[str, dict[str, str]]:
    """The page's CSS rules, selector -> {property: value}: the screen ones (outside
    ``@media print``) or, with ``media="print"``, the print ones. A selector list ("h5, h6")
    gives each of its selectors the declarations."""
    css = text.split("<style>", 1)[1].split("</style>", 1)[0]
    screen, _, printed = css.partition("@media print {")
    rules: dict[str, dict[str, str]] = {}
    for selectors, body in re.findall(
        r"([^{}]+)\{([^{}]*)\}", printed if media == "print" else screen
    ):
        decls = {
            k.strip(): v.strip()
            for k, _, v in (d.partition(":") for d in re.sub(r"/\*.*?\*/", "", body).split(";"))
            if k.strip()
        }
        for sel in re.sub(r"/\*.*?\*/", "", selectors).split(","):
            rules.setdefault(" ".join(sel.split()), {}).update(decls)
    return rules


def test_number_cells_never_wrap():
    """A number such as 2.49e-5 is one unbreakable unit: every number cell of a data table and
    of the answer key is a ``td.num``, and ``.num`` does not wrap, on screen and in print
    (before: "2.49e-" / "5" on two lines in the α trellis of a 30-label, 200-frame problem)."""
    t = Table("tiny", ["t", "x"], [[1, 2.49e-5], [2, 3.1e-121]], key_columns=1)
    r = Result(
        kind="ctc", title="tiny numbers", tables=[t], loss=1.5e-7,
        checks=[Check("loss", 1.5e-7, 1.5e-7, 1e-12)],
    )  # fmt: skip
    text = render_html([r])
    root = parse(text)
    numbers = [
        td
        for table in root.iter("table")
        for td in table.iter("td")
        if re.fullmatch(r"[-−]?[\d.]+(e[-−]?\d+)?", td.text or "")
    ]
    assert len(numbers) >= 4 + 2, [td.text for td in numbers]
    assert all("num" in (td.get("class") or "").split() for td in numbers)
    loss = root.find(".//p[@class='loss']/span")
    assert loss is not None and loss.get("class") == "num" and loss.text == "1.5e-7"
    for media in ("screen", "print"):
        assert style_rules(text, media=media).get(".num", {}).get("white-space") == "nowrap"
    assert style_rules(text)[".wide td"]["white-space"] == "nowrap"  # cells keep one line


def test_sheet_sub_headings_are_no_smaller_than_the_text():
    """A custom problem's terms on a solution sheet are h5 and h6 headings: they are set at
    least as large as the text (1rem), not the browser's 0.83em and 0.67em."""
    from rnnloss_cli.sheet import build_sheet

    text = build_sheet(["problems/custom-combo.yaml"], "html", solutions=True)
    tags = _Tags()
    tags.feed(text)
    assert {"h5", "h6"} <= set(tags.tags)
    rules = style_rules(text)
    for h in ("h3", "h4", "h5", "h6"):
        size = rules.get(h, {}).get("font-size", "")
        assert size.endswith("rem") and float(size[:-3]) >= 1, (h, size)


def test_a_column_head_writes_its_subscript_as_a_subscript():
    """bptt-two-steps' forward pass has a column h_{t−1}: the head shows h with t−1 set as a
    subscript, not the braces of the plain text (before: "h_{t−1}"); a name with
    underscores between words keeps them."""
    root = parse(page("problems/bptt-two-steps.yaml"))
    heads = {"".join(th.itertext()): th for th in root.iter("th")}
    assert "h_{t−1}" not in heads
    th = heads["ht−1"]
    assert th.text == "h" and th.find("sub").text == "t−1"
    shown = {
        "".join(th.itertext()) for th in parse(page("problems/seq-padded-batch.yaml")).iter("th")
    }
    assert "masked?" in shown


def test_a_column_of_words_is_headed_from_the_left_like_its_cells():
    """hello's listed alignments: the columns of words (alignment π, B(π), valid for HELLO?,
    factors) are read from the left, and so are their heads; the number columns (#, frames,
    product) stay right-aligned, heads and cells (before: every head right-aligned, "factors"
    sat 30 characters right of its left-aligned products)."""
    root = parse(page("problems/hello.yaml"))
    table = tables(root)["listed alignments"]
    heads = {"".join(th.itertext()): th.get("class") for th in table.iter("th")}
    assert heads == {
        "#": None,
        "alignment π": "text",
        "B(π)": "text",
        "valid for HELLO?": "text",
        "frames": None,
        "factors": "text",
        "product": None,
    }
    assert "th.text" in root.find("head/style").text


@pytest.mark.parametrize("path", ["problems/hello.yaml", "problems/bce-bits.yaml"])
def test_every_table_has_a_caption_naming_it(path):
    """A screen reader names a table by its caption: the answer key in the result panel has
    one too (before: the only table of the page without a name)."""
    root = parse(page(path))
    names = [t.find("caption") for t in root.iter("table")]
    assert names and all(c is not None and "".join(c.itertext()).strip() for c in names)
    key = next(t for t in root.iter("table") if t.get("class") == "checks")
    assert "".join(key.find("caption").itertext()) == "answer key"
