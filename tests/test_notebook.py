"""docs/notebooks/tour.ipynb: a valid nbformat 4 file whose stored outputs are current.

Standard library and rnnloss only (no Jupyter): scripts/notebook.py runs the cells the way a
kernel does; docs/notebooks/check_in_jupyter.py does the same check in a real kernel, by hand.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import stat
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "docs" / "notebooks" / "tour.ipynb"


def _load_script():
    spec = importlib.util.spec_from_file_location(
        "rnnloss_notebook_script", ROOT / "scripts" / "notebook.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


script = _load_script()


@pytest.fixture(scope="module")
def stored() -> dict:
    return json.loads(NOTEBOOK.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def built() -> dict:
    """The notebook as the script writes it now: every code cell run in one namespace."""
    return script.build()


def _code_cells(nb: dict) -> list[dict]:
    return [c for c in nb["cells"] if c["cell_type"] == "code"]


def _stdout(cell: dict) -> str:
    return "".join(
        "".join(o["text"])
        for o in cell["outputs"]
        if o["output_type"] == "stream" and o["name"] == "stdout"
    )


def test_file_has_the_nbformat4_structure(stored):
    assert stored["nbformat"] == 4 and stored["nbformat_minor"] >= 5
    assert stored["metadata"]["kernelspec"]["name"] == "python3"
    assert stored["metadata"]["language_info"]["name"] == "python"
    ids = [c["id"] for c in stored["cells"]]
    assert len(set(ids)) == len(ids) and all(re.fullmatch(r"[A-Za-z0-9_-]{1,64}", i) for i in ids)
    counts = []
    for cell in stored["cells"]:
        assert cell["cell_type"] in ("markdown", "code")
        assert isinstance(cell["metadata"], dict)
        assert isinstance(cell["source"], list) and cell["source"]
        assert all(isinstance(line, str) for line in cell["source"])
        # every line but the last keeps its newline, as Jupyter stores them
        assert all(line.endswith("\n") for line in cell["source"][:-1])
        if cell["cell_type"] == "code":
            assert isinstance(cell["outputs"], list)
            counts.append(cell["execution_count"])
            for out in cell["outputs"]:
                assert out["output_type"] in ("stream", "execute_result")
                if out["output_type"] == "execute_result":
                    assert out["execution_count"] == cell["execution_count"]
                    assert "text/plain" in out["data"] and out["metadata"] == {}
        else:
            assert "outputs" not in cell and "execution_count" not in cell
    assert counts == list(range(1, len(counts) + 1))
    assert 10 <= len(stored["cells"]) <= 30


def test_every_code_cell_runs_and_prints_no_error(built):
    cells = _code_cells(built)
    assert len(cells) >= 8
    for cell in cells:
        streams = {o["name"] for o in cell["outputs"] if o["output_type"] == "stream"}
        assert "stderr" not in streams, "".join(cell["source"])


def test_stored_outputs_are_what_the_script_writes_now(stored, built):
    """A change of rnnloss's output (or of a cell) that forgets the notebook fails here."""
    for old, new in zip(stored["cells"], built["cells"], strict=True):
        assert old == new, f"{old['id']} is stale: run python scripts/notebook.py"
    assert NOTEBOOK.read_text(encoding="utf-8") == script.dumps(built)


def test_outputs_are_free_of_paths_and_addresses(stored):
    text = NOTEBOOK.read_text(encoding="utf-8")
    assert str(ROOT) not in text and "/home/" not in text and "/tmp/" not in text
    assert not re.search(r" at 0x[0-9a-fA-F]{6,}", text)
    assert not re.search(r"\d+(\.\d+)? ?(ms|µs|seconds)\b", text)


def test_results_show_as_html_with_figures(stored):
    results = [
        o for c in _code_cells(stored) for o in c["outputs"] if o["output_type"] == "execute_result"
    ]
    html = ["".join(o["data"]["text/html"]) for o in results if "text/html" in o["data"]]
    assert len(html) >= 4
    # the HELLO lattice and the AB trellis at least, each stored as an image of itself
    assert sum("data:image/svg+xml;base64," in h for h in html) >= 2


#: JupyterLab 4's HTML sanitizer (@jupyterlab/apputils, sanitizer.ts, ``allowedTags``, as in
#: jupyterlab 4.6's built bundle): what it keeps of an untrusted output's HTML. Any other tag
#: (``svg``, ``math``, ``style``) is dropped, and its text kept, run together, except a
#: <style>'s (sanitize-html's non-text tags: script, style, textarea, option, noscript).
JUPYTERLAB_TAGS = set(
    "a abbr acronym address area article aside audio b bdi bdo big blockquote br button canvas "
    "caption center cite code col colgroup colspan command data datalist dd del details dfn "
    "dir div dl dt em fieldset figcaption figure font footer form h1 h2 h3 h4 h5 h6 header "
    "hgroup hr i img input ins kbd label legend li map mark menu meter nav nobr ol optgroup "
    "option output p pre progress q rowspan s samp section select small source span strike "
    "strong sub summary sup table tbody td textarea tfoot th thead time tr track tt u ul var "
    "video wbr".split()
)


def _sanitized(html: str) -> tuple[set[str], str]:
    """(the tags JupyterLab drops, the text a reader then sees) of ``html``."""
    from html.parser import HTMLParser

    class Reader(HTMLParser):
        dropped: set[str] = set()
        text: list[str] = []
        skip = 0

        def handle_starttag(self, tag, attrs):
            if tag not in JUPYTERLAB_TAGS:
                self.dropped.add(tag)
            self.skip += tag in ("style", "script")

        def handle_endtag(self, tag):
            self.skip -= tag in ("style", "script")

        def handle_data(self, data):
            if not self.skip:
                self.text.append(data)

    r = Reader()
    r.dropped, r.text = set(), []
    r.feed(html)
    return r.dropped, "".join(r.text)


def _stored_html(stored: dict) -> list[str]:
    return [
        "".join(o["data"]["text/html"])
        for c in _code_cells(stored)
        for o in c["outputs"]
        if o["output_type"] == "execute_result" and "text/html" in o["data"]
    ]


def test_stored_html_keeps_its_pictures_and_formulas_through_jupyterlabs_sanitizer(stored):
    """Opened in JupyterLab, a stored output is untrusted: only JupyterLab's tags survive. Seen
    failing before the fix: 'svg', 'math' and their children were dropped, the trellis's
    cell titles ran on as a wall of text, (0.2 + 0.5 + 0.7) / 3 read '0.2+0.5+0.73'."""
    html = _stored_html(stored)
    for h in html:
        dropped, _ = _sanitized(h)
        assert dropped <= {"style"}, sorted(dropped)
    text = "\n".join(_sanitized(h)[1] for h in html)
    # the hinge cell's own comment: mean = (0.2 + 0.5 + 0.7) / 3 = 1.4 / 3 = 0.467
    assert "(0.2 + 0.5 + 0.7) / 3 = 0.467" in text
    # its definition, max(0, 1 − y·ŷ) averaged over the n = 3 steps, as words, not "1n∑i..."
    assert "(1/n) Σ_i max(0, 1 − y_i · ŷ_i)" in text
    # HELLO's given probabilities (the handout: H 0.6, E 0.5, L 0.7, O 0.8, blank 0.2)
    assert "y_t(H) = 0.6, y_t(E) = 0.5, y_t(L) = 0.7, y_t(O) = 0.8, y_t(-) = 0.2" in text


def test_stored_pictures_are_whole_svg_documents(stored):
    """Each stored image decodes to an SVG document (its namespace on the root, which an
    <img> needs and inline SVG does not) of the size the <img> gives it."""
    import base64
    import xml.etree.ElementTree as ET

    images = re.findall(
        r'<img src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)" alt="([^"]*)"'
        r' width="([0-9.]+)" height="([0-9.]+)"',
        "".join(_stored_html(stored)),
    )
    assert len(images) >= 3  # HELLO's lattice; AB's trellis and emission matrix
    for source, alt, width, height in images:
        root = ET.fromstring(base64.b64decode(source).decode("utf-8"))
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
        assert (root.get("width"), root.get("height")) == (width, height)
        assert alt  # its title and description, for a reader who cannot see it


def test_numbers_agree_with_hand_arithmetic(stored):
    text = "\n".join(_stdout(c) for c in _code_cells(stored))
    # ctc-exact-ab: p = .147 + .196 + .056 + .147 + .042 = .588; -ln .588 = 0.531028 (to 6 d.p.)
    assert "engine.ctc_loss = 0.531028" in text
    assert "5 paths collapse to AB: p = 0.588" in text
    # HELLO: listed products .006586 + .009408 + .009408 = .0254016 -> -ln = 3.6729
    assert "loss = 3.6729 nats" in text
    assert "max |grad - finite diff| < 1e-8: True" in text and "rows sum to 0: True" in text
    # two frames (.5 .4 .1): greedy "- -" -> "" (.25); a = .16 + .20 + .20 = .56
    assert "greedy: best path - - -> ''" in text and "beam:   'a' p = 0.56" in text
    assert "slip [wrong_log_base]" in text
    hinge = next(c for c in _code_cells(stored) if "hinge" in "".join(c["source"]))
    # (0.2 + 0.5 + 0.7) / 3 = 1.4 / 3 = 0.4667, printed 0.467: both figures of the key agree
    report = "".join(hinge["outputs"][-1]["data"]["text/markdown"])
    assert "| loss | 0.467 | 0.467 | ok |" in report and "| sum | 1.4 | 1.4 | ok |" in report


def test_run_cell_stores_outputs_as_a_kernel_does():
    class Rich:
        def __repr__(self):
            return "Rich()"

        def _repr_html_(self):
            return "<b>x</b>\n<i>y</i>"

    ns: dict = {"Rich": Rich}
    outputs = script.run_cell("print('a')\nprint('b')\nRich()", ns, 3)
    assert outputs == [
        {"name": "stdout", "output_type": "stream", "text": ["a\n", "b\n"]},
        {
            "data": {"text/plain": ["Rich()"], "text/html": ["<b>x</b>\n", "<i>y</i>"]},
            "execution_count": 3,
            "metadata": {},
            "output_type": "execute_result",
        },
    ]
    # an assignment or a None value shows nothing; the namespace carries over
    assert script.run_cell("x = 2", ns, 4) == [] and script.run_cell("None", ns, 5) == []
    assert script.run_cell("x * 21", ns, 6)[0]["data"] == {"text/plain": ["42"]}


def test_a_failing_cell_is_named_in_one_line():
    with pytest.raises(
        script.CellError, match=r"^code cell 7 raised ZeroDivisionError: division by zero$"
    ):
        script.run_cell("1 / 0", {}, 7)


def test_main_usage_and_check(capsys):
    assert script.main(["--bogus"]) == 2
    assert "usage:" in capsys.readouterr().err
    assert script.main(["--check"]) == 0
    assert "up to date" in capsys.readouterr().out


def test_written_notebook_is_an_ordinary_readable_file(tmp_path):
    target = tmp_path / "nb.ipynb"
    umask = os.umask(0o022)
    try:
        script.write_safely(target, "{}\n")
    finally:
        os.umask(umask)
    assert target.read_text() == "{}\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o644  # not mkstemp's 0600
    assert [p.name for p in tmp_path.iterdir()] == ["nb.ipynb"]  # no temporary file left


@pytest.mark.parametrize(
    "on_disk, says",
    [
        ('{"cells": 3}', "not a notebook this script wrote"),  # was a TypeError traceback
        ("[1, 2]", "not a notebook this script wrote"),
        ('{"cells": [7]}', "first at cell-01"),
        ("not json", "not a notebook this script wrote"),
    ],
)
def test_check_names_where_a_hostile_file_differs(on_disk, says):
    notebook = {"cells": [{"id": "cell-01", "cell_type": "markdown"}]}
    assert script.first_difference(on_disk, notebook) == says


def test_check_and_write_on_a_copy(tmp_path, monkeypatch, capsys, built):
    copy = tmp_path / "docs" / "notebooks" / "tour.ipynb"
    monkeypatch.setattr(script, "ROOT", tmp_path)
    monkeypatch.setattr(script, "NOTEBOOK", copy)
    monkeypatch.setattr(script, "build", lambda: built)
    assert script.main(["--check"]) == 1  # no file yet
    assert "cannot be read (FileNotFoundError)" in capsys.readouterr().err
    assert script.main([]) == 0 and copy.read_text(encoding="utf-8") == script.dumps(built)
    assert script.main(["--check"]) == 0
    stale = json.loads(copy.read_text(encoding="utf-8"))
    stale["cells"][3]["source"][0] = "edited\n"
    copy.write_text(json.dumps(stale), encoding="utf-8")
    capsys.readouterr()
    assert script.main(["--check"]) == 1
    err = capsys.readouterr().err
    assert f"stale (first at {stale['cells'][3]['id']})" in err and err.count("\n") == 1
