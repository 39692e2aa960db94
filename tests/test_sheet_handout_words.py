"""Solution sheets read as handouts: one notation for the frame probability, y_t(k); no
command-line hints (flags, "in a file"); identifiers in LaTeX prose set as code, not as
maths with a subscript. The terminal output keeps its hints."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rnnloss_cli.cli import app
from rnnloss_cli.render.latex import latex_title

PROBLEMS = Path(__file__).resolve().parents[1] / "problems"
runner = CliRunner()

#: A command-line option as typed: "--show", "--reduction" (in LaTeX "-{}-show").
FLAG = re.compile(r"-(?:\{\})?-[a-z]{2,}")


def run(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def sheet(*args: str) -> str:
    return run("sheet", *args)


def test_ctc_formula_writes_the_frame_probability_as_y_t_k():
    # the steps and tables say y_t(k) (y_1(A), "emissions y_t(k)"); the formula said y^t_{π_t}
    for fmt in ("markdown", "latex"):
        out = sheet(str(PROBLEMS / "ctc-exact-ab.yaml"), "--solutions", "--format", fmt)
        assert "y^t" not in out and "y^{t}" not in out, fmt
        assert r"\prod_t y_t(\pi_t)" in out, fmt
        assert "y_1(A)" in out or "y_1(A)" in out.replace("$", ""), fmt
    md = run("solve", str(PROBLEMS / "ctc-exact-ab.yaml"), "--format", "markdown")
    assert "y^t" not in md and r"\prod_t y_t(\pi_t)" in md


@pytest.mark.parametrize("fmt", ["markdown", "latex", "html"])
def test_solution_sheets_tell_no_command_line_flags(fmt):
    out = sheet(str(PROBLEMS), "--solutions", "--format", fmt)
    out = re.sub(r"<style.*?</style>", "", out, flags=re.S)  # CSS custom properties: --x
    hits = [m.group(0) for m in re.finditer(r".{0,60}" + FLAG.pattern + r".{0,20}", out)]
    assert not hits, hits
    assert "in a file" not in out


def test_the_terminal_keeps_its_hints():
    out = run("solve", str(PROBLEMS / "ctc-exact-ab.yaml"))
    assert "--show beta" in " ".join(out.split())


def test_the_sheet_gives_the_beta_values_its_gradient_step_uses():
    # ctc-exact-ab.yaml (emissions in its comment): β_1(2) sums the paths that start in state
    # 2 (A) at frame 1, y_1(A) included: AAB .147 + ABB .196 + AB- .056 + A-B .147 = 0.546.
    out = sheet(str(PROBLEMS / "ctc-exact-ab.yaml"), "--solutions")
    step = next(line for line in out.splitlines() if "worked gradient entry" in line)
    assert "(0.7 × 0.546)" in step
    assert "β_1" in step and "backward trellis" in step
    table = out.split("**backward trellis β")[1].split("\n\n")[1]
    row = next(line for line in table.splitlines() if line.startswith("| 2 | A |"))
    assert row.split("|")[3].strip() == "0.546"  # t=1


def test_latex_sets_identifiers_as_text_not_as_subscripted_maths():
    out = sheet(str(PROBLEMS / "ctc-decode-lm.yaml"), "--solutions", "--format", "latex")
    assert "lm_{weight}" not in out
    assert r"$\lambda$ = lm\_weight (1 unless given)" in out
    assert (
        latex_title("λ = lm_weight (1 unless given)") == r"$\lambda$ = lm\_weight (1 unless given)"
    )
    assert latex_title("zero_infinity and y_hat") == r"zero\_infinity and y\_hat"
    # names with short subscripts, or a capital, stay maths
    assert latex_title("W_hh and p_nb, y_t(k)") == "$W_{hh}$ and $p_{nb}$, $y_t(k)$"


def test_the_paths_table_writes_the_frame_probability_as_y_t_k():
    paths = run("ctc", "paths", "AB", "--frames", "2", "--probs", "A=0.5,B=0.3,-=0.2")
    assert "Π_t y_t(π_t)" in paths and "y(π_t)" not in paths


@pytest.mark.parametrize("fmt", ["markdown", "latex", "html"])
def test_a_custom_loss_sheet_names_no_file_and_no_kind_field(fmt):
    # custom-combo.yaml's terms come from seq-translation.yaml and hinge-seq.yaml: a student
    # has the givens inlined, not the files; the term's heading says what it is
    out = sheet(str(PROBLEMS / "custom-combo.yaml"), "--solutions", "--format", fmt)
    assert ".yaml" not in out
    assert "kind: " not in out
    assert "Sequence Loss" in out  # each term's source is still given


@pytest.mark.parametrize("fmt", ["markdown", "latex", "html"])
def test_sheets_name_the_marks_they_print_not_the_terminals_colours(fmt):
    # every sheet format sets a highlighted cell in bold; the terminal colours it
    out = sheet(str(PROBLEMS), "--solutions", "--format", fmt)
    text = re.sub(r"<style.*?</style>|<[^>]+>", "", out, flags=re.S)
    assert not re.search(r"\bhighlighted\b|\bdim\b", text), re.findall(r".{60}\bdim\b.{20}", text)
    # HTML greys an unreachable 0, and says so as for its other tables ("grey: unreachable
    # from the start (α = 0)"); markdown and LaTeX print the 0 alone
    unreachable = "grey" if fmt == "html" else "0"
    assert f"bold: the best alignment; {unreachable}: unreachable" in text
    assert "bold: the last node" in text
    assert "the most probable symbol per frame (bold in the table)" in text


def test_the_terminal_keeps_its_colour_words():
    # a colour terminal names the colours; piped (NO_COLOR here) the Viterbi table stars the
    # best alignment's cells and its legend names the star (it said "highlighted … dim")
    coloured = runner.invoke(
        app,
        ["solve", str(PROBLEMS / "ctc-align-ab.yaml")],
        env={"NO_COLOR": "", "FORCE_COLOR": "1", "TERM": "xterm-256color"},
    )
    assert coloured.exit_code == 0, coloured.output
    assert "\x1b[" in coloured.output  # the terminal colours
    out = " ".join(re.sub(r"\x1b\[[0-9;]*m", "", coloured.output).split())
    assert "highlighted: the best alignment; dim: unreachable" in out
    piped = " ".join(run("solve", str(PROBLEMS / "ctc-align-ab.yaml")).split())
    assert "highlighted" not in piped and "dim:" not in piped
    assert "*: the best alignment; 0: unreachable" in piped


def test_latex_sets_a_custom_terms_summary_as_maths_not_escaped_underscores():
    # the summary is rnnloss's prose ("−Σ_t Σ_c y ln ŷ", "y_t ŷ_t"): pdflatex printed
    # "Σ_t" as Σ and a literal "_t"; the file's own data stays escaped text
    out = sheet(str(PROBLEMS / "custom-combo.yaml"), "--format", "latex")
    items = [line for line in out.splitlines() if line.startswith(r"  \item \texttt{term")]
    summaries = [line for line in items if "weight" in line]
    assert len(summaries) == 2
    for line in summaries:
        assert r"\_t" not in line and r"\_c" not in line, line
    assert r"$y_t$" in summaries[1] and r"$\hat{y}_t$" in summaries[1], summaries[1]


def test_rnnt_conventions_number_the_given_frames_as_the_solution_does():
    # the sheet gives probs[1] and probs[2]; the solution's lattice numbers frames t = 0, 1
    # (α(0, 0) = 1): probs[1] is frame t = 0, as its rows 1, 2, 3 are the nodes u = 0, 1, 2
    out = sheet(str(PROBLEMS / "rnnt-ab-two-frames.yaml"), "--solutions")
    assert "`probs[1]` (matrix)" in out and "| 0 | 0 | ε | 0.2 |" in out
    conventions = next(line for line in out.splitlines() if line.startswith("**Conventions"))
    assert r"probs\[1\], probs\[2\], …, probs\[T\]" in conventions
    assert "the frames t = 0, 1, …, T − 1" in conventions


@pytest.mark.parametrize("name", ["ctc-align-ab", "ctc-decode-lm"])
def test_alignment_and_decoding_formulas_write_y_t_k(name):
    # forced alignment's LaTeX wrote y^t_{\pi_t} and y^t_{l'_s}, decoding's y^t_k, beside
    # their own plain text y_t(π_t), y_t(l'_s) and y_t(k)
    for fmt in ("markdown", "latex"):
        out = sheet(str(PROBLEMS / f"{name}.yaml"), "--solutions", "--format", fmt)
        assert "y^t" not in out and "y^{t}" not in out, (name, fmt)
