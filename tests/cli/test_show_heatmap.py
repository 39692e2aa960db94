"""``--show heatmap`` from the command line: colour only on a colour terminal, notes otherwise."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rnnloss_cli.cli import app
from tests.render.test_heatmap import colour_codes

PROBLEMS = Path(__file__).resolve().parents[2] / "problems"
EXACT = str(PROBLEMS / "ctc-exact-ab.yaml")
SGR = re.compile(r"\x1b\[([0-9;]*)m")
#: A colour terminal as Rich sees one: FORCE_COLOR makes CliRunner's stream a terminal.
COLOUR = {
    "NO_COLOR": None,
    "FORCE_COLOR": "1",
    "COLORTERM": "truecolor",
    "TERM": "xterm-256color",
    "TTY_COMPATIBLE": None,
}
#: The bright end of viridis (#fde725) as a truecolor background.
BRIGHT_BG = "48;2;253;231;37"


def run(*args: str, env: dict[str, str | None]):
    return CliRunner().invoke(app, list(args), env=env)


def box_lines(text: str) -> list[str]:
    return [ln for ln in SGR.sub("", text).splitlines() if ln[:1] in "┏┃┡│└"]


def test_heatmap_colours_the_trellis_on_a_colour_terminal():
    r = run("solve", EXACT, "--show", "heatmap", env=COLOUR)
    assert r.exit_code == 0, r.output
    assert BRIGHT_BG in r.stdout
    # the emissions and α tables are coloured, each with its legend line (β is not shown);
    # emissions: ln 0.1 = -2.303 .. ln 0.7 = -0.357; α: ln 0.012 = -4.423 .. ln 0.7
    text = SGR.sub("", r.stdout)
    assert "colour: ln value from -2.303 (dark) to -0.357 (bright)" in text
    assert "colour: ln value from -4.423 (dark) to -0.357 (bright)" in text
    assert text.count("colour: ln value") == 2
    assert r.stderr == ""


@pytest.mark.parametrize(
    "flags", [["--show", "beta,heatmap"], ["--show", "beta", "--show", "heatmap"]]
)
def test_heatmap_combines_with_table_names(flags):
    r = run("solve", EXACT, *flags, env=COLOUR)
    assert r.exit_code == 0, r.output
    text = SGR.sub("", r.stdout)
    assert "backward trellis" in text and text.count("colour: ln value") == 3


def test_the_tables_read_the_same_with_and_without_the_heat_map():
    with_heat = run("solve", EXACT, "--show", "beta,heatmap", env=COLOUR).stdout
    without = run("solve", EXACT, "--show", "beta", env=COLOUR).stdout
    assert BRIGHT_BG in with_heat and BRIGHT_BG not in without
    assert box_lines(with_heat) == box_lines(without) and len(box_lines(without)) > 20


@pytest.mark.parametrize("no_color", ["1", "true", "0"])  # any non-empty value
def test_no_color_means_no_colour_codes(no_color):
    r = run("solve", EXACT, "--show", "heatmap", env={**COLOUR, "NO_COLOR": no_color})
    assert r.exit_code == 0, r.output
    assert not colour_codes(r.stdout)
    assert "colour: ln value" not in r.stdout
    assert r.stderr.startswith("note: --show heatmap: no colour here") and r.stderr.count("\n") == 1


def test_not_a_terminal_without_force_color_means_no_escape_codes():
    env = {**COLOUR, "FORCE_COLOR": None}
    r = run("solve", EXACT, "--show", "heatmap", env=env)
    assert r.exit_code == 0, r.output
    assert "\x1b[" not in r.stdout and "forward trellis" in r.stdout
    assert "note: --show heatmap: no colour here" in r.stderr


@pytest.mark.parametrize("fmt", ["markdown", "json", "html"])
def test_other_formats_carry_no_colour_codes(fmt):
    r = run("solve", EXACT, "--show", "heatmap", "--format", fmt, env=COLOUR)
    assert r.exit_code == 0, r.output
    assert "\x1b" not in r.stdout
    if fmt == "json":
        assert json.loads(r.stdout)["kind"] == "ctc"
    assert r.stderr == (
        f"note: --show heatmap colours the terminal (rich) tables only; --format {fmt} is "
        "printed without it\n"
    )


def test_heatmap_without_a_trellis_is_a_note_not_an_error():
    r = run("solve", str(PROBLEMS / "hello.yaml"), "--show", "heatmap", env=COLOUR)
    assert r.exit_code == 0, r.output
    assert "listed alignments" in r.stdout and BRIGHT_BG not in r.stdout
    assert r.stderr == (
        "note: --show heatmap: no trellis or emission table here, nothing to colour\n"
    )


def test_the_ctc_flags_command_takes_heatmap_too():
    # the emissions of problems/ctc-exact-ab.yaml: ln 0.1 = -2.303 .. ln 0.7 = -0.357
    r = run(
        "ctc", "--target", "AB", "--emissions", "0.2,0.7,0.1;0.3,0.3,0.4;0.2,0.1,0.7",
        "--symbols", "-,A,B", "--show", "heatmap", env=COLOUR,
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    assert BRIGHT_BG in r.stdout
    assert "colour: ln value from -2.303 (dark) to -0.357 (bright)" in SGR.sub("", r.stdout)


def test_unknown_show_name_offers_heatmap():
    r = run("solve", EXACT, "--show", "heatmapp", env=COLOUR)
    assert r.exit_code == 2
    assert "heatmapp" in r.stderr and "beta, grad" in r.stderr and "heatmap colours" in r.stderr
