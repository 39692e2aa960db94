"""``rnnloss sheet --paper a4|letter``: the paper a printed sheet is laid out for.

Before, an HTML sheet was always A4 (the README told Letter users to ``sed`` the page) and a
LaTeX sheet, said to be A4, was Letter: ``\\documentclass[11pt]{article}`` names no paper, and
the article class's default is Letter (8.5 × 11 in), which geometry's margins then took.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rnnloss_cli.cli.app import app
from rnnloss_cli.sheet import build_sheet
from tests.test_sheet import PROBLEMS
from tests.test_sheet_html import print_to_pdf

runner = CliRunner()
FILE = str(PROBLEMS / "mse-forecast.yaml")

#: (paper, the HTML @page size, the LaTeX class option, the page in pt: 210 × 297 mm =
#: 595.3 × 841.9 pt (mm / 25.4 × 72); 8.5 × 11 in = 612 × 792 pt)
PAPERS = [
    ("a4", "A4", "a4paper", (595.3, 841.9)),
    ("letter", "letter", "letterpaper", (612.0, 792.0)),
]


@pytest.mark.parametrize(("paper", "css", "_option", "_pt"), PAPERS)
def test_an_html_sheet_names_its_paper(paper, css, _option, _pt):
    page = build_sheet([FILE], "html", paper=paper)
    assert re.search(rf"@page\s*\{{\s*size:\s*{css}\s*;", page), paper


@pytest.mark.parametrize(("paper", "_css", "option", "_pt"), PAPERS)
def test_a_latex_sheet_names_its_paper(paper, _css, option, _pt):
    text = build_sheet([FILE], "latex", paper=paper)
    assert rf"\documentclass[11pt,{option}]{{article}}" in text


def test_a4_is_the_default_for_both():
    assert "size: A4;" in build_sheet([FILE], "html")
    assert r"\documentclass[11pt,a4paper]{article}" in build_sheet([FILE], "latex")


@pytest.mark.parametrize(("paper", "css", "option", "_pt"), PAPERS)
def test_the_cli_passes_the_paper_on(paper, css, option, _pt, tmp_path):
    for suffix, expected in ((".html", f"size: {css};"), (".tex", option)):
        out = tmp_path / f"sheet{suffix}"
        res = runner.invoke(app, ["sheet", FILE, "--paper", paper, "-o", str(out)])
        assert res.exit_code == 0, res.output
        assert expected in out.read_text(encoding="utf-8")


def test_a_markdown_sheet_says_it_has_no_paper(tmp_path):
    """--paper with a markdown sheet was dropped without a word; the HTML default (no
    --paper) says nothing."""
    res = runner.invoke(app, ["sheet", FILE, "--paper", "letter"])
    assert res.exit_code == 0, res.output
    assert "warning: --paper lays out a LaTeX or HTML sheet" in res.output
    res = runner.invoke(app, ["sheet", FILE])
    assert res.exit_code == 0 and "warning" not in res.output, res.output
    res = runner.invoke(app, ["sheet", FILE, "-o", str(tmp_path / "s.html")])
    assert res.exit_code == 0 and "warning" not in res.output, res.output
    assert "size: A4;" in (tmp_path / "s.html").read_text(encoding="utf-8")


def test_an_unknown_paper_is_a_usage_error():
    res = runner.invoke(app, ["sheet", FILE, "--paper", "legal"])
    assert res.exit_code == 2
    assert "Traceback" not in res.output and "legal" in res.output


@pytest.mark.skipif(
    shutil.which("chromium") is None or shutil.which("pdfinfo") is None,
    reason="chromium and pdfinfo (poppler-utils) are needed",
)
@pytest.mark.parametrize(("paper", "_css", "_option", "pt"), PAPERS)
def test_chromium_prints_on_the_chosen_paper(paper, _css, _option, pt, tmp_path: Path):
    pdf = print_to_pdf(build_sheet([FILE], "html", paper=paper), tmp_path)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    size = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info)
    assert size, info
    assert abs(float(size[1]) - pt[0]) < 1.5 and abs(float(size[2]) - pt[1]) < 1.5, info
