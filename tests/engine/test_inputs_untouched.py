"""No public engine function changes its inputs, whatever their layout and values.

Every public function of ``rnnloss_cli.engine`` is called here (a test checks that none is
missed) on small inputs, on inputs big enough for its fast paths (pointwise losses worked in
chunks on threads, NLL / cross-entropy gathered in row blocks, each CTC regime: one short
sequence, short batches, rescaled long batches, few-state transfer matrices, wide batches on
threads, the log-space fallback), and with every array argument given read-only,
Fortran-ordered, strided, reversed or big-endian. After each call every argument must hold
the same bytes (NaN, -0.0 included) with the same dtype and flags; a read-only argument also
proves that nothing writes into it (numpy would raise). A hypothesis test then puts NaN, inf,
huge, subnormal and -0.0 values anywhere in any float argument, in any layout: the call must
give a result or one EngineError, with no warning, and leave the inputs as they were.
"""

from __future__ import annotations

import copy
import inspect
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rnnloss_cli import engine
from rnnloss_cli.engine.errors import EngineError

RNG = np.random.default_rng(20)


def _log_softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


def _probs(shape) -> np.ndarray:
    return np.exp(_log_softmax(RNG.normal(size=shape)))


def _ctc(n_frames, n_batch, n_classes, n_labels, scale=1.0, **options):
    """A (T, N, C) CTC batch with feasible targets of n_labels labels (no blank)."""
    return dict(
        log_probs=_log_softmax(scale * RNG.normal(size=(n_frames, n_batch, n_classes))),
        targets=RNG.integers(1, n_classes, (n_batch, n_labels)),
        input_lengths=np.full(n_batch, n_frames),
        target_lengths=np.full(n_batch, n_labels),
        **options,
    )


def _bptt(loss="cross_entropy"):
    targets = np.array([0, 1, 2, 1]) if loss == "cross_entropy" else RNG.normal(size=(4, 3))
    return {
        "x": RNG.normal(size=(4, 2)),
        "targets": targets,
        "W_xh": RNG.normal(size=(2, 3)),
        "W_hh": 0.5 * RNG.normal(size=(3, 3)),
        "b_h": RNG.normal(size=3),
        "W_hy": RNG.normal(size=(3, 3)),
        "b_y": RNG.normal(size=3),
        "h0": RNG.normal(size=3),
        "loss": loss,
    }


Z = RNG.normal(size=(4, 3))
P = RNG.uniform(0.05, 0.95, (4, 3))
T3 = np.array([0, 2, 1, 2])
W3 = np.array([1.0, 2.0, 0.5])
PM = np.where(RNG.uniform(size=(4, 3)) > 0.5, 1.0, -1.0)
LP1 = _log_softmax(RNG.normal(size=(6, 4)))
SEQ_T = np.array([[0, 1, 3], [2, 2, 0]])
PAD_NAN = np.where((np.arange(3) < np.array([[3], [2]]))[..., None], _probs((2, 3, 4)), np.nan)
# big enough for the chunked paths (CHUNKED_MIN_ELEMENTS = 2**19 elements)
BIG_Z = RNG.normal(size=(2**16 + 3, 8))
BIG_P = np.exp(_log_softmax(BIG_Z))
BIG_T = RNG.integers(0, 8, BIG_Z.shape[0])
BIG_PM = np.where(RNG.uniform(size=BIG_Z.shape) > 0.5, 1.0, -1.0)

#: case id -> (function, keyword arguments); every ndarray argument is checked
CASES: dict[str, tuple] = {
    # pointwise
    "mse_loss": (engine.mse_loss, {"input": Z, "target": P}),
    "mse_grad": (engine.mse_grad, {"input": Z, "target": P, "reduction": "sum"}),
    "binary_cross_entropy": (engine.binary_cross_entropy, {"input": P, "target": np.round(P)}),
    "binary_cross_entropy_grad": (
        engine.binary_cross_entropy_grad,
        {"input": P, "target": np.round(P)},
    ),
    "bce_clamped_logs": (engine.bce_clamped_logs, {"input": np.r_[0.0, P.ravel(), 1.0]}),
    "categorical_cross_entropy": (
        engine.categorical_cross_entropy,
        {"input": _probs((4, 3)), "target": np.eye(3)[T3]},
    ),
    "categorical_cross_entropy_grad": (
        engine.categorical_cross_entropy_grad,
        {"input": _probs((4, 3)), "target": np.eye(3)[T3], "reduction": "mean"},
    ),
    "hinge_loss": (engine.hinge_loss, {"input": Z, "target": PM}),
    "hinge_loss_grad": (engine.hinge_loss_grad, {"input": Z, "target": PM}),
    "nll_loss": (engine.nll_loss, {"input": _log_softmax(Z), "target": T3, "weight": W3}),
    "nll_loss/ignore": (
        engine.nll_loss,
        {"input": _log_softmax(Z), "target": T3, "ignore_index": 2},
    ),
    "nll_loss/none": (
        engine.nll_loss,
        {"input": _log_softmax(Z), "target": T3, "reduction": "none"},
    ),
    "nll_loss_grad": (engine.nll_loss_grad, {"input": _log_softmax(Z), "target": T3}),
    "nll_loss_grad/weight": (
        engine.nll_loss_grad,
        {"input": _log_softmax(Z), "target": T3, "weight": W3, "ignore_index": 0},
    ),
    "cross_entropy": (engine.cross_entropy, {"input": Z, "target": T3, "weight": W3}),
    "cross_entropy/smooth": (
        engine.cross_entropy,
        {"input": Z, "target": T3, "label_smoothing": 0.2, "ignore_index": 1},
    ),
    "cross_entropy/probs": (engine.cross_entropy, {"input": Z, "target": _probs((4, 3))}),
    "cross_entropy/kdim": (
        engine.cross_entropy,
        {"input": RNG.normal(size=(2, 3, 2)), "target": np.array([[0, 2], [1, 1]])},
    ),
    "cross_entropy_grad": (engine.cross_entropy_grad, {"input": Z, "target": T3, "weight": W3}),
    "cross_entropy_grad/probs": (
        engine.cross_entropy_grad,
        {"input": Z, "target": _probs((4, 3)), "weight": W3, "label_smoothing": 0.1},
    ),
    "cross_entropy_grad/kdim": (
        engine.cross_entropy_grad,
        {"input": RNG.normal(size=(2, 3, 2)), "target": np.array([[0, 2], [1, 1]])},
    ),
    "log_softmax": (engine.log_softmax, {"logits": Z, "axis": 0}),
    "softmax": (engine.softmax, {"logits": Z}),
    # the chunked / blockwise fast paths
    "big/mse_loss": (engine.mse_loss, {"input": BIG_Z, "target": BIG_P}),
    "big/mse_grad": (engine.mse_grad, {"input": BIG_Z, "target": BIG_P}),
    "big/binary_cross_entropy": (
        engine.binary_cross_entropy,
        {"input": BIG_P, "target": np.round(BIG_P)},
    ),
    "big/binary_cross_entropy_grad": (
        engine.binary_cross_entropy_grad,
        {"input": BIG_P, "target": np.round(BIG_P)},
    ),
    "big/hinge_loss": (engine.hinge_loss, {"input": BIG_Z, "target": BIG_PM}),
    "big/hinge_loss_grad": (engine.hinge_loss_grad, {"input": BIG_Z, "target": BIG_PM}),
    "big/categorical_cross_entropy": (
        engine.categorical_cross_entropy,
        {"input": BIG_P, "target": np.eye(8)[BIG_T]},
    ),
    "big/categorical_cross_entropy_grad": (
        engine.categorical_cross_entropy_grad,
        {"input": BIG_P, "target": np.eye(8)[BIG_T]},
    ),
    "big/cross_entropy": (engine.cross_entropy, {"input": BIG_Z, "target": BIG_T}),
    "big/cross_entropy_grad": (engine.cross_entropy_grad, {"input": BIG_Z, "target": BIG_T}),
    "big/nll_loss": (engine.nll_loss, {"input": np.log(BIG_P), "target": BIG_T}),
    "big/nll_loss_grad": (engine.nll_loss_grad, {"input": np.log(BIG_P), "target": BIG_T}),
    # CTC and the alignment tools
    "ctc_loss": (engine.ctc_loss, _ctc(6, 2, 4, 2, reduction="none")),
    "ctc_loss_and_grad": (engine.ctc_loss_and_grad, _ctc(6, 2, 4, 2)),
    "ctc_loss_and_grad/log_probs": (
        engine.ctc_loss_and_grad,
        {**_ctc(6, 2, 4, 2), "target_lengths": np.array([2, 1]), "wrt": "log_probs"},
    ),
    "ctc/single": (engine.ctc_loss_and_grad, _ctc(50, 1, 5, 10)),
    "ctc/short": (engine.ctc_loss_and_grad, _ctc(200, 3, 5, 20)),
    "ctc/long": (engine.ctc_loss_and_grad, _ctc(600, 3, 5, 20)),
    "ctc/long loss": (engine.ctc_loss, _ctc(600, 3, 5, 20)),
    "ctc/segments": (engine.ctc_loss_and_grad, _ctc(3000, 1, 5, 5)),
    "ctc/wide": (engine.ctc_loss_and_grad, _ctc(300, 64, 30, 130)),
    "ctc/log-space": (engine.ctc_loss_and_grad, _ctc(2000, 2, 10, 50, scale=6.0)),
    "ctc/float32": (
        engine.ctc_loss_and_grad,
        {**_ctc(200, 3, 5, 20), "log_probs": _ctc(200, 3, 5, 20)["log_probs"].astype(np.float32)},
    ),
    "ctc_trace": (engine.ctc_trace, {"log_probs": LP1, "target": np.array([1, 2, 2])}),
    "ctc_forced_align": (engine.ctc_forced_align, {"log_probs": LP1, "target": np.array([1, 2])}),
    "ctc_viterbi_trace": (engine.ctc_viterbi_trace, {"log_probs": LP1, "target": np.array([3])}),
    "ctc_beam_search": (
        engine.ctc_beam_search,
        {"log_probs": LP1, "beam_width": 3, "return_trace": True},
    ),
    "ctc_greedy_decode": (engine.ctc_greedy_decode, {"log_probs_or_probs": LP1}),
    "ctc_collapse": (engine.ctc_collapse, {"sequence": np.array([1, 1, 0, 2]), "blank": 0}),
    "ctc_path_count": (engine.ctc_path_count, {"target": np.array([1, 2, 2]), "T": 6}),
    "ctc_paths": (lambda **kw: list(engine.ctc_paths(**kw)), {"target": np.array([1, 2]), "T": 4}),
    "ctc_listed": (
        engine.ctc_listed,
        {"target": "AB", "alignments": ["A-B", "AB-"], "probs": {"A": 0.5, "B": 0.3, "-": 0.2}},
    ),
    # RNN-T, BPTT
    "rnnt_loss": (
        engine.rnnt_loss,
        {
            "logits": RNG.normal(size=(2, 3, 3, 4)),
            "targets": np.array([[0, 1], [2, 0]], dtype=np.int32),
            "logit_lengths": np.array([3, 2], dtype=np.int32),
            "target_lengths": np.array([2, 1], dtype=np.int32),
        },
    ),
    "rnnt_loss_and_grad": (
        engine.rnnt_loss_and_grad,
        {
            "logits": RNG.normal(size=(2, 3, 3, 4)),
            "targets": np.array([[0, 1], [2, 0]]),
            "logit_lengths": np.array([3, 2]),
            "target_lengths": np.array([2, 1]),
            "clamp": 0.5,
        },
    ),
    "rnnt_trace": (engine.rnnt_trace, {"logits": RNG.normal(size=(3, 3, 4)), "target": [0, 1]}),
    "elman_bptt": (engine.elman_bptt, _bptt()),
    "elman_bptt/squared_error": (engine.elman_bptt, _bptt("squared_error")),
    "elman_bptt_trace": (engine.elman_bptt_trace, _bptt()),
    # REINFORCE
    "discounted_returns": (
        engine.discounted_returns,
        {"rewards": RNG.normal(size=(2, 4)), "gamma": 0.9, "lengths": np.array([4, 2])},
    ),
    "advantages": (
        engine.advantages,
        {
            "returns": RNG.normal(size=(2, 4)),
            "baseline": "mean",
            "mask": np.array([[1, 1, 1, 0]] * 2),
        },
    ),
    "advantages/array": (
        engine.advantages,
        {"returns": RNG.normal(size=(2, 4)), "baseline": RNG.normal(size=(2, 4))},
    ),
    "policy_log_probs": (
        engine.policy_log_probs,
        {
            "logits": RNG.normal(size=(2, 4, 3)),
            "actions": np.array([[0, 1, 2, 0], [2, 2, 1, -1]]),
            "lengths": np.array([4, 3]),
        },
    ),
    "reinforce_loss": (
        engine.reinforce_loss,
        {"action_log_probs": -RNG.uniform(size=(2, 4)), "advantages": RNG.normal(size=(2, 4))},
    ),
    "reinforce_loss_grad": (
        engine.reinforce_loss_grad,
        {
            "action_log_probs": -RNG.uniform(size=(2, 4)),
            "advantages": RNG.normal(size=(2, 4)),
            "mask": np.array([[1, 1, 1, 0], [1, 1, 0, 0]]),
            "reduction": "mean",
        },
    ),
    "reinforce_loss_from_logits": (
        engine.reinforce_loss_from_logits,
        {
            "logits": np.array([[0.0, -np.inf, 1.0], [0.5, 0.2, -1.0]]),
            "actions": np.array([1, 0]),
            "advantages": np.array([1.0, -2.0]),
        },
    ),
    "reinforce_policy_logits_grad": (
        engine.reinforce_policy_logits_grad,
        {
            "logits": RNG.normal(size=(2, 4, 3)),
            "actions": np.array([[0, 1, 2, 0], [2, 2, 1, 0]]),
            "advantages": RNG.normal(size=(2, 4)),
            "lengths": np.array([4, 3]),
        },
    ),
    # sequence losses (NaN at padded steps: never read, never changed)
    "sequence_cross_entropy": (
        engine.sequence_cross_entropy,
        {"input": PAD_NAN, "target": SEQ_T, "lengths": np.array([3, 2])},
    ),
    "sequence_cross_entropy/logits": (
        engine.sequence_cross_entropy,
        {
            "input": RNG.normal(size=(2, 3, 4)),
            "target": np.eye(4)[SEQ_T],
            "mask": np.array([[1, 1, 1], [1, 1, 0]], dtype=bool),
            "from_logits": True,
            "reduction": "mean_tokens",
        },
    ),
    "sequence_cross_entropy_grad": (
        engine.sequence_cross_entropy_grad,
        {"input": PAD_NAN, "target": SEQ_T, "lengths": np.array([3, 2])},
    ),
    "sequence_cross_entropy_terms": (
        engine.sequence_cross_entropy_terms,
        {"input": PAD_NAN, "target": SEQ_T, "lengths": np.array([3, 2])},
    ),
    "sequence_hinge": (
        engine.sequence_hinge,
        {
            "input": Z[:2],
            "target": np.array([[1, -1, 0], [-1, -1, 1]]),
            "lengths": np.array([2, 3]),
        },
    ),
    "sequence_hinge_grad": (
        engine.sequence_hinge_grad,
        {"input": Z[:2], "target": PM[:2], "reduction": "mean_sequences"},
    ),
    "step_mask": (engine.step_mask, {"lengths": np.array([3, 1]), "mask": None, "shape": (2, 3)}),
    "step_mask/mask": (
        engine.step_mask,
        {"lengths": None, "mask": np.array([[1.0, 0.0, 1.0], [0.0, 0.0, 1.0]]), "shape": (2, 3)},
    ),
}


def _public_functions() -> set[str]:
    return {n for n in engine.__all__ if inspect.isfunction(getattr(engine, n))}


def test_every_public_function_is_checked():
    called = set()
    for fn, _ in CASES.values():
        called.add(getattr(fn, "__name__", ""))
    called.add("ctc_paths")  # through its list() wrapper
    assert _public_functions() - called == set()


# ------------------------------------------------------------------------ snapshots
def _snapshot(value):
    if isinstance(value, np.ndarray):
        return (
            "array",
            value.dtype,
            value.shape,
            value.strides,
            value.flags.writeable,
            value.tobytes(order="A"),
        )
    return ("python", copy.deepcopy(value))


def _unchanged(value, snap) -> bool:
    if snap[0] == "python":
        return value == snap[1]
    kind, dtype, shape, strides, writeable, data = snap
    return (
        value.dtype == dtype
        and value.shape == shape
        and value.strides == strides
        and value.flags.writeable == writeable
        and value.tobytes(order="A") == data
    )


def _call(fn, kwargs):
    """fn(**kwargs) with warnings as errors: ('ok', result) or ('error', EngineError text)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            return "ok", fn(**kwargs)
        except EngineError as exc:
            assert "\n" not in str(exc)
            return "error", str(exc)


def _check_untouched(fn, kwargs):
    snaps = {k: _snapshot(v) for k, v in kwargs.items()}
    outcome = _call(fn, kwargs)
    changed = [k for k, v in kwargs.items() if not _unchanged(v, snaps[k])]
    assert not changed, f"changed: {changed}"
    return outcome


# ------------------------------------------------------------------------ layouts
def _read_only(a: np.ndarray) -> np.ndarray:
    b = a.copy()
    b.flags.writeable = False
    return b


def _strided(a: np.ndarray) -> np.ndarray:
    """A view of every other element of a bigger array (positive strides), read-only."""
    if a.ndim == 0:
        return _read_only(a)
    big = np.zeros(tuple(2 * n for n in a.shape), dtype=a.dtype)
    view = big[tuple(slice(None, None, 2) for _ in a.shape)]
    view[...] = a
    big.flags.writeable = False
    return view


def _reversed(a: np.ndarray) -> np.ndarray:
    """The same values through negative strides, read-only."""
    if a.ndim == 0:
        return _read_only(a)
    flip = tuple(slice(None, None, -1) for _ in a.shape)
    b = np.ascontiguousarray(a[flip])
    b.flags.writeable = False
    return b[flip]


def _fortran(a: np.ndarray) -> np.ndarray:
    b = np.asfortranarray(a)
    b.flags.writeable = False
    return b


def _big_endian(a: np.ndarray) -> np.ndarray:
    b = a.astype(a.dtype.newbyteorder(">"))
    b.flags.writeable = False
    return b


LAYOUTS = {
    "as given": lambda a: a,
    "read-only": _read_only,
    "strided": _strided,
    "reversed": _reversed,
    "fortran": _fortran,
    "big-endian": _big_endian,
}


@pytest.mark.parametrize("layout", list(LAYOUTS), ids=str)
@pytest.mark.parametrize("case", list(CASES), ids=str)
def test_inputs_are_untouched_in_every_layout(case, layout):
    fn, kwargs = CASES[case]
    if case.startswith(("big/", "ctc/")) and layout not in ("as given", "read-only"):
        pytest.skip("the big cases run as given and read-only (the layouts are checked small)")
    given = {k: LAYOUTS[layout](v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    status, result = _check_untouched(fn, given)
    assert status == "ok", result  # every case is a valid call, in every layout
    if layout != "as given":  # the same numbers as the plain call
        _, plain = _call(fn, kwargs)
        _assert_same_result(result, plain)


def _leaves(result) -> list:
    if isinstance(result, dict):
        return [leaf for k in sorted(result) for leaf in _leaves(result[k])]
    if isinstance(result, (list, tuple)):
        return [leaf for item in result for leaf in _leaves(item)]
    if hasattr(result, "__dataclass_fields__"):
        return [leaf for f in result.__dataclass_fields__ for leaf in _leaves(getattr(result, f))]
    if callable(getattr(result, "labels", None)):  # a beam-search prefix node: its labels
        return [result.labels()]
    return [result]


def _assert_same_result(a, b):
    for x, y in zip(_leaves(a), _leaves(b), strict=True):
        if isinstance(x, (np.ndarray, np.generic, float)):
            # another memory order may add in another order: the last bits may differ
            np.testing.assert_allclose(x, y, rtol=1e-12, atol=0)
        else:
            assert x == y


# ------------------------------------------------------------------------ hostile values
SPECIAL = [np.nan, np.inf, -np.inf, 1e308, -1e308, 5e-324, -0.0, 1e300, -1e300, 0.0, 1.0]
SMALL_CASES = [
    c
    for c, (_, kwargs) in CASES.items()
    if not c.startswith(("big/", "ctc/"))
    and any(isinstance(v, np.ndarray) for v in kwargs.values())
]


@st.composite
def hostile_calls(draw):
    case = draw(st.sampled_from(SMALL_CASES))
    fn, kwargs = CASES[case]
    names = [k for k, v in kwargs.items() if isinstance(v, np.ndarray)]
    kwargs = dict(kwargs)
    for name in draw(st.lists(st.sampled_from(names), min_size=1, max_size=3, unique=True)):
        arr = kwargs[name]
        if arr.dtype.kind == "f" and arr.size:
            arr = arr.copy()
            for _ in range(draw(st.integers(1, 3))):
                arr.flat[draw(st.integers(0, arr.size - 1))] = draw(st.sampled_from(SPECIAL))
        kwargs[name] = LAYOUTS[draw(st.sampled_from(list(LAYOUTS)))](arr)
    return case, fn, kwargs


@settings(max_examples=300, deadline=None)
@given(hostile_calls())
def test_hostile_values_give_a_result_or_one_engine_error_and_touch_nothing(call):
    _, fn, kwargs = call
    _check_untouched(fn, kwargs)  # any other exception, or a warning, fails the test


@pytest.mark.parametrize("case", SMALL_CASES, ids=str)
def test_broadcast_views_read_as_their_copies(case):
    # np.broadcast_to gives read-only views with stride 0 (the first row repeated): the call
    # must give what it gives for the same values in a contiguous copy, error or result
    fn, kwargs = CASES[case]
    for name, arr in kwargs.items():
        if not isinstance(arr, np.ndarray) or arr.ndim == 0 or arr.shape[0] == 0:
            continue
        view = np.broadcast_to(arr[:1], arr.shape)
        got = _check_untouched(fn, {**kwargs, name: view})
        expected = _call(fn, {**kwargs, name: np.ascontiguousarray(view)})
        assert got[0] == expected[0]
        if got[0] == "ok":
            _assert_same_result(got[1], expected[1])
        else:
            assert got[1] == expected[1]
