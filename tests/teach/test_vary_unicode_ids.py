"""Student ids beyond ASCII in variant file names (``vary --ids``): letters and digits of any
script are kept (NFC), so two different ids never share a file; ids that still map to one
name are refused naming both ids and rows; ASCII ids keep the names they always had."""

from __future__ import annotations

import csv
import io
import unicodedata
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from rnnloss_cli.cli import app
from rnnloss_cli.errors import ProblemError
from rnnloss_cli.teach.vary import file_tag, read_roster

runner = CliRunner()


def _roster(tmp_path: Path, *ids: str) -> Path:
    f = tmp_path / "roster.csv"
    f.write_text("id\n" + "".join(f"{i}\n" for i in ids), encoding="utf-8")
    return f


@pytest.mark.parametrize(
    ("ident", "tag"),
    [
        # ASCII: today's rule, by hand: every character but A-Z a-z 0-9 . _ @ - becomes _
        ("s001", "s001"),
        ("a b", "a_b"),
        ("o'neil", "o_neil"),
        ("ana.b@x-y", "ana.b@x-y"),
        ("a/b\\c:d*e", "a_b_c_d_e"),
        # beyond ASCII: letters and digits kept, composed (NFC), anything else _
        ("日本", "日本"),
        ("Zoë", "Zoë"),
        ("Zoe\u0308", "Zoë"),  # e + combining diaeresis, composed to ë
        ("Ωμέγα", "Ωμέγα"),
        ("١٢٣", "١٢٣"),  # Arabic-Indic digits
        ("a😀b", "a_b"),  # an emoji is no letter
        ("日本 語", "日本_語"),
        ("a\u2215b", "a_b"),  # DIVISION SLASH, which looks like /
    ],
)
def test_file_tag(ident: str, tag: str):
    assert file_tag(ident) == tag
    assert unicodedata.is_normalized("NFC", file_tag(ident))


def test_two_cjk_ids_are_two_students(tmp_path: Path):
    # each was _ : "'中国' repeats ... row 2", exit 2
    assert read_roster(str(_roster(tmp_path, "日本", "中国"))) == ["日本", "中国"]


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("a b", "a_b"),  # both a_b
        ("ÄB", "äb"),  # one file on a case-insensitive file system
        ("Zoë", "Zoe\u0308"),  # one name composed, so one file
        ("\u212a1", "K1"),  # KELVIN SIGN composes to K
    ],
)
def test_ids_that_still_share_a_file_are_refused_naming_both(tmp_path: Path, first, second):
    with pytest.raises(ProblemError) as err:
        read_roster(str(_roster(tmp_path, first, second)))
    message = str(err.value)
    assert "row 3" in message and "row 2" in message, message
    assert repr(second) in message and repr(first) in message, message
    assert err.value.line == 3


def test_vary_and_grade_match_non_ascii_ids_to_their_own_variants(tmp_path: Path):
    roster, out = _roster(tmp_path, "日本", "中国", "Zoë", "s1"), tmp_path / "v"
    r = runner.invoke(
        app, ["vary", "problems/hello-variants.yaml", "--ids", str(roster), "-o", str(out)]
    )
    assert r.exit_code == 0, r.output
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(f"hello-variants-{i}.yaml" for i in ("日本", "中国", "Zoë", "s1"))
    key = {
        i: yaml.safe_load((out / f"hello-variants-{i}.yaml").read_text(encoding="utf-8"))["answer"][
            "exact"
        ]["value"]
        for i in ("日本", "中国", "Zoë", "s1")
    }
    # 日本 and Zoë answer their own variants right, 中国 answers its own wrong, and s1
    # answers 日本's variant: an answer to another student's variant earns nothing.
    answers = tmp_path / "answers.csv"
    answers.write_text(
        "student,problem,figure,value\n"
        f"日本,hello-variants-日本,exact,{key['日本']}\n"
        f"中国,hello-variants-中国,exact,{key['中国'] + 1}\n"
        f"Zoë,hello-variants-Zoë,exact,{key['Zoë']}\n"
        f"s1,hello-variants-日本,exact,{key['日本']}\n",
        encoding="utf-8",
    )
    report = tmp_path / "report.csv"
    r = runner.invoke(app, ["grade", str(out), str(answers), "-o", str(report)])
    assert r.exit_code == 0, r.output
    assert "hello-variants-日本 is the variant of 日本, not s1's" in r.output
    rows = {
        row["student"]: (row["earned"], row["possible"])
        for row in csv.DictReader(io.StringIO(report.read_text(encoding="utf-8")))
    }
    # hello-variants' key: exact, 2 points; one variant counts per student
    assert rows == {"日本": ("2", "2"), "中国": ("0", "2"), "Zoë": ("2", "2"), "s1": ("0", "2")}


def test_grade_matches_a_decomposed_id_and_problem_name_to_the_composed_variant(tmp_path: Path):
    # The roster writes Zoë composed (U+00EB); the answers CSV, saved on another system, writes
    # it as e + U+0308 in the id and in the problem's name. Before: "unknown problem" and Zoë
    # graded 0 of 2 as a second, different student.
    roster, out = _roster(tmp_path, "Zoë"), tmp_path / "v"
    r = runner.invoke(
        app, ["vary", "problems/hello-variants.yaml", "--ids", str(roster), "-o", str(out)]
    )
    assert r.exit_code == 0, r.output
    key = yaml.safe_load((out / "hello-variants-Zoë.yaml").read_text(encoding="utf-8"))
    value = key["answer"]["exact"]["value"]
    decomposed = "Zoe\u0308"
    assert unicodedata.normalize("NFC", decomposed) == "Zoë" != decomposed
    answers = tmp_path / "answers.csv"
    answers.write_text(
        f"student,problem,figure,value\n{decomposed},hello-variants-{decomposed},exact,{value}\n",
        encoding="utf-8",
    )
    report = tmp_path / "report.csv"
    r = runner.invoke(app, ["grade", str(out), str(answers), "-o", str(report)])
    assert r.exit_code == 0, r.output
    rows = {
        row["student"]: (row["earned"], row["possible"])
        for row in csv.DictReader(io.StringIO(report.read_text(encoding="utf-8")))
    }
    assert rows == {"Zoë": ("2", "2")}
