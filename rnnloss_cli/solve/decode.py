"""Solver for kind: ctc_decode — greedy (best-path) decoding against CTC prefix beam search.

Greedy: π* = argmax_k y_t(k) per frame, then the collapse B(π*). Beam search keeps, per
prefix l, p_b(l) (alignments ending in blank) and p_nb(l) (ending in l's last label):
blank adds (p_b + p_nb)·y_t(blank) to p_b(l); the last label again adds p_nb·y_t(k) to p_nb(l)
(a repeat merges) and p_b·y_t(k) to p_nb(l + k); another label adds (p_b + p_nb)·y_t(k) to
p_nb(l + k); the ``beam`` most probable prefixes are kept. Numbers from
``engine.ctc_beam_search``. With a lexicon, only prefixes of its words (separated by the
separator symbol) are extended; with an n-gram LM, prefixes are ranked by
score(l) = ln p(l|x) + λ ln P_LM(l) (shallow fusion), and the loss stays −ln p(l*|x).
"""

from __future__ import annotations

import math
import sys
from typing import Any

import numpy as np

from rnnloss_cli.engine.errors import EngineError
from rnnloss_cli.errors import ProblemError
from rnnloss_cli.limits import MAX_TRELLIS_CELLS
from rnnloss_cli.problem.align import DecodeProblem
from rnnloss_cli.result import (
    Derived,
    LogNumber,
    Result,
    Step,
    Table,
    Window,
    terms,
)
from rnnloss_cli.solve._beyond import (
    SHOWN_SYMBOLS,
    add_key_checks,
    cut_ends,
    cut_word,
    lead,
    prob_cell,
    shown,
    word,
)
from rnnloss_cli.solve.align import emissions_table
from rnnloss_cli.solve.common import ProbabilityFigure, finalize

FORMULA = Step(
    "formula",
    "greedy: B(argmax_k y_t(k) for each t);  beam: l* ≈ argmax_l p(l|x), "
    "p(l|x) = Σ_{π : B(π) = l} Π_t y_t(π_t) = p_b(l) + p_nb(l) after the last frame",
    {},
    r"\text{greedy: } \mathcal{B}(\arg\max_k y_t(k) \text{ for each } t);\quad "
    r"\text{beam: } l^* \approx \arg\max_l p(l|x),\ "
    r"p(l|x) = \sum_{\pi:\,\mathcal{B}(\pi)=l} \prod_t y_t(\pi_t) = p_{\mathrm{b}}(l) + "
    r"p_{\mathrm{nb}}(l) \text{ after the last frame}",
)


def _minus(v: float) -> str:
    """A given number as written (``:g``), negative with the minus sign U+2212: −0.3."""
    return f"{v:g}".replace("-", "\u2212")


def _lm_sums(lm: dict[tuple[str, ...], float]) -> tuple[list[Step], list[str]]:
    """For each context whose listed next-symbol probabilities sum past 1 (the first three):
    the sum worked as a lead line, Σ_k P_LM(k|context) = Σ_k e^(ln P) = P_1 + P_2 + … at
    --precision, and a note that P_LM is then no distribution (shallow fusion still ranks
    by it; ln P_LM is no log-probability). The note restates no number: the line has it."""
    groups: dict[tuple[str, ...], list[float]] = {}
    for gram, ln_p in lm.items():
        groups.setdefault(gram[:-1], []).append(ln_p)
    over = [(ctx, lns) for ctx, lns in groups.items() if math.fsum(map(math.exp, lns)) > 1 + 1e-9]
    steps, notes = [], []
    for ctx, lns in over[:3]:
        where = "after " + cut_word(list(ctx)) if ctx else "with no context"
        label = f"next-symbol probabilities {where}"
        given = "Σ_k P_LM(k" + ("|{ctx}" if ctx else "") + ")"
        # the probabilities e^(ln P) as numbers, so the sum is a line the renderers judge
        # and give guard digits (an "e^(-0.3) + …" line they cannot read, and at -p 17 its
        # double sum is 5e-17 from the exact one)
        steps.append(
            Step(
                label,
                given + " = Σ_k e^(ln P_LM(k)) = {probs|+} = {total}, more than 1",
                {
                    "probs": terms([math.exp(v) for v in lns]),
                    "total": math.fsum(map(math.exp, lns)),
                    **({"ctx": cut_word(list(ctx))} if ctx else {}),
                },
                r"\sum_k P_{\mathrm{LM}}(k"
                + ("|{ctx}" if ctx else "")
                + r") = \sum_k e^{\ln P_{\mathrm{LM}}(k)} = {probs|+} = {total},"
                + r"\ \text{more than } 1",
                lead=True,
            )
        )
        notes.append(
            f"the language model's probabilities of the next symbol {where} sum past 1 (the "
            f'line "{label}"): '
            "P_LM is not a distribution (the beam still ranks by the fused score, but ln P_LM "
            "is not a log-probability)"
        )
    return steps, notes


def _pruned_note(
    p: DecodeProblem, labels: tuple[int, ...] | None, beam_log: float
) -> tuple[str, Step | None]:
    """The beam pruned: is l*'s total exact? Exact CTC of l* (when its trellis fits
    MAX_TRELLIS_CELLS) tells: equal, or the beam's total is short of it (a lower bound).

    Returns the note and, when the beam's total is short, the line that gives the exact
    value and the shortfall. The note restates no number: the lines print them at
    ``--precision`` with the derivation's digits, where plain text could only give them
    digits of its own (a note's 0.6 beside the line's 0.600 at ``-p 3``).
    """
    generic = (
        "the beam pruned prefixes on some frame: a total counts only the alignments whose "
        "prefixes stayed in the beam, so it is a lower bound on p(l|x)"
    )
    n_frames = p.frames.log_probs.shape[0]
    if labels is None or n_frames * (2 * len(labels) + 1) > MAX_TRELLIS_CELLS:
        return generic, None
    from rnnloss_cli.engine import ctc_loss

    blank = p.frames.symbols.index(p.frames.blank)
    targets = np.asarray(labels, dtype=np.int64).reshape(1, -1)
    lp = p.frames.log_probs[:, None, :]
    loss = ctc_loss(lp, targets, [n_frames], [len(labels)], blank=blank, reduction="none")
    exact_log = -float(np.asarray(loss)[0])
    if math.isclose(exact_log, beam_log, rel_tol=1e-12, abs_tol=1e-300):
        note = (
            "the beam pruned prefixes on some frame, but no alignment of l*: its total on the "
            'line "beam search result" is exact (exact CTC of l* gives the same p(l*|x))'
        )
        return note, None
    exact, beam = prob_cell(exact_log), prob_cell(beam_log)
    values: dict[str, Any] = {
        "best": shown(cut_word(tuple(p.frames.symbols[k] for k in labels))),
        "exact": exact,
    }
    text = "p({best}|x) over all its alignments = {exact}"
    if not isinstance(exact, LogNumber) and not isinstance(beam, LogNumber):
        # the shortfall worked from the two totals as printed
        text += ";  the beam's total falls short by {exact} − {beam} = {gap}"
        values.update(beam=beam, gap=exact - beam)
    step = Step("exact CTC of l*", text, values)
    short = " and how far the beam's total falls short" if "gap" in values else ""
    note = f'{generic}; for l*, the line "{step.label}" gives its exact probability{short}'
    return note, step


def solve_decode(p: DecodeProblem, *, window: Window | None = None) -> Result:
    """Greedy path and its collapse, the beam after every frame, and the comparison."""
    from rnnloss_cli.engine import ctc_beam_search

    window = window or Window()
    fr = p.frames
    sym = fr.symbols
    _check_greedy_trellis(p)
    lm, lexicon, separator = search_options(p)
    try:
        tr = ctc_beam_search(
            fr.log_probs,
            p.beam,
            sym.index(fr.blank),
            lm=lm,
            lm_weight=p.lm_weight,
            lexicon=lexicon,
            separator=separator,
            return_trace=True,
        )
    except EngineError as err:  # an input the search refuses: name the file (and its field)
        name = str(err).split(":", 1)[0]
        raise ProblemError(
            str(err).split(": ", 1)[-1] if name in p.lines else str(err),
            file=p.meta.file,
            line=p.lines.get(name),
            field=name if name in p.lines else None,
        ) from None
    greedy_idx = tr.greedy_path.tolist()
    r = Result("ctc_decode", p.meta.title, math.inf, formula=FORMULA)
    r.tables.append(
        emissions_table(fr, window, lambda t, k: "highlight" if greedy_idx[t] == k else None)
    )
    # said in each format's words ("*:" piped, "highlighted:" in colour), as forced alignment does
    r.tables[-1].legend = {"highlight": "the most probable symbol of the frame (greedy)"}
    # the labellings as text (compared and keyed whole) and as shown (cut past SHOWN_SYMBOLS)
    path_text = cut_word(tuple(sym[k] for k in greedy_idx))
    greedy_text = word([sym[k] for k in tr.greedy_labels])
    greedy_shown = shown(cut_word(tuple(sym[k] for k in tr.greedy_labels)))
    r.steps.append(
        Step(
            "greedy: the most probable symbol per frame (highlighted)",
            # labellings go in as values, so each format escapes them ("_" in LaTeX)
            "π* = {path},  p(π*) = {factors|*} = {value}",
            {
                "path": path_text,
                "factors": terms(np.exp(fr.log_probs[np.arange(len(greedy_idx)), greedy_idx])),
                "value": prob_cell(tr.greedy_path_log_prob),
            },
        )
    )
    r.steps.append(
        Step(
            "greedy labelling: collapse B(π*) (merge repeats, drop blanks)",
            "B({path}) = {greedy};  p({greedy}|x) over all its alignments = {value}",
            {
                "path": path_text,
                "greedy": greedy_shown,
                "value": prob_cell(tr.greedy_labels_log_prob),
            },
        )
    )
    r.steps.append(
        Step(
            "prefix beam search",
            "blank: p_b'(l) += (p_b + p_nb)·y_t(-);  last label k again: p_nb'(l) += p_nb·y_t(k), "
            "p_nb'(l+k) += p_b·y_t(k);  other label k: p_nb'(l+k) += (p_b + p_nb)·y_t(k);  "
            f"keep the {p.beam} most probable",
        )
    )
    r.steps += _option_steps(p)
    lm_sum_steps, lm_sum_notes = _lm_sums(p.lm) if p.lm is not None else ([], [])
    r.steps += lm_sum_steps
    r.notes.extend(lm_sum_notes)
    rows = [(t, i, e) for t, kept in enumerate(tr.frames) for i, e in enumerate(kept)]
    prefix_text = _PrefixTexts(sym)

    def beam_row(n: int) -> list[Any]:
        t, i, e = rows[n]
        scores = [e.lm_log_prob, e.score] if lm is not None else []
        return [
            t + 1,
            i + 1,
            shown(prefix_text(e.node)),
            prob_cell(e.log_p_blank),
            prob_cell(e.log_p_nonblank),
            prob_cell(e.log_total),
            *scores,
            tr.candidates[t] if i == 0 else "",
        ]

    score_columns = ["ln P_LM(l)", "score"] if lm is not None else []

    r.tables.append(
        Table.windowed(
            f"the beam after every frame (width {p.beam})",
            len(rows),
            beam_row,
            [
                "t",
                "rank",
                "prefix l",
                "p_b(l)",
                "p_nb(l)",
                "p_b + p_nb",
                *score_columns,
                "candidates",
            ],
            window,
            key_columns=3,  # t, rank and prefix name a row
            caption="candidates: prefixes of positive probability before pruning",
            derived=list(BEAM_DERIVED),
        )
    )
    hyps = tr.hypotheses
    best_text = word([sym[k] for k in hyps[0].labels]) if hyps else ""
    best_shown = shown(cut_word(tuple(sym[k] for k in hyps[0].labels)) if hyps else "")
    # with an LM a hypothesis carries its fused score; p(l*|x) is its entry's p_b + p_nb
    best_log = (
        next(e.log_total for e in tr.frames[-1] if e.prefix == hyps[0].labels)
        if hyps
        else -math.inf
    )
    if not hyps:
        # a wider beam may find a word only where this one pruned a prefix
        emptied = next((t for t, kept in enumerate(tr.frames) if not kept), None)
        wider = (
            "a wider beam may"
            if any(c > p.beam for c in tr.candidates)
            else "nothing was pruned, so no width finds one"
        )
        r.warnings.append(
            "no prefix in the last beam ends on a complete lexicon word: the search found no "
            f"labelling ({wider})"
            if emptied is None
            else f"the search found no labelling: after frame {emptied + 1:,} of "
            f"{len(tr.frames):,} the beam is empty, as no prefix of positive probability "
            f"starts a word there ({wider})"
        )
    worked = _worked_entry(tr, fr.log_probs, sym.index(fr.blank), sym)
    if worked is not None:
        r.steps.append(worked)
    r.steps.append(
        Step(
            "beam search result",
            "l* = {best},  p(l*|x) = {value}",
            {"best": best_shown, "value": prob_cell(best_log)},
        )
    )
    pruned = any(c > p.beam for c in tr.candidates)
    if not pruned:
        r.notes.append(
            f"no frame had more than {p.beam} candidate prefixes, so nothing was pruned: every "
            "total in the last beam is the exact p(l|x) of its labelling"
        )
    else:
        note, exact_step = _pruned_note(p, hyps[0].labels if hyps else None, best_log)
        r.notes.append(note)
        if exact_step is not None:
            r.steps.append(exact_step)
    if lm is not None and hyps:
        r.steps.append(
            Step(
                "ranking with the language model",
                # ln of the probability printed on "beam search result", worked on the line
                "score({best}) = ln p(l*|x) + λ·ln P_LM(l*) = ln {p} + "
                + _times(p.lm_weight, lm.score(hyps[0].labels))
                + " = {score}",
                {
                    "best": best_shown,
                    "p": prob_cell(best_log),
                    "w": p.lm_weight,
                    "lm": lm.score(hyps[0].labels),
                    "score": hyps[0].log_prob,
                },
            )
        )
    if lm is not None and hyps and best_text != greedy_text:
        r.steps.append(
            Step(
                "the greedy labelling under the language model",
                "score({greedy}) = ln p({greedy}|x) + λ·ln P_LM({greedy}) = ln {p} + "
                + _times(p.lm_weight, lm.score(tuple(tr.greedy_labels)))
                + " = {score}, below score({best}) = {top}",
                {
                    "greedy": greedy_shown,
                    "best": best_shown,
                    "p": prob_cell(tr.greedy_labels_log_prob),
                    "w": p.lm_weight,
                    "lm": lm.score(tuple(tr.greedy_labels)),
                    "score": tr.greedy_labels_log_prob
                    + p.lm_weight * lm.score(tuple(tr.greedy_labels)),
                    "top": hyps[0].log_prob,
                },
            )
        )
    if best_text == greedy_text:
        r.steps.append(Step("greedy vs beam", "both give {best}", {"best": best_shown}))
    elif hyps and best_log >= tr.greedy_labels_log_prob:
        r.steps.append(
            Step(
                "greedy vs beam",
                "the best path collapses to {greedy} (p = {g}), but {best} is more probable "
                "(p = {b}): its probability is spread over several alignments, none of them "
                "the single best path",
                {
                    "greedy": greedy_shown,
                    "best": best_shown,
                    "g": prob_cell(tr.greedy_labels_log_prob),
                    "b": prob_cell(best_log),
                },
            )
        )
    elif hyps:
        why = " and ".join(
            w for w, on in (("the lexicon", p.lexicon), ("the language model", p.lm)) if on
        )
        r.steps.append(
            Step(
                "greedy vs beam",
                "the best path collapses to {greedy} (p = {g}), the more probable labelling by "
                f"the network alone; {why} made the beam choose {{best}} (p = {{b}})",
                {
                    "greedy": greedy_shown,
                    "best": best_shown,
                    "g": prob_cell(tr.greedy_labels_log_prob),
                    "b": prob_cell(best_log),
                },
            )
        )
    loss = -best_log
    r.steps.append(
        Step(
            "loss of the beam's labelling",
            # p(l*|x) as an operand: the derivation's digits give it what the loss needs
            "−ln p(l*|x) = −ln {p} = {loss}" if math.isfinite(loss) else "−ln p(l*|x) = {loss}",
            {"p": prob_cell(best_log), "loss": loss} if math.isfinite(loss) else {"loss": loss},
        )
    )
    r.loss = loss
    r.figures = {
        "loss": loss,
        # from their logs: (1/3)^2000 is 0 as a double, beside a finite loss
        "greedy_prob": ProbabilityFigure(tr.greedy_labels_log_prob),
        "greedy_path_prob": ProbabilityFigure(tr.greedy_path_log_prob),
        "beam_prob": ProbabilityFigure(best_log),
    }
    lead(r, "prefix beam search", *[s.label for s in _option_steps(p)])
    finalize(p.meta, r)
    add_key_checks(r, p.keys, p.meta.tolerance, {"greedy": greedy_text, "beam": best_text})
    return r


class _PrefixTexts:
    """The prefix of a beam entry as its table cell prints it (:func:`cut_word` of its
    symbols), from the engine's trie of prefixes (``BeamEntry.node``: ``parent``, ``label``,
    ``depth``): the first SHOWN_SYMBOLS and last SHOWN_SYMBOLS // 2 labels of each node
    asked for are kept, and a node's are worked from those of its nearest ancestor asked for
    before (in a beam table, most often its parent, on the row of the frame before), so a
    row costs O(SHOWN_SYMBOLS) where ``BeamEntry.prefix`` built the whole labelling (a
    window over 62,000 rows of prefixes thousands of labels long built 175 million)."""

    def __init__(self, sym: list[str]) -> None:
        self.sym = sym
        self.ends: dict[Any, tuple[tuple[int, ...], tuple[int, ...]]] = {}  # node: (head, tail)

    def __call__(self, node: Any) -> str:
        head, tail = self._ends(node)
        if node.depth <= SHOWN_SYMBOLS:
            return word([self.sym[k] for k in head])
        half = SHOWN_SYMBOLS // 2
        first, last = [self.sym[k] for k in head[:half]], [self.sym[k] for k in tail]
        return cut_ends(first, last, node.depth)

    def _ends(self, node: Any) -> tuple[tuple[int, ...], tuple[int, ...]]:
        ends = self.ends
        if node in ends:
            return ends[node]
        labels = []  # from this node up to one asked for before, or the root: last first
        up = node
        while up not in ends and up.parent is not None:
            labels.append(up.label)
            up = up.parent
        head, tail = ends.get(up, ((), ()))
        labels.reverse()
        if len(head) < SHOWN_SYMBOLS:
            head = (*head, *labels[: SHOWN_SYMBOLS - len(head)])
        tail = (*tail, *labels[-(SHOWN_SYMBOLS // 2) :])[-(SHOWN_SYMBOLS // 2) :]
        ends[node] = (head, tail)
        return head, tail


def _worked_entry(tr: Any, log_probs: np.ndarray, blank: int, sym: list[str]) -> Step | None:
    """The top entry of the beam after frame 2 worked from the rows of frame 1 by the lead
    line's rules: p_b'(l) = (p_b + p_nb)(l)·y_2(-); p_nb'(l) = p_nb(l)·y_2(k) (l ends in k,
    k again) + (p_b + p_nb)(l⁻)·y_2(k) (k added to l⁻ = l without its last label; p_b(l⁻)
    alone when l⁻ ends in k too). None with fewer than two frames, a number past the
    normal doubles, or a sum that is not the engine's (a rule this line does not cover)."""
    if len(tr.frames) < 2 or not tr.frames[1]:
        return None
    prev = {e.prefix: e for e in tr.frames[0]}
    top = tr.frames[1][0]
    y = np.exp(log_probs[1])
    values: dict[str, Any] = {"l": _name(top.prefix, sym), "blank": sym[blank]}
    logs: list[float] = []  # every number's log: one below the normal doubles skips the line

    def slot(key: str, log_value: float) -> str:
        values[key] = math.exp(log_value)
        logs.append(log_value)
        return f"{{{key}}}"

    def product(n: int, log_p: float, k: int) -> str:
        values[f"y{n}"] = float(y[k])
        logs.append(float(log_probs[1, k]))
        return f"{slot(f'p{n}', log_p)} × {{y{n}}}"

    # p_b': every alignment of l so far, then a blank
    b_names, b_terms, b_sum = [], [], 0.0
    if top.prefix in prev:
        q = prev[top.prefix]
        b_names.append("(p_b + p_nb)({l}) · y_2({blank})")
        b_terms.append(product(0, q.log_total, blank))
        b_sum += math.exp(q.log_total) * float(y[blank])
    nb_names, nb_terms, nb_sum = [], [], 0.0
    if top.prefix:
        k = top.prefix[-1]
        values["k"] = sym[k]
        if top.prefix in prev:  # k again, merged into l's last label
            q = prev[top.prefix]
            nb_names.append("p_nb({l}) · y_2({k})")
            nb_terms.append(product(1, q.log_p_nonblank, k))
            nb_sum += math.exp(q.log_p_nonblank) * float(y[k])
        parent = top.prefix[:-1]
        if parent in prev:  # k added to l⁻
            q = prev[parent]
            values["lp"] = _name(parent, sym)
            repeat = bool(parent) and parent[-1] == k
            log_p = q.log_p_blank if repeat else q.log_total
            nb_names.append(("p_b" if repeat else "(p_b + p_nb)") + "({lp}) · y_2({k})")
            nb_terms.append(product(2, log_p, k))
            nb_sum += math.exp(log_p) * float(y[k])
    pb, pnb = math.exp(top.log_p_blank), math.exp(top.log_p_nonblank)
    logs += [top.log_p_blank, top.log_p_nonblank]
    exact = math.isclose(b_sum, pb, rel_tol=1e-9) and math.isclose(nb_sum, pnb, rel_tol=1e-9)
    tiny = math.log(sys.float_info.min)  # ln 2.2e-308 = −708.4
    if not exact or (top.prefix and not nb_terms) or any(-math.inf < v < tiny for v in logs):
        return None
    values |= {"pb": pb, "pnb": pnb}
    if b_terms:
        text = "p_b'({l}) = " + " + ".join(b_names) + " = " + " + ".join(b_terms) + " = {pb};  "
    else:
        text = "p_b'({l}) = 0 ({l} is not in the beam after frame 1);  "
    if nb_terms:
        text += "p_nb'({l}) = " + " + ".join(nb_names) + " = " + " + ".join(nb_terms)
        text += " = {pnb}"
    else:
        text += "p_nb'({l}) = 0 (the empty prefix ends in no label)"
    return Step("worked beam entry: the top row of t = 2 from the rows of t = 1", text, values)


def _times(weight: float, lm_log_prob: float) -> str:
    """ "{w} × {lm}", each in parentheses when negative: "1 × (−0.7)", never "1 × -0.7"."""
    return " × ".join(
        f"({{{k}}})" if v < 0 else f"{{{k}}}" for k, v in (("w", weight), ("lm", lm_log_prob))
    )


def _name(prefix: tuple[int, ...], sym: list[str]) -> str:
    """A prefix as the beam table prints it (ε, EMPTY, or cut past SHOWN_SYMBOLS)."""
    return shown(cut_word(tuple(sym[k] for k in prefix)))


#: The beam table's column worked from its row: p_b + p_nb. (The score, ln(p_b + p_nb) +
#: λ·ln P_LM(l), is not declared: at -p 0 a total of 0.112 prints 0, and ln 0 is no line a
#: student can redo, whatever guard digits the score gets.)
BEAM_DERIVED = (Derived("p_b + p_nb", "{0} + {1}", ("p_b(l)", "p_nb(l)")),)


def _check_greedy_trellis(p: DecodeProblem) -> None:
    """p(B(π*)|x) is exact CTC over T x (2L + 1) cells, L the greedy labelling's length:
    refuse above MAX_TRELLIS_CELLS before the search, naming the file and the field."""
    from rnnloss_cli.engine.beam_search import greedy_decode
    from rnnloss_cli.limits import MAX_TRELLIS_CELLS

    fr = p.frames
    n_frames = fr.log_probs.shape[0]
    _, collapsed = greedy_decode(fr.log_probs, fr.symbols.index(fr.blank))
    cells = n_frames * (2 * len(collapsed) + 1)
    if cells > MAX_TRELLIS_CELLS:
        raise ProblemError(
            f"the best path collapses to {len(collapsed):,} labels over {n_frames:,} frames: "
            f"its exact probability p(l|x) visits {cells:,} trellis cells, more than the limit "
            f"MAX_TRELLIS_CELLS = {MAX_TRELLIS_CELLS:,}; give fewer frames",
            file=p.meta.file,
            line=p.lines.get("logits" if fr.from_logits else "emissions"),
            field="logits" if fr.from_logits else "emissions",
        )


def search_options(p: DecodeProblem) -> tuple[Any, Any, int | None]:
    """The engine's lm, lexicon (label indices) and separator label for the problem's own
    (the solver's, and ``teach.vary``'s when it re-runs the search to test a draw for ties)."""
    from rnnloss_cli.engine import CharNgramLM

    index = {s: k for k, s in enumerate(p.frames.symbols)}
    lm = (
        CharNgramLM({tuple(index[s] for s in g): v for g, v in p.lm.items()})
        if p.lm is not None
        else None
    )
    lexicon = [tuple(index[s] for s in w) for w in p.lexicon] if p.lexicon is not None else None
    separator = index[p.separator] if p.separator is not None else None
    return lm, lexicon, separator


def _option_steps(p: DecodeProblem) -> list[Step]:
    """The lexicon and the language model, stated before the beam table."""
    from rnnloss_cli.engine.beam_search import UNKNOWN_LOG_PROB

    out = []
    if p.lexicon is not None:
        words = ", ".join(cut_word(w) for w in p.lexicon[:20])
        more = f" and {len(p.lexicon) - 20:,} more" if len(p.lexicon) > 20 else ""
        sep = f"; words are separated by {shown(p.separator)}" if p.separator is not None else ""
        out.append(
            Step(
                "lexicon",
                f"only prefixes of the words {words}{more} are extended{sep}; the result must "
                "end on a complete word",
            )
        )
    if p.lm is not None:
        # the n-grams' symbols as values, never in the template: an n-gram {w}x printed
        # "ln P(x|0.7)", its context read as the placeholder of λ
        symbols: dict[str, str] = {}
        texts = []
        for i, (g, v) in enumerate(list(p.lm.items())[:12]):
            symbols[f"g{i}"] = g[-1]
            if len(g) > 1:
                symbols[f"c{i}"] = cut_word(g[:-1])
            # the minus sign of every other number of the line (U+2212), and spaced
            given = f"{{g{i}}}|{{c{i}}}" if len(g) > 1 else f"{{g{i}}}"
            texts.append(f"ln P({given}) = {_minus(v)}")
        more = f" and {len(p.lm) - 12:,} more" if len(p.lm) > 12 else ""
        out.append(
            Step(
                "language model (shallow fusion)",
                "score(l) = ln p(l|x) + λ·ln P_LM(l), λ = {w}, ln P_LM(l) = Σ_i ln P(l_i | l_<i) "
                f"from the longest listed n-gram ({', '.join(texts)}{more}; unlisted: "
                "{unknown})",
                {"w": p.lm_weight, "unknown": UNKNOWN_LOG_PROB, **symbols},
            )
        )
    return out
