"""Hostile and huge input, run as a user would: a subprocess per case, never a traceback.

One case (or more) per class of issue 8: files never lost, output plumbing, numbers and
nesting, bounded sizes, training that diverges, special files, CI-friendly ``check`` output.
Every case asserts the exit code, that stderr holds no traceback, and for errors that stderr
is one line. Timeouts guard against hangs only (speed is measured in benchmarks/).
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

PROBLEMS = Path(__file__).resolve().parents[1] / "problems"
HINGE = PROBLEMS / "hinge-sequence.yaml"
HELLO = PROBLEMS / "hello.yaml"


def rnnloss(*args, stdin=None, env=None, stdout=subprocess.PIPE, timeout=60, cwd=None):
    """Run ``python -m rnnloss_cli ARGS``; return (exit code, stdout, stderr) as text."""
    full_env = {**os.environ, "PYTHONIOENCODING": "utf-8", **(env or {})}
    proc = subprocess.run(
        [sys.executable, "-m", "rnnloss_cli", *map(str, args)],
        input=stdin,
        stdout=stdout,
        stderr=subprocess.PIPE,
        env=full_env,
        timeout=timeout,
        cwd=cwd,
    )
    out = proc.stdout.decode("utf-8", "replace") if proc.stdout is not None else ""
    return proc.returncode, out, proc.stderr.decode("utf-8", "replace")


def assert_one_line_error(code: int, err: str, expected_code: int = 2) -> str:
    assert code == expected_code, err
    assert "Traceback" not in err, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: "), err
    return lines[0]


# ------------------------------------------------------------------ 1. files are never lost
def test_sheet_never_writes_over_its_own_input(tmp_path):
    p = tmp_path / "p.yaml"
    p.write_bytes(HINGE.read_bytes())
    for extra in ([], ["--force"]):
        code, _, err = rnnloss("sheet", p, "--solutions", "-o", p, *extra)
        assert "inputs" in assert_one_line_error(code, err)
    assert p.read_bytes() == HINGE.read_bytes()


def test_sheet_refuses_an_existing_file_without_force(tmp_path):
    out = tmp_path / "sheet.md"
    out.write_text("my notes", encoding="utf-8")
    code, _, err = rnnloss("sheet", HINGE, "-o", out)
    assert "--force" in assert_one_line_error(code, err)
    assert out.read_text(encoding="utf-8") == "my notes"
    code, _, err = rnnloss("sheet", HINGE, "-o", out, "--force")
    assert code == 0, err
    assert out.read_text(encoding="utf-8").startswith("#")


# ------------------------------------------------------------------ 2. output plumbing
@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_full_disk_is_one_line_and_exit_3():
    with open("/dev/full", "wb") as full:
        code, _, err = rnnloss("solve", HELLO, stdout=full)
    assert "no space" in assert_one_line_error(code, err, 3)


def test_closed_stdout_is_one_line_and_exit_3():
    proc = subprocess.run(
        [sys.executable, "-m", "rnnloss_cli", "solve", str(HELLO)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        close_fds=True,
        preexec_fn=lambda: os.close(1),
        timeout=60,
    )
    assert_one_line_error(proc.returncode, proc.stderr.decode(), 3)


@pytest.mark.parametrize("fmt", ["rich", "markdown", "json"])
def test_broken_pipe_is_exit_3_and_quiet(fmt):
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before anything is written
    with os.fdopen(write_end, "wb") as pipe:
        code, _, err = rnnloss("solve", HELLO, "--format", fmt, stdout=pipe)
    # the reader chose to stop (| head): exit 3 tells a script, and stderr stays quiet, as
    # for cat, grep or git
    assert (code, err) == (3, "")


@pytest.mark.parametrize("encoding", ["ascii", "latin-1"])
def test_non_unicode_stdout_degrades_to_ascii(encoding):
    env = {"PYTHONIOENCODING": encoding}
    for args in (["--help"], ["solve", HELLO], ["hinge", "--help"], ["explain", "ctc"]):
        code, out, err = rnnloss(*args, env=env)
        assert code == 0, err
        assert out.isascii() and out.strip()
    code, out, _ = rnnloss("solve", HELLO, env=env)
    assert "-ln P" in out and "!! alignment 2" in out


def test_json_stays_valid_and_exact_on_an_ascii_stdout():
    code, ascii_out, err = rnnloss(
        "solve", HELLO, "--format", "json", env={"PYTHONIOENCODING": "ascii"}
    )
    assert code == 0, err
    _, utf8_out, _ = rnnloss("solve", HELLO, "--format", "json")
    assert json.loads(ascii_out) == json.loads(utf8_out)


def test_stdin_is_read_once_and_as_utf8():
    text = HINGE.read_bytes()
    code, out, err = rnnloss("sheet", "-", stdin=text)
    assert code == 0, err
    assert "Hinge" in out
    code, _, err = rnnloss("solve", "-", stdin=b"kind: mse\ntitle: caf\xe9\ny: [1]\nyhat: [2]\n")
    assert "UTF-8" in assert_one_line_error(code, err) or "utf-8" in err


# ------------------------------------------------------------------ 3. numbers and nesting
def test_yaml_12_floats_are_numbers(tmp_path):
    p = tmp_path / "p.yaml"
    p.write_text(HINGE.read_text(encoding="utf-8") + "tolerance: 1e-5\n", encoding="utf-8")
    code, out, err = rnnloss("solve", p)
    # 0.467 against 0.4666...: a number now, so the key is checked to 1e-5 and disagrees.
    assert code == 1, err
    assert "tolerance" not in err


@pytest.mark.parametrize("command", [["solve"], ["check"], ["sheet"]])
def test_numbers_too_large_for_a_float_are_one_line_errors(tmp_path, command):
    p = tmp_path / "big.yaml"
    p.write_text(f"kind: mse\ny: [1, {'9' * 400}]\nyhat: [1, 2]\n", encoding="utf-8")
    code, _, err = rnnloss(*command, p)
    line = assert_one_line_error(code, err)
    assert "big.yaml:2" in line and "y" in line


def test_flag_too_large_for_a_float_is_a_one_line_error():
    code, _, err = rnnloss("mse", "--y", "1," + "9" * 400, "--yhat", "1,2")
    assert_one_line_error(code, err)


# Finite but extreme inputs: each file solves (exit 0) in every format, with no numpy
# RuntimeWarning on stderr. (file, text, loss worked by hand; None: infinite, JSON's null)
EXTREME_FILES = {
    # target A over 2 frames, y_1(A) = 0: p(l|x) = y_1(-) y_2(A) = 1, loss 0
    "ctc-emis-10.yaml": (
        'kind: ctc\nmethod: exact\ntarget: A\nsymbols: ["-", A]\nemissions: [[1, 0], [0, 1]]\n',
        0.0,
    ),
    # y_1(A) = e^-800 / (1 + e^-800) is below the smallest double; loss ~ 2e^-800 = 0
    "ctc-logits-800.yaml": (
        'kind: ctc\nmethod: exact\ntarget: A\nsymbols: ["-", A]\nlogits: [[800, 0], [0, 800]]\n',
        0.0,
    ),
    "ctc-logits-1e308.yaml": (
        'kind: ctc\nmethod: exact\ntarget: A\nsymbols: ["-", A]\n'
        "logits: [[1e308, -1e308], [-1e308, 1e308]]\n",
        0.0,
    ),
    # softmax(710, 0)[0] = 1 / (1 + e^-710): loss ln(1 + e^-710) = 4.5e-309
    "cce-logit-710.yaml": ("kind: cce\ny: [0]\nlogits: [[710, 0]]\n", 0.0),
    "nll-logit-710.yaml": ("kind: nll\ny: [0]\nlogits: [[710, 0]]\n", 0.0),
    # shifted by the max 1e3: (0, -2000, 0), loss ln 2
    "cce-1e3.yaml": ("kind: cce\ny: [0]\nlogits: [[1e3, -1e3, 1e3]]\n", math.log(2)),
    # the true class is 2e308 below the other: loss 2e308, infinite in float64
    "cce-1e308.yaml": ("kind: cce\ny: [1]\nlogits: [[1e308, -1e308]]\n", None),
    # terms 1 + 1e308 = 1e308 twice: mean 1e308 (the sum 2e308 is infinite)
    "hinge-overflow.yaml": ("kind: hinge\ny: [1, -1]\nyhat: [-1e308, 1e308]\n", 1e308),
    # (y - yhat)^2 = 4e616: infinite
    "mse-overflow.yaml": ("kind: mse\ny: [1e308]\nyhat: [-1e308]\n", None),
    # step 1: -ln softmax(1e308, -1e308)[1] = 2e308, infinite
    "seq-1e308.yaml": (
        "kind: sequence\nlogits: [[1e308, -1e308], [0, 0]]\ntargets: [1, 0]\n",
        None,
    ),
    # ln pi of the actions taken: ln 1 and ln 0.5 (the zero is on an action not taken);
    # R = (1 + 0.5 · 2, 2) = (2, 2): L = -(2 · 0 + 2 ln 0.5) = 2 ln 2
    "reinf-pol-zero.yaml": (
        "kind: reinforce\npolicy: [[1, 0], [0.5, 0.5]]\nactions: [0, 1]\n"
        "rewards: [1, 2]\ngamma: 0.5\n",
        2 * math.log(2),
    ),
}


@pytest.fixture
def extreme_folder(tmp_path):
    for name, (text, _) in EXTREME_FILES.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("fmt", ["rich", "markdown", "json", "html"])
def test_extreme_finite_numbers_solve_without_warnings(extreme_folder, fmt):
    code, out, err = rnnloss("solve", "--format", fmt, extreme_folder)
    assert code == 0, err
    assert err == "", err
    if fmt == "json":
        losses = {Path(doc["file"]).name: doc["loss"] for doc in json.loads(out)}
        assert losses.keys() == EXTREME_FILES.keys()
        for name, (_, loss) in EXTREME_FILES.items():
            if loss is None:
                assert losses[name] is None, name
            else:
                assert losses[name] == pytest.approx(loss, rel=1e-12, abs=1e-300), name


def test_check_goes_through_a_folder_of_extreme_files(extreme_folder):
    code, out, err = rnnloss("check", extreme_folder)
    assert code == 0, err
    assert err == "", err
    for name in EXTREME_FILES:
        assert name in out


def test_discounted_returns_past_the_float_range_is_one_line_error(tmp_path):
    # R_1 = 1e308 + 1e308 = 2e308 does not fit a double: refused, naming file, line and field
    p = tmp_path / "r.yaml"
    p.write_text("kind: reinforce\nprobs: [0.5, 0.5]\nrewards: [1e308, 1e308]\ngamma: 1\n")
    code, _, err = rnnloss("solve", p)
    line = assert_one_line_error(code, err)
    assert "r.yaml:3: field 'rewards'" in line and "R_1" in line, line


@pytest.mark.parametrize("style", ["flow", "block"])
def test_deep_nesting_is_a_one_line_error(tmp_path, style):
    depth = 20_000
    if style == "flow":
        body = "[" * depth + "]" * depth
    else:
        body = "".join(f"{' ' * i}a:\n" for i in range(depth)) + " " * depth + "b: 1\n"
    p = tmp_path / "deep.yaml"
    p.write_text(
        f"kind: mse\ny: {body}\n" if style == "flow" else f"kind: mse\nx:\n{body}", "utf-8"
    )
    for command in ("solve", "check", "sheet"):
        code, _, err = rnnloss(command, p)
        assert "nest" in assert_one_line_error(code, err)


# ------------------------------------------------------------------ 5. bounded sizes
def test_ctc_paths_with_astronomical_frames_refuses():
    # T = 10^18: not one alignment (a line of T symbols) could be listed
    code, _, err = rnnloss("ctc", "paths", "AB", "--frames", 10**18, timeout=20)
    assert "MAX_LISTED_SYMBOLS = 1,000,000" in assert_one_line_error(code, err)


def test_a_billion_frames_is_refused_before_allocating(tmp_path):
    p = tmp_path / "huge.yaml"
    p.write_text(
        "kind: ctc\ntarget: AB\nmethod: exact\nframes: 1000000000\n"
        "probs: {A: 0.5, B: 0.3, '-': 0.2}\n",
        encoding="utf-8",
    )
    code, _, err = rnnloss("solve", p, timeout=30)
    assert_one_line_error(code, err)


def test_an_infeasible_long_target_is_infinite_at_once(tmp_path):
    p = tmp_path / "long.yaml"
    target = "AB" * 50_000
    p.write_text(
        f"kind: ctc\ntarget: {target}\nmethod: exact\nframes: 10\n"
        "probs: {A: 0.5, B: 0.3, '-': 0.2}\n",
        encoding="utf-8",
    )
    code, out, err = rnnloss("solve", p, "--format", "json", timeout=30)
    assert code == 0, err
    doc = json.loads(out)
    assert doc["loss"] is None  # infinite, written as null with the reason
    assert any("frames" in w for w in doc["warnings"])
    assert len(out) < 200_000


# ------------------------------------------------------------------ 6. training
@pytest.mark.parametrize("lr", ["nan", "inf"])
def test_non_finite_learning_rate_is_a_usage_error(lr):
    code, _, err = rnnloss("train", "--loss", "mse", "--lr", lr, "--epochs", "2")
    assert "--lr" in assert_one_line_error(code, err)


def test_diverging_training_stops_with_a_message():
    code, _, err = rnnloss(
        "train", "--loss", "mse", "--lr", "1e12", "--optimizer", "sgd", "--clip", "0"
    )
    line = assert_one_line_error(code, err)
    assert "epoch" in line and "lr" in line


# ------------------------------------------------------------------ 7. special files
@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
@pytest.mark.parametrize("command", ["check", "list", "solve"])
def test_a_fifo_in_a_folder_is_skipped(tmp_path, command):
    (tmp_path / "p.yaml").write_bytes(HINGE.read_bytes())
    os.mkfifo(tmp_path / "pipe.yaml")
    # Opening the FIFO would block (no writer): the timeout turns that into a failure.
    code, out, err = rnnloss(command, tmp_path, timeout=30)
    assert code == 0, err
    assert "pipe.yaml" not in err


def test_a_missing_folder_is_an_error():
    code, _, err = rnnloss("check", "/nonexistent/problems")
    assert_one_line_error(code, err)


# ------------------------------------------------------------------ 9. CI-friendly check
def test_check_prints_one_line_per_figure_when_piped():
    code, out, err = rnnloss("check", PROBLEMS, env={"COLUMNS": "60"})
    assert code == 0, err
    rows = [ln for ln in out.splitlines() if ln.startswith(str(PROBLEMS)) or ln.startswith("/")]
    assert rows, out
    for ln in rows:
        assert ln.split()[0].endswith((".yaml", ".yml")), ln
        assert ln.split()[-1] in ("ok", "MISMATCH", "no-key", "bad-input"), ln


def test_list_of_a_missing_folder_is_one_line_and_prints_nothing():
    code, out, err = rnnloss("list", "/nonexistent/problems")
    assert_one_line_error(code, err)
    assert out == ""


# ------------------------------------------------------------------ 10. found by a hostile sweep
CUSTOM = PROBLEMS / "custom-combo.yaml"


def _custom_folder(tmp_path: Path) -> Path:
    """custom-combo.yaml with the two files it names, in a folder of their own."""
    for name in ("custom-combo.yaml", "seq-translation.yaml", "hinge-seq.yaml"):
        (tmp_path / name).write_bytes((PROBLEMS / name).read_bytes())
    return tmp_path / "custom-combo.yaml"


@pytest.mark.parametrize(
    "command",
    [
        ["solve", "{custom}", "-f", "json"],
        ["export", "{custom}"],
        ["sheet", "{custom}"],
        ["grade", "{custom}", "{answers}"],
        ["grade", "{folder}", "{answers}"],
    ],
)
def test_no_command_writes_over_a_file_a_custom_problem_names(tmp_path, command):
    """Even with --force, -o may not name a file a custom problem refers to, nor one a
    folder argument expands to (solve, export and grade checked only the paths as typed)."""
    custom = _custom_folder(tmp_path)
    answers = tmp_path / "answers.csv"
    answers.write_text("student,problem,figure,value\ns1,custom-combo,loss,1.2325\n")
    victim = tmp_path / "hinge-seq.yaml"
    before = victim.read_bytes()
    args = [a.format(custom=custom, answers=answers, folder=tmp_path) for a in command]
    code, _, err = rnnloss(*args, "-o", victim, "--force")
    assert "inputs" in assert_one_line_error(code, err)
    assert victim.read_bytes() == before


def test_vary_never_writes_over_a_file_its_template_names(tmp_path):
    """t.yaml names t-1.yaml, which is also vary's name for its first variant of t.yaml."""
    custom = _custom_folder(tmp_path)
    template = tmp_path / "t.yaml"
    template.write_text(custom.read_text().replace("seq-translation.yaml", "t-1.yaml"))
    victim = tmp_path / "t-1.yaml"
    victim.write_bytes((tmp_path / "seq-translation.yaml").read_bytes())
    code, _, err = rnnloss("vary", "t.yaml", "--count", "1", "-o", ".", "--force", cwd=tmp_path)
    assert "inputs" in assert_one_line_error(code, err)
    assert victim.read_bytes() == (tmp_path / "seq-translation.yaml").read_bytes()


def test_vary_meets_an_existing_file_that_is_not_utf8(tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "hello-variants-1.yaml").write_bytes(b"\xff\xfe junk")
    code, _, err = rnnloss(
        "vary", PROBLEMS / "hello-variants.yaml", "--count", "1", "-o", tmp_path / "out"
    )
    assert "--force" in assert_one_line_error(code, err)


def _alias_bomb(levels: int) -> str:
    """A custom problem whose term is used twice at each of ``levels`` levels (2^levels)."""
    lines = [
        "kind: custom",
        "terms:",
        "  - weight: 1",
        "    problem: &p0 {kind: mse, y: [1.0], yhat: [0.5]}",
    ]
    for i in range(1, levels + 1):
        twice = f"{{weight: 1, problem: *p{i - 1}}}"
        lines.append("  - weight: 1")
        lines.append(f"    problem: &p{i} {{kind: custom, terms: [{twice}, {twice}]}}")
    return "\n".join(lines) + "\n"


def test_custom_terms_used_again_and_again_are_bounded(tmp_path):
    """Aliases (or files naming the same file twice) make 2^levels terms from a few lines:
    refused past MAX_CUSTOM_TERMS, at once (14 levels took 51 s and 2 GB before)."""
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(_alias_bomb(16))  # 2^16 terms, 10^6 values
    code, _, err = rnnloss("solve", bomb, "-f", "json", timeout=30)
    assert "MAX_CUSTOM_TERMS" in assert_one_line_error(code, err)
    for i in range(30):  # d0 -> d1 (twice) -> d2 (twice) ...
        nxt = f"d{i + 1}.yaml"
        term = f"{{weight: 1, file: {nxt}}}"
        body = f"kind: custom\nterms: [{term}, {term}]\n"
        (tmp_path / f"d{i}.yaml").write_text(body)
    (tmp_path / "d30.yaml").write_text("kind: mse\ny: [1.0]\nyhat: [0.5]\n")
    code, _, err = rnnloss("check", tmp_path / "d0.yaml", timeout=30)
    assert "MAX_CUSTOM_TERMS" in assert_one_line_error(code, err)


def test_a_custom_file_term_into_a_loop_of_links_is_one_line(tmp_path):
    (tmp_path / "l1.yaml").symlink_to(tmp_path / "l2.yaml")
    (tmp_path / "l2.yaml").symlink_to(tmp_path / "l1.yaml")
    p = tmp_path / "p.yaml"
    p.write_text("kind: custom\nterms:\n  - weight: 1\n    file: l1.yaml\n")
    code, _, err = rnnloss("solve", p)
    assert "p.yaml:4" in assert_one_line_error(code, err)


def test_a_looping_link_in_a_folder_is_passed_over(tmp_path):
    (tmp_path / "p.yaml").write_bytes(HINGE.read_bytes())
    (tmp_path / "loop.yaml").symlink_to(tmp_path / "loop.yaml")
    for command in ("check", "solve", "list"):
        code, out, err = rnnloss(command, tmp_path)
        assert code == 0, err
        assert "loop.yaml" not in err


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize(
    "command", [["solve", HELLO, "-f", "json"], ["new", "mse"], ["export", HINGE]]
)
def test_an_output_file_on_a_full_disk_is_exit_3(command):
    code, _, err = rnnloss(*command, "-o", "/dev/full", "--force")
    assert "no space" in assert_one_line_error(code, err, 3)


def test_an_output_name_too_long_is_one_line(tmp_path):
    code, _, err = rnnloss("new", "mse", "-o", tmp_path / ("a" * 300 + ".yaml"))
    assert "too long" in assert_one_line_error(code, err)


def test_output_cut_short_by_the_reader_is_exit_3():
    """A big output (export of problems/, ~170 kB) whose reader stops after a few bytes: the
    rest meets the broken pipe (a single buffered write of it was lost silently, exit 0)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "rnnloss_cli", "export", str(PROBLEMS)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    proc.stdout.read(10)
    proc.stdout.close()
    err = proc.stderr.read().decode()
    proc.stderr.close()
    # the export's warnings (figures that are not one number) come before it
    err = "".join(line for line in err.splitlines(True) if not line.startswith("warning: "))
    assert (proc.wait(timeout=60), err) == (3, "")  # quiet: the reader chose to stop


@pytest.mark.parametrize("columns", ["0", "1"])
def test_a_zero_width_terminal_still_gets_the_output(columns):
    code, out, err = rnnloss("solve", HINGE, env={"COLUMNS": columns})
    assert code == 0, err
    assert "0.467" in out


@pytest.mark.parametrize("char", ["\x00", "\x07"])
def test_a_control_character_is_one_line_with_its_line(tmp_path, char):
    p = tmp_path / "p.yaml"
    p.write_text(f"kind: mse\ny: [1.0]\ntitle: a{char}b\nyhat: [0.5]\n")
    code, _, err = rnnloss("solve", p)
    assert "p.yaml:3" in assert_one_line_error(code, err)


def _unicode_problem(tmp_path: Path) -> Path:
    p = tmp_path / "uni.yaml"
    p.write_text("kind: mse\ntitle: Übung 李\ny: [1.0]\nyhat: [0.5]\nanswer: 0.25\n")
    return p


def test_html_and_xml_on_an_ascii_stdout_keep_their_text_as_references(tmp_path):
    """With PYTHONIOENCODING=ascii the pages and the Moodle bank wrote 'Ubung ?' (the
    derivations' ASCII stand-ins); character references keep the data exactly."""
    import html as html_lib
    import xml.dom.minidom

    p = _unicode_problem(tmp_path)
    ascii_env = {"PYTHONIOENCODING": "ascii"}
    code, out, err = rnnloss("export", p, env=ascii_env)
    assert code == 0, err
    assert out.isascii()
    doc = xml.dom.minidom.parseString(out)
    question = doc.getElementsByTagName("questiontext")[0].getElementsByTagName("text")[0]
    assert "Übung 李" in question.firstChild.data
    for args in (["sheet", p, "-f", "html"], ["solve", p, "-f", "html"]):
        code, out, err = rnnloss(*args, env=ascii_env)
        assert code == 0, err
        assert out.isascii() and "Übung 李" in html_lib.unescape(out)


def test_a_csv_report_is_never_changed_to_fit_an_ascii_stdout(tmp_path):
    p = _unicode_problem(tmp_path)
    answers = tmp_path / "answers.csv"
    answers.write_text("student,problem,figure,value\nZoë,uni,loss,0.25\n", encoding="utf-8")
    code, _, err = rnnloss("grade", p, answers, env={"PYTHONIOENCODING": "ascii"})
    assert "-o" in assert_one_line_error(code, err)
    out = tmp_path / "report.csv"
    code, _, err = rnnloss("grade", p, answers, "-o", out, env={"PYTHONIOENCODING": "ascii"})
    assert code == 0, err
    assert "Zoë" in out.read_text(encoding="utf-8")


def test_a_sheet_of_no_problems_is_an_error_as_for_every_command(tmp_path):
    for command in ("sheet", "export", "solve"):
        code, out, err = rnnloss(command, tmp_path)
        assert "no problem files" in assert_one_line_error(code, err), command
        assert out == ""


@pytest.mark.parametrize(
    "command",
    [["solve", HELLO, "-f", "json"], ["sheet", HINGE], ["new", "mse"], ["export", HINGE]],
)
def test_output_dash_is_standard_output(tmp_path, command):
    """-o - wrote a file named '-' in the working folder."""
    code, out, err = rnnloss(*command, "-o", "-", cwd=tmp_path)
    assert code == 0, err
    assert out.strip() and not (tmp_path / "-").exists()


def test_output_on_a_link_that_leads_nowhere_needs_force(tmp_path):
    """-o onto a dangling link or a loop of links replaced the link without --force."""
    (tmp_path / "l1").symlink_to(tmp_path / "l2")
    (tmp_path / "l2").symlink_to(tmp_path / "l1")
    (tmp_path / "dang").symlink_to(tmp_path / "nowhere")
    for name in ("l1", "dang"):
        code, _, err = rnnloss("new", "mse", "-o", tmp_path / name)
        assert "--force" in assert_one_line_error(code, err)
        assert (tmp_path / name).is_symlink()
