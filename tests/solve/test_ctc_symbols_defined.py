"""CTC derivations define each symbol before a number uses it, and give one quantity one name.

- S: "S' = 2·2 + 1 = 5" used S (the target's length) without saying so; the next line, "T ≥ S +
  repeats", leans on it. For AB: S = 2 labels, S' = 2S + 1 = 2·2 + 1 = 5.
- β: "last frame (β runs backwards): β_3(5) = y_3(-)" was the first β of the derivation; the
  forward recursion was written out, the backward one not. Mirror of α's:
  β_t(s) = (β_{t+1}(s) + β_{t+1}(s+1) [+ β_{t+1}(s+2)]) · y_t(l'_s); for ctc-exact-ab,
  β_2(4) = (β_3(4) + β_3(5)) · y_2(B) = (0.7 + 0.2) · 0.4 = 0.36.
- P: problems/hello.yaml named two different sums P on consecutive lines: the listed one,
  0.0065856 + 0.009408 + 0.009408 = 0.0254016 (0.0254), and the valid-only one,
  0.0065856 + 0.009408 = 0.0159936 (0.01599), −ln 0.0159936 = 4.135566 (4.136).
"""

from __future__ import annotations

from pathlib import Path

from tests.solve.markdown import line_starting as _line
from tests.solve.markdown import markdown_lines as _lines

PROBLEMS = Path(__file__).parents[2] / "problems"


def test_s_is_defined_where_s_prime_is_counted():
    lines = _lines("solve", str(PROBLEMS / "ctc-exact-ab.yaml"))
    line = _line(lines, "- extended labels")
    assert "S' = 2S + 1 = 2·2 + 1 = 5, with S = 2 labels in l" in line


def test_forced_alignment_defines_s_too():
    lines = _lines("solve", str(PROBLEMS / "ctc-align-ab.yaml"))
    line = _line(lines, "- target and extended labels")
    assert "S' = 2S + 1 = 2·2 + 1 = 5 states, with S = 2 labels in l" in line


def test_beta_is_defined_before_its_first_cell():
    lines = _lines("solve", str(PROBLEMS / "ctc-exact-ab.yaml"))
    labels = [x.split(":")[0] for x in lines if x.startswith("- ")]
    assert "- backward recursion" in labels
    assert labels.index("- backward recursion") < labels.index("- last frame (β runs backwards)")
    line = _line(lines, "- backward recursion")
    assert (
        r"\beta_t(s) = \bigl(\beta_{t+1}(s) + \beta_{t+1}(s+1) + [\beta_{t+1}(s+2)]\bigr)" in line
    )
    cell = _line(lines, "- worked cell β_2(4)")
    assert cell.endswith("= (0.7 + 0.2) · 0.4 = 0.36")


def test_the_valid_only_sum_is_not_named_like_the_listed_one():
    lines = _lines("solve", str(PROBLEMS / "hello.yaml"))
    listed = _line(lines, "- sum over the listed alignments")
    assert listed == "- sum over the listed alignments: P = 0.006586 + 0.009408 + 0.009408 = 0.0254"
    valid = _line(lines, "- valid alignments only")
    assert valid == (
        r"- valid alignments only: $P_{\mathrm{valid}} = 0.006586 + 0.009408 = 0.01599;"
        r"\quad -\ln P_{\mathrm{valid}} = -\ln 0.01599 = 4.136$"
    )


def test_one_label_is_one_label():
    # A one-letter target said "with S = 1 labels in l" in exact CTC, forced alignment and
    # ctc paths alike. For A over 2 frames: S' = 2·1 + 1 = 3.
    exact = _lines("ctc", "--target", "A", "--probs", "A=0.5,-=0.5", "--frames", "2")
    align = _lines("ctc", "align", "A", "--emissions", "0.5,0.5;0.4,0.6", "--symbols", "-,A")
    paths = _lines("ctc", "paths", "A", "-T", "2", "--probs", "A=0.5,-=0.5")
    for lines, start in (
        (exact, "- extended labels"),
        (align, "- target and extended labels"),
        (paths, "- extended labels"),
    ):
        line = _line(lines, start)
        assert "2·1 + 1 = 3" in line and "with S = 1 label in l" in line, line
