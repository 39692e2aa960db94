"""One name for the empty labelling, ε, in every output: never the older "(empty)".

The labellings below are empty by hand:
- ctc-decode-beam-vs-greedy.yaml: the best path is "- -" (.5 · .5 = .25, the file's comment),
  which collapses to the empty labelling (its greedy key is ""), and the beam's table holds
  the empty prefix after both frames;
- an empty target with the listed alignments "---" and "-a-" (the second collapses to a, not
  to the empty labelling), and its forced alignment: y_t(-) = .5, .5, .5 (exact CTC of an
  empty target says "empty target" in words and names no labelling);
- ``rnnloss ctc decode`` on y_1 = y_2 = (- .5, a .4, b .1): the same best path "- -".
Each is solved in every format (solve: rich, markdown, json, html; sheet --solutions:
markdown, latex, html). LaTeX writes ε as ``\\varepsilon`` (render.latex.UNICODE_MATH, as it
writes RNN-T's empty sequence), so no raw ε is left for pdflatex.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rnnloss_cli.cli import app

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[2]
DECODE = str(ROOT / "problems" / "ctc-decode-beam-vs-greedy.yaml")

LISTED = """kind: ctc
title: the empty target, listed
target: ""
probs: {"-": 0.5, a: 0.3, b: 0.2}
alignments: ["---", "-a-"]
"""
EXACT = """kind: ctc
title: the empty target, exact
target: ""
symbols: ["-", a, b]
emissions: [[0.5, 0.3, 0.2], [0.5, 0.3, 0.2], [0.5, 0.3, 0.2]]
"""
ALIGN = EXACT.replace("kind: ctc", "kind: ctc_align").replace("exact", "aligned")
FILES = {"decode": None, "listed": LISTED, "align": ALIGN}


def _file(tmp_path: Path, name: str) -> str:
    text = FILES[name]
    if text is None:
        return DECODE
    f = tmp_path / f"{name}.yaml"
    f.write_text(text, encoding="utf-8")
    return str(f)


def _run(*args: str):
    return runner.invoke(app, list(args), env={"COLUMNS": "200", "NO_COLOR": "1"})


def _shown(output: str, fmt: str) -> str:
    """The output as a reader sees it: JSON's strings decoded (\\u03b5 is ε)."""
    return json.dumps(json.loads(output), ensure_ascii=False) if fmt == "json" else output


@pytest.mark.parametrize("name", list(FILES))
@pytest.mark.parametrize("fmt", ["rich", "markdown", "json", "html"])
def test_solve_writes_the_empty_labelling_as_epsilon(tmp_path, name, fmt):
    r = _run("solve", _file(tmp_path, name), "--format", fmt)
    assert r.exit_code == 0, r.output
    out = _shown(r.output, fmt)
    assert "(empty)" not in out
    assert "ε" in out


@pytest.mark.parametrize("name", list(FILES))
@pytest.mark.parametrize("fmt", ["markdown", "latex", "html"])
def test_solution_sheets_write_the_empty_labelling_as_epsilon(tmp_path, name, fmt):
    r = _run("sheet", _file(tmp_path, name), "--solutions", "--format", fmt)
    assert r.exit_code == 0, r.output
    assert "(empty)" not in r.output
    if fmt == "latex":  # math mode's \varepsilon, never the raw character
        assert r"\varepsilon" in r.output and "ε" not in r.output
    else:
        assert "ε" in r.output


@pytest.mark.parametrize("fmt", ["rich", "markdown", "json", "html"])
def test_ctc_decode_flags_write_the_empty_labelling_as_epsilon(fmt):
    r = _run(
        "ctc", "decode", "--emissions", "0.5,0.4,0.1;0.5,0.4,0.1", "--symbols", "-,a,b",
        "--format", fmt,
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    out = _shown(r.output, fmt)
    assert "(empty)" not in out
    assert "ε" in out


def test_the_latex_solution_sheet_compiles(tmp_path):
    from tests.latex_run import compile_tex

    r = _run("sheet", DECODE, "--solutions", "--format", "latex")
    assert r.exit_code == 0, r.output
    # p_nb'(a) = ... (p_b + p_nb)(ε) ...: the worked beam entry is maths now (no word in it);
    # its subscripts braced, p_{nb}, not p_n times b
    assert r"p_{nb}'(a)" in r.output and "p_nb" not in r.output
    compile_tex("pdflatex", r.output, tmp_path)


@pytest.mark.parametrize("name", ["ε", "(empty)"])
def test_a_symbol_named_as_the_empty_labelling_is_refused(tmp_path, name):
    # before, a labelling of that one symbol and the empty one read alike: a key "" was
    # "ok" against the one-symbol labelling "(empty)"
    f = tmp_path / "reserved.yaml"
    f.write_text(DECODE_TEXT.format(symbols=f'["-", "{name}", a]'), encoding="utf-8")
    r = _run("solve", str(f))
    assert r.exit_code == 2
    assert f"field 'symbols[1]': symbol {name!r} is reserved for the empty labelling" in (r.output)
    assert "Traceback" not in r.output


@pytest.mark.parametrize(
    ("field", "text"),
    [
        ("target", 'kind: ctc\ntarget: "aε"\nprobs: {"-": 0.5, a: 0.5}\nframes: 3\n'),
        ("probs.ε", 'kind: ctc\ntarget: a\nprobs: {"-": 0.5, a: 0.3, ε: 0.2}\nframes: 3\n'),
        (
            "symbols[2]",
            "kind: rnnt\nsymbols: ['-', a, ε]\ntarget: a\nprobs: [[[0.2, 0.6, 0.2], "
            "[0.5, 0.3, 0.2]]]\n",
        ),
    ],
)
def test_epsilon_is_refused_wherever_a_symbol_is_named(tmp_path, field, text):
    f = tmp_path / "reserved.yaml"
    f.write_text(text, encoding="utf-8")
    r = _run("solve", str(f))
    assert r.exit_code == 2, r.output
    assert f"field '{field}': symbol 'ε' is reserved for the empty labelling" in r.output


DECODE_TEXT = """kind: ctc_decode
symbols: {symbols}
beam: 2
emissions:
  - [0.1, 0.8, 0.1]
  - [0.5, 0.4, 0.1]
"""


@pytest.mark.parametrize(
    ("args", "flag"),
    [(["aε", "-T", "2"], "TARGET"), (["a", "-T", "2", "--blank", "ε"], "--blank")],
)
def test_ctc_paths_refuses_epsilon_as_a_symbol(args, flag):
    # before, "ctc paths ε -T 2" listed -ε, εε, ε- as the paths with B(π) = ε
    r = _run("ctc", "paths", *args)
    assert r.exit_code == 2, r.output
    assert f"{flag}: symbol 'ε' is reserved for the empty labelling" in r.output


@pytest.mark.parametrize("written", ["ε", "(empty)", ""])
def test_mark_takes_every_spelling_of_the_empty_labelling_from_the_command_line(written):
    # ctc-decode-beam-vs-greedy's greedy key is "" (best path "- -"), its beam a
    r = _run("mark", DECODE, "-a", f"greedy={written}", "-a", "beam=a")
    assert r.exit_code == 0, r.output
    assert "greedy = ε: right" in r.output and "score: 2 / 2" in r.output


@pytest.mark.parametrize(
    "args",
    [
        ["ctc", "paths", "ε", "-T", "2"],
        ["ctc", "--target", "ε", "--probs", "-=0.5,a=0.5", "-T", "2"],
    ],
)
def test_a_target_of_epsilon_says_how_the_empty_target_is_written(args, tmp_path):
    """ε is how outputs write the empty labelling; typed as a target it was refused with no
    word of how to ask for the empty one."""
    r = _run(*args)
    assert r.exit_code == 2, r.output
    assert "reserved for the empty labelling; the empty target is written ''" in r.output
    f = tmp_path / "e.yaml"
    f.write_text('kind: ctc\ntarget: ε\nprobs: {"-": 0.5, a: 0.5}\nframes: 2\n', encoding="utf-8")
    r = _run("solve", str(f))
    assert r.exit_code == 2 and "the empty target is written ''" in r.output, r.output


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("ϵ", "'ϵ' (U+03F5 GREEK LUNATE EPSILON SYMBOL) reads as 'ε'"),
        ("ɛ", "'ɛ' (U+025B LATIN SMALL LETTER OPEN E) reads as 'ε'"),
        ("𝜀", "'𝜀' (U+1D700 MATHEMATICAL ITALIC SMALL EPSILON) reads as 'ε'"),
        ("（empty）", "'（empty）' reads as '(empty)'"),
    ],
)
def test_a_symbol_that_reads_as_the_empty_labelling_is_refused(tmp_path, name, shown):
    # before, ϵ was a symbol like any other: its one-symbol labelling printed as ϵ beside the
    # empty labelling's ε, two names a reader cannot tell apart
    f = tmp_path / "lookalike.yaml"
    f.write_text(DECODE_TEXT.format(symbols=f'["-", "{name}", a]'), encoding="utf-8")
    r = _run("solve", str(f))
    assert r.exit_code == 2, r.output
    assert f"field 'symbols[1]': symbol {shown}, which stands for the empty labelling" in r.output


@pytest.mark.parametrize(
    ("args", "flag"), [(["aϵ", "-T", "3"], "TARGET"), (["a", "-T", "3", "--blank", "ɛ"], "--blank")]
)
def test_ctc_paths_refuses_a_look_alike_of_epsilon(args, flag):
    r = _run("ctc", "paths", *args)
    assert r.exit_code == 2, r.output
    assert f"{flag}: symbol" in r.output and "reads as 'ε'" in r.output


def test_a_letter_that_only_resembles_e_is_a_symbol_like_any_other(tmp_path):
    # Ukrainian є and Greek capital Ε are letters of their own (NFKC keeps them)
    f = tmp_path / "letters.yaml"
    f.write_text(DECODE_TEXT.format(symbols='["-", "є", "Ε"]'), encoding="utf-8")
    r = _run("solve", str(f))
    assert r.exit_code == 0, r.output
