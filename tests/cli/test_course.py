"""The course commands through the CLI: vary, mark, grade, export (exit codes, files)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rnnloss_cli.cli import app

runner = CliRunner()
PROBLEMS = Path(__file__).resolve().parents[2] / "problems"


def run(*args: str):
    return runner.invoke(app, list(args))


def test_vary_acceptance(tmp_path: Path):
    out1, out2, out3 = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    r = run("vary", "problems/hello.yaml", "--count", "20", "--seed", "1", "-o", str(out1))
    assert r.exit_code == 0, r.output
    assert run("check", str(out1)).exit_code == 0
    assert run("vary", "problems/hello.yaml", "-n", "20", "-s", "1", "-o", str(out2)).exit_code == 0
    assert run("vary", "problems/hello.yaml", "-n", "20", "-s", "2", "-o", str(out3)).exit_code == 0
    files = sorted(p.name for p in out1.iterdir())
    assert len(files) == 20 and files[0] == "hello-01.yaml"
    for name in files:
        assert (out1 / name).read_bytes() == (out2 / name).read_bytes()
        assert (out1 / name).read_text().split("kind:")[1] != (out3 / name).read_text().split(
            "kind:"
        )[1]
    # Again into the same folder: identical files are left alone, exit 0.
    r = run("vary", "problems/hello.yaml", "-n", "20", "-s", "1", "-o", str(out1))
    assert r.exit_code == 0 and "20 unchanged" in r.output


def test_vary_refuses_to_overwrite_a_different_file(tmp_path: Path):
    out = tmp_path / "v"
    assert run("vary", "problems/hello.yaml", "-n", "2", "-s", "1", "-o", str(out)).exit_code == 0
    r = run("vary", "problems/hello.yaml", "-n", "2", "-s", "5", "-o", str(out))
    assert r.exit_code == 2 and "--force" in r.output
    r = run("vary", "problems/hello.yaml", "-n", "2", "-s", "5", "-o", str(out), "--force")
    assert r.exit_code == 0, r.output


def test_vary_with_a_roster(tmp_path: Path):
    roster = tmp_path / "roster.csv"
    roster.write_text("id,name\ns001,Ana\ns002,Ben\n")
    out = tmp_path / "v"
    r = run("vary", "problems/hello-variants.yaml", "--ids", str(roster), "-o", str(out))
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in out.iterdir()) == [
        "hello-variants-s001.yaml",
        "hello-variants-s002.yaml",
    ]
    assert (
        "variant for s001 of hello-variants.yaml, seed 1"
        in (out / "hello-variants-s001.yaml").read_text()
    )


def test_vary_usage_errors(tmp_path: Path):
    assert run("vary", "problems/hello.yaml", "-o", str(tmp_path)).exit_code == 2
    r = run("vary", "problems/hello.yaml", "-n", "100000", "-o", str(tmp_path))
    assert r.exit_code == 2
    assert "--count: expected an integer between 1 and 10000, got 100000" in r.output
    # click read fullwidth digits (２ as 2) and echoed a 5000-digit count whole
    r = run("vary", "problems/hello.yaml", "-n", "２", "-o", str(tmp_path))
    assert r.exit_code == 2 and "digits other than 0-9" in r.output
    r = run("vary", "problems/hello.yaml", "-n", "9" * 5000, "-o", str(tmp_path))
    assert r.exit_code == 2 and "a 5,000-digit number" in r.output
    r = run("vary", "problems/hello.yaml", "-n", "1", "-s", "9" * 5000, "-o", str(tmp_path))
    assert r.exit_code == 2 and "--seed: expected an integer" in r.output
    assert len(r.output) < 300
    r = run("vary", "nope.yaml", "-n", "1", "-o", str(tmp_path))
    assert r.exit_code == 2 and "no such file" in r.output


def test_mark_acceptance():
    r = run("mark", "problems/hinge-sequence.yaml", "--answer", "loss=1.4")
    assert r.exit_code == 1, r.output
    assert "sum" in r.output and "asks for the mean" in r.output
    r = run("mark", "problems/hinge-sequence.yaml", "--answer", "loss=0.467")
    assert r.exit_code == 0, r.output


def test_mark_json_and_bad_input():
    r = run("mark", "problems/hello.yaml", "-a", "valid_only=3.673", "-f", "json")
    assert r.exit_code == 1
    assert json.loads(r.stdout)["marks"][0]["slip"] == "repeat_without_blank"
    r = run("mark", "problems/hello.yaml", "-a", "valid_only")
    assert r.exit_code == 2 and "FIGURE=VALUE" in r.output


def test_grade_writes_the_report_and_reports_bad_rows(tmp_path: Path):
    answers = tmp_path / "answers.csv"
    answers.write_text(
        "student,problem,figure,value\nana,hinge-sequence,loss,0.467\nben,hinge-sequence,loss,x\n"
    )
    out, js = tmp_path / "report.csv", tmp_path / "report.json"
    r = run(
        "grade", "problems/hinge-sequence.yaml", str(answers), "-o", str(out), "--json", str(js)
    )
    assert r.exit_code == 0, r.output
    assert "row 3" in r.output and "skipped" in r.output
    assert out.read_text().splitlines()[1] == "ana,1,2,50.0,0,"
    assert json.loads(js.read_text())["students"][0]["earned"] == 1
    assert run("grade", str(answers)).exit_code == 2


def test_export_writes_moodle_xml(tmp_path: Path):
    out = tmp_path / "quiz.xml"
    r = run("export", "problems/hinge-sequence.yaml", "--format", "moodle", "-o", str(out))
    assert r.exit_code == 0, r.output
    root = ET.parse(out).getroot()
    assert len(root.findall("question[@type='numerical']")) == 2


def test_course_commands_have_help():
    for cmd in ("vary", "mark", "grade", "export"):
        r = run(cmd, "--help")
        assert r.exit_code == 0 and "Example" in r.output


def test_vary_warns_when_nothing_varies(tmp_path: Path):
    # cce-logits has whole-number logits and a class index: the default varies nothing.
    r = run("vary", "problems/cce-logits.yaml", "-n", "2", "-o", str(tmp_path / "v"))
    assert r.exit_code == 0 and "no decimal givens" in r.output
    r = run("vary", "problems/hello.yaml", "-n", "2", "-o", str(tmp_path / "w"))
    assert "no decimal givens" not in r.output


def test_vary_refuses_bad_rules_with_exit_2_and_one_line(tmp_path: Path):
    rows = tmp_path / "rows.yaml"
    rows.write_text(
        "kind: cce\ny: [0]\nyhat:\n  - [0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.05, 0.05]\n"
        "vary:\n  yhat: {distribution: rows, decimals: 1}\n"
    )
    rng = tmp_path / "rng.yaml"
    rng.write_text(
        "kind: hinge\ny: [1, -1, 1]\nyhat: [0.8, -0.5, 0.3]\n"
        "vary:\n  yhat: {range: [0, 1.0e+300], step: 1.0e-300}\n"
    )
    for f, line in ((rows, 6), (rng, 5)):
        r = run("vary", str(f), "-n", "1", "-o", str(tmp_path / "out"))
        assert r.exit_code == 2, r.output
        assert r.output.count("\n") == 1 and f"{f}:{line}: field 'vary.yhat'" in r.output
        assert "Traceback" not in r.output and "internal error" not in r.output


def test_variants_of_a_custom_template_check_from_any_folder(tmp_path: Path, monkeypatch):
    import shutil

    tpl = tmp_path / "tpl"
    tpl.mkdir()
    for name in ("custom-combo.yaml", "seq-translation.yaml", "hinge-seq.yaml"):
        shutil.copy(f"problems/{name}", tpl / name)
    other = tmp_path / "other"
    other.mkdir()
    monkeypatch.chdir(other)
    r = run("vary", "../tpl/custom-combo.yaml", "-n", "2", "-o", "../out")
    assert r.exit_code == 0, r.output
    assert run("check", "../out").exit_code == 0
    monkeypatch.chdir(tmp_path / "out")
    r = run("check", ".")
    assert r.exit_code == 0, r.output
    assert "2 ok" in r.output


def test_export_control_characters_and_category(tmp_path: Path):
    import xml.dom.minidom

    f = tmp_path / "ctrl.yaml"
    f.write_text(
        'kind: hinge\ntitle: "ctrl \\x01 \\x0b \\e[31m end"\ny: [1, -1]\nyhat: [0.8, -0.5]\n'
    )
    out = tmp_path / "ctrl.xml"
    r = run("export", str(f), "-o", str(out), "--category", "$course$/a\x01b")
    assert r.exit_code == 0, r.output
    doc = xml.dom.minidom.parse(str(out))
    cats = [
        c.getElementsByTagName("text")[0].firstChild.data
        for c in doc.getElementsByTagName("category")
    ]
    assert cats == ["$course$/a\ufffdb/ctrl/loss"]


def test_export_warns_about_an_infinite_figure_and_refuses_an_empty_bank(tmp_path: Path):
    f = tmp_path / "inf.yaml"
    # AA needs A, blank, A: 3 frames; there are 2, so the loss is infinite.
    f.write_text(
        "kind: ctc\nmethod: exact\ntarget: AA\nsymbols: ['-', A]\n"
        "emissions:\n  - [0.5, 0.5]\n  - [0.5, 0.5]\n"
    )
    r = run("export", str(f), "-o", str(tmp_path / "q.xml"))
    assert r.exit_code == 2, r.output
    assert "infinite" in r.output and not (tmp_path / "q.xml").exists()
    r = run("export", str(f), "problems/hinge-sequence.yaml", "-o", str(tmp_path / "q.xml"))
    assert r.exit_code == 0, r.output
    assert "warning:" in r.output and "inf.yaml" in r.output


def _strict_json(text: str):
    def refuse(token):
        raise AssertionError(f"not standard JSON: {token}")

    return json.loads(text, parse_constant=refuse)


# A CTC target AA needs a blank between its copies: 3 frames; with 2 the loss is infinite.
INFINITE = (
    'kind: ctc\nmethod: exact\ntarget: AA\nsymbols: ["-", A]\nemissions: [[0.5, 0.5], [0.5, 0.5]]\n'
)


def test_mark_json_is_standard_json_with_infinities(tmp_path: Path):
    p = tmp_path / "inf.yaml"
    p.write_text(INFINITE)
    r = run("mark", str(p), "-a", "exact=inf", "-f", "json")
    assert r.exit_code == 0, r.output
    assert _strict_json(r.stdout)["marks"][0]["expected"] is None
    r = run("mark", "problems/hinge-sequence.yaml", "-a", "loss=1e400", "-f", "json")
    assert r.exit_code == 1, r.output
    assert _strict_json(r.stdout)["marks"][0]["given"] is None


def test_grade_agrees_with_mark_on_infinity_and_writes_standard_json(tmp_path: Path):
    p = tmp_path / "inf.yaml"
    p.write_text(INFINITE)
    answers = tmp_path / "a.csv"
    answers.write_text("student,problem,figure,value\nana,inf,loss,inf\nben,inf,loss,3\n")
    js = tmp_path / "r.json"
    r = run("grade", str(p), str(answers), "--json", str(js))
    assert r.exit_code == 0, r.output
    # One figure (loss, no key), 1 point: ana right (inf = inf), ben wrong.
    assert r.stdout.splitlines()[1:] == ["ana,1,1,100.0,0,", "ben,0,1,0.0,1,inf/loss: unexplained"]
    assert _strict_json(js.read_text())["students"][0]["answers"][0]["expected"] is None


def test_grade_reads_carriage_returns_and_refuses_a_huge_field(tmp_path: Path):
    answers = tmp_path / "cr.csv"
    answers.write_bytes(b"student,problem,figure,value\rana,hinge-sequence,loss,0.4667\r")
    r = run("grade", "problems/hinge-sequence.yaml", str(answers))
    assert r.exit_code == 0, r.output
    assert r.stdout.splitlines()[1] == "ana,1,2,50.0,0,"
    answers.write_text("student,problem,figure,value\nana,hinge-sequence,loss,1" + "0" * 200_000)
    r = run("grade", "problems/hinge-sequence.yaml", str(answers))
    assert r.exit_code == 2, r.output
    assert r.output.count("\n") == 1 and "MAX_CSV_FIELD_CHARS" in r.output
    assert f"{answers}:2" in r.output


def test_grade_refuses_two_problems_of_one_name(tmp_path: Path):
    for sub in ("a", "b"):
        (tmp_path / sub).mkdir()
        (tmp_path / sub / "q.yaml").write_text(Path("problems/hinge-sequence.yaml").read_text())
    answers = tmp_path / "a.csv"
    answers.write_text("student,problem,figure,value\nana,q,loss,0.467\n")
    r = run("grade", str(tmp_path / "a"), str(tmp_path / "b"), str(answers))
    assert r.exit_code == 2, r.output
    assert str(tmp_path / "a" / "q.yaml") in r.output and str(tmp_path / "b" / "q.yaml") in r.output


def test_grade_summary_keeps_its_lines(tmp_path: Path):
    # the class summary on stderr is several lines; showing control characters as escapes
    # must not turn its line breaks into "\n"
    answers = tmp_path / "answers.csv"
    answers.write_text("student,problem,figure,value\nana,hinge-sequence,loss,0.467\n")
    r = run("grade", "problems/hinge-sequence.yaml", str(answers))
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    assert "score distribution:" in lines and "\\n" not in r.output, r.output


# ------------------------------------------------------------------ hostile instructor
ANSWERS = "student,problem,figure,value\nana,hinge-sequence,loss,0.4667\n"


def _answers(tmp_path: Path) -> Path:
    answers = tmp_path / "answers.csv"
    answers.write_text(ANSWERS)
    return answers


def test_grade_refuses_one_file_for_both_reports_before_writing(tmp_path: Path):
    # -o r.csv --json r.csv wrote the CSV, then refused the JSON ("exists"): half a run; with
    # --force the JSON replaced the CSV. Also through another spelling of the same path.
    answers = _answers(tmp_path)
    out = tmp_path / "r.csv"
    for other, force in [(out, []), (out, ["--force"]), (tmp_path / "x" / ".." / "r.csv", [])]:
        (tmp_path / "x").mkdir(exist_ok=True)
        args = ["grade", "problems/hinge-sequence.yaml", str(answers), "-o", str(out)]
        r = run(*args, "--json", str(other), *force)
        assert r.exit_code == 2, r.output
        assert "same file" in r.output and r.output.count("\n") == 1
        assert not out.exists()


def test_grade_checks_both_outputs_before_writing_either(tmp_path: Path):
    answers = _answers(tmp_path)
    out, js = tmp_path / "r.csv", tmp_path / "r.json"
    js.write_text("keep")
    r = run(
        "grade", "problems/hinge-sequence.yaml", str(answers), "-o", str(out), "--json", str(js)
    )
    assert r.exit_code == 2 and "--force" in r.output
    assert not out.exists() and js.read_text() == "keep"


def test_grade_refuses_both_reports_on_standard_output(tmp_path: Path):
    # No -o: the CSV goes to standard output, so --json - would be mixed into it.
    answers = _answers(tmp_path)
    for extra in ([], ["-o", "-"]):
        r = run("grade", "problems/hinge-sequence.yaml", str(answers), *extra, "--json", "-")
        assert r.exit_code == 2, r.output
        assert "standard output" in r.output and "student," not in r.output


def test_vary_checks_every_file_before_writing_any(tmp_path: Path):
    # Variant 1 missing, 2 and 3 from seed 7: seed 8 wrote variant 1, then refused variant 2,
    # leaving a set drawn from two seeds.
    out = tmp_path / "v"
    assert run("vary", "problems/hello.yaml", "-n", "3", "-s", "7", "-o", str(out)).exit_code == 0
    (out / "hello-1.yaml").unlink()
    r = run("vary", "problems/hello.yaml", "-n", "3", "-s", "8", "-o", str(out))
    assert r.exit_code == 2 and "--force" in r.output
    assert sorted(p.name for p in out.iterdir()) == ["hello-2.yaml", "hello-3.yaml"]


def test_vary_refuses_an_output_folder_it_cannot_use(tmp_path: Path):
    long_name = tmp_path / ("a" * 300)  # past NAME_MAX: was exit 4, an internal error
    r = run("vary", "problems/hello.yaml", "-n", "1", "-o", str(long_name))
    assert r.exit_code == 2, r.output
    assert "internal error" not in r.output and r.output.count("\n") == 1
    loop = tmp_path / "loop"
    loop.symlink_to(loop)  # said "File exists"
    r = run("vary", "problems/hello.yaml", "-n", "1", "-o", str(loop))
    assert r.exit_code == 2 and "symbolic link" in r.output, r.output
    r = run("vary", "problems/hello.yaml", "-n", "1", "-o", "/dev/null")
    assert r.exit_code == 2 and "not a folder" in r.output, r.output


def test_vary_from_standard_input_names_files_that_are_not_options(tmp_path: Path):
    # "-" as the template gave "--1.yaml", a name a shell command reads as an option.
    out = tmp_path / "v"
    text = Path("problems/hello.yaml").read_text()
    r = runner.invoke(app, ["vary", "-", "-n", "1", "-o", str(out)], input=text)
    assert r.exit_code == 0, r.output
    assert [p.name for p in out.iterdir()] == ["stdin-1.yaml"]


@pytest.mark.parametrize("category", ["", "/", " $/$ "])
def test_export_an_empty_category_names_the_flag_not_an_input(category: str):
    # Found by hand: `export problems --category ''` said "error: <input>: --category: ...",
    # a file named <input> that does not exist; the flag is what was wrong.
    r = run("export", "problems/hello.yaml", "--category", category)
    assert r.exit_code == 2, r.output
    assert r.output == (
        f"error: --category: expected a category path such as week3/ctc, got {category!r}\n"
    )


def test_vary_with_a_block_that_changes_nothing_does_not_ask_for_a_block(tmp_path: Path):
    # Found by hand: a template whose vary: block draws nothing new (only constraints, or
    # {choice: [3, x]} where x is never a valid frame count) was told "has no decimal givens
    # to vary by default ... (add a vary: block)": it has one, and the default is not used.
    text = (PROBLEMS / "hello-variants.yaml").read_text(encoding="utf-8")
    block = text.index("vary:\n")
    for rules in ("  constraints: [target_fits_frames]\n", "  frames: {choice: [3, x]}\n"):
        template = tmp_path / "t.yaml"
        template.write_text(text[:block] + "vary:\n" + rules, encoding="utf-8")
        r = run("vary", str(template), "-n", "2", "-o", str(tmp_path / "v"), "--force")
        assert r.exit_code == 0, r.output
        warning = [line for line in r.output.splitlines() if line.startswith("warning:")]
        assert len(warning) == 1, r.output
        assert "add a vary: block" not in warning[0] and "by default" not in warning[0]
        assert "vary: block" in warning[0] and "repeats" in warning[0], warning


def test_vary_of_a_template_whose_name_is_not_utf8_writes_loadable_variants(tmp_path: Path):
    # Found by hand: a template file named b"bad\xffname.yaml" (Python reads the byte as the
    # lone surrogate U+DCFF) made `vary` an internal error, exit 4: the variant's first
    # line, a comment naming the template, could not be written as UTF-8.
    import os

    folder = tmp_path / "t"
    folder.mkdir()
    name = os.fsdecode(b"bad\xffname.yaml")
    (folder / name).write_bytes((PROBLEMS / "hello-variants.yaml").read_bytes())
    out = tmp_path / "v"
    r = run("vary", str(folder / name), "-n", "2", "-o", str(out))
    assert r.exit_code == 0, r.output
    written = sorted(out.iterdir())
    assert len(written) == 2
    from rnnloss_cli import solve_file

    for f in written:
        f.read_bytes().decode("utf-8")  # each variant is UTF-8 text, and loads and checks
        assert solve_file(str(f)).ok


def test_grade_warnings_are_one_line_each_whatever_the_problem_names(tmp_path: Path):
    # Found by hand: a problem file named "new\nline.yaml" split grade's "unknown problem"
    # warning, which lists the known names, over two lines of stderr (an escape character in
    # a name was already shown as \u001b, a line break was not).
    folder = tmp_path / "p"
    folder.mkdir()
    (folder / "new\nline.yaml").write_bytes((PROBLEMS / "mse-forecast.yaml").read_bytes())
    answers = tmp_path / "a.csv"
    answers.write_text("student,problem,figure,value\ns1,nope,loss,1\n", encoding="utf-8")
    r = run("grade", str(folder), str(answers))
    assert r.exit_code == 0, r.output
    warnings = [line for line in r.stderr.splitlines() if "unknown problem" in line]
    assert len(warnings) == 1 and warnings[0].endswith("; skipped"), r.stderr
    assert "new\\nline" in warnings[0]
    # and vary's lines, which name the template and the folder
    r = run("vary", str(folder / "new\nline.yaml"), "-n", "1", "-o", str(tmp_path / "v\nw"))
    assert r.exit_code == 0, r.output
    assert len(r.stderr.splitlines()) == 2, r.stderr  # "wrote ..." and the summary


def test_vary_output_dash_is_not_a_folder_named_dash(tmp_path: Path, monkeypatch):
    # Found by hand: `vary t.yaml -n 2 -o -` wrote -/t-1.yaml and -/t-2.yaml, a folder
    # named "-", where every other -o takes - for standard output; vary writes a file a
    # variant, so standard output cannot take them: refused (a path to such a folder is not).
    monkeypatch.chdir(tmp_path)
    template = str(PROBLEMS / "hello-variants.yaml")
    r = run("vary", template, "-n", "2", "-o", "-")
    assert r.exit_code == 2, r.output
    assert r.output.startswith("error: -o -:") and r.output.count("\n") == 1, r.output
    assert not (tmp_path / "-").exists()
    r = run("vary", template, "-n", "2", "-o", str(tmp_path / "-"))
    assert r.exit_code == 0, r.output
    assert len(list((tmp_path / "-").iterdir())) == 2
