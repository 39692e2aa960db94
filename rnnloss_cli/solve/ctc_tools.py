"""Results for ``rnnloss ctc paths`` and ``rnnloss ctc decode`` (numbers from the engine).

paths: every alignment of a target over T frames, each path's probability (the handout's
product along a path, ``ctc_listed``) and their sum, checked against the forward algorithm.
decode: greedy best-path decoding, argmax per frame then the collapse B (merge, drop blanks).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from rnnloss_cli.engine import (
    ctc_greedy_decode,
    ctc_listed,
    ctc_path_count,
    ctc_paths,
    ctc_trace,
    softmax,
)
from rnnloss_cli.engine.alignments import min_frames
from rnnloss_cli.flags import flag_error
from rnnloss_cli.limits import MAX_COUNT_CELLS, MAX_LISTED_PATHS, MAX_LISTED_SYMBOLS
from rnnloss_cli.problem.ctc import reserved_symbol_message
from rnnloss_cli.result import EMPTY, Result, Step, Table, Window, terms
from rnnloss_cli.solve._beyond import cut_word
from rnnloss_cli.solve.common import as_written, exact_sum_text


def _check_probs(probs: Mapping[Any, Any], symbols: list[str]) -> dict[str, float]:
    table = {str(k): v for k, v in probs.items()}
    for s in symbols:
        if s not in table:
            raise flag_error(f"no probability for symbol {s!r}", "--probs")
    for s, v in table.items():
        if isinstance(v, bool) or not 0 <= v <= 1:
            raise flag_error(f"probability of {s!r} is {v}, not in [0, 1]", "--probs")
    return {s: float(v) for s, v in table.items()}


def paths_result(
    target: str,
    frames: int,
    probs: Mapping[Any, Any] | None,
    blank: str,
    *,
    max_paths: int = MAX_LISTED_PATHS,
    window: Window | None = None,
) -> Result:
    """List the valid alignments of ``target`` (one symbol a character) over ``frames``.

    Bounded before anything is enumerated: the count stops once it passes ``max_paths``
    (MAX_LISTED_PATHS), the count itself is refused past MAX_COUNT_CELLS, and the listing past
    MAX_LISTED_SYMBOLS symbols; the table holds ``window`` rows (first and last alignments).
    """
    labels = list(target)  # "" is the empty target: its one alignment is all blanks
    if not all(c.isprintable() and not c.isspace() for c in labels):
        raise flag_error(
            "expected symbols without spaces or control characters (one character per "
            f"symbol), got {target!r}",
            "TARGET",
        )
    if len(blank) != 1 or not blank.isprintable() or blank.isspace():
        raise flag_error(f"expected one character for the blank, got {blank!r}", "--blank")
    for name, flag in [*((c, "TARGET") for c in labels), (blank, "--blank")]:
        # as a problem file's symbols (problem.ctc.RESERVED_SYMBOLS, and their look-alikes)
        message = reserved_symbol_message(name, is_target=flag == "TARGET")
        if message:
            raise flag_error(message, flag)
    if blank in labels:
        raise flag_error(f"the blank {blank!r} cannot be part of the target", "TARGET")
    table = _check_probs(probs, [*labels, blank]) if probs is not None else None
    if frames > MAX_LISTED_SYMBOLS:  # every alignment is a line of T symbols
        shown = f"{frames:,}" if frames < 10**15 else f"a {len(str(frames))}-digit number"
        raise flag_error(
            f"listing alignments of more than MAX_LISTED_SYMBOLS = {MAX_LISTED_SYMBOLS:,} "
            f"frames cannot be done, got {shown} (use fewer frames, or "
            "'rnnloss ctc --target ... --frames ...' for the forward algorithm)",
            "--frames",
        )
    need, _ = min_frames(labels)
    n_ext = 2 * len(labels) + 1
    if frames >= need and (need + 1) * n_ext > MAX_COUNT_CELLS:
        raise flag_error(
            f"counting the alignments of a {len(labels):,}-label target visits more than "
            f"MAX_COUNT_CELLS = {MAX_COUNT_CELLS:,} cells; use a shorter target, or "
            "'rnnloss ctc --target ... --frames ...' for the forward algorithm",
            "TARGET",
        )
    # Stops a few frames past `need` once the count exceeds max_paths, however large T is.
    count = ctc_path_count(labels, frames, stop_above=max_paths)
    if count > max_paths:
        raise flag_error(
            f"{target} has more than {max_paths:,} alignments over {frames:,} frames; listing "
            f"stops at MAX_LISTED_PATHS = {max_paths:,} (use fewer frames, or "
            "'rnnloss ctc --target ... --frames ...' for the forward algorithm)",
            "--frames",
        )
    if count * frames > MAX_LISTED_SYMBOLS:
        raise flag_error(
            f"{target} has {count:,} alignments of {frames:,} frames each, "
            f"{count * frames:,} symbols in all, more than MAX_LISTED_SYMBOLS = "
            f"{MAX_LISTED_SYMBOLS:,} (use fewer frames)",
            "--frames",
        )
    all_paths = list(ctc_paths(labels, frames, blank=blank))
    what = "frame" if frames == 1 else "frames"
    # cut as derivations cut a labelling: a 10,000-label target was echoed whole, twice
    word = cut_word(labels) if labels else "the empty target"
    r = Result("ctc_paths", f"alignments of {word} over {frames:,} {what}", None, unit="")
    r.steps.append(
        Step(
            "count",
            "{n} alignment"
            + ("" if count == 1 else "s")
            + " (paths π with B(π) = "
            + (
                f"{{l}}; at least {{need}} frame{'' if need == 1 else 's'} needed)"
                if labels
                else "the empty labelling: one blank a frame)"
            ),
            # the target as a value, never in the template: a target {n} printed as the count
            {"n": count, "need": need, **({"l": word} if labels else {})},
        )
    )
    r.figures["alignments"] = count
    if table is None:
        r.tables.append(
            Table.windowed(
                "alignments",
                count,
                lambda i: [i + 1, "".join(all_paths[i])],
                ["#", "π"],
                window,
            )
        )
        r.notes.append("give --probs to see each path's probability and the total")
        return r
    listed = ctc_listed(labels, all_paths, table, blank=blank)
    # below the normal doubles a product (and the sum) is printed from its log, as kind ctc's
    from rnnloss_cli.solve.ctc import _listed_prob

    products = [_listed_prob(a.product, a.log_product) for a in listed.alignments]
    total = _listed_prob(listed.total, listed.log_total)
    r.tables.append(
        Table.windowed(
            "alignments and their probabilities",
            count,
            lambda i: [i + 1, "".join(all_paths[i]), products[i]],
            ["#", "π", "Π_t y_t(π_t)"],
            window,
        )
    )
    r.steps.append(
        Step(
            "sum over every alignment",
            "p(l|x) = {terms|+} = {value}"
            if count > 1
            else "p(l|x) = {value}, the one alignment's product"
            if count == 1
            else "p(l|x) = {value}, an empty sum: no alignment fits",
            {"terms": terms(products), "value": total} if count > 1 else {"value": total},
        )
    )
    symbols = list(table)
    with np.errstate(divide="ignore"):
        log_probs = np.tile(np.log([table[s] for s in symbols]), (frames, 1))
    target_idx = [symbols.index(s) for s in labels]
    trace = ctc_trace(log_probs, target_idx, blank=symbols.index(blank))
    log_forward = float(trace.log_likelihood)
    forward = _listed_prob(math.exp(log_forward), log_forward)
    if labels:  # the two final cells added, each from its log as the sum is
        last = [float(trace.log_alpha[-1, s]) for s in (-1, -2)]
        ends = "α_T(S') + α_T(S'−1) = {a} + {b} = {value}"
        values = {k: _listed_prob(math.exp(v), v) for k, v in zip("ab", last, strict=True)}
    else:  # S' = 1: one final state, the blank
        ends, values = "α_T(S') = {value}", {}
    if labels:  # S' said before the line that uses it, as exact CTC's derivation says it
        r.steps.append(
            Step(
                "extended labels",
                "l' = {ext| }  (blank between labels and at both ends: S' = 2S + 1 = "
                f"2·{len(labels)} + 1 = {n_ext}, with S = {len(labels)} "
                f"label{'' if len(labels) == 1 else 's'} in l; α_t(s): "
                "exact CTC's forward trellis over l')",
                {"ext": terms([blank if i % 2 == 0 else labels[i // 2] for i in range(n_ext)])},
            )
        )
    r.steps.append(Step("forward algorithm", ends, {**values, "value": forward}))
    # compared as logs: both sums can lie below the doubles (5e-900)
    same = log_forward == listed.log_total or math.isclose(
        log_forward, listed.log_total, rel_tol=1e-9, abs_tol=1e-12
    )
    if not same:
        r.warnings.append(
            f"the path sum (ln {listed.log_total!r}) and the forward value (ln {log_forward!r}) "
            "differ"
        )
    if abs(sum(table.values()) - 1) > 1e-6:
        r.notes.append(
            f"the probabilities sum to {exact_sum_text(table.values())}, not 1, so this total "
            "is not a "
            "probability; the two computations still agree"
        )
    zero = [s for s in dict.fromkeys([*labels, blank]) if table[s] == 0]
    if not math.isfinite(listed.loss):  # an infinite loss says why
        r.warnings.append(
            "the loss is infinite: p(l|x) = 0, since "
            + (
                f"{word} needs at least {need:,} frame{'' if need == 1 else 's'} and there "
                f"{'is' if frames == 1 else 'are'} {frames:,}"
                if count == 0
                else f"every alignment of {word} uses a symbol of probability 0 ("
                + ", ".join(f"y_t({z}) = 0" for z in zero)
                + ")"
                if zero
                else "every alignment's product underflows to 0 in float64"
            )
        )
    else:  # the loss worked from the sum printed above
        r.steps.append(
            Step(
                "loss",
                "−ln p(l|x) = −ln {p} = {loss}",
                {"p": total, "loss": listed.loss},
                r"-\ln p(l|x) = -\ln {p} = {loss}",
            )
        )
    # the givens each product multiplies (the symbols as values: each format escapes them);
    # a lead step, laid out before the table, appended last to keep the others' places
    given = ", ".join(f"y_t({{k{i}}}) = {as_written(v)}" for i, v in enumerate(table.values()))
    symbols = {f"k{i}": k for i, k in enumerate(table)}
    r.steps.append(Step("given, at every frame", given, symbols, lead=True))
    r.loss, r.unit = listed.loss, "nats"
    r.figures = {"loss": r.loss, "alignments": count}
    return r


def _short(symbols: list[str], limit: int = 48) -> str:
    """Symbols joined as one word; a long sequence shows its ends and its length."""
    if len(symbols) <= limit:
        return "".join(symbols)
    return f"{''.join(symbols[: limit - 8])}…{''.join(symbols[-6:])} ({len(symbols):,} symbols)"


def decode_result(
    matrix: list[list[float]],
    names: list[str],
    blank: str,
    *,
    from_logits: bool,
    flag: str,
    window: Window | None = None,
) -> Result:
    """Greedy decoding of a T x K matrix of probabilities (or logits) with named columns."""
    if not names or any(not s for s in names) or len(set(names)) != len(names):
        raise flag_error("give distinct column names, e.g. --symbols '-,A,B'", "--symbols")
    if blank not in names:
        raise flag_error(f"the blank {blank!r} is not among the symbols", "--symbols")
    if len({len(row) for row in matrix}) != 1:
        raise flag_error("rows of different lengths", flag)
    m = np.asarray(matrix, dtype=np.float64)
    if m.shape[1] != len(names):
        raise flag_error(f"{m.shape[1]} columns but {len(names)} symbols", flag)
    if not np.all(np.isfinite(m)):
        raise flag_error("expected finite numbers", flag)
    if from_logits:
        m = softmax(m, axis=1)
    elif np.any((m < 0) | (m > 1)):
        raise flag_error("probabilities must lie in [0, 1]", flag)
    best_idx, collapsed_idx = ctc_greedy_decode(m, blank=names.index(blank))
    path = [names[k] for k in best_idx]
    collapsed = [names[k] for k in collapsed_idx]
    frames = [dict(zip(names, map(float, row), strict=True)) for row in m]
    best = ctc_listed(collapsed, [path], frames, blank=blank).alignments[0]
    # from the log of the product: a long path's product underflows a double (0.4^2000)
    from rnnloss_cli.solve.ctc import _listed_prob

    loss = -best.log_product
    product = _listed_prob(best.product, best.log_product)
    r = Result("ctc_decode_greedy", "greedy (best-path) decoding", loss, unit="nats")
    styles = {(t, 1 + int(k)): "highlight" for t, k in enumerate(best_idx)}
    r.tables.append(
        Table.windowed(
            "per-frame probabilities",
            m.shape[0],
            lambda t: [t + 1, *map(float, m[t]), path[t]],
            ["t", *names, "best"],
            window,
            styles=styles,
        )
    )
    r.tables[-1].legend = {"highlight": "the most likely symbol of the frame"}
    r.steps.append(Step("best path π*", "{path| }", {"path": terms(path)}))
    r.steps.append(
        Step("collapse B(π*)", "merge repeats, drop blanks: " + (_short(collapsed) or EMPTY))
    )
    r.steps.append(
        Step(
            "p(π*)",
            "{factors|*} = {value}",
            {"factors": terms(best.factors), "value": product},
        )
    )
    if math.isfinite(loss):  # the loss worked from the product printed above
        r.steps.append(
            Step(
                "loss",
                "−ln p(π*) = −ln {p} = {loss}",
                {"p": product, "loss": loss},
                r"-\ln p(\pi^*) = -\ln {p} = {loss}",
            )
        )
    else:  # the best symbol of some frame has probability 0: every symbol has
        t = int(np.flatnonzero(m.max(axis=1) == 0)[0])
        r.warnings.append(
            f"the loss is infinite: p(π*) = 0, since every symbol has probability 0 at frame "
            f"{t + 1}, so every path through it has probability 0"
        )
    r.figures = {"loss": r.loss}
    r.notes.append(
        "loss here is −ln p(π*), the best path's negative log-probability; the best path's "
        "collapse need not be the most likely labelling (that sums over all its alignments)"
    )
    return r
