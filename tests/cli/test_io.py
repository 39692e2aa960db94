"""cli/io.py: ASCII fallback, output errors, internal errors, safe writes."""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from rnnloss_cli.cli import io as cli_io
from rnnloss_cli.cli.app import app, app_for
from tests.cli.streams import run_encoded

PROBLEMS = Path(__file__).resolve().parents[2] / "problems"


# ------------------------------------------------------------------ ASCII fallback
@pytest.mark.parametrize(
    "text, expected",
    [
        ("−ln 0.5", "-ln 0.5"),
        ("α_t(s) · y_t", "a_t(s) * y_t"),
        ("0.6 × 0.2", "0.6 x 0.2"),
        ("⚠ note ✔", "!! note ok"),
        ("┃ s ┃", "| s |"),
        ("plain", "plain"),
        ("ŷ", "yhat"),
        ("é", "\\u00e9"),  # a user symbol is escaped, never merged with its base letter
        ("日", "\\u65e5"),  # nor lost as "?"
    ],
)
def test_to_ascii(text, expected):
    assert cli_io.to_ascii(text) == expected
    assert cli_io.to_ascii(text).isascii()


def test_stream_on_ascii_only_output_degrades_instead_of_failing():
    raw = io.TextIOWrapper(io.BytesIO(), encoding="ascii")
    assert not cli_io.encodes_unicode(raw)
    s = cli_io.StdoutStream(raw, ascii_only=True)
    s.write("p = α × β − 1\n")
    s.flush()
    raw.seek(0)
    assert raw.read() == "p = a x b - 1\n"


def test_latin1_is_not_enough_for_the_derivations():
    assert not cli_io.encodes_unicode(io.TextIOWrapper(io.BytesIO(), encoding="latin-1"))
    assert cli_io.encodes_unicode(io.TextIOWrapper(io.BytesIO(), encoding="utf-8"))


# ------------------------------------------------------------------ run(): exit codes
def _run(argv, monkeypatch, stdout=None):
    """Run the real entry point in-process with our own stdout and stderr."""
    out = stdout if stdout is not None else io.StringIO()
    err = io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)
    code = cli_io.run(app_for(argv), argv)
    return code, out, err


def _patch_solve(monkeypatch, fn) -> None:
    """Replace rnnloss_cli.solve.solve for one test. rnnloss_cli.checking is imported first:
    ``solve`` imports it, and a first import under the patch bound the patched function
    there for good (``check`` then failed every file in test_app.py run after this file)."""
    import rnnloss_cli.checking  # noqa: F401
    import rnnloss_cli.solve as solve_mod

    monkeypatch.setattr(solve_mod, "solve", fn)


def test_internal_error_is_exit_4_with_one_line_and_no_traceback(monkeypatch):

    def broken(problem, **kw):
        raise ValueError("shapes (3,) and (4,) not aligned")  # a bug, not bad input

    _patch_solve(monkeypatch, broken)
    code, _, err = _run(["solve", str(PROBLEMS / "hinge-sequence.yaml")], monkeypatch)
    assert code == cli_io.EXIT_INTERNAL
    lines = err.getvalue().strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("error: internal error (ValueError: shapes")
    assert "please report" in lines[0] and "--debug" in lines[0]


def test_debug_shows_the_traceback(monkeypatch):

    _patch_solve(monkeypatch, lambda p, **kw: 1 / 0)
    argv = ["solve", str(PROBLEMS / "hinge-sequence.yaml"), "--debug"]
    code, _, err = _run(argv, monkeypatch)
    assert code == cli_io.EXIT_INTERNAL
    assert "Traceback" in err.getvalue() and "ZeroDivisionError" in err.getvalue()


def test_engine_error_is_bad_input_exit_2(monkeypatch):
    from rnnloss_cli.engine.errors import EngineError

    def refuse(problem, **kw):
        raise EngineError("target: class index 7 outside [0, 2]")

    _patch_solve(monkeypatch, refuse)
    code, _, err = _run(["solve", str(PROBLEMS / "hinge-sequence.yaml")], monkeypatch)
    assert code == cli_io.EXIT_BAD_INPUT
    assert err.getvalue() == "error: target: class index 7 outside [0, 2]\n"


class _Full(io.StringIO):
    def write(self, s):
        raise OSError(28, "No space left on device")


def test_full_disk_is_exit_3(monkeypatch):
    code, _, err = _run(["solve", str(PROBLEMS / "hello.yaml")], monkeypatch, stdout=_Full())
    assert code == cli_io.EXIT_OUTPUT
    assert "no space left" in err.getvalue()


@pytest.mark.parametrize("fmt", ["rich", "markdown", "json"])
def test_broken_pipe_is_exit_3_in_every_format(monkeypatch, fmt):
    class Pipe(io.StringIO):
        def write(self, s):
            raise BrokenPipeError(32, "Broken pipe")

    argv = ["solve", str(PROBLEMS / "hello.yaml"), "--format", fmt]
    code, _, err = _run(argv, monkeypatch, stdout=Pipe())
    assert code == cli_io.EXIT_OUTPUT, err.getvalue()
    assert err.getvalue() == ""  # the reader chose to stop (| head): no error line


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["solve"], "Missing argument"),
        (["no-such-command"], "No such command 'no-such-command'. (see: rnnloss --help)"),
        # --frames 0 is now the flag's own one-line error (no help pointer); a click one:
        (["ctc", "paths", "AB", "-T", "2", "--format", "x"], "(see: rnnloss ctc paths --help)"),
        (["mse", "--y", "1"], "Missing option '--yhat'"),
    ],
)
def test_usage_error_is_exit_2_and_one_line(monkeypatch, argv, words):
    code, _, stream = _run(argv, monkeypatch)
    err = stream.getvalue()
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("error: "), err
    assert words in err


def test_key_mismatch_stays_exit_1(monkeypatch, tmp_path):
    bad = tmp_path / "wrong.yaml"
    text = (PROBLEMS / "hinge-sequence.yaml").read_text(encoding="utf-8")
    bad.write_text(text.replace("loss: 0.467", "loss: 0.5"), encoding="utf-8")
    code, _, err = _run(["solve", str(bad)], monkeypatch)
    assert code == 1
    assert "answer key disagrees" in err.getvalue()


# ------------------------------------------------------------------ safe writes
def test_write_file_refuses_an_existing_file_without_force(tmp_path):
    out = tmp_path / "sheet.md"
    out.write_text("old", encoding="utf-8")
    with pytest.raises(typer.Exit) as exc:
        cli_io.write_file("new", out)
    assert exc.value.exit_code == 2
    assert out.read_text(encoding="utf-8") == "old"
    cli_io.write_file("new", out, force=True)
    assert out.read_text(encoding="utf-8") == "new"


def test_write_file_never_writes_over_an_input_even_with_force(tmp_path):
    src = tmp_path / "p.yaml"
    src.write_text("kind: mse", encoding="utf-8")
    link = tmp_path / "alias.yaml"
    link.symlink_to(src)
    for out in (src, link, tmp_path / "sub" / ".." / "p.yaml"):
        (tmp_path / "sub").mkdir(exist_ok=True)
        with pytest.raises(typer.Exit):
            cli_io.write_file("# markdown", out, force=True, inputs=[str(src)])
    assert src.read_text(encoding="utf-8") == "kind: mse"


def test_write_file_is_atomic_an_interrupted_write_keeps_the_old_file(tmp_path, monkeypatch):
    out = tmp_path / "sheet.md"
    out.write_text("old", encoding="utf-8")

    def interrupted(src, dst):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(typer.Exit):
        cli_io.write_file("new", out, force=True)
    assert out.read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sheet.md"]  # no temporary left


def test_write_file_keeps_the_mode_of_the_file_it_replaces(tmp_path):
    out = tmp_path / "sheet.md"
    out.write_text("old", encoding="utf-8")
    out.chmod(0o640)
    cli_io.write_file("new", out, force=True)
    assert out.stat().st_mode & 0o777 == 0o640


def test_write_file_creates_missing_folders(tmp_path):
    out = tmp_path / "problems" / "my-ctc.yaml"
    cli_io.write_file("kind: ctc\n", out)
    assert out.read_text(encoding="utf-8") == "kind: ctc\n"


def test_write_file_through_a_link_replaces_its_file_and_keeps_the_link(tmp_path):
    # --force on a link replaced the link by a file and left the file it led to unchanged
    real = tmp_path / "real.md"
    real.write_text("old", encoding="utf-8")
    link = tmp_path / "link.md"
    link.symlink_to(real)
    cli_io.write_file("new", link, force=True)
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_text(encoding="utf-8") == "new"


@pytest.mark.parametrize(
    ("path", "stream"),
    [("/dev/stdout", True), ("/dev/fd/3", True), ("/proc/self/fd/1", True), ("/dev", False),
     ("/tmp/dev/x", False), ("devices/x", False)],
)  # fmt: skip
def test_paths_under_dev_and_proc_are_streams(path, stream):
    assert cli_io.is_stream_path(Path(path)) is stream


def _run_rnnloss(args, **kwargs):
    import subprocess

    return subprocess.run(
        [sys.executable, "-m", "rnnloss_cli", *args], capture_output=False, timeout=120, **kwargs
    )


def test_o_dev_stdout_writes_to_standard_output_and_leaves_dev_stdout_alone(tmp_path):
    # Standard output redirected to a file: /dev/stdout is then a link to that file. It asked
    # for --force, which replaced the system's /dev/stdout link by a file.
    before = os.readlink("/dev/stdout")
    out = tmp_path / "out.md"
    with open(out, "w") as fh:
        done = _run_rnnloss(
            ["sheet", "problems/hello.yaml", "-o", "/dev/stdout"], stdout=fh, stderr=-1
        )
    assert done.returncode == 0, done.stderr
    assert out.read_text(encoding="utf-8").startswith("# ")
    assert os.path.islink("/dev/stdout") and os.readlink("/dev/stdout") == before


def test_a_closed_stdout_only_matters_to_a_command_that_prints(tmp_path):
    # >&- : sheet -o writes its file and says so on stderr (it was refused at the start,
    # exit 3); check, which prints its table, still ends with exit 3
    def closed():
        os.close(1)

    out = tmp_path / "s.md"
    done = _run_rnnloss(
        ["sheet", "problems/hello.yaml", "-o", str(out)], preexec_fn=closed, stderr=-1
    )
    assert done.returncode == 0, done.stderr
    assert out.read_text(encoding="utf-8").startswith("# ")
    done = _run_rnnloss(["check", "problems/hello.yaml"], preexec_fn=closed, stderr=-1)
    assert done.returncode == 3
    assert b"standard output is closed" in done.stderr


def test_a_closed_stdout_is_closed_whatever_the_text_holds(tmp_path):
    # grade's CSV with a non-ASCII name on >&- said stdout could not encode it (exit 2,
    # "set PYTHONIOENCODING"): a closed stream has no encoding to fault
    answers = tmp_path / "a.csv"
    answers.write_text("student,problem,figure,value\nJosé,hinge-sequence,loss,0.4667\n")
    done = _run_rnnloss(
        ["grade", "problems/hinge-sequence.yaml", str(answers)],
        preexec_fn=lambda: os.close(1),
        stderr=-1,
    )
    assert done.returncode == 3, done.stderr
    assert done.stderr.decode().splitlines()[-1].endswith("standard output is closed")


def test_write_file_under_a_file_names_the_file_that_is_not_a_folder(tmp_path, capsys):
    # -o p.yaml/out.html: making the folder p.yaml failed with "File exists", which is true
    # of p.yaml but not what is wrong with the output path
    (tmp_path / "p.yaml").write_text("kind: mse", encoding="utf-8")
    out = tmp_path / "p.yaml" / "sub" / "out.html"
    with pytest.raises(typer.Exit) as exc:
        cli_io.write_file("<p>", out)
    assert exc.value.exit_code == 2
    err = capsys.readouterr().err
    assert f"{tmp_path / 'p.yaml'} is not a folder" in err, err


def test_app_keeps_a_full_app_for_help():
    assert app_for(["--help"]) is app


# ------------------------------------------------------------------ control characters
def _run_utf8(argv, monkeypatch):
    """The real entry point with UTF-8 stdout and stderr."""
    return run_encoded(argv, monkeypatch, "utf-8")


# YAML's double-quoted escapes give any control character: ESC [ 8 m hides what follows on a
# terminal (a MISMATCH too), ESC ] 0 ; sets the window's title, ESC [ 2 J clears the screen.
EVIL = 'kind: mse\ntitle: "a \\e[8m hidden"\nnotes: "two\\nlines \\e[2J"\ny: [1]\nyhat: [2]\n'


@pytest.mark.parametrize("fmt", ["rich", "markdown"])
def test_control_characters_from_a_file_are_shown_not_sent_to_the_terminal(
    tmp_path, monkeypatch, fmt
):
    path = tmp_path / "evil.yaml"
    path.write_text(EVIL, encoding="utf-8")
    code, out, err = _run_utf8(["solve", str(path), "-f", fmt], monkeypatch)
    assert code == 0, err
    assert "\x1b" not in out, repr(out)
    # markdown escapes the "[" that follows
    assert out.count("\\u001b") == 2 and "[8m hidden" in out.replace("\\[", "["), out
    assert "two\n" in out and "lines" in out  # a note's line break stays a line break


def test_an_error_naming_a_field_with_a_line_break_stays_one_line(tmp_path, monkeypatch):
    path = tmp_path / "key.yaml"
    path.write_text('kind: mse\n"a\\nb\\e[31m": 1\ny: [1]\nyhat: [2]\n', encoding="utf-8")
    code, _, err = _run_utf8(["solve", str(path)], monkeypatch)
    assert code == cli_io.EXIT_BAD_INPUT
    assert err.count("\n") == 1 and "\x1b" not in err, repr(err)
    assert "field 'a\\nb\\u001b[31m': unknown field" in err, err


def test_an_internal_error_with_a_multi_line_message_is_still_one_line(monkeypatch):

    def broken(problem, **kw):
        raise ValueError("operands could not be broadcast\ntogether with shapes (3,) (4,)")

    _patch_solve(monkeypatch, broken)
    code, _, err = _run(["solve", str(PROBLEMS / "hinge-sequence.yaml")], monkeypatch)
    assert code == cli_io.EXIT_INTERNAL
    assert len(err.getvalue().strip().splitlines()) == 1, err.getvalue()
    assert "broadcast\\ntogether" in err.getvalue()


# ------------------------------------------------------------------ Rich's public API only
def _no_private_reads_from_rnnloss(cls):
    """``cls`` whose private attributes (``_cells``, ``_render``, ...) raise when read from
    rnnloss's code: Rich may rename them in any release (it is not pinned above), and a
    rename would silently drop the ASCII stand-ins and the control-character escapes. Rich
    itself (and the standard library it calls) still reads them."""

    class Guarded(cls):
        def __getattribute__(self, name):
            if name.startswith("_") and not name.startswith("__"):
                caller = sys._getframe(1).f_globals.get("__name__", "")
                if caller.startswith("rnnloss_cli"):
                    raise AttributeError(f"{caller} read Rich's private {cls.__name__}.{name}")
            return super().__getattribute__(name)

    Guarded.__name__ = cls.__name__
    return Guarded


def test_map_texts_reads_rich_tables_through_the_public_api_only(monkeypatch):
    import rich.console
    import rich.table
    from rich.text import Text

    # Table.add_column and add_row build their Column objects from rich.table's global
    monkeypatch.setattr(rich.table, "Column", _no_private_reads_from_rnnloss(rich.table.Column))
    table = _no_private_reads_from_rnnloss(rich.table.Table)(title="t \x1b[8m")
    table.add_column("ŷ", justify="right")
    table.add_column("name")
    table.add_row("0.5", Text("Ä\x1b[2J", style="bold"))
    table.add_row("1", "b", end_section=True)
    group = _no_private_reads_from_rnnloss(rich.console.Group)(table, "α · y")

    out = io.TextIOWrapper(io.BytesIO(), encoding="ascii")  # Rich then draws ASCII boxes
    console = cli_io._console_class()(file=out, width=40, highlight=False, emoji=False)
    console.ascii_only = True
    console.print(group)
    out.flush()
    text = out.buffer.getvalue().decode("ascii")
    assert text.isascii() and "\x1b" not in text, repr(text)
    # hand-written: title, the header "ŷ" -> "yhat", "Ä" -> "\u00c4", ESC -> "\u001b"
    assert "t \\u001b[8m" in text and "yhat" in text and "a * y" in text, text
    row = next(line for line in text.splitlines() if "\\u00c4" in line)
    assert row.split("|")[1:3] == ["  0.5 ", " \\u00c4\\u001b[2J "], row
    # every line of the box (borders and rows) is the same width
    box = [line for line in text.splitlines() if line[:1] in "+|"]
    assert len(box) == 6 and len({len(line) for line in box}) == 1, text


def test_map_texts_does_not_rely_on_a_group_keeping_its_list(monkeypatch):
    from rich.console import Group

    class FreshGroup(Group):
        """A Group whose ``renderables`` is a new list on every read (its public contract
        is only "a list"; Rich 15 happens to keep one)."""

        @property
        def renderables(self):
            return list(super().renderables)

    out = io.TextIOWrapper(io.BytesIO(), encoding="ascii")
    console = cli_io._console_class()(file=out, width=40, highlight=False, emoji=False)
    console.ascii_only = True
    console.print(FreshGroup("α · y \x1b[2J", "Ä"))
    out.flush()
    # hand-written: "α" -> "a", "·" -> "*", ESC -> "\u001b", "Ä" -> "\u00c4"
    assert out.buffer.getvalue().decode("ascii") == "a * y \\u001b[2J\n\\u00c4\n"


def test_the_file_on_standard_input_is_never_written_over(tmp_path):
    # `solve - -o p.yaml --force < p.yaml` replaced the problem file it had just read with
    # its markdown (the input was "-", so the input check compared no path), and
    # `-o /dev/stdin < p.yaml`, a stream path, wrote into p.yaml without even --force
    src = tmp_path / "p.yaml"
    other = tmp_path / "q.yaml"
    text = "kind: mse\ny: [1, 2]\nyhat: [1.5, 2.5]\n"
    src.write_text(text, encoding="utf-8")
    other.write_text(text, encoding="utf-8")
    for args in (
        ["solve", "-", "--format", "markdown", "-o", str(src), "--force"],
        ["solve", str(other), "--format", "markdown", "-o", "/dev/stdin"],
        ["solve", str(other), "--format", "markdown", "-o", "/dev/stdin", "--force"],
    ):
        with open(src, encoding="utf-8") as stdin:
            done = _run_rnnloss(args, stdin=stdin, stdout=-1, stderr=-1)
        assert done.returncode == 2, (args, done.stderr)
        assert done.stderr.decode().count("\n") == 1, done.stderr
        assert b"standard input" in done.stderr, done.stderr
        assert src.read_text(encoding="utf-8") == text, args


def test_a_file_a_custom_term_reads_is_never_written_over(tmp_path, monkeypatch):
    # Two ways past the input check, each replacing the term's problem file with markdown:
    # a custom problem on standard input ("-" was skipped when its terms' files were listed)
    # and a file named by a custom problem nested inline in another (only the top level's
    # terms were followed).
    monkeypatch.chdir(tmp_path)
    term = tmp_path / "m.yaml"
    text = "kind: mse\ny: [1, 2]\nyhat: [1.5, 2.5]\n"
    term.write_text(text, encoding="utf-8")
    by_file = "kind: custom\nterms:\n  - {weight: 1, file: m.yaml}\n"
    nested = (
        "kind: custom\nterms:\n  - weight: 1\n    problem:\n      kind: custom\n"
        "      terms:\n        - {weight: 1, file: m.yaml}\n"
    )
    (tmp_path / "nest.yaml").write_text(nested, encoding="utf-8")
    for args, stdin in (
        (["solve", "-", "--format", "markdown", "-o", "m.yaml", "--force"], by_file),
        (["solve", "nest.yaml", "--format", "markdown", "-o", "m.yaml", "--force"], None),
    ):
        result = CliRunner().invoke(app, args, input=stdin)
        assert result.exit_code == 2, (args, result.output)
        assert "is one of this command's inputs" in result.stderr, result.stderr
        assert term.read_text(encoding="utf-8") == text, args


def test_bidirectional_overrides_from_a_file_are_shown_not_obeyed(tmp_path):
    # U+202E (right-to-left override) and U+2066..2069 (isolates) reorder what a terminal
    # shows after them ("Trojan Source"): a title could make "MISMATCH" read otherwise.
    assert cli_io.visible_controls("a\u202eb\u2066c") == "a\\u202eb\\u2066c"
    f = tmp_path / "bidi.yaml"
    f.write_text('kind: mse\ntitle: "ok \\u202e HCTAMSIM"\ny: [1]\nyhat: [3]\n')
    result = CliRunner().invoke(app, ["solve", str(f)])
    assert result.exit_code == 0, result.output
    assert "\u202e" not in result.stdout and "\\u202e" in result.stdout, result.stdout


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32", "utf-8-sig", "utf-8", "cp1252"])
@pytest.mark.parametrize("first_big", [False, True])
def test_big_texts_written_to_the_descriptor_add_no_byte_order_mark(tmp_path, encoding, first_big):
    # Found by hand: `PYTHONIOENCODING=utf-8-sig rnnloss solve big.yaml` (or utf-16) had a
    # U+FEFF in the middle of its output before each table of 100 rows or more: a text of
    # DIRECT_WRITE_CHARS or more was encoded on its own, and these codecs open every encoded
    # text with a byte-order mark; the stream's start is the only place for one.
    big = "row 1,2,3\n" * (cli_io.DIRECT_WRITE_CHARS // 10 + 1)
    pieces = [big, "small\n", big] if first_big else ["small\n", big, "small\n", big]
    path = tmp_path / "out.txt"
    with open(path, "wb") as handle:
        raw = io.TextIOWrapper(handle, encoding=encoding)
        s = cli_io.StdoutStream(raw, ascii_only=False)
        for piece in pieces:
            s.write(piece)
        s.flush()
    data = path.read_bytes()
    text = data.decode(encoding)  # the one mark at the start, if the codec has one, dropped
    assert text == "".join(pieces)
    assert "\ufeff" not in text
