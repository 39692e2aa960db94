"""LaTeX sheets with hostile symbols: displays are never split inside an escaped brace, and
names with two subscripts stay text, so the sheets compile."""

from __future__ import annotations

import shutil
import subprocess

import pytest


# 2. escaped braces in \text{...} were counted as groups when a display was split
def test_a_display_is_never_split_inside_a_text_group():
    from rnnloss_cli.sheet import _top_level_split

    math_ = r"\pi = \text{\}; \\ \{; a \_},\ y; z"
    assert _top_level_split(math_, ";") == [r"\pi = \text{\}; \\ \{; a \_},\ y;", "z"]


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed")
def test_sheets_of_hostile_symbols_compile(tmp_path):
    from rnnloss_cli.sheet import build_sheet

    (tmp_path / "d.yaml").write_text(
        "kind: sequence\nvocabulary: ['y_t(a_b_c)', 'x_1(__)', zz]\n"
        "targets: ['y_t(a_b_c)', 'x_1(__)']\nyhat: [[0.5, 0.3, 0.2], [0.2, 0.6, 0.2]]\n"
    )
    (tmp_path / "e.yaml").write_text(
        'kind: ctc_decode\nsymbols: ["_", "};", "{;", a]\nblank: "_"\nbeam: 2\nemissions:\n'
        "  - [.1, .5, .3, .1]\n  - [.1, .3, .5, .1]\n  - [.2, .2, .2, .4]\n  - [.5, .2, .2, .1]\n"
    )
    for name in ("d", "e"):
        tex = tmp_path / f"{name}.tex"
        tex.write_text(build_sheet([str(tmp_path / f"{name}.yaml")], "latex", solutions=True))
        done = subprocess.run(
            ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", tex.name],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stdout[-2000:]
