"""The one place for the CLI's streams, encodings, exit codes and file writes.

Every command runs inside :func:`run`, which maps what went wrong to one line on stderr and an
exit code:

====  ==================================================================================
0     ok
1     an answer key disagrees
2     bad input or usage (a problem file, a flag, an output path that may not be written)
3     the output could not be written (full disk, closed standard output; a broken pipe,
      the reader stopping as ``| head`` does, exits 3 without a line)
4     an internal error: a bug in rnnloss (``--debug`` shows the traceback)
====  ==================================================================================

On a standard output that cannot encode Unicode (``PYTHONIOENCODING=ascii``, latin-1 consoles)
text degrades to ASCII (``-`` for ``−``, ``a_t(s)`` for ``α_t(s)``, ``+-|`` boxes, and the
user's own characters as escapes, ``\\u00c4`` for ``Ä``) instead of failing; JSON escapes
non-ASCII characters, so it stays valid and exact. Files are written atomically (a temporary
file in the same folder, then a rename), never over one of the command's own inputs, and never
over an existing file without ``--force``.

Only the standard library and typer are imported here (start-up).
"""

from __future__ import annotations

import codecs
import errno
import io
import os
import re
import stat
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, TextIO

import typer

from rnnloss_cli.render.controls import visible_controls

EXIT_OK = 0
EXIT_MISMATCH = 1
EXIT_BAD_INPUT = 2
EXIT_OUTPUT = 3
EXIT_INTERNAL = 4

#: Set by ``--debug`` (anywhere on the command line): internal errors show their traceback.
DEBUG_FLAG = "--debug"

#: Characters the derivations use, and their ASCII stand-ins.
ASCII_FALLBACK = {
    "−": "-",
    "–": "-",
    "—": "-",
    "×": "x",
    "·": "*",
    "÷": "/",
    "±": "+-",
    "≈": "~=",
    "≠": "!=",
    "≤": "<=",
    "≥": ">=",
    "→": "->",
    "←": "<-",
    "⇒": "=>",
    "∞": "inf",
    "∈": " in ",
    "∑": "sum",
    "Σ": "sum",
    "Π": "prod",
    "∏": "prod",
    "∂": "d",
    "∇": "grad",
    "√": "sqrt",
    "…": "...",
    "⋯": "...",
    "′": "'",
    "‘": "'",
    "’": "'",
    "“": '"',
    "”": '"',
    "✔": "ok",
    "✓": "ok",
    "✗": "x",
    "⚠": "!!",
    "•": "*",
    "█": "#",
    "▏": "|",
    "▕": "|",
    "│": "|",
    "─": "-",
    "━": "-",
    "α": "a",
    "β": "b",
    "γ": "g",
    "δ": "d",
    "ε": "eps",
    "η": "eta",
    "θ": "theta",
    "λ": "lambda",
    "μ": "mu",
    "π": "pi",
    "σ": "sigma",
    "τ": "tau",
    "φ": "phi",
    "ψ": "psi",
    "ω": "omega",
    "ŷ": "yhat",
    "²": "^2",
    "³": "^3",
    "⁻": "^-",
    "¹": "^1",
    "ᵀ": "^T",
    "ₜ": "_t",
    "ᵢ": "_i",
    "\u00a0": " ",
    # More of the notation (explain, bptt, rnnt, train); anything else is the user's.
    "∅": "{}",
    "‖": "||",
    "⊙": "(.)",
    "†": "?",
    "₁": "_1",
    "₂": "_2",
    "ₖ": "_k",
    "₍": "_(",
    "₎": ")",
    "ᵗ": "^t",
    "\u0302": "hat",
    "µ": "u",
    "½": "1/2",
    "▁": "_",
    "▂": "_",
    "▃": "-",
    "▄": "-",
    "▅": "=",
    "▆": "=",
    "▇": "#",
}
_ASCII_TABLE = {ord(k): v for k, v in ASCII_FALLBACK.items()}
#: What a stream must encode for derivations to print as they are.
_UNICODE_PROBE = "−α✔⚠│…"


def to_ascii(text: str) -> str:
    """``text`` with every non-ASCII character replaced by an ASCII stand-in.

    The derivations' own notation has readable stand-ins (``ASCII_FALLBACK``: ``−`` -> ``-``,
    ``α`` -> ``a``) and box drawing becomes ``+``, ``-`` or ``|``. Any other character, which
    comes from the user (a symbol, a title, a typed name), is written as its escape: ``Ä`` ->
    ``\\u00c4``, ``日`` -> ``\\u65e5`` (``\\U0001f600`` past U+FFFF), as JSON writes it on the
    same stream. Its base letter (``Ä`` -> ``A``) or ``?`` made two symbols look the same:
    a vocabulary of ``A`` and ``Ä`` printed two columns ``A``, and ``new msé`` said "no
    template for kind 'mse'; did you mean 'mse'?".
    """
    if text.isascii():
        return text
    text = text.translate(_ASCII_TABLE)
    if text.isascii():
        return text
    return "".join(ch if ch.isascii() else _stand_in(ch) for ch in text)


def _stand_in(ch: str) -> str:
    """A box-drawing character's ``-`` or ``|``; any other character's escape."""
    import unicodedata

    name = unicodedata.name(ch, "")
    if "BOX DRAWINGS" in name:
        return "|" if "VERTICAL" in name and "HORIZONTAL" not in name else "-"
    code = ord(ch)
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


#: Texts at least this long are written straight to standard output's file descriptor
#: (:meth:`StdoutStream._write_direct`); shorter ones go through its buffer.
DIRECT_WRITE_CHARS = 8192


class OutputError(Exception):
    """Standard output could not be written (not an OSError, so no library swallows it)."""


class StdoutStream(io.TextIOBase):
    """Standard output as the commands see it.

    Write errors (broken pipe, full disk, closed stream) become :class:`OutputError`, which
    :func:`run` turns into exit 3 (Typer and Rich would otherwise exit 1, "a key disagrees").
    With ``ascii_only``, every character is written as its ASCII stand-in (:func:`to_ascii`).
    """

    def __init__(self, raw: TextIO, *, ascii_only: bool) -> None:
        self.raw = raw
        self.ascii_only = ascii_only

    @property
    def encoding(self) -> str:  # type: ignore[override]
        # "ascii" makes Rich draw tables with +-| boxes.
        return "ascii" if self.ascii_only else (getattr(self.raw, "encoding", None) or "utf-8")

    def write(self, text: str) -> int:
        data = to_ascii(text) if self.ascii_only else text
        try:
            try:
                self._write(data)
            except UnicodeEncodeError:  # nothing of ``data`` was written: it is encoded first
                self._write(escape_unencodable(data, self.encoding))
        except (OSError, ValueError) as exc:
            raise OutputError(_describe_output_error(exc)) from exc
        return len(text)

    def _write(self, data: str) -> None:
        if len(data) < DIRECT_WRITE_CHARS or not self._write_direct(data):
            self.raw.write(data)

    def _write_direct(self, data: str) -> bool:
        """Write a big text to the file descriptor in a loop of ``os.write`` until every byte
        is out (False when the stream has none). Through the buffered stream, a write that
        the reader's exit cut short (``| head``: 64 KiB of 177 KiB taken) was lost without an
        error and the command exited 0; here the rest meets the broken pipe and raises."""
        try:
            fd = self.raw.fileno()
        except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
            return False
        encoding = getattr(self.raw, "encoding", None) or "utf-8"
        errors = getattr(self.raw, "errors", None) or "strict"
        # The stream's own encoder writes a byte-order mark (utf-16, utf-32, utf-8-sig) once,
        # at the start: a write of nothing lets it, and this text is encoded as past the start
        # (str.encode put a U+FEFF before every big text, in the middle of the output).
        self.raw.write("")
        encoder = codecs.getincrementalencoder(encoding)(errors)
        encoder.setstate(0)
        view = memoryview(encoder.encode(data, final=True))
        self.raw.flush()  # what was written before goes first
        while view:
            view = view[os.write(fd, view) :]
        return True

    def flush(self) -> None:
        try:
            self.raw.flush()
        except (OSError, ValueError) as exc:
            raise OutputError(_describe_output_error(exc)) from exc

    def isatty(self) -> bool:
        try:
            return self.raw.isatty()
        except (OSError, ValueError):
            return False

    def fileno(self) -> int:
        return self.raw.fileno()

    def writable(self) -> bool:
        return True


def encodes_unicode(stream: Any) -> bool:
    """True when ``stream`` can take the derivations' characters as they are."""
    encoding = getattr(stream, "encoding", None)
    if not encoding:
        return False
    try:
        _UNICODE_PROBE.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return False
    return True


class _ClosedStdout(io.TextIOBase):
    """Stands for a standard output that was closed before the start (``>&-``): every write
    fails as a write to a closed file does, which StdoutStream turns into OutputError. Its
    encoding is Unicode: whatever the text holds, the fault is the closed stream (grade's
    CSV with a non-ASCII name said "set PYTHONIOENCODING", exit 2, instead of exit 3)."""

    encoding = "utf-8"

    def write(self, text: str) -> int:
        raise ValueError("I/O operation on closed file")

    def fileno(self) -> int:
        raise ValueError("I/O operation on closed file")


def install_streams() -> None:
    """Wrap stdout (write errors -> OutputError) and stderr, degrading to ASCII when needed."""
    if sys.stdout is not None and not isinstance(sys.stdout, StdoutStream):
        sys.stdout = StdoutStream(sys.stdout, ascii_only=not encodes_unicode(sys.stdout))
    if sys.stderr is not None and not encodes_unicode(sys.stderr):
        sys.stderr = StdoutStream(sys.stderr, ascii_only=True)


def stdout_is_unicode() -> bool:
    """False when standard output degrades to ASCII (JSON then escapes non-ASCII)."""
    return not (isinstance(sys.stdout, StdoutStream) and sys.stdout.ascii_only)


#: Characters of an error line: a flag's value or a name quoted whole made a line of up to
#: 128 KiB (an argument's limit); longer lines keep their start and end.
MAX_MESSAGE_CHARS = 1_000


def say(message: str, *, one_line: bool = False) -> None:
    """A message on stderr (never data), its control characters shown as escapes (line
    breaks kept: a summary has several lines, unless ``one_line``: a message naming a file,
    whose name may hold a line break); silent if stderr itself is gone."""
    stream = sys.stderr
    if stream is None:
        return
    text = visible_controls(message, keep_lines=not one_line)
    if len(text) > MAX_MESSAGE_CHARS:
        text = "\n".join(map(_shortened, text.split("\n")))
    try:
        stream.write(text + "\n")
        stream.flush()
    except (OSError, ValueError):
        pass


def fail_if_keys_disagree(names: Iterable[str]) -> None:
    """Name each file whose answer key disagrees with the computed value (one line each on
    stderr) and exit 1 if there was one: the output is written in full first, by the caller."""
    names = list(names)
    for name in names:
        say(f"answer key disagrees: {name}", one_line=True)
    if names:
        raise typer.Exit(EXIT_MISMATCH)


def _shortened(line: str) -> str:
    """``line`` with its middle left out past MAX_MESSAGE_CHARS (the start names the file,
    line and field; the end often what was expected), saying how much was left out."""
    if len(line) <= MAX_MESSAGE_CHARS:
        return line
    head, tail = MAX_MESSAGE_CHARS * 2 // 3, MAX_MESSAGE_CHARS // 3
    left_out = len(line) - head - tail
    return f"{line[:head]} … ({left_out:,} characters left out) … {line[-tail:]}"


def report_error(err: Exception | str) -> None:
    """Print ``error: ...`` on stderr, one line (a line break from a file or a flag, as in
    a field's name, shown as ``\\n``)."""
    say(visible_controls(f"error: {err}", keep_lines=False))


def fail(err: Exception | str) -> typer.Exit:
    """Print ``error: ...`` on stderr (:func:`report_error`) and return the exit for bad
    input (2)."""
    report_error(err)
    return typer.Exit(EXIT_BAD_INPUT)


def guarded(fn: Callable[[], Any]) -> Any:
    """Run ``fn``; bad input (a ProblemError or an EngineError) exits 2, one line."""
    from rnnloss_cli.engine.errors import EngineError
    from rnnloss_cli.errors import ProblemError

    try:
        return fn()
    except (ProblemError, EngineError) as err:
        raise fail(err) from None


#: Narrowest console the derivations are drawn for: ``COLUMNS=0`` (or 1) made Rich draw
#: nothing at all; narrower terminals get lines wrapped by the terminal instead.
MIN_CONSOLE_WIDTH = 20
#: Widest console the derivations and the help are drawn for: Rich draws a panel (a custom
#: problem's terms) and the help as wide as ``COLUMNS``, so COLUMNS=100000 printed 6.6 MB for
#: custom-combo.yaml and COLUMNS=10^7 hundreds of MB; a wider terminal gets them 500 wide.
MAX_CONSOLE_WIDTH = 500


def clamp_columns() -> None:
    """Keep the width Rich and Typer's help read within MIN_CONSOLE_WIDTH..MAX_CONSOLE_WIDTH.

    Both read ``COLUMNS`` (when ``str.isdigit`` says it is digits) before the terminal's own
    size, so it is set here to the nearest bound when it passes one: a 20-digit COLUMNS was
    an internal error (an index-sized integer), COLUMNS=1 drew the help one word a line. A
    COLUMNS that isdigit accepts and int does not (``²``, an internal error too) is dropped.
    A terminal wider than the bound (no COLUMNS) is drawn for the bound too.
    """
    raw = os.environ.get("COLUMNS", "").strip()
    width = None
    if raw.isdigit():
        try:
            width = int(raw)
        except ValueError:  # a superscript digit: isdigit is True, int refuses it
            del os.environ["COLUMNS"]
    if width is None:
        try:
            width = os.get_terminal_size(sys.__stdout__.fileno()).columns
        except (OSError, ValueError, AttributeError):
            return
        if width <= MAX_CONSOLE_WIDTH:
            return
    clamped = min(max(width, MIN_CONSOLE_WIDTH), MAX_CONSOLE_WIDTH)
    if clamped != width or os.environ.get("COLUMNS") != str(width):
        os.environ["COLUMNS"] = str(clamped)


def console():
    """A Rich console on the current standard output (ASCII boxes when it is not Unicode),
    at least ``MIN_CONSOLE_WIDTH`` columns wide.

    On an ASCII-only output its texts are put in their ASCII stand-ins before Rich lays them
    out: put in after, by the stream, a stand-in longer than its character (``ŷ`` ->
    ``yhat``, a user's ``Ä`` -> ``\\u00c4``) pushed the rest of its row past the table's
    borders."""

    # No emoji codes or highlighting in derivations (and their tables stay unimported).
    ascii_only = isinstance(sys.stdout, StdoutStream) and sys.stdout.ascii_only
    out = _console_class()(file=sys.stdout, highlight=False, emoji=False)
    out.ascii_only = ascii_only
    if out.width < MIN_CONSOLE_WIDTH:
        out.width = MIN_CONSOLE_WIDTH
    elif out.width > MAX_CONSOLE_WIDTH:
        out.width = MAX_CONSOLE_WIDTH
    return out


def _console_class():
    """A Console whose ``print`` shows control characters as escapes and, on an ASCII-only
    output (``ascii_only``), puts the ASCII stand-ins in, both before the layout."""
    from rich.console import Console

    class SafeConsole(Console):
        ascii_only = False

        def print(self, *objects: Any, **kwargs: Any) -> None:
            def shown(text: str) -> str:
                text = visible_controls(text)
                return to_ascii(text) if self.ascii_only else text

            super().print(*(map_texts(o, shown) for o in objects), **kwargs)

    return SafeConsole


def map_texts(obj: Any, change: Callable[[str], str]) -> Any:
    """``obj`` with ``change`` applied to its texts, styles kept: a string, a Text, and the
    texts inside a Table, a long table (``render.rich_grid.FastTable``), Group, Panel or
    Padding. Anything else is left as it is (the
    stream's ASCII fallback still covers it).

    Only Rich's public API is used: Rich is not pinned above, and its private attributes
    (a column's ``_cells``) may move in any release, which would silently drop the ASCII
    stand-ins and the control-character escapes. A Table is changed in place, its rows
    rebuilt with ``Column.copy``, ``Column.cells`` and ``add_row``; a Group is rebuilt."""
    from rich.console import Group
    from rich.padding import Padding
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    from rnnloss_cli.render.rich_grid import FastTable

    if isinstance(obj, str):
        return change(obj)
    if isinstance(obj, Text):
        return _map_text(obj, change)
    if isinstance(obj, FastTable):
        return obj.mapped(change)
    if isinstance(obj, Table):
        for attr in ("title", "caption"):
            setattr(obj, attr, map_texts(getattr(obj, attr), change))
        rows = list(obj.rows)
        cells = [[map_texts(c, change) for c in column.cells] for column in obj.columns]
        obj.columns = [column.copy() for column in obj.columns]  # same settings, no cells
        for column in obj.columns:
            column.header = map_texts(column.header, change)
            column.footer = map_texts(column.footer, change)
        obj.rows = []
        # zip: Rich draws as many rows as its shortest column has cells
        for row, row_cells in zip(rows, zip(*cells, strict=False), strict=False):
            obj.add_row(*row_cells, style=row.style, end_section=row.end_section)
    elif isinstance(obj, Group):
        return Group(*(map_texts(r, change) for r in obj.renderables), fit=obj.fit)
    elif isinstance(obj, Panel):
        obj.renderable = map_texts(obj.renderable, change)
        obj.title = map_texts(obj.title, change)
        obj.subtitle = map_texts(obj.subtitle, change)
    elif isinstance(obj, Padding):
        obj.renderable = map_texts(obj.renderable, change)
    return obj


def _map_text(text: Any, change: Callable[[str], str]) -> Any:
    """A Rich Text with ``change`` applied and its styles kept: cut at every span's ends, each
    piece (one set of styles) changed and styled over its new length."""
    from rich.text import Span, Text

    plain = text.plain
    if change(plain) == plain:
        return text
    cuts = sorted({o for sp in text.spans for o in (sp.start, sp.end) if 0 < o < len(plain)})
    pieces = text.divide(cuts) if cuts else [text]
    out = Text(
        style=text.style,
        justify=text.justify,
        overflow=text.overflow,
        no_wrap=text.no_wrap,
        end=text.end,
    )
    for piece in pieces:
        start = len(out.plain)
        out.append(change(piece.plain))
        end = len(out.plain)
        out.spans.extend(Span(start, end, sp.style) for sp in piece.spans if sp.end > sp.start)
    return out


def write_stdout(text: str | Iterable[str]) -> None:
    """Write text (or its pieces, in order: :func:`joined_pieces`) to standard output,
    ending it with a newline."""
    if isinstance(text, str):
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return
    last = ""
    for piece in joined_pieces(text):
        sys.stdout.write(piece)
        last = piece
    if not last.endswith("\n"):
        sys.stdout.write("\n")


#: Characters a streamed text is written in at a time (:func:`joined_pieces`): few enough
#: to keep memory flat, many enough that a report of a million lines is not a million writes.
WRITE_PIECE_CHARS = 1 << 20


def joined_pieces(pieces: Iterable[str], size: int = WRITE_PIECE_CHARS) -> Iterator[str]:
    """``pieces`` gathered into texts of about ``size`` characters (a piece longer than that
    goes alone), in order, none empty; nothing more than one such text is held at once."""
    held: list[str] = []
    count = 0
    for piece in pieces:
        if not piece:
            continue
        held.append(piece)
        count += len(piece)
        if count >= size:
            yield "".join(held)
            held, count = [], 0
    if held:
        yield "".join(held)


def write_markup(text: str) -> None:
    """HTML or XML to standard output. On one that cannot encode Unicode, non-ASCII
    characters become character references (``&#xeb;``), which a browser or an XML parser
    reads back exactly, where the ASCII stand-ins of the derivations would change the data
    (a student "Zoë" becoming "Zoe", a CJK title "????"). The pages keep non-ASCII text out of
    their <style> and <script> blocks, where references are not decoded.

    Control characters from a problem file (a YAML ``"\\e"`` in a title: ESC, or a bidi
    override) are written as escapes (``\\u001b``), as on every other output: sent raw,
    they drove the terminal the page was printed to. (Inside a script's string the escape
    reads back as the same character.)"""
    text = visible_controls(text)
    if not stdout_is_unicode():
        text = text.encode("ascii", "xmlcharrefreplace").decode("ascii")
    write_stdout(text)


_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def _json_escape(m: re.Match[str]) -> str:
    code = ord(m.group())
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    code -= 0x10000  # past U+FFFF: a surrogate pair, as json.dumps writes it
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def json_for_stdout(text: str | Iterable[str]) -> str | Iterable[str]:
    """JSON written with ``ensure_ascii=False`` (a text or its pieces), made ready for
    standard output: as it is on a Unicode one; on one that cannot encode Unicode, each
    non-ASCII character (in JSON, only ever inside a string) as JSON's own escape
    (``\\u00eb``; a surrogate pair past U+FFFF). The derivations' ASCII stand-ins, which the
    stream would apply, changed the data (a student ``α`` written ``a``, another student's
    id) or broke it (``\\U0001f600`` is no JSON escape)."""
    if stdout_is_unicode():
        return text
    if isinstance(text, str):
        return _NON_ASCII.sub(_json_escape, text)
    return (p if p.isascii() else _NON_ASCII.sub(_json_escape, p) for p in text)


def write_data(text: str, what: str) -> None:
    """Data with no escape for non-ASCII characters (a CSV report) to standard output; on one
    that cannot encode Unicode, exit 2 rather than write changed data (its stand-ins would)."""
    if not stdout_is_unicode() and not text.isascii():
        raise fail(
            f"the {what} holds non-ASCII characters (names, symbols) that standard output "
            "cannot encode as it is set up (PYTHONIOENCODING or the locale); write it to a "
            "file with -o (files are UTF-8) or set PYTHONIOENCODING=utf-8"
        )
    write_stdout(text)


# ------------------------------------------------------------------ files
def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return a.resolve() == b.resolve()


def _is_stdin_file(output: Path) -> bool:
    """True when standard input is a regular file and ``output`` leads to it (``- < p.yaml``
    with ``-o p.yaml``, or ``-o /dev/stdin``): writing there would replace what was read."""
    try:
        stdin = os.fstat(0)
        if not stat.S_ISREG(stdin.st_mode) or not output.exists():
            return False
        target = output.stat()
    except (OSError, ValueError):
        return False
    return (target.st_dev, target.st_ino) == (stdin.st_dev, stdin.st_ino)


#: Bytes of a file's name (its last part, in UTF-8): the bound of ext4, XFS, APFS, btrfs and
#: most others. Checked before writing: in a folder not made yet, the system says "no such
#: file" for a longer name, so a command writing several files (``vary --ids`` with a long
#: id) wrote the first ones and then failed.
MAX_NAME_BYTES = 255


def check_output_path(output: Path, *, force: bool, inputs: Iterable[str | Path] = ()) -> None:
    """Refuse (exit 2) an output path that is an input, a folder, or exists without --force,
    or that cannot be looked at (a name too long, a loop of symbolic links); ``-`` (standard
    output) is always fine."""
    if str(output) == "-":
        return
    size = len(os.fsencode(output.name))
    if size > MAX_NAME_BYTES:
        raise fail(
            f"{shown_path(output)}: file name too long ({size} bytes; at most {MAX_NAME_BYTES}, "
            "MAX_NAME_BYTES, what file systems hold): give a shorter one"
        )
    try:
        problem = _folder_name_problem(output)
        if problem is None:
            problem = _output_path_problem(_landing(output), force, inputs)
    except (OSError, RuntimeError) as exc:  # RuntimeError: Path.resolve on a symlink loop
        problem = f"cannot be used as an output: {_reason(exc)}"
    if problem is not None:
        raise fail(f"{shown_path(output)}: {problem}")


def refuse_stdout_onto(inputs: Callable[[], Iterable[str | Path]]) -> None:
    """Refuse (exit 2) a standard output that is one of the command's input files
    (``solve f.yaml >> f.yaml`` appended the JSON to the problem file, where ``-o /dev/stdout``
    onto it is refused), before anything is written; ``-`` among the inputs stands for the
    file on standard input. ``inputs`` is called only when standard output is a regular file
    (a terminal or a pipe costs nothing)."""
    try:
        out = os.fstat(sys.stdout.fileno())
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        return
    if not stat.S_ISREG(out.st_mode):
        return
    for src in inputs():
        try:
            same = os.path.samestat(os.fstat(0) if str(src) == "-" else os.stat(src), out)
        except (OSError, ValueError):
            continue
        if same:
            name = "the file on standard input" if str(src) == "-" else shown_path(src)
            raise fail(
                f"standard output is {name}, one of this command's inputs; it is never written over"
            )


def names_folder(output: str | Path) -> bool:
    """Whether ``-o`` was written as a folder: ending in ``/`` (kept by
    :class:`~rnnloss_cli.cli.options.OutputPath`, which pathlib would drop)."""
    return bool(getattr(output, "names_folder", False))


def shown_path(output: str | Path) -> str:
    """``output`` as the user wrote it: ``newdir/`` keeps its slash; a path longer than
    SHOWN_PATH_CHARS keeps its start and end (a 5000-character name was echoed whole)."""
    text = f"{output}{os.sep}" if names_folder(output) and str(output) != os.sep else str(output)
    if len(text) <= SHOWN_PATH_CHARS:
        return text
    return f"{text[:60]}…{text[-20:]} ({len(text):,} characters)"


#: Characters of an output path an error shows whole.
SHOWN_PATH_CHARS = 100


def _folder_name_problem(output: Path) -> str | None:
    """Why an ``-o`` ending in ``/`` cannot take the one file a command writes: pathlib
    dropped the slash, so ``-o newdir/`` wrote a file named newdir, and ``-o f.txt/ --force``
    wrote over the file f.txt."""
    if not names_folder(output) or output.is_dir():
        return None  # a folder that exists: "is a folder; give a file name" below
    if os.path.lexists(output) and not output.is_dir():
        return "is not a folder (a name ending in / names one); give a file name without the /"
    return "no such folder (a name ending in / names a folder); give a file name"


def _landing(output: Path) -> Path:
    """Where a write to ``output`` lands. A path with ``..`` after a folder that does not
    exist yet (``missing/../a.yaml``) does not exist as written, though the write (which
    creates the folder) replaces a.yaml: its checks were passed by the input a.yaml itself,
    and by an existing file without --force. Such a path is checked as its real path."""
    if ".." in output.parts and not os.path.lexists(output):
        return Path(os.path.realpath(output))
    return output


def _output_path_problem(output: Path, force: bool, inputs: Iterable[str | Path]) -> str | None:
    for src in inputs:
        if str(src) != "-" and _same_file(output, Path(src)):
            return "is one of this command's inputs; it is never written over"
    if _is_stdin_file(output):
        return "is the file on standard input; it is never written over"
    if output.is_dir():
        return "is a folder; give a file name"
    if output.exists() and output.is_file() and not force and not is_stream_path(output):
        return "exists; pass --force to overwrite it"
    if not force and os.path.lexists(output) and not output.exists():
        return (
            "is a symbolic link that leads nowhere (dangling or a loop); "
            "pass --force to replace the link"
        )
    return None


def _reason(exc: BaseException) -> str:
    """What an OSError (or a symlink-loop RuntimeError) says, without the path repeated."""
    if isinstance(exc, OSError):
        return exc.strerror or str(exc)
    return "a loop of symbolic links" if "loop" in str(exc).lower() else str(exc)


def _write_failed(output: Path, exc: OSError) -> typer.Exit:
    """A file write that failed: a full disk or an I/O error is exit 3 (the output could not
    be written), anything else (no permission, a name too long) exit 2 (a bad output path)."""
    if exc.errno in _OUTPUT_ERRNOS - {errno.EPIPE, errno.EBADF}:
        say(
            f"error: could not write the output: {output}: {_describe_output_error(exc)}",
            one_line=True,
        )
        return typer.Exit(EXIT_OUTPUT)
    if exc.errno in (errno.EEXIST, errno.ENOTDIR):  # a file where a folder of the path goes
        blocking = next((p for p in output.parents if p.exists() and not p.is_dir()), None)
        if blocking is not None:
            return fail(f"cannot write {output}: {blocking} is not a folder")
    if exc.errno == errno.ENOENT and output.parent.is_dir():
        # the folder exists but its temporary file could not be made: /proc, /sys
        return fail(
            f"cannot write {output}: {shown_path(output.parent)} takes no new files (a "
            "kernel's file system: only the kernel makes its files)"
        )
    return fail(f"cannot write {output}: {_reason(exc)}")


def write_file(
    text: str | Iterable[str],
    output: Path,
    *,
    force: bool = False,
    inputs: Iterable[str | Path] = (),
) -> None:
    """Write ``text`` to ``output`` atomically (temporary file, then rename), or exit 2.

    ``text`` may be an iterable of str pieces (a generator): they are written as they come,
    never joined into one string (a class's JSON report is hundreds of MB), under the same
    rules; a piece that fails (a bug, a full disk) leaves the old file and no temporary.

    ``-`` is standard output. A device or FIFO (a named pipe), and a descriptor's name
    (``/dev/stdout``, ``/dev/fd/3``, ``/proc/self/fd/1``: a link to whatever the descriptor
    is, a file too), are written to directly (:func:`is_stream_path`). A symbolic link to a
    file is written through: the file it leads to is replaced atomically and the link stays
    (replacing the link itself left its file unchanged, and ``-o /dev/stdout`` once replaced
    the system's /dev/stdout). A missing parent folder is created.
    """
    import tempfile

    if str(output) == "-":  # the usual name for standard output (it wrote a file named "-")
        write_stdout(text)
        return
    check_output_path(output, force=force, inputs=inputs)
    if is_stream_path(output) or (output.exists() and not output.is_file()):
        try:
            with _open_stream(output) as fh:
                _write_pieces(fh, text)
        except OSError as exc:
            if exc.errno == errno.ENXIO and _is_fifo(output):
                raise fail(
                    f"{shown_path(output)}: a named pipe (FIFO) that no one reads; start its "
                    "reader first (e.g. cat FIFO &)"
                ) from None
            raise _write_failed(output, exc) from None
        return
    shown = output
    if output.is_symlink() and output.exists():
        output = Path(os.path.realpath(output))
    parent = output.parent
    tmp_name = None
    try:
        parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=_temp_prefix(output), suffix=".tmp", dir=parent)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            _write_pieces(fh, text)
            fh.flush()
            os.fsync(fh.fileno())
        mode = output.stat().st_mode & 0o7777 if output.exists() else 0o666 & ~_umask()
        os.chmod(tmp_name, mode)
        os.replace(tmp_name, output)
        tmp_name = None
    except OSError as exc:
        raise _write_failed(shown, exc) from None
    finally:
        if tmp_name is not None:
            try:
                os.unlink(tmp_name)
            except OSError:
                pass
    say(
        f"wrote {shown}" if shown == output else f"wrote {shown} (the file {output})",
        one_line=True,
    )


def _is_fifo(path: Path) -> bool:
    try:
        return stat.S_ISFIFO(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


def _open_stream(output: Path) -> TextIO:
    """``output`` (a device, a FIFO, a descriptor's name) opened for writing text. A FIFO is
    opened without waiting for a reader (ENXIO when there is none): ``-o fifo`` with no
    reader hung for ever, as open() waits for one. Writes then wait as usual."""
    if not _is_fifo(output):
        return open(output, "w", encoding="utf-8")
    fd = os.open(output, os.O_WRONLY | os.O_NONBLOCK)
    os.set_blocking(fd, True)
    return os.fdopen(fd, "w", encoding="utf-8")


def _temp_prefix(output: Path) -> str:
    """``.NAME.``, the start of the temporary file's name beside ``output``, its NAME cut so
    that with mkstemp's 8 characters and ``.tmp`` it stays within MAX_NAME_BYTES (a name of
    250 bytes could not be written: its temporary's was 264)."""
    room = MAX_NAME_BYTES - len(".") - len(".") - 8 - len(".tmp")
    # a character cut in two is dropped ("ignore"); the prefix only needs to be recognisable
    return f".{os.fsencode(output.name)[:room].decode('utf-8', 'ignore')}."


def _write_pieces(fh: TextIO, text: str | Iterable[str]) -> None:
    """``text``, or each of its pieces in turn, to ``fh`` (UTF-8; see
    :func:`escape_unencodable`)."""
    for piece in [text] if isinstance(text, str) else joined_pieces(text):
        try:
            fh.write(piece)
        except UnicodeEncodeError:  # encoded before anything is written
            fh.write(escape_unencodable(piece, fh.encoding))


def escape_unencodable(text: str, encoding: str) -> str:
    """``text`` with each character ``encoding`` cannot write as its escape (``\\udcff``).
    Such a character is a lone surrogate: a byte of a file name that is not UTF-8, which
    Python reads as U+DCFF for b"\\xff" and writes only to a stream of surrogateescape
    errors. On a strict UTF-8 stream (a desktop's en_US.UTF-8), ``list`` of a folder holding
    such a file exited 3, "standard output is closed", and ``solve -o r.json`` exit 4; the
    escape is what error lines show, and JSON reads it back as the character."""
    return text.encode(encoding, "backslashreplace").decode(encoding)


def is_stream_path(path: Path) -> bool:
    """A descriptor's name, a character device or a FIFO: written to as it is, never a file
    to replace, whatever it leads to now.

    Descriptors by name: ``/dev/stdout``, ``/dev/stderr``, ``/dev/stdin``, ``/dev/fd/N``, and
    ``/proc/PID/fd/N`` or ``/proc/PID/task/TID/fd/N`` (``-o /dev/stdout > out.json`` writes
    to the shell's file, which exists, without --force). Devices and FIFOs by what they are
    (``/dev/null``, ``/dev/tty``, a named pipe anywhere). Any other path is a file, under
    /dev too: every path under /dev counted, so ``-o /dev/shm/existing`` (a tmpfs of
    ordinary files) was written over without --force and not atomically. Other /proc paths
    are files too: ``/proc/self/root/...`` and ``/proc/self/cwd/...`` lead to ordinary ones.
    """
    parts = Path(os.path.abspath(path)).parts
    if len(parts) <= 2:
        return False
    if parts[1] == "dev" and (
        (len(parts) == 3 and parts[2] in ("stdin", "stdout", "stderr"))
        or (len(parts) == 4 and parts[2] == "fd" and parts[3].isdigit())
    ):
        return True
    # /proc/PID/fd/N or /proc/PID/task/TID/fd/N (PID: a number, self or thread-self)
    if parts[1] == "proc" and "fd" in (parts[3:4] if parts[3:4] != ("task",) else parts[5:6]):
        return True
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):  # missing, a loop of links, a NUL byte in the name
        return False
    return stat.S_ISCHR(mode) or stat.S_ISFIFO(mode)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# ------------------------------------------------------------------ running a command
_OUTPUT_ERRNOS = {errno.EPIPE, errno.ENOSPC, errno.EBADF, errno.EIO, errno.EDQUOT, errno.EFBIG}


def _output_lost(reason: str) -> int:
    """Stop writing to stdout for good (no second error at exit) and say why once."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.__stdout__.fileno() if sys.__stdout__ else 1)
    except (OSError, ValueError, AttributeError):
        pass
    if reason != _BROKEN_PIPE:  # the reader chose to stop (| head): quiet, as cat or grep
        say(f"error: could not write the output: {reason}")
    return EXIT_OUTPUT


def _is_output_error(exc: BaseException) -> bool:
    if isinstance(exc, BrokenPipeError):
        return True
    if isinstance(exc, OSError) and exc.errno in _OUTPUT_ERRNOS:
        return True
    # A closed standard output: "I/O operation on closed file".
    return isinstance(exc, ValueError) and "closed file" in str(exc)


def _internal_error(exc: BaseException, debug: bool) -> int:
    if debug:
        import traceback

        traceback.print_exception(type(exc), exc, exc.__traceback__, file=sys.stderr)
    message = visible_controls(f"{type(exc).__name__}: {exc}", keep_lines=False)  # one line
    say(
        f"error: internal error ({message}). This is a bug in rnnloss: "
        "please report it with the command you ran (add --debug for the traceback)."
    )
    return EXIT_INTERNAL


def run(command: Callable[..., Any], argv: list[str]) -> int:
    """Run a click/typer command on ``argv`` and return the process exit code."""
    # Typer vendors click in recent versions: find its usage-error class through Typer's names.
    click_exception = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException")
    debug = DEBUG_FLAG in argv
    argv = [a for a in argv if a != DEBUG_FLAG]
    if sys.stdout is None:
        # Closed (>&-): a command that writes only to -o files still runs; the first write to
        # standard output ends it with exit 3, "standard output is closed".
        sys.stdout = _ClosedStdout()
    install_streams()
    clamp_columns()
    try:
        try:
            code = command(args=argv, prog_name="rnnloss", standalone_mode=False)
        except typer.Exit as exc:
            code = exc.exit_code
        except typer.Abort:
            say("aborted")
            code = EXIT_BAD_INPUT
        except click_exception as exc:
            say(_usage_line(exc))
            code = EXIT_BAD_INPUT
        sys.stdout.flush()
    except KeyboardInterrupt:
        say("interrupted")
        return 130
    except OutputError as exc:
        return _output_lost(str(exc))
    except Exception as exc:
        if _is_output_error(exc):
            return _output_lost(_describe_output_error(exc))
        return _internal_error(exc, debug)
    return code if isinstance(code, int) else EXIT_OK


def _usage_line(exc: Any) -> str:
    """A usage error (a flag out of range, a missing option, an unknown command) as one line,
    like every other error, with where to find the help: click's own report takes four."""
    message = _bounded_values(" ".join(exc.format_message().split()))
    ctx = getattr(exc, "ctx", None)
    where = f" (see: {ctx.command_path} --help)" if ctx is not None else ""
    return f"error: {message}{where}"


#: Characters of a typed value a usage error echoes: click quoted a bad value whole, so
#: ``--frames 999...9`` (5000 digits) or ``--format xxx...`` (10^6 characters) made the one
#: error line as long as the value.
USAGE_VALUE_CHARS = 60
#: A quoted value in click's messages (``'xxx'``, or ``"x'y"`` when it holds a quote) or a
#: run of non-space characters (``No such command 'x'``, ``Got unexpected extra argument (x)``).
_QUOTED_OR_WORD = re.compile(r"'[^']*'|\"[^\"]*\"|[^\s()]+")


def _bounded_values(message: str) -> str:
    """``message`` with each quoted value or word longer than USAGE_VALUE_CHARS cut:
    ``'99999…' (5,000 characters)``."""

    def cut(m: re.Match[str]) -> str:
        text = m[0]
        quote = text[0] if text[0] in "'\"" and len(text) > 1 and text[-1] == text[0] else ""
        inner = text[1:-1] if quote else text
        if len(inner) <= USAGE_VALUE_CHARS:
            return text
        return f"{quote}{inner[:USAGE_VALUE_CHARS]}…{quote} ({len(inner):,} characters)"

    return _QUOTED_OR_WORD.sub(cut, message)


_BROKEN_PIPE = "the reader closed the pipe (broken pipe)"


def _describe_output_error(exc: BaseException) -> str:
    if isinstance(exc, BrokenPipeError):
        return _BROKEN_PIPE
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return "no space left on the device"
    if isinstance(exc, ValueError):
        return "standard output is closed"
    return str(getattr(exc, "strerror", None) or exc)
