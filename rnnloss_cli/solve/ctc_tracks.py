"""Paths over the CTC trellis, for the figures: listed alignments and the Viterbi path.

A path π (one symbol per frame) is walked over the blank-extended labels l' = (b, l_1, b, ...,
l_S, b) by the rules of the CTC recursion: the same symbol as the current state stays there
(s → s); a blank after a label moves to the blank after it (s → s+1); a label moves to the
next label state (s → s+1 from a blank, s → s+2 from a label, skipping the blank). For an
alignment of the target (B(π) = l) this gives the one state sequence the path takes through
the trellis. An invalid path is still drawn where it can be: a label that is not the next one
jumps forward to the next state holding it (or back to its first one), which leaves the
allowed transitions; a symbol not in l' at all has no state (None) and breaks the line.

The Viterbi path is the engine's (:func:`rnnloss_cli.engine.ctc_viterbi_trace`): the
alignment of greatest Π_t y_t(π_t), δ_t(s) = ln y_t(l'_s) + max(δ_{t−1}(s), δ_{t−1}(s−1),
[δ_{t−1}(s−2)]).
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from rnnloss_cli.limits import TRELLIS_MAX_TRACKS
from rnnloss_cli.result import EMPTY, LogNumber, Result, Table, Track, Window, window_indices


def extended(target: Sequence[str], blank: str) -> list[str]:
    """l' = blank, l_1, blank, l_2, ..., l_S, blank (2S + 1 states)."""
    ext = [blank] * (2 * len(target) + 1)
    ext[1::2] = list(target)
    return ext


def path_states(path: Sequence[Any], ext: Sequence[Any], blank: Any) -> list[int | None]:
    """The 0-based state of l' that ``path`` is in at each frame (see the module docstring).

    >>> path_states("A-B", ["-", "A", "-", "B", "-"], "-")
    [1, 2, 3]
    >>> path_states("AB-", ["-", "A", "-", "B", "-"], "-")
    [1, 3, 4]
    """
    where: dict[Any, list[int]] = {}
    for k, c in enumerate(ext):
        where.setdefault(c, []).append(k)
    out: list[int | None] = []
    s = -1  # before the first frame
    for c in path:
        if s >= 0 and ext[s] == c:
            out.append(s)
            continue
        if c == blank:
            s = s + 1  # from a label (or the start) to the blank after it
        else:
            nxt = s + 1 if s % 2 == 0 else s + 2  # the next label state (-1 % 2 == 1)
            if nxt < len(ext) and ext[nxt] == c:
                s = nxt
            else:  # not the next label: jump to where the symbol is next (or first), if anywhere
                rows = where.get(c)
                if not rows:
                    out.append(None)
                    continue
                i = bisect.bisect_right(rows, s)
                s = rows[i] if i < len(rows) else rows[0]
        out.append(s)
    return out


def allowed_move(ext: Sequence[Any], a: int, b: int) -> bool:
    """Whether the CTC recursion allows state a at one frame to go to b at the next."""
    if b in (a, a + 1):
        return True
    return b == a + 2 and ext[b] != ext[a]


def first_bad_move(ext: Sequence[Any], states: Sequence[int | None]) -> int | None:
    """The first 0-based frame t whose move from frame t−1 the recursion does not allow (a
    wrong start or end counts too: the first frame must be in state 0 or 1, the last in
    S'−1 or S'−2); None when every move is allowed."""
    if not states:
        return None
    if states[0] not in (0, 1):
        return 0
    for t in range(1, len(states)):
        a, b = states[t - 1], states[t]
        if a is None or b is None or not allowed_move(ext, a, b):
            return t
    if states[-1] not in (len(ext) - 1, len(ext) - 2):
        return len(states) - 1
    return None


def _held(frames: list[int], length: int) -> list[int]:
    """The held frames a path of ``length`` frames covers."""
    return [t for t in frames if t < length]


def _word(symbols: Sequence[Any]) -> str:
    items = [str(s) for s in symbols]
    return "".join(items) if all(len(s) == 1 for s in items) else " ".join(items)


def listed_tracks(
    lc: Any, ext: list[str], blank: str, frames: list[int], n_frames: int | None
) -> list[Track]:
    """Tracks of the first TRELLIS_MAX_TRACKS listed alignments over the held ``frames``.

    ``n_frames`` is the trellis's frame count (None for a lattice as long as the longest
    alignment): a path of another length says so in ``why``.
    """
    out = []
    for i, a in enumerate(lc.alignments[:TRELLIS_MAX_TRACKS]):
        states = path_states(a.path, ext, blank)
        held = _held(frames, len(a.path))
        whys = []
        if not a.valid:
            whys.append(f"collapses to {_word(a.collapsed) or EMPTY}")
        bad = first_bad_move(ext, states)
        if bad is not None and not a.valid:
            whys.append(f"leaves the allowed transitions at frame {bad + 1}")
        if n_frames is not None and len(a.path) != n_frames:
            whys.append(f"{len(a.path)} frames, the input has {n_frames}")
        out.append(
            Track(
                f"alignment {i + 1}: {_word(a.path)}",
                held,
                [states[t] for t in held],
                a.valid and (n_frames is None or len(a.path) == n_frames),
                "; ".join(whys) or None,
                len(a.path),
                probability=a.product,
                symbol_probability=(
                    None
                    if math.isclose(a.product, a.symbol_product, rel_tol=1e-9, abs_tol=0.0)
                    else a.symbol_product
                ),
            )
        )
    return out


def viterbi_track(
    log_probs: np.ndarray, target: np.ndarray, blank: int, ext: list[str], frames: list[int]
) -> Track | None:
    """The best (Viterbi) path over the held ``frames``; None when no alignment fits."""
    from rnnloss_cli.engine import ctc_viterbi_trace

    return best_track(ctc_viterbi_trace(np.asarray(log_probs), target, blank=blank), ext, frames)


def best_track(tr: Any, ext: list[str], frames: list[int]) -> Track | None:
    """The best path of a ``ctc_viterbi_trace`` over the held ``frames``; None when no
    alignment fits."""
    if not tr.feasible:
        return None
    ln_best = float(tr.best_log_prob)
    prob: float | LogNumber = math.exp(ln_best) if ln_best > -700.0 else LogNumber(ln_best)
    word = _word([ext[int(s)] for s in tr.states])
    return Track(
        f"best path (Viterbi): {word}" if len(tr.states) <= 48 else "best path (Viterbi)",
        list(frames),
        [int(tr.states[t]) for t in frames],
        True,
        None,
        int(tr.states.size),
        best=True,
        probability=prob,
    )


def lattice_table(ext: list[str], n_frames: int, window: Window) -> Table:
    """A trellis-shaped table with no values (cells None): the lattice of l' against frames
    1..n_frames, for drawing listed alignments when no per-frame distribution is given."""
    kept, split = window_indices(len(ext), window.rows)
    frames, fsplit = window_indices(n_frames, max(window.columns - 2, 2))
    return Table(
        "lattice of extended labels",
        ["s", "l'_s", *[f"t={t + 1}" for t in frames]],
        [[s + 1, ext[s], *[None] * len(frames)] for s in kept],
        n_rows=len(ext) if split is not None else None,
        head_rows=split,
        n_columns=None if fsplit is None else n_frames + 2,
        head_columns=None if fsplit is None else 2 + fsplit,
        key_columns=2,
    )


def attach_listed(r: Result, lc: Any, p: Any, window: Window) -> None:
    """Tracks for the listed alignments; with no per-frame distribution, a lattice as long
    as the longest alignment to draw them on (``r.lattice``)."""
    ext = extended(p.target, p.blank)
    if p.frame_probs is not None:
        n_frames = int(p.frame_probs.shape[0])
        frames, _ = window_indices(n_frames, max(window.columns - 2, 2))
        r.tracks += listed_tracks(lc, ext, p.blank, frames, n_frames)
        return
    longest = max(lc.lengths, default=0)
    if longest == 0:
        return
    r.lattice = lattice_table(ext, longest, window)
    frames, _ = window_indices(longest, max(window.columns - 2, 2))
    r.tracks += listed_tracks(lc, ext, p.blank, frames, None)
