"""Solver for kind: ctc — the handout's listed alignments, exact CTC, and the audit between them.

Listed: P = Σ_{π listed} Π_t y_t(π_t), loss = −ln P (the exercise as posed), with a table of
alignments, their collapse B(π) (merge repeats, then drop blanks) and products.
Exact: p(l|x) = α_T(S') + α_T(S'−1) from the forward trellis over the blank-interleaved
labels l' (Graves et al. 2006), loss = −ln p(l|x); β and ∂loss/∂logits on request.
"""

from __future__ import annotations

import math
import sys
from typing import Any

import numpy as np

from rnnloss_cli.engine.alignments import ListedCTC, ctc_listed, min_frames
from rnnloss_cli.limits import (
    BEST_PATH_MAX_CELLS,
    FULL_TRELLIS_MAX_CELLS,
    MAX_HELD_TRELLIS_CELLS,
    STEP_MAX_TERMS,
)
from rnnloss_cli.problem.ctc import CTCProblem
from rnnloss_cli.result import (
    EMPTY,
    LogNumber,
    Result,
    Step,
    Table,
    Track,
    Window,
    terms,
    window_indices,
)
from rnnloss_cli.solve.common import as_written, exact_sum_text, finalize

FORMULA = Step(
    "formula",
    "CTC loss = −ln p(l|x),  p(l|x) = Σ_{π : B(π) = l} Π_t y_t(π_t)",
    {},
    r"\text{CTC loss} = -\ln p(l|x),\quad p(l|x) = \sum_{\pi:\,\mathcal{B}(\pi)=l}\ "
    r"\prod_t y_t(\pi_t)",
)

#: Where the worked gradient entry's β_1 values are, for whoever runs ``solve``: the β table is
#: optional there. A solution sheet shows the table and says so in its own words instead.
BETA_HINT = "β_1 is in --show beta"

#: Symbols a label sequence or path shows in text before it is shortened (first ones, "…",
#: the last ones and the length), so messages and cells stay one line long.
_WORD_MAX = 48


def _word(symbols: tuple[Any, ...] | list[Any]) -> str:
    n = len(symbols)
    if n > _WORD_MAX:
        head, tail = _word(symbols[: _WORD_MAX - 8]), _word(symbols[n - 6 :])
        return f"{head}…{tail} ({n:,} symbols)"
    items = [str(s) for s in symbols]
    return "".join(items) if all(len(s) == 1 for s in items) else " ".join(items)


def _target_word(p: CTCProblem) -> str:
    """The target for prose: its symbols, or EMPTY (ε) for the labelling with no labels."""
    return _word(p.target) or EMPTY


#: What an empty target means, said once where the exact part begins.
EMPTY_TARGET = (
    "S = 0: l' is the blank alone (S' = 1), so the only alignment is all blanks, one blank "
    "a frame, and p(l|x) = Π_t y_t(blank)"
)


def listed_probs(p: CTCProblem) -> dict[str, float] | list[dict[str, float]]:
    """The probabilities the listed method reads (``engine.ctc_listed``'s ``probs``): the
    constant mapping y_t(k) = P(k) at every frame, or one mapping a frame,
    {k: y_t(k)} for t = 1 … T, from the (T, K) ``frame_probs``."""
    if p.probs is not None:
        return p.probs
    assert p.frame_probs is not None
    return [dict(zip(p.symbols, map(float, row), strict=True)) for row in p.frame_probs]


def _factors_text(factors: tuple[float, ...]) -> str:
    """The factors of one alignment, written out as given (first and last ones for a long
    path): text built before any renderer cannot follow ``--precision``, so it shows the
    numbers as written, as the givens line does."""
    kept, split = window_indices(len(factors), STEP_MAX_TERMS)
    items = [as_written(factors[i]) for i in kept]
    if split is not None:
        items.insert(split, f"… ({len(factors) - len(kept):,} more) …")
    return " × ".join(items)


def _listed_prob(value: float, log_value: float) -> Any:
    """A listed product or sum as computed, or from its log (a LogNumber) where it fell
    below the normal doubles: 0.2^60000 is 0 as a float, its log is −96566."""
    if value >= sys.float_info.min or log_value == -math.inf:
        return value
    return LogNumber(log_value)


def _listed_part(p: CTCProblem, r: Result, window: Window) -> ListedCTC:
    lc = ctc_listed(p.target, p.alignments, listed_probs(p), blank=p.blank, factors=p.factors)
    target = _target_word(p)
    if p.probs is not None:  # the givens first: the probability of each symbol at any frame
        # the symbols as values (each format escapes them), the numbers as the file gives them
        items = list(p.probs.items())
        given = ", ".join(f"y_t({{k{i}}}) = {as_written(v)}" for i, (_, v) in enumerate(items))
        symbols = {f"k{i}": k for i, (k, _) in enumerate(items)}
        r.steps.append(Step("given, at every frame", given, symbols, lead=True))
    styles: dict[tuple[int, int], str] = {}
    for i, a in enumerate(lc.alignments):
        styles[(i, 3)] = "good" if a.valid else "bad"
        if not a.valid:
            styles[(i, 2)] = "bad"

    def row(i: int) -> list[Any]:
        a = lc.alignments[i]
        return [
            i + 1,
            _word(a.path),
            _word(a.collapsed) or EMPTY,
            "yes" if a.valid else "no",
            len(a.path),
            _factors_text(a.factors),
            a.product,
        ]

    r.tables.append(
        Table.windowed(
            "listed alignments",
            len(lc.alignments),
            row,
            ["#", "alignment π", "B(π)", f"valid for {target}?", "frames", "factors", "product"],
            window,
            styles=styles,
            caption="B(π): merge repeated symbols, then drop blanks",
        )
    )
    shown, split = _alignment_lines(lc)
    for n, i in enumerate(shown):
        if n == split:
            r.steps.append(
                Step("…", f"({len(lc.alignments) - len(shown):,} more alignments, the same way)")
            )
        a = lc.alignments[i]
        r.steps.append(
            Step(
                f"alignment {i + 1}: {_word(a.path)}",
                "{factors|*} = {product}",
                {"factors": terms(a.factors), "product": _listed_prob(a.product, a.log_product)},
            )
        )
    r.steps.append(
        Step(
            "sum over the listed alignments",
            # one alignment: "P = 0.03 = 0.03" said nothing (as ctc paths words it)
            "P = {terms|+} = {value}"
            if len(lc.alignments) > 1
            else "P = {value}, the one listed alignment's product",
            {
                "terms": terms([_listed_prob(a.product, a.log_product) for a in lc.alignments]),
                "value": _listed_prob(lc.total, lc.log_total),
            },
        )
    )
    r.steps.append(
        Step(
            "listed loss",
            "−ln P = −ln {p} = {loss}",
            {"p": _listed_prob(lc.total, lc.log_total), "loss": lc.loss},
            r"-\ln P = -\ln {p} = {loss}",
        )
    )
    if lc.invalid:
        valid = [a for a in lc.alignments if a.valid]
        r.steps.append(
            Step(
                "valid alignments only",
                (
                    "P_valid = {terms|+} = {value};  −ln P_valid = −ln {value}"
                    if valid
                    else "P_valid = 0;  −ln P_valid"
                )
                + " = {loss}",
                {
                    "terms": terms([_listed_prob(a.product, a.log_product) for a in valid]),
                    "value": _listed_prob(lc.valid_total, lc.log_valid_total),
                    "loss": lc.valid_loss,
                },
                (
                    r"P_{\mathrm{valid}} = {terms|+} = {value}"
                    if valid
                    else r"P_{\mathrm{valid}} = 0"
                )
                + (
                    r";\quad -\ln P_{\mathrm{valid}} = -\ln {value}"
                    if valid
                    else r";\quad -\ln P_{\mathrm{valid}}"
                )
                + " = {loss}",
            )
        )
    else:  # valid_only is a figure either way: say why it is the listed loss
        r.steps.append(
            Step(
                "valid alignments only",
                "every listed alignment collapses to {word}, so P_valid = P;  −ln P_valid = {loss}",
                {"word": _word(p.target), "loss": lc.valid_loss},
            )
        )
    _listed_warnings(p, lc, r)
    from rnnloss_cli.solve.ctc_tracks import attach_listed

    attach_listed(r, lc, p, window)
    return lc


#: Per-alignment warnings given one by one; the rest are counted in one line.
_MAX_ALIGNMENT_WARNINGS = 5


def _alignment_lines(lc: ListedCTC) -> tuple[list[int], int | None]:
    """The listed alignments that get a line of their own (first and last STEP_MAX_TERMS),
    and where the "…" line goes."""
    return window_indices(len(lc.alignments), STEP_MAX_TERMS)


def _product_step(label: str, factors: tuple[float, ...], product: float, log: float) -> Step:
    """A line multiplying an alignment's factors out, e.g. ``0.6 × 0.2 × … = 0.00018816``,
    printed at ``--precision`` with the derivation's digits (a warning's text could only give
    the product digits of its own)."""
    return Step(
        label,
        "{factors|*} = {product}",
        {"factors": terms(factors), "product": _listed_prob(product, log)},
    )


def _log_product(a: Any) -> float:
    """ln of an alignment's product of its symbols' probabilities, Σ_t ln y_t(π_t) (−inf
    with a zero factor): the product itself underflows for a long alignment."""
    with np.errstate(divide="ignore"):
        return float(np.sum(np.log(np.asarray(a.symbol_factors, dtype=float))))


def _listed_warnings(p: CTCProblem, lc: ListedCTC, r: Result) -> None:
    """What is wrong with the listed alignments, as warnings. A number a derivation line
    prints is not restated: the line prints it at ``--precision`` with the derivation's
    guard digits, plain text could only give it digits of its own (0.04128 beside the line's
    0.0413; 0.006586 beside 0.0066 at ``-p 2``); the warning names the line instead. The
    valid-only sum and loss have theirs; a mismatched alignment's product as given has its
    line "alignment i: π" (one is added for an alignment left out of a long list) and the
    product of its symbols' probabilities the line "alignment i by its symbols"."""
    target = _target_word(p)
    lines = set(_alignment_lines(lc)[0])
    for what, which in (("not alignments of " + target, lc.invalid), ("mismatched", lc.mismatched)):
        if len(which) > _MAX_ALIGNMENT_WARNINGS:
            r.warnings.append(
                f"{len(which):,} listed alignments are {what}; the first "
                f"{_MAX_ALIGNMENT_WARNINGS} are described below"
            )
    for i in lc.invalid[:_MAX_ALIGNMENT_WARNINGS]:
        a = lc.alignments[i]
        r.warnings.append(
            f"alignment {i + 1}, {_word(a.path)}, collapses to {_word(a.collapsed) or EMPTY}"
            f", not {target}: {a.reason}. It is not an alignment of {target}; the line "
            '"valid alignments only" leaves it out (figure valid_only).'
        )
    for i in lc.mismatched[:_MAX_ALIGNMENT_WARNINGS]:
        a = lc.alignments[i]
        if len(a.factors) == 1:  # one frame: a factor against a probability, no product
            r.warnings.append(
                f"alignment {i + 1}, {_word(a.path)}: the factor given for it, "
                f"{_factors_text(a.factors)}, is not the probability of its symbol, "
                f"{_factors_text(a.symbol_factors)}; the listed sum uses the factor as given."
            )
            continue
        given_line = f"alignment {i + 1}: {_word(a.path)}"
        if i not in lines:  # left out of the alignment lines: its given product gets one here
            given_line += " (given)"
            r.steps.append(_product_step(given_line, a.factors, a.product, a.log_product))
        symbols_line = f"alignment {i + 1} by its symbols"
        r.steps.append(
            _product_step(symbols_line, a.symbol_factors, a.symbol_product, _log_product(a))
        )
        r.warnings.append(
            f"alignment {i + 1}, {_word(a.path)}: the factors given for it, "
            f'{_factors_text(a.factors)} (multiplied out on the line "{given_line}"), are not '
            "the probabilities of its symbols frame by frame, "
            f'{_factors_text(a.symbol_factors)} (multiplied out on the line "{symbols_line}"); '
            "the listed sum uses the factors as given."
        )
    first: dict[tuple, int] = {}
    again = []  # (i, j): alignment i lists the path of alignment j again
    for i, a in enumerate(lc.alignments):
        if a.path in first:
            again.append((i, first[a.path]))
        first.setdefault(a.path, i)
    if len(again) > _MAX_ALIGNMENT_WARNINGS:
        r.warnings.append(
            f"{len(again):,} listed alignments repeat an earlier one; the first "
            f"{_MAX_ALIGNMENT_WARNINGS} are described below"
        )
    for i, j in again[:_MAX_ALIGNMENT_WARNINGS]:
        r.warnings.append(
            f"alignment {i + 1}, {_word(lc.alignments[i].path)}, is alignment {j + 1} again: "
            "p(l|x) counts each alignment once; the listed sum, the exercise as posed, "
            "counts it each time it is listed."
        )
    if not lc.equal_lengths:
        kept, split = window_indices(len(lc.lengths), STEP_MAX_TERMS)
        shown = [str(lc.lengths[i]) for i in kept]
        if split is not None:
            shown.insert(split, "…")
        lengths = ", ".join(shown)
        r.warnings.append(
            f"the alignments have unequal lengths ({lengths} frames): every CTC path has one "
            "symbol per input frame, so the alignments of one input all have the same length."
        )
    if p.probs is not None and not lc.distributions:
        # the givens as the file writes them, and their sum worked exactly from them
        terms = ", ".join(f"y_t({s}) = {as_written(v)}" for s, v in p.probs.items())
        total = exact_sum_text(p.probs.values())
        r.warnings.append(
            f"the per-frame probabilities {terms} sum to {total}, not 1: "
            "they are not a distribution over the symbols, so no exact CTC probability exists "
            "for these numbers; the listed sum is the exercise as posed, not p(l|x)."
        )


#: Below this natural log a probability is shown from its log (a double underflows near -745).
_UNDERFLOW_LN = -700.0


def _cells(logs: np.ndarray) -> tuple[list[Any], bool]:
    """Cells for log-values: probabilities, or LogNumbers when some of them underflow."""
    finite = logs[np.isfinite(logs)]
    in_logs = bool(finite.size) and float(finite.min()) < _UNDERFLOW_LN
    if in_logs:
        return [LogNumber(float(v)) for v in logs], True
    with np.errstate(under="ignore"):
        return [float(v) for v in np.exp(logs)], False


def _trellis_table(
    title: str,
    log_cell: Any,
    ext: list[str],
    frames: list[int],
    head: int,
    n_frames: int,
    window: Window,
    optional: str | None,
) -> Table:
    """A trellis (rows: states s of l', columns: frames) held only over its window.

    ``log_cell(s)`` gives state s's log-values at the held ``frames`` (full indices, the
    first ``head`` of them before the elision); ``-inf`` cells (unreachable) are dimmed.
    """
    n_ext = len(ext)
    kept, split = window_indices(n_ext, window.rows)
    rows, styles, in_logs = [], {}, False
    for i, s in enumerate(kept):
        logs = np.asarray(log_cell(s), dtype=float)
        cells, logged = _cells(logs)
        in_logs = in_logs or logged
        rows.append([s + 1, ext[s], *cells])
        styles.update({(i, 2 + j): "dim" for j in np.flatnonzero(np.isinf(logs))})
    if in_logs:  # one form per table: every cell from its log
        for row in rows:
            row[2:] = [c if isinstance(c, LogNumber) else _as_log(c) for c in row[2:]]
        title = title.replace("(probabilities)", "(probabilities, printed from their logs)")
    whole = len(frames) == n_frames
    return Table(
        title,
        ["s", "l'_s", *[f"t={t + 1}" for t in frames]],
        rows,
        styles,
        optional=optional,
        n_rows=n_ext if split is not None else None,
        head_rows=split,
        n_columns=None if whole else n_frames + 2,
        head_columns=None if whole else 2 + head,
        key_columns=2,
    )


def _mark_dead(table: Table, mine: np.ndarray, theirs: np.ndarray) -> None:
    """Style as "dead" the non-zero cells whose other-direction value is 0 (no full path).

    ``mine`` and ``theirs`` are the two directions' logs at the held frames, (frames, S')."""
    for i, row in enumerate(table.rows):
        s = int(row[0]) - 1
        for j in np.flatnonzero(np.isfinite(mine[:, s]) & np.isinf(theirs[:, s])):
            table.styles[(i, 2 + int(j))] = "dead"


def _alpha_beta_tables(
    r: Result,
    la: np.ndarray,
    lb: np.ndarray,
    ext: list[str],
    frames: list[int],
    head: int,
    n_frames: int,
    window: Window,
) -> Table:
    """The α table (always shown) and the β table (``--show beta``) over the held ``frames``
    (0-based, the first ``head`` before the elision), appended to ``r``; returns the α table.

    ``la`` and ``lb`` are ln α_t(s) and ln β_t(s) at those frames, (len(frames), S'). The
    two final cells, summed for p(l|x), are highlighted; a cell one direction reaches and
    the other does not is a dead end.
    """
    n_ext = len(ext)
    alpha_table = _trellis_table(
        "forward trellis α_t(s) (probabilities)",
        lambda s: la[:, s],
        ext,
        frames,
        head,
        n_frames,
        window,
        None,
    )
    _mark_dead(alpha_table, la, lb)
    last = 2 + len(frames) - 1
    for i, row in enumerate(alpha_table.rows):
        if row[0] >= n_ext - 1:  # the two final cells (rows s = S'-1, S', 1-based)
            alpha_table.styles[(i, last)] = "highlight"
    alpha_table.legend = {
        "dim": "unreachable from the start (α = 0)",
        "dead": "dead end: reached, but the end cannot be reached from it in the frames left",
        "highlight": "the two final cells, summed for p(l|x)"
        if n_ext > 1
        else "the final cell, p(l|x)",
    }
    r.tables.append(alpha_table)
    beta_table = _trellis_table(
        "backward trellis β_t(s) (probabilities)",
        lambda s: lb[:, s],
        ext,
        frames,
        head,
        n_frames,
        window,
        "beta",
    )
    _mark_dead(beta_table, lb, la)
    beta_table.legend = {
        "dim": "the end cannot be reached from here (β = 0)",
        "dead": "reaches the end, but cannot be reached from the start",
    }
    r.tables.append(beta_table)
    return alpha_table


def _as_log(x: float) -> LogNumber:
    return LogNumber(math.log(x) if x > 0 else -math.inf)


#: What PyTorch's switch does with an infinite CTC loss, said wherever the loss is infinite.
ZERO_INFINITY = (
    "; PyTorch's ctc_loss returns inf here, and with zero_infinity=True it returns 0 with a "
    "zero gradient, which hides that this target cannot be aligned to this input"
)


def _infinite_reason(p: CTCProblem, n_frames: int) -> str:
    return _infinite_cause(p, n_frames) + ZERO_INFINITY


def _infinite_cause(p: CTCProblem, n_frames: int) -> str:
    target = _target_word(p)
    need, repeats = min_frames(p.target)
    if not p.target:  # T >= 1 = need always: the one alignment, all blanks, has probability 0
        return (
            "the only alignment of the empty target, all blanks, passes through a frame where "
            "the blank has probability 0, so p(l|x) = 0 and the loss is infinite"
        )
    if n_frames < need:
        pairs = [
            f"the two {p.target[i]}s"
            for i in range(len(p.target) - 1)
            if p.target[i] == p.target[i + 1]
        ]
        extra = (
            f" + {repeats} blank{'s' if repeats > 1 else ''} between {', '.join(pairs)}"
            if repeats
            else ""
        )
        return (
            f"{target} needs at least {need} frames ({len(p.target)} labels{extra}), "
            f"got {n_frames}; the loss is infinite"
        )
    return (
        f"every alignment of {target} passes through a frame where its symbol has "
        "probability 0, so p(l|x) = 0 and the loss is infinite"
    )


def _givens_tables(p: CTCProblem, r: Result, window: Window) -> None:
    """The per-frame inputs, first: the logits (if given) and the emissions y_t(k) they give."""
    assert p.frame_probs is not None
    fp = p.frame_probs
    if p.logits is not None:
        logits = p.logits
        r.tables.append(
            Table.windowed(
                "logits z_t(k) (given)",
                fp.shape[0],
                lambda t: [t + 1, *map(float, logits[t])],
                ["t", *map(str, p.symbols)],
                window,
            )
        )
    given = "softmax of the logits" if p.logits is not None else "given"
    r.tables.append(
        Table.windowed(
            f"emissions y_t(k) ({given})",
            fp.shape[0],
            lambda t: [t + 1, *map(float, fp[t])],
            ["t", *map(str, p.symbols)],
            window,
        )
    )


def _shown(ln: float) -> float | LogNumber:
    """e^ln for a worked step: a float, or held as its log when it would underflow (printed
    from the log, e.g. e^-800 as 3.67e-348, rather than as 0)."""
    if -math.inf < ln < _UNDERFLOW_LN:
        return LogNumber(float(ln))
    with np.errstate(under="ignore"):
        return float(np.exp(ln))


def _worked_alpha(
    p: CTCProblem, r: Result, log_alpha: np.ndarray, log_probs: np.ndarray, ext: list[str]
) -> None:
    """Worked cells of the α recursion: the first frame, then cells of frame 2 (a plain one,
    one with the skip from s−2, and one where a repeated label forbids the skip)."""
    ids = [p.symbols.index(x) for x in ext]
    n_frames, n_ext = log_alpha.shape

    def a(t: int, s: int) -> float | LogNumber:
        return _shown(log_alpha[t, s])

    def y(t: int, s: int) -> float | LogNumber:
        return _shown(log_probs[t, ids[s]])

    first = [0, 1] if n_ext > 1 else [0]
    # The symbols go in as values, so each format escapes them (a "&" or a "_" blank in LaTeX).
    names = ", ".join(f"α_1({s + 1}) = y_1({{k{s}}}) = {{a{s}}}" for s in first)
    values = {f"a{s}": a(0, s) for s in first} | {f"k{s}": ext[s] for s in first}
    r.steps.append(Step("first frame", names, values))
    if n_frames < 2:
        return
    picks: list[tuple[int, str]] = []
    if n_ext > 1:
        picks.append((1, ""))
    skip = [s for s in range(2, n_ext) if ext[s] != p.blank and ext[s] != ext[s - 2]]
    if skip:
        picks.append((skip[0], " (with the skip from s−2)"))
    repeat = [s for s in range(2, n_ext) if ext[s] != p.blank and ext[s] == ext[s - 2]]
    if repeat:
        picks.append((repeat[0], f" (no skip: l'_{repeat[0] + 1} = l'_{repeat[0] - 1})"))
    for s, why in picks:
        prev = [s, s - 1] + (
            [s - 2] if ext[s] != p.blank and s >= 2 and ext[s] != ext[s - 2] else []
        )
        prev = [q for q in prev if q >= 0]
        names = " + ".join(f"α_1({q + 1})" for q in prev)
        r.steps.append(
            Step(
                f"worked cell α_2({s + 1}){why}",
                f"α_2({s + 1}) = ({names}) · y_2({{k}}) = ({{terms|+}}) · {{y}} = {{value}}",
                {"terms": [a(0, q) for q in prev], "y": y(1, s), "value": a(1, s), "k": ext[s]},
            )
        )


def _worked_beta_and_grad(
    p: CTCProblem,
    r: Result,
    log_alpha: np.ndarray,
    log_beta: np.ndarray,
    log_probs: np.ndarray,
    ext: list[str],
    ln_p: float,
) -> Step | None:
    """A worked cell of the β recursion (frame T−1, from the last frame), appended to ``r``,
    and one worked entry of the gradient, y_t(k) − Σ_{s: l'_s = k} α_t(s) β_t(s) / (y_t(k) ·
    p(l|x)) (Graves et al. 2006, eq. 16; here β_t(s) includes y_t(l'_s), as α does),
    returned: it divides by p(l|x), so it goes after the line that works p(l|x) out."""
    ids = [p.symbols.index(x) for x in ext]
    n_frames, n_ext = log_alpha.shape
    if n_ext < 2:
        return None

    def e(x: float) -> float:
        with np.errstate(under="ignore"):
            return float(np.exp(x))

    last = n_frames
    finals = [n_ext - 1, n_ext - 2]
    # β defined before its first cell: the mirror of the forward recursion
    r.steps.append(
        Step(
            "backward recursion",
            "β_t(s) = (β_{t+1}(s) + β_{t+1}(s+1) [+ β_{t+1}(s+2) when l'_s ≠ blank and "
            "l'_s ≠ l'_{s+2}]) · y_t(l'_s): the probability of the paths from state s at "
            "frame t to the end, y_t(l'_s) included",
            {},
            r"\beta_t(s) = \bigl(\beta_{t+1}(s) + \beta_{t+1}(s+1) + [\beta_{t+1}(s+2)]\bigr)"
            r"\, y_t(l'_s),\ \text{the bracket only when } l'_s \ne \text{blank and } "
            r"l'_s \ne l'_{s+2}\text{: the probability of the paths from state } s "
            r"\text{ at frame } t \text{ to the end, } y_t(l'_s) \text{ included}",
        )
    )
    r.steps.append(
        Step(
            "last frame (β runs backwards)",
            ", ".join(f"β_{last}({s + 1}) = y_{last}({{k{s}}}) = {{b{s}}}" for s in finals),
            {f"b{s}": _shown(log_beta[-1, s]) for s in finals} | {f"k{s}": ext[s] for s in finals},
        )
    )
    if n_frames >= 2:
        s = n_ext - 2  # the last label: β from itself and the final blank
        nxt = [s, s + 1]
        names = " + ".join(f"β_{last}({q + 1})" for q in nxt)
        r.steps.append(
            Step(
                f"worked cell β_{last - 1}({s + 1})",
                f"β_{last - 1}({s + 1}) = ({names}) · y_{last - 1}({{k}}) = "
                "({terms|+}) · {y} = {value}",
                {
                    "k": ext[s],
                    "terms": [_shown(log_beta[-1, q]) for q in nxt],
                    "y": _shown(log_probs[-2, ids[s]]),
                    "value": _shown(log_beta[-2, s]),
                },
            )
        )
    k = ext[1]  # the first label, at the first frame
    states = [s for s in range(n_ext) if ext[s] == k]
    ln_y = float(log_probs[0, ids[1]])
    ln_products = [float(log_alpha[0, s] + log_beta[0, s]) for s in states]
    y, prob = _shown(ln_y), e(ln_p)
    # The quotient in logs: y_1(k) may be 0 or below the smallest double (a logit 800 below
    # the max), where y · p(l|x) would be a division by 0. α_1 and β_1 each carry the factor
    # y_1(k), so α β / y -> 0 with y: the occupancy of a label of probability 0 is 0.
    ln_num = float(np.logaddexp.reduce(ln_products)) if ln_products else -math.inf
    occupancy = 0.0 if ln_y == -math.inf else e(ln_num - ln_y - ln_p)
    grad = e(ln_y) - occupancy
    which = " + ".join(f"α_1({s + 1})·β_1({s + 1})" for s in states)
    # each product written as its two factors (β_1 is in the β table, BETA_HINT)
    pairs = " + ".join(f"{{a{i}}} × {{b{i}}}" for i in range(len(states)))
    factors = {f"a{i}": _shown(log_alpha[0, s]) for i, s in enumerate(states)}
    factors |= {f"b{i}": _shown(log_beta[0, s]) for i, s in enumerate(states)}
    if ln_y == -math.inf:  # the quotient would print as (0 × 0) / (0 × p): a 0/0
        return Step(
            f"worked gradient entry ∂loss/∂z_1({k})",
            "∂loss/∂z_1({k}) = y_1({k}) − γ_1({k}) = {y} − 0 = {grad}  (y_1({k}) = 0: "
            "α_1 and β_1 of label {k} both carry the factor y_1({k}), so its occupancy "
            "γ_1({k}) = (" + which + ") / (y_1({k}) · p(l|x)) is 0; z_t: the logits, "
            "y_t = softmax(z_t))",
            {"y": y, "grad": grad, "k": k},
        )
    return Step(
        f"worked gradient entry ∂loss/∂z_1({k})",
        f"∂loss/∂z_1({{k}}) = y_1({{k}}) − ({which}) / (y_1({{k}}) · p(l|x)) = "
        f"{{y}} − ({pairs or '0'}) / ({{y}} × {{p}}) = {{grad}}  "
        f"(z_t: the logits, y_t = softmax(z_t); {BETA_HINT})",
        {"y": y, "p": prob, "grad": grad, "k": k, **factors},
    )


def _log_probs(p: CTCProblem) -> np.ndarray:
    """(T, K) log-probabilities; a broadcast view (no T x K copy) for constant ``probs``."""
    from rnnloss_cli.engine import log_softmax

    assert p.frame_probs is not None
    if p.logits is not None:
        return log_softmax(p.logits, axis=1)
    fp = p.frame_probs
    with np.errstate(divide="ignore"):
        if fp.strides[0] == 0:  # the same row every frame
            return np.broadcast_to(np.log(fp[0]), fp.shape)
        return np.log(fp)


def _exact_part(p: CTCProblem, r: Result, window: Window) -> tuple[float, float]:
    """Forward trellis, final sum and loss; returns (p(l|x), loss).

    Feasibility (T >= S + adjacent repeats) is decided first, before any array is made. Up to
    FULL_TRELLIS_MAX_CELLS the whole trellis is computed (ctc_trace); above it the loss comes
    from the engine's loss-only pass and the α, β, γ tables from one pass over every frame
    that keeps only the columns they show (the first and last frames; the engine's
    ``_ctc_columns.kept_columns``).
    """
    assert p.frame_probs is not None
    n_frames = p.frame_probs.shape[0]
    blank = p.symbols.index(p.blank)
    target = np.array([p.symbols.index(s) for s in p.target], dtype=np.int64)
    ext = [p.blank] * (2 * len(p.target) + 1)
    ext[1::2] = p.target
    n_ext = len(ext)
    shown = " ".join(ext) if n_ext <= 2 * STEP_MAX_TERMS else None
    if shown is None:
        shown = " ".join([*ext[: STEP_MAX_TERMS - 3], "…", *ext[-2:]])
    r.steps.append(
        Step(
            "extended labels",
            f"l' = {shown}  (blank between labels and at both ends: "
            f"S' = 2S + 1 = 2·{len(p.target)} + 1 = {n_ext}, with S = {len(p.target)} "
            f"label{'' if len(p.target) == 1 else 's'} in l)",
            lead=True,
        )
    )
    need, repeats = min_frames(p.target)
    fits = "enough" if n_frames >= need else "too few: no alignment fits"
    r.steps.append(
        Step(
            "frames needed",
            f"T ≥ S + repeats = {len(p.target)} + {repeats} = {need} (one frame per label, and a "
            f"blank between each pair of equal neighbours); here T = {n_frames:,}, {fits}",
            lead=True,
        )
    )
    if not p.target:
        r.steps.append(Step("empty target", EMPTY_TARGET, lead=True))
        r.steps.append(
            Step(
                "forward recursion",
                "α_t(1) = α_{t−1}(1) · y_t(blank),  α_1(1) = y_1(blank) (one state, the blank)",
                {},
                r"\alpha_t(1) = \alpha_{t-1}(1)\, y_t(\text{blank}),\ "
                r"\alpha_1(1) = y_1(\text{blank})",
                lead=True,
            )
        )
    else:
        r.steps.append(
            Step(
                "forward recursion",
                "α_t(s) = (α_{t−1}(s) + α_{t−1}(s−1) [+ α_{t−1}(s−2) when l'_s ≠ blank and "
                "l'_s ≠ l'_{s−2}]) · y_t(l'_s),  α_1(1) = y_1(blank), α_1(2) = y_1(l_1)",
                {},
                r"\alpha_t(s) = \bigl(\alpha_{t-1}(s) + \alpha_{t-1}(s-1) + [\alpha_{t-1}(s-2)]"
                r"\bigr)\, y_t(l'_s),\ \text{the bracket only when } l'_s \ne \text{blank and } "
                r"l'_s \ne l'_{s-2};\ \alpha_1(1) = y_1(\text{blank}),\ \alpha_1(2) = y_1(l_1)",
                lead=True,
            )
        )
    _givens_tables(p, r, window)
    if n_frames < need:  # infeasible: answered at once, nothing allocated
        reason = _infinite_reason(p, n_frames)
        r.steps.append(Step("exact p(l|x)", "p(l|x) = 0: no alignment fits in T frames"))
        r.steps.append(Step("exact loss", "−ln 0 = {loss}", {"loss": math.inf}))
        r.warnings.append(reason)
        return 0.0, math.inf
    log_probs = _log_probs(p)
    if n_frames * n_ext <= FULL_TRELLIS_MAX_CELLS:
        prob_ln, loss = _full_trellis(p, r, log_probs, target, blank, ext, window)
    else:
        prob_ln, loss = _windowed_trellis(p, r, log_probs, target, blank, ext, window)
    if not math.isfinite(loss):
        r.warnings.append(_infinite_reason(p, n_frames))
    with np.errstate(under="ignore"):
        return float(np.exp(prob_ln)), loss


def _full_trellis(
    p: CTCProblem,
    r: Result,
    log_probs: np.ndarray,
    target: np.ndarray,
    blank: int,
    ext: list[str],
    window: Window,
) -> tuple[float, float]:
    """Every cell computed (ctc_trace); the tables hold their window. Returns (ln p, loss)."""
    from rnnloss_cli.engine import ctc_trace

    tr = ctc_trace(log_probs, target, blank=blank)
    n_frames, n_ext = tr.log_alpha.shape
    frames, split = window_indices(n_frames, max(window.columns - 2, 2))
    head = split if split is not None else len(frames)
    la, lb = tr.log_alpha, tr.log_beta
    _alpha_beta_tables(r, la[frames], lb[frames], ext, frames, head, n_frames, window)
    grad_step = None
    if not float(tr.log_likelihood) < _UNDERFLOW_LN:
        _worked_alpha(p, r, la, log_probs, ext)
        grad_step = _worked_beta_and_grad(p, r, la, lb, log_probs, ext, float(tr.log_likelihood))
    grad = tr.grad_logits
    r.tables.append(
        Table.windowed(
            "gradient ∂loss/∂logits (softmax outputs y minus alignment occupancy)",
            n_frames,
            lambda t: [t + 1, *map(float, grad[t])],
            ["t", *p.symbols],
            window,
            optional="grad",
        )
    )
    _posterior_and_best(r, tr, log_probs, target, blank, ext, frames, head, window)
    final_logs = [float(tr.log_alpha[-1, s]) for s in range(max(0, n_ext - 2), n_ext)][::-1]
    names = "α_T(S') + α_T(S'−1)" if n_ext > 1 else "α_T(S')"
    ln_p = float(tr.log_likelihood)
    if ln_p < _UNDERFLOW_LN and math.isfinite(ln_p):
        finals: list[Any] = [LogNumber(v) for v in final_logs]
        value: Any = LogNumber(ln_p)
    else:
        with np.errstate(under="ignore"):
            finals = [float(v) for v in np.exp(final_logs)]
        value = float(math.fsum(finals))
    if n_ext > 1:
        r.steps.append(
            Step(
                "exact p(l|x)",
                names + " = {finals|+} = {value}",
                {"finals": finals, "value": value},
            )
        )
    else:  # the empty target: α_T(1) is the product of the blank's probabilities
        with np.errstate(under="ignore"):
            blanks = np.exp(log_probs[:, blank])
        r.steps.append(
            Step(
                "exact p(l|x), the all-blank alignment",
                "α_T(1) = Π_t y_t(blank) = {factors|*} = {value}",
                {"factors": terms(blanks), "value": value},
            )
        )
    if isinstance(value, LogNumber):
        r.steps.append(
            Step(
                "ln p(l|x) (the probability underflows a double)",
                "ln p(l|x) = {ln}",
                {"ln": ln_p},
                r"\ln p(l|x) = {ln}",
            )
        )
    loss = float(tr.loss)
    if isinstance(value, LogNumber) or not math.isfinite(loss):
        r.steps.append(
            Step("exact loss", "−ln p(l|x) = {loss}", {"loss": loss}, r"-\ln p(l|x) = {loss}")
        )
    else:
        r.steps.append(
            Step(
                "exact loss",
                "−ln p(l|x) = −ln {p} = {loss}",
                {"p": value, "loss": loss},
                r"-\ln p(l|x) = -\ln {p} = {loss}",
            )
        )
    if grad_step is not None:  # after p(l|x), which it divides by
        r.steps.append(grad_step)
    return ln_p, loss


def _posterior_and_best(
    r: Result,
    tr: Any,
    log_probs: np.ndarray,
    target: np.ndarray,
    blank: int,
    ext: list[str],
    frames: list[int],
    head: int,
    window: Window,
) -> None:
    """The posterior table (optional "posterior") and the Viterbi path's track.

    γ_t(s) = α_t(s) β_t(s) / (y_t(l'_s) p(l|x)): the share of p(l|x) of the alignments in
    state s at frame t (β here includes y_t(l'_s), as α does, so it is divided out once).
    Each alignment is in exactly one state per frame, so Σ_s γ_t(s) = 1 at every t.
    """
    from rnnloss_cli.solve.ctc_tracks import viterbi_track

    if not math.isfinite(tr.log_likelihood):
        return
    with np.errstate(divide="ignore"):
        lg = np.log(tr.posterior)  # the engine's γ_t(s); the table cells take logs
    r.tables.append(
        _trellis_table(
            "posterior γ_t(s) = α_t(s)·β_t(s) / (y_t(l'_s)·p(l|x)) (probabilities)",
            lambda s: lg[frames, s],
            ext,
            frames,
            head,
            lg.shape[0],
            window,
            "posterior",
        )
    )
    r.tables[-1].caption = "each column sums to 1: every alignment is in one state per frame"
    best = viterbi_track(log_probs, target, blank, ext, frames)
    if best is not None:
        r.tracks.append(best)


def _windowed_trellis(
    p: CTCProblem,
    r: Result,
    log_probs: np.ndarray,
    target: np.ndarray,
    blank: int,
    ext: list[str],
    window: Window,
) -> tuple[float, float]:
    """Loss from the loss-only pass; α, β and γ at the held frames only (the tables'
    window: the first and last frames). Returns (ln p, loss).

    α_t and β_t at those frames come from one pass over every frame that carries a single
    column (``engine._ctc_columns.kept_columns``), so no T x S' table is ever made.
    """
    from rnnloss_cli.engine import ctc_loss
    from rnnloss_cli.engine._ctc_columns import kept_columns

    n_frames, n_ext = log_probs.shape[0], len(ext)
    frames, split = window_indices(n_frames, max(window.columns - 2, 2))
    _check_held(len(frames), n_ext, window)
    loss = float(ctc_loss(log_probs, target, n_frames, len(target), blank=blank, reduction="sum"))
    head = split if split is not None else len(frames)
    ids = np.array([p.symbols.index(x) for x in ext], dtype=np.int64)
    with np.errstate(divide="ignore", invalid="ignore", under="ignore"):
        la, lb = kept_columns(log_probs, ids, blank, frames)
    alpha_table = _alpha_beta_tables(r, la, lb, ext, frames, head, n_frames, window)
    alpha_table.window_note = (
        f"α and β at the frames shown come from one forward and one backward pass over all "
        f"{n_frames:,} frames that keep only those columns; the loss comes from the "
        f"engine's loss-only pass (the trellis has {n_frames * n_ext:,} cells, more than "
        f"FULL_TRELLIS_MAX_CELLS = {FULL_TRELLIS_MAX_CELLS:,}, so it is not stored)"
    )
    if math.isfinite(loss):
        _windowed_posterior(r, la, lb, log_probs, ids, ext, frames, head, n_frames, window)
        _windowed_best(r, log_probs, target, blank, frames, n_ext)
    r.notes.append(
        f"the gradient table is not computed over {n_frames:,} frames (more than "
        f"FULL_TRELLIS_MAX_CELLS = {FULL_TRELLIS_MAX_CELLS:,} trellis cells: it needs the "
        "whole trellis)"
    )
    r.steps.append(
        Step(
            "exact p(l|x) (forward pass over every frame, one column kept)",
            "p(l|x) = e^(−loss) = {value}",
            {"value": LogNumber(-loss)},
            r"p(l|x) = e^{-\mathrm{loss}} = {value}",
        )
    )
    r.steps.append(
        Step("exact loss", "−ln p(l|x) = {loss}", {"loss": loss}, r"-\ln p(l|x) = {loss}")
    )
    return -loss, loss


def _check_held(n_held: int, n_ext: int, window: Window) -> None:
    """Refuse (a --window error) a window whose frames hold more than MAX_HELD_TRELLIS_CELLS
    trellis cells: each frame shown holds all S' states, whichever rows are shown."""
    from rnnloss_cli.flags import flag_error

    if n_held * n_ext <= MAX_HELD_TRELLIS_CELLS:
        return
    most = MAX_HELD_TRELLIS_CELLS // n_ext + 2  # the frames, and the columns s and l'_s
    raise flag_error(
        f"{window.rows}x{window.columns} shows {n_held:,} frames of the CTC trellis, and "
        f"each holds all its S' = {n_ext:,} states: {n_held * n_ext:,} cells, more than "
        f"MAX_HELD_TRELLIS_CELLS = {MAX_HELD_TRELLIS_CELLS:,}; ask for at most {most:,} "
        f"columns (e.g. --window {window.rows}x{most})",
        "--window",
    )


def _windowed_best(
    r: Result,
    log_probs: np.ndarray,
    target: np.ndarray,
    blank: int,
    frames: list[int],
    n_ext: int,
) -> None:
    """The best (Viterbi) path's track at the held ``frames`` (the engine's
    ``_ctc_columns.kept_viterbi``: one pass, one-byte back-pointers), up to
    BEST_PATH_MAX_CELLS trellis cells; above, a note (and the figure's caption) says why not."""
    from rnnloss_cli.engine._ctc_columns import kept_viterbi

    n_frames = log_probs.shape[0]
    cells = n_frames * n_ext
    if cells > BEST_PATH_MAX_CELLS:
        r.best_path_missing = (
            f"reading it back takes one byte per trellis cell, {cells:,} here, more than "
            f"BEST_PATH_MAX_CELLS = {BEST_PATH_MAX_CELLS:,}"
        )
        r.notes.append(f"the best (Viterbi) path is not drawn: {r.best_path_missing}")
        return
    kept = kept_viterbi(log_probs, target, blank, frames)
    if kept is None:
        return
    states, ln_best = kept
    prob: float | LogNumber = math.exp(ln_best) if ln_best > -700.0 else LogNumber(ln_best)
    r.tracks.append(
        Track(
            "best path (Viterbi)",
            list(frames),
            [int(s) for s in states],
            True,
            None,
            n_frames,
            best=True,
            probability=prob,
        )
    )


def _windowed_posterior(
    r: Result,
    la: np.ndarray,
    lb: np.ndarray,
    log_probs: np.ndarray,
    ids: np.ndarray,
    ext: list[str],
    frames: list[int],
    head: int,
    n_frames: int,
    window: Window,
) -> None:
    """The posterior table (``--show posterior``) at the held frames: γ_t(s) = α_t(s) β_t(s)
    / (y_t(l'_s) p(l|x)), each frame divided by its own Σ_s α_t(s) β_t(s) / y_t(l'_s) (which
    is p(l|x) at every t), so each column sums to 1 as the engine's does."""
    from rnnloss_cli.engine._ctc_columns import kept_posterior

    lg = kept_posterior(la, lb, log_probs[frames][:, ids])
    r.tables.append(
        _trellis_table(
            "posterior γ_t(s) = α_t(s)·β_t(s) / (y_t(l'_s)·p(l|x)) (probabilities)",
            lambda s: lg[:, s],
            ext,
            frames,
            head,
            n_frames,
            window,
            "posterior",
        )
    )
    r.tables[-1].caption = "each column sums to 1: every alignment is in one state per frame"


def _coverage(p: CTCProblem, lc: ListedCTC, prob: float, r: Result) -> None:
    """Share of the exact probability covered by the (distinct, valid) listed alignments."""
    n_frames = p.frame_probs.shape[0] if p.frame_probs is not None else None
    if (
        not lc.equal_lengths
        or lc.lengths[0] != n_frames
        or not lc.distributions
        or lc.mismatched
        or not (prob > 0)
    ):
        return
    seen: dict[tuple, float] = {}
    for a in lc.alignments:
        if a.valid:
            seen[a.path] = a.symbol_product
    covered = math.fsum(seen.values())
    if len(seen) == len(lc.alignments):  # every listed alignment, once: the listed sum P
        text, values = "P / p(l|x) = {covered} / {exact} = {share}", {"covered": covered}
    else:  # some left out (not valid) or listed again: their products, each path once
        text, values = "({terms|+}) / {exact} = {share}", {"terms": terms(list(seen.values()))}
    label = "share of p(l|x) the listed alignments cover" + (
        "" if len(seen) == len(lc.alignments) else " (each valid alignment once)"
    )
    r.steps.append(Step(label, text, {**values, "exact": prob, "share": covered / prob}))
    total = _path_count_text(p.target, n_frames)
    some = f"{len(seen)} distinct valid listed alignment" + ("s are" if len(seen) != 1 else " is")
    frames = "1 frame" if n_frames == 1 else f"{n_frames:,} frames"
    every = "the only alignment" if total == "1" else f"{len(seen)} of the {total} alignments"
    # the share itself is on its line, at --precision with the derivation's digits (a
    # percentage here could only have digits of its own: 28.6% beside the line's 0.29)
    r.notes.append(
        f'the {some} {every} of {_target_word(p)} over {frames}; the line "{label}" '
        "gives the part of the exact probability they hold"
    )


def _path_count_text(target: tuple[str, ...], n_frames: int) -> str:
    """How many alignments ``target`` has over ``n_frames``, written out up to 15 digits,
    else as a power of ten (the count can have thousands of digits)."""
    from rnnloss_cli.engine.alignments import ctc_path_count, ctc_path_count_log10

    log10 = ctc_path_count_log10(list(target), n_frames)
    if log10 < 15:
        return f"{ctc_path_count(list(target), n_frames):,}"
    return f"about 10^{log10:,.0f}"


def solve_ctc(p: CTCProblem, *, window: Window | None = None) -> Result:
    """Listed and/or exact CTC; ``loss`` follows ``method``, both appear as figures.

    Tables are held over ``window`` (default: the limits' table size) only.
    """
    window = window or Window()
    r = Result("ctc", p.meta.title, math.nan, formula=FORMULA)
    figures: dict[str, float] = {}
    lc = None
    if p.alignments:
        lc = _listed_part(p, r, window)
        figures["listed"] = lc.loss
        figures["valid_only"] = lc.valid_loss
    if p.frame_probs is not None:
        prob, loss = _exact_part(p, r, window)
        figures["exact"] = loss
        if lc is not None:
            _coverage(p, lc, prob, r)
    elif p.exact_reason and lc is not None and lc.distributions:
        r.notes.append(f"exact CTC not computed: {p.exact_reason}")
    r.loss = figures["listed"] if p.method == "listed" else figures["exact"]
    r.figures = {"loss": r.loss, **figures}
    return finalize(p.meta, r)
