"""kind: ctc problem files: what is read, and the errors (file, line, field) for bad input."""

from __future__ import annotations

import textwrap

import numpy as np
import pytest

from rnnloss_cli.errors import ProblemError
from rnnloss_cli.problem import load_problem, parse_problem
from rnnloss_cli.problem._yaml import load_yaml


def parse(text: str):
    data, lines = load_yaml(textwrap.dedent(text), "t.yaml")
    return parse_problem(data, lines, "t.yaml")


def test_hello_file():
    p = load_problem("problems/hello.yaml")
    assert p.target == tuple("HELLO") and p.blank == "-" and p.method == "listed"
    assert p.alignments[1] == tuple("H-E-LL-O")
    assert p.factors[0] == (0.6, 0.2, 0.5, 0.7, 0.7, 0.8, 0.5, 0.7, 0.8)
    assert p.frame_probs is None and "2.8" in p.exact_reason


def test_integer_keys_become_symbols():
    p = load_problem("problems/digits-123.yaml")
    assert p.target == ("1", "2", "3")
    assert p.probs == {"1": 0.9, "2": 0.7, "3": 0.8, "-": 0.2}


def test_emissions_file():
    p = load_problem("problems/ctc-exact-ab.yaml")
    assert p.method == "exact" and p.symbols == ("-", "A", "B") and p.frames == 3
    assert p.frame_probs.shape == (3, 3)


def test_constant_distribution_gives_frames_from_alignments():
    p = parse(
        """
        kind: ctc
        target: AB
        probs: {A: 0.5, B: 0.3, "-": 0.2}
        alignments: [A-B, AB-]
        """
    )
    assert p.frames == 3 and p.method == "listed"
    np.testing.assert_allclose(p.frame_probs, [[0.5, 0.3, 0.2]] * 3)


def test_logits_softmaxed():
    p = parse(
        """
        kind: ctc
        target: A
        symbols: ["-", A]
        logits: [[0.0, 0.0]]
        """
    )
    np.testing.assert_allclose(p.frame_probs, [[0.5, 0.5]])
    assert p.method == "exact"


BASE = 'kind: ctc\ntarget: AB\nprobs: {A: 0.5, B: 0.3, "-": 0.2}\n'

BAD = [
    (BASE + "alignments: [A-X]\n", 4, "alignments[0]", "unknown symbol 'X'"),
    (
        BASE + "alignments:\n  - path: A-B\n    factors: [0.5, 0.2]\n",
        6,
        "alignments[0].factors",
        "2 factors for an alignment of 3 frames",
    ),
    (
        BASE + "alignments:\n  - path: A-B\n    factors: [0.5, 0.2, 1.5]\n",
        6,
        "alignments[0].factors[2]",
        "[0, 1]",
    ),
    (
        'kind: ctc\ntarget: AB\nprobs: {A: 1.2, B: 0.3, "-": 0.2}\nalignments: [AB]\n',
        3,
        "probs.A",
        "[0.0, 1.0]",
    ),
    (
        'kind: ctc\ntarget: A-B\nprobs: {A: 0.5, B: 0.3, "-": 0.2}\nalignments: [AB]\n',
        2,
        "target",
        "blank",
    ),
    (
        'kind: ctc\ntarget: AC\nprobs: {A: 0.5, B: 0.3, "-": 0.2}\nalignments: [AB]\n',
        2,
        "target",
        "'C' is missing",
    ),
    (
        "kind: ctc\ntarget: AB\nprobs: {A: 0.5, B: 0.5}\nalignments: [AB]\n",
        3,
        "probs",
        "blank '-' is missing",
    ),
    (BASE + "method: listed\n", 4, "method", "needs 'alignments'"),
    (
        'kind: ctc\ntarget: AB\nprobs: {A: 0.6, B: 0.3, "-": 0.2}\nframes: 3\nmethod: exact\n',
        5,
        "method",
        "sum to 1.1",
    ),
    (BASE + "method: exact\n", 4, "method", "frames"),
    (BASE + "alignment: [AB]\n", 4, "alignment", "did you mean 'alignments'"),
    (
        'kind: ctc\ntarget: AB\nsymbols: ["-", A, B]\nemissions:\n  - [0.2, 0.7, 0.2]\n',
        5,
        "emissions[0]",
        "frame 1 sums to 1.1",
    ),
    (
        'kind: ctc\ntarget: AB\nsymbols: ["-", A]\nemissions:\n  - [0.2, 0.7, 0.1]\n',
        4,
        "emissions",
        "3 columns but 2 symbols",
    ),
    (
        'kind: ctc\ntarget: AB\nsymbols: ["-", A, B]\nemissions: [[0.2, 0.7, 0.1]]\n'
        "alignments: [AB]\n",
        5,
        "alignments[0]",
        "one symbol per frame",
    ),
    (
        'kind: ctc\ntarget: AB\nsymbols: ["-", A, B]\nemissions: [[0.2, 0.7, 0.1]]\nframes: 2\n',
        5,
        "frames",
        "has 1 row",
    ),
    ("kind: ctc\ntarget: AB\nemissions: [[0.2, 0.7, 0.1]]\n", None, None, "needs 'symbols"),
    # found by hand: an empty (or space) blank was blamed on probs, the line after it
    (
        'kind: ctc\ntarget: AB\nblank: ""\nprobs: {A: 0.5, B: 0.3, "-": 0.2}\nframes: 3\n',
        3,
        "blank",
        "expected one symbol without spaces or control characters, got ''",
    ),
    (
        'kind: ctc\ntarget: AB\nblank: " "\nprobs: {A: 0.5, B: 0.3, "-": 0.2}\nframes: 3\n',
        3,
        "blank",
        "got ' '",
    ),
]


@pytest.mark.parametrize("text, line, field, message", BAD)
def test_bad_input_names_line_and_field(text, line, field, message):
    with pytest.raises(ProblemError) as info:
        parse(text)
    err = info.value
    assert message in err.message
    assert err.file == "t.yaml"
    assert err.field == field
    if line is not None:
        assert err.line == line
