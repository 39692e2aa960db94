"""Hostile inputs to every non-CTC engine entry point: each gives an EngineError naming the
argument (never TypeError / ValueError / IndexError / MemoryError or a warning), or the
correct result.

Every case runs with warnings turned into errors, so a RuntimeWarning or ComplexWarning on
the way fails it. CTC's own entry points (ctc.py, _ctc_*.py) are tested in test_ctc*.py.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from rnnloss_cli import engine
from rnnloss_cli.engine.errors import EngineError
from tests.engine.hostile import CLASS_FNS, engine_error_of, quiet

RAGGED = [[1.0, 2.0], [1.0]]
LP2 = np.log([[0.5, 0.5]])
#: a float64 view of 2^29 zeros (4 GiB as float64) that takes no memory itself
HUGE = np.broadcast_to(np.zeros(1), (2**29,))


# ------------------------------------------------------------------------ pointwise
POINTWISE_PAIRS = [
    engine.mse_loss,
    engine.mse_grad,
    engine.binary_cross_entropy,
    engine.binary_cross_entropy_grad,
    engine.hinge_loss,
    engine.hinge_loss_grad,
    engine.categorical_cross_entropy,
    engine.categorical_cross_entropy_grad,
]
BAD_ARRAYS = {
    "ragged": RAGGED,
    "string": "abc",
    "bytes": b"ab",
    "dict": {"a": 1},
    "set": {1.0},
    "None": None,
    "object array": np.array([1.0, "x"], dtype=object),
    "complex": np.array([1 + 5j]),
    "bool": np.array([True]),
}


@pytest.mark.parametrize("fn", POINTWISE_PAIRS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("bad", list(BAD_ARRAYS), ids=str)
@pytest.mark.parametrize("which", ["input", "target"])
def test_pointwise_bad_arrays_are_engine_errors(fn, bad, which):
    good = [0.5]
    args = (BAD_ARRAYS[bad], good) if which == "input" else (good, BAD_ARRAYS[bad])
    err = engine_error_of(lambda: fn(*args))
    assert which in str(err)


@pytest.mark.parametrize("fn", POINTWISE_PAIRS, ids=lambda f: f.__name__)
def test_pointwise_array_over_2_gib_is_refused_before_allocating(fn):
    err = engine_error_of(lambda: fn(HUGE, HUGE))
    assert "MAX_ARRAY_BYTES" in str(err) and "input" in str(err)


@pytest.mark.parametrize(
    ("fn", "torch_value"),
    [
        (engine.mse_loss, (0.3 - 1.0) ** 2),
        (engine.binary_cross_entropy, -math.log(0.3)),
        (engine.hinge_loss, 0.7),
        (engine.categorical_cross_entropy, -math.log(0.3)),
    ],
    ids=lambda x: getattr(x, "__name__", ""),
)
@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
def test_scalar_inputs_give_the_torch_value(fn, torch_value, reduction):
    out = quiet(lambda: fn(0.3, 1.0, reduction=reduction))
    assert np.shape(out) == ()
    assert float(out) == pytest.approx(torch_value, rel=1e-12)
    out = quiet(lambda: fn(np.float64(0.3), np.array(1.0), reduction=reduction))
    assert float(out) == pytest.approx(torch_value, rel=1e-12)


@pytest.mark.parametrize(
    ("fn", "expected"),
    [
        (engine.mse_grad, 2 * (0.3 - 1.0)),
        (engine.binary_cross_entropy_grad, (0.3 - 1.0) / (0.3 * 0.7)),
        (engine.hinge_loss_grad, -1.0),
        (engine.categorical_cross_entropy_grad, -1 / 0.3),
    ],
    ids=lambda x: getattr(x, "__name__", ""),
)
def test_scalar_gradients_are_0d_arrays(fn, expected):
    out = quiet(lambda: fn(0.3, 1.0))
    assert isinstance(out, np.ndarray) and out.shape == ()
    assert float(out) == pytest.approx(expected, rel=1e-12)


def test_bce_clamped_logs_scalar_and_out_of_range():
    log_p, log_q, clamped_p, clamped_q = quiet(lambda: engine.bce_clamped_logs(0.0))
    assert (float(log_p), float(log_q), bool(clamped_p), bool(clamped_q)) == (
        -100.0,
        0.0,
        True,
        False,
    )
    for bad in ([1.5], [-0.1], [np.nan]):
        assert "input" in str(engine_error_of(lambda b=bad: engine.bce_clamped_logs(b)))


@pytest.mark.parametrize("target", [2.0, -0.1, 1e308])
@pytest.mark.parametrize("fn", [engine.binary_cross_entropy, engine.binary_cross_entropy_grad])
def test_bce_target_outside_unit_interval_is_refused_as_torch(fn, target):
    err = engine_error_of(lambda: fn([0.5], [target]))
    assert "target" in str(err) and "[0, 1]" in str(err)


# ------------------------------------------------------------------------ NLL / CE


@pytest.mark.parametrize("fn", CLASS_FNS, ids=lambda f: f.__name__)
@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"input": RAGGED, "target": [0, 0]}, "input"),
        ({"input": "abc", "target": [0]}, "input"),
        ({"input": np.array([[1j, 0]]), "target": [0]}, "input"),
        ({"input": LP2, "target": [[0], []]}, "target"),
        ({"input": LP2, "target": ["a"]}, "target"),
        ({"input": LP2, "target": np.array([0j])}, "target"),
        ({"input": LP2, "target": np.array([np.inf])}, "target"),
        ({"input": LP2, "target": np.array([-np.inf])}, "target"),
        ({"input": LP2, "target": np.array([np.nan])}, "target"),
        ({"input": LP2, "target": np.array([1e300])}, "target"),
        ({"input": LP2, "target": np.array([-1e19])}, "target"),
        ({"input": LP2, "target": [0], "ignore_index": None}, "ignore_index"),
        ({"input": LP2, "target": [0], "ignore_index": 1.5}, "ignore_index"),
        ({"input": LP2, "target": [0], "ignore_index": True}, "ignore_index"),
        ({"input": LP2, "target": [0], "ignore_index": 10**30}, "ignore_index"),
        ({"input": LP2, "target": [0], "weight": "ab"}, "weight"),
        ({"input": LP2, "target": [0], "weight": [[1.0], [2.0, 3.0]]}, "weight"),
        ({"input": LP2, "target": [0], "weight": np.array([1j, 1])}, "weight"),
    ],
)
def test_class_losses_bad_arguments(fn, kwargs, name):
    err = engine_error_of(lambda: fn(**kwargs))
    assert str(err).startswith(name), str(err)
    if name == "target":  # a float target was cast to int64 before its range was checked
        assert "-9223372036854775808" not in str(err)


@pytest.mark.parametrize("fn", [engine.cross_entropy, engine.cross_entropy_grad])
@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"label_smoothing": None}, "label_smoothing"),
        ({"label_smoothing": "0.1"}, "label_smoothing"),
        ({"label_smoothing": np.array([0.1])}, "label_smoothing"),
        ({"label_smoothing": math.nan}, "label_smoothing"),
        ({"label_smoothing": 1.5}, "label_smoothing"),
    ],
)
def test_cross_entropy_bad_options(fn, kwargs, name):
    err = engine_error_of(lambda: fn(np.zeros((1, 2)), [0], **kwargs))
    assert str(err).startswith(name)


@pytest.mark.parametrize("fn", [engine.cross_entropy, engine.cross_entropy_grad])
def test_probability_target_with_ignore_index_is_refused_as_torch(fn):
    err = engine_error_of(lambda: fn(np.zeros((1, 2)), [[0.5, 0.5]], ignore_index=0))
    assert "ignore_index" in str(err)
    # a negative ignore_index (the default -100 included) is accepted, as in PyTorch
    assert quiet(lambda: fn(np.zeros((1, 2)), [[0.5, 0.5]], ignore_index=-5)) is not None


def test_cross_entropy_full_smoothing_with_minus_inf_logit_is_nan_without_warning():
    out = quiet(
        lambda: engine.cross_entropy(np.array([[0.0, -np.inf, 1.0]]), [1], label_smoothing=1.0)
    )
    assert math.isnan(out)  # torch: nan


@pytest.mark.parametrize("fn", [engine.cross_entropy, engine.cross_entropy_grad])
def test_cross_entropy_over_2_gib_is_refused(fn):
    z = np.broadcast_to(np.zeros(1), (2**26, 8))
    assert "MAX_ARRAY_BYTES" in str(engine_error_of(lambda: fn(z, np.zeros(2**26, dtype=int))))


# ------------------------------------------------------------------------ softmax
@pytest.mark.parametrize(
    "logits",
    [np.array([]), np.zeros((2, 0)), np.array([np.inf, 0.0]), np.array([np.nan]), "ab", RAGGED],
    ids=["empty", "no-classes", "+inf", "nan", "string", "ragged"],
)
@pytest.mark.parametrize("fn", [engine.log_softmax, engine.softmax])
def test_softmax_bad_logits(fn, logits):
    assert "logits" in str(engine_error_of(lambda: fn(logits)))


def test_softmax_all_minus_inf_row_is_nan_without_warning():
    out = quiet(lambda: engine.softmax(np.array([[-np.inf, -np.inf], [0.0, -np.inf]])))
    assert np.isnan(out[0]).all() and out[1].tolist() == [1.0, 0.0]  # as torch
    out = quiet(lambda: engine.log_softmax(np.array([-np.inf, 0.0])))
    assert out.tolist() == [-np.inf, 0.0]


def test_log_softmax_over_2_gib_is_refused():
    assert "MAX_ARRAY_BYTES" in str(engine_error_of(lambda: engine.log_softmax(HUGE)))


# ------------------------------------------------------------------------ sequence
SEQ = np.full((2, 3), 0.5)


@pytest.mark.parametrize(
    "call",
    [
        lambda: engine.sequence_cross_entropy(RAGGED, [0, 0]),
        lambda: engine.sequence_cross_entropy(SEQ, [[0], []]),
        lambda: engine.sequence_cross_entropy(SEQ, np.array([0j, 0])),
        lambda: engine.sequence_cross_entropy(np.full((2, 2), 0.5), np.array([1e300, 0.0])),
        lambda: engine.sequence_cross_entropy(np.full((2, 2), 0.5), np.array([np.inf, 0.0])),
        lambda: engine.sequence_cross_entropy_grad(np.full((2, 2), 0.5), np.array([-1e300, 0])),
        lambda: engine.sequence_cross_entropy_terms(np.full((2, 2), 0.5), np.array([1e300, 0])),
        lambda: engine.sequence_cross_entropy(np.full((2, 2), 0.5), [0, 0], mask=RAGGED),
        lambda: engine.sequence_cross_entropy(np.full((2, 2), 0.5), [0, 0], mask="ab"),
        lambda: engine.sequence_hinge([0.5, 0.5], RAGGED),
        lambda: engine.sequence_hinge([0.5, 0.5], np.array([1j, 1])),
        lambda: engine.sequence_hinge_grad({"a": 1}, [1, 1]),
        lambda: engine.step_mask(None, None, 5),
        lambda: engine.step_mask(None, None, (math.nan,)),
        lambda: engine.step_mask(None, None, (math.inf,)),
        lambda: engine.step_mask(None, None, (2.0,)),
        lambda: engine.step_mask(None, None, (-1,)),
        lambda: engine.step_mask(None, None, (2**40,)),
        lambda: engine.step_mask(RAGGED, None, (2, 2)),
        lambda: engine.step_mask([1j, 1], None, (2, 2)),
    ],
)
def test_sequence_bad_arguments(call):
    engine_error_of(call)


def test_sequence_cross_entropy_over_2_gib_is_refused():
    x = np.broadcast_to(np.zeros(1), (2**10, 2**10, 2**9))
    err = engine_error_of(lambda: engine.sequence_cross_entropy(x, np.zeros((2**10, 2**10))))
    assert "MAX_ARRAY_BYTES" in str(err)


# ------------------------------------------------------------------------ reinforce
LOGITS = np.zeros((2, 3))


@pytest.mark.parametrize(
    "call",
    [
        lambda: engine.discounted_returns([1.0, 2.0], None),
        lambda: engine.discounted_returns([1.0, 2.0], "0.9"),
        lambda: engine.discounted_returns([1.0, 2.0], np.array([0.9])),
        lambda: engine.discounted_returns([1.0, 2.0], np.array([0.9, 0.9])),
        lambda: engine.discounted_returns([1.0, 2.0], 1j),
        lambda: engine.discounted_returns(RAGGED, 0.9),
        lambda: engine.discounted_returns("ab", 0.9),
        lambda: engine.discounted_returns(HUGE, 0.9),
        lambda: engine.advantages([1.0, 2.0], RAGGED),
        lambda: engine.advantages([1.0, 2.0], np.array([1j, 0])),
        lambda: engine.reinforce_loss([-1.0, -1.0], RAGGED),
        lambda: engine.reinforce_loss_grad([-1.0, -1.0], np.array([1j, 0])),
        lambda: engine.policy_log_probs(LOGITS, np.array([np.inf, 0])),
        lambda: engine.policy_log_probs(LOGITS, np.array([1e300, 0])),
        lambda: engine.policy_log_probs(LOGITS, [[0], []]),
        lambda: engine.reinforce_loss_from_logits(LOGITS, np.array([-1e300, 0]), [1.0, 1.0]),
        lambda: engine.reinforce_policy_logits_grad(LOGITS, np.array([np.nan, 0]), [1.0, 1.0]),
        lambda: engine.reinforce_policy_logits_grad(LOGITS, [0, 0], RAGGED),
    ],
)
def test_reinforce_bad_arguments(call):
    engine_error_of(call)


# ------------------------------------------------------------------------ rnnt
RNNT = np.zeros((1, 2, 2, 3))


@pytest.mark.parametrize(
    "call",
    [
        lambda: engine.rnnt_loss(RNNT, [[1], []], [2], [1]),
        lambda: engine.rnnt_loss(RNNT, [[1]], RAGGED, [1]),
        lambda: engine.rnnt_loss("ab", [[1]], [2], [1]),
        lambda: engine.rnnt_loss(RNNT.astype(complex), [[1]], [2], [1]),
        lambda: engine.rnnt_loss(RNNT, [[1]], [2], [1], clamp=np.array([1.0, 2.0])),
        lambda: engine.rnnt_loss_and_grad(RNNT, [[1]], [2], [1], fused_log_softmax=None),
        lambda: engine.rnnt_trace(RNNT[0], RAGGED),
        lambda: engine.rnnt_loss(
            np.broadcast_to(np.zeros(1), (2**10, 2**9, 2**5, 2**6)), [], [], []
        ),
        lambda: engine.rnnt_trace(np.broadcast_to(np.zeros(1), (2**20, 2**5, 2**6)), [0] * 31),
    ],
)
def test_rnnt_bad_arguments(call):
    engine_error_of(call)


# ------------------------------------------------------------------------ alignment
LP3 = np.log(np.full((4, 3), 1 / 3))


@pytest.mark.parametrize(
    "call",
    [
        lambda: engine.ctc_forced_align(RAGGED, [1]),
        lambda: engine.ctc_forced_align(LP3, [[1], []]),
        lambda: engine.ctc_forced_align(LP3.astype(complex), [1]),
        lambda: engine.ctc_forced_align(LP3, "ab"),
        lambda: engine.ctc_viterbi_trace(LP3, {1: 2}),
        lambda: engine.ctc_beam_search(RAGGED),
        lambda: engine.ctc_beam_search(LP3, lm_weight="1"),
        lambda: engine.ctc_beam_search(LP3, lm_weight=1j),
        lambda: engine.ctc_greedy_decode(RAGGED),
        lambda: engine.ctc_greedy_decode(np.array([[1j, 0]])),
        lambda: engine.ctc_greedy_decode(HUGE.reshape(2**28, 2)),
        lambda: engine.ctc_collapse([1, 1, 0, 2], np.array([0, 1])),
        lambda: engine.ctc_collapse(np.zeros((2, 2)), 0),
        lambda: engine.ctc_collapse(5, 0),
    ],
)
def test_alignment_bad_arguments(call):
    engine_error_of(call)


def _never_called(monkeypatch, module, name: str) -> list:
    """Replace ``module.name`` (the expensive step a guard must come before) with a spy that
    records its call and raises at once, so a missing guard fails the test without doing the
    work; returns the list of calls."""
    calls: list = []

    def spy(*args, **kwargs):
        calls.append(name)
        raise AssertionError(f"{name} ran: the refusal must come before it")

    monkeypatch.setattr(module, name, spy)
    return calls


@pytest.mark.parametrize("fn", [engine.ctc_forced_align, engine.ctc_viterbi_trace])
def test_viterbi_table_over_2_gib_is_refused_at_once(fn, monkeypatch):
    from rnnloss_cli.engine import forced_align

    # T = 100,000 frames, S = 2,000 labels: (2S + 1) x T = 4001 x 100,000 cells of 8 bytes
    # = 3.2 GB > 2 GiB. The table is allocated (np.full) inside _viterbi: it must never run.
    calls = _never_called(monkeypatch, forced_align, "_viterbi")
    lp = np.log(np.full((100_000, 3), 1 / 3))
    err = engine_error_of(lambda: fn(lp, [1, 2] * 1000))
    assert "MAX_ARRAY_BYTES" in str(err)
    assert calls == []


def test_beam_search_huge_width_is_refused_at_once_not_hung(monkeypatch):
    from rnnloss_cli.engine import beam_search

    # The search starts with the greedy path (greedy_decode), after every argument check:
    # a width of 10^9 on 50 frames of 30 classes must be refused before it.
    calls = _never_called(monkeypatch, beam_search, "greedy_decode")
    lp = engine.log_softmax(np.random.default_rng(0).normal(size=(50, 30)))
    err = engine_error_of(lambda: engine.ctc_beam_search(lp, beam_width=10**9))
    assert "beam_width" in str(err) and "ENGINE_MAX_BEAM_EXTENSIONS" in str(err)
    assert calls == []


def test_beam_search_width_past_every_labelling_still_runs():
    # 3 frames, 3 classes: at most 1 + 2 + 4 + 8 labellings, whatever the width
    hyps = quiet(lambda: engine.ctc_beam_search(np.log(np.full((3, 3), 1 / 3)), 10**9))
    # never pruned: "", 1, 2, 11, 12, 21, 22, 121, 212 (112 or 111 need more frames)
    assert len(hyps) == 9
    assert sum(math.exp(h.log_prob) for h in hyps) == pytest.approx(1.0)


# ------------------------------------------------------------------------ bptt
def _bptt_params(h=2, d=1, k=2, scale=0.1):
    return {"W_xh": np.full((d, h), scale), "W_hh": np.full((h, h), scale), "W_hy": np.ones((h, k))}


@pytest.mark.parametrize(
    "call",
    [
        lambda: engine.elman_bptt(RAGGED, [0, 0], **_bptt_params()),
        lambda: engine.elman_bptt([[1.0], [0.0]], [[0], []], **_bptt_params()),
        lambda: engine.elman_bptt([[1.0], [0.0]], [0, 0], **{**_bptt_params(), "W_hh": "ab"}),
        lambda: engine.elman_bptt([[1.0], [0.0]], [0, 0], **{**_bptt_params(), "W_hh": RAGGED}),
        lambda: engine.elman_bptt([[1j], [0.0]], [0, 0], **_bptt_params()),
        lambda: engine.elman_bptt(
            [[1e3], [0.0]], [0, 0], **{**_bptt_params(), "W_hy": np.full((2, 2), 1e308)}
        ),
        lambda: engine.elman_bptt(
            np.broadcast_to(np.zeros(1), (2**22, 1)),
            np.zeros(2**22, dtype=int),
            **_bptt_params(h=2**7),
        ),
    ],
)
def test_bptt_bad_arguments(call):
    engine_error_of(call)


def test_bptt_huge_recurrent_weights_give_no_warning():
    rng = np.random.default_rng(0)
    params = {
        "W_xh": rng.normal(size=(3, 4)),
        "W_hh": np.full((4, 4), 1e308),
        "W_hy": rng.normal(size=(4, 2)),
    }
    try:
        loss, grads = quiet(
            lambda: engine.elman_bptt(rng.normal(size=(5, 3)), [0, 1] * 2 + [0], **params)
        )
    except EngineError as err:  # refused with a message, not a warning
        assert "overflow" in str(err)
    else:
        assert math.isfinite(loss)


# ------------------------------------------------------------------------ inputs kept
def test_inputs_are_not_modified():
    x = np.array([0.3, 0.6])
    y = np.array([1.0, 0.0])
    for fn in POINTWISE_PAIRS[:4]:
        before = (x.copy(), y.copy())
        quiet(lambda f=fn: f(x, y, reduction="none"))
        assert np.array_equal(x, before[0]) and np.array_equal(y, before[1])
