"""The numeric engine: pure numpy loss functions with PyTorch-compatible signatures.

Nothing here prints, reads files or imports the rest of the package. Import it as
``from rnnloss_cli import engine``.
"""

from rnnloss_cli.engine._numerics import log_softmax, softmax
from rnnloss_cli.engine.classification import (
    bce_clamped_logs,
    binary_cross_entropy,
    binary_cross_entropy_grad,
    categorical_cross_entropy,
    categorical_cross_entropy_grad,
    cross_entropy,
    cross_entropy_grad,
    hinge_loss,
    hinge_loss_grad,
    nll_loss,
    nll_loss_grad,
)
from rnnloss_cli.engine.regression import mse_grad, mse_loss

__all__ = [
    "bce_clamped_logs",
    "binary_cross_entropy",
    "binary_cross_entropy_grad",
    "categorical_cross_entropy",
    "categorical_cross_entropy_grad",
    "cross_entropy",
    "cross_entropy_grad",
    "hinge_loss",
    "hinge_loss_grad",
    "log_softmax",
    "mse_grad",
    "mse_loss",
    "nll_loss",
    "nll_loss_grad",
    "softmax",
]
