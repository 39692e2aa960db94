"""Hostile and huge input to CTC decoding: ``solve`` of ctc_decode files and ``ctc decode``.

Each bad input exits 2 with one line naming the file (and the field or line), every output
format of a long problem stays fast, and no numpy warning reaches stderr.
"""

from __future__ import annotations

import json
import math
import re

import pytest
from typer.testing import CliRunner

from rnnloss_cli.cli import app

runner = CliRunner()
SYMBOLS = "-,a,b,c"
EMISSIONS = "0.1,0.8,0.05,0.05;0.1,0.1,0.35,0.45"


def run(*args: str):
    return runner.invoke(app, list(args), env={"COLUMNS": "100", "NO_COLOR": "1"})


def one_error_line(result) -> str:
    assert result.exit_code == 2, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: "), lines[0]
    assert "Traceback" not in result.output
    return lines[0]


def alternating_file(path, n_frames: int, beam: int = 1) -> None:
    """Frames alternate a and b at 1 - 2e-9: the best path is abab..., n_frames labels."""
    rows = ["  - [1e-9, 0.999999998, 1e-9]", "  - [1e-9, 1e-9, 0.999999998]"]
    path.write_text(
        f"kind: ctc_decode\nsymbols: ['-', a, b]\nbeam: {beam}\nemissions:\n"
        + "\n".join(rows[t % 2] for t in range(n_frames))
        + "\n"
    )


# ------------------------------------------------------------------------ huge problems


def test_a_greedy_labelling_too_long_for_exact_ctc_names_the_file(tmp_path):
    # 12,000 frames, greedy labelling of 12,000 labels: 12,000 x 24,001 = 288,012,000 cells
    # > MAX_TRELLIS_CELLS (10^8); the error names the file and the emissions field.
    f = tmp_path / "long.yaml"
    alternating_file(f, 12_000)
    line = one_error_line(run("solve", str(f)))
    assert str(f) in line and "'emissions'" in line
    assert "288,012,000" in line and "MAX_TRELLIS_CELLS" in line
    assert re.search(rf"{re.escape(str(f))}:\d+: ", line), line  # and the field's line


@pytest.mark.parametrize("fmt", ["rich", "markdown", "json", "html"])
def test_a_long_decode_problem_in_every_format(tmp_path, fmt):
    # 4,000 frames, beam 4: prefixes reach 4,000 labels (quadratic before: GBs, minutes).
    # The best labelling is abab... (4,000 labels), p = (1 - 2e-9)^4000 ~ 1 - 8e-6.
    f = tmp_path / "long.yaml"
    alternating_file(f, 4_000, beam=4)
    out = tmp_path / f"out.{fmt}"
    args = ["solve", str(f), "--format", fmt]
    if fmt == "html":
        args += ["-o", str(out)]
    result = run(*args)
    assert result.exit_code == 0, result.output
    assert "arning" not in result.stderr and "error" not in result.stderr
    if fmt == "json":
        doc = json.loads(result.stdout)
        assert doc["figures"]["loss"] == pytest.approx(-4000 * math.log1p(-2e-9), rel=1e-6)
    if fmt == "html":
        assert out.stat().st_size > 0


def test_check_a_long_decode_problem(tmp_path):
    f = tmp_path / "long.yaml"
    alternating_file(f, 2_000, beam=2)
    text = f.read_text().replace("kind:", "answer: {greedy_prob: 1}\nkind:")
    f.write_text(text)
    result = run("check", str(f))
    assert result.exit_code == 0, result.output


# ------------------------------------------------------------------------ --lm FILE


@pytest.mark.parametrize(
    ("text", "bad_line", "words"),
    [
        ("a\t-0.3\nz\t-0.4\n", 2, ["'z' is not one of the symbols"]),
        ("# c\na\t-0.3\n\nb-\t-0.4\n", 4, ["blank '-'"]),
    ],
)
def test_an_lm_file_symbol_error_names_the_lm_file_and_line(tmp_path, text, bad_line, words):
    lm = tmp_path / "lm.txt"
    lm.write_text(text)
    line = one_error_line(
        run("ctc", "decode", "--emissions", EMISSIONS, "--symbols", SYMBOLS, "--lm", str(lm))
    )
    assert line.startswith(f"error: {lm}:{bad_line}:"), line
    for word in words:
        assert word in line


def test_an_lm_file_read_from_a_pipe_names_the_line_of_an_unknown_symbol():
    # A pipe can be read once: the symbols are checked by the parser as it reads (a second
    # read to find the line gave "/dev/stdin: field 'lm.z'", with no line).
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "rnnloss_cli", "ctc", "decode", "--emissions", EMISSIONS,
         "--symbols", SYMBOLS, "--lm", "/dev/stdin"],
        input="a\t-0.3\nz\t-0.4\n", capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("error: /dev/stdin:2:"), done.stderr


def test_an_lm_file_that_is_a_folder(tmp_path):
    line = one_error_line(
        run("ctc", "decode", "--emissions", EMISSIONS, "--symbols", SYMBOLS, "--lm", str(tmp_path))
    )
    assert str(tmp_path) in line


def test_a_good_lm_file_gives_the_hand_worked_answer(tmp_path):
    # problems/ctc-decode-lm.yaml as flags: unigrams a -0.3, b -0.4, c -2.0, beam 3:
    # ab scores ln .28 - .7 = -1.973, above a (ln .17 - .3 = -2.072): beam says ab, p = .28.
    lm = tmp_path / "lm.txt"
    lm.write_text("a\t-0.3\nb\t-0.4\nc\t-2.0\n")
    result = run(
        "ctc", "decode", "--emissions", EMISSIONS, "--symbols", SYMBOLS, "--lm", str(lm),
        "--beam", "3", "--format", "json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["figures"]["beam_prob"] == pytest.approx(0.28)


# ------------------------------------------------------------------------ huge lexicons / LMs

BASE = (
    "kind: ctc_decode\nsymbols: ['-', a, b, c]\nbeam: 3\nemissions:\n"
    "  - [0.10, 0.80, 0.05, 0.05]\n  - [0.10, 0.10, 0.35, 0.45]\n"
)


def test_a_lexicon_word_of_a_million_symbols_is_shown_cut_and_searched_fast(tmp_path):
    # Two frames can spell at most two labels: the word of 10^6 symbols is never whole, so
    # the answer is the other word, b (p(b|x) = .0575, see problems/ctc-decode-lexicon.yaml).
    # Its text is not echoed whole in the lexicon step (the output stays small).
    f = tmp_path / "long-word.yaml"
    f.write_text(BASE + "lexicon: [" + "ab" * 500_000 + ", b]\n")
    result = run("solve", str(f), "--format", "json")
    assert result.exit_code == 0, result.output
    assert len(result.stdout) < 50_000
    doc = json.loads(result.stdout)
    assert doc["figures"]["beam_prob"] == pytest.approx(0.0575)
    assert "1,000,000 symbols" in result.stdout


def test_an_overflowing_lm_weight_names_the_file(tmp_path):
    f = tmp_path / "w.yaml"
    f.write_text(BASE + "lm: {a: -0.1}\nlm_weight: 1e308\n")
    line = one_error_line(run("solve", str(f)))
    assert str(f) in line and "lm_weight" in line
    where = len((BASE + "lm: {a: -0.1}\n").splitlines()) + 1  # lm_weight's own line
    assert f"{f}:{where}: " in line, line


def test_a_long_labelling_is_shown_cut_in_every_step(tmp_path):
    """2,000 frames whose best symbols alternate a, b: the greedy path and labelling have
    2,000 symbols and were written out whole in several steps and beam rows (851 KB of rich
    text at 7,000 frames); they are cut to their first and last symbols with the length."""
    import numpy as np

    n = 2000
    logits = np.full((n, 3), -2.0)
    logits[np.arange(n), 1 + np.arange(n) % 2] = 2.0
    rows = "".join(f"  - [{', '.join(f'{x:g}' for x in row)}]\n" for row in logits)
    path = tmp_path / "long.yaml"
    path.write_text('kind: ctc_decode\nsymbols: ["-", a, b]\nbeam: 2\nlogits:\n' + rows)
    result = runner.invoke(app, ["solve", str(path)], env={"COLUMNS": "100"})
    assert result.exit_code == 0, result.output
    assert "(2,000 symbols)" in result.output
    assert len(result.output) < 60_000, len(result.output)


@pytest.mark.parametrize("beam", [[], ["--beam", "2"]])
def test_greedy_decode_refuses_frames_that_are_no_distribution_as_beam_does(beam):
    # Found by hand: `ctc decode --emissions 0.9,0.9;0.9,0.9 --symbols -,a` decoded and
    # printed "p(π*) = 0.81", a loss of 0.211, from frames that sum to 1.8; with --beam
    # (and in `ctc align`) the same frames are refused. Both now refuse them alike.
    argv = ["ctc", "decode", "--emissions", "0.9,0.9;0.9,0.9", "--symbols", "-,a", *beam]
    r = CliRunner().invoke(app, argv)
    assert r.exit_code == 2, r.output
    assert r.output == (
        "error: --emissions, row 1: frame 1 sums to 1.8, expected 1 (|sum - 1| = 0.8 > "
        "tolerance 1e-06): predicted probabilities must form a distribution (give --logits "
        "instead to have softmax applied)\n"
    )
