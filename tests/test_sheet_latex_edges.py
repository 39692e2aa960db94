"""LaTeX sheets with hostile symbols: displays are never split inside an escaped brace, and
names with two subscripts stay text, so the sheets compile."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from tests.latex_run import compile_tex


# 2. escaped braces in \text{...} were counted as groups when a display was split
def test_a_display_is_never_split_inside_a_text_group():
    from rnnloss_cli.sheet import _top_level_split

    math_ = r"\pi = \text{\}; \\ \{; a \_},\ y; z"
    assert _top_level_split(math_, ";") == [r"\pi = \text{\}; \\ \{; a \_},\ y;", "z"]


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed")
def test_sheets_of_hostile_symbols_compile(tmp_path):
    from rnnloss_cli.sheet import build_sheet

    (tmp_path / "d.yaml").write_text(
        "kind: sequence\nvocabulary: ['y_t(a_b_c)', 'x_1(__)', zz]\n"
        "targets: ['y_t(a_b_c)', 'x_1(__)']\nyhat: [[0.5, 0.3, 0.2], [0.2, 0.6, 0.2]]\n"
    )
    (tmp_path / "e.yaml").write_text(
        'kind: ctc_decode\nsymbols: ["_", "};", "{;", a]\nblank: "_"\nbeam: 2\nemissions:\n'
        "  - [.1, .5, .3, .1]\n  - [.1, .3, .5, .1]\n  - [.2, .2, .2, .4]\n  - [.5, .2, .2, .1]\n"
    )
    for name in ("d", "e"):
        tex = tmp_path / f"{name}.tex"
        tex.write_text(build_sheet([str(tmp_path / f"{name}.yaml")], "latex", solutions=True))
        done = subprocess.run(
            ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", tex.name],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stdout[-2000:]


# 3. a title, source or symbol pdflatex has no glyph for stopped it: "Unicode character 😀
# (U+1F600) not set up for use with LaTeX"
# (the source adds a ZWJ emoji sequence, a variation selector and a combining accent)
UNSET = (
    'kind: mse\ntitle: "Loss 😀 损失 é Ж"\n'
    'source: "日本 \\U0001F468\\u200D\\U0001F469 \\u2764\\uFE0F e\\u0301"\ny: [1]\nyhat: [2]\n'
)


def _unset_sheet(tmp_path):
    from rnnloss_cli.sheet import build_sheet

    (tmp_path / "u.yaml").write_text(UNSET, encoding="utf-8")
    return build_sheet([str(tmp_path / "u.yaml")], "latex", solutions=True)


def test_characters_pdflatex_lacks_are_named_in_the_preamble(tmp_path):
    tex = _unset_sheet(tmp_path)
    preamble = tex.split(r"\begin{document}", 1)[0]
    for ch in "😀损失Ж日本":  # each once, by code, for pdflatex only
        code = f"{ord(ch):04X}"
        assert preamble.count(rf"\DeclareUnicodeCharacter{{{code}}}{{\textsf{{U+{code}}}}}") == 1
    assert "DeclareUnicodeCharacter{00E9}" not in preamble  # pdflatex sets é itself
    comment = next(line for line in preamble.splitlines() if "U+1F600" in line and "%" in line)
    assert "😀" in comment and "lualatex" in preamble and "xelatex" in preamble
    assert r"\section{Loss 😀 损失 é Ж}" in tex  # the text itself is left as written


def test_a_sheet_without_such_characters_keeps_its_preamble(tmp_path):
    from rnnloss_cli.sheet import build_sheet

    (tmp_path / "e.yaml").write_text('kind: mse\ntitle: "Zoë – café"\ny: [1]\nyhat: [2]\n')
    tex = build_sheet([str(tmp_path / "e.yaml")], "latex")
    assert "DeclareUnicodeCharacter" not in tex and "fontspec" not in tex
    assert tex.startswith("\\documentclass[11pt,a4paper]{article}\n\\usepackage[utf8]{inputenc}\n")


def _compile(engine, tex, folder):
    compile_tex(engine, tex, folder, "u")
    if shutil.which("pdftotext") is None:
        return None
    return subprocess.run(
        ["pdftotext", "u.pdf", "-"], cwd=folder, capture_output=True, text=True, check=True
    ).stdout


def test_pdflatex_sets_the_characters_it_lacks_as_their_codes(tmp_path):
    text = _compile("pdflatex", _unset_sheet(tmp_path), tmp_path)
    if text is not None:
        assert "U+1F600" in text and "U+65E5" in text and "é" in text, text


def test_lualatex_sets_the_characters_themselves(tmp_path):
    # a main font that has them is the reader's choice (\setmainfont); Latin Modern has é
    text = _compile("lualatex", _unset_sheet(tmp_path), tmp_path)
    log = (tmp_path / "u.log").read_text(encoding="utf-8", errors="replace")
    assert "Missing character: There is no 😀" in log  # tried, not replaced by its code
    if text is not None:
        assert "U+1F600" not in text and "é" in text, text


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed")
def test_every_character_said_to_be_set_by_pdflatex_is(tmp_path):
    from rnnloss_cli.render.latex import PDFLATEX_TEXT

    body = "\n".join(f"{ord(ch):04X}: {ch}\\par" for ch in sorted(PDFLATEX_TEXT))
    tex = (
        "\\documentclass[11pt]{article}\n\\usepackage[utf8]{inputenc}\n"
        "\\usepackage[T1]{fontenc}\n\\begin{document}\n" + body + "\n\\end{document}\n"
    )
    _compile("pdflatex", tex, tmp_path)
    assert "Missing character" not in (tmp_path / "u.log").read_text(errors="replace")


def test_formula_cells_of_a_latex_table_are_set_as_maths():
    """BPTT's gradient table names each gradient by its formula, ∂L/∂W_hh = Σ_t h_{t−1}ᵀ δ_t; as
    text it printed its underscores and braces (h\\_\\{t−1\\}) for the student to decode."""
    from pathlib import Path

    from rnnloss_cli.sheet import build_sheet

    path = Path(__file__).resolve().parent.parent / "problems" / "bptt-two-steps.yaml"
    tex = build_sheet([str(path)], "latex", solutions=True)
    rows = [line for line in tex.splitlines() if " = " in line and line.endswith(r"\\")]
    # the row names the gradient, ∂L/∂W_hh = Σ_t h_{t−1}ᵀ δ_t
    row = next(line for line in rows if r"\partial W_{hh}$ = " in line or "W\\_hh =" in line)
    assert r"\{" not in row and r"\_" not in row.split("&")[0], row
    assert "h_{t-1}" in row, row


def _wide_align_problem(folder):
    """A ctc_align file with 16 symbols and six-decimal emissions: 16 columns of 8 characters,
    twice what a line of the page holds at the normal size."""
    symbols = ["-", *"abcdefghijklmno"]
    rows = []
    for t in range(5):
        row = [round(0.05 + 0.001 * (t + j), 6) for j in range(1, 16)]
        rows.append([round(1 - sum(row), 6), *row])
    text = "kind: ctc_align\ntarget: abc\nsymbols: [" + ", ".join(f'"{s}"' for s in symbols)
    text += "]\nemissions:\n" + "".join(f"  - {r}\n" for r in rows)
    (folder / "wide.yaml").write_text(text)
    return str(folder / "wide.yaml")


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed")
@pytest.mark.parametrize("solutions", [False, True])
def test_a_wide_given_matrix_stays_inside_the_page(tmp_path, solutions):
    """The question sheet set a given matrix at full size: 16 columns ran 394 pt off the
    page (and the solution's tables 63 pt), cut at the paper's edge."""
    from rnnloss_cli.sheet import build_sheet

    tex = build_sheet([_wide_align_problem(tmp_path)], "latex", solutions=solutions)
    log = compile_tex("pdflatex", tex, tmp_path, "w")
    widths = [float(w) for w in re.findall(r"Overfull \\hbox \((\d+\.?\d*)pt too wide", log)]
    assert all(w < 5 for w in widths), widths


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed")
def test_a_long_word_in_a_title_source_or_given_breaks_inside_the_page(tmp_path):
    """A title, source or target with no space for 150+ characters ran 539 to 960 pt off the
    page: TeX breaks lines only at spaces (and hyphens) unless told where else it may."""
    from rnnloss_cli.sheet import build_sheet

    (tmp_path / "long.yaml").write_text(
        f"kind: ctc\ntitle: {'Verylongword' * 15}\nsource: {'x' * 200}\n"
        f"target: {'A' * 150}\nprobs: {{A: 0.5, '-': 0.5}}\nmethod: exact\nframes: 400\n"
    )
    tex = build_sheet([str(tmp_path / "long.yaml")], "latex", solutions=False)
    log = compile_tex("pdflatex", tex, tmp_path, "l")
    widths = [float(w) for w in re.findall(r"Overfull \\hbox \((\d+\.?\d*)pt too wide", log)]
    assert all(w < 5 for w in widths), widths


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed")
def test_a_table_taller_than_the_page_is_shrunk_to_it(tmp_path):
    """400 frames: the emissions table keeps 60 rows (the window), 816 pt of tabular that
    cannot break, on a page of 728 pt: its last rows were cut at the bottom edge
    ("Overfull \\vbox ... while \\output is active")."""
    from rnnloss_cli.sheet import build_sheet

    (tmp_path / "tall.yaml").write_text(
        "kind: ctc\ntarget: AB\nprobs: {A: 0.4, B: 0.4, '-': 0.2}\nmethod: exact\nframes: 400\n"
    )
    tex = build_sheet([str(tmp_path / "tall.yaml")], "latex", solutions=True)
    log = compile_tex("pdflatex", tex, tmp_path, "t")
    assert "Overfull \\vbox" not in log, log[-3000:]


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed")
def test_a_thirty_letter_target_in_a_note_stays_on_the_page(tmp_path):
    """The solution's note names the target, 30 capitals (240 pt, half a line) with no place
    to break: the line before it could not stretch to the margin, so TeX ran it 69 pt out."""
    from rnnloss_cli.sheet import build_sheet

    (tmp_path / "a30.yaml").write_text(
        f"kind: ctc\ntarget: {'A' * 30}\nprobs: {{A: 0.5, '-': 0.5}}\nalignments: [{'A-' * 30}]\n"
    )
    tex = build_sheet([str(tmp_path / "a30.yaml")], "latex", solutions=True)
    log = compile_tex("pdflatex", tex, tmp_path, "a")
    widths = [float(w) for w in re.findall(r"Overfull \\hbox \((\d+\.?\d*)pt too wide", log)]
    assert all(w < 5 for w in widths), widths
