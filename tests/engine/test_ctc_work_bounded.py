"""ctc_loss / ctc_loss_and_grad refuse, before any pass, a call whose recursions would visit
more trellis cells than the engine's limits (about a minute each).

Memory alone bounded nothing here: 200,000 frames of a 50,000-label target (a 3.2 MB input)
ran for 106 s. Provenance: helper audit of the engine, finding 3; the cell count
sum_n input_length_n x (2 target_length_n + 1) is the trellis of Graves et al. 2006.
"""

from __future__ import annotations

import numpy as np
import pytest

from rnnloss_cli.engine import _ctc_checks, ctc
from rnnloss_cli.limits import ENGINE_MAX_CTC_CELLS, ENGINE_MAX_CTC_GRAD_CELLS
from tests.engine.hostile import engine_error


def _numba(name: str):
    """The optional extra's function (skipped where numba is not installed)."""
    pytest.importorskip("numba")
    from rnnloss_cli.engine import ctc_numba

    return getattr(ctc_numba, name)


CALLS = {
    "ctc_loss": (False, lambda *a, **k: ctc.ctc_loss(*a, **k)),
    "ctc_loss_and_grad": (True, lambda *a, **k: ctc.ctc_loss_and_grad(*a, **k)),
    "numba ctc_loss": (False, lambda *a, **k: _numba("ctc_loss")(*a, **k)),
    "numba ctc_loss_and_grad": (True, lambda *a, **k: _numba("ctc_loss_and_grad")(*a, **k)),
}


def _two_class(n_frames: int, n_batch: int = 1) -> np.ndarray:
    """(T, N, 2) uniform log-probabilities as a broadcast view: no memory, any T."""
    return np.broadcast_to(np.log(0.5), (n_frames, n_batch, 2))


@pytest.mark.parametrize("call", sorted(CALLS))
def test_real_limits_refuse_a_long_input_at_once(call):
    grad, fn = CALLS[call]
    limit = ENGINE_MAX_CTC_GRAD_CELLS if grad else ENGINE_MAX_CTC_CELLS
    n_frames = 400_000
    s = limit // (2 * n_frames) + 1  # n_frames x (2 s + 1) > limit
    msg = engine_error(lambda: fn(_two_class(n_frames), np.ones((1, s), int), [n_frames], [s]))
    assert "trellis cells" in msg and ("GRAD_CELLS" if grad else "CTC_CELLS") in msg, msg


@pytest.mark.parametrize("call", ["ctc_loss", "ctc_loss_and_grad"])
def test_the_count_is_per_sequence_not_the_padded_batch(call, monkeypatch):
    """Limit 100 cells: sequences of (10 frames, 2 labels) and (5 frames, 4 labels) visit
    10 x 5 + 5 x 9 = 95 cells and run; the padded batch, 10 x 2 x 9 = 180, is not counted.
    One more label on the first, 10 x 7 + 45 = 115, is refused."""
    grad, fn = CALLS[call]
    name = "ENGINE_MAX_CTC_GRAD_CELLS" if grad else "ENGINE_MAX_CTC_CELLS"
    monkeypatch.setattr(_ctc_checks, name, 100)
    targets = np.array([[1, 1, 1, 1], [1, 1, 1, 1]])
    fn(_two_class(10, 2), targets, [10, 5], [2, 4], reduction="sum")
    msg = engine_error(lambda: fn(_two_class(10, 2), targets, [10, 5], [3, 4]))
    assert "115 trellis cells" in msg and f"{name} = 1e+02" in msg, msg
