"""Variants: exact distributions, determinism, constraints, keys checked by hand formulas."""

from __future__ import annotations

import random
from fractions import Fraction
from pathlib import Path

import pytest
import yaml

from rnnloss_cli.errors import ProblemError
from rnnloss_cli.problem import load_problem, parse_problem
from rnnloss_cli.solve import solve
from rnnloss_cli.teach.vary import (
    decimals_of,
    default_variation,
    draw_distribution,
    make_variants,
    read_roster,
    target_fits_frames,
)

_ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("n,decimals", [(2, 1), (3, 1), (5, 2), (10, 1), (7, 3)])
def test_distributions_sum_to_exactly_one(n: int, decimals: int):
    for seed in range(200):
        probs = draw_distribution(random.Random(seed), n, decimals)
        assert len(probs) == n
        # Read back as decimals (what the YAML file holds): the sum is exactly 1.
        assert sum(Fraction(repr(p)) for p in probs) == 1
        assert all(p >= 10**-decimals for p in probs)
        assert all(decimals_of(p) <= decimals for p in probs)


def test_too_many_symbols_for_the_decimals_is_refused():
    with pytest.raises(ValueError):
        draw_distribution(random.Random(0), 11, 1)


def test_target_fits_frames():
    # LL needs L, blank, L: 3 frames.
    assert target_fits_frames({"target": "LL", "frames": 2}) is not None
    assert target_fits_frames({"target": "LL", "frames": 3}) is None
    assert target_fits_frames({"target": "LO", "frames": 2}) is None


def test_default_variation_keeps_whole_numbers_and_varies_decimals():
    data = {"kind": "hinge", "y": [1, -1, 1], "yhat": [0.8, -0.5, 0.3], "answer": {"loss": 0.467}}
    seen = set()
    for seed in range(20):
        v = default_variation(data, random.Random(seed))
        assert v["y"] == [1, -1, 1] and v["answer"] == {"loss": 0.467}
        # Signs kept, one decimal kept.
        assert v["yhat"][0] > 0 and v["yhat"][1] < 0 and v["yhat"][2] > 0
        assert all(decimals_of(x) <= 1 for x in v["yhat"])
        seen.add(tuple(v["yhat"]))
    assert len(seen) > 5


def test_a_row_that_sums_to_one_stays_a_distribution():
    v = default_variation({"yhat": [[0.8, 0.1, 0.1], [0.0, 0.0, 0.0]]}, random.Random(3))
    assert sum(Fraction(repr(p)) for p in v["yhat"][0]) == 1
    assert v["yhat"][1] == [0.0, 0.0, 0.0]  # a padded row is not a distribution: kept


def test_same_seed_same_bytes_other_seed_other_numbers():
    a = make_variants("problems/hello.yaml", seed=1, count=5)
    b = make_variants("problems/hello.yaml", seed=1, count=5)
    c = make_variants("problems/hello.yaml", seed=2, count=5)
    assert [v.text for v in a] == [v.text for v in b]
    assert all(x.data["alignments"] != y.data["alignments"] for x, y in zip(a, c, strict=False))


@pytest.mark.parametrize("path", ["problems/hello.yaml", "problems/hello-variants.yaml"])
def test_every_variant_passes_its_check(path: str, tmp_path):
    for v in make_variants(path, seed=7, count=15):
        f = tmp_path / f"{v.ident}.yaml"
        f.write_text(v.text)
        result = solve(load_problem(str(f)))
        assert result.checks and result.ok
        assert "vary" not in v.data
        assert v.data["source"].endswith("key computed by rnnloss")


def test_a_variant_key_matches_the_hinge_formula():
    # Hinge mean: (1/N) sum max(0, 1 - y*yhat), computed here from the variant's own numbers.
    for v in make_variants("problems/hinge-sequence.yaml", seed=3, count=10):
        y, yhat = v.data["y"], v.data["yhat"]
        terms = [max(0.0, 1 - a * b) for a, b in zip(y, yhat, strict=False)]
        assert abs(v.data["answer"]["loss"] - sum(terms) / len(terms)) < 1e-4
        assert abs(v.data["answer"]["sum"] - sum(terms)) < 1e-4


def test_vary_block_rules_and_points():
    variants = make_variants("problems/hello-variants.yaml", seed=1, count=30)
    for v in variants:
        d = v.data
        assert set(d["target"]) <= set("HELO") and 2 <= len(d["target"]) <= 3
        assert d["frames"] in (3, 4, 5)
        assert target_fits_frames(d) is None
        assert sum(Fraction(repr(p)) for p in d["probs"].values()) == 1
        assert d["answer"]["exact"]["points"] == 2  # the template's points are kept
    assert len({v.data["target"] for v in variants}) > 3


def test_a_student_variant_depends_on_the_id_not_the_roster():
    a = make_variants("problems/hello-variants.yaml", seed=4, ids=["s1", "s2"])
    b = make_variants("problems/hello-variants.yaml", seed=4, ids=["s9", "s2"])
    assert a[1].text == b[1].text
    assert a[0].text != a[1].text


def test_roster(tmp_path):
    f = tmp_path / "roster.csv"
    f.write_text("name,id\nAna,s1\nBen,s2\n")
    assert read_roster(str(f)) == ["s1", "s2"]
    f.write_text("name,id\nAna,s1\nBen,s1\n")
    with pytest.raises(ProblemError, match="row 3"):
        read_roster(str(f))


@pytest.mark.parametrize(
    "block,message",
    [
        ("{yhat: {range: [1]}}", "range: expected"),
        ("{yhat: {range: [0, 1], spread: 2}}", "unknown key"),
        ("{answer: {range: [0, 1], step: 0.1}}", "not a given"),
        ("{constraints: [fits]}", "unknown constraint"),
        ("{constraints: [[1]]}", "unknown constraint"),  # unhashable: was exit 4
        ("{constraints: {a: 1}}", "unknown constraint"),
        ("{yhat: {choice: []}}", "choice"),
        ("{target: {alphabet: AB, length: [1, 100000000]}}", "MAX_VARY_LENGTH"),
    ],
)
def test_bad_vary_blocks_name_the_rule(block: str, message: str, tmp_path):
    text = (_ROOT / "problems/hinge-sequence.yaml").read_text() + f"vary: {block}\n"
    f = tmp_path / "t.yaml"
    f.write_text(text)
    with pytest.raises(ProblemError, match=message) as err:
        make_variants(str(f), seed=1, count=1)
    assert "vary" in str(err.value)


def test_impossible_constraints_stop_with_the_limit(tmp_path):
    text = (
        "kind: ctc\nmethod: exact\ntarget: HE\nprobs: {H: 0.4, E: 0.3, '-': 0.3}\nframes: 3\n"
        "vary:\n  target: {alphabet: H, length: [3, 3]}\n  constraints: [target_fits_frames]\n"
    )
    f = tmp_path / "t.yaml"
    f.write_text(text)
    with pytest.raises(ProblemError, match="MAX_VARY_TRIES"):
        make_variants(str(f), seed=1, count=1)


@pytest.mark.parametrize(
    "head",
    [
        "kind: ctc\nmethod: exact\ntarget: HE\nprobs: {H: 0.4, E: 0.3, '-': 0.3}\nframes: 4\n",
        "kind: ctc\nmethod: exact\ntarget: HE\nblank: _\nprobs: {H: 0.4, E: 0.3, _: 0.3}\n"
        "frames: 4\n",
    ],
)
def test_an_alphabet_holding_the_blank_is_refused_at_its_rule(tmp_path, head):
    # every draw using the blank was refused in silence: 20 variants of target HH, exit 0
    blank = "_" if "blank: _" in head else "-"
    text = head + f"vary:\n  target: {{alphabet: 'H{blank}', length: [2, 3]}}\n"
    f = tmp_path / "t.yaml"
    f.write_text(text)
    with pytest.raises(ProblemError, match=f"the alphabet holds the blank '{blank}'") as err:
        make_variants(str(f), seed=1, count=3)
    assert err.value.line == 7 + (blank == "_")


def test_variants_that_are_all_one_problem_are_said_so(tmp_path):
    from typer.testing import CliRunner

    from rnnloss_cli.cli.app import app

    text = (
        "kind: ctc\nmethod: exact\ntarget: HE\nprobs: {H: 0.4, E: 0.3, '-': 0.3}\nframes: 3\n"
        "vary:\n  target: {choice: [EH, HHHH]}\n  constraints: [target_fits_frames]\n"
    )
    f = tmp_path / "t.yaml"
    f.write_text(text)
    r = CliRunner().invoke(app, ["vary", str(f), "--count", "4", "-o", str(tmp_path / "out")])
    assert r.exit_code == 0, r.output
    assert "all 4 variants of" in r.output and "are one problem" in r.output


HELLO_HEAD = (
    "kind: ctc\nmethod: exact\ntarget: HE\nprobs: {H: 0.4, E: 0.3, '-': 0.3}\nframes: 4\nvary:\n"
)


@pytest.mark.parametrize(
    ("rule", "words"),
    [
        ("  nosuch: {range: [1, 2]}\n", "unknown field for kind 'ctc'"),
        ("  probs: {distribution: [H, E], decimals: 2}\n", "the blank '-' is missing"),
        ("  probs: {range: [0.1, 0.9], decimals: 2}\n", "expected a mapping"),
    ],
)
def test_a_rule_every_draw_refuses_is_named_at_its_line(tmp_path, rule, words):
    # said after 200 draws, at the vary: line, as "no valid variant"
    f = tmp_path / "t.yaml"
    f.write_text(HELLO_HEAD + rule)
    with pytest.raises(ProblemError, match=words) as err:
        make_variants(str(f), seed=1, count=1)
    assert err.value.line == 7 and "20 draws in a row were refused alike" in err.value.message
    assert err.value.field == "vary." + rule.split(":")[0].strip()


def test_the_vary_field_is_accepted_by_every_parser():
    data = yaml.safe_load((_ROOT / "problems/hinge-sequence.yaml").read_text())
    data["vary"] = {"yhat": {"range": [0, 1], "step": 0.1}}
    assert parse_problem(data, {}, "<t>").meta.answer["loss"] == 0.467


# ------------------------------------------------------------------ rules checked before drawing
def _template(tmp_path, text: str, name: str = "t.yaml") -> str:
    f = tmp_path / name
    f.write_text(text)
    return str(f)


def test_rows_wider_than_the_decimals_allow_are_refused_with_the_rule(tmp_path):
    # 11 columns each of at least 1/10 (decimals: 1) would sum to at least 1.1 > 1.
    f = _template(
        tmp_path,
        "kind: cce\ny: [0]\nyhat:\n  - [0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.05, 0.05]\n"
        "vary:\n  yhat: {distribution: rows, decimals: 1}\n",
    )
    with pytest.raises(ProblemError, match="11") as err:
        make_variants(f, seed=1, count=1)
    assert err.value.field == "vary.yhat" and err.value.line == 6


@pytest.mark.parametrize(
    "rule",
    [
        "{range: [0, 1.0e+300], step: 1.0e-300}",  # 10^600 steps: not even a float
        "{range: [0, 1], step: 1.0e-12}",  # 10^12 steps
        "{range: [0, 1.0e+300], decimals: 0}",  # 10^300 whole numbers
    ],
)
def test_a_range_with_too_many_steps_is_refused_with_the_limit(rule: str, tmp_path):
    f = _template(tmp_path, f"kind: hinge\ny: [1, -1]\nyhat: [0.8, -0.5]\nvary:\n  yhat: {rule}\n")
    with pytest.raises(ProblemError, match="MAX_VARY_STEPS") as err:
        make_variants(f, seed=1, count=1)
    assert err.value.field == "vary.yhat" and err.value.line == 5


def test_range_draws_stay_on_the_grid_from_low(tmp_path):
    # Grid 0.15, 0.25, ..., 0.95 (step 0.1 from 0.15): two decimals, not the step's one;
    # grid 0, 2.5, 5, 7.5, 10 (step 2.5): a step of at least 1 may still have decimals.
    f = _template(
        tmp_path,
        "kind: hinge\ny: [1, 1, 1, 1]\nyhat: [0.5, 0.5, 0.5, 0.5]\nreduction: sum\n"
        "vary:\n  yhat: {range: [0.15, 0.95], step: 0.1}\n",
    )
    seen = set()
    for v in make_variants(f, seed=1, count=20):
        for x in v.data["yhat"]:
            k = (Fraction(repr(x)) - Fraction("0.15")) / Fraction("0.1")
            assert k.denominator == 1 and 0 <= k <= 8, x
            seen.add(x)
    assert len(seen) > 4
    f = _template(
        tmp_path,
        "kind: mse\ny: [1.0]\nyhat: [2.0]\nvary:\n  yhat: {range: [0, 10], step: 2.5}\n",
        "m.yaml",
    )
    drawn = {v.data["yhat"][0] for v in make_variants(f, seed=1, count=40)}
    assert drawn <= {0, 2.5, 5, 7.5, 10} and {2.5, 7.5} & drawn


def test_whole_number_ranges_write_integers(tmp_path):
    # decimals: 0 is a grid of whole numbers: frames 3, 4 or 5, written without ".0".
    text = (_ROOT / "problems/hello-variants.yaml").read_text()
    assert "frames: {range: [3, 5], step: 1}" in text
    f = _template(tmp_path, text.replace("step: 1}", "decimals: 0}"))
    for v in make_variants(f, seed=1, count=10):
        assert type(v.data["frames"]) is int
        assert f"\nframes: {v.data['frames']}\n" in v.text


# ------------------------------------------------------------------ custom templates
def _custom_course(tmp_path):
    import shutil

    tpl = tmp_path / "course" / "templates"
    tpl.mkdir(parents=True)
    for name in ("custom-combo.yaml", "seq-translation.yaml", "hinge-seq.yaml"):
        shutil.copy(f"problems/{name}", tpl / name)
    return tpl


def test_variants_of_a_custom_template_refer_to_its_files(tmp_path, monkeypatch):
    import math
    import os

    tpl = _custom_course(tmp_path)
    out = tmp_path / "course" / "week1" / "out"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # neither the template's folder nor the output's
    variants = make_variants(str(tpl / "custom-combo.yaml"), seed=1, count=3, out_dir=str(out))
    out.mkdir(parents=True)
    # The terms' files are the template's, unchanged:
    #   seq-translation: -ln 0.7 - ln 0.5 - ln 0.6;  hinge-seq: mean(0.2, 0.5, 0.7) = 1.4 / 3.
    l1 = -(math.log(0.7) + math.log(0.5) + math.log(0.6))
    l2 = 1.4 / 3
    for v in variants:
        files = [t["file"] for t in v.data["terms"]]
        # Relative to the variant's folder: out -> week1 -> course, then templates/.
        assert files == [
            os.path.join("..", "..", "templates", "seq-translation.yaml"),
            os.path.join("..", "..", "templates", "hinge-seq.yaml"),
        ]
        w1, w2 = (t["weight"] for t in v.data["terms"])
        assert abs(v.data["answer"]["loss"] - (w1 * l1 + w2 * l2)) < 1e-4
        f = out / f"{v.ident}.yaml"
        f.write_text(v.text)
        result = solve(load_problem(str(f)))
        assert result.checks and result.ok


def test_variants_of_a_custom_template_without_a_folder_use_absolute_paths(tmp_path, monkeypatch):
    tpl = _custom_course(tmp_path)
    monkeypatch.chdir(tmp_path)
    (v,) = make_variants("course/templates/custom-combo.yaml", seed=1, count=1)
    assert v.data["terms"][0]["file"] == str((tpl / "seq-translation.yaml").resolve())
    (tmp_path / "anywhere").mkdir()
    f = tmp_path / "anywhere" / "v.yaml"
    f.write_text(v.text)
    assert solve(load_problem(str(f))).ok


def test_variant_sources_name_their_template():
    from rnnloss_cli.teach.vary import variant_template

    (v,) = make_variants("problems/hinge-sequence.yaml", seed=3, count=1)
    (w,) = make_variants("problems/hinge-sequence.yaml", seed=3, ids=["ana b"])
    assert variant_template(v.data["source"]) == "hinge-sequence.yaml"
    assert variant_template(w.data["source"]) == "hinge-sequence.yaml"
    assert variant_template("handout, section 1") is None
    assert variant_template(None) is None


def test_roster_line_endings_and_limits(tmp_path, monkeypatch):
    import rnnloss_cli.limits as limits

    f = tmp_path / "roster.csv"
    f.write_bytes(b"id\rs1\rs2\r")  # lone CRs end rows
    assert read_roster(str(f)) == ["s1", "s2"]
    f.write_text("id\ns1\n" + "x" * 200_000 + "\n")
    with pytest.raises(ProblemError, match="MAX_CSV_FIELD_CHARS"):
        read_roster(str(f))
    monkeypatch.setattr(limits, "MAX_ROSTER_ROWS", 10)
    f.write_text("id\ns1\n" + "\n" * 100)  # blank rows count: reading stops at the limit
    with pytest.raises(ProblemError, match="MAX_ROSTER_ROWS"):
        read_roster(str(f))


# ------------------------------------------------------------------ hostile rosters
@pytest.mark.parametrize(
    "ident", ["evil\nkind: mse", "a\rb", "tab\there", "esc\x1b[2J", "a\u2028b"]
)
def test_a_roster_id_with_a_control_character_or_line_break_is_refused(ident, tmp_path):
    # A quoted cell may hold a line break: it went into the variant's first line, a
    # comment, and the rest of the id became YAML ("kind: mse" -> a duplicate key).
    f = tmp_path / "roster.csv"
    f.write_text('id\ns1\n"' + ident + '"\n', newline="")
    with pytest.raises(ProblemError, match="row 3") as err:
        read_roster(str(f))
    assert "control character" in err.value.message


@pytest.mark.parametrize("ident", ["evil\nkind: mse", "x\rkind: mse", "x\u2028kind: mse"])
def test_a_variant_file_reads_back_as_its_data_whatever_the_id(ident):
    # make_variants takes ids from Python callers too: the comment must stay one line.
    # (yaml.safe_load keeps the last of two equal keys, so it read the broken file "right";
    # rnnloss's own reader, as check and solve use it, refuses the duplicate.)
    from rnnloss_cli.problem._yaml import load_yaml

    (v,) = make_variants("problems/hinge-sequence.yaml", seed=3, ids=[ident])
    assert load_yaml(v.text, "v.yaml")[0] == v.data
    assert v.data["kind"] == "hinge"


def test_variants_whose_key_the_tolerance_would_not_check_are_redrawn(tmp_path):
    # MSE of one pair: (0 - yhat)²; yhat from {0, 1, 2, 3} gives 0, 1, 4 or 9. The template's
    # key is 4 with tolerance 2 (2 < 4: allowed); a variant keyed 0 or 1 would need a tolerance
    # under max(1, 1) = 1, so `check` would refuse its file: only 4 and 9 may be written.
    f = tmp_path / "t.yaml"
    f.write_text(
        "kind: mse\ny: [0]\nyhat: [2]\ntolerance: 2\nanswer: {loss: 4}\n"
        "vary:\n  yhat: {range: [0, 3], step: 1}\n"
    )
    variants = make_variants(str(f), seed=1, count=12)
    assert {v.data["answer"]["loss"] for v in variants} <= {4, 9}
    for v in variants:
        out = tmp_path / f"{v.ident}.yaml"
        out.write_text(v.text)
        assert solve(load_problem(str(out))).ok
