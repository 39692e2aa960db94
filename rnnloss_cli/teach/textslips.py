"""Slips for text figures: a decoding's ``greedy``/``beam`` labelling, an alignment's ``path``.

A wrong labelling is compared with the labelling each slip gives, recomputed with the engine
from the problem's emissions (never from the answer). The collapse B merges runs of a symbol
*first*, then drops the blanks (π* = a a - a b: merge -> a - a b, drop -> aab):

- ``greedy_for_beam`` / ``beam_for_greedy``: the other decoder's labelling;
- ``lm_ignored`` / ``lexicon_ignored``: the beam searched without the language model or lexicon;
- ``blanks_not_removed``: runs merged, blanks kept (a-ab);
- ``repeats_not_merged``: blanks dropped, runs not merged (aaab);
- ``merged_across_blank``: blanks dropped first, then runs merged (ab: the two a's run together);
- ``path_not_collapsed``: the best path π* written as is (aa-ab);
- ``labelling_for_path``: an alignment's target where its frame-by-frame path is asked;
- ``greedy_path_for_forced``: the per-frame argmax path where the best path that collapses to
  the target (Viterbi) is asked.

Adding one is adding a ``TextSlip`` entry: ``(ctx, figure) -> [(wrong text, correct step)]``.

Two more are read from the answer itself, when none of those gives it (``answer_slip``):

- ``not_the_best_alignment``: another alignment of the target (one symbol a frame, it
  collapses to the target), with its probability beside π*'s;
- ``symbol_case``: the right labelling but for the case of its symbols (A-BB written a-bb);
- ``symbols_spaced``: π* with spaces between its one-character symbols (A - B B).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

TextAlternatives = list[tuple[str, str]]


@dataclass(frozen=True)
class TextSlip:
    """A known mistake with a labelling: its name, what it says, and its recomputation."""

    name: str
    says: str
    alternatives: Callable[[Any, str], TextAlternatives]


def _word(symbols: Sequence[str]) -> str:
    from rnnloss_cli.solve._beyond import word

    return word(symbols)


def _shown(text: str) -> str:
    """A labelling in a step: the empty one as ε (``result.EMPTY``)."""
    from rnnloss_cli.solve._beyond import shown

    return shown(text)


def _cut(symbols: Sequence[str]) -> str:
    from rnnloss_cli.solve._beyond import cut_word, shown

    return shown(cut_word(symbols))


def merge_runs(symbols: Sequence[str]) -> list[str]:
    """Each run of one symbol written once: a a - a -> a - a."""
    return [s for i, s in enumerate(symbols) if i == 0 or s != symbols[i - 1]]


def drop_blanks(symbols: Sequence[str], blank: str) -> list[str]:
    return [s for s in symbols if s != blank]


def _kind(ctx: Any) -> str:
    return ctx.meta.kind


def _best_path(ctx: Any) -> list[str]:
    """π* = argmax_k y_t(k) per frame, as symbols (the engine's, lowest index on ties)."""
    from rnnloss_cli.engine.beam_search import greedy_decode

    fr = ctx.problem.frames
    path, _ = greedy_decode(fr.log_probs, fr.symbols.index(fr.blank))
    return [fr.symbols[k] for k in path.tolist()]


def _greedy(ctx: Any) -> list[str]:
    fr = ctx.problem.frames
    return drop_blanks(merge_runs(_best_path(ctx)), fr.blank)


def _beam(ctx: Any, **without: Any) -> list[str] | None:
    """The beam's best labelling, as the solver searches it (``lm=None`` / ``lexicon=None``
    in ``without`` leave that option out); None when the search finds none."""
    from rnnloss_cli.engine import ctc_beam_search
    from rnnloss_cli.engine.errors import EngineError
    from rnnloss_cli.solve.decode import search_options

    p = ctx.problem
    fr = p.frames
    lm, lexicon, separator = search_options(p)
    options = {"lm": lm, "lexicon": lexicon, "separator": separator, **without}
    if options["lexicon"] is None:
        options["separator"] = None
    try:
        hyps = ctc_beam_search(
            fr.log_probs,
            p.beam,
            fr.symbols.index(fr.blank),
            lm_weight=p.lm_weight,
            **options,
        )
    except EngineError:
        return None
    return [fr.symbols[k] for k in hyps[0].labels] if hyps else None


def _collapse_step(ctx: Any) -> str:
    path = _best_path(ctx)
    blank = ctx.problem.frames.blank
    merged = merge_runs(path)
    return (
        f"collapse the best path π* = {_cut(path)}: first merge each run of a symbol "
        f"({_cut(merged)}), then drop the blanks: {_cut(drop_blanks(merged, blank))}"
    )


def greedy_for_beam(ctx: Any, figure: str) -> TextAlternatives:
    """The greedy labelling B(π*) where the beam's is asked."""
    if _kind(ctx) != "ctc_decode" or figure != "beam":
        return []
    beam = ctx.texts.get("beam", "")
    step = (
        f"the beam (width {ctx.problem.beam}) sums the alignments of each prefix and ends on "
        f"{_shown(beam)}; the best path's collapse is the greedy answer"
    )
    return [(_word(_greedy(ctx)), step)]


def beam_for_greedy(ctx: Any, figure: str) -> TextAlternatives:
    """The beam's labelling where the greedy one (the best path's collapse) is asked."""
    if _kind(ctx) != "ctc_decode" or figure != "greedy":
        return []
    beam = _beam(ctx)
    return [] if beam is None else [(_word(beam), _collapse_step(ctx))]


def _beam_without(ctx: Any, figure: str, option: str) -> TextAlternatives:
    p = ctx.problem
    if _kind(ctx) != "ctc_decode" or figure != "beam" or getattr(p, option) is None:
        return []
    beam = _beam(ctx, **{option: None})
    if beam is None:
        return []
    what = "the language model's score" if option == "lm" else "the lexicon's words"
    step = f"rank and extend the prefixes with {what}: the beam ends on " + (
        _shown(ctx.texts.get("beam", ""))
    )
    return [(_word(beam), step)]


def lm_ignored(ctx: Any, figure: str) -> TextAlternatives:
    """The beam searched with the network's probabilities alone (the LM left out)."""
    return _beam_without(ctx, figure, "lm")


def lexicon_ignored(ctx: Any, figure: str) -> TextAlternatives:
    """The beam searched over every prefix (the lexicon left out)."""
    return _beam_without(ctx, figure, "lexicon")


def _collapse_slip(wrong: Callable[[list[str], str], list[str]]) -> Callable:
    def alternatives(ctx: Any, figure: str) -> TextAlternatives:
        if _kind(ctx) != "ctc_decode" or figure != "greedy":
            return []
        path = _best_path(ctx)
        return [(_word(wrong(path, ctx.problem.frames.blank)), _collapse_step(ctx))]

    return alternatives


def _forced_step(ctx: Any) -> str:
    target = _cut(list(ctx.problem.target))
    return (
        f"the path names one symbol per frame ({ctx.problem.frames.log_probs.shape[0]} frames), "
        f"the most probable of those that collapse to {target}: "
        f"{_shown(ctx.texts.get('path', ''))}"
    )


def labelling_for_path(ctx: Any, figure: str) -> TextAlternatives:
    """An alignment's target (the collapse) where its frame-by-frame path is asked."""
    if _kind(ctx) != "ctc_align" or figure != "path":
        return []
    return [(_word(list(ctx.problem.target)), _forced_step(ctx))]


def greedy_path_for_forced(ctx: Any, figure: str) -> TextAlternatives:
    """The per-frame argmax path (not constrained to the target) where Viterbi's is asked."""
    if _kind(ctx) != "ctc_align" or figure != "path":
        return []
    return [(_word(_best_path(ctx)), _forced_step(ctx))]


#: The catalogue, most specific first (the first match is the one named).
TEXT_SLIPS: tuple[TextSlip, ...] = (
    TextSlip(
        "greedy_for_beam",
        "it is the greedy labelling (the best path's collapse); the beam's is asked",
        greedy_for_beam,
    ),
    TextSlip(
        "beam_for_greedy",
        "it is the beam's labelling; the greedy one (the best path's collapse) is asked",
        beam_for_greedy,
    ),
    TextSlip("lm_ignored", "the beam was searched without the language model", lm_ignored),
    TextSlip("lexicon_ignored", "the beam was searched without the lexicon", lexicon_ignored),
    TextSlip(
        "blanks_not_removed",
        "the collapse merged the repeats but kept the blanks",
        _collapse_slip(lambda path, blank: merge_runs(path)),
    ),
    TextSlip(
        "repeats_not_merged",
        "the collapse dropped the blanks but did not merge the repeated symbols",
        _collapse_slip(drop_blanks),
    ),
    TextSlip(
        "merged_across_blank",
        "the collapse merged repeats across a blank (blanks dropped before merging)",
        _collapse_slip(lambda path, blank: merge_runs(drop_blanks(path, blank))),
    ),
    TextSlip(
        "path_not_collapsed",
        "it is the best path itself, not collapsed",
        _collapse_slip(lambda path, blank: list(path)),
    ),
    TextSlip(
        "labelling_for_path",
        "it is the target labelling; the alignment (one symbol per frame) is asked",
        labelling_for_path,
    ),
    TextSlip(
        "greedy_path_for_forced",
        "it is the most probable symbol per frame, which does not collapse to the target; "
        "the best alignment of the target is asked",
        greedy_path_for_forced,
    ),
)


def text_slip_values(ctx: Any, figure: str) -> list[tuple[TextSlip, TextAlternatives]]:
    """Each text slip with the wrong labellings it gives for ``figure`` (not the right one),
    computed once a figure and kept in ``ctx`` (``grade`` marks a class with one search)."""
    key = ("text", figure)
    if key not in ctx._slip_values:
        right = ctx.texts[figure]
        ctx._slip_values[key] = [
            (slip, [(alt, step) for alt, step in slip.alternatives(ctx, figure) if alt != right])
            for slip in TEXT_SLIPS
        ]
    return ctx._slip_values[key]


def diagnose_text(ctx: Any, figure: str, given: str) -> list[tuple[TextSlip, str, str]]:
    """(slip, its labelling, the correct step) for every text slip that gives ``given``."""
    found = []
    for slip, alternatives in text_slip_values(ctx, figure):
        for alt, step in alternatives:
            if alt == given:
                found.append((slip, alt, step))
                break
    return found


#: Frames an alignment's probability is written out for as a product (y_1 × y_2 × …).
PRODUCT_MAX_FRAMES = 12


def _answer_symbols(text: str, symbols: Sequence[str]) -> list[str] | None:
    """A path as written, as symbols: split at spaces when it has any (symbols longer than
    a character), else one symbol a character; None when one is not a symbol."""
    items = text.split() if " " in text else list(text)
    return items if all(s in symbols for s in items) else None


def _path_probability(log_probs: Any, idx: list[int], shown: str) -> tuple[float, str]:
    """(ln p(π), "p(π) = y_1(π_1) × … = value"): the product written out for a short path,
    the value from its log (a long path's product is 0 as a double)."""
    import math

    from rnnloss_cli.render.text import fmt_log, fmt_number

    terms = [float(log_probs[t, k]) for t, k in enumerate(idx)]
    ln = math.fsum(terms)
    value = fmt_log(ln, 4)
    if len(terms) > PRODUCT_MAX_FRAMES:
        return ln, f"p({shown}) = {value}"
    product = " × ".join(fmt_number(math.exp(x), 4) for x in terms)
    return ln, f"p({shown}) = {product} = {value}"


def _alignment_answer(ctx: Any, figure: str, text: str) -> tuple[list[str], list[str]] | None:
    """(the answer's symbols, π*'s) when ``text`` is an alignment of the target (T symbols
    that collapse to it), else None."""
    p = ctx.problem
    if _kind(ctx) != "ctc_align" or figure != "path" or not ctx.texts.get(figure):
        return None
    fr = p.frames
    given = _answer_symbols(text, fr.symbols)
    best = _answer_symbols(ctx.texts[figure], fr.symbols)
    if given is None or best is None or len(given) != fr.log_probs.shape[0]:
        return None
    if drop_blanks(merge_runs(given), fr.blank) != list(p.target):
        return None
    return given, best


def _not_the_best_alignment(ctx: Any, figure: str, text: str) -> tuple[str, str] | None:
    """``text`` is an alignment of the target but not π*: what it says and the step, both
    probabilities worked from the emissions (a tie is said to be one)."""
    import math

    found = _alignment_answer(ctx, figure, text)
    if found is None or found[0] == found[1]:
        return None
    fr, right = ctx.problem.frames, ctx.texts[figure]
    ln_mine, mine = _path_probability(fr.log_probs, [fr.symbols.index(s) for s in found[0]], text)
    ln_best, best = _path_probability(fr.log_probs, [fr.symbols.index(s) for s in found[1]], right)
    target = _cut(list(ctx.problem.target))
    if math.isclose(ln_mine, ln_best, rel_tol=1e-12, abs_tol=1e-12):
        return (
            f"it is an alignment of {target} as probable as the key's: a tie, and the key "
            "holds the one Viterbi's back-pointers pick",
            f"{mine}, and {best}: either is a best alignment",
        )
    return (
        f"it is an alignment of {target}, but not the most probable one",
        f"{mine}, against {best}: Viterbi keeps the more probable way into each cell",
    )


def _symbols_spaced(ctx: Any, figure: str, text: str) -> tuple[str, str] | None:
    """``text`` is π* itself with spaces between its one-character symbols."""
    found = _alignment_answer(ctx, figure, text)
    if found is None or found[0] != found[1]:
        return None
    return (
        "it is the best alignment, written with spaces between its symbols",
        f"write it as one word, as the key does: {ctx.texts[figure]}",
    )


def _symbol_case(ctx: Any, figure: str, text: str) -> tuple[str, str] | None:
    """``text`` is the right labelling but for the case of its symbols."""
    right = ctx.texts.get(figure, "")
    if not right or text == right or text.casefold() != right.casefold():
        return None
    symbols = getattr(getattr(ctx.problem, "frames", None), "symbols", None) or ()
    named = ", ".join(s for s in symbols if s.casefold() != s or s.upper() != s)[:80]
    return (
        "it is right but for the case of its symbols: they are compared exactly",
        f"write each symbol as the problem names it ({named}): {right}",
    )


#: Slips read from the answer (name, its check): tried when no catalogue slip gives it.
ANSWER_SLIPS: tuple[tuple[str, Callable[[Any, str, str], tuple[str, str] | None]], ...] = (
    ("symbol_case", _symbol_case),
    ("symbols_spaced", _symbols_spaced),
    ("not_the_best_alignment", _not_the_best_alignment),
)


def answer_slip(ctx: Any, figure: str, text: str) -> tuple[str, str, str] | None:
    """(name, what it says, the correct step) of the first ANSWER_SLIPS check that explains
    ``text``, else None."""
    for name, check in ANSWER_SLIPS:
        found = check(ctx, figure, text)
        if found is not None:
            return name, *found
    return None
