"""The n-gram LM file of ``ctc decode --lm`` (``read_lm_file``): hostile files are refused in
one line naming the file and the line, the n-grams' symbols are checked against the
problem's alphabet by the parser itself, and good files read as written."""

from __future__ import annotations

from pathlib import Path

import pytest

import rnnloss_cli.problem.align as align
from rnnloss_cli.errors import ProblemError
from rnnloss_cli.problem.align import read_lm_file

SYMBOLS = ("-", "a", "b", "c")


def _write(tmp_path: Path, data: str | bytes) -> str:
    path = tmp_path / "lm.txt"
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(data, encoding="utf-8")
    return str(path)


def _refused(tmp_path: Path, data: str | bytes, **kw) -> ProblemError:
    path = _write(tmp_path, data)
    with pytest.raises(ProblemError) as info:
        read_lm_file(path, **kw)
    err = info.value
    assert err.file == path and "\n" not in str(err), str(err)
    return err


def test_a_good_file_reads_as_written(tmp_path: Path):
    # comments, blank lines, CRLF endings, spaces around the number, a leading '+', '-0'
    text = "# unigrams\r\na\t-0.3\r\n\r\nb\t -4e-1 \r\nab\t-.5\r\nc\t+0\r\nca\t-0\r\n"
    got = read_lm_file(_write(tmp_path, text), symbols=SYMBOLS, blank="-")
    assert got == {"a": -0.3, "b": -0.4, "ab": -0.5, "c": 0.0, "ca": 0.0}


@pytest.mark.parametrize(
    ("number", "words"),
    [
        ("-1_0", "expected a decimal number"),  # float() reads it as -10
        ("-\u0663", "expected a decimal number"),  # ARABIC-INDIC DIGIT THREE: float() reads -3
        ("-\uff11", "expected a decimal number"),  # FULLWIDTH DIGIT ONE: float() reads -1
        ("nan", "expected a decimal number"),
        ("-inf", "expected a decimal number"),
        ("-Infinity", "expected a decimal number"),
        ("-0x1p3", "expected a decimal number"),
        ("", "expected a decimal number"),
        ("1e400", "past float64's range"),  # float() gives inf
        ("-1e400", "past float64's range"),  # -inf: probability 0, no n-gram of an LM
        ("0.5", "<= 0 (a probability is at most 1)"),
    ],
)
def test_a_bad_number_is_named_with_its_line(tmp_path: Path, number: str, words: str):
    err = _refused(tmp_path, f"# lm\na\t-0.3\nb\t{number}\n")
    assert err.line == 3, str(err)
    assert words in err.message and repr(number) in err.message, str(err)


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("a -0.3\n", 1, "one tab"),
        ("a\t-0.3\t\n", 1, "one tab"),
        ("\t-0.3\n", 1, "one tab"),
        ("a b\t-0.3\n", 1, "space or control character"),
        ("a\x00\t-0.3\n", 1, "space or control character"),
        ("a\u200b\t-0.3\n", 1, "space or control character"),  # ZERO WIDTH SPACE
        ("a\t-0.3\na\t-0.2\n", 2, "listed twice"),
    ],
)
def test_a_bad_line_is_named(tmp_path: Path, text: str, line: int, words: str):
    err = _refused(tmp_path, text)
    assert err.line == line and words in err.message, str(err)
    assert "\x00" not in str(err)  # control characters are shown escaped


@pytest.mark.parametrize(
    ("text", "line", "field", "words"),
    [
        ("# c\na\t-0.3\n\nz\t-0.4\n", 4, "lm.z", "'z' is not one of the symbols"),
        ("a\t-0.3\nbz\t-0.4\n", 2, "lm.bz", "'z' is not one of the symbols"),
        ("a\t-0.3\nb-\t-0.4\n", 2, "lm.b-", "the blank '-' cannot be part of an n-gram"),
    ],
)
def test_the_parser_checks_symbols_against_the_alphabet(tmp_path, text, line, field, words):
    err = _refused(tmp_path, text, symbols=SYMBOLS, blank="-")
    assert (err.line, err.field) == (line, field), str(err)
    assert words in err.message, str(err)


def test_without_an_alphabet_any_symbol_is_read(tmp_path: Path):
    assert read_lm_file(_write(tmp_path, "z\t-1\n")) == {"z": -1.0}


@pytest.mark.parametrize(
    "data",
    ["", "\n\n", "# only\n# comments\n"],
    ids=["empty", "blank-lines", "comments"],
)
def test_a_file_without_an_ngram_is_refused(tmp_path: Path, data: str):
    err = _refused(tmp_path, data)
    assert "no 'ngram<TAB>ln probability' line" in err.message


def test_bytes_that_are_not_utf8_are_refused(tmp_path: Path):
    err = _refused(tmp_path, b"a\t-0.3\nb\t-\xff\n")
    assert "not UTF-8" in err.message


def test_too_many_ngrams_names_the_line_past_the_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(align, "MAX_LM_NGRAMS", 2)
    err = _refused(tmp_path, "# lm\na\t-1\nb\t-1\nc\t-1\n")
    assert err.line == 4 and "MAX_LM_NGRAMS = 2" in err.message, str(err)


def test_a_million_lines(tmp_path: Path):
    # 10^6 lines, one n-gram and the rest comments: read; 10^6 distinct n-grams: refused at
    # the first one past MAX_LM_NGRAMS (100,000), line 100,001
    lines = ["a\t-0.5"] + ["# comment"] * (10**6 - 1)
    assert read_lm_file(_write(tmp_path, "\n".join(lines))) == {"a": -0.5}
    grams = [f"{i:07d}\t-1" for i in range(10**6)]
    err = _refused(tmp_path, "\n".join(grams))
    assert err.line == align.MAX_LM_NGRAMS + 1 and "MAX_LM_NGRAMS" in err.message


def test_the_blank_is_refused_without_an_alphabet(tmp_path: Path):
    err = _refused(tmp_path, "a\t-1\n-a\t-1\n", blank="-")
    assert (err.line, err.field) == (2, "lm.-a") and "blank '-'" in err.message, str(err)


@pytest.mark.parametrize(
    ("number", "hint"),
    [("−0.5", "U+2212 MINUS SIGN is not the minus sign '-'"), ("-0,5", "a decimal comma")],
)
def test_a_number_copied_from_a_pdf_gets_the_hint_files_and_flags_give(tmp_path, number, hint):
    # Found by hand: an --lm line "a<TAB>−0.5" was told only "expected a decimal number",
    # where a problem file or a flag names the U+2212 minus (or the decimal comma).
    err = _refused(tmp_path, f"a\t{number}\n", symbols=SYMBOLS, blank="-")
    assert hint in err.message, err.message
