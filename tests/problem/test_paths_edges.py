"""Input edges: what a too-large file is named as, YAML's 1024-character keys, and the
values limit counted while parsing. Each test was seen failing before its fix."""

from __future__ import annotations

import pytest
import yaml

from rnnloss_cli import limits
from rnnloss_cli.errors import ProblemError
from rnnloss_cli.problem import read_text
from rnnloss_cli.problem._yaml import load_yaml


def _refused(text: str, loader: type) -> ProblemError:
    with pytest.raises(ProblemError) as info:
        load_yaml(text, "f.yaml", loader_class=loader)
    return info.value


# ------------------------------------------------------------------ what was being read
def test_a_too_large_file_is_named_as_what_was_read(tmp_path, monkeypatch):
    """``ctc decode --lm /dev/zero`` said "problem files hold a few numbers"."""
    monkeypatch.setattr(limits, "MAX_FILE_BYTES", 10)
    big = tmp_path / "lm.txt"
    big.write_text("a\t-0.5\n" * 3)  # 21 bytes > 10
    with pytest.raises(ProblemError) as info:
        read_text(str(big), what="language model file")
    assert "language model file" in info.value.message
    assert "problem file" not in info.value.message
    with pytest.raises(ProblemError) as info:
        read_text(str(big))
    assert "problem files hold" in info.value.message  # a problem file's own words


def test_a_folder_is_named_as_what_was_expected(tmp_path):
    with pytest.raises(ProblemError) as info:
        read_text(str(tmp_path), what="language model file")
    assert info.value.message == "is a folder; give a language model file"


# ------------------------------------------------------------------ 1024-character keys
LONG = "k" * 1100  # 1100 characters: past YAML's 1024 for a simple key


@pytest.mark.parametrize(
    "text, line, chars",
    [
        (f"kind: mse\n{LONG}: 1\n", 2, "1,100"),  # block mapping: "could not find expected ':'"
        (f"{{kind: mse, {LONG}: 1}}\n", 1, "1,100"),  # flow mapping: "did not find expected ','"
        # quoted: "mapping values are not allowed"; the key as written, 1100 + 2 quotes
        (f'kind: mse\n"{LONG}": 1\n', 2, "1,102"),
        (f"y:\n  - {LONG}: 1\n", 2, "1,100"),  # a list item's mapping
        (f"kind: mse\n{'é' * 1100}: 1\n", 2, "1,100"),  # columns count characters, not bytes
    ],
)
def test_a_key_over_1024_characters_names_the_limit(loader, text, line, chars):
    err = _refused(text, loader)
    assert "1024 characters" in err.message and f"{chars} characters" in err.message, err.message
    assert err.line == line
    assert "\n" not in err.message


def test_a_key_of_1024_characters_or_less_is_not_blamed(loader):
    """A short key before a missing ':' keeps the parser's own words."""
    err = _refused("kind: mse\nkey\nnext: 1\n", loader)
    assert "1024" not in err.message


# ------------------------------------------------------------------ values counted as read
@pytest.mark.parametrize("number", ["1.5", "2", "-3e2"])
def test_past_max_yaml_values_a_file_is_refused_where_the_count_passes(loader, monkeypatch, number):
    """A list of plain numbers (the parser's fast path) was counted but compared with the
    limit only after the whole file was parsed: a 50 MB list took the full parse before its
    refusal, which named the end of the file. Limit 10 here: the mapping (1), the key y (2),
    the list (3), then items 4, 5, ..., 11: the 8th item passes it, on line 1 + 8 = 9."""
    monkeypatch.setattr(limits, "MAX_YAML_VALUES", 10)
    text = "y:\n" + f"- {number}\n" * 100  # item i (from 1) on line 1 + i
    err = _refused(text, loader)
    assert "MAX_YAML_VALUES = 10" in err.message, err.message
    assert err.line == 9


@pytest.mark.parametrize("number", ["0", "-7", "123456789012345", "1.5", "2.0e+3"])
def test_plain_numbers_in_a_list_read_as_the_safe_loader_reads_them(loader, number):
    """The fast path keeps each number's type (an int stays an int) and line."""
    text = f"y: [{number}, {number}]\nz:\n  - {number}\n"
    data, lines = load_yaml(text, "f.yaml", loader_class=loader)
    expected = yaml.safe_load(text)
    assert data == expected
    assert [type(v) for v in data["y"] + data["z"]] == [type(expected["z"][0])] * 3
    assert lines.get(("y", 1)) == 1 and lines.get(("z", 0)) == 3
