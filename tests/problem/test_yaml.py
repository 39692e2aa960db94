"""Reading YAML: one pass, both parsers, lines kept, limits on nesting, aliases and numbers.

The oracle for the data is ``yaml.safe_load`` itself (on text where YAML 1.1 and 1.2 agree);
the oracle for a line is the text, counted by hand in the comments.
"""

from __future__ import annotations

import tracemalloc

import pytest
import yaml

from rnnloss_cli import limits
from rnnloss_cli.errors import ProblemError
from rnnloss_cli.problem import load_problem
from rnnloss_cli.problem._yaml import load_yaml


def _load(text: str, loader: type):
    return load_yaml(text, "f.yaml", loader_class=loader)


def _error(text: str, loader: type) -> ProblemError:
    with pytest.raises(ProblemError) as info:
        _load(text, loader)
    return info.value


# ------------------------------------------------------------------ same data as safe_load
SAME_AS_SAFE_LOAD = [
    "kind: mse\ny: [1, -2, 3.5, +4, 0]\nyhat:\n  - 1.0\n  - -0.5e+1\n",
    # (017, 1:30 and yes, read otherwise by YAML 1.2, are refused: see the tests below)
    "a: [0x1F, .inf, -.inf, ~, null, true, 2001-12-14, '1', \"2\", !!float 3]",
    "a: &x [1, 2]\nb: *x\nc: {<<: {p: 1, q: 2}, q: 3}\nd: {<<: [{r: 1}, {r: 2, s: 3}]}\n",
    "- - - 1\n  - 2\n- x\n",
    "? a\n: b\n'quoted key': 2\n3: three\n",
    "text: |\n  one\n  two\nfolded: >\n  a\n  b\n",
    "# only a comment\n",
    "",
    "---\nkind: ctc\n...\n",
    "x: 1.\ny: 10.5e+3\nz: 'a: b'\n",
    "q: ['1.5', \"2.5\", !!str 3.5, 4.5]\n",  # quoted or tagged numbers stay text
]


@pytest.mark.parametrize("text", SAME_AS_SAFE_LOAD)
def test_data_is_what_safe_load_gives(text, loader):
    data, _ = _load(text, loader)
    assert data == yaml.safe_load(text)


def test_nan_stays_a_float_for_the_validators(loader):
    data, _ = _load("a: [.nan, .NaN]", loader)
    assert all(x != x for x in data["a"])  # NaN is the one float unequal to itself


# ------------------------------------------------------------------ YAML 1.2 floats
@pytest.mark.parametrize(
    "text, value",
    [("1e-5", 0.00001), ("2E3", 2000.0), ("-1E-3", -0.001), (".5e1", 5.0), ("1.0e5", 100000.0)],
)
def test_yaml12_floats_are_numbers(text, value, loader):
    data, _ = _load(f"a: {text}\nb: [{text}]\nc:\n  - {text}\n", loader)
    assert data == {"a": value, "b": [value], "c": [value]}


def test_yaml12_floats_do_not_change_pyyaml_for_others():
    load_yaml("a: 1e-5", "f.yaml")
    assert yaml.safe_load("a: 1e-5") == {"a": "1e-5"}  # YAML 1.1: a string, as before


def test_tolerance_1e_5_is_a_number(tmp_path):
    p = tmp_path / "p.yaml"
    p.write_text("kind: mse\ny: [1, 2E3]\nyhat: [1, 2]\ntolerance: 1e-5\n")
    problem = load_problem(str(p))
    assert problem.meta.tolerance == 0.00001
    assert problem.y.tolist() == [1.0, 2000.0]


# ------------------------------------------------------------------ lines
def test_lines_of_keys_items_and_nested_items(loader):
    text = (
        "kind: mse\n"  # 1
        "y:\n"  # 2
        "  - 1\n"  # 3
        "  - [2, 3]\n"  # 4
        "  -\n"  # 5
        "    - 4\n"  # 6
        "yhat: {a: 1,\n"  # 7
        "  b: 2}\n"  # 8
    )
    _, lines = _load(text, loader)
    assert lines.get(("kind",)) == 1 and lines.get(("y",)) == 2
    # the third item is the list that starts on line 6 (line 5 holds only its dash)
    assert [lines.get(("y", i)) for i in range(3)] == [3, 4, 6]
    assert lines.get(("y", 1, 0)) == 4 and lines.get(("y", 2, 0)) == 6
    assert lines.get(("yhat", "b")) == 8
    assert ("y", 3) not in lines and lines.get(("y", 3), -1) == -1
    assert ("y", 2, 0) in lines


def test_a_bad_item_deep_in_a_block_list_names_its_line(tmp_path):
    p = tmp_path / "p.yaml"
    p.write_text("kind: mse\ny:\n  - 1\n  - 2\n  - x\nyhat: [1, 2, 3]\n")
    with pytest.raises(ProblemError) as info:
        load_problem(str(p))
    assert (info.value.line, info.value.field) == (5, "y[2]")


# ------------------------------------------------------------------ nesting
DEEP = 100_000


@pytest.mark.parametrize(
    "text",
    [
        "[" * DEEP + "]" * DEEP,
        "{a: " * DEEP + "1" + "}" * DEEP,
        "- " * DEEP + "1\n",
        "y: " + "[" * DEEP + "1" + "]" * DEEP + "\n",
        # block mappings: 2 spaces a level, so 200 levels (the text grows with the square)
        "".join("  " * i + "a:\n" for i in range(200)) + "  " * 200 + "1\n",
    ],
    ids=["flow list", "flow map", "block list", "under a key", "block map"],
)
def test_deep_nesting_is_one_error_naming_the_limit(text, loader):
    err = _error(text, loader)
    assert f"nested deeper than {limits.MAX_NESTING} levels" in err.message
    assert "MAX_NESTING" in err.message
    assert err.file == "f.yaml" and err.line is not None


def test_block_nesting_error_names_the_line_where_the_limit_is_passed(loader):
    # "a:" at indentation i is on line i + 1; the mapping opened by line i + 1 is level i + 2
    # (the top-level mapping is level 1), so level MAX_NESTING + 1 starts at line MAX_NESTING.
    n = limits.MAX_NESTING
    text = "".join("  " * i + "a:\n" for i in range(n + 5)) + "  " * (n + 5) + "1\n"
    err = _error(text, loader)
    assert err.line == n + 1 and err.field == "a"


def test_nesting_at_the_limit_is_accepted(loader):
    n = limits.MAX_NESTING
    data, _ = _load("[" * n + "1" + "]" * n, loader)
    for _ in range(n):
        data = data[0]
    assert data == 1


# ------------------------------------------------------------------ numbers beyond float64
@pytest.mark.parametrize(
    "value",
    ["1" + "0" * 400, "-1" + "0" * 309, "1" * 5000, "1e400", "-2.5E+309", "0x" + "f" * 300],
    ids=["400 digits", "-1e309", "5000 digits", "1e400", "-2.5E+309", "hex"],
)
def test_number_beyond_float64_names_file_line_field(value, loader):
    err = _error(f"kind: mse\ny:\n  - 1\n  - {value}\n", loader)
    assert (err.file, err.line, err.field) == ("f.yaml", 4, "y[1]")
    assert "does not fit a float64 number (max about 1.8e308)" in err.message


def test_largest_float64_is_accepted(loader):
    data, _ = _load("a: [1.7976931348623157e308, 17976931348623157" + "0" * 292 + "]", loader)
    assert data["a"][0] == 1.7976931348623157e308 and data["a"][1] == 17976931348623157 * 10**292


def test_number_beyond_float64_in_a_file_via_load_problem(tmp_path):
    p = tmp_path / "p.yaml"
    p.write_text("kind: mse\ny: [1, 1" + "0" * 400 + "]\nyhat: [1, 2]\n")
    with pytest.raises(ProblemError) as info:
        load_problem(str(p))
    assert (info.value.line, info.value.field) == (2, "y[1]")
    assert "float64" in str(info.value)


# ------------------------------------------------------------------ kept behaviours
def test_duplicate_key(loader):
    err = _error("kind: mse\ny: [1]\ny: [2]\n", loader)
    assert (err.line, err.field) == (3, "y") and "duplicate" in err.message


def test_python_tag_is_refused(loader):
    err = _error("kind: !!python/object/apply:os.system ['true']\n", loader)
    assert err.line == 1 and "safe_load" in err.message and "python" in err.message


def test_two_documents_are_refused(loader):
    err = _error("kind: mse\n---\nkind: bce\n", loader)
    assert err.line == 2 and "single document" in err.message


@pytest.mark.parametrize(
    "text, words",
    [
        ("a: &a [1, *a]\n", "cycle"),
        ("a: *nowhere\n", "undefined alias"),
        ("[a, b]: 1\n", "key must be text or a number"),
    ],
)
def test_bad_aliases_and_keys(text, words, loader):
    assert words in _error(text, loader).message


def test_alias_bomb_is_refused_quickly(loader):
    # 10 items, then 9 levels each listing the previous 10 times: 10^9 numbers expanded.
    lines = ["a0: &a0 [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]"]
    for i in range(1, 10):
        lines.append(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]")
    tracemalloc.start()
    try:
        err = _error("\n".join(lines) + "\n", loader)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "MAX_YAML_VALUES" in err.message
    # Aliases are shared, never copied: 2^24 values copied before the refusal would take
    # hundreds of MB (a float object is 24 bytes, a list slot 8); the text is 1 KB.
    assert peak < 4 * 2**20
    # Refused at the alias that passes the limit, not after the document: a_i (line i + 1)
    # expands to about 1.1 x 10^(i+1) values (its list and 10 copies of a_{i-1}), so the
    # lines up to a6 (line 7) hold about 1.2 x 10^7 < 2^24 = 1.68 x 10^7, and the first
    # *a6 of line 8 adds 1.1 x 10^7 more: past the limit there.
    assert err.line == 8


def test_aliases_below_the_limit_are_shared_not_copied(loader):
    data, _ = _load("p: &p [0.5, 0.5]\nq: *p\n", loader)
    assert data["q"] == [0.5, 0.5]


def test_error_at_end_of_text_without_newline_names_a_real_line(loader):
    err = _error("kind: mse\ny: [1, 2", loader)
    assert err.line == 2 and "not valid YAML" in err.message


@pytest.mark.parametrize(
    "text, line, field",
    [
        ("y: [1e-400]\n", 1, "y[0]"),  # the fast path for numbers in a list
        ("y:\n  - 0.5\n  - -1.0e-400\n", 3, "y[1]"),
        ("tolerance: 2e-999\n", 1, "tolerance"),
    ],
)
def test_a_nonzero_number_below_float64_is_refused_not_read_as_zero(text, line, field, loader):
    err = _error(text, loader)
    assert (err.line, err.field) == (line, field), str(err)
    assert "too small for a float64" in err.message


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b"])
def test_a_control_character_is_one_line_with_its_line(char, loader):
    err = _error(f"kind: mse\ny: [1.0]\ntitle: a{char}b\n", loader)
    assert err.line == 3, str(err)
    assert "control character" in err.message and "\n" not in str(err)


# ------------------------------------------------------------------ YAML 1.1 readings refused
@pytest.mark.parametrize(
    "text, line, field, words",
    [
        # YAML 1.1 (PyYAML) reads these plain scalars otherwise than YAML 1.2 and than their
        # writer meant: they were read silently (target: 012 became the target "10", a
        # vocabulary word 1:30 the column "90", vocabulary: [yes, no] "expected a symbol")
        ("kind: ctc\ntarget: 012\n", 2, "target", "octal number in YAML 1.1 (read as 10)"),
        ("a: [1, 0777]\n", 1, "a[1]", "read as 511"),
        ("vocabulary:\n  - 1:30\n", 2, "vocabulary[0]", "base-60 number in YAML 1.1 (read as 90)"),
        ("x: 1:30.5\n", 1, "x", "(read as 90.5)"),
        ("vocabulary: [yes, no]\n", 1, "vocabulary[0]", "boolean true"),
        ("target: ON\n", 1, "target", "boolean true"),
        ("probs: {off: 0.5}\n", 1, "probs", "boolean false"),
        # YAML 1.1 skips '_' between digits (1_0 is 10, 1_0.5 is 10.5); YAML 1.2 reads text
        ("yhat: [1_0, 0.5]\n", 1, "yhat[0]", "as 10 (it skips '_'"),
        ("x: 1_0.5\n", 1, "x", "as 10.5 (it skips '_'"),
    ],
)
def test_yaml11_only_readings_are_refused_with_their_line(text, line, field, words, loader):
    err = _error(text, loader)
    assert (err.line, err.field) == (line, field), str(err)
    assert words in err.message and "quote it" in err.message, str(err)


@pytest.mark.parametrize(
    "text, value",
    [
        ("a: '012'", "012"),  # quoted: text, as written
        ('a: "yes"', "yes"),
        ("a: '1:30'", "1:30"),
        ("a: !!int 012", 10),  # tagged: the writer asked for YAML 1.1's reading
        ("a: true", True),  # the booleans YAML 1.1 and 1.2 agree on
        ("a: False", False),
        ("a: 0", 0),
        ("a: -0", 0),
        ("a: 0.5", 0.5),
        ("a: 0x1F", 31),
    ],
)
def test_quoted_tagged_and_unambiguous_scalars_still_read(text, value, loader):
    data, _ = _load(text, loader)
    assert data == {"a": value} and type(data["a"]) is type(value)


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("kind: mse\ny:\n\t- 1\n\t- 2\n", 3),  # a tab indents the list on line 3
        ("kind: mse\nanswer:\n  loss: 1\n\ttolerance: 0.1\n", 4),
    ],
)
def test_a_tab_used_as_indentation_is_named(text, line, loader):
    # the parser said only "found character that cannot start any token"; the character
    # is a tab, which a careless editor inserts and YAML never allows for indentation
    err = _error(text, loader)
    assert err.line == line, err
    assert "tab" in err.message and "spaces" in err.message, err.message
