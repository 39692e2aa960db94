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
        f"{beam or '(empty)'}; the best path's collapse is the greedy answer"
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
        ctx.texts.get("beam") or "(empty)"
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
        f"{ctx.texts.get('path') or '(empty)'}"
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
