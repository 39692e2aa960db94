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
from rnnloss_cli.engine.ctc import (
    CTCTrace,
    ctc_collapse,
    ctc_greedy_decode,
    ctc_loss,
    ctc_loss_and_grad,
    ctc_path_count,
    ctc_paths,
    ctc_trace,
)
from rnnloss_cli.engine.ctc_listed import ctc_listed
from rnnloss_cli.engine.regression import mse_grad, mse_loss
from rnnloss_cli.engine.reinforce import (
    advantages,
    discounted_returns,
    policy_log_probs,
    reinforce_loss,
    reinforce_loss_from_logits,
    reinforce_loss_grad,
    reinforce_policy_logits_grad,
)
from rnnloss_cli.engine.sequence import (
    sequence_cross_entropy,
    sequence_cross_entropy_grad,
    sequence_cross_entropy_terms,
    sequence_hinge,
    sequence_hinge_grad,
    step_mask,
)

__all__ = [
    "CTCTrace",
    "advantages",
    "bce_clamped_logs",
    "binary_cross_entropy",
    "binary_cross_entropy_grad",
    "categorical_cross_entropy",
    "categorical_cross_entropy_grad",
    "cross_entropy",
    "cross_entropy_grad",
    "ctc_collapse",
    "ctc_greedy_decode",
    "ctc_listed",
    "ctc_loss",
    "ctc_loss_and_grad",
    "ctc_path_count",
    "ctc_paths",
    "ctc_trace",
    "discounted_returns",
    "hinge_loss",
    "hinge_loss_grad",
    "log_softmax",
    "mse_grad",
    "mse_loss",
    "nll_loss",
    "nll_loss_grad",
    "policy_log_probs",
    "reinforce_loss",
    "reinforce_loss_from_logits",
    "reinforce_loss_grad",
    "reinforce_policy_logits_grad",
    "sequence_cross_entropy",
    "sequence_cross_entropy_grad",
    "sequence_cross_entropy_terms",
    "sequence_hinge",
    "sequence_hinge_grad",
    "softmax",
    "step_mask",
]
