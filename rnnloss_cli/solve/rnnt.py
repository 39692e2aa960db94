"""Solver for kind: rnnt — the RNN-Transducer loss on its T × (U+1) lattice (Graves 2012).

From node (t, u) (t frames read, u labels emitted) a path takes the blank move to (t+1, u)
or emits the next label y_{u+1} and moves to (t, u+1); it ends with the blank out of
(T−1, U). α(t, u) = α(t−1, u)·y(t−1, u, ∅) + α(t, u−1)·y(t, u−1, y_u), α(0, 0) = 1,
p(y|x) = α(T−1, U)·y(T−1, U, ∅), loss = −ln p(y|x). Numbers from ``engine.rnnt_trace``.
An empty target (U = 0) leaves one path, all blanks: p(y|x) = Π_t y(t, 0, ∅).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from rnnloss_cli.problem.rnnt import RNNTProblem
from rnnloss_cli.result import EMPTY, Result, Step, Table, Terms, Window, terms
from rnnloss_cli.solve._beyond import add_key_checks, grid_table, lead, prob_cell, word
from rnnloss_cli.solve.common import ProbabilityFigure, finalize

FORMULA = Step(
    "formula",
    "RNN-T loss = −ln p(y|x),  p(y|x) = α(T−1, U) · y(T−1, U, ∅),  α(t, u) = "
    "α(t−1, u) · y(t−1, u, ∅) + α(t, u−1) · y(t, u−1, y_u)",
    {},
    r"\text{RNN-T loss} = -\ln p(y|x),\quad p(y|x) = \alpha(T-1,U)\,y(T-1,U,\varnothing),\quad "
    r"\alpha(t,u) = \alpha(t-1,u)\,y(t-1,u,\varnothing) + \alpha(t,u-1)\,y(t,u-1,y_u)",
)


EMPTY_TARGET = (
    "U = 0: the lattice is the one column u = 0, with no label move, so the only path is all "
    "blanks, one blank move out of (t, 0) at every frame t = 0 to T−1 (the last one the "
    "final blank), and p(y|x) = Π_t y(t, 0, ∅)"
)

DIFFERENCES = (
    "unlike CTC: no collapse (each label is emitted by exactly one label move, so repeats "
    "need no blank between them), several labels may be emitted in one frame (label moves "
    "keep t), each blank move reads the next frame, and every path ends with a blank out of "
    "(T−1, U); the joiner's distribution depends on the labels emitted so far (u), which "
    "CTC's per-frame outputs cannot"
)


def _lattice_table(
    title: str, logs: np.ndarray, target: tuple[str, ...], window: Window, **kw: Any
) -> Table:
    n_frames, n_nodes = logs.shape
    return grid_table(
        title,
        n_frames,
        lambda t: [t],
        ["t"],
        n_nodes,
        lambda t, us: [prob_cell(float(logs[t, u])) for u in us],
        lambda u: f"u={u}" + (f" ({word(target[:u])})" if 0 < u <= 8 else ""),
        window,
        **kw,
    )


#: Lattices of at most this many nodes have every node worked (a student redoes the whole
#: α table); larger ones only α(1, 1), the first node both moves lead into.
WORKED_NODES_MAX = 12


def _worked_node(tr: Any, t: int = 1, u: int = 1) -> Step:
    """α(t, u) worked from the printed table cells: α(t, u) = α(t−1, u)·y(t−1, u, ∅) (blank
    in) + α(t, u−1)·y(t, u−1, y_u) (label in); a node on the lattice's edge has one of the
    two moves only (u = 0: blank in; t = 0: label in)."""

    def cell(logs: np.ndarray, t: int, u: int) -> Any:
        return prob_cell(float(logs[t, u]))

    blank = f"α({t - 1}, {u}) · y({t - 1}, {u}, ∅)"
    label = f"α({t}, {u - 1}) · y({t}, {u - 1}, y_{u})"
    values = {"v": cell(tr.log_alpha, t, u)}
    names, numbers = [], []
    if t > 0:
        names.append(blank)
        numbers.append("{a} × {b}")
        values |= {"a": cell(tr.log_alpha, t - 1, u), "b": cell(tr.log_blank, t - 1, u)}
    if u > 0:
        names.append(label)
        numbers.append("{c} × {d}")
        values |= {"c": cell(tr.log_alpha, t, u - 1), "d": cell(tr.log_label, t, u - 1)}
    text = f"α({t}, {u}) = {' + '.join(names)} = {' + '.join(numbers)} = {{v}}"
    return Step(f"worked node α({t}, {u})", text, values)


def _worked_nodes(tr: Any) -> list[Step]:
    """Every node but α(0, 0) = 1 worked, frame by frame, where the lattice is small
    (WORKED_NODES_MAX); else α(1, 1) alone (none where the lattice has no node (1, 1))."""
    n_frames, n_nodes = tr.log_alpha.shape
    if n_frames * n_nodes <= WORKED_NODES_MAX:
        nodes = [(t, u) for t in range(n_frames) for u in range(n_nodes) if t or u]
        return [_worked_node(tr, t, u) for t, u in nodes]
    return [_worked_node(tr)] if n_frames > 1 and n_nodes > 1 else []


def solve_rnnt(p: RNNTProblem, *, window: Window | None = None) -> Result:
    """The node probabilities, the alpha lattice, p(y|x) and the loss; beta and grad on request."""
    from rnnloss_cli.engine import rnnt_trace

    window = window or Window()
    sym = p.symbols
    target_idx = np.array([sym.index(s) for s in p.target], dtype=np.int64)
    tr = rnnt_trace(p.logits, target_idx, blank=sym.index(p.blank))
    n_frames, n_nodes = tr.log_alpha.shape
    n_labels = n_nodes - 1
    r = Result("rnnt", p.meta.title, math.inf, formula=FORMULA)
    paths = "1 path" if tr.n_paths == 1 else f"{tr.n_paths:,} paths"
    r.steps.append(
        Step(
            "givens",
            f"target y = {word(p.target) or EMPTY + ', the empty sequence,'} (U = {n_labels}), "
            f"T = {n_frames} frames, "
            f"blank ∅ = {p.blank!r}; the lattice has T × (U+1) = {n_frames} × {n_nodes} nodes "
            f"and C(T−1+U, U) = C({n_frames - 1 + n_labels}, {n_labels}) = {paths}",
        )
    )
    if not n_labels:
        r.steps.append(Step("empty target", EMPTY_TARGET))
    nodes = [(t, u) for t in range(n_frames) for u in range(n_nodes)]

    def node_row(i: int) -> list[Any]:
        t, u = nodes[i]
        row = [t, u, word(p.target[:u]) or EMPTY, prob_cell(float(tr.log_blank[t, u]))]
        if not n_labels:  # no label move anywhere: no label columns
            return row
        label = prob_cell(float(tr.log_label[t, u])) if u < n_labels else ""
        return [*row, p.target[u] if u < n_labels else "", label]

    columns = ["t", "u", "emitted", "y(t,u,∅) blank"]
    r.tables.append(
        Table.windowed(
            "given: the moves out of each node (from the joiner's distribution y(t, u, ·))",
            len(nodes),
            node_row,
            [*columns, "next label", "y(t,u,y_{u+1})"] if n_labels else columns,
            window,
            caption=f"emitted: the labels y_1 to y_u out so far ({EMPTY}: none yet); "
            "blank: (t, u) → (t+1, u)"
            + ("; label: (t, u) → (t, u+1)" if n_labels else "")
            + ("; the logits were log-softmaxed per node" if not p.from_probs else ""),
        )
    )
    r.steps.append(
        Step(
            "forward recursion",
            "α(0, 0) = 1;  α(t, u) = α(t−1, u) · y(t−1, u, ∅) [blank in] + α(t, u−1) · "
            "y(t, u−1, y_u) [label in]"
            if n_labels
            else "α(0, 0) = 1;  α(t, 0) = α(t−1, 0) · y(t−1, 0, ∅) (U = 0: blank moves only)",
        )
    )
    final = {(n_frames - 1, n_labels)}
    r.tables.append(
        _lattice_table(
            "forward lattice α(t, u) (probability of reaching the node)",
            tr.log_alpha,
            p.target,
            window,
            styles=lambda t, u: "highlight" if (t, u) in final else None,
            caption="rows: frames t; columns: labels emitted u",
        )
    )
    # the mark said by each format's legend (piped text shows "*", a terminal a colour), not a
    # fixed "highlighted" that a piped "0.35*" left unexplained
    r.tables[-1].legend = {"highlight": "the last node"}
    r.steps += _worked_nodes(tr)
    r.tables.append(
        _lattice_table(
            "backward lattice β(t, u) (probability of finishing from the node, its moves included)",
            tr.log_beta,
            p.target,
            window,
            optional="beta",
        )
    )
    grad = tr.grad_logits.reshape(n_frames * n_nodes, -1)
    r.tables.append(
        Table.windowed(
            "gradient ∂loss/∂logits per node (y(t,u,k)·occupation minus the moves taken)",
            len(nodes),
            lambda i: [nodes[i][0], nodes[i][1], *map(float, grad[i])],
            ["t", "u", *sym],
            window,
            optional="grad",
            key_columns=2,
        )
    )
    a_last = prob_cell(float(tr.log_alpha[-1, -1]))
    b_last = prob_cell(float(tr.log_blank[-1, -1]))
    prob = prob_cell(tr.log_likelihood)
    r.steps.append(
        Step(
            "p(y|x): the final blank out of the last node",
            "α(T−1, U) · y(T−1, U, ∅) = {a} × {b} = {p}",
            {"a": a_last, "b": b_last, "p": prob},
        )
    )
    if not n_labels:
        # each factor from its log: e^(−1e9) is 0 as a double, and "0 × 0.09" gave no product;
        # only the factors the line holds are converted (the window of a long list)
        held = terms(tr.log_blank[:, 0])
        blanks = (
            Terms([prob_cell(v) for v in held.head], [prob_cell(v) for v in held.tail], held.count)
            if isinstance(held, Terms)
            else [prob_cell(v) for v in held]
        )
        r.steps.append(
            Step(
                "p(y|x): the all-blank path, the only one",
                "Π_t y(t, 0, ∅) = {factors|*} = {p}",
                {"factors": blanks, "p": prob},
            )
        )
    if math.isfinite(tr.loss):  # p(y|x) as an operand: the digits plan gives it what −ln needs
        r.steps.append(
            Step("RNN-T loss", "−ln p(y|x) = −ln {p} = {loss}", {"p": prob, "loss": tr.loss})
        )
    else:
        r.steps.append(Step("RNN-T loss", "−ln p(y|x) = {loss}", {"loss": tr.loss}))
    r.notes.append(DIFFERENCES)
    if tr.log_likelihood == -math.inf and p.from_probs and np.isneginf(p.logits).any():
        r.warnings.append(
            "the loss is infinite: every path through the lattice takes a move whose given "
            "probability is 0, so p(y|x) = 0; the gradient is undefined (NaN)"
        )
    elif tr.log_likelihood == -math.inf:
        # from logits about 1.8e308 apart: one move of probability 0 (e^(z − max z) is 0 in
        # float64), or moves whose log-probabilities, each finite, sum below −1.8e308 along
        # every path
        r.warnings.append(
            "the loss is infinite: p(y|x) = 0 in float64, since on every path through the "
            "lattice ln p is below −1.8e308 (a move of probability 0, or moves whose "
            "log-probabilities sum past the float range: logits about 1.8e308 apart), and "
            "the gradient is undefined (NaN)"
        )
    r.loss = tr.loss
    r.figures = {
        "loss": tr.loss,
        # from its log: e^(−1e9) is 0 as a double, beside a finite loss (ProbabilityFigure)
        "probability": ProbabilityFigure(tr.log_likelihood),
    }
    lead(r, "givens", "empty target", "forward recursion")
    finalize(p.meta, r)
    add_key_checks(r, p.keys, p.meta.tolerance, {})
    return r
