"""A LaTeX sheet's long and wide tables print readably on paper.

- A table whose rows run on across pages sets its head row again at the top of each page,
  under its title and "(continued)": the rows of 50 frames ran on to the next page with no
  head, a page of numbers under no column names.
- A table wider than the line is set as blocks of its columns, one under another, each
  with its row names, instead of shrunk to the line: a CTC trellis of 21 states and 16
  frames in print was about 5 pt high.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from rnnloss_cli.sheet import build_sheet, latex_column_blocks
from tests.latex_run import compile_tex

FRAMES = 50


def _row(t: int) -> list[str]:
    # frame t: A = t/1000, B = 0.5, the blank the rest (each row sums to 1)
    return [f"{0.5 - t / 1000:g}", f"{t / 1000:g}", "0.5"]


def _tall(folder: Path, name: str = "tall.yaml") -> Path:
    rows = "\n".join(f"  - [{', '.join(_row(t))}]" for t in range(1, FRAMES + 1))
    path = folder / name
    path.write_text(
        "kind: ctc\ntitle: Exact CTC over 50 frames\nmethod: exact\ntarget: AB\n"
        f'symbols: ["-", A, B]\nemissions:\n{rows}\n',
        encoding="utf-8",
    )
    return path


def _wide_tall(folder: Path) -> Path:
    """CTC of a 10-label target over 30 frames, 11 symbols: its trellis has 2·10 + 1 = 21
    states (rows) by 30 frames (columns), windowed to 16 columns, cells such as "1.23e-20"."""
    symbols = ["-", *"ABCDEFGHIJ"]
    # each frame: the blank 0.5, every label 0.05 (10 × 0.05 + 0.5 = 1)
    row = "[" + ", ".join(["0.5", *["0.05"] * 10]) + "]"
    path = folder / "wide.yaml"
    path.write_text(
        "kind: ctc\ntitle: A trellis both tall and wide\ntarget: ABCDEFGHIJ\n"
        f"symbols: [{', '.join(repr(s) for s in symbols)}]\n"
        "emissions:\n" + "".join(f"  - {row}\n" for _ in range(30)),
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


# ------------------------------------------------------------------------- head repeated
@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext is not installed")
@pytest.mark.parametrize("solutions", [False, True], ids=["question", "solution"])
def test_a_table_running_across_pages_repeats_its_head_on_each(tmp_path, solutions):
    """50 rows of a given matrix (the question, a list item) or of the solution's emissions
    table (centred, under its bold title): every page holding its rows holds its head row
    "- A B" above them, and on each page after the first the title and "(continued)"."""
    src = Path(__file__).resolve().parent.parent / "problems" / "mse-forecast.yaml"
    _tall(tmp_path)
    (tmp_path / "z.yaml").write_text(src.read_text(encoding="utf-8"), encoding="utf-8")
    tex = build_sheet([str(tmp_path)], "latex", solutions=solutions)
    compile_tex("pdflatex", tex, tmp_path, "s")
    pages = _pages(tmp_path / "s.pdf")
    rows = {f"{t} {' '.join(_row(t))}": t for t in range(1, FRAMES + 1)}
    # the table read: the question's matrix, or the solution's table after "Solution"
    flat = [(n, line) for n, lines in enumerate(pages) for line in lines]
    start = next(k for k, (_, line) in enumerate(flat) if line == "Solution") if solutions else 0
    seen: dict[int, list[int]] = {}  # page: the table's rows on it
    heads: dict[int, int] = {}  # page: where its head row is
    for k, (n, line) in enumerate(flat[start:]):
        if line in rows and rows[line] not in sum(seen.values(), []):
            seen.setdefault(n, []).append(rows[line])
        if line == "- A B" or line == "t - A B":
            heads.setdefault(n, k)
    assert sorted(sum(seen.values(), [])) == list(range(1, FRAMES + 1))
    assert len(seen) >= 2, seen  # it does run on: else the test proves nothing
    for n in seen:
        assert n in heads, (n, seen[n][:3])  # the head row on every page of its rows
    continued = "emissions (continued)" if not solutions else "(given) (continued)"
    for n in sorted(seen)[1:]:
        assert any(line.endswith(continued) for line in pages[n][:3]), pages[n][:3]
    # the question after it keeps its number: the tall one, set twice, counted once
    assert any(line.startswith("2 ") and "forecast" in line.lower() for _, line in flat)


def test_a_tall_table_marks_where_its_head_ends_for_tex_to_repeat_it(tmp_path):
    r"""The source: each tall table's rows end their head with ``\rnnlossheadend`` and pass
    the "(continued)" caption; the definition cuts the head off with \vsplit."""
    tex = build_sheet([str(_tall(tmp_path))], "latex", solutions=True)
    body = tex.split(r"\begin{document}")[1]
    assert body.count(r"\rnnlossheadend") == body.count(r"\rnnlossrows{") == 2
    assert r"\textbf{emissions $y_t(k)$ (given)} (continued)" in body
    assert r"\setbox\rnnlossheadbox=\vsplit" in tex


# ------------------------------------------------------------------------- column blocks
def test_column_blocks_fit_the_line_each_with_the_row_names():
    """17 columns: a key of 4 characters ("1000"; 4 + 2 = 6) and 16 of 7 ("1000039"; 9
    each): 6 + 16 × 9 = 150 > 112; a block holds (112 − 6) // 9 = 11 data columns: 11 + 5."""
    columns = ["i", *[f"c{j}" for j in range(1, 17)]]
    rows = [["1000", *["1000039"] * 16]]
    assert latex_column_blocks(columns, rows, 1) == [list(range(1, 12)), list(range(12, 17))]
    # a table that fits is one block of all its data columns
    assert latex_column_blocks(["i", "y"], [["1", "0.5"]], 1) == [[1]]


def _cells(line: str) -> list[str]:
    """A row of the source's alignment, its cells' printed text (markup dropped)."""
    line = re.sub(r"\\\\$|\\cr$", "", line.strip())
    cells = [c.strip() for c in line.split("&")]
    plain = [re.sub(r"\\textbf\{(.*)\}", r"\1", c) for c in cells]
    plain = [c.replace(r"$^\dagger$", "†").replace(r"$\dots$", "…") for c in plain]
    return [re.sub(r"[{}$\\]|_", "", c) for c in plain]


def test_a_tall_wide_trellis_is_split_into_blocks_not_shrunk(tmp_path):
    """The trellis of 21 states by 16 shown frames (cells of 8 or 9 characters such as
    "1.23e-20†": 17 columns of 8 or 9 need well over 112): every row of every table in the
    solution's source needs at most 112 characters (its cells and 2 a column; HELLO's 111
    fit the line at \\footnotesize), so none is shrunk; each block keeps the row names."""
    tex = build_sheet([str(_wide_tall(tmp_path))], "latex", solutions=True)
    body = tex.split(r"\begin{document}")[1]
    rows = [ln for ln in body.splitlines() if "&" in ln and re.search(r"(\\\\|\\cr)$", ln)]
    rows = [r for r in rows if r"\omit" not in r and r"\halign" not in r]
    assert rows
    widest = max(sum(len(c) + 2 for c in _cells(r)) for r in rows)
    assert widest <= 112, max(rows, key=lambda r: sum(len(c) + 2 for c in _cells(r)))
    assert body.count(r"\textbf{forward trellis") >= 2  # in blocks
    assert r"forward trellis $\alpha _t(s)$ (probabilities)} (continued)" in body
    heads = [ln for ln in body.splitlines() if ln.strip().startswith(r"s & $l'_s$")]
    assert len(heads) >= 4  # every block of both trellises names its rows


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext is not installed")
def test_a_tall_wide_trellis_compiles_with_no_table_shrunk(tmp_path):
    r"""TeX measures: no table of the sheet is wider than the line (\rnnlossfit says in the
    log when it shrinks one)."""
    tex = build_sheet([str(_wide_tall(tmp_path))], "latex", solutions=True)
    log = compile_tex("pdflatex", tex, tmp_path, "s")
    log += (tmp_path / "s.log").read_text(encoding="utf-8", errors="replace")
    assert "rnnloss: a table shrunk" not in log
    assert "Overfull \\hbox" not in log
