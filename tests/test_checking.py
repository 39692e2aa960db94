"""``rnnloss check``: one line per figure off a terminal, the table on a wide one; ``list``."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console
from typer.testing import CliRunner

from rnnloss_cli import checking
from rnnloss_cli.checking import check_files, list_kinds_and_problems
from rnnloss_cli.cli import app

runner = CliRunner()

# (1 - 1.5)² = 0.25, (2 - 1.8)² = 0.04, (3 - 3.4)² = 0.16, (4 - 3.9)² = 0.01;
# mean = 0.46 / 4 = 0.115.
GOOD = "kind: mse\ny: [1.0, 2.0, 3.0, 4.0]\nyhat: [1.5, 1.8, 3.4, 3.9]\nanswer: 0.115\n"
WRONG = GOOD.replace("answer: 0.115", "answer: 0.2")
NO_KEY = "kind: mse\ny: [1]\nyhat: [3]\n"  # (1 - 3)² = 4
BAD = "kind: mse\ny: [1, 2]\nyhat: [1]\n"  # shapes differ


def write(folder: Path, **files: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for stem, text in files.items():
        (folder / f"{stem}.yaml").write_text(text)
    return folder


def forced(width: int, terminal: bool = True) -> tuple[Console, io.StringIO]:
    buf = io.StringIO()
    return Console(file=buf, force_terminal=terminal, width=width, color_system=None), buf


def test_piped_output_is_one_line_per_figure_and_never_folds(tmp_path: Path):
    # A long folder name with a space: the table would fold it; the lines quote it whole.
    folder = write(tmp_path / ("a folder with a long name " * 4).strip(), good=GOOD, wrong=WRONG)
    result = runner.invoke(app, ["check", str(folder)])
    assert result.exit_code == 1, result.output
    lines = result.stdout.splitlines()
    assert lines == [
        f"'{folder}/good.yaml' loss 0.115 0.115 0.0005 ok",
        f"'{folder}/wrong.yaml' loss 0.2 0.115 0.0005 MISMATCH",
        "2 figures in 2 files: 1 ok, 1 mismatched, 0 files with bad input",
    ]
    assert f"answer key disagrees: {folder}/wrong.yaml" in result.stderr


def test_lines_for_a_file_without_key_and_a_bad_file(tmp_path: Path):
    folder = write(tmp_path, good=GOOD, nokey=NO_KEY, shape=BAD)
    result = runner.invoke(app, ["check", str(folder)])
    assert result.exit_code == 2, result.output
    assert result.stdout.splitlines() == [
        f"{folder}/good.yaml loss 0.115 0.115 0.0005 ok",
        f"{folder}/nokey.yaml - - 4 - no-key",
        f"{folder}/shape.yaml - - - - bad-input",
        "1 figure in 3 files: 1 ok, 0 mismatched, 1 file with bad input, 1 file without a key",
    ]
    assert f"error: {folder}/shape.yaml:2: field 'y'" in result.stderr


def test_a_wide_terminal_keeps_the_table(tmp_path: Path):
    folder = write(tmp_path, good=GOOD, wrong=WRONG)
    console, buf = forced(width=200)
    assert check_files([str(folder)], 4, console=console) == 1
    out = buf.getvalue()
    assert "answer keys" in out and "┃ problem" in out
    row = next(line for line in out.splitlines() if "wrong.yaml" in line)
    assert [c.strip() for c in row.strip("│ ").split("│")] == [
        f"{folder}/wrong.yaml",
        "loss",
        "0.2",
        "0.115",
        "0.0005",
        "MISMATCH",
    ]
    assert (
        out.splitlines()[-1] == "2 figures in 2 files: 1 ok, 1 mismatched, 0 files with bad input"
    )


def test_a_terminal_narrower_than_the_table_gets_lines(tmp_path: Path):
    folder = write(tmp_path, good=GOOD)
    wide, _ = forced(width=1000)
    table_width = max(len(line) for line in _render_table(folder, wide).splitlines())
    narrow, buf = forced(width=table_width - 1)
    assert check_files([str(folder)], 4, console=narrow) == 0
    assert buf.getvalue().splitlines()[0] == f"{folder}/good.yaml loss 0.115 0.115 0.0005 ok"
    exact, buf = forced(width=table_width)
    check_files([str(folder)], 4, console=exact)
    assert "┃ problem" in buf.getvalue()


def _render_table(folder: Path, console: Console) -> str:
    check_files([str(folder)], 4, console=console)
    return console.file.getvalue().split("\n1 figure")[0]


def test_not_a_terminal_gets_lines_however_wide(tmp_path: Path):
    folder = write(tmp_path, good=GOOD)
    console, buf = forced(width=1000, terminal=False)
    check_files([str(folder)], 4, console=console)
    assert buf.getvalue().splitlines()[0] == f"{folder}/good.yaml loss 0.115 0.115 0.0005 ok"


def test_brackets_in_a_path_are_text_not_markup(tmp_path: Path):
    folder = write(tmp_path / "week[/b]", good=GOOD)
    result = runner.invoke(app, ["check", str(folder)])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == f"{folder}/good.yaml loss 0.115 0.115 0.0005 ok"
    console, buf = forced(width=300)
    assert check_files([str(folder)], 4, console=console) == 0
    assert f"│ {folder}/good.yaml" in buf.getvalue()


def test_a_folder_without_problem_files_is_exit_2(tmp_path: Path):
    result = runner.invoke(app, ["check", str(tmp_path)])
    assert result.exit_code == 2
    assert f"error: no problem files (*.yaml, *.yml) in {tmp_path}" in result.stderr


def test_list_shows_a_bad_file_message_as_text(tmp_path: Path):
    """A message holding Rich markup (here the kind '[/b]') is printed, not interpreted."""
    folder = write(tmp_path, odd="kind: '[/b]'\n", good=GOOD)
    result = runner.invoke(app, ["list", str(folder)])
    assert result.exit_code == 0, result.output
    assert "unknown kind '[/b]'" in result.stdout and "good.yaml" in result.stdout
    console, buf = forced(width=300)
    list_kinds_and_problems(str(folder), console=console)
    assert "unknown kind '[/b]'" in buf.getvalue()


def test_a_bug_in_one_file_does_not_stop_the_others(tmp_path: Path, monkeypatch):
    """An unexpected exception while solving one file (a bug in rnnloss) ended the whole run
    with exit 4 and no verdicts; now that file is marked internal-error, the others are
    checked, and the run still exits 4."""
    folder = write(tmp_path, a_good=GOOD, b_buggy=NO_KEY, c_wrong=WRONG)
    real_solve = checking.solve

    def buggy(problem):
        if len(problem.y) == 1:  # NO_KEY's problem (the others have four values)
            raise ZeroDivisionError("float division by zero")
        return real_solve(problem)

    monkeypatch.setattr(checking, "solve", buggy)
    result = runner.invoke(app, ["check", str(folder)])
    assert result.exit_code == 4, result.output
    assert result.stdout.splitlines() == [
        f"{folder}/a_good.yaml loss 0.115 0.115 0.0005 ok",
        f"{folder}/b_buggy.yaml - - - - internal-error",
        f"{folder}/c_wrong.yaml loss 0.2 0.115 0.0005 MISMATCH",
        "2 figures in 3 files: 1 ok, 1 mismatched, 0 files with bad input, "
        "1 file with an internal error",
    ]
    assert "b_buggy.yaml: internal error (ZeroDivisionError" in result.stderr


def test_list_names_files_relative_to_the_folder(tmp_path: Path):
    """Two x.yaml in two subfolders were both listed as x.yaml."""
    write(tmp_path / "a", x=GOOD)
    write(tmp_path / "b", x=NO_KEY)
    con, buf = forced(200)
    list_kinds_and_problems(str(tmp_path), console=con)
    text = buf.getvalue()
    assert "a/x.yaml" in text and "b/x.yaml" in text


def test_a_file_named_twice_is_checked_once(tmp_path: Path):
    # the folder twice and one of its files again: two files, each checked once
    folder = write(tmp_path / "d", good=GOOD, none=NO_KEY)
    result = runner.invoke(app, ["check", str(folder), str(folder), str(folder / "good.yaml")])
    assert result.exit_code == 0, result.output
    assert result.output.count("good.yaml") == 1, result.output
    assert "in 2 files" in result.output


def test_an_error_naming_a_key_with_a_line_break_stays_one_line(tmp_path: Path):
    folder = write(tmp_path, broken=GOOD.replace("answer: 0.115", 'answer: {"a\\nb": 1}'))
    result = runner.invoke(app, ["check", str(folder)])
    assert result.exit_code == 2, result.output
    errors = [line for line in result.stderr.splitlines() if line]
    assert len(errors) == 1 and errors[0].startswith("error: "), errors
    assert "a\\nb" in errors[0]


def test_a_file_name_with_a_line_break_stays_on_its_one_line(tmp_path: Path):
    # The line layout promises one line per figure (grep, awk): a name holding a line break
    # was shell-quoted with the break kept, splitting its row over two lines.
    folder = tmp_path / "odd"
    folder.mkdir()
    (folder / "a\nb.yaml").write_text(GOOD)
    (folder / "c.yaml").write_text(GOOD)
    result = runner.invoke(app, ["check", str(folder)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 3, lines  # two figures, then the summary
    assert lines[0].endswith(" loss 0.115 0.115 0.0005 ok"), lines
    assert "a\\nb.yaml" in lines[0], lines


def test_a_disagreeing_file_with_a_line_break_in_its_name_is_named_on_one_line(
    tmp_path: Path,
):
    # "answer key disagrees: PATH" and "wrote PATH" kept a line break of the name, so one
    # message took two lines of stderr. (1 - 3)² = 4, not the key 5: a mismatch.
    folder = tmp_path / "odd"
    folder.mkdir()
    (folder / "w\nx.yaml").write_text("kind: mse\ny: [1]\nyhat: [3]\nanswer: 5\n")
    out = tmp_path / "o\nut.json"
    for args in (
        ["check", str(folder)],
        ["solve", str(folder)],
        ["solve", str(folder), "--format", "json", "-o", str(out)],
    ):
        result = runner.invoke(app, args)
        assert result.exit_code == 1, (args, result.output)
        lines = result.stderr.splitlines()
        assert lines[-1] == f"answer key disagrees: {folder}/w\\nx.yaml", (args, lines)
        assert all(line.startswith(("answer key", "wrote ")) for line in lines), lines
    assert out.is_file()


def test_standard_input_is_named_stdin_as_solve_and_mark_name_it():
    # `check -` wrote its rows as "- loss 0.2 0.115 ..." (or "- - - - - bad-input", a row of
    # dashes) and said "answer key disagrees: -", where solve and mark say <stdin>.
    result = runner.invoke(app, ["check", "-"], input=WRONG)
    assert result.exit_code == 1, result.output
    assert result.stdout.splitlines()[0] == "<stdin> loss 0.2 0.115 0.0005 MISMATCH"
    assert "answer key disagrees: <stdin>" in result.stderr.splitlines()
    result = runner.invoke(app, ["check", "-"], input=BAD)
    assert result.exit_code == 2, result.output
    assert result.stdout.splitlines()[0] == "<stdin> - - - - bad-input"
