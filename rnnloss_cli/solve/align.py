"""Solver for kind: ctc_align — CTC forced alignment by Viterbi, against the full CTC sum.

δ_t(s) = y_t(l'_s) · max(δ_{t−1}(s), δ_{t−1}(s−1), δ_{t−1}(s−2)) over the extended labels l'
(the s−2 move only into a label that differs from l'_{s−2}), read back through the
back-pointers from the better of the last label and the final blank. The best alignment's
probability p(π*) is compared with p(l|x), the sum over every alignment (the CTC loss is
−ln p(l|x)). Numbers come from ``engine.ctc_viterbi_trace``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from rnnloss_cli.errors import ProblemError
from rnnloss_cli.limits import FULL_TRELLIS_MAX_CELLS
from rnnloss_cli.problem.align import AlignProblem, Frames
from rnnloss_cli.result import LogNumber, Result, Step, Table, Window, terms, window_indices
from rnnloss_cli.solve._beyond import (
    EMPTY,
    add_key_checks,
    cut_word,
    grid_table,
    lead,
    prob_cell,
    word,
)
from rnnloss_cli.solve.common import ProbabilityFigure, finalize

FORMULA = Step(
    "formula",
    "π* = argmax_{π : B(π) = l} Π_t y_t(π_t),  δ_t(s) = y_t(l'_s) · max(δ_{t−1}(s), "
    "δ_{t−1}(s−1), δ_{t−1}(s−2));  CTC loss = −ln p(l|x) = −ln Σ_{π : B(π) = l} Π_t y_t(π_t)",
    {},
    r"\pi^* = \arg\max_{\pi:\,\mathcal{B}(\pi)=l} \prod_t y_t(\pi_t),\quad "
    r"\delta_t(s) = y_t(l'_s)\max(\delta_{t-1}(s), \delta_{t-1}(s-1), \delta_{t-1}(s-2));\quad "
    r"\text{CTC loss} = -\ln p(l|x) = -\ln \sum_{\pi:\,\mathcal{B}(\pi)=l} \prod_t y_t(\pi_t)",
)

MOVES = {0: "stay", 1: "s−1", 2: "s−2"}

#: What aligning an empty target means: it is not refused, it has one alignment.
EMPTY_TARGET = (
    "S = 0: l' is the blank alone (S' = 1), so the only alignment, hence the best one, is all "
    "blanks: π* = the blank at every frame, p(π*) = p(l|x) = Π_t y_t(blank)"
)


def emissions_table(fr: Frames, window: Window, highlight: Any = None) -> Table:
    """The givens: y_t(k) per frame, with ``highlight(t, k)`` marking cells."""
    n_frames, n_sym = fr.probs.shape
    return grid_table(
        "given: per-frame probabilities y_t(k)"
        + (" (softmax of the logits)" if fr.from_logits else ""),
        n_frames,
        lambda t: [t + 1],
        ["t"],
        n_sym,
        lambda t, ks: [float(fr.probs[t, k]) for k in ks],
        lambda k: fr.symbols[k],
        window,
        styles=highlight,
    )


def feasibility_step(n_frames: int, n_labels: int, repeats: int, need: int) -> Step:
    """The frame-count rule T ≥ S + adjacent repeats, with the numbers."""
    ok = n_frames >= need
    if not ok:
        fits = ": no alignment fits, so p(l|x) = 0 and the loss is infinite"
    elif n_frames == need or n_labels == 0:  # the empty target: the blank at every frame
        fits = ": exactly one alignment fits (every frame forced)"
    else:
        fits = ": some alignment fits"
    return Step(
        "frames needed",
        f"T = {n_frames} {'≥' if ok else '<'} S + repeats = {n_labels} + {repeats} = {need}" + fits,
    )


def _refuse_undefined_keys(p: AlignProblem, reason: str) -> None:
    """A key for the gap or the share when no alignment fits: both compare p(π*) with
    p(l|x), and both are 0, so the figure is 0/0 (ln 0 − ln 0): say so, not "no figure"."""
    for name in ("gap", "share"):
        if p.meta.answer and name in p.meta.answer:
            raise ProblemError(
                f"the key gives {name}, which is undefined for this problem: {reason}; "
                "p(π*) = p(l|x) = 0, so ln p(l|x) − ln p(π*) and p(π*) / p(l|x) are 0/0 "
                "(key best: 0, total: 0 and the loss instead)",
                file=p.meta.file,
                line=p.meta.answer_lines.get(name),
                field=f"answer.{name}",
            )


def _forward_sum(
    p: AlignProblem,
    fr: Frames,
    target_idx: np.ndarray,
    state_keys: Any,
    last: list[int],
    total: Any,
    r: Result,
    window: Window,
    worked: list[Step],
) -> Step:
    """p(l|x) by the forward algorithm: with a trellis of at most FULL_TRELLIS_MAX_CELLS, the
    α table is shown and p(l|x) summed from its two final cells (each worked from the column
    before it, appended to ``worked``); else the figure alone."""
    label = "p(l|x), every alignment (forward algorithm, sum in place of max)"
    n_frames, n_ext = fr.log_probs.shape[0], 2 * len(p.target) + 1
    if n_frames * n_ext > FULL_TRELLIS_MAX_CELLS:
        return Step(label, "p(l|x) = {total}", {"total": total})
    from rnnloss_cli.engine import ctc_trace

    alpha = ctc_trace(fr.log_probs, target_idx, blank=fr.symbols.index(fr.blank)).log_alpha
    r.tables.append(
        grid_table(
            "forward table α_t(s) (probabilities of every partial alignment, summed)",
            n_ext,
            state_keys,
            ["s", "l'_s"],
            n_frames,
            lambda s, ts: [prob_cell(float(alpha[t, s])) for t in ts],
            lambda t: f"t={t + 1}",
            window,
            caption="α_t(s) = y_t(l'_s) · (α_{t−1}(s) + α_{t−1}(s−1) + α_{t−1}(s−2) when "
            "l'_s ≠ blank and l'_s ≠ l'_{s−2})",
        )
    )
    ext = [fr.symbols[k] for k in _extended(target_idx, fr.symbols.index(fr.blank))]
    if n_frames > 1:  # the two final cells, each from the column before it (after the rest)
        for s in sorted(last, reverse=True):
            worked.append(
                _worked_cell("α", s, ext, fr.blank, n_frames, alpha, fr.log_probs, fr.symbols)
            )
    names = " + ".join(f"α_T({s + 1})" for s in last)
    if len(last) == 1:  # the one final state (the empty target): no sum to write out
        return Step(label, f"p(l|x) = {names} = {{total}}", {"total": total})
    return Step(
        label,
        f"p(l|x) = {names} = {{ends|+}} = {{total}}",
        {"ends": [prob_cell(float(alpha[-1, s])) for s in last], "total": total},
    )


def _extended(target_idx: np.ndarray, blank: int) -> list[int]:
    """l' as symbol indices: a blank before, between and after the labels."""
    out = [blank]
    for k in target_idx.tolist():
        out += [int(k), blank]
    return out


def _predecessors(s: int, ext: list[str], blank: str) -> list[int]:
    """The states a path reaches s from: s, s−1, and s−2 when l'_s is a label other than
    l'_{s−2} (0-based, those that exist)."""
    prev = [s, s - 1]
    if s >= 2 and ext[s] != blank and ext[s] != ext[s - 2]:
        prev.append(s - 2)
    return [q for q in prev if q >= 0]


def _worked_cell(
    name: str,
    s: int,
    ext: list[str],
    blank: str,
    n_frames: int,
    table: np.ndarray,
    log_probs: np.ndarray,
    symbols: tuple[str, ...],
    how: str = "+",
) -> Step:
    """Cell (T, s) of the α table (``how`` "+": a sum) or the Viterbi table (``how`` "max")
    worked from the column before it, e.g. α_4(5) = (α_3(5) + α_3(4)) · y_4(-) = (0.042 +
    0.38) · 0.4 = 0.1688; the tables hold logs, printed here as probabilities."""
    T = n_frames
    prev = _predecessors(s, ext, blank)
    cells = [prob_cell(float(table[T - 2, q])) for q in prev]
    y = prob_cell(float(log_probs[T - 1, symbols.index(ext[s])]))
    values = {"terms": cells, "y": y, "value": prob_cell(float(table[T - 1, s])), "k": ext[s]}
    names = [f"{name}_{T - 1}({q + 1})" for q in prev]
    if how == "+" and len(prev) == 1:
        text = f"{name}_{T}({s + 1}) = {names[0]} · y_{T}({{k}}) = {{terms|+}} · {{y}} = {{value}}"
    elif how == "+":
        text = f"{name}_{T}({s + 1}) = ({' + '.join(names)}) · y_{T}({{k}}) = "
        text += "({terms|+}) · {y} = {value}"
    elif len(prev) == 1:  # one way in (the empty target's single state): no max to take
        text = f"{name}_{T}({s + 1}) = y_{T}({{k}}) · {names[0]} = {{y}} · {{terms|, }} = {{value}}"
    else:
        text = f"{name}_{T}({s + 1}) = y_{T}({{k}}) · max({', '.join(names)}) = "
        text += "{y} · max({terms|, }) = {value}"
    what = "on the best alignment" if how == "max" else "summed for p(l|x)"
    return Step(f"worked cell {name}_{T}({s + 1}), {what}", text, values)


def _spans_table(tr: Any, sym: tuple[str, ...], window: Window) -> Table:
    """Each label's frames on the best path, with its mean probability there."""
    spans = tr.spans
    return Table.windowed(
        "token spans on π*",
        len(spans),
        lambda i: [
            word([sym[spans[i].label]]),
            spans[i].first + 1,
            spans[i].last + 1,
            spans[i].last - spans[i].first + 1,
            spans[i].mean_prob,
        ],
        ["label", "first frame", "last frame", "frames", "mean y_t(label)"],
        window,
    )


def solve_align(p: AlignProblem, *, window: Window | None = None) -> Result:
    """Viterbi table, back-pointers, best path, token spans, and the gap to p(l|x)."""
    from rnnloss_cli.engine import ctc_viterbi_trace

    window = window or Window()
    fr = p.frames
    sym = fr.symbols
    target_idx = np.array([sym.index(s) for s in p.target], dtype=np.int64)
    tr = ctc_viterbi_trace(fr.log_probs, target_idx, blank=sym.index(fr.blank))
    n_frames, n_ext = tr.log_delta.shape
    ext = [sym[k] for k in tr.labels_ext]
    r = Result("ctc_align", p.meta.title, math.inf, formula=FORMULA)
    on_path = set(zip(range(n_frames), tr.states.tolist(), strict=True)) if tr.feasible else set()
    path_sym = {t: int(tr.path[t]) for t in range(n_frames)} if tr.feasible else {}
    r.tables.append(
        emissions_table(fr, window, lambda t, k: "highlight" if path_sym.get(t) == k else None)
    )
    r.tables[-1].legend = {"highlight": "the symbol the best alignment π* takes at frame t"}
    r.steps.append(
        Step(
            "target and extended labels",
            f"l = {word(p.target) or EMPTY};  l' = {' '.join(ext) if n_ext <= 33 else '…'}"
            f"  (S' = 2S + 1 = 2·{len(p.target)} + 1 = {n_ext} state{'s' if n_ext > 1 else ''}, "
            f"with S = {len(p.target)} label{'' if len(p.target) == 1 else 's'} in l)",
        )
    )
    r.steps.append(feasibility_step(n_frames, len(p.target), tr.repeats, tr.min_frames))
    if p.target:
        recursion = (
            "δ_1(1) = y_1(blank), δ_1(2) = y_1(l_1);  δ_t(s) = y_t(l'_s) · max(δ_{t−1}(s), "
            "δ_{t−1}(s−1), δ_{t−1}(s−2) when l'_s ≠ blank and l'_s ≠ l'_{s−2});  ψ_t(s) "
            "records which (stay, s−1, s−2)"
        )
    else:
        r.steps.append(Step("empty target", EMPTY_TARGET))
        recursion = "δ_1(1) = y_1(blank);  δ_t(1) = y_t(blank) · δ_{t−1}(1) (one state: stay)"
    r.steps.append(Step("Viterbi recursion", recursion))
    delta, back = tr.log_delta, tr.back_pointers

    def state_keys(s: int) -> list[Any]:
        return [s + 1, ext[s]]

    def mark(s: int, t: int) -> str | None:
        if (t, s) in on_path:
            return "highlight"
        return "dim" if not np.isfinite(delta[t, s]) else None

    r.tables.append(
        grid_table(
            "Viterbi table δ_t(s) (probabilities of the best partial alignment)",
            n_ext,
            state_keys,
            ["s", "l'_s"],
            n_frames,
            lambda s, ts: [prob_cell(float(delta[t, s])) for t in ts],
            lambda t: f"t={t + 1}",
            window,
            styles=mark,
        )
    )
    # by style, so each output names its own mark: piped "*: the best alignment; 0:
    # unreachable", a colour terminal "highlighted: …; dim: …" (a fixed caption said
    # "highlighted" beside the piped stars)
    r.tables[-1].legend = {"highlight": "the best alignment", "dim": "unreachable"}
    from rnnloss_cli.solve.ctc_tracks import best_track

    held, _ = window_indices(n_frames, max(window.columns - 2, 2))  # the δ table's frames
    best = best_track(tr, ext, held)
    if best is not None:
        r.tracks.append(best)  # drawn over the Viterbi trellis on an HTML page
    r.tables.append(
        grid_table(
            "back-pointers ψ_t(s) (the move into each cell on its best partial alignment)",
            n_ext,
            state_keys,
            ["s", "l'_s"],
            n_frames,
            lambda s, ts: [
                MOVES.get(int(back[t, s]), "start" if t == 0 and np.isfinite(delta[t, s]) else "")
                for t in ts
            ],
            lambda t: f"t={t + 1}",
            window,
            styles=mark,
        )
    )
    # its unreachable cells are empty (no move), so only the starred path needs a word
    r.tables[-1].legend = {"highlight": "the best alignment"}
    total = prob_cell(tr.log_likelihood)
    loss = -tr.log_likelihood
    # cells of the δ and α tables worked from the column before them: after the loss, so
    # the derivation's own lines read on without them
    worked: list[Step] = []
    figures: dict[str, float] = {}
    path_text = ""
    if not tr.feasible:
        _refuse_undefined_keys(p, tr.reason or "no alignment has positive probability")
        r.warnings.append(tr.reason or "no alignment has positive probability")
        r.notes.append(
            "PyTorch's ctc_loss(zero_infinity=True) would report this loss as 0 with a zero "
            "gradient: it hides that no alignment fits, it does not make the target likely"
        )
        r.steps.append(Step("best alignment", "none: every alignment has probability 0"))
        figures.update(best=0.0, total=0.0)
    else:
        last = [n_ext - 1, n_ext - 2] if n_ext > 1 else [0]
        ends = [prob_cell(float(delta[-1, s])) for s in last]
        if n_frames > 1:  # the best path's last cell, from the column before it
            end = int(tr.states[-1])
            worked.append(
                _worked_cell("δ", end, ext, fr.blank, n_frames, delta, fr.log_probs, sym, "max")
            )
        r.steps.append(
            Step(
                "end",
                "max(δ_T(S'), δ_T(S'−1)) = max({ends|,}) = {best}, in state "
                + str(tr.states[-1] + 1)
                if n_ext > 1
                else "δ_T(1) = {ends|,}, the one final state",
                {"ends": ends, "best": prob_cell(float(delta[-1, int(tr.states[-1])]))},
            )
        )
        path_text = word([sym[k] for k in tr.path])
        r.steps.append(
            Step(
                "best alignment π* (back through ψ)",
                "states {states| }: π* = {path}",
                {
                    "states": terms((tr.states + 1).tolist()),
                    "path": cut_word([sym[k] for k in tr.path]),  # the key compares it whole
                },
            )
        )
        best = prob_cell(tr.best_log_prob)
        r.steps.append(
            Step(
                "p(π*)",
                "{factors|*} = {value}",
                {"factors": terms(np.exp(tr.scores)), "value": best},
            )
        )
        if not tr.spans:  # the empty target: no label, so no span (and no empty table)
            r.steps.append(Step("token spans on π*", "none: π* is all blanks, it emits no label"))
        else:
            r.tables.append(_spans_table(tr, sym, window))
        r.steps.append(_forward_sum(p, fr, target_idx, state_keys, last, total, r, window, worked))
        # each log on a line of its own, from the probability printed before it, so that
        # the digits plan gives p(l|x) and p(π*) the digits their logs need (ln 0.49 =
        # -0.713, not the -0.716 of ln 0.4888); one relation a line, so that a log that
        # needs guard digits does not hand them to the other
        for name, p_value, ln_value in (
            ("ln p(l|x)", total, tr.log_likelihood),
            ("ln p(π*)", best, tr.best_log_prob),
        ):
            r.steps.append(Step(name, "ln {p} = {ln}", {"p": p_value, "ln": ln_value}))
        # one alignment fits (the empty target: all blanks; T = S + repeats: every frame
        # forced), so p(l|x) = p(π*) by definition; the table's sum and the path's product
        # round differently (1.18e-11 nats over 700 frames), and that is no gap
        only = not p.target or n_frames == tr.min_frames
        gap, share = (0.0, 1.0) if only else (tr.gap, tr.best_share)
        r.steps.append(
            Step(
                "gap between the best alignment and the sum",
                "one alignment fits, so p(l|x) = p(π*): ln p(l|x) − ln p(π*) = {gap} nats"
                if only
                # the two logs written out: p(π*) and p(l|x) print rounded (1.00e-450), and
                # a student redoing the gap from them would not get its digits
                else "ln p(l|x) − ln p(π*) = {total} − "
                + ("({best})" if tr.best_log_prob < 0 else "{best}")  # 0 − 0, not 0 − (0)
                + " = {gap} nats",
                {"total": tr.log_likelihood, "best": tr.best_log_prob, "gap": gap},
            )
        )
        # the two probabilities as operands where they print as plain numbers; printed from
        # their logs (below a double) they hold fewer digits than the share, which is
        # e^(−gap) from the logs above
        plain = not isinstance(best, LogNumber) and not isinstance(total, LogNumber)
        r.steps.append(
            Step(
                "share of the best alignment",
                "p(π*) / p(l|x) = {best} / {total} = {share}"
                if plain
                else "p(π*) / p(l|x) = e^(−gap) = {share}",
                {"best": best, "total": total, "share": share} if plain else {"share": share},
            )
        )
        figures.update(
            # from their logs: (1/3)^2000 is 0 as a double, beside a finite loss
            best=ProbabilityFigure(tr.best_log_prob),
            total=ProbabilityFigure(tr.log_likelihood),
            gap=gap,
            share=share,
        )
        # the share itself is on its line, at --precision with the derivation's digits (a
        # percentage here could only have digits of its own: 17.9% beside the line's 0.2)
        r.notes.append(
            "the CTC loss sums over every alignment; the best one alone (what forced alignment "
            'and Viterbi training use) holds the part of p(l|x) on the line "share of the best '
            'alignment"'
        )
    if math.isfinite(loss):  # p(l|x) as an operand: the digits plan gives it what −ln needs
        r.steps.append(
            Step("CTC loss", "−ln p(l|x) = −ln {p} = {loss}", {"p": total, "loss": loss})
        )
    else:
        r.steps.append(Step("CTC loss", "−ln p(l|x) = {loss}", {"loss": loss}))
    r.steps += worked
    r.loss = loss
    r.figures = {"loss": loss, **figures}
    lead(r, "target and extended labels", "frames needed", "empty target", "Viterbi recursion")
    finalize(p.meta, r)
    add_key_checks(r, p.keys, p.meta.tolerance, {"path": path_text})
    return r
