"""The pytest11 plugin: problem files collected as answer-key tests (run with pytester)."""

from __future__ import annotations

from importlib.metadata import entry_points

import pytest

# In-process pytester runs drop modules first imported during the run; numpy cannot be loaded
# twice in one process, so import what the plugin uses before any run.
import rnnloss_cli.problem  # noqa: F401
import rnnloss_cli.render.text  # noqa: F401
import rnnloss_cli.solve  # noqa: F401

pytest_plugins = ["pytester"]

GOOD = """\
kind: mse
title: good key
y: [1.0, 2.0, 3.0, 4.0]
yhat: [1.5, 1.8, 3.4, 3.9]
answer: 0.115
"""
# Same data, key off by 0.085 (the mean of 0.25, 0.04, 0.16, 0.01 is 0.115, not 0.2).
WRONG = GOOD.replace("answer: 0.115", "answer: 0.2").replace("good key", "wrong key")
HINGE_TWO_FIGURES = """\
kind: hinge
y: [1, -1, 1]
yhat: [0.8, -0.5, 0.3]
answer:
  loss: 0.467
  sum: 1.4
"""


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    """Run pytest in-process without the unrelated plugins (faster start-up)."""
    quiet = ("-p", "no:cacheprovider", "-p", "no:hypothesispytest", "-p", "no:benchmark")
    return pytester.runpytest(*quiet, *args)


def test_entry_point_is_registered():
    names = {ep.name: ep.value for ep in entry_points(group="pytest11")}
    assert names.get("rnnloss") == "rnnloss_cli.pytest_plugin"


def test_two_files_one_wrong_key_fails_exactly_that_one(pytester: pytest.Pytester):
    pytester.makefile(".yaml", good=GOOD, wrong=WRONG)
    result = run(pytester)
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*wrong.yaml: answer key figure 'loss' disagrees:*",
            "*expected  0.2*",
            "*got       0.115*",
            "*tolerance 0.0005*",
            "FAILED wrong.yaml::loss*",
        ]
    )
    assert "good.yaml::loss" not in result.stdout.str().split("short test summary")[-1]
    assert "Traceback" not in result.stdout.str()


def test_one_item_per_answer_figure(pytester: pytest.Pytester):
    pytester.makefile(".yaml", hinge=HINGE_TWO_FIGURES)
    result = run(pytester, "-v")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*hinge.yaml::loss PASSED*", "*hinge.yaml::sum PASSED*"])


def test_malformed_file_fails_with_the_problem_error_line(pytester: pytest.Pytester):
    pytester.makefile(
        ".yaml", shape="kind: mse\ny: [1, 2]\nyhat: [1]\n", syntax="kind: mse\ny: [1, 2\n"
    )
    result = run(pytester)
    result.assert_outcomes(failed=2)
    out = result.stdout.str()
    assert "bad problem file: shape.yaml:2: field 'y': y has shape (2,)" in out
    assert "bad problem file: syntax.yaml:2: not valid YAML" in out  # makefile drops the last \n
    assert "Traceback" not in out and "rnnloss_cli/" not in out


def test_file_without_key_passes_when_it_solves(pytester: pytest.Pytester):
    pytester.makefile(".yml", nokey="kind: mse\ny: [1]\nyhat: [2]\n")
    result = run(pytester, "-v")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*nokey.yml::solves PASSED*"])


def test_other_yaml_is_ignored(pytester: pytest.Pytester):
    pytester.makefile(".yml", ci="on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n")
    pytester.makefile(".yaml", manifest="apiVersion: v1\nkind: Service\n", listing="- 1\n- 2\n")
    result = run(pytester)
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED


def test_yaml_under_tests_folder_left_alone_unless_pointed_at(pytester: pytest.Pytester):
    """A repository's own test fixtures are not collected by a plain ``pytest``."""
    fixtures = pytester.mkdir("tests").joinpath("fixtures")
    fixtures.mkdir()
    fixtures.joinpath("bad.yaml").write_text(WRONG)
    pytester.path.joinpath("problems").mkdir()
    pytester.path.joinpath("problems", "good.yaml").write_text(GOOD)
    plain = run(pytester)
    plain.assert_outcomes(passed=1)
    pointed = run(pytester, "tests/fixtures")
    pointed.assert_outcomes(failed=1)
    pointed_file = run(pytester, "tests/fixtures/bad.yaml")
    pointed_file.assert_outcomes(failed=1)


def test_testpaths_do_not_count_as_pointing(pytester: pytest.Pytester):
    """rnnloss's own layout: ``testpaths = tests`` and fixtures below tests/ stay quiet."""
    pytester.makeini("[pytest]\ntestpaths = tests\n")
    tests = pytester.mkdir("tests")
    tests.joinpath("bad.yaml").write_text(WRONG)
    tests.joinpath("test_plugin_layout_probe.py").write_text("def test_ok():\n    pass\n")
    result = run(pytester)
    result.assert_outcomes(passed=1)


def test_plugin_can_be_disabled(pytester: pytest.Pytester):
    pytester.makefile(".yaml", wrong=WRONG)
    result = run(pytester, "-p", "no:rnnloss")
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED


def test_shipped_problems_pass(pytester: pytest.Pytester):
    from pathlib import Path

    problems = Path(__file__).resolve().parents[1] / "problems"
    for src in sorted(problems.glob("*.yaml")):
        pytester.path.joinpath(src.name).write_text(src.read_text(encoding="utf-8"))
    result = run(pytester)
    outcomes = result.parseoutcomes()
    assert outcomes.get("failed", 0) == 0, result.stdout.str()
    assert outcomes.get("passed", 0) >= 1
