"""A flag fuzzer: every option of every command given hostile values, through the real entry
point (``cli_io.run``, which owns the error line and the exit code) inside CliRunner's
isolated streams.

Each command starts from a valid command line (``BASES``); each of its options (read from
the click command, so a new option is fuzzed too) is given each hostile value in turn. The
run must exit 0, 1 or 2 (3 only for an output that cannot be written, /dev/full), print no
traceback, and an error must be ONE ``error:`` line of under 2000 characters. Values a
command may accept (``-0`` as a precision) run the command whole, so the bases are small.
Cases found failing are kept in ``FOUND`` with what they did before their fix.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from rnnloss_cli.cli import io as cli_io
from rnnloss_cli.cli.app import app, app_for

ROOT = Path(__file__).resolve().parents[2]
HELLO = "hello.yaml"
HINGE = "hinge.yaml"
E2 = "0.5,0.5;0.5,0.5"

#: A valid command line for each command (run in a folder holding the files named).
BASES = {
    "solve": ["solve", HELLO],
    "check": ["check", HINGE],
    "list": ["list", "."],
    "mse": ["mse", "--y", "1,2", "--yhat", "1,2"],
    "bce": ["bce", "--y", "1,0", "--yhat", "0.5,0.5"],
    "hinge": ["hinge", "--y", "1,-1", "--yhat", "0.5,1"],
    "nll": ["nll", "--y", "0", "--yhat", "0.5,0.5"],
    "cce": ["cce", "--y", "0", "--yhat", "0.5,0.5"],
    "new": ["new", "mse"],
    "sheet": ["sheet", HINGE],
    "explain": ["explain", "mse"],
    "train": ["train", "--loss", "mse", "--epochs", "1"],
    "sequence": ["sequence", "--targets", "0,1", "--yhat", E2],
    "sequence-hinge": ["sequence-hinge", "--y", "1,-1", "--yhat", "0.8,-0.5"],
    "hinge-seq": ["hinge-seq", "--y", "1,-1", "--yhat", "0.8,-0.5"],
    "reinforce": ["reinforce", "--probs", "0.9,0.6", "--rewards", "1,0", "--gamma", "0.9"],
    "vary": ["vary", HINGE, "--count", "1", "-o", "variants/"],
    "mark": ["mark", HINGE, "--answer", "loss=1.4"],
    "grade": ["grade", HINGE, "answers.csv"],
    "export": ["export", HINGE],
    "ctc": ["ctc", "--target", "A", "--probs", "A=0.5,-=0.5", "--frames", "1"],
    "ctc paths": ["ctc", "paths", "A", "--frames", "2"],
    "ctc decode": ["ctc", "decode", "--symbols", "-,A", "--emissions", E2],
    "ctc align": ["ctc", "align", "A", "--symbols", "-,A", "--emissions", E2],
}

#: Seconds one run may take (the slowest base, train, takes about 0.2 s).
RUN_SECONDS = 10
#: Characters of an error line (say() cuts any line to 1000; the values an error echoes
#: are cut to 40-60 characters where this fuzzer found them whole: see FOUND).
MAX_ERROR_CHARS = 2000
DIGITS = "9" * 5000
#: Hostile values for any option.
VALUES = {
    "empty": "",
    "nan": "nan",
    "inf": "inf",
    "minus zero": "-0",
    "1e309": "1e309",
    "5000 digits": DIGITS,
    "double comma": "1,,2",
    "long list": ",".join(["1"] * 100_000),
    "fullwidth": "１,２",
    "rtl": "\u202e1,2",
    "controls": "1\x1b[31m\x07,\r2",
}
#: Values for output options (relative to the folder of the run): set up in ``folder``.
OUTPUTS = {
    "fifo": "fifo",
    "folder": "adir",
    "dev full": "/dev/full",
    "an input": HINGE,
}


def _command(words: list[str]):
    cmd = typer.main.get_command(app)
    for w in words:
        if not hasattr(cmd, "commands") or w not in cmd.commands:
            break
        cmd = cmd.commands[w]
    return cmd


def _options(name: str) -> list[str]:
    """The first spelling of each value option of the command ``name`` (not --help, flags)."""
    cmd = _command(name.split())
    out = []
    for p in cmd.params:
        if p.param_type_name != "option" or p.is_flag or p.name in ("help", "version"):
            continue
        if getattr(p, "is_bool_flag", False) or p.count:
            continue
        out.append(p.opts[0])
    return out


def _with(base: list[str], option: str, value: str) -> list[str]:
    """``base`` with ``option`` set to ``value`` (replaced where the base gives it)."""
    argv = list(base)
    if option in argv:
        argv[argv.index(option) + 1] = value
        return argv
    return [*argv, option, value]


def _run(argv: list[str]) -> tuple[int, str, str]:
    import signal
    import sys

    def hung(*_: object) -> None:
        raise TimeoutError(f"rnnloss {' '.join(a[:40] for a in argv)} ran past {RUN_SECONDS} s")

    runner = CliRunner()
    old = signal.signal(signal.SIGALRM, hung)
    signal.alarm(RUN_SECONDS)  # a hang (-o FIFO waited for a reader for ever) fails the test
    try:
        with runner.isolation() as (out, err, *_):
            code = cli_io.run(app_for(argv), argv)
            sys.stdout.flush()
            sys.stderr.flush()
            texts = [s.getvalue().decode("utf-8", "replace") for s in (out, err)]
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    return code, texts[0], texts[1]


@pytest.fixture
def folder(tmp_path: Path, monkeypatch) -> Path:
    shutil.copy(ROOT / "problems" / "hello.yaml", tmp_path / HELLO)
    shutil.copy(ROOT / "problems" / "hinge-sequence.yaml", tmp_path / HINGE)
    (tmp_path / "answers.csv").write_text(
        "student,problem,figure,value\nana,hinge,loss,0.467\n", encoding="utf-8"
    )
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "adir").mkdir()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "80")
    return tmp_path


def _check(argv: list[str], code: int, out: str, err: str, *, output: bool = False) -> None:
    shown = [a[:40] for a in argv]
    allowed = {0, 1, 2, 3} if output else {0, 1, 2}
    assert code in allowed, (shown, code, err[-500:])
    assert "Traceback" not in out + err, (shown, err[-500:])
    if code == 2:
        lines = [line for line in err.splitlines() if line.strip()]
        errors = [line for line in lines if line.startswith("error:")]
        assert len(errors) == 1, (shown, err[:500])
        assert len(errors[0]) < MAX_ERROR_CHARS, (shown, errors[0][:300], len(errors[0]))


def test_every_option_of_every_command_takes_hostile_values(folder):
    assert set(BASES) >= {" ".join(c) for c in _all_commands()}, "a command has no base"
    start = time.monotonic()
    for name, base in BASES.items():
        code, out, err = _run(base)
        assert code in (0, 1), (name, code, err[-300:])  # the base itself is valid
        for option in _options(name):
            if option in ("--output", "-o"):
                continue  # test_output_options
            for value in VALUES.values():
                argv = _with(base, option, value)
                _check(argv, *_run(argv))
    assert time.monotonic() - start < 60


def test_output_options(folder):
    before = (folder / HINGE).read_bytes()
    for name, base in BASES.items():
        if "--output" not in _options(name):
            continue
        for value in OUTPUTS.values():
            argv = _with(base, "-o", value) if "-o" in base else [*base, "-o", value]
            if name == "vary" and value == "adir":
                continue  # a folder is what vary writes to
            _check(argv, *_run(argv), output=True)
    assert (folder / HINGE).read_bytes() == before  # an input is never written over


def _all_commands() -> list[list[str]]:
    top = typer.main.get_command(app)
    names = []
    for word, cmd in top.commands.items():
        names.append([word])
        for sub in getattr(cmd, "commands", {}):
            names.append([word, sub])
    return names


#: What the fuzzer found, each kept as its own case: (argv, words the one error line holds).
#: Before their fixes each echoed the 5000-digit value whole (a line cut by say() to 1000
#: characters), except the FIFO, which waited for a reader for ever.
FOUND = {
    "--show": (["solve", HELLO, "--show", DIGITS], "(5,000 characters): no such table"),
    "--window": (["solve", HELLO, "--window", DIGITS], "(5,000 characters)"),
    "--window fullwidth": (["solve", HELLO, "--window", "１０"], "expected ROWS or ROWSxCOLS"),
    "--reduction": (["mse", *BASES["mse"][1:], "--reduction", DIGITS], "(5,000 characters)"),
    "--probs": (["ctc", "--target", "A", "--probs", DIGITS], "(5,000 characters)"),
    "-o long name": (["grade", HINGE, "answers.csv", "--json", DIGITS], "(5,000 characters)"),
    "-o fifo": (["solve", HELLO, "-f", "json", "-o", "fifo"], "that no one reads"),
}


@pytest.mark.parametrize("case", FOUND)
def test_found(case, folder):
    argv, words = FOUND[case]
    code, out, err = _run(argv)
    assert code == 2, (code, err[:300])
    (line,) = err.splitlines()
    assert line.startswith("error: ") and words in line, line[:300]
    assert len(line) < 300, len(line)
