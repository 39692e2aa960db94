"""The CTC command line: solve on the handout files, the flags form, paths, decode, errors."""

from __future__ import annotations

import json
import math

import pytest
from typer.testing import CliRunner

from rnnloss_cli.cli import app

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args), env={"COLUMNS": "200", "NO_COLOR": "1"})


def test_solve_hello_prints_loss_and_audit():
    r = run("solve", "problems/hello.yaml")
    assert r.exit_code == 0, r.output
    assert "3.673" in r.output
    assert "collapses to HELO, not HELLO" in r.output
    assert "sum to 2.8" in r.output


def test_solve_hello_json():
    r = run("solve", "problems/hello.yaml", "--format", "json")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["loss"] == pytest.approx(3.673, abs=5e-4)
    assert set(doc["figures"]) >= {"listed", "valid_only"}
    assert any("HELO" in w for w in doc["warnings"])


def test_solve_markdown_shows_optional_tables_on_request():
    plain = run("solve", "problems/ctc-exact-ab.yaml", "--format", "markdown")
    extra = run(
        "solve",
        "problems/ctc-exact-ab.yaml",
        "--format",
        "markdown",
        "--show",
        "beta",
        "--show",
        "grad",
    )
    assert plain.exit_code == 0 and extra.exit_code == 0, extra.output
    assert "backward trellis" not in plain.output and "gradient ∂loss/∂logits" not in plain.output
    assert "backward trellis" in extra.output and "gradient ∂loss/∂logits" in extra.output


def test_flags_form_matches_hand_sum():
    # symbol factors: H-E-L-L-O 0.6*0.5*0.7*0.7*0.8*0.2^4 = 0.00018816,
    # HE-L-L-O 0.1176*0.2^3 = 0.0009408; -ln(0.00112896) = 6.7864
    r = run(
        "ctc",
        "--target",
        "HELLO",
        "--probs",
        "H=0.6,E=0.5,L=0.7,O=0.8,-=0.2",
        "--alignment",
        "H-E-L-L-O",
        "--alignment",
        "HE-L-L-O",
        "--format",
        "json",
    )
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["loss"] == pytest.approx(-math.log(0.00018816 + 0.0009408), rel=1e-9)


def test_flags_form_exact_with_emissions():
    r = run(
        "ctc",
        "--target",
        "AB",
        "--symbols",
        "-,A,B",
        "--emissions",
        "0.2,0.7,0.1;0.3,0.3,0.4;0.2,0.1,0.7",
        "--format",
        "json",
    )
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["figures"]["exact"] == pytest.approx(-math.log(0.588))


def test_paths_count_and_total():
    # AB over 3 frames: AAB ABB AB- A-B -AB (5); with A .5 B .3 - .2 they sum to 0.21
    r = run(
        "ctc", "paths", "AB", "--frames", "3", "--probs", "A=0.5,B=0.3,-=0.2", "--format", "json"
    )
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["figures"]["alignments"] == 5
    assert sorted(row[1] for row in doc["tables"][0]["rows"]) == sorted(
        ["AAB", "ABB", "AB-", "A-B", "-AB"]
    )
    assert doc["loss"] == pytest.approx(-math.log(0.21))
    forward = next(s for s in doc["steps"] if s["label"] == "forward algorithm")
    assert forward["values"]["value"] == pytest.approx(0.21)


def test_paths_without_probs():
    # AA over 3 frames: only A-A
    r = run("ctc", "paths", "AA", "--frames", "3")
    assert r.exit_code == 0, r.output
    assert "A-A" in r.output


def test_paths_refuses_above_limit():
    r = run("ctc", "paths", "HELLO", "--frames", "20")
    assert r.exit_code == 2
    assert "10,000" in r.stderr and "Traceback" not in r.output


@pytest.mark.parametrize(
    "frames, words",
    [
        (str(10**6 + 1), "MAX_LISTED_SYMBOLS"),
        # past int64, as every integer flag words it (tests/cli/test_usage_bounds.py)
        ("9" * 400, "expected an integer between 1 and 2^63 - 1, got a 400-digit number"),
    ],
)
def test_paths_refuses_more_frames_than_it_could_list_in_one_short_line(frames, words):
    # each alignment is a line of T symbols, so T > MAX_LISTED_SYMBOLS (10^6) cannot be
    # listed; a 400-digit T was echoed whole, with its 133 thousands separators
    r = run("ctc", "paths", "AB", "--frames", frames)
    assert r.exit_code == 2, r.output
    (line,) = r.stderr.splitlines()
    assert line.startswith("error: --frames: ") and words in line
    assert len(line) < 250, line


def test_decode():
    r = run(
        "ctc", "decode", "--emissions", "0.1,0.8,0.1;0.6,0.3,0.1;0.1,0.2,0.7", "--symbols", "-,A,B"
    )
    assert r.exit_code == 0, r.output
    assert "A - B" in r.output and ": AB" in r.output


@pytest.mark.parametrize(
    "args, words",
    [
        (
            ["ctc", "--target", "HELLO", "--probs", "H=0.6,E=0.5,-=0.2", "--alignment", "H-E"],
            ["error: --target:", "'L' is missing"],
        ),
        (
            ["ctc", "--target", "AB", "--probs", "A=0.5,B=x,-=0.2", "--alignment", "AB"],
            ["error: --probs, B:", "expected a number"],
        ),
        (["ctc", "--probs", "A=1"], ["--target"]),
        (["ctc", "decode", "--emissions", "0.5,0.5", "--symbols", "A,B"], ["blank"]),
        (["ctc", "paths", "A-B", "--frames", "3"], ["blank"]),
    ],
)
def test_bad_flags_exit_2(args, words):
    r = run(*args)
    assert r.exit_code == 2, r.output
    for w in words:
        assert w in r.stderr
    assert "Traceback" not in r.output


def test_bad_file_names_file_line_field(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text('kind: ctc\ntarget: AB\nprobs: {A: 0.5, B: 0.3, "-": 0.2}\nalignments: [A-X]\n')
    r = run("solve", str(bad))
    assert r.exit_code == 2
    assert f"{bad}:4: field 'alignments[0]':" in r.stderr
    assert "unknown symbol 'X'" in r.stderr


@pytest.mark.parametrize("sub", [[], ["paths"], ["decode"]])
def test_help_has_example(sub):
    r = run("ctc", *sub, "--help")
    assert r.exit_code == 0, r.output
    assert "Example: rnnloss ctc" in r.output


def test_check_problems_folder_passes():
    r = run("check", "problems/")
    assert r.exit_code == 0, r.output


def test_bare_ctc_shows_usage_and_exits_2_like_bare_rnnloss():
    r = run("ctc")
    assert r.exit_code == 2
    assert "Usage" in r.output


@pytest.mark.parametrize(
    ("args", "flag"),
    [
        (["AB", "--frames", "3", "--blank", ""], "--blank"),
        (["AB", "--frames", "3", "--blank", "--"], "--blank"),
        (["AB", "--frames", "3", "--blank", " "], "--blank"),
        (["A B", "--frames", "4"], "TARGET"),
        (["A\tB", "--frames", "4"], "TARGET"),
        (["A\udcff", "--frames", "3"], "TARGET"),  # a byte that is not UTF-8 in argv
    ],
)
def test_ctc_paths_checks_its_target_and_blank_as_ctc_does(args, flag):
    r = run("ctc", "paths", *args)
    assert r.exit_code == 2, r.output
    assert f"error: {flag}:" in r.output


def test_ctc_target_with_a_control_character_is_refused():
    r = run("ctc", "--target", "A\x07B", "--probs", "A=0.5,B=0.3,-=0.2", "-T", "4")
    assert r.exit_code == 2, r.output
    assert "control characters" in r.output


def test_listed_alignment_must_have_the_given_number_of_frames():
    """With --probs and -T, A-B (3 symbols) over 4 frames was summed as if valid."""
    r = run("ctc", "--target", "AB", "--probs", "A=0.5,B=0.3,-=0.2", "-a", "A-B", "-T", "4")
    assert r.exit_code == 2, r.output
    assert "A-B has 3 symbols but there are 4 frames" in r.output


def test_window_is_bounded():
    args = ["ctc", "--target", "AB", "--probs", "A=0.5,B=0.3,-=0.2", "-T", "100"]
    r = run(*args, "--window", "100000000x100")
    assert r.exit_code == 2, r.output
    assert "MAX_WINDOW_CELLS" in r.output
    assert run(*args, "--window", "500x500").exit_code == 0
    r = run(*args, "--window", "501x500")
    assert r.exit_code == 2 and "more than the limit MAX_WINDOW_CELLS = 250,000" in r.output


@pytest.mark.parametrize("value", ["3x", "x3", "5x5x5", "0x10"])
def test_window_needs_rows_and_columns_when_it_has_an_x(value):
    """--window 3x was read as 3 rows silently."""
    r = run("solve", "problems/hello.yaml", "--window", value)
    assert r.exit_code == 2, r.output
    assert "--window" in r.output


def test_a_window_holding_too_many_trellis_cells_is_refused_before_solving():
    """2 rows x 100,000 frames passed MAX_WINDOW_CELLS, but each frame shown holds all S'
    states: on 100,000 frames of S' = 801, 4.5 GB and 21 s (68 s in rich)."""
    letters = "".join(chr(65 + i % 26) for i in range(400))
    probs = ",".join(f"{chr(65 + i)}=0.03" for i in range(26)) + ",-=0.22"
    r = run("ctc", "--target", letters, "--probs", probs, "-T", "100000", "--window", "2x100000")
    assert r.exit_code == 2, r.output
    assert "99,998 frames" in r.output and "S' = 801 states: 80,098,398 cells" in r.output
    assert "MAX_HELD_TRELLIS_CELLS = 10,000,000" in r.output and "--window 2x12486" in r.output


@pytest.mark.parametrize("value", ["60×16", "60*16", "60 x 16", "60,16", " 60 : 16 "])
def test_window_with_another_separator_gets_the_x_form(value):
    r = run("solve", "problems/hello.yaml", "--window", value)
    assert r.exit_code == 2, r.output
    assert "write it as 60x16" in r.output


@pytest.mark.parametrize(
    "args",
    [
        ["ctc", "--target", "AB" * 5_000, "--probs", "A=0.5,B=0.2,-=0.3", "-T", "12"],
        ["ctc", "align", "AB" * 5_000, "--emissions", "0.5,0.3,0.2", "--symbols", "-,A,B"],
    ],
)
def test_a_long_target_is_not_blamed_on_a_title_nobody_gave(args):
    # Found by hand: the title the flags form makes quoted the whole target, so a target
    # of 10,000 labels was refused as "--title: ... MAX_META_CHARS" (there is no --title).
    r = run(*args, "--format", "json")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["loss"] is None  # 10,000 labels cannot fit the frames: infinite, said why
    assert len(doc["title"]) < 200
    assert "(10,000 symbols)" in doc["title"]
