"""``rnnloss train --format html|markdown|json [-o FILE]``: the run as a page, its curve read back.

The curve's points are compared with a second run of the same seeded training from the Python
side (runs are reproducible: tests/train/test_run.py), never with numbers pasted from output.
"""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rnnloss_cli.cli.app import app
from rnnloss_cli.render.charts import curve_svg
from rnnloss_cli.result import Table
from rnnloss_cli.train.run import train
from rnnloss_cli.train.summary import curve_epochs, train_result

runner = CliRunner()


def parse(text: str) -> ET.Element:
    return ET.fromstring(text.split("\n", 1)[1])  # past <!DOCTYPE html>


def points(root: ET.Element) -> list[tuple[int, float]]:
    return [
        (int(c.get("data-epoch")), float(c.get("data-value")))
        for c in root.iter("circle")
        if c.get("data-epoch") is not None
    ]


def test_html_page_curve_matches_the_run(tmp_path: Path):
    out = tmp_path / "run.html"
    result = runner.invoke(app, ["train", "--loss", "mse", "--epochs", "5", "--format", "html",
                                 "-o", str(out)])  # fmt: skip
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    root = parse(text)  # well-formed
    assert "http" not in text and "<script" not in text
    res = train("mse", epochs=5, seed=0)
    want = [res.initial, *res.history]
    got = points(root)
    assert [e for e, _ in got] == [0, 1, 2, 3, 4, 5]
    assert [v for _, v in got] == pytest.approx(want, rel=1e-12)
    svg = next(s for s in root.iter("svg") if s.get("class") == "curve")
    assert svg.find("title").text and svg.find("desc").text
    # the settings and the epochs table are on the page too
    captions = [c.text for c in root.iter("caption")]
    assert (
        "settings" in captions
        and "loss per epoch" in captions
        and "held-out examples" in (captions)
    )
    settings = next(t for t in root.iter("table") if t.find("caption").text == "settings")
    cells = {tr[0].text: tr[1].text for tr in settings.iter("tr") if len(tr) == 2}
    assert cells["epochs"] == "5" and cells["optimizer"] == "adam" and cells["seed"] == "0"


def curve(values: list[float]) -> ET.Element:
    """The curve SVG of a table whose epoch e holds values[e]."""
    rows = [[e, v] for e, v in enumerate(values)]
    return ET.fromstring(curve_svg(Table("loss per epoch", ["epoch", "loss"], rows), "t")[0])


def test_curve_on_a_log_axis_when_it_spans_more_than_two_decades():
    # 1 -> 0.001 is three decades: log y; points one decade apart sit equally far apart
    svg = curve([1.0, 0.1, 0.01, 0.001])
    ys = [float(c.get("cy")) for c in svg.iter("circle")]
    gaps = [b - a for a, b in zip(ys, ys[1:], strict=False)]
    assert max(gaps) == pytest.approx(min(gaps), abs=0.02) and gaps[0] > 0
    titles = [t.text for t in svg.iter("text") if t.get("class") == "axis-title"]
    assert "loss (log scale)" in titles
    # 1 -> 0.02 is 1.7 decades: linear, and the axis says nothing about a log
    svg = curve([1.0, 0.5, 0.02])
    ys = [float(c.get("cy")) for c in svg.iter("circle")]
    # linear: (y0 − y1) / (y1 − y2) = (1 − 0.5) / (0.5 − 0.02) = 0.5 / 0.48
    assert (ys[1] - ys[0]) / (ys[2] - ys[1]) == pytest.approx(0.5 / 0.48, rel=1e-3)
    titles = [t.text for t in svg.iter("text") if t.get("class") == "axis-title"]
    assert "loss" in titles and not any("log" in t for t in titles)


def test_every_point_lies_inside_the_plot():
    svg = curve([0.5258, 0.26, 0.05])
    width, height = float(svg.get("width")), float(svg.get("height"))
    for c in svg.iter("circle"):
        assert 0 < float(c.get("cx")) < width and 0 < float(c.get("cy")) < height


def test_markdown_and_json_formats(tmp_path: Path):
    res = train("hinge-seq", epochs=3, seed=2)
    result = runner.invoke(app, ["train", "--loss", "hinge-seq", "--epochs", "3", "--seed", "2",
                                 "--format", "json"])  # fmt: skip
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)  # one result: one object
    assert doc["kind"] == "train"
    curve = next(t for t in doc["tables"] if t["title"] == "loss per epoch")
    assert [row[1] for row in curve["rows"]] == pytest.approx([res.initial, *res.history])
    result = runner.invoke(app, ["train", "--loss", "hinge-seq", "--epochs", "3", "--seed", "2",
                                 "--format", "markdown"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "**loss per epoch**" in result.stdout and "| epoch | loss |" in result.stdout


def test_output_file_is_refused_before_training_without_force(tmp_path: Path):
    out = tmp_path / "run.html"
    out.write_text("keep me")
    args = ["train", "--epochs", "2", "--format", "html", "-o", str(out)]
    result = runner.invoke(app, args)
    assert result.exit_code == 2 and "--force" in result.output
    assert out.read_text() == "keep me"
    result = runner.invoke(app, [*args, "--force"])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_output_file_needs_a_page_format(tmp_path: Path):
    result = runner.invoke(app, ["train", "--epochs", "1", "-o", str(tmp_path / "x.txt")])
    assert result.exit_code == 2
    assert "--format html, markdown or json" in result.output
    assert not (tmp_path / "x.txt").exists()


def test_bad_flag_with_a_page_format_is_a_one_line_error(tmp_path: Path):
    result = runner.invoke(app, ["train", "--lr", "inf", "--format", "html"])
    assert result.exit_code == 2
    assert "Traceback" not in result.output and "--lr" in result.output


def test_curve_epochs_thins_evenly_and_keeps_the_ends():
    assert curve_epochs(3) == [0, 1, 2, 3]
    # 11 points (epochs 0..10) into 4: k·10 // 3 for k = 0..3 = 0, 3, 6, 10
    assert curve_epochs(10, 4) == [0, 3, 6, 10]
    kept = curve_epochs(100_000)
    assert len(kept) == 500 and kept[0] == 0 and kept[-1] == 100_000


def test_a_long_run_holds_a_bounded_curve(monkeypatch):
    import rnnloss_cli.train.summary as summary

    res = train("mse", epochs=9, seed=0)
    monkeypatch.setattr(summary, "MAX_CURVE_POINTS", 4)
    r = summary.train_result(res, loss="mse", seed=0)
    t = next(t for t in r.tables if t.title.startswith("loss per epoch"))
    # epochs 0..9 into 4: k·9 // 3 = 0, 3, 6, 9
    assert [row[0] for row in t.rows] == [0, 3, 6, 9]
    values = [res.initial, *res.history]
    assert [row[1] for row in t.rows] == [values[e] for e in (0, 3, 6, 9)]
    assert "4 of the 10 epochs" in t.title


def test_a_run_that_does_not_learn_is_warned_about():
    res = train("mse", epochs=2, seed=0)
    r = train_result(res, loss="mse", seed=0)
    assert not r.warnings  # it learned: 2 epochs of Adam take mse below its start
    res.history = [res.initial, 2 * res.initial]  # as if the loss had doubled
    r = train_result(res, loss="mse", seed=0)
    assert any("did not fall" in w for w in r.warnings)


@pytest.mark.parametrize("fmt, loaded", [("rich", False), ("html", True)])
def test_html_modules_load_only_for_html(fmt: str, loaded: bool):
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from rnnloss_cli.cli.app import app\n"
        f"r = CliRunner().invoke(app, ['train', '--epochs', '1', '--format', '{fmt}'])\n"
        "assert r.exit_code == 0, r.output\n"
        "print(sorted(m for m in sys.modules if m.startswith('rnnloss_cli.render.')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    mods = out.stdout
    assert ("rnnloss_cli.render.charts" in mods) is loaded, mods
    assert ("rnnloss_cli.render.html" in mods) is loaded, mods


def test_rich_output_is_unchanged_by_default():
    result = runner.invoke(app, ["train", "--epochs", "2"])
    assert result.exit_code == 0, result.output
    assert "held-out examples" in result.output and "<svg" not in result.output


def test_no_progress_bar_and_no_blank_line_when_stderr_is_not_a_terminal(tmp_path):
    import subprocess
    import sys

    out = tmp_path / "run.html"
    cmd = [sys.executable, "-m", "rnnloss_cli", "train", "--epochs", "2", "--format", "html"]
    done = subprocess.run([*cmd, "-o", str(out)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stderr == f"wrote {out}\n"
