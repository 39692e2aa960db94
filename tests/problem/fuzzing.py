"""Mutations of the real problem files and the invariant every run of the CLI must keep.

Shared by the hypothesis test (tests/problem/test_fuzz_problems.py, a few hundred cases) and
the long run (scripts/fuzz_problems.py, minutes to hours). A mutation takes the file's bytes
and a ``random.Random`` and returns new bytes; :func:`mutate` applies one to three of them.
:func:`run_case` writes the bytes beside copies of problems/ (so ``custom``'s ``file:`` terms
still resolve), runs ``solve``, ``solve --format json`` and ``check`` in-process through
Typer's CliRunner, and returns what broke the invariant (empty when nothing did):

- the exit code is 0, 1 or 2 and no exception other than SystemExit escaped;
- on exit 2, stderr is exactly one line, ``error: ...``, naming the file;
- no ``Traceback`` anywhere; stdout + stderr at most :data:`MAX_OUTPUT` characters;
- the case finishes within :data:`MAX_SECONDS`.
"""

from __future__ import annotations

import random
import re
import shutil
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBLEMS = ROOT / "problems"
SEEDS = sorted(PROBLEMS.glob("*.yaml"))

#: Bounds on one command's output and on one case (three commands).
MAX_OUTPUT = 2_000_000
MAX_SECONDS = 20.0

_NUMBER = re.compile(rb"(?<![\w.])-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?(?![\w.])")
_VALUE = re.compile(rb"(:[ \t]+)(\S[^\n#]*)")

#: What a number (or a scalar value) may be replaced by.
REPLACEMENTS: list[bytes] = [
    b'"abc"',
    b"'0.5'",
    b"1e309",
    b"-1e309",
    b"1" + b"0" * 400,
    b"-1" + b"0" * 400,
    b"1e-400",
    b"4.9e-324",
    b"1.7976931348623157e308",
    b".nan",
    b"nan",
    b".inf",
    b"-.inf",
    b"-1",
    b"-0.0",
    b"0",
    b"2",
    b"9223372036854775808",
    b"-9223372036854775809",
    b"true",
    b"false",
    b"null",
    b"~",
    b"[]",
    b"{}",
    b"[[1]]",
    b"[[0.5, [0.5]]]",
    b"{a: 1}",
    b'""',
    b"0x1F",
    b"0o17",
    b"1_000",
    b"0.5.5",
    b"2001-12-14",
    b"12:30:45",
    b"\xd9\xa1",  # ARABIC-INDIC DIGIT ONE
    b"\xef\xbc\x91",  # FULLWIDTH DIGIT ONE
    b"!!binary aGVsbG8=",
    b"!!set {a, b}",
    b"!!python/object:os.system ls",
    b"!!python/name:os.system",
    b"!!omap [a: 1]",
    b"!!pairs [a: 1]",
    b"!!timestamp 2001-12-14",
    b"!!float '0.5'",
    b"!!int 3",
    b"!!str 0.5",
    b"!custom 1",
    b"*undefined",
    b"&x 1",
    b"|\n  0.5",
    b">-\n  0.5",
    b"? 1",
    b"- 1",
    b"'",
    b'"',
    b"[",
    b"{",
    b"%TAG ! tag:x,2000:",
]

TAGS = [
    b"!!python/object:os.system ",
    b"!!python/object/apply:os.system ",
    b"!!binary ",
    b"!!set ",
    b"!!map ",
    b"!!seq ",
    b"!!str ",
    b"!!float ",
    b"!!int ",
    b"!!bool ",
    b"!!null ",
    b"!local ",
    b"!<tag:yaml.org,2002:str> ",
]

BILLION_LAUGHS = b"lol0: &l0 [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n" + b"".join(
    b"lol%d: &l%d [" % (i, i) + b", ".join([b"*l%d" % (i - 1)] * 10) + b"]\n" for i in range(1, 9)
)


def _lines(data: bytes) -> list[bytes]:
    return data.split(b"\n")


def _join(lines: list[bytes]) -> bytes:
    return b"\n".join(lines)


def delete_line(data: bytes, rng: random.Random) -> bytes:
    lines = _lines(data)
    del lines[rng.randrange(len(lines))]
    return _join(lines)


def duplicate_line(data: bytes, rng: random.Random) -> bytes:
    lines = _lines(data)
    i = rng.randrange(len(lines))
    lines.insert(i, lines[i])
    return _join(lines)


def swap_lines(data: bytes, rng: random.Random) -> bytes:
    lines = _lines(data)
    i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
    lines[i], lines[j] = lines[j], lines[i]
    return _join(lines)


def replace_number(data: bytes, rng: random.Random) -> bytes:
    spots = list(_NUMBER.finditer(data))
    if not spots:
        return replace_value(data, rng)
    m = rng.choice(spots)
    return data[: m.start()] + rng.choice(REPLACEMENTS) + data[m.end() :]


def _value_spot(data: bytes, rng: random.Random) -> re.Match[bytes] | None:
    """One ``key: value`` spot of ``data`` (its value is group 2), or None when there is none."""
    spots = list(_VALUE.finditer(data))
    return rng.choice(spots) if spots else None


def replace_value(data: bytes, rng: random.Random) -> bytes:
    if (m := _value_spot(data, rng)) is None:
        return data
    return data[: m.start(2)] + rng.choice(REPLACEMENTS) + data[m.end(2) :]


def reindent(data: bytes, rng: random.Random) -> bytes:
    lines = _lines(data)
    i = rng.randrange(len(lines))
    how = rng.randrange(4)
    if how == 0:
        lines[i] = b"  " + lines[i]
    elif how == 1:
        lines[i] = lines[i].lstrip(b" ")
    elif how == 2:
        lines[i] = b"\t" + lines[i]
    else:
        lines[i] = b" " + lines[i]
    return _join(lines)


def inject_tag(data: bytes, rng: random.Random) -> bytes:
    if (m := _value_spot(data, rng)) is None:
        return data
    return data[: m.start(2)] + rng.choice(TAGS) + data[m.start(2) :]


def alias_value(data: bytes, rng: random.Random) -> bytes:
    """Anchor one value and use it (alias, merge key or a bomb) somewhere else."""
    spots = list(_VALUE.finditer(data))
    how = rng.randrange(4)
    if how == 0 or len(spots) < 2:
        return BILLION_LAUGHS + data
    a, b = rng.sample(spots, 2)
    if how == 1:  # the same value twice, through an alias
        first, second = sorted((a, b), key=lambda m: m.start())
        return (
            data[: first.start(2)]
            + b"&v "
            + data[first.start(2) : second.start(2)]
            + b"*v"
            + data[second.end(2) :]
        )
    if how == 2:  # an alias to itself, or one used before its anchor
        return data[: a.start(2)] + b"&v *v" + data[a.end(2) :]
    return data + b"\n<<: {kind: mse, y: [1], yhat: [2]}\n"


def long_key(data: bytes, rng: random.Random) -> bytes:
    n = rng.choice([1025, 70_000, 300_000])
    return data + b"\n" + b"k" * n + b": 1\n"


def long_value(data: bytes, rng: random.Random) -> bytes:
    spots = list(_VALUE.finditer(data))
    if not spots:
        return data
    m = rng.choice(spots)
    filler = rng.choice([b"x" * 200_000, b"[" + b"0.5, " * 50_000 + b"0.5]", b"9" * 100_000])
    return data[: m.start(2)] + filler + data[m.end(2) :]


def bad_bytes(data: bytes, rng: random.Random) -> bytes:
    i = rng.randrange(len(data) + 1)
    junk = rng.choice([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\x00", b"\x1b[31m", b"\x85", b"\x7f"])
    return data[:i] + junk + data[i:]


def bom(data: bytes, rng: random.Random) -> bytes:
    return (
        rng.choice([b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf\xef\xbb\xbf"]) + data
    )


def tabs(data: bytes, rng: random.Random) -> bytes:
    return data.replace(b"  ", b"\t", rng.choice([1, 3, -1]))


def documents(data: bytes, rng: random.Random) -> bytes:
    how = rng.randrange(4)
    if how == 0:
        return b"---\n" + data + b"\n---\n" + data
    if how == 1:
        return b"--- \n" + data + b"\n...\n"
    if how == 2:
        return b"%YAML 1.1\n---\n" + data
    return data + b"\n---\n"


def line_endings(data: bytes, rng: random.Random) -> bytes:
    return data.replace(b"\n", rng.choice([b"\r\n", b"\r", b"\n\n", b"\x85", b"\xe2\x80\xa8"]))


def truncate(data: bytes, rng: random.Random) -> bytes:
    return data[: rng.randrange(len(data) + 1)]


def flip_byte(data: bytes, rng: random.Random) -> bytes:
    if not data:
        return data
    i = rng.randrange(len(data))
    return data[:i] + bytes([rng.randrange(256)]) + data[i + 1 :]


def splice(data: bytes, rng: random.Random) -> bytes:
    """Lines of another real problem file spliced in."""
    other = _lines(rng.choice(SEEDS).read_bytes())
    lines = _lines(data)
    i = rng.randrange(len(lines) + 1)
    j = rng.randrange(len(other))
    return _join(lines[:i] + other[j : j + rng.randrange(1, 6)] + lines[i:])


MUTATIONS: list[Callable[[bytes, random.Random], bytes]] = [
    delete_line,
    duplicate_line,
    swap_lines,
    replace_number,
    replace_number,
    replace_number,
    replace_value,
    replace_value,
    reindent,
    inject_tag,
    alias_value,
    long_key,
    long_value,
    bad_bytes,
    bom,
    tabs,
    documents,
    line_endings,
    truncate,
    flip_byte,
    splice,
    splice,
]


def mutate(data: bytes, rng: random.Random, count: int | None = None) -> bytes:
    """``data`` after ``count`` (default one to three) random mutations."""
    for _ in range(count or rng.randint(1, 3)):
        data = rng.choice(MUTATIONS)(data, rng)
    return data


def workdir(base: Path) -> Path:
    """``base`` holding a copy of problems/ (the folder a case's file is written into)."""
    folder = base / "problems"
    if not folder.exists():
        shutil.copytree(PROBLEMS, folder)
    return folder


COMMANDS: list[list[str]] = [["solve"], ["solve", "--format", "json"], ["check"]]


def run_case(data: bytes, folder: Path, commands: list[list[str]] | None = None) -> list[str]:
    """Run each command on ``data`` (written as folder/fuzzcase.yaml); the broken invariants."""
    from typer.testing import CliRunner

    from rnnloss_cli.cli import app

    path = folder / "fuzzcase.yaml"
    path.write_bytes(data)
    runner = CliRunner()
    faults: list[str] = []
    start = time.monotonic()
    for command in commands or COMMANDS:
        args = [command[0], str(path), *command[1:]]
        result = runner.invoke(app, args, env={"NO_COLOR": "1", "COLUMNS": "100"})
        out, err = result.stdout, result.stderr
        where = " ".join(["rnnloss", *args])
        exc = result.exception
        if exc is not None and not isinstance(exc, SystemExit):
            faults.append(f"{where}: raised {type(exc).__name__}: {str(exc)[:300]}")
            continue
        if result.exit_code not in (0, 1, 2):
            faults.append(f"{where}: exit {result.exit_code}: {err[-300:]}")
        if "Traceback" in out or "Traceback" in err:
            faults.append(f"{where}: a traceback in the output")
        if len(out) + len(err) > MAX_OUTPUT:
            faults.append(f"{where}: {len(out) + len(err):,} characters of output")
        if result.exit_code == 2:
            lines = err.strip().splitlines()
            if len(lines) != 1 or not lines[0].startswith("error: "):
                faults.append(f"{where}: exit 2 but stderr is not one error line: {err[:500]!r}")
            elif str(path) not in lines[0]:
                faults.append(f"{where}: the error does not name the file: {lines[0][:300]!r}")
        elif result.exit_code == 0 and err.strip():
            for line in err.strip().splitlines():
                if line.startswith("error:"):
                    faults.append(f"{where}: exit 0 with an error line: {line[:300]!r}")
    elapsed = time.monotonic() - start
    if elapsed > MAX_SECONDS:
        faults.append(f"took {elapsed:.1f} s (bound {MAX_SECONDS} s)")
    return faults
