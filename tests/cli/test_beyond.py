"""The beyond-the-handout kinds through the CLI: ctc align, ctc decode --beam, solve, check,
explain, new; bad input exits 2 with one line, a wrong key exits 1."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rnnloss_cli.cli import app

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[2]
BEYOND = [
    "ctc-align-ab.yaml",
    "ctc-decode-beam-vs-greedy.yaml",
    "rnnt-ab-two-frames.yaml",
    "bptt-two-steps.yaml",
]
# the problem file ctc-align-ab.yaml, as flags
AB = ["AB", "--emissions", "0.2,0.7,0.1;0.5,0.3,0.2;0.3,0.2,0.5;0.4,0.1,0.5", "--symbols", "-,A,B"]


def run(*args: str):
    return runner.invoke(app, list(args), env={"COLUMNS": "200", "NO_COLOR": "1"})


def test_ctc_align_flags_print_best_path_and_gap():
    r = run("ctc", "align", *AB)
    assert r.exit_code == 0, r.output
    # best path A - B B = .7 * .5 * .5 * .5 = .0875; p(l|x) = .4888; loss -ln .4888 = 0.716
    assert "π* = A-BB" in r.output
    assert "0.7 × 0.5 × 0.5 × 0.5 = 0.0875" in r.output
    assert "loss = 0.716" in r.output
    assert "T = 4 ≥ S + repeats = 2 + 0 = 2" in r.output


def test_ctc_align_json_figures():
    r = run("ctc", "align", *AB, "--format", "json")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["figures"]["best"] == pytest.approx(0.0875)
    assert doc["figures"]["total"] == pytest.approx(0.4888)


def test_ctc_decode_beam_prints_the_beam_and_the_comparison():
    emissions = "0.5,0.4,0.1;0.5,0.4,0.1"
    r = run("ctc", "decode", "--emissions", emissions, "--symbols", "-,a,b", "--beam", "2")
    assert r.exit_code == 0, r.output
    assert "the beam after every frame (width 2)" in r.output
    # greedy: - - collapses to "" (.25); beam: a (.4*.4 + .4*.5 + .5*.4 = .56)
    assert "l* = a,  p(l*|x) = 0.56" in r.output
    assert "collapses to ε (p = 0.25)" in r.output


def test_ctc_decode_without_beam_is_still_greedy():
    r = run("ctc", "decode", "--emissions", "0.1,0.8,0.1;0.6,0.3,0.1", "--symbols", "-,A,B")
    assert r.exit_code == 0, r.output
    assert "greedy (best-path) decoding" in r.output and "beam" not in r.output


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["decode", "--emissions", "0.6,0.4", "--symbols", "-,a", "--beam", "0"], "--beam"),
        (
            ["decode", "--emissions", "0.6,0.4", "--symbols", "-,a", "--beam", "999"],
            "MAX_BEAM_WIDTH",
        ),
        (["align", "AB", "--symbols", "-,A,B"], "give one of --emissions or --logits"),
        (["align", "AB", "--emissions", "0.2,0.7,0.1"], "--symbols"),
        (["align", "AC", *AB[1:]], "'C' is missing"),
        (["align", "AB", "--emissions", "0.2,0.7,0.2", "--symbols", "-,A,B"], "sums to 1.1"),
    ],
)
def test_bad_flags_exit_2_with_one_line(args, words):
    r = run("ctc", *args)
    assert r.exit_code == 2, r.output
    assert words in r.output
    assert "Traceback" not in r.output


@pytest.mark.parametrize("name", BEYOND)
def test_solve_each_problem_file_in_every_format(name):
    for fmt in ("rich", "markdown", "json"):
        r = run("solve", str(ROOT / "problems" / name), "--format", fmt)
        assert r.exit_code == 0, r.output
        assert "MISMATCH" not in r.output


def test_check_passes_on_the_new_problem_files():
    r = run("check", *(str(ROOT / "problems" / n) for n in BEYOND))
    assert r.exit_code == 0, r.output
    assert "0 mismatched" in r.output


def test_wrong_text_key_exits_1(tmp_path: Path):
    text = (ROOT / "problems" / "ctc-align-ab.yaml").read_text()
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace("path: A-BB", "path: AA-B"))
    r = run("solve", str(bad))
    assert r.exit_code == 1, r.output
    assert "key path: expected AA-B, got A-BB MISMATCH" in r.output


def test_show_beta_and_grad_for_rnnt():
    r = run("solve", str(ROOT / "problems" / "rnnt-ab-two-frames.yaml"), "--show", "beta,grad")
    assert r.exit_code == 0, r.output
    # beta(0, 0) = p(y|x) = .245
    assert "backward lattice β(t, u)" in r.output and "0.245" in r.output


@pytest.mark.parametrize(
    ("topic", "words"),
    [
        ("alignment", "Viterbi"),
        ("beam-search", "prefix"),
        ("rnn-t", "Transducer"),
        ("bptt", "through time"),
    ],
)
def test_explain_new_topics(topic, words):
    r = run("explain", topic)
    assert r.exit_code == 0, r.output
    assert words in r.output


@pytest.mark.parametrize("kind", ["ctc_align", "ctc_decode", "rnnt", "bptt"])
def test_new_template_checks(kind, tmp_path: Path):
    out = tmp_path / f"{kind}.yaml"
    assert run("new", kind, "-o", str(out)).exit_code == 0
    r = run("check", str(out))
    assert r.exit_code == 0, r.output


LEX = ["--emissions", "0.1,0.8,0.05,0.05;0.1,0.1,0.35,0.45", "--symbols", "-,a,b,c"]


def test_ctc_decode_lexicon_and_lm_flags(tmp_path: Path):
    # Hand (problems/ctc-decode-lexicon.yaml, ctc-decode-lm.yaml): both give ab, p = .28.
    r = run("ctc", "decode", *LEX, "--lexicon", "ab,b", "--beam", "3", "--format", "json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["figures"]["beam_prob"] == pytest.approx(0.28)
    lm = tmp_path / "lm.txt"
    lm.write_text("# unigram\na\t-0.3\nb\t-0.4\n\nc\t-2\n")
    r = run("ctc", "decode", *LEX, "--lm", str(lm), "--beam", "3", "--format", "json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["figures"]["beam_prob"] == pytest.approx(0.28)
    assert "(width 3)" in data["title"]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("a -0.3\n", "lm.txt:1: expected 'ngram<TAB>ln probability'"),
        ("a\t-0.3\nb\t0.5\n", "lm.txt:2: expected"),
        ("a\t-0.3\na\t-0.2\n", "lm.txt:2: the n-gram 'a' is listed twice"),
        ("# nothing\n", "no 'ngram<TAB>ln probability' line"),
        ("z\t-1\n", "field 'lm.z': 'z' is not one of the symbols"),
    ],
)
def test_ctc_decode_bad_lm_file_is_one_line(tmp_path: Path, text, words):
    lm = tmp_path / "lm.txt"
    lm.write_text(text)
    r = run("ctc", "decode", *LEX, "--lm", str(lm))
    assert r.exit_code == 2 and words in r.output and r.output.count("\n") == 1, r.output
