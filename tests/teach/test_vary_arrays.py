"""vary keeps a template's array keys (BPTT's gradients): each variant's key holds them,
computed for its own givens. Checked against central differences of a forward pass written
in tests/teach/test_moodle_arrays.py, not the engine's backward pass."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import yaml

from rnnloss_cli.teach.vary import make_variants
from tests.teach.test_moodle_arrays import GIVENS, _loss


def _central(p: dict, name: str, eps: float = 1e-6) -> np.ndarray:
    base = np.asarray(p[name], dtype=float)
    grad = np.zeros_like(base)
    for idx in np.ndindex(base.shape):
        up, down = base.copy(), base.copy()
        up[idx] += eps
        down[idx] -= eps
        grad[idx] = (_loss({**p, name: up}) - _loss({**p, name: down})) / (2 * eps)
    return grad


def test_each_variant_keys_the_gradients_of_its_own_givens(tmp_path: Path):
    # The template keys loss, grads.W_hh (2 x 2) and grads.b_h (2); its variants keyed the
    # loss only (answer: {loss: ...}), so their Moodle questions and grades lost the entries.
    # The template's own gradient key need not be right to be carried: shapes only matter.
    lines = [
        "kind: bptt",
        "loss: squared_error",
        "reduction: sum",
        *(f"{k}: {v}" for k, v in GIVENS.items()),
        "answer:",
        f"  loss: {_loss(GIVENS):.6f}",
        "  grads:",
        f"    W_hh: {np.round(_central(GIVENS, 'W_hh'), 6).tolist()}",
        f"    b_h: {np.round(_central(GIVENS, 'b_h'), 6).tolist()}",
    ]
    path = tmp_path / "bptt2.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    variants = make_variants(str(path), seed=3, count=3, out_dir=str(tmp_path / "out"))
    assert len(variants) == 3
    for v in variants:
        data = yaml.safe_load(v.text)
        assert data["source"].startswith("variant ") and "bptt2.yaml" in data["source"]
        givens = {k: data[k] for k in GIVENS}
        assert givens != GIVENS  # the decimals were redrawn
        key = data["answer"]["grads"]
        assert set(key) == {"W_hh", "b_h"}
        for name in ("W_hh", "b_h"):
            expected = _central(givens, name)
            got = np.asarray(key[name], dtype=float)
            assert got.shape == expected.shape
            assert np.max(np.abs(got - expected)) <= 1e-4, (name, got, expected)
        assert abs(data["answer"]["loss"] - _loss(givens)) <= 1e-4
