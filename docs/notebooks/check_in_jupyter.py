"""Open tour.ipynb with Jupyter's own tools, run it in a real kernel, compare the outputs.

Not part of the tests (they need only the standard library and rnnloss); run it by hand in
a side environment after changing the notebook::

    python3 -m venv /tmp/venv-nb && /tmp/venv-nb/bin/pip install nbformat nbclient ipykernel
    /tmp/venv-nb/bin/pip install -e .
    /tmp/venv-nb/bin/python docs/notebooks/check_in_jupyter.py

It validates the file against the nbformat schema, executes a copy with nbclient (the
notebook's folder as the working directory, as Jupyter does) and compares, cell by cell,
what the kernel printed and the outputs stored by scripts/notebook.py (its HTML as stored:
drawings as images, maths as plain text). Exit 1 on any difference, naming the cell and
the output.
"""

from __future__ import annotations

import copy
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

HERE = Path(__file__).resolve().parent
NOTEBOOK = HERE / "tour.ipynb"


def _text(value: str | list[str]) -> str:
    return "".join(value) if isinstance(value, list) else value


def summary(outputs: list) -> dict[str, str]:
    """Each output as text, keyed by stream name or mime type (streams joined)."""
    out: dict[str, str] = {}
    for o in outputs:
        if o["output_type"] == "stream":
            out[o["name"]] = out.get(o["name"], "") + _text(o["text"])
        elif o["output_type"] in ("execute_result", "display_data"):
            for mime, value in o["data"].items():
                out[mime] = _text(value)
        elif o["output_type"] == "error":
            out["error"] = f"{o['ename']}: {o['evalue']}"
    return out


def untrusted_html(html: str) -> str:
    """A kernel's HTML as scripts/notebook.py stores it: drawings as images, maths as text
    (JupyterLab's sanitizer drops <svg> and <math> from a stored, untrusted output)."""
    sys.path.insert(0, str(HERE.parents[1]))  # rnnloss from this clone, as the notebook does
    from rnnloss_cli.render.mathml import maths_as_text
    from rnnloss_cli.render.svg import drawings_as_images

    return drawings_as_images(maths_as_text(html))


def main() -> int:
    stored = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(stored)
    print(f"{NOTEBOOK.name}: valid nbformat {stored.nbformat}.{stored.nbformat_minor}")
    ran = copy.deepcopy(stored)
    NotebookClient(
        ran, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(HERE)}}
    ).execute()
    bad = 0
    for old, new in zip(stored.cells, ran.cells, strict=True):
        if old.cell_type != "code":
            continue
        a, b = summary(old.outputs), summary(new.outputs)
        if "text/html" in b:  # stored as JupyterLab shows it untrusted (scripts/notebook.py)
            b["text/html"] = untrusted_html(b["text/html"])
        for key in sorted(set(a) | set(b)):
            if a.get(key) != b.get(key):
                bad += 1
                print(
                    f"{old.id}: {key} differs (stored {len(a.get(key, ''))} chars, kernel "
                    f"{len(b.get(key, ''))} chars)"
                )
        if old.execution_count != new.execution_count:
            bad += 1
            print(f"{old.id}: execution_count {old.execution_count} -> {new.execution_count}")
    code = sum(c.cell_type == "code" for c in stored.cells)
    print(f"{code} code cells run in a kernel; {bad} differences")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
