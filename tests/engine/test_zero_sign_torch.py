"""Zero losses against PyTorch / torchaudio (skipped without them): the same value 0 where
they return -0.0 (ctc_loss with C = 1, rnnt_loss with V = 1, nll_loss of ln 1); the engine's
zero is +0.0 (see test_zero_sign.py)."""

from __future__ import annotations

import numpy as np
import pytest

from rnnloss_cli.engine.classification import nll_loss
from rnnloss_cli.engine.ctc import ctc_loss
from rnnloss_cli.engine.rnnt import rnnt_loss

torch = pytest.importorskip("torch")
F = torch.nn.functional


@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
def test_ctc_blank_only_matches_torch_as_positive_zero(reduction):
    lp = np.zeros((3, 2, 1))
    targets = np.zeros((2, 0), dtype=np.int64)
    ref = F.ctc_loss(
        torch.tensor(lp),
        torch.tensor(targets),
        torch.tensor([3, 2]),
        torch.tensor([0, 0]),
        reduction=reduction,
    ).numpy()
    got = ctc_loss(lp, targets, [3, 2], [0, 0], reduction=reduction)
    np.testing.assert_array_equal(got, ref)  # -0.0 == 0.0
    assert not np.any(np.signbit(got))


@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
def test_nll_of_log_one_matches_torch_as_positive_zero(reduction):
    lp = np.array([[0.0, -1.0], [-2.0, 0.0]])
    ref = F.nll_loss(torch.tensor(lp), torch.tensor([0, 1]), reduction=reduction).numpy()
    got = nll_loss(lp, [0, 1], reduction)
    np.testing.assert_array_equal(got, ref)
    assert not np.any(np.signbit(got))


@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
def test_rnnt_blank_only_matches_torchaudio_as_positive_zero(reduction):
    functional = pytest.importorskip("torchaudio.functional")
    logits = np.zeros((2, 3, 1, 1), dtype=np.float32)
    ref = functional.rnnt_loss(
        torch.tensor(logits),
        torch.zeros((2, 0), dtype=torch.int32),
        torch.tensor([3, 2], dtype=torch.int32),
        torch.tensor([0, 0], dtype=torch.int32),
        reduction=reduction,
    ).numpy()
    got = rnnt_loss(logits, np.zeros((2, 0), dtype=np.int64), [3, 2], [0, 0], reduction=reduction)
    np.testing.assert_array_equal(got, ref)
    assert not np.any(np.signbit(got))
