"""Reading the CSV files of a course (answers for ``grade``, a roster for ``vary --ids``).

One record at a time, so that memory holds the file's text and the current row only; rows end
at LF, CRLF or a lone CR (old spreadsheets) outside quotes; a cell longer than
``limits.MAX_CSV_FIELD_CHARS`` (often a quote left open), a row of more than
``limits.MAX_CSV_COLUMNS`` cells and rows past the caller's limit are a ProblemError naming
the limit, the file and the line where the row begins.
"""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Iterator

from rnnloss_cli.errors import ProblemError
from rnnloss_cli.limits import MAX_CSV_COLUMNS, MAX_CSV_FIELD_CHARS

#: Characters of a cell repeated in a message; longer ones are cut with "…".
SHOWN_CHARS = 40


def read_csv_text(path: str) -> str:
    """The text of a CSV file (``-``: standard input, read once), without a byte-order mark.

    Reading, decoding and the size limit (``MAX_FILE_BYTES``) are the problem files' own.
    """
    from rnnloss_cli import limits
    from rnnloss_cli.problem import read_text

    # The problem files' messages ask for "a problem file (.yaml)" and say "problem files hold
    # a few numbers": a CSV's own words here.
    if path != "-" and os.path.isdir(path):
        raise ProblemError("is a folder; give a CSV file", file=path)
    try:
        text = read_text(path)
    except ProblemError as err:
        # the problem reader names UTF-16 itself (a mark or NULs); a CSV's words say how to
        # save it from a spreadsheet
        utf16 = err.message.startswith("UTF-16") or (
            err.message.startswith("not UTF-8") and _utf16(path)
        )
        if utf16:
            raise ProblemError(
                'UTF-16 text (a spreadsheet\'s "Unicode text"), not UTF-8; save it as "CSV UTF-8"',
                file=err.file,
            ) from None
        if not err.message.startswith("larger than"):
            raise
        raise ProblemError(
            f"larger than {limits.MAX_FILE_BYTES:,} bytes (limit MAX_FILE_BYTES = "
            f"{limits.MAX_FILE_BYTES // 2**20} MiB); a CSV of answers or ids is far smaller "
            "(is it the right file?)",
            file=err.file,
            line=err.line,
        ) from None
    # A spreadsheet's UTF-8 byte-order mark is not part of the first column's name.
    return text.removeprefix("\ufeff")


def _utf16(path: str) -> bool:
    """Whether the file ``path`` opens with a UTF-16 byte-order mark (FF FE or FE FF)."""
    if path == "-":
        return False  # read once, already: its bytes are gone
    try:
        with open(path, "rb") as f:
            return f.read(2) in (b"\xff\xfe", b"\xfe\xff")
    except OSError:
        return False


def shown(text: str) -> str:
    """``text`` quoted for a message, cut to SHOWN_CHARS characters."""
    return repr(text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS] + "…")


def csv_records(text: str, path: str, *, max_rows: int, limit: str) -> Iterator[tuple[int, list]]:
    """(row number, cells) of every record of ``text``; the first record is row 1.
    (:func:`csv_records_at` gives the line each record begins on too.)

    A blank row comes as ``[]`` and counts like any other: stepping over it is what costs, so
    a file of blank lines stops at the limit instead of being read whole. More than
    ``max_rows`` rows after the first is a ProblemError naming ``limit`` (the limit's name).
    Row numbers count records, as a spreadsheet does: a quoted cell may span lines.
    """
    for row, _, cells in csv_records_at(text, path, max_rows=max_rows, limit=limit):
        yield row, cells


def csv_records_at(
    text: str, path: str, *, max_rows: int, limit: str
) -> Iterator[tuple[int, int, list]]:
    """(row number, line where the record begins, cells) of every record of ``text``, as
    :func:`csv_records`; the two numbers differ after a blank line or a quoted line break."""
    record: list[str] = []  # the lines of the record being read

    def lines() -> Iterator[str]:
        for text_line in _lines(text):
            record.append(text_line)
            yield text_line

    reader = csv.reader(lines())
    row = 0
    while True:
        line = reader.line_num + 1  # where the next record begins
        record.clear()
        try:
            cells = _next_record(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise _unreadable(exc, path, row + 1, line) from None
        row += 1
        if sum(part.count('"') for part in record) % 2 and _open_quote(record):
            raise ProblemError(
                f'row {row}: a quote (") opened here is never closed, so the rest of the file '
                "reads as one cell; close it (a quote inside a quoted cell is written twice)",
                file=path,
                line=line,
            )
        if len(cells) > MAX_CSV_COLUMNS:
            raise ProblemError(
                f"row {row}: {len(cells)} cells; at most {MAX_CSV_COLUMNS} (MAX_CSV_COLUMNS)",
                file=path,
                line=line,
            )
        if row > max_rows + 1:
            raise ProblemError(
                f"row {row}: more than {max_rows} rows after the header; at most {max_rows} "
                f"({limit}) are read",
                file=path,
                line=line,
            )
        yield row, line, cells


#: A line with its ending: LF, CRLF or a lone CR (the last line may have none).
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def _lines(text: str) -> Iterator[str]:
    """The lines of ``text``, one at a time, endings kept for the csv reader (which finds
    quoted line breaks by them); unlike io.StringIO, no second copy of the text is made."""
    return (m.group() for m in _LINE.finditer(text))


def _open_quote(record: list[str]) -> bool:
    """Whether the lines of one record end inside a quoted cell (the reader, not strict, took
    the rest of the file as that cell); a quote inside an unquoted cell (O"Brien) is text."""
    try:
        for _ in csv.reader(record, strict=True):
            pass
    except csv.Error as exc:
        return "unexpected end of data" in str(exc)
    return False


def _next_record(reader: Iterator[list[str]]) -> list[str]:
    """The reader's next record with cells bounded by MAX_CSV_FIELD_CHARS.

    The csv module's limit is process-wide, so it is set for this step only and put back.
    """
    before = csv.field_size_limit(MAX_CSV_FIELD_CHARS)
    try:
        return next(reader)
    finally:
        csv.field_size_limit(before)


def _unreadable(exc: csv.Error, path: str, row: int, line: int) -> ProblemError:
    if "field larger than field limit" in str(exc):
        return ProblemError(
            f"row {row}: a cell longer than {MAX_CSV_FIELD_CHARS} characters "
            '(MAX_CSV_FIELD_CHARS); is a quote (") left open?',
            file=path,
            line=line,
        )
    return ProblemError(f"row {row}: not readable as CSV ({exc})", file=path, line=line)
