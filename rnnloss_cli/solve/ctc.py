"""Solver for kind: ctc — the handout's listed alignments, exact CTC, and the audit between them.

Listed: P = Σ_{π listed} Π_t y_t(π_t), loss = −ln P (the exercise as posed), with a table of
alignments, their collapse B(π) (merge repeats, then drop blanks) and products.
Exact: p(l|x) = α_T(S') + α_T(S'−1) from the forward trellis over the blank-interleaved
labels l' (Graves et al. 2006), loss = −ln p(l|x); β and ∂loss/∂logits on request.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from rnnloss_cli.engine.alignments import ListedCTC, ctc_listed, min_frames
from rnnloss_cli.problem.ctc import CTCProblem
from rnnloss_cli.result import Result, Step, Table
from rnnloss_cli.solve.common import finalize

FORMULA = Step(
    "formula",
    "CTC loss = −ln p(l|x),  p(l|x) = Σ_{π : B(π) = l} Π_t y_t(π_t)",
    {},
    r"-\ln p(l|x),\quad p(l|x) = \sum_{\pi:\,\mathcal{B}(\pi)=l}\ \prod_t y^t_{\pi_t}",
)


def _word(symbols: tuple[Any, ...] | list[Any]) -> str:
    items = [str(s) for s in symbols]
    return "".join(items) if all(len(s) == 1 for s in items) else " ".join(items)


def _g(x: float) -> str:
    return f"{x:.4g}"


def _listed_probs(p: CTCProblem) -> Any:
    """The probabilities the listed method reads: the constant mapping, or one per frame."""
    if p.probs is not None:
        return p.probs
    assert p.frame_probs is not None
    return [dict(zip(p.symbols, map(float, row), strict=True)) for row in p.frame_probs]


def _listed_part(p: CTCProblem, r: Result) -> ListedCTC:
    lc = ctc_listed(p.target, p.alignments, _listed_probs(p), blank=p.blank, factors=p.factors)
    target = _word(p.target)
    rows: list[list[Any]] = []
    styles: dict[tuple[int, int], str] = {}
    for i, a in enumerate(lc.alignments):
        rows.append(
            [
                i + 1,
                _word(a.path),
                _word(a.collapsed) or "(empty)",
                "yes" if a.valid else "no",
                len(a.path),
                " × ".join(f"{x:g}" for x in a.factors),
                a.product,
            ]
        )
        styles[(i, 3)] = "good" if a.valid else "bad"
        if not a.valid:
            styles[(i, 2)] = "bad"
    r.tables.append(
        Table(
            "listed alignments",
            ["#", "alignment π", "B(π)", f"valid for {target}?", "frames", "factors", "product"],
            rows,
            styles,
            caption="B(π): merge repeated symbols, then drop blanks",
        )
    )
    for i, a in enumerate(lc.alignments):
        r.steps.append(
            Step(
                f"alignment {i + 1}: {_word(a.path)}",
                "{factors|*} = {product}",
                {"factors": list(a.factors), "product": a.product},
            )
        )
    r.steps.append(
        Step(
            "sum over the listed alignments",
            "P = {terms|+} = {value}",
            {"terms": [a.product for a in lc.alignments], "value": lc.total},
        )
    )
    r.steps.append(
        Step(
            "listed loss",
            "−ln P = −ln {p} = {loss}",
            {"p": lc.total, "loss": lc.loss},
            r"-\ln {p} = {loss}",
        )
    )
    if lc.invalid:
        valid = [a for a in lc.alignments if a.valid]
        r.steps.append(
            Step(
                "valid alignments only",
                ("P = {terms|+} = {value}" if valid else "P = 0") + ";  −ln P = {loss}",
                {
                    "terms": [a.product for a in valid],
                    "value": lc.valid_total,
                    "loss": lc.valid_loss,
                },
                ("P = {terms|+} = {value}" if valid else "P = 0") + r";\quad -\ln P = {loss}",
            )
        )
    _listed_warnings(p, lc, r)
    return lc


def _listed_warnings(p: CTCProblem, lc: ListedCTC, r: Result) -> None:
    target = _word(p.target)
    for i in lc.invalid:
        a = lc.alignments[i]
        r.warnings.append(
            f"alignment {i + 1}, {_word(a.path)}, collapses to {_word(a.collapsed) or '(empty)'}"
            f", not {target}: {a.reason}. It is not an alignment of {target}; without it the "
            f"sum is {_g(lc.valid_total)} (loss {_g(lc.valid_loss)}, figure valid_only)."
        )
    for i in lc.mismatched:
        a = lc.alignments[i]
        r.warnings.append(
            f"alignment {i + 1}, {_word(a.path)}: the factors given for it, "
            f"{' × '.join(f'{x:g}' for x in a.factors)} = {_g(a.product)}, are not the "
            f"probabilities of its symbols frame by frame, "
            f"{' × '.join(f'{x:g}' for x in a.symbol_factors)} = {_g(a.symbol_product)}; "
            "the listed sum uses the factors as given."
        )
    if not lc.equal_lengths:
        lengths = ", ".join(str(n) for n in lc.lengths)
        r.warnings.append(
            f"the alignments have unequal lengths ({lengths} frames): every CTC path has one "
            "symbol per input frame, so the alignments of one input all have the same length."
        )
    if p.probs is not None and not lc.distributions:
        terms = ", ".join(f"P({s}) = {v:g}" for s, v in p.probs.items())
        r.warnings.append(
            f"the per-frame probabilities {terms} sum to {lc.frame_sums[0]:.6g}, not 1: "
            "they are not a distribution over the symbols, so no exact CTC probability exists "
            "for these numbers; the listed sum is the exercise as posed, not p(l|x)."
        )


def _trellis_table(
    title: str, values: np.ndarray, ext: list[str], dim: np.ndarray, optional: str | None
) -> Table:
    n_frames = values.shape[0]
    rows = [[s + 1, ext[s], *map(float, values[:, s])] for s in range(len(ext))]
    styles = {(int(s), 2 + int(t)): "dim" for t, s in np.argwhere(dim)}
    return Table(
        title,
        ["s", "l'_s", *[f"t={t + 1}" for t in range(n_frames)]],
        rows,
        styles,
        optional=optional,
    )


def _infinite_reason(p: CTCProblem, n_frames: int) -> str:
    target = _word(p.target)
    need, repeats = min_frames(p.target)
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


def _exact_part(p: CTCProblem, r: Result) -> tuple[float, float]:
    """Forward trellis, final sum and loss; returns (p(l|x), loss)."""
    from rnnloss_cli.engine import ctc_trace, log_softmax

    assert p.frame_probs is not None
    if p.logits is not None:
        log_probs = log_softmax(p.logits, axis=1)
    else:
        with np.errstate(divide="ignore"):
            log_probs = np.log(p.frame_probs)
    blank = p.symbols.index(p.blank)
    target = np.array([p.symbols.index(s) for s in p.target], dtype=np.int64)
    tr = ctc_trace(log_probs, target, blank=blank)
    ext = [p.symbols[int(i)] for i in np.asarray(tr.labels_ext)]
    n_frames, n_ext = np.asarray(tr.log_alpha).shape
    alpha = np.exp(np.asarray(tr.log_alpha, dtype=float))
    beta = np.exp(np.asarray(tr.log_beta, dtype=float))
    r.steps.append(
        Step(
            "forward recursion",
            "α_t(s) = (α_{t−1}(s) + α_{t−1}(s−1) [+ α_{t−1}(s−2) when l'_s ≠ blank and "
            "l'_s ≠ l'_{s−2}]) · y_t(l'_s),  α_1(1) = y_1(blank), α_1(2) = y_1(l_1)",
        )
    )
    r.steps.append(
        Step(
            "extended labels",
            f"l' = {' '.join(ext)}  (blank between labels and at both ends: "
            f"S' = 2·{len(p.target)} + 1 = {n_ext})",
        )
    )
    alpha_table = _trellis_table(
        "forward trellis α_t(s) (probabilities)", alpha, ext, ~np.asarray(tr.reachable), None
    )
    for s in range(max(0, n_ext - 2), n_ext):
        alpha_table.styles[(s, 2 + n_frames - 1)] = "highlight"
    alpha_table.caption = "dim: unreachable; highlighted: the two final cells"
    r.tables.append(alpha_table)
    r.tables.append(
        _trellis_table(
            "backward trellis β_t(s) (probabilities)", beta, ext, ~np.asarray(tr.reachable), "beta"
        )
    )
    grad = np.asarray(tr.grad_logits, dtype=float)
    r.tables.append(
        Table(
            "gradient ∂loss/∂logits (softmax outputs y minus alignment occupancy)",
            ["t", *p.symbols],
            [[t + 1, *map(float, grad[t])] for t in range(n_frames)],
            optional="grad",
        )
    )
    finals = [float(alpha[-1, s]) for s in range(max(0, n_ext - 2), n_ext)][::-1]
    prob = float(math.fsum(finals))
    loss = float(tr.loss)
    names = "α_T(S') + α_T(S'−1)" if n_ext > 1 else "α_T(S')"
    r.steps.append(
        Step(
            "exact p(l|x)",
            names + " = {finals|+} = {value}",
            {"finals": finals, "value": prob},
        )
    )
    r.steps.append(
        Step("exact loss", "−ln p(l|x) = {loss}", {"loss": loss}, r"-\ln p(l|x) = {loss}")
    )
    if not math.isfinite(loss):
        r.warnings.append(_infinite_reason(p, n_frames))
    return prob, loss


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
    from rnnloss_cli.engine.alignments import ctc_path_count

    seen: dict[tuple, float] = {}
    for a in lc.alignments:
        if a.valid:
            seen[a.path] = a.symbol_product
    covered = math.fsum(seen.values())
    r.steps.append(
        Step(
            "share of p(l|x) the listed alignments cover",
            "{covered} / {exact} = {share}",
            {"covered": covered, "exact": prob, "share": covered / prob},
        )
    )
    total_paths = ctc_path_count(list(p.target), n_frames)
    r.notes.append(
        f"the {len(seen)} distinct valid listed alignment(s) are {len(seen)} of the "
        f"{total_paths} alignments of {_word(p.target)} over {n_frames} frames and cover "
        f"{100 * covered / prob:.1f}% of the exact probability"
    )


def solve_ctc(p: CTCProblem) -> Result:
    """Listed and/or exact CTC; ``loss`` follows ``method``, both appear as figures."""
    r = Result("ctc", p.meta.title, math.nan, formula=FORMULA)
    figures: dict[str, float] = {}
    lc = None
    if p.alignments:
        lc = _listed_part(p, r)
        figures["listed"] = lc.loss
        figures["valid_only"] = lc.valid_loss
    if p.frame_probs is not None:
        prob, loss = _exact_part(p, r)
        figures["exact"] = loss
        if lc is not None:
            _coverage(p, lc, prob, r)
    elif p.exact_reason and lc is not None and lc.distributions:
        r.notes.append(f"exact CTC not computed: {p.exact_reason}")
    r.loss = figures["listed"] if p.method == "listed" else figures["exact"]
    r.figures = {"loss": r.loss, **figures}
    return finalize(p.meta, r)
