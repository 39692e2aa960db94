"""The one error type the CLI turns into exit code 2: bad input, with where and what."""

from __future__ import annotations


class ProblemError(Exception):
    """Bad input: names the file, the line, the field and what was expected.

    Raised by loading and validation; the CLI prints ``str(err)`` on one line and exits 2.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.field = field
        #: For a flag command: the flag (and item or row) the user typed, e.g. ``--y, item 2``;
        #: shown instead of the file and field (see ``flags.flags_named``).
        self.flag: str | None = None

    def __str__(self) -> str:
        if self.flag:
            return f"{self.flag}: {self.message}"
        # an empty name as the user gave it ('' from an unset shell variable), not "<input>"
        where = "''" if self.file == "" else self.file or "<input>"
        if self.line is not None:
            where += f":{self.line}"
        field = f" field '{self.field}':" if self.field else ""
        return f"{where}:{field} {self.message}"
