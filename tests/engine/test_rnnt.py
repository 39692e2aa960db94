"""Tests for the RNN-T loss, gradient and trace, against references written here.

References: brute force over every lattice path (each interleaving of U label moves and T-1
blank moves, then the final blank), central finite differences, closed forms (each frame is
left by exactly one blank move, each label is emitted exactly once), hand-worked cases, and
torchaudio.functional.rnnt_loss when installed (float32 only there; skipped otherwise).
"""

from __future__ import annotations

import doctest
import itertools
import math
from pathlib import Path

import numpy as np
import pytest
import yaml

import rnnloss_cli.engine.rnnt as rnnt
from rnnloss_cli.engine.errors import EngineError
from rnnloss_cli.engine.rnnt import rnnt_loss, rnnt_loss_and_grad, rnnt_trace
from tests.numeric import central_diff


def log_softmax_ref(z):
    z = np.asarray(z, dtype=np.float64)
    return (
        z
        - np.log(np.sum(np.exp(z - z.max(-1, keepdims=True)), -1, keepdims=True))
        - z.max(-1, keepdims=True)
    )


def brute_force_log_p(lp: np.ndarray, target, blank: int) -> float:
    """ln p(y|x) by walking every path: lp (T, U+1, V) log-probabilities."""
    n_frames, n_nodes, _ = lp.shape
    n_labels = n_nodes - 1
    total = 0.0
    n_moves = n_frames - 1 + n_labels
    for label_steps in itertools.combinations(range(n_moves), n_labels):
        t = u = 0
        log_p = 0.0
        for step in range(n_moves):
            if step in label_steps:
                log_p += lp[t, u, target[u]]
                u += 1
            else:
                log_p += lp[t, u, blank]
                t += 1
        log_p += lp[t, u, blank]  # the final blank from (T-1, U)
        assert (t, u) == (n_frames - 1, n_labels)
        total += math.exp(log_p)
    return math.log(total)


def random_batch(seed: int, n_batch: int, n_frames: int, n_labels: int, n_classes: int, blank):
    rng = np.random.default_rng(seed)
    logits = rng.standard_normal((n_batch, n_frames, n_labels + 1, n_classes)) * 1.5
    b = blank % n_classes
    labels = [k for k in range(n_classes) if k != b]
    targets = np.array(labels)[rng.integers(0, len(labels), size=(n_batch, n_labels))]
    return logits, targets.astype(np.int32)


CASES = [  # seed, N, T, U, V, blank
    (0, 1, 1, 0, 2, -1),
    (1, 1, 1, 3, 3, -1),
    (2, 2, 3, 2, 3, 0),
    (3, 3, 4, 3, 4, -1),
    (4, 2, 5, 1, 2, 1),
    (5, 1, 2, 4, 5, 2),
]


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("fused", [True, False])
def test_loss_matches_path_enumeration(case, fused):
    seed, n_batch, n_frames, n_labels, n_classes, blank = case
    logits, targets = random_batch(seed, n_batch, n_frames, n_labels, n_classes, blank)
    if not fused:  # the logits are taken as log-probabilities as they are
        logits = log_softmax_ref(logits) + 0.1  # not normalised: the loss must not care
    lengths_t = np.full(n_batch, n_frames)
    lengths_u = np.full(n_batch, n_labels)
    losses = rnnt_loss(
        logits,
        targets,
        lengths_t,
        lengths_u,
        blank=blank,
        reduction="none",
        fused_log_softmax=fused,
    )
    for n in range(n_batch):
        lp = log_softmax_ref(logits[n]) if fused else logits[n]
        ref = -brute_force_log_p(lp, targets[n], blank % n_classes)
        assert losses[n] == pytest.approx(ref, rel=1e-12, abs=1e-12)
    assert rnnt_loss(
        logits, targets, lengths_t, lengths_u, blank=blank, reduction="sum", fused_log_softmax=fused
    ) == pytest.approx(losses.sum())
    assert rnnt_loss(
        logits, targets, lengths_t, lengths_u, blank=blank, fused_log_softmax=fused
    ) == pytest.approx(losses.mean())


def test_shorter_lengths_use_only_their_corner():
    logits, targets = random_batch(8, 2, 5, 3, 4, -1)
    losses = rnnt_loss(logits, targets, [3, 5], [2, 0], reduction="none")
    ref0 = -brute_force_log_p(log_softmax_ref(logits[0, :3, :3]), targets[0, :2], 3)
    ref1 = -brute_force_log_p(log_softmax_ref(logits[1, :, :1]), [], 3)
    np.testing.assert_allclose(losses, [ref0, ref1], rtol=1e-12)
    _, grad = rnnt_loss_and_grad(logits, targets, [3, 5], [2, 0], reduction="sum")
    assert np.all(grad[0, 3:] == 0) and np.all(grad[0, :, 3:] == 0) and np.all(grad[1, :, 1:] == 0)


# The same cases, the largest one shrunk: central differences cost 2 losses per logit.
FD_CASES = [*CASES[:3], (3, 2, 3, 3, 3, -1), *CASES[4:]]


@pytest.mark.parametrize("case", FD_CASES)
@pytest.mark.parametrize("fused", [True, False])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_gradient_matches_finite_differences(case, fused, reduction):
    seed, n_batch, n_frames, n_labels, n_classes, blank = case
    logits, targets = random_batch(seed, n_batch, n_frames, n_labels, n_classes, blank)
    if not fused:
        logits = log_softmax_ref(logits)
    lt = np.full(n_batch, n_frames)
    lu = np.full(n_batch, n_labels)
    lt[0] = max(1, n_frames - 1)  # one shorter sequence: its padding must get gradient 0
    kw = {"blank": blank, "fused_log_softmax": fused}

    def f(z):
        return float(np.sum(rnnt_loss(z, targets, lt, lu, reduction=reduction, **kw)))

    _, grad = rnnt_loss_and_grad(logits, targets, lt, lu, reduction=reduction, **kw)
    np.testing.assert_allclose(grad, central_diff(f, logits), atol=1e-6, rtol=0)


def test_uniform_hand_worked():
    # T = 2, U = 1 (label 0), V = 2, blank = 1, every move 1/2. Paths: a,-,- and -,a,- each
    # (1/2)^3: p = 1/4, loss = ln 4. Occupations: (0,0) 1, (0,1) 1/2, (1,0) 1/2, (1,1) 1.
    # Gradient (fused) = y * node - move: at (0,1) only blank leaves (occupation 1/2):
    # blank 1/2 * 1/2 - 1/2 = -1/4, label +1/4; at (1,1) the final blank (1): 1/2 - 1 = -1/2.
    loss, grad = rnnt_loss_and_grad(np.zeros((1, 2, 2, 2)), [[0]], [2], [1])
    assert loss == pytest.approx(math.log(4))
    np.testing.assert_allclose(grad[0, 0, 1], [0.25, -0.25], atol=1e-15)
    np.testing.assert_allclose(grad[0, 1, 1], [0.5, -0.5], atol=1e-15)
    tr = rnnt_trace(np.zeros((2, 2, 2)), [0])
    np.testing.assert_allclose(tr.node_occupation, [[1, 0.5], [0.5, 1]])
    assert tr.n_paths == 2 and tr.blank == 1


def test_one_frame_emits_everything_then_blank():
    # T = 1: the only path emits y_1..y_U at t = 0 then the blank: p = prod y(0,u,y_u+1) y(0,U,b).
    lp = np.log(
        [[[0.5, 0.25, 0.25], [0.1, 0.8, 0.1], [0.6, 0.2, 0.2]]]
    )  # (T=1, U+1=3, V=3), blank = 0
    loss = rnnt_loss(lp[None], [[2, 1]], [1], [2], blank=0, fused_log_softmax=False)
    assert loss == pytest.approx(-math.log(0.25 * 0.8 * 0.6))


def test_repeated_labels_need_no_blank_between():
    # Unlike CTC: target (a, a) over T = 1 frame is possible: a, a, then blank.
    lp = np.log([[[0.5, 0.5], [0.5, 0.5], [0.5, 0.5]]])
    assert rnnt_loss(lp[None], [[0, 0]], [1], [2], fused_log_softmax=False) == pytest.approx(
        3 * math.log(2)
    )


@pytest.mark.parametrize("seed", range(5))
def test_trace_closed_forms(seed):
    rng = np.random.default_rng(seed)
    n_frames, n_labels, n_classes = 2 + seed, 1 + seed % 3, 3 + seed % 2
    logits = rng.standard_normal((n_frames, n_labels + 1, n_classes)) * 2
    target = rng.integers(0, n_classes - 1, size=n_labels)  # blank = -1 = V-1
    tr = rnnt_trace(logits, target)
    lp = log_softmax_ref(logits)
    assert tr.log_likelihood == pytest.approx(brute_force_log_p(lp, target, n_classes - 1))
    assert tr.log_beta[0, 0] == pytest.approx(tr.log_likelihood, abs=1e-12)
    # Every path leaves each frame by exactly one blank move and emits each label once.
    np.testing.assert_allclose(tr.blank_occupation.sum(axis=1), 1.0, atol=1e-12)
    np.testing.assert_allclose(tr.label_occupation.sum(axis=0), 1.0, atol=1e-12)
    assert tr.n_paths == math.comb(n_frames - 1 + n_labels, n_labels)
    np.testing.assert_allclose(tr.log_blank, lp[:, :, -1])
    _, grad = rnnt_loss_and_grad(logits[None], target[None], [n_frames], [n_labels])
    np.testing.assert_allclose(tr.grad_logits, grad[0], atol=1e-14)


def test_clamp_clips_both_ways_before_the_mean():
    logits, targets = random_batch(3, 2, 4, 3, 4, -1)
    _, free = rnnt_loss_and_grad(logits, targets, [4, 4], [3, 3], reduction="sum")
    assert free.max() > 0.05 and free.min() < -0.05
    _, clamped = rnnt_loss_and_grad(logits, targets, [4, 4], [3, 3], clamp=0.05, reduction="mean")
    np.testing.assert_allclose(clamped, np.clip(free, -0.05, 0.05) / 2, atol=1e-15)


def test_long_sequence_stays_finite():
    # T = 400, U = 60: the path probabilities underflow a double many times over (~ e^-1000s).
    logits, targets = random_batch(21, 1, 400, 60, 8, -1)
    logits *= 4
    loss, grad = rnnt_loss_and_grad(logits, targets, [400], [60])
    assert np.isfinite(loss) and loss > 745  # exp(-loss) is below the smallest double
    assert np.all(np.isfinite(grad))
    tr = rnnt_trace(logits[0], targets[0])
    np.testing.assert_allclose(tr.blank_occupation.sum(axis=1), 1.0, atol=1e-9)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"logits": np.zeros((2, 2, 2))}, r"shape \(N, T, U\+1, V\)"),
        ({"targets": np.zeros((1, 2), dtype=int)}, r"targets must have shape \(N, U\) = \(1, 1\)"),
        ({"targets": [[1]]}, "other than blank=1"),
        ({"targets": [[0.5]]}, "integers"),
        ({"logit_lengths": [3]}, r"logit_lengths must lie in \[1, 2\]"),
        ({"logit_lengths": [0]}, r"logit_lengths must lie in \[1, 2\]"),
        ({"target_lengths": [2]}, r"target_lengths must lie in \[0, 1\]"),
        ({"blank": 2}, r"blank must be in \[-2, 2\)"),
        ({"reduction": "avg"}, "reduction"),
        ({"logits": np.full((1, 2, 2, 2), np.nan)}, "finite"),
        ({"clamp": "x"}, "clamp must be a number"),
    ],
)
def test_bad_input_is_an_engine_error(kwargs, match):
    args = {
        "logits": np.zeros((1, 2, 2, 2)),
        "targets": [[0]],
        "logit_lengths": [2],
        "target_lengths": [1],
    }
    args.update(kwargs)
    with pytest.raises(EngineError, match=match):
        rnnt_loss_and_grad(**args)


def test_docstring_examples():
    assert doctest.testmod(rnnt, optionflags=doctest.ELLIPSIS).failed == 0


# ---------------------------------------------------------------------------------------------
# torchaudio (optional; it computes in float32)
# ---------------------------------------------------------------------------------------------


def torchaudio_rnnt(logits, targets, lt, lu, **kw):
    torch = pytest.importorskip("torch")
    functional = pytest.importorskip("torchaudio.functional")
    x = torch.tensor(logits, dtype=torch.float32, requires_grad=True)
    i32 = torch.int32
    loss = functional.rnnt_loss(
        x,
        torch.tensor(targets, dtype=i32),
        torch.tensor(lt, dtype=i32),
        torch.tensor(lu, dtype=i32),
        **kw,
    )
    loss.sum().backward()
    return loss.detach().numpy().astype(np.float64), x.grad.numpy().astype(np.float64)


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("fused", [True, False])
def test_matches_torchaudio(case, reduction, fused):
    seed, n_batch, n_frames, n_labels, n_classes, blank = case
    logits, targets = random_batch(seed, n_batch, n_frames, n_labels, n_classes, blank)
    if not fused:
        logits = log_softmax_ref(logits)
    logits = logits.astype(np.float32).astype(np.float64)
    lt, lu = np.full(n_batch, n_frames), np.full(n_batch, n_labels)
    kw = {"blank": blank, "reduction": reduction, "fused_log_softmax": fused}
    ref_loss, ref_grad = torchaudio_rnnt(logits, targets, lt, lu, **kw)
    loss, grad = rnnt_loss_and_grad(logits, targets, lt, lu, **kw)
    np.testing.assert_allclose(loss, ref_loss, rtol=2e-6, atol=1e-6)
    np.testing.assert_allclose(grad, ref_grad, atol=2e-6)


def test_clamp_matches_torchaudio():
    # Both bounds apply in torchaudio 2.11 as here: entries above 0.05 and below -0.05 exist.
    logits, targets = random_batch(3, 2, 4, 3, 4, -1)
    logits = logits.astype(np.float32).astype(np.float64)
    _, free = rnnt_loss_and_grad(logits, targets, [4, 4], [3, 3], reduction="sum")
    assert free.max() > 0.05 and free.min() < -0.05
    _, ref = torchaudio_rnnt(logits, targets, [4, 4], [3, 3], clamp=0.05, reduction="mean")
    np.testing.assert_allclose(ref, np.clip(free, -0.05, 0.05) / 2, atol=2e-6)


PENDING = Path(__file__).resolve().parents[2] / "problems"


def test_pending_problem_key_holds():
    # The hand-worked key of problems/rnnt-ab-two-frames.yaml.
    doc = yaml.safe_load(
        (Path(__file__).resolve().parents[2] / "problems" / "rnnt-ab-two-frames.yaml").read_text()
    )
    symbols = doc["symbols"]
    lp = np.log(np.array(doc["probs"], dtype=float))
    target = [symbols.index(c) for c in doc["target"]]
    tr = rnnt_trace(lp, target, blank=symbols.index(doc["blank"]), fused_log_softmax=False)
    assert math.exp(tr.log_likelihood) == pytest.approx(doc["answer"]["probability"], abs=5e-5)
    assert tr.loss == pytest.approx(doc["answer"]["loss"], abs=5e-5)
    assert tr.n_paths == 3
    np.testing.assert_allclose(np.exp(tr.log_alpha), [[1, 0.6, 0.36], [0.2, 0.34, 0.35]])


def test_variable_lengths_match_torchaudio():
    # Sequences shorter than the padded sizes (torchaudio wants the maxima to fill them).
    logits, targets = random_batch(31, 3, 6, 4, 5, -1)
    logits = logits.astype(np.float32).astype(np.float64)
    lt, lu = np.array([6, 3, 5]), np.array([2, 4, 0])
    ref_loss, ref_grad = torchaudio_rnnt(logits, targets, lt, lu, reduction="none")
    loss, grad = rnnt_loss_and_grad(logits, targets, lt, lu, reduction="none")
    np.testing.assert_allclose(loss, ref_loss, rtol=2e-6)
    np.testing.assert_allclose(grad, ref_grad, atol=2e-6)


# ---------------------------------------------------------------------------------------------
# The empty target (U = 0): one lattice column, one path of T blanks
# ---------------------------------------------------------------------------------------------


def test_empty_target_hand_worked():
    # blank = 0 with y(t, 0, blank) = .2, .5, .1: the one path is blank, blank, blank (the last
    # the final blank), p = .2 × .5 × .1 = .01, loss = ln 100. Unfused, d loss / d ln y is −1
    # on each blank (occupation 1) and 0 elsewhere.
    lp = np.log([[[0.2, 0.6, 0.2]], [[0.5, 0.25, 0.25]], [[0.1, 0.8, 0.1]]])  # (T=3, 1, V=3)
    empty = np.zeros((1, 0), dtype=np.int64)
    loss, grad = rnnt_loss_and_grad(lp[None], empty, [3], [0], blank=0, fused_log_softmax=False)
    assert loss == pytest.approx(math.log(100), abs=1e-12)
    np.testing.assert_array_equal(grad[0, :, 0], [[-1, 0, 0]] * 3)
    tr = rnnt_trace(lp, [], blank=0, fused_log_softmax=False)
    assert tr.n_paths == 1 and tr.log_label.shape == (3, 0)
    np.testing.assert_allclose(np.exp(tr.log_alpha[:, 0]), [1, 0.2, 0.1])  # .2, then .2 × .5
    np.testing.assert_allclose(np.exp(tr.log_beta[:, 0]), [0.01, 0.05, 0.1])  # .5 × .1, .1
    np.testing.assert_allclose(tr.node_occupation, 1.0)


@pytest.mark.parametrize("blank", [0, -1])
def test_empty_target_closed_form(blank):
    # loss = −Σ_t ln softmax(z_t)[blank]; fused gradient = softmax(z_t) − onehot(blank) at every
    # (t, 0); the padded nodes u >= 1 of a batch whose U is 2 get 0.
    rng = np.random.default_rng(5)
    logits = rng.standard_normal((2, 4, 3, 3)) * 2
    targets = np.array([[1, 1], [1, 1]]) if blank == 0 else np.array([[0, 1], [1, 0]])
    loss, grad = rnnt_loss_and_grad(logits, targets, [4, 2], [0, 0], blank=blank, reduction="none")
    lp = log_softmax_ref(logits[:, :, 0])  # (N, T, V) at u = 0
    b = blank % 3
    np.testing.assert_allclose(loss, [-lp[0, :4, b].sum(), -lp[1, :2, b].sum()], rtol=1e-12)
    want = np.exp(lp)
    want[:, :, b] -= 1
    np.testing.assert_allclose(grad[0, :, 0], want[0], atol=1e-12)
    np.testing.assert_allclose(grad[1, :2, 0], want[1, :2], atol=1e-12)
    assert np.all(grad[:, :, 1:] == 0) and np.all(grad[1, 2:] == 0)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("fused", [True, False])
def test_empty_target_matches_torchaudio(reduction, fused):
    # N = 3 sequences of T = 5, 3, 1 frames, all with U = 0 (targets of shape (3, 0))
    logits, targets = random_batch(41, 3, 5, 0, 4, -1)
    if not fused:
        logits = log_softmax_ref(logits)
    logits = logits.astype(np.float32).astype(np.float64)
    lt, lu = np.array([5, 3, 1]), np.zeros(3, dtype=np.int64)
    kw = {"reduction": reduction, "fused_log_softmax": fused}
    ref_loss, ref_grad = torchaudio_rnnt(logits, targets, lt, lu, **kw)
    loss, grad = rnnt_loss_and_grad(logits, targets, lt, lu, **kw)
    np.testing.assert_allclose(loss, ref_loss, rtol=2e-6, atol=1e-6)
    np.testing.assert_allclose(grad, ref_grad, atol=2e-6)


@pytest.mark.parametrize("fused", [True, False])
def test_a_logit_of_minus_infinity_is_a_move_of_probability_0(fused):
    """-inf was refused ("logits must be finite"): a hand-worked lattice with an unused
    label of probability 0 had to be clipped by hand. The loss is path enumeration's, and
    loss and gradient are the limit of a very negative finite logit (e^-1e4 is 0)."""
    logits, targets = random_batch(7, 1, 3, 2, 3, 0)
    logits[0, 1, 0, 2] = logits[0, 0, 2, 1] = -np.inf
    finite = np.where(np.isneginf(logits), -1e4, logits)
    lp = log_softmax_ref(logits[0]) if fused else logits[0]
    loss, grad = rnnt_loss_and_grad(logits, targets, [3], [2], blank=0, fused_log_softmax=fused)
    ref_loss, ref_grad = rnnt_loss_and_grad(
        finite, targets, [3], [2], blank=0, fused_log_softmax=fused
    )
    assert float(loss) == pytest.approx(-brute_force_log_p(lp, targets[0], 0), rel=1e-12)
    assert float(loss) == pytest.approx(float(ref_loss), rel=1e-12)
    np.testing.assert_allclose(grad, ref_grad, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_nan_and_plus_infinity_logits_are_refused(bad):
    logits = np.zeros((1, 2, 2, 2))
    logits[0, 1, 0, 1] = bad
    with pytest.raises(EngineError, match="finite or -inf"):
        rnnt_loss(logits, [[1]], [2], [1])


def test_a_node_of_all_minus_infinity_logits_is_refused():
    logits = np.zeros((2, 2, 2))
    logits[1, 0] = -np.inf
    with pytest.raises(EngineError, match=r"node \(1, 0\) are all -inf"):
        rnnt_trace(logits, [1])
