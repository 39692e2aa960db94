"""Moodle XML: well-formed, a numerical question per number figure, the required elements."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from rnnloss_cli.errors import ProblemError
from rnnloss_cli.teach.moodle import html_value, moodle_bank, moodle_xml

FILES = ["problems/hello.yaml", "problems/hinge-sequence.yaml", "problems/hello-variants.yaml"]


def test_one_numerical_question_per_figure_with_required_elements():
    root = ET.fromstring(moodle_xml(FILES))
    assert root.tag == "quiz"
    questions = root.findall("question[@type='numerical']")
    # hello: listed, valid_only; hinge-sequence: loss, sum; hello-variants: exact.
    assert len(questions) == 5
    for q in questions:
        assert q.find("name/text").text
        qt = q.find("questiontext")
        assert qt.get("format") == "html" and qt.find("text").text
        fb = q.find("generalfeedback")
        assert fb.get("format") == "html" and "<ol>" in fb.find("text").text
        answers = q.findall("answer")
        assert len(answers) == 1 and answers[0].get("fraction") == "100"
        float(answers[0].find("text").text)
        assert float(answers[0].find("tolerance").text) == 0.0005
    by_name = {q.find("name/text").text: q for q in questions}
    assert float(by_name["hinge-sequence: sum"].find("answer/text").text) == 1.4
    assert by_name["hello-variants: exact"].find("defaultgrade").text == "2"


def test_categories_group_each_figure():
    root = ET.fromstring(moodle_xml(FILES[:1], category="course/ctc"))
    cats = [q.find("category/text").text for q in root.findall("question[@type='category']")]
    assert cats == ["$course$/course/ctc/hello/listed", "$course$/course/ctc/hello/valid_only"]


def test_everything_is_escaped_and_matrices_are_tables():
    assert html_value([[0.5, "<b>"], [1, 2]]).startswith('<table border="1"><tr><td>0.5</td>')
    assert "&lt;b&gt;" in html_value([[0.5, "<b>"]])
    assert html_value({"a&b": 0.25}) == (
        '<table border="1"><tr><th>a&amp;b</th></tr><tr><td>0.25</td></tr></table>'
    )
    text = moodle_xml(["problems/hello.yaml"])
    q = ET.fromstring(text).find("question[@type='numerical']/questiontext/text").text
    assert "&quot;HELLO&quot;" in q  # the title's quotes, escaped for HTML


def test_default_category_is_the_problem_name():
    # No variants: each file is its own problem, under $course$/rnnloss/<its name>.
    cats = [c for c, _ in _categories_and_questions(moodle_xml(FILES))]
    assert cats == [
        "$course$/rnnloss/hello/listed",
        "$course$/rnnloss/hello/valid_only",
        "$course$/rnnloss/hinge-sequence/loss",
        "$course$/rnnloss/hinge-sequence/sum",
        "$course$/rnnloss/hello-variants/exact",
    ]


def _categories_and_questions(text: str) -> list[tuple[str, list[str]]]:
    """[(category, [question names])] in file order."""
    out: list[tuple[str, list[str]]] = []
    for q in ET.fromstring(text).findall("question"):
        if q.get("type") == "category":
            out.append((q.find("category/text").text, []))
        else:
            out[-1][1].append(q.find("name/text").text)
    return out


def _write_variants(template: str, folder, count: int = 2) -> list[str]:
    from pathlib import Path

    from rnnloss_cli.teach.vary import file_names, make_variants

    variants = make_variants(template, seed=1, count=count)
    paths = []
    for v, name in zip(variants, file_names(Path(template).stem, variants, True), strict=True):
        (folder / name).write_text(v.text)
        paths.append(str(folder / name))
    return paths


def test_each_template_and_each_problem_gets_its_own_category(tmp_path):
    # Numbered variants of two templates (the default stems, hinge-sequence-1 ...) and a
    # problem that is no variant: a random question from a category is one problem.
    files = [
        *_write_variants("problems/mse-forecast.yaml", tmp_path),
        *_write_variants("problems/hinge-sequence.yaml", tmp_path),
        "problems/hinge-seq.yaml",
    ]
    # Categories in the order of the files (sorted: the variants, then problems/).
    assert _categories_and_questions(moodle_xml(sorted(files))) == [
        (
            "$course$/rnnloss/hinge-sequence/loss",
            ["hinge-sequence-1: loss", "hinge-sequence-2: loss"],
        ),
        ("$course$/rnnloss/hinge-sequence/sum", ["hinge-sequence-1: sum", "hinge-sequence-2: sum"]),
        ("$course$/rnnloss/mse-forecast/loss", ["mse-forecast-1: loss", "mse-forecast-2: loss"]),
        ("$course$/rnnloss/hinge-seq/loss", ["hinge-seq: loss"]),
        ("$course$/rnnloss/hinge-seq/mean", ["hinge-seq: mean"]),
        ("$course$/rnnloss/hinge-seq/sum", ["hinge-seq: sum"]),
    ]


def test_two_problems_with_one_name_get_two_categories(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "p.yaml").write_text("kind: mse\ny: [1.0]\nyhat: [1.5]\n")
    (tmp_path / "b" / "p.yaml").write_text("kind: mse\ny: [1.0]\nyhat: [2.5]\n")
    files = [str(tmp_path / "a" / "p.yaml"), str(tmp_path / "b" / "p.yaml")]
    cats = [c for c, _ in _categories_and_questions(moodle_xml(files))]
    assert len(set(cats)) == 2


def test_a_given_category_keeps_a_context_prefix_once():
    for given in ("$course$/course/ctc", "course/ctc", "/course/ctc/"):
        cats = [c for c, _ in _categories_and_questions(moodle_xml(FILES[:1], category=given))]
        assert cats == ["$course$/course/ctc/hello/listed", "$course$/course/ctc/hello/valid_only"]
    cats = [c for c, _ in _categories_and_questions(moodle_xml(FILES[:1], category="$system$/x"))]
    assert cats[0] == "$system$/x/hello/listed"


def test_a_custom_question_shows_the_givens_of_its_terms():
    root = ET.fromstring(moodle_xml(["problems/custom-combo.yaml"]))
    text = root.find("question[@type='numerical']/questiontext/text").text
    # seq-translation.yaml's vocabulary and first row, hinge-seq.yaml's labels and scores.
    assert "&lt;eos&gt;" in text and "<td>0.7</td>" in text
    # (negative numbers signed U+2212, as the feedback's tables write them)
    assert "<p>yhat: [0.8, \u22120.5, 0.3]</p>" in text and "<p>y: [1, \u22121, 1]</p>" in text
    assert "weight 0.7" in text and "weight 0.3" in text
    assert "seq-translation.yaml" not in text


def test_a_tight_tolerance_gets_enough_digits(tmp_path):
    # (0.0045 - 0.001)^2 = 0.0035^2 = 1.225e-5, checked to 1e-9.
    f = tmp_path / "tiny.yaml"
    f.write_text(
        "kind: mse\ny: [0.001]\nyhat: [0.0045]\ntolerance: 1.0e-9\nanswer:\n  loss: 1.225e-5\n"
    )
    q = ET.fromstring(moodle_xml([str(f)])).find("question[@type='numerical']")
    assert abs(float(q.find("answer/text").text) - 1.225e-5) <= 1e-10
    assert float(q.find("answer/tolerance").text) == 1e-9
    text = q.find("questiontext/text").text
    assert "3 decimals" not in text and "1e-09" in text


def test_the_default_tolerance_says_three_decimals():
    q = ET.fromstring(moodle_xml(["problems/hinge-sequence.yaml"]))
    text = q.find("question[@type='numerical']/questiontext/text").text
    assert "3 decimals" in text and "0.0005" in text


def test_control_characters_leave_the_xml_well_formed(tmp_path):
    import xml.dom.minidom

    f = tmp_path / "ctrl.yaml"
    f.write_text(
        'kind: hinge\ntitle: "ctrl \\x01 \\x0b \\e[31m end"\nnotes: "note \\x02"\n'
        "y: [1, -1, 1]\nyhat: [0.8, -0.5, 0.3]\n"
    )
    text = moodle_xml([str(f)], category="a\x01b")
    doc = xml.dom.minidom.parseString(text.encode())
    cat = doc.getElementsByTagName("category")[0].getElementsByTagName("text")[0]
    assert cat.firstChild.data.startswith("$course$/a\ufffdb/")
    assert "ctrl \ufffd \ufffd \ufffd[31m end" in text


def test_an_infinite_figure_is_named_in_a_warning(tmp_path):
    from rnnloss_cli.teach.moodle import moodle_bank

    f = tmp_path / "inf.yaml"
    # AA needs A, blank, A: 3 frames; there are 2, so the loss is infinite.
    f.write_text(
        "kind: ctc\nmethod: exact\ntarget: AA\nsymbols: ['-', A]\n"
        "emissions:\n  - [0.5, 0.5]\n  - [0.5, 0.5]\n"
    )
    bank = moodle_bank([str(f)])
    assert ET.fromstring(bank.text).findall("question") == [] and bank.questions == 0
    assert len(bank.warnings) == 1
    assert "inf.yaml" in bank.warnings[0] and "infinite" in bank.warnings[0]


def test_givens_are_written_exactly_not_rounded():
    """1234567.0 and 1234568.0 (and 0.1234567, 0.1234561) printed at 6 significant digits
    looked equal, though their squared errors make the key."""
    assert html_value([1234567.0, 0.1234567]) == "[1234567.0, 0.1234567]"
    assert html_value([[0.1234561, 2.5]]).count("0.1234561") == 1
    assert html_value(1e-05) == "1e-05"


# ------------------------------------------------------------------ any title, symbol, name
def _xml_text(s: str) -> str:
    """What XML 1.0 can hold of ``s``: its forbidden characters as U+FFFD (the export's rule)."""
    import re

    return re.sub("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]", "\ufffd", s)


def test_any_title_source_and_category_give_well_formed_xml(tmp_path):
    import html

    import yaml
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    # a category of only "/", "$" and spaces is refused (exit 2): tested elsewhere
    categories = st.text(min_size=1).filter(lambda c: c.strip().strip("/").strip("$/"))

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(title=st.text(min_size=1), source=st.text(), category=categories)
    def check(title, source, category):
        f = tmp_path / "q.yaml"
        data = {"kind": "hinge", "title": title, "source": source, "y": [1], "yhat": [0.5]}
        text = yaml.safe_dump(data, allow_unicode=True)
        f.write_text(text, encoding="utf-8")
        # PyYAML's round trip may change a title (a raw NEL, U+0085, dumped in a quoted
        # scalar reads back as a line break folded to a space): expect the title as read
        title = yaml.safe_load(text)["title"]
        root = ET.fromstring(moodle_xml([str(f)], category=category).encode("utf-8"))
        question = root.find("question[@type='numerical']")
        assert question is not None
        # the title reaches the question text whole (HTML-escaped, never cut at a "]]>"), up
        # to XML's end-of-line handling: a parser reads a carriage return as a line feed
        shown = f"<p><b>{html.escape(_xml_text(title))}</b></p>"
        shown = shown.replace("\r\n", "\n").replace("\r", "\n")
        assert shown in question.findtext("questiontext/text")

    check()


def test_hostile_names_and_symbols_give_well_formed_xml(tmp_path):
    # A file name and CTC symbols with markup, a CDATA end, an emoji, CJK, a C1 control
    # (from a file system that allows them).
    name = "a&b<]]>😀日\x85"
    f = tmp_path / f"{name}.yaml"
    f.write_text(
        "kind: ctc\nmethod: exact\ntitle: \"<b>&amp; ]]> \\x1b 😀\"\ntarget: ['<&', ']]>']\n"
        "symbols: ['-', '<&', ']]>']\nemissions:\n  - [0.2, 0.7, 0.1]\n  - [0.3, 0.3, 0.4]\n"
        "  - [0.2, 0.1, 0.7]\n",
        encoding="utf-8",
    )
    root = ET.fromstring(moodle_xml([str(f)]).encode("utf-8"))
    names = [q.findtext("name/text") for q in root.findall("question[@type='numerical']")]
    assert names == [f"{_xml_text(name)}: loss"]  # no key: the loss
    html_text = root.find("question[@type='numerical']/questiontext/text").text
    assert "&lt;&amp;" in html_text and "]]&gt;" in html_text  # the symbols, escaped HTML


# ------------------------------------------------------------------ tolerances Moodle can check
# Moodle's numerical question accepts answer ± (tolerance + 1e-14 · max(1, |answer|)) (PHP's
# default precision 14, qtype_numerical_answer::get_tolerance_interval) and keeps the tolerance
# in a 255-character column (question_numerical.tolerance).
# loss = ((1 - 1.5)² + (2 - 2.5)²) / 2 = (0.25 + 0.25) / 2 = 0.25; tolerance is on line 5.
QUARTER = "kind: mse\ntitle: t\ny: [1, 2]\nyhat: [1.5, 2.5]\ntolerance: {}\nanswer:\n  loss: 0.25\n"


@pytest.mark.parametrize(
    "tolerance, expected",
    [
        # 1e-14 · max(1, 0.25) = 1e-14: anything finer is widened by Moodle to about 1e-14
        ("1.0e-300", "expected 0 (exact) or at least 1e-14"),
        ("9.0e-15", "expected 0 (exact) or at least 1e-14"),
        # max(1, |0.25|) = 1: a tolerance of 1 or more accepts 0 and answers of either sign
        ("1", "expected less than 1"),
        ("1.0e+300", "expected less than 1"),
    ],
)
def test_a_tolerance_moodle_cannot_check_is_refused_on_one_line(tmp_path, tolerance, expected):
    f = tmp_path / "q.yaml"
    f.write_text(QUARTER.format(tolerance))
    with pytest.raises(ProblemError) as err:
        moodle_bank([str(f)])
    msg = str(err.value)
    assert msg.startswith(f"{f}:5: field 'tolerance': ") and expected in msg, msg
    assert "\n" not in msg and "300 decimals" not in msg


def test_a_tolerance_too_long_for_moodle_s_column_is_refused(tmp_path):
    # loss = (0 - 1e150)² = 1e300; a tolerance of 1e290 is small beside it, but written in
    # plain decimals it is 291 characters, more than the 255 Moodle stores
    f = tmp_path / "big.yaml"
    f.write_text("kind: mse\ny: [0]\nyhat: [1.0e+150]\ntolerance: 1.0e+290\n")
    with pytest.raises(ProblemError) as err:
        moodle_bank([str(f)])
    assert "field 'tolerance'" in str(err.value) and "255" in str(err.value), str(err.value)


def test_the_default_tolerance_is_named_when_moodle_cannot_check_it(tmp_path):
    # loss = (0 - 1e8)² = 1e16: Moodle widens by 1e-14 · 1e16 = 100, far beyond 0.0005
    f = tmp_path / "big.yaml"
    f.write_text("kind: mse\ny: [0]\nyhat: [1.0e+8]\n")
    with pytest.raises(ProblemError) as err:
        moodle_bank([str(f)])
    msg = str(err.value)
    assert "field 'tolerance'" in msg and "the default" in msg and "at least 100" in msg, msg


@pytest.mark.parametrize(
    "tolerance, words",
    [
        ("0", "exactly"),
        ("1.0e-14", "to 14 decimals"),  # the finest Moodle checks for 0.25: log10(2e-14) = -13.7
        ("0.5", "to a whole number"),  # under max(1, 0.25) = 1
    ],
)
def test_tolerances_moodle_can_check_are_written_as_given(tmp_path, tolerance, words):
    f = tmp_path / "q.yaml"
    f.write_text(QUARTER.format(tolerance))
    q = ET.fromstring(moodle_xml([str(f)])).find("question[@type='numerical']")
    assert float(q.find("answer/tolerance").text) == float(tolerance)
    assert words in q.find("questiontext/text").text


def test_export_of_an_uncheckable_tolerance_is_exit_2_with_one_line(tmp_path):
    from typer.testing import CliRunner

    from rnnloss_cli.cli import app

    f = tmp_path / "q.yaml"
    f.write_text(QUARTER.format("1.0e-300"))
    r = CliRunner().invoke(app, ["export", str(f), "--format", "moodle"])
    assert r.exit_code == 2, r.output
    assert r.stderr.count("\n") == 1 and "field 'tolerance'" in r.stderr, r.stderr
    assert "<quiz" not in r.stdout


# ------------------------------------------------------------------ what each question asks
def _asks(path: str) -> dict[str, str]:
    """figure -> the question's last paragraph ("Compute ..."), unescaped."""
    import html
    import re

    root = ET.fromstring(moodle_xml([path]))
    out = {}
    for q in root.findall("question[@type='numerical']"):
        figure = q.find("name/text").text.split(": ", 1)[1]
        text = html.unescape(q.find("questiontext/text").text)
        out[figure] = re.findall(r"<p>(Compute [^<]*)</p>", text)[-1]
    return out


def test_a_probability_is_asked_without_a_unit_and_by_its_words():
    # rnnt-ab-two-frames: probability p(y|x) = .245 (a probability: no unit), loss −ln .245
    # (nats); "Compute the figure probability (in nats)" asked for a probability in nats
    asks = _asks("problems/rnnt-ab-two-frames.yaml")
    assert "nats" not in asks["probability"] and "p(y|x)" in asks["probability"], asks
    assert ", in nats," in asks["loss"], asks
    asks = _asks("problems/ctc-decode-beam-vs-greedy.yaml")
    assert all("nats" not in a and "p(l|x)" in a for a in asks.values()), asks


@pytest.mark.parametrize(
    ("path", "unit"),
    [
        ("problems/mse-forecast.yaml", None),  # (y − ŷ)²: no logarithm, no unit; was "nats"
        ("problems/bptt-two-steps.yaml", None),  # squared error, no 1/2: no unit; was "nats"
        ("problems/hinge-sequence.yaml", None),  # max(0, 1 − y ŷ): no unit; was "nats"
        ("problems/bce-bits.yaml", "bits"),  # log_base 2
        ("problems/nll-two-words.yaml", "nats"),
    ],
)
def test_a_loss_is_asked_in_its_own_unit(path: str, unit: str | None):
    for ask in _asks(path).values():
        if unit is None:
            assert not any(u in ask for u in ("nats", "bits", "bans")), ask
        else:
            assert f", in {unit}," in ask, ask


def test_text_and_array_figures_are_asked_without_a_warning():
    # ctc-decode-beam-vs-greedy's key holds the labellings greedy "" and beam "a" (text):
    # they are shortanswer questions (tests/teach/test_moodle_text.py). bptt-two-steps'
    # gradients (arrays) are asked entry by entry (tests/teach/test_moodle_arrays.py).
    from pathlib import Path

    problems = Path(__file__).resolve().parents[2] / "problems"
    names = ("ctc-decode-beam-vs-greedy.yaml", "bptt-two-steps.yaml")
    bank = moodle_bank([str(problems / n) for n in names])
    assert not bank.warnings, bank.warnings
    assert len(ET.fromstring(bank.text).findall("question[@type='shortanswer']")) == 2


def test_feedback_prints_a_number_as_the_derivation_does():
    # The worked solution in the feedback is the derivation at 4 digits with its guard digits:
    # a number reads the same in the tables and the lines (the table printed 6 significant
    # digits of its own: A_t · ln π = -0.0604067 beside the objective line's -0.0604).
    import re
    from pathlib import Path

    from rnnloss_cli.problem import load_problem
    from rnnloss_cli.solve import solve
    from rnnloss_cli.teach.moodle import feedback_html

    path = Path(__file__).resolve().parents[2] / "problems" / "reinforce-episode.yaml"
    fb = feedback_html(solve(load_problem(str(path))))
    first_row = re.search(r"<tr><td>1</td>(.*?)</tr>", fb).group(1)
    cells = re.findall(r"<td>([^<]*)</td>", first_row)
    term, baseline = cells[6], cells[4]  # A_t · ln π and b of step 1
    objective = re.search(r"objective J = [^:]*: ([^<]*)</li>", fb).group(1)
    assert objective.startswith(term + " + "), (term, objective)
    assert f"/ 3 = {baseline}</li>" in fb, baseline
