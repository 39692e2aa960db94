"""Issue 13 item 1: every arithmetic line in rich, markdown and JSON output checks by hand."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rnnloss_cli.cli import app
from tests.render.arith import bad_lines, evaluate, latex_to_plain, relations

PROBLEMS = sorted((Path(__file__).resolve().parents[2] / "problems").glob("*.yaml"))
runner = CliRunner()


def test_checker_reads_and_rejects():
    # hand: 0.2 + 0.5 + 0.7 = 1.4; 1.4 / 3 = 0.4667; −ln 0.03 = 3.507 (the issue's -p 1 line)
    assert evaluate("(0.2 + 0.5 + 0.7) / 3") == pytest.approx(1.4 / 3)
    assert relations("listed loss: −ln P = −ln 0.03 = 3.7") == [("-ln 0.03", "=", "3.7")]
    assert bad_lines("listed loss: −ln P = −ln 0.03 = 3.7", 1)
    assert not bad_lines("listed loss: −ln P = −ln 0.03 ≈ 3.7", 1)
    assert not bad_lines("mean: (0.2 + 0.5 + 0.7) / 3 = 0.467", 3)
    # −0.191 − 0.46 − 0.357 = −1.008, so −1.007 does not check
    assert bad_lines("x: -0.191 − 0.46 − 0.357 = -1.007", 3)
    assert latex_to_plain(r"\frac{0.2 + 0.5}{2} = 0.35") == "(0.2 + 0.5) / (2) = 0.35"
    # e^(−1.72) = 0.17907 (read as exp, not as the bracket alone)
    assert not bad_lines("p = e^(−1.72) = 0.179", 3)
    assert bad_lines("p = e^(−1.72) = 0.2", 3)


def _texts_of_json(doc) -> list[str]:
    out = []
    for d in doc if isinstance(doc, list) else [doc]:
        for s in d["steps"]:
            out += [s["text"], latex_to_plain(s["latex"])]
        out += ["PROSE: " + w for w in d["warnings"] + d["notes"]]
        out += _texts_of_json(d["children"]) if d["children"] else []
    return out


def _lines(path: Path, fmt: str, precision: int, monkeypatch) -> str:
    monkeypatch.setenv("COLUMNS", "2000")  # one derivation line per printed line
    args = ["solve", str(path), "--format", fmt, "--precision", str(precision)]
    result = runner.invoke(app, args)
    assert result.exit_code in (0, 1), result.output
    if fmt == "json":
        return "\n".join(_texts_of_json(json.loads(result.output)))
    if fmt == "markdown":
        return "\n".join(latex_to_plain(line) for line in result.output.splitlines())
    return result.output


@pytest.mark.parametrize("precision", [1, 3, 5])
@pytest.mark.parametrize("fmt", ["rich", "markdown", "json"])
@pytest.mark.parametrize("path", PROBLEMS, ids=lambda p: p.name)
def test_every_printed_relation_checks(path, fmt, precision, monkeypatch):
    text = _lines(path, fmt, precision, monkeypatch)
    assert bad_lines(text, precision) == []


def test_lines_are_read_at_all(monkeypatch):
    # guard against a checker that silently reads nothing: HELLO's rich output has the three
    # products, the sum and the loss
    text = _lines(PROBLEMS[0].parent / "hello.yaml", "rich", 3, monkeypatch)
    found = [r for line in text.splitlines() for r in relations(line)]
    assert len(found) >= 5, found


@pytest.mark.parametrize(
    ("x", "text", "latex"),
    [
        (1e308, "1e308", r"1 \times 10^{308}"),
        (-1.7976931348623157e308, "-1.79769e308", r"-1.79769 \times 10^{308}"),
        (1e40, "1e40", r"1 \times 10^{40}"),
        (9.99e15, "9990000000000000", "9990000000000000"),
        (1234.5678, "1234.568", "1234.568"),
    ],
)
def test_huge_numbers_print_in_scientific_notation(x, text, latex):
    """1e40 printed as 10000000000000000303786028427003666890752 and 1e308 as 309 digits."""
    from rnnloss_cli.render.text import fmt_number

    assert fmt_number(x) == text
    assert fmt_number(x, latex=True) == latex
