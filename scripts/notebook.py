#!/usr/bin/env python3
"""Write docs/notebooks/tour.ipynb, with its outputs, from the cells listed in this script.

The notebook is a list of (markdown, code) pairs (``CELLS``): each pair gives a markdown cell,
then a code cell (none when the code is empty). The code cells are run in order in one
namespace, as a Jupyter kernel runs them, with the notebook's folder as the working directory,
and their outputs are stored the way the kernel stores them: what they print (a ``stream``
output) and, when the last statement is an expression whose value is not None, an
``execute_result`` with ``text/plain`` (its repr), ``text/html`` (``_repr_html_``, when the value
has one) and ``text/markdown`` (``_repr_markdown_``). So GitHub shows the results without
running anything. The stored HTML is written for a reader who has not run the notebook:
JupyterLab does not trust stored outputs and passes their HTML through its sanitizer, which
drops <style>, <svg> and <math> (keeping their text, run together); so each drawing is stored
as an ``<img>`` of itself (:func:`render.svg.drawings_as_images`) and each formula as its
plain text (:func:`render.mathml.maths_as_text`). Run in a kernel, the cells show the
``_repr_html_`` itself, trusted. Only the standard library's ``json`` writes the file
(nbformat 4.5: cell ids are fixed, ``cell-01``, ...); the outputs are deterministic (seeded,
rounded where the last bits of a float could differ between machines; no timings, absolute
paths or addresses).

Usage: python scripts/notebook.py          rewrite docs/notebooks/tour.ipynb
       python scripts/notebook.py --check  exit 1 if the file on disk differs from a fresh build
Exit codes: 0 written or up to date, 1 --check found a difference, 2 bad usage, 4 a code cell
raised (one line on stderr naming the cell) or the file could not be written.
"""

from __future__ import annotations

import ast
import contextlib
import io
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "docs" / "notebooks" / "tour.ipynb"

#: (markdown, code) pairs, in order. The code's comments carry the hand arithmetic.
CELLS: list[tuple[str, str]] = [
    (
        """\
# A tour of rnnloss

rnnloss solves worked problems on the loss functions used to train recurrent networks and
prints every intermediate number. This notebook shows its Python side: solving problem files
and plain dicts (each result shows itself as the page `rnnloss solve --format html` writes,
figures included), calling the numpy engine directly, and checking it by hand, by brute force
and by finite differences.

Install rnnloss first (`pip install -e .` in the repository), then open this notebook from
`docs/notebooks/`. The first cell moves to the repository root, so that the problem files are
found as `problems/...`.""",
        """\
import itertools
import os
import sys
from pathlib import Path

import numpy as np

# The repository root is the first folder above this one that holds problems/hello.yaml.
here = Path.cwd()
root = next((p for p in [here, *here.parents] if (p / "problems" / "hello.yaml").is_file()), None)
if root is None:
    raise FileNotFoundError("problems/hello.yaml not found: open this notebook inside rnnloss")
os.chdir(root)
if str(root) not in sys.path:
    sys.path.insert(0, str(root))  # rnnloss from this clone, even when it is not installed""",
    ),
    (
        """\
## 1. The handout's HELLO exercise

`rnnloss_cli.solve_file` reads a problem file (YAML), checks it and solves it. The Result it
returns shows itself in Jupyter as the page section of `rnnloss solve --format html`: the
formula, the given probabilities, the three listed alignments with their products, the
answer-key panel, the warnings (where the handout departs from the CTC definition) and the
alignments drawn on the lattice of extended labels.""",
        """\
import rnnloss_cli

hello = rnnloss_cli.solve_file("problems/hello.yaml")
hello""",
    ),
    (
        """\
The same Result holds the numbers for code: `loss`, the `figures` the answer key can name,
`checks` (the key against rnnloss) and `warnings` as plain text.""",
        """\
print(f"loss = {hello.loss:.4f} nats")
for name, value in hello.figures.items():
    print(f"  {name:<10} {value:.4f}")
for check in hello.checks:
    print(f"key {check.figure}: {check.expected} -> {'agrees' if check.ok else 'DISAGREES'}")
print(f"{len(hello.warnings)} warnings; the first:", hello.warnings[0][:72], "...")""",
    ),
    (
        """\
## 2. A pointwise loss from a dict

`rnnloss_cli.solve_problem` takes the same fields as a problem file, as a dict. Here the
hinge loss max(0, 1 − y·ŷ) of three steps, with labels ±1 and an answer key worked by hand in
the comment: rnnloss writes the arithmetic out and checks both figures of the key.""",
        """\
# By hand: t=1: 1 − (1)(0.8) = 0.2;  t=2: 1 − (−1)(−0.5) = 0.5;  t=3: 1 − (1)(0.3) = 0.7
#          sum = 0.2 + 0.5 + 0.7 = 1.4;  mean = 1.4 / 3 = 0.4667
hinge = rnnloss_cli.solve_problem(
    {
        "kind": "hinge",
        "title": "Hinge loss for a 3-step sequence",
        "y": [1, -1, 1],
        "yhat": [0.8, -0.5, 0.3],
        "reduction": "mean",
        "answer": {"loss": 0.467, "sum": 1.4},
    }
)
hinge""",
    ),
    (
        """\
## 3. Exact CTC from a per-frame distribution: the α trellis

With a probability for every symbol at every frame, rnnloss runs the forward algorithm:
α_t(s) sums every partial alignment that ends in state s of the extended label sequence
`- A - B -` at frame t. The picture is that trellis as a heat map of ln α (grey cells cannot
be reached), with the best single alignment (Viterbi) drawn through it, and the emission
matrix below it.""",
        """\
ab = rnnloss_cli.solve_file("problems/ctc-exact-ab.yaml")
ab""",
    ),
    (
        """\
## 4. The engine, called directly

The engine is pure numpy with PyTorch's argument names: `ctc_loss(log_probs, targets,
input_lengths, target_lengths)`, natural logs, class 0 the blank. On the same three frames it
must give the loss above. As an independent check, the cell also lists all 3³ = 27 paths,
keeps those that collapse to A B (merge repeats, then drop blanks) and adds their
probabilities: the five paths of the problem file's comment.""",
        """\
from rnnloss_cli import engine

y = np.array(
    [
        [0.2, 0.7, 0.1],  # frame 1: P(-), P(A), P(B)
        [0.3, 0.3, 0.4],  # frame 2
        [0.2, 0.1, 0.7],  # frame 3
    ]
)
target = [1, 2]  # A, B as class indices; 0 is the blank
loss = engine.ctc_loss(np.log(y), target, 3, 2, reduction="sum")


def collapse(path, blank=0):
    \"\"\"B(π): merge runs of a symbol, then drop the blanks.\"\"\"
    merged = [k for i, k in enumerate(path) if i == 0 or k != path[i - 1]]
    return tuple(k for k in merged if k != blank)


paths = [p for p in itertools.product(range(3), repeat=3) if collapse(p) == tuple(target)]
by_hand = sum(np.prod([y[t, k] for t, k in enumerate(p)]) for p in paths)
print(f"engine.ctc_loss = {loss:.6f}")
print(f"{len(paths)} paths collapse to AB: p = {by_hand:.3f}, -ln p = {-np.log(by_hand):.6f}")""",
    ),
    (
        """\
## 5. The CTC gradient, checked by finite differences

`ctc_loss_and_grad(..., wrt="logits")` gives the gradient with respect to the logits z whose
log-softmax is `log_probs`: y_t(k) − γ_t(k), the softmax minus the occupation of class k at
frame t (Graves et al. 2006, eq. 16). Every row therefore sums to 0. The check below is the
definition of a derivative: nudge one logit by ±h, recompute the loss from scratch, and divide
the change by 2h (a central difference, error about h² ≈ 1e-10).""",
        """\
rng = np.random.default_rng(0)
T, C = 6, 4
z = rng.normal(size=(T, C))  # logits for 6 frames over (blank, 1, 2, 3)
labels = [1, 2, 2]  # a repeat: it needs a blank between the 2s, so T >= 3 + 1


def log_softmax(z):
    shifted = z - z.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def ctc(z):
    return engine.ctc_loss(log_softmax(z), labels, T, len(labels), reduction="sum")


loss, grad = engine.ctc_loss_and_grad(log_softmax(z), labels, T, 3, reduction="sum")
h = 1e-5
numeric = np.zeros_like(z)
for t in range(T):
    for k in range(C):
        step = np.zeros_like(z)
        step[t, k] = h
        numeric[t, k] = (ctc(z + step) - ctc(z - step)) / (2 * h)

print(f"loss = {loss:.6f}")
print("gradient, frame 1:", np.round(grad[0], 4).tolist())
print("finite diff, frame 1:", np.round(numeric[0], 4).tolist())
print("rows sum to 0:", bool(np.allclose(grad.sum(axis=1), 0, atol=1e-12)))
print("max |grad - finite diff| < 1e-8:", bool(np.abs(grad - numeric).max() < 1e-8))""",
    ),
    (
        """\
## 6. Beam search against greedy decoding

Greedy (best-path) decoding takes the most likely symbol at each frame and collapses the
path; it finds the most likely *alignment*, not the most likely *labelling*. On these two
frames the blank wins both frames, so greedy decodes the empty string (p = 0.25), while the
three alignments of `a` together give 0.56. A prefix beam search of width 2 keeps summed
prefixes and finds `a`.""",
        """\
decode = rnnloss_cli.solve_file("problems/ctc-decode-beam-vs-greedy.yaml")
decode""",
    ),
    (
        """\
The engine's `ctc_greedy_decode` and `ctc_beam_search` on the same frames, and every
labelling's probability by brute force (all 3² = 9 paths grouped by their collapse).""",
        """\
y2 = np.array([[0.5, 0.4, 0.1], [0.5, 0.4, 0.1]])  # P(-), P(a), P(b) at both frames
names = "-ab"
best_path, greedy = engine.ctc_greedy_decode(np.log(y2))
beam = engine.ctc_beam_search(np.log(y2), beam_width=2)

brute = {}
for p in itertools.product(range(3), repeat=2):
    word = "".join(names[k] for k in collapse(p))
    brute[word] = brute.get(word, 0.0) + y2[0, p[0]] * y2[1, p[1]]
print("greedy: best path", " ".join(names[k] for k in best_path), "->", repr("".join(greedy)))
for hyp in beam:
    print(f"beam:   {''.join(names[k] for k in hyp.labels)!r} p = {np.exp(hyp.log_prob):.2f}")
ranked = sorted(brute.items(), key=lambda item: -item[1])
print("brute force:", ", ".join(f"{word!r} {p:.2f}" for word, p in ranked))""",
    ),
    (
        """\
## 7. A variant for each student

For instructors: `make_variants` draws a new word, frame count and distribution per student
from a template (`problems/hello-variants.yaml` says what may vary), and computes each key with
the engine. A variant is a pure function of (template, seed, student id), so it can be drawn
again at marking time. The command line does the same with `rnnloss vary
problems/hello-variants.yaml --ids roster.csv --seed 2024 -o variants/`.""",
        """\
from rnnloss_cli.teach.vary import make_variants

(ada,) = make_variants("problems/hello-variants.yaml", seed=2024, ids=["ada"])
print(ada.text)""",
    ),
    (
        """\
Marking (`rnnloss mark FILE --answer exact=...` on the command line) compares an answer with
the key and tries every slip in its catalogue. Here the student used log10 (a calculator's log
key) instead of ln; the mark names that slip.""",
        """\
from rnnloss_cli.problem import parse_problem
from rnnloss_cli.teach.mark import mark_problem, report_text

key = ada.data["answer"]["exact"]["value"]
answer = round(key / np.log(10), 3)  # the slip: -log10 p = -ln p / ln 10
report = mark_problem(parse_problem(ada.data, {}, "ada.yaml"), {"exact": answer})
print(report_text(report))""",
    ),
    (
        """\
## Where next

- `rnnloss explain ctc` for the definition, the conventions of PyTorch, Keras and optax, and
  the pitfalls; `rnnloss list problems/` for every problem kind.
- `result._repr_markdown_()` gives the same derivation as markdown; `rnnloss solve FILE
  --format html -o page.html` writes it as a page that opens offline.
- This notebook is written by `scripts/notebook.py` (run it after changing a cell or the
  output of rnnloss; `--check` tells whether the stored outputs are current).""",
        "",
    ),
]


# ------------------------------------------------------------------ running the cells
class CellError(Exception):
    """A code cell raised: the message names the cell and the exception."""


def _lines(text: str) -> list[str]:
    """A multi-line string as nbformat stores it on disk: lines that keep their newline."""
    return text.splitlines(keepends=True)


def untrusted_html(html: str) -> str:
    """``html`` as JupyterLab's sanitizer leaves it readable (an untrusted notebook's
    stored output): drawings as images of themselves, formulas as their plain text."""
    from rnnloss_cli.render.mathml import maths_as_text
    from rnnloss_cli.render.svg import drawings_as_images

    return drawings_as_images(maths_as_text(html))


def _result(value: Any, count: int) -> dict[str, Any]:
    """The execute_result output a Jupyter kernel gives for ``value`` (IPython shows a
    value by its repr, and adds the rich forms the value's ``_repr_*_`` methods give)."""
    data: dict[str, Any] = {"text/plain": _lines(repr(value))}
    for mime, method in (("text/html", "_repr_html_"), ("text/markdown", "_repr_markdown_")):
        shown = getattr(value, method, None)
        text = shown() if callable(shown) else None
        if text is not None:
            data[mime] = _lines(untrusted_html(text) if mime == "text/html" else text)
    return {
        "data": data,
        "execution_count": count,
        "metadata": {},
        "output_type": "execute_result",
    }


def run_cell(code: str, namespace: dict[str, Any], count: int) -> list[dict[str, Any]]:
    """Run one code cell in ``namespace`` and return its outputs, as a kernel would: what it
    printed (stdout, then stderr) and the value of its last statement when that is an
    expression whose value is not None."""
    tree = ast.parse(code, filename=f"<cell {count}>")
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    out, err = io.StringIO(), io.StringIO()
    value = None
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            exec(compile(tree, f"<cell {count}>", "exec"), namespace)  # noqa: S102
            if last is not None:
                expr = ast.Expression(last.value)
                value = eval(compile(expr, f"<cell {count}>", "eval"), namespace)  # noqa: S307
    except Exception as exc:  # a cell's own error, named for the person running the script
        where = f"code cell {count}"
        raise CellError(f"{where} raised {type(exc).__name__}: {exc}") from exc
    outputs: list[dict[str, Any]] = []
    for name, stream in (("stdout", out), ("stderr", err)):
        if stream.getvalue():
            outputs.append(
                {"name": name, "output_type": "stream", "text": _lines(stream.getvalue())}
            )
    if value is not None:
        outputs.append(_result(value, count))
    return outputs


def build(cells: list[tuple[str, str]] = CELLS) -> dict[str, Any]:
    """The notebook (nbformat 4.5, as a dict) with every code cell run and its outputs stored.

    The cells run with the notebook's folder as the working directory (as Jupyter runs
    them) and this repository first on ``sys.path``; both are put back afterwards.
    """
    nb_cells: list[dict[str, Any]] = []
    namespace: dict[str, Any] = {"__name__": "__main__"}
    count = 0
    cwd, path = os.getcwd(), list(sys.path)
    sys.path.insert(0, str(ROOT))
    try:
        NOTEBOOK.parent.mkdir(parents=True, exist_ok=True)
        os.chdir(NOTEBOOK.parent)
        for markdown, code in cells:
            nb_cells.append(
                {
                    "cell_type": "markdown",
                    "id": f"cell-{len(nb_cells) + 1:02d}",
                    "metadata": {},
                    "source": _lines(markdown),
                }
            )
            if not code:
                continue
            count += 1
            nb_cells.append(
                {
                    "cell_type": "code",
                    "execution_count": count,
                    "id": f"cell-{len(nb_cells) + 1:02d}",
                    "metadata": {},
                    "outputs": run_cell(code, namespace, count),
                    "source": _lines(code),
                }
            )
    finally:
        os.chdir(cwd)
        sys.path[:] = path
    return {
        "cells": nb_cells,
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def dumps(notebook: dict[str, Any]) -> str:
    """The notebook's text as Jupyter saves it (indent 1, sorted keys, UTF-8, final newline)."""
    return json.dumps(notebook, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def _mode(path: Path) -> int:
    """The permission bits to give the notebook: those it has, or what the umask allows."""
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def write_safely(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder and a rename,
    so an interrupted run never leaves a half-written notebook."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(tmp, _mode(path))  # mkstemp makes it 0600; the notebook is an ordinary file
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def first_difference(on_disk: str, notebook: dict[str, Any]) -> str:
    """Where the file on disk first departs from ``notebook``: a cell's id, or the file."""
    try:
        cells = json.loads(on_disk)["cells"]
    except (ValueError, TypeError, KeyError):
        cells = None
    if not isinstance(cells, list):  # {"cells": 3} reached zip() as an int
        return "not a notebook this script wrote"
    for old, new in zip(cells, notebook["cells"], strict=False):
        if old != new:
            return f"first at {new['id']}"
    if len(cells) != len(notebook["cells"]):
        return f"{len(cells)} cells instead of {len(notebook['cells'])}"
    return "its metadata or layout"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args not in ([], ["--check"]):
        print("usage: python scripts/notebook.py [--check]", file=sys.stderr)
        return 2
    name = NOTEBOOK.relative_to(ROOT).as_posix()
    try:
        notebook = build()
    except CellError as exc:
        print(f"scripts/notebook.py: {exc}", file=sys.stderr)
        return 4
    text = dumps(notebook)
    if args == ["--check"]:
        try:
            on_disk = NOTEBOOK.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            why = exc.__class__.__name__
            print(
                f"{name}: cannot be read ({why}); run python scripts/notebook.py", file=sys.stderr
            )
            return 1
        if on_disk != text:
            where = first_difference(on_disk, notebook)
            print(
                f"{name} is stale ({where}): run python scripts/notebook.py and commit it",
                file=sys.stderr,
            )
            return 1
        print(f"{name} is up to date")
        return 0
    try:
        write_safely(NOTEBOOK, text)
    except OSError as exc:
        print(f"scripts/notebook.py: cannot write {name}: {exc.strerror or exc}", file=sys.stderr)
        return 4
    print(f"wrote {name} ({len(notebook['cells'])} cells)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
