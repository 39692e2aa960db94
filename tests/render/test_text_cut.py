"""One way to cut a long name for a drawing (render.text.cut_end / cut_start): never parting
accents (combining marks) from their letter. The trellis drawing's row labels cut a symbol's
name themselves and could end "m…" having dropped the U+0301 of "ḿ" (the beam and lattice
drawings had each been mended on their own)."""

from __future__ import annotations

import unicodedata

import pytest

from rnnloss_cli.render import svg
from rnnloss_cli.render.text import ELLIPSIS, cut_end, cut_start

ACUTE = "\u0301"


@pytest.mark.parametrize("n", [4, 5, 6, 8])
def test_cuts_keep_accents_with_their_letter(n):
    text = ("a" + ACUTE) * 6  # 12 characters, 6 letters
    for cut in (cut_end(text, n), cut_start(text, n)):
        assert len(cut) <= n and ELLIPSIS in cut
        body = cut.replace(ELLIPSIS, "")
        assert body and not unicodedata.combining(body[0])
        assert body.count("a") == body.count(ACUTE)  # every letter kept with its accent


def test_short_texts_are_kept_whole():
    assert cut_end("abc", 3) == "abc" and cut_start("abc", 3) == "abc"
    assert cut_end("abcdef", 4) == "abc" + ELLIPSIS
    assert cut_start("abcdef", 4) == ELLIPSIS + "def"


def test_the_trellis_row_label_cuts_so():
    n = svg.LABEL_MAX_CHARS
    label = "x" * (n - 2) + "m" + ACUTE + "yyyy"  # the accent falls on the cut
    short = svg._short(label)
    assert short.endswith(ELLIPSIS) and not short[:-1].endswith("m")
    assert len(short) <= n
