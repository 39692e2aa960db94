"""Load a problem file: YAML text -> validated, frozen Problem dataclass for its kind.

PARSERS is the explicit registry of kinds: kind -> "module:function" below rnnloss_cli.problem.
Each parser takes the file's Fields and the kind name and returns that kind's Problem (numpy
arrays built, every field checked). Modules are imported on first use, so solving one kind
does not pay for importing the others.
"""

from __future__ import annotations

import codecs
import difflib
import importlib
import os
import stat
import sys
from collections.abc import Callable
from typing import Any

from rnnloss_cli import limits
from rnnloss_cli.errors import ProblemError
from rnnloss_cli.problem._yaml import load_yaml
from rnnloss_cli.problem.fields import Fields

PARSERS: dict[str, str] = {
    "mse": "pointwise:parse_regression",
    "bce": "pointwise:parse_bce",
    "nll": "pointwise:parse_categorical",
    "cce": "pointwise:parse_categorical",
    "hinge": "pointwise:parse_hinge",
    "ctc": "ctc:parse_ctc",
    "sequence": "sequence:parse_sequence",
    "sequence_hinge": "sequence:parse_sequence_hinge",
    "reinforce": "sequence:parse_reinforce",
    "custom": "custom:parse_custom",
    "ctc_align": "align:parse_align",
    "ctc_decode": "align:parse_decode",
    "rnnt": "rnnt:parse_rnnt",
    "bptt": "bptt:parse_bptt",
}

#: One line per kind, for ``rnnloss list`` and the docs.
KIND_SUMMARIES: dict[str, str] = {
    "mse": "mean squared error between values y and predictions yhat",
    "bce": "binary cross-entropy of probabilities yhat against 0/1 targets y",
    "nll": "negative log-likelihood of the true class (one-hot y or class indices)",
    "cce": "categorical cross-entropy over observations and classes",
    "hinge": "hinge loss max(0, 1 - y*yhat) with labels -1/+1",
    "ctc": "CTC: listed alignments (the handout's method, audited) and exact forward-algorithm CTC",
    "sequence": "sequence cross-entropy -Σ_t Σ_c y ln ŷ over padded batches (sum or means)",
    "sequence_hinge": "hinge loss per time step max(0, 1 - y_t ŷ_t), labels -1/+1, with padding",
    "reinforce": "REINFORCE: loss -Σ_t A_t ln π(y_t|s_t), discounted returns and a baseline",
    "custom": "a weighted sum Σ_i w_i L_i of other problems (inline or files), nested allowed",
    "ctc_align": "CTC forced alignment: Viterbi table δ_t(s), best path, token spans, vs p(l|x)",
    "ctc_decode": "CTC decoding: greedy best path against prefix beam search, the beam per frame",
    "rnnt": "RNN-Transducer loss: the T × (U+1) alpha lattice, blank and label moves, p(y|x)",
    "bptt": "BPTT in an Elman RNN: forward pass, deltas through time, every gradient, norms",
}


def parse_problem(data: Any, lines: dict, file: str, path: tuple = ()) -> Any:
    """Validate parsed YAML (a mapping with ``kind``) into that kind's Problem."""
    f = Fields(data, lines, file, path)
    kind = f.text("kind")
    if kind not in PARSERS:
        from rnnloss_cli.templates import canonical_kind

        if canonical_kind(kind) in PARSERS:  # another spelling of a kind, e.g. hinge-seq
            kind = canonical_kind(kind)
    if kind not in PARSERS:
        close = difflib.get_close_matches(kind, list(PARSERS), n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        raise f.error(f"unknown kind {kind!r}; {hint}known kinds: {', '.join(PARSERS)}", "kind")
    return parser_for(kind)(f, kind)


def parser_for(kind: str) -> Callable[[Fields, str], Any]:
    """The parser registered for ``kind``, importing its module now."""
    module, name = PARSERS[kind].split(":")
    return getattr(importlib.import_module(f"rnnloss_cli.problem.{module}"), name)


STDIN_NAME = "<stdin>"
#: Standard input as read once: (the stream object it came from, its text). ``sheet`` and
#: ``solve`` may ask for ``-`` twice; a pipe can be read only once.
_stdin_read: tuple[Any, str] | None = None


#: What ``read_text`` reads unless told: the words its messages use.
PROBLEM_FILE = "problem file"


def _too_large(name: str, what: str = PROBLEM_FILE) -> ProblemError:
    why = (
        "problem files hold a few numbers to a few million"
        if what == PROBLEM_FILE
        else f"too large for a {what}"
    )
    return ProblemError(
        f"larger than {limits.MAX_FILE_BYTES:,} bytes (limit MAX_FILE_BYTES = "
        f"{limits.MAX_FILE_BYTES // 2**20} MiB); {why}",
        file=name,
    )


#: Byte-order marks of the encodings a Windows editor saves as "Unicode", UTF-32 first (its
#: little-endian mark begins with UTF-16's).
_OTHER_BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)


def _wide_encoding(data: bytes) -> str | None:
    """ "UTF-16" or "UTF-32" when ``data`` is text in one of them: it starts with that
    encoding's byte-order mark, or (UTF-16 without one) its first 64 bytes hold a NUL at
    every other byte, beside each ASCII letter. Such a file was "not UTF-8 text: byte 0xff"
    or "the control character U+0000", neither naming what to change."""
    for bom, encoding in _OTHER_BOMS:
        if data.startswith(bom):
            return encoding
    head = data[:64]
    if len(head) >= 8:
        for start in (0, 1):
            nuls = head[start::2]
            if nuls.count(0) == len(nuls) and 0 not in head[1 - start :: 2]:
                return "UTF-16"
    return None


def _decode(data: bytes, name: str) -> str:
    """UTF-8 text (a leading byte-order mark dropped), or a one-line error with the line."""
    wide = _wide_encoding(data)
    if wide is not None:
        raise ProblemError(
            f"{wide} text, not UTF-8: save the file as UTF-8",
            file=name,
            line=1,
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ProblemError(
            f"not UTF-8 text: byte 0x{data[exc.start]:02x} at offset {exc.start} cannot be "
            "decoded; save the file as UTF-8",
            file=name,
            line=line,
        ) from None


def _read_limited(stream: Any, name: str, what: str = PROBLEM_FILE) -> bytes:
    data = stream.read(limits.MAX_FILE_BYTES + 1)
    if len(data) > limits.MAX_FILE_BYTES:
        raise _too_large(name, what)
    return data


def _read_stdin() -> str:
    global _stdin_read
    stream = sys.stdin
    if _stdin_read is not None and _stdin_read[0] is stream:
        return _stdin_read[1]
    if stream is None:
        raise ProblemError("standard input is closed; give a file name", file=STDIN_NAME)
    try:
        binary = getattr(stream, "buffer", None)
        if binary is not None:
            text = _decode(_read_limited(binary, STDIN_NAME), STDIN_NAME)
        else:  # a text stream without bytes underneath (a test's StringIO)
            text = stream.read(limits.MAX_FILE_BYTES + 1)
            if len(text) > limits.MAX_FILE_BYTES:
                raise _too_large(STDIN_NAME)
    except (OSError, ValueError) as exc:  # closed (ValueError), not readable (EBADF)
        raise ProblemError(
            f"cannot read standard input: {exc}; give a file name", file=STDIN_NAME
        ) from None
    _stdin_read = (stream, text)
    return text


def read_text(path: str, *, what: str = PROBLEM_FILE) -> str:
    """Read a problem file (``-`` is standard input, read once) as UTF-8 text.

    Bytes are read and decoded here, for files and standard input alike; a regular file
    larger than ``limits.MAX_FILE_BYTES`` is refused before it is read, any other stream
    (a pipe such as ``<(cat p.yaml)``) once it has given more. Errors are ProblemError.
    ``what`` names the file in them when it is not a problem file (``"language model
    file"``): ``--lm /dev/zero`` was told "problem files hold a few numbers".
    """
    if path == "-":
        return _read_stdin()
    try:
        with open(path, "rb") as stream:
            if os.fstat(stream.fileno()).st_size > limits.MAX_FILE_BYTES:
                raise _too_large(path, what)
            data = _read_limited(stream, path, what)
    except FileNotFoundError:
        raise ProblemError(_EMPTY_NAME if not path else "no such file", file=path) from None
    except IsADirectoryError:
        give = "a problem file (.yaml)" if what == PROBLEM_FILE else f"a {what}"
        raise ProblemError(f"is a folder; give {give}", file=path) from None
    except OSError as exc:
        raise ProblemError(f"cannot read: {exc.strerror or exc}", file=path) from None
    return _decode(data, path)


def input_name(path: str) -> str:
    """How messages and reports name an input: its path, ``<stdin>`` for ``-``."""
    return STDIN_NAME if path == "-" else path


def read_problem(path: str, *, arrays: bool = False) -> tuple[Any, Any, Any]:
    """(data, lines, problem) of one problem file: read once (standard input can be), parsed
    and validated; the mapping and its lines for a caller that shows the givens as written.
    ``arrays``: see ``load_yaml`` (the mapping may then hold numpy arrays, not lists)."""
    return _parse_text(read_text(path), path, arrays=arrays)


def _parse_text(text: str, path: str, *, arrays: bool = False) -> tuple[Any, Any, Any]:
    """:func:`read_problem` of a file's text, already read."""
    name = input_name(path)
    data, lines = load_yaml(text, name, arrays=arrays)
    if data is None:
        raise ProblemError("the file is empty; expected a mapping with at least 'kind'", file=name)
    return data, lines, parse_problem(data, lines, name)


def load_problem(path: str) -> Any:
    """Read, parse and validate one problem file. Its rows of floats are read as float64
    arrays (``load_yaml(arrays=True)``): a 64 MB file of 3 million rows of 3 held about
    1.6 GB as lists of floats."""
    return read_problem(path, arrays=True)[2]


def input_files(paths: list[str], loaded: dict[str, Any] | None = None) -> list[str]:
    """Every file a command reading ``paths`` reads: the paths as given, the problem files
    folders expand to, and the files ``custom`` terms name, nested ones included (each once).

    An output path is checked against these, so that no command writes over one of its own
    inputs. ``loaded`` maps files the command has already loaded to their Problem (None for
    one that failed): they are not read and parsed again (``solve big.yaml -o x.json`` took
    twice the time), and a referenced file's terms come from the problem its term holds.
    Files that cannot be listed or parsed are passed over (the command reports them).
    """
    found: list[str] = list(paths)
    loaded = loaded or {}
    try:
        pending = problem_files(paths)  # "-" too: a custom problem on stdin names files
    except ProblemError:
        return found
    seen: set[str] = set()
    while pending:
        path = pending.pop()
        if path in seen:
            continue
        seen.add(path)
        if path != "-":
            found.append(path)
        if path in loaded:
            problem = loaded[path]
        else:
            if path != "-" and not _is_regular(path):
                # a pipe (a FIFO, <(cat p.yaml)) gave its text to the command: opening it
                # again would wait for a writer forever (sheet -o, export -o, vary hung)
                continue
            try:
                text = read_text(path)  # standard input is read once and kept
                if not _may_name_files(text):
                    continue
                problem = _parse_text(text, path, arrays=True)[2]
            except ProblemError:
                continue
        for term_file in _term_files(problem):
            if term_file not in seen:
                seen.add(term_file)
                found.append(term_file)
    return found


def _is_regular(path: str) -> bool:
    """Whether ``path`` is a regular file (not a pipe, a device, a folder, or missing)."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except (OSError, ValueError):  # ValueError: a NUL in the path
        return False


def _may_name_files(text: str) -> bool:
    """Whether a problem file's text could name other files: a custom term's key ``file`` is
    written with those letters, or in a quoted key with escapes (a backslash). Any other text
    names none, and is not parsed for it (a 64 MiB file of numbers takes 5 s to parse)."""
    return "file" in text or "\\" in text


def _term_files(problem: Any) -> list[str]:
    """The files a custom problem's terms name, through nested terms at any depth, inline or
    in referenced files (the parsed problem of a referenced file is held by its term)."""
    files: list[str] = []
    for term in getattr(problem, "terms", ()):
        if term.origin != "inline":
            files.append(term.origin)
        files += _term_files(term.problem)
    return files


PROBLEM_SUFFIXES = (".yaml", ".yml")


def problem_files(paths: list[str]) -> list[str]:
    """Expand folders to their *.yaml / *.yml regular files, subfolders included; keep files.

    A folder's files come sorted by path, a subfolder's after its parent's files. Hidden
    files and folders (``.git``, ``.venv``), symbolic links to folders (they may loop) and the
    folders in ``limits.SKIPPED_FOLDERS`` are passed over; past ``limits.MAX_FOLDER_FILES``
    files the walk stops with an error. FIFOs, sockets and devices inside a folder are skipped
    without being opened (reading a FIFO would wait for a writer forever); a file named on the
    command line is kept whatever it is, so ``<(cat p.yaml)`` (a pipe) and ``-`` (standard
    input) work. A path that does not exist, or a folder that cannot be listed, is a
    ProblemError naming it. A file reached twice (named twice, or by a file and its folder)
    is kept once, where it comes first: ``check d d`` checks each file once.
    """
    out: list[str] = []
    walked: set[str] = set()
    for p in paths:
        if p == "-":
            out.append(p)
            continue
        if os.path.isdir(p):
            real = os.path.realpath(p)
            if real not in walked:  # `check A A` walks A once
                walked.add(real)
                _folder_files(p, out)
        elif os.path.exists(p):
            out.append(p)
        else:
            raise ProblemError(_missing_reason(p), file=p)
    if len(paths) == 1:
        return out
    kept = _first_of_each(out)
    if len(kept) > limits.MAX_FOLDER_FILES:  # each folder under it, all of them over it
        raise ProblemError(
            f"the {len(kept):,} problem files named are more than the limit MAX_FOLDER_FILES = "
            f"{limits.MAX_FOLDER_FILES:,} in one run; check them in parts"
        )
    return kept


#: Why the path '' (a shell variable that was not set) names nothing.
_EMPTY_NAME = "the name is empty: no such file or folder"


def _missing_reason(path: str) -> str:
    """Why ``path`` cannot be found: "no such file or folder", or what the system says when
    it is something else (a name too long, a folder without permission, a loop of links),
    which os.path.exists reports as missing too."""
    if not path:
        return _EMPTY_NAME
    try:
        os.stat(path)
    except FileNotFoundError:
        return "no such file or folder"
    except OSError as exc:
        return f"cannot be read: {exc.strerror or exc}"
    except ValueError:  # a NUL byte in the name
        return "no such file or folder (the name holds a NUL byte)"
    return "no such file or folder"


def _first_of_each(files: list[str]) -> list[str]:
    """``files`` without the repeats of a file (same real path; ``-`` once), order kept."""
    seen: set[str] = set()
    kept = []
    for f in files:
        key = f if f == "-" else os.path.realpath(f)
        if key not in seen:
            seen.add(key)
            kept.append(f)
    return kept


def _is_regular_file(entry: os.DirEntry) -> bool:
    """entry.is_file() (links followed), False for a link that loops or cannot be followed:
    such an entry is passed over like a dangling link, not an error for the whole folder."""
    try:
        return entry.is_file()
    except OSError:
        return False


def _folder_files(top: str, out: list[str]) -> None:
    """Append the problem files under ``top`` to ``out`` (see :func:`problem_files`).

    Depth first with an explicit stack, so a deep tree cannot exhaust Python's recursion.
    """
    pending, start = [top], len(out)
    while pending:
        folder = pending.pop()
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
            # like *.yaml in a shell: no hidden files; is_file() follows links and is False
            # for FIFOs, sockets and devices, which are never opened
            found = [
                e.path
                for e in entries
                if e.name.endswith(PROBLEM_SUFFIXES)
                and not e.name.startswith(".")
                and _is_regular_file(e)
            ]
            subfolders = [
                e.path
                for e in entries
                if not e.name.startswith(".")
                and e.name not in limits.SKIPPED_FOLDERS
                and e.is_dir(follow_symlinks=False)
            ]
        except OSError as exc:
            raise ProblemError(
                f"cannot read folder: {exc.strerror or exc}", file=folder.rstrip("/") or folder
            ) from None
        out.extend(found)
        if len(out) - start > limits.MAX_FOLDER_FILES:
            raise ProblemError(
                f"more than the limit MAX_FOLDER_FILES = {limits.MAX_FOLDER_FILES:,} problem "
                "files under this folder; name the folders of problems instead",
                file=top.rstrip("/") or top,
            )
        pending.extend(reversed(subfolders))
