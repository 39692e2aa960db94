"""Usage errors echo a bounded piece of what was typed, and every integer flag or field words
a bad value one way, whatever its size.

Click quoted a bad value whole (``--frames 999...9`` of 5000 digits, ``--format x...x`` of
10^5 characters: an error line as long as the value), and an integer was worded by its size:
``10^20`` "is too large for a whole number here", ``10^400`` "does not fit a float64",
``10^5000`` "is not a valid integer" (Python's 4300-digit limit), ``-10^400`` "is not in the
range". Run through the real entry point (``cli_io.run``), which owns the error line.
"""

from __future__ import annotations

import pytest

from tests.cli.streams import run_encoded

HELLO = "problems/hello.yaml"
E2 = ["--symbols", "-,A", "--emissions", "0.5,0.5;0.5,0.5"]


def _error_line(argv, monkeypatch) -> str:
    code, out, err = run_encoded(argv, monkeypatch, "utf-8")
    assert code == 2, (code, err[:300])
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err[:300]
    return lines[0]


LONG = "x" * 100_000
NINES = "9" * 5000

# (argv, words the line must hold): the value cut to 60 characters and its size said
ECHOES = {
    "format": (["solve", HELLO, "--format", LONG], "(100,000 characters)"),
    "command": ([LONG], "(100,000 characters)"),
    "option": (["solve", HELLO, "--" + LONG], "(100,002 characters)"),
    "extra argument": (["mse", "--y", "1", "--yhat", "1", LONG], "(100,000 characters)"),
    "choice with spaces": (["train", "--loss", "a b " * 1000], "(4,000 characters)"),
}


@pytest.mark.parametrize("name", ECHOES)
def test_a_usage_error_echoes_a_long_value_cut(name, monkeypatch):
    argv, words = ECHOES[name]
    line = _error_line(argv, monkeypatch)
    assert words in line, line[:300]
    assert len(line) < 300, len(line)


# The bounds are the flags' documented ranges: T >= 1 frames, a beam >= 1, a seed >= 0,
# 1..MAX_EPOCHS = 10000 epochs, 0..17 digits; int64's 2^63 - 1 above the open ones.
FLAGS = {
    "ctc paths --frames": (["ctc", "paths", "A", "--frames"], "1 and 2^63 - 1"),
    "ctc --frames": (["ctc", "--target", "A", "--probs", "A=0.5,-=0.5", "--frames"], "1 and"),
    "ctc decode --beam": (["ctc", "decode", *E2, "--beam"], "1 and 2^63 - 1"),
    "train --seed": (["train", "--seed"], "0 and 2^63 - 1"),
    "train --epochs": (["train", "--epochs"], "1 and 10000"),
    "solve --precision": (["solve", HELLO, "--precision"], "0 and 17"),
}
# value typed -> how the message names it: its digits counted (10^k has k + 1 digits)
SIZES = {
    "10^20": ("1" + "0" * 20, "a 21-digit number"),
    "10^400": ("1" + "0" * 400, "a 401-digit number"),
    "10^5000": ("1" + "0" * 5000, "a 5,001-digit number"),
    "-10^400": ("-1" + "0" * 400, "a 401-digit negative number"),
}


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("flag", FLAGS)
def test_an_integer_flag_words_every_size_alike(flag, size, monkeypatch):
    argv, bounds = FLAGS[flag]
    value, shown = SIZES[size]
    line = _error_line([*argv, value], monkeypatch)
    assert f"expected an integer between {bounds}" in line, line[:300]
    assert f"got {shown}" in line, line[:300]


@pytest.mark.parametrize(
    "value, shown",
    [
        ("１", "'１' (digits other than 0-9"),  # fullwidth 1: click's int() read it as 1
        ("1_0", "'1_0' ('_' between digits"),  # click's int() read it as 10
        ("1.5", "'1.5'"),
        ("", "nothing"),
        ("0", "0"),
    ],
)
def test_an_integer_flag_reads_ascii_digits_only(value, shown, monkeypatch):
    line = _error_line(["ctc", "paths", "A", "--frames", value], monkeypatch)
    assert f"expected an integer between 1 and 2^63 - 1, got {shown}" in line, line


@pytest.mark.parametrize(
    "written, shown",
    [
        ("1" + "0" * 20, "a 21-digit number"),  # was "too large for a whole number here"
        ("-1" + "0" * 30, "a 31-digit negative number"),  # was "expected a number in [1, inf]"
        ("0", "0"),
        ("1.5", "1.5"),  # was "expected a whole number"
        ("1.0e+20", "1e+20"),
    ],
)
def test_a_yaml_integer_field_words_its_range_alike(written, shown, tmp_path, monkeypatch):
    f = tmp_path / "f.yaml"
    f.write_text(f'kind: ctc\ntarget: AB\nframes: {written}\nprobs: {{A: 0.5, B: 0.3, "-": 0.2}}\n')
    line = _error_line(["solve", str(f)], monkeypatch)
    assert f"expected an integer between 1 and 2^63 - 1, got {shown}" in line, line
