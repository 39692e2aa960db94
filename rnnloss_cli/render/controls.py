"""Control characters written as visible escapes: the one table every output uses.

C0 control characters, DEL and the C1 controls: from a problem file or a flag they would
drive the terminal (ESC [ 8 m hides what follows, a MISMATCH too; ESC ] 0 ; sets the
window's title) instead of being read, so they are shown as escapes (ESC as ``\\u001b``).
So are the bidirectional embeddings, overrides and isolates (U+202A..202E, U+2066..2069):
they reorder what is shown after them ("Trojan Source": "evil" read as "live"). Standard
output, error lines, and the HTML and markdown renderers (so a file written with -o reads as
standard output does) all go through :func:`visible_controls`.
"""

from __future__ import annotations

_CONTROLS = "".join(
    chr(c)
    for c in (*range(0x20), *range(0x7F, 0xA0), *range(0x202A, 0x202F), *range(0x2066, 0x206A))
)
_CONTROL_ESCAPES = {ord(c): f"\\u{ord(c):04x}" for c in _CONTROLS} | {
    ord("\n"): "\\n",
    ord("\r"): "\\r",
    ord("\t"): "\\t",
}
#: The same, but line breaks and tabs kept (a derivation's own layout).
_CONTROL_ESCAPES_KEEP_LINES = {
    k: v for k, v in _CONTROL_ESCAPES.items() if k not in (ord("\n"), ord("\t"))
}


def visible_controls(text: str, *, keep_lines: bool = True) -> str:
    """``text`` with its control characters written as escapes: ESC as ``\\u001b``, and
    with ``keep_lines=False`` a line break as ``\\n`` (a message stays one line)."""
    if text.isprintable() or (keep_lines and all(c.isprintable() or c in "\n\t" for c in text)):
        return text
    return text.translate(_CONTROL_ESCAPES_KEEP_LINES if keep_lines else _CONTROL_ESCAPES)
