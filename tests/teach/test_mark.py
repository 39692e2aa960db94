"""Marking: right/wrong per figure, and every slip of the catalogue named for a wrong answer
built independently (by hand, in the comments), never read back from the engine."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import yaml

from rnnloss_cli.errors import ProblemError
from rnnloss_cli.problem import parse_problem
from rnnloss_cli.teach.mark import (
    SLIP_NAMES,
    mark_answers,
    mark_problem,
    parse_value,
    read_answer_flags,
    report_json,
    report_text,
)

_ROOT = Path(__file__).resolve().parents[2]


def problem(text: str):
    return parse_problem(yaml.safe_load(text), {}, "<test>")


def slip_of(p, figure: str, value: float) -> str | None:
    m = mark_problem(p, {figure: value}).marks[0]
    assert not m.right
    return m.slip


# y = [1], yhat = [[0.25, 0.75]]: loss = -ln 0.25 = ln 4 = 1.386294 nats.
NLL = problem("kind: nll\ny: [0]\nyhat: [[0.25, 0.75]]\n")
# Padded batch: seq 1 targets 0,1,2 -> p 0.8, 0.6, 0.5; seq 2 (length 2) targets 0,2 -> 0.5, 0.7.
# sum = -ln(0.8 * 0.6 * 0.5 * 0.5 * 0.7) = -ln 0.084 = -(ln 84 - ln 1000)
#     = -(4.430817 - 6.907755) = 2.476938
SEQ_SUM = -(math.log(84) - math.log(1000))
SEQ = "problems/seq-padded-batch.yaml"


def test_the_catalogue_has_at_least_ten_slips():
    assert len(SLIP_NAMES) >= 10
    assert len(set(SLIP_NAMES)) == len(SLIP_NAMES)


def test_right_within_tolerance_and_points():
    # hinge terms 0.2, 0.5, 0.7: mean 1.4 / 3 = 0.46667; 0.467 is within 5e-4.
    report = mark_answers("problems/hinge-sequence.yaml", {"loss": 0.467, "sum": 1.4})
    assert report.ok and report.earned == 2 and report.possible == 2


def test_sum_for_mean_named_with_the_mean_step():
    # The handout's hinge: the sum 0.2 + 0.5 + 0.7 = 1.4 where the mean is asked.
    report = mark_answers("problems/hinge-sequence.yaml", {"loss": 1.4})
    m = report.marks[0]
    assert (m.right, m.slip) == (False, "sum_for_mean")
    assert "sum" in m.says and "mean" in m.says
    assert "/ 3" in m.correct_step


def test_mean_for_sum():
    # mse with reduction sum: errors (0.5)^2 + (0.5)^2 = 0.5; the mean 0.25 is the slip.
    p = problem("kind: mse\ny: [1, 2]\nyhat: [1.5, 2.5]\nreduction: sum\n")
    assert slip_of(p, "loss", 0.25) == "mean_for_sum"


def test_tokens_vs_sequences():
    # mean_tokens is asked (sum / 5); the mean over the 2 sequences is 2.476938 / 2 = 1.238469.
    assert slip_of(problem(Path(SEQ).read_text()), "loss", round(SEQ_SUM / 2, 4)) == (
        "tokens_vs_sequences"
    )


def test_padding_not_masked():
    # Divided by all 2 x 3 = 6 positions instead of the 5 real tokens: 2.476938 / 6 = 0.412823.
    assert slip_of(problem(Path(SEQ).read_text()), "loss", round(SEQ_SUM / 6, 4)) == (
        "padding_not_masked"
    )


def test_discount_wrong_way():
    # probs [0.9, 0.6, 0.7], rewards [1, 0, 1], gamma 0.9, mean baseline, sum reduction.
    # Discount applied to past rewards: G_t = sum_{k<=t} g^(t-k) r_k
    #   G = [1, 0.9 * 1 + 0 = 0.9, 1 + 0.9 * 0 + 0.81 * 1 = 1.81]; mean 3.71 / 3 = 1.236667
    #   A = G - mean = [-0.236667, -0.336667, 0.573333]
    # loss = -sum A_t ln pi_t
    g = [1.0, 0.9, 1.81]
    b = sum(g) / 3
    wrong = -sum((gt - b) * math.log(p) for gt, p in zip(g, [0.9, 0.6, 0.7], strict=False))
    assert abs(wrong - 0.0075804) < 1e-6  # the arithmetic above, to 7 digits
    p = problem((_ROOT / "problems/reinforce-episode.yaml").read_text())
    assert slip_of(p, "loss", round(wrong, 4)) == "discount_wrong_way"


def test_repeat_without_blank_listed():
    # HELLO: H-E-LL-O (collapses to HELO) kept in the sum: 0.0254016, -ln = 3.672943,
    # where the valid-only figure (4.136) is asked.
    m = mark_answers("problems/hello.yaml", {"valid_only": 3.673}).marks[0]
    assert m.slip == "repeat_without_blank"
    assert "H-E-LL-O" in m.correct_step
    assert "invalid_alignment_included" in m.also


def test_repeat_without_blank_exact():
    # Target AA over 3 frames, emissions rows (-, A, B): [.1 .6 .3], [.5 .3 .2], [.2 .7 .1].
    # Right: only A-A: 0.6 * 0.5 * 0.7 = 0.21 (loss 1.5606).
    # With the skip A -> A allowed (states of -A-A-: 0..4), the state paths that end in 3 or 4:
    #   1,2,3  A-A  0.6*0.5*0.7 = 0.210     1,3,3  AAA  0.6*0.3*0.7 = 0.126
    #   1,1,3  AAA  0.6*0.3*0.7 = 0.126     0,1,3  -AA  0.1*0.3*0.7 = 0.021
    #   1,3,4  AA-  0.6*0.3*0.2 = 0.036     total 0.519
    wrong = -math.log(0.519)
    p = problem((_ROOT / "problems/ctc-exact-repeat.yaml").read_text())
    assert slip_of(p, "exact", round(wrong, 4)) == "repeat_without_blank"


def test_invalid_alignment_included():
    # A-B, AB- collapse to AB; BA- collapses to BA. Each product 0.5*0.2*0.3 = 0.03.
    # With BA- kept: -ln 0.09 = 2.407946 where the valid-only -ln 0.06 = 2.813411 is asked.
    p = problem(
        "kind: ctc\ntarget: AB\nprobs: {A: 0.5, B: 0.3, '-': 0.2}\nalignments: [A-B, AB-, BA-]\n"
    )
    assert slip_of(p, "valid_only", round(-math.log(0.09), 3)) == "invalid_alignment_included"


def test_listed_for_exact():
    # Listed A-B + AB- = 0.03 + 0.03 = 0.06, -ln 0.06 = 2.813411; exact sums 5 paths (0.21).
    p = problem((_ROOT / "problems/ctc-exact-listed.yaml").read_text())
    assert slip_of(p, "exact", round(-math.log(0.06), 3)) == "listed_for_exact"


def test_wrong_log_base():
    # log10 4 = 0.60206 where ln 4 = 1.386294 is asked.
    assert slip_of(NLL, "loss", round(math.log10(4), 4)) == "wrong_log_base"
    # ln 2 = 0.693147 where log2 2 = 1 bit is asked (problems/bce-bits.yaml).
    p = problem((_ROOT / "problems/bce-bits.yaml").read_text())
    assert slip_of(p, "loss", 0.693) == "wrong_log_base"


def test_objective_for_loss():
    # ln 0.25 = -1.386294: the log-likelihood, not the loss.
    assert slip_of(NLL, "loss", -1.386) == "objective_for_loss"


def test_probability_for_log():
    # The probability 0.25 itself instead of -ln 0.25.
    assert slip_of(NLL, "loss", 0.25) == "probability_for_log"


def test_percent_for_probability():
    # -ln 25 = -3.218876 (the percent inside the log), or 25 (the probability as a percent).
    assert slip_of(NLL, "loss", round(-math.log(25), 4)) == "percent_for_probability"
    assert slip_of(NLL, "loss", 25) == "percent_for_probability"


def test_an_unexplained_number_says_so():
    report = mark_answers("problems/hinge-sequence.yaml", {"loss": 0.9})
    assert report.marks[0].slip is None
    assert "no known slip" in report_text(report)


def test_json_report_is_parseable():
    data = json.loads(report_json(mark_answers("problems/hinge-sequence.yaml", {"loss": 1.4})))
    assert data["ok"] is False and data["marks"][0]["slip"] == "sum_for_mean"


@pytest.mark.parametrize("flag", ["loss", "=1", "loss=abc", "loss=nan"])
def test_bad_answer_flags_are_problem_errors(flag: str):
    # as `rnnloss mark` reads them: the flags, then each value once its figure is known
    with pytest.raises(ProblemError):
        mark_answers("problems/hinge-sequence.yaml", read_answer_flags([flag]))


def test_unknown_figure_lists_the_figures():
    with pytest.raises(ProblemError, match="it gives: loss"):
        mark_answers("problems/hinge-sequence.yaml", {"lost": 1.0})


# ------------------------------------------------------------------ reading a value
@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1.4", 1.4),
        (" -0.5 ", -0.5),
        ("2E3", 2000.0),
        (".5", 0.5),
        ("inf", math.inf),
        ("-Infinity", -math.inf),
        ("1e400", math.inf),  # past float64: infinite, as the engine's loss would be
    ],
)
def test_parse_value_reads_a_number(text: str, value: float):
    assert parse_value(text) == value


@pytest.mark.parametrize("text", ["0_4667", "0,4667", "nan", "", "٠٫٤٦٦٧", "1.4.", "0x10"])
def test_parse_value_refuses_what_is_not_a_plain_number(text: str):
    with pytest.raises(ValueError):
        parse_value(text)
    with pytest.raises(ProblemError, match="not a number"):
        mark_answers("problems/hinge-sequence.yaml", read_answer_flags([f"loss={text}"]))


@pytest.mark.parametrize("text", ["1e-400", "-2.5e-330", "0.000001e-320"])
def test_parse_value_refuses_a_number_that_would_be_read_as_0(text: str):
    """As in a problem file and a flag: 1e-400 was marked as the answer 0."""
    with pytest.raises(ValueError, match="too small for a float64 number"):
        parse_value(text)
    with pytest.raises(ProblemError, match="it would be read as 0"):
        mark_answers("problems/hinge-sequence.yaml", read_answer_flags([f"loss={text}"]))
    assert parse_value("0e-400") == 0.0 and parse_value("4.9e-324") > 0


# A CTC target AA needs a blank between its copies: 3 frames; with 2 the loss is infinite.
INFINITE = problem(
    'kind: ctc\nmethod: exact\ntarget: AA\nsymbols: ["-", A]\nemissions: [[0.5, 0.5], [0.5, 0.5]]\n'
)


def _strict(text: str):
    def refuse(token):
        raise AssertionError(f"not standard JSON: {token}")

    return json.loads(text, parse_constant=refuse)


def test_json_report_writes_infinity_as_null_with_a_warning():
    data = _strict(report_json(mark_problem(INFINITE, {"exact": math.inf})))
    assert data["ok"] is True
    assert (data["marks"][0]["given"], data["marks"][0]["expected"]) == (None, None)
    assert any("marks[0].expected" in w and "JSON has no infinity" in w for w in data["warnings"])
    data = _strict(report_json(mark_answers("problems/hinge-sequence.yaml", {"loss": math.inf})))
    assert data["marks"][0]["given"] is None and data["ok"] is False


def test_the_slips_are_computed_once_a_figure(monkeypatch):
    import rnnloss_cli.teach.mark as mark_module
    from rnnloss_cli.solve import solve
    from rnnloss_cli.teach.mark import Ctx, Slip, mark_ctx

    calls = []

    def doubled(ctx, figure):
        calls.append(figure)
        return [(2 * ctx.value(figure), "do not double it")]

    monkeypatch.setattr(mark_module, "SLIPS", (Slip("doubled", "it is doubled", doubled),))
    ctx = Ctx(NLL, solve(NLL))
    # NLL's loss is ln 4 = 1.386294: doubled, 2 ln 4 = 2.772589.
    slips = [mark_ctx(ctx, {"loss": v}).marks[0].slip for v in (2.7726, 5.0, 2.7725)]
    assert slips == ["doubled", None, "doubled"]
    assert calls == ["loss"]


def test_the_text_report_never_writes_a_control_character(tmp_path):
    # A title with a terminal escape (clear the screen) pasted from a log went to the
    # terminal as it was.
    f = tmp_path / "t.yaml"
    f.write_text('kind: hinge\ntitle: "clear \\e[2J \\x07 bell \\x85 nel"\ny: [1]\nyhat: [0.5]\n')
    text = report_text(mark_answers(str(f), {"loss": 0.5}))
    first = text.splitlines()[0]
    assert first.endswith("clear \ufffd[2J \ufffd bell \ufffd nel")
    assert not [c for c in text if ord(c) < 32 and c != "\n" or 0x7F <= ord(c) <= 0x9F]


def test_a_nan_figure_is_refused_not_marked_wrong():
    # a weight 0 on an infinite term (-ln 0): 0 x inf = NaN, and every answer was "wrong,
    # expected nan" (exit 1)
    p = problem(
        "kind: custom\nterms:\n"
        "  - {name: inf, weight: 0, problem: {kind: nll, y: [0], yhat: [[0.0, 1.0]]}}\n"
        "  - {name: fin, weight: 1, problem: {kind: mse, y: [1], yhat: [0.5]}}\n"
    )
    with pytest.raises(ProblemError, match="loss is NaN .* no answer can be marked"):
        mark_problem(p, {"loss": 0.25})


def test_the_report_writes_a_path_with_a_line_break_on_one_line(tmp_path):
    # the header was split over two lines ("a" / "b.yaml: Hinge ..."), a line of no figure
    f = tmp_path / "a\nb.yaml"
    f.write_text(Path("problems/hinge-sequence.yaml").read_text())
    text = report_text(mark_answers(str(f), {"loss": 1.4}))
    assert text.splitlines()[0].startswith(f"{tmp_path}/a\\nb.yaml: Hinge loss")
    assert text.splitlines()[1].startswith("  loss = 1.4: wrong")
