"""A variant whose number key lands within the tolerance of 0 is drawn again: 0 (or an answer
of the wrong sign) would be marked right, and ``check`` warns about the file vary wrote. Seen
with the shipped problems: rnnt-ab-two-frames (seed 7, variant 21) keyed probability = 0.00047
under ±0.0005, and reinforce-episode (seed 7, variant 88: probs [0.8, 0.8, 0.8], so the mean
baseline makes the loss Σ_t (G_t − mean G)·ln 0.8 = 0) keyed loss = 0.0 and objective = -0.0."""

from __future__ import annotations

from pathlib import Path

from rnnloss_cli.problem import load_problem
from rnnloss_cli.solve import solve
from rnnloss_cli.teach.mark import mark_answers
from rnnloss_cli.teach.vary import make_variants

# MSE of one pair, (0 − ŷ)² with ŷ drawn from {0, 1, 2, 3}: 0, 1, 4 or 9. The template's key
# is 4 (= (0 − 2)²), far from 0 under the default ±0.0005; ŷ = 0 gives a key of 0, which the
# answer 0 matches (a student who writes nothing useful gets the point). Of 40 draws from 4
# values, ŷ = 0 is missed with probability (3/4)^40 ≈ 1e-5 per seed: seed 1 draws it.
_MSE = "kind: mse\ny: [0]\nyhat: [2]\nanswer: {loss: 4}\nvary:\n  yhat: {range: [0, 3], step: 1}\n"


def test_a_variant_keyed_within_the_tolerance_of_zero_is_drawn_again(tmp_path: Path):
    f = tmp_path / "t.yaml"
    f.write_text(_MSE)
    variants = make_variants(str(f), seed=1, count=40)
    assert {v.data["answer"]["loss"] for v in variants} <= {1, 4, 9}
    out = tmp_path / "v.yaml"
    out.write_text(variants[0].text)
    assert not mark_answers(str(out), {"loss": "0"}).ok  # 0 is no longer right


def test_a_template_keyed_zero_keeps_its_zero_keys(tmp_path: Path):
    # (1 − ŷ)² with ŷ from {0, 1, 2}: 1, 0, 1; the template's own key is 0 ((1 − 1)²), so a
    # key of 0 is what it asks for and is kept
    f = tmp_path / "t.yaml"
    f.write_text(
        "kind: mse\ny: [1]\nyhat: [1]\nanswer: {loss: 0}\nvary:\n  yhat: {range: [0, 2], step: 1}\n"
    )
    variants = make_variants(str(f), seed=1, count=20)
    assert {v.data["answer"]["loss"] for v in variants} == {0, 1}
    for v in variants:
        out = tmp_path / f"{v.ident}.yaml"
        out.write_text(v.text)
        assert solve(load_problem(str(out))).ok
