"""Sheets of problem files an instructor did not mean to be hostile: control characters in a
title, a symbol or the --title (a terminal escape pasted from a log, a form feed from a PDF,
bytes of the command line that are not UTF-8). Every format stays a valid document."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rnnloss_cli.cli import app
from rnnloss_cli.sheet import build_sheet
from tests.latex_run import compile_tex

#: A title with ESC (a terminal colour code), a form feed, DEL, NEL (U+0085, a YAML line
#: break) and a noncharacter; a source with SOH (symbols with one are refused on loading).
HOSTILE = r"""kind: ctc
title: "Exact CTC \e[31mred\e[0m \f page \x7f del \N nel \uFFFE"
source: "pasted \x01 from a log"
method: exact
target: "A"
symbols: ["-", "A", "B"]
emissions:
  - [0.2, 0.7, 0.1]
  - [0.3, 0.3, 0.4]
answer:
  exact: 0.7
"""
# The key is not checked here (a sheet is written whatever the key says): p(A) over two
# frames = A- + -A + AA = .7*.3 + .2*.3 + .7*.3 = .21 + .06 + .21 = .48, -ln .48 = 0.734.

#: What no sheet may hold: C0 controls but tab and newline, DEL, C1 controls, noncharacters
#: U+FFFE and U+FFFF, lone surrogates (they cannot be written as UTF-8).
NOT_TEXT = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ufffe\uffff\ud800-\udfff]")


@pytest.fixture()
def hostile(tmp_path) -> str:
    p = tmp_path / "hostile.yaml"
    p.write_text(HOSTILE)
    return str(p)


@pytest.mark.parametrize("fmt", ["markdown", "latex", "html"])
@pytest.mark.parametrize("solutions", [False, True])
def test_no_control_character_reaches_a_sheet(hostile, fmt, solutions):
    text = build_sheet([hostile], fmt, solutions=solutions, title="week \x1b[2J 3")
    assert NOT_TEXT.findall(text) == []
    assert "red" in text and "week" in text  # the text around them is kept


def test_markdown_and_html_show_a_control_character_as_the_replacement_character(hostile):
    for fmt in ("markdown", "html"):
        text = build_sheet([hostile], fmt)
        assert "Exact CTC \ufffd" in text


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed")
@pytest.mark.parametrize("engine", ["pdflatex", "lualatex"])
def test_a_latex_sheet_with_control_characters_compiles(hostile, tmp_path, engine):
    # pdflatex stopped at "Text line contains an invalid character" (DEL) or "Unicode
    # character ^^[ (U+001B) not set up for use with LaTeX"; lualatex reads U+FFFD as an
    # invalid UTF-8 sequence, so LaTeX gets a visible code instead of either.
    compile_tex(engine, build_sheet([hostile], "latex", solutions=True), tmp_path, "s")


def test_a_title_of_bytes_that_are_not_utf8_is_written(tmp_path):
    # `--title $'\xff'`: Python reads the byte as the lone surrogate U+DCFF, which UTF-8
    # cannot encode: writing the sheet was an internal error (exit 4).
    out = tmp_path / "s.md"
    r = CliRunner().invoke(
        app, ["sheet", "problems/hinge-sequence.yaml", "--title", "w\udcff", "-o", str(out)]
    )
    assert r.exit_code == 0, r.output
    assert out.read_text(encoding="utf-8").startswith("# w\ufffd\n")
    assert Path("problems/hinge-sequence.yaml").exists()


@pytest.mark.parametrize("fmt", ["markdown", "html", "latex"])
def test_a_bidi_override_in_a_title_does_not_reach_a_sheet_file(tmp_path, fmt):
    """U+202E (right-to-left override) would show "evil" as "live" in the sheet written with
    -o (standard output shows it as an escape); it is replaced like a control character."""
    f = tmp_path / "bidi.yaml"
    f.write_text(
        'kind: mse\ntitle: "bad \\u202eevil\\u202c name \\u2066x\\u2069"\n'
        "y: [1.0]\nyhat: [0.5]\nanswer: 0.25\n",  # (1 - 0.5)^2 = 0.25
        encoding="utf-8",
    )
    out = tmp_path / f"sheet.{fmt}"
    r = CliRunner().invoke(app, ["sheet", str(f), "--format", fmt, "-o", str(out)])
    assert r.exit_code == 0, r.output
    text = out.read_text(encoding="utf-8")
    assert not re.search("[\u202a-\u202e\u2066-\u2069]", text)
    assert "evil" in text
