"""One name per quantity across the CTC tools, and each number of a line worked where it is used.

- The best path's probability was P(π*) in `ctc decode` and in a decode problem's greedy line,
  p(π*) in forced alignment: one quantity, now p(π*) everywhere (as p(l|x)). For
  `ctc decode --emissions '0.2,0.8;0.6,0.4' --symbols -,A`: π* = A -, p(π*) = 0.8 × 0.6 = 0.48,
  −ln 0.48 = 0.733969 (0.734).
- `ctc paths` called the sum of its alignments p (and its loss −ln p), exact CTC p(l|x); and
  it used S' without saying what it is. AB over 3 frames with A .5, B .3, - .2:
  -AB .03, AAB .075, A-B .03, ABB .045, AB- .03; sum .21; S' = 2·2 + 1 = 5.
- Forced alignment's end line gave the two final cells, max(0.07, 0.0875), but not the max:
  δ_4(5) = 0.4 × max(0.042, 0.175) = 0.07, δ_4(4) = 0.5 × max(0.175, 0.105, 0.042) = 0.0875.
- RNN-T's path count C(T−1+U, U) = 3 skipped its numbers: T = 2, U = 2, C(3, 2) = 3.
- The language model's givens were written "ln P(a)=-0.3" (ASCII hyphen, no spaces) beside
  "unlisted: −10"; problems/ctc-decode-lm.yaml gives a: -0.3, b: -0.4, c: -2.0.
"""

from __future__ import annotations

from pathlib import Path

from tests.solve.markdown import line_starting as _line
from tests.solve.markdown import markdown_lines as _lines

PROBLEMS = Path(__file__).parents[2] / "problems"


def test_greedy_decode_names_the_best_path_p_as_alignment_does():
    lines = _lines("ctc", "decode", "--emissions", "0.2,0.8;0.6,0.4", "--symbols", "-,A")
    assert _line(lines, "- p(π\\*)") == "- p(π\\*): 0.8 × 0.6 = 0.48"
    assert _line(lines, "- loss") == r"- loss: $-\ln p(\pi^*) = -\ln 0.48 = 0.734$"
    assert not [x for x in lines if "P(π" in x]


def test_a_decode_problem_names_the_best_path_p():
    lines = _lines("solve", str(PROBLEMS / "ctc-decode-beam-vs-greedy.yaml"))
    assert _line(lines, "- greedy:").endswith("π\\* = --,  p(π\\*) = 0.5 × 0.5 = 0.25")


def test_ctc_paths_names_the_sum_p_l_x_and_says_what_s_prime_is():
    lines = _lines("ctc", "paths", "AB", "-T", "3", "--probs", "A=0.5,B=0.3,-=0.2")
    assert _line(lines, "- sum over every alignment") == (
        "- sum over every alignment: p(l\\|x) = 0.03 + 0.075 + 0.03 + 0.045 + 0.03 = 0.21"
    )
    ext = lines.index(_line(lines, "- extended labels"))
    assert lines[ext] == (
        "- extended labels: l' = - A - B -  (blank between labels and at both ends: "
        "S' = 2S + 1 = 2·2 + 1 = 5, with S = 2 labels in l; α_t(s): exact CTC's forward "
        "trellis over l')"
    )
    forward = _line(lines, "- forward algorithm")
    assert lines.index(forward) == ext + 1
    assert forward == "- forward algorithm: α_T(S') + α_T(S'−1) = 0.03 + 0.18 = 0.21"
    assert _line(lines, "- loss") == r"- loss: $-\ln p(l|x) = -\ln 0.21 = 1.561$"


def test_alignment_end_line_gives_the_max():
    lines = _lines("solve", str(PROBLEMS / "ctc-align-ab.yaml"))
    assert _line(lines, "- end:") == (
        "- end: max(δ_T(S'), δ_T(S'−1)) = max(0.07, 0.0875) = 0.0875, in state 4"
    )


def test_rnnt_path_count_is_worked():
    lines = _lines("solve", str(PROBLEMS / "rnnt-ab-two-frames.yaml"))
    assert _line(lines, "- givens").endswith("and C(T−1+U, U) = C(3, 2) = 3 paths")


def test_language_model_givens_are_written_as_the_other_numbers():
    line = _line(_lines("solve", str(PROBLEMS / "ctc-decode-lm.yaml")), "- language model")
    assert "(ln P(a) = −0.3, ln P(b) = −0.4, ln P(c) = −2; unlisted: −10)" in line
