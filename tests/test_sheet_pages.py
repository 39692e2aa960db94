"""A printed LaTeX sheet keeps each question's heading with its givens: no page ends on a
problem's title, its source line or the word "Given" with the question on the next page, and
a question that fits on a page is not split (its task alone at the top of the next).

The shipped problems' question sheet did (pdflatex, A4 with 2 cm margins): page 2 ended on
"5 Three observations, three classes" and its source, page 7 on the HELLO heading.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from rnnloss_cli.problem import load_problem, problem_files
from rnnloss_cli.sheet import build_sheet
from tests.latex_run import compile_tex

PROBLEMS = str(Path(__file__).resolve().parent.parent / "problems")


def _pages(pdf: Path) -> list[list[str]]:
    """The lines of text on each page, the page number left out."""
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    pages = []
    for page in text.split("\f"):
        lines = [line.strip() for line in page.splitlines() if line.strip()]
        if lines and lines[-1].isdigit():  # the page number in the footer
            lines = lines[:-1]
        if lines:
            pages.append(lines)
    return pages


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext is not installed")
def test_no_page_of_the_question_sheet_ends_on_a_heading(tmp_path: Path) -> None:
    compile_tex("pdflatex", build_sheet([PROBLEMS], "latex", solutions=False), tmp_path, "q")
    titles = [load_problem(p).meta.title for p in problem_files([PROBLEMS])]
    headings = [f"{i} {t}"[:30] for i, t in enumerate(titles, 1)]
    pages = _pages(tmp_path / "q.pdf")
    assert len(pages) > 3, pages  # several pages, or the test proves nothing
    for n, lines in enumerate(pages, 1):
        end = lines[-1]
        assert not end.startswith("Source:"), (n, end)
        assert end != "Given", (n, end)
        assert not any(end.startswith(h) for h in headings), (n, end)
        # every shipped question fits a page: none runs on to the next one
        assert not lines[0].startswith(("Task", "Conventions")), (n, lines[0])


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext is not installed")
def test_short_questions_share_a_page(tmp_path: Path) -> None:
    """Six copies of the MSE forecast, each about 12.5 lines of a 50-line page (heading with
    the space round it 2.5, source 1, "Given" 1.5 and two items 2, conventions 2 and task 1
    with the space above each 2.5): three on the first page under the sheet's title (about
    8.5 lines), three on the second. Each question's room was estimated, generously, at 21
    lines: two to the first page, three to the second, the sixth alone on a third."""
    src = Path(PROBLEMS) / "mse-forecast.yaml"
    for i in range(6):
        (tmp_path / f"m{i}.yaml").write_text(src.read_text(encoding="utf-8"), encoding="utf-8")
    tex = build_sheet([str(tmp_path)], "latex", solutions=False)
    compile_tex("pdflatex", tex, tmp_path, "q")
    pages = _pages(tmp_path / "q.pdf")
    assert len(pages) == 2, [p[:3] for p in pages]
    for lines in pages:  # and none split: each page opens on the title or a question's heading
        assert lines[0].split()[0] in ("Problem", *map(str, range(1, 7))), lines[0]


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext is not installed")
def test_no_page_of_the_solution_sheet_ends_on_a_table_title(tmp_path: Path) -> None:
    """A table's bold title was a line of its own above the tabular, a page break allowed
    between them: page 3 of the shipped solution sheet ended on "given: the parameters"
    (BPTT's), the table itself at the top of page 4."""
    from rnnloss_cli.solve import solve

    tex = build_sheet([PROBLEMS], "latex", solutions=True)
    compile_tex("pdflatex", tex, tmp_path, "s")
    titles = {
        t.title.strip()
        for p in problem_files([PROBLEMS])
        for t in solve(load_problem(p)).tables
        if t.title
    }
    pages = _pages(tmp_path / "s.pdf")
    assert len(pages) > 10, len(pages)
    ends = [(n, lines[-1]) for n, lines in enumerate(pages, 1)]
    assert not [(n, end) for n, end in ends if end in titles], ends
