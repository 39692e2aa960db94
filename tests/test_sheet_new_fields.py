"""``rnnloss new KIND`` explains every field its kind accepts, in a comment, so an instructor
learns the optional ones (a sequence's reduction and padding, nll's weight) from the template
instead of from an "unknown field" error. The lists are the parsers' check_keys, by hand."""

from __future__ import annotations

import re

import pytest

from rnnloss_cli.templates import render_template

COMMON = ("kind", "title", "source", "answer", "tolerance", "notes")
FIELDS = {
    "mse": ("y", "yhat", "reduction"),
    "bce": ("y", "yhat", "reduction", "log_base"),
    "hinge": ("y", "yhat", "reduction"),
    "nll": ("y", "yhat", "logits", "log_probs", "reduction", "weight", "label_smoothing"),
    "cce": ("y", "yhat", "logits", "log_probs", "reduction", "weight", "label_smoothing"),
    "ctc": ("target", "blank", "probs", "alignments", "frames", "emissions", "logits", "method"),
    "sequence": ("yhat", "logits", "targets", "vocabulary", "lengths", "mask", "reduction"),
    "sequence_hinge": ("y", "yhat", "lengths", "mask", "reduction"),
    "reinforce": (
        "probs policy logits actions rewards returns gamma baseline lengths mask reduction"
    ).split(),
    "custom": ("terms", "weight", "problem", "file", "name"),
    "ctc_align": ("target", "symbols", "blank", "emissions", "logits"),
    "ctc_decode": "symbols blank emissions logits beam lexicon separator lm lm_weight".split(),
    "rnnt": ("symbols", "blank", "target", "probs", "logits"),
    "bptt": ("loss", "reduction", "x", "targets", "W_xh", "W_hh", "b_h", "W_hy", "b_y", "h0"),
}


@pytest.mark.parametrize("kind", sorted(FIELDS))
def test_a_template_comments_on_every_field_of_its_kind(kind: str) -> None:
    text = render_template(kind)
    comments = "\n".join(line for line in text.splitlines() if line.lstrip().startswith("#"))
    missing = [
        f for f in (*COMMON, *FIELDS[kind]) if not re.search(rf"(?<![\w.]){f}(?![\w])", comments)
    ]
    assert not missing, (kind, missing)
