"""``rnnloss sheet --format html``: one self-contained, printable page; questions without
answers, solutions with every derivation and key; its MathML laid out by Chromium."""

from __future__ import annotations

import shutil
import subprocess
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from rnnloss_cli.cli import app
from rnnloss_cli.problem import load_problem
from rnnloss_cli.render.text import fmt_key
from rnnloss_cli.sheet import build_sheet
from rnnloss_cli.solve import solve
from tests.test_sheet import PROBLEMS, _answer_values, _files, _numbers

runner = CliRunner()


def parse(text: str) -> ET.Element:
    assert text.startswith("<!DOCTYPE html>\n")
    return ET.fromstring(text.split("\n", 1)[1])


def body_text(root: ET.Element) -> str:
    return " ".join(root.find("body").itertext())


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs += [a for a, _ in attrs]


def test_sheets_are_well_formed_and_self_contained():
    for solutions in (False, True):
        text = build_sheet(_files(), "html", solutions=solutions)
        root = parse(text)
        assert root.find("head/style") is not None
        assert "http" not in text  # no URL, not even a namespace
        tags = _Tags()
        tags.feed(text)
        assert not {"script", "link", "img", "iframe"} & set(tags.tags)
        assert not {"src", "href"} & set(tags.attrs)
        # one section per problem, numbered, one visible page title
        sections = [s for s in root.iter("section") if "problem" in s.get("class", "").split()]
        assert len(sections) == len(_files())
        assert [h.text for h in root.iter("h1")] == ["Solutions" if solutions else "Problem sheet"]


@pytest.mark.parametrize("path", _files(), ids=lambda p: Path(p).name)
def test_question_sheet_holds_no_answer(path: str):
    """No number of the key or of the computed result shows, unless it is a given number;
    no solution heading, loss line or key table."""
    root = parse(build_sheet([path], "html"))
    text = body_text(root)
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    given_numbers = _numbers(str({k: v for k, v in data.items() if k not in ("answer", "notes")}))
    leaked = (_answer_values(path) - given_numbers) & _numbers(text)
    assert not leaked, f"answer values {leaked} appear in the HTML question sheet"
    assert "Solution" not in text and "Loss =" not in text
    assert not [t for t in root.iter("table") if t.get("class") == "checks"]
    assert root.find(".//p[@class='task']") is not None


def test_solution_sheet_holds_every_derivation_and_key():
    files = _files()
    root = parse(build_sheet(files, "html", solutions=True))
    sections = [s for s in root.iter("section") if s.get("class") == "problem"]
    for path, section in zip(files, sections, strict=True):
        result = solve(load_problem(path))
        assert result.title in section.find("h2").text
        assert [h.text for h in section.iter("h3")] == ["Given", "Solution"]
        # the result's own title is not repeated under the problem's heading
        assert not [h for h in section.iter() if h.tag in ("h4", "h5") and h.text == result.title]
        keys = {
            (row[0].text, row[1].text)
            for table in section.iter("table")
            if table.get("class") == "checks"
            for row in table.iter("tr")
            if row.find("td") is not None
        }
        for c in result.checks or []:
            # a key's minus signs U+2212, as the derivation writes them ("−0.196")
            key = fmt_key(c.expected, c.got, 3)[0]
            key = key if isinstance(c.got, str) else key.replace("-", "\u2212")
            assert (c.figure, key) in keys, (path, c.figure)
        assert "Loss = " in " ".join(section.itertext()), path
    # the hinge mean (0.2 + 0.5 + 0.7) / 3 = 0.467 is a fraction in MathML, by hand
    fracs = [
        f for f in root.iter("mfrac") if [m.text for m in f[0].iter("mn")] == ["0.2", "0.5", "0.7"]
    ]
    assert fracs and all(f[1].text == "3" for f in fracs)


def test_givens_are_tables():
    """ctc-exact-ab gives a 3 x 3 emission matrix (frames x symbols - A B): one table with
    a row head per frame; hinge-sequence's scalars and lists: one name/value table."""
    root = parse(build_sheet([str(PROBLEMS / "ctc-exact-ab.yaml")], "html"))
    (matrix,) = [t for t in root.iter("table") if "given" in (t.get("class") or "").split()]
    rows = matrix.findall("tbody/tr")
    assert [r.find("th").text for r in rows] == ["1", "2", "3"]
    assert all(len(r.findall("td")) == 3 for r in rows)
    root = parse(build_sheet([str(PROBLEMS / "hinge-sequence.yaml")], "html"))
    table = next(t for t in root.iter("table") if t.get("class") == "givens")
    shown = {r.find("th").text: r.find("td").text for r in table.iter("tr")}
    # the file's numbers, their minus signs U+2212 as the solution writes them
    assert shown["y"] == "[1, \u22121, 1]" and shown["yhat"] == "[0.8, \u22120.5, 0.3]"


def test_the_page_has_a_print_stylesheet():
    style = parse(build_sheet(_files()[:2], "html")).find("head/style").text
    printing = style[style.index("@media print") :]
    assert "section.problem + section.problem" in printing and "break-before: page" in printing
    assert "print-color-adjust: exact" in printing  # call-out backgrounds survive printing


def test_cli_writes_the_html_sheet_through_the_safe_write_path(tmp_path: Path):
    out = tmp_path / "sheet.html"
    args = [
        "sheet",
        str(PROBLEMS / "hello.yaml"),
        "--format",
        "html",
        "--solutions",
        "-o",
        str(out),
    ]
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    root = parse(out.read_text(encoding="utf-8"))
    assert "3.673" in body_text(root)  # HELLO's key
    again = runner.invoke(app, args)
    assert again.exit_code == 2 and "--force" in again.output


CHROMIUM = shutil.which("chromium")

_PROBE = """<script>
addEventListener('load', () => {
  const out = [];
  for (const f of document.querySelectorAll('mfrac')) {
    const [num, den] = f.children;
    out.push(Math.round(num.getBoundingClientRect().bottom) + ',' +
             Math.round(den.getBoundingClientRect().top));
  }
  const pre = document.createElement('pre');
  pre.id = 'probe'; pre.textContent = out.join(';');
  document.body.appendChild(pre);
});
</script>"""


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
def test_chromium_lays_out_the_fractions(tmp_path: Path):
    """Chromium lays MathML out (MathML Core): each fraction's numerator sits above its
    denominator. Without MathML layout the two would run on one line, side by side. A
    probe script is added to a copy of the page (the page itself has none)."""
    import re

    text = build_sheet([str(PROBLEMS / "hinge-sequence.yaml")], "html", solutions=True)
    page = tmp_path / "probe.html"
    page.write_text(text.replace("</body>", _PROBE + "</body>"), encoding="utf-8")
    dom = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=120, check=False,
    ).stdout  # fmt: skip
    m = re.search(r'<pre id="probe">([^<]*)</pre>', dom)
    assert m, dom[-500:]
    pairs = [tuple(map(int, p.split(","))) for p in m.group(1).split(";") if p]
    assert len(pairs) >= 2  # the formula's 1/n and the mean's sum over 3
    assert all(num_bottom <= den_top + 1 for num_bottom, den_top in pairs), pairs


def print_to_pdf(page: str, tmp_path: Path) -> Path:
    """``page`` printed by headless Chromium (its default paper) to ``tmp_path/sheet.pdf``."""
    html_file, pdf = tmp_path / "sheet.html", tmp_path / "sheet.pdf"
    html_file.write_text(page, "utf-8")
    subprocess.run(
        [shutil.which("chromium"), "--headless", "--no-sandbox", "--disable-gpu",
         "--no-pdf-header-footer", f"--print-to-pdf={pdf}", html_file.as_uri()],
        capture_output=True, timeout=120, check=False,
    )  # fmt: skip
    return pdf


def _printed_pages(page: str, tmp_path: Path) -> int:
    """Pages of ``page`` printed by headless Chromium, counted by pdfinfo."""
    pdf = print_to_pdf(page, tmp_path)
    info = subprocess.run(
        [shutil.which("pdfinfo"), str(pdf)], capture_output=True, text=True, check=True
    ).stdout
    return int(next(line.split()[1] for line in info.splitlines() if line.startswith("Pages:")))


@pytest.mark.skipif(
    shutil.which("chromium") is None or shutil.which("pdfinfo") is None,
    reason="chromium and pdfinfo (poppler-utils) are needed",
)
def test_a_printed_question_sheet_does_not_give_each_short_question_a_page(tmp_path):
    # Four short questions (a few lines of givens each) fit on one A4 page; the print
    # stylesheet began every problem on a new page, so the question sheet took four. A
    # solution sheet keeps a page per problem (each derivation is long).
    names = ["hinge-sequence", "mse-forecast", "bce-bits", "nll-two-words"]
    paths = [str(PROBLEMS / f"{n}.yaml") for n in names]
    questions = _printed_pages(build_sheet(paths, "html", solutions=False), tmp_path)
    solutions = _printed_pages(build_sheet(paths, "html", solutions=True), tmp_path)
    assert questions < len(names) <= solutions, (questions, solutions)


@pytest.mark.skipif(
    shutil.which("chromium") is None or shutil.which("pdftotext") is None,
    reason="chromium and pdftotext (poppler-utils) are needed",
)
def test_a_printed_sheet_numbers_its_pages(tmp_path):
    # A handed-out sheet's loose pages go back in order: each printed page ends "page n of m"
    # (the page's @page footer; Chromium's own header and footer are off, as a reader who
    # unticks them has it). HELLO and DEEP's solutions take several pages.
    paths = [str(PROBLEMS / f"{n}.yaml") for n in ("hello", "deep")]
    pdf = print_to_pdf(build_sheet(paths, "html", solutions=True), tmp_path)
    text = subprocess.run(
        [shutil.which("pdftotext"), "-layout", str(pdf), "-"],
        capture_output=True, text=True, check=True,
    ).stdout.split("\f")  # fmt: skip
    pages = [p for p in text if p.strip()]
    assert len(pages) >= 2
    for n, page in enumerate(pages, 1):
        assert f"page {n} of {len(pages)}" in page, (n, page[-300:])
