"""The CTC prefix beam search drawn as a graph (render.beam_svg) on a ctc_decode page: one box
per row of the beam table and a start node, edges from each prefix to the prefixes it feeds
on the next frame, merges outlined, l* and greedy tagged, bounded for a long search."""

from __future__ import annotations

import re
import unicodedata
import xml.etree.ElementTree as ET
from html import unescape
from pathlib import Path

import numpy as np
import pytest
import yaml

import rnnloss_cli
from rnnloss_cli.render.beam_svg import BEAM_MAX_FRAMES, feeds, prefix_parses
from rnnloss_cli.render.html import render_html

DECODE = [
    "problems/ctc-decode-beam-vs-greedy.yaml",
    "problems/ctc-decode-lexicon.yaml",
    "problems/ctc-decode-lm.yaml",
]
_SVG = re.compile(r'<figure class="trellis beam">.*?(<svg\b.*?</svg>)', re.S)
_CAPTION = re.compile(r'<figure class="(?:trellis )?beam">.*?<figcaption>(.*?)</figcaption>', re.S)


def page(path: str | Path) -> str:
    return render_html([rnnloss_cli.solve_file(str(path))])


def beam_svg_of(html: str) -> ET.Element:
    m = _SVG.search(html)
    assert m is not None, "no beam figure on the page"
    return ET.fromstring(m[1])


def caption_of(html: str) -> str:
    m = _CAPTION.search(html)
    assert m is not None
    return unescape(m[1])


def nodes(svg: ET.Element) -> list[ET.Element]:
    return [g for g in svg.iter("g") if "node" in g.get("class", "").split()]


def edges(svg: ET.Element) -> list[tuple[int, int, int, int, str]]:
    """(from t, from rank, to t, to rank, kind) of each edge."""
    return sorted(
        (
            int(e.get("data-from-t")),
            int(e.get("data-from-rank")),
            int(e.get("data-to-t")),
            int(e.get("data-to-rank")),
            e.get("data-kind"),
        )
        for e in svg.iter("line")
        if "edge" in e.get("class", "")
    )


def beam_rows(html: str) -> list[list[str]]:
    """The beam table's body rows as the page prints them (cell texts)."""
    table = re.search(r"<caption>the beam after every frame.*?<tbody>(.*?)</tbody>", html, re.S)
    assert table is not None
    return [
        [unescape(re.sub(r"<[^>]+>", "", c)) for c in re.findall(r"<td[^>]*>(.*?)</td>", row)]
        for row in re.findall(r"<tr>(.*?)</tr>", table[1], re.S)
    ]


def node_texts(g: ET.Element) -> tuple[str, str]:
    prefix = next(t for t in g.iter("text") if t.get("class") == "prefix")
    total = next(t for t in g.iter("text") if t.get("class") == "total")
    return "".join(prefix.itertext()), "".join(total.itertext())


@pytest.mark.parametrize("problem", DECODE)
def test_one_box_per_beam_row_and_a_start_node_with_the_tables_texts(problem):
    html = page(problem)
    svg = beam_svg_of(html)
    rows = beam_rows(html)
    cols = ["t", "rank", "prefix l"]
    boxes = nodes(svg)
    assert len(boxes) == len(rows) + 1
    start = [g for g in boxes if g.get("data-t") == "0"]
    assert len(start) == 1 and start[0].get("data-prefix") == "ε"
    by_key = {(g.get("data-t"), g.get("data-rank")): g for g in boxes}
    total_col = 5  # t, rank, prefix l, p_b(l), p_nb(l), p_b + p_nb
    for row in rows:
        g = by_key[(row[0], row[1])]
        assert node_texts(g) == (row[cols.index("prefix l")], row[total_col]), row
    # rank 1 of each frame is emphasised, the others are not
    assert all(("top" in g.get("class")) == (g.get("data-rank") == "1") for g in boxes[1:])


def test_edges_of_beam_vs_greedy_worked_by_hand():
    """Width 2, emissions (-, a, b) = (.5, .4, .1) on both frames (the problem file's
    comment works the beam out):
    t = 1 keeps ε (rank 1, .5) and a (rank 2, .4); b (.1) is pruned. From the start ε:
      ε → ε (blank: same), ε → a (new label: extend)                       2 edges
    t = 2 keeps a (rank 1, .56) and ε (rank 2, .25). From t = 1:
      ε → ε (blank: same), ε → a (new label: extend), a → a (blank or a again: same);
      a feeds nothing else kept (ab, b are pruned)                         3 edges
    5 edges; a at t = 2 has two entering (from ε and from a): the one merge."""
    html = page(DECODE[0])
    svg = beam_svg_of(html)
    assert edges(svg) == [
        (0, 1, 1, 1, "same"),
        (0, 1, 1, 2, "extend"),
        (1, 1, 2, 1, "extend"),
        (1, 1, 2, 2, "same"),
        (1, 2, 2, 1, "same"),
    ]
    merged = [g for g in nodes(svg) if "merged" in g.get("class")]
    assert [(g.get("data-t"), g.get("data-prefix")) for g in merged] == [("2", "a")]
    caption = caption_of(html)
    assert "MERGED" in caption and "a at t = 2 (from" in caption
    # l* = a (rank 1 at t = 2) and the greedy labelling ε (rank 2) are tagged
    tags = sorted("".join(t.itertext()) for t in svg.iter("text") if t.get("class") == "tag")
    assert tags == ["greedy", "l*"]


@pytest.mark.parametrize("problem", DECODE)
def test_every_kept_prefix_has_a_parent_on_the_frame_before(problem):
    """Independent of the drawing's rules: in prefix beam search every prefix kept at t is
    fed by a prefix kept at t − 1 (itself or one label shorter), so every box after the
    start has at least one edge entering it, and every edge joins consecutive frames."""
    svg = beam_svg_of(page(problem))
    into = {(e[2], e[3]) for e in edges(svg)}
    for g in nodes(svg):
        if g.get("data-t") != "0":
            assert (int(g.get("data-t")), int(g.get("data-rank"))) in into, g.attrib
    assert all(e[2] == e[0] + 1 for e in edges(svg))


@pytest.mark.parametrize("problem", DECODE)
def test_drawing_is_well_formed_and_labelled(problem):
    html = page(problem)
    svg = beam_svg_of(html)  # parses as XML
    assert svg.get("role") == "img"
    assert svg.find("title") is not None and svg.find("desc") is not None
    assert svg.find("rect").get("class") == "plate"  # the white plate under dark mode


def test_multi_character_symbols_are_read_from_the_space_separated_text(tmp_path):
    """Symbols (-, sil, a), width 3, two frames:
    t = 1: y = (.2, .5, .3) -> ε .2, sil .5, a .3 (3 candidates, all kept)
    t = 2: y = (.2, .3, .5) -> sil .5 × .2 + .5 × .3 + .2 × .3 = .31,
    a .3 × .2 + .3 × .5 + .2 × .5 = .31, "sil a" .5 × .5 = .25, "a sil" .3 × .3 = .09,
    ε .2 × .2 = .04: kept sil, a, "sil a". "sil a" is one label longer than sil (the
    space-separated text), never than a."""
    f = tmp_path / "multi.yaml"
    f.write_text(
        yaml.safe_dump(
            {
                "kind": "ctc_decode",
                "title": "multi-character symbols",
                "symbols": ["-", "sil", "a"],
                "blank": "-",
                "beam": 3,
                "emissions": [[0.2, 0.5, 0.3], [0.2, 0.3, 0.5]],
            }
        )
    )
    svg = beam_svg_of(page(f))
    by_key = {(int(g.get("data-t")), int(g.get("data-rank"))): g.get("data-prefix")
              for g in nodes(svg)}  # fmt: skip
    named = {(by_key[e[:2]], e[0], by_key[e[2:4]], e[4]) for e in edges(svg)}
    assert ("sil", 1, "sil a", "extend") in named
    assert not any(b == "sil a" and a == "a" for a, _, b, _ in named)
    assert {p for (t, _), p in by_key.items() if t == 2} == {"sil", "a", "sil a"}


def test_prefix_text_parses():
    ab = frozenset("-ab")
    assert [k.head for k in prefix_parses("ab", ab)] == [("a", "b")]
    assert [k.head for k in prefix_parses("ε", ab)] == [()]
    assert [k.head for k in prefix_parses("(empty)", ab)] == [()]
    assert [k.head for k in prefix_parses("sil a", None)] == [("sil", "a")]
    # "aa" with symbols a and aa: two readings, so the text cannot tell
    assert len(prefix_parses("aa", frozenset({"-", "a", "aa"}))) == 2
    # a cut prefix: 20 first, 20 last symbols and the count
    long = prefix_parses("a" * 20 + "…(41 symbols)…" + "b" * 20, ab)
    assert [(len(k.head), len(k.tail), k.n) for k in long] == [(20, 20, 41)]
    shorter = prefix_parses("a" * 20 + "…(42 symbols)…" + "b" * 19 + "a", ab)[0]
    assert feeds(long[0], shorter) == "extend"
    assert feeds(long[0], long[0]) == "same"
    assert feeds(shorter, long[0]) is None


def long_problem(tmp_path: Path, frames: int = 500, width: int = 8) -> Path:
    """A 500-frame search over 4 labels and a blank, every probability positive (so from
    frame 2 on there are more than 8 candidates: 5 prefixes kept after frame 1 each extend
    by 4 labels)."""
    rng = np.random.default_rng(7)
    y = rng.dirichlet(np.ones(5), size=frames) * 0.95 + 0.01
    y /= y.sum(axis=1, keepdims=True)
    f = tmp_path / "long.yaml"
    f.write_text(
        yaml.safe_dump(
            {
                "kind": "ctc_decode",
                "title": "a long beam search",
                "symbols": ["-", "a", "b", "c", "d"],
                "blank": "-",
                "beam": width,
                "emissions": [[float(v) for v in row] for row in y],
            }
        )
    )
    return f


def test_a_long_search_draws_a_bounded_window(tmp_path):
    """T = 500, width 8: the beam table has 5 + 499 x 8 = 3,997 rows (frame 1 keeps its 5
    candidates), of which the page's window holds the first 30 and the last 30 rows:
    frame 1 (5 rows) + frames 2-4 (24 rows) + 1 row of frame 5 (cut: left out); and
    6 rows of frame 497 (ranks 3-8, cut: left out) + frames 498-500 (24 rows). So the
    drawing holds t = 0, 1-4 and 498-500 with one gap, under 300 kB."""
    html = page(long_problem(tmp_path))
    m = _SVG.search(html)
    assert m is not None
    assert len(m[1].encode()) < 300_000
    svg = ET.fromstring(m[1])
    ts = sorted({int(g.get("data-t")) for g in nodes(svg)})
    assert ts == [0, 1, 2, 3, 4, 498, 499, 500]
    assert len(ts) - 1 <= BEAM_MAX_FRAMES
    gaps = [g for g in svg.iter("g") if g.get("class") == "gap"]
    assert [(g.get("data-after"), g.get("data-before")) for g in gaps] == [("4", "498")]
    # every box on a frame whose frame before is drawn has a parent there
    into = {(e[2], e[3]) for e in edges(svg)}
    for g in nodes(svg):
        t = int(g.get("data-t"))
        if t - 1 in ts:
            assert (t, int(g.get("data-rank"))) in into, g.attrib
    assert "Drawn: frames 1–4 and 498–500 of 500" in caption_of(html)


def test_a_long_window_keeps_at_most_the_frame_limit(tmp_path):
    """With --window 100000 the table holds all 500 frames: the drawing keeps the first
    and last BEAM_MAX_FRAMES / 2 of them, still under 300 kB; the last frames hold prefixes
    longer than 40 symbols, printed cut, and still find their parents."""
    from rnnloss_cli.problem import load_problem
    from rnnloss_cli.result import Window
    from rnnloss_cli.solve import solve

    r = solve(load_problem(str(long_problem(tmp_path))), window=Window(rows=100_000))
    html = render_html([r], window=Window(rows=100_000))
    m = _SVG.search(html)
    assert m is not None and len(m[1].encode()) < 300_000
    svg = ET.fromstring(m[1])
    ts = sorted({int(g.get("data-t")) for g in nodes(svg)})
    half = BEAM_MAX_FRAMES // 2
    assert ts == [0, *range(1, half + 1), *range(501 - half, 501)]
    assert any("symbols)…" in g.get("data-prefix") for g in nodes(svg))
    into = {(e[2], e[3]) for e in edges(svg)}
    for g in nodes(svg):
        t = int(g.get("data-t"))
        if t - 1 in ts:
            assert (t, int(g.get("data-rank"))) in into, g.attrib


def test_the_drawing_formats_only_the_rows_of_the_frames_it_draws(tmp_path, monkeypatch):
    """With --window 100000 the table holds all 3,997 rows of the 500 frames; the drawing
    prints the totals of the BEAM_MAX_FRAMES frames it draws (8 rows each at most), not of
    every held row (a 62,000-frame search spent 5.4 s of its page there)."""
    from rnnloss_cli.problem import load_problem
    from rnnloss_cli.render import beam_svg, text
    from rnnloss_cli.result import Window
    from rnnloss_cli.solve import solve

    r = solve(load_problem(str(long_problem(tmp_path))), window=Window(rows=100_000))
    table = beam_svg.beam_table(r)
    assert table is not None and len(table.rows) == 3997
    formatted = []
    real = text.cell_text
    monkeypatch.setattr(
        text, "cell_text", lambda c, *a, **k: formatted.append(c) or real(c, *a, **k)
    )
    figure = beam_svg.beam_figures(r, window=Window(rows=100_000))
    assert figure and "<svg" in figure[0]
    assert 0 < len(formatted) <= BEAM_MAX_FRAMES * 8 * len(table.columns), len(formatted)


def test_a_beam_wider_than_the_limit_is_not_drawn_and_says_why(tmp_path):
    f = long_problem(tmp_path, frames=3, width=40)
    html = page(f)
    assert _SVG.search(html) is None
    assert "The beam is not drawn" in caption_of(html)


def test_no_l_star_is_tagged_when_the_search_found_no_labelling(tmp_path):
    """Lexicon [ab], width 1, one frame y = (.1, .8, .1) over (-, a, b): the beam keeps a
    (.8), not a complete word, and ε (.1) is pruned: no labelling, p(l*|x) = 0 (the result
    line still writes l* = ε, its empty labelling). Nothing is tagged l*, and the caption
    says why."""
    f = tmp_path / "nolex.yaml"
    f.write_text(
        yaml.safe_dump(
            {
                "kind": "ctc_decode",
                "title": "no word",
                "symbols": ["-", "a", "b"],
                "blank": "-",
                "beam": 1,
                "lexicon": ["ab"],
                "emissions": [[0.1, 0.8, 0.1]],
            }
        )
    )
    html = page(f)
    svg = beam_svg_of(html)
    assert [g.get("data-prefix") for g in nodes(svg) if g.get("data-t") == "1"] == ["a"]
    tags = ["".join(t.itertext()) for t in svg.iter("text") if t.get("class") == "tag"]
    assert tags == ["greedy"], tags  # greedy: B(a) = a
    assert "found no labelling" in caption_of(html)


def test_with_a_language_model_the_caption_says_ranks_follow_the_score():
    """ctc-decode-lm: the beam keeps the best fused scores, not the best p_b + p_nb, so a
    box's rank is not read from the number in it."""
    assert "Ranks follow the score" in caption_of(page(DECODE[2]))
    assert "Ranks follow the score" not in caption_of(page(DECODE[0]))


def test_a_prefix_spelling_an_old_empty_name_is_read_as_its_symbols(tmp_path):
    """Symbols ( ) e m p t y, each frame's best one spelling "(empty)" (.86 each, the rest
    .02), width 3: at t = 7 the kept "(empty)" is "(empty" one label longer (before: read as
    the empty prefix, "(empty)", the older spelling of ε, its box had no line entering it)."""
    symbols = ["-", "(", ")", "e", "m", "p", "t", "y"]
    frames = []
    for c in "(empty)":
        row = [0.02] * 8
        row[symbols.index(c)] = 0.86
        frames.append(row)
    f = tmp_path / "paren.yaml"
    f.write_text(yaml.safe_dump({"kind": "ctc_decode", "title": "parentheses",
                                 "symbols": symbols, "beam": 3, "emissions": frames}))  # fmt: skip
    svg = beam_svg_of(page(f))
    by_key = {(int(g.get("data-t")), int(g.get("data-rank"))): g.get("data-prefix")
              for g in nodes(svg)}  # fmt: skip
    named = {(by_key[e[:2]], e[0], by_key[e[2:4]], e[4]) for e in edges(svg)}
    assert ("(empty", 6, "(empty)", "extend") in named
    into = {(e[2], e[3]) for e in edges(svg)}
    assert all(k in into for k in by_key if k[0] > 0)
    # with no alphabet known, or one that does not spell it, it is the older ε
    assert [k.head for k in prefix_parses("(empty)", frozenset(symbols))] == [tuple("(empty)")]


def test_a_box_prints_its_total_as_the_table_does_exponent_sign_too(tmp_path):
    """T = 500: the last frames' totals are about 1e−300 and below; each box's p_b + p_nb
    is its table cell's text, the exponent's minus U+2212 as the table (and the lattice
    drawing) write it (before: the boxes printed 4.76e-1390 beside the table's 4.76e−1390)."""
    html = page(long_problem(tmp_path))
    svg = beam_svg_of(html)
    by_key = {(g.get("data-t"), g.get("data-rank")): g for g in nodes(svg)}
    rows = [r for r in beam_rows(html) if (r[0], r[1]) in by_key]
    assert any("e\u2212" in r[5] for r in rows)  # exponents are compared
    for row in rows:
        assert node_texts(by_key[(row[0], row[1])])[1] == row[5], row


def test_a_cut_prefix_never_starts_on_a_combining_mark(tmp_path):
    """A symbol of a letter and two accents (a + U+0301 + U+0302, 3 characters, so prefixes
    are space-separated, 4 characters a symbol): a prefix cut to its last 17 characters began
    with the second accent (17 = 4 × 4 + 1), drawn on the "…" with no letter under it."""
    sym = "a\u0301\u0302"
    frames = [[0.05, 0.95] if t % 2 == 0 else [0.95, 0.05] for t in range(24)]
    f = tmp_path / "accents.yaml"
    f.write_text(yaml.safe_dump({"kind": "ctc_decode", "title": "accents",
                                 "symbols": ["-", sym], "beam": 2, "emissions": frames},
                                allow_unicode=True), encoding="utf-8")  # fmt: skip
    svg = beam_svg_of(page(f))
    shown = [node_texts(g)[0] for g in nodes(svg)]
    cut = [s for s in shown if s.startswith("…")]
    assert cut, shown
    assert not any(unicodedata.combining(s[1]) for s in cut), [ascii(s[:3]) for s in cut]


def test_a_beam_that_empties_before_the_last_frame_says_so(tmp_path):
    """Lexicon [ab], width 2, frames over (-, a, b, c): y1 = (.1, .9, 0, 0) keeps a (.9) and
    ε (.1); y2 = (0, 0, 0, 1) gives every kept prefix probability 0 but ac and c, which no
    word starts: the beam after frame 2 is empty, and stays so at frame 3. Before, the
    drawing took frame 1 for the last (the table's last row): it said "the greedy labelling
    ac is not kept in the last beam" of frame 1, and nothing of frames 2 and 3."""
    f = tmp_path / "dies.yaml"
    f.write_text(
        yaml.safe_dump(
            {
                "kind": "ctc_decode",
                "title": "the beam dies",
                "symbols": ["-", "a", "b", "c"],
                "blank": "-",
                "beam": 2,
                "lexicon": ["ab"],
                "emissions": [[0.1, 0.9, 0, 0], [0, 0, 0, 1], [1, 0, 0, 0]],
            }
        )
    )
    html = page(f)
    svg = beam_svg_of(html)
    assert sorted({g.get("data-t") for g in nodes(svg)}) == ["0", "1"]
    assert not [t for t in svg.iter("text") if t.get("class") == "tag"]
    caption = caption_of(html)
    assert "not kept in the last beam" not in caption
    assert "The beam is empty after frame 2 of 3" in caption, caption


def test_a_beam_empty_from_the_first_frame_says_so_in_place_of_its_drawing(tmp_path):
    """Lexicon [ba], frames (0, 1, 0) twice over (-, a, b): only a has probability, and no
    word starts with a, so the beam is empty after frame 1: its table has no row, and where
    the drawing would be the caption says why (before: no figure, an empty table)."""
    f = tmp_path / "empty.yaml"
    f.write_text(yaml.safe_dump({"kind": "ctc_decode", "title": "empty", "beam": 2,
                                 "symbols": ["-", "a", "b"], "lexicon": ["ba"],
                                 "emissions": [[0, 1, 0], [0, 1, 0]]}))  # fmt: skip
    html = page(f)
    assert _SVG.search(html) is None
    assert "The beam is empty after frame 1 of 2" in caption_of(html)
