"""vary carries a template's text keys (a decoding's labellings, an alignment's path),
recomputed for each variant; checked here against brute force over every path."""

from __future__ import annotations

import itertools
from pathlib import Path

import yaml

from rnnloss_cli.teach.vary import make_variants

# Three symbols over two frames: 9 paths, at most 7 prefixes ("", a, b, aa, ab, ba, bb), so a
# beam of 9 prunes nothing and its best labelling is the most probable one over all paths.
DECODE = """\
kind: ctc_decode
title: two frames
symbols: ["-", a, b]
blank: "-"
beam: 9
emissions:
  - [0.5, 0.3, 0.2]
  - [0.2, 0.3, 0.5]
answer:
  greedy: b
  greedy_prob: 0.39
  beam: b
  beam_prob: 0.39
"""
# greedy path "-b" -> "b", and greedy_prob is p(b|x). p(l|x) over the 9 paths: "" 0.1;
# a: -a 0.15 + aa 0.09 + a- 0.06 = 0.30; b: -b 0.25 + bb 0.10 + b- 0.04 = 0.39; ab 0.15;
# ba 0.06 (sum 1).

ALIGN = """\
kind: ctc_align
title: AB on three frames
target: AB
symbols: ["-", A, B]
blank: "-"
emissions:
  - [0.2, 0.7, 0.1]
  - [0.5, 0.3, 0.2]
  - [0.3, 0.2, 0.5]
answer:
  path: A-B
  best: 0.175
"""
# A-B: 0.7 * 0.5 * 0.5 = 0.175; AAB 0.7*0.3*0.5 = 0.105; ABB 0.7*0.2*0.5 = 0.07;
# -AB 0.2*0.3*0.5 = 0.03; AB- 0.7*0.2*0.3 = 0.042: A-B is the best.


def collapse(path: tuple[str, ...]) -> str:
    out = [s for i, s in enumerate(path) if s != "-" and (i == 0 or path[i - 1] != s)]
    return "".join(out)


def test_a_decoding_variant_carries_its_labellings(tmp_path: Path):
    f = tmp_path / "dec.yaml"
    f.write_text(DECODE)
    for v in make_variants(str(f), seed=3, count=40):
        data = yaml.safe_load(v.text)
        assert list(data["answer"]) == ["greedy", "greedy_prob", "beam", "beam_prob"], v.text
        em = data["emissions"]
        syms = data["symbols"]
        # a frame whose two most probable symbols tie has two greedy paths: drawn again
        assert all(sorted(row)[-1] > sorted(row)[-2] for row in em), v.text
        greedy = collapse(tuple(syms[max(range(3), key=row.__getitem__)] for row in em))
        totals: dict[str, float] = {}
        for path in itertools.product(range(3), repeat=2):
            p = em[0][path[0]] * em[1][path[1]]
            word = collapse(tuple(syms[k] for k in path))
            totals[word] = totals.get(word, 0.0) + p
        top = max(totals.values())
        # two labellings of one total would both be right: such a draw is drawn again
        best = {w for w, q in totals.items() if q > top * (1 - 1e-9)}
        assert str(data["answer"]["greedy"]) == greedy
        assert abs(data["answer"]["greedy_prob"] - totals.get(greedy, 0.0)) < 5e-4
        assert best == {str(data["answer"]["beam"])}, v.text
        assert abs(data["answer"]["beam_prob"] - top) < 5e-4


def test_an_alignment_variant_carries_its_path(tmp_path: Path):
    f = tmp_path / "align.yaml"
    f.write_text(ALIGN)
    for v in make_variants(str(f), seed=3, count=20):
        data = yaml.safe_load(v.text)
        assert list(data["answer"]) == ["path", "best"], v.text
        em, syms = data["emissions"], data["symbols"]
        paths = [
            p
            for p in itertools.product(range(3), repeat=3)
            if collapse(tuple(syms[k] for k in p)) == "AB"
        ]
        prob = {p: em[0][p[0]] * em[1][p[1]] * em[2][p[2]] for p in paths}
        top = max(prob.values())
        # a tie (0.1*0.5*0.5 for both AAB and -AB) would make two paths right: no key names
        # one of them, so such a draw is drawn again
        best = {"".join(syms[k] for k in p) for p, q in prob.items() if q > top * (1 - 1e-9)}
        assert best == {data["answer"]["path"]}
        assert abs(data["answer"]["best"] - top) < 5e-4
