"""Hostile problem files found by the hardening audit; each test was seen failing first."""

from __future__ import annotations

import pytest

from rnnloss_cli import limits
from rnnloss_cli.errors import ProblemError
from rnnloss_cli.problem._yaml import load_yaml


def _error(text: str, loader: type) -> ProblemError:
    with pytest.raises(ProblemError) as info:
        load_yaml(text, "f.yaml", loader_class=loader)
    return info.value


@pytest.mark.parametrize(
    "text, field, read",
    [
        # YAML 1.1 reads 0b101 as binary 1x4 + 0x2 + 1x1 = 5; YAML 1.2's core schema has no
        # binary integers (only 0o and 0x), so there it is the text "0b101". It was read as 5.
        ("y: [0b101, 1]\n", "y[0]", 5),
        ("x: -0b1_1\n", "x", -3),  # -(1x2 + 1x1) = -3, '_' skipped by YAML 1.1
    ],
)
def test_a_yaml11_binary_integer_is_refused(text, field, read, loader):
    err = _error(text, loader)
    assert (err.line, err.field) == (1, field), str(err)
    assert f"binary number in YAML 1.1 (read as {read})" in err.message, str(err)
    assert "quote it" in err.message


def test_a_file_of_too_many_plain_values_does_not_blame_aliases(monkeypatch, loader):
    """A file with no alias at all that passes MAX_YAML_VALUES (a 50 MB list of numbers)
    was told "more than ... values once aliases (*name) are expanded"."""
    monkeypatch.setattr(limits, "MAX_YAML_VALUES", 10)
    err = _error("y: [" + ", ".join(["1.5"] * 20) + "]\n", loader)
    assert "MAX_YAML_VALUES = 10" in err.message and "alias" not in err.message, str(err)
    err = _error("a: &a [1, 2, 3, 4]\nb: [*a, *a, *a]\n", loader)
    assert "aliases (*name) are expanded" in err.message, str(err)


TEXT = "kind: mse\ny: [1, 2]\nyhat: [1.5, 2]\n"


@pytest.mark.parametrize(
    "encoding, words",
    [
        # with a byte-order mark: it was "not UTF-8 text: byte 0xff at offset 0"
        ("utf-16", "UTF-16 text"),
        ("utf-32", "UTF-32 text"),
        # without one, ASCII letters with a NUL byte beside each: it was "not valid YAML:
        # the control character U+0000 is not allowed"
        ("utf-16-le", "UTF-16 text"),
        ("utf-16-be", "UTF-16 text"),
    ],
)
def test_a_utf16_or_utf32_file_is_named_as_such(tmp_path, encoding, words):
    from rnnloss_cli.problem import load_problem

    path = tmp_path / "p.yaml"
    path.write_bytes(TEXT.encode(encoding))
    with pytest.raises(ProblemError) as info:
        load_problem(str(path))
    assert words in info.value.message and "save the file as UTF-8" in info.value.message
    assert "\n" not in str(info.value)


def test_a_utf8_file_with_one_nul_byte_is_still_a_control_character(tmp_path):
    from rnnloss_cli.problem import load_problem

    path = tmp_path / "p.yaml"
    path.write_bytes(b"kind: mse\ntitle: a\x00b\ny: [1]\nyhat: [1]\n")
    with pytest.raises(ProblemError, match="control character U\\+0000"):
        load_problem(str(path))


def test_a_name_too_long_is_not_called_missing(tmp_path):
    """A 5,000-character file name was "no such file or folder"; the system says why."""
    from rnnloss_cli.problem import problem_files

    name = str(tmp_path / ("a" * 5000 + ".yaml"))
    with pytest.raises(ProblemError) as info:
        problem_files([name])
    assert "no such file" not in info.value.message
    assert "too long" in info.value.message.lower(), info.value.message
    with pytest.raises(ProblemError, match="no such file or folder"):
        problem_files([str(tmp_path / "missing.yaml")])


@pytest.mark.parametrize(
    "key, shown",
    [("1", "int 1"), ("~", "nothing (null)"), ("1.5", "float 1.5"), ("true", "a boolean (true)")],
)
def test_a_key_that_is_not_text_is_named_as_what_it_is(tmp_path, key, shown):
    """``1: 1`` was "field '[1]': unknown field" (written like the item of a list) and
    ``~: 1`` "field 'None'"; the key is named as YAML read it, at its own line."""
    from rnnloss_cli.problem import load_problem

    path = tmp_path / "p.yaml"
    path.write_text(f"kind: mse\ny: [1]\n{key}: 1\nyhat: [1]\n")
    with pytest.raises(ProblemError) as info:
        load_problem(str(path))
    err = info.value
    assert err.line == 3, str(err)
    assert f"a field name must be text, got {shown}" in err.message, str(err)
    assert err.field is None, str(err)


@pytest.mark.parametrize("field", ["title", "source", "notes"])
def test_a_title_source_or_notes_past_the_limit_is_refused(tmp_path, field):
    """A 10 MB title was printed whole by every page (solve, a LaTeX sheet of 43 MB in
    11 s, vary copying it into each variant); MAX_META_CHARS characters are accepted."""
    from rnnloss_cli.problem import load_problem

    path = tmp_path / "p.yaml"
    body = "kind: mse\ny: [1]\nyhat: [1]\n"
    path.write_text(body + f"{field}: {'x' * limits.MAX_META_CHARS}\n")
    assert len(getattr(load_problem(str(path)).meta, field)) == limits.MAX_META_CHARS
    path.write_text(body + f"{field}: {'x' * (limits.MAX_META_CHARS + 1)}\n")
    with pytest.raises(ProblemError) as info:
        load_problem(str(path))
    err = info.value
    assert (err.line, err.field) == (4, field), str(err)
    assert "MAX_META_CHARS" in err.message and len(str(err)) < 300, str(err)
