"""Question and solution sheets from problem files, in Markdown, LaTeX or HTML.

A question sheet shows, per problem, its title, source, the givens laid out from the file's
data and the task; it never shows the answer key, the notes or anything the solver computed.
A solution sheet adds the full derivation: the Markdown one reuses
:func:`rnnloss_cli.render.markdown.result_markdown`; the LaTeX one is laid out here from the
same Result (tables as ``tabular``, derivation steps as math); the HTML one is a page in the
shell of :mod:`rnnloss_cli.render.html` with its ``result_html`` sections. Layout only: the
numbers come from the problem file (givens) and the Result (solutions).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from string import ascii_letters
from typing import Any

from rnnloss_cli.errors import ProblemError
from rnnloss_cli.problem import KIND_SUMMARIES, problem_files, read_problem, read_text
from rnnloss_cli.problem._yaml import load_yaml
from rnnloss_cli.problem.base import LOG_BASES
from rnnloss_cli.render.latex import (
    FORMULA_CELL,
    NAMED_LACKING,
    TEXT_GROUP,
    closing_words,
    fold,
    font_preamble,
    latex_math,
    latex_text,
    latex_title,
    pdflatex_lacks,
    plain_math,
)
from rnnloss_cli.render.markdown import md_line, md_title
from rnnloss_cli.render.text import (
    ELLIPSIS,
    LEGEND_TEXT,
    Digits,
    answer_rows,
    digits_plan,
    fmt_number,
    lay_out,
    legend_line,
    step_latex,
    step_text,
    table_cells,
)
from rnnloss_cli.result import (
    Result,
    Step,
    Table,
    Window,
    student_notes,
    unit_after,
    window_indices,
)
from rnnloss_cli.solve.ctc import BETA_HINT

#: Fields that are not givens: the key and the author's remarks stay off a question sheet.
HIDDEN_FIELDS = frozenset({"kind", "title", "source", "answer", "tolerance", "notes", "vary"})
#: Hidden in nested mappings too (e.g. an inline sub-problem of a custom loss).
NESTED_HIDDEN = frozenset({"answer", "tolerance", "notes", "vary"})
#: Fields whose list names the columns of a matrix given in the same file.
COLUMN_NAME_FIELDS = ("symbols", "vocabulary", "classes", "labels")
#: Kinds whose matrix columns are classes, numbered from 0 as their targets are.
CLASS_KINDS = ("nll", "cce", "sequence")
#: Their fields whose matrix columns are the classes (a batch's targets has steps instead).
CLASS_FIELDS = ("yhat", "logits", "y")


@dataclass
class Given:
    """One given of a problem: a scalar, a list, a mapping, or a matrix (rows + column names)."""

    name: str
    shape: str  # "scalar" | "list" | "mapping" | "matrix"
    value: Any
    columns: list[str] | None = None
    #: a matrix's row numbers as shown ("…" where rows are left out); None: 1, 2, ...
    row_labels: list[str] | None = None
    #: the full size when only the first and last items / rows / columns are shown
    note: str | None = None
    #: rnnloss's own words (a custom term's kind summary, "−Σ_t Σ_c y ln ŷ"), not the file's
    #: data: LaTeX sets its subscripted names as maths, as in a title
    prose: bool = False


@dataclass
class SheetProblem:
    """What a sheet shows of one problem file; ``result`` only for solution sheets."""

    file: str
    kind: str
    title: str
    source: str | None
    givens: list[Given]
    figures: list[str]
    result: Result | None = None
    #: the reduction the solver applies (the file's, else the kind's default), if it has one
    reduction: str | None = None
    #: the blank symbol of a ctc, ctc_align or ctc_decode problem (the file's, else the default)
    blank: str | None = None
    #: a custom loss's terms: (label "term i (name)", what the sheet knows of its problem)
    terms: list[tuple[str, SheetProblem]] = field(default_factory=list)


# ------------------------------------------------------------------------------ handout words
#: What the terminal tells whoever runs a command (a flag to type, a field to set "in a file"),
#: said as a handout says it: a solution sheet is read on paper, not next to a shell.
#: Terminal words -> sheet words; the terminal output itself keeps them.
HANDOUT_WORDS = {
    # the sheet shows the β table (:data:`SHEET_TABLES`), so β_1 is on the sheet itself
    BETA_HINT: "β_1 is the t=1 column of the backward trellis β",
    # kind hinge's note (solve/pointwise.py) on its two reductions
    "(reduction: sum in a file, or --reduction sum, gives": "(reduction: sum gives",
    # the terminal colours a highlighted cell; every sheet format sets it in bold (rnnt,
    # decode; solve/align's tables name their marks through Table.legend, in each format)
    "highlighted: the last node": "bold: the last node",
    "the most probable symbol per frame (highlighted)": "the most probable symbol per frame "
    "(bold in the table)",
}
#: Optional tables a solution sheet shows, by kind: CTC's β trellis, whose first column the
#: worked gradient entry reads (at the terminal it is ``--show beta``).
SHEET_TABLES = {"ctc": frozenset({"beta"})}


def handout_words(text: str) -> str:
    """``text`` with each terminal hint of :data:`HANDOUT_WORDS` in the handout's words."""
    for terminal, sheet in HANDOUT_WORDS.items():
        text = text.replace(terminal, sheet)
    return text


def handout_result(r: Result) -> Result:
    """A copy of ``r`` as a solution sheet shows it: its steps (labels too), notes, warnings
    and table captions in handout words (:func:`handout_words`), the optional tables of
    :data:`SHEET_TABLES` made part of it, no file name, and its term derivations the same."""
    shown = SHEET_TABLES.get(r.kind, frozenset())

    def step(s: Step) -> Step:
        latex = handout_words(s.latex) if s.latex is not None else None
        return replace(s, label=handout_words(s.label), text=handout_words(s.text), latex=latex)

    def table(t: Table) -> Table:
        caption = handout_words(t.caption) if t.caption is not None else None
        optional = None if t.optional in shown else t.optional
        return replace(t, caption=caption, optional=optional, window_hint=False)

    return replace(
        r,
        file=None,  # a term's file: its givens are on the sheet, the file is not
        formula=step(r.formula) if r.formula is not None else None,
        steps=[step(s) for s in r.steps],
        tables=[table(t) for t in r.tables],
        warnings=[handout_words(w) for w in r.warnings],
        notes=[handout_words(n) for n in r.notes],
        children=[(label, handout_result(child)) for label, child in r.children],
    )


# ------------------------------------------------------------------------------ givens
def given_text(v: Any) -> str:
    """A given number exactly as the file gives it, never rounded: a float's shortest
    round-trip form (``repr``: 0.25 stays 0.25, 0.1234567 keeps its digits, 1234567.0 and
    1234568.0 stay apart), an integer's digits, a boolean as YAML writes it."""
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, float):
        return repr(v)
    return str(v)


def _is_matrix(v: Any) -> bool:
    return (
        isinstance(v, list)
        and bool(v)
        and all(isinstance(r, list) for r in v)
        and all(not isinstance(x, (list, dict)) for r in v for x in r)
    )


def _item_text(v: Any) -> str:
    if isinstance(v, dict):
        # An alignment given as {path: ..., factors: [...]}: the factors are printed numbers
        # the key depends on (HELLO's 3.673 comes from them, not from the per-symbol
        # probabilities), so a question sheet gives them with the path.
        if "path" in v:
            factors = v.get("factors")
            if isinstance(factors, list) and factors:
                return f"{v['path']} (factors {' × '.join(given_text(x) for x in factors)})"
            return str(v["path"])
        shown = {k: x for k, x in v.items() if k not in NESTED_HIDDEN}
        return "(" + ", ".join(f"{k}: {_item_text(x)}" for k, x in shown.items()) + ")"
    if isinstance(v, list):
        return "[" + ", ".join(_item_text(x) for x in v) + "]"
    return given_text(v)


def shown_window(n: int, limit: int) -> tuple[list[int | None], str | None]:
    """Indices shown of n items (None where the "…" goes) and the note on the elision,
    e.g. ``shown_window(5, 4) == ([0, 1, None, 3, 4], "the first 2 and last 2 of 5")``."""
    kept, split = window_indices(n, limit)
    if split is None:
        return list(kept), None
    shown: list[int | None] = list(kept)
    shown.insert(split, None)
    return shown, f"the first {split:,} and last {len(kept) - split:,} of {n:,}"


def givens_of(
    data: dict[str, Any], window: Window | None = None, base: str | None = None
) -> list[Given]:
    """The givens of a problem file's mapping, in file order, key and notes left out.

    A custom problem's terms are inlined: each term's weight and the givens of the problem
    it refers to (``base``: the folder its ``file`` paths are relative to), so the sheet is
    self-contained.

    Long lists and matrices keep their first and last items, rows and columns (``window``,
    default from limits) with "…" between and a note with the full size; a batch of
    matrices keeps its first and last matrices by the same rule as a list's items.
    """
    w = window or Window()
    out: list[Given] = []
    names = [data.get(k) for k in COLUMN_NAME_FIELDS if isinstance(data.get(k), list)]

    def column(name: str, j: int) -> str:
        """Class columns count from 0, as class indices do (y: [1, 0]), and read c0, c1, ...
        as solve's tables; other columns (a batch's targets: steps) from 1."""
        classes = data.get("kind") in CLASS_KINDS and name.split("[")[0] in CLASS_FIELDS
        return f"c{j}" if classes else str(j + 1)

    def matrix(name: str, value: list) -> Given:
        width = len(value[0])
        cols = next(
            ([str(s) for s in n] for n in names if len(n) == width),
            [column(name, j) for j in range(width)],
        )
        rows, row_note = shown_window(len(value), w.rows)
        shown_cols, col_note = shown_window(width, w.columns)
        cells = [
            [ELLIPSIS if j is None else given_text(value[i][j]) for j in shown_cols]
            if i is not None
            else [ELLIPSIS] * len(shown_cols)
            for i in rows
        ]
        notes = [f"{what} rows" for what in [row_note] if what]
        notes += [f"{what} columns" for what in [col_note] if what]
        return Given(
            name,
            "matrix",
            cells,
            [ELLIPSIS if j is None else cols[j] for j in shown_cols],
            [ELLIPSIS if i is None else str(i + 1) for i in rows],
            ("showing " + " and ".join(notes)) if notes else None,
        )

    def batch(name: str, value: list) -> list[Given]:
        """A 3-D given (N, T, C): one matrix per sequence, the first and last ones kept (as
        a list's items are), with one line in the gap saying how many are left out."""
        shown, note = shown_window(len(value), w.rows)
        left = len(value) - (len(shown) - 1)
        return [
            Given(
                f"{name}[{ELLIPSIS}]",
                "scalar",
                f"{ELLIPSIS} ({left:,} more matrices left out: showing {note})",
            )
            if i is None
            else matrix(f"{name}[{i + 1}]", value[i])
            for i in shown
        ]

    def listing(name: str, value: list) -> Given:
        shown, note = shown_window(len(value), w.rows)
        items = [ELLIPSIS if i is None else _item_text(value[i]) for i in shown]
        return Given(name, "list", items, note=f"showing {note} items" if note else None)

    for name, value in data.items():
        if name in HIDDEN_FIELDS:
            continue
        if name == "terms" and data.get("kind") == "custom" and isinstance(value, list):
            out += _custom_givens(value, w, base)
            continue
        if value == "" or value == []:  # an empty target: said in words, not left blank
            out.append(Given(str(name), "scalar", "(empty: no labels)"))
        elif _is_matrix(value):
            out.append(matrix(str(name), value))
        elif isinstance(value, list) and value and all(_is_matrix(m) for m in value):
            # A batch (N, T, C): one matrix per sequence, the first and last ones.
            out += batch(str(name), value)
        elif isinstance(value, dict):
            out.append(
                Given(str(name), "mapping", {str(k): _item_text(x) for k, x in value.items()})
            )
        elif isinstance(value, list):
            out.append(listing(str(name), value))
        else:
            out.append(Given(str(name), "scalar", given_text(value)))
    return out


def term_problem(term: dict, base: str | None) -> tuple[Any, str | None]:
    """A custom term's problem mapping (inline, or read from its ``file`` relative to
    ``base``) and the folder its own ``file`` terms are relative to; None if unreadable."""
    sub = term.get("problem")
    if sub is None and isinstance(term.get("file"), str):
        path = Path(base or ".") / term["file"]
        try:
            sub, _ = load_yaml(read_text(str(path)), str(path))
        except (ProblemError, OSError):
            sub = None  # the solver reports it; the sheet shows the reference
        return sub, str(path.parent)
    return sub, base


def custom_term(i: int, term: dict, base: str | None) -> tuple[str, Any, str | None, str]:
    """Term ``i`` of a custom loss as shown to students: (label "term i (name)", its problem
    data or None, the folder its files are relative to, ", <kind summary>" or "")."""
    name = term.get("name")
    label = f"term {i}" + (f" ({name})" if name else "")
    sub, folder = term_problem(term, base)
    kind = sub.get("kind") if isinstance(sub, dict) else None
    what = f", {KIND_SUMMARIES.get(kind, kind)}" if kind else ""
    return label, sub, folder, what


def _custom_givens(terms: list, window: Window, base: str | None) -> list[Given]:
    """Each term of a custom loss as "term i (name): weight w" and its problem's givens."""
    out: list[Given] = []
    for i, term in enumerate(terms, 1):
        if not isinstance(term, dict):
            continue
        label, sub, folder, what = custom_term(i, term, base)
        weight = f"weight {given_text(term.get('weight'))}{what}"
        out.append(Given(label, "scalar", weight, prose=bool(what)))
        if isinstance(sub, dict):
            for g in givens_of(sub, window, folder):
                g.name = f"{label} · {g.name}"
                out.append(g)
        elif "file" in term:
            out.append(Given(f"{label} · file", "scalar", str(term["file"])))
    return out


def collect(
    paths: list[str], solutions: bool, *, window: Window | None = None
) -> list[SheetProblem]:
    """Load (and, for solutions, solve) every problem file; errors are ProblemError.

    Long givens and solution tables keep ``window`` (default from limits) rows and columns.
    """
    from rnnloss_cli.solve import solve

    out = []
    for path in problem_files(paths):
        # Read once (standard input can only be read once), parse once, validate that data.
        data, _, problem = read_problem(path)
        meta = problem.meta
        figures = key_figures(data, problem)
        result = handout_result(solve(problem, window=window)) if solutions else None
        folder = None if path == "-" else str(Path(path).parent)
        givens = givens_of(data, window, folder)
        sp = SheetProblem(path, meta.kind, meta.title, meta.source, givens, figures, result)
        _add_conventions_of(sp, data, problem, window, folder)
        out.append(sp)
    return out


def _add_conventions_of(
    sp: SheetProblem, data: Any, problem: Any, window: Window | None, base: str | None
) -> None:
    """Fill in what :func:`conventions` says from the parsed ``problem``: its reduction,
    a CTC blank, and for a custom loss each term's (nested custom terms included)."""
    sp.reduction = getattr(problem, "reduction", None)
    if sp.kind == "ctc":
        sp.blank = problem.blank
    elif sp.kind in ("ctc_align", "ctc_decode"):
        sp.blank = problem.frames.blank
    if sp.kind != "custom" or not isinstance(data, dict):
        return
    terms = data.get("terms") if isinstance(data.get("terms"), list) else []
    for i, (term_data, term) in enumerate(zip(terms, problem.terms, strict=False), 1):
        if not isinstance(term_data, dict):
            continue
        label, sub, folder, _ = custom_term(i, term_data, base)
        if not isinstance(sub, dict):
            continue
        kind = term.problem.meta.kind
        part = SheetProblem("", kind, "", None, givens_of(sub, window, folder), [])
        _add_conventions_of(part, sub, term.problem, window, folder)
        sp.terms.append((label, part))


#: What a problem without a key is asked for: its kind's figures (else the loss).
DEFAULT_FIGURES = {"ctc_align": ["path", "best"], "ctc_decode": ["greedy", "beam"]}


def key_figures(data: dict[str, Any], problem: Any) -> list[str]:
    """The figures the key holds, in the file's order: numbers, text (a decoded labelling,
    an alignment) and arrays (``grads.W_xh``: bptt's ``answer: {grads: {W_xh: ...}}``)."""
    answer = data.get("answer")
    if not isinstance(answer, dict):
        return list(problem.meta.answer or {}) or DEFAULT_FIGURES.get(problem.meta.kind, ["loss"])
    keys = getattr(problem, "keys", None)
    arrays = {name.split(".")[0] for name in keys.arrays} if keys is not None else set()
    out: list[str] = []
    for name, value in answer.items():
        if str(name) in arrays and isinstance(value, dict):
            out += [f"{name}.{sub}" for sub in value]
        else:
            out.append(str(name))
    return out


#: The task of each kind, in a student's words, naming the loss as its CLI command, ``explain``
#: and the solution's heading do (cce: categorical cross-entropy, not just cross-entropy).
TASKS = {
    "mse": "Compute the mean squared error of the predictions ŷ against the targets y.",
    "bce": "Compute the binary cross-entropy of the predicted probabilities ŷ for the labels y.",
    "nll": "Compute the negative log-likelihood of the true classes under the predictions.",
    "cce": "Compute the categorical cross-entropy of the predictions for the true classes.",
    "hinge": "Compute the hinge loss of the scores ŷ for the labels y (±1).",
    "sequence": "Compute the sequence cross-entropy, step by step over the targets.",
    "sequence_hinge": "Compute the hinge loss for the sequence, one term per time step.",
    "reinforce": "Compute the REINFORCE loss of the episode from its rewards and policy "
    "probabilities.",
    "custom": "Compute the custom loss: each term's loss from its givens, then the weighted "
    "sum L = Σ_i w_i L_i.",
    "ctc_align": "Align the target to the frames by CTC forced alignment (Viterbi): find the "
    "best alignment π* and compare it with p(l|x), the sum over every alignment.",
    "ctc_decode": "Decode the frames by CTC decoding: greedy (the best path, collapsed) and "
    "prefix beam search.",
    "rnnt": "Compute the RNN-T loss −ln p(y|x) over the lattice of frames and labels.",
    "bptt": "Run the RNN forward, then back-propagation through time for the gradients of "
    "the loss L.",
}
#: What each answer figure is, for the "Give" line.
FIGURE_WORDS = {
    "loss": "the loss",
    "listed": "the loss from the listed alignments, all of them as the handout does",
    "valid_only": "the loss from the valid alignments only",
    "exact": "the exact CTC loss −ln p(l|x) by the forward algorithm",
    "sum": "the sum over the steps",
    "mean": "the mean over the steps",
    "objective": "the objective J",
    "objective_no_baseline": "the objective without the baseline",
    "objective_per_step_rewards": "the handout's objective Σ_t r_t ln π, each step weighted by "
    "its own reward",
    "mean_tokens": "the mean over the unpadded steps",
    "mean_sequences": "the mean over the sequences",
    "best": "the probability of the best alignment",
    "total": "p(l|x) over every alignment",
    "gap": "the gap ln p(l|x) − ln p(best alignment) in nats",
    "share": "the share of p(l|x) the best alignment holds",
    "greedy_prob": "p(l|x) of the greedy labelling",
    "greedy_path_prob": "the probability of the greedy path",
    "beam_prob": "p(l|x) of the beam's labelling",
    "probability": "the probability p(y|x)",
    "grad_norm": "the gradient norm",
    "greedy": "the greedy labelling",
    "beam": "the labelling the beam search finds",
    "path": "the best alignment π*",
}
#: Figures that are probabilities (or a share of one), not losses: they carry no unit.
UNITLESS_FIGURES = frozenset(
    {"best", "total", "share", "greedy_prob", "greedy_path_prob", "beam_prob", "probability"}
)
#: Words for a figure that means something else in one kind.
KIND_FIGURE_WORDS = {
    ("ctc_decode", "loss"): "the loss −ln p(l|x) of the beam's labelling",
    ("ctc_align", "loss"): "the CTC loss −ln p(l|x)",
    ("rnnt", "loss"): "the loss −ln p(y|x)",
}


def figure_words(kind: str, figure: str) -> str:
    """How the task names a figure: its words and, unless it is the plain loss, its key name
    (``the gradient ∂L/∂W_xh (grads.W_xh)``), or the name alone when it has no words."""
    if figure.startswith("grads."):
        return f"the gradient ∂L/∂{figure.removeprefix('grads.')} ({figure})"
    words = KIND_FIGURE_WORDS.get((kind, figure), FIGURE_WORDS.get(figure))
    if words is None:
        return figure
    return words if figure == "loss" else f"{words} ({figure})"


def _given(p: SheetProblem, name: str) -> Any:
    """The value a given holds on the sheet (None when the problem does not give it)."""
    return next((g.value for g in p.givens if g.name == name), None)


class FileWords(str):
    """A sentence of the conventions that quotes the problem file (a blank symbol, a
    separator, a custom term's name): every format shows it as written, none sets its
    ``x_1`` as a subscript as it does rnnloss's own ``h_{t−1}``."""


def conventions(p: SheetProblem, loss: str = "L") -> list[str]:
    """What the givens mean where their names alone do not say it: the BPTT model, the LM's
    log probabilities, the mean baseline, the RNN-T lattice rows. (A log base says how to
    give the answer: the task says it, :func:`task_text`.)"""
    out: list[str] = _reduction_conventions(p, loss)
    if p.blank is not None:
        out.append(
            FileWords(
                f"The blank is the symbol '{p.blank}'; a path π is read as a labelling by B: "
                "merge repeated symbols, then drop the blanks."
            )
        )
        if _given(p, "probs") is not None and isinstance(_given(p, "probs"), dict):
            out.append(
                "probs gives each symbol's probability at every frame (the same each frame)."
            )
    for i, (label, part) in enumerate(p.terms, 1):
        if said := conventions(part, f"L_{i}"):
            out += [FileWords(f"In {label}:"), *said]
    if p.kind == "bptt":
        loss = _given(p, "loss")
        out.append(
            "The model (row vectors): h_t = tanh(x_t W_xh + h_{t−1} W_hh + b_h), "
            "o_t = h_t W_hy + b_y, starting from h0; "
            + (
                "L_t = ‖o_t − y_t‖² (squared error, no factor 1/2)"
                if loss == "squared_error"
                else "L_t = −ln softmax(o_t)[c_t] (cross-entropy of the target class c_t)"
            )
            + (
                ", L = (1/T) Σ_t L_t, T the number of steps (rows of x) (reduction mean)"
                if _given(p, "reduction") == "mean"
                else ", L = Σ_t L_t (reduction sum)"  # the kind's default
            )
            + ". x_t is row t of x, "
            + (
                "y_t is row t of targets."
                if loss == "squared_error"
                else "c_t is item t of targets, a class numbered from 0."
            )
        )
    if p.kind == "ctc_decode" and _given(p, "lexicon") is not None:
        sep = _given(p, "separator")
        out.append(
            FileWords(
                "The beam extends only prefixes of the lexicon's words"
                + (f" (words separated by '{sep}')" if sep is not None else "")
                + "; the labelling it returns must end on a complete word."
            )
        )
    if p.kind == "ctc_decode" and _given(p, "lm") is not None:
        out.append(
            "lm gives ln P(symbol | the symbols before it), a natural log; the beam ranks a "
            "prefix l by ln p(l|x) + λ·ln P_LM(l), λ = lm_weight (1 unless given)."
        )
    if p.kind == "reinforce":
        out += _reinforce_conventions(p)
    if p.kind == "rnnt":
        # the givens number the frames from 1 (probs[1]), the lattice from 0 (α(0, 0) = 1)
        name = "logits" if any(g.name.startswith("logits[") for g in p.givens) else "probs"
        out.append(
            f"{name}[1], {name}[2], …, {name}[T] are the frames t = 0, 1, …, T − 1 of the "
            "lattice: each one's rows 1, 2, …, U + 1 are the nodes u = 0, 1, …, U (u labels "
            "emitted so far), each a distribution over the symbols"
            + (" (through softmax)." if name == "logits" else ".")
            + " A path starts at (0, 0); a blank moves from (t, u) to (t+1, u), the next label "
            "y_{u+1} from (t, u) to (t, u+1), and every path ends with the blank out of "
            "(T−1, U): p(y|x) is the sum over the paths of the product of their moves' "
            "probabilities."
        )
    return out


def _reinforce_conventions(p: SheetProblem) -> list[str]:
    """What REINFORCE's givens are: the returns (from rewards and gamma), the baseline, the
    objective J and the sign of the loss."""
    out = []
    if _given(p, "rewards") is not None:
        out.append(
            "R_t = r_t + γ r_{t+1} + γ² r_{t+2} + … is the discounted reward-to-go from step t "
            "(r: rewards, γ: gamma)."
        )
    if _given(p, "baseline") == "mean":
        out.append("baseline mean: b is the mean of the episode's returns R_t.")
    out.append(
        "A_t = R_t − b (b = 0 without a baseline); π(y_t|s_t) is the policy's probability of "
        "the action taken at step t; the objective J = Σ_t A_t ln π(y_t|s_t) is maximised, so "
        "each step's term of the loss is −A_t ln π(y_t|s_t)"
        + (" and L = −J." if p.reduction == "sum" else ".")
    )
    return out


#: What one term of the loss is per kind, for the reduction's words.
TERM_UNITS = {
    "mse": "element",
    "bce": "element",
    "hinge": "element",
    "nll": "row",
    "cce": "row",
    "sequence": "step",
    "sequence_hinge": "step",
    "reinforce": "step",
}
#: How a reduction combines the terms; ``{unit}``: element, row (an observation) or step.
REDUCTION_WORDS = {
    "mean": "{loss} is the mean of the per-{unit} terms, their sum divided by their number",
    "sum": "{loss} is the sum of the per-{unit} terms, not divided by their number",
    "mean_tokens": "{loss} is the sum of the per-{unit} terms divided by the number of "
    "unpadded steps",
    "mean_sequences": "{loss} is the sum of the per-{unit} terms divided by the number of "
    "sequences",
}
#: Kinds whose terms are logarithms (a natural log unless the file gives log_base).
LOG_KINDS = frozenset({"bce", "nll", "cce", "sequence", "reinforce"})


def _reduction_conventions(p: SheetProblem, loss: str = "L") -> list[str]:
    """How the terms combine (the solver's reduction, said even when the file leaves it to
    the kind's default: cce sums where PyTorch averages), which log, what y and logits are."""
    out: list[str] = []
    unit = TERM_UNITS.get(p.kind)
    if unit is not None and p.reduction in REDUCTION_WORDS:
        out.append(
            REDUCTION_WORDS[p.reduction].format(unit=unit, loss=loss)
            + f" (reduction {p.reduction})."
        )
    if p.kind in LOG_KINDS and _given(p, "log_base") is None:
        out.append("ln is the natural log (the loss in nats).")
    y = _given(p, "y")
    one = isinstance(y, str) and y.isdigit()  # y: 0, one row's class
    if p.kind in ("nll", "cce") and (one or isinstance(y, list) and y and isinstance(y[0], str)):
        out.append("y holds each row's true class, numbered from 0 (the first column is class 0).")
    targets = _given(p, "targets")
    cells = [c for row in targets for c in row] if _is_matrix(targets) else targets
    if p.kind == "sequence" and isinstance(cells, list) and any(_is_class(c) for c in cells):
        out.append("targets hold each step's true class, numbered from 0 (column c0 is class 0).")
    if _given(p, "lengths") is not None:
        out.append(
            "lengths gives each sequence's number of real steps: the steps after a sequence's "
            "length are padding, left out of every term."
        )
    elif _given(p, "mask") is not None:
        out.append("mask marks the real steps with 1: a step marked 0 is padding, left out.")
    if p.kind in CLASS_KINDS and _given(p, "logits") is not None:
        out.append(
            "logits are raw scores z: a row's probabilities are ŷ_c = exp(z_c) / Σ_k exp(z_k) "
            "(softmax)."
        )
    return out


def _is_class(cell: Any) -> bool:
    """A target cell that is a class number as a given shows it ("2"), not a word or "…"."""
    return isinstance(cell, str) and cell.isdigit()


def task_text(p: SheetProblem) -> str:
    """What the student is asked, in their words, and the figures the key holds (in the
    file's log base, when it gives one). The conventions (:func:`conventions`) are not part
    of it: a sheet gives them after the givens, the task comes last."""
    if p.kind == "ctc":
        paths = next((g for g in p.givens if g.name == "alignments"), None)
        if paths is not None and p.figures != ["exact"]:
            n = len(paths.value)
            what = f"the {n} listed alignment{'s' if n != 1 else ''}"
            task = f"Compute the CTC loss from {what}, as in the handout."
        else:
            task = "Compute the CTC loss −ln p(l|x) with the forward algorithm."
    else:
        task = TASKS.get(p.kind, f"Compute the loss ({KIND_SUMMARIES.get(p.kind, p.kind)}).")
    give = "; ".join(figure_words(p.kind, f) for f in p.figures)
    base = _given(p, "log_base")
    if base is not None:
        unit = LOG_BASES.get(str(base), f"base {base}")
        give += f", in {unit} (log_base {base}: the nats divided by ln {base})"
    return f"{task} Give {give}."


def conventions_text(p: SheetProblem) -> str | None:
    """The conventions as one paragraph, or None when the givens need none."""
    return " ".join(conventions(p)) or None


def conventions_as(p: SheetProblem, names: Any, text: Any) -> str | None:
    """The conventions paragraph in a format: rnnloss's sentences through ``names`` (their
    subscripted names set as the format sets them), those quoting the file
    (:class:`FileWords`) through ``text``, as written; None when the givens need none."""
    said = conventions(p)
    return " ".join(text(s) if isinstance(s, FileWords) else names(s) for s in said) or None


# ------------------------------------------------------------------------------ markdown
def _row_labels(g: Given) -> list[str]:
    return g.row_labels or [str(i + 1) for i in range(len(g.value))]


def _md_name(name: str) -> str:
    """A given's name as a code span (backticks in it would end the span: then text)."""
    return f"`{name}`" if "`" not in name and fold(name) == name else md_line(name)


def _md_given(g: Given) -> list[str]:
    note = f" ({md_line(g.note)})" if g.note else ""
    name = _md_name(g.name)
    if g.shape == "scalar":
        return [f"- {name}: {md_line(g.value)}"]
    if g.shape == "list":
        return [f"- {name}: [{md_line(', '.join(g.value))}]{note}"]
    if g.shape == "mapping":
        pairs = ", ".join(f"{k} = {v}" for k, v in g.value.items())
        return [f"- {name}: {md_line(pairs)}"]
    head = ["", "| " + " | ".join(["", *map(md_line, g.columns or [])]) + " |"]
    head.append("|" + "|".join("---" for _ in range(len(g.columns or []) + 1)) + "|")
    rows = [
        "| " + " | ".join(map(md_line, [i, *r])) + " |"
        for i, r in zip(_row_labels(g), g.value, strict=True)
    ]
    return [f"- {name} (matrix){note}:", *head, *rows, ""]


def sheet_markdown(
    problems: list[SheetProblem],
    *,
    solutions: bool,
    precision: int = 3,
    title: str | None = None,
    window: Window | None = None,
    paper: str = "a4",
) -> str:
    """The whole sheet as Markdown (``paper`` is for LaTeX and HTML: Markdown has none)."""
    from rnnloss_cli.render.markdown import result_markdown

    heading = title or ("Solutions" if solutions else "Problem sheet")
    out = [f"# {md_line(heading)}", ""]
    for i, p in enumerate(problems, 1):
        out += [f"## {i}. {md_line(p.title)}", ""]
        if p.source:
            out += [f"_Source: {md_line(p.source)}_", ""]
        out += ["**Given**", ""]
        for g in p.givens:
            out += _md_given(g)
        out.append("")
        if (said := conventions_as(p, md_title, md_line)) is not None:
            out += [f"**Conventions.** {said}", ""]
        out += [f"**Task.** {md_line(task_text(p))}", ""]
        if solutions and p.result is not None:
            body = result_markdown(
                p.result, precision, level=3, answers=True, window=window, student=True
            )
            out += ["### Solution", "", *_without_heading(body.split("\n"))]
    return "\n".join(out).rstrip() + "\n"


def _without_heading(lines: list[str]) -> list[str]:
    """A solution's markdown without its title and its source line: the problem's heading
    and source line above it already say them."""
    if lines and lines[0].startswith("###"):
        lines = lines[1:]
    while lines and not lines[0].strip():
        lines = lines[1:]
    if lines and lines[0].startswith(("kind: `", "_Source: ")):
        lines = lines[1:]
    while lines and not lines[0].strip():
        lines = lines[1:]
    return [*lines, ""]


# ------------------------------------------------------------------------------ LaTeX
#: Characters of cells (widest per column, plus a gap each) a line of a sheet holds at its
#: normal size; a wider table is set smaller so it stays inside the margins (HELLO's listed
#: alignments, nine-factor products, ran 93 pt out).
_LATEX_LINE_CHARS = 70


def _table_size(columns: list[str], rows: list[list[str]]) -> list[str]:
    """The size commands for a tabular (inside its center group): none, \\small or
    \\footnotesize, with narrower column gaps, by the characters its widest (printed) cells
    need."""
    widths = [len(str(c)) for c in columns]
    for row in rows:
        for j, text in enumerate(row[: len(widths)]):
            widths[j] = max(widths[j], len(text))
    need = sum(widths) + 2 * len(widths)
    if need <= _LATEX_LINE_CHARS:
        return []
    size = r"\small" if need <= _LATEX_LINE_CHARS * 1.2 else r"\footnotesize"
    return [size, r"\setlength{\tabcolsep}{3pt}"]


#: A cell that is a formula with subscripts: its names are set as maths, as titles are.
_FORMULA_CELL = FORMULA_CELL


#: Characters of cells (as :func:`_table_size` counts them) one block of a table's columns
#: holds: a table wider than this is set as blocks of its columns one under another, each
#: with the row names (its first ``key_columns``), in \footnotesize. The shipped sheets'
#: widest table (HELLO's listed alignments, 111) fits the line at that size; a CTC trellis
#: of 21 states by 16 frames (147) was shrunk to the line instead, about 5 pt high.
_LATEX_BLOCK_CHARS = 112


def latex_column_blocks(columns: list[str], rows: list[list[str]], key: int) -> list[list[int]]:
    """The data columns (indices into ``columns``) as consecutive blocks whose widest cells,
    with the ``key`` columns that name a row, fit :data:`_LATEX_BLOCK_CHARS`; one block when
    the whole table does. Each block holds at least one data column (a single column wider
    than the line is shrunk to it in TeX, :data:`_FIT_DEFINITION`), e.g. 17 columns of
    7 characters and a key of 4: 4 + 2 = 6 for the key, 9 each: 11 data columns a block."""
    widths = [len(str(c)) for c in columns]
    for row in rows:
        for j, text in enumerate(row[: len(widths)]):
            widths[j] = max(widths[j], len(text))
    key = min(key, len(widths))
    if sum(widths) + 2 * len(widths) <= _LATEX_BLOCK_CHARS:
        return [list(range(key, len(widths)))]
    budget = _LATEX_BLOCK_CHARS - sum(w + 2 for w in widths[:key])
    blocks: list[list[int]] = []
    used = 0
    for j in range(key, len(widths)):
        need = widths[j] + 2
        if not blocks or used + need > budget:
            blocks.append([j])
            used = need
        else:
            blocks[-1].append(j)
            used += need
    return blocks or [[]]


def _pick(row: list[str], idx: list[int]) -> list[str]:
    return [row[j] if j < len(row) else "" for j in idx]


def table_latex(
    t: Table, precision: int, *, window: Window | None = None, digits: Digits | None = None
) -> list[str]:
    """A tabular, windowed like the other formats ("…" rows/columns, a note with the size);
    cells printed as the other formats print them (``digits``: the derivation's plan). A
    table wider than a line is set as blocks of its columns (:func:`latex_column_blocks`),
    each under its title ("(continued)" after the first) with the row names; one taller than
    :data:`_LATEX_BOXED_ROWS` runs on across pages, its head row repeated on each
    (:data:`_ROWS_DEFINITION`)."""
    laid = lay_out(t, window)
    printed = table_cells(t, laid, precision, digits)
    head = [latex_title(c) for c in laid.columns]
    body = []
    for i, row in enumerate(printed):
        cells = [latex_title(c) if _FORMULA_CELL.search(c) else latex_text(c) for c in row]
        for j, cell in enumerate(cells):
            style = laid.styles.get((i, j))
            if style == "highlight" and cell:
                cells[j] = rf"\textbf{{{cell}}}"
            elif style == "dead" and cell:
                cells[j] = rf"{cell}$^\dagger$"
        body.append(cells)
    under = []  # what the table's last row is kept with
    caption = legend_line(t, {**LEGEND_TEXT, "highlight": "bold"}, laid.styles)
    if caption:
        under += [r"\\*[2pt]", rf"\emph{{{latex_title(caption)}}}"]
    if laid.note:
        under += [r"\\*[2pt]", rf"\emph{{Note: {latex_title(laid.note)}}}"]
    key = max(1, min(t.key_columns, len(laid.columns)))
    blocks = latex_column_blocks(laid.columns, printed, key)
    title = latex_title(t.title)
    out = [r"\begin{center}"]
    for b, data in enumerate(blocks):
        idx = [*range(min(key, len(laid.columns))), *data]
        named = title if b == 0 else rf"{title} (continued)"
        last = b == len(blocks) - 1
        cols = "l" + "r" * (len(idx) - 1) if idx else "l"
        size = _table_size(_pick(laid.columns, idx), [_pick(r, idx) for r in printed])
        sub_head = _pick(head, idx) if idx else head
        sub_body = [_pick(r, idx) if idx else r for r in body]
        if b:  # a block under the one before it, never alone at the foot of a page
            out += [r"\par\rnnlossneedspace{8\baselineskip}\vskip4pt"]
        if len(body) > _LATEX_BOXED_ROWS:  # its rows run on across pages, its head on each
            rows = _latex_rows(
                "".join(size),
                sub_head,
                sub_body,
                centred=True,
                boxed=True,
                caption=rf"\textbf{{{title}}} (continued)",
            )
            tail = [r"\nobreak", *under[1:]] if under and last else []
            out += [rf"\rnnlossneedspace{{8\baselineskip}}\textbf{{{named}}}", *rows, *tail]
            continue
        # "\\*": no page break after the title (page 3 ended on BPTT's "given: the
        # parameters", its table on page 4), nor before the caption and the note under it
        out += [rf"\textbf{{{named}}}\\*[2pt]"]
        out += ["{" + "".join(size) + rf"{_FIT}{{\begin{{tabular}}{{{cols}}}", r"\hline"]
        out.append(" & ".join(sub_head) + r" \\ \hline")
        out += [" & ".join(cells) + r" \\" for cells in sub_body]
        out += [r"\hline", r"\end{tabular}}}"]
        out += under if last else [r"\par"]
    return [*out, r"\end{center}", ""]


#: A step's maths longer than this (characters of LaTeX) is set as a display, broken at "=".
_LATEX_INLINE_MAX = 70
#: A line of a display longer than this (characters of LaTeX) is broken (:func:`_broken`).
_LATEX_LINE_MAX = 90
#: A clause in words longer than this that ends a step is set as text after its display.
_LATEX_CLAUSE_MAX = 110


def step_latex_item(s: Step, precision: int, digits: Digits | None = None) -> str:
    """One step as an itemize entry: prose stays text; maths goes in math mode, a long
    equation as an ``aligned`` display broken before each "=" (no overfull line).
    ``digits``: the derivation's plan (:func:`render.text.digits_plan`)."""
    text = step_text(s, precision, digits)
    if s.latex is None and re.search(r"[A-Za-z]{3,}", text):
        # a rule written in words (no LaTeX form): text with inline maths symbols
        return rf"  \item {latex_title(s.label)}: {latex_title(text)}"
    latex = step_latex(s, precision, digits)
    math = latex_math(latex) if s.latex is not None else plain_math(latex)
    if len(math) <= _LATEX_INLINE_MAX:
        return rf"  \item {latex_title(s.label)}: ${math}$"
    # statements joined by ";" go on lines of their own; a chain "a = b = c" is broken
    # before each "=" (the left-hand side shares the first line); a statement that lists
    # several equations ("a = b, c = d") is never broken inside
    lines: list[str] = []
    after = ""  # a long clause in words that ends the step: text after the display
    parts = _top_level_split(math, ";")
    for k, part in enumerate(parts):
        pieces = re.split(r"\s(?==|\\approx)", part)
        if len(pieces) < 3 or len(_top_level_split(part, ",")) > 1:
            # a long statement with a clause in words after a comma: the clause on its own
            # line, or after the display (where it wraps) when it ends the step and is long
            head, sep, clause = part.partition(r",\ \text{")
            if len(part) > _LATEX_INLINE_MAX and sep:
                clause = r"\text{" + clause
                if k == len(parts) - 1 and len(clause) > _LATEX_CLAUSE_MAX:
                    lines.append("&" + _broken(head) + ",")
                    after = " " + words_with_maths(clause)
                else:
                    lines += ["&" + _broken(head) + ",", "&" + clause]
            else:
                lines.append("&" + _broken(part))
            continue
        lines.append(f"{pieces[0]} &{_broken(pieces[1])}")
        lines += ["&" + _broken(piece) for piece in pieces[2:]]
    body = r" \\ ".join(lines)
    return rf"  \item {latex_title(s.label)}:\[ \begin{{aligned}} {body} \end{{aligned}} \]{after}"


#: Where a long line of a display may break, in order of preference: after a statement's
#: comma (",\quad", ", "), before a "+" or a "\times" (True: the line ends after it).
_BREAKS = ((r",\quad ", True), (", ", True), (" + ", False), (r" \times ", False))


def _broken(math: str) -> str:
    r"""A line of an ``aligned`` display longer than ``_LATEX_LINE_MAX`` characters, broken
    into lines of about that length (each ``&\quad ...`` under it) at its top-level
    separators of the first kind it has (:data:`_BREAKS`): BPTT's sum of eight squared
    gradients ran 186 pt past the margin, eight exponentials joined by ",\quad" 176 pt,
    ten symbols' probabilities 198 pt, a weighted sum of eight terms 105 pt."""
    if len(math) <= _LATEX_LINE_MAX:
        return math
    for sep, after in _BREAKS:
        starts = [c + len(sep) if after else c for c in _top_level_at(math, sep)]
        if starts:
            break
    else:
        return math
    out, line_start, last = [], 0, 0
    for cut in [*starts, len(math)]:
        if cut - line_start > _LATEX_LINE_MAX and last > line_start:
            out.append(math[line_start:last])
            line_start = last
        last = cut
    out.append(math[line_start:])
    pieces = (re.sub(r"\\quad\s*$", "", piece.strip()) for piece in out)
    return r" \\ &\quad ".join(pieces)


def words_with_maths(math: str) -> str:
    r"""A clause written in maths with its words in ``\text{}`` groups
    (``\text{from state } s \text{ to the end}``) as text with inline maths
    (``from state $s$ to the end``): text, so that it wraps at the margin."""
    out, last = "", 0
    for m in TEXT_GROUP.finditer(math):
        between = math[last : m.start()].strip()
        words = m.group(1)
        if between:  # maths, a space from the words after it unless they open with a stop
            out += f"${between}$" + ("" if words[:1] in " :;,.)" else " ")
        out += words
        last = m.end()
    rest = math[last:].strip()
    return (out + (f"${rest}$" if rest else "")).strip()


def _top_level_at(math: str, sep: str) -> list[int]:
    """Where ``sep`` starts in ``math`` outside braces, brackets and parentheses; an escaped
    character (``\\{ \\} \\; \\\\``) or a command's first letter is never structure."""
    found, depth, i = [], 0, 0
    while i < len(math):
        ch = math[i]
        if ch == "\\":
            i += 2
            continue
        if ch in "{([":
            depth += 1
        elif ch in "})]":
            depth -= 1
        elif depth == 0 and math.startswith(sep, i):
            found.append(i)
        i += 1
    return found


def _top_level_split(math: str, sep: str) -> list[str]:
    """``math`` cut at each ``sep`` outside braces and brackets (kept with the part before),
    its spacing commands (``\\ ``, ``\\quad``) left at the cut."""
    parts, start = [], 0
    for i in _top_level_at(math, sep):
        parts.append(math[start : i + 1].strip())
        start = i + 1
    rest = re.sub(r"^(?:\\quad|\\ |\\,|\s)+", "", math[start:])
    if rest.strip():
        parts.append(rest.strip())
    return [re.sub(r"^(?:\\quad|\\ |\\,|\s)+", "", p) for p in parts]


def _steps_latex(steps: list[Step], precision: int, digits: Digits) -> list[str]:
    if not steps:
        return []
    return [
        r"\begin{itemize}",
        *(step_latex_item(s, precision, digits) for s in steps),
        r"\end{itemize}",
        "",
    ]


#: A formula display longer than this (characters of LaTeX) is set a statement a line: RNN-T's
#: 154 ran 2.3 pt into the margin.
_LATEX_DISPLAY_MAX = 120


def _formula_latex(math: str) -> str:
    """A result's formula as a display; a long one cut at its ``,\\quad`` separators into
    centred lines (``gathered``), each statement whole; its closing words ("(reduction:
    mean)") a centred line of text under it, where they may wrap."""
    math, words = closing_words(math)
    under = "" if words is None else "\n" + rf"{{\centering\small {words}\par}}"
    # [statement, its separator, statement, ...]: "," or ";" before each \quad
    parts = re.split(r"([,;])\\quad\s*", math) if len(math) > _LATEX_DISPLAY_MAX else [math]
    if len(parts) < 3:
        return rf"\[ {math} \]" + under
    lines = "".join(p if k % 2 == 0 else p + r" \\ " for k, p in enumerate(parts))
    return r"\[ \begin{gathered} " + lines + r" \end{gathered} \]" + under


def result_latex(
    r: Result,
    precision: int = 3,
    show: frozenset[str] = frozenset(),
    *,
    window: Window | None = None,
    digits: Digits | None = None,
) -> list[str]:
    """A Result laid out in LaTeX: formula, tables, steps, warnings, notes, loss, key; its
    numbers with the derivation's guard digits (``digits``, by default
    :func:`render.text.digits_plan` of ``r``, shared with its term derivations), as the
    markdown and HTML sheets print them."""
    if digits is None:
        digits = digits_plan(r, precision)
    out: list[str] = []
    if r.formula:
        out += [_formula_latex(latex_math(step_latex(r.formula, precision, digits))), ""]
    out += _steps_latex(r.lead_steps, precision, digits)
    for t in r.visible_tables(show):
        out += table_latex(t, precision, window=window, digits=digits)
    out += _steps_latex(r.work_steps, precision, digits)
    for item in r.shown_children:
        if isinstance(item, str):  # term derivations left out: say how many
            out += [rf"\noindent\textit{{Note: {latex_title(item)}}}", ""]
            continue
        label, child = item
        out += [
            rf"\paragraph{{Term: {latex_text(fold(label))}}}",
            *result_latex(child, precision, show, window=window, digits=digits),
        ]
    for w in r.warnings:
        out += [rf"\noindent\textbf{{Warning.}} {latex_title(w)}", ""]
    for n in student_notes(r.notes):
        out += [rf"\noindent\textbf{{Note.}} {latex_title(n)}", ""]
    unit = f" {latex_text(unit_after(fmt_number(r.loss, precision), r.unit))}" if r.unit else ""
    out += [rf"\noindent\textbf{{Loss}} $= {fmt_number(r.loss, precision, latex=True)}${unit}", ""]
    if r.checks:
        out += [r"\begin{center}", r"\begin{tabular}{lr}", r"\hline"]
        out.append(r"figure & answer \\ \hline")
        for figure, answer in answer_rows(r.checks, precision):
            out.append(rf"{latex_text(figure)} & {latex_text(answer)} \\")
        out += [r"\hline", r"\end{tabular}", r"\end{center}", ""]
    return out


def _latex_given(g: Given) -> list[str]:
    name = rf"\texttt{{{latex_text(g.name)}}}"
    if g.shape == "scalar":
        value = latex_title(g.value) if g.prose else latex_text(g.value)
        return [rf"  \item {name}: {value}"]
    note = f" ({latex_text(g.note)})" if g.note else ""
    if g.shape == "list":
        return [rf"  \item {name}: [{latex_text(', '.join(g.value))}]{note}"]
    if g.shape == "mapping":
        pairs = ", ".join(f"{k} = {v}" for k, v in g.value.items())
        return [rf"  \item {name}: {latex_text(pairs)}"]
    cols = g.columns or []
    # a wide matrix is set smaller first, then (wider than the line) as blocks of columns
    rows = [[str(i), *map(str, r)] for i, r in zip(_row_labels(g), g.value, strict=True)]
    columns = ["", *map(str, cols)]
    blocks = latex_column_blocks(columns, rows, 1)
    item = rf"  \item {name} (matrix){note}:"
    if len(rows) > _LATEX_BOXED_ROWS:
        return _latex_given_rows(item, name, columns, rows, blocks)
    out = [rf"{item}\\[2pt]"]
    for b, data in enumerate(blocks):
        idx = [0, *data]
        size = "".join(_table_size(_pick(columns, idx), [_pick(r, idx) for r in rows]))
        if b:  # the next block of columns under the one before it
            out.append(r"  \\[4pt]")
        out += [
            rf"  {{{size}{_FIT}{{\begin{{tabular}}{{l{'r' * (len(idx) - 1)}}}",
            "  " + " & ".join(map(latex_text, _pick(columns, idx))) + r" \\ \hline",
            *("  " + " & ".join(map(latex_text, _pick(r, idx))) + r" \\" for r in rows),
            r"  \end{tabular}}}",
        ]
    return out


#: Rows of a given matrix set as one tabular; a taller one is set as rows a page may break
#: between, its head row repeated on each page (:data:`_ROWS_DEFINITION`).
_LATEX_BOXED_ROWS = 12


def _latex_given_rows(
    item: str, name: str, columns: list[str], rows: list[list[str]], blocks: list[list[int]]
) -> list[str]:
    """A tall given matrix under its item, its rows running on from under its name across
    pages (:func:`_latex_rows`), each block of its columns (:func:`latex_column_blocks`) in
    turn, the later ones under "name (continued)"."""
    out = [rf"{item}\par"]
    for b, data in enumerate(blocks):
        idx = [0, *data]
        size = "".join(_table_size(_pick(columns, idx), [_pick(r, idx) for r in rows]))
        head = [latex_text(c) for c in _pick(columns, idx)]
        cells = [[latex_text(c) for c in _pick(r, idx)] for r in rows]
        if b:
            out.append(
                rf"  \rnnlossneedspace{{8\baselineskip}}"
                rf"\rnnlossrowcaption{{l}}{{{name} (continued)}}"
            )
        out += _latex_rows(
            size, head, cells, centred=False, boxed=False, caption=rf"{name} (continued)"
        )
    return out


def _latex_rows(
    size: str,
    head: list[str],
    rows: list[list[str]],
    *,
    centred: bool,
    boxed: bool,
    caption: str = "",
) -> list[str]:
    """A tall table (cells already LaTeX) as ``\\rnnlossrows``: its head, a rule and its rows
    (``boxed``: a rule above and below too, as a solution's tables have), each row a line a
    page may end after (not after its head or first row, nor before its last row), at the
    list's indent or ``centred``; on each page after the first, ``caption`` (the table's
    title and "(continued)") and the head again. (A tabular is one box: 50 rows moved whole
    to the next page, the rest of the page left empty, and were shrunk to fit one.)"""
    rule = "&".join([r"\omit\hrulefill"] * len(head)) + r"\cr"
    # "##": the alignment is the argument of a macro that keeps it as a macro
    out = [
        r"  \halign{\hskip\tabcolsep\rnnlossrowcell##\hfil\hskip\tabcolsep\tabskip0pt"
        r"&&\hskip\tabcolsep\hfil\rnnlossrowcell##\hskip\tabcolsep\cr",
    ]
    if boxed:
        out.append(rf"  {rule}\noalign{{\nointerlineskip}}")
    out.append("  " + " & ".join(head) + r"\cr")
    # \rnnlossheadend: where the head ends (and, on the main page, where it is cut off to
    # be set again at the top of each page the rows run on to)
    out.append(rf"  \noalign{{\nointerlineskip}}{rule}\rnnlossheadend")
    for k, row in enumerate(rows):
        out.append("  " + " & ".join(row) + r" \\")  # "\\" ends a row, as in a tabular
        if k == 0 or k == len(rows) - 2:  # no page ends after the first row or before the last
            out.append(r"  \noalign{\nobreak}")
    if boxed:
        out.append(rf"  \noalign{{\nointerlineskip}}{rule}")
    where = "c" if centred else "l"
    return [rf"  {{{size}\rnnlossrows{{{where}}}{{{caption}}}{{%", *out, r"  }}}"]


#: ``\rnnlossrows{l|c}{caption}{\halign{…}}``: a tall table, its rows one line each, a page
#: break allowed between them (each ends with ``\\``, the alignment's ``\cr`` here, as a
#: tabular's rows do), at the list's indent (``l``) or centred (``c``): the alignment is set
#: once to be measured, then again with that indent as its first glue (it is kept as a
#: macro). Wider than the line, it is one box, shrunk (:data:`_FIT_DEFINITION`), as a
#: tabular is. Inside a box (a question being measured, :data:`_QUESTION_DEFINITION`) its
#: rows are that box's lines. On the page (outer vertical mode) its head (the rows down to
#: ``\rnnlossheadend``) is cut off with ``\vsplit`` and the rows are cut into pieces that
#: fill the rest of each page: each piece is set under the head, each after the first under
#: the caption and on a page of its own (the rows of 100 frames ran on to the next page
#: with no head: its numbers were columns of nothing).
_ROWS_DEFINITION = [
    r"\makeatletter",
    r"\newdimen\rnnlossrowindent",
    r"\newdimen\rnnlossroom",
    r"\newsavebox{\rnnlossrowsbox}",
    r"\newsavebox{\rnnlossheadbox}",
    r"\newsavebox{\rnnlosschunk}",
    r"\newcommand{\rnnlossrowcell}{\strut}",
    r"\newcommand{\rnnlossheadend}{\noalign{\nointerlineskip}}",
    r"\newcommand{\rnnlossrowcaption}[2]{\par\moveright\@totalleftmargin"
    r"\hbox to\linewidth{\if c#1\hfil\fi#2\hfil}\par\nobreak\vskip2pt}",
    r"\newcommand{\rnnlossrows}[3]{\par\nobreak\vskip2pt\let\\\cr\def\rnnlossrowsbody{#3}%",
    r"  \setbox\rnnlossrowsbox=\vbox{\tabskip\z@\rnnlossrowsbody}%",
    r"  \ifdim\wd\rnnlossrowsbox>\linewidth",
    r"  \moveright\@totalleftmargin\hbox{\rnnlossfit{\box\rnnlossrowsbox}}%",
    r"  \else\rnnlossrowindent=\linewidth\advance\rnnlossrowindent by -\wd\rnnlossrowsbox",
    r"  \if c#1\divide\rnnlossrowindent by 2 \else\rnnlossrowindent=\z@\fi",
    r"  \advance\rnnlossrowindent by \@totalleftmargin",
    r"  \ifinner\setbox\rnnlossrowsbox=\vbox{\tabskip\rnnlossrowindent\rnnlossrowsbody}%",
    r"  \unvbox\rnnlossrowsbox",
    r"  \else\setbox\rnnlossrowsbox=\vbox{\tabskip\rnnlossrowindent",
    r"  \def\rnnlossheadend{\noalign{\nointerlineskip\penalty-\@M}}\rnnlossrowsbody}%",
    r"  \rnnlosssplit{#1}{#2}\fi\fi\par}",
    r"\newcommand{\rnnlosssplit}[2]{\vbadness\@M\splittopskip\z@\splitmaxdepth\maxdimen",
    r"  \setbox\rnnlossheadbox=\vsplit\rnnlossrowsbox to \textheight",
    r"  \setbox\rnnlossheadbox=\vbox{\unvbox\rnnlossheadbox}%",
    r"  \def\rnnlosswhere{#1}\def\rnnlosscaption{#2}\def\rnnlossnext{}%",
    r"  \def\rnnlossslack{1.5\baselineskip}\rnnlosspiece}",
    r"\newcommand{\rnnlossroomleft}{\rnnlossroom=\pagegoal\advance\rnnlossroom by -\pagetotal",
    r"  \ifdim\pagegoal=\maxdimen\rnnlossroom=\textheight\fi",
    r"  \advance\rnnlossroom by -\ht\rnnlossheadbox\advance\rnnlossroom by -\dp\rnnlossheadbox",
    r"  \advance\rnnlossroom by -\rnnlossslack}",
    r"\newcommand{\rnnlosspiece}{\rnnlossroomleft",
    r"  \ifdim\rnnlossroom<2\baselineskip\newpage\rnnlossroomleft\fi",
    r"  \rnnlossnext",
    r"  \setbox\rnnlosschunk=\vsplit\rnnlossrowsbox to \rnnlossroom",
    r"  \setbox\rnnlosschunk=\vbox{\unvbox\rnnlosschunk}%",
    r"  \copy\rnnlossheadbox\nobreak\nointerlineskip\box\rnnlosschunk",
    r"  \ifvoid\rnnlossrowsbox\else\newpage",
    r"  \def\rnnlossnext{\rnnlossrowcaption{\rnnlosswhere}{\rnnlosscaption}}%",
    r"  \def\rnnlossslack{2.5\baselineskip}%",
    r"  \expandafter\rnnlosspiece\fi}",
    r"\makeatother",
]

#: ``\rnnlossfit{tabular}``: the table as it is, or shrunk to the line's width when it is
#: wider (TeX measures it: a table of 16 six-decimal columns ran 394 pt off the page), and
#: to 0.9 of the page's height when it is taller (a tabular never breaks across pages: 60
#: rows, the default window, are 816 pt on a page of 728 pt, the last ones cut off).
_FIT = r"\rnnlossfit"
_FIT_DEFINITION = [
    r"\usepackage{graphicx}",
    r"\newsavebox{\rnnlossbox}",
    r"\newcommand{\rnnlossfit}[1]{\sbox{\rnnlossbox}{#1}%",
    r"  \ifdim\wd\rnnlossbox>\linewidth\typeout{rnnloss: a table shrunk to the line}%",
    r"  \sbox{\rnnlossbox}{\resizebox{\linewidth}{!}{\usebox{\rnnlossbox}}}\fi",
    r"  \dimen0=\ht\rnnlossbox\advance\dimen0 by \dp\rnnlossbox",
    r"  \ifdim\dimen0>0.9\textheight\typeout{rnnloss: a table shrunk to the page}%",
    r"  \sbox{\rnnlossbox}{\resizebox*{!}{0.9\textheight}{\usebox{\rnnlossbox}}}\fi",
    r"  \usebox{\rnnlossbox}}",
]
#: ``\rnnlossneedspace{h}``: a page break here unless ``h`` of height is left on the page (the
#: needspace package's definition, written out: not every TeX installation has the package).
_NEED_SPACE_DEFINITION = [
    r"\makeatletter",
    r"\newcommand{\rnnlossneedspace}[1]{\par\begingroup\setlength{\dimen@}{#1}"
    r"\vskip\z@\@plus\dimen@\penalty-100\vskip\z@\@plus-\dimen@\vskip\dimen@"
    r"\penalty9999\vskip-\dimen@\vskip\z@skip\endgroup}",
    r"\makeatother",
]
#: ``\rnnlossquestion{h}{…}``: the question is set in a box and
#: measured. One no taller than the page is placed as that box, which no page break can
#: cut: it shares a page with the questions before it when the rest of the page holds it
#: whole, else starts the next (``\rnnlossneedspace`` with its height and the text unpacked
#: was not enough: TeX preferred the break before a \paragraph, whose penalty is −300, and
#: left a Task alone at the top of the next page). A taller one needs only ``h`` here and
#: then runs on across pages: it is set again on the page (its section number as it was),
#: where a tall table repeats its head on each page (:data:`_ROWS_DEFINITION`; the box
#: unpacked broke like the text it is, but its lines were fixed: no head). An estimate
#: of each question's lines kept them apart: 17 pages, many a third empty.
_QUESTION_DEFINITION = [
    r"\makeatletter",
    r"\newsavebox{\rnnlossq}",
    r"\newlength{\rnnlossqh}",
    r"\newcommand{\rnnlossquestion}[2]{\par\edef\rnnlossqsection{\the\c@section}%",
    r"  \setbox\rnnlossq=\vbox{#2\par}\setlength{\rnnlossqh}{\ht\rnnlossq}"
    r"\addtolength{\rnnlossqh}{\dp\rnnlossq}%",
    r"  \ifdim\rnnlossqh>\textheight\setcounter{section}{\rnnlossqsection}%",
    r"  \rnnlossneedspace{#1}#2\par",
    r"  \else\box\rnnlossq\fi}",
    r"\makeatother",
]
#: A question's run-in headings (Given, Conventions, Task; a solution's Term) with 1.5ex above
#: them, not article's 3.25ex, and its givens' items without space between them: with the
#: questions kept whole, the shipped sheet took 16 pages (each question 200 to 590 pt, many
#: pages a third empty); with these, 12.
_COMPACT_DEFINITION = [
    r"\makeatletter",
    r"\renewcommand\paragraph{\@startsection{paragraph}{4}{\z@}"
    r"{1.5ex \@plus.5ex \@minus.2ex}{-1em}{\normalfont\normalsize\bfseries}}",
    r"\makeatother",
]
#: Lines of a page (11pt, 2 cm margins: about 50 on A4, 46 on Letter) a question taller
#: than the page starts on this one with: else it starts a new page, then runs on.
_LATEX_QUESTION_LINES = 36


def _need_space(p: SheetProblem) -> str:
    """The room a question taller than a page needs on the page it starts on, in lines
    (generously: the space between items and paragraphs counted): its heading, source,
    givens (a matrix a line a row and its head; up to a tall one's first rows, the rest
    running on: :func:`_latex_given_rows`), conventions and task, at most
    :data:`_LATEX_QUESTION_LINES`: a page never ends on its title or source line, its givens
    on the next page. (A question that fits a page is measured: :data:`_QUESTION_DEFINITION`.)"""
    lines = 9  # the heading and the space round it, the source, "Given"
    for g in p.givens:  # an item and the space between items; a matrix's rows and head
        if g.shape == "matrix" and len(g.value) > _LATEX_BOXED_ROWS:
            # its rows run on across pages: its name, head and first two rows are enough
            return rf"{min(lines + 6, _LATEX_QUESTION_LINES)}\baselineskip"
        lines += len(g.value) + 4 if g.shape == "matrix" else 2
    for text in (conventions_text(p), task_text(p)):  # a paragraph and the space above it
        lines += len(text) // _LATEX_LINE_CHARS + 3 if text else 0
    return rf"{min(lines, _LATEX_QUESTION_LINES)}\baselineskip"


#: Lines (estimated, :func:`_question_lines`) of a question above which it is not set in a
#: box to be measured: it cannot fit a page, and a box past TeX's largest length (16 383 pt,
#: about 1200 lines) stopped pdflatex ("Dimension too large": 3000 frames shown by
#: ``--window 3000x3``); it runs on across pages from the room :func:`_need_space` asks.
_LATEX_MEASURED_LINES = 200


def _question_lines(p: SheetProblem) -> int:
    """A question's lines, estimated generously as :func:`_need_space` does, the text of each
    given, paragraph and title counted by its characters (a list of 10^5 items is a page
    of text, a matrix a line a row)."""
    lines = 9 + (len(p.title) + len(p.source or "")) // _LATEX_LINE_CHARS
    for g in p.givens:
        if g.shape == "matrix":
            lines += len(g.value) + 4
        else:
            value = g.value.items() if isinstance(g.value, dict) else g.value
            text = value if isinstance(value, str) else ", ".join(map(str, value))
            lines += len(g.name) // _LATEX_LINE_CHARS + len(text) // _LATEX_LINE_CHARS + 2
    for text in (conventions_text(p), task_text(p)):
        lines += len(text) // _LATEX_LINE_CHARS + 3 if text else 0
    return lines


def _question_latex(p: SheetProblem, body: list[str]) -> list[str]:
    """A question's LaTeX in :data:`_QUESTION_DEFINITION`'s box, measured; one too tall for
    TeX to measure after the room it needs on its page (:data:`_LATEX_MEASURED_LINES`)."""
    if _question_lines(p) > _LATEX_MEASURED_LINES:
        return [rf"\rnnlossneedspace{{{_need_space(p)}}}", *body]
    return [rf"\rnnlossquestion{{{_need_space(p)}}}{{%", *body, "}"]


#: Characters of a line of LaTeX source the sheet writes: TeX reads a line into a buffer
#: (TeX Live's buf_size, 200 000 characters), and a list of 50 000 numbers shown
#: (``--window 50000x3``) was a line of 250 023: "! Unable to read an entire line".
_LATEX_SOURCE_LINE_CHARS = 4000


def _latex_percent_break(line: str, limit: int) -> int:
    """Where, before ``limit``, ``line`` may end with "%" and go on at the next line as it
    was: not after a backslash nor inside a control word's name (``\\textbf``), nor before a
    space (a line's leading spaces are skipped); 0 when nowhere."""
    for e in range(min(limit, len(line) - 1), 0, -1):
        before, after = line[e - 1], line[e]
        if before == "\\" or after == " ":
            continue
        if before.isascii() and before.isalpha() and after.isascii() and after.isalpha():
            if line[:e].rstrip(ascii_letters).endswith("\\"):
                continue  # inside a control word's name
        return e
    return 0


def _latex_source_lines(line: str) -> list[str]:
    """``line`` as lines of at most :data:`_LATEX_SOURCE_LINE_CHARS` characters that TeX
    reads as it would the one: broken at a space (a line's end is a space; a space at the
    start of the next is skipped, so it is never broken before one of two spaces), or, with
    no space to break at, after a character no control word continues with ``%`` (which
    ends a line without a space). A line with a comment in it is left as it is."""
    limit = _LATEX_SOURCE_LINE_CHARS
    if len(line) <= limit or re.search(r"(?<!\\)%", line):
        return [line]
    out = []
    while len(line) > limit:
        cut = line.rfind(" ", 1, limit)
        while cut > 0 and line[cut - 1] in " \\":  # "a  b" and "\ " stay as they are
            cut = line.rfind(" ", 1, cut - 1)
        if cut > 0:
            out.append(line[:cut])
            line = line[cut + 1 :]
            continue
        end = _latex_percent_break(line, limit - 1)
        if not end:  # one control word's name of 4000 letters: not the sheet's own
            break
        out.append(line[:end] + "%")
        line = line[end:]
    return [*out, line]


#: Characters of a title a section heading holds (four lines of its large bold type): LaTeX
#: never breaks a page inside a heading, so a 10 kB title ran 5096 pt below the page's foot.
_LATEX_HEADING_CHARS = 200


def _latex_heading(title: str) -> list[str]:
    """A problem's ``\\section``: its title, or a longer one's first words and "…" with the
    whole title after it as a paragraph (which breaks across pages like any other)."""
    if len(title) <= _LATEX_HEADING_CHARS:
        return [rf"\section{{{latex_text(title)}}}", ""]
    start = title[: _LATEX_HEADING_CHARS - 1]
    start = start.rsplit(" ", 1)[0] if " " in start else start
    return [
        rf"\section{{{latex_text(start)}{latex_text(ELLIPSIS)}}}",
        rf"\noindent\emph{{Title: {latex_text(title)}}}",
        "",
    ]


#: Room the solution's heading needs: itself and the first lines of the derivation.
_NEED_SPACE_SOLUTION = r"\rnnlossneedspace{6\baselineskip}"


def sheet_latex(
    problems: list[SheetProblem],
    *,
    solutions: bool,
    precision: int = 3,
    title: str | None = None,
    window: Window | None = None,
    paper: str = "a4",
) -> str:
    """The whole sheet as a standalone LaTeX document (article, amsmath)."""
    heading = title or ("Solutions" if solutions else "Problem sheet")
    out = [
        rf"\title{{{latex_text(fold(heading))}}}",
        r"\date{}",
        r"\begin{document}",
        r"\maketitle",
        "",
    ]
    for p in problems:
        # a page break before a heading, never between it and its givens
        body = _latex_heading(fold(p.title))
        if p.source:
            body += [rf"\noindent\emph{{Source: {latex_text(fold(p.source))}}}", ""]
        body += [r"\paragraph{Given}", r"\begin{itemize}\setlength{\itemsep}{0pt}"]
        for g in p.givens:
            body += _latex_given(g)
        body += [r"\end{itemize}", ""]
        if (said := conventions_as(p, latex_title, latex_text)) is not None:
            body += [rf"\paragraph{{Conventions}} {said}", ""]
        body.append(rf"\paragraph{{Task}} {latex_title(task_text(p))}")
        out += [*_question_latex(p, body), ""]
        if solutions and p.result is not None:
            out += [_NEED_SPACE_SOLUTION, r"\subsection*{Solution}"]
            out += result_latex(p.result, precision, window=window)
    out += [r"\end{document}", ""]
    body = "\n".join(
        part for lines in out for line in lines.split("\n") for part in _latex_source_lines(line)
    )
    # characters visible_text replaces are not the fonts' business
    lacking = [ch for ch in pdflatex_lacks(body) if not _NOT_LATEX.match(ch)]
    preamble = [
        rf"\documentclass[11pt,{paper}paper]{{article}}",
        *font_preamble(lacking),
        r"\usepackage{amsmath,amssymb}",
        r"\usepackage[margin=2cm]{geometry}",
        *_NEED_SPACE_DEFINITION,
        *_QUESTION_DEFINITION,
        *_COMPACT_DEFINITION,
        *_FIT_DEFINITION,
        *_ROWS_DEFINITION,
    ]
    return "\n".join([*preamble, body])


# ------------------------------------------------------------------------------ HTML
def _html_number(text: Any) -> str:
    """A given's item as the HTML sheet shows it: a number with its minus signs U+2212
    (:func:`render.html.html_minus`, "-0.5" -> "−0.5", "1e-07" -> "1e−07"), as the solution's
    tables and derivation write them; anything else (a symbol "-", a path "-1-2-3", a file
    name) as the file writes it."""
    from rnnloss_cli.render.html import html_minus

    text = str(text)
    try:
        float(text)
    except ValueError:
        return text
    return html_minus(text)


def _html_given_table(g: Given) -> list[str]:
    """A matrix given as an HTML table: its name as the caption, row numbers as row heads."""
    from html import escape

    note = f" ({g.note})" if g.note else ""
    out = [f'<table class="data given"><caption>{escape(g.name + note)}</caption>']
    out.append(
        "<thead><tr><th></th>"
        + "".join(f"<th>{escape(c)}</th>" for c in g.columns or [])
        + "</tr></thead><tbody>"
    )
    for label, row in zip(_row_labels(g), g.value, strict=True):
        cells = "".join(f"<td>{escape(_html_number(v))}</td>" for v in row)
        out.append(f'<tr><th scope="row">{escape(label)}</th>{cells}</tr>')
    return [*out, "</tbody></table>"]


def _html_givens(givens: list[Given]) -> list[str]:
    """Scalars, lists and mappings as one name/value table; each matrix as its own table."""
    from html import escape

    from rnnloss_cli.render.html import html_minus

    rows, matrices = [], []
    for g in givens:
        if g.shape == "matrix":
            matrices += _html_given_table(g)
            continue
        # numbers' minus signs U+2212, as the solution writes them (a symbol as written)
        if g.shape == "list":
            items = ", ".join(map(_html_number, g.value))
            value = "[" + items + "]" + (f" ({g.note})" if g.note else "")
        elif g.shape == "mapping":
            value = ", ".join(f"{k} = {_html_number(v)}" for k, v in g.value.items())
        else:  # prose the sheet writes ("labels -1/+1") reads as the formulas do
            value = html_minus(str(g.value)) if g.prose else _html_number(g.value)
        rows.append(f'<tr><th scope="row">{escape(g.name)}</th><td>{escape(value)}</td></tr>')
    out = []
    if rows:
        out += ['<table class="givens"><tbody>', *rows, "</tbody></table>"]
    return out + matrices


def sheet_html(
    problems: list[SheetProblem],
    *,
    solutions: bool,
    precision: int = 3,
    title: str | None = None,
    window: Window | None = None,
    paper: str = "a4",
) -> str:
    """The whole sheet as one self-contained HTML page (the shell and CSS of
    :mod:`rnnloss_cli.render.html`; printed, a solution starts a page, questions share them).

    Per problem: a section with its title, source, the givens as tables and the task; a
    solution sheet adds the derivation (:func:`render.html.result_html`, whose result panel
    holds the loss and the key's verdicts).
    """
    from html import escape

    from rnnloss_cli.render.html import page_html, result_html, step_label_html

    heading = title or ("Solutions" if solutions else "Problem sheet")
    out = [f"<h1>{escape(fold(heading))}</h1>"]
    for i, p in enumerate(problems, 1):
        title = escape(fold(p.title))
        kind = "problem" if solutions else "problem question"  # see the print stylesheet
        if not solutions and any(
            g.shape == "matrix" and len(g.value) > _LATEX_BOXED_ROWS for g in p.givens
        ):
            kind += " long"  # printed, it may break between its given rows
        out += [f'<section class="{kind}" id="problem-{i}">', f"<h2>{i}. {title}</h2>"]
        if p.source:
            out.append(f'<p class="meta">Source: {escape(fold(p.source))}</p>')
        out += ["<h3>Given</h3>", *_html_givens(p.givens)]
        # h_{t−1} as h<sub>t−1</sub>, as step labels are; a file's symbol as written
        if (said := conventions_as(p, step_label_html, escape)) is not None:
            out.append(f'<p class="task"><strong>Conventions.</strong> {said}</p>')
        out.append(f'<p class="task"><strong>Task.</strong> {escape(task_text(p))}</p>')
        if solutions and p.result is not None:
            out.append("<h3>Solution</h3>")
            body = result_html(p.result, precision, 4, window=window, heading=False, student=True)
            out.append(_HTML_KIND_LINE.sub(_html_source_line, body))
        out.append("</section>")
    return page_html(fold(heading), "\n".join(out), paper)


#: A term derivation's meta line in result_html ("kind: sequence · source: …"): on a sheet,
#: the source alone, as each problem gives it (the kind is a field of the problem file).
_HTML_KIND_LINE = re.compile(r'<p class="meta">kind: [A-Za-z0-9_]+(?: · source: ([^<]*))?</p>')


def _html_source_line(m: re.Match[str]) -> str:
    return f'<p class="meta">Source: {m.group(1)}</p>' if m.group(1) else ""


_RENDERERS = {"markdown": sheet_markdown, "latex": sheet_latex, "html": sheet_html}


def build_sheet(
    paths: list[str],
    fmt: str = "markdown",
    *,
    solutions: bool = False,
    precision: int = 3,
    title: str | None = None,
    window: Window | None = None,
    paper: str = "a4",
) -> str:
    """Problem files (or folders) -> the sheet text in ``fmt`` ("markdown", "latex", "html").

    ``window`` (``--window ROWS[xCOLS]``; default from limits) bounds every long table;
    ``paper`` ("a4" or "letter") is the paper a LaTeX or HTML sheet is laid out for.
    """
    return build_sheet_checked(
        paths,
        fmt,
        solutions=solutions,
        precision=precision,
        title=title,
        window=window,
        paper=paper,
    )[0]


def build_sheet_checked(
    paths: list[str],
    fmt: str = "markdown",
    *,
    solutions: bool = False,
    precision: int = 3,
    title: str | None = None,
    window: Window | None = None,
    paper: str = "a4",
) -> tuple[str, list[str]]:
    """Like :func:`build_sheet`, also returning the files whose answer key disagrees.

    Only a solution sheet solves, so a question sheet's list is always empty.
    """
    problems = collect(paths, solutions, window=window)
    render = _RENDERERS.get(fmt, sheet_markdown)
    text = render(
        problems, solutions=solutions, precision=precision, title=title, window=window, paper=paper
    )
    bad = [p.file for p in problems if p.result is not None and not p.result.ok]
    return visible_text(text, fmt), bad


def sheet_warnings(text: str, fmt: str) -> list[str]:
    """What a reader of the sheet should know that only a comment in it says: a LaTeX sheet
    holding characters pdflatex has no glyph for (emoji, CJK), which it prints as their
    codes. One line each, for the CLI's ``warning:``."""
    if fmt != "latex":
        return []
    lacking = pdflatex_lacks(text)
    if not lacking:
        return []
    named = ", ".join(f"{ch} U+{ord(ch):04X}" for ch in lacking[:NAMED_LACKING])
    more = len(lacking) - NAMED_LACKING
    named += f" and {more} more" if more > 0 else ""
    return [
        f"the LaTeX sheet holds characters pdflatex has no glyph for ({named}); pdflatex "
        "prints their codes instead: run lualatex or xelatex with a font that has them "
        "(see the comment at the top of the file)"
    ]


#: Characters no sheet may hold: C0 controls but tab and newline, DEL, C1 controls, the
#: noncharacters U+FFFE and U+FFFF, and lone surrogates (``--title`` bytes that are not
#: UTF-8, which cannot be written). They come from titles, sources and names: an ESC pasted
#: from a terminal coloured the reader's terminal, and stopped pdflatex ("not set up").
#: Bidirectional embeddings, overrides and isolates (U+202A-202E, U+2066-2069) too: written
#: to a file, one would show "evil" as "live".
_NOT_TEXT = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufffe\uffff\ud800-\udfff]"
)
#: LaTeX's set adds U+FFFD, which LuaTeX takes for a sign of bad UTF-8 and stops at.
_NOT_LATEX = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufffd\ufffe\uffff\ud800-\udfff]"
)


def visible_text(text: str, fmt: str) -> str:
    """``text`` with each character of ``_NOT_TEXT`` replaced: by U+FFFD in Markdown and HTML
    (as the Moodle export does), by its code (``\\textsf{U+001B}``) in LaTeX, which
    pdflatex and lualatex both set."""
    if fmt == "latex":
        return _NOT_LATEX.sub(lambda m: rf"\textsf{{U+{ord(m.group()):04X}}}", text)
    return _NOT_TEXT.sub("\ufffd", text)
