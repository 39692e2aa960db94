"""The numeric engine: pure numpy loss functions with PyTorch-compatible signatures.

Nothing here prints, reads files or imports the rest of the package (but the constants of
``rnnloss_cli.limits``, such as MAX_ARRAY_BYTES, which import nothing). Import it as
``from rnnloss_cli import engine``. Names are loaded from their modules on first use
(PEP 562), so a command pays only for the losses it computes.
"""

from __future__ import annotations

import importlib
from typing import Any

#: public name -> the engine module that defines it
_EXPORTS: dict[str, str] = {
    "BPTTTrace": "bptt",
    "BeamEntry": "beam_search",
    "BeamSearchTrace": "beam_search",
    "CTCTrace": "ctc",
    "CharNgramLM": "beam_search",
    "EngineError": "errors",
    "Hypothesis": "beam_search",
    "RNNTTrace": "rnnt",
    "TokenSpan": "forced_align",
    "ViterbiTrace": "forced_align",
    "advantages": "reinforce",
    "bce_clamped_logs": "classification",
    "binary_cross_entropy": "classification",
    "binary_cross_entropy_grad": "classification",
    "categorical_cross_entropy": "classification",
    "categorical_cross_entropy_grad": "classification",
    "cross_entropy": "classification",
    "cross_entropy_grad": "classification",
    "ctc_beam_search": "beam_search",
    "ctc_collapse": "alignments",
    "ctc_forced_align": "forced_align",
    "ctc_greedy_decode": "alignments",
    "ctc_listed": "alignments",
    "ctc_loss": "ctc",
    "ctc_loss_and_grad": "ctc",
    "ctc_path_count": "alignments",
    "ctc_paths": "alignments",
    "ctc_trace": "ctc",
    "ctc_viterbi_trace": "forced_align",
    "discounted_returns": "reinforce",
    "elman_bptt": "bptt",
    "elman_bptt_trace": "bptt",
    "hinge_loss": "classification",
    "hinge_loss_grad": "classification",
    "log_softmax": "_numerics",
    "mse_grad": "regression",
    "mse_loss": "regression",
    "nll_loss": "classification",
    "nll_loss_grad": "classification",
    "policy_log_probs": "reinforce",
    "reinforce_loss": "reinforce",
    "reinforce_loss_from_logits": "reinforce",
    "reinforce_loss_grad": "reinforce",
    "reinforce_policy_logits_grad": "reinforce",
    "rnnt_loss": "rnnt",
    "rnnt_loss_and_grad": "rnnt",
    "rnnt_trace": "rnnt",
    "sequence_cross_entropy": "sequence",
    "sequence_cross_entropy_grad": "sequence",
    "sequence_cross_entropy_terms": "sequence",
    "sequence_hinge": "sequence",
    "sequence_hinge_grad": "sequence",
    "softmax": "_numerics",
    "step_mask": "sequence",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
