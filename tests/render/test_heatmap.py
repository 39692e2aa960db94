"""``--show heatmap`` in the Rich renderer: trellis cells coloured by ln value, text unchanged.

Expected colours come from hand arithmetic (written beside each test), not from the renderer:
the bin of a cell is k = min(floor(9 (ln x − LO) / (HI − LO)), 8) into the nine viridis stops.
"""

from __future__ import annotations

import io
import math
import re
from pathlib import Path

import pytest
from rich.console import Console

from rnnloss_cli import solve_file
from rnnloss_cli.render import rich as rr
from rnnloss_cli.render.svg import VIRIDIS
from rnnloss_cli.result import LogNumber, Result, Table

PROBLEMS = Path(__file__).resolve().parents[2] / "problems"
SGR = re.compile(r"\x1b\[([0-9;]*)m")


def colour_codes(text: str) -> list[str]:
    """The SGR sequences of ``text`` that set a colour (fg 30-38/90-97, bg 40-48/100-107)."""
    out = []
    for m in SGR.finditer(text):
        params = [int(p) for p in m.group(1).split(";") if p]
        if any(30 <= p <= 38 or 40 <= p <= 48 or 90 <= p <= 97 or 100 <= p <= 107 for p in params):
            out.append(m.group(0))
    return out


def plain(text: str) -> str:
    return SGR.sub("", text)


def _console(**kw) -> Console:
    """A 100-column console writing to a string; colour unless the test says otherwise."""
    opts = {"force_terminal": True, "color_system": "truecolor", "no_color": False}
    opts.update(kw)
    return Console(file=io.StringIO(), width=100, highlight=False, emoji=False, **opts)


def _rendered(table: Table, console: Console, heatmap: bool) -> str:
    console.print(rr.rich_table(table, 3, width=console.width, heatmap=heatmap))
    return console.file.getvalue()


def _cell_styles(table: Table, heatmap: bool) -> dict[str, object]:
    """Each printed cell text -> the Rich style it is drawn with (truecolor console). A text
    printed more than once with different styles maps to None, which no test looks up."""
    console = _console()
    segments = console.render(rr.rich_table(table, 3, width=100, heatmap=heatmap))
    out: dict[str, object] = {}
    for seg in segments:
        text = seg.text.strip()
        if text:
            out[text] = seg.style if out.get(text, seg.style) == seg.style else None
    return out


# e^-k for k = 0..8: ln from LO = -8 to HI = 0, so bin = floor(9 (8 - k) / 8):
# k=8 -> 0, 7 -> floor(9/8)=1, 6 -> floor(18/8)=2, 5 -> floor(27/8)=3, 4 -> floor(36/8)=4,
# 3 -> floor(45/8)=5, 2 -> floor(54/8)=6, 1 -> floor(63/8)=7, 0 -> 9, capped at 8.
# Printed with 3 significant digits below 0.1: 1, 0.368, 0.135, 0.0498, 0.0183, 0.00674,
# 0.00248, 0.000912, 0.000335.
POWERS = ["1", "0.368", "0.135", "0.0498", "0.0183", "0.00674", "0.00248", "0.000912", "0.000335"]


def _powers_table(title: str = "forward trellis α_t(s) (probabilities)") -> Table:
    values = [math.exp(-k) for k in range(9)]
    return Table(
        title,
        ["s", "l'_s", *[f"t={t + 1}" for t in range(11)]],
        [[7, "-", *values, 0.0, "…"]],
        {(0, 11): "dim"},  # the 0 cell, dimmed as the CTC solver does (unreachable)
        key_columns=2,
    )


def test_each_power_of_e_gets_its_own_viridis_stop():
    styles = _cell_styles(_powers_table(), heatmap=True)
    for k, text in enumerate(POWERS):
        assert styles[text].bgcolor.triplet.hex == VIRIDIS[8 - k], text


def test_zero_text_and_key_cells_stay_uncoloured_and_zero_stays_dim():
    styles = _cell_styles(_powers_table(), heatmap=True)
    assert styles["0"].bgcolor is None and styles["0"].dim  # as without the heat map
    for text in ("…", "-", "7", "s"):  # text, key and header cells
        assert getattr(styles[text], "bgcolor", None) is None, text


def test_heat_stop_rounds_down_and_caps_at_the_last_stop():
    # (ln - lo) / (hi - lo) = 0.5 -> floor(4.5) = 4; a flat scale puts every cell on top
    assert rr.heat_stop(-1.0, -2.0, 0.0) == 4
    assert rr.heat_stop(-0.2, -2.0, 0.0) == 8  # 9 · 0.9 = 8.1 (eight steps would give 7)
    assert rr.heat_stop(0.0, -2.0, 0.0) == 8
    assert rr.heat_stop(-3.0, -3.0, -3.0) == 8


# WCAG relative luminance L = 0.2126 R + 0.7152 G + 0.0722 B of the linearised channels
# (c/255 <= 0.04045 ? c/255/12.92 : ((c/255 + 0.055)/1.055)^2.4); contrast with black is
# (L + 0.05)/0.05, with white 1.05/(L + 0.05):
#  #440154: R 68 -> 0.0578, G 1 -> 0.0003, B 84 -> 0.0887: L = 0.0189: white 15.2 > black 1.4
#  #2c728e: R 44 -> 0.0252, G 114 -> 0.1683, B 142 -> 0.2705: L = 0.1453: white 5.4 > black 3.9
#  #21918c: R 33 -> 0.0152, G 145 -> 0.2831, B 140 -> 0.2623: L = 0.2246: black 5.5 > white 3.8
#  #fde725: R 253 -> 0.9823, G 231 -> 0.7991, B 37 -> 0.0185: L = 0.7815: black 16.6 > white 1.3
@pytest.mark.parametrize(
    "background, text",
    [
        ("#440154", "#ffffff"),
        ("#2c728e", "#ffffff"),
        ("#21918c", "#000000"),
        ("#fde725", "#000000"),
    ],
)
def test_text_is_light_on_dark_cells_and_dark_on_bright_ones(background, text):
    assert rr.text_on(background) == text


def test_cells_get_the_legible_foreground():
    styles = _cell_styles(_powers_table(), heatmap=True)
    assert styles["0.000335"].color.triplet.hex == "#ffffff"  # stop 0, #440154
    assert styles["1"].color.triplet.hex == "#000000"  # stop 8, #fde725


def test_legend_line_gives_the_ends_of_the_scale():
    out = plain(_rendered(_powers_table(), _console(), heatmap=True))
    # LO = ln e^-8 = -8, HI = ln 1 = 0
    assert "colour: ln value from -8 (dark) to 0 (bright)" in out
    assert "colour:" not in plain(_rendered(_powers_table(), _console(), heatmap=False))


def test_values_held_as_logs_are_placed_by_their_log():
    # ln = -3000 (LO), -1500 (bin floor(9 * 1500/3000) = 4), 0 (HI, bin 8)
    t = Table(
        "forward trellis α_t(s) (probabilities, printed from their logs)",
        ["s", "a", "b", "c"],
        [[7, LogNumber(-3000.0), LogNumber(-1500.0), LogNumber(0.0)]],
    )
    styles = _cell_styles(t, heatmap=True)
    # printed from the logs: e^-3000 = 10^-1302.883 = 1.31e-1303, e^-1500 = 10^-651.442 = 3.62e-652
    assert styles["1.31e-1303"].bgcolor.triplet.hex == VIRIDIS[0]
    assert styles["3.62e-652"].bgcolor.triplet.hex == VIRIDIS[4]
    assert styles["1"].bgcolor.triplet.hex == VIRIDIS[8]


def test_other_tables_are_not_coloured():
    t = _powers_table(title="per element")
    assert not colour_codes(_rendered(t, _console(), heatmap=True))


def _alpha_ab() -> Table:
    """The forward trellis of target AB over y = (0.2,0.7,0.1), (0.3,0.3,0.4), (0.2,0.1,0.7)
    (symbols -, A, B), worked by hand from the recursion in problems/ctc-exact-ab.yaml:
    α_2 = (0.2·0.3, 0.9·0.3, 0.7·0.3, 0.7·0.4, 0) = (0.06, 0.27, 0.21, 0.28, 0);
    α_3 = (0.06·0.2, 0.33·0.1, 0.48·0.2, 0.76·0.7, 0.28·0.2) = (0.012, 0.033, 0.096, 0.532, 0.056).
    """
    cols = [[0.2, 0.7, 0.0, 0.0, 0.0], [0.06, 0.27, 0.21, 0.28, 0.0]]
    cols.append([0.012, 0.033, 0.096, 0.532, 0.056])
    ext = ["-", "A", "-", "B", "-"]
    rows = [[s + 1, ext[s], *(c[s] for c in cols)] for s in range(5)]
    styles = {(i, 2 + j): "dim" for i in range(5) for j in range(3) if cols[j][i] == 0}
    styles.update({(0, 3): "dead", (0, 4): "dead", (3, 4): "highlight", (4, 4): "highlight"})
    legend = {"dim": "unreachable", "dead": "dead end", "highlight": "final cells"}
    return Table(
        "forward trellis α_t(s) (probabilities)",
        ["s", "l'_s", "t=1", "t=2", "t=3"],
        rows,
        styles,
        key_columns=2,
        legend=legend,
    )


def _box_lines(text: str) -> list[str]:
    return [ln for ln in plain(text).splitlines() if ln[:1] in "┏┃┡│└"]


def test_the_table_text_is_the_same_with_and_without_the_heat_map():
    with_heat = _rendered(_alpha_ab(), _console(), heatmap=True)
    without = _rendered(_alpha_ab(), _console(), heatmap=False)
    assert colour_codes(with_heat) and _box_lines(with_heat) == _box_lines(without)
    assert len(_box_lines(with_heat)) == 9  # header (3 lines), 5 rows, bottom


def test_dead_and_final_cells_keep_a_mark_of_their_own():
    styles = _cell_styles(_alpha_ab(), heatmap=True)
    # ln 0.012 = -4.423 (LO), ln 0.7 = -0.357 (HI); 0.532: 9 (-0.631 + 4.423)/4.066 = 8.39 -> 8
    assert styles["0.532"].reverse and styles["0.532"].bold
    assert styles["0.532"].bgcolor.triplet.hex == VIRIDIS[8]
    assert styles["0.012"].underline and styles["0.012"].bgcolor.triplet.hex == VIRIDIS[0]
    out = plain(_rendered(_alpha_ab(), _console(), heatmap=True))
    assert "underlined: dead end" in out and "reversed: final cells" in out
    assert "uncoloured: unreachable" in out


@pytest.mark.parametrize(
    "console",
    [
        _console(no_color=True),  # NO_COLOR
        _console(force_terminal=False, color_system="auto"),  # not a terminal (a pipe, a file)
    ],
    ids=["no_color", "not_a_terminal"],
)
def test_no_colour_codes_without_colour(console):
    r = Result("ctc", "t", 0.531, tables=[_alpha_ab()])
    rr.render_rich([r], console, 3, frozenset({"heatmap"}), heatmap=True)
    out = console.file.getvalue()
    assert not colour_codes(out)
    assert "colour: ln value" not in out


def test_not_a_terminal_prints_no_escape_codes_at_all():
    console = _console(force_terminal=False, color_system="auto")
    rr.render_rich([Result("ctc", "t", 0.5, tables=[_alpha_ab()])], console, heatmap=True)
    assert "\x1b[" not in console.file.getvalue()


#: problem file -> the titles of its tables the heat map colours (the rest stay plain)
SOLVER_TABLES = {
    "ctc-exact-ab.yaml": [
        "emissions y_t(k)",
        "forward trellis α_t(s)",
        "backward trellis β_t(s)",
        "posterior γ_t(s)",
    ],
    "rnnt-ab-two-frames.yaml": ["forward lattice α(t, u)", "backward lattice β(t, u)"],
    "ctc-align-ab.yaml": ["given: per-frame probabilities y_t(k)", "Viterbi table δ_t(s)"],
    "ctc-decode-beam-vs-greedy.yaml": ["given: per-frame probabilities y_t(k)"],
    "hello.yaml": [],
    "mse-forecast.yaml": [],
}


@pytest.mark.parametrize("name", SOLVER_TABLES)
def test_the_title_prefixes_select_the_solvers_trellis_tables(name):
    r = solve_file(str(PROBLEMS / name))
    chosen = [t.title for t in r.tables if rr.is_heatmap_table(t)]
    expected = SOLVER_TABLES[name]
    assert len(chosen) == len(expected) and all(
        c.startswith(e) for c, e in zip(chosen, expected, strict=True)
    ), chosen
    assert rr.has_heatmap_tables([r], frozenset({"beta"})) == bool(expected)


def test_greedy_decoding_colours_its_probabilities_not_its_best_column():
    from rnnloss_cli.solve.ctc_tools import decode_result

    # y = (0.2, 0.8), (0.6, 0.4): ln 0.2 = -1.609 (LO) .. ln 0.8 = -0.223 (HI); best path A -
    r = decode_result([[0.2, 0.8], [0.6, 0.4]], ["-", "A"], "-", from_logits=False, flag="-e")
    assert [rr.is_heatmap_table(t) for t in r.tables] == [True]
    console = _console()
    rr.render_rich([r], console, heatmap=True)
    out = plain(console.file.getvalue())
    assert "colour: ln value from -1.609 (dark) to -0.223 (bright)" in out
    styles = _cell_styles(r.tables[0], heatmap=True)
    assert styles["0.2"].bgcolor.triplet.hex == VIRIDIS[0]
    # the "best" column holds text (A, -): none of its cells is coloured
    segments = _console().render(rr.rich_table(r.tables[0], 3, width=100, heatmap=True))
    texts = [seg for seg in segments if seg.text.strip() in ("A", "-")]
    assert len(texts) == 4  # two header cells, two best-path cells
    assert all(getattr(seg.style, "bgcolor", None) is None for seg in texts)
