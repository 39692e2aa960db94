"""Bad input for kinds ctc_align, ctc_decode, rnnt and bptt: one-line ProblemErrors naming the
file, the line and the field, and limits refused before anything is computed."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnloss_cli.errors import ProblemError
from rnnloss_cli.problem import load_problem

ALIGN = """\
kind: ctc_align
target: AB
symbols: ["-", A, B]
emissions:
  - [0.2, 0.7, 0.1]
  - [0.5, 0.3, 0.2]
"""
DECODE = """\
kind: ctc_decode
symbols: ["-", a]
beam: 2
emissions:
  - [0.6, 0.4]
"""
RNNT = """\
kind: rnnt
symbols: ["-", a]
target: a
probs:
  - [[0.5, 0.5], [0.5, 0.5]]
"""
BPTT = """\
kind: bptt
loss: cross_entropy
x: [[1.0], [0.0]]
targets: [0, 1]
W_xh: [[1.0, 0.0]]
W_hh: [[0.5, 0.0], [0.0, 0.5]]
W_hy: [[1.0, 0.0], [0.0, 1.0]]
"""


def _error(tmp_path: Path, text: str) -> ProblemError:
    path = tmp_path / "p.yaml"
    path.write_text(text)
    with pytest.raises(ProblemError) as info:
        load_problem(str(path))
    err = info.value
    assert "\n" not in str(err) and str(err).startswith(f"{path}:")
    return err


def test_good_files_load(tmp_path: Path):
    for text in (ALIGN, DECODE, RNNT, BPTT):
        path = tmp_path / "ok.yaml"
        path.write_text(text)
        load_problem(str(path))


@pytest.mark.parametrize(
    ("text", "line", "field", "words"),
    [
        (ALIGN.replace("target: AB", "target: A-"), 2, "target", "blank"),
        (ALIGN.replace("target: AB", "target: AC"), 2, "target", "'C' is missing"),
        (ALIGN.replace("0.5, 0.3, 0.2", "0.5, 0.3, 0.3"), 6, "emissions[1]", "frame 2"),
        (ALIGN.replace('["-", A, B]', '["-", A]'), 4, "emissions", "3 columns but 2"),
        (ALIGN.replace("target: AB", "targte: AB"), 2, "targte", "did you mean 'target'"),
        (ALIGN + "blank: X\n", 7, "blank", "missing from symbols"),
        (ALIGN + "log_base: 2\n", 7, "log_base", "does not apply"),
        (ALIGN + "answer: {path: [A]}\n", 7, "answer.path", "expected text"),
        (DECODE.replace("beam: 2", "beam: 0"), 3, "beam", "integer between 1 and 2^63 - 1"),
        (DECODE.replace("beam: 2", "beam: 1000"), 3, "beam", "MAX_BEAM_WIDTH = 256"),
        (
            DECODE.replace("beam: 2", "beam: 2.5"),
            3,
            "beam",
            "integer between 1 and 2^63 - 1, got 2.5",
        ),
        (RNNT.replace("[[0.5, 0.5], [0.5, 0.5]]", "[[0.5, 0.5]]"), 4, "probs", "U+1 = 2 nodes"),
        (RNNT.replace("[[0.5, 0.5], [0.5", "[[0.5, 0.6], [0.5"), 5, "probs[0][0]", "(t=0, u=0)"),
        (RNNT.replace("target: a", "target: '-'"), 3, "target", "blank"),
        (BPTT.replace("W_xh: [[1.0, 0.0]]", "W_xh: [[1.0]]"), 5, "W_xh", "1 x 2"),
        (
            BPTT.replace("targets: [0, 1]", "targets: [0, 2]"),
            4,
            "targets[1]",
            "integer between 0 and 1",
        ),
        (BPTT.replace("targets: [0, 1]", "targets: [0]"), 4, "targets", "T = 2"),
        (BPTT.replace("loss: cross_entropy", "loss: mse"), 2, "loss", "squared_error"),
        (BPTT + "answer: {grads: {W_yy: [[1]]}}\n", 8, "answer.grads.W_yy", "no gradient"),
        (BPTT + "answer: {grads: {b_h: [1]}}\n", 8, "answer.grads.b_h", "shape (1,)"),
        (BPTT.replace("W_hh: [[0.5, 0.0], [0.0, 0.5]]", "W_hh: [[0.5, 0.0]]"), 6, "W_hh", "H x H"),
    ],
)
def test_bad_input_names_line_field_and_expectation(tmp_path, text, line, field, words):
    err = _error(tmp_path, text)
    assert (err.line, err.field) == (line, field), str(err)
    assert words in err.message, str(err)


def test_limits_are_refused_before_computing(tmp_path, monkeypatch):
    import rnnloss_cli.problem.align as align
    import rnnloss_cli.problem.bptt as bptt
    import rnnloss_cli.problem.rnnt as rnnt

    # 2 frames x (2*2 + 1) states = 10 cells
    monkeypatch.setattr(align, "MAX_VITERBI_CELLS", 9)
    assert "MAX_VITERBI_CELLS = 9" in _error(tmp_path, ALIGN).message
    # beam 2 x 1 frame x 2 symbols = 4 extensions
    monkeypatch.setattr(align, "MAX_BEAM_EXTENSIONS", 3)
    assert "MAX_BEAM_EXTENSIONS = 3" in _error(tmp_path, DECODE).message
    # 1 frame x 2 nodes
    monkeypatch.setattr(rnnt, "MAX_RNNT_NODES", 1)
    assert "MAX_RNNT_NODES = 1" in _error(tmp_path, RNNT).message
    monkeypatch.setattr(rnnt, "MAX_RNNT_NODES", 10)
    monkeypatch.setattr(rnnt, "MAX_RNNT_VALUES", 3)  # 1 x 2 x 2 = 4 values
    assert "MAX_RNNT_VALUES = 3" in _error(tmp_path, RNNT).message
    # T x H^2 = 2 x 4 = 8
    monkeypatch.setattr(bptt, "MAX_BPTT_TRACE", 7)
    assert "MAX_BPTT_TRACE = 7" in _error(tmp_path, BPTT).message
    # T² x H² = 4 x 4 = 16
    monkeypatch.setattr(bptt, "MAX_BPTT_TRACE", 8)
    monkeypatch.setattr(bptt, "MAX_BPTT_LAG_WORK", 15)
    assert "MAX_BPTT_LAG_WORK = 15" in _error(tmp_path, BPTT).message


@pytest.mark.parametrize(
    ("extra", "field", "words"),
    [
        ("lexicon: ab\n", "lexicon", "non-empty list of words"),
        ("lexicon: [a, z]\n", "lexicon[1]", "not one of the symbols"),
        ("lexicon: [a, '-']\n", "lexicon[1]", "blank"),
        ("separator: a\n", "separator", "needs a lexicon"),
        ("lexicon: [a]\nseparator: z\n", "separator", "not one of the symbols"),
        ("lm: [a]\n", "lm", "mapping n-gram"),
        ("lm: {a: 0.5}\n", "lm.a", "[-inf, 0.0]"),
        ("lm: {a: .nan}\n", "lm.a", "finite"),
        ("lm: {az: -1}\n", "lm.az", "not one of the symbols"),
        ("lm_weight: 1\n", "lm_weight", "needs an lm"),
        ("lm: {a: -1}\nlm_weight: -1\n", "lm_weight", "[0.0, inf]"),
    ],
)
def test_decode_lexicon_and_lm_errors_name_the_field(tmp_path: Path, extra, field, words):
    err = _error(tmp_path, DECODE + extra)
    assert f"field '{field}'" in str(err) and words in str(err)
    assert err.line is not None and err.line > DECODE.count("\n")  # on an added line


def test_a_default_beam_past_the_limit_points_at_the_frames(tmp_path, monkeypatch):
    # no beam: in the file (a 10^6-frame decode): the error named line 1 and field 'beam',
    # which the file does not have
    import rnnloss_cli.problem.align as align

    monkeypatch.setattr(align, "MAX_BEAM_EXTENSIONS", 3)
    err = _error(tmp_path, DECODE.replace("beam: 2\n", ""))  # default beam 4 x 1 x 2 = 8
    assert (err.line, err.field) == (3, "emissions"), str(err)
    assert "the default beam of 4 (no beam: given)" in err.message, str(err)
