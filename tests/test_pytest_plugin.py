"""The pytest11 plugin: opt-in collection of problem files as answer-key tests (pytester)."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import pytest

# In-process pytester runs drop modules first imported during the run; numpy cannot be loaded
# twice in one process, so import what the plugin uses before any run.
import rnnloss_cli.engine.errors  # noqa: F401
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
#: The files of a repository that has never heard of rnnloss.
K8S_MANIFEST = """\
apiVersion: v1
kind: Service
metadata:
  name: web
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
"""
HELM_TEMPLATE = """\
apiVersion: v1
kind: Service
metadata:
  name: {{ .Values.name }}
spec:
  {{- include "ports" . | nindent 2 }}
"""
SEQUENCE_CONFIG = "kind: sequence\nsteps:\n  - build\n  - deploy\n"
DEEP_YAML = "[" * 10_000 + "]" * 10_000 + "\n"


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    """Run pytest in-process without the unrelated plugins (faster start-up)."""
    quiet = ("-p", "no:cacheprovider", "-p", "no:hypothesispytest", "-p", "no:benchmark")
    return pytester.runpytest(*quiet, *args)


def problems_folder(pytester: pytest.Pytester, name: str = "problems", **files: str) -> Path:
    """``[pytest] rnnloss_problems = <name>`` and the folder holding ``files`` (stem: text)."""
    pytester.makeini(f"[pytest]\nrnnloss_problems = {name}\n")
    folder = pytester.mkdir(name)
    for stem, text in files.items():
        folder.joinpath(f"{stem}.yaml").write_text(text)
    return folder


def test_entry_point_is_registered():
    names = {ep.name: ep.value for ep in entry_points(group="pytest11")}
    assert names.get("rnnloss") == "rnnloss_cli.pytest_plugin"


def test_nothing_is_collected_without_the_setting(pytester: pytest.Pytester):
    """Opt-in: even a real problem file with a wrong key is left alone when not configured."""
    pytester.makefile(".yaml", wrong=WRONG, good=GOOD)
    result = run(pytester)
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED
    assert "rnnloss:" not in result.stdout.str()  # no header line either


def test_two_files_one_wrong_key_fails_exactly_that_one(pytester: pytest.Pytester):
    problems_folder(pytester, good=GOOD, wrong=WRONG)
    result = run(pytester)
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "rnnloss: problem files in problems",
            "*problems/wrong.yaml: answer key figure 'loss' disagrees:*",
            "*expected  0.2*",
            "*got       0.115*",
            "*tolerance 0.0005*",
            "FAILED problems/wrong.yaml::loss*",
        ]
    )
    assert "good.yaml::loss" not in result.stdout.str().split("short test summary")[-1]
    assert "Traceback" not in result.stdout.str()


def test_one_item_per_answer_figure(pytester: pytest.Pytester):
    problems_folder(pytester, hinge=HINGE_TWO_FIGURES)
    result = run(pytester, "-v")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*hinge.yaml::loss PASSED*", "*hinge.yaml::sum PASSED*"])


def test_malformed_file_fails_with_the_problem_error_line(pytester: pytest.Pytester):
    problems_folder(
        pytester, shape="kind: mse\ny: [1, 2]\nyhat: [1]\n", syntax="kind: mse\ny: [1, 2\n"
    )
    result = run(pytester)
    result.assert_outcomes(failed=2)
    out = result.stdout.str()
    assert "bad problem file: problems/shape.yaml:2: field 'y': y has shape (2,)" in out
    assert "bad problem file: problems/syntax.yaml:3: not valid YAML" in out
    assert "Traceback" not in out and "rnnloss_cli/" not in out


def test_file_without_key_passes_when_it_solves(pytester: pytest.Pytester):
    pytester.makeini("[pytest]\nrnnloss_problems = problems\n")
    pytester.mkdir("problems").joinpath("nokey.yml").write_text("kind: mse\ny: [1]\nyhat: [2]\n")
    result = run(pytester, "-v")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*nokey.yml::solves PASSED*"])


def test_an_owned_file_that_is_not_a_problem_fails(pytester: pytest.Pytester):
    """A configured folder holds problem files only: other YAML there is reported, not skipped."""
    problems_folder(pytester, manifest="apiVersion: v1\nkind: Service\n")
    result = run(pytester)
    result.assert_outcomes(failed=1)
    assert "bad problem file: problems/manifest.yaml:2: field 'kind': unknown kind 'Service'" in (
        result.stdout.str()
    )


def test_yaml_outside_the_folders_is_never_opened(pytester: pytest.Pytester):
    """Beside a configured folder: a wrong key, broken YAML, a manifest: none is collected."""
    problems_folder(pytester, good=GOOD)
    pytester.makefile(".yaml", wrong=WRONG, broken="kind: mse\ny: [1, 2\n", manifest=K8S_MANIFEST)
    result = run(pytester)
    result.assert_outcomes(passed=1)


def test_subfolders_of_a_configured_folder_are_collected(pytester: pytest.Pytester):
    folder = problems_folder(pytester, good=GOOD)
    folder.joinpath("week2").mkdir()
    folder.joinpath("week2", "wrong.yml").write_text(WRONG)
    result = run(pytester)
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["FAILED problems/week2/wrong.yml::loss*"])


def test_named_paths_are_collected_only_below_a_configured_folder(pytester: pytest.Pytester):
    problems_folder(pytester, good=GOOD, wrong=WRONG)
    pytester.mkdir("elsewhere").joinpath("wrong.yaml").write_text(WRONG)
    run(pytester, "problems/wrong.yaml").assert_outcomes(failed=1)
    run(pytester, "problems/good.yaml::loss").assert_outcomes(passed=1)
    run(pytester, "problems").assert_outcomes(passed=1, failed=1)
    # Not below the folder: pytest's own answer, as without rnnloss (nothing collected).
    assert run(pytester, "elsewhere").ret == pytest.ExitCode.NO_TESTS_COLLECTED
    assert run(pytester, "elsewhere/wrong.yaml").ret == pytest.ExitCode.USAGE_ERROR


def test_several_folders_and_a_missing_one(pytester: pytest.Pytester):
    pytester.makeini("[pytest]\nrnnloss_problems = a b\n")
    pytester.mkdir("a").joinpath("good.yaml").write_text(GOOD)
    pytester.mkdir("b").joinpath("wrong.yaml").write_text(WRONG)
    run(pytester).assert_outcomes(passed=1, failed=1)
    pytester.makeini("[pytest]\nrnnloss_problems = a problms\n")
    result = run(pytester)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*rnnloss_problems (in *tox.ini): no such folder: *problms"])


@pytest.mark.parametrize(
    "config_file, text",
    [
        ("pytest.ini", "[pytest]\nrnnloss_problems = problems\n"),
        ("pyproject.toml", '[tool.pytest.ini_options]\nrnnloss_problems = ["problems"]\n'),
        ("setup.cfg", "[tool:pytest]\nrnnloss_problems = problems\n"),
        ("tox.ini", "[pytest]\nrnnloss_problems = problems\n"),
    ],
)
def test_the_one_line_works_in_every_config_file(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, config_file: str, text: str
):
    pytester.path.joinpath(config_file).write_text(text)
    pytester.mkdir("problems").joinpath("wrong.yaml").write_text(WRONG)
    sub = pytester.mkdir("sub")  # the path is relative to the config file, not to the cwd
    sub.joinpath("test_probe.py").write_text("def test_ok():\n    pass\n")
    run(pytester).assert_outcomes(passed=1, failed=1)
    monkeypatch.chdir(sub)  # resolved against sub/ the folder would be missing: exit 4
    run(pytester).assert_outcomes(passed=1)
    run(pytester, "../problems").assert_outcomes(failed=1)


def test_the_setting_can_be_given_once_on_the_command_line(pytester: pytest.Pytester):
    pytester.mkdir("problems").joinpath("wrong.yaml").write_text(WRONG)
    run(pytester, "-o", "rnnloss_problems=problems").assert_outcomes(failed=1)


@pytest.mark.parametrize("raised", ["EngineError", "ValueError"])
def test_only_bad_input_is_a_one_line_failure(pytester: pytest.Pytester, raised: str):
    """EngineError is bad input (one line); any other error is a bug: pytest shows it whole."""
    problems_folder(pytester, good=GOOD)
    pytester.makeconftest(
        f"""
        import rnnloss_cli.solve as s
        from rnnloss_cli.engine.errors import EngineError
        original = s.solve
        def boom(problem):
            raise {raised}("the engine refused: probe")
        def pytest_configure(config):
            s.solve = boom
        def pytest_unconfigure(config):
            s.solve = original
        """
    )
    result = run(pytester)
    out = result.stdout.str()
    if raised == "EngineError":
        result.assert_outcomes(failed=1)
        assert "bad problem file: the engine refused: probe" in out
    else:
        result.assert_outcomes(errors=1)
        assert "ValueError: the engine refused: probe" in out
        assert "bad problem file" not in out


def test_plugin_can_be_disabled(pytester: pytest.Pytester):
    problems_folder(pytester, wrong=WRONG)
    result = run(pytester, "-p", "no:rnnloss")
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED


def test_shipped_problems_pass(pytester: pytest.Pytester):
    problems = Path(__file__).resolve().parents[1] / "problems"
    texts = {src.stem: src.read_text(encoding="utf-8") for src in sorted(problems.glob("*.yaml"))}
    problems_folder(pytester, **texts)
    result = run(pytester)
    outcomes = result.parseoutcomes()
    assert outcomes.get("failed", 0) == 0, result.stdout.str()
    assert outcomes.get("passed", 0) >= len(texts)


# ----------------------------------------------------------------------------- acceptance
def _scratch_repo(root: Path) -> None:
    """A repository that does not use rnnloss: manifests, templates, configs, data, a test."""
    for rel, text in {
        "k8s/web.yaml": K8S_MANIFEST,
        "chart/templates/service.yaml": HELM_TEMPLATE,
        "config/pipeline.yaml": SEQUENCE_CONFIG,
        "data/deep.yaml": DEEP_YAML,
        "fixtures/sample-problem.yaml": WRONG,  # looks like a problem, but the repo never opted in
        "test_x.py": "def test_x():\n    assert 1 + 1 == 2\n",
    }.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)


def _outcome(root: Path, *args: str) -> tuple[int, dict[str, int], str]:
    """Exit code and outcome counts of ``python -m pytest`` in ``root`` (a fresh process)."""
    env = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}  # only the plugin under test
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    counts = pytest.RunResult.parse_summary_nouns(proc.stdout.splitlines())
    return proc.returncode, counts, proc.stdout + proc.stderr


def test_acceptance_an_unrelated_repository_gives_the_same_result(tmp_path: Path):
    """Kubernetes/Helm/config/deep YAML and a test: same outcome with and without the plugin."""
    _scratch_repo(tmp_path)
    without = _outcome(tmp_path, "-p", "no:rnnloss")
    with_plugin = _outcome(tmp_path, "-p", "rnnloss_cli.pytest_plugin")
    assert without[:2] == (0, {"passed": 1}), without[2]
    assert with_plugin[:2] == without[:2], with_plugin[2]


def test_acceptance_an_opted_in_repository_reports_only_its_own_files(tmp_path: Path):
    """The same repository plus ``rnnloss_problems = problems``: one more item, nothing else."""
    _scratch_repo(tmp_path)
    (tmp_path / "pytest.ini").write_text("[pytest]\nrnnloss_problems = problems\n")
    (tmp_path / "problems").mkdir()
    (tmp_path / "problems" / "good.yaml").write_text(GOOD)
    code, counts, out = _outcome(tmp_path, "-p", "rnnloss_cli.pytest_plugin")
    assert (code, counts) == (0, {"passed": 2}), out


def test_a_linked_file_in_the_folder_is_collected_as_check_checks_it(pytester: pytest.Pytester):
    """problems/week1.yaml -> ../shared/week1.yaml (a wrong key): `rnnloss check problems`
    checks it, and the plugin decided ownership from the resolved path (outside problems/)
    and collected nothing: "1 passed". Provenance: helper audit 2 of the CLI, F2."""
    folder = problems_folder(pytester, good=GOOD)
    pytester.mkdir("shared").joinpath("week1.yaml").write_text(WRONG)
    folder.joinpath("week1.yaml").symlink_to(Path("..", "shared", "week1.yaml"))
    result = run(pytester)
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["FAILED problems/week1.yaml::loss*"])


def test_linked_folders_below_the_folder_are_passed_over_as_check_does(pytester: pytest.Pytester):
    """A link back up (problems/up -> ..) made one figure 41 items, and a linked copy
    (problems/week2 -> week1) each figure twice; `rnnloss check` passes over linked folders
    (README). Provenance: helper audit 2 of the CLI, F3."""
    folder = problems_folder(pytester, good=GOOD)
    folder.joinpath("week1").mkdir()
    folder.joinpath("week1", "wrong.yaml").write_text(WRONG)
    folder.joinpath("up").symlink_to(Path(".."), target_is_directory=True)
    folder.joinpath("week2").symlink_to(Path("week1"), target_is_directory=True)
    result = run(pytester)
    result.assert_outcomes(passed=1, failed=1)
