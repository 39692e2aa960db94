"""Objects numpy cannot read (np.asarray raises) are one EngineError naming the argument.

A torch tensor that requires grad refuses ``__array__`` with a RuntimeError, a bfloat16 tensor
with a TypeError ("Got unsupported ScalarType BFloat16"): both leaked out of the engine as
torch's own exception (RuntimeError is not even a ValueError), or were called "ragged".
The stand-ins below raise what torch raises, so the tests run without torch; the torch ones
are skipped when torch is not installed.
"""

from __future__ import annotations

import numpy as np
import pytest

from rnnloss_cli import engine
from tests.engine.hostile import engine_error

GRAD_MESSAGE = (
    "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead."
)


class GradTensor:
    """Raises from __array__ what a torch tensor with requires_grad=True raises."""

    def __array__(self, dtype=None, copy=None):
        raise RuntimeError(GRAD_MESSAGE)


class BFloat16Tensor:
    """Raises from __array__ what a torch bfloat16 tensor raises."""

    def __array__(self, dtype=None, copy=None):
        raise TypeError("Got unsupported ScalarType BFloat16")


LP = engine.log_softmax(np.arange(12.0).reshape(4, 3) / 5)
CALLS = {
    "ctc_loss": lambda a: engine.ctc_loss(a, [1], [4], [1]),
    "ctc_trace": lambda a: engine.ctc_trace(a, [1]),
    "ctc_forced_align": lambda a: engine.ctc_forced_align(a, [1]),
    "ctc_greedy_decode": lambda a: engine.ctc_greedy_decode(a),
    "ctc_beam_search": lambda a: engine.ctc_beam_search(a),
    "nll_loss": lambda a: engine.nll_loss(a, [0, 1, 2, 0]),
    "cross_entropy": lambda a: engine.cross_entropy(a, [0, 1, 2, 0]),
    "mse_loss": lambda a: engine.mse_loss(a, LP),
    "hinge_loss": lambda a: engine.hinge_loss(a, np.ones((4, 3))),
    "rnnt_loss": lambda a: engine.rnnt_loss(a, [[1]], [2], [1], blank=0),
    "discounted_returns": lambda a: engine.discounted_returns(a, 0.9),
    "softmax": lambda a: engine.softmax(a),
}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_a_tensor_requiring_grad_is_one_engine_error_naming_the_argument(name):
    message = engine_error(lambda: CALLS[name](GradTensor()))
    # the argument is named, and torch's own hint (detach) is passed on
    names = ("log_probs", "log_probs_or_probs", "input", "logits", "rewards")
    assert message.split(":")[0] in names
    assert "GradTensor" in message and "detach()" in message


@pytest.mark.parametrize("name", sorted(CALLS))
def test_a_tensor_numpy_cannot_convert_is_not_called_ragged(name):
    message = engine_error(lambda: CALLS[name](BFloat16Tensor()))
    assert "ragged" not in message
    assert "BFloat16" in message


def test_a_ragged_list_is_still_called_ragged():
    assert "ragged" in engine_error(lambda: engine.mse_loss([[1.0, 2.0], [3.0]], [1.0, 2.0]))


def test_torch_tensors_that_numpy_cannot_read():
    torch = pytest.importorskip("torch")
    x = torch.zeros(4, 3, dtype=torch.float64, requires_grad=True)
    assert "detach()" in engine_error(lambda: engine.cross_entropy(x, torch.tensor([0, 1, 2, 0])))
    b = torch.zeros(4, 3, dtype=torch.bfloat16)
    assert "BFloat16" in engine_error(lambda: engine.cross_entropy(b, torch.tensor([0, 1, 2, 0])))
