"""Moodle XML: well-formed, one numerical question per figure, the required elements."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from rnnloss_cli.teach.moodle import html_value, moodle_xml

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
    assert cats == ["$course$/course/ctc/listed", "$course$/course/ctc/valid_only"]


def test_everything_is_escaped_and_matrices_are_tables():
    assert html_value([[0.5, "<b>"], [1, 2]]).startswith('<table border="1"><tr><td>0.5</td>')
    assert "&lt;b&gt;" in html_value([[0.5, "<b>"]])
    assert html_value({"a&b": 0.25}) == (
        '<table border="1"><tr><th>a&amp;b</th></tr><tr><td>0.25</td></tr></table>'
    )
    text = moodle_xml(["problems/hello.yaml"])
    q = ET.fromstring(text).find("question[@type='numerical']/questiontext/text").text
    assert "&quot;HELLO&quot;" in q  # the title's quotes, escaped for HTML


def test_default_category_is_the_template_name():
    from rnnloss_cli.teach.moodle import default_category

    assert default_category(["out/hello-01.yaml", "out/hello-12.yaml"]) == "rnnloss/hello"
    assert default_category(["w/hello-variants-s001.yaml", "w/hello-variants-s002.yaml"]) == (
        "rnnloss/hello-variants"
    )
    assert default_category(["problems/hello.yaml"]) == "rnnloss/hello"
