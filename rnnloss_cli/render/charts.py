"""SVG charts drawn from a Result: per-step loss bars and loss curves (no plotting library).

Two charts, each read from a table the solver (or the training run) already holds, so the
chart shows exactly the numbers the table shows:

- **Per-step bars** for the sequence losses (kinds ``sequence``, ``sequence_hinge``,
  ``reinforce``): one bar per time step from the "per step" table's term column
  (:data:`PER_STEP_COLUMN`), its value printed over it, a zero line when a term is negative
  (REINFORCE's A_t · ln π), padded steps marked "pad" without a bar. A long input keeps its
  first and last steps with a gap, by the tables' window rule, at most
  :data:`~rnnloss_cli.limits.CHART_MAX_BARS` bars. Each bar carries ``data-step`` (t, 1-based),
  ``data-sequence`` and ``data-value`` (the term, ``repr`` of the float, or ``inf``).
- **Loss curve** for a training run (kind ``train``, table :data:`CURVE_TITLE`): a line over
  every held epoch (0 = before training), y on a log scale when the values span more than
  :data:`LOG_DECADES` decades (the axis says so). Each point carries ``data-epoch`` and
  ``data-value``.

Sizes come from the data (bar width from the widest value label, plot width from the number
of points); the colours are the viridis stops of :data:`render.svg.VIRIDIS`; every SVG has a
``<title>`` and a ``<desc>``; every text goes through :func:`html.escape`.
"""

from __future__ import annotations

import math
import re
from html import escape
from typing import Any

from rnnloss_cli.limits import CHART_MAX_BARS
from rnnloss_cli.render.palette import PLATE, VIRIDIS
from rnnloss_cli.render.svg import Fmt, number_format, text_minus, text_width
from rnnloss_cli.render.text import ELLIPSIS, Digits, cell_text, fmt_number, lay_out
from rnnloss_cli.result import Result, Table, Window

#: The column of the "per step" table each sequence kind's bars are drawn from, and what the
#: bars are called on the page.
PER_STEP_COLUMN = {
    "sequence": ("−ln ŷ(target)", "per-step loss −ln ŷ(target)"),
    "sequence_hinge": ("max(0, 1 − y·ŷ)", "per-step hinge loss max(0, 1 − y·ŷ)"),
    "reinforce": ("A_t · ln π", "per-step objective term A_t · ln π"),
}
PER_STEP_TITLE = "per step"
#: The training run's table the loss curve is drawn from (kind "train").
CURVE_TITLE = "loss per epoch"
#: A curve whose positive values span more than this many powers of ten gets a log y axis.
LOG_DECADES = 2.0
BAR_FILL = VIRIDIS[3]
LINE_COLOUR = VIRIDIS[2]
POINT_FILL = VIRIDIS[5]
#: Geometry in px: plot height, margins for tick labels and axis titles, the gap drawn for
#: an elision and between the sequences of a batch, the least bar width.
PLOT_H = 200
LEFT = 72
TOP = 24
BOTTOM = 64
RIGHT = 16
GAP = 36
SEQ_GAP = 14
MIN_BAR = 24
#: An SVG wider than the page's column shrinks to fit it (its text with it) instead of
#: scrolling the page sideways.
FIT = 'style="max-width: 100%; height: auto" '
#: Least and largest width of the loss curve's plot area, and px per epoch in between.
CURVE_MIN_W, CURVE_MAX_W, CURVE_PX = 360, 760, 10


def chart_figures(
    r: Result,
    show: frozenset[str] = frozenset(),
    window: Window | None = None,
    *,
    precision: int = 3,
    digits: Digits | None = None,
) -> list[str]:
    """The chart ``<figure>`` elements for ``r``: per-step bars or the loss curve, or none.
    Their numbers print with ``precision`` and the plan ``digits``, as the page's tables do."""
    fmt = number_format(precision, digits)
    if r.kind in PER_STEP_COLUMN:
        t = next((t for t in r.tables if t.title == PER_STEP_TITLE), None)
        column, what = PER_STEP_COLUMN[r.kind]
        if t is None or column not in t.columns or not t.rows:
            return []
        svg, note = per_step_svg(
            t, column, what, r.title, window, precision=precision, digits=digits
        )
        return [_figure("per-step", svg, _bars_caption(r, what, note, fmt))]
    if r.kind == "train":
        t = next((t for t in r.tables if t.title.startswith(CURVE_TITLE)), None)
        if t is None or len(t.rows) < 1:
            return []
        svg, log = curve_svg(t, r.title, precision=precision, digits=digits)
        scale = "log scale (the values span more than 2 decades)" if log else "linear scale"
        caption = (
            f"{t.columns[1]} against the epoch (0: before training), y on a {scale}; "
            "each point is one epoch of the table below (which shows the first and last "
            "epochs of a long run)."
        )
        return [_figure("curve", svg, caption)]
    return []


def _figure(cls: str, svg: str, caption: str) -> str:
    return (
        f'<figure class="chart {cls}">\n{svg}\n<figcaption>{escape(caption)}</figcaption></figure>'
    )


def _bars_caption(r: Result, what: str, note: str | None, fmt: Fmt) -> str:
    """What the bars add up to, from the figures the solver computed (nothing computed here)."""
    f = r.figures
    parts = [f"One bar per time step: the {what}."]
    if r.kind == "reinforce":
        if "objective" in f:
            parts.append(
                f"J = Σ_t of the bars = {fmt(f['objective'])}; "
                f"the loss is L = −J (÷ n for a mean) = {fmt(f['loss'])}."
            )
    elif "sum" in f:
        mean = f.get("mean", f.get("mean_tokens"))
        text = f"Sum of the bars = {fmt(f['sum'])}"
        if mean is not None:
            text += f", their mean = {fmt(mean)}"
        parts.append(f"{text}; the loss = {fmt(f.get('loss', math.nan))}.")
    if note:
        parts.append(note)
    return " ".join(parts)


# ---------------------------------------------------------------------------- helpers
def nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    """Round tick values from at or below ``lo`` to at or above ``hi``: about ``n`` of them,
    steps of 1, 2 or 5 times a power of ten (e.g. 0 to 0.53 -> 0, 0.2, 0.4, 0.6)."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return []
    if hi <= lo:
        hi = lo + 1.0
    raw = (hi - lo) / max(n - 1, 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw * (1 - 1e-12))
    first, last = math.floor(lo / step + 1e-9), math.ceil(hi / step - 1e-9)
    return [round(k * step, 12) for k in range(first, last + 1)]


def _label(x: Any, fmt: Fmt) -> str:
    """A value label as the table prints it (``fmt``, its minus U+2212), ∞ for infinity."""
    if isinstance(x, float) and math.isinf(x):
        return "∞" if x > 0 else "−∞"
    return text_minus(fmt(x))


def _value_attr(x: float) -> str:
    return "inf" if x == math.inf else ("-inf" if x == -math.inf else repr(float(x)))


#: A subscript in an axis title (REINFORCE's "A_t · ln π"): after a letter that is not part
#: of a word, one letter or a digit run.
_SUB = re.compile(r"(?<![A-Za-z_])([^\W\d_])_([0-9]+|[A-Za-z](?![A-Za-z]))")


def _svg_text(text: str) -> str:
    """``text`` escaped, its subscripts (A_t) set as a smaller <tspan> shifted down."""
    out, last = [], 0
    for m in _SUB.finditer(text):
        out += [escape(text[last : m.start(2) - 1])]
        out += [f'<tspan class="sub" baseline-shift="sub" font-size="80%">{escape(m[2])}</tspan>']
        last = m.end()
    return "".join([*out, escape(text[last:])])


def _axis_title_y(x: float, y: float, text: str) -> str:
    return (
        f'<text class="axis-title" x="{x:g}" y="{y:g}" text-anchor="middle" '
        f'transform="rotate(-90 {x:g} {y:g})">{_svg_text(text)}</text>'
    )


# ---------------------------------------------------------------------------- bars
def _steps_shown(t: Table, column: str, window: Window | None) -> tuple[list, str | None]:
    """The (sequence, t, value) of each step shown, None where steps are left out, and the
    window note: the table laid out like the page lays it out, at most CHART_MAX_BARS rows."""
    keys = [c for c in ("sequence", "episode") if c in t.columns][:1] + ["t"]
    idx = [t.columns.index(c) for c in (*keys, column)]
    proj = Table(
        t.title,
        [t.columns[i] for i in idx],
        [[row[i] for i in idx] for row in t.rows],
        n_rows=t.n_rows,
        head_rows=t.head_rows,
        key_columns=len(keys),
    )
    w = window or Window()
    laid = lay_out(proj, Window(rows=min(w.rows, CHART_MAX_BARS), columns=len(idx) + 1))
    out: list = []
    for row in laid.rows:
        if row[0] == ELLIPSIS:
            out.append(None)
            continue
        seq = row[0] if len(keys) == 2 else 1
        out.append((int(seq), int(row[-2]), row[-1]))
    n_steps, n_shown = proj.shape[0], sum(s is not None for s in out)
    note = None
    if n_shown < n_steps:
        note = (
            f"Bars for {n_shown:,} of the {n_steps:,} steps, the first and the last "
            f"({ELLIPSIS} marks the gap; at most {CHART_MAX_BARS} bars are drawn)."
        )
    return out, note


def per_step_svg(
    t: Table,
    column: str,
    what: str,
    title: str,
    window: Window | None = None,
    *,
    precision: int = 3,
    digits: Digits | None = None,
) -> tuple[str, str | None]:
    """Bars of ``t[column]``, one per shown step, as an SVG; and the window note (or None).
    A bar's value label prints as the table's cell does (``precision``, the plan ``digits``);
    the axis ticks are round numbers at 3 digits."""
    fmt = number_format(precision, digits)

    def cell(x: Any) -> str:
        return cell_text(x, precision, digits)

    steps, note = _steps_shown(t, column, window)
    values = [s[2] for s in steps if s is not None and isinstance(s[2], (int, float))]
    finite = [float(v) for v in values if math.isfinite(v)]
    lo, hi = min([0.0, *finite]), max([0.0, *finite])
    ticks = nice_ticks(lo, hi, 6)
    lo, hi = ticks[0], ticks[-1]
    pad = 0.12 * (hi - lo)  # room for the value labels over (under) the tallest bars
    top_v, bot_v = hi + (pad if hi > 0 else 0), lo - (pad if lo < 0 else 0)
    negative = any(v < 0 for v in finite) or any(v == -math.inf for v in values)

    def y(v: float) -> float:
        v = min(max(v, bot_v), top_v)
        return TOP + (top_v - v) / (top_v - bot_v) * PLOT_H

    # a value label is the "per step" table's cell beside the chart, character for character
    # (its minus sign too, an ASCII one as the tables print it, which tests read back)
    labels = [_label(s[2], cell) if s is not None and s[2] is not None else "" for s in steps]
    bar = max(MIN_BAR, max((text_width(x, 11) for x in labels), default=0) + 6)
    batch = len({s[0] for s in steps if s is not None}) > 1
    xs: list[float] = []
    x = LEFT + 8
    prev = None
    for s in steps:
        if s is None:
            xs.append(x)
            x += GAP
            prev = None
            continue
        if batch and prev is not None and s[0] != prev[0]:
            x += SEQ_GAP
        xs.append(x)
        x += bar + 6
        prev = s
    width = x + RIGHT
    height = TOP + PLOT_H + BOTTOM
    y0 = y(0.0)
    n_shown = sum(s is not None for s in steps)
    desc = (
        f"Bar chart of the {what}: {n_shown} bars, one per time step"
        + ("; bars below the dashed zero line are negative" if negative else "")
        + "."
        + (f" {note}" if note else "")
    )
    out = [
        f'<svg role="img" class="bars" width="{width:g}" height="{height:g}" '
        f'viewBox="0 0 {width:g} {height:g}" {FIT}font-family="sans-serif" font-size="12">',
        f"<title>{escape(f'{what}: {title}')}</title>",
        f"<desc>{escape(desc)}</desc>",
        PLATE,
    ]
    # y axis with its ticks and title
    out.append(f'<g class="y-axis" stroke="#444"><line x1="{LEFT:g}" y1="{TOP:g}" ')
    out[-1] += f'x2="{LEFT:g}" y2="{TOP + PLOT_H:g}"/></g>'
    for v in ticks:
        out.append(
            f'<line x1="{LEFT - 4:g}" y1="{y(v):g}" x2="{LEFT:g}" y2="{y(v):g}" stroke="#444"/>'
            f'<text x="{LEFT - 7:g}" y="{y(v) + 4:g}" text-anchor="end">'
            f"{escape(text_minus(fmt_number(v, 3)))}</text>"
        )
    out.append(_axis_title_y(16, TOP + PLOT_H / 2, column))
    # the zero line: the x axis, dashed across the plot when some bar goes below it
    dash = ' stroke-dasharray="5 3"' if negative else ""
    out.append(
        f'<line class="{"zero" if negative else "baseline"}" x1="{LEFT:g}" y1="{y0:g}" '
        f'x2="{width - RIGHT:g}" y2="{y0:g}" stroke="#444"{dash}/>'
    )
    out.append('<g class="steps">')
    label_y = TOP + PLOT_H + 16
    prev = None
    for s, xpos, text in zip(steps, xs, labels, strict=True):
        if s is None:
            out.append(
                f'<text class="gap" x="{xpos + GAP / 2 - 3:g}" y="{y0 - 6:g}" '
                f'text-anchor="middle">{ELLIPSIS}</text>'
            )
            prev = None
            continue
        seq, step, v = s
        cx = xpos + bar / 2
        out.append(
            f'<text x="{cx:g}" y="{label_y:g}" text-anchor="middle">{escape(str(step))}</text>'
        )
        if batch and (prev is None or prev[0] != seq):
            out.append(f'<text x="{xpos:g}" y="{label_y + 16:g}" fill="#555">seq {seq}</text>')
        prev = s
        if v is None:  # padding: listed, no term
            out.append(
                f'<rect class="pad" x="{xpos:g}" y="{y0 - 14:g}" width="{bar:g}" height="14" '
                f'fill="none" stroke="#999" stroke-dasharray="2 2" data-step="{step}" '
                f'data-sequence="{seq}"><title>sequence {seq}, t = {step}: padding, '
                "no term</title></rect>"
                f'<text x="{cx:g}" y="{y0 - 18:g}" text-anchor="middle" fill="#666" '
                'font-size="10">pad</text>'
            )
            continue
        v = float(v)
        yv = y(v) if not math.isnan(v) else y0
        top, h = min(yv, y0), abs(yv - y0)
        out.append(
            f'<rect class="bar" x="{xpos:g}" y="{top:g}" width="{bar:g}" height="{h:g}" '
            f'fill="{BAR_FILL}" data-step="{step}" data-sequence="{seq}" '
            f'data-value="{_value_attr(v)}"><title>{escape(f"t = {step}: {_label(v, fmt)}")}'
            "</title></rect>"
        )
        ly = top - 4 if v >= 0 else top + h + 12
        out.append(
            f'<text class="value" x="{cx:g}" y="{ly:g}" text-anchor="middle" '
            f'font-size="11">{escape(text)}</text>'
        )
    out.append("</g>")
    out.append(
        f'<text class="axis-title" x="{(LEFT + width - RIGHT) / 2:g}" y="{height - 8:g}" '
        f'text-anchor="middle">time step t{" (and sequence)" if batch else ""}</text>'
    )
    out.append("</svg>")
    return "\n".join(out), note


# ---------------------------------------------------------------------------- curve
def curve_svg(
    t: Table, title: str, *, precision: int = 3, digits: Digits | None = None
) -> tuple[str, bool]:
    """The table's (epoch, value) rows as a line chart; and whether y is on a log scale.
    A point's value prints as the table's cell does (``precision``, the plan ``digits``)."""
    fmt = number_format(precision, digits)
    points = [
        (int(row[0]), float(row[1]))
        for row in t.rows
        if isinstance(row[1], (int, float)) and math.isfinite(row[1])
    ]
    metric = t.columns[1]
    vals = [v for _, v in points] or [0.0]
    vmin, vmax = min(vals), max(vals)
    log = vmin > 0 and math.log10(vmax / vmin) > LOG_DECADES

    if log:
        lo_d, hi_d = math.floor(math.log10(vmin)), math.ceil(math.log10(vmax))
        ticks = [10.0**k for k in range(lo_d, hi_d + 1)]
        lo, hi = float(lo_d), float(hi_d)

        def fy(v: float) -> float:
            return math.log10(v)
    else:
        ticks = nice_ticks(min(0.0, vmin), vmax)
        lo, hi = ticks[0], ticks[-1]

        def fy(v: float) -> float:
            return v

    if hi == lo:
        hi = lo + 1.0
    epochs = [e for e, _ in points] or [0]
    e_lo, e_hi = min(epochs), max(epochs)
    plot_w = min(CURVE_MAX_W, max(CURVE_MIN_W, CURVE_PX * (e_hi - e_lo)))
    e_span = max(e_hi - e_lo, 1)

    def px(e: int) -> float:
        return LEFT + 10 + (e - e_lo) / e_span * (plot_w - 20)

    def py(v: float) -> float:
        return TOP + (hi - fy(v)) / (hi - lo) * PLOT_H

    width, height = LEFT + plot_w + RIGHT, TOP + PLOT_H + BOTTOM
    y_title = f"{metric} (log scale)" if log else metric
    desc = (
        f"Line chart of the {metric} against the epoch, {len(points)} points from epoch "
        f"{e_lo} (before training) to {e_hi}: from {fmt(points[0][1]) if points else '-'} "
        f"to {fmt(points[-1][1]) if points else '-'}"
        + ("; the y axis is logarithmic" if log else "")
        + "."
    )
    out = [
        f'<svg role="img" class="curve" width="{width:g}" height="{height:g}" '
        f'viewBox="0 0 {width:g} {height:g}" {FIT}font-family="sans-serif" font-size="12">',
        f"<title>{escape(f'{metric} per epoch: {title}')}</title>",
        f"<desc>{escape(desc)}</desc>",
        PLATE,
        f'<g class="axes" stroke="#444"><line x1="{LEFT:g}" y1="{TOP:g}" x2="{LEFT:g}" '
        f'y2="{TOP + PLOT_H:g}"/><line x1="{LEFT:g}" y1="{TOP + PLOT_H:g}" '
        f'x2="{LEFT + plot_w:g}" y2="{TOP + PLOT_H:g}"/></g>',
    ]
    for v in ticks:
        label = text_minus(f"1e{round(math.log10(v))}" if log else fmt_number(v, 3))
        out.append(
            f'<line x1="{LEFT - 4:g}" y1="{py(v):g}" x2="{LEFT + plot_w:g}" y2="{py(v):g}" '
            f'stroke="#e4e4e4"/><text x="{LEFT - 7:g}" y="{py(v) + 4:g}" text-anchor="end">'
            f"{escape(label)}</text>"
        )
    for e in nice_ticks(e_lo, e_hi, 6):
        if e != int(e) or not e_lo <= e <= e_hi:
            continue
        out.append(
            f'<line x1="{px(int(e)):g}" y1="{TOP + PLOT_H:g}" x2="{px(int(e)):g}" '
            f'y2="{TOP + PLOT_H + 4:g}" stroke="#444"/><text x="{px(int(e)):g}" '
            f'y="{TOP + PLOT_H + 18:g}" text-anchor="middle">{int(e)}</text>'
        )
    out.append(_axis_title_y(16, TOP + PLOT_H / 2, y_title))
    out.append(
        f'<text class="axis-title" x="{LEFT + plot_w / 2:g}" y="{height - 12:g}" '
        'text-anchor="middle">epoch (0: before training)</text>'
    )
    coords = " ".join(f"{px(e):.2f},{py(v):.2f}" for e, v in points)
    out.append(
        f'<polyline class="line" points="{coords}" fill="none" stroke="{LINE_COLOUR}" '
        'stroke-width="2"/>'
    )
    radius = 3 if len(points) <= 100 else 1.5
    out.append('<g class="points">')
    for e, v in points:
        out.append(
            f'<circle cx="{px(e):.2f}" cy="{py(v):.2f}" r="{radius:g}" fill="{POINT_FILL}" '
            f'data-epoch="{e}" data-value="{_value_attr(v)}">'
            f"<title>{escape(f'epoch {e}: {fmt(v)}')}</title></circle>"
        )
    out.append("</g>")
    out.append("</svg>")
    return "\n".join(out), log
