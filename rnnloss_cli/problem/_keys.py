"""Answer keys of the "beyond" kinds: besides numbers, text figures and arrays.

``parse_meta`` reads numeric keys only; ctc_align's ``path``, ctc_decode's ``greedy`` and
``beam`` are text and bptt's ``grads`` a mapping of arrays. :func:`split_answer` takes those
out of the answer (validated, with their lines) and hands the rest to ``parse_meta``.
These kinds also report probabilities beside the loss, so ``log_base`` (which divides every
figure) is refused for them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from rnnloss_cli.problem.base import Meta, loose_tolerance, parse_meta
from rnnloss_cli.problem.fields import Fields


@dataclass(frozen=True)
class ExtraKeys:
    """Text figures (name -> (text, line)) and array figures (name -> (array, line))."""

    text: dict[str, tuple[str, int | None]] = field(default_factory=dict)
    arrays: dict[str, tuple[np.ndarray, int | None]] = field(default_factory=dict)


def _text(f: Fields, value: Any, *parts: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise f.error("expected text, e.g. A-BB", *parts)
    return str(value)


def split_answer(
    f: Fields,
    kind: str,
    *,
    text: tuple[str, ...] = (),
    arrays: tuple[str, ...] = (),
) -> tuple[Meta, ExtraKeys]:
    """The Meta of the numeric keys, and the text and array keys named, validated.

    ``arrays`` names mappings of arrays (e.g. ``grads: {W_xh: [[...]]}``); their figures are
    ``grads.W_xh`` and so on.
    """
    if f.has("log_base"):
        raise f.error(
            f"kind '{kind}' reports probabilities beside its loss, so log_base does not apply "
            "(every figure is in natural units, the loss in nats)",
            "log_base",
        )
    extra = ExtraKeys()
    raw = f.raw("answer", None)
    if isinstance(raw, dict):
        rest = {}
        for key, value in raw.items():
            name = str(key)
            if name in text:
                extra.text[name] = (_text(f, value, "answer", key), f.line("answer", key))
            elif name in arrays:
                if not isinstance(value, dict) or not value:
                    raise f.error("expected a mapping name: array", "answer", key)
                for sub, arr in value.items():
                    where = ("answer", key, sub)
                    extra.arrays[f"{name}.{sub}"] = (
                        f.check_array(arr, *where, ndims=(0, 1, 2)),
                        f.line(*where),
                    )
            else:
                rest[key] = value
        data = {**f.data, "answer": rest}
        f = Fields(data, f.lines, f.file, f.path)
    meta = parse_meta(f, kind, uses_log=True)
    for name, (arr, _) in extra.arrays.items():  # each entry is a figure checked to tolerance
        for idx, value in np.ndenumerate(arr):
            where = name + "".join(f"[{i}]" for i in idx)
            if (trouble := loose_tolerance(meta.tolerance, float(value), where)) is not None:
                raise f.error(trouble, "tolerance")
    return meta, extra
