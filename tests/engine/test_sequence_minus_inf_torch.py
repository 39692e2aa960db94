"""sequence_cross_entropy(from_logits=True) with -inf logits against PyTorch (skipped without
torch): torch.nn.functional.cross_entropy with ignore_index=-100 on the padded positions."""

from __future__ import annotations

import numpy as np
import pytest

from rnnloss_cli.engine.sequence import sequence_cross_entropy, sequence_cross_entropy_grad

torch = pytest.importorskip("torch")
from tests.engine.test_sequence_torch import RTOL, padded_batch, torch_ce  # noqa: E402


@pytest.mark.parametrize("reduction", ["sum", "mean_tokens", "mean_sequences", "none"])
@pytest.mark.parametrize("seed", range(10))
def test_minus_inf_logits_match_torch(seed, reduction):
    z, target, lengths, mask = padded_batch(seed)
    rng = np.random.default_rng(seed + 1000)
    keep = rng.integers(0, z.shape[-1], size=z.shape[:-1])  # one finite logit per step
    holes = rng.random(z.shape) < 0.4
    np.put_along_axis(holes, keep[..., None], False, axis=-1)
    z[holes] = -np.inf
    ref, ref_grad = torch_ce(z, target, mask, reduction)  # inf where a target has p = 0
    kw = {"lengths": lengths, "reduction": reduction, "from_logits": True}
    np.testing.assert_allclose(sequence_cross_entropy(z, target, **kw), ref, rtol=RTOL, atol=0)
    np.testing.assert_allclose(
        sequence_cross_entropy_grad(z, target, **kw), ref_grad, rtol=RTOL, atol=1e-15
    )
