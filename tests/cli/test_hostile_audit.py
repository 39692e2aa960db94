"""Hardening audit of the CLI plumbing: each test was seen failing before its fix."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rnnloss_cli.cli import app
from tests.cli.streams import run_encoded

runner = CliRunner()


def run(*args: str, input: str | None = None):
    return runner.invoke(app, list(args), input=input)


# Errors y - yhat: 1 - 0.5 = 0.5, 2 - 2 = 0; squares 0.25, 0; mean 0.25 / 2 = 0.125
MSE = "kind: mse\ny: [1, 2]\nyhat: [0.5, 2]\nanswer: 0.125\n"


def test_solve_to_file_parses_each_problem_once(tmp_path: Path, monkeypatch):
    """``solve big.yaml -o x.json`` parsed its inputs again to list the custom terms' files
    (about twice the time on a big file); the terms come from the problems already loaded."""
    import rnnloss_cli.problem as problem_module
    from rnnloss_cli.problem import _yaml

    (tmp_path / "a.yaml").write_text(MSE)
    (tmp_path / "c.yaml").write_text(
        "kind: custom\nterms:\n  - {weight: 2, file: a.yaml}\n"
        "  - {weight: 1, problem: {kind: mse, y: [1], yhat: [1]}}\n"
        # 2 x 0.125 + 1 x 0 = 0.25
        "answer: 0.25\n"
    )
    calls: list[str] = []
    real = _yaml.load_yaml

    def counting(text, name, **kw):  # kw: arrays=True from load_problem
        calls.append(name)
        return real(text, name, **kw)

    monkeypatch.setattr(problem_module, "load_yaml", counting)
    monkeypatch.setattr(_yaml, "load_yaml", counting)
    out = tmp_path / "x.json"
    result = run("solve", str(tmp_path / "c.yaml"), "--format", "json", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["loss"] == 0.25
    # c.yaml once and a.yaml once (its term), nothing parsed twice
    assert sorted(Path(c).name for c in calls) == ["a.yaml", "c.yaml"]
    # the referenced file is still one of the inputs: never written over
    result = run(
        "solve",
        str(tmp_path / "c.yaml"),
        "--format",
        "json",
        "-o",
        str(tmp_path / "a.yaml"),
        "--force",
    )
    assert result.exit_code == 2
    assert "inputs" in result.output


CUSTOM = (
    "kind: custom\nterms:\n  - {weight: 1, problem: {kind: mse, y: [1], yhat: [0]}}\n"
    "  - {weight: 2, problem: {kind: mse, y: [2], yhat: [2]}}\n"
)


@pytest.mark.parametrize("columns", ["100000", "99999999999999999999"])
def test_a_huge_columns_is_clamped_not_an_internal_error(tmp_path: Path, monkeypatch, columns):
    """COLUMNS=100000 drew each term's panel 100,000 characters wide (6.6 MB for the shipped
    custom-combo.yaml; COLUMNS=10^7 ran out of time at 390 MB), and a COLUMNS past an
    index-sized integer was an internal error (exit 4). Help had the same width."""
    from rnnloss_cli.cli.io import MAX_CONSOLE_WIDTH

    path = tmp_path / "c.yaml"
    path.write_text(CUSTOM)
    monkeypatch.setenv("COLUMNS", columns)
    for argv in (["solve", str(path)], ["--help"], ["solve", "--help"]):
        code, out, err = run_encoded(argv, monkeypatch, "utf-8")
        assert code == 0, err
        widest = max(len(line) for line in out.splitlines())
        assert 40 < widest <= MAX_CONSOLE_WIDTH, (argv, widest)


def test_columns_below_the_narrowest_is_the_narrowest(monkeypatch):
    """COLUMNS=1 drew the help 3 characters wide, one word a line."""
    from rnnloss_cli.cli.io import MIN_CONSOLE_WIDTH

    monkeypatch.setenv("COLUMNS", "1")
    code, out, err = run_encoded(["solve", "--help"], monkeypatch, "utf-8")
    assert code == 0, err
    assert max(len(line) for line in out.splitlines()) == MIN_CONSOLE_WIDTH


def test_a_columns_that_isdigit_accepts_and_int_does_not_is_ignored(monkeypatch):
    """COLUMNS=² ("²".isdigit() is True, int("²") raises) was an internal error in Rich."""
    monkeypatch.setenv("COLUMNS", "²")
    code, out, err = run_encoded(["mse", "--y", "1,2", "--yhat", "1,3"], monkeypatch, "utf-8")
    # errors 0 and -1, squares 0 and 1: mean 1 / 2 = 0.5
    assert code == 0, err
    assert "loss = 0.5" in out


@pytest.mark.parametrize(
    "argv",
    [
        ["train", "--seed", "9" * 5000],  # a usage error from click, quoting the value
        ["explain", "x" * 5000],  # an error of rnnloss's own, quoting the name
        ["solve", "a" * 3000 + ".yaml"],  # a file name in the error
    ],
)
def test_an_error_quoting_a_huge_value_stays_a_readable_line(monkeypatch, argv):
    """The whole 5,000-character value was quoted in the one error line (up to the 128 KiB
    an argument may hold); its middle is now left out, saying how much."""
    from rnnloss_cli.cli.io import MAX_MESSAGE_CHARS

    code, out, err = run_encoded(argv, monkeypatch, "utf-8")
    assert code == 2, err
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err[:300]
    assert len(lines[0]) <= MAX_MESSAGE_CHARS + 60, len(lines[0])
    # or the value itself is cut, saying its size (integer flags: "got a 5,000-digit number")
    assert "characters left out" in lines[0] or len(lines[0]) < 300, lines[0][:300]


def test_an_output_path_through_a_missing_folder_and_dotdot_is_checked_where_it_lands(
    tmp_path: Path,
):
    """``-o missing/../a.yaml`` is a.yaml once the missing folder is created, but the checks
    looked at the path as written (which does not exist): the input a.yaml, a custom term's
    file, and an existing file without --force were all written over."""
    a = tmp_path / "a.yaml"
    a.write_text(MSE)
    (tmp_path / "c.yaml").write_text("kind: custom\nterms:\n  - {weight: 1, file: a.yaml}\n")
    out = tmp_path / "out.json"
    out.write_text("keep me\n")
    via = tmp_path / "missing" / ".."
    cases = [
        (["solve", str(a), "--format", "json", "-o", str(via / "a.yaml"), "--force"], "inputs"),
        (
            ["solve", str(tmp_path / "c.yaml"), "--format", "json", "-o", str(via / "a.yaml")]
            + ["--force"],
            "inputs",
        ),
        (["solve", str(a), "--format", "json", "-o", str(via / "out.json")], "--force"),
        (["sheet", str(a), "-o", str(via / "a.yaml"), "--force"], "inputs"),
    ]
    for argv, words in cases:
        result = run(*argv)
        assert result.exit_code == 2, (argv, result.output)
        assert words in result.output, result.output
    assert a.read_text() == MSE and out.read_text() == "keep me\n"


def test_a_file_reached_through_proc_self_root_is_a_file_not_a_stream(tmp_path: Path):
    """/proc/self/root/... and /proc/self/cwd/... lead to ordinary files, but every path under
    /proc was written to directly as a descriptor: an existing file was overwritten without
    --force (and not atomically)."""
    a = tmp_path / "a.yaml"
    a.write_text(MSE)
    keep = tmp_path / "keep.json"
    keep.write_text("keep me\n")
    via_proc = f"/proc/self/root{keep}"
    if not Path(via_proc).exists():
        pytest.skip("no /proc/self/root here")
    result = run("solve", str(a), "--format", "json", "-o", via_proc)
    assert result.exit_code == 2 and "--force" in result.output, result.output
    assert keep.read_text() == "keep me\n"
    result = run("solve", str(a), "--format", "json", "-o", via_proc, "--force")
    assert result.exit_code == 0, result.output
    assert json.loads(keep.read_text())["loss"] == 0.125


def test_descriptors_under_proc_and_dev_are_still_streams():
    from rnnloss_cli.cli.io import is_stream_path

    for path in ("/proc/self/fd/1", "/proc/123/fd/3", "/proc/self/task/9/fd/1", "/dev/stdout"):
        assert is_stream_path(Path(path)), path
    for path in ("/proc/self/root/tmp/x.json", "/proc/self/cwd/x.json"):
        assert not is_stream_path(Path(path)), path


def test_a_folder_named_fd_through_proc_self_root_is_not_a_descriptor():
    from rnnloss_cli.cli.io import is_stream_path

    assert not is_stream_path(Path("/proc/self/root/fd/x.json"))
    assert not is_stream_path(Path("/proc/self/cwd/task/1/fd/x.json"))


def test_html_on_standard_output_shows_control_characters_as_escapes(tmp_path, monkeypatch):
    """A YAML escape (``"\\e[31m"``, ``"\\u202e"``) puts ESC or a bidi override into a title;
    the rich, markdown and JSON outputs show them as escapes, but the HTML page sent them
    raw to the terminal (ESC [ 8 m hides what follows; U+202E reorders it)."""
    path = tmp_path / "p.yaml"
    path.write_text('kind: mse\ntitle: "a\\e[31mred\\u202e"\ny: [1]\nyhat: [1]\n')
    code, out, err = run_encoded(["solve", str(path), "--format", "html"], monkeypatch, "utf-8")
    assert code == 0, err
    assert "\x1b" not in out and "\u202e" not in out
    assert "a\\u001b[31mred\\u202e" in out


@pytest.mark.parametrize(
    "args",
    [
        ["solve", ""],
        ["check", ""],
        ["sheet", ""],
        ["list", ""],
        ["export", ""],
        ["mark", "", "--answer", "loss=1"],
        ["grade", "problems", ""],
        ["ctc", "decode", "--emissions", "0.5,0.5", "--symbols", "-,A", "--lm", ""],
    ],
)
def test_an_empty_path_is_named_as_empty_not_as_input(args):
    """An empty path argument (a shell variable that was not set) was reported as
    ``error: <input>: no such file or folder``, as if standard input or some inner input
    were missing; it is the empty name ``''`` the user gave."""
    r = run(*args)
    assert r.exit_code == 2, r.output
    assert "<input>" not in r.output
    assert r.output.startswith("error: '': ") and "empty" in r.output, r.output
    assert r.output.count("\n") == 1


def test_a_file_name_that_is_not_utf8_is_written_as_its_escape(tmp_path: Path, monkeypatch):
    """A problem file named b"bad\\xffname.yaml" (Python reads the byte as U+DCFF) on a
    UTF-8 standard output of strict errors (a desktop's en_US.UTF-8): ``solve -f json``,
    ``list`` and ``check`` exited 3 with "standard output is closed" (the UnicodeEncodeError
    was taken for a closed stream), and ``solve -o r.json`` was an internal error, exit 4.
    The name is now written as its escape, as errors write it; JSON reads it back whole."""
    import os

    name = os.fsdecode(b"bad\xffname.yaml")
    path = tmp_path / name
    path.write_text(MSE, encoding="utf-8")
    code, out, err = run_encoded(["solve", str(path), "-f", "json"], monkeypatch, "utf-8")
    assert (code, err) == (0, ""), err
    assert json.loads(out)["file"] == str(path)  # "\udcff" in JSON is the character again
    for argv in (["list", str(tmp_path)], ["check", str(tmp_path)]):
        code, out, err = run_encoded(argv, monkeypatch, "utf-8")
        assert (code, err) == (0, ""), (argv, err)
        assert "bad\\udcffname" in out, (argv, out)
    report = tmp_path / "r.json"
    r = run("solve", str(path), "-o", str(report))
    assert r.exit_code == 0, r.output
    assert json.loads(report.read_bytes().decode("utf-8"))["file"] == str(path)


@pytest.mark.parametrize(
    "args",
    [
        ["solve", "{f}", "-f", "json"],
        ["solve", "-", "-f", "json"],  # the file given on standard input
        ["check", "{f}"],
        ["sheet", "{f}"],
        ["export", "{f}"],
        ["mark", "{f}", "--answer", "loss=0.125"],
        ["list", "{d}"],
    ],
)
def test_standard_output_appended_to_an_input_is_refused(tmp_path: Path, args):
    """``rnnloss solve f.yaml >> f.yaml`` appended the JSON to the problem file (no longer
    YAML afterwards), where ``-o /dev/stdout`` onto it is refused: an input is never written
    over, whichever name standard output has. Refused before anything is written, as GNU
    cat refuses ``cat f >> f``."""
    import subprocess
    import sys

    folder = tmp_path / "d"
    folder.mkdir()
    f = folder / "f.yaml"
    f.write_text(MSE, encoding="utf-8")
    argv = [a.format(f=f, d=folder) for a in args]
    with open(f, "ab") as out, open(f, "rb") as stdin:
        done = subprocess.run(
            [sys.executable, "-m", "rnnloss_cli", *argv],
            stdin=stdin,
            stdout=out,
            stderr=subprocess.PIPE,
            text=True,
        )
    assert done.returncode == 2, done.stderr
    assert f.read_text(encoding="utf-8") == MSE
    assert done.stderr.count("\n") == 1 and "never written over" in done.stderr, done.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["solve", "{c}"],
        ["sheet", "{c}"],
        ["export", "{c}"],
        ["mark", "{c}", "--answer", "loss=0.125"],
        ["grade", "{c}", "{a}"],
        ["check", "{c}"],
    ],
)
def test_standard_output_appended_to_a_file_a_custom_term_names_is_refused(tmp_path, args):
    """``mark``, ``export`` and ``grade`` appended their report to a file a custom problem's
    term reads (checked against the paths as given only), which then no longer loaded."""
    import subprocess
    import sys

    f = tmp_path / "f.yaml"
    f.write_text(MSE, encoding="utf-8")
    c = tmp_path / "c.yaml"
    c.write_text("kind: custom\nterms:\n  - {name: mse, weight: 1, file: f.yaml}\n")
    a = tmp_path / "a.csv"
    a.write_text("student,problem,figure,value\ns1,c,loss,0.125\n")
    argv = [x.format(c=c, a=a) for x in args]
    with open(f, "ab") as out:
        done = subprocess.run(
            [sys.executable, "-m", "rnnloss_cli", *argv],
            stdout=out,
            stderr=subprocess.PIPE,
            text=True,
        )
    assert f.read_text(encoding="utf-8") == MSE
    assert done.returncode == 2, done.stderr
    assert "never written over" in done.stderr.splitlines()[-1], done.stderr


def test_standard_output_appended_to_the_lm_file_of_ctc_decode_is_refused(tmp_path):
    """``ctc decode --lm lm.txt >> lm.txt`` appended the decoding to the LM file."""
    import subprocess
    import sys

    lm = tmp_path / "lm.txt"
    lm.write_text("a\t-0.5\nb\t-1.0\n")
    argv = ["ctc", "decode", "--emissions", "0.1,0.8,0.1;0.6,0.3,0.1", "--symbols", "-,a,b"]
    with open(lm, "ab") as out:
        done = subprocess.run(
            [sys.executable, "-m", "rnnloss_cli", *argv, "--lm", str(lm)],
            stdout=out,
            stderr=subprocess.PIPE,
            text=True,
        )
    assert lm.read_text() == "a\t-0.5\nb\t-1.0\n"
    assert done.returncode == 2 and "never written over" in done.stderr, done.stderr
