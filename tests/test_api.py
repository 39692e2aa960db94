"""The Python API (solve_file, solve_problem) and the Result's notebook displays.

Expected values: problems/ctc-exact-ab.yaml's loss is −ln 0.588 from its five paths (worked in
the file: 0.147 + 0.196 + 0.056 + 0.147 + 0.042 = 0.588). MSE of (1, 2) against (0, 0):
(1² + 2²) / 2 = 2.5.
"""

from __future__ import annotations

import math
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

import rnnloss_cli
from rnnloss_cli.errors import ProblemError


def test_solve_file_returns_the_result():
    r = rnnloss_cli.solve_file("problems/ctc-exact-ab.yaml")
    assert r.kind == "ctc" and math.isclose(r.loss, -math.log(0.588), rel_tol=1e-12)
    assert r.ok


def test_solve_problem_takes_a_mapping():
    r = rnnloss_cli.solve_problem({"kind": "mse", "yhat": [1, 2], "y": [0, 0]})
    assert math.isclose(r.loss, 2.5)


def test_solve_problem_bad_input_is_a_problem_error_naming_the_field():
    with pytest.raises(ProblemError, match="<mapping>.*kind"):
        rnnloss_cli.solve_problem({"kind": "no-such-kind"})


def test_result_shows_itself_in_a_notebook():
    r = rnnloss_cli.solve_file("problems/ctc-exact-ab.yaml")
    html = r._repr_html_()
    root = ET.fromstring(html)  # one well-formed <section>
    assert root.tag == "section" and root.find("h2").text == r.title
    assert "<svg" in html and "<script" not in html
    md = r._repr_markdown_()
    assert md.startswith(f"## {r.title}") and "**Loss = $0.531$ nats**" in md


def test_import_is_light():
    code = (
        "import sys, rnnloss_cli; "
        "print(sorted(m for m in ('numpy', 'yaml', 'rich', 'typer') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "[]", out.stderr


def test_the_module_docstring_example_runs():
    import doctest

    failed, tried = doctest.testmod(rnnloss_cli)
    assert tried >= 3 and failed == 0


def test_solve_problem_takes_numpy_arrays_as_field_values():
    """An ndarray field was read as empty (ValueError: operands could not be broadcast)."""
    import numpy as np

    # (1 - 1)² = 0, (2 - 2.5)² = 0.25; mean 0.125
    result = rnnloss_cli.solve_problem(
        {"kind": "mse", "y": np.array([1.0, 2.0]), "yhat": [np.float64(1.0), 2.5]}
    )
    assert result.loss == pytest.approx(0.125)


@pytest.mark.parametrize("bad", [None, "kind: mse", 3, ["kind", "mse"]])
def test_solve_problem_refuses_what_is_not_a_mapping(bad):
    with pytest.raises(ProblemError, match="expected a mapping"):
        rnnloss_cli.solve_problem(bad)


def test_solve_file_takes_bytes_and_path_like_paths():
    """A bytes path is a path (os.fsdecode): it was shown as "b'problems/...': no such file"."""
    from pathlib import Path

    for path in (b"problems/ctc-exact-ab.yaml", Path("problems/ctc-exact-ab.yaml")):
        r = rnnloss_cli.solve_file(path)
        assert math.isclose(r.loss, -math.log(0.588), rel_tol=1e-12)


@pytest.mark.parametrize("bad", [None, 3, ["problems/hello.yaml"]])
def test_solve_file_refuses_what_is_not_a_path(bad):
    """None was looked up as the file "None" ("None: no such file")."""
    with pytest.raises(ProblemError, match="expected a path"):
        rnnloss_cli.solve_file(bad)


def test_solve_problem_refuses_a_numpy_array_too_big_before_making_it_lists(monkeypatch):
    """A numpy field becomes the lists a YAML file gives, about 32 bytes a number (a pointer
    and a float object): 3·10^8 int8 zeros (300 MB) grew to 10 GB and took 78 s before the
    engine's MAX_ARRAY_BYTES refused them. Here the limit is lowered to 32,000 bytes, so
    1,001 numbers (32,032 bytes as lists) are refused, naming the field, and 1,000 pass."""
    import numpy as np

    from rnnloss_cli import limits

    monkeypatch.setattr(limits, "MAX_ARRAY_BYTES", 32_000)
    big = np.broadcast_to(np.int8(0), (1_001,))  # a view: no memory of its own
    with pytest.raises(ProblemError) as info:
        rnnloss_cli.solve_problem({"kind": "mse", "y": big, "yhat": big})
    assert info.value.field == "y" and "MAX_ARRAY_BYTES" in str(info.value), str(info.value)
    ok = np.zeros(1_000)
    assert rnnloss_cli.solve_problem({"kind": "mse", "y": ok, "yhat": ok}).loss == 0.0


def test_a_result_shows_itself_in_one_short_line_at_a_prompt():
    """A REPL (and a notebook's text/plain) shows repr: a short line, not every field."""
    from rnnloss_cli import solve_problem

    r = solve_problem({"kind": "hinge", "y": [1, -1], "yhat": [0.8, -0.5], "answer": 0.35})
    # hand: max(0, 1 − 0.8) = 0.2, max(0, 1 − 0.5) = 0.5; mean 0.35
    text = repr(r)
    assert "\n" not in text and len(text) < 200, text
    assert "hinge" in text and "0.35" in text and "key ok" in text
