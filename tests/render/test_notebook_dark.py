"""A result block in a notebook keeps its own colours under a dark JupyterLab theme.

JupyterLab Dark colours every table itself (light header text, striped rows); the result card
stays white (``_NOTEBOOK_OWN``), so the card's tables must take the card's text colour and no
row background from the theme, or headers and captions read white on white (seen in a
screenshot of docs/notebooks/tour.ipynb run in JupyterLab 4.6 Dark).
"""

from __future__ import annotations

import re

from rnnloss_cli.render.html import NOTEBOOK_CSS, SECTION_SCOPE


def _rule(selector: str) -> str:
    """The declarations of the first rule whose selector is exactly ``selector``."""
    found = re.search(re.escape(selector) + r"\s*\{([^}]*)\}", NOTEBOOK_CSS)
    assert found, f"no rule for {selector!r} in NOTEBOOK_CSS"
    return found.group(1)


def test_tables_take_the_cards_text_colour() -> None:
    assert "color: inherit" in _rule(f"{SECTION_SCOPE} table")


def test_rows_take_no_theme_stripes() -> None:
    assert "background: transparent" in _rule(f"{SECTION_SCOPE} tbody tr:nth-child(n)")
