"""Tests for engine/_parallel.py: the thread count, the split of a batch, and that CTC gives the
same numbers on one thread or several.

Not bit for bit: a sequence's result already depends on its batch in the last bits (numpy sums
the per-frame shifts of a one-row part pairwise, those of a wider one row by row), so a split
changes them as a different batch would; both stay within the engine's certified 1e-13.
"""

from __future__ import annotations

import math
import os
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rnnloss_cli.engine import _ctc_small, _parallel, classification
from rnnloss_cli.engine.ctc import ctc_loss, ctc_loss_and_grad
from rnnloss_cli.engine.errors import EngineError
from tests.engine.test_ctc import log_softmax


@pytest.mark.parametrize(
    ("value", "expected"),
    [("3", 3), (" 2 ", 2), ("1", 1), ("100", _parallel.MAX_THREADS)],
)
def test_thread_count_reads_the_variable(monkeypatch, value, expected):
    monkeypatch.setenv("RNNLOSS_NUM_THREADS", value)
    assert _parallel.thread_count() == expected


@pytest.mark.parametrize("value", ["", "0", "-2", "two", "1.5", "²", "٣"])
def test_thread_count_ignores_what_is_not_a_positive_integer(monkeypatch, value):
    monkeypatch.setenv("RNNLOSS_NUM_THREADS", value)
    default = _parallel.thread_count()
    monkeypatch.delenv("RNNLOSS_NUM_THREADS")
    assert default == _parallel.thread_count() >= 1


@pytest.mark.parametrize(
    ("cost", "width", "threads", "min_width", "expected"),
    [
        # equal rows, two threads: two halves (the cut where the running cost reaches half)
        ([10, 10, 10, 10], [4, 4, 4, 4], 2, 1, [(0, 2), (2, 4)]),
        # a long first row gets a thread of its own
        ([30, 4, 3, 3], [4, 4, 4, 4], 2, 1, [(0, 1), (1, 4)]),
        # three threads, two rows: two parts
        ([5, 5], [4, 4], 3, 1, [(0, 1), (1, 2)]),
        # one thread: the whole batch
        ([10, 10, 10, 10], [4, 4, 4, 4], 1, 1, [(0, 4)]),
        # columns too narrow for a second thread (16 cells a frame, 9 needed a part)
        ([10, 10, 10, 10], [4, 4, 4, 4], 2, 9, [(0, 4)]),
    ],
)
def test_split_rows(monkeypatch, cost, width, threads, min_width, expected):
    monkeypatch.setenv("RNNLOSS_NUM_THREADS", str(threads))
    monkeypatch.setattr(_parallel, "MIN_CELLS_PER_THREAD", 1)
    monkeypatch.setattr(_parallel, "MIN_COLUMN_PER_THREAD", min_width)
    parts = _parallel.split_rows(np.array(cost), np.array(width))
    assert [(p.start, p.stop) for p in parts] == expected


def test_run_parts_reraises_the_first_failing_part():
    seen = []

    def task(part: slice) -> None:
        seen.append(part.start)
        if part.start >= 1:
            raise ValueError(f"part {part.start}")

    with pytest.raises(ValueError, match="part 1"):
        _parallel.run_parts(task, [slice(0, 1), slice(1, 2), slice(2, 3)])
    assert sorted(seen) == [0, 1, 2]  # every part ran (and ended) before the error


def _split_every_batch(mp: pytest.MonkeyPatch) -> None:
    """Any batch of two or more rows splits over threads; short inputs skip _ctc_small."""
    mp.setattr(_parallel, "MIN_CELLS_PER_THREAD", 1)
    mp.setattr(_parallel, "MIN_COLUMN_PER_THREAD", 1)
    mp.setattr(_ctc_small, "SMALL_MAX_FRAMES", 0)


def _both(lp, targets, il, tl, blank=0, wrt="logits"):
    kw = {"blank": blank, "reduction": "none"}
    loss, grad = ctc_loss_and_grad(lp, targets, il, tl, wrt=wrt, **kw)
    return loss, grad, ctc_loss(lp, targets, il, tl, **kw)


def _assert_same_with_threads(*args, **kw):
    with pytest.MonkeyPatch.context() as mp:
        _split_every_batch(mp)
        mp.setenv("RNNLOSS_NUM_THREADS", "1")
        one = _both(*args, **kw)
        mp.setenv("RNNLOSS_NUM_THREADS", "3")
        several = _both(*args, **kw)
    for a, b in zip(one, several, strict=True):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_array_equal(np.isfinite(a), np.isfinite(b))
        np.testing.assert_array_equal(a[~np.isfinite(a)], b[~np.isfinite(b)])
        np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-13)


@st.composite
def batches(draw):
    n_batch = draw(st.integers(2, 6))
    n_classes = draw(st.integers(2, 6))
    n_frames = draw(st.integers(1, 30))
    scale = draw(st.sampled_from([0.1, 1.0, 30.0, 600.0]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    lp = log_softmax(rng.standard_normal((n_frames, n_batch, n_classes)) * scale)
    if draw(st.booleans()):
        lp[rng.random(lp.shape) < 0.1] = -np.inf
    targets = rng.integers(1, n_classes, size=(n_batch, 5))
    tl = rng.integers(0, 6, size=n_batch)
    il = rng.integers(0, n_frames + 1, size=n_batch)
    return lp, targets, il, tl


@settings(max_examples=60, deadline=None)
@given(batches(), st.sampled_from(["logits", "log_probs"]))
def test_ctc_same_numbers_on_any_thread_count(batch, wrt):
    _assert_same_with_threads(*batch, wrt=wrt)


def test_ctc_long_and_short_rows_same_numbers_on_any_thread_count():
    """One input past LONG_FRAMES: the windowed recursion (for the whole batch, so for a part
    holding only short rows too)."""
    rng = np.random.default_rng(7)
    n_frames, n_classes = 4200, 5
    lp = log_softmax(rng.standard_normal((n_frames, 4, n_classes)) * 3.0)
    targets = rng.integers(1, n_classes, size=(4, 40))
    il = np.array([n_frames, 300, 280, 260])
    tl = np.array([40, 30, 20, 25])
    _assert_same_with_threads(lp, targets, il, tl)


# ---------------------------------------------------------------------------------------------
# Pointwise losses on big inputs: reduced in chunks spread over the threads
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def small_chunks(monkeypatch):
    """Chunking from 64 elements on, 16 a chunk: the chunked path on test-sized inputs."""
    monkeypatch.setattr(classification, "CHUNKED_MIN_ELEMENTS", 64)
    monkeypatch.setattr(_parallel, "CHUNKED_MIN_ELEMENTS", 64)
    monkeypatch.setattr(_parallel, "CHUNK_ELEMENTS", 16)


@pytest.mark.usefixtures("small_chunks")
@pytest.mark.parametrize("reduction", ["sum", "mean"])
def test_chunked_hinge_closed_form(reduction):
    """yhat = 0.5 against labels +1, -1 alternating over 101 elements: margins 1 - 0.5 = 0.5
    for the +1 labels (51 of them) and 1 + 0.5 = 1.5 for the -1 labels (50): sum 25.5 + 75 =
    100.5, mean 100.5 / 101."""
    y = np.where(np.arange(101) % 2 == 0, 1.0, -1.0)
    got = classification.hinge_loss(np.full(101, 0.5), y, reduction)
    assert got == (100.5 if reduction == "sum" else 100.5 / 101)


@pytest.mark.usefixtures("small_chunks")
@pytest.mark.parametrize("reduction", ["sum", "mean"])
def test_chunked_categorical_cross_entropy_closed_form(reduction):
    """40 one-hot rows over 3 classes, each row's true class at probability 0.5: every row
    contributes -ln 0.5 = ln 2, so the sum is 40 ln 2 and the mean ln 2."""
    p = np.full((40, 3), 0.25)
    y = np.zeros((40, 3))
    rows = np.arange(40)
    p[rows, rows % 3] = 0.5
    y[rows, rows % 3] = 1.0
    got = classification.categorical_cross_entropy(p, y, reduction)
    expected = 40 * math.log(2.0) if reduction == "sum" else math.log(2.0)
    assert got == pytest.approx(expected, rel=1e-15)


@pytest.mark.usefixtures("small_chunks")
@pytest.mark.parametrize("threads", ["1", "2", "5"])
def test_chunked_sum_does_not_depend_on_the_thread_count(monkeypatch, threads):
    """The chunks depend on the size only and are added exactly in chunk order: the same bits
    on any thread count (compared with a plain fsum of the chunk sums)."""
    rng = np.random.default_rng(3)
    yhat, y = rng.standard_normal(1000), np.where(rng.random(1000) < 0.5, 1.0, -1.0)
    chunk_sums = [
        np.maximum(1.0 - y[a : a + 16] * yhat[a : a + 16], 0.0).sum() for a in range(0, 1000, 16)
    ]
    monkeypatch.setenv("RNNLOSS_NUM_THREADS", threads)
    assert classification.hinge_loss(yhat, y, "sum") == math.fsum(chunk_sums)


@pytest.mark.usefixtures("small_chunks")
@pytest.mark.parametrize(
    ("loss", "x", "t", "message"),
    [
        (
            "hinge_loss",
            np.r_[np.zeros(90), np.nan, np.zeros(9)],
            np.ones(100),
            "input: expected finite",
        ),
        (
            "hinge_loss",
            np.zeros(100),
            np.r_[np.ones(70), 0.5, np.ones(29)],
            "target: expected labels -1 or \\+1",
        ),
        (
            "categorical_cross_entropy",
            np.r_[np.full((30, 3), 1 / 3), [[0.5, 0.6, -0.1]]],
            np.eye(3)[np.arange(31) % 3],
            "input: expected probabilities",
        ),
        (
            "binary_cross_entropy",
            np.r_[np.full(70, 0.5), 1.5, np.full(29, 0.5)],
            np.ones(100),
            "input: expected probabilities",
        ),
        (
            "binary_cross_entropy_grad",
            np.full(100, 0.5),
            np.r_[np.ones(70), np.inf, np.ones(29)],
            "target: expected finite",
        ),
        (
            # a row of -inf logits in the second chunk, a NaN in the sixth: NaN is named
            # first, as the whole array's check does
            "cross_entropy",
            np.r_[np.zeros((6, 3)), np.full((1, 3), -np.inf), np.zeros((20, 3)), [[0, np.nan, 0]]],
            np.zeros(28, dtype=np.int64),
            "got NaN or \\+inf",
        ),
        (
            "cross_entropy_grad",
            np.r_[np.zeros((20, 3)), np.full((1, 3), -np.inf), np.zeros((9, 3))],
            np.zeros(30, dtype=np.int64),
            "every logit of an observation is -inf",
        ),
    ],
)
def test_chunked_losses_report_bad_input_as_one_call_does(monkeypatch, loss, x, t, message):
    fn = getattr(classification, loss)
    with pytest.raises(EngineError, match=message):
        fn(x, t)
    monkeypatch.setattr(classification, "CHUNKED_MIN_ELEMENTS", 1 << 40)
    monkeypatch.setattr(_parallel, "CHUNKED_MIN_ELEMENTS", 1 << 40)
    with pytest.raises(EngineError, match=message):
        fn(x, t)


@pytest.mark.usefixtures("small_chunks")
@pytest.mark.filterwarnings("ignore:overflow encountered")  # numpy's, as for one whole sum
def test_chunked_total_past_the_float_range_is_infinite():
    """100 margins of 1 + 1e308 each: the true total, 1e310, is past the float range, so inf
    (math.fsum alone would raise OverflowError)."""
    assert classification.hinge_loss(np.full(100, -1e308), np.ones(100), "sum") == math.inf


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_threads_still_work_in_a_forked_child():
    """A child made by fork after the pool started has none of its threads; it must make its
    own pool instead of waiting forever on the parent's."""
    done = []
    _parallel.run_parts(lambda part: done.append(part.start), [slice(0, 1), slice(1, 2)])
    assert sorted(done) == [0, 1]  # the pool exists now
    pid = os.fork()
    if pid == 0:  # the child: exit 0 only if both parts ran
        child = []
        _parallel.run_parts(lambda part: child.append(part.start), [slice(0, 1), slice(1, 2)])
        os._exit(0 if sorted(child) == [0, 1] else 1)
    for _ in range(100):  # up to 10 s
        waited, status = os.waitpid(pid, os.WNOHANG)
        if waited:
            assert os.waitstatus_to_exitcode(status) == 0
            return
        time.sleep(0.1)
    os.kill(pid, 9)
    os.waitpid(pid, 0)
    pytest.fail("the forked child hung on the parent's thread pool")


@pytest.mark.usefixtures("small_chunks")
def test_chunked_categorical_cross_entropy_with_zero_probabilities():
    """Rows (0.5, 0.5, 0) in turn, the one-hot target on a 0.5 class: each row is ln 2, and the
    0 * ln 0 terms count 0 in every chunk (the chunk takes the zero-probability path)."""
    rows = np.arange(40)
    p = np.zeros((40, 3))
    p[rows, rows % 3] = 0.5
    p[rows, (rows + 1) % 3] = 0.5
    y = np.zeros((40, 3))
    y[rows, rows % 3] = 1.0
    got = classification.categorical_cross_entropy(p, y, "sum")
    assert got == pytest.approx(40 * math.log(2.0), rel=1e-15)
    # a correct class at probability 0 is an infinite loss, whichever chunk holds it
    y[33] = 0.0
    y[33, (33 + 2) % 3] = 1.0
    assert classification.categorical_cross_entropy(p, y, "sum") == math.inf


@pytest.mark.usefixtures("small_chunks")
def test_chunked_mse_closed_form_and_gradient():
    """x = 0..99, y = x + 1 (as float32 and int input too): every error is -1, so the sum is
    100, the mean 1, and the gradient of the mean 2 (x - y) / 100 = -0.02 everywhere."""
    from rnnloss_cli.engine import regression

    for x in (np.arange(100.0), np.arange(100, dtype=np.float32), np.arange(100)):
        y = np.arange(100.0) + 1.0
        assert regression.mse_loss(x, y, "sum") == 100.0
        assert regression.mse_loss(x, y) == 1.0
        grad = regression.mse_grad(x, y)
        assert grad.dtype == np.float64 and grad.shape == (100,)
        np.testing.assert_array_equal(grad, np.full(100, -0.02))
    # (10, 10) input: the gradient keeps the shape
    assert regression.mse_grad(np.zeros((10, 10)), np.ones((10, 10)), "sum").shape == (10, 10)


@pytest.mark.usefixtures("small_chunks")
@pytest.mark.parametrize("bad", ["input", "target"])
def test_chunked_mse_names_the_non_finite_argument(bad):
    from rnnloss_cli.engine import regression

    x, y = np.zeros(100), np.zeros(100)
    (x if bad == "input" else y)[70] = np.nan
    for fn in (regression.mse_loss, regression.mse_grad):
        with pytest.raises(EngineError, match=f"^{bad}: expected finite"):
            fn(x, y)


@pytest.mark.usefixtures("small_chunks")
@pytest.mark.parametrize("reduction", ["sum", "mean"])
def test_chunked_binary_cross_entropy_closed_form_and_gradient(reduction):
    """p = 1/2 against labels 1, 0 alternating over 100 elements: every term is ln 2 (sum
    100 ln 2, mean ln 2); the gradient (p - y) / (p (1 - p)) = (1/2 - y) / (1/4) = -2 for
    y = 1 and +2 for y = 0, over 100 for the mean."""
    y = np.where(np.arange(100) % 2 == 0, 1.0, 0.0)
    p = np.full(100, 0.5)
    got = classification.binary_cross_entropy(p, y, reduction)
    assert got == pytest.approx(100 * math.log(2.0) if reduction == "sum" else math.log(2.0))
    grad = classification.binary_cross_entropy_grad(p, y, reduction)
    step = 2.0 if reduction == "sum" else 0.02
    np.testing.assert_array_equal(grad, np.where(y == 1.0, -step, step))


@pytest.mark.usefixtures("small_chunks")
@pytest.mark.parametrize("reduction", ["sum", "mean"])
def test_chunked_cross_entropy_closed_form_and_gradient(reduction):
    """40 rows of logits (ln 2, 0, 0): softmax (1/2, 1/4, 1/4). Targets 0, 1, 2, 0, ...: the
    loss of a row is ln 2 for class 0 (14 rows) and ln 4 for classes 1 and 2 (26 rows), so
    the sum is 14 ln 2 + 52 ln 2 = 66 ln 2. The gradient of a row is softmax - onehot(y)."""
    z = np.tile([math.log(2.0), 0.0, 0.0], (40, 1))
    t = np.arange(40) % 3
    scale = 1.0 if reduction == "sum" else 1 / 40
    got = classification.cross_entropy(z, t, reduction)
    assert got == pytest.approx(66 * math.log(2.0) * scale, rel=1e-15)
    want = np.tile([0.5, 0.25, 0.25], (40, 1))
    want[np.arange(40), t] -= 1.0
    grad = classification.cross_entropy_grad(z, t, reduction)
    np.testing.assert_allclose(grad, want * scale, rtol=1e-15, atol=1e-17)


@pytest.mark.parametrize("threads", ["1", "2"])
def test_chunked_softmax_pieces_are_the_whole_arrays(monkeypatch, threads):
    """Each row's max, exponentials and sum are computed within the row: in chunks (of 16
    elements, on one or two threads) the losses and gradients are bit for bit those of one
    whole-array pass, for index and probability targets, weights and label smoothing."""
    rng = np.random.default_rng(5)
    z = rng.standard_normal((50, 4)) * 3
    t = rng.integers(0, 4, size=50)
    q = rng.dirichlet(np.ones(4), size=50)
    w = rng.uniform(0.5, 2.0, size=4)
    cases = [(t, {}), (t, {"weight": w, "label_smoothing": 0.1}), (q, {}), (q, {"weight": w})]

    def run():
        return [
            (fn(z, target, "none" if fn is classification.cross_entropy else "mean", **kw))
            for target, kw in cases
            for fn in (classification.cross_entropy, classification.cross_entropy_grad)
        ]

    monkeypatch.setattr(_parallel, "CHUNKED_MIN_ELEMENTS", 1 << 40)
    monkeypatch.setattr(classification, "CHUNKED_MIN_ELEMENTS", 1 << 40)
    whole = run()
    monkeypatch.setattr(classification, "CHUNKED_MIN_ELEMENTS", 64)
    monkeypatch.setattr(_parallel, "CHUNK_ELEMENTS", 16)
    monkeypatch.setenv("RNNLOSS_NUM_THREADS", threads)
    for got, want in zip(run(), whole, strict=True):
        np.testing.assert_array_equal(got, want)


# The chunk kernels work in a reused per-thread buffer and check only what their arithmetic
# cannot show: each case below is one such trap (a value the chunk's result would hide).


@pytest.mark.usefixtures("small_chunks")
@pytest.mark.parametrize(
    ("loss", "x", "t", "message"),
    [
        # y yhat = +inf: max(0, 1 - inf) is 0, a finite margin sum
        ("hinge_loss", np.r_[np.zeros(70), np.inf, np.zeros(29)], np.ones(100), "finite"),
        ("hinge_loss_grad", np.r_[np.zeros(70), np.inf, np.zeros(29)], np.ones(100), "finite"),
        # labels one ulp from +-1: their products and margins are ordinary numbers
        ("hinge_loss", np.zeros(100), np.r_[np.ones(70), 1 + 2**-52, np.ones(29)], "labels"),
        ("hinge_loss_grad", np.zeros(100), np.r_[np.ones(70), 1 - 2**-53, np.ones(29)], "labels"),
        ("hinge_loss", np.zeros(100), np.r_[np.ones(70), -1 - 2**-52, np.ones(29)], "labels"),
        # p > 1 where y = 0: the term 0 ln p is 0, the quotient 0 / p is 0
        (
            "categorical_cross_entropy",
            np.r_[np.full((30, 3), 0.5), [[0.5, 0.5, 1.5]]],
            np.r_[np.tile([1.0, 0.0, 0.0], (30, 1)), [[1.0, 0.0, 0.0]]],
            "probabilities",
        ),
        (
            "categorical_cross_entropy_grad",
            np.r_[np.full((30, 3), 0.5), [[0.5, 0.5, 1.5]]],
            np.r_[np.tile([1.0, 0.0, 0.0], (30, 1)), [[1.0, 0.0, 0.0]]],
            "probabilities",
        ),
        # an infinite target where p = 1: inf ln 1 is NaN, inf / 1 is inf
        (
            "categorical_cross_entropy_grad",
            np.tile([1.0, 0.0, 0.0], (31, 1)),
            np.r_[np.tile([1.0, 0.0, 0.0], (30, 1)), [[np.inf, 0.0, 0.0]]],
            "target: expected finite",
        ),
    ],
)
def test_chunk_kernels_refuse_what_their_results_would_hide(loss, x, t, message):
    with pytest.raises(EngineError, match=message):
        getattr(classification, loss)(x, t)


@pytest.mark.parametrize("reduction", ["sum", "mean", "none"])
def test_chunked_gradients_are_the_whole_arrays(monkeypatch, reduction):
    """hinge and categorical cross-entropy gradients in chunks (of 16 elements, two threads)
    are bit for bit the whole-array ones, signed zeros included, with margins exactly 1 (the
    kink), p = 0 where y = 0 (0 / 0 counts 0) and p = 0 where y > 0 (-inf)."""
    rng = np.random.default_rng(8)
    yhat = rng.standard_normal(200)
    y = np.where(rng.random(200) < 0.5, 1.0, -1.0)
    yhat[:20] = y[:20]  # margin exactly 0
    p = rng.dirichlet(np.ones(4), size=50)
    onehot = np.eye(4)[rng.integers(0, 4, size=50)]
    p[3] = np.where(onehot[3] == 0, [0.5, 0.5, 0.0, 0.0][::-1], 0.0)  # y > 0 at p = 0
    p[7] = np.where(onehot[7] == 0, 0.0, 1.0)  # 0 / 0 where y = 0

    def run():
        return [
            classification.hinge_loss_grad(yhat, y, reduction),
            classification.categorical_cross_entropy_grad(p, onehot, reduction),
            classification.categorical_cross_entropy_grad(p[8:], onehot[8:], reduction),
        ]

    monkeypatch.setattr(_parallel, "CHUNKED_MIN_ELEMENTS", 1 << 40)
    whole = run()
    monkeypatch.setattr(_parallel, "CHUNKED_MIN_ELEMENTS", 64)
    monkeypatch.setattr(_parallel, "CHUNK_ELEMENTS", 16)
    monkeypatch.setenv("RNNLOSS_NUM_THREADS", "2")
    for got, want in zip(run(), whole, strict=True):
        np.testing.assert_array_equal(got, want)
        np.testing.assert_array_equal(np.signbit(got), np.signbit(want))


@pytest.mark.usefixtures("small_chunks")
@pytest.mark.parametrize("threads", ["2", "3"])
@pytest.mark.parametrize("n_rows", [7, 22, 23])
def test_nll_gradient_on_threads_sets_every_row(monkeypatch, threads, n_rows):
    """The nll gradient's rows are zeroed and set in parts, one a thread: -1 at each row's
    target ("sum"), 0 elsewhere, whatever the split (rows not a multiple of the parts)."""
    monkeypatch.setenv("RNNLOSS_NUM_THREADS", threads)
    t = np.arange(n_rows) % 4
    grad = classification.nll_loss_grad(np.full((n_rows, 4), math.log(0.25)), t, "sum")
    want = np.zeros((n_rows, 4))
    want[np.arange(n_rows), t] = -1.0
    np.testing.assert_array_equal(grad, want)


_SPECIALS = [np.nan, np.inf, -np.inf, 0.0, 1.0, 1.5, -0.5, 1e308, -1e308, 5e-324, 0.5, 2.0]


def _outcome(fn, x, t, reduction):
    """fn's result, or ("error", message) when it refuses."""
    try:
        with np.errstate(all="ignore"):
            return fn(x, t, reduction)
    except EngineError as exc:
        return ("error", str(exc))


@settings(max_examples=150, deadline=None)
@given(
    loss=st.sampled_from(
        [
            ("mse_loss", "regression"),
            ("mse_grad", "regression"),
            ("hinge_loss", "classification"),
            ("hinge_loss_grad", "classification"),
            ("categorical_cross_entropy", "classification"),
            ("categorical_cross_entropy_grad", "classification"),
        ]
    ),
    reduction=st.sampled_from(["sum", "mean"]),
    rows=st.integers(22, 60),
    seed=st.integers(0, 2**32 - 1),
    spots=st.lists(
        st.tuples(st.booleans(), st.integers(0, 10**6), st.sampled_from(_SPECIALS)), max_size=4
    ),
)
def test_chunk_kernels_agree_with_the_whole_array_path(loss, reduction, rows, seed, spots):
    """Random (rows, 3) inputs of each chunked loss, with up to four entries of the input or
    the target replaced by NaN, infinities, 0, values outside [0, 1] or labels other than
    +-1: in chunks of 16 elements on two threads the result is the whole-array one (the
    same gradient bits; losses to 1e-12, summed in another order) or the same refusal."""
    from unittest import mock

    from rnnloss_cli.engine import regression

    name, module = loss
    fn = getattr(regression if module == "regression" else classification, name)
    rng = np.random.default_rng(seed)
    if name.startswith("categorical"):
        x = rng.dirichlet(np.ones(3), size=rows)
        t = np.eye(3)[rng.integers(0, 3, size=rows)]
    elif name.startswith("hinge"):
        x = rng.standard_normal((rows, 3))
        t = np.where(rng.random((rows, 3)) < 0.5, 1.0, -1.0)
    else:
        x, t = rng.standard_normal((rows, 3)), rng.standard_normal((rows, 3))
    for in_target, where, value in spots:
        (t if in_target else x).reshape(-1)[where % x.size] = value
    with mock.patch.object(_parallel, "CHUNKED_MIN_ELEMENTS", 1 << 40):
        whole = _outcome(fn, x, t, reduction)
    with (
        mock.patch.object(_parallel, "CHUNKED_MIN_ELEMENTS", 64),
        mock.patch.object(_parallel, "CHUNK_ELEMENTS", 16),
        mock.patch.dict(os.environ, {"RNNLOSS_NUM_THREADS": "2"}),
    ):
        chunked = _outcome(fn, x, t, reduction)
    if isinstance(whole, tuple):
        assert chunked == whole
    elif isinstance(whole, np.ndarray):
        np.testing.assert_array_equal(chunked, whole)
        np.testing.assert_array_equal(np.signbit(chunked), np.signbit(whole))
    else:
        assert not isinstance(chunked, tuple), chunked
        if math.isfinite(whole):
            assert chunked == pytest.approx(whole, rel=1e-12, abs=1e-300)
        else:
            assert chunked == whole or (math.isnan(chunked) and math.isnan(whole))
