"""``rnnloss sheet``: question sheets never leak the key; solution sheets show every derivation."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rnnloss_cli.cli import app
from rnnloss_cli.problem import load_problem, problem_files
from rnnloss_cli.render.markdown import md_line
from rnnloss_cli.render.text import fmt_key, fmt_number
from rnnloss_cli.sheet import build_sheet, givens_of, latex_text
from rnnloss_cli.solve import solve

runner = CliRunner()
PROBLEMS = Path(__file__).resolve().parents[1] / "problems"
_NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?:e-?\d+)?")


def _files() -> list[str]:
    return problem_files([str(PROBLEMS)])


def _numbers(text: str) -> set[float]:
    return {round(float(m), 12) for m in _NUMBER.findall(text)}


def _answer_values(path: str) -> set[float]:
    """The key's numbers and the computed loss, as they would be printed (3 and 4 decimals)."""
    result = solve(load_problem(path))
    values = [c.expected for c in result.checks or []] + [result.loss, *result.figures.values()]
    out = set()
    for v in values:
        for p in (3, 4, 6):
            try:
                out.add(round(float(fmt_number(float(v), p)), 12))
            except ValueError:  # inf / nan
                pass
    return out


@pytest.mark.parametrize("path", _files(), ids=lambda p: Path(p).name)
def test_question_sheet_leaks_no_answer_value(path: str):
    """No number of the key or the computed loss appears, unless it is also a given number."""
    import yaml

    sheet = build_sheet([path], "markdown")
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    given_numbers = _numbers(str({k: v for k, v in data.items() if k not in ("answer", "notes")}))
    leaked = (_answer_values(path) - given_numbers) & _numbers(sheet)
    assert not leaked, f"answer values {leaked} appear in the question sheet:\n{sheet}"
    assert "Solution" not in sheet and "Loss =" not in sheet
    latex = build_sheet([path], "latex")
    leaked = (_answer_values(path) - given_numbers) & _numbers(latex)
    assert not leaked, f"answer values {leaked} appear in the LaTeX question sheet"


def test_question_sheet_lays_out_the_givens():
    sheet = build_sheet([str(PROBLEMS / "hinge-sequence.yaml")], "markdown")
    assert "[1, -1, 1]" in sheet and "[0.8, -0.5, 0.3]" in sheet
    assert "Hinge loss for a 3-step sequence" in sheet
    assert "Source: handout" in sheet


def test_solution_sheet_shows_every_derivation_and_key():
    files = _files()
    sheet = build_sheet(files, "markdown", solutions=True)
    assert sheet.count("### Solution") == len(files)
    assert sheet.count("**Loss = ") >= len(files)
    for path in files:
        result = solve(load_problem(path))
        assert md_line(result.title) in sheet  # "<eos>" escaped: not an HTML tag
        for c in result.checks or []:
            figure = md_line(c.figure)  # escaped: grads.W_xh\[0\]\[0\]
            assert f"| {figure} | {fmt_key(c.expected, c.got, 3)[0]} |" in sheet, (path, c.figure)
    # The hinge derivation written out: (0.2 + 0.5 + 0.7) / 3 = 0.467
    assert r"\frac{0.2 + 0.5 + 0.7}{3} = 0.467" in sheet


def test_latex_solution_sheet_is_a_balanced_document():
    tex = build_sheet(_files(), "latex", solutions=True)
    assert tex.startswith(r"\documentclass") and tex.rstrip().endswith(r"\end{document}")
    for env in ("document", "tabular", "itemize", "center"):
        assert tex.count(rf"\begin{{{env}}}") == tex.count(rf"\end{{{env}}}"), env
    assert tex.count("{") - tex.count(r"\{") == tex.count("}") - tex.count(r"\}")
    assert tex.count(r"\subsection*{Solution}") == len(_files())
    assert r"\begin{tabular}" in tex and r"\frac{0.2 + 0.5 + 0.7}{3} = 0.467" in tex
    for ch in "ŷ−×·Σ∂":  # every maths symbol mapped to a LaTeX command
        assert ch not in tex, ch


def test_latex_text_escapes_and_merges_maths():
    assert latex_text("a_b & 50% #1") == r"a\_b \& 50\% \#1"
    assert latex_text("1−ŷ") == r"1$-\hat{y}$"


def test_givens_hide_key_and_notes_but_keep_printed_factors():
    # issue 13: the printed factors are givens the key depends on (HELLO's 3.673)
    data = {
        "kind": "ctc",
        "answer": {"listed": 3.673},
        "notes": "loss is 3.673",
        "alignments": [{"path": "A-B", "factors": [0.5, 0.3]}],
        "terms": [{"kind": "mse", "answer": 9.5, "y": [1]}],
    }
    shown = {g.name: g.value for g in givens_of(data)}
    assert shown == {"alignments": ["A-B (factors 0.5 × 0.3)"], "terms": ["(kind: mse, y: [1])"]}


def test_cli_sheet_writes_file_and_bad_input_exits_2(tmp_path: Path):
    out = tmp_path / "sheet.tex"
    result = runner.invoke(
        app, ["sheet", str(PROBLEMS / "mse-forecast.yaml"), "--format", "latex", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert r"\section{Four-step time-series forecast}" in out.read_text()
    bad = tmp_path / "bad.yaml"
    bad.write_text("kind: mse\ny: [1, 2]\nyhat: [1]\n")
    result = runner.invoke(app, ["sheet", str(bad)])
    assert result.exit_code == 2
    assert "bad.yaml:2" in result.output


def test_cli_sheet_solutions_to_stdout():
    result = runner.invoke(app, ["sheet", str(PROBLEMS / "hello.yaml"), "--solutions"])
    assert result.exit_code == 0, result.output
    assert "### Solution" in result.output and "3.673" in result.output


def test_sheet_from_standard_input_reads_it_once(monkeypatch) -> None:
    """`sheet -` reads standard input once: a second read would find it empty."""
    import io
    from pathlib import Path

    from rnnloss_cli.sheet import collect

    text = (Path(__file__).resolve().parents[1] / "problems" / "hello.yaml").read_text()
    reads: list[int] = []

    class OnceStdin(io.StringIO):
        def read(self, *args):  # count the reads; the second one gets ""
            reads.append(1)
            return super().read(*args)

    monkeypatch.setattr("sys.stdin", OnceStdin(text))
    (problem,) = collect(["-"], solutions=True)
    assert reads == [1]
    assert problem.result is not None and problem.givens


def test_long_givens_are_windowed() -> None:
    """A 1000-number list keeps its first 30 and last 30 (window of 60) with "…" and a note;
    a 1000 x 3 matrix likewise keeps rows 1-30 and 971-1000."""
    from rnnloss_cli.sheet import SheetProblem, givens_of, sheet_markdown

    data = {
        "kind": "mse",
        "y": list(range(1000)),
        "symbols": ["-", "A", "B"],
        "emissions": [[0.5, 0.25, 0.25]] * 1000,
    }
    y, _, em = givens_of(data)
    assert len(y.value) == 61 and y.value[30] == "…" and y.value[-1] == "999"
    assert y.note == "showing the first 30 and last 30 of 1,000 items"
    assert len(em.value) == 61 and em.row_labels[29:32] == ["30", "…", "971"]
    md = sheet_markdown([SheetProblem("f", "mse", "t", None, [y, em], ["loss"])], solutions=False)
    assert "| 971 | 0.5 | 0.25 | 0.25 |" in md and "| 31 |" not in md


def test_a_vary_block_is_not_a_given():
    r = runner.invoke(app, ["sheet", str(PROBLEMS / "hello-variants.yaml")])
    assert r.exit_code == 0, r.output
    assert "alphabet" not in r.output and "target_fits_frames" not in r.output


# ------------------------------------------------------------------ escaping and exact givens
#: Every character TeX treats specially, as CTC labels (the blank written "_").
TEX_SPECIALS = ["&", "%", "#", "$", "{", "}", "~", "^", "\\"]


def _write_ctc_specials(folder: Path) -> Path:
    """An exact CTC problem whose blank is "_" and whose labels are TeX's specials."""
    import yaml

    symbols = ["_", *TEX_SPECIALS]
    n = len(symbols)
    rows = [[round(1 / n, 6)] * (n - 1) + [round(1 - (n - 1) * round(1 / n, 6), 6)]]
    data = {
        "kind": "ctc",
        "title": "TeX's specials as labels",
        "method": "exact",
        "target": TEX_SPECIALS,
        "blank": "_",
        "symbols": symbols,
        "emissions": rows * (len(TEX_SPECIALS) + 1),
    }
    path = folder / "specials.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _write_specials_other_kinds(folder: Path) -> list[Path]:
    """TeX's specials as the labels of a listed-alignment CTC problem, a forced alignment, a
    beam-search decode and an RNN-T lattice (each writes its symbols into its steps)."""
    import yaml

    specials = ["&", "%", "#", "{", "\\", "~"]
    symbols = ["_", *specials]
    n = len(symbols)
    row = [0.1] * (n - 1) + [round(1 - 0.1 * (n - 1), 6)]
    listed = {
        "kind": "ctc",
        "target": "&%",
        "blank": "_",
        "probs": {"&": 0.5, "%": 0.3, "_": 0.2},
        "frames": 3,
        "alignments": ["&_%", "&%_"],
    }
    align = {"kind": "ctc_align", "target": specials, "symbols": symbols, "blank": "_"}
    align["emissions"] = [row] * (len(specials) + 1)
    decode = {"kind": "ctc_decode", "symbols": symbols, "blank": "_", "beam": 2}
    decode["emissions"] = [row] * 3
    rnnt = {"kind": "rnnt", "symbols": ["_", "&", "\\"], "blank": "_", "target": ["&", "\\"]}
    rnnt["probs"] = [[[0.2, 0.6, 0.2], [0.3, 0.1, 0.6], [0.5, 0.25, 0.25]]] * 2
    out = []
    for name, data in [("listed", listed), ("align", align), ("decode", decode), ("rnnt", rnnt)]:
        path = folder / f"specials-{name}.yaml"
        data = {**data, "title": f"TeX's specials as {name} labels"}
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        out.append(path)
    return out


def _write_free_text(folder: Path) -> Path:
    """A problem whose title runs over two paragraphs and whose title, source and notes hold
    every character markdown, HTML or TeX reads as markup."""
    path = folder / "free-text.yaml"
    path.write_text(
        "kind: hinge\n"
        "title: |\n  First line\n\n  Second *star* <script>x</script> % _ & # $ { } ~ ^ \\ --\n"
        "source: 'src <script>alert(1)</script> *star* [l](u) `t` % _ & # $ { } ~ ^ \\'\n"
        "notes: |\n  note <i>one</i> *two*\n\n  note two\n"
        "y: [1, -1, 1]\nyhat: [0.8, -0.5, 0.3]\nreduction: mean\n",
        encoding="utf-8",
    )
    return path


def test_givens_are_shown_exactly_as_the_file_gives_them(tmp_path: Path):
    """No rounding: 1234567.0 and 1234568.0 (whose squared difference is the key, 1.0) stay
    distinct, and 0.1234567 keeps its seven digits (shortest round-trip form)."""
    path = tmp_path / "round.yaml"
    path.write_text(
        "kind: mse\ny: [1234567.0, 0.1234567, 1.0e-7, 12345678901234567890.0]\n"
        "yhat: [1234568.0, 0.1234561, 0.25, 3]\nreduction: sum\n"
    )
    for fmt in ("markdown", "latex", "html"):
        sheet = build_sheet([str(path)], fmt)
        # HTML signs a number's exponent U+2212, as its tables and drawings do: 1e−07
        tiny = "1e\u221207" if fmt == "html" else "1e-07"
        for shown in ("1234567.0", "1234568.0", "0.1234567", "0.1234561", tiny, "0.25"):
            assert shown in sheet, (fmt, shown)
        assert "1.2345678901234567e+19" in sheet, fmt
        assert "e+06" not in sheet and "0.123457" not in sheet, fmt


def test_tex_specials_as_ctc_symbols_are_escaped_in_latex_maths(tmp_path: Path):
    """Each step's maths escapes the symbols: y_1(\\text{\\_}) for the blank "_", no bare
    & % # $ in maths (pdflatex stops at them), and every symbol still shown."""
    files = [_write_ctc_specials(tmp_path), *_write_specials_other_kinds(tmp_path)]
    tex = build_sheet([str(f) for f in files], "latex", solutions=True)
    assert r"y_1(\text{\_})" in tex and r"y_2(\text{\&})" in tex and r"y_t(\text{\_})" in tex
    maths = re.findall(r"(?<!\\)\$(.+?)(?<!\\)\$", tex) + re.findall(r"\\\[(.+?)\\\]", tex)
    assert maths
    for m in maths:
        # aligned's own "&" starts a line (after \begin{aligned} or \\) or precedes an "="
        bare = m.replace(r"\\ &", "").replace(r"\begin{aligned} &", "")
        assert not re.search(r"(?<!\\)[&%#](?!=)", bare), m
        assert "(_)" not in m and "(^)" not in m and "(~)" not in m, m


def test_titles_are_folded_to_one_line(tmp_path: Path):
    path = str(_write_free_text(tmp_path))
    md = build_sheet([path], "markdown")
    heading = next(line for line in md.splitlines() if line.startswith("## 1."))
    assert heading.startswith("## 1. First line Second ")
    tex = build_sheet([path], "latex", solutions=True)
    section = next(line for line in tex.splitlines() if line.startswith(r"\section{"))
    assert section.startswith(r"\section{First line Second ") and section.endswith("}")


def test_markdown_escapes_free_text(tmp_path: Path):
    """Title, source and notes are text: no raw HTML tag, emphasis, link or code span."""
    md = build_sheet([str(_write_free_text(tmp_path))], "markdown", solutions=True)
    for raw in ("<script>", "<i>", "*star*", "*two*", "[l](u)", "`t`"):
        assert raw not in md, raw
    assert r"\<script\>" in md and r"\*star\*" in md and r"\[l\](u)" in md
    assert "> **Note:** note \\<i\\>one\\</i\\> \\*two\\*" in md
    assert "\n\nnote two" not in md  # the note's second paragraph stays in the call-out


def _latex_preamble_declared(tex: str) -> set[str]:
    """Characters the preamble declares with \\DeclareUnicodeCharacter."""
    preamble = tex.split(r"\begin{document}", 1)[0]
    return {
        chr(int(h, 16))
        for h in re.findall(r"\\DeclareUnicodeCharacter\{([0-9A-Fa-f]+)\}", preamble)
    }


@pytest.mark.parametrize("solutions", [False, True], ids=["questions", "solutions"])
def test_latex_sheets_hold_no_undeclared_non_ascii(solutions: bool):
    """pdflatex knows only what inputenc and the preamble declare: every character the
    renderers emit is mapped to a LaTeX command (ᵀ, ψ, ∅, ‖, ⊙, †, ± ...)."""
    tex = build_sheet(_files(), "latex", solutions=solutions)
    allowed = _latex_preamble_declared(tex)
    bad = sorted({ch for ch in tex if not ch.isascii() and ch not in allowed})
    assert not bad, [f"{ch} U+{ord(ch):04X}" for ch in bad]


def _pdflatex(tex: str, folder: Path) -> None:
    from tests.latex_run import compile_tex

    compile_tex("pdflatex", tex, folder, "sheet")
    assert (folder / "sheet.pdf").stat().st_size > 0


@pytest.mark.parametrize("solutions", [False, True], ids=["questions", "solutions"])
def test_latex_sheets_of_the_shipped_problems_compile(tmp_path: Path, solutions: bool):
    """Every shipped problem's question and solution sheet (one document each) compiles."""
    _pdflatex(build_sheet(_files(), "latex", solutions=solutions), tmp_path)


def test_latex_sheet_with_tex_specials_everywhere_compiles(tmp_path: Path):
    """TeX's specials as CTC labels and in a two-paragraph title, source and notes."""
    files = [_write_ctc_specials(tmp_path), _write_free_text(tmp_path)]
    files += _write_specials_other_kinds(tmp_path)
    _pdflatex(build_sheet([str(f) for f in files], "latex", solutions=True), tmp_path)


def test_a_long_latex_step_keeps_its_left_hand_side_on_the_first_line():
    """\\begin{aligned} lhs &= rhs \\\\ &= ..., not a line holding the lhs alone."""
    from rnnloss_cli.result import Step
    from rnnloss_cli.sheet import step_latex_item

    step = Step("sum", "L = {terms|+} = {value}", {"terms": [0.125] * 12, "value": 1.5})
    item = step_latex_item(step, 3)
    assert r"\begin{aligned} L &= 0.125 + " in item, item
    assert item.count("&=") == 2 and r"L \\" not in item


def test_double_hyphens_stay_two_hyphens_in_latex():
    """--reduction in a note would otherwise be set as an en dash."""
    assert latex_text("--reduction sum") == "-{}-reduction sum"
    assert latex_text("a - b — c") == "a - b --- c"


def test_tasks_name_each_figure_in_words_once():
    """ "Give best (best); greedy_prob (greedy_prob)" repeated the key's name as its words;
    every shipped figure has words, and a figure without them is named once."""
    import re

    sheet = build_sheet(_files(), "markdown", solutions=False)
    repeated = re.findall(r"\b([a-z_]+) \(\1\)", sheet)
    assert not repeated, repeated


def test_latex_titles_set_subscripts_as_maths():
    """ "emissions y_t(k)" was set with a literal underscore (\\_) in bold text; the
    subscripted names in titles and labels are maths: $y_t(k)$, $\\alpha _t(s)$."""
    tex = build_sheet(
        [str(Path(_files()[0]).parent / "ctc-exact-ab.yaml")], "latex", solutions=True
    )
    bold = re.findall(r"\\textbf\{([^\n]*)\}", tex)
    assert bold and not any(r"\_" in b for b in bold), [b for b in bold if r"\_" in b]
    assert r"$y_t(k)$" in tex


def test_latex_display_breaks_only_chains_of_equals():
    """The forward recursion "α_t(s) = …; α_1(1) = y_1(blank), α_1(2) = y_1(l_1)" was broken
    before every "=", so a line read "α_1(1)" and the next "= y_1(blank)". Parts after ";"
    go on lines of their own; an "=" is never separated from its left-hand side."""
    tex = build_sheet(
        [str(Path(_files()[0]).parent / "ctc-exact-ab.yaml")], "latex", solutions=True
    )
    item = next(line for line in tex.splitlines() if "forward recursion" in line)
    assert r"\alpha_1(1) \\" not in item and r"\alpha_1(1) &" not in item.replace("  ", " "), item


@pytest.mark.parametrize(
    ("name", "words"),
    [
        # the model a student needs to work the numbers, and what the YAML names mean
        ("bptt-two-steps.yaml", ["h_t = tanh(x_t W_xh + h_{t−1} W_hh + b_h)", "no factor 1/2"]),
        ("ctc-decode-lm.yaml", ["ln P", "ln p(l|x) + λ·ln P_LM(l)"]),
        ("reinforce-episode.yaml", ["baseline mean: b is the mean of the episode's returns"]),
        ("rnnt-ab-two-frames.yaml", ["u = 0, 1, …, U"]),
        ("bce-bits.yaml", ["log_base 2"]),
    ],
)
def test_question_sheets_state_the_conventions_the_givens_need(name, words):
    # the words as every format says them (markdown sets h_{t−1} as $h_{t-1}$, HTML as
    # h<sub>t−1</sub>: tests/test_sheet_subscripts.py), before any format lays them out
    from rnnloss_cli.sheet import collect, conventions_text, task_text

    (p,) = collect([str(Path(_files()[0]).parent / name)], solutions=False)
    said = f"{conventions_text(p)} {task_text(p)}"
    for w in words:
        assert w in said, (w, said)


@pytest.mark.parametrize("fmt", ["markdown", "html", "latex"])
def test_solution_sheets_give_answers_not_verdicts(fmt, tmp_path):
    """A solution sheet is for students: each figure's answer, no expected / got / verdict
    table (the instructor learns of a disagreeing key from the exit status and stderr). A
    key that disagrees still shows, beside the computed answer. ctc-exact-ab: −ln 0.588 =
    0.531; a key of 0.9 is wrong."""
    good = str(Path(_files()[0]).parent / "ctc-exact-ab.yaml")
    sheet = build_sheet([good], fmt, solutions=True)
    assert "verdict" not in sheet and "MISMATCH" not in sheet
    assert "answer" in sheet and "0.531" in sheet
    bad = tmp_path / "bad.yaml"
    bad.write_text(Path(good).read_text().replace("exact: 0.531", "exact: 0.9"))
    assert "the key says 0.9" in build_sheet([str(bad)], fmt, solutions=True)


@pytest.mark.parametrize("fmt", ["markdown", "html", "latex"])
def test_solution_sheets_leave_out_the_note_on_checking_keys(fmt):
    """custom-combo's note that the referenced files' keys are not checked is for whoever runs
    `solve` or `check`; a student's solution sheet leaves it out (solve keeps it)."""
    combo = str(Path(_files()[0]).parent / "custom-combo.yaml")
    assert "not checked here" not in build_sheet([combo], fmt, solutions=True)
    assert any("not checked here" in n for n in solve(load_problem(combo)).notes)


def test_a_wide_latex_table_is_set_smaller():
    """HELLO's listed-alignments table (nine-factor products) ran 93 pt into the margin; a
    table whose cells need more characters than a line holds is set in a smaller size with
    narrower gaps, a narrow one as it is. (Widths: # 1, the factors 63, "product" 7, "a long
    extra" 12, and 2 a column: 91, past 1.2 × 70 = 84, within one block's 96.)"""
    from rnnloss_cli.result import Table
    from rnnloss_cli.sheet import table_latex

    wide = Table(
        "w",
        ["#", "factors", "product"],
        [[1, "0.6 × 0.2 × 0.5 × 0.7 × 0.7 × 0.8 × 0.5 × 0.7 × 0.8 × 0.9 × 0.9", 0.1] * 1],
    )
    wide.rows[0] = wide.rows[0] + ["a long extra"]
    wide.columns += ["x"]
    narrow = Table("n", ["i", "y"], [[1, 0.5]])
    assert r"\footnotesize" in "\n".join(table_latex(wide, 3))
    assert r"\footnotesize" not in "\n".join(table_latex(narrow, 3))


def test_a_long_latex_statement_puts_its_clause_in_words_on_a_line_of_its_own():
    """The forward recursion's first statement ran 14 pt into the margin: its clause "the
    bracket only when …" goes on a line of its own."""
    ab = str(Path(_files()[0]).parent / "ctc-exact-ab.yaml")
    tex = build_sheet([ab], "latex", solutions=True)
    item = next(line for line in tex.splitlines() if "forward recursion" in line)
    assert r"y_t(l'_s), \\ &\text{the bracket only when" in item, item


@pytest.mark.parametrize("target", ['""', "[]"])
def test_an_empty_target_is_given_in_words(target):
    # "- `target`: " with nothing after it read as a missing given
    data = {"kind": "ctc", "target": "" if target == '""' else [], "frames": 3}
    shown = {g.name: g.value for g in givens_of(data)}
    assert shown["target"] == "(empty: no labels)"
