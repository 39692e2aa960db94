"""Flag values -> numbers: integers stay exact, values beyond float64 are one-line errors."""

from __future__ import annotations

import math

import pytest

from rnnloss_cli.errors import ProblemError
from rnnloss_cli.flags import FLAGS_FILE, parse_mapping, parse_numbers


def test_numbers_vectors_and_matrices():
    assert parse_numbers("1, -2,3.5", "y") == [1, -2, 3.5]
    assert parse_numbers("0.1,0.9;0.8,0.2", "yhat") == [[0.1, 0.9], [0.8, 0.2]]
    assert parse_numbers("1e-5,2E3", "y") == [0.00001, 2000.0]


@pytest.mark.parametrize(
    "text",
    ["1,1" + "0" * 400, "1,-1" + "0" * 309, "1," + "9" * 5000, "1,1e400", "1,-2.5E+309"],
    ids=["400 digits", "-1e309", "5000 digits", "1e400", "-2.5E+309"],
)
def test_value_beyond_float64_is_a_problem_error(text):
    with pytest.raises(ProblemError) as info:
        parse_numbers(text, "y")
    err = info.value
    assert (err.file, err.field) == (FLAGS_FILE, "y[1]")  # the 2nd item
    assert "does not fit a float64 number (max about 1.8e308)" in err.message


def test_largest_integer_that_fits_is_kept_exact():
    big = 17976931348623157 * 10**292  # just under the largest float64, 1.7976931348623157e308
    assert parse_numbers(f"1,{big}", "y") == [1, big]


def test_written_nan_and_inf_pass_here_and_are_refused_as_not_finite_later():
    values = parse_numbers("nan,inf,-inf", "y")
    assert math.isnan(values[0]) and values[1:] == [math.inf, -math.inf]


def test_mapping_value_beyond_float64():
    with pytest.raises(ProblemError) as info:
        parse_mapping("A=0.5,B=1e999", "--probs")
    assert info.value.field == "--probs.B" and "float64" in info.value.message


def test_not_a_number():
    with pytest.raises(ProblemError) as info:
        parse_numbers("1,x", "y")
    assert "expected a number, got 'x'" in info.value.message


@pytest.mark.parametrize("text", ["1e-400", "-2.5E-330", "0.000001e-320", "9e-999"])
def test_value_below_float64_is_a_problem_error_not_zero(text):
    """A nonzero number that float() would read as 0.0 was taken as 0 silently
    (nll --yhat 1e-400,1 gave an infinite loss for a true loss of about 921)."""
    with pytest.raises(ProblemError) as info:
        parse_numbers(f"0.5,{text}", "yhat")
    assert (info.value.file, info.value.field) == (FLAGS_FILE, "yhat[1]")
    assert "too small for a float64" in info.value.message


@pytest.mark.parametrize("text", ["0", "0.0", "-0e5", "0.000e-400", "1e-320"])
def test_zero_and_subnormals_stay_numbers(text):
    assert parse_numbers(text, "y") == [float(text)]


def test_a_symbol_given_twice_is_refused():
    """--probs A=0.5,A=0.3 kept the last value silently (problem files refuse the duplicate)."""
    with pytest.raises(ProblemError) as info:
        parse_mapping("A=0.5,B=0.3,A=0.1", "--probs")
    assert "'A' is given twice" in info.value.message


@pytest.mark.parametrize(
    "text, hint",
    [
        # Python's float() reads all three: 1_000 as 1000, the Arabic-Indic ١ as 1; the
        # Unicode minus (from a PDF) it refuses, but the message did not say why
        ("1_000", "'_' between digits"),
        ("\u0661", "digits other than 0-9"),
        ("\u22121", "U+2212 MINUS SIGN"),
        ("0x10", ""),
    ],
)
def test_only_ascii_decimal_numbers_are_read(text, hint):
    with pytest.raises(ProblemError) as info:
        parse_numbers(f"0.5,{text}", "--yhat")
    assert info.value.field == "--yhat[1]"
    assert "expected a number" in info.value.message and hint in info.value.message


# ------------------------------------------------ the flag words of a problem file's message
def test_a_field_less_error_names_the_first_flag_its_message_names():
    from rnnloss_cli.flags import flag_where

    message = "missing field: give one of yhat, logits, log_probs"
    typed = {"y": "0,1", "yhat": None, "logits": None, "log_probs": None}
    assert flag_where(None, message, typed, {}) == "--yhat"  # was "the command line"


@pytest.mark.parametrize(
    ("message", "flag"),
    [
        # exact CTC implied by --show beta, not typed as --method: the flag to change
        (
            "method 'exact' is not possible: the number of frames is unknown: give 'frames: T'",
            "--frames",
        ),
        (
            "method 'exact' is not possible: the per-frame probabilities sum to 1.1, not 1",
            "--probs",
        ),
    ],
)
def test_an_implied_method_names_the_flag_at_fault(message, flag):
    from rnnloss_cli.flags import flag_where

    typed = {"target": "A", "probs": "A=0.5,-=0.5", "method": None, "frames": None}
    assert flag_where("method", message, typed, {}) == flag  # was --probs for both


def test_one_row_matrix_frame_error_names_the_flag_not_an_item():
    from rnnloss_cli.flags import flag_where

    # "0.5,0.6" (no ';') is frame 1 of a T = 1 matrix: "emissions[0]" is that frame, not item 1
    typed = {"emissions": "0.5,0.6"}
    got = flag_where("emissions[0]", "frame 1 sums to 1.1", typed, {}, ("emissions",))
    assert got == "--emissions"


@pytest.mark.parametrize(
    ("message", "words"),
    [
        ("logits needs 'symbols: [...]' naming its columns", "logits needs --symbols naming"),
        ("sums to 1.1 (give 'logits' instead to have softmax applied)", "(give --logits instead"),
        ("missing field: give one of yhat, logits, log_probs", "give one of --yhat, --logits, "),
        ("the blank '-' is missing from symbols", "is missing from --symbols"),
        ("expected 2 entries (like yhat), got 3", "(like --yhat)"),
        ("(choose another blank symbol with 'blank:')", "with --blank)"),
        ("map each label l to 2*l - 1, i.e. y: [1, -1]", "i.e. --y 1,-1"),
        ("missing field 'actions'", "required, not given"),
        # the sequence kinds' padding messages and the columns-vs-symbols count
        ("expected 1 length (one per sequence of yhat), got 3", "(one per sequence of --yhat)"),
        ("has length 2, longer than the T = 1 steps of yhat", "the T = 1 steps of --yhat"),
        ("mask has shape (2,), expected (1,) (T, one 0/1 per step of yhat)", "step of --yhat)"),
        ("every step is padding (lengths): 0 / 0 has no value", "padding (--lengths): 0 / 0"),
        ("give at least one real step, or reduction: sum", "or --reduction sum"),
        (
            "logits has 2 columns but 3 symbols are named",
            "logits has 2 columns but --symbols names 3",
        ),
    ],
)
def test_yaml_words_become_flags(message, words):
    from rnnloss_cli.flags import flag_words

    keys = ("y", "yhat", "logits", "log_probs", "symbols", "blank", "actions", "emissions")
    keys += ("lengths", "mask", "reduction")
    got = flag_words(message, "emissions", keys, {})
    assert words in got, got


@pytest.mark.parametrize(
    "message",
    [
        "row 2: ragged rows: row 2 has 1 entries but row 1 has 2",  # 'row' is no field
        "expected (2,) (one per step)",  # a parenthesis of words, not a field
        "expected a number, got 'reduction: sum'",  # a value echoed back stays as typed
        "reduction mean divides by the number of unpadded steps",  # a value, not 'key: value'
    ],
)
def test_words_that_are_not_yaml_spellings_stay(message):
    from rnnloss_cli.flags import flag_words

    keys = ("yhat", "lengths", "mask", "reduction", "symbols")
    assert flag_words(message, "yhat", keys, {}) == message


def test_spaces_around_a_mapping_s_symbols_are_not_part_of_them():
    # Found by hand: `ctc --target AB --probs 'A=0.5, B=0.3, -=0.2' -T 3` said "the blank
    # '-' is missing from --probs": the keys were ' B' and ' -' (a symbol never holds a
    # space, and --symbols, --lexicon and --alignment are read without them).
    assert parse_mapping("A=0.5, B=0.3 , -=0.2", "--probs") == {"A": 0.5, "B": 0.3, "-": 0.2}
    with pytest.raises(ProblemError, match="given twice"):
        parse_mapping("A=0.5, A =0.3", "--probs")
    from typer.testing import CliRunner

    from rnnloss_cli.cli import app

    spaced = ["ctc", "--target", "AB", "--probs", "A=0.5, B=0.3, -=0.2", "-T", "3"]
    plain = ["ctc", "--target", "AB", "--probs", "A=0.5,B=0.3,-=0.2", "-T", "3"]
    r, s = CliRunner().invoke(app, spaced), CliRunner().invoke(app, plain)
    assert r.exit_code == 0, r.output
    assert r.output == s.output
