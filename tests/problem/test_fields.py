"""Fields: number and array checks (vectorised, first bad item named), row-sum messages."""

from __future__ import annotations

import numpy as np
import pytest

from rnnloss_cli.engine._numerics import describe_row_sum
from rnnloss_cli.errors import ProblemError
from rnnloss_cli.problem import load_problem, parse_problem
from rnnloss_cli.problem.fields import Fields


def _fields(data) -> Fields:
    return Fields({"x": data}, {}, "f.yaml")


def _array_error(data, **kw) -> ProblemError:
    with pytest.raises(ProblemError) as info:
        _fields(data).array("x", **kw)
    return info.value


# ------------------------------------------------------------------ arrays: the first bad item
@pytest.mark.parametrize(
    "data, kw, field, words",
    [
        ([1, True, "a"], {}, "x[1]", "boolean"),
        ([1, 2, None], {}, "x[2]", "null"),
        ([1.0, float("nan"), float("inf")], {}, "x[1]", "finite"),
        ([0.5, 1.5, -1.0], {"low": 0.0, "high": 1.0}, "x[1]", "[0.0, 1.0]"),
        ([[0.5, 0.5], [0.2, -0.1]], {"low": 0.0}, "x[1][1]", "[0.0, inf]"),
        (
            [0, 1, 2.5],
            {"integer": True},
            "x[2]",
            "expected an integer between -(2^63 - 1) and 2^63 - 1, got 2.5",
        ),
        ([0, 10**19], {"integer": True}, "x[1]", "2^63"),
        ([1, 10**400], {}, "x[1]", "does not fit a float64 number"),
        ([1, -(10**5000)], {}, "x[1]", "does not fit a float64 number"),
    ],
)
def test_array_names_the_first_bad_item(data, kw, field, words):
    err = _array_error(data, **kw)
    assert err.field == field and words in err.message, str(err)


def test_array_values_and_dtypes():
    f = Fields({"a": [[1, 2.5], [3, 4]], "i": [0, 2, 2.0], "b": [0, 2**60]}, {}, "f.yaml")
    a = f.array("a")
    assert a.dtype == np.float64 and a.tolist() == [[1.0, 2.5], [3.0, 4.0]]
    i = f.array("i", integer=True)
    assert i.dtype == np.int64 and i.tolist() == [0, 2, 2]
    b = f.array("b", integer=True)  # 2^60 + 0 is exact in int64, not in float64 arithmetic
    assert b.tolist() == [0, 2**60]


def test_numpy_scalars_still_count_as_numbers():
    assert _fields([np.float64(0.5), 1]).array("x").tolist() == [0.5, 1.0]


def test_huge_integer_through_the_python_api_is_a_problem_error():
    with pytest.raises(ProblemError) as info:
        parse_problem({"kind": "mse", "y": [1, 10**400], "yhat": [1, 2]}, {}, "<api>")
    assert info.value.field == "y[1]" and "float64" in info.value.message


def test_whole_number_field_beyond_int64_is_a_problem_error(tmp_path):
    p = tmp_path / "p.yaml"
    # 1.0e+300 is a whole float (and a float in YAML 1.1 too), far beyond int64
    p.write_text("kind: sequence\nyhat:\n  - [0.5, 0.5]\ntargets: [0]\nlengths: 1.0e+300\n")
    with pytest.raises(ProblemError) as info:
        load_problem(str(p))
    assert (info.value.line, info.value.field) == (5, "lengths")


# ------------------------------------------------------------------ row sums
@pytest.mark.parametrize(
    "total, text",
    [
        (1.0000021, "1.0000021"),  # 6 digits would print "1"
        (0.99999999, "0.99999999"),  # 6 and 7 digits round to 1; 8 digits do not
        (0.9, "0.9"),
        (1.1, "1.1"),
        (2.8, "2.8"),
        (1 + 2**-52, "1.0000000000000002"),  # the float just above 1 needs 17 digits
    ],
)
def test_row_sum_text_differs_from_one(total, text):
    assert describe_row_sum(total, 1e-6).startswith(f"sums to {text}, expected 1")


def test_row_sum_message_shows_the_difference_and_the_tolerance(tmp_path):
    # 0.5000021 + 0.4999999 + 0.0000001 = 1.0000021: off by 2.1e-6 > 1e-6
    p = tmp_path / "p.yaml"
    p.write_text("kind: cce\ny: [0]\nyhat: [0.5000021, 0.4999999, 0.0000001]\n")
    with pytest.raises(ProblemError) as info:
        load_problem(str(p))
    msg = info.value.message
    assert "sums to 1.0000021, expected 1 (|sum - 1| = 2.1e-06 > tolerance 1e-06)" in msg, msg


def test_sequence_row_sum_message(tmp_path):
    # row t=2: 0.3 + 0.7000032 = 1.0000032, shown with the two digits of the deviation
    p = tmp_path / "p.yaml"
    p.write_text("kind: sequence\nyhat:\n  - [0.5, 0.5]\n  - [0.3, 0.7000032]\ntargets: [0, 1]\n")
    with pytest.raises(ProblemError) as info:
        load_problem(str(p))
    assert (info.value.line, info.value.field) == (4, "yhat[1]")
    assert (
        "row t=2 of yhat sums to 1.0000032, expected 1 (|sum - 1| = 3.2e-06 > tolerance 1e-06)"
        in info.value.message
    )


def test_weighted_mean_over_true_classes_of_weight_zero_is_refused(tmp_path):
    # y = (0, 1) with weight (0, 0, 1): Σ_i w[y_i] = 0 + 0 = 0, so the mean is 0/0
    p = tmp_path / "p.yaml"
    p.write_text(
        "kind: cce\ny: [0, 1]\nlogits: [[1, 2, 0], [0, 1, 2]]\nweight: [0, 0, 1]\nreduction: mean\n"
    )
    with pytest.raises(ProblemError) as info:
        load_problem(str(p))
    assert (info.value.line, info.value.field) == (4, "weight")
    assert "sum to 0" in info.value.message


def test_rows_of_rows_of_different_widths_in_different_rows_are_one_error(tmp_path):
    """yhat[0] holds rows of 2 and yhat[1] rows of 3: each row is rectangular on its own, so
    the check that compared widths within one row let it through to numpy (exit 4)."""
    from rnnloss_cli.errors import ProblemError
    from rnnloss_cli.problem import load_problem

    f = tmp_path / "p.yaml"
    f.write_text(
        "kind: sequence\n"
        "yhat:\n"
        "  - [[0.5, 0.5], [0.5, 0.5]]\n"
        "  - [[0.2, 0.3, 0.5], [0.2, 0.3, 0.5]]\n"
        "targets: [[0, 1], [0, 1]]\n"
    )
    with pytest.raises(ProblemError) as err:
        load_problem(str(f))
    text = str(err.value)
    assert ":4:" in text and "yhat[1][0]" in text and "3" in text and "2" in text, text


def test_a_row_of_numbers_where_the_first_row_holds_rows(tmp_path):
    """yhat[0] holds a row, yhat[1] a number at the same depth: numpy's TypeError (exit 4)."""
    from rnnloss_cli.errors import ProblemError
    from rnnloss_cli.problem import load_problem

    f = tmp_path / "p.yaml"
    f.write_text("kind: sequence\nyhat:\n  - [[0.5, 0.5]]\n  - [0.5]\ntargets: [[0], [0]]\n")
    with pytest.raises(ProblemError) as err:
        load_problem(str(f))
    assert ":4:" in str(err.value) and "yhat[1][0]" in str(err.value), str(err.value)


def test_a_long_text_in_place_of_a_value_is_cut_in_the_message(tmp_path):
    # A `custom` term's file: /etc/passwd read as YAML is one long string, and "expected a
    # mapping ..., got str '<the whole file>'" made a line of its whole content (64 MiB at most).
    path = tmp_path / "long.yaml"
    path.write_text("kind: mse\ny: " + "a" * 100_000 + "\nyhat: [1]\n")
    with pytest.raises(ProblemError) as info:
        load_problem(str(path))
    message = str(info.value)
    assert len(message) < 300, message
    assert "got str 'aaaa" in message and "(100,000 characters)" in message, message


@pytest.mark.parametrize(
    "item, hint",
    [
        ("−0.5", "U+2212 MINUS SIGN"),  # copied from a PDF or a word processor
        ("0.5−", "U+2212 MINUS SIGN"),
        ("–1", "U+2013 EN DASH"),
        ("0.5", "quotes make it text"),  # a quoted number
        ("1,5", "decimal comma"),
        # plain nan / inf are text in YAML (its NaN is .nan): no quotes were written
        ("nan", "not a finite number"),
        ("inf", "not a finite number"),
        ("-Infinity", "not a finite number"),
    ],
)
def test_a_number_written_as_text_gets_a_hint(item, hint):
    err = _array_error([1, item])
    assert err.field == "x[1]" and hint in err.message, str(err)
    if item.lstrip("-").lower() in ("nan", "inf", "infinity"):
        assert "quotes" not in err.message, str(err)


@pytest.mark.parametrize("spelling", ["0E0", "1.50", "2.10", "1e-5", "-0", "12"])
def test_a_number_given_as_text_keeps_its_spelling(tmp_path, spelling):
    # title: 1.50 is a number to YAML, but a title is text: it reads as written, not as
    # str(1.5). PyYAML's safe_dump writes the string "0E0" plain (to YAML 1.1 it is text), so
    # a file it wrote must read back the same title.
    import yaml

    f = tmp_path / "t.yaml"
    f.write_text(f"kind: hinge\ntitle: {spelling}\ny: [1]\nyhat: [0.5]\n", encoding="utf-8")
    assert load_problem(str(f)).meta.title == spelling
    f.write_text(yaml.safe_dump({"kind": "hinge", "title": "0E0", "y": [1], "yhat": [0.5]}))
    assert load_problem(str(f)).meta.title == "0E0"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        # 'Kind' was "missing required field 'kind'"; 'Y' had no hint (too short for difflib)
        ({"Kind": "mse", "y": [1], "yhat": [1]}, "write 'kind', not 'Kind'"),
        ({"kind": "mse", "Y": [1], "y": [1], "yhat": [1]}, "did you mean 'y'?"),
        ({"kind": "mse", "YHAT": [1], "y": [1]}, "did you mean 'yhat'?"),
    ],
)
def test_a_field_name_in_other_capitals_is_named(data, message):
    with pytest.raises(ProblemError, match=message):
        parse_problem(data, {}, "<test>")
