"""The stored outputs of docs/notebooks/tour.ipynb as JupyterLab shows them untrusted (any
notebook opened with its stored outputs): through its sanitizer's tag list, painted by
headless Chromium. Skipped when ``chromium`` is not installed (.ci/run installs it)."""

from __future__ import annotations

import json
import shutil
from html import escape
from html.parser import HTMLParser
from pathlib import Path

import pytest

from rnnloss_cli.render.svg import VIRIDIS
from tests.render.test_browser import counted, rgb, shoot
from tests.test_notebook import JUPYTERLAB_TAGS

CHROMIUM = shutil.which("chromium")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
NOTEBOOK = Path(__file__).resolve().parents[2] / "docs" / "notebooks" / "tour.ipynb"


class _Sanitizer(HTMLParser):
    """What JupyterLab keeps of an untrusted output's HTML: its allowed tags with their
    attributes, the text of the others (dropped tags), nothing of a <style> or <script>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.out: list[str] = []
        self.skip = 0

    def _tag(self, tag, attrs, close=""):
        if tag in JUPYTERLAB_TAGS and not self.skip:
            kept = "".join(f' {k}="{escape(v or "")}"' for k, v in attrs)
            self.out.append(f"<{tag}{kept}{close}>")

    def handle_starttag(self, tag, attrs):
        self._tag(tag, attrs)
        self.skip += tag in ("style", "script")

    def handle_startendtag(self, tag, attrs):
        self._tag(tag, attrs, "/")

    def handle_endtag(self, tag):
        self.skip -= tag in ("style", "script")
        if tag in JUPYTERLAB_TAGS and not self.skip:
            self.out.append(f"</{tag}>")

    def handle_data(self, data):
        if not self.skip:
            self.out.append(data)

    def handle_entityref(self, name):
        self.handle_data(f"&{name};")

    def handle_charref(self, name):
        self.handle_data(f"&#{name};")


def sanitized(html: str) -> str:
    s = _Sanitizer()
    s.feed(html)
    return "".join(s.out)


def test_the_stored_trellis_shows_through_jupyterlabs_sanitizer(tmp_path):
    """Seen failing before the stored outputs were made for it: the sanitizer dropped the
    inline <svg>, so no cell of the AB trellis was painted (0 px of viridis's bright end)."""
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    html = [
        "".join(o["data"]["text/html"])
        for c in nb["cells"]
        if c["cell_type"] == "code"
        for o in c["outputs"]
        if o["output_type"] == "execute_result" and "text/html" in o["data"]
    ]
    (ab,) = [h for h in html if "Exact CTC for &quot;AB&quot;" in h]
    page = f'<!DOCTYPE html><html><head><meta charset="utf-8"/></head><body>{sanitized(ab)}'
    _, _, colours = counted(*shoot(page + "</body></html>", "ab", tmp_path))
    # α's largest value, α_1(2) = y_1(A) = 0.7 (above every other cell: 0.2, 0.06, 0.27, 0.21,
    # 0.532, ...), fills its cell with the palette's bright end: (CELL - 4)² = 32² = 1024 px
    assert colours[rgb(VIRIDIS[-1])] > 800, colours[rgb(VIRIDIS[-1])]
