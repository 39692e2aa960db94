"""Moodle XML: an array figure (BPTT's gradients) is asked entry by entry.

The key entries here come from finite differences of a forward pass written in this file
(not the engine's backward pass), so each answer in the bank is compared with an
independent number.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np

from rnnloss_cli.teach.moodle import moodle_bank

# h_t = tanh(x_t W_xh + h_{t-1} W_hh + b_h), o_t = h_t W_hy + b_y, L = Σ_t ||o_t − y_t||²
GIVENS = {
    "x": [[1.0, -0.5], [0.25, 0.75]],
    "targets": [[0.5], [-0.25]],
    "W_xh": [[0.5, -0.3], [0.2, 0.4]],
    "W_hh": [[0.1, 0.6], [-0.7, 0.2]],
    "b_h": [0.05, -0.1],
    "W_hy": [[0.9], [-0.4]],
    "b_y": [0.1],
    "h0": [0.3, -0.2],
}


def _loss(p: dict) -> float:
    h = np.asarray(p["h0"], dtype=float)
    total = 0.0
    for x, y in zip(np.asarray(p["x"]), np.asarray(p["targets"]), strict=True):
        h = np.tanh(x @ np.asarray(p["W_xh"]) + h @ np.asarray(p["W_hh"]) + p["b_h"])
        o = h @ np.asarray(p["W_hy"]) + p["b_y"]
        total += float(np.sum((o - y) ** 2))
    return total


def _finite_difference(name: str, eps: float = 1e-6) -> np.ndarray:
    """Central differences (L(θ+ε) − L(θ−ε)) / 2ε of every entry of one parameter."""
    base = np.asarray(GIVENS[name], dtype=float)
    grad = np.zeros_like(base)
    for idx in np.ndindex(base.shape):
        up, down = base.copy(), base.copy()
        up[idx] += eps
        down[idx] -= eps
        grad[idx] = (_loss({**GIVENS, name: up}) - _loss({**GIVENS, name: down})) / (2 * eps)
    return grad


def _yaml_list(a: np.ndarray) -> str:
    return str(np.round(a, 6).tolist())


def test_every_entry_of_an_array_key_is_its_own_question(tmp_path):
    grads = {name: _finite_difference(name) for name in ("W_hh", "b_h")}
    lines = [
        "kind: bptt",
        "title: two hidden units",
        "loss: squared_error",
        "reduction: sum",
        *(f"{k}: {v}" for k, v in GIVENS.items()),
        "answer:",
        f"  loss: {_loss(GIVENS):.6f}",
        "  grads:",
        *(f"    {k}: {_yaml_list(v)}" for k, v in grads.items()),
    ]
    path = tmp_path / "bptt2.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    bank = moodle_bank([str(path)])
    assert not any("grads" in w for w in bank.warnings), bank.warnings
    root = ET.fromstring(bank.text)  # parses
    questions = {q.find("name/text").text: q for q in root.findall("question[@type='numerical']")}
    # loss, then W_hh (2 x 2) and b_h (2) entry by entry: 1 + 4 + 2 questions
    assert bank.questions == 7 == len(questions), sorted(questions)
    for name, grad in grads.items():
        for idx in np.ndindex(grad.shape):
            label = f"dL/d{name}[{','.join(map(str, idx))}]"
            q = questions[f"bptt2: {label}"]
            answer = float(q.find("answer/text").text)
            tolerance = float(q.find("answer/tolerance").text)
            assert tolerance == 0.0005  # the file's (default) tolerance, as a scalar's
            assert abs(answer - grad[idx]) <= 1e-5, (label, answer, grad[idx])
            assert label in q.find("questiontext/text").text
    cats = [c.find("category/text").text for c in root.findall("question[@type='category']")]
    assert "$course$/rnnloss/bptt2/grads.W_hh[0][1]" in cats, cats  # no "/" of dL/d in it


def test_an_entry_that_is_not_finite_is_named_and_left_out(tmp_path):
    # W_hy = 1e308: o_1 = 0.46e308, o_2 = 0.74e308, and dL/db_y = 2 (o_1 + o_2) = 2.4e308
    # passes the float64 range (1.8e308): infinite, no numerical answer.
    path = tmp_path / "huge.yaml"
    path.write_text(
        "kind: bptt\nloss: squared_error\nreduction: sum\nx: [[1.0], [1.0]]\n"
        "targets: [[0.0], [0.0]]\n"
        "W_xh: [[0.5]]\nW_hh: [[1.0]]\nb_h: [0.0]\nW_hy: [[1.0e308]]\nb_y: [0.0]\nh0: [0.0]\n"
        "answer:\n  grads:\n    b_y: [0.0]\n",
        encoding="utf-8",
    )
    bank = moodle_bank([str(path)])
    ET.fromstring(bank.text)
    assert any("dL/db_y[0]" in w for w in bank.warnings), bank.warnings


def test_a_large_array_key_is_cut_at_the_limit_with_a_warning(tmp_path):
    # W_hh 11 x 11 keyed: 121 entries. Each question repeats the givens and the worked
    # solution, so a 31 x 31 key (961 entries) made an 82 MB bank; at most
    # MAX_ENTRY_QUESTIONS = 100 entries a file are asked, the first left out named.
    hidden = 11
    zeros = str([[0.0] * hidden] * hidden)
    path = tmp_path / "wide.yaml"
    path.write_text(
        "kind: bptt\nloss: squared_error\nreduction: sum\nx: [[1.0]]\ntargets: [[0.5]]\n"
        f"W_xh: {[[0.1] * hidden]}\nW_hh: {zeros}\nb_h: {[0.0] * hidden}\n"
        f"W_hy: {[[0.1]] * hidden}\nb_y: [0.0]\nh0: {[0.0] * hidden}\n"
        f"answer:\n  grads:\n    W_hh: {zeros}\n",
        encoding="utf-8",
    )
    bank = moodle_bank([str(path)])
    root = ET.fromstring(bank.text)
    names = [q.find("name/text").text for q in root.findall("question[@type='numerical']")]
    entries = [n for n in names if "dL/dW_hh" in n]
    assert len(entries) == 100, len(entries)
    # row-major: entries 0..99 are [0,0] ... [9,0]; the first left out is [9,1]
    assert entries[-1] == "wide: dL/dW_hh[9,0]"
    said = [w for w in bank.warnings if "MAX_ENTRY_QUESTIONS" in w]
    assert len(said) == 1 and "21 of the key's 121" in said[0] and "dL/dW_hh[9,1]" in said[0]
