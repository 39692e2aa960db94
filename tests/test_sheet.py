"""``rnnloss sheet``: question sheets never leak the key; solution sheets show every derivation."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rnnloss_cli.cli import app
from rnnloss_cli.problem import load_problem, problem_files
from rnnloss_cli.render.text import fmt_number
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
        assert result.title in sheet
        for c in result.checks or []:
            assert f"| {c.figure} | {fmt_number(c.expected, 3)} |" in sheet, (path, c.figure)
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
