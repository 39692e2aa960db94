"""mark on a probability figure too small for a double: the report printed "expected 0"
(and "right (0)") where the result box prints the figure from its log; keys are still
compared as floats.

Hand arithmetic: logits (0, 0, 0) on each of T = 700 frames give y_t(k) = 1/3. For the
empty target (ctc_align) the only alignment is the blank on every frame, and for
ctc_decode the argmax takes the first tied symbol, the blank, on every frame, so the
greedy labelling is the empty one with that single alignment. Either way
p = (1/3)^700: log10 p = −700 × 0.47712125472 = −333.984878304 = 0.015121696 − 334,
10^0.015121696 = 1.035432: 1.035e-334 at 4 significant digits, as the report writes
numbers; as a double it is 0 (below 4.9e-324).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnloss_cli.teach.mark import mark_answers, report_json, report_text

FRAMES = "logits:\n" + "".join("  - [0, 0, 0]\n" for _ in range(700))
ALIGN = 'kind: ctc_align\ntitle: uniform\nsymbols: ["-", a, b]\ntarget: ""\n' + FRAMES
DECODE = 'kind: ctc_decode\ntitle: uniform\nsymbols: ["-", a, b]\nbeam: 2\n' + FRAMES


@pytest.fixture
def files(tmp_path: Path) -> dict[str, str]:
    out = {}
    for name, text in (("align", ALIGN), ("decode", DECODE)):
        f = tmp_path / f"{name}.yaml"
        f.write_text(text)
        out[name] = str(f)
    return out


@pytest.mark.parametrize(
    ("kind", "figure"),
    [("align", "total"), ("align", "best"), ("decode", "greedy_prob")],
)
def test_a_wrong_answer_is_told_the_expected_value_from_its_log(files, kind, figure):
    report = mark_answers(files[kind], {figure: 0.5})
    text = report_text(report)
    assert f"{figure} = 0.5: wrong, expected 1.035e-334 (±0.0005)" in text, text
    assert "expected 0 " not in text


def test_a_right_answer_shows_the_value_from_its_log_and_stays_a_float(files):
    # 0 is within 0.0005 of (1/3)^700: compared as floats, right
    report = mark_answers(files["align"], {"total": 0})
    assert report.ok
    assert "total = 0: right (1.035e-334)" in report_text(report)
    # JSON reads the float, as keys do
    assert '"expected": 0.0' in report_json(report)
