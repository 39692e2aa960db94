"""A slip's correct step ends on the asked value with the digits the report's "expected"
gives it, and a probability below a double is written from its log: for a CTC loss of
769.029 nats, answered with the probability (0), the step read "take −ln of the
probability: −ln 0 = 769" (−ln 0 is infinite, and 769 is not 769.029).

Hand arithmetic: logits (0, 0, 0) on 700 frames give y_t(k) = 1/3; the empty target's one
alignment has p = (1/3)^700, loss = 700 ln 3 = 700 × 1.09861229 = 769.0286 -> 769.029
(3 decimals for ±0.0005); log10 p = −333.98488 = 0.01512 − 334: p = 1.035e-334, and
100 p = 1.035e-332.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnloss_cli.teach.mark import mark_answers

CTC = 'kind: ctc\ntitle: uniform\nsymbols: ["-", a, b]\ntarget: ""\nlogits:\n' + "".join(
    "  - [0, 0, 0]\n" for _ in range(700)
)


@pytest.fixture
def ctc(tmp_path: Path) -> str:
    f = tmp_path / "ctc.yaml"
    f.write_text(CTC)
    return str(f)


def test_the_probability_step_writes_p_from_its_log(ctc: str):
    m = mark_answers(ctc, {"loss": 0}).marks[0]
    assert m.slip == "probability_for_log", (m.slip, m.also)
    assert m.correct_step == "take −ln of the probability: −ln 1.035e-334 = 769.029"


def test_the_sign_step_ends_on_the_asked_digits(ctc: str):
    m = mark_answers(ctc, {"loss": -769.029}).marks[0]
    assert m.slip == "objective_for_loss"
    assert m.correct_step.endswith("= 769.029"), m.correct_step
