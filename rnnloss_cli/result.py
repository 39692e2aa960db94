"""What a solver returns and a renderer lays out: tables, steps, figures, warnings.

Numbers stay numbers here; renderers format them (``--precision``). A Step's text is a
template whose ``{name}`` placeholders are filled from ``values``: ``{name|+}`` joins a list
with " + ", ``{name|*}`` with " × " (``\\times`` in LaTeX), ``{name|,}`` with ", ".

Sizes stay bounded: a long table is held as a window (its first and last rows and columns, with
its full shape and where the elision sits), a long list in a step as :class:`Terms` (its first
and last items and the count), so nothing in a Result grows with the input beyond the window.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from rnnloss_cli.limits import (
    DERIVATION_MAX_STEPS,
    STEP_MAX_TERMS,
    TABLE_MAX_COLUMNS,
    TABLE_MAX_ROWS,
)

#: The empty labelling (no labels), as every output writes it: ε, as RNN-T writes its empty
#: label sequence (∅ there is the blank); "(empty)", the older spelling, is what answer sheets
#: written before may say. No symbol may be named either (``problem.ctc.RESERVED_SYMBOLS``),
#: so neither reads as a labelling of one symbol.
EMPTY = "ε"
EMPTY_OLD = "(empty)"
EMPTY_NAMES = (EMPTY, EMPTY_OLD)
#: Letters drawn like ε in common fonts that no Unicode normalisation maps to it.
_EPSILON_SHAPES = ("ɛ",)  # U+025B LATIN SMALL LETTER OPEN E


def reads_as_empty(name: str) -> str | None:
    """The name of the empty labelling (ε or (empty)) that ``name`` is or reads as, else None.

    ``name`` itself; its NFKC form, which maps ϵ (U+03F5) and the mathematical epsilons
    (U+1D6C6 and the like) to ε and fullwidth parentheses to "(" and ")"; or a letter drawn
    like ε (ɛ, U+025B).
    """
    if name in EMPTY_NAMES:
        return name
    if name in _EPSILON_SHAPES:
        return EMPTY
    folded = unicodedata.normalize("NFKC", name)
    return folded if folded in EMPTY_NAMES else None


#: How a note about the answer-key checking itself begins: it is for whoever runs solve or
#: check, so solution sheets (for students) leave it out.
KEY_CHECKING_NOTE = "answer keys inside referenced files are not checked here"
#: The same for a custom problem's inline terms, whose own keys nothing checks.
INLINE_KEY_NOTE = "answer keys inside inline terms are not checked"


def student_notes(notes: list[str]) -> list[str]:
    """The notes a solution sheet shows: all but those on the answer-key checking."""
    return [n for n in notes if not n.startswith((KEY_CHECKING_NOTE, INLINE_KEY_NOTE))]


#: The singular of each unit a loss may carry (problem.base.LOG_BASES), for "1 bit".
_SINGULAR_UNITS = {"nats": "nat", "bits": "bit", "bans (hartleys)": "ban (hartley)"}


def unit_after(number: str, unit: str) -> str:
    """``unit`` as it reads after the printed ``number``: singular after exactly one ("1
    bit", "−1 nat"), plural otherwise ("0 bits", "1.5 nats", "2 bits"); every format that
    writes "loss = N unit" takes its unit from here.

    >>> unit_after("1", "bits"), unit_after("0.693", "nats")
    ('bit', 'nats')
    """
    if number.lstrip("−-+") == "1":
        return _SINGULAR_UNITS.get(unit, unit)
    return unit


@dataclass(frozen=True)
class Window:
    """How much of a long table is kept: at most ``rows`` rows and ``columns`` columns."""

    rows: int = TABLE_MAX_ROWS
    columns: int = TABLE_MAX_COLUMNS


def window_indices(n: int, limit: int) -> tuple[list[int], int | None]:
    """Indices kept of ``n`` items when at most ``limit`` are shown: the first and the last.

    Returns (indices, split): ``split`` is how many of the indices come before the elision,
    None when every item is kept. E.g. ``window_indices(10, 4) == ([0, 1, 8, 9], 2)``.
    """
    limit = max(limit, 2)
    if n <= limit:
        return list(range(n)), None
    head = (limit + 1) // 2
    return [*range(head), *range(n - (limit - head), n)], head


@dataclass(frozen=True)
class LogNumber:
    """A non-negative number held as its natural log, for values that underflow a double.

    Renderers print it as a plain number when exp(ln) is comfortably representable, else in
    scientific notation computed from the log (mantissa and base-10 exponent), e.g. 3.2e-2100.
    """

    ln: float


@dataclass
class Terms:
    """A long list in a step, held as its first and last items and the count of all of them."""

    head: list[Any]
    tail: list[Any]
    count: int

    @property
    def elided(self) -> int:
        """How many items sit between ``head`` and ``tail`` (not held)."""
        return self.count - len(self.head) - len(self.tail)


def terms(values: Any, limit: int = STEP_MAX_TERMS) -> list[Any] | Terms:
    """A step's list of numbers, as a plain list up to ``limit`` items, else a :class:`Terms`.

    ``values`` may be any sequence or a numpy array (only the kept items are converted).
    """
    n = len(values)
    if n <= limit:
        return [_plain(v) for v in values]
    head = limit - 3
    return Terms([_plain(v) for v in values[:head]], [_plain(v) for v in values[n - 2 :]], n)


def _plain(v: Any) -> Any:
    """numpy scalars to Python numbers (JSON and the formatters take Python numbers)."""
    return v.item() if hasattr(v, "item") and not isinstance(v, (list, tuple)) else v


@dataclass(frozen=True)
class Derived:
    """A table column worked from other columns of the same row, by arithmetic a student
    redoes with a pencil: ``column`` names the worked column (its header), ``inputs`` the
    columns it is worked from, and ``text`` the arithmetic with ``{0}``, ``{1}``… standing
    for the inputs' cells, in the notation of the derivation lines (× · / + − ^ ln).

    E.g. ``Derived("A_t · ln π", "{0} × {1}", ("A_t", "ln π"))``. Renderers give the input
    cells guard digits where the rounded inputs would not give the printed cell (as they do
    for a derivation line's operands); a row whose cells are not all numbers is skipped.
    """

    column: str
    text: str
    inputs: tuple[str, ...]


@dataclass
class Table:
    """A titled table; cells are numbers, text or None. ``styles`` marks (row, col) cells.

    A window of a larger table (see :meth:`windowed`) holds ``rows[:head_rows]`` = its first
    rows and ``rows[head_rows:]`` = its last rows, ``n_rows`` in all; likewise its columns
    (``columns[:head_columns]`` first, the rest last, ``n_columns`` in all). The first
    ``key_columns`` columns name a row and are always kept. ``styles`` index the held cells.
    """

    title: str
    columns: list[str]
    rows: list[list[Any]]
    styles: dict[tuple[int, int], str] = field(default_factory=dict)
    caption: str | None = None
    #: None: always shown; a name such as "beta" or "grad": shown only with ``--show NAME``.
    optional: str | None = None
    n_rows: int | None = None
    head_rows: int | None = None
    n_columns: int | None = None
    head_columns: int | None = None
    key_columns: int = 1
    #: what the held window is, when it is not simply the first and last rows (e.g. a trellis
    #: whose columns come from two different computations); renderers print it as a note
    window_note: str | None = None
    #: what each cell style used in ``styles`` means, e.g. {"dead": "dead end (cannot reach
    #: the end)"}; each renderer words the legend for how it marks cells (dimmed, †, bold)
    legend: dict[str, str] = field(default_factory=dict)
    #: columns worked from other columns of the same row (see :class:`Derived`)
    derived: list[Derived] = field(default_factory=list)
    #: whether a cut table's note says which ``--window`` shows more (at a terminal); a sheet
    #: or a Moodle question, read where no command can be rerun, only says what is shown
    window_hint: bool = True

    @property
    def shape(self) -> tuple[int, int]:
        """The full table's (rows, columns), elided ones included."""
        rows = self.n_rows if self.n_rows is not None else len(self.rows)
        cols = self.n_columns if self.n_columns is not None else len(self.columns)
        return rows, cols

    def row_index(self, i: int) -> int:
        """Full-table index of held row i."""
        if self.head_rows is None or i < self.head_rows:
            return i
        return self.shape[0] - (len(self.rows) - i)

    def column_index(self, j: int) -> int:
        """Full-table index of held column j."""
        if self.head_columns is None or j < self.head_columns:
            return j
        return self.shape[1] - (len(self.columns) - j)

    @classmethod
    def windowed(
        cls,
        title: str,
        n_rows: int,
        row: Any,
        columns: list[str],
        window: Window | None = None,
        **kwargs: Any,
    ) -> Table:
        """A table of ``n_rows`` rows built only over its window: ``row(i)`` makes row i.

        ``row`` is called for the kept indices only, so a million-row table costs a window's
        worth of work; ``styles`` given in kwargs are keyed by full row index and re-indexed;
        ``row_style(i)``, if given, styles every cell of row i (e.g. "dim" for padding).
        """
        w = window or Window()
        kept, split = window_indices(n_rows, w.rows)
        styles = kwargs.pop("styles", {}) or {}
        row_style = kwargs.pop("row_style", None)
        pos = {i: k for k, i in enumerate(kept)}
        held_styles = {(pos[i], j): v for (i, j), v in styles.items() if i in pos}
        if row_style is not None:
            for k, i in enumerate(kept):
                style = row_style(i)
                if style:
                    held_styles.update({(k, j): style for j in range(len(columns))})
        return cls(
            title,
            columns,
            [row(i) for i in kept],
            held_styles,
            n_rows=n_rows if split is not None else None,
            head_rows=split,
            **kwargs,
        )


@dataclass
class Track:
    """A path drawn over a CTC trellis: the state it is in at each held frame.

    ``frames`` are full 0-based frame indices (the held window of the trellis, cut to the
    path's own length) and ``states[i]`` the 0-based row of the extended labels l' the path
    is in at ``frames[i]`` (None where its symbol is not in l' at all). ``length`` is the
    path's full length in frames. ``valid`` says whether B(π) is the target, and ``why``
    words what is wrong with it (e.g. "collapses to HELO") or None. ``best`` marks the
    Viterbi path, whose probability (max over alignments of Π_t y_t(π_t)) is
    ``probability``; a listed alignment's product is there too when it is known (the product
    of the factors given for it, when the file gives them: then ``symbol_probability``).
    """

    label: str
    frames: list[int]
    states: list[int | None]
    valid: bool
    why: str | None = None
    length: int = 0
    best: bool = False
    probability: float | LogNumber | None = None
    #: a listed alignment whose ``probability`` is the product of factors given for it (the
    #: handout's), not of its symbols: its symbols' product, else None
    symbol_probability: float | None = None


@dataclass
class Step:
    """One line of the derivation, e.g. ``({terms|+}) / {n} = {value}``, plain and LaTeX."""

    label: str
    text: str
    values: dict[str, Any] = field(default_factory=dict)
    latex: str | None = None
    #: shown before the tables (the givens, the general rule a table follows); the other
    #: steps work cells out and sum up after them
    lead: bool = False


def window_steps(steps: list[Step], limit: int = DERIVATION_MAX_STEPS) -> list[Step]:
    """The steps laid out of a derivation: its lead steps and its work steps, each cut to
    their first and last ones (``limit`` in all, the tables' window rule) with one step in the
    gap saying how many are left out; the order of the steps is kept.

    E.g. 100 lead and 100 work steps at ``limit=4``: L1 L2 … L99 L100 W1 W2 … W99 W100.
    """
    placed: list[tuple[float, Step]] = []
    for lead in (True, False):
        where = [i for i, s in enumerate(steps) if s.lead == lead]
        kept, split = window_indices(len(where), limit)
        placed += [(where[k], steps[where[k]]) for k in kept]
        if split is not None:
            text = (
                f"({len(where) - len(kept):,} more lines of the derivation left out: showing "
                f"the first {split:,} and last {len(kept) - split:,} of {len(where):,})"
            )
            # just before the first step kept after the gap
            placed.append((where[kept[split]] - 0.5, Step("…", text, lead=lead)))
    return [s for _, s in sorted(placed, key=lambda p: p[0])]


def children_note(n: int, limit: int = STEP_MAX_TERMS) -> str | None:
    """What a renderer says where it leaves out term derivations of a custom loss: None when
    all ``n`` are shown, else e.g. "term derivations: showing the first 8 and last 8 of 40
    (24 left out)" (``limit``: STEP_MAX_TERMS, the window of the weighted sum's own list)."""
    kept, split = window_indices(n, limit)
    if split is None:
        return None
    return (
        f"term derivations: showing the first {split:,} and last {len(kept) - split:,} "
        f"of {n:,} ({n - len(kept):,} left out)"
    )


@dataclass
class Check:
    """One answer-key figure compared with what the engine computed."""

    figure: str
    expected: float
    got: float | None
    tolerance: float

    @property
    def ok(self) -> bool:
        if self.got is None:
            return False
        if math.isinf(self.expected) or math.isinf(self.got):
            return self.expected == self.got
        return abs(self.got - self.expected) <= self.tolerance


@dataclass
class Result:
    """A solved problem: everything a renderer shows, nothing it must compute."""

    kind: str
    title: str
    #: None for commands that list or decode without computing a loss
    loss: float | None
    unit: str = "nats"
    source: str | None = None
    file: str | None = None
    formula: Step | None = None
    tables: list[Table] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    figures: dict[str, float] = field(default_factory=dict)
    #: The figures that are text (an alignment's ``path``, a decoding's ``greedy`` and
    #: ``beam`` labellings), the empty labelling as "": markable with or without a key.
    text_figures: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    checks: list[Check] | None = None
    children: list[tuple[str, Result]] = field(default_factory=list)
    #: paths drawn over the CTC trellis (the listed alignments, the Viterbi path), each held
    #: over the trellis's window of frames only
    tracks: list[Track] = field(default_factory=list)
    #: why the best (Viterbi) path is not among ``tracks`` though the trellis is drawn (a long
    #: input above BEST_PATH_MAX_CELLS), for the figure's caption; a note says it too
    best_path_missing: str | None = None
    #: with no per-frame distribution (listed alignments only), the lattice to draw the
    #: tracks on: a trellis-shaped table (key columns s, l'_s; one column per frame of the
    #: longest alignment) whose cells are None; not laid out as a table
    lattice: Table | None = None

    @property
    def shown_steps(self) -> list[Step]:
        """The steps every format lays out, in order: ``steps`` windowed by
        :func:`window_steps` (lead and work steps each at most DERIVATION_MAX_STEPS, a line
        in each gap saying how many are left out). ``steps`` itself stays whole."""
        return window_steps(self.steps)

    @property
    def lead_steps(self) -> list[Step]:
        """Steps laid out before the tables (the rule the tables follow), windowed."""
        return [s for s in self.shown_steps if s.lead]

    @property
    def work_steps(self) -> list[Step]:
        """Steps laid out after the tables (worked cells, sums, the loss), windowed."""
        return [s for s in self.shown_steps if not s.lead]

    def visible_tables(self, show: frozenset[str] = frozenset()) -> list[Table]:
        """The tables to lay out: the always-shown ones and those asked for by name."""
        return [t for t in self.tables if t.optional is None or t.optional in show]

    @property
    def shown_children(self) -> list[tuple[str, Result] | str]:
        """The term derivations every format lays out: the first and last ones (at most
        STEP_MAX_TERMS) and, where some are left out, the note saying so
        (:func:`children_note`) in their place. ``children`` itself stays whole."""
        kept, split = window_indices(len(self.children), STEP_MAX_TERMS)
        out: list[tuple[str, Result] | str] = [self.children[i] for i in kept]
        note = children_note(len(self.children))
        if split is not None and note is not None:
            out.insert(split, note)
        return out

    @property
    def ok(self) -> bool:
        """True unless an answer-key figure disagrees."""
        return all(c.ok for c in self.checks or [])

    def __repr__(self) -> str:
        """One short line for a prompt or a notebook's text/plain: kind, title, loss and the
        key's verdict (every number is in the fields; a notebook shows ``_repr_html_``)."""
        loss = "none" if self.loss is None else f"{self.loss:.6g}"
        unit = f" {self.unit}" if self.unit else ""
        key = "" if not self.checks else ("; key ok" if self.ok else "; key disagrees")
        title = self.title if len(self.title) <= 60 else self.title[:59] + "…"
        return f"<Result {self.kind} {title!r}: loss = {loss}{unit}{key}>"

    def _repr_html_(self) -> str:
        """Jupyter's rich display: the HTML page's section for this result (SVG included), with
        its own stylesheet scoped to it (:func:`render.html.notebook_html`)."""
        from rnnloss_cli.render.html import notebook_html

        return notebook_html(self)

    def _repr_markdown_(self) -> str:
        """Jupyter's markdown display: the markdown report of this result, control characters
        (a title's ESC or bidi override) as escapes, as on standard output."""
        from rnnloss_cli.render.controls import visible_controls
        from rnnloss_cli.render.markdown import result_markdown

        return visible_controls(result_markdown(self))
