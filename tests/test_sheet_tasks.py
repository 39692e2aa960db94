"""The task on a sheet, as a student reads it: the loss by its one name, the figures the key
holds, the conventions in their own paragraph; and what else a handout must not repeat or hide."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from rnnloss_cli.cli import app
from rnnloss_cli.sheet import build_sheet

runner = CliRunner()
PROBLEMS = Path(__file__).resolve().parents[1] / "problems"

#: The name of each kind's loss as `rnnloss <command> --help`, `rnnloss explain` and the
#: solution's first line say it (cce: "Categorical cross-entropy over observations and
#: classes", "CCE = −Σ_i Σ_c ..."; rnnt: "RNN-T loss = −ln p(y|x)"), written out by hand.
NAMES = {
    "mse": "mean squared error",
    "bce": "binary cross-entropy",
    "nll": "negative log-likelihood",
    "cce": "categorical cross-entropy",
    "hinge": "hinge loss",
    "ctc": "CTC loss",
    "sequence": "sequence cross-entropy",
    "sequence_hinge": "hinge loss",
    "reinforce": "REINFORCE loss",
    "custom": "custom loss",
    "ctc_align": "CTC forced alignment",
    "ctc_decode": "CTC decoding",
    "rnnt": "RNN-T loss",
    "bptt": "back-propagation through time",
}
SHIPPED = sorted(PROBLEMS.glob("*.yaml"))
#: What may stand between "Task" and its first word: punctuation, spaces, tags (</strong>).
_MARKUP = r"(?:<[^>]*>|\W)*"


def _task(sheet: str) -> str:
    (line,) = [x for x in sheet.splitlines() if x.startswith("**Task.**")]
    return line.replace("\\", "")  # markdown escapes


def _data(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def test_every_kind_is_shipped():
    assert {_data(p)["kind"] for p in SHIPPED} == set(NAMES)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_the_task_names_the_loss_by_its_one_name(path: Path):
    task = _task(build_sheet([str(path)], "markdown"))
    kind = _data(path)["kind"]
    assert NAMES[kind] in task, task
    # the fallback "Compute the loss (<kind summary>)" asked a decoding for a loss
    assert "Compute the loss (" not in task, task
    if kind == "cce":
        assert "the categorical cross-entropy" in task and "the cross-entropy" not in task


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_the_task_names_every_figure_the_key_holds(path: Path):
    task = _task(build_sheet([str(path)], "markdown"))
    answer = _data(path).get("answer")
    if not isinstance(answer, dict):  # a number: the loss
        answer = {"loss": answer}
    figures = []
    for name, value in answer.items():
        if name == "grads":  # bptt: one figure per parameter
            figures += [f"grads.{p}" for p in value]
        else:
            figures.append(name)
    give = task.split(" Give ", 1)[1]
    for figure in figures:
        named = f"({figure})" in give or (figure == "loss" and re.search(r"\bloss\b", give))
        assert named, (figure, task)


def test_a_decoding_is_asked_for_labellings_not_a_loss():
    # problems/ctc-decode-beam-vs-greedy.yaml: its key is greedy "", greedy_prob .25, beam a,
    # beam_prob .56 — no loss figure
    task = _task(build_sheet([str(PROBLEMS / "ctc-decode-beam-vs-greedy.yaml")], "markdown"))
    assert "loss" not in task, task
    assert "the greedy labelling (greedy)" in task and "(beam)" in task, task


def test_a_decoding_without_a_key_is_asked_for_its_labellings(tmp_path: Path):
    data = _data(PROBLEMS / "ctc-decode-beam-vs-greedy.yaml")
    del data["answer"]
    f = tmp_path / "keyless.yaml"
    f.write_text(yaml.safe_dump(data))
    task = _task(build_sheet([str(f)], "markdown"))
    assert "(greedy)" in task and "(beam)" in task and "loss" not in task, task


@pytest.mark.parametrize(
    ("name", "convention"),
    [
        ("reinforce-episode.yaml", "baseline mean: b is the mean of the episode"),
        ("rnnt-ab-two-frames.yaml", "u labels emitted so far"),
        ("bptt-two-steps.yaml", "no factor 1/2"),
        ("ctc-decode-lm.yaml", "a natural log"),
    ],
)
@pytest.mark.parametrize("fmt", ["markdown", "latex", "html"])
def test_givens_then_conventions_then_the_task(name: str, convention: str, fmt: str):
    sheet = build_sheet([str(PROBLEMS / name)], fmt).replace("\\", "")
    given = sheet.index("Given")
    said = sheet.index(convention)
    task = sheet.index("Task")
    assert given < said < task, (given, said, task)
    # the task opens with its verb, not with a convention
    assert re.search(rf"Task{_MARKUP}(Compute|Decode|Align|Run) ", sheet[task:]), sheet[task:]


@pytest.mark.parametrize("fmt", ["markdown", "latex", "html"])
def test_a_log_base_is_said_with_the_figures_to_give(fmt: str):
    # problems/bce-bits.yaml: log_base 2; ln 2 nats = 1 bit is the key
    sheet = build_sheet([str(PROBLEMS / "bce-bits.yaml")], fmt).replace("\\", "")
    task = sheet[sheet.index("Task") :]
    assert re.search(rf"Task{_MARKUP}Compute the binary cross-entropy", task), task[:200]
    assert "Give the loss, in bits (log_base 2: the nats divided by ln 2)." in task, task[:300]


def test_a_solution_does_not_repeat_kind_and_source():
    sheet = build_sheet([str(PROBLEMS / "bce-bits.yaml")], "markdown", solutions=True)
    assert sheet.count("written for rnnloss (log_base example)") == 1, sheet
    assert "kind: `bce`" not in sheet, sheet
    solution = sheet[sheet.index("### Solution") :]
    first = next(x for x in solution.splitlines()[1:] if x.strip())
    assert first.startswith("$$"), first  # the formula comes first


def test_a_custom_solution_keeps_each_term_s_own_source():
    # the terms are other problems: their source is news, not a repeat; their kind is in
    # the terms table and their headings, not as the file's field ("kind: `sequence`")
    sheet = build_sheet([str(PROBLEMS / "custom-combo.yaml")], "markdown", solutions=True)
    assert "kind: `" not in sheet
    assert '_Source: handout, "Sequence Loss" (cross-entropy summed over the time steps)_' in sheet
    assert '_Source: handout, "Simple Problem with Hinge Loss for Sequences"_' in sheet


EMOJI = "kind: mse\ntitle: Loss \U0001f600 \u4e2d\ny: [1, 2]\nyhat: [1.5, 2.5]\n"


def test_a_latex_sheet_pdflatex_cannot_set_says_so_on_stderr(tmp_path: Path):
    f = tmp_path / "emoji.yaml"
    f.write_text(EMOJI, encoding="utf-8")
    r = runner.invoke(app, ["sheet", str(f), "--format", "latex"])
    assert r.exit_code == 0, r.output
    lines = r.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("warning: "), r.stderr
    assert "U+1F600" in lines[0] and "U+4E2D" in lines[0] and "lualatex" in lines[0]
    assert r"\documentclass" in r.stdout and "warning" not in r.stdout


@pytest.mark.parametrize("fmt", ["markdown", "html"])
def test_no_warning_where_the_characters_are_set(tmp_path: Path, fmt: str):
    f = tmp_path / "emoji.yaml"
    f.write_text(EMOJI, encoding="utf-8")
    r = runner.invoke(app, ["sheet", str(f), "--format", fmt])
    assert r.exit_code == 0 and r.stderr == "", r.stderr


def test_no_warning_for_a_latex_sheet_pdflatex_sets():
    r = runner.invoke(app, ["sheet", str(PROBLEMS / "hello.yaml"), "--format", "latex"])
    assert r.exit_code == 0 and r.stderr == "", r.stderr
