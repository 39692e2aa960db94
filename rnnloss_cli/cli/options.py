"""Options every command shares: output format, precision, extra tables, output file, force.

Only typer is imported here, so every command module can import it at start-up.
"""

import enum
from pathlib import Path
from typing import Annotated, Optional

import typer


class OutputFormat(str, enum.Enum):
    rich = "rich"
    markdown = "markdown"
    json = "json"
    html = "html"


FormatOpt = Annotated[
    OutputFormat,
    typer.Option(
        "--format",
        "-f",
        help="Output: rich tables, markdown, json or html (a self-contained page).",
    ),
]
PrecisionOpt = Annotated[
    int,
    typer.Option(
        "--precision",
        "-p",
        min=0,
        max=17,
        help="Digits printed: decimals from 0.1 up, significant digits below 0.1.",
    ),
]
#: The ``--show`` name that colours trellis cells by value (a way to show, not a table).
SHOW_HEATMAP = "heatmap"
ShowOpt = Annotated[
    Optional[list[str]],  # noqa: UP045 - typer needs Optional on Python 3.10
    typer.Option(
        "--show",
        help="Extra tables to show: --show beta,grad,posterior or repeated (CTC trellises); "
        f"{SHOW_HEATMAP} colours trellis cells by value in the terminal.",
    ),
]
OutOpt = Annotated[
    Optional[Path],  # noqa: UP045
    typer.Option(
        "--output", "-o", help="Write to this file (atomically) instead of standard output."
    ),
]
ForceOpt = Annotated[
    bool,
    typer.Option("--force", help="Overwrite the output file if it exists (never an input)."),
]
WindowOpt = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option(
        "--window",
        metavar="ROWS[xCOLS]",
        help="How much of a long table to show: its first and last rows and columns "
        "(default 60x16).",
    ),
]
#: An optional text flag.
Text = Optional[str]  # noqa: UP045
