"""A given matrix taller than what is left of a page is not moved whole to the next page (the
rest of the page left empty) nor shrunk to fit one: its rows run on from under its name,
across pages, at the size of the rest of the sheet.

Seen on a CTC question of 50 frames (pdflatex, A4, 2 cm margins): page 2 held the heading,
three givens and "emissions (matrix):", then nothing; the 50 rows, shrunk, were on page 3.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from rnnloss_cli.sheet import build_sheet
from tests.latex_run import compile_tex

FRAMES = 50


def _row(t: int) -> tuple[str, str, str]:
    """Frame t's emissions (blank, A, B), written out so each row is told apart by eye:
    A = t/1000, B = 0.5, the blank the rest, 0.5 - t/1000 (e.g. frame 7: 0.493, 0.007, 0.5;
    each row sums to 1)."""
    return f"{(500 - t) / 1000:g}", f"{t / 1000:g}", "0.5"


def _tall_problem(folder: Path) -> Path:
    rows = "\n".join(f"  - [{', '.join(_row(t))}]" for t in range(1, FRAMES + 1))
    path = folder / "tall.yaml"
    path.write_text(
        "kind: ctc\ntitle: Exact CTC over 50 frames\nmethod: exact\ntarget: AB\n"
        f'symbols: ["-", A, B]\nemissions:\n{rows}\n',
        encoding="utf-8",
    )
    return path


def _pages(pdf: Path) -> list[list[str]]:
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return [
        [" ".join(line.split()) for line in page.splitlines() if line.strip()]
        for page in text.split("\f")
        if page.strip()
    ]


def _items(lines: list[str]) -> list[str]:
    """The lines with an itemize bullet taken off (pdftotext reads it as a control
    character, U+0088, from the font's encoding)."""
    return [line[2:] if line[:2] in ("\u0088 ", "\u2022 ") else line for line in lines]


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext is not installed")
def test_a_tall_given_matrix_runs_on_from_under_its_name(tmp_path: Path) -> None:
    tex = build_sheet([str(_tall_problem(tmp_path))], "latex", solutions=False)
    compile_tex("pdflatex", tex, tmp_path, "q")
    pages = _pages(tmp_path / "q.pdf")
    rows = [f"{t} {' '.join(_row(t))}" for t in range(1, FRAMES + 1)]
    where = {row: n for n, lines in enumerate(pages) for row in rows if row in lines}
    # every row printed, each once, in order (pages never go back)
    assert list(where) == rows, sorted(set(rows) - set(where))
    named = next(n for n, lines in enumerate(pages) if "emissions (matrix):" in _items(lines))
    # its first rows on the page that names it, not on the next one
    assert where[rows[0]] == named, (named, where[rows[0]])
    assert where[rows[-1]] > named  # 50 rows under a title and the givens: two pages
    # at the sheet's size: a page holds about 45 rows (11 pt), a shrunk matrix all 50
    assert sum(1 for n in where.values() if n == where[rows[-1]]) < FRAMES


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext is not installed")
def test_a_short_given_matrix_is_still_one_table(tmp_path: Path) -> None:
    """Three frames: the matrix as before, under its name, with its header."""
    problems = Path(__file__).resolve().parent.parent / "problems"
    compile_tex(
        "pdflatex",
        build_sheet([str(problems / "ctc-exact-ab.yaml")], "latex", solutions=False),
        tmp_path,
        "q",
    )
    (lines,) = _pages(tmp_path / "q.pdf")
    lines = _items(lines)
    at = lines.index("emissions (matrix):")
    # the rows of ctc-exact-ab.yaml's emissions, as the file writes them
    assert lines[at + 1 : at + 5] == ["- A B", "1 0.2 0.7 0.1", "2 0.3 0.3 0.4", "3 0.2 0.1 0.7"]


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext is not installed")
def test_a_question_with_a_tall_matrix_starts_on_the_page_with_room(tmp_path: Path) -> None:
    """Under the short MSE forecast (about 20 lines of a 50-line page with the sheet's title)
    the tall question's heading, givens and first rows fit: it starts on page 1 rather than
    leaving half of it empty (its room was estimated at 36 lines, the matrix counted whole)."""
    src = Path(__file__).resolve().parent.parent / "problems" / "mse-forecast.yaml"
    (tmp_path / "a.yaml").write_text(src.read_text(encoding="utf-8"), encoding="utf-8")
    _tall_problem(tmp_path)
    tex = build_sheet([str(tmp_path)], "latex", solutions=False)
    compile_tex("pdflatex", tex, tmp_path, "q")
    pages = [_items(lines) for lines in _pages(tmp_path / "q.pdf")]
    assert "2 Exact CTC over 50 frames" in pages[0], pages[0]
    at = pages[0].index("emissions (matrix):")
    assert pages[0][at + 2] == f"1 {' '.join(_row(1))}", pages[0][at:]  # header, then row 1


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext is not installed")
def test_a_tall_table_of_a_solution_runs_on_from_where_it_starts(tmp_path: Path) -> None:
    """The solution's table of the 50 frames ("emissions y_t(k) (given)") moved whole to the
    page after its solution's first lines (a tabular is one box), half a page left empty
    above it, and was shrunk to fit a page."""
    tex = build_sheet([str(_tall_problem(tmp_path))], "latex", solutions=True)
    compile_tex("pdflatex", tex, tmp_path, "s")
    pages = _pages(tmp_path / "s.pdf")
    rows = [f"{t} {' '.join(_row(t))}" for t in range(1, FRAMES + 1)]
    flat = [(n, line) for n, lines in enumerate(pages) for line in lines]
    solution = next(n for n, line in flat if line == "Solution")
    at = next(k for k, (_, line) in enumerate(flat) if line.startswith("emissions yt"))
    title = flat[at][0]
    after = [n for n, line in flat[at:] if line in rows]  # the question's own rows before it
    assert title == solution, (title, solution)  # the derivation's first lines: 15 lines
    assert len(after) == FRAMES and after == sorted(after), after
    assert after[0] == title and after[-1] > title  # at the sheet's size: on two pages


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext is not installed")
def test_a_question_taller_than_tex_can_measure_still_compiles(tmp_path: Path) -> None:
    """3000 frames shown (``--window 3000x3``): about 3000 × 13.6 pt = 40 800 pt, past the
    largest length TeX holds (16 383 pt). The question was set in a box to be measured:
    "! Dimension too large." and no PDF. Every row is printed, on about 60 pages."""
    from rnnloss_cli.result import Window

    frames = 3000
    # A = (t mod 500)/1000, B = 0.5, the blank the rest: each row sums to 1
    cells = [(f"{(500 - t % 500) / 1000:g}", f"{t % 500 / 1000:g}", "0.5") for t in range(frames)]
    rows = "\n".join(f"  - [{', '.join(c)}]" for c in cells)
    path = tmp_path / "huge.yaml"
    path.write_text(
        f'kind: ctc\ntitle: Huge\nmethod: exact\ntarget: AB\nsymbols: ["-", A, B]\n'
        f"emissions:\n{rows}\n",
        encoding="utf-8",
    )
    tex = build_sheet([str(path)], "latex", solutions=False, window=Window(frames, 3))
    compile_tex("pdflatex", tex, tmp_path, "q")
    lines = {line for page in _pages(tmp_path / "q.pdf") for line in page}
    missing = [t for t in range(frames) if f"{t + 1} {' '.join(cells[t])}" not in lines]
    assert not missing, missing[:10]


@pytest.mark.skipif(
    shutil.which("chromium") is None or shutil.which("pdftotext") is None,
    reason="chromium and pdftotext are needed",
)
def test_an_html_question_with_a_tall_matrix_starts_under_the_one_before(tmp_path: Path) -> None:
    # Printed from Chromium (A4), the print stylesheet kept every question whole on one page,
    # so the 50-frame question moved to page 2 and left page 1 half empty under a short one.
    # Now a question whose given matrix has more than 12 rows may break between its rows.
    short = Path(__file__).parent.parent / "problems" / "hinge-sequence.yaml"
    page = build_sheet([str(short), str(_tall_problem(tmp_path))], "html", solutions=False)
    from tests.test_sheet_html import print_to_pdf

    pages = _pages(print_to_pdf(page, tmp_path))
    assert any("2. Exact CTC over 50 frames" in line for line in pages[0]), pages[0]
    assert len(pages) >= 2  # the 50 rows do not fit under it on one page
